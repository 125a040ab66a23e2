/* SPDX-License-Identifier: MIT */
/* capture/dxgi's first piece (the plugin is to come): the damage of one
 * DXGI Desktop Duplication frame from its metadata, a pure function so that
 * it is tested everywhere (tests/unit/test-dxgi-damage.c), Windows or not.
 *
 * IDXGIOutputDuplication gives, per frame, dirty rectangles
 * (GetFrameDirtyRects) and move rectangles (GetFrameMoveRects: a source
 * point and a destination rectangle), both in the acquired desktop image,
 * which is not rotated; the monitor shows it turned by the duplication's
 * Rotation.  What changed on the screen is every dirty rectangle and every
 * move's destination; the place a move left is among the dirty rectangles
 * (Windows reports what a move uncovers as dirty: a consumer applies the
 * moves, then the dirty rectangles).  The types mirror Windows' RECT and
 * DXGI_OUTDUPL_MOVE_RECT field for field, without windows.h. */
#ifndef KYOYU_CAPTURE_DXGI_DAMAGE_H
#define KYOYU_CAPTURE_DXGI_DAMAGE_H

#include <stddef.h>
#include <stdint.h>

#include <kyoyu/frame.h>

typedef struct dxgi_rect {
	int32_t left, top, right, bottom; /* RECT: right and bottom excluded */
} dxgi_rect;

typedef struct dxgi_move {
	int32_t source_x, source_y; /* SourcePoint */
	dxgi_rect destination;
} dxgi_move;

/* DXGI_MODE_ROTATION's values: the monitor shows the image turned
 * clockwise by this much. */
enum {
	DXGI_DAMAGE_ROTATION_UNSPECIFIED = 0,
	DXGI_DAMAGE_ROTATION_IDENTITY = 1,
	DXGI_DAMAGE_ROTATION_90 = 2,
	DXGI_DAMAGE_ROTATION_180 = 3,
	DXGI_DAMAGE_ROTATION_270 = 4,
};

/* Sets DAMAGE to the frame's N_DIRTY dirty and N_MOVES move rectangles,
 * turned by ROTATION into the WIDTH × HEIGHT picture the person sees (for
 * 90 and 270 the image is HEIGHT wide and WIDTH high) and clipped to it.
 * More than KYOYU_REGION_MAX_RECTS rectangles merge (kyoyu_region_add).
 * Returns how many rectangles were not wholly inside the image (clipped,
 * or dropped when empty or upside down: Windows' metadata is not trusted
 * blindly), or -EINVAL for a rotation DXGI does not have (DAMAGE is then
 * the whole picture). */
int dxgi_damage_from_frame(const dxgi_rect *dirty, size_t n_dirty, const dxgi_move *moves,
			   size_t n_moves, int rotation, uint32_t width, uint32_t height,
			   kyoyu_region *damage);

#endif
