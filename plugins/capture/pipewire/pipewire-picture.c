/* SPDX-License-Identifier: MIT */
/* capture/pipewire: the current picture and its frames (see
 * pipewire-picture.h). */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../common/frame-diff.h"
#include "pipewire-picture.h"

static size_t row_bytes(const pipewire_picture *pic)
{
	return (size_t)pic->width * 4;
}

int pipewire_picture_resize(pipewire_picture *pic, uint32_t width, uint32_t height)
{
	pipewire_picture_release(pic);
	pic->width = width;
	pic->height = height;
	pic->pixels = malloc(row_bytes(pic) * height);
	pic->pool = pic->pixels ? kyoyu_pool_new(row_bytes(pic) * height,
						  PIPEWIRE_PICTURE_POOL)
				: NULL;
	if (!pic->pool) {
		pipewire_picture_release(pic);
		return -ENOMEM;
	}
	return 0;
}

void pipewire_picture_release(pipewire_picture *pic)
{
	free(pic->pixels);
	kyoyu_pool_unref(pic->pool);
	memset(pic, 0, sizeof(*pic));
}

/* Copies the rectangles of REGION from SRC (STRIDE bytes a row) to DST,
 * both pictures of PIC's size. */
static void copy_region(const pipewire_picture *pic, uint8_t *dst, size_t dst_stride,
			const uint8_t *src, size_t src_stride, const kyoyu_region *region)
{
	for (uint32_t i = 0; i < region->n; i++) {
		const kyoyu_rect *r = &region->rects[i];
		size_t x = (size_t)r->x * 4, n = (size_t)r->w * 4;
		for (int32_t y = r->y; y < r->y + r->h; y++)
			memcpy(dst + (size_t)y * dst_stride + x, src + (size_t)y * src_stride + x,
			       n);
	}
}

void pipewire_picture_take(pipewire_picture *pic, const uint8_t *pixels, size_t stride,
			   const kyoyu_region *given, kyoyu_region *damage)
{
	kyoyu_region changed;

	kyoyu_region_clear(&changed);
	if (!pic->whole)
		kyoyu_region_set_full(&changed, (int32_t)pic->width, (int32_t)pic->height);
	else if (given)
		changed = *given;
	else
		capture_frame_diff(pic->pixels, row_bytes(pic), pixels, stride, pic->width,
				   pic->height, &changed);
	kyoyu_region_clip(&changed, (int32_t)pic->width, (int32_t)pic->height);
	copy_region(pic, pic->pixels, row_bytes(pic), pixels, stride, &changed);
	pic->whole = true;
	kyoyu_region_union(damage, &changed);
}

static pipewire_held *held_slot(pipewire_picture *pic, kyoyu_buffer *buffer)
{
	pipewire_held *free_slot = NULL;

	for (size_t i = 0; i < PIPEWIRE_PICTURE_POOL; i++) {
		if (pic->held[i].buffer == buffer)
			return &pic->held[i];
		if (!pic->held[i].buffer && !free_slot)
			free_slot = &pic->held[i];
	}
	if (free_slot)
		*free_slot = (pipewire_held){buffer, 0};
	return free_slot;
}

/* What a buffer holding frame H lacks to show the next frame, whose own
 * damage is DAMAGE: everything when it is too old to know. */
static void missed_by(const pipewire_picture *pic, const pipewire_held *h,
		      const kyoyu_region *damage, kyoyu_region *missed)
{
	if (!h || h->version == 0 || pic->version - h->version >= PIPEWIRE_PICTURE_HISTORY) {
		kyoyu_region_set_full(missed, (int32_t)pic->width, (int32_t)pic->height);
		return;
	}
	*missed = *damage;
	for (uint64_t v = h->version + 1; v <= pic->version; v++)
		kyoyu_region_union(missed, &pic->history[v % PIPEWIRE_PICTURE_HISTORY]);
}

kyoyu_msg *pipewire_picture_frame(pipewire_picture *pic, const kyoyu_region *damage,
				  bool key, int *error)
{
	kyoyu_msg *msg = kyoyu_msg_new(KYOYU_MSG_FRAME);
	kyoyu_buffer *buffer = msg ? kyoyu_pool_acquire(pic->pool) : NULL;
	kyoyu_region full, missed;

	if (!buffer) {
		*error = msg ? -ENOBUFS : -ENOMEM;
		kyoyu_msg_unref(msg);
		return NULL;
	}
	if (key) {
		kyoyu_region_set_full(&full, (int32_t)pic->width, (int32_t)pic->height);
		damage = &full;
	}
	pipewire_held *h = held_slot(pic, buffer);
	missed_by(pic, h, damage, &missed);
	kyoyu_frame_layout(&msg->u.frame, KYOYU_PIXFMT_BGRX, pic->width, pic->height);
	copy_region(pic, kyoyu_buffer_data(buffer), msg->u.frame.stride[0], pic->pixels,
		    row_bytes(pic), &missed);
	pic->version++;
	pic->history[pic->version % PIPEWIRE_PICTURE_HISTORY] = *damage;
	if (h)
		h->version = pic->version;
	msg->u.frame.damage = *damage;
	if (key)
		msg->u.frame.flags |= KYOYU_FRAME_KEY;
	msg->buf = buffer;
	return msg;
}
