/* Picture layouts and codec names. */
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

static const char *const codec_names[] = {
	[KYOYU_CODEC_VP8] = "vp8",
	[KYOYU_CODEC_VP9] = "vp9",
	[KYOYU_CODEC_H264] = "h264",
};

const char *kyoyu_codec_name(uint32_t codec)
{
	if (codec >= sizeof(codec_names) / sizeof(codec_names[0]))
		return NULL;
	return codec_names[codec];
}

uint32_t kyoyu_codec_from_name(const char *name)
{
	for (uint32_t i = 1; i < sizeof(codec_names) / sizeof(codec_names[0]); i++)
		if (name && codec_names[i] && strcmp(codec_names[i], name) == 0)
			return i;
	return KYOYU_CODEC_NONE;
}
