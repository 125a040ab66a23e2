/* SPDX-License-Identifier: MIT */
/* kt-hostile: many hostile clients at once against a viewer, from many
 * loopback source addresses, for the admission and code-guessing tests.
 *
 *   kt-hostile flood HOST PORT CONNS ADDRS SECONDS KINDS
 *       keeps CONNS connections open for SECONDS, reopening each one the
 *       viewer closes.  Connection i comes from source address i % ADDRS
 *       (127.0.(1 + a/64).(2 + a%64): 64 addresses per /24, from
 *       127.0.1.0/24 on, so the customer's 127.0.0.0/24 is not one of
 *       them; none for IPv6; KT_HOSTILE_NET0=0 starts at 127.0.0.0/24,
 *       the customer's own)
 *       and behaves as the (i % n)th of the comma-separated KINDS:
 *         tcp-idle   connects and says nothing
 *         tcp-drip   sends a real TLS 1.3 ClientHello, one byte a second
 *         tls-idle   completes TLS 1.3, then says nothing
 *         tls-drip   completes TLS 1.3, then sends a HELLO one byte a second
 *         tcp-junk   sends 64 bytes that are not TLS, then waits
 *   kt-hostile guess HOST PORT ADDRS COUNT PARALLEL
 *       COUNT HELLOs with random codes over TLS 1.3, PARALLEL at a time,
 *       from ADDRS rotating source addresses (as above); counts the
 *       viewer's answers by reason.
 * Both print one summary line per figure ("opened 1234").  The codes come
 * from RAND_bytes: the chance one is right is 1e-9 per try. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>

#include "net-dial.h"

enum kind { TCP_IDLE, TCP_DRIP, TLS_IDLE, TLS_DRIP, TCP_JUNK, TLS_GUESS };
static const char *const kind_names[] = {"tcp-idle", "tcp-drip", "tls-idle",
					 "tls-drip", "tcp-junk", NULL};

enum phase { CONNECTING, HANDSHAKE, TALKING, DONE };

typedef struct client {
	int fd;
	SSL *ssl;
	enum kind kind;
	enum phase phase;
	unsigned source;
	size_t sent;
	double next_ms;
	double retry_ms; /* after a refused connect: not before */
	uint8_t hello[35];
} client;

static struct sockaddr_storage target;
static socklen_t target_len;
static SSL_CTX *ctx;
static uint8_t client_hello[4096];
static size_t client_hello_len;
static unsigned n_addrs, next_source, net0 = 1;
static unsigned long opened, closed_by_viewer, connect_failed, answers[8], unanswered;

/* A HELLO (docs/protocol.md) offering VP9 with 9 random digits. */
static void make_hello(uint8_t out[35])
{
	static const uint8_t head[] = {0, 0, 0, 30, 1, 'K', 'Y', 'O', 'Y', 1, 0, 1, 1,
				       'V', 'P', '9', '0'};
	uint8_t r[9];

	memset(out, 0, 35);
	memcpy(out, head, sizeof(head));
	RAND_bytes(r, sizeof(r));
	for (int i = 0; i < 9; i++)
		out[sizeof(head) + i] = (uint8_t)('0' + r[i] % 10);
}

/* The bytes of a real ClientHello, made once through memory BIOs. */
static void make_client_hello(void)
{
	SSL *ssl = SSL_new(ctx);
	BIO *in = BIO_new(BIO_s_mem()), *out = BIO_new(BIO_s_mem());

	SSL_set_bio(ssl, in, out);
	SSL_connect(ssl);
	client_hello_len = (size_t)BIO_read(out, client_hello, sizeof(client_hello));
	SSL_free(ssl);
}

static void source_address(unsigned a, struct sockaddr_in *sin)
{
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(0x7f000000u | (net0 + a / 64) << 8 | (2 + a % 64));
}

static void start(client *c)
{
	c->ssl = NULL;
	c->sent = 0;
	c->fd = socket(target.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		c->phase = DONE;
		connect_failed++;
		return;
	}
	if (target.ss_family == AF_INET) {
		struct sockaddr_in sin;
		source_address(c->source % n_addrs, &sin);
		int one = 1;
		setsockopt(c->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		bind(c->fd, (struct sockaddr *)&sin, sizeof(sin));
	}
	if (connect(c->fd, (struct sockaddr *)&target, target_len) && errno != EINPROGRESS) {
		close(c->fd);
		c->fd = -1;
		c->phase = DONE;
		c->retry_ms = net_now_ms() + 100;
		connect_failed++;
		return;
	}
	c->phase = CONNECTING;
	opened++;
}

static void stop(client *c)
{
	if (c->ssl)
		SSL_free(c->ssl);
	c->ssl = NULL;
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->phase = DONE;
}

/* The viewer closed or answered: what it said, if anything, is counted. */
static void viewer_spoke(client *c)
{
	uint8_t buf[64];
	int n = c->ssl ? SSL_read(c->ssl, buf, sizeof(buf)) : (int)read(c->fd, buf, sizeof(buf));

	if (n < 0 && c->ssl && SSL_get_error(c->ssl, n) == SSL_ERROR_WANT_READ)
		return;
	if (n < 0 && !c->ssl && errno == EAGAIN)
		return;
	if (c->kind == TLS_GUESS) {
		if (n >= 6 && buf[4] == 3)
			answers[buf[5] & 7]++;
		else
			unanswered++;
	} else {
		closed_by_viewer++;
	}
	stop(c);
}

static void step(client *c, short revents, double now)
{
	if (c->phase == CONNECTING) {
		int err = 0;
		socklen_t len = sizeof(err);
		getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
		if (err) {
			/* No viewer listening (between two): no busy loop. */
			connect_failed++;
			stop(c);
			c->retry_ms = now + 100;
			return;
		}
		c->phase = c->kind == TLS_IDLE || c->kind == TLS_DRIP || c->kind == TLS_GUESS
				   ? HANDSHAKE : TALKING;
		if (c->phase == HANDSHAKE) {
			c->ssl = SSL_new(ctx);
			SSL_set_fd(c->ssl, c->fd);
		}
		if (c->kind == TCP_JUNK) {
			static const char junk[64] = "GET / HTTP/1.0 and then some more bytes";
			(void)!write(c->fd, junk, sizeof(junk));
		}
		make_hello(c->hello);
		c->next_ms = now;
	}
	if (c->phase == HANDSHAKE) {
		int r = SSL_connect(c->ssl);
		if (r == 1) {
			c->phase = TALKING;
		} else {
			int e = SSL_get_error(c->ssl, r);
			if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) {
				ERR_clear_error();
				if (c->kind == TLS_GUESS)
					unanswered++;
				else
					closed_by_viewer++;
				stop(c);
			}
			return;
		}
		if (c->kind == TLS_GUESS) {
			SSL_write(c->ssl, c->hello, sizeof(c->hello));
			return;
		}
	}
	if (revents & (POLLIN | POLLHUP | POLLERR)) {
		viewer_spoke(c);
		return;
	}
	if (now < c->next_ms)
		return;
	c->next_ms = now + 1000;
	if (c->kind == TCP_DRIP && c->sent < client_hello_len) {
		if (write(c->fd, client_hello + c->sent, 1) == 1)
			c->sent++;
	} else if (c->kind == TLS_DRIP && c->sent < sizeof(c->hello)) {
		if (SSL_write(c->ssl, c->hello + c->sent, 1) == 1)
			c->sent++;
	}
}

static short wanted(const client *c)
{
	if (c->phase == CONNECTING)
		return POLLOUT;
	if (c->phase == HANDSHAKE && c->ssl && SSL_want_write(c->ssl))
		return POLLOUT;
	return POLLIN;
}

static int resolve(const char *host, const char *port)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICHOST};
	struct addrinfo *ai;

	if (getaddrinfo(host, port, &hints, &ai))
		return -1;
	memcpy(&target, ai->ai_addr, ai->ai_addrlen);
	target_len = ai->ai_addrlen;
	freeaddrinfo(ai);
	return 0;
}

/* Runs N clients until DEADLINE_MS, or until LEFT attempts were started
 * and all finished (guess mode: LEFT counts down). */
static void run(client *cl, size_t n, double deadline_ms, long left)
{
	struct pollfd *pfds = calloc(n, sizeof(*pfds));

	for (;;) {
		double now = net_now_ms();
		size_t live = 0;
		if (now >= deadline_ms)
			break;
		for (size_t i = 0; i < n; i++) {
			if (cl[i].phase == DONE && left != 0 && now >= cl[i].retry_ms) {
				if (left > 0) {
					left--;
					cl[i].source = next_source++;
				}
				start(&cl[i]);
			}
			pfds[i].fd = cl[i].phase == DONE ? -1 : cl[i].fd;
			pfds[i].events = cl[i].phase == DONE ? 0 : wanted(&cl[i]);
			live += cl[i].phase != DONE || left != 0;
		}
		if (!live)
			break;
		if (poll(pfds, n, 50) < 0 && errno != EINTR)
			break;
		now = net_now_ms();
		for (size_t i = 0; i < n; i++)
			if (cl[i].phase != DONE)
				step(&cl[i], pfds[i].revents, now);
	}
	free(pfds);
}

static int usage(void)
{
	fprintf(stderr, "usage: kt-hostile flood HOST PORT CONNS ADDRS SECONDS KINDS\n"
			"       kt-hostile guess HOST PORT ADDRS COUNT PARALLEL\n");
	return 2;
}

int main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	if (getenv("KT_HOSTILE_NET0"))
		net0 = (unsigned)strtoul(getenv("KT_HOSTILE_NET0"), NULL, 10);
	if (argc < 7 || resolve(argv[2], argv[3]))
		return usage();
	ctx = SSL_CTX_new(TLS_client_method());
	SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	make_client_hello();
	if (strcmp(argv[1], "flood") == 0 && argc == 8) {
		size_t n = strtoul(argv[4], NULL, 10), nk = 0;
		unsigned addrs = (unsigned)strtoul(argv[5], NULL, 10);
		enum kind kinds[8];
		char *save, *k = strtok_r(argv[7], ",", &save);
		for (; k && nk < 8; k = strtok_r(NULL, ",", &save)) {
			size_t j = 0;
			while (kind_names[j] && strcmp(kind_names[j], k))
				j++;
			if (!kind_names[j])
				return usage();
			kinds[nk++] = (enum kind)j;
		}
		if (!n || !addrs || !nk)
			return usage();
		client *cl = calloc(n, sizeof(*cl));
		n_addrs = addrs;
		/* Every connection keeps its source: reopened from the same. */
		for (size_t i = 0; i < n; i++) {
			cl[i].kind = kinds[i % nk];
			cl[i].source = (unsigned)(i % addrs);
		}
		double end = net_now_ms() + atof(argv[6]) * 1000;
		for (size_t i = 0; i < n; i++)
			start(&cl[i]);
		run(cl, n, end, -1);
		size_t open_now = 0;
		for (size_t i = 0; i < n; i++)
			open_now += cl[i].phase != DONE;
		printf("opened %lu\nclosed by the viewer %lu\nconnect failed %lu\nopen at end %zu\n",
		       opened, closed_by_viewer, connect_failed, open_now);
		for (size_t i = 0; i < n; i++)
			stop(&cl[i]);
		free(cl);
		SSL_CTX_free(ctx);
		return 0;
	}
	if (strcmp(argv[1], "guess") == 0 && argc == 7) {
		unsigned addrs = (unsigned)strtoul(argv[4], NULL, 10);
		long count = strtol(argv[5], NULL, 10);
		size_t par = strtoul(argv[6], NULL, 10);
		if (!addrs || count <= 0 || !par)
			return usage();
		client *cl = calloc(par, sizeof(*cl));
		n_addrs = addrs;
		for (size_t i = 0; i < par; i++) {
			cl[i].kind = TLS_GUESS;
			cl[i].phase = DONE;
			cl[i].fd = -1;
		}
		run(cl, par, net_now_ms() + 600000, count);
		printf("sent %lu\nbad code %lu\nrate limited %lu\nbusy %lu\nother %lu\n"
		       "no answer %lu\n", opened, answers[1], answers[5], answers[2],
		       answers[3] + answers[4] + answers[6] + answers[0] + answers[7], unanswered);
		free(cl);
		SSL_CTX_free(ctx);
		return 0;
	}
	return usage();
}
