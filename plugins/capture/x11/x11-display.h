/* SPDX-License-Identifier: MIT */
/* capture/x11: the connection to the X server and what it offers.
 *
 * Opening checks everything capture needs before a session starts, so a
 * missing extension or an unusable colour depth is an error at start-up
 * with a message saying what to do, not a black picture later.
 */
#ifndef X11_DISPLAY_H
#define X11_DISPLAY_H

#include <stdbool.h>
#include <stdint.h>

#include <xcb/xcb.h>

typedef struct x11_display {
	xcb_connection_t *conn;
	xcb_window_t root;
	char name[64];          /* the display's name, for log lines */
	/* First event codes of the extensions, to tell their events apart. */
	uint8_t damage_event, xfixes_event, randr_event;
	bool has_shm;    /* MIT-SHM is offered (it may still fail to attach) */
	bool has_randr;  /* RandR ≥ 1.5: monitors, and layout change events */
} x11_display;

/* Connects to NAME (NULL: $DISPLAY) and checks DAMAGE, XFIXES, a 24- or
 * 32-bit BGRX root window, and whether MIT-SHM and RandR are offered.
 * Returns KYOYU_OK, KYOYU_SKIP when there is no display to connect to or
 * it is Xwayland (whose root window is not the screen of the Wayland
 * desktop it belongs to), or a negative errno after logging what is wrong
 * and what to do. */
int x11_display_open(x11_display *display, const char *name);

/* Disconnects (a never-opened, zeroed display is fine). */
void x11_display_close(x11_display *display);

/* Makes sure every request sent so far has been handled by the server.
 * Returns 0, or -EPIPE when the connection is lost. */
int x11_display_sync(x11_display *display);

/* -EPIPE with a log line once the connection to the server is lost, else 0. */
int x11_display_check(x11_display *display);

#endif
