/* SPDX-License-Identifier: MIT */
/* Which Redis server a command goes to: one server (the listed URLs tried
 * in turn), the master Redis Sentinel names, or a Redis Cluster, whose MOVED
 * and ASK replies it follows and remembers per slot, so the relay needs no
 * cluster client library (Debian has none for C).  Calls go out through
 * hiredis' asynchronous API, driven by the relay's own poll() loop, so the
 * loop never waits for Redis: a call not answered within a short timeout
 * fails (and its connection is dropped); after a failure, calls fail at
 * once for a while and then connect again, so a Redis that comes back
 * needs no restart.  A Sentinel is asked where the master is the same
 * way, the calls waiting meanwhile; only the check at start waits. */
#ifndef RELAY_REDIS_LINK_H
#define RELAY_REDIS_LINK_H

#include <poll.h>
#include <stddef.h>

#include <hiredis/hiredis.h>

typedef struct relay_redis relay_redis;

/* The servers of URLS ("redis://HOST:PORT"; with a Cluster, any of its
 * masters), or Sentinels ("sentinel://HOST:PORT/MASTER").  Nothing is connected yet.  NULL (logged) when a URL is not
 * one, or out of memory. */
relay_redis *relay_redis_new(const char *const *urls, size_t n_urls);
void relay_redis_free(relay_redis *r);

/* Connects now if it can, and waits for the answer (at start, for the
 * log).  Returns 0 or -EIO. */
int relay_redis_ping(relay_redis *r);

/* What a call answered: REPLY (hiredis frees it once this returns), or
 * NULL when Redis failed (logged). */
typedef void relay_redis_done(void *ctx, const redisReply *reply);

/* Runs the Lua SCRIPT on KEY (every script touches one key, so one slot)
 * with ARGC string arguments (copied).  Returns 0, and DONE (which may be
 * NULL: nobody waits) is called with CTX once, from relay_redis_poll or
 * relay_redis_handle; or -EIO at once when Redis is known to be down (the
 * pause after a failure), or cannot be reached, and DONE is not called. */
int relay_redis_eval(relay_redis *r, const char *script, const char *key, int argc,
		     const char **argv, relay_redis_done *done, void *ctx);

/* Fills PFDS (room for MAX) with what the connections wait for, fails the
 * calls not answered in time, and lowers *TIMEOUT_MS to the next such
 * deadline.  Returns how many it filled. */
size_t relay_redis_poll(relay_redis *r, struct pollfd *pfds, size_t max, int *timeout_ms);

/* Reads and writes what poll() reported for the N descriptors from
 * relay_redis_poll; replies call their calls' DONE. */
void relay_redis_handle(relay_redis *r, const struct pollfd *pfds, size_t n);

/* The most descriptors relay_redis_poll fills. */
#define RELAY_REDIS_FDS 32

#endif
