/* One-time connection codes and the per-address limit on attempts. */
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
	book->wrong = 0;
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

/* The address's bucket, refilled for the time since its last use; the
 * least recently used slot is recycled for a new address. */
static kp_code_bucket *bucket_for(kp_codebook *book, const char *addr, int64_t now_us)
{
	kp_code_bucket *b = NULL, *free_slot = NULL, *lru = NULL;

	for (size_t i = 0; i < KP_CODES_ADDRESSES && !b; i++) {
		kp_code_bucket *c = &book->buckets[i];
		if (!c->addr[0]) {
			free_slot = free_slot ? free_slot : c;
		} else if (strcmp(c->addr, addr) == 0) {
			b = c;
		} else if (!lru || c->last_us < lru->last_us) {
			lru = c;
		}
	}
	if (!b) {
		b = free_slot ? free_slot : lru;
		snprintf(b->addr, sizeof(b->addr), "%s", addr);
		b->tokens = book->per_minute;
		b->last_us = now_us;
	}
	b->tokens += (double)(now_us - b->last_us) / 60e6 * book->per_minute;
	if (b->tokens > book->per_minute)
		b->tokens = book->per_minute;
	b->last_us = now_us;
	return b;
}

kp_code_verdict kp_codes_check(kp_codebook *book, const uint8_t digits[KP_WIRE_CODE_DIGITS],
			       const char *addr, int64_t now_us, uint32_t *retry_s)
{
	kp_code_bucket *b = bucket_for(book, addr, now_us);

	*retry_s = 0;
	if (b->tokens < 1) {
		*retry_s = (uint32_t)((1 - b->tokens) * 60 / book->per_minute) + 1;
		return KP_CODE_LIMITED;
	}
	b->tokens -= 1;
	/* The comparison runs in full even when no code is live, so the time
	 * it takes says nothing either. */
	bool match = CRYPTO_memcmp(book->digits, digits, KP_WIRE_CODE_DIGITS) == 0;
	if (!kp_codes_alive(book, now_us))
		return KP_CODE_BAD;
	if (match) {
		kp_codes_revoke(book);
		return KP_CODE_OK;
	}
	if (++book->wrong >= KP_CODES_MAX_WRONG)
		kp_codes_revoke(book);
	return KP_CODE_BAD;
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
