/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <string.h>

#include "../common/cursor-mask.h"
#include "dxgi-pointer.h"

static uint32_t load32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static bool bit(const uint8_t *row, uint32_t x)
{
	return (row[x / 8] >> (7 - x % 8)) & 1;
}

kyoyu_buffer *dxgi_pointer_to_bgra(const dxgi_pointer_shape *shape, kyoyu_cursor_info *info)
{
	uint32_t w = shape->width;
	uint32_t h = shape->type == DXGI_POINTER_MONOCHROME ? shape->height / 2 : shape->height;
	uint32_t row_bytes = shape->type == DXGI_POINTER_MONOCHROME ? (w + 7) / 8 : w * 4;

	if (w == 0 || h == 0 || w > DXGI_POINTER_MAX_SIDE || h > DXGI_POINTER_MAX_SIDE ||
	    shape->pitch < row_bytes || !shape->bits)
		return NULL;
	if (shape->type != DXGI_POINTER_MONOCHROME && shape->type != DXGI_POINTER_COLOR &&
	    shape->type != DXGI_POINTER_MASKED_COLOR)
		return NULL;
	kyoyu_buffer *buf = kyoyu_buffer_new((size_t)w * h * 4);
	if (!buf)
		return NULL;
	uint8_t *out = kyoyu_buffer_data(buf);
	for (uint32_t y = 0; y < h; y++) {
		const uint8_t *row = shape->bits + (size_t)y * shape->pitch;
		for (uint32_t x = 0; x < w; x++) {
			uint32_t v;
			if (shape->type == DXGI_POINTER_MONOCHROME) {
				const uint8_t *xor_row = row + (size_t)h * shape->pitch;
				v = cursor_mask_pixel(bit(row, x), bit(xor_row, x));
			} else if (shape->type == DXGI_POINTER_COLOR) {
				v = load32(row + (size_t)x * 4);
			} else {
				uint32_t c = load32(row + (size_t)x * 4);
				if ((c >> 24) == 0)
					v = c | 0xff000000u;
				else
					v = (c & 0xffffff) ? 0xff000000u : 0;
			}
			memcpy(out + ((size_t)y * w + x) * 4, &v, 4);
		}
	}
	info->width = w;
	info->height = h;
	info->hot_x = shape->hot_x;
	info->hot_y = shape->hot_y;
	return buf;
}
