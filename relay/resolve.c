/* SPDX-License-Identifier: MIT */
/* Host names resolved in a thread, answered through a pipe. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "resolve.h"

struct relay_resolve {
	pthread_mutex_t lock;
	int users; /* the loop and the thread: the last one frees */
	int pipe[2];
	char *host;
	int state; /* relay_resolve_result's */
	char addr[RELAY_ADDR_SIZE];
	const char *why;
};

bool relay_resolve_numeric(const char *host)
{
	unsigned char buf[sizeof(struct in6_addr)];

	return inet_pton(AF_INET, host, buf) == 1 || inet_pton(AF_INET6, host, buf) == 1;
}

int relay_resolve_now(const char *host, char addr[RELAY_ADDR_SIZE], const char **why)
{
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *res = NULL;
	int err = getaddrinfo(host, NULL, &hints, &res);

	if (err) {
		*why = gai_strerror(err);
		return -1;
	}
	const void *a = res->ai_family == AF_INET6
				? (const void *)&((struct sockaddr_in6 *)res->ai_addr)->sin6_addr
				: (const void *)&((struct sockaddr_in *)res->ai_addr)->sin_addr;
	bool ok = inet_ntop(res->ai_family, a, addr, RELAY_ADDR_SIZE) != NULL;
	freeaddrinfo(res);
	*why = ok ? NULL : "an address of an unknown family";
	return ok ? 0 : -1;
}

static void let_go(relay_resolve *rs)
{
	pthread_mutex_lock(&rs->lock);
	bool last = --rs->users == 0;
	pthread_mutex_unlock(&rs->lock);
	if (!last)
		return;
	close(rs->pipe[0]);
	close(rs->pipe[1]);
	pthread_mutex_destroy(&rs->lock);
	free(rs->host);
	free(rs);
}

static void *resolve_thread(void *data)
{
	relay_resolve *rs = data;
	char addr[RELAY_ADDR_SIZE];
	const char *why = NULL;
	int ok = relay_resolve_now(rs->host, addr, &why) == 0;

	pthread_mutex_lock(&rs->lock);
	rs->state = ok ? 1 : -1;
	memcpy(rs->addr, addr, sizeof(addr));
	rs->why = why;
	pthread_mutex_unlock(&rs->lock);
	/* The pipe holds a byte: this cannot block. */
	ssize_t n = write(rs->pipe[1], "", 1);
	(void)n;
	let_go(rs);
	return NULL;
}

relay_resolve *relay_resolve_start(const char *host)
{
	relay_resolve *rs = calloc(1, sizeof(*rs));
	pthread_t thread;
	pthread_attr_t attr;

	if (!rs)
		return NULL;
	rs->users = 2;
	if (!(rs->host = strdup(host)) || pipe2(rs->pipe, O_CLOEXEC | O_NONBLOCK)) {
		free(rs->host);
		free(rs);
		return NULL;
	}
	pthread_mutex_init(&rs->lock, NULL);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	int err = pthread_create(&thread, &attr, resolve_thread, rs);
	pthread_attr_destroy(&attr);
	if (err) {
		rs->users = 1;
		let_go(rs);
		return NULL;
	}
	return rs;
}

int relay_resolve_fd(const relay_resolve *rs)
{
	return rs->pipe[0];
}

int relay_resolve_result(relay_resolve *rs, char addr[RELAY_ADDR_SIZE], const char **why)
{
	pthread_mutex_lock(&rs->lock);
	int state = rs->state;
	if (state > 0)
		memcpy(addr, rs->addr, RELAY_ADDR_SIZE);
	*why = rs->why;
	pthread_mutex_unlock(&rs->lock);
	return state;
}

void relay_resolve_free(relay_resolve *rs)
{
	if (rs)
		let_go(rs);
}
