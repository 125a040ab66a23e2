/* SPDX-License-Identifier: MIT */
/* The counters over HTTP, in Prometheus' text format. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <netdb.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define KYOYU_LOG_COMPONENT "relay/metrics"
#include <kyoyu/kyoyu.h>

#include "metrics.h"

#define MAX_CLIENTS (RELAY_METRICS_FDS - 1)
#define REQUEST_MAX 2048
#define CLIENT_TIMEOUT_S 2

typedef struct client {
	int fd;
	time_t deadline;
	size_t len;
	char req[REQUEST_MAX];
} client;

struct relay_metrics {
	int listen_fd;
	client clients[MAX_CLIENTS];
};

relay_metrics *relay_metrics_new(const char *listen_on, int port)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
	struct addrinfo *ai;
	char serv[16], host[64];
	int one = 1;
	relay_metrics *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	for (size_t i = 0; i < MAX_CLIENTS; i++)
		m->clients[i].fd = -1;
	snprintf(serv, sizeof(serv), "%d", port);
	if (getaddrinfo(listen_on, serv, &hints, &ai) != 0) {
		kyoyu_error("relay.metrics_listen \"%s\" is not an address", listen_on);
		free(m);
		return NULL;
	}
	m->listen_fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (m->listen_fd < 0 ||
	    setsockopt(m->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(m->listen_fd, ai->ai_addr, ai->ai_addrlen) || listen(m->listen_fd, 16)) {
		kyoyu_error("cannot serve the counters on %s port %d: %s (set "
			    "relay.metrics_port)", listen_on, port, strerror(errno));
		freeaddrinfo(ai);
		relay_metrics_free(m);
		return NULL;
	}
	freeaddrinfo(ai);
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	getsockname(m->listen_fd, (struct sockaddr *)&ss, &len);
	getnameinfo((struct sockaddr *)&ss, len, host, sizeof(host), serv, sizeof(serv),
		    NI_NUMERICHOST | NI_NUMERICSERV);
	kyoyu_info("counters for monitoring at http://%s:%s/metrics", host, serv);
	return m;
}

static void drop(client *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->len = 0;
}

void relay_metrics_free(relay_metrics *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < MAX_CLIENTS; i++)
		drop(&m->clients[i]);
	if (m->listen_fd >= 0)
		close(m->listen_fd);
	free(m);
}

size_t relay_metrics_poll(relay_metrics *m, struct pollfd *pfds, size_t max, int *timeout_ms)
{
	size_t n = 0;

	if (max < 1 + MAX_CLIENTS)
		return 0;
	pfds[n++] = (struct pollfd){m->listen_fd, POLLIN, 0};
	for (size_t i = 0; i < MAX_CLIENTS; i++) {
		pfds[n++] = (struct pollfd){m->clients[i].fd, POLLIN, 0};
		/* Wake up to drop a client that says nothing. */
		if (m->clients[i].fd >= 0 && (*timeout_ms < 0 || *timeout_ms > 1000))
			*timeout_ms = 1000;
	}
	return n;
}

#define COUNTER(name, help, value) \
	"# HELP kyoyu_relay_" name " " help "\n# TYPE kyoyu_relay_" name " counter\n" \
	"kyoyu_relay_" name " %" PRIu64 "\n", value
#define GAUGE(name, help, value) \
	"# HELP kyoyu_relay_" name " " help "\n# TYPE kyoyu_relay_" name " gauge\n" \
	"kyoyu_relay_" name " %" PRIu64 "\n", value

/* The counters as Prometheus' text exposition format 0.0.4. */
static size_t render(const relay_counters *c, char *out, size_t size)
{
	size_t n = 0;

#define PUT(...) n += (size_t)snprintf(out + n, n < size ? size - n : 0, __VA_ARGS__)
	PUT(COUNTER("sessions_started_total", "Customers joined to operators.",
		    c->sessions_started));
	PUT(COUNTER("sessions_ended_total", "Joined sessions that ended.", c->sessions_ended));
	PUT(GAUGE("sessions_active", "Sessions forwarded now.",
		  c->sessions_started - c->sessions_ended));
	PUT("# HELP kyoyu_relay_forwarded_bytes_total Bytes forwarded, by receiver.\n"
	    "# TYPE kyoyu_relay_forwarded_bytes_total counter\n"
	    "kyoyu_relay_forwarded_bytes_total{to=\"viewer\"} %" PRIu64 "\n"
	    "kyoyu_relay_forwarded_bytes_total{to=\"customer\"} %" PRIu64 "\n",
	    c->bytes_to_viewers, c->bytes_to_customers);
	PUT(COUNTER("codes_issued_total", "Codes given to operators.", c->codes_issued));
	PUT(COUNTER("codes_claimed_total", "Codes that joined a customer.", c->codes_claimed));
	PUT(COUNTER("codes_refused_total", "Claims refused: wrong, unknown, expired or used.",
		    c->codes_refused));
	PUT(COUNTER("codes_killed_total", "Codes that met too many wrong attempts.",
		    c->codes_killed));
	PUT(COUNTER("claims_rate_limited_total", "Claims from an address over its budget.",
		    c->rate_limited));
	PUT(COUNTER("offers_refused_total",
		    "Code requests refused: no desk certificate, revoked, or no free room.",
		    c->offers_refused));
	PUT(COUNTER("redis_errors_total", "Redis calls that failed.", c->redis_errors));
	PUT(COUNTER("passes_sent_total", "Links opened to another node (customers, dead codes).", c->passes_sent));
	PUT(COUNTER("passes_failed_total", "Passes to another node that did not join.",
		    c->passes_failed));
	PUT(COUNTER("passes_received_total", "Customers another node passed here.",
		    c->passes_received));
	PUT(COUNTER("rejoins_total", "Sessions joined again after a dropped link.",
		    c->rejoins));
	PUT(COUNTER("rejoins_refused_total", "Re-join tickets refused: unknown, used or expired.",
		    c->rejoins_refused));
	PUT(COUNTER("rejoins_rate_limited_total",
		    "Customers' re-joins from an address over its budget.",
		    c->rejoins_rate_limited));
	PUT(GAUGE("links_open", "TCP links open.", c->links_open));
#undef PUT
	return n;
}

static void answer(client *cl, const relay_counters *c)
{
	char body[4096], head[256];
	size_t len = render(c, body, sizeof(body));
	bool get = strncmp(cl->req, "GET ", 4) == 0;

	if (len >= sizeof(body))
		len = sizeof(body) - 1;
	int hlen = get ? snprintf(head, sizeof(head),
				  "HTTP/1.0 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\n"
				  "Content-Length: %zu\r\nConnection: close\r\n\r\n", len)
		       : snprintf(head, sizeof(head),
				  "HTTP/1.0 405 Method Not Allowed\r\nContent-Length: 0\r\n"
				  "Connection: close\r\n\r\n");
	/* A few KB into a fresh socket's buffer: one try, no wait. */
	if (send(cl->fd, head, (size_t)hlen, MSG_NOSIGNAL | MSG_DONTWAIT) == hlen && get)
		send(cl->fd, body, len, MSG_NOSIGNAL | MSG_DONTWAIT);
	shutdown(cl->fd, SHUT_WR);
	drop(cl);
}

void relay_metrics_serve(relay_metrics *m, const struct pollfd *pfds, size_t n,
			 const relay_counters *c)
{
	time_t now = time(NULL);

	for (size_t i = 0; i < MAX_CLIENTS && 1 + i < n; i++) {
		client *cl = &m->clients[i];
		if (cl->fd < 0)
			continue;
		if (pfds[1 + i].revents) {
			ssize_t got = recv(cl->fd, cl->req + cl->len, REQUEST_MAX - 1 - cl->len,
					   MSG_DONTWAIT);
			if (got <= 0 && !(got < 0 && errno == EAGAIN)) {
				drop(cl);
				continue;
			}
			if (got > 0)
				cl->len += (size_t)got;
			cl->req[cl->len] = '\0';
			/* The whole head, or as much as it may be. */
			if (strstr(cl->req, "\r\n\r\n") || strstr(cl->req, "\n\n") ||
			    cl->len == REQUEST_MAX - 1) {
				answer(cl, c);
				continue;
			}
		}
		if (now > cl->deadline)
			drop(cl);
	}
	if (n < 1 || !(pfds[0].revents & POLLIN))
		return;
	for (;;) {
		int fd = accept4(m->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		client *free_slot = NULL;
		for (size_t i = 0; i < MAX_CLIENTS && !free_slot; i++)
			if (m->clients[i].fd < 0)
				free_slot = &m->clients[i];
		if (!free_slot) {
			close(fd); /* a scraper comes back at its next interval */
			continue;
		}
		free_slot->fd = fd;
		free_slot->len = 0;
		free_slot->deadline = now + CLIENT_TIMEOUT_S;
	}
}
