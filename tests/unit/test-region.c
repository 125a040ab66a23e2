/* SPDX-License-Identifier: MIT */
/* Damage regions: adding, merging when full, clipping, bounds; frame layouts
 * and damage merging; FourCC and pixel format names. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <kyoyu/frame.h>

/* True when every pixel of R is inside some rectangle of REGION. */
static bool region_covers(const kyoyu_region *region, kyoyu_rect r)
{
	for (int32_t y = r.y; y < r.y + r.h; y++) {
		for (int32_t x = r.x; x < r.x + r.w; x++) {
			bool in = false;
			for (uint32_t i = 0; i < region->n && !in; i++) {
				const kyoyu_rect *q = &region->rects[i];
				in = x >= q->x && x < q->x + q->w && y >= q->y && y < q->y + q->h;
			}
			if (!in)
				return false;
		}
	}
	return true;
}

static void test_region_ignores_empty_rects(void **state)
{
	kyoyu_region r;

	(void)state;
	kyoyu_region_clear(&r);
	kyoyu_region_add(&r, (kyoyu_rect){5, 5, 0, 10});
	kyoyu_region_add(&r, (kyoyu_rect){5, 5, 10, -1});
	assert_int_equal(r.n, 0);
	assert_int_equal(kyoyu_region_area(&r), 0);
}

static void test_region_drops_contained_rects(void **state)
{
	kyoyu_region r;

	(void)state;
	kyoyu_region_clear(&r);
	kyoyu_region_add(&r, (kyoyu_rect){10, 10, 5, 5});
	kyoyu_region_add(&r, (kyoyu_rect){12, 12, 2, 2}); /* inside: nothing new */
	assert_int_equal(r.n, 1);
	kyoyu_region_add(&r, (kyoyu_rect){0, 0, 100, 100}); /* swallows the first */
	assert_int_equal(r.n, 1);
	assert_int_equal(r.rects[0].w, 100);
}

static void test_region_merge_when_full_covers_everything(void **state)
{
	kyoyu_region r;
	kyoyu_rect added[40];

	(void)state;
	kyoyu_region_clear(&r);
	/* 40 scattered, disjoint rectangles: far more than fit. */
	for (int i = 0; i < 40; i++) {
		added[i] = (kyoyu_rect){(i * 37) % 200, (i * 53) % 150, 3 + i % 5, 2 + i % 4};
		kyoyu_region_add(&r, added[i]);
		assert_true(r.n <= KYOYU_REGION_MAX_RECTS);
	}
	assert_int_equal(r.n, KYOYU_REGION_MAX_RECTS);
	for (int i = 0; i < 40; i++)
		assert_true(region_covers(&r, added[i]));
}

static void test_region_merge_prefers_the_cheapest_pair(void **state)
{
	kyoyu_region r;

	(void)state;
	kyoyu_region_clear(&r);
	/* Fifteen far-apart squares and two neighbours: when the region is
	 * full, the neighbours merge, not two distant squares. */
	for (int i = 0; i < 15; i++)
		kyoyu_region_add(&r, (kyoyu_rect){i * 1000, 0, 10, 10});
	kyoyu_region_add(&r, (kyoyu_rect){20000, 0, 10, 10});
	kyoyu_region_add(&r, (kyoyu_rect){20010, 0, 10, 10});
	assert_int_equal(r.n, KYOYU_REGION_MAX_RECTS);
	/* No rectangle spans two of the distant squares. */
	for (uint32_t i = 0; i < r.n; i++)
		assert_true(r.rects[i].w <= 20);
	assert_int_equal(kyoyu_region_area(&r), 17 * 100);
}

static void test_region_union_adds_every_rect(void **state)
{
	kyoyu_region a, b;

	(void)state;
	kyoyu_region_clear(&a);
	kyoyu_region_clear(&b);
	kyoyu_region_add(&a, (kyoyu_rect){0, 0, 4, 4});
	kyoyu_region_add(&b, (kyoyu_rect){10, 10, 4, 4});
	kyoyu_region_add(&b, (kyoyu_rect){20, 20, 4, 4});
	kyoyu_region_union(&a, &b);
	assert_int_equal(a.n, 3);
	assert_true(region_covers(&a, (kyoyu_rect){20, 20, 4, 4}));
}

static void test_region_clip_trims_and_drops(void **state)
{
	kyoyu_region r;

	(void)state;
	kyoyu_region_clear(&r);
	kyoyu_region_add(&r, (kyoyu_rect){-5, -5, 10, 10});   /* trimmed to 0,0 5x5 */
	kyoyu_region_add(&r, (kyoyu_rect){95, 40, 20, 20});   /* trimmed to 95,40 5x10 */
	kyoyu_region_add(&r, (kyoyu_rect){200, 10, 5, 5});    /* outside: dropped */
	kyoyu_region_add(&r, (kyoyu_rect){INT32_MAX - 1, 0, 5, 5}); /* no overflow */
	kyoyu_region_clip(&r, 100, 50);
	assert_int_equal(r.n, 2);
	kyoyu_rect b = kyoyu_region_bounds(&r);
	assert_int_equal(b.x, 0);
	assert_int_equal(b.y, 0);
	assert_int_equal(b.w, 100);
	assert_int_equal(b.h, 50);
	assert_int_equal(kyoyu_region_area(&r), 25 + 50);
}

static void test_region_bounds_of_empty_is_zero(void **state)
{
	kyoyu_region r;

	(void)state;
	kyoyu_region_clear(&r);
	kyoyu_rect b = kyoyu_region_bounds(&r);
	assert_int_equal(b.x | b.y | b.w | b.h, 0);
}

static void test_region_bounds_spans_all_rects(void **state)
{
	kyoyu_region r;

	(void)state;
	kyoyu_region_clear(&r);
	kyoyu_region_add(&r, (kyoyu_rect){10, 20, 5, 5});
	kyoyu_region_add(&r, (kyoyu_rect){-3, 40, 2, 2});
	kyoyu_rect b = kyoyu_region_bounds(&r);
	assert_int_equal(b.x, -3);
	assert_int_equal(b.y, 20);
	assert_int_equal(b.w, 18);
	assert_int_equal(b.h, 22);
}

static void test_region_set_full_is_one_rect(void **state)
{
	kyoyu_region r;

	(void)state;
	kyoyu_region_clear(&r);
	kyoyu_region_add(&r, (kyoyu_rect){1, 1, 1, 1});
	kyoyu_region_set_full(&r, 640, 480);
	assert_int_equal(r.n, 1);
	assert_int_equal(kyoyu_region_area(&r), 640 * 480);
}

static void test_frame_layout_sizes_planes(void **state)
{
	kyoyu_frame_info info;

	(void)state;
	assert_int_equal(kyoyu_frame_layout(&info, KYOYU_PIXFMT_BGRX, 3, 2), 24);
	assert_int_equal(info.stride[0], 12);
	/* I420 with odd sides rounds the chroma planes up. */
	assert_int_equal(kyoyu_frame_layout(&info, KYOYU_PIXFMT_I420, 5, 3), 15 + 6 + 6);
	assert_int_equal(info.stride[1], 3);
	assert_int_equal(info.offset[2], 21);
	assert_int_equal(kyoyu_frame_layout(&info, KYOYU_PIXFMT_I444, 4, 4), 48);
	assert_int_equal(kyoyu_frame_layout(&info, KYOYU_PIXFMT_BGRX, 16385, 1), 0);
	assert_int_equal(kyoyu_frame_layout(&info, KYOYU_PIXFMT_BGRX, 0, 10), 0);
	assert_int_equal(kyoyu_frame_layout(&info, (kyoyu_pixfmt)99, 10, 10), 0);
	/* The biggest picture allowed does not overflow. */
	assert_int_equal(kyoyu_frame_layout(&info, KYOYU_PIXFMT_I444, 16384, 16384),
			 (size_t)3 * 16384 * 16384);
}

static void test_frame_merge_damage_keeps_what_the_older_changed(void **state)
{
	kyoyu_frame_info older, newer;

	(void)state;
	kyoyu_frame_layout(&older, KYOYU_PIXFMT_BGRX, 64, 64);
	kyoyu_frame_layout(&newer, KYOYU_PIXFMT_BGRX, 64, 64);
	kyoyu_region_add(&older.damage, (kyoyu_rect){0, 0, 10, 10});
	kyoyu_region_add(&newer.damage, (kyoyu_rect){50, 50, 4, 4});
	older.flags = KYOYU_FRAME_KEY | KYOYU_FRAME_REFINE;
	kyoyu_frame_merge_damage(&newer, &older);
	assert_int_equal(newer.damage.n, 2);
	assert_int_equal(kyoyu_region_area(&newer.damage), 100 + 16);
	/* A key picture's promise carries over; a refinement's does not. */
	assert_int_equal(newer.flags, KYOYU_FRAME_KEY);

	/* After a size change the whole newer picture is news. */
	kyoyu_frame_layout(&newer, KYOYU_PIXFMT_BGRX, 32, 16);
	kyoyu_region_add(&newer.damage, (kyoyu_rect){1, 1, 1, 1});
	older.flags = 0;
	kyoyu_frame_merge_damage(&newer, &older);
	assert_int_equal(newer.damage.n, 1);
	assert_int_equal(kyoyu_region_area(&newer.damage), 32 * 16);
	assert_int_equal(newer.flags, 0);
}

static void test_fourcc_text_and_pixfmt_names(void **state)
{
	char text[5];

	(void)state;
	assert_string_equal(kyoyu_fourcc_text(KYOYU_CODEC_VP8, text), "VP80");
	assert_string_equal(kyoyu_fourcc_text(KYOYU_CODEC_VP9, text), "VP90");
	assert_string_equal(kyoyu_fourcc_text(KYOYU_CODEC_H264, text), "H264");
	assert_ptr_equal(kyoyu_fourcc_text(KYOYU_FOURCC('A', 'V', '0', '1'), text), text);
	assert_string_equal(text, "AV01");
	/* Bytes that are not printable never reach a log line as they are. */
	assert_string_equal(kyoyu_fourcc_text(KYOYU_FOURCC('a', '\n', 0, 0xff), text), "a???");
	assert_string_equal(kyoyu_fourcc_text(KYOYU_CODEC_NONE, text), "????");

	assert_string_equal(kyoyu_pixfmt_name(KYOYU_PIXFMT_BGRX), "bgrx");
	assert_string_equal(kyoyu_pixfmt_name(KYOYU_PIXFMT_I420), "i420");
	assert_string_equal(kyoyu_pixfmt_name(KYOYU_PIXFMT_I444), "i444");
	assert_null(kyoyu_pixfmt_name(KYOYU_PIXFMT_NONE));
	assert_null(kyoyu_pixfmt_name(42));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_region_ignores_empty_rects),
		cmocka_unit_test(test_region_drops_contained_rects),
		cmocka_unit_test(test_region_merge_when_full_covers_everything),
		cmocka_unit_test(test_region_merge_prefers_the_cheapest_pair),
		cmocka_unit_test(test_region_union_adds_every_rect),
		cmocka_unit_test(test_region_clip_trims_and_drops),
		cmocka_unit_test(test_region_bounds_of_empty_is_zero),
		cmocka_unit_test(test_region_bounds_spans_all_rects),
		cmocka_unit_test(test_region_set_full_is_one_rect),
		cmocka_unit_test(test_frame_layout_sizes_planes),
		cmocka_unit_test(test_frame_merge_damage_keeps_what_the_older_changed),
		cmocka_unit_test(test_fourcc_text_and_pixfmt_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
