/* SPDX-License-Identifier: MIT */
/* The relay's codes in Redis, so that every relay node agrees on them
 * (docs/relay.md).  Redis never sees a code: a code's key is named by a
 * keyed hash (HMAC-SHA256 with the relay's secret) of its room, the first
 * KP_RELAY_ROOM_DIGITS digits, and holds the keyed hash of the whole code,
 * the link that waits for it and its wrong attempts.  Every change is one
 * Lua script, so a claim is atomic across nodes: of two sharers with the
 * same code exactly one gets the viewer.  The key's hash tag makes it one
 * Cluster slot.  Calls do not wait: their answers come back through the
 * relay's loop (redis-link.h), so forwarding never waits for Redis.  It
 * also keeps the re-join tickets of joined sessions, the same way. */
#ifndef RELAY_STORE_H
#define RELAY_STORE_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nodes.h"
#include "proto/relay-wire.h"

#define RELAY_SECRET_SIZE 32
/* Wrong attempts a code survives, from all nodes together. */
#define RELAY_MAX_WRONG 5

typedef struct relay_store relay_store;

/* A store on the first reachable of URLS ("redis://HOST:PORT").  Nothing
 * is connected yet.  NULL when out of memory. */
relay_store *relay_store_new(const char *const *urls, size_t n_urls,
			     const uint8_t secret[RELAY_SECRET_SIZE]);
void relay_store_free(relay_store *store);

/* Connects now if it can, and waits (at start, for the log).  Returns 0
 * or -EIO. */
int relay_store_ping(relay_store *store);

/* Redis is reached from the relay's loop: these fill PFDS (room for MAX,
 * RELAY_REDIS_FDS at most) and lower *TIMEOUT_MS, then handle what poll()
 * reported for them.  Every answer below comes from relay_store_handle or
 * relay_store_poll, or at once, before the call returns, when Redis is
 * known to be down; exactly once. */
#define RELAY_STORE_FDS 32 /* RELAY_REDIS_FDS */
size_t relay_store_poll(relay_store *store, struct pollfd *pfds, size_t max, int *timeout_ms);
void relay_store_handle(relay_store *store, const struct pollfd *pfds, size_t n);

/* RET 0 with DIGITS (a code in a free room, stored for TTL_S, waited for
 * by OWNER), -ENOSPC when no free room was found, -EIO when Redis failed
 * (nothing issued). */
typedef void relay_store_issued(void *ctx, int ret, const char digits[KP_WIRE_CODE_DIGITS]);
void relay_store_issue(relay_store *store, const char *owner, int ttl_s,
		       relay_store_issued *done, void *ctx);

/* What an address's attempts are counted for: each has its own budget. */
typedef enum relay_budget {
	RELAY_BUDGET_CODES,   /* CLAIMs: kyoyu:attempts:{TAG} */
	RELAY_BUDGET_TICKETS, /* customers' REJOINs: kyoyu:rejoins:{TAG} */
} relay_budget;

/* Counts an attempt from ADDR (numeric) against its BUDGET of PER_MINUTE
 * a minute, shared by all nodes: RET 0, a positive number of seconds to
 * wait when over budget, or -EIO. */
typedef void relay_store_counted(void *ctx, int ret);
void relay_store_attempt(relay_store *store, relay_budget budget, const char *addr,
			 int per_minute, relay_store_counted *done, void *ctx);

typedef enum relay_claim {
	RELAY_CLAIM_WON = 0,  /* the code matched and is gone: OWNER waits */
	RELAY_CLAIM_BAD = 1,  /* wrong, unknown, expired or used */
	RELAY_CLAIM_DEAD = 2, /* wrong, and the code's last chance: OWNER lost it */
} relay_claim;

/* Claims DIGITS: RET a relay_claim with OWNER for WON and DEAD, or -EIO. */
typedef void relay_store_claimed(void *ctx, int ret, const char *owner);
void relay_store_claim(relay_store *store, const char digits[KP_WIRE_CODE_DIGITS],
		       relay_store_claimed *done, void *ctx);

/* Deletes the code in ROOM if OWNER still waits for it (the viewer left or
 * the code expired).  Best effort, answered to nobody. */
void relay_store_retire(relay_store *store, const char room[KP_RELAY_ROOM_DIGITS],
			const char *owner);

/* Re-join tickets (docs/relay.md, "Coming back"): one hash per joined
 * session, kyoyu:rejoin:{TAG}, TAG from HMAC(secret, "ticket:" + ticket),
 * holding HMAC(secret, "check:" + ticket), the session's grace and, once
 * one side came back, which link waits for the other.  Its TTL is the
 * grace (plus the refresh period while the session is joined), so the
 * ticket dies with a session that is not taken up in time. */
#define RELAY_TICKET_KEY_SIZE 64

/* Draws a ticket for a session just joined and has Redis keep it for
 * TTL_S, with GRACE_S.  Returns 0 with TICKET and KEY (what refresh needs:
 * not the ticket), and DONE tells CTX once whether Redis kept it (only
 * then may the ticket go out); or -EIO when Redis is known to be down
 * (DONE is not called). */
typedef void relay_store_ticket_stored(void *ctx, bool stored);
int relay_store_ticket_issue(relay_store *store, int grace_s, int ttl_s,
			     uint8_t ticket[KP_RELAY_TICKET_SIZE],
			     char key[RELAY_TICKET_KEY_SIZE], relay_store_ticket_stored *done,
			     void *ctx);

/* The session of KEY is still joined: its ticket lives TTL_S more (unless
 * a side already came back).  Best effort. */
void relay_store_ticket_refresh(relay_store *store, const char *key, int ttl_s);

typedef enum relay_rejoin {
	RELAY_REJOIN_UNKNOWN = 0, /* forged, used or expired */
	RELAY_REJOIN_WAIT = 1,    /* the first side back: OWNER now waits */
	RELAY_REJOIN_JOIN = 2,    /* the other side waits at OTHER; the ticket is spent */
} relay_rejoin;

/* The Redis key of TICKET's hash (what relay_store_rejoin_leave takes). */
void relay_store_ticket_key(relay_store *store, const uint8_t ticket[KP_RELAY_TICKET_SIZE],
			    char key[RELAY_TICKET_KEY_SIZE]);

/* SIDE (KP_RELAY_SIDE_*) of TICKET's session comes back on the link OWNER:
 * RET a relay_rejoin with GRACE_S (the session's), and with WAIT TTL_S
 * (what is left of it), with JOIN OTHER; or -EIO. */
typedef void relay_store_rejoined(void *ctx, int ret, int grace_s, int ttl_s,
				  const char *other);
void relay_store_rejoin(relay_store *store, const uint8_t ticket[KP_RELAY_TICKET_SIZE],
			int side, const char *owner, relay_store_rejoined *done, void *ctx);

/* OWNER, waiting in KEY's session, left: the ticket stays for the rest
 * of its time, nobody waiting.  Best effort. */
void relay_store_rejoin_leave(relay_store *store, const char *key, const char *owner);

#endif
