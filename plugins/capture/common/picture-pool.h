/* SPDX-License-Identifier: MIT */
/* Shared by the capture plugins that keep the last picture themselves
 * (capture/gdi, capture/dxgi): that picture, BGRX, and the pool buffers
 * that carry it out in frames.  A pool buffer comes back from the encoder
 * holding an older picture; it is brought up to date with only the damage
 * it missed (remembered for the last PICTURE_POOL_HISTORY pictures), or
 * copied whole when it is older than that.
 *
 * Header-only (static inline), as frame-diff.h, so that each plugin module
 * carries its own copy and plugins linked into one binary cannot clash.
 * Capture thread only. */
#ifndef KYOYU_CAPTURE_PICTURE_POOL_H
#define KYOYU_CAPTURE_PICTURE_POOL_H

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <kyoyu/frame.h>

#define PICTURE_POOL_BUFFERS 4
#define PICTURE_POOL_HISTORY 8 /* damages remembered */

typedef struct picture_pool {
	uint8_t *picture; /* the last picture: width × height BGRX, stride a row */
	size_t stride;
	uint32_t width, height;
	kyoyu_pool *pool;
	uint64_t version; /* of the picture; 0 marks a buffer that holds none */
	kyoyu_region history[PICTURE_POOL_HISTORY]; /* what made version v: [v % HISTORY] */
	struct {
		kyoyu_buffer *buffer;
		uint64_t version;
	} held[PICTURE_POOL_BUFFERS];
} picture_pool;

static inline void picture_pool_close(picture_pool *p)
{
	kyoyu_pool_unref(p->pool);
	free(p->picture);
	memset(p, 0, sizeof(*p));
}

/* A black picture of WIDTH × HEIGHT and its pool.  Returns 0 or -ENOMEM
 * (with P closed). */
static inline int picture_pool_open(picture_pool *p, uint32_t width, uint32_t height)
{
	memset(p, 0, sizeof(*p));
	p->width = width;
	p->height = height;
	p->stride = (size_t)width * 4;
	p->picture = calloc(height ? height : 1, p->stride ? p->stride : 4);
	p->pool = kyoyu_pool_new(p->stride * height, PICTURE_POOL_BUFFERS);
	if (!p->picture || !p->pool) {
		picture_pool_close(p);
		return -ENOMEM;
	}
	p->version = 1;
	return 0;
}

/* Copies rectangle R of SRC (the same size as the picture, SRC_STRIDE
 * bytes a row) into DST (DST_STRIDE). */
static inline void picture_pool_copy_rect(uint8_t *dst, size_t dst_stride, const uint8_t *src,
					  size_t src_stride, kyoyu_rect r)
{
	for (int32_t y = r.y; y < r.y + r.h; y++)
		memcpy(dst + (size_t)y * dst_stride + (size_t)r.x * 4,
		       src + (size_t)y * src_stride + (size_t)r.x * 4, (size_t)r.w * 4);
}

/* Notes that DAMAGE of the picture was just written: a new version. */
static inline void picture_pool_changed(picture_pool *p, const kyoyu_region *damage)
{
	p->version++;
	p->history[p->version % PICTURE_POOL_HISTORY] = *damage;
}

/* A pool buffer holding the last picture, or NULL when every buffer is out
 * (the encoder is behind). */
static inline kyoyu_buffer *picture_pool_take(picture_pool *p)
{
	kyoyu_buffer *buffer = kyoyu_pool_acquire(p->pool);
	size_t slot = PICTURE_POOL_BUFFERS;

	if (!buffer)
		return NULL;
	for (size_t i = 0; i < PICTURE_POOL_BUFFERS && slot == PICTURE_POOL_BUFFERS; i++)
		if (p->held[i].buffer == buffer)
			slot = i;
	for (size_t i = 0; i < PICTURE_POOL_BUFFERS && slot == PICTURE_POOL_BUFFERS; i++)
		if (!p->held[i].buffer) {
			slot = i;
			p->held[i].buffer = buffer;
			p->held[i].version = 0;
		}
	uint8_t *dst = kyoyu_buffer_data(buffer);
	uint64_t had = slot < PICTURE_POOL_BUFFERS ? p->held[slot].version : 0;
	if (had == 0 || p->version - had >= PICTURE_POOL_HISTORY) {
		memcpy(dst, p->picture, p->stride * p->height);
	} else {
		kyoyu_region missed;
		kyoyu_region_clear(&missed);
		for (uint64_t v = had + 1; v <= p->version; v++)
			kyoyu_region_union(&missed, &p->history[v % PICTURE_POOL_HISTORY]);
		for (uint32_t i = 0; i < missed.n; i++)
			picture_pool_copy_rect(dst, p->stride, p->picture, p->stride,
					       missed.rects[i]);
	}
	if (slot < PICTURE_POOL_BUFFERS)
		p->held[slot].version = p->version;
	return buffer;
}

#endif
