/* SPDX-License-Identifier: MIT */
/* One-time connection codes and the budgets of attempts at them. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "codes.h"

/* The largest multiple of 10^9 that fits in 32 bits: draws at or above it
 * would make the low codes more likely, so they are drawn again. */
#define DRAW_LIMIT UINT32_C(4000000000)
#define CODE_SPACE UINT32_C(1000000000)

void kp_codes_init(kp_codebook *book, int64_t ttl_us, double per_minute)
{
	memset(book, 0, sizeof(*book));
	book->ttl_us = ttl_us;
	book->per_minute = per_minute;
}

void kp_codes_fini(kp_codebook *book)
{
	OPENSSL_cleanse(book->digits, sizeof(book->digits));
	book->live = false;
}

int kp_codes_draw(char digits[KP_WIRE_CODE_DIGITS])
{
	uint32_t v;

	do {
		unsigned char raw[4];
		if (RAND_bytes(raw, sizeof(raw)) != 1)
			return -EIO;
		v = (uint32_t)raw[0] << 24 | (uint32_t)raw[1] << 16 |
		    (uint32_t)raw[2] << 8 | raw[3];
		OPENSSL_cleanse(raw, sizeof(raw));
	} while (v >= DRAW_LIMIT);
	v %= CODE_SPACE;
	for (int i = KP_WIRE_CODE_DIGITS - 1; i >= 0; i--) {
		digits[i] = (char)('0' + v % 10);
		v /= 10;
	}
	return 0;
}

void kp_codes_install(kp_codebook *book, const char digits[KP_WIRE_CODE_DIGITS],
		      int64_t now_us)
{
	memcpy(book->digits, digits, KP_WIRE_CODE_DIGITS);
	book->live = true;
	book->serial++;
	book->wrong = 0;
	book->wrong_sources = 0;
	book->expires_us = now_us + book->ttl_us;
}

int kp_codes_issue(kp_codebook *book, int64_t now_us, char text[KP_CODES_TEXT_SIZE])
{
	char digits[KP_WIRE_CODE_DIGITS];

	kp_codes_revoke(book);
	if (kp_codes_draw(digits))
		return -EIO;
	kp_codes_install(book, digits, now_us);
	kp_codes_format(digits, text);
	OPENSSL_cleanse(digits, sizeof(digits));
	return 0;
}

void kp_codes_revoke(kp_codebook *book)
{
	OPENSSL_cleanse(book->digits, sizeof(book->digits));
	book->live = false;
}

bool kp_codes_alive(kp_codebook *book, int64_t now_us)
{
	if (book->live && now_us >= book->expires_us)
		kp_codes_revoke(book);
	return book->live;
}

int64_t kp_codes_expiry(const kp_codebook *book)
{
	return book->expires_us;
}

/* TABLE's bucket for SRC (compared by address, or by network when
 * BY_NETWORK), refilled at PER_MINUTE for the time since its last use.  A
 * source not in the table takes a free bucket, else the least recently used
 * of those that have refilled (forgetting them loses nothing), else the
 * least recently used: then a source in debt starts afresh, which costs
 * fairness but not safety, as every wrong guess still counts against the
 * code's own budget. */
static kp_code_bucket *bucket_for(kp_code_bucket *table, const kp_source *src, bool by_network,
				  double per_minute, int64_t now_us)
{
	kp_code_bucket *b = NULL, *free_slot = NULL, *full = NULL, *lru = NULL;

	for (size_t i = 0; i < KP_CODES_ADDRESSES && !b; i++) {
		kp_code_bucket *c = &table[i];
		if (!c->used) {
			free_slot = free_slot ? free_slot : c;
			continue;
		}
		if (by_network ? kp_source_same_network(&c->source, src)
			       : kp_source_same_address(&c->source, src)) {
			b = c;
			continue;
		}
		double refilled = c->tokens + (double)(now_us - c->last_us) / 60e6 * per_minute;
		if (refilled >= per_minute && (!full || c->last_us < full->last_us))
			full = c;
		if (!lru || c->last_us < lru->last_us)
			lru = c;
	}
	if (!b) {
		b = free_slot ? free_slot : full ? full : lru;
		*b = (kp_code_bucket){.source = *src, .used = true, .tokens = per_minute,
				      .last_us = now_us};
	}
	b->tokens += (double)(now_us - b->last_us) / 60e6 * per_minute;
	if (b->tokens > per_minute)
		b->tokens = per_minute;
	b->last_us = now_us;
	return b;
}

static uint32_t seconds_to_refill(const kp_code_bucket *b, double per_minute)
{
	return (uint32_t)((1 - b->tokens) * 60 / per_minute) + 1;
}

kp_code_verdict kp_codes_check(kp_codebook *book, const uint8_t digits[KP_WIRE_CODE_DIGITS],
			       const char *addr, int64_t now_us, uint32_t *retry_s)
{
	double net_per_minute = book->per_minute * KP_CODES_NETWORK_FACTOR;
	kp_source src;

	kp_source_parse(addr, &src);
	kp_code_bucket *a = bucket_for(book->addresses, &src, false, book->per_minute, now_us);
	kp_code_bucket *n = bucket_for(book->networks, &src, true, net_per_minute, now_us);
	*retry_s = 0;
	if (a->tokens < 1 || n->tokens < 1) {
		uint32_t ra = a->tokens < 1 ? seconds_to_refill(a, book->per_minute) : 0;
		uint32_t rn = n->tokens < 1 ? seconds_to_refill(n, net_per_minute) : 0;
		*retry_s = ra > rn ? ra : rn;
		return KP_CODE_LIMITED;
	}
	a->tokens -= 1;
	n->tokens -= 1;
	/* The comparison runs in full even when no code is live, so the time
	 * it takes says nothing either. */
	bool match = CRYPTO_memcmp(book->digits, digits, KP_WIRE_CODE_DIGITS) == 0;
	if (!kp_codes_alive(book, now_us))
		return KP_CODE_BAD;
	if (match) {
		kp_codes_revoke(book);
		return KP_CODE_OK;
	}
	if (a->wrong_serial != book->serial) {
		a->wrong_serial = book->serial;
		book->wrong_sources++;
	}
	if (++book->wrong >= KP_CODES_MAX_WRONG) {
		kp_codes_revoke(book);
		book->attacked = true;
		book->attacked_wrong = book->wrong;
		book->attacked_sources = book->wrong_sources;
	}
	return KP_CODE_BAD;
}

bool kp_codes_attacked(kp_codebook *book, unsigned *wrong, unsigned *sources)
{
	if (!book->attacked)
		return false;
	book->attacked = false;
	*wrong = book->attacked_wrong;
	*sources = book->attacked_sources;
	return true;
}

void kp_codes_format(const char digits[KP_WIRE_CODE_DIGITS], char text[KP_CODES_TEXT_SIZE])
{
	memcpy(text, digits, 3);
	text[3] = '-';
	memcpy(text + 4, digits + 3, 3);
	text[7] = '-';
	memcpy(text + 8, digits + 6, 3);
	text[11] = '\0';
}

bool kp_codes_parse(const char *text, size_t len, char digits[KP_WIRE_CODE_DIGITS])
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		char c = text[i];
		if (c >= '0' && c <= '9') {
			if (n == KP_WIRE_CODE_DIGITS)
				return false;
			digits[n++] = c;
		} else if (c != ' ' && c != '-' && c != '\t' && c != '\r' && c != '\n') {
			return false;
		}
	}
	return n == KP_WIRE_CODE_DIGITS;
}
