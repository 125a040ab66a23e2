/* SPDX-License-Identifier: MIT */
/* capture/x11: copying rectangles of the screen into a picture.
 *
 * With MIT-SHM the server writes into memory we share with it.  A picture
 * that is itself shared memory (x11-pictures.h) gets the rows it needs
 * straight from the server: a rectangle the width of the picture lands in
 * place, since the server writes a grab's rows back to back and the
 * picture's rows are back to back too.  Narrower rectangles would land with
 * the wrong row length, so they go through a shared staging segment and are
 * copied into place; one at least half the picture's width is grabbed as
 * whole rows instead, which costs the server at most twice the bytes and
 * saves our copy.  Without MIT-SHM (a remote display, or a server running
 * as another user) the pixels come through the socket with GetImage, which
 * is slower but the same picture.
 */
#ifndef X11_GRAB_H
#define X11_GRAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <kyoyu/frame.h>

#include "x11-display.h"
#include "x11-shm.h"

typedef struct x11_grab {
	x11_display *display;
	bool shm_wanted;   /* false: never try MIT-SHM */
	bool shm_failed;   /* tried and failed once: GetImage from then on */
	x11_shm staging;   /* for rectangles narrower than the picture */
	uint64_t bytes;    /* grabbed so far, for the closing log line */
	uint64_t copied;   /* of those, copied from staging into place */
} x11_grab;

/* Where a grab goes: a WIDTH-pixel-wide picture at ADDR whose rows are
 * STRIDE bytes apart; SHM_SEG, when not 0, is the same memory as a segment
 * the server has attached (then STRIDE must be WIDTH * 4). */
typedef struct x11_grab_target {
	uint8_t *addr;
	size_t stride;
	uint32_t width;
	uint32_t shm_seg;
} x11_grab_target;

/* Prepares to grab pictures of up to BYTES bytes from DISPLAY: attaches a
 * staging segment of that size when MIT-SHM is wanted and works, else (and
 * from then on) grabs with GetImage; the first call logs which. */
void x11_grab_setup(x11_grab *grab, x11_display *display, bool want_shm, size_t bytes);

/* True when grabs go through MIT-SHM, so pictures may be shared memory. */
bool x11_grab_uses_shm(const x11_grab *grab);

/* Releases the staging segment (safe on a zeroed or released grab). */
void x11_grab_release(x11_grab *grab);

/* "MIT-SHM" or "GetImage", for log lines. */
const char *x11_grab_method(const x11_grab *grab);

/* Copies every rectangle of REGION (picture coordinates) from the root
 * window, offset by ORIGIN_X/ORIGIN_Y, into TARGET, which is large enough
 * for REGION.  Returns 0, -EAGAIN when the server refused a rectangle (the
 * layout just changed: check it and try again), or -EPIPE when the
 * connection is lost.  On error TARGET may be partly updated. */
int x11_grab_region(x11_grab *grab, const kyoyu_region *region, int32_t origin_x,
		    int32_t origin_y, const x11_grab_target *target);

/* The whole picture TARGET (which must have an SHM_SEG), HEIGHT rows, asked
 * for without waiting, so that it can share a round trip with other
 * requests; x11_grab_whole_wait() waits for it and returns as
 * x11_grab_region() does. */
uint32_t x11_grab_whole_ask(x11_grab *grab, int32_t origin_x, int32_t origin_y,
			    uint32_t height, const x11_grab_target *target);
int x11_grab_whole_wait(x11_grab *grab, uint32_t asked, uint32_t height,
			const x11_grab_target *target);

#endif
