/* SPDX-License-Identifier: MIT */
/* Shared by the codec plugins: BGRX damage into a persistent YUV picture,
 * and damage into 16×16 macroblock maps.
 *
 * The encoders keep the picture they last handed to their library and
 * convert only the rectangles the capture says changed (libyuv, SIMD), so a
 * typed character costs a few hundred pixels of conversion, not a screen.
 * Header-only (static inline) so that each plugin module carries its own
 * copy and plugins linked into one binary cannot clash.
 */
#ifndef KYOYU_CODEC_YUV_DAMAGE_H
#define KYOYU_CODEC_YUV_DAMAGE_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <libyuv.h>

#include <kyoyu/frame.h>

#define MB_SIZE 16

/* Three planes the caller owns: I420 (chroma halved both ways, rounded up)
 * or I444. */
typedef struct yuv_planes {
	uint8_t *data[3];
	int stride[3];
	bool i444;
} yuv_planes;

/* Converts rectangle R (inside the picture) of the BGRX picture SRC into
 * DST.  For 4:2:0 the rectangle is widened to even coordinates so that
 * every chroma sample it touches is computed from its full 2×2 block. */
static inline void yuv_convert_rect(const yuv_planes *dst, const uint8_t *src,
				    int src_stride, int width, int height,
				    kyoyu_rect r)
{
	if (!dst->i444) {
		int x1 = r.x + r.w, y1 = r.y + r.h;
		r.x &= ~1;
		r.y &= ~1;
		x1 = x1 + 1 > width ? width : (x1 + 1) & ~1;
		y1 = y1 + 1 > height ? height : (y1 + 1) & ~1;
		r.w = x1 - r.x;
		r.h = y1 - r.y;
	}
	if (r.w <= 0 || r.h <= 0)
		return;
	const uint8_t *s = src + (size_t)r.y * (size_t)src_stride + (size_t)r.x * 4;
	int cx = dst->i444 ? r.x : r.x / 2, cy = dst->i444 ? r.y : r.y / 2;
	uint8_t *y = dst->data[0] + (size_t)r.y * (size_t)dst->stride[0] + (size_t)r.x;
	uint8_t *u = dst->data[1] + (size_t)cy * (size_t)dst->stride[1] + (size_t)cx;
	uint8_t *v = dst->data[2] + (size_t)cy * (size_t)dst->stride[2] + (size_t)cx;

	/* libyuv's "ARGB" is B, G, R, A in memory: our BGRX. */
	if (dst->i444)
		ARGBToI444(s, src_stride, y, dst->stride[0], u, dst->stride[1], v,
			   dst->stride[2], r.w, r.h);
	else
		ARGBToI420(s, src_stride, y, dst->stride[0], u, dst->stride[1], v,
			   dst->stride[2], r.w, r.h);
}

/* Converts every rectangle of DAMAGE (clipped to the picture here). */
static inline void yuv_convert_region(const yuv_planes *dst, const uint8_t *src,
				      int src_stride, int width, int height,
				      const kyoyu_region *damage)
{
	kyoyu_region clipped = *damage;

	kyoyu_region_clip(&clipped, width, height);
	for (uint32_t i = 0; i < clipped.n; i++)
		yuv_convert_rect(dst, src, src_stride, width, height, clipped.rects[i]);
}

/* ---- macroblock maps: one byte per 16×16 block, row by row ------------- */

static inline int mb_cols(int width)
{
	return (width + MB_SIZE - 1) / MB_SIZE;
}

static inline int mb_rows(int height)
{
	return (height + MB_SIZE - 1) / MB_SIZE;
}

/* Sets to VALUE every block of MAP (COLS × ROWS) that R touches. */
static inline void mb_map_mark(uint8_t *map, int cols, int rows, kyoyu_rect r,
			       uint8_t value)
{
	if (r.w <= 0 || r.h <= 0)
		return;
	int c0 = r.x / MB_SIZE, r0 = r.y / MB_SIZE;
	int c1 = (r.x + r.w - 1) / MB_SIZE, r1 = (r.y + r.h - 1) / MB_SIZE;
	c0 = c0 < 0 ? 0 : c0;
	r0 = r0 < 0 ? 0 : r0;
	c1 = c1 >= cols ? cols - 1 : c1;
	r1 = r1 >= rows ? rows - 1 : r1;
	for (int row = r0; row <= r1; row++)
		memset(map + (size_t)row * (size_t)cols + c0, value,
		       (size_t)(c1 - c0 + 1));
}

/* Marks the blocks DAMAGE touches with VALUE; others are left alone. */
static inline void mb_map_mark_region(uint8_t *map, int cols, int rows,
				      const kyoyu_region *damage, uint8_t value)
{
	for (uint32_t i = 0; i < damage->n; i++)
		mb_map_mark(map, cols, rows, damage->rects[i], value);
}

/* Marks in HALF (the map of the picture at half width and height,
 * HALF_COLS × HALF_ROWS) every block that covers a marked block of MAP
 * (COLS × ROWS); clears the others. */
static inline void mb_map_halve(const uint8_t *map, int cols, int rows, uint8_t *half,
				int half_cols, int half_rows)
{
	memset(half, 0, (size_t)half_cols * (size_t)half_rows);
	for (int row = 0; row < rows; row++)
		for (int col = 0; col < cols; col++)
			if (map[(size_t)row * (size_t)cols + col] && row / 2 < half_rows &&
			    col / 2 < half_cols)
				half[(size_t)(row / 2) * (size_t)half_cols + col / 2] = 1;
}

#endif
