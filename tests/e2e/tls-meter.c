/* SPDX-License-Identifier: MIT */
/* tls-meter: a TCP relay that writes down every TLS record it carries, so
 * a test can count what reached the viewer without decrypting anything.
 *
 *   tls-meter PORTFILE HOST PORT LOG
 *
 * Listens on 127.0.0.1 and a free port (written to PORTFILE once it
 * listens), relays each connection to HOST:PORT, and appends one line per
 * TLS record header to LOG:
 *
 *   <ms> c2s|s2c <content type> <length>
 *
 * c2s runs from the connecting side (the sharer) to HOST (the viewer).
 * <ms> is CLOCK_MONOTONIC in milliseconds.  SIGUSR1 appends "<ms> mark N"
 * (N counts the marks), so a test can cut the log into phases.  It runs
 * until killed. */
#include "config.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../transport/net-dial.h"

#define MAX_LINKS 4
#define TLS_HEADER 5

/* The record boundaries of one direction of a byte stream. */
typedef struct record_reader {
	uint8_t header[TLS_HEADER];
	size_t have;      /* header bytes so far */
	size_t body_left; /* body bytes still to skip */
} record_reader;

typedef struct relay_link {
	int fd[2]; /* 0: the connecting side, 1: the server */
	record_reader dir[2];
} relay_link;

static volatile sig_atomic_t marks_requested;

static void on_usr1(int sig)
{
	(void)sig;
	marks_requested++;
}

/* Notes every record header that completes in DATA. */
static void scan(record_reader *r, const uint8_t *data, size_t len, const char *dir,
		 FILE *log)
{
	while (len) {
		if (r->body_left) {
			size_t n = len < r->body_left ? len : r->body_left;
			r->body_left -= n;
			data += n;
			len -= n;
			continue;
		}
		r->header[r->have++] = *data++;
		len--;
		if (r->have < TLS_HEADER)
			continue;
		r->have = 0;
		r->body_left = (size_t)r->header[3] << 8 | r->header[4];
		fprintf(log, "%.1f %s %u %zu\n", net_now_ms(), dir, r->header[0], r->body_left);
	}
	fflush(log);
}

static void close_link(relay_link *l)
{
	close(l->fd[0]);
	close(l->fd[1]);
	memset(l, 0, sizeof(*l));
	l->fd[0] = l->fd[1] = -1;
}

/* Moves what FROM has to the other side; false when the link is over. */
static bool relay(relay_link *l, int from, FILE *log)
{
	uint8_t buf[65536];
	ssize_t n = recv(l->fd[from], buf, sizeof(buf), 0);

	if (n <= 0)
		return false;
	scan(&l->dir[from], buf, (size_t)n, from == 0 ? "c2s" : "s2c", log);
	for (ssize_t off = 0; off < n;) {
		ssize_t w = send(l->fd[!from], buf + off, (size_t)(n - off), MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		off += w;
	}
	return true;
}

static int listen_any(const char *portfile)
{
	struct sockaddr_in sin = {.sin_family = AF_INET,
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0 ||
	    listen(fd, 8) != 0 || getsockname(fd, (struct sockaddr *)&sin, &len) != 0)
		return -1;
	FILE *f = fopen(portfile, "w");
	if (!f)
		return -1;
	fprintf(f, "%u\n", ntohs(sin.sin_port));
	return fclose(f) == 0 ? fd : -1;
}

int main(int argc, char **argv)
{
	relay_link links[MAX_LINKS];
	unsigned marks = 0;

	if (argc != 5) {
		fprintf(stderr, "usage: %s PORTFILE HOST PORT LOG\n", argv[0]);
		return 2;
	}
	FILE *log = fopen(argv[4], "a");
	int lfd = log ? listen_any(argv[1]) : -1;
	if (lfd < 0) {
		perror("tls-meter");
		return 1;
	}
	struct sigaction sa = {.sa_handler = on_usr1}; /* no SA_RESTART: poll wakes */
	sigaction(SIGUSR1, &sa, NULL);
	for (int i = 0; i < MAX_LINKS; i++)
		links[i].fd[0] = links[i].fd[1] = -1;

	for (;;) {
		struct pollfd p[1 + 2 * MAX_LINKS];
		int n = 0;
		p[n++] = (struct pollfd){lfd, POLLIN, 0};
		for (int i = 0; i < MAX_LINKS; i++)
			for (int s = 0; s < 2; s++)
				p[n++] = (struct pollfd){links[i].fd[s], POLLIN, 0};
		int ret = poll(p, (nfds_t)n, -1);
		while (marks < (unsigned)marks_requested) {
			fprintf(log, "%.1f mark %u\n", net_now_ms(), ++marks);
			fflush(log);
		}
		if (ret < 0)
			continue; /* EINTR from the mark signal */
		for (int i = 0; i < MAX_LINKS; i++)
			for (int s = 0; s < 2; s++)
				if (links[i].fd[s] >= 0 && p[1 + 2 * i + s].revents &&
				    !relay(&links[i], s, log))
					close_link(&links[i]);
		if (!(p[0].revents & POLLIN))
			continue;
		int c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (c < 0)
			continue;
		int slot = 0;
		while (slot < MAX_LINKS && links[slot].fd[0] >= 0)
			slot++;
		int s = slot < MAX_LINKS ? net_dial(argv[2], argv[3]) : -1;
		if (s < 0) {
			close(c);
			continue;
		}
		memset(&links[slot], 0, sizeof(links[slot]));
		links[slot].fd[0] = c;
		links[slot].fd[1] = s;
	}
}
