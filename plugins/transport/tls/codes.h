/* One-time connection codes and the per-address limit on attempts.
 *
 * A code is 9 digits drawn from the OpenSSL CSPRNG without modulo bias.
 * There is one live code at a time: it is single use, expires, and dies
 * after KT_CODES_MAX_WRONG wrong attempts from anywhere.  Every failure
 * (wrong, unknown, expired, used, dead) is the same verdict, so a caller
 * cannot tell them apart; the caller also replies after the same delay.
 * Codes are never logged.  Transport thread only. */
#ifndef KT_CODES_H
#define KT_CODES_H

#include <stdbool.h>
#include <stdint.h>

#include "wire.h"

#define KT_CODES_MAX_WRONG 5
#define KT_CODES_ADDRESSES 64 /* addresses remembered by the rate limit */
#define KT_CODES_TEXT_SIZE 12 /* "123-456-789" and its NUL */

typedef struct kt_code_bucket {
	char addr[48];  /* numeric address, "" when the slot is free */
	double tokens;  /* attempts left, refilled over time */
	int64_t last_us;
} kt_code_bucket;

typedef struct kt_codebook {
	bool live;
	char digits[KT_WIRE_CODE_DIGITS];
	int64_t expires_us;
	unsigned wrong;
	int64_t ttl_us;
	double per_minute; /* attempts allowed per address and minute */
	kt_code_bucket buckets[KT_CODES_ADDRESSES];
} kt_codebook;

typedef enum kt_code_verdict {
	KT_CODE_OK = 0,      /* the code matched and is now used up */
	KT_CODE_BAD = 1,     /* wrong, unknown, expired, used or dead */
	KT_CODE_LIMITED = 2, /* too many attempts from this address */
} kt_code_verdict;

/* An empty book: codes live TTL_US, PER_MINUTE attempts per address. */
void kt_codes_init(kt_codebook *book, int64_t ttl_us, double per_minute);

/* Wipes the code from memory. */
void kt_codes_fini(kt_codebook *book);

/* Draws 9 random digits (RAND_bytes, no modulo bias).  Returns 0, or -EIO
 * when the CSPRNG failed (then no code must be issued). */
int kt_codes_draw(char digits[KT_WIRE_CODE_DIGITS]);

/* Makes DIGITS the live code from NOW on, revoking any other. */
void kt_codes_install(kt_codebook *book, const char digits[KT_WIRE_CODE_DIGITS],
		      int64_t now_us);

/* Draws and installs a new code; writes it as "123-456-789" to TEXT.
 * Returns 0 or -EIO. */
int kt_codes_issue(kt_codebook *book, int64_t now_us, char text[KT_CODES_TEXT_SIZE]);

/* No code is live any more. */
void kt_codes_revoke(kt_codebook *book);

/* True while the live code can still be used; turns false on expiry. */
bool kt_codes_alive(kt_codebook *book, int64_t now_us);

/* Checks an attempt from ADDR.  A match consumes the code.  On
 * KT_CODE_LIMITED, *RETRY_S says when the address may try again. */
kt_code_verdict kt_codes_check(kt_codebook *book, const uint8_t digits[KT_WIRE_CODE_DIGITS],
			       const char *addr, int64_t now_us, uint32_t *retry_s);

/* "123-456-789" from 9 digits. */
void kt_codes_format(const char digits[KT_WIRE_CODE_DIGITS], char text[KT_CODES_TEXT_SIZE]);

/* Reads what a person typed: 9 digits, with any spaces or dashes between
 * them.  Returns true and fills DIGITS, or false. */
bool kt_codes_parse(const char *text, size_t len, char digits[KT_WIRE_CODE_DIGITS]);

#endif
