/* SPDX-License-Identifier: MIT */
/* The relay's codes in Redis, so that every relay node agrees on them
 * (docs/relay.md).  Redis never sees a code: a code's key is named by a
 * keyed hash (HMAC-SHA256 with the relay's secret) of its room, the first
 * KP_RELAY_ROOM_DIGITS digits, and holds the keyed hash of the whole code,
 * the link that waits for it and its wrong attempts.  Every change is one
 * Lua script, so a claim is atomic across nodes: of two sharers with the
 * same code exactly one gets the viewer.  The key's hash tag makes it one
 * Cluster slot.  Calls are synchronous with a short timeout (the relay's
 * loop waits at most that long); a failed call drops the connection and
 * the next call connects again, so Redis coming back needs no restart.
 * It also keeps the re-join tickets of joined sessions, the same way. */
#ifndef RELAY_STORE_H
#define RELAY_STORE_H

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

/* Connects now if it can (for the log at start).  Returns 0 or -EIO. */
int relay_store_ping(relay_store *store);

/* Draws a code in a free room and stores it for TTL_S, waited for by
 * OWNER.  Returns 0 with DIGITS, -ENOSPC when no free room was found,
 * -EIO when Redis cannot be reached (nothing issued). */
int relay_store_issue(relay_store *store, const char *owner, int ttl_s,
		      char digits[KP_WIRE_CODE_DIGITS]);

/* Counts an attempt from ADDR (numeric) against its budget of PER_MINUTE
 * a minute, shared by all nodes.  Returns 0, a positive number of seconds
 * to wait when over budget, or -EIO. */
int relay_store_attempt(relay_store *store, const char *addr, int per_minute);

typedef enum relay_claim {
	RELAY_CLAIM_WON = 0,  /* the code matched and is gone: OWNER waits */
	RELAY_CLAIM_BAD = 1,  /* wrong, unknown, expired or used */
	RELAY_CLAIM_DEAD = 2, /* wrong, and the code's last chance: OWNER lost it */
} relay_claim;

/* Claims DIGITS.  Returns a relay_claim with OWNER filled for WON and
 * DEAD, or -EIO. */
int relay_store_claim(relay_store *store, const char digits[KP_WIRE_CODE_DIGITS],
		      char owner[RELAY_OWNER_SIZE]);

/* Deletes the code in ROOM if OWNER still waits for it (the viewer left or
 * the code expired).  Best effort. */
void relay_store_retire(relay_store *store, const char room[KP_RELAY_ROOM_DIGITS],
			const char *owner);

/* Re-join tickets (docs/relay.md, "Coming back"): one hash per joined
 * session, kyoyu:rejoin:{TAG}, TAG from HMAC(secret, "ticket:" + ticket),
 * holding HMAC(secret, "check:" + ticket), the session's grace and, once
 * one side came back, which link waits for the other.  Its TTL is the
 * grace (plus the refresh period while the session is joined), so the
 * ticket dies with a session that is not taken up in time. */
#define RELAY_TICKET_KEY_SIZE 64

/* Draws a ticket for a session just joined and stores it for TTL_S, with
 * GRACE_S.  Returns 0 with TICKET and KEY (what refresh needs: not the
 * ticket), or -EIO. */
int relay_store_ticket_issue(relay_store *store, int grace_s, int ttl_s,
			     uint8_t ticket[KP_RELAY_TICKET_SIZE],
			     char key[RELAY_TICKET_KEY_SIZE]);

/* The session of KEY is still joined: its ticket lives TTL_S more (unless
 * a side already came back).  Best effort. */
void relay_store_ticket_refresh(relay_store *store, const char *key, int ttl_s);

typedef enum relay_rejoin {
	RELAY_REJOIN_UNKNOWN = 0, /* forged, used or expired */
	RELAY_REJOIN_WAIT = 1,    /* the first side back: OWNER now waits */
	RELAY_REJOIN_JOIN = 2,    /* the other side waits at OTHER; the ticket is spent */
} relay_rejoin;

/* SIDE (KP_RELAY_SIDE_*) of TICKET's session comes back on the link OWNER.
 * Returns a relay_rejoin with *GRACE_S (the session's), and with WAIT
 * *TTL_S (what is left of it) and KEY (for relay_store_rejoin_leave), with
 * JOIN OTHER; or -EIO. */
int relay_store_rejoin(relay_store *store, const uint8_t ticket[KP_RELAY_TICKET_SIZE],
		       int side, const char *owner, int *grace_s, int *ttl_s,
		       char key[RELAY_TICKET_KEY_SIZE], char other[RELAY_OWNER_SIZE]);

/* OWNER, waiting in KEY's session, left: the ticket stays for the rest
 * of its time, nobody waiting.  Best effort. */
void relay_store_rejoin_leave(relay_store *store, const char *key, const char *owner);

#endif
