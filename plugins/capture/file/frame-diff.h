/* capture/file: damage rectangles from the difference of two pictures. */
#ifndef KYOYU_CAPTURE_FILE_FRAME_DIFF_H
#define KYOYU_CAPTURE_FILE_FRAME_DIFF_H

#include <stddef.h>
#include <stdint.h>

#include <kyoyu/frame.h>

/* Adds to DAMAGE rectangles covering every pixel where CUR differs from
 * PREV (both WIDTH × HEIGHT, BGRX; the unused X byte is compared too).
 * Each rectangle is the bounding box of changed pixels: every edge touches
 * one.  Rows are compared whole first, so a still screen costs one memcmp
 * per row. */
void capture_file_diff(const uint8_t *prev, size_t prev_stride, const uint8_t *cur,
		       size_t cur_stride, uint32_t width, uint32_t height,
		       kyoyu_region *damage);

#endif
