/* SPDX-License-Identifier: MIT */
/* Connection codes: drawn without bias, single use, expiring, the same
 * verdict for every failure, budgets of attempts per address and per
 * network that a few sources cannot exhaust for everyone, and a code
 * retired as attacked after KP_CODES_MAX_WRONG wrong attempts in all. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "proto/codes.h"

#define S 1000000 /* µs */

static const uint8_t *u8(const char *digits)
{
	return (const uint8_t *)digits;
}

static void test_codes_are_nine_digits_and_vary(void **state)
{
	char a[9], b[9];
	unsigned counts[10] = {0};

	for (int i = 0; i < 2000; i++) {
		assert_int_equal(kp_codes_draw(a), 0);
		for (int k = 0; k < 9; k++) {
			assert_true(a[k] >= '0' && a[k] <= '9');
			counts[a[k] - '0']++;
		}
	}
	/* 18000 digits: each value near 1800; a biased or stuck generator
	 * would fall far outside this. */
	for (int d = 0; d < 10; d++)
		assert_true(counts[d] > 1500 && counts[d] < 2100);
	kp_codes_draw(a);
	kp_codes_draw(b);
	assert_memory_not_equal(a, b, 9);
}

static void test_code_works_once(void **state)
{
	kp_codebook book;
	uint32_t retry;

	kp_codes_init(&book, 600 * S, 100);
	kp_codes_install(&book, "123456789", 0);
	assert_int_equal(kp_codes_check(&book, u8("123456789"), "a", S, &retry), KP_CODE_OK);
	assert_int_equal(kp_codes_check(&book, u8("123456789"), "a", 2 * S, &retry), KP_CODE_BAD);
	assert_false(kp_codes_alive(&book, 2 * S));
	kp_codes_fini(&book);
}

static void test_code_expires(void **state)
{
	kp_codebook book;
	uint32_t retry;

	kp_codes_init(&book, 10 * S, 100);
	kp_codes_install(&book, "123456789", 0);
	assert_true(kp_codes_alive(&book, 10 * S - 1));
	assert_false(kp_codes_alive(&book, 10 * S));
	assert_int_equal(kp_codes_check(&book, u8("123456789"), "a", 10 * S, &retry), KP_CODE_BAD);
	kp_codes_fini(&book);
}

static void test_five_wrong_guesses_at_once_leave_the_code_alive(void **state)
{
	kp_codebook book;
	uint32_t retry;
	unsigned wrong, sources;

	kp_codes_init(&book, 600 * S, 10);
	kp_codes_install(&book, "123456789", 0);
	for (int i = 0; i < 5; i++)
		assert_int_equal(kp_codes_check(&book, u8("000000000"), "192.0.2.7", S, &retry),
				 KP_CODE_BAD);
	assert_true(kp_codes_alive(&book, S));
	assert_false(kp_codes_attacked(&book, &wrong, &sources));
	assert_int_equal(kp_codes_check(&book, u8("123456789"), "198.51.100.1", S, &retry),
			 KP_CODE_OK);
	kp_codes_fini(&book);
}

/* Guessing from every /24 there is: the code's own budget ends it, and
 * says so once; the right code then gets the same answer as a wrong one. */
static void test_code_is_retired_as_attacked_after_max_wrong_from_anywhere(void **state)
{
	static kp_codebook book;
	uint32_t retry;
	unsigned wrong, sources;
	char addr[32];

	kp_codes_init(&book, 600 * S, 1);
	kp_codes_install(&book, "123456789", 0);
	for (int i = 0; i < KP_CODES_MAX_WRONG; i++) {
		assert_true(kp_codes_alive(&book, S));
		snprintf(addr, sizeof(addr), "10.%d.%d.1", i / 256, i % 256);
		assert_int_equal(kp_codes_check(&book, u8("000000000"), addr, S, &retry),
				 KP_CODE_BAD);
	}
	assert_false(kp_codes_alive(&book, S));
	assert_true(kp_codes_attacked(&book, &wrong, &sources));
	assert_int_equal(wrong, KP_CODES_MAX_WRONG);
	assert_int_equal(sources, KP_CODES_MAX_WRONG);
	assert_false(kp_codes_attacked(&book, &wrong, &sources));
	assert_int_equal(kp_codes_check(&book, u8("123456789"), "192.0.2.1", S, &retry),
			 KP_CODE_BAD);
	kp_codes_fini(&book);
}

static void test_new_code_revokes_the_old_one(void **state)
{
	kp_codebook book;
	uint32_t retry;
	char text[KP_CODES_TEXT_SIZE], digits[9];

	kp_codes_init(&book, 600 * S, 100);
	kp_codes_install(&book, "123456789", 0);
	assert_int_equal(kp_codes_issue(&book, S, text), 0);
	assert_int_equal(strlen(text), 11);
	assert_true(kp_codes_parse(text, strlen(text), digits));
	if (memcmp(digits, "123456789", 9) != 0)
		assert_int_equal(kp_codes_check(&book, u8("123456789"), "a", S, &retry),
				 KP_CODE_BAD);
	assert_int_equal(kp_codes_check(&book, (uint8_t *)digits, "a", S, &retry), KP_CODE_OK);
	kp_codes_fini(&book);
}

static void test_attempts_are_limited_per_address(void **state)
{
	kp_codebook book;
	uint32_t retry;

	kp_codes_init(&book, 600 * S, 3);
	kp_codes_install(&book, "123456789", 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(kp_codes_check(&book, u8("000000000"), "10.0.0.1", 0, &retry),
				 KP_CODE_BAD);
	assert_int_equal(kp_codes_check(&book, u8("123456789"), "10.0.0.1", 0, &retry),
			 KP_CODE_LIMITED);
	assert_true(retry >= 1 && retry <= 21);
	/* Limited attempts do not count against the code... */
	assert_true(kp_codes_alive(&book, 0));
	/* ...another address may still try, and the bucket refills. */
	assert_int_equal(kp_codes_check(&book, u8("123456789"), "10.0.0.2", 0, &retry), KP_CODE_OK);
	kp_codes_install(&book, "123456789", 0);
	assert_int_equal(kp_codes_check(&book, u8("123456789"), "10.0.0.1", 21 * S, &retry),
			 KP_CODE_OK);
	kp_codes_fini(&book);
}

/* 256 addresses of one /24 share its budget: 4 times an address's. */
static void test_a_network_shares_one_budget(void **state)
{
	static kp_codebook book;
	uint32_t retry;
	char addr[32];
	int checked = 0;

	kp_codes_init(&book, 600 * S, 2);
	kp_codes_install(&book, "123456789", 0);
	for (int i = 0; i < 256; i++) {
		snprintf(addr, sizeof(addr), "203.0.113.%d", i);
		checked += kp_codes_check(&book, u8("000000000"), addr, S, &retry) == KP_CODE_BAD;
	}
	assert_int_equal(checked, 2 * KP_CODES_NETWORK_FACTOR);
	assert_true(retry >= 1 && retry <= 31);
	/* IPv6: the /64 is the network. */
	checked = 0;
	for (int i = 0; i < 256; i++) {
		snprintf(addr, sizeof(addr), "2001:db8::%x", i);
		checked += kp_codes_check(&book, u8("000000000"), addr, S, &retry) == KP_CODE_BAD;
	}
	assert_int_equal(checked, 2 * KP_CODES_NETWORK_FACTOR);
	/* Elsewhere the right code still gets in. */
	assert_int_equal(kp_codes_check(&book, u8("123456789"), "198.51.100.1", S, &retry),
			 KP_CODE_OK);
	kp_codes_fini(&book);
}

/* Rotating through more addresses than a 64-entry table could hold does
 * not wipe the limiter: every address's second try within the minute is
 * still refused unchecked. */
static void test_rotating_addresses_do_not_flush_the_limiter(void **state)
{
	static kp_codebook book;
	uint32_t retry;
	char addr[32];

	kp_codes_init(&book, 600 * S, 1);
	kp_codes_install(&book, "123456789", 0);
	for (int round = 0; round < 2; round++)
		for (int i = 0; i < 256; i++) {
			snprintf(addr, sizeof(addr), "10.%d.0.1", i);
			assert_int_equal(kp_codes_check(&book, u8("000000000"), addr,
							S + round, &retry),
					 round ? KP_CODE_LIMITED : KP_CODE_BAD);
		}
	assert_true(kp_codes_alive(&book, S));
	kp_codes_fini(&book);
}

static void test_codes_parse_what_people_type(void **state)
{
	char d[9];

	assert_true(kp_codes_parse("123-456-789", 11, d));
	assert_memory_equal(d, "123456789", 9);
	assert_true(kp_codes_parse(" 123 456 789\r\n", 14, d));
	assert_false(kp_codes_parse("12345678", 8, d));
	assert_false(kp_codes_parse("1234567890", 10, d));
	assert_false(kp_codes_parse("12345678a", 9, d));
	assert_false(kp_codes_parse("", 0, d));
	char text[KP_CODES_TEXT_SIZE];
	kp_codes_format("987654321", text);
	assert_string_equal(text, "987-654-321");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_codes_are_nine_digits_and_vary),
		cmocka_unit_test(test_code_works_once),
		cmocka_unit_test(test_code_expires),
		cmocka_unit_test(test_five_wrong_guesses_at_once_leave_the_code_alive),
		cmocka_unit_test(test_code_is_retired_as_attacked_after_max_wrong_from_anywhere),
		cmocka_unit_test(test_new_code_revokes_the_old_one),
		cmocka_unit_test(test_attempts_are_limited_per_address),
		cmocka_unit_test(test_a_network_shares_one_budget),
		cmocka_unit_test(test_rotating_addresses_do_not_flush_the_limiter),
		cmocka_unit_test(test_codes_parse_what_people_type),
	};
	return cmocka_run_group_tests_name("transport-codes", tests, NULL, NULL);
}
