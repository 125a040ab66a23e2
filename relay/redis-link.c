/* SPDX-License-Identifier: MIT */
/* One Redis, a Sentinel's master or a Redis Cluster, through hiredis'
 * asynchronous API in the relay's own poll() loop: nothing here waits for
 * Redis but the check at start (relay_redis_ping). */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <hiredis/async.h>

#define KYOYU_LOG_COMPONENT "relay/redis"
#include <kyoyu/kyoyu.h>

#include "redis-link.h"
#include "resolve.h"

/* hiredis exports it (0.14 and later) but 0.14's async.h does not say so:
 * calls the callbacks of the replies its reader holds. */
void redisProcessCallbacks(redisAsyncContext *ac);

/* A call waits this long for Redis before the code is refused. */
#define TIMEOUT_MS 500
/* After a failure, calls fail at once for this long, and then connect
 * again, so a Redis that comes back needs no restart. */
#define RETRY_AFTER_US 2000000
#define MAX_SERVERS 16 /* the listed ones, then those a Cluster named */
#define CLUSTER_SLOTS 16384
/* MOVED and ASK replies followed for one call: a Cluster that is
 * resharding answers at most two. */
#define MAX_REDIRECTS 5
#define HOST_MAX 256
#define MAX_ARGS 8

typedef struct server server;

/* One asynchronous connection, hiredis' event hooks' data: what hiredis
 * waits for on it, and its server while it is the server's (a connection
 * let go may still be freed by hiredis later). */
typedef struct conn {
	redisAsyncContext *ac;
	server *sv;
	bool reading, writing;
	/* Replies are counted before hiredis sees them: it aborts the
	 * process on a reply nobody asked for (an assert), which a hostile
	 * or broken Redis could send.  Its own parser, over the same bytes,
	 * and the commands and replies so far. */
	redisReader *shadow;
	unsigned long asked, replies;
} conn;

struct server {
	char host[HOST_MAX];
	int port;
	/* A host name is resolved off the loop before each new connection
	 * (so a Redis that moved is found again): the address it gave, for
	 * the next connection, or "" when it is to be resolved again; and
	 * the resolution under way, or NULL. */
	char addr[RELAY_ADDR_SIZE];
	relay_resolve *resolving;
	bool sentinel; /* asked where the master is, never for codes */
	redisContext *c; /* synchronous: Sentinel's answer and the ROLE check */
	conn *conn;      /* the relay's calls */
};

/* A call in flight, its arguments copied. */
typedef struct call {
	struct call *next;
	relay_redis *r;
	int at; /* the server it waits on */
	int slot, hops; /* slot: -1 for a question to a Sentinel or a ROLE */
	bool ask;
	int64_t deadline_us;
	relay_redis_done *done;
	void *ctx;
	int argc;
	char *argv[MAX_ARGS];
	size_t lens[MAX_ARGS];
} call;

struct relay_redis {
	server servers[MAX_SERVERS];
	size_t n_listed, n;
	/* Which server holds a slot, learned from MOVED; -1: the listed
	 * server in use.  A lone Redis never says MOVED. */
	int8_t slot_at[CLUSTER_SLOTS];
	int listed; /* the server in use (a Sentinel's master), -1: none yet */
	size_t next_listed; /* the listed URL tried next */
	char master[HOST_MAX]; /* the name Sentinel knows the master by */
	bool was_down; /* for one log line per outage */
	int64_t retry_at_us;
	call *calls; /* in flight */
	call *unresolved; /* waiting for their server's name to resolve */
	/* Finding a Sentinel's master, one question at a time: the calls
	 * that wait for it (not sent yet), the Sentinels asked this round,
	 * and the server the last one named. */
	bool finding;
	call *waiting;
	size_t finding_tries;
	int named;
	/* The server of each descriptor polled, and whether it is its
	 * resolution's (else its connection's). */
	int polled[RELAY_REDIS_FDS];
	bool polled_resolve[RELAY_REDIS_FDS];
	size_t n_polled;
};

static int64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Where SV is dialled: its address, or the one its name gave; NULL when
 * its name is to be resolved first. */
static const char *dial_host(const server *sv)
{
	if (relay_resolve_numeric(sv->host))
		return sv->host;
	return sv->addr[0] ? sv->addr : NULL;
}

/* The name of SV is to be resolved again before its next connection. */
static void address_spent(server *sv)
{
	if (!relay_resolve_numeric(sv->host))
		sv->addr[0] = '\0';
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

/* hiredis' event hooks: what it waits for, polled by the relay's loop. */
static void ev_add_read(void *data)
{
	((conn *)data)->reading = true;
}

static void ev_del_read(void *data)
{
	((conn *)data)->reading = false;
}

static void ev_add_write(void *data)
{
	((conn *)data)->writing = true;
}

static void ev_del_write(void *data)
{
	((conn *)data)->writing = false;
}

/* hiredis frees the context (after an error, or when told to). */
static void ev_cleanup(void *data)
{
	conn *cn = data;

	if (cn->sv && cn->sv->conn == cn) {
		cn->sv->conn = NULL;
		address_spent(cn->sv);
	}
	redisReaderFree(cn->shadow);
	free(cn);
}

/* Forgets what server I was trusted with: its slots are asked of the
 * listed server again, which tells where they went (a replica promoted
 * in its place), and a listed server in use is chosen again. */
static void forget(relay_redis *r, int i)
{
	for (int slot = 0; slot < CLUSTER_SLOTS; slot++)
		if (r->slot_at[slot] == i)
			r->slot_at[slot] = -1;
	if (i == r->listed)
		r->listed = -1;
}

/* Closes server I's connections; its calls in flight fail. */
static void drop(relay_redis *r, int i)
{
	server *sv = &r->servers[i];

	if (sv->c)
		redisFree(sv->c);
	sv->c = NULL;
	address_spent(sv);
	if (sv->conn) {
		conn *cn = sv->conn;
		sv->conn = NULL;
		cn->sv = NULL;
		/* Calls back every call in flight on it with no reply (later,
		 * when called from one of its own replies). */
		redisAsyncFree(cn->ac);
	}
	forget(r, i);
}

static void release_waiting(relay_redis *r, bool found);
static void fail_unresolved(relay_redis *r, int at);

void relay_redis_free(relay_redis *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++) {
		drop(r, (int)i);
		relay_resolve_free(r->servers[i].resolving);
	}
	r->finding = false;
	release_waiting(r, false);
	fail_unresolved(r, -1);
	free(r);
}

/* A synchronous connection: only for the check at start, before the loop,
 * so a name is resolved here, waiting. */
static redisContext *connect_to(server *sv)
{
	struct timeval tv = {0, TIMEOUT_MS * 1000};
	const char *why = NULL;

	if (sv->c)
		return sv->c;
	if (!dial_host(sv) && relay_resolve_now(sv->host, sv->addr, &why)) {
		kyoyu_debug("cannot resolve the Redis host %s: %s", sv->host, why);
		return NULL;
	}
	redisContext *c = redisConnectWithTimeout(dial_host(sv), sv->port, tv);
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

/* Server SV's asynchronous connection, started when there is none (it
 * completes in the loop; calls wait in it meanwhile).  NULL when it cannot
 * even start.  SV's address is known (dial_host). */
static redisAsyncContext *async_to(server *sv)
{
	if (sv->conn)
		return sv->conn->ac;
	conn *cn = calloc(1, sizeof(*cn));
	/* An address: hiredis' connect does not wait. */
	redisAsyncContext *ac = cn && (cn->shadow = redisReaderCreate())
					? redisAsyncConnect(dial_host(sv), sv->port) : NULL;
	if (!ac || ac->err) {
		kyoyu_debug("cannot reach Redis at %s:%d: %s", sv->host, sv->port,
			    ac ? ac->errstr : "out of memory");
		if (ac)
			redisAsyncFree(ac);
		if (cn)
			redisReaderFree(cn->shadow);
		free(cn);
		return NULL;
	}
	cn->ac = ac;
	cn->sv = sv;
	ac->ev.data = cn;
	ac->ev.addRead = ev_add_read;
	ac->ev.delRead = ev_del_read;
	ac->ev.addWrite = ev_add_write;
	ac->ev.delWrite = ev_del_write;
	ac->ev.cleanup = ev_cleanup;
	sv->conn = cn;
	return ac;
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
	/* The calls have their own connection to it. */
	if (at >= 0 && r->servers[at].c) {
		redisFree(r->servers[at].c);
		r->servers[at].c = NULL;
	}
	return at;
}

static int ask_sentinel(relay_redis *r, int i);
static void next_listed_after(relay_redis *r);

/* The listed server in use, or the next listed one in turn; -1 during the
 * pause after a failure.  A Sentinel is asked where the master is, without
 * waiting: -2 while the answer is awaited (the call waits for it). */
static int listed(relay_redis *r)
{
	if (r->listed >= 0)
		return r->listed;
	if (r->finding)
		return -2;
	if (now_us() < r->retry_at_us)
		return -1;
	size_t i = r->next_listed;
	r->next_listed = (i + 1) % r->n_listed;
	/* A plain server is tried by the call itself: a failure pauses the
	 * calls, and the next listed one is tried after. */
	if (!r->servers[i].sentinel) {
		r->listed = (int)i;
		return r->listed;
	}
	r->finding = true;
	r->finding_tries = 0;
	if (ask_sentinel(r, (int)i) != 0)
		next_listed_after(r);
	return r->listed >= 0 ? r->listed : r->finding ? -2 : -1;
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
		/* Calls that waited for its name time out. */
		relay_resolve_free(r->servers[i].resolving);
		r->servers[i].resolving = NULL;
	} else {
		r->n++;
	}
	snprintf(r->servers[i].host, HOST_MAX, "%s", host);
	r->servers[i].port = port;
	r->servers[i].addr[0] = '\0';
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

static void unlink_call(relay_redis *r, call *k)
{
	for (call **p = &r->calls; *p; p = &(*p)->next) {
		if (*p == k) {
			*p = k->next;
			return;
		}
	}
}

static void finish(call *k, const redisReply *reply)
{
	if (k->done)
		k->done(k->ctx, reply);
	for (int i = 0; i < k->argc; i++)
		free(k->argv[i]);
	free(k);
}

static void on_reply(redisAsyncContext *ac, void *data, void *priv);

/* Sends K to its server; when its name is to be resolved first, K waits
 * for that (a resolution is started).  Returns 0, or -EIO when it cannot. */
static int send_call(relay_redis *r, call *k)
{
	server *sv = &r->servers[k->at];

	if (!sv->conn && !dial_host(sv)) {
		if (!sv->resolving && !(sv->resolving = relay_resolve_start(sv->host)))
			return -EIO;
		k->deadline_us = now_us() + TIMEOUT_MS * 1000;
		k->next = r->unresolved;
		r->unresolved = k;
		return 0;
	}
	redisAsyncContext *ac = async_to(sv);

	if (!ac)
		return -EIO;
	if (k->ask && redisAsyncCommand(ac, NULL, NULL, "ASKING") != REDIS_OK)
		return -EIO;
	sv->conn->asked += k->ask;
	if (redisAsyncCommandArgv(ac, on_reply, k, k->argc, (const char **)k->argv, k->lens) !=
	    REDIS_OK)
		return -EIO;
	sv->conn->asked++;
	k->deadline_us = now_us() + TIMEOUT_MS * 1000;
	k->next = r->calls;
	r->calls = k;
	return 0;
}

/* hiredis' answer to a call; no reply when its connection failed or was
 * dropped (a call not answered in time drops it). */
static void on_reply(redisAsyncContext *ac, void *data, void *priv)
{
	call *k = priv;
	relay_redis *r = k->r;
	redisReply *reply = data;
	server *sv = &r->servers[k->at];
	char why[HOST_MAX + 128];

	unlink_call(r, k);
	if (!reply) {
		snprintf(why, sizeof(why), "%s:%d: %s", sv->host, sv->port,
			 ac->errstr[0] ? ac->errstr : "the connection was closed");
		forget(r, k->at);
		went_down(r, why);
		finish(k, NULL);
		return;
	}
	int next = k->slot >= 0 ? redirected(r, reply, k->at, &k->ask) : -1;
	if (next < 0 && reply->type != REDIS_REPLY_ERROR) {
		/* A Sentinel's answer, or a ROLE, says nothing of codes. */
		if (k->slot >= 0)
			answered(r, sv);
		finish(k, reply);
		return;
	}
	if (next < 0) {
		/* CLUSTERDOWN, READONLY from a master demoted, a script
		 * error...: said as Redis said it. */
		went_down(r, reply->str);
		drop(r, k->at);
		finish(k, NULL);
		return;
	}
	if (!k->ask)
		r->slot_at[k->slot] = (int8_t)next;
	kyoyu_debug("Redis Cluster: slot %d %s %s:%d", k->slot, k->ask ? "asked at" : "moved to",
		    r->servers[next].host, r->servers[next].port);
	k->at = next;
	if (++k->hops > MAX_REDIRECTS || send_call(r, k)) {
		snprintf(why, sizeof(why), "%s:%d: %s", r->servers[next].host,
			 r->servers[next].port, k->hops > MAX_REDIRECTS ?
			 "Redis Cluster redirected the call too many times" : "cannot connect");
		went_down(r, why);
		finish(k, NULL);
	}
}

/* A call of ARGC arguments (copied) to server AT, or, with AT -1, kept
 * until a Sentinel named the master.  Returns 0 (DONE will be called), or
 * a negative errno (DONE is not called). */
static int start_call(relay_redis *r, int at, int slot, int argc, const char **args,
		      relay_redis_done *done, void *ctx)
{
	call *k = calloc(1, sizeof(*k));

	if (!k)
		return -ENOMEM;
	*k = (call){.r = r, .at = at, .slot = slot, .done = done, .ctx = ctx, .argc = argc};
	for (int i = 0; i < k->argc; i++) {
		k->lens[i] = strlen(args[i]);
		if (!(k->argv[i] = malloc(k->lens[i] + 1))) {
			k->done = NULL;
			finish(k, NULL);
			return -ENOMEM;
		}
		memcpy(k->argv[i], args[i], k->lens[i] + 1);
	}
	if (at < 0) {
		k->next = r->waiting;
		r->waiting = k;
		return 0;
	}
	if (send_call(r, k)) {
		char why[HOST_MAX + 64];
		snprintf(why, sizeof(why), "%s:%d: cannot connect", r->servers[at].host,
			 r->servers[at].port);
		forget(r, at);
		went_down(r, why);
		k->done = NULL;
		finish(k, NULL);
		return -EIO;
	}
	return 0;
}

/* The calls that waited for the master go to it, or fail. */
static void release_waiting(relay_redis *r, bool found)
{
	while (r->waiting) {
		call *k = r->waiting;
		r->waiting = k->next;
		k->at = r->listed;
		if (!found || r->listed < 0 || send_call(r, k))
			finish(k, NULL);
	}
}

/* The next listed server after a Sentinel that named no master: another
 * Sentinel to ask, a plain server to use, or, all tried, a failure. */
static void next_listed_after(relay_redis *r)
{
	while (++r->finding_tries < r->n_listed) {
		size_t i = r->next_listed;
		r->next_listed = (i + 1) % r->n_listed;
		if (!r->servers[i].sentinel) {
			r->listed = (int)i;
			r->finding = false;
			release_waiting(r, true);
			return;
		}
		if (ask_sentinel(r, (int)i) == 0)
			return;
	}
	r->finding = false;
	went_down(r, "no Sentinel in relay.redis names a master that answers");
	release_waiting(r, false);
}

/* The server a Sentinel named says what it is: a failed master that came
 * back is a replica until reconfigured. */
static void role_answered(void *ctx, const redisReply *reply)
{
	relay_redis *r = ctx;
	server *m = &r->servers[r->named];

	if (reply && reply->type == REDIS_REPLY_ARRAY && reply->elements > 0 &&
	    reply->element[0]->type == REDIS_REPLY_STRING &&
	    strcmp(reply->element[0]->str, "master") == 0) {
		kyoyu_info("Sentinel: the master \"%s\" is at %s:%d", r->master, m->host, m->port);
		r->listed = r->named;
		r->finding = false;
		release_waiting(r, true);
		return;
	}
	kyoyu_debug("Sentinel names %s:%d, which is not a master (yet)", m->host, m->port);
	next_listed_after(r);
}

static void sentinel_answered(void *ctx, const redisReply *a)
{
	relay_redis *r = ctx;
	int at = -1;

	if (a && a->type == REDIS_REPLY_ARRAY && a->elements == 2 &&
	    a->element[0]->type == REDIS_REPLY_STRING &&
	    a->element[1]->type == REDIS_REPLY_STRING) {
		long port = strtol(a->element[1]->str, NULL, 10);
		if (port > 0 && port < 65536)
			at = server_at(r, a->element[0]->str, (int)port);
	}
	const char *role[] = {"ROLE"};
	if (at >= 0 && (r->named = at, start_call(r, at, -1, 1, role, role_answered, r) == 0))
		return;
	next_listed_after(r);
}

/* Asks the Sentinel I where the master is (its answer moves on). */
static int ask_sentinel(relay_redis *r, int i)
{
	const char *q[] = {"SENTINEL", "get-master-addr-by-name", r->master};

	return start_call(r, i, -1, 3, q, sentinel_answered, r);
}

int relay_redis_eval(relay_redis *r, const char *script, const char *key, int argc,
		     const char **argv, relay_redis_done *done, void *ctx)
{
	const char *args[MAX_ARGS] = {"EVAL", script, "1", key};
	int slot = slot_of(key);

	if (argc > MAX_ARGS - 4)
		return -EINVAL;
	for (int i = 0; i < argc; i++)
		args[4 + i] = argv[i];
	int at = r->slot_at[slot] >= 0 && now_us() >= r->retry_at_us ? r->slot_at[slot]
								      : listed(r);
	if (at == -1)
		return -EIO;
	return start_call(r, at < 0 ? -1 : at, slot, 4 + argc, args, done, ctx);
}

/* The calls waiting for server AT's name (-1: every server's) fail. */
static void fail_unresolved(relay_redis *r, int at)
{
	for (call **p = &r->unresolved; *p;) {
		call *k = *p;
		if (at >= 0 && k->at != at) {
			p = &k->next;
			continue;
		}
		*p = k->next;
		finish(k, NULL);
	}
}

/* Server I's name was resolved (or not): the calls waiting for it go. */
static void resolved(relay_redis *r, int i)
{
	server *sv = &r->servers[i];
	const char *why = NULL;
	char why_text[HOST_MAX + 128];
	int ret = relay_resolve_result(sv->resolving, sv->addr, &why);

	if (ret == 0)
		return;
	relay_resolve_free(sv->resolving);
	sv->resolving = NULL;
	if (ret < 0) {
		sv->addr[0] = '\0';
		snprintf(why_text, sizeof(why_text), "cannot resolve %s: %s", sv->host,
			 why ? why : "no address");
		forget(r, i);
		went_down(r, why_text);
		fail_unresolved(r, i);
		return;
	}
	kyoyu_debug("Redis host %s is at %s", sv->host, sv->addr);
	call *waiting = r->unresolved;
	r->unresolved = NULL;
	while (waiting) {
		call *k = waiting;
		waiting = k->next;
		if (k->at != i) {
			k->next = r->unresolved;
			r->unresolved = k;
		} else if (send_call(r, k)) {
			snprintf(why_text, sizeof(why_text), "%s:%d: cannot connect", sv->host,
				 sv->port);
			went_down(r, why_text);
			finish(k, NULL);
		}
	}
}

/* Calls whose server's name is not resolved in time fail; the resolution
 * goes on, and its address serves the next call. */
static void expire_unresolved(relay_redis *r, int64_t now)
{
	for (call **p = &r->unresolved; *p;) {
		call *k = *p;
		if (now < k->deadline_us) {
			p = &k->next;
			continue;
		}
		char why[HOST_MAX + 64];
		snprintf(why, sizeof(why), "%s: no address within %d ms", r->servers[k->at].host,
			 TIMEOUT_MS);
		kyoyu_debug("%s; still resolving it", why);
		went_down(r, why);
		*p = k->next;
		finish(k, NULL);
	}
}

/* Calls not answered in time: their server is taken for gone (its
 * connection dropped, so every call on it fails now, not in turn). */
static void expire(relay_redis *r, int64_t now)
{
	for (;;) {
		call *late = NULL;
		for (call *k = r->calls; k && !late; k = k->next)
			if (now >= k->deadline_us)
				late = k;
		if (!late)
			return;
		server *sv = &r->servers[late->at];
		char why[HOST_MAX + 64];
		snprintf(why, sizeof(why), "%s:%d: no answer within %d ms", sv->host, sv->port,
			 TIMEOUT_MS);
		went_down(r, why);
		if (!sv->conn) { /* never: its calls went with it */
			unlink_call(r, late);
			finish(late, NULL);
			continue;
		}
		drop(r, late->at);
	}
}

size_t relay_redis_poll(relay_redis *r, struct pollfd *pfds, size_t max, int *timeout_ms)
{
	int64_t now = now_us();

	expire(r, now);
	expire_unresolved(r, now);
	r->n_polled = 0;
	if (max > RELAY_REDIS_FDS)
		max = RELAY_REDIS_FDS;
	for (size_t i = 0; i < r->n && r->n_polled < max; i++) {
		server *sv = &r->servers[i];
		conn *cn = sv->conn;
		if (sv->resolving) {
			pfds[r->n_polled] = (struct pollfd){relay_resolve_fd(sv->resolving), POLLIN, 0};
			r->polled_resolve[r->n_polled] = true;
			r->polled[r->n_polled++] = (int)i;
		}
		if (!cn || !(cn->reading || cn->writing) || r->n_polled == max)
			continue;
		pfds[r->n_polled] = (struct pollfd){cn->ac->c.fd, (short)((cn->reading ? POLLIN : 0) |
									  (cn->writing ? POLLOUT : 0)), 0};
		r->polled_resolve[r->n_polled] = false;
		r->polled[r->n_polled++] = (int)i;
	}
	for (call *k = r->unresolved; k; k = k->next) {
		int64_t ms = k->deadline_us <= now ? 0 : (k->deadline_us - now + 999) / 1000;
		if (*timeout_ms < 0 || ms < *timeout_ms)
			*timeout_ms = (int)ms;
	}
	for (call *k = r->calls; k; k = k->next) {
		int64_t ms = k->deadline_us <= now ? 0 : (k->deadline_us - now + 999) / 1000;
		if (*timeout_ms < 0 || ms < *timeout_ms)
			*timeout_ms = (int)ms;
	}
	return r->n_polled;
}

/* Counts the replies in the N bytes BUF that CN read: false when Redis
 * said more than it was asked, or what no parser takes. */
static bool replies_expected(conn *cn, const char *buf, size_t n)
{
	void *reply = NULL;

	if (redisReaderFeed(cn->shadow, buf, n) != REDIS_OK)
		return false;
	for (;;) {
		if (redisReaderGetReply(cn->shadow, &reply) != REDIS_OK)
			return false;
		if (!reply)
			return true;
		freeReplyObject(reply);
		if (++cn->replies > cn->asked)
			return false;
	}
}

/* What server I's connection has to read, counted, then given to hiredis,
 * which calls the calls' callbacks. */
static void read_replies(relay_redis *r, int i)
{
	server *sv = &r->servers[i];
	redisAsyncContext *ac = sv->conn->ac;
	char buf[16384], why[HOST_MAX + 128];

	if (!(ac->c.flags & REDIS_CONNECTED)) { /* hiredis completes the connect */
		redisAsyncHandleRead(ac);
		return;
	}
	ssize_t n = read(ac->c.fd, buf, sizeof(buf));
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) { /* hiredis reads the end or the error again, and says so */
		redisAsyncHandleRead(ac);
		return;
	}
	if (!replies_expected(sv->conn, buf, (size_t)n)) {
		snprintf(why, sizeof(why), "%s:%d answered what it was not asked (a reply too "
			 "many, or not Redis's protocol)", sv->host, sv->port);
		went_down(r, why);
		drop(r, i);
		return;
	}
	if (redisReaderFeed(ac->c.reader, buf, (size_t)n) != REDIS_OK) {
		went_down(r, "out of memory for Redis's answer");
		drop(r, i);
		return;
	}
	redisProcessCallbacks(ac);
}

void relay_redis_handle(relay_redis *r, const struct pollfd *pfds, size_t n)
{
	for (size_t k = 0; k < n && k < r->n_polled; k++) {
		server *sv = &r->servers[r->polled[k]];
		short ev = pfds[k].revents;
		if (r->polled_resolve[k]) {
			if (ev && sv->resolving && relay_resolve_fd(sv->resolving) == pfds[k].fd)
				resolved(r, r->polled[k]);
			continue;
		}
		/* A connection replaced since it was polled reads nothing. */
		if (!ev || !sv->conn || sv->conn->ac->c.fd != pfds[k].fd)
			continue;
		if (ev & (POLLIN | POLLERR | POLLHUP))
			read_replies(r, r->polled[k]);
		if (sv->conn && (ev & (POLLOUT | POLLERR)))
			redisAsyncHandleWrite(sv->conn->ac);
	}
}

int relay_redis_ping(relay_redis *r)
{
	for (size_t i = 0; i < r->n_listed; i++) {
		server *sv = &r->servers[i];
		int at = sv->sentinel ? master_from(r, sv) : (int)i;
		redisContext *c = at >= 0 ? connect_to(&r->servers[at]) : NULL;
		redisReply *pong = c ? redisCommand(c, "PING") : NULL;
		bool ok = pong && pong->type != REDIS_REPLY_ERROR;
		if (pong)
			freeReplyObject(pong);
		/* The calls have their own connection. */
		if (at >= 0 && r->servers[at].c) {
			redisFree(r->servers[at].c);
			r->servers[at].c = NULL;
		}
		if (ok) {
			answered(r, &r->servers[at]);
			return 0;
		}
	}
	return -EIO;
}
