/* SPDX-License-Identifier: MIT */
/* Shared by the decoder plugins: a decoded YUV picture into a bus frame.
 *
 * Decoders hand the viewer's UIs either tightly packed I420 (what they
 * decode, for a UI that uploads YUV textures) or BGRX (what every UI can
 * draw); the core picks one when the decoder opens
 * (kyoyu_decoder_config.format).  Frames come from a small pool that follows
 * the picture size.
 * Header-only (static inline) so each plugin module has its own copy.
 */
#ifndef KYOYU_CODEC_FRAME_OUTPUT_H
#define KYOYU_CODEC_FRAME_OUTPUT_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include <libyuv.h>

#include <kyoyu/bus.h>
#include <kyoyu/frame.h>
#include <kyoyu/log.h>

/* Decoded pictures on their way to the UIs; a UI may hold one or two. */
#define FRAME_OUTPUT_POOL 4

/* What frame_output_convert gives, cheapest first (I420 is what the
 * decoders produce, BGRX a conversion of every pixel): initialises
 * kyoyu_codec_ops.decoder_formats. */
/* Braced initialisers in macros, which clang-format takes for blocks. */
/* clang-format off */
#define FRAME_OUTPUT_FORMATS { KYOYU_PIXFMT_I420, KYOYU_PIXFMT_BGRX, KYOYU_PIXFMT_NONE }
/* clang-format on */

typedef struct frame_output {
	uint32_t format; /* kyoyu_pixfmt: I420 or BGRX */
	kyoyu_pool *pool;
	uint32_t width, height; /* of the pool's buffers */
	uint64_t extra_buffers; /* pool exhausted: one-off buffers used */
} frame_output;

/* What a decoder produced: planes it owns until the next decode call. */
typedef struct decoded_picture {
	const uint8_t *data[3];
	int stride[3];
	uint32_t width, height;
	bool i444;       /* else 4:2:0 */
	bool full_range; /* JPEG levels (0–255) rather than video levels */
} decoded_picture;

/* Prepares OUT to give FORMAT pictures; CODEC ("VP9", "H.264") names the
 * decoder in the error.  Returns 0, or -ENOTSUP for a format not in
 * FRAME_OUTPUT_FORMATS. */
static inline int frame_output_open(frame_output *out, const char *codec, uint32_t format)
{
	if (format != KYOYU_PIXFMT_I420 && format != KYOYU_PIXFMT_BGRX) {
		const char *name = kyoyu_pixfmt_name(format);
		if (name)
			kyoyu_error("%s decoder gives I420 or BGRX pictures, not %s", codec,
				    name);
		else
			kyoyu_error("%s decoder gives I420 or BGRX pictures, not pixel "
				    "format %u", codec, format);
		return -ENOTSUP;
	}
	out->format = format;
	return 0;
}

static inline void frame_output_reset(frame_output *out)
{
	kyoyu_pool_unref(out->pool);
	out->pool = NULL;
	out->width = out->height = 0;
}

static inline kyoyu_buffer *frame_output_buffer(frame_output *out, size_t bytes,
						uint32_t width, uint32_t height)
{
	if (!out->pool || out->width != width || out->height != height) {
		frame_output_reset(out);
		out->pool = kyoyu_pool_new(bytes, FRAME_OUTPUT_POOL);
		if (!out->pool)
			return NULL;
		out->width = width;
		out->height = height;
	}
	kyoyu_buffer *buf = kyoyu_pool_acquire(out->pool);
	if (buf)
		return buf;
	/* Dropping a decoded picture would leave the operator looking at a
	 * stale screen until the next change, which may be minutes away: take
	 * a one-off buffer instead.  The bus replaces unread frames, so this
	 * only happens while a UI holds several pictures at once. */
	if (out->extra_buffers++ % 100 == 0)
		kyoyu_debug("every decoded-frame buffer is held by a UI; "
			    "using a one-off buffer (%llu so far)",
			    (unsigned long long)out->extra_buffers);
	return kyoyu_buffer_new(bytes);
}

/* Converts PIC into a new KYOYU_MSG_FRAME message in *MSG, which the caller
 * owns, at most CROP_W × CROP_H pixels (0: no crop) from the top-left.  The
 * frame carries full damage and KYOYU_FRAME_KEY when KEY.  Returns 0,
 * -EINVAL for a picture too large to lay out, or -ENOMEM. */
static inline int frame_output_convert(frame_output *out, const decoded_picture *pic,
				       uint32_t crop_w, uint32_t crop_h, bool key,
				       kyoyu_msg **msg)
{
	uint32_t w = crop_w && crop_w < pic->width ? crop_w : pic->width;
	uint32_t h = crop_h && crop_h < pic->height ? crop_h : pic->height;
	kyoyu_frame_info info;
	size_t bytes = kyoyu_frame_layout(&info, (kyoyu_pixfmt)out->format, w, h);

	*msg = NULL;
	if (!bytes)
		return -EINVAL;
	kyoyu_msg *frame = kyoyu_msg_new(KYOYU_MSG_FRAME);
	if (!frame)
		return -ENOMEM;
	kyoyu_buffer *buf = frame_output_buffer(out, bytes, w, h);
	if (!buf) {
		kyoyu_msg_unref(frame);
		return -ENOMEM;
	}
	uint8_t *dst = kyoyu_buffer_data(buf);
	const uint8_t *y = pic->data[0], *u = pic->data[1], *v = pic->data[2];
	int sy = pic->stride[0], su = pic->stride[1], sv = pic->stride[2];
	int iw = (int)w, ih = (int)h;

	if (out->format == KYOYU_PIXFMT_I420) {
		uint8_t *dy = dst, *du = dst + info.offset[1], *dv = dst + info.offset[2];
		int ds0 = (int)info.stride[0], ds1 = (int)info.stride[1];
		if (pic->i444)
			I444ToI420(y, sy, u, su, v, sv, dy, ds0, du, ds1, dv, ds1, iw, ih);
		else
			I420Copy(y, sy, u, su, v, sv, dy, ds0, du, ds1, dv, ds1, iw, ih);
	} else {
		int ds = (int)info.stride[0];
		/* libyuv's "ARGB" is B, G, R, A in memory: our BGRX. */
		if (pic->i444 && pic->full_range)
			J444ToARGB(y, sy, u, su, v, sv, dst, ds, iw, ih);
		else if (pic->i444)
			I444ToARGB(y, sy, u, su, v, sv, dst, ds, iw, ih);
		else if (pic->full_range)
			J420ToARGB(y, sy, u, su, v, sv, dst, ds, iw, ih);
		else
			I420ToARGB(y, sy, u, su, v, sv, dst, ds, iw, ih);
	}
	kyoyu_buffer_set_size(buf, bytes);
	info.flags = key ? KYOYU_FRAME_KEY : 0;
	kyoyu_region_set_full(&info.damage, iw, ih);
	frame->u.frame = info;
	frame->buf = buf;
	*msg = frame;
	return 0;
}

#endif
