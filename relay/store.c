/* SPDX-License-Identifier: MIT */
/* Codes in Redis through hiredis. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#define KYOYU_LOG_COMPONENT "relay/redis"
#include <kyoyu/kyoyu.h>

#include "proto/codes.h"
#include "proto/relay-wire.h"
#include "redis-link.h"
#include "store.h"

/* Rooms tried before a code is refused as "full". */
#define ROOM_TRIES 16
#define HEX_MAC 65 /* 64 hex digits and a NUL */
#define KEY_SIZE 96

struct relay_store {
	relay_redis *redis;
	uint8_t secret[RELAY_SECRET_SIZE];
};

/* The room is free: the code's hash, its waiting link, no wrong tries. */
static const char issue_lua[] =
	"if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end\n"
	"redis.call('HSET', KEYS[1], 'mac', ARGV[1], 'owner', ARGV[2], 'wrong', 0)\n"
	"redis.call('EXPIRE', KEYS[1], ARGV[3])\n"
	"return 1\n";
/* A match takes the code away; a miss counts, and the last one kills it. */
static const char claim_lua[] =
	"local h = redis.call('HMGET', KEYS[1], 'mac', 'owner')\n"
	"if not h[1] then return {1} end\n"
	"if h[1] == ARGV[1] then redis.call('DEL', KEYS[1]) return {0, h[2]} end\n"
	"if redis.call('HINCRBY', KEYS[1], 'wrong', 1) >= tonumber(ARGV[2]) then\n"
	"  redis.call('DEL', KEYS[1]) return {2, h[2]} end\n"
	"return {1}\n";
static const char retire_lua[] =
	"if redis.call('HGET', KEYS[1], 'owner') == ARGV[1] then\n"
	"  return redis.call('DEL', KEYS[1]) end\n"
	"return 0\n";
/* A ticket for a session just joined. */
static const char ticket_lua[] =
	"if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end\n"
	"redis.call('HSET', KEYS[1], 'mac', ARGV[1], 'grace', ARGV[2])\n"
	"redis.call('EXPIRE', KEYS[1], ARGV[3])\n"
	"return 1\n";
/* Only a session nobody came back to yet is still joined. */
static const char refresh_lua[] =
	"if redis.call('HEXISTS', KEYS[1], 'waiting') == 1 then return 0 end\n"
	"return redis.call('EXPIRE', KEYS[1], ARGV[1])\n";
/* The first side back waits (the same side again takes its place: its
 * previous link is gone); the other side takes the ticket away. */
static const char rejoin_lua[] =
	"local h = redis.call('HMGET', KEYS[1], 'mac', 'grace', 'waiting', 'side')\n"
	"if not h[1] or h[1] ~= ARGV[1] then return {0} end\n"
	"if h[3] and h[4] ~= ARGV[2] then redis.call('DEL', KEYS[1])\n"
	"  return {2, tonumber(h[2]), h[3]} end\n"
	"redis.call('HSET', KEYS[1], 'waiting', ARGV[3], 'side', ARGV[2])\n"
	"return {1, tonumber(h[2]), redis.call('TTL', KEYS[1])}\n";
static const char leave_lua[] =
	"if redis.call('HGET', KEYS[1], 'waiting') == ARGV[1] then\n"
	"  return redis.call('HDEL', KEYS[1], 'waiting', 'side') end\n"
	"return 0\n";
/* A fixed one-minute window per address. */
static const char attempt_lua[] =
	"local n = redis.call('INCR', KEYS[1])\n"
	"if n == 1 then redis.call('EXPIRE', KEYS[1], 60) end\n"
	"if n > tonumber(ARGV[1]) then return math.max(redis.call('TTL', KEYS[1]), 1) end\n"
	"return 0\n";

relay_store *relay_store_new(const char *const *urls, size_t n,
			     const uint8_t secret[RELAY_SECRET_SIZE])
{
	relay_store *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->redis = relay_redis_new(urls, n);
	if (!s->redis) {
		free(s);
		return NULL;
	}
	memcpy(s->secret, secret, RELAY_SECRET_SIZE);
	return s;
}

void relay_store_free(relay_store *s)
{
	if (!s)
		return;
	relay_redis_free(s->redis);
	OPENSSL_cleanse(s->secret, sizeof(s->secret));
	free(s);
}

/* HMAC-SHA256 of WHAT and DATA with the relay's secret, in hex. */
static void mac_hex(const relay_store *s, const char *what, const char *data, size_t len,
		    char out[HEX_MAC])
{
	uint8_t mac[32];
	unsigned mlen = 0;
	uint8_t msg[64];
	size_t wlen = strlen(what);

	memcpy(msg, what, wlen);
	memcpy(msg + wlen, data, len);
	HMAC(EVP_sha256(), s->secret, RELAY_SECRET_SIZE, msg, wlen + len, mac, &mlen);
	for (unsigned i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", mac[i]);
	OPENSSL_cleanse(msg, sizeof(msg));
}

/* kyoyu:code:{TAG}: the braces are Redis Cluster's hash tag. */
static void room_key(const relay_store *s, const char *digits, char key[KEY_SIZE])
{
	char mac[HEX_MAC];

	mac_hex(s, "room:", digits, KP_RELAY_ROOM_DIGITS, mac);
	snprintf(key, KEY_SIZE, "kyoyu:code:{%.32s}", mac);
}

int relay_store_ping(relay_store *s)
{
	return relay_redis_ping(s->redis);
}

_Static_assert(RELAY_STORE_FDS == RELAY_REDIS_FDS, "store.h says how many Redis polls");

size_t relay_store_poll(relay_store *s, struct pollfd *pfds, size_t max, int *timeout_ms)
{
	return relay_redis_poll(s->redis, pfds, max, timeout_ms);
}

void relay_store_handle(relay_store *s, const struct pollfd *pfds, size_t n)
{
	relay_redis_handle(s->redis, pfds, n);
}

/* A code being issued: the room drawn, and the tries left. */
typedef struct issuing {
	relay_store *store;
	char owner[RELAY_OWNER_SIZE], ttl[16];
	char digits[KP_WIRE_CODE_DIGITS];
	int tries;
	relay_store_issued *done;
	void *ctx;
} issuing;

static void issue_next(issuing *is);

static void issue_answered(void *ctx, const redisReply *r)
{
	issuing *is = ctx;

	if (r && r->type == REDIS_REPLY_INTEGER && r->integer == 1) {
		is->done(is->ctx, 0, is->digits);
	} else if (r && is->tries < ROOM_TRIES) {
		issue_next(is);
		return;
	} else {
		is->done(is->ctx, r ? -ENOSPC : -EIO, NULL);
	}
	OPENSSL_cleanse(is, sizeof(*is));
	free(is);
}

/* Draws a code and asks Redis for its room. */
static void issue_next(issuing *is)
{
	char key[KEY_SIZE], mac[HEX_MAC];
	int ret = kp_codes_draw(is->digits) ? -EIO : 0;

	is->tries++;
	if (!ret) {
		room_key(is->store, is->digits, key);
		mac_hex(is->store, "code:", is->digits, KP_WIRE_CODE_DIGITS, mac);
		const char *argv[] = {mac, is->owner, is->ttl};
		ret = relay_redis_eval(is->store->redis, issue_lua, key, 3, argv, issue_answered, is);
		OPENSSL_cleanse(mac, sizeof(mac));
	}
	if (ret) {
		is->done(is->ctx, -EIO, NULL);
		OPENSSL_cleanse(is, sizeof(*is));
		free(is);
	}
}

void relay_store_issue(relay_store *s, const char *owner, int ttl_s, relay_store_issued *done,
		       void *ctx)
{
	issuing *is = calloc(1, sizeof(*is));

	if (!is) {
		done(ctx, -EIO, NULL);
		return;
	}
	*is = (issuing){.store = s, .done = done, .ctx = ctx};
	snprintf(is->owner, sizeof(is->owner), "%s", owner);
	snprintf(is->ttl, sizeof(is->ttl), "%d", ttl_s);
	issue_next(is);
}

/* One answer awaited: which kind, and whom to tell. */
typedef struct asking {
	void (*done)(void);
	void *ctx;
} asking;

static asking *asking_new(void (*done)(void), void *ctx)
{
	asking *a = malloc(sizeof(*a));

	if (a)
		*a = (asking){done, ctx};
	return a;
}

static void attempt_answered(void *ctx, const redisReply *r)
{
	asking *a = ctx;

	/* The window is a minute: a wait outside it is not the script's. */
	bool wait = r && r->type == REDIS_REPLY_INTEGER;
	((relay_store_counted *)a->done)(a->ctx, !r || (wait && (r->integer < 0 ||
								  r->integer > 60)) ? -EIO
					 : wait ? (int)r->integer : 0);
	free(a);
}

void relay_store_attempt(relay_store *s, relay_budget budget, const char *addr,
			 int per_minute, relay_store_counted *done, void *ctx)
{
	char key[KEY_SIZE], mac[HEX_MAC], limit[16];
	asking *a = asking_new((void (*)(void))done, ctx);
	bool codes = budget == RELAY_BUDGET_CODES;

	/* Addresses are not kept in clear either. */
	mac_hex(s, codes ? "addr:" : "rejoin-addr:", addr, strnlen(addr, 46), mac);
	snprintf(key, sizeof(key), "kyoyu:%s:{%.32s}", codes ? "attempts" : "rejoins", mac);
	snprintf(limit, sizeof(limit), "%d", per_minute);
	const char *argv[] = {limit};
	if (!a || relay_redis_eval(s->redis, attempt_lua, key, 1, argv, attempt_answered, a)) {
		free(a);
		done(ctx, -EIO);
	}
}

static void claim_answered(void *ctx, const redisReply *r)
{
	asking *a = ctx;
	int ret = RELAY_CLAIM_BAD;
	const char *owner = NULL;

	if (!r)
		ret = -EIO;
	else if (r->type == REDIS_REPLY_ARRAY && r->elements == 2 &&
		 r->element[0]->type == REDIS_REPLY_INTEGER &&
		 (r->element[0]->integer == RELAY_CLAIM_WON ||
		  r->element[0]->integer == RELAY_CLAIM_DEAD) &&
		 r->element[1]->type == REDIS_REPLY_STRING) {
		/* Only what the script returns joins anyone (fuzz-relay found a
		 * stray integer taken for a won code). */
		ret = (int)r->element[0]->integer;
		owner = r->element[1]->str;
	}
	((relay_store_claimed *)a->done)(a->ctx, ret, owner);
	free(a);
}

void relay_store_claim(relay_store *s, const char digits[KP_WIRE_CODE_DIGITS],
		       relay_store_claimed *done, void *ctx)
{
	char key[KEY_SIZE], mac[HEX_MAC], max[8];
	asking *a = asking_new((void (*)(void))done, ctx);

	room_key(s, digits, key);
	mac_hex(s, "code:", digits, KP_WIRE_CODE_DIGITS, mac);
	snprintf(max, sizeof(max), "%d", RELAY_MAX_WRONG);
	const char *argv[] = {mac, max};
	int ret = a ? relay_redis_eval(s->redis, claim_lua, key, 2, argv, claim_answered, a) : -EIO;
	OPENSSL_cleanse(mac, sizeof(mac));
	if (ret) {
		free(a);
		done(ctx, -EIO, NULL);
	}
}

void relay_store_retire(relay_store *s, const char room[KP_RELAY_ROOM_DIGITS],
			const char *owner)
{
	char key[KEY_SIZE];

	room_key(s, room, key);
	const char *argv[] = {owner};
	relay_redis_eval(s->redis, retire_lua, key, 1, argv, NULL, NULL);
}

/* kyoyu:rejoin:{TAG} for TICKET, and the check kept in it. */
static void ticket_key(const relay_store *s, const uint8_t ticket[KP_RELAY_TICKET_SIZE],
		       char key[RELAY_TICKET_KEY_SIZE], char check[HEX_MAC])
{
	char mac[HEX_MAC];

	mac_hex(s, "ticket:", (const char *)ticket, KP_RELAY_TICKET_SIZE, mac);
	snprintf(key, RELAY_TICKET_KEY_SIZE, "kyoyu:rejoin:{%.32s}", mac);
	mac_hex(s, "check:", (const char *)ticket, KP_RELAY_TICKET_SIZE, check);
}

/* Whether Redis kept a ticket (1: stored; an existing key, never seen
 * with 256 random bits, is not this ticket's). */
static void ticket_answered(void *ctx, const redisReply *r)
{
	asking *a = ctx;

	((relay_store_ticket_stored *)a->done)(a->ctx, r && r->type == REDIS_REPLY_INTEGER &&
							       r->integer == 1);
	free(a);
}

int relay_store_ticket_issue(relay_store *s, int grace_s, int ttl_s,
			     uint8_t ticket[KP_RELAY_TICKET_SIZE], char key[RELAY_TICKET_KEY_SIZE],
			     relay_store_ticket_stored *done, void *ctx)
{
	char check[HEX_MAC], grace[16], ttl[16];
	asking *a = asking_new((void (*)(void))done, ctx);

	snprintf(grace, sizeof(grace), "%d", grace_s);
	snprintf(ttl, sizeof(ttl), "%d", ttl_s);
	if (!a || RAND_bytes(ticket, KP_RELAY_TICKET_SIZE) != 1) {
		free(a);
		return -EIO;
	}
	ticket_key(s, ticket, key, check);
	const char *argv[] = {check, grace, ttl};
	int ret = relay_redis_eval(s->redis, ticket_lua, key, 3, argv, ticket_answered, a);
	OPENSSL_cleanse(check, sizeof(check));
	if (ret) {
		free(a);
		OPENSSL_cleanse(ticket, KP_RELAY_TICKET_SIZE);
	}
	return ret ? -EIO : 0;
}

void relay_store_ticket_refresh(relay_store *s, const char *key, int ttl_s)
{
	char ttl[16];

	snprintf(ttl, sizeof(ttl), "%d", ttl_s);
	const char *argv[] = {ttl};
	relay_redis_eval(s->redis, refresh_lua, key, 1, argv, NULL, NULL);
}

static void rejoin_answered(void *ctx, const redisReply *r)
{
	asking *a = ctx;
	int ret = RELAY_REJOIN_UNKNOWN, grace_s = 0, ttl_s = 0;
	const char *other = NULL;

	if (!r)
		ret = -EIO;
	else if (r->type == REDIS_REPLY_ARRAY && r->elements == 3 &&
		 r->element[0]->type == REDIS_REPLY_INTEGER &&
		 r->element[1]->type == REDIS_REPLY_INTEGER) {
		ret = (int)r->element[0]->integer;
		grace_s = (int)r->element[1]->integer;
		if (ret == RELAY_REJOIN_WAIT && r->element[2]->type == REDIS_REPLY_INTEGER)
			ttl_s = (int)r->element[2]->integer;
		else if (ret == RELAY_REJOIN_JOIN && r->element[2]->type == REDIS_REPLY_STRING)
			other = r->element[2]->str;
		else
			ret = RELAY_REJOIN_UNKNOWN;
	}
	((relay_store_rejoined *)a->done)(a->ctx, ret, grace_s, ttl_s, other);
	free(a);
}

void relay_store_ticket_key(relay_store *s, const uint8_t ticket[KP_RELAY_TICKET_SIZE],
			    char key[RELAY_TICKET_KEY_SIZE])
{
	char check[HEX_MAC];

	ticket_key(s, ticket, key, check);
	OPENSSL_cleanse(check, sizeof(check));
}

void relay_store_rejoin(relay_store *s, const uint8_t ticket[KP_RELAY_TICKET_SIZE], int side,
			const char *owner, relay_store_rejoined *done, void *ctx)
{
	char check[HEX_MAC], side_text[4], key[RELAY_TICKET_KEY_SIZE];
	asking *a = asking_new((void (*)(void))done, ctx);

	snprintf(side_text, sizeof(side_text), "%d", side);
	ticket_key(s, ticket, key, check);
	const char *argv[] = {check, side_text, owner};
	int ret = a ? relay_redis_eval(s->redis, rejoin_lua, key, 3, argv, rejoin_answered, a)
		    : -EIO;
	OPENSSL_cleanse(check, sizeof(check));
	if (ret) {
		free(a);
		done(ctx, -EIO, 0, 0, NULL);
	}
}

void relay_store_rejoin_leave(relay_store *s, const char *key, const char *owner)
{
	const char *argv[] = {owner};
	relay_redis_eval(s->redis, leave_lua, key, 1, argv, NULL, NULL);
}
