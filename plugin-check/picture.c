/* SPDX-License-Identifier: MIT */
/* kyoyu-plugin-check: pictures to feed an encoder or a UI. */
#include "config.h"

#include <string.h>

#include "plugin-check.h"

kyoyu_msg *check_picture_new(uint32_t format, uint32_t width, uint32_t height, int index,
			     int64_t time_us)
{
	kyoyu_msg *msg = kyoyu_msg_new(KYOYU_MSG_FRAME);
	if (!msg)
		return NULL;
	kyoyu_frame_info *info = &msg->u.frame;
	size_t bytes = kyoyu_frame_layout(info, (kyoyu_pixfmt)format, width, height);
	if (!bytes || !(msg->buf = kyoyu_buffer_new(bytes))) {
		kyoyu_msg_unref(msg);
		return NULL;
	}
	msg->time_us = time_us;
	uint8_t *px = kyoyu_buffer_data(msg->buf);
	for (uint32_t y = 0; y < height; y++)
		for (uint32_t x = 0; x < width; x++) {
			bool bar = (int)(x / 8) == index;
			if (format == KYOYU_PIXFMT_BGRX) {
				uint8_t *p = px + (size_t)y * info->stride[0] + (size_t)x * 4;
				p[0] = bar ? 255 : (uint8_t)(x * 4);
				p[1] = bar ? 255 : (uint8_t)(y * 5);
				p[2] = (uint8_t)(128 + index * 30);
				p[3] = 0;
			} else {
				px[info->offset[0] + (size_t)y * info->stride[0] + x] =
					bar ? 235 : (uint8_t)(16 + x * 3);
			}
		}
	/* Planar formats: the chroma planes a flat colour that moves. */
	for (int plane = 1; format != KYOYU_PIXFMT_BGRX && plane < 3; plane++)
		memset(px + info->offset[plane], 128 + (plane == 1 ? index * 20 : -index * 20),
		       (plane == 1 ? info->offset[2] : bytes) - info->offset[plane]);
	if (index == 0) {
		info->flags = KYOYU_FRAME_KEY;
		kyoyu_region_set_full(&info->damage, (int32_t)width, (int32_t)height);
	} else {
		/* The bar moved from the previous column of 8 to this one. */
		int32_t x = (index % 8) * 8, was = ((index - 1) % 8) * 8;
		kyoyu_region_add(&info->damage, (kyoyu_rect){x, 0, 8, (int32_t)height});
		kyoyu_region_add(&info->damage, (kyoyu_rect){was, 0, 8, (int32_t)height});
		kyoyu_region_clip(&info->damage, (int32_t)width, (int32_t)height);
	}
	return msg;
}
