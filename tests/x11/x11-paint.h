/* SPDX-License-Identifier: MIT */
/* A small X client for the x11 tests and the capture benchmark: it draws
 * known pictures on a real X server, opens windows, moves the pointer and
 * changes the RandR layout, each time waiting until the server has done it. */
#ifndef KYOYU_TESTS_X11_PAINT_H
#define KYOYU_TESTS_X11_PAINT_H

#include <stdbool.h>
#include <stdint.h>

#include <xcb/xcb.h>

typedef struct x11_paint {
	xcb_connection_t *conn;
	xcb_screen_t *screen;
	xcb_gcontext_t gc;
} x11_paint;

/* Connects to DISPLAY.  Returns 0 or -ECONNREFUSED. */
int x11_paint_open(x11_paint *p, const char *display);
void x11_paint_close(x11_paint *p);

/* Waits until the server has handled every request sent so far. */
void x11_paint_sync(x11_paint *p);

/* The BGRX value of the test pattern SEED at X, Y (a hash: every pixel
 * differs from its neighbours, so any misplaced copy shows). */
uint32_t x11_pattern_pixel(uint32_t seed, int32_t x, int32_t y);

/* Draws pattern SEED into X, Y, W × H of DRAWABLE; the pattern's origin is
 * the drawable's.  Synchronous. */
void x11_paint_pattern(x11_paint *p, xcb_drawable_t drawable, int32_t x, int32_t y,
		       uint32_t w, uint32_t h, uint32_t seed);

/* Fills X, Y, W × H of DRAWABLE with the colour RGB (0xRRGGBB). */
void x11_paint_fill(x11_paint *p, xcb_drawable_t drawable, int32_t x, int32_t y,
		    uint32_t w, uint32_t h, uint32_t rgb);

/* Maps a borderless override-redirect window (no window manager needed)
 * filled with RGB.  Synchronous. */
xcb_window_t x11_paint_window(x11_paint *p, int32_t x, int32_t y, uint32_t w, uint32_t h,
			      uint32_t rgb);

/* Moves the pointer to X, Y of the root window. */
void x11_paint_warp(x11_paint *p, int32_t x, int32_t y);

/* Resizes the screen to W × H through RandR (a new mode on the first
 * output, as `xrandr --newmode/--addmode/--output --mode` would).  Returns
 * 0 or -EIO. */
int x11_paint_screen_size(x11_paint *p, uint32_t w, uint32_t h);

#endif
