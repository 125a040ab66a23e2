/* SPDX-License-Identifier: MIT */
/* The primary monitor's picture through GDI: BitBlt from the screen's DC
 * into a DIB section of this plugin's own, top-down BGRX, every pixel of it
 * each time (GDI does not say what changed).  Capture thread only. */
#ifndef KYOYU_CAPTURE_GDI_GRAB_H
#define KYOYU_CAPTURE_GDI_GRAB_H

#include <stddef.h>
#include <stdint.h>

#include <windows.h>

typedef struct gdi_grab {
	HDC screen, memory;
	HBITMAP bitmap, old_bitmap;
	uint8_t *pixels; /* the DIB section's bits, top-down BGRX */
	uint32_t width, height;
	size_t stride;
} gdi_grab;

/* The size of the primary monitor now, in pixels (0 × 0 when there is
 * none to see, as on a locked desktop). */
void gdi_grab_screen_size(uint32_t *width, uint32_t *height);

/* A grab of WIDTH × HEIGHT from the screen's top left corner.  Returns 0,
 * or -ENOMEM / -EIO with nothing to free. */
int gdi_grab_open(gdi_grab *g, uint32_t width, uint32_t height);

/* Copies the screen into G->pixels.  Returns 0, or -EIO when GDI refused
 * (a desktop switch: the secure desktop of UAC or a lock screen). */
int gdi_grab_screen(gdi_grab *g);

void gdi_grab_close(gdi_grab *g);

#endif
