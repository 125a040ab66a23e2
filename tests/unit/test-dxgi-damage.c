/* SPDX-License-Identifier: MIT */
/* capture/dxgi's damage from a Desktop Duplication frame's metadata
 * (plugins/capture/dxgi/dxgi-damage.c), on Linux and, cross-built, under
 * Wine.  The frames are written out by hand from what Windows documents
 * (dirty and move rectangles in the unrotated desktop image) and the
 * rotation mapping of Microsoft's Desktop Duplication sample: no machine
 * here runs DXGI, so none was recorded. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "plugins/capture/dxgi/dxgi-damage.h"

/* A 1920x1080 monitor. */
#define W 1920
#define H 1080

static void assert_rect(kyoyu_rect r, int32_t x, int32_t y, int32_t w, int32_t h)
{
	assert_int_equal(r.x, x);
	assert_int_equal(r.y, y);
	assert_int_equal(r.w, w);
	assert_int_equal(r.h, h);
}

/* A typed character in an editor and a window dragged 100 px right: the
 * glyph's box, the window's new place, and what the move uncovered. */
static void test_dxgi_damage_is_the_dirty_rects_and_the_moves_destinations(void **state)
{
	const dxgi_rect dirty[] = {{412, 300, 420, 316}, {200, 500, 300, 800}};
	const dxgi_move moves[] = {{200, 500, {300, 500, 900, 800}}};
	kyoyu_region d;

	assert_int_equal(dxgi_damage_from_frame(dirty, 2, moves, 1, DXGI_DAMAGE_ROTATION_IDENTITY,
						W, H, &d),
			 0);
	assert_int_equal(d.n, 3);
	assert_rect(d.rects[0], 300, 500, 600, 300); /* the window, moved */
	assert_rect(d.rects[1], 412, 300, 8, 16);    /* the glyph */
	assert_rect(d.rects[2], 200, 500, 100, 300); /* uncovered by the move */
	assert_int_equal(kyoyu_region_area(&d), 600 * 300 + 8 * 16 + 100 * 300);
}

static void test_dxgi_damage_of_a_still_frame_is_empty(void **state)
{
	kyoyu_region d;

	/* AccumulatedFrames with only a pointer move: no rectangles. */
	assert_int_equal(dxgi_damage_from_frame(NULL, 0, NULL, 0, DXGI_DAMAGE_ROTATION_IDENTITY,
						W, H, &d),
			 0);
	assert_int_equal(d.n, 0);
}

/* UNSPECIFIED is what some drivers report for an unrotated monitor. */
static void test_dxgi_damage_unspecified_rotation_is_identity(void **state)
{
	const dxgi_rect dirty[] = {{10, 20, 30, 60}};
	kyoyu_region d;

	assert_int_equal(dxgi_damage_from_frame(dirty, 1, NULL, 0,
						DXGI_DAMAGE_ROTATION_UNSPECIFIED, W, H, &d),
			 0);
	assert_rect(d.rects[0], 10, 20, 20, 40);
}

/* Turned by 90 or 270, a W x H picture comes from an image H wide and W
 * high. */
static void test_dxgi_damage_follows_a_monitor_turned_90(void **state)
{
	/* The image's top left 20x10 corner is the picture's top right. */
	const dxgi_rect dirty[] = {{0, 0, 20, 10}};
	kyoyu_region d;

	assert_int_equal(dxgi_damage_from_frame(dirty, 1, NULL, 0, DXGI_DAMAGE_ROTATION_90, W, H,
						&d),
			 0);
	assert_rect(d.rects[0], W - 10, 0, 10, 20);
}

static void test_dxgi_damage_follows_a_monitor_turned_180(void **state)
{
	const dxgi_rect dirty[] = {{0, 0, 20, 10}};
	kyoyu_region d;

	assert_int_equal(dxgi_damage_from_frame(dirty, 1, NULL, 0, DXGI_DAMAGE_ROTATION_180, W, H,
						&d),
			 0);
	assert_rect(d.rects[0], W - 20, H - 10, 20, 10);
}

static void test_dxgi_damage_follows_a_monitor_turned_270(void **state)
{
	const dxgi_rect dirty[] = {{0, 0, 20, 10}};
	kyoyu_region d;

	assert_int_equal(dxgi_damage_from_frame(dirty, 1, NULL, 0, DXGI_DAMAGE_ROTATION_270, W, H,
						&d),
			 0);
	assert_rect(d.rects[0], 0, H - 20, 10, 20);
}

/* Every rotation maps the whole image onto the whole picture, and keeps a
 * rectangle's area; turning by 90 four times (or 180 twice) is no turn. */
static void test_dxgi_damage_rotations_keep_the_picture_and_areas(void **state)
{
	static const int rotations[] = {DXGI_DAMAGE_ROTATION_IDENTITY, DXGI_DAMAGE_ROTATION_90,
					DXGI_DAMAGE_ROTATION_180, DXGI_DAMAGE_ROTATION_270};
	kyoyu_region d;

	for (size_t i = 0; i < 4; i++) {
		bool turned = rotations[i] == DXGI_DAMAGE_ROTATION_90 ||
			      rotations[i] == DXGI_DAMAGE_ROTATION_270;
		const dxgi_rect whole = {0, 0, turned ? H : W, turned ? W : H};
		const dxgi_rect box = {123, 45, 123 + 67, 45 + 89};
		assert_int_equal(dxgi_damage_from_frame(&whole, 1, NULL, 0, rotations[i], W, H, &d), 0);
		assert_rect(d.rects[0], 0, 0, W, H);
		assert_int_equal(dxgi_damage_from_frame(&box, 1, NULL, 0, rotations[i], W, H, &d), 0);
		assert_int_equal(kyoyu_region_area(&d), 67 * 89);
	}
	/* 90 then 90 again (as an image of the picture's own size) is 180. */
	const dxgi_rect box = {100, 200, 150, 260};
	kyoyu_region once, twice, half;
	dxgi_damage_from_frame(&box, 1, NULL, 0, DXGI_DAMAGE_ROTATION_90, H, W, &once);
	const dxgi_rect again = {once.rects[0].x, once.rects[0].y,
				 once.rects[0].x + once.rects[0].w, once.rects[0].y + once.rects[0].h};
	dxgi_damage_from_frame(&again, 1, NULL, 0, DXGI_DAMAGE_ROTATION_90, W, H, &twice);
	dxgi_damage_from_frame(&box, 1, NULL, 0, DXGI_DAMAGE_ROTATION_180, W, H, &half);
	assert_rect(twice.rects[0], half.rects[0].x, half.rects[0].y, half.rects[0].w,
		    half.rects[0].h);
}

/* Metadata that does not fit the monitor (a resolution change racing the
 * frame, a driver's bug) is clipped or dropped, and counted. */
static void test_dxgi_damage_clips_and_counts_what_does_not_fit(void **state)
{
	const dxgi_rect dirty[] = {
		{W - 10, H - 10, W + 50, H + 50}, /* over the edge: clipped */
		{50, 50, 40, 60},                 /* upside down: dropped */
		{W + 1, 0, W + 100, 10},          /* outside: dropped */
		{5, 5, 6, 6},                     /* fine */
	};
	const dxgi_rect absurd = {INT32_MIN, INT32_MIN, INT32_MAX, INT32_MAX};
	kyoyu_region d;

	assert_int_equal(dxgi_damage_from_frame(dirty, 4, NULL, 0, DXGI_DAMAGE_ROTATION_IDENTITY,
						W, H, &d),
			 3);
	assert_int_equal(d.n, 2);
	assert_rect(d.rects[0], W - 10, H - 10, 10, 10);
	assert_rect(d.rects[1], 5, 5, 1, 1);
	/* Absurd values, turned or not: the whole picture, no overflow. */
	assert_int_equal(dxgi_damage_from_frame(&absurd, 1, NULL, 0, DXGI_DAMAGE_ROTATION_IDENTITY,
						W, H, &d),
			 1);
	assert_rect(d.rects[0], 0, 0, W, H);
	assert_int_equal(dxgi_damage_from_frame(&absurd, 1, NULL, 0, DXGI_DAMAGE_ROTATION_270, W,
						H, &d),
			 1);
	assert_rect(d.rects[0], 0, 0, W, H);
}

/* A busy frame (a web page scrolling: one move, tens of dirty strips)
 * merges into the region's 16 rectangles and still covers all of it. */
static void test_dxgi_damage_of_many_rects_merges_and_covers_them(void **state)
{
	dxgi_rect dirty[40];
	const dxgi_move moves[] = {{0, 140, {0, 100, 1200, 1000}}};
	kyoyu_region d;

	for (int i = 0; i < 40; i++)
		dirty[i] = (dxgi_rect){20 * i, 1000 + (i % 2) * 20, 20 * i + 15, 1040};
	assert_int_equal(dxgi_damage_from_frame(dirty, 40, moves, 1, DXGI_DAMAGE_ROTATION_IDENTITY,
						W, H, &d),
			 0);
	assert_true(d.n <= KYOYU_REGION_MAX_RECTS);
	kyoyu_rect b = kyoyu_region_bounds(&d);
	assert_rect(b, 0, 100, 1200, 940);
	/* Every dirty strip lies inside some rectangle. */
	for (int i = 0; i < 40; i++) {
		bool covered = false;
		for (uint32_t k = 0; k < d.n && !covered; k++) {
			kyoyu_rect r = d.rects[k];
			covered = dirty[i].left >= r.x && dirty[i].right <= r.x + r.w &&
				  dirty[i].top >= r.y && dirty[i].bottom <= r.y + r.h;
		}
		assert_true(covered);
	}
}

static void test_dxgi_damage_refuses_a_rotation_dxgi_does_not_have(void **state)
{
	const dxgi_rect dirty[] = {{0, 0, 1, 1}};
	kyoyu_region d;

	assert_int_equal(dxgi_damage_from_frame(dirty, 1, NULL, 0, 5, W, H, &d), -EINVAL);
	/* The caller sends the whole picture then. */
	assert_int_equal(d.n, 1);
	assert_rect(d.rects[0], 0, 0, W, H);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dxgi_damage_is_the_dirty_rects_and_the_moves_destinations),
		cmocka_unit_test(test_dxgi_damage_of_a_still_frame_is_empty),
		cmocka_unit_test(test_dxgi_damage_unspecified_rotation_is_identity),
		cmocka_unit_test(test_dxgi_damage_follows_a_monitor_turned_90),
		cmocka_unit_test(test_dxgi_damage_follows_a_monitor_turned_180),
		cmocka_unit_test(test_dxgi_damage_follows_a_monitor_turned_270),
		cmocka_unit_test(test_dxgi_damage_rotations_keep_the_picture_and_areas),
		cmocka_unit_test(test_dxgi_damage_clips_and_counts_what_does_not_fit),
		cmocka_unit_test(test_dxgi_damage_of_many_rects_merges_and_covers_them),
		cmocka_unit_test(test_dxgi_damage_refuses_a_rotation_dxgi_does_not_have),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
