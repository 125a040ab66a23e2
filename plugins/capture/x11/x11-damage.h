/* SPDX-License-Identifier: MIT */
/* capture/x11: what changed on the screen, from the DAMAGE extension.
 *
 * The server accumulates changes in a damage object on the root window and
 * sends one event when it stops being empty; taking the damage empties it
 * again.  So an unchanging screen costs neither the server nor us anything,
 * and however much changes between two frames, one fetch collects it.
 */
#ifndef X11_DAMAGE_H
#define X11_DAMAGE_H

#include <stdbool.h>
#include <stdint.h>

#include <kyoyu/frame.h>

#include "x11-display.h"
#include "x11-monitors.h"

typedef struct x11_damage {
	x11_display *display;
	uint32_t damage;  /* xcb_damage_damage_t, 0 when not created */
	uint32_t region;  /* xcb_xfixes_region_t receiving what changed */
	bool notified;    /* the server said something changed since the last take */
} x11_damage;

/* Starts tracking changes of the whole root window. */
void x11_damage_start(x11_damage *damage, x11_display *display);
void x11_damage_stop(x11_damage *damage);

/* True (and notes it) when EV is the damage object's notification. */
bool x11_damage_is_event(x11_damage *damage, const xcb_generic_event_t *ev);

/* Takes what changed since the last take or discard, clipped to AREA and
 * in its coordinates, into OUT (cleared first).  Returns 0 or -EPIPE. */
int x11_damage_take(x11_damage *damage, const x11_area *area, kyoyu_region *out);

/* x11_damage_take in two halves, so that other requests can go in the
 * same round trip: the ask empties the damage object, requests sent after
 * it see the screen with those changes, and the collect waits for what
 * they were. */
uint32_t x11_damage_ask(x11_damage *damage);
int x11_damage_collect(x11_damage *damage, uint32_t asked, const x11_area *area,
		       kyoyu_region *out);

/* Forgets what changed so far (a whole picture is grabbed next). */
void x11_damage_discard(x11_damage *damage);

#endif
