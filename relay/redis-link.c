/* SPDX-License-Identifier: MIT */
/* One Redis or a Redis Cluster, through hiredis. */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#define KYOYU_LOG_COMPONENT "relay/redis"
#include <kyoyu/kyoyu.h>

#include "redis-link.h"

/* A call waits this long for Redis before the code is refused. */
#define TIMEOUT_MS 500
/* After a failure, calls fail at once for this long: each try can hold the
 * relay's loop (and so every session's bytes) for up to TIMEOUT_MS, so an
 * unreachable Redis costs the sessions at most a quarter of the time. */
#define RETRY_AFTER_US 2000000
#define MAX_SERVERS 16 /* the listed ones, then those a Cluster named */
#define CLUSTER_SLOTS 16384
/* MOVED and ASK replies followed for one call: a Cluster that is
 * resharding answers at most two. */
#define MAX_REDIRECTS 5
#define HOST_MAX 256
#define MAX_ARGS 8

typedef struct server {
	char host[HOST_MAX];
	int port;
	bool sentinel; /* asked where the master is, never for codes */
	redisContext *c;
} server;

struct relay_redis {
	server servers[MAX_SERVERS];
	size_t n_listed, n;
	/* Which server holds a slot, learned from MOVED; -1: the listed
	 * server in use.  A lone Redis never says MOVED. */
	int8_t slot_at[CLUSTER_SLOTS];
	int listed; /* the server in use (a Sentinel's master), -1: none yet */
	char master[HOST_MAX]; /* the name Sentinel knows the master by */
	bool was_down; /* for one log line per outage */
	int64_t retry_at_us;
};

static int64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* "redis://HOST:PORT" or "HOST:PORT" (HOST alone: port 6379), or
 * "sentinel://HOST:PORT/MASTER" (port 26379 when left out). */
static bool parse_url(const char *url, server *out, char master[HOST_MAX])
{
	bool sentinel = strncmp(url, "sentinel://", 11) == 0;
	const char *p = sentinel ? url + 11 : strncmp(url, "redis://", 8) == 0 ? url + 8 : url;
	const char *slash = sentinel ? strchr(p, '/') : NULL;
	char hostport[HOST_MAX + 8];

	if (sentinel) {
		if (!slash || !slash[1] || strlen(slash + 1) >= HOST_MAX ||
		    (master[0] && strcmp(master, slash + 1) != 0))
			return false;
		snprintf(master, HOST_MAX, "%s", slash + 1);
		if ((size_t)(slash - p) >= sizeof(hostport))
			return false;
		memcpy(hostport, p, (size_t)(slash - p));
		hostport[slash - p] = '\0';
		p = hostport;
	}
	const char *colon = strrchr(p, ':');
	char *end;
	long n = colon ? strtol(colon + 1, &end, 10) : sentinel ? 26379 : 6379;

	if (colon && (*end || n < 1 || n > 65535))
		return false;
	size_t len = colon ? (size_t)(colon - p) : strlen(p);
	if (len == 0 || len >= HOST_MAX || strchr(p, '/'))
		return false;
	out->sentinel = sentinel;
	memcpy(out->host, p, len);
	out->host[len] = '\0';
	out->port = (int)n;
	return true;
}

relay_redis *relay_redis_new(const char *const *urls, size_t n)
{
	relay_redis *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	memset(r->slot_at, -1, sizeof(r->slot_at));
	r->listed = -1;
	for (size_t i = 0; i < n; i++) {
		if (i == MAX_SERVERS / 2 || !parse_url(urls[i], &r->servers[i], r->master)) {
			kyoyu_error("relay.redis \"%s\" is not of the form redis://HOST:PORT or "
				    "sentinel://HOST:PORT/MASTER (one MASTER for all)%s", urls[i],
				    i == MAX_SERVERS / 2 ? " (or one too many)" : "");
			free(r);
			return NULL;
		}
	}
	r->n_listed = r->n = n;
	return r;
}

static void drop(relay_redis *r, int i)
{
	if (r->servers[i].c)
		redisFree(r->servers[i].c);
	r->servers[i].c = NULL;
	/* Its slots are asked of the listed server again, which tells where
	 * they went (a replica promoted in its place). */
	for (int slot = 0; slot < CLUSTER_SLOTS; slot++)
		if (r->slot_at[slot] == i)
			r->slot_at[slot] = -1;
	if (i == r->listed)
		r->listed = -1;
}

void relay_redis_free(relay_redis *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++)
		if (r->servers[i].c)
			redisFree(r->servers[i].c);
	free(r);
}

static redisContext *connect_to(server *sv)
{
	struct timeval tv = {0, TIMEOUT_MS * 1000};

	if (sv->c)
		return sv->c;
	redisContext *c = redisConnectWithTimeout(sv->host, sv->port, tv);
	if (c && !c->err && redisSetTimeout(c, tv) == REDIS_OK) {
		sv->c = c;
		return c;
	}
	kyoyu_debug("cannot reach Redis at %s:%d: %s", sv->host, sv->port,
		    c ? c->errstr : "out of memory");
	if (c)
		redisFree(c);
	return NULL;
}

static void went_down(relay_redis *r, const char *why)
{
	if (!r->was_down)
		kyoyu_error("Redis failed: %s; no new codes until it answers again; sessions "
			    "in progress go on", why);
	r->was_down = true;
	r->retry_at_us = now_us() + RETRY_AFTER_US;
}

static void answered(relay_redis *r, const server *sv)
{
	if (r->was_down)
		kyoyu_info("Redis at %s:%d answers again: codes are issued again", sv->host,
			   sv->port);
	r->was_down = false;
}

static int server_at(relay_redis *r, const char *host, int port);

/* The master the Sentinel SV names, connected and saying it is one (a
 * failed master that came back is a replica until reconfigured).  -1 when
 * it names none, or that one does not answer as a master. */
static int master_from(relay_redis *r, server *sv)
{
	redisContext *c = connect_to(sv);
	redisReply *a = c ? redisCommand(c, "SENTINEL get-master-addr-by-name %s", r->master)
			  : NULL;
	int at = -1;

	if (!a) {
		if (sv->c)
			redisFree(sv->c);
		sv->c = NULL;
		return -1;
	}
	if (a->type == REDIS_REPLY_ARRAY && a->elements == 2 &&
	    a->element[0]->type == REDIS_REPLY_STRING &&
	    a->element[1]->type == REDIS_REPLY_STRING) {
		long port = strtol(a->element[1]->str, NULL, 10);
		if (port > 0 && port < 65536)
			at = server_at(r, a->element[0]->str, (int)port);
	}
	freeReplyObject(a);
	redisContext *m = at >= 0 ? connect_to(&r->servers[at]) : NULL;
	redisReply *role = m ? redisCommand(m, "ROLE") : NULL;
	bool master = role && role->type == REDIS_REPLY_ARRAY && role->elements > 0 &&
		      role->element[0]->type == REDIS_REPLY_STRING &&
		      strcmp(role->element[0]->str, "master") == 0;
	if (role)
		freeReplyObject(role);
	if (at >= 0 && !master) {
		kyoyu_debug("Sentinel %s:%d names %s:%d, which is not a master (yet)", sv->host,
			    sv->port, r->servers[at].host, r->servers[at].port);
		if (r->servers[at].c)
			redisFree(r->servers[at].c);
		r->servers[at].c = NULL;
		return -1;
	}
	if (at >= 0)
		kyoyu_info("Sentinel %s:%d: the master \"%s\" is at %s:%d", sv->host, sv->port,
			   r->master, r->servers[at].host, r->servers[at].port);
	return at;
}

/* The listed server in use, connecting to the first that answers (with
 * Sentinels: the master the first that answers names).  -1 during the
 * pause after a failure, or when none answers. */
static int listed(relay_redis *r)
{
	if (r->listed >= 0)
		return r->listed;
	if (now_us() < r->retry_at_us)
		return -1;
	for (size_t i = 0; i < r->n_listed; i++) {
		int at = r->servers[i].sentinel ? master_from(r, &r->servers[i])
			 : connect_to(&r->servers[i]) ? (int)i : -1;
		if (at >= 0) {
			r->listed = at;
			return r->listed;
		}
	}
	went_down(r, "no server in relay.redis can be reached");
	return -1;
}

/* The server at HOST:PORT, added when new (the oldest learned one makes
 * room).  -1 when HOST is too long. */
static int server_at(relay_redis *r, const char *host, int port)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->servers[i].port == port && strcmp(r->servers[i].host, host) == 0)
			return (int)i;
	if (strlen(host) >= HOST_MAX)
		return -1;
	int i = (int)r->n;
	if (r->n == MAX_SERVERS) {
		i = (int)r->n_listed;
		drop(r, i);
	} else {
		r->n++;
	}
	snprintf(r->servers[i].host, HOST_MAX, "%s", host);
	r->servers[i].port = port;
	return i;
}

/* Redis Cluster's slot of KEY: CRC16 (XMODEM) of its {hash tag}. */
static int slot_of(const char *key)
{
	const char *open = strchr(key, '{'), *close = open ? strchr(open + 1, '}') : NULL;
	const char *p = key;
	size_t len = strlen(key);
	uint16_t crc = 0;

	if (open && close && close > open + 1) {
		p = open + 1;
		len = (size_t)(close - p);
	}
	for (size_t i = 0; i < len; i++) {
		crc ^= (uint16_t)((uint8_t)p[i] << 8);
		for (int b = 0; b < 8; b++)
			crc = crc & 0x8000 ? (uint16_t)(crc << 1 ^ 0x1021) : (uint16_t)(crc << 1);
	}
	return crc & (CLUSTER_SLOTS - 1);
}

/* "MOVED 3999 127.0.0.1:6381" or "ASK ...": the server named, or -1. */
static int redirected(relay_redis *r, const redisReply *reply, int from, bool *ask)
{
	char host[HOST_MAX] = "";
	int slot, port;

	if (reply->type != REDIS_REPLY_ERROR)
		return -1;
	*ask = strncmp(reply->str, "ASK ", 4) == 0;
	if (!*ask && strncmp(reply->str, "MOVED ", 6) != 0)
		return -1;
	const char *at = strchr(reply->str + (*ask ? 4 : 6), ' ');
	const char *colon = at ? strrchr(at, ':') : NULL;
	if (sscanf(reply->str + (*ask ? 4 : 6), "%d", &slot) != 1 || !colon ||
	    sscanf(colon + 1, "%d", &port) != 1 || port < 1 || port > 65535 ||
	    (size_t)(colon - at - 1) >= sizeof(host))
		return -1;
	memcpy(host, at + 1, (size_t)(colon - at - 1));
	/* An empty host: the one the reply came from. */
	return server_at(r, host[0] ? host : r->servers[from].host, port);
}

redisReply *relay_redis_eval(relay_redis *r, const char *script, const char *key, int argc,
			     const char **argv)
{
	const char *args[MAX_ARGS] = {"EVAL", script, "1", key};
	size_t lens[MAX_ARGS];
	int slot = slot_of(key);
	bool ask = false;

	if (argc > MAX_ARGS - 4)
		return NULL;
	for (int i = 0; i < argc; i++)
		args[4 + i] = argv[i];
	for (int i = 0; i < 4 + argc; i++)
		lens[i] = strlen(args[i]);
	int at = r->slot_at[slot] >= 0 && now_us() >= r->retry_at_us ? r->slot_at[slot]
								      : listed(r);
	for (int hop = 0; at >= 0 && hop <= MAX_REDIRECTS; hop++) {
		redisContext *c = connect_to(&r->servers[at]);
		redisReply *reply = NULL;
		if (c && ask) {
			reply = redisCommand(c, "ASKING");
			if (reply)
				freeReplyObject(reply);
		}
		reply = c ? redisCommandArgv(c, 4 + argc, args, lens) : NULL;
		if (!reply) {
			char why[HOST_MAX + 128];
			snprintf(why, sizeof(why), "%s:%d: %s", r->servers[at].host,
				 r->servers[at].port, c ? c->errstr : "cannot connect");
			drop(r, at);
			went_down(r, why);
			return NULL;
		}
		int next = redirected(r, reply, at, &ask);
		if (next < 0 && reply->type != REDIS_REPLY_ERROR) {
			answered(r, &r->servers[at]);
			return reply;
		}
		if (next < 0) {
			/* CLUSTERDOWN, a script error, out of memory...: said as
			 * Redis said it. */
			went_down(r, reply->str);
			freeReplyObject(reply);
			drop(r, at);
			return NULL;
		}
		freeReplyObject(reply);
		if (!ask)
			r->slot_at[slot] = (int8_t)next;
		kyoyu_debug("Redis Cluster: slot %d %s %s:%d", slot, ask ? "asked at" : "moved to",
			    r->servers[next].host, r->servers[next].port);
		at = next;
	}
	if (at >= 0)
		went_down(r, "Redis Cluster redirected the call too many times");
	return NULL;
}

int relay_redis_ping(relay_redis *r)
{
	int at = listed(r);

	if (at < 0)
		return -EIO;
	answered(r, &r->servers[at]);
	return 0;
}
