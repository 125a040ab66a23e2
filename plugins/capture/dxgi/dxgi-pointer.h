/* SPDX-License-Identifier: MIT */
/* A Desktop Duplication pointer shape as the straight-alpha BGRA a CURSOR
 * message carries.  Pure, so that it is tested on Linux too. */
#ifndef KYOYU_CAPTURE_DXGI_POINTER_H
#define KYOYU_CAPTURE_DXGI_POINTER_H

#include <kyoyu/kyoyu.h>

#include "dxgi-duplication.h"

/* What the wire carries at most. */
#define DXGI_POINTER_MAX_SIDE 256

/* A new buffer with SHAPE's pixels, its size and hot spot in INFO (the
 * rest of INFO untouched); NULL when the shape is of an unknown type, too
 * large or its pitch too short, or there is no memory.
 *   COLOR: BGRA with straight alpha, taken as it is.
 *   MASKED_COLOR: an alpha byte of 0 paints the colour; 0xff XORs it
 *     with the screen: transparent for black, else drawn black.
 *   MONOCHROME: 1 bit a pixel, the AND rows over the XOR rows
 *     (plugins/capture/common/cursor-mask.h). */
kyoyu_buffer *dxgi_pointer_to_bgra(const dxgi_pointer_shape *shape, kyoyu_cursor_info *info);

#endif
