/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#define KYOYU_LOG_COMPONENT "capture/gdi"
#include "../common/cursor-mask.h"
#include "gdi-cursor.h"

/* What the wire carries at most. */
#define MAX_CURSOR_SIDE 256

void gdi_cursor_reset(gdi_cursor *cur)
{
	cur->sent = false;
	cur->shape = NULL;
}

/* ROWS rows of BITMAP, WIDTH wide, as top-down 32-bit pixels into OUT. */
static bool read_bits(HDC dc, HBITMAP bitmap, int width, int rows, uint32_t *out)
{
	BITMAPINFO bmi = {.bmiHeader = {.biSize = sizeof(BITMAPINFOHEADER),
					.biWidth = width,
					.biHeight = -rows,
					.biPlanes = 1,
					.biBitCount = 32,
					.biCompression = BI_RGB}};

	return GetDIBits(dc, bitmap, 0, (UINT)rows, out, &bmi, DIB_RGB_COLORS) == rows;
}

/* BGRA with straight alpha from a colour bitmap (its own alpha, or the
 * mask's where it has none) or from a monochrome one, whose mask holds the
 * AND rows over the XOR rows. */
static void to_bgra(const uint32_t *colour, const uint32_t *mask, size_t pixels,
		    uint8_t *out)
{
	bool has_alpha = false;

	for (size_t i = 0; colour && i < pixels; i++)
		has_alpha |= (colour[i] >> 24) != 0;
	for (size_t i = 0; i < pixels; i++) {
		bool and_bit = (mask[i] & 0xffffff) != 0;
		uint32_t v;
		if (colour)
			v = has_alpha ? colour[i]
				      : (colour[i] & 0xffffff) | (and_bit ? 0u : 0xff000000u);
		else
			v = cursor_mask_pixel(and_bit, (mask[pixels + i] & 0xffffff) != 0);
		memcpy(out + i * 4, &v, 4);
	}
}

/* The shape of HANDLE into a new buffer, with its size and hot spot in
 * INFO; NULL when it cannot be read or is implausibly large. */
static kyoyu_buffer *fetch_shape(HCURSOR handle, kyoyu_cursor_info *info)
{
	ICONINFO icon;
	BITMAP bm;
	kyoyu_buffer *buf = NULL;
	uint32_t *colour = NULL, *mask = NULL;

	if (!GetIconInfo(handle, &icon))
		return NULL;
	HDC dc = GetDC(NULL);
	if (!dc || !GetObject(icon.hbmMask, sizeof(bm), &bm))
		goto out;
	int w = bm.bmWidth, mask_rows = bm.bmHeight;
	int h = icon.hbmColor ? mask_rows : mask_rows / 2;
	if (w <= 0 || h <= 0 || w > MAX_CURSOR_SIDE || h > MAX_CURSOR_SIDE)
		goto out;
	size_t pixels = (size_t)w * (size_t)h;
	mask = malloc((size_t)w * (size_t)mask_rows * 4);
	colour = icon.hbmColor ? malloc(pixels * 4) : NULL;
	if (!mask || (icon.hbmColor && !colour) || !read_bits(dc, icon.hbmMask, w, mask_rows, mask) ||
	    (colour && !read_bits(dc, icon.hbmColor, w, h, colour)))
		goto out;
	buf = kyoyu_buffer_new(pixels * 4);
	if (!buf)
		goto out;
	to_bgra(colour, mask, pixels, kyoyu_buffer_data(buf));
	info->width = (uint32_t)w;
	info->height = (uint32_t)h;
	info->hot_x = icon.xHotspot;
	info->hot_y = icon.yHotspot;
out:
	free(colour);
	free(mask);
	if (dc)
		ReleaseDC(NULL, dc);
	if (icon.hbmColor)
		DeleteObject(icon.hbmColor);
	DeleteObject(icon.hbmMask);
	return buf;
}

kyoyu_msg *gdi_cursor_update(gdi_cursor *cur, uint32_t width, uint32_t height)
{
	CURSORINFO ci = {.cbSize = sizeof(ci)};

	if (!GetCursorInfo(&ci)) {
		if (!cur->warned)
			kyoyu_warn("the system does not say where the pointer is "
				   "(GetCursorInfo failed, error %lu): no pointer is sent",
				   (unsigned long)GetLastError());
		cur->warned = true;
		return NULL;
	}
	int32_t x = ci.ptScreenPos.x, y = ci.ptScreenPos.y;
	bool visible = (ci.flags & CURSOR_SHOWING) && x >= 0 && y >= 0 &&
		       (uint32_t)x < width && (uint32_t)y < height;

	/* No handle (Wine over a window whose class names no cursor): the
	 * position still counts, with the shape sent last. */
	kyoyu_buffer *shape = NULL;
	kyoyu_cursor_info info = {.serial = cur->serial};
	if (visible && ci.hCursor && ci.hCursor != cur->shape) {
		shape = fetch_shape(ci.hCursor, &info);
		if (shape)
			info.serial = ++cur->serial;
	}
	/* Wandering outside the shared area is nobody's business. */
	bool moved = !cur->sent || visible != cur->visible ||
		     (visible && (x != cur->x || y != cur->y));
	if (!moved && !shape)
		return NULL;
	kyoyu_msg *msg = kyoyu_msg_new(KYOYU_MSG_CURSOR);
	if (!msg) {
		/* Nothing counts as sent: the next update tries again. */
		kyoyu_buffer_unref(shape);
		return NULL;
	}
	info.x = x;
	info.y = y;
	info.visible = visible;
	msg->u.cursor = info;
	msg->buf = shape;
	if (shape)
		cur->shape = ci.hCursor;
	cur->sent = true;
	cur->x = x;
	cur->y = y;
	cur->visible = visible;
	return msg;
}
