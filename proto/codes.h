/* SPDX-License-Identifier: MIT */
/* One-time connection codes and the budgets of attempts at them.
 *
 * A code is 9 digits drawn from the OpenSSL CSPRNG without modulo bias.
 * There is one live code at a time: it is single use and expires.  Guesses
 * are paid from three budgets: one per address and one per network (/24,
 * /64), refilled over time, which keep any one source from spending much;
 * and the code's own, KP_CODES_MAX_WRONG wrong attempts from anywhere, after
 * which the code is retired as attacked (the caller tells the operator and
 * issues a fresh one).  That bounds the chance that guessing ever finds a
 * code to KP_CODES_MAX_WRONG / 10^9 = 10^-6 whatever the number of
 * sources (docs/protocol.md), while a few sources cannot kill the code the
 * customer is about to type.  Every failure (wrong, unknown, expired, used,
 * retired) is the same verdict, so a caller cannot tell them apart; the
 * caller also replies after the same delay.  Codes are never logged.
 * Transport thread only. */
#ifndef KP_CODES_H
#define KP_CODES_H

#include <stdbool.h>
#include <stdint.h>

#include "source.h"
#include "wire.h"

/* Wrong attempts a code survives, from all sources together. */
#define KP_CODES_MAX_WRONG 1000
/* A network (/24, /64) may make this many times an address's attempts. */
#define KP_CODES_NETWORK_FACTOR 4
/* Sources remembered by each budget table (addresses, networks). */
#define KP_CODES_ADDRESSES 1024
#define KP_CODES_TEXT_SIZE 12 /* "123-456-789" and its NUL */

typedef struct kp_code_bucket {
	kp_source source; /* its address or its network is the key */
	bool used;
	double tokens;    /* attempts left, refilled over time */
	int64_t last_us;
	uint32_t wrong_serial; /* the code it last guessed wrong */
} kp_code_bucket;

typedef struct kp_codebook {
	bool live;
	char digits[KP_WIRE_CODE_DIGITS];
	int64_t expires_us;
	uint32_t serial;         /* of the live code, +1 per code */
	unsigned wrong;          /* wrong attempts at the live code */
	unsigned wrong_sources;  /* from how many addresses */
	bool attacked;           /* the last code was retired as attacked */
	unsigned attacked_wrong, attacked_sources;
	int64_t ttl_us;
	double per_minute; /* attempts allowed per address and minute */
	kp_code_bucket addresses[KP_CODES_ADDRESSES];
	kp_code_bucket networks[KP_CODES_ADDRESSES];
} kp_codebook;

typedef enum kp_code_verdict {
	KP_CODE_OK = 0,      /* the code matched and is now used up */
	KP_CODE_BAD = 1,     /* wrong, unknown, expired, used or retired */
	KP_CODE_LIMITED = 2, /* too many attempts from this address or network */
} kp_code_verdict;

/* An empty book: codes live TTL_US, PER_MINUTE attempts per address. */
void kp_codes_init(kp_codebook *book, int64_t ttl_us, double per_minute);

/* Wipes the code from memory. */
void kp_codes_fini(kp_codebook *book);

/* Draws 9 random digits (RAND_bytes, no modulo bias).  Returns 0, or -EIO
 * when the CSPRNG failed (then no code must be issued). */
int kp_codes_draw(char digits[KP_WIRE_CODE_DIGITS]);

/* Makes DIGITS the live code from NOW on, revoking any other. */
void kp_codes_install(kp_codebook *book, const char digits[KP_WIRE_CODE_DIGITS],
		      int64_t now_us);

/* Draws and installs a new code; writes it as "123-456-789" to TEXT.
 * Returns 0 or -EIO. */
int kp_codes_issue(kp_codebook *book, int64_t now_us, char text[KP_CODES_TEXT_SIZE]);

/* No code is live any more. */
void kp_codes_revoke(kp_codebook *book);

/* True while the live code can still be used; turns false on expiry. */
bool kp_codes_alive(kp_codebook *book, int64_t now_us);

/* When the live code expires. */
int64_t kp_codes_expiry(const kp_codebook *book);

/* Checks an attempt from ADDR (numeric).  A match consumes the code; the
 * KP_CODES_MAX_WRONGth wrong attempt retires it as attacked.  On
 * KP_CODE_LIMITED the attempt was not compared and cost the code nothing;
 * *RETRY_S says when the source may try again. */
kp_code_verdict kp_codes_check(kp_codebook *book, const uint8_t digits[KP_WIRE_CODE_DIGITS],
			       const char *addr, int64_t now_us, uint32_t *retry_s);

/* True once after the live code was retired as attacked; *WRONG and
 * *SOURCES say how many wrong attempts from how many addresses. */
bool kp_codes_attacked(kp_codebook *book, unsigned *wrong, unsigned *sources);

/* "123-456-789" from 9 digits. */
void kp_codes_format(const char digits[KP_WIRE_CODE_DIGITS], char text[KP_CODES_TEXT_SIZE]);

/* Reads what a person typed: 9 digits, with any spaces or dashes between
 * them.  Returns true and fills DIGITS, or false. */
bool kp_codes_parse(const char *text, size_t len, char digits[KP_WIRE_CODE_DIGITS]);

#endif
