/* capture/file: damage from frame differences.
 *
 * The picture is cut into bands of 16 rows and, within a changed row, into
 * tiles of 64 pixels.  Consecutive changed tiles of a band make one
 * rectangle: the bounding box of the pixels that changed in them.  The
 * region then merges rectangles of neighbouring bands that line up, so a
 * scrolled window comes out as one rectangle and a typed character as a
 * box around its glyph.
 */
#include "config.h"

#include <stdbool.h>
#include <string.h>

#include "frame-diff.h"

#define BAND_ROWS 16
#define TILE_PIXELS 64
#define MAX_TILES (16384 / TILE_PIXELS)

typedef struct tile_bounds {
	int32_t x0, x1, y0, y1; /* inclusive; x0 > x1 while unchanged */
} tile_bounds;

static uint32_t pixel(const uint8_t *row, int x)
{
	uint32_t v;

	memcpy(&v, row + (size_t)x * 4, 4); /* one load; no alignment assumed */
	return v;
}

/* First and last differing pixel of two runs of N pixels, or -1. */
static int first_diff(const uint8_t *a, const uint8_t *b, int n)
{
	for (int i = 0; i < n; i++)
		if (pixel(a, i) != pixel(b, i))
			return i;
	return -1;
}

static int last_diff(const uint8_t *a, const uint8_t *b, int n)
{
	for (int i = n - 1; i >= 0; i--)
		if (pixel(a, i) != pixel(b, i))
			return i;
	return -1;
}

/* Compares row Y tile by tile and widens the bounds of the tiles that
 * changed. */
static void diff_row(const uint8_t *p, const uint8_t *c, int32_t width, int32_t y,
		     tile_bounds *tiles)
{
	for (int32_t t = 0, x = 0; x < width; t++, x += TILE_PIXELS) {
		int n = width - x < TILE_PIXELS ? width - x : TILE_PIXELS;
		const uint8_t *pt = p + (size_t)x * 4, *ct = c + (size_t)x * 4;
		if (memcmp(pt, ct, (size_t)n * 4) == 0)
			continue;
		tile_bounds *b = &tiles[t];
		int first = first_diff(pt, ct, n), last = last_diff(pt, ct, n);
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
static void emit_band(const tile_bounds *tiles, int n_tiles, kyoyu_region *damage)
{
	for (int t = 0; t < n_tiles;) {
		if (tiles[t].x0 > tiles[t].x1) {
			t++;
			continue;
		}
		tile_bounds run = tiles[t];
		for (t++; t < n_tiles && tiles[t].x0 <= tiles[t].x1; t++) {
			run.x1 = tiles[t].x1;
			run.y0 = tiles[t].y0 < run.y0 ? tiles[t].y0 : run.y0;
			run.y1 = tiles[t].y1 > run.y1 ? tiles[t].y1 : run.y1;
		}
		kyoyu_region_add(damage, (kyoyu_rect){run.x0, run.y0, run.x1 - run.x0 + 1,
						      run.y1 - run.y0 + 1});
	}
}

void capture_file_diff(const uint8_t *prev, size_t prev_stride, const uint8_t *cur,
		       size_t cur_stride, uint32_t width, uint32_t height,
		       kyoyu_region *damage)
{
	tile_bounds tiles[MAX_TILES];
	int32_t w = (int32_t)width, h = (int32_t)height;
	int n_tiles = (w + TILE_PIXELS - 1) / TILE_PIXELS;

	if (n_tiles > MAX_TILES)
		n_tiles = MAX_TILES, w = MAX_TILES * TILE_PIXELS;
	for (int32_t band = 0; band < h; band += BAND_ROWS) {
		bool changed = false;
		for (int32_t y = band; y < band + BAND_ROWS && y < h; y++) {
			const uint8_t *p = prev + (size_t)y * prev_stride;
			const uint8_t *c = cur + (size_t)y * cur_stride;
			if (memcmp(p, c, (size_t)w * 4) == 0)
				continue;
			if (!changed) {
				for (int t = 0; t < n_tiles; t++)
					tiles[t] = (tile_bounds){INT32_MAX, -1, INT32_MAX, -1};
				changed = true;
			}
			diff_row(p, c, w, y, tiles);
		}
		if (changed)
			emit_band(tiles, n_tiles, damage);
	}
}
