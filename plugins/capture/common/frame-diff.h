/* SPDX-License-Identifier: MIT */
/* Shared by the capture plugins: damage rectangles from the difference of
 * two BGRX pictures, for sources that do not say what changed (a video
 * file, a PipeWire stream without SPA_META_VideoDamage).
 *
 * The picture is cut into bands of 16 rows and, within a changed row, into
 * tiles of 64 pixels.  Consecutive changed tiles of a band make one
 * rectangle: the bounding box of the pixels that changed in them.  The
 * region then merges rectangles of neighbouring bands that line up, so a
 * scrolled window comes out as one rectangle and a typed character as a
 * box around its glyph.
 *
 * Header-only (static inline) so that each plugin module carries its own
 * copy and plugins linked into one binary cannot clash.
 */
#ifndef KYOYU_CAPTURE_FRAME_DIFF_H
#define KYOYU_CAPTURE_FRAME_DIFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <kyoyu/frame.h>

#define FRAME_DIFF_BAND_ROWS 16
#define FRAME_DIFF_TILE_PIXELS 64
#define FRAME_DIFF_MAX_TILES (16384 / FRAME_DIFF_TILE_PIXELS)

typedef struct frame_diff_tile {
	int32_t x0, x1, y0, y1; /* inclusive; x0 > x1 while unchanged */
} frame_diff_tile;

static inline uint32_t frame_diff_pixel(const uint8_t *row, int x)
{
	uint32_t v;

	memcpy(&v, row + (size_t)x * 4, 4); /* one load; no alignment assumed */
	return v;
}

/* First and last differing pixel of two runs of N pixels, or -1. */
static inline int frame_diff_first(const uint8_t *a, const uint8_t *b, int n)
{
	for (int i = 0; i < n; i++)
		if (frame_diff_pixel(a, i) != frame_diff_pixel(b, i))
			return i;
	return -1;
}

static inline int frame_diff_last(const uint8_t *a, const uint8_t *b, int n)
{
	for (int i = n - 1; i >= 0; i--)
		if (frame_diff_pixel(a, i) != frame_diff_pixel(b, i))
			return i;
	return -1;
}

/* Compares row Y tile by tile and widens the bounds of the tiles that
 * changed. */
static inline void frame_diff_row(const uint8_t *p, const uint8_t *c, int32_t width,
				  int32_t y, frame_diff_tile *tiles)
{
	for (int32_t t = 0, x = 0; x < width; t++, x += FRAME_DIFF_TILE_PIXELS) {
		int n = width - x < FRAME_DIFF_TILE_PIXELS ? width - x
							   : FRAME_DIFF_TILE_PIXELS;
		const uint8_t *pt = p + (size_t)x * 4, *ct = c + (size_t)x * 4;
		if (memcmp(pt, ct, (size_t)n * 4) == 0)
			continue;
		frame_diff_tile *b = &tiles[t];
		int first = frame_diff_first(pt, ct, n), last = frame_diff_last(pt, ct, n);
		if (x + first < b->x0)
			b->x0 = x + first;
		if (x + last > b->x1)
			b->x1 = x + last;
		if (y < b->y0)
			b->y0 = y;
		b->y1 = y;
	}
}

/* Turns runs of changed tiles of one band into rectangles. */
static inline void frame_diff_emit_band(const frame_diff_tile *tiles, int n_tiles,
					kyoyu_region *damage)
{
	for (int t = 0; t < n_tiles;) {
		if (tiles[t].x0 > tiles[t].x1) {
			t++;
			continue;
		}
		frame_diff_tile run = tiles[t];
		for (t++; t < n_tiles && tiles[t].x0 <= tiles[t].x1; t++) {
			run.x1 = tiles[t].x1;
			run.y0 = tiles[t].y0 < run.y0 ? tiles[t].y0 : run.y0;
			run.y1 = tiles[t].y1 > run.y1 ? tiles[t].y1 : run.y1;
		}
		kyoyu_region_add(damage, (kyoyu_rect){run.x0, run.y0, run.x1 - run.x0 + 1,
						      run.y1 - run.y0 + 1});
	}
}

/* Adds to DAMAGE rectangles covering every pixel where CUR differs from
 * PREV (both WIDTH × HEIGHT, BGRX; the unused X byte is compared too).
 * Each rectangle is the bounding box of changed pixels: every edge touches
 * one.  Rows are compared whole first, so a still screen costs one memcmp
 * per row. */
static inline void capture_frame_diff(const uint8_t *prev, size_t prev_stride,
				      const uint8_t *cur, size_t cur_stride, uint32_t width,
				      uint32_t height, kyoyu_region *damage)
{
	frame_diff_tile tiles[FRAME_DIFF_MAX_TILES];
	int32_t w = (int32_t)width, h = (int32_t)height;
	int n_tiles = (w + FRAME_DIFF_TILE_PIXELS - 1) / FRAME_DIFF_TILE_PIXELS;

	if (n_tiles > FRAME_DIFF_MAX_TILES)
		n_tiles = FRAME_DIFF_MAX_TILES,
		w = FRAME_DIFF_MAX_TILES * FRAME_DIFF_TILE_PIXELS;
	for (int32_t band = 0; band < h; band += FRAME_DIFF_BAND_ROWS) {
		bool changed = false;
		for (int32_t y = band; y < band + FRAME_DIFF_BAND_ROWS && y < h; y++) {
			const uint8_t *p = prev + (size_t)y * prev_stride;
			const uint8_t *c = cur + (size_t)y * cur_stride;
			if (memcmp(p, c, (size_t)w * 4) == 0)
				continue;
			if (!changed) {
				for (int t = 0; t < n_tiles; t++)
					tiles[t] = (frame_diff_tile){INT32_MAX, -1, INT32_MAX, -1};
				changed = true;
			}
			frame_diff_row(p, c, w, y, tiles);
		}
		if (changed)
			frame_diff_emit_band(tiles, n_tiles, damage);
	}
}

#endif
