/* SPDX-License-Identifier: MIT */
/* capture/x11: which part of the screen is shared, and when it changes.
 *
 * capture.monitor is "all" (the whole root window, every monitor),
 * "primary" (RandR's primary monitor, else the first one) or the name of a
 * RandR monitor ("HDMI-1", or one made with `xrandr --setmonitor`).  A
 * monitor that is plugged out leaves an empty area: nothing is shared until
 * it comes back, rather than showing another screen the customer did not
 * choose.
 */
#ifndef X11_MONITORS_H
#define X11_MONITORS_H

#include <stdbool.h>
#include <stdint.h>

#include <xcb/xcb.h>

#include "x11-display.h"

typedef struct x11_area {
	int32_t x, y;           /* top-left corner in root window pixels */
	uint32_t width, height; /* 0 × 0 while the chosen monitor is absent */
} x11_area;

/* Checks MONITOR against the display at start-up: "all" always works, the
 * others need RandR 1.5, and a name must be one of the monitors now.
 * Returns 0, or -EINVAL after logging which monitors there are. */
int x11_monitors_check(x11_display *display, const char *monitor);

/* Subscribes to the events that announce a new layout: the root window's
 * size, and RandR's screen, CRTC and output changes. */
void x11_monitors_watch(x11_display *display);

/* True when EV announces a layout change (then look again). */
bool x11_monitors_is_event(const x11_display *display, const xcb_generic_event_t *ev);

/* Where MONITOR is now, clipped to the root window.  Returns 0 (the area
 * is empty while the monitor is absent) or -EPIPE. */
int x11_monitors_find(x11_display *display, const char *monitor, x11_area *area);

#endif
