/* SPDX-License-Identifier: MIT */
/* Picture layouts and FourCCs. */
#include "config.h"

#include <string.h>

#include <kyoyu/frame.h>

/* Beyond any real monitor; keeps every size computation far from overflow. */
#define MAX_SIDE 16384

size_t kyoyu_frame_layout(kyoyu_frame_info *info, kyoyu_pixfmt format,
			  uint32_t width, uint32_t height)
{
	if (width == 0 || height == 0 || width > MAX_SIDE || height > MAX_SIDE)
		return 0;
	memset(info, 0, sizeof(*info));
	info->format = format;
	info->width = width;
	info->height = height;
	uint32_t cw = (width + 1) / 2, ch = (height + 1) / 2;
	switch (format) {
	case KYOYU_PIXFMT_BGRX:
		info->stride[0] = width * 4;
		return (size_t)info->stride[0] * height;
	case KYOYU_PIXFMT_I420:
		info->stride[0] = width;
		info->stride[1] = info->stride[2] = cw;
		info->offset[1] = width * height;
		info->offset[2] = info->offset[1] + cw * ch;
		return (size_t)info->offset[2] + (size_t)cw * ch;
	case KYOYU_PIXFMT_I444:
		info->stride[0] = info->stride[1] = info->stride[2] = width;
		info->offset[1] = width * height;
		info->offset[2] = 2 * width * height;
		return (size_t)3 * width * height;
	default:
		memset(info, 0, sizeof(*info));
		return 0;
	}
}

void kyoyu_frame_merge_damage(kyoyu_frame_info *newer, const kyoyu_frame_info *older)
{
	if (older->width == newer->width && older->height == newer->height)
		kyoyu_region_union(&newer->damage, &older->damage);
	else
		kyoyu_region_set_full(&newer->damage, (int32_t)newer->width,
				      (int32_t)newer->height);
	newer->flags |= older->flags & KYOYU_FRAME_KEY;
}

const char *kyoyu_pixfmt_name(uint32_t format)
{
	switch (format) {
	case KYOYU_PIXFMT_BGRX:
		return "bgrx";
	case KYOYU_PIXFMT_I420:
		return "i420";
	case KYOYU_PIXFMT_I444:
		return "i444";
	default:
		return NULL;
	}
}

char *kyoyu_fourcc_text(uint32_t fourcc, char text[5])
{
	for (int i = 0; i < 4; i++) {
		unsigned char c = (unsigned char)(fourcc >> (8 * i));
		text[i] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	text[4] = '\0';
	return text;
}
