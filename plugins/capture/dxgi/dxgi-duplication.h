/* SPDX-License-Identifier: MIT */
/* One monitor's DXGI Desktop Duplication, as capture/dxgi's logic sees it:
 * open it, wait for a frame, read its metadata and pixels, let it go.
 * dxgi-duplication.c implements it with D3D11 and IDXGIOutputDuplication;
 * the unit tests give a fake of their own (tests/unit/fake-duplication.c),
 * so that everything above this header (dxgi-frames.c) runs on Linux too.
 * No windows.h here for that reason.  Capture thread only, apart from the
 * probe in the plugin's init (open and close on the core's main thread). */
#ifndef KYOYU_CAPTURE_DXGI_DUPLICATION_H
#define KYOYU_CAPTURE_DXGI_DUPLICATION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dxgi-damage.h"

typedef struct dxgi_duplication dxgi_duplication;

/* The monitor a duplication shows. */
typedef struct dxgi_output {
	char name[64];          /* Windows' name for it, "\\.\DISPLAY1", UTF-8 */
	int32_t x, y;           /* its top left in the desktop's coordinates */
	uint32_t width, height; /* the picture as the person sees it (rotated) */
	int rotation;           /* DXGI_DAMAGE_ROTATION_* */
} dxgi_output;

/* What one acquired frame says; the arrays stay valid until release. */
typedef struct dxgi_frame {
	bool picture;   /* the desktop image changed (LastPresentTime != 0) */
	bool rects_lost; /* it changed, but its rectangles could not be read */
	const dxgi_rect *dirty; /* in the unrotated desktop image */
	size_t n_dirty;
	const dxgi_move *moves;
	size_t n_moves;
	bool pointer_moved; /* LastMouseUpdateTime != 0: the fields below count */
	bool pointer_visible;
	int32_t pointer_x, pointer_y; /* the shape's top left on the monitor */
	bool pointer_shape;           /* a new shape: dxgi_duplication_pointer_shape */
} dxgi_frame;

/* DXGI_OUTDUPL_POINTER_SHAPE_TYPE's values. */
enum {
	DXGI_POINTER_MONOCHROME = 1,
	DXGI_POINTER_COLOR = 2,
	DXGI_POINTER_MASKED_COLOR = 4,
};

typedef struct dxgi_pointer_shape {
	uint32_t type; /* DXGI_POINTER_* */
	uint32_t width, height; /* MONOCHROME: height counts the AND and XOR halves */
	uint32_t pitch;
	uint32_t hot_x, hot_y;
	const uint8_t *bits; /* valid until release */
} dxgi_pointer_shape;

/* What acquire returns besides a negative errno. */
enum {
	DXGI_ACQUIRED = 0,
	DXGI_NOTHING_NEW = 1, /* DXGI_ERROR_WAIT_TIMEOUT: nothing to release */
	DXGI_ACCESS_LOST = 2, /* DXGI_ERROR_ACCESS_LOST: close and open again */
};

/* Duplicates MONITOR ("primary", or a name such as "\\.\DISPLAY2" or
 * "DISPLAY2") and fills OUTPUT.  Returns 0; -ENODEV when there is no such
 * monitor (WHY lists those there are); -EAGAIN when Windows refuses for now
 * (a desktop switch: the secure desktop of UAC, the lock screen);
 * -ENOTSUP when duplication is not available here (WHY names the call and
 * its HRESULT).  WHY is set on every error. */
int dxgi_duplication_open(const char *monitor, dxgi_duplication **out, dxgi_output *output,
			  char *why, size_t whylen);

/* Waits up to TIMEOUT_MS for the screen or the pointer to change.  Returns
 * DXGI_ACQUIRED with FRAME filled (call dxgi_duplication_release),
 * DXGI_NOTHING_NEW, DXGI_ACCESS_LOST, or a negative errno with WHY set. */
int dxgi_duplication_acquire(dxgi_duplication *d, int timeout_ms, dxgi_frame *frame,
			     char *why, size_t whylen);

/* The acquired image's pixels: the N rectangles (all of it when N is 0)
 * brought into memory the CPU reads, mapped once.  PIXELS: the unrotated
 * image, BGRX, STRIDE bytes a row, valid until unmap.  Returns 0; -EPROTO
 * when the image is not of the size or format the duplication promised
 * (opening again would not help); another negative errno when it cannot be
 * read now (a removed device: open again).  WHY is set on every error. */
int dxgi_duplication_map(dxgi_duplication *d, const dxgi_rect *rects, size_t n,
			 const uint8_t **pixels, size_t *stride, char *why, size_t whylen);
void dxgi_duplication_unmap(dxgi_duplication *d);

/* The new pointer shape of the acquired frame.  Returns 0 or a negative
 * errno. */
int dxgi_duplication_pointer_shape(dxgi_duplication *d, dxgi_pointer_shape *shape);

/* Lets the acquired frame go (ReleaseFrame). */
void dxgi_duplication_release(dxgi_duplication *d);

void dxgi_duplication_close(dxgi_duplication *d);

#endif
