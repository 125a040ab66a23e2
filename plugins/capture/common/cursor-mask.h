/* SPDX-License-Identifier: MIT */
/* Shared by the Windows captures (capture/gdi, capture/dxgi): one pixel of
 * a monochrome pointer, from its AND and XOR mask bits, as the straight-
 * alpha BGRA a CURSOR message carries (a little-endian 0xAARRGGBB).
 *
 * AND clear paints XOR's colour (black or white); AND set keeps the screen
 * (XOR clear: transparent) or inverts it (XOR set), which a picture of the
 * pointer cannot show: that part is drawn black, so an I-beam over a white
 * page still reads. */
#ifndef KYOYU_CAPTURE_CURSOR_MASK_H
#define KYOYU_CAPTURE_CURSOR_MASK_H

#include <stdbool.h>
#include <stdint.h>

static inline uint32_t cursor_mask_pixel(bool and_bit, bool xor_bit)
{
	if (and_bit)
		return xor_bit ? 0xff000000u : 0;
	return xor_bit ? 0xffffffffu : 0xff000000u;
}

#endif
