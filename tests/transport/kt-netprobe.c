/* SPDX-License-Identifier: MIT */
/* kt-netprobe: the network's misbehaviour, on demand, for the transport's
 * shell tests.
 *
 *   kt-netprobe proxy PORTFILE HOST PORT [KBPS]
 *       forwards 127.0.0.1:<any> (written to PORTFILE) to HOST:PORT, at
 *       most KBPS kbit/s towards HOST (a slow uplink, with a small buffer
 *       as a router would have).  SIGUSR1 cuts every link (a reset);
 *       SIGUSR2 toggles "down": new connections are reset at once.
 *       Says on stderr how each link ended: which side closed or reset it.
 *   kt-netprobe send HOST PORT          raw stdin to the port; prints how
 *                                       the peer answered and when it closed
 *   kt-netprobe hello-cut HOST PORT N   the first N bytes of a real TLS 1.3
 *                                       ClientHello (N < 0: all but -N), then
 *                                       closes
 *   kt-netprobe silent HOST PORT S      connects and says nothing for S
 *                                       seconds; prints when the peer hung up
 *   kt-netprobe tls-send HOST PORT [FIRST]
 *                                       TLS 1.3 (no certificate check), stdin
 *                                       as application data; prints the reply
 *                                       in hex and the ms it took to come.
 *                                       With FIRST, only the first FIRST bytes
 *                                       go before the first reply (a HELLO
 *                                       waits for its WELCOME), the rest after
 */
#include "config.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "net-dial.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

#define MAX_LINKS 16

static void reset_and_close(int fd)
{
	struct linger l = {1, 0};
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	close(fd);
}

/* ---- proxy ------------------------------------------------------------- */

static volatile sig_atomic_t cut_requested, down_toggles;

static void on_usr1(int sig)
{
	cut_requested = 1;
}

static void on_usr2(int sig)
{
	down_toggles++;
}

/* Bytes the slow direction may still pass, refilled at KBPS. */
typedef struct throttle {
	double kbps, tokens, last_ms;
} throttle;

static size_t allowance(throttle *t, size_t want)
{
	if (t->kbps <= 0)
		return want;
	double now = net_now_ms();
	t->tokens += (now - t->last_ms) * t->kbps / 8; /* kbit/s = bytes per 8 ms */
	t->last_ms = now;
	if (t->tokens > 16384)
		t->tokens = 16384;
	return t->tokens < 1 ? 0 : want < t->tokens ? want : (size_t)t->tokens;
}

/* How a link ended, for the tests that care whether a side reset it: SIDE
 * (0 the client's, 1 the server's) was read and gave R, or the other side
 * could not be written to. */
static void say_how_it_ended(int side, ssize_t r)
{
	static const char *const who[] = {"client's", "server's"};

	if (r == 0)
		fprintf(stderr, "kt-netprobe: the %s side closed the link\n", who[side]);
	else
		fprintf(stderr, "kt-netprobe: the %s side reset the link (%s)\n",
			who[r < 0 ? side : !side], strerror(errno));
}

static int proxy(const char *portfile, const char *host, const char *port, double kbps)
{
	throttle slow = {kbps, 0, net_now_ms()};
	int links[MAX_LINKS][2], n = 0;
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM,
				 .ai_flags = AI_PASSIVE};
	struct addrinfo *ai;
	int one = 1;

	signal(SIGUSR1, on_usr1);
	signal(SIGUSR2, on_usr2);
	signal(SIGPIPE, SIG_IGN);
	if (getaddrinfo("127.0.0.1", "0", &hints, &ai) != 0)
		return 1;
	int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(lfd, ai->ai_addr, ai->ai_addrlen) || listen(lfd, 8))
		return 1;
	freeaddrinfo(ai);
	getsockname(lfd, (struct sockaddr *)&ss, &len);
	char lport[16];
	getnameinfo((struct sockaddr *)&ss, len, NULL, 0, lport, sizeof(lport), NI_NUMERICSERV);
	FILE *f = fopen(portfile, "w");
	if (!f)
		return 1;
	fprintf(f, "%s\n", lport);
	fclose(f);
	for (;;) {
		if (cut_requested) {
			cut_requested = 0;
			for (int i = 0; i < n; i++) {
				reset_and_close(links[i][0]);
				reset_and_close(links[i][1]);
			}
			fprintf(stderr, "kt-netprobe: cut %d link(s)\n", n);
			n = 0;
		}
		struct pollfd pfds[1 + 2 * MAX_LINKS];
		pfds[0] = (struct pollfd){lfd, POLLIN, 0};
		bool starved = allowance(&slow, 1) == 0;
		for (int i = 0; i < n; i++) {
			pfds[1 + 2 * i] = (struct pollfd){links[i][0], starved ? 0 : POLLIN, 0};
			pfds[2 + 2 * i] = (struct pollfd){links[i][1], POLLIN, 0};
		}
		if (poll(pfds, 1 + 2 * (nfds_t)n, starved ? 2 : 200) < 0 && errno != EINTR)
			return 1;
		if (pfds[0].revents & POLLIN) {
			int c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
			if (c >= 0) {
				int t = (down_toggles & 1) || n == MAX_LINKS ? -1 : net_dial(host, port);
				/* A small receive buffer: the queue builds at the sender. */
				int rcv = 32768;
				if (kbps > 0)
					setsockopt(c, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
				if (t < 0) {
					reset_and_close(c);
				} else {
					setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
					setsockopt(t, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
					links[n][0] = c;
					links[n][1] = t;
					n++;
				}
			}
		}
		for (int i = 0; i < n; i++) {
			for (int side = 0; side < 2; side++) {
				if (!(pfds[1 + 2 * i + side].revents & (POLLIN | POLLHUP | POLLERR)))
					continue;
				char buf[65536];
				size_t room = side == 0 ? allowance(&slow, sizeof(buf)) : sizeof(buf);
				if (room == 0)
					continue;
				ssize_t r = read(links[i][side], buf, room);
				if (side == 0 && r > 0 && kbps > 0)
					slow.tokens -= (double)r;
				bool ok = r > 0;
				for (ssize_t off = 0; ok && off < r;) {
					ssize_t w = write(links[i][!side], buf + off, (size_t)(r - off));
					ok = w > 0;
					off += w > 0 ? w : 0;
				}
				if (!ok) {
					say_how_it_ended(side, r);
					close(links[i][0]);
					close(links[i][1]);
					links[i][0] = links[n - 1][0];
					links[i][1] = links[n - 1][1];
					n--;
					break;
				}
			}
		}
	}
}

/* ---- clients ------------------------------------------------------------- */

/* Reads until the peer closes or TIMEOUT_MS pass; prints what happened. */
static void await_close(int fd, double start, int timeout_ms)
{
	size_t total = 0;
	char buf[4096];

	for (;;) {
		int left = timeout_ms - (int)(net_now_ms() - start);
		struct pollfd p = {fd, POLLIN, 0};
		if (left <= 0 || poll(&p, 1, left) <= 0) {
			printf("still open after %d ms, %zu bytes received\n", timeout_ms, total);
			return;
		}
		ssize_t r = read(fd, buf, sizeof(buf));
		if (r <= 0) {
			printf("closed by peer after %.0f ms, %zu bytes received\n",
			       net_now_ms() - start, total);
			return;
		}
		total += (size_t)r;
	}
}

static int send_raw(const char *host, const char *port)
{
	char buf[65536];
	size_t n = fread(buf, 1, sizeof(buf), stdin);
	int fd = net_dial(host, port);

	if (fd < 0) {
		printf("cannot connect\n");
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	if (write(fd, buf, n) < 0)
		printf("write failed: %s\n", strerror(errno));
	await_close(fd, net_now_ms(), 15000);
	close(fd);
	return 0;
}

static SSL_CTX *client_ctx(void)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	return ctx;
}

static int hello_cut(const char *host, const char *port, long cut)
{
	SSL_CTX *ctx = client_ctx();
	SSL *ssl = SSL_new(ctx);
	BIO *rbio = BIO_new(BIO_s_mem()), *wbio = BIO_new(BIO_s_mem());
	char *hello;

	SSL_set_bio(ssl, rbio, wbio);
	SSL_set_connect_state(ssl);
	SSL_do_handshake(ssl); /* writes the ClientHello into wbio */
	long len = BIO_get_mem_data(wbio, &hello);
	long n = cut < 0 ? len + cut : cut > len ? len : cut;
	int fd = net_dial(host, port);
	if (fd < 0 || n < 0) {
		printf("cannot connect\n");
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	if (write(fd, hello, (size_t)n) < 0)
		printf("write failed\n");
	printf("sent %ld of %ld bytes of a ClientHello\n", n, len);
	close(fd);
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	return 0;
}

static int silent(const char *host, const char *port, int seconds)
{
	int fd = net_dial(host, port);

	if (fd < 0) {
		printf("cannot connect\n");
		return 1;
	}
	await_close(fd, net_now_ms(), seconds * 1000);
	close(fd);
	return 0;
}

static int tls_send(const char *host, const char *port, size_t first_part)
{
	static char out[1 << 20];
	char buf[65536];
	size_t n = fread(out, 1, sizeof(out), stdin);
	SSL_CTX *ctx = client_ctx();
	SSL *ssl = SSL_new(ctx);
	int fd = net_dial(host, port);

	if (fd < 0) {
		printf("cannot connect\n");
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	SSL_set_fd(ssl, fd);
	if (SSL_connect(ssl) != 1) {
		printf("handshake failed\n");
		return 1;
	}
	size_t now_part = first_part && first_part < n ? first_part : n;
	if (now_part && SSL_write(ssl, out, (int)now_part) <= 0) {
		printf("write failed\n");
		return 1;
	}
	double sent = net_now_ms(), first = 0;
	printf("reply:");
	for (;;) {
		int r = SSL_read(ssl, buf, sizeof(buf));
		if (r <= 0)
			break;
		if (!first) {
			first = net_now_ms();
			if (now_part < n && SSL_write(ssl, out + now_part, (int)(n - now_part)) <= 0)
				break;
		}
		for (int i = 0; i < r; i++)
			printf(" %02x", (unsigned char)buf[i]);
	}
	printf("\nafter %.0f ms\n", first ? first - sent : -1.0);
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if ((argc == 5 || argc == 6) && strcmp(argv[1], "proxy") == 0)
		return proxy(argv[2], argv[3], argv[4], argc == 6 ? atof(argv[5]) : 0);
	if (argc == 4 && strcmp(argv[1], "send") == 0)
		return send_raw(argv[2], argv[3]);
	if (argc == 5 && strcmp(argv[1], "hello-cut") == 0)
		return hello_cut(argv[2], argv[3], strtol(argv[4], NULL, 10));
	if (argc == 5 && strcmp(argv[1], "silent") == 0)
		return silent(argv[2], argv[3], atoi(argv[4]));
	if ((argc == 4 || argc == 5) && strcmp(argv[1], "tls-send") == 0)
		return tls_send(argv[2], argv[3], argc == 5 ? strtoul(argv[4], NULL, 10) : 0);
	fprintf(stderr, "usage: see the comment at the top of kt-netprobe.c\n");
	return 2;
}
