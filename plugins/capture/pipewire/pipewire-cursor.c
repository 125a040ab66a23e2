/* SPDX-License-Identifier: MIT */
/* capture/pipewire: the pointer as CURSOR messages (see pipewire-cursor.h). */
#include "config.h"

#include <string.h>

#include <spa/param/video/raw.h>

#define KYOYU_LOG_COMPONENT "capture/pipewire"
#include <kyoyu/kyoyu.h>

#include "pipewire-cursor.h"

/* What the wire carries (docs/protocol.md, CURSOR_SHAPE). */
#define MAX_SIDE 256

/* Where blue, green, red and alpha sit in a pixel of FORMAT (alpha -1:
 * none, opaque); false for a format that is not 4 bytes a pixel. */
static bool channels(uint32_t format, int order[4])
{
	static const struct {
		uint32_t format;
		int order[4];
	} table[] = {
		{SPA_VIDEO_FORMAT_RGBA, {2, 1, 0, 3}}, {SPA_VIDEO_FORMAT_RGBx, {2, 1, 0, -1}},
		{SPA_VIDEO_FORMAT_BGRA, {0, 1, 2, 3}}, {SPA_VIDEO_FORMAT_BGRx, {0, 1, 2, -1}},
		{SPA_VIDEO_FORMAT_ARGB, {3, 2, 1, 0}}, {SPA_VIDEO_FORMAT_xRGB, {3, 2, 1, -1}},
		{SPA_VIDEO_FORMAT_ABGR, {1, 2, 3, 0}}, {SPA_VIDEO_FORMAT_xBGR, {1, 2, 3, -1}},
	};

	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (table[i].format == format) {
			memcpy(order, table[i].order, sizeof(table[i].order));
			return true;
		}
	return false;
}

/* The shape as straight-alpha BGRA.  GNOME and KDE draw it premultiplied
 * (mutter reads its texture as RGBA_8888_PRE), which SPA does not say:
 * colours are divided by alpha, as capture/x11 does for X's cursors. */
static kyoyu_buffer *convert_shape(const pipewire_cursor_meta *m)
{
	int order[4];

	if (!channels(m->format, order)) {
		kyoyu_debug("a pointer shape in format %u was left out", m->format);
		return NULL;
	}
	kyoyu_buffer *buf = kyoyu_buffer_new((size_t)m->width * m->height * 4);
	if (!buf)
		return NULL;
	uint8_t *out = kyoyu_buffer_data(buf);
	for (uint32_t y = 0; y < m->height; y++) {
		const uint8_t *in = m->bitmap + (size_t)y * m->stride;
		for (uint32_t x = 0; x < m->width; x++, in += 4, out += 4) {
			uint32_t a = order[3] < 0 ? 255 : in[order[3]];
			for (int c = 0; c < 3; c++) {
				uint32_t v = in[order[c]];
				v = a ? (v * 255 + a / 2) / a : 0;
				out[c] = (uint8_t)(v > 255 ? 255 : v);
			}
			out[3] = (uint8_t)a;
		}
	}
	return buf;
}

static void take_shape(pipewire_cursor *c, const pipewire_cursor_meta *m)
{
	kyoyu_buffer *shape = NULL;

	if (m->bitmap && (m->width > MAX_SIDE || m->height > MAX_SIDE)) {
		kyoyu_debug("a pointer shape of %ux%u (over %u) was left out", m->width,
			    m->height, MAX_SIDE);
		return;
	}
	if (m->bitmap && !(shape = convert_shape(m)))
		return;
	kyoyu_buffer_unref(c->shape);
	c->shape = shape;
	/* An empty shape: the pointer is there but draws nothing. */
	c->width = shape ? m->width : 0;
	c->height = shape ? m->height : 0;
	c->hot_x = m->hot_x > 0 ? (uint32_t)m->hot_x : 0;
	c->hot_y = m->hot_y > 0 ? (uint32_t)m->hot_y : 0;
	c->serial++;
	c->shape_unsent = true;
}

void pipewire_cursor_take(pipewire_cursor *c, const pipewire_cursor_meta *m)
{
	if (!m->present)
		return;
	if (m->new_shape)
		take_shape(c, m);
	bool visible = m->visible && (c->shape || !c->serial);
	if (!c->known || visible != c->visible ||
	    (visible && (m->x != c->x || m->y != c->y)))
		c->moved = true;
	c->known = true;
	c->visible = visible;
	if (m->visible) {
		c->x = m->x;
		c->y = m->y;
	}
}

void pipewire_cursor_resend(pipewire_cursor *c)
{
	c->moved = c->known;
	c->shape_unsent = c->shape != NULL;
}

kyoyu_msg *pipewire_cursor_message(pipewire_cursor *c)
{
	if (!c->moved && !c->shape_unsent)
		return NULL;
	kyoyu_msg *msg = kyoyu_msg_new(KYOYU_MSG_CURSOR);
	if (!msg)
		return NULL;
	msg->u.cursor = (kyoyu_cursor_info){
		.x = c->x, .y = c->y, .visible = c->visible, .serial = c->serial,
		.width = c->width, .height = c->height, .hot_x = c->hot_x, .hot_y = c->hot_y,
	};
	if (c->shape_unsent && c->shape)
		msg->buf = kyoyu_buffer_ref(c->shape);
	c->moved = c->shape_unsent = false;
	return msg;
}

void pipewire_cursor_release(pipewire_cursor *c)
{
	kyoyu_buffer_unref(c->shape);
	memset(c, 0, sizeof(*c));
}
