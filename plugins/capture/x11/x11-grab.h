/* SPDX-License-Identifier: MIT */
/* capture/x11: copying rectangles of the screen into a picture.
 *
 * With MIT-SHM the server writes each rectangle into a shared staging
 * segment (created 0600 and marked for removal at once, so no other user
 * can attach it and it cannot outlive us); without it (a remote display, or
 * a server running as another user) the pixels come through the socket
 * with GetImage, which is slower but the same picture.
 */
#ifndef X11_GRAB_H
#define X11_GRAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <kyoyu/frame.h>

#include "x11-display.h"

typedef struct x11_grab {
	x11_display *display;
	bool shm_wanted;   /* false: never try MIT-SHM */
	bool shm_failed;   /* tried and failed once: GetImage from then on */
	uint32_t shm_seg;  /* xcb_shm_seg_t, 0 when not attached */
	uint8_t *shm_addr; /* the staging segment, or NULL */
	size_t shm_size;
	uint64_t bytes;    /* grabbed so far, for the closing log line */
} x11_grab;

/* Prepares to grab pictures of up to BYTES bytes from DISPLAY: attaches a
 * staging segment of that size when MIT-SHM is wanted and works, else (and
 * from then on) grabs with GetImage; the first call logs which. */
void x11_grab_setup(x11_grab *grab, x11_display *display, bool want_shm, size_t bytes);

/* Releases the staging segment (safe on a zeroed or released grab). */
void x11_grab_release(x11_grab *grab);

/* "MIT-SHM" or "GetImage", for log lines. */
const char *x11_grab_method(const x11_grab *grab);

/* Copies every rectangle of REGION (picture coordinates) from the root
 * window, offset by ORIGIN_X/ORIGIN_Y, into DST, a picture whose rows are
 * STRIDE bytes apart and which is large enough for REGION.  Returns 0,
 * -EAGAIN when the server refused a rectangle (the layout just changed:
 * check it and try again), or -EPIPE when the connection is lost.  On error
 * DST may be partly updated. */
int x11_grab_region(x11_grab *grab, const kyoyu_region *region, int32_t origin_x,
		    int32_t origin_y, uint8_t *dst, size_t stride);

#endif
