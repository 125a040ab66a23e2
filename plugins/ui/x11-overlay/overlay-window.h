/* SPDX-License-Identifier: MIT */
/* The two windows the overlay puts on the customer's screen: the
 * operator's arrow and the "being shared" badge.  Both are override-redirect
 * (the window manager never manages, decorates or focuses them) and have an
 * empty input shape (every click and key goes to the window below).
 * Created in start() and destroyed in stop(), on the core's thread while
 * the stage does not run; moved and shown by the ui/x11-overlay stage's
 * thread in between. */
#ifndef KYOYU_OVERLAY_WINDOW_H
#define KYOYU_OVERLAY_WINDOW_H

#include <stdbool.h>
#include <stdint.h>

#include <xcb/xcb.h>

typedef struct overlay_window {
	xcb_window_t id;
	int16_t x, y;
	uint16_t width, height;
	bool mapped;
} overlay_window;

/* An RGB colour as a pixel of SCREEN's root visual. */
uint32_t overlay_pixel(const xcb_screen_t *screen, uint8_t r, uint8_t g, uint8_t b);

/* Creates an unmapped, input-transparent, override-redirect window of
 * WIDTH×HEIGHT filled with BACKGROUND and named NAME.  When OUTLINE has
 * points, the window's shape is that polygon.  Returns 0 or -EIO. */
int overlay_window_create(xcb_connection_t *conn, const xcb_screen_t *screen,
			  overlay_window *win, const char *name, uint16_t width,
			  uint16_t height, uint32_t background,
			  const xcb_point_t *outline, uint32_t points);

/* Moves the window to X,Y, shows it and puts it above every other. */
void overlay_window_show_at(xcb_connection_t *conn, overlay_window *win, int16_t x,
			    int16_t y);

void overlay_window_hide(xcb_connection_t *conn, overlay_window *win);

/* Puts the window above every other again (another window was raised). */
void overlay_window_raise(xcb_connection_t *conn, const overlay_window *win);

#endif
