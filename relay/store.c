/* SPDX-License-Identifier: MIT */
/* Codes in Redis through hiredis. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include <hiredis/hiredis.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#define KYOYU_LOG_COMPONENT "relay/redis"
#include <kyoyu/kyoyu.h>

#include "proto/codes.h"
#include "proto/relay-wire.h"
#include "store.h"

/* A call waits this long for Redis before the code is refused. */
#define TIMEOUT_MS 500
/* After a failure, calls fail at once for this long: each try can hold the
 * relay's loop (and so every session's bytes) for up to TIMEOUT_MS, so an
 * unreachable Redis costs the sessions at most a quarter of the time. */
#define RETRY_AFTER_US 2000000
/* Rooms tried before a code is refused as "full". */
#define ROOM_TRIES 16
#define HEX_MAC 65 /* 64 hex digits and a NUL */
#define KEY_SIZE 96

struct relay_store {
	char **hosts;
	int *ports;
	size_t n;
	redisContext *redis;
	uint8_t secret[RELAY_SECRET_SIZE];
	bool was_down; /* for one log line per outage */
	int64_t retry_at_us;
};

static int64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

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
/* A fixed one-minute window per address. */
static const char attempt_lua[] =
	"local n = redis.call('INCR', KEYS[1])\n"
	"if n == 1 then redis.call('EXPIRE', KEYS[1], 60) end\n"
	"if n > tonumber(ARGV[1]) then return math.max(redis.call('TTL', KEYS[1]), 1) end\n"
	"return 0\n";

/* "redis://HOST:PORT" or "HOST:PORT". */
static bool parse_url(const char *url, char **host, int *port)
{
	const char *p = strncmp(url, "redis://", 8) == 0 ? url + 8 : url;
	const char *colon = strrchr(p, ':');
	char *end;
	long n = colon ? strtol(colon + 1, &end, 10) : 6379;

	if (colon && (*end || n < 1 || n > 65535))
		return false;
	size_t len = colon ? (size_t)(colon - p) : strlen(p);
	if (len == 0 || strchr(p, '/'))
		return false;
	*host = strndup(p, len);
	*port = (int)n;
	return *host != NULL;
}

relay_store *relay_store_new(const char *const *urls, size_t n,
			     const uint8_t secret[RELAY_SECRET_SIZE])
{
	relay_store *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->hosts = calloc(n, sizeof(*s->hosts));
	s->ports = calloc(n, sizeof(*s->ports));
	if (!s->hosts || !s->ports)
		goto out_free;
	for (size_t i = 0; i < n; i++) {
		if (!parse_url(urls[i], &s->hosts[s->n], &s->ports[s->n])) {
			kyoyu_error("relay.redis \"%s\" is not of the form redis://HOST:PORT",
				    urls[i]);
			goto out_free;
		}
		s->n++;
	}
	memcpy(s->secret, secret, RELAY_SECRET_SIZE);
	return s;

out_free:
	relay_store_free(s);
	return NULL;
}

void relay_store_free(relay_store *s)
{
	if (!s)
		return;
	if (s->redis)
		redisFree(s->redis);
	for (size_t i = 0; i < s->n; i++)
		free(s->hosts[i]);
	free(s->hosts);
	free(s->ports);
	OPENSSL_cleanse(s->secret, sizeof(s->secret));
	free(s);
}

static redisContext *connected(relay_store *s)
{
	struct timeval tv = {0, TIMEOUT_MS * 1000};

	if (s->redis)
		return s->redis;
	if (now_us() < s->retry_at_us)
		return NULL;
	for (size_t i = 0; i < s->n && !s->redis; i++) {
		redisContext *c = redisConnectWithTimeout(s->hosts[i], s->ports[i], tv);
		if (c && !c->err && redisSetTimeout(c, tv) == REDIS_OK) {
			s->redis = c;
			if (s->was_down)
				kyoyu_info("Redis at %s:%d is back: codes are issued again",
					   s->hosts[i], s->ports[i]);
			s->was_down = false;
			break;
		}
		if (!s->was_down)
			kyoyu_error("cannot reach Redis at %s:%d (%s): no new codes until it "
				    "is back; sessions in progress go on", s->hosts[i],
				    s->ports[i], c ? c->errstr : "out of memory");
		if (c)
			redisFree(c);
	}
	if (!s->redis) {
		s->was_down = true;
		s->retry_at_us = now_us() + RETRY_AFTER_US;
	}
	return s->redis;
}

/* Runs SCRIPT on KEY with ARGC string arguments.  NULL when Redis failed
 * (the connection is then dropped, to be made again next time). */
static redisReply *eval(relay_store *s, const char *script, const char *key, int argc,
			const char **argv)
{
	const char *args[8] = {"EVAL", script, "1", key};
	size_t lens[8];
	redisContext *c = connected(s);

	if (!c)
		return NULL;
	for (int i = 0; i < argc; i++)
		args[4 + i] = argv[i];
	for (int i = 0; i < 4 + argc; i++)
		lens[i] = strlen(args[i]);
	redisReply *r = redisCommandArgv(c, 4 + argc, args, lens);
	if (!r || r->type == REDIS_REPLY_ERROR) {
		kyoyu_error("Redis failed: %s; no new codes until it answers again; sessions in "
			    "progress go on",
			    r ? r->str : c->errstr);
		if (r)
			freeReplyObject(r);
		redisFree(s->redis);
		s->redis = NULL;
		s->was_down = true;
		s->retry_at_us = now_us() + RETRY_AFTER_US;
		return NULL;
	}
	return r;
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
	return connected(s) ? 0 : -EIO;
}

int relay_store_issue(relay_store *s, const char *owner, int ttl_s,
		      char digits[KP_WIRE_CODE_DIGITS])
{
	char key[KEY_SIZE], mac[HEX_MAC], ttl[16];

	snprintf(ttl, sizeof(ttl), "%d", ttl_s);
	for (int i = 0; i < ROOM_TRIES; i++) {
		if (kp_codes_draw(digits))
			return -EIO;
		room_key(s, digits, key);
		mac_hex(s, "code:", digits, KP_WIRE_CODE_DIGITS, mac);
		const char *argv[] = {mac, owner, ttl};
		redisReply *r = eval(s, issue_lua, key, 3, argv);
		OPENSSL_cleanse(mac, sizeof(mac));
		if (!r) {
			OPENSSL_cleanse(digits, KP_WIRE_CODE_DIGITS);
			return -EIO;
		}
		bool stored = r->type == REDIS_REPLY_INTEGER && r->integer == 1;
		freeReplyObject(r);
		if (stored)
			return 0;
	}
	OPENSSL_cleanse(digits, KP_WIRE_CODE_DIGITS);
	return -ENOSPC;
}

int relay_store_attempt(relay_store *s, const char *addr, int per_minute)
{
	char key[KEY_SIZE], mac[HEX_MAC], limit[16];

	/* Addresses are not kept in clear either. */
	mac_hex(s, "addr:", addr, strnlen(addr, 46), mac);
	snprintf(key, sizeof(key), "kyoyu:attempts:{%.32s}", mac);
	snprintf(limit, sizeof(limit), "%d", per_minute);
	const char *argv[] = {limit};
	redisReply *r = eval(s, attempt_lua, key, 1, argv);
	if (!r)
		return -EIO;
	int ret = r->type == REDIS_REPLY_INTEGER ? (int)r->integer : 0;
	freeReplyObject(r);
	return ret;
}

int relay_store_claim(relay_store *s, const char digits[KP_WIRE_CODE_DIGITS],
		      char owner[RELAY_OWNER_SIZE])
{
	char key[KEY_SIZE], mac[HEX_MAC], max[8];

	room_key(s, digits, key);
	mac_hex(s, "code:", digits, KP_WIRE_CODE_DIGITS, mac);
	snprintf(max, sizeof(max), "%d", RELAY_MAX_WRONG);
	const char *argv[] = {mac, max};
	redisReply *r = eval(s, claim_lua, key, 2, argv);
	OPENSSL_cleanse(mac, sizeof(mac));
	if (!r)
		return -EIO;
	int ret = RELAY_CLAIM_BAD;
	if (r->type == REDIS_REPLY_ARRAY && r->elements >= 1 &&
	    r->element[0]->type == REDIS_REPLY_INTEGER) {
		ret = (int)r->element[0]->integer;
		if (ret != RELAY_CLAIM_BAD && r->elements == 2 &&
		    r->element[1]->type == REDIS_REPLY_STRING)
			snprintf(owner, RELAY_OWNER_SIZE, "%s", r->element[1]->str);
		else
			ret = RELAY_CLAIM_BAD;
	}
	freeReplyObject(r);
	return ret;
}

void relay_store_retire(relay_store *s, const char room[KP_RELAY_ROOM_DIGITS],
			const char *owner)
{
	char key[KEY_SIZE];

	room_key(s, room, key);
	const char *argv[] = {owner};
	redisReply *r = eval(s, retire_lua, key, 1, argv);
	if (r)
		freeReplyObject(r);
}
