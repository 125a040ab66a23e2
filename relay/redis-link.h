/* SPDX-License-Identifier: MIT */
/* Which Redis server a command goes to: one server (the listed URLs tried
 * in turn), the master Redis Sentinel names, or a Redis Cluster, whose MOVED
 * and ASK replies it follows and remembers per slot, so the relay needs no
 * cluster client library (Debian has none for C).  Calls are synchronous with a short timeout; after a
 * failure, calls fail at once for a while and then connect again, so a
 * Redis that comes back needs no restart. */
#ifndef RELAY_REDIS_LINK_H
#define RELAY_REDIS_LINK_H

#include <stddef.h>

#include <hiredis/hiredis.h>

typedef struct relay_redis relay_redis;

/* The servers of URLS ("redis://HOST:PORT"; with a Cluster, any of its
 * masters), or Sentinels ("sentinel://HOST:PORT/MASTER").  Nothing is connected yet.  NULL (logged) when a URL is not
 * one, or out of memory. */
relay_redis *relay_redis_new(const char *const *urls, size_t n_urls);
void relay_redis_free(relay_redis *r);

/* Connects now if it can (for the log at start).  Returns 0 or -EIO. */
int relay_redis_ping(relay_redis *r);

/* Runs the Lua SCRIPT on KEY (every script touches one key, so one slot)
 * with ARGC string arguments.  Returns the reply (freeReplyObject() it),
 * or NULL when Redis failed (logged). */
redisReply *relay_redis_eval(relay_redis *r, const char *script, const char *key, int argc,
			     const char **argv);

#endif
