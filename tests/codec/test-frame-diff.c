/* SPDX-License-Identifier: MIT */
/* The capture plugins' damage from frame differences
 * (plugins/capture/common/frame-diff.h) against a brute-force pixel
 * comparison: every changed pixel is covered, every rectangle is tight (each
 * of its edges holds a changed pixel), and an unchanged picture has no
 * damage. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "plugins/capture/common/frame-diff.h"

typedef struct picture {
	uint32_t w, h;
	size_t stride; /* bytes, at least w * 4 */
	uint8_t *a, *b;
} picture;

static uint32_t seed = 2463534242u;

static uint32_t rnd(void)
{
	seed ^= seed << 13;
	seed ^= seed >> 17;
	seed ^= seed << 5;
	return seed;
}

static picture make(uint32_t w, uint32_t h, size_t pad)
{
	picture p = {w, h, (size_t)w * 4 + pad, NULL, NULL};

	p.a = malloc(p.stride * h);
	p.b = malloc(p.stride * h);
	assert_non_null(p.a);
	assert_non_null(p.b);
	for (size_t i = 0; i < p.stride * h; i++)
		p.a[i] = (uint8_t)rnd();
	memcpy(p.b, p.a, p.stride * h);
	/* Padding differs: it must never count as a change. */
	for (uint32_t y = 0; y < h; y++)
		memset(p.b + y * p.stride + (size_t)w * 4, 0xee, pad);
	return p;
}

static void destroy(picture *p)
{
	free(p->a);
	free(p->b);
}

static bool changed(const picture *p, int32_t x, int32_t y)
{
	size_t at = (size_t)y * p->stride + (size_t)x * 4;
	return memcmp(p->a + at, p->b + at, 4) != 0;
}

static void change_pixel(picture *p, uint32_t x, uint32_t y)
{
	p->b[(size_t)y * p->stride + (size_t)x * 4 + rnd() % 4] ^= (uint8_t)(1 + rnd() % 255);
}

/* Compares capture_frame_diff with a brute-force scan of P. */
static void check(const picture *p)
{
	kyoyu_region damage;
	uint64_t n_changed = 0;

	kyoyu_region_clear(&damage);
	capture_frame_diff(p->a, p->stride, p->b, p->stride, p->w, p->h, &damage);
	uint8_t *covered = calloc((size_t)p->w * p->h, 1);
	assert_non_null(covered);
	for (uint32_t i = 0; i < damage.n; i++) {
		kyoyu_rect r = damage.rects[i];
		assert_true(r.x >= 0 && r.y >= 0 && r.w > 0 && r.h > 0);
		assert_true(r.x + r.w <= (int32_t)p->w && r.y + r.h <= (int32_t)p->h);
		for (int32_t y = r.y; y < r.y + r.h; y++)
			memset(covered + (size_t)y * p->w + (size_t)r.x, 1, (size_t)r.w);
	}
	for (uint32_t y = 0; y < p->h; y++) {
		for (uint32_t x = 0; x < p->w; x++) {
			if (!changed(p, (int32_t)x, (int32_t)y))
				continue;
			n_changed++;
			if (!covered[(size_t)y * p->w + x]) {
				free(covered);
				fail_msg("%ux%u: changed pixel %u,%u is outside the damage", p->w,
					 p->h, x, y);
			}
		}
	}
	free(covered);
	if (n_changed == 0) {
		assert_int_equal(damage.n, 0);
		return;
	}
	for (uint32_t i = 0; i < damage.n; i++) {
		kyoyu_rect r = damage.rects[i];
		bool top = false, bottom = false, left = false, right = false;
		for (int32_t x = r.x; x < r.x + r.w; x++) {
			top |= changed(p, x, r.y);
			bottom |= changed(p, x, r.y + r.h - 1);
		}
		for (int32_t y = r.y; y < r.y + r.h; y++) {
			left |= changed(p, r.x, y);
			right |= changed(p, r.x + r.w - 1, y);
		}
		if (!(top && bottom && left && right))
			fail_msg("%ux%u: rectangle %d,%d %dx%d is not tight", p->w, p->h, r.x,
				 r.y, r.w, r.h);
	}
}

static void test_unchanged_picture_has_no_damage(void **state)
{
	picture p = make(1920, 1080, 0);

	check(&p);
	destroy(&p);
}

static void test_single_pixels_anywhere(void **state)
{
	static const uint32_t sizes[][2] = {{1, 1}, {1, 37}, {37, 1}, {63, 17}, {64, 16},
					    {65, 33}, {333, 97}};

	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		picture p = make(sizes[s][0], sizes[s][1], 8);
		for (int k = 0; k < 20; k++) {
			memcpy(p.b, p.a, p.stride * p.h);
			change_pixel(&p, rnd() % p.w, rnd() % p.h);
			check(&p);
		}
		/* The corners. */
		memcpy(p.b, p.a, p.stride * p.h);
		change_pixel(&p, 0, 0);
		change_pixel(&p, p.w - 1, p.h - 1);
		check(&p);
		destroy(&p);
	}
}

static void test_screen_like_changes(void **state)
{
	picture p = make(1920, 1080, 0);

	for (int round = 0; round < 12; round++) {
		memcpy(p.b, p.a, p.stride * p.h);
		/* A few rectangles (a typed glyph, a scrolled window, a clock) and
		 * scattered pixels (a cursor), more than the region's 16. */
		int n_rects = 1 + (int)(rnd() % 24);
		for (int i = 0; i < n_rects; i++) {
			uint32_t w = 1 + rnd() % (round % 3 ? 40 : 900);
			uint32_t h = 1 + rnd() % (round % 3 ? 20 : 700);
			uint32_t x = rnd() % (p.w - w + 1), y = rnd() % (p.h - h + 1);
			for (uint32_t yy = y; yy < y + h; yy++)
				for (uint32_t xx = x; xx < x + w; xx += 1 + rnd() % 3)
					change_pixel(&p, xx, yy);
		}
		check(&p);
	}
	destroy(&p);
}

static void test_everything_changed(void **state)
{
	picture p = make(641, 479, 4);

	for (uint32_t y = 0; y < p.h; y++)
		for (uint32_t x = 0; x < p.w; x++)
			change_pixel(&p, x, y);
	kyoyu_region damage;
	kyoyu_region_clear(&damage);
	capture_frame_diff(p.a, p.stride, p.b, p.stride, p.w, p.h, &damage);
	kyoyu_rect all = kyoyu_region_bounds(&damage);
	assert_int_equal(all.x, 0);
	assert_int_equal(all.y, 0);
	assert_int_equal(all.w, 641);
	assert_int_equal(all.h, 479);
	check(&p);
	destroy(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unchanged_picture_has_no_damage),
		cmocka_unit_test(test_single_pixels_anywhere),
		cmocka_unit_test(test_screen_like_changes),
		cmocka_unit_test(test_everything_changed),
	};
	return cmocka_run_group_tests_name("capture/file damage", tests, NULL, NULL);
}
