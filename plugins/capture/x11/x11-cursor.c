/* SPDX-License-Identifier: MIT */
/* capture/x11: cursor shape (XFIXES) and position (polled) as CURSOR
 * messages. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <xcb/xfixes.h>

#define KYOYU_LOG_COMPONENT "capture/x11"
#include <kyoyu/kyoyu.h>

#include "x11-cursor.h"

/* Real cursors are at most 256 pixels on a side; anything larger is not
 * a cursor we want to ship with every shape change. */
#define MAX_CURSOR_SIDE 256

void x11_cursor_watch(x11_cursor *cur, x11_display *d)
{
	memset(cur, 0, sizeof(*cur));
	cur->display = d;
	xcb_xfixes_select_cursor_input(d->conn, d->root,
				       XCB_XFIXES_CURSOR_NOTIFY_MASK_DISPLAY_CURSOR);
}

bool x11_cursor_is_event(x11_cursor *cur, const xcb_generic_event_t *ev)
{
	if ((ev->response_type & 0x7f) !=
	    cur->display->xfixes_event + XCB_XFIXES_CURSOR_NOTIFY)
		return false;
	cur->shape_changed = true;
	return true;
}

void x11_cursor_reset(x11_cursor *cur)
{
	cur->sent = false;
	cur->shape_changed = true;
	cur->moved_us = kyoyu_now_us();
}

xcb_query_pointer_cookie_t x11_cursor_query(x11_cursor *cur)
{
	return xcb_query_pointer(cur->display->conn, cur->display->root);
}

/* X hands out premultiplied ARGB words; the bus carries straight-alpha
 * BGRA bytes, what a viewer's blending expects. */
static void unpremultiply(const uint32_t *argb, uint8_t *bgra, size_t pixels)
{
	for (size_t i = 0; i < pixels; i++) {
		uint32_t p = argb[i], a = p >> 24;
		uint8_t *o = bgra + i * 4;
		for (int c = 0; c < 3; c++) {
			uint32_t v = (p >> (8 * c)) & 0xff;
			v = a ? (v * 255 + a / 2) / a : 0;
			o[c] = (uint8_t)(v > 255 ? 255 : v);
		}
		o[3] = (uint8_t)a;
	}
}

/* The current shape into a new buffer, with its size and hot spot in
 * INFO; NULL when there is none to send (the server did not answer, or
 * the shape is implausibly large). */
static kyoyu_buffer *fetch_shape(x11_cursor *cur, kyoyu_cursor_info *info)
{
	xcb_connection_t *c = cur->display->conn;
	xcb_xfixes_get_cursor_image_reply_t *r =
		xcb_xfixes_get_cursor_image_reply(c, xcb_xfixes_get_cursor_image(c), NULL);
	kyoyu_buffer *buf = NULL;

	if (!r)
		return NULL;
	size_t pixels = (size_t)r->width * r->height;
	if (r->width == 0 || r->height == 0 || r->width > MAX_CURSOR_SIDE ||
	    r->height > MAX_CURSOR_SIDE ||
	    (size_t)xcb_xfixes_get_cursor_image_cursor_image_length(r) < pixels) {
		kyoyu_debug("cursor shape of %ux%u pixels not sent", r->width, r->height);
		goto out_free_reply;
	}
	buf = kyoyu_buffer_new(pixels * 4);
	if (!buf)
		goto out_free_reply;
	unpremultiply(xcb_xfixes_get_cursor_image_cursor_image(r), kyoyu_buffer_data(buf),
		      pixels);
	info->width = r->width;
	info->height = r->height;
	info->hot_x = r->xhot;
	info->hot_y = r->yhot;
	info->serial = r->cursor_serial;
out_free_reply:
	free(r);
	return buf;
}

kyoyu_msg *x11_cursor_update(x11_cursor *cur, xcb_query_pointer_cookie_t cookie,
			     const x11_area *area)
{
	xcb_query_pointer_reply_t *p =
		xcb_query_pointer_reply(cur->display->conn, cookie, NULL);

	if (!p)
		return NULL;
	int32_t x = p->root_x - area->x, y = p->root_y - area->y;
	bool visible = p->same_screen && x >= 0 && y >= 0 && (uint32_t)x < area->width &&
		       (uint32_t)y < area->height;
	free(p);

	kyoyu_buffer *shape = NULL;
	kyoyu_cursor_info info = {.serial = cur->serial};
	if (cur->shape_changed) {
		shape = fetch_shape(cur, &info);
		cur->shape_changed = false;
	}
	/* Wandering outside the shared area is nobody's business. */
	bool moved = !cur->sent || visible != cur->visible ||
		     (visible && (x != cur->x || y != cur->y));
	if (x != cur->polled_x || y != cur->polled_y)
		cur->moved_us = kyoyu_now_us();
	cur->polled_x = x;
	cur->polled_y = y;
	if (!moved && !shape)
		return NULL;
	kyoyu_msg *msg = kyoyu_msg_new(KYOYU_MSG_CURSOR);
	if (!msg) {
		/* Nothing counts as sent: the next update tries again. */
		cur->shape_changed |= shape != NULL;
		kyoyu_buffer_unref(shape);
		return NULL;
	}
	info.x = x;
	info.y = y;
	info.visible = visible;
	msg->u.cursor = info;
	msg->buf = shape;
	cur->sent = true;
	cur->x = x;
	cur->y = y;
	cur->visible = visible;
	cur->serial = info.serial;
	return msg;
}
