/* SPDX-License-Identifier: MIT */
/* codec/vpx: a libvpx picture scaled to another size, for the motion the
 * encoder codes at half size and the decoder shows at full size again. */
#ifndef KYOYU_CODEC_VPX_SCALE_H
#define KYOYU_CODEC_VPX_SCALE_H

#include <libyuv.h>
#include <vpx/vpx_image.h>

/* Scales SRC into DST (DST's size; both I420 or both I444) with libyuv's
 * FILTER.  Returns 0, or -1 when the formats differ or libyuv refuses. */
static inline int codec_vpx_scale(const vpx_image_t *src, vpx_image_t *dst,
				  enum FilterMode filter)
{
	const uint8_t *const *from = (const uint8_t *const *)src->planes;
	uint8_t *const *to = dst->planes;
	int sw = (int)src->d_w, sh = (int)src->d_h, dw = (int)dst->d_w, dh = (int)dst->d_h;

	if (src->fmt != dst->fmt)
		return -1;
	if (src->fmt == VPX_IMG_FMT_I420)
		return I420Scale(from[0], src->stride[0], from[1], src->stride[1], from[2],
				 src->stride[2], sw, sh, to[0], dst->stride[0], to[1],
				 dst->stride[1], to[2], dst->stride[2], dw, dh, filter) ? -1 : 0;
	if (src->fmt == VPX_IMG_FMT_I444)
		return I444Scale(from[0], src->stride[0], from[1], src->stride[1], from[2],
				 src->stride[2], sw, sh, to[0], dst->stride[0], to[1],
				 dst->stride[1], to[2], dst->stride[2], dw, dh, filter) ? -1 : 0;
	return -1;
}

#endif
