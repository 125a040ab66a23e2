/* SPDX-License-Identifier: MIT */
/* capture/x11: the pointer, sent as CURSOR messages rather than video.
 *
 * XFIXES tells when the cursor's shape changes; the position is polled
 * while sharing (X has no motion events for the whole screen that also see
 * warps), so a moving mouse costs a small message, never a video frame.
 * Shapes travel as straight-alpha BGRA, only when they changed.
 */
#ifndef X11_CURSOR_H
#define X11_CURSOR_H

#include <stdbool.h>
#include <stdint.h>

#include <kyoyu/bus.h>
#include <xcb/xcb.h>

#include "x11-display.h"
#include "x11-monitors.h"

typedef struct x11_cursor {
	x11_display *display;
	bool sent;           /* a position was sent since the last reset */
	bool shape_changed;  /* XFIXES announced a new shape */
	int32_t x, y;        /* what was sent last */
	bool visible;
	uint32_t serial;
	int32_t polled_x, polled_y; /* where the last poll found it */
	int64_t moved_us;    /* when that last changed */
} x11_cursor;

/* Asks XFIXES for shape change events. */
void x11_cursor_watch(x11_cursor *cursor, x11_display *display);

/* True (and notes it) when EV announces a new cursor shape. */
bool x11_cursor_is_event(x11_cursor *cursor, const xcb_generic_event_t *ev);

/* The next update sends the shape and position again (a new start of
 * sharing, or a new shared area). */
void x11_cursor_reset(x11_cursor *cursor);

/* Sends a pointer position request; pass its cookie to x11_cursor_update. */
xcb_query_pointer_cookie_t x11_cursor_query(x11_cursor *cursor);

/* Reads the position asked with COOKIE and returns a new CURSOR message
 * (the caller owns it) when the pointer moved, entered or left AREA, or
 * changed shape (then with the shape in msg->buf); NULL when there is
 * nothing to post, or no memory for it (the next update tries again). */
kyoyu_msg *x11_cursor_update(x11_cursor *cursor, xcb_query_pointer_cookie_t cookie,
			     const x11_area *area);

#endif
