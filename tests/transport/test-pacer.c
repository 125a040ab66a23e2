/* SPDX-License-Identifier: MIT */
/* The sharer's rate control: cut on drops and on a standing queue, at most
 * once a second, from what the link delivered; climb back after a calm
 * spell, never past the configured bitrate. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "proto/pacer.h"

#define MS 1000 /* µs */

static void test_pacer_cuts_on_drop_once_a_second(void **state)
{
	kp_pacer p;

	kp_pacer_init(&p, 2000);
	uint32_t first = kp_pacer_on_late(&p, 1000 * MS);
	assert_int_equal(first, 1400);
	assert_int_equal(kp_pacer_on_late(&p, 1500 * MS), 0);
	uint32_t second = kp_pacer_on_late(&p, 2001 * MS);
	assert_int_equal(second, 980);
}

static void test_pacer_cuts_from_the_delivered_rate(void **state)
{
	kp_pacer p;

	kp_pacer_init(&p, 5000);
	/* 62,500 bytes a second delivered: 500 kbit/s. */
	kp_pacer_on_report(&p, 0, 0);
	for (int i = 1; i <= 8; i++)
		kp_pacer_on_report(&p, (uint64_t)i * 15625, i * 250 * MS);
	uint32_t target = kp_pacer_on_late(&p, 3000 * MS);
	assert_true(target >= 340 && target <= 360);
}

static void test_pacer_never_goes_below_its_floor(void **state)
{
	kp_pacer p;
	uint32_t last = 0;

	kp_pacer_init(&p, 300);
	for (int i = 1; i < 20; i++) {
		uint32_t t = kp_pacer_on_late(&p, i * 1100 * MS);
		if (t)
			last = t;
	}
	assert_int_equal(last, KP_PACER_MIN_KBPS);
}

static void test_pacer_climbs_back_to_the_ceiling_after_calm(void **state)
{
	kp_pacer p;
	int64_t t = 1000 * MS;

	kp_pacer_init(&p, 1500);
	assert_int_equal(kp_pacer_on_late(&p, t), 1050);
	assert_int_equal(kp_pacer_tick(&p, t + 1000 * MS), 0); /* not calm yet */
	uint32_t target = 1050, steps = 0;
	for (t += 3000 * MS; target < 1500 && steps < 20; t += 2000 * MS) {
		uint32_t next = kp_pacer_tick(&p, t);
		assert_true(next > target);
		target = next;
		steps++;
	}
	assert_int_equal(target, 1500);
	assert_int_equal(kp_pacer_tick(&p, t + 10000 * MS), 0);
}

static void test_pacer_cuts_when_a_queue_builds_on_the_path(void **state)
{
	kp_pacer p;

	kp_pacer_init(&p, 1000);
	assert_int_equal(kp_pacer_on_rtt(&p, 20 * MS, 0), 0);
	assert_int_equal(kp_pacer_on_rtt(&p, 100 * MS, 100 * MS), 0);
	assert_int_equal(kp_pacer_on_rtt(&p, 200 * MS, 200 * MS), 850);
	/* The minimum of a path that changed for good is forgotten. */
	kp_pacer_init(&p, 1000);
	kp_pacer_on_rtt(&p, 20 * MS, 0);
	assert_int_equal(kp_pacer_on_rtt(&p, 300 * MS, 31000 * MS), 0);
}

static void test_pacer_drains_a_queue_on_the_path(void **state)
{
	kp_pacer p;

	kp_pacer_init(&p, 1500);
	kp_pacer_on_report(&p, 0, 1000 * MS);
	kp_pacer_on_report(&p, 50000, 2000 * MS); /* 400 kbit/s arrive */
	/* Everything had arrived, or what had not left 100 ms before: calm. */
	assert_int_equal(kp_pacer_on_queue_delay(&p, -1, 2000 * MS), 0);
	assert_int_equal(kp_pacer_on_queue_delay(&p, 100 * MS, 2000 * MS), 0);
	/* Still on its way after 200 ms: cut below the delivered rate. */
	assert_int_equal(kp_pacer_on_queue_delay(&p, 200 * MS, 2100 * MS), 320);
	/* A new connection starts its reports from zero. */
	kp_pacer_new_link(&p);
	kp_pacer_on_report(&p, 1000, 4000 * MS);
	assert_int_equal(p.report_bytes, 1000);
}

static void test_pacer_without_a_known_ceiling_does_nothing_blind(void **state)
{
	kp_pacer p;

	kp_pacer_init(&p, 0);
	assert_int_equal(kp_pacer_on_late(&p, 1000 * MS), 0);
	kp_pacer_on_report(&p, 0, 1000 * MS);
	kp_pacer_on_report(&p, 125000, 2000 * MS); /* 1000 kbit/s */
	assert_int_equal(kp_pacer_on_late(&p, 3000 * MS), 700);
	/* It never climbs above what it saw. */
	uint32_t last = 700;
	for (int64_t t = 7000 * MS; t < 60000 * MS; t += 2000 * MS) {
		uint32_t n = kp_pacer_tick(&p, t);
		if (n)
			last = n;
	}
	assert_int_equal(last, 1000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pacer_cuts_on_drop_once_a_second),
		cmocka_unit_test(test_pacer_cuts_from_the_delivered_rate),
		cmocka_unit_test(test_pacer_never_goes_below_its_floor),
		cmocka_unit_test(test_pacer_climbs_back_to_the_ceiling_after_calm),
		cmocka_unit_test(test_pacer_cuts_when_a_queue_builds_on_the_path),
		cmocka_unit_test(test_pacer_drains_a_queue_on_the_path),
		cmocka_unit_test(test_pacer_without_a_known_ceiling_does_nothing_blind),
	};
	return cmocka_run_group_tests_name("transport-pacer", tests, NULL, NULL);
}
