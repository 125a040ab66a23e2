/* SPDX-License-Identifier: MIT */
/* codec.format = "auto": when the encode times say the PC cannot keep up. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "codec-auto.h"

#define INTERVAL_US 33333 /* 30 fps */

static kyoyu_codec_auto judge;

static int reset(void **state)
{
	(void)state;
	kyoyu_codec_auto_init(&judge);
	return 0;
}

/* Feeds pictures SPACING_US apart from *NOW_US for SECONDS, each taking
 * ENCODE_US; returns how many of them said "switch", and when the first
 * did in *SWITCHED_AT (or 0). */
static int feed(int64_t *now_us, double seconds, int64_t spacing_us, int64_t encode_us,
		int64_t *switched_at)
{
	int64_t end = *now_us + (int64_t)(seconds * 1e6);
	int switches = 0;

	for (; *now_us < end; *now_us += spacing_us)
		if (kyoyu_codec_auto_note(&judge, *now_us, encode_us, INTERVAL_US)) {
			if (!switches++ && switched_at)
				*switched_at = *now_us;
		}
	return switches;
}

static void test_a_pc_that_keeps_up_never_switches(void **state)
{
	(void)state;
	int64_t now = 1000000;
	/* 20 ms of 33: 60 %, for a minute of full motion. */
	assert_int_equal(feed(&now, 60, INTERVAL_US, 20000, NULL), 0);
}

static void test_a_slow_pc_switches_after_two_seconds_of_motion(void **state)
{
	(void)state;
	int64_t now = 1000000, start = now, at = 0;
	/* 45 ms a picture: the encoder is the bottleneck, so pictures come
	 * 45 ms apart, not 33. */
	assert_int_equal(feed(&now, 10, 45000, 45000, &at), 1);
	/* 0.75 s of pictures to judge, then 1.5 s of them slow. */
	assert_true(at - start >= 2000000);
	assert_true(at - start <= 2500000);
}

static void test_a_very_slow_pc_is_judged_as_soon(void **state)
{
	(void)state;
	int64_t now = 1000000, start = now, at = 0;
	/* 300 ms a picture (VP9 at 1080p on a fifth of a core): three
	 * pictures a second are enough, in the first seconds of a scroll. */
	assert_int_equal(feed(&now, 10, 300000, 300000, &at), 1);
	assert_true(at - start <= 3000000);
}

static void test_just_above_the_share_switches_just_below_does_not(void **state)
{
	(void)state;
	int64_t now = 1000000;
	assert_int_equal(feed(&now, 10, INTERVAL_US, INTERVAL_US * 78 / 100, NULL), 0);
	reset(NULL);
	assert_int_equal(feed(&now, 10, INTERVAL_US, INTERVAL_US * 82 / 100, NULL), 1);
}

static void test_a_burst_shorter_than_the_hold_does_not_switch(void **state)
{
	(void)state;
	int64_t now = 1000000;
	/* Slow for 1.5 s (a page loading), then fine, over and over. */
	for (int i = 0; i < 10; i++) {
		assert_int_equal(feed(&now, 1.5, 45000, 45000, NULL), 0);
		assert_int_equal(feed(&now, 4, INTERVAL_US, 10000, NULL), 0);
	}
}

static void test_keyframes_among_fast_pictures_do_not_count(void **state)
{
	(void)state;
	int64_t now = 1000000;
	/* Every fourth picture a 120-ms keyframe: the mean is 37 ms, above
	 * the interval, but the median picture takes 10 ms. */
	for (int i = 0; i < 1800; i++, now += INTERVAL_US)
		assert_false(kyoyu_codec_auto_note(&judge, now, i % 4 ? 10000 : 120000,
						   INTERVAL_US));
}

static void test_slow_keystrokes_far_apart_do_not_switch(void **state)
{
	(void)state;
	int64_t now = 1000000;
	/* Typing: 4 pictures a second, each slow (60 ms of 33), but the
	 * encoder is busy a quarter of the time: it keeps up with them. */
	assert_int_equal(feed(&now, 30, 250000, 60000, NULL), 0);
}

static void test_stillness_between_motions_resets_the_hold(void **state)
{
	(void)state;
	int64_t now = 1000000;
	/* 2 s slow, 5 s still, 2 s slow: never 1.5 s judged slow on end. */
	assert_int_equal(feed(&now, 2, 45000, 45000, NULL), 0);
	now += 5000000;
	assert_int_equal(feed(&now, 2, 45000, 45000, NULL), 0);
}

static void test_once_switched_it_stays(void **state)
{
	(void)state;
	int64_t now = 1000000;
	assert_int_equal(feed(&now, 5, 45000, 45000, NULL), 1);
	/* The cheap codec keeps up, then the PC is slow again: no more. */
	assert_int_equal(feed(&now, 10, INTERVAL_US, 5000, NULL), 0);
	assert_int_equal(feed(&now, 10, 60000, 60000, NULL), 0);
}

static void test_the_frame_rate_sets_the_bar(void **state)
{
	(void)state;
	int64_t now = 1000000;
	/* 45 ms is slow at 30 fps but fine at 10 fps (100 ms apart). */
	for (int i = 0; i < 200; i++, now += 100000)
		assert_false(kyoyu_codec_auto_note(&judge, now, 45000, 100000));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_a_pc_that_keeps_up_never_switches, reset),
		cmocka_unit_test_setup(test_a_slow_pc_switches_after_two_seconds_of_motion,
				       reset),
		cmocka_unit_test_setup(test_just_above_the_share_switches_just_below_does_not,
				       reset),
		cmocka_unit_test_setup(test_a_burst_shorter_than_the_hold_does_not_switch,
				       reset),
		cmocka_unit_test_setup(test_keyframes_among_fast_pictures_do_not_count, reset),
		cmocka_unit_test_setup(test_slow_keystrokes_far_apart_do_not_switch, reset),
		cmocka_unit_test_setup(test_a_very_slow_pc_is_judged_as_soon, reset),
		cmocka_unit_test_setup(test_stillness_between_motions_resets_the_hold, reset),
		cmocka_unit_test_setup(test_once_switched_it_stays, reset),
		cmocka_unit_test_setup(test_the_frame_rate_sets_the_bar, reset),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
