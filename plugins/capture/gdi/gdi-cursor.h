/* SPDX-License-Identifier: MIT */
/* The pointer as CURSOR messages: GetCursorInfo's position and, when the
 * cursor handle changes, its shape (GetIconInfo's colour bitmap and mask)
 * as straight-alpha BGRA.  Capture thread only. */
#ifndef KYOYU_CAPTURE_GDI_CURSOR_H
#define KYOYU_CAPTURE_GDI_CURSOR_H

#include <stdbool.h>
#include <stdint.h>

#include <windows.h>

#include <kyoyu/kyoyu.h>

typedef struct gdi_cursor {
	bool sent;    /* something was sent since the last reset */
	bool visible; /* what was sent last */
	int32_t x, y;
	HCURSOR shape; /* the handle whose shape was sent last */
	uint32_t serial;
	bool warned;  /* GetCursorInfo failed, and the log said so */
} gdi_cursor;

/* Forgets what was sent: the next update sends the position and shape. */
void gdi_cursor_reset(gdi_cursor *cur);

/* A CURSOR message when the pointer moved, showed, hid or changed shape
 * within the WIDTH × HEIGHT area at the screen's top left; NULL when
 * nothing changed or the system does not say where it is. */
kyoyu_msg *gdi_cursor_update(gdi_cursor *cur, uint32_t width, uint32_t height);

#endif
