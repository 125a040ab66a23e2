/* SPDX-License-Identifier: MIT */
/* capture/dxgi's logic, apart from Windows' calls (dxgi-duplication.h) and
 * from the plugin's stage (dxgi-capture.c), so that the unit tests drive it
 * with a fake duplication: one step waits for a Desktop Duplication frame
 * and posts what it says on the frame bus.
 *
 *   - a changed picture: its dirty and move rectangles as the frame's
 *     damage (dxgi_damage_from_frame), only those rows copied out of the
 *     one mapping of the image, into the last picture and a pool buffer;
 *   - nothing changed (DXGI_ERROR_WAIT_TIMEOUT): nothing posted;
 *   - the pointer: CURSOR messages, apart from the picture;
 *   - DXGI_ERROR_ACCESS_LOST (a desktop switch, UAC, a new mode): the
 *     duplication opened again, VIDEO_SIZE when the size changed, and a
 *     key frame of the whole picture;
 *   - a frame the encoder had no buffer for is owed, and goes out with the
 *     next step even when the screen stays still.
 * Capture thread only. */
#ifndef KYOYU_CAPTURE_DXGI_FRAMES_H
#define KYOYU_CAPTURE_DXGI_FRAMES_H

#include <stdbool.h>
#include <stdint.h>

#include <kyoyu/kyoyu.h>

#include "../common/picture-pool.h"
#include "dxgi-duplication.h"

typedef struct dxgi_frames {
	const char *monitor; /* capture.monitor */
	bool cursor_on;      /* capture.cursor */
	kyoyu_bus *bus;

	dxgi_duplication *dup; /* NULL while not sharing, or lost */
	dxgi_output output;
	picture_pool pics;
	dxgi_rect *copy_rects; /* the image's rectangles to read this frame */
	size_t copy_cap;

	kyoyu_region owed; /* changed but not posted yet */
	bool owe_key;
	bool unread; /* a new duplication: its first frame is read whole */
	bool announce; /* VIDEO_SIZE once the duplication is open */
	bool waiting_warned; /* the log said the desktop refuses for now */
	uint64_t dropped;

	/* The pointer: what was sent last, and the last shape, sent again on
	 * each start of sharing. */
	bool cursor_sent, cursor_visible;
	int32_t cursor_x, cursor_y; /* the shape's top left */
	kyoyu_buffer *shape;
	kyoyu_cursor_info shape_info;
	uint32_t serial;
} dxgi_frames;

/* What dxgi_frames_step returns besides a negative errno. */
enum {
	DXGI_FRAMES_IDLE = 0,   /* nothing new */
	DXGI_FRAMES_POSTED = 1, /* a frame went out: wait until the next may */
	DXGI_FRAMES_RETRY = 2,  /* Windows refuses the duplication for now, or
				 * took it back before its first frame: wait */
};

/* Sets F up for MONITOR; posts to BUS.  Opens nothing. */
void dxgi_frames_init(dxgi_frames *f, const char *monitor, bool cursor_on, kyoyu_bus *bus);

/* Sharing starts: the duplication is opened on the next step, whose first
 * frame goes out whole as a key frame, after VIDEO_SIZE and the pointer. */
void dxgi_frames_share(dxgi_frames *f);

/* Sharing stops: the duplication is closed (nothing is duplicated while
 * paused), the last picture kept. */
void dxgi_frames_pause(dxgi_frames *f);

/* One step: opens the duplication when it has none, waits up to
 * TIMEOUT_MS for a frame, posts what it says.  Returns DXGI_FRAMES_*, or a
 * negative errno when capture cannot go on (the log says why). */
int dxgi_frames_step(dxgi_frames *f, int timeout_ms);

void dxgi_frames_fini(dxgi_frames *f);

#endif
