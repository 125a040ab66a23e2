/* SPDX-License-Identifier: MIT */
/* kt-bad-viewer: a viewer that passes every check a sharer makes (TLS 1.3
 * with the viewer's own certificate, so the pin matches; a well-formed
 * WELCOME to its HELLO) and then misbehaves as told, for the hostile-viewer
 * test.
 *
 *   kt-bad-viewer PORTFILE CERTDIR LOG
 *
 * Listens on a free port of 127.0.0.1 (written to PORTFILE), takes one
 * connection, welcomes it (no recording), then does what stdin says, one
 * command a line, while it reads what the sharer sends:
 *   flood TYPE COUNT    COUNT well-formed frames of TYPE (pointer, ping,
 *                       keyframe, report, limits)
 *   oversized TYPE LEN  a frame of TYPE whose header claims LEN bytes,
 *                       followed by 64 of them
 *   wrong TYPE          a frame a sharer must refuse: of a type only a
 *                       sharer sends (consent "granted", empty video or
 *                       paused), or a pointer out of range (-100000, 0)
 * At the end of stdin it keeps reading until the sharer closes.  LOG gets
 * one line per frame received ("rx VIDEO 1234"), "sent ..." per command
 * done, and "closed" at the end. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <kyoyu/kyoyu.h>

#include "proto/wire.h"

static SSL *ssl;
static int fd = -1;
static FILE *log_file;
static uint8_t rx[1 << 16];
static size_t rx_len;
static bool hello_seen, closed;

static void die(const char *what)
{
	fprintf(stderr, "kt-bad-viewer: %s\n", what);
	ERR_print_errors_fp(stderr);
	exit(2);
}

/* Logs every whole frame in rx; remembers the hello's codec. */
static void take_frames(uint32_t *codec)
{
	size_t off = 0;

	while (rx_len - off >= KP_WIRE_HEADER_SIZE) {
		uint32_t len = (uint32_t)rx[off] << 24 | (uint32_t)rx[off + 1] << 16 |
			       (uint32_t)rx[off + 2] << 8 | rx[off + 3];
		uint8_t type = rx[off + 4];
		if (len > sizeof(rx) - KP_WIRE_HEADER_SIZE) {
			/* A big VIDEO: logged from its header, skipped as it comes. */
			fprintf(log_file, "rx %s %u\n", kp_wire_type_name(type), len);
			rx_len = 0;
			return;
		}
		if (rx_len - off < KP_WIRE_HEADER_SIZE + len)
			break;
		const uint8_t *body = rx + off + KP_WIRE_HEADER_SIZE;
		if (type == KP_WIRE_HELLO && len >= 12 && codec) {
			*codec = KYOYU_FOURCC(body[8], body[9], body[10], body[11]);
			hello_seen = true;
		}
		if (type == KP_WIRE_CONSENT && len == 1)
			fprintf(log_file, "rx CONSENT %u\n", body[0]);
		else
			fprintf(log_file, "rx %s %u\n", kp_wire_type_name(type), len);
		off += KP_WIRE_HEADER_SIZE + len;
	}
	memmove(rx, rx + off, rx_len - off);
	rx_len -= off;
	fflush(log_file);
}

/* Reads what is there without waiting. */
static void read_some(uint32_t *codec)
{
	for (;;) {
		if (rx_len == sizeof(rx))
			rx_len = 0; /* a frame too big to keep: its header was logged */
		int n = SSL_read(ssl, rx + rx_len, (int)(sizeof(rx) - rx_len));
		if (n > 0) {
			rx_len += (size_t)n;
			take_frames(codec);
			continue;
		}
		int e = SSL_get_error(ssl, n);
		if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
			closed = true;
		ERR_clear_error();
		return;
	}
}

/* Writes all of P, reading meanwhile so a sharer answering pings is never
 * stuck behind us.  False once the sharer is gone. */
static bool write_all(const uint8_t *p, size_t n)
{
	while (n > 0 && !closed) {
		int k = SSL_write(ssl, p, (int)n);
		if (k > 0) {
			p += k, n -= (size_t)k;
			continue;
		}
		int e = SSL_get_error(ssl, k);
		ERR_clear_error();
		if (e != SSL_ERROR_WANT_WRITE && e != SSL_ERROR_WANT_READ)
			return false;
		struct pollfd pfd = {fd, POLLIN | POLLOUT, 0};
		poll(&pfd, 1, 1000);
		read_some(NULL);
	}
	return !closed;
}

static bool send_msg(const kp_wire_msg *m)
{
	uint8_t out[KP_WIRE_FRAME_MAX];
	size_t n = kp_wire_encode(m, 0, out);

	return n > 0 && write_all(out, n);
}

static bool send_raw_frame(uint8_t type, uint32_t len, const uint8_t *body, size_t have)
{
	uint8_t head[KP_WIRE_HEADER_SIZE] = {(uint8_t)(len >> 24), (uint8_t)(len >> 16),
					     (uint8_t)(len >> 8), (uint8_t)len, type};
	return write_all(head, sizeof(head)) && write_all(body, have);
}

static int type_of(const char *name)
{
	static const struct { const char *name; int type; } types[] = {
		{"pointer", KP_WIRE_POINTER}, {"ping", KP_WIRE_PING},
		{"keyframe", KP_WIRE_KEYFRAME_REQUEST}, {"report", KP_WIRE_REPORT},
		{"limits", KP_WIRE_LIMITS}, {"consent", KP_WIRE_CONSENT},
		{"video", KP_WIRE_VIDEO}, {"paused", KP_WIRE_PAUSED},
	};
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(types[i].name, name) == 0)
			return types[i].type;
	return -1;
}

static void flood(int type, long count)
{
	kp_wire_msg m = {.type = (uint32_t)type};

	for (long i = 0; i < count; i++) {
		bool ok;
		if (type == KP_WIRE_POINTER) {
			/* All over the range the protocol allows (0..16383). */
			int32_t x = (int32_t)(i * 4099 % 16384), y = (int32_t)(i * 7 % 16384);
			uint8_t body[9] = {(uint8_t)(x >> 24), (uint8_t)(x >> 16), (uint8_t)(x >> 8),
					   (uint8_t)x, (uint8_t)(y >> 24), (uint8_t)(y >> 16),
					   (uint8_t)(y >> 8), (uint8_t)y, (uint8_t)(i % 2)};
			ok = send_raw_frame((uint8_t)type, sizeof(body), body, sizeof(body));
		} else {
			if (type == KP_WIRE_PING)
				m.u.ping.id = (uint32_t)i;
			if (type == KP_WIRE_LIMITS) {
				m.u.limits.cap_s = 3600;
				m.u.limits.warn_s = 60;
			}
			ok = send_msg(&m);
		}
		if (!ok)
			return;
		if (i % 64 == 0)
			read_some(NULL);
	}
}

static void command(char *line)
{
	char what[32], type_name[32];
	long arg = 0;
	static const uint8_t junk[64] = {0x41};

	if (sscanf(line, "%31s %31s %ld", what, type_name, &arg) < 2)
		return;
	int type = type_of(type_name);
	if (type < 0)
		die("unknown frame type");
	if (strcmp(what, "flood") == 0)
		flood(type, arg);
	else if (strcmp(what, "oversized") == 0)
		send_raw_frame((uint8_t)type, (uint32_t)arg, junk, sizeof(junk));
	else if (strcmp(what, "wrong") == 0 && type == KP_WIRE_POINTER)
		send_raw_frame((uint8_t)type, 9, (const uint8_t *)"\xff\xfe\x79\x60\0\0\0\0\1", 9);
	else if (strcmp(what, "wrong") == 0)
		send_raw_frame((uint8_t)type, type == KP_WIRE_CONSENT ? 1 : 0,
			       (const uint8_t *)"\x02", type == KP_WIRE_CONSENT ? 1 : 0);
	else
		die("unknown command");
	fprintf(log_file, "sent %s", line);
	fflush(log_file);
}

static int listen_any(const char *portfile)
{
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(sin);
	int ls = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (ls < 0 || bind(ls, (struct sockaddr *)&sin, sizeof(sin)) || listen(ls, 4) ||
	    getsockname(ls, (struct sockaddr *)&sin, &len))
		die("cannot listen");
	FILE *f = fopen(portfile, "w");
	if (!f)
		die("cannot write the port file");
	fprintf(f, "%u\n", ntohs(sin.sin_port));
	fclose(f);
	return ls;
}

int main(int argc, char **argv)
{
	char path[4096], line[256];
	uint32_t codec = 0;

	if (argc != 4)
		die("usage: kt-bad-viewer PORTFILE CERTDIR LOG");
	log_file = fopen(argv[3], "w");
	if (!log_file)
		die("cannot write the log");
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION);
	snprintf(path, sizeof(path), "%s/viewer-cert.pem", argv[2]);
	if (SSL_CTX_use_certificate_chain_file(ctx, path) != 1)
		die("cannot read the certificate");
	snprintf(path, sizeof(path), "%s/viewer-key.pem", argv[2]);
	if (SSL_CTX_use_PrivateKey_file(ctx, path, SSL_FILETYPE_PEM) != 1)
		die("cannot read the key");
	int ls = listen_any(argv[1]);
	fd = accept4(ls, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		die("accept failed");
	ssl = SSL_new(ctx);
	SSL_set_fd(ssl, fd);
	if (SSL_accept(ssl) != 1)
		die("TLS handshake failed");
	fprintf(log_file, "tls-ok\n");
	fflush(log_file);
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	while (!hello_seen && !closed) {
		struct pollfd pfd = {fd, POLLIN, 0};
		poll(&pfd, 1, 1000);
		read_some(&codec);
	}
	kp_wire_msg w = {.type = KP_WIRE_WELCOME};
	w.u.welcome.major = KP_WIRE_MAJOR;
	w.u.welcome.minor = KP_WIRE_MINOR;
	w.u.welcome.codec = codec;
	w.u.welcome.grace_s = 1; /* a dropped link ends the session soon */
	w.u.welcome.clock_us = kyoyu_now_us();
	memcpy(w.u.welcome.name, "bad viewer", 10);
	w.u.welcome.name_len = 10;
	if (!send_msg(&w))
		die("cannot welcome");
	fprintf(log_file, "welcomed\n");
	fflush(log_file);
	bool input = true;
	setvbuf(stdin, NULL, _IONBF, 0); /* poll() sees every line */
	while (!closed) {
		struct pollfd pfds[2] = {{fd, POLLIN, 0}, {STDIN_FILENO, POLLIN, 0}};
		poll(pfds, input ? 2 : 1, 1000);
		read_some(NULL);
		if (input && pfds[1].revents) {
			if (fgets(line, sizeof(line), stdin))
				command(line);
			else
				input = false;
		}
	}
	fprintf(log_file, "closed\n");
	fclose(log_file);
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	close(fd);
	close(ls);
	return 0;
}
