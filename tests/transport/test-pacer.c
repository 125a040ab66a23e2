/* SPDX-License-Identifier: MIT */
/* The sharer's rate control: cut on drops and on a standing queue, at most
 * once a second, from what the link carried while it was busy; climb back
 * after a calm spell, never past the configured bitrate nor past what the
 * link carried. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "proto/pacer.h"

#define MS 1000 /* µs */

/* What the receiver has reported of a link: bytes arrived, by when. */
typedef struct reported {
	uint64_t bytes;
	int64_t t;
} reported;

/* A report as things stand, then REPORTS more 250 ms apart, each written
 * while the link was busy carrying KBPS. */
static void busy_reports(kp_pacer *p, reported *r, uint32_t kbps, int reports)
{
	kp_pacer_on_report(p, r->bytes, true, r->t);
	for (int i = 0; i < reports; i++) {
		r->bytes += (uint64_t)kbps * 250 / 8;
		r->t += 250 * MS;
		kp_pacer_on_report(p, r->bytes, true, r->t);
	}
}

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
	reported r = {0};

	kp_pacer_init(&p, 5000);
	busy_reports(&p, &r, 500, 8);
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
	kp_pacer_on_report(&p, 0, true, 1000 * MS);
	kp_pacer_on_report(&p, 50000, true, 2000 * MS); /* 400 kbit/s arrive */
	/* Everything had arrived, or what had not left 60 ms before: calm. */
	assert_int_equal(kp_pacer_on_queue_delay(&p, -1, 2000 * MS), 0);
	assert_int_equal(kp_pacer_on_queue_delay(&p, 60 * MS, 2000 * MS), 0);
	/* Still on its way after 200 ms: cut below what the link carried,
	 * enough to drain it (0.8 of it)... */
	assert_int_equal(kp_pacer_on_queue_delay(&p, 200 * MS, 2100 * MS), 320);
	/* ...and a longer backlog deeper, down to 0.6. */
	assert_int_equal(kp_pacer_on_queue_delay(&p, 300 * MS, 3200 * MS), 224);
	assert_int_equal(kp_pacer_on_queue_delay(&p, 900 * MS, 4300 * MS), 134);
	/* A new connection starts its reports from zero. */
	kp_pacer_new_link(&p);
	kp_pacer_on_report(&p, 1000, true, 5000 * MS);
	assert_int_equal(p.report_bytes, 1000);
}

static void test_pacer_without_a_known_ceiling_does_nothing_blind(void **state)
{
	kp_pacer p;

	kp_pacer_init(&p, 0);
	assert_int_equal(kp_pacer_on_late(&p, 1000 * MS), 0);
	kp_pacer_on_report(&p, 0, true, 1000 * MS);
	kp_pacer_on_report(&p, 125000, true, 2000 * MS); /* 1000 kbit/s */
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

/* 1000 kbit/s while busy, then a still screen: 20 KB over 5 s says how
 * little there was to send, and the cut at the next scroll's backlog
 * starts from what the link carried. */
static void test_pacer_learns_the_link_only_while_it_is_busy(void **state)
{
	kp_pacer p;
	reported r = {0};

	kp_pacer_init(&p, 1500);
	busy_reports(&p, &r, 1000, 12);
	assert_true(p.capacity_kbps > 990 && p.capacity_kbps < 1010);
	kp_pacer_on_report(&p, r.bytes += 1000, false, r.t += 250 * MS);
	kp_pacer_on_report(&p, r.bytes += 20000, true, r.t += 5000 * MS);
	assert_true(p.capacity_kbps > 990 && p.capacity_kbps < 1010);
	/* The scroll: busy again from report to report, at 960 kbit/s. */
	kp_pacer_on_report(&p, r.bytes += 30000, true, r.t += 250 * MS);
	assert_true(p.capacity_kbps > 980 && p.capacity_kbps < 1000);
	assert_int_equal(kp_pacer_on_queue_delay(&p, 200 * MS, r.t), 790);
	/* A faster report proves more, busy or not. */
	kp_pacer_on_report(&p, r.bytes += 62500, false, r.t += 250 * MS);
	assert_true(p.capacity_kbps > 1200);
}

/* After a cut, the steps up stop at what the link carried: a long scroll
 * at more than that fills the line's queue until it drops. */
static void test_pacer_climbs_back_only_to_the_link(void **state)
{
	kp_pacer p;
	reported r = {0};

	kp_pacer_init(&p, 3000);
	busy_reports(&p, &r, 800, 8);
	assert_int_equal(kp_pacer_on_late(&p, r.t), 560);
	uint32_t target = 560;
	for (int64_t t = r.t + 3000 * MS; t < 60000 * MS; t += 2000 * MS) {
		uint32_t next = kp_pacer_tick(&p, t);
		if (next)
			target = next;
	}
	assert_int_equal(target, 800);
}

/* A sharer that starts at its configured 1500 kbit/s on a line that
 * carries 1000 comes down to 1000 once the line is known, without waiting
 * for a queue to say so, and climbs no further. */
static void test_pacer_comes_down_to_the_link_it_learnt(void **state)
{
	kp_pacer p;
	reported r = {0};

	kp_pacer_init(&p, 1500);
	assert_int_equal(kp_pacer_tick(&p, r.t), 0); /* nothing known yet */
	busy_reports(&p, &r, 1000, 8);
	assert_int_equal(kp_pacer_tick(&p, r.t), 1000);
	for (int i = 0; i < 10; i++)
		assert_int_equal(kp_pacer_tick(&p, r.t += 2000 * MS), 0);
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
		cmocka_unit_test(test_pacer_learns_the_link_only_while_it_is_busy),
		cmocka_unit_test(test_pacer_climbs_back_only_to_the_link),
		cmocka_unit_test(test_pacer_comes_down_to_the_link_it_learnt),
	};
	return cmocka_run_group_tests_name("transport-pacer", tests, NULL, NULL);
}
