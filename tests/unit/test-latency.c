/* SPDX-License-Identifier: MIT */
/* The latency histogram behind the viewer's capture-to-decoded figures. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "latency.h"

static kyoyu_latency histogram;

static int reset(void **state)
{
	(void)state;
	memset(&histogram, 0, sizeof(histogram));
	return 0;
}

static void test_latency_without_samples_is_unknown(void **state)
{
	(void)state;
	assert_int_equal(kyoyu_latency_percentile(&histogram, 50), -1);
}

static void test_latency_percentiles_of_a_uniform_spread(void **state)
{
	(void)state;
	/* 1 ms, 2 ms, … 100 ms: the p-th percentile is p ms. */
	for (int ms = 1; ms <= 100; ms++)
		kyoyu_latency_add(&histogram, ms * 1000 - 100);
	assert_int_equal(kyoyu_latency_percentile(&histogram, 50), 50000);
	assert_int_equal(kyoyu_latency_percentile(&histogram, 95), 95000);
	assert_int_equal(kyoyu_latency_percentile(&histogram, 99), 99000);
	assert_int_equal(kyoyu_latency_percentile(&histogram, 100), 100000);
}

static void test_latency_one_slow_frame_shows_only_at_the_top(void **state)
{
	(void)state;
	for (int i = 0; i < 199; i++)
		kyoyu_latency_add(&histogram, 10000);
	kyoyu_latency_add(&histogram, 500000);
	assert_int_equal(kyoyu_latency_percentile(&histogram, 99), 10250);
	assert_int_equal(kyoyu_latency_percentile(&histogram, 100), 500250);
}

static void test_latency_outliers_are_clamped_not_lost(void **state)
{
	(void)state;
	kyoyu_latency_add(&histogram, -5000); /* a clock estimate off by a bit */
	kyoyu_latency_add(&histogram, INT64_C(3600000000));
	assert_int_equal(histogram.count, 2);
	assert_int_equal(kyoyu_latency_percentile(&histogram, 50), KYOYU_LATENCY_BUCKET_US);
	assert_int_equal(kyoyu_latency_percentile(&histogram, 100),
			 KYOYU_LATENCY_BUCKETS * KYOYU_LATENCY_BUCKET_US);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_latency_without_samples_is_unknown, reset),
		cmocka_unit_test_setup(test_latency_percentiles_of_a_uniform_spread, reset),
		cmocka_unit_test_setup(test_latency_one_slow_frame_shows_only_at_the_top, reset),
		cmocka_unit_test_setup(test_latency_outliers_are_clamped_not_lost, reset),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
