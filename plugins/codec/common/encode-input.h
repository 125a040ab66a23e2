/* SPDX-License-Identifier: MIT */
/* Shared by the encoders: the checks every captured frame passes before it
 * is encoded, and the presentation clock that stamps it.  Header-only, as
 * yuv-damage.h, so each plugin module carries its own copy. */
#ifndef KYOYU_CODEC_ENCODE_INPUT_H
#define KYOYU_CODEC_ENCODE_INPUT_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include <kyoyu/bus.h>
#include <kyoyu/clock.h>
#include <kyoyu/frame.h>
#include <kyoyu/log.h>

/* The encoders convert BGRX damage into their own YUV picture (yuv-damage.h),
 * so BGRX is the one format they take: ENCODE_FORMATS initialises
 * kyoyu_codec_ops.encoder_formats, and encode_check_format refuses any other
 * FORMAT at open; CODEC ("VP9", "H.264") names the encoder in the error. */
/* Braced initialisers in macros, which clang-format takes for blocks. */
/* clang-format off */
#define ENCODE_FORMATS { KYOYU_PIXFMT_BGRX, KYOYU_PIXFMT_NONE }
/* clang-format on */

static inline int encode_check_format(const char *codec, uint32_t format)
{
	if (format == KYOYU_PIXFMT_BGRX)
		return 0;
	const char *name = kyoyu_pixfmt_name(format);
	if (name)
		kyoyu_error("%s encoder takes BGRX pictures, not %s", codec, name);
	else
		kyoyu_error("%s encoder takes BGRX pictures, not pixel format %u", codec,
			    format);
	return -ENOTSUP;
}

/* Refuses a frame that is not a picture in FORMAT (the one the encoder was
 * opened for, BGRX since encode_check_format passed) of WIDTH x HEIGHT in a
 * buffer large enough for it. */
static inline int encode_check_frame(const char *codec, uint32_t format, uint32_t width,
				     uint32_t height, const kyoyu_msg *frame)
{
	const kyoyu_frame_info *info = &frame->u.frame;

	if (info->format != format) {
		const char *got = kyoyu_pixfmt_name(info->format);
		kyoyu_error("%s encoder opened for %s pictures got one in %s", codec,
			    kyoyu_pixfmt_name(format), got ? got : "an unknown format");
		return -EINVAL;
	}
	if (info->width != width || info->height != height) {
		kyoyu_error("%s encoder opened for %ux%u got a %ux%u frame", codec, width,
			    height, info->width, info->height);
		return -EINVAL;
	}
	size_t need = (size_t)info->offset[0] +
		      (size_t)info->stride[0] * (info->height - 1) + (size_t)info->width * 4;
	if (!frame->buf || info->stride[0] < info->width * 4 ||
	    kyoyu_buffer_size(frame->buf) < need) {
		kyoyu_error("%s encoder got a frame whose buffer is smaller than its "
			    "%ux%u picture", codec, info->width, info->height);
		return -EINVAL;
	}
	return 0;
}

/* Frames at least 1 ms apart; a top-off at most 1 s after the frame before. */
#define ENCODE_MIN_GAP_US 1000
#define ENCODE_MAX_GAP_US 1000000
/* A changed picture stands for at most this long: the first change after
 * a still screen must not be given seconds of bits, which a slow link
 * then takes as long to carry (VP9's first scroll picture after 3 s of
 * stillness arrived 500-600 ms after its capture at 1 Mbit/s). */
#define ENCODE_MAX_CREDIT_US 150000

/* Zeroed before the first frame. */
typedef struct encode_clock {
	bool started;
	int64_t last_time_us, last_pts, last_wall_us;
	int64_t gap_us; /* from the frame before to this one; 0 for the first */
} encode_clock;

/* A frame's presentation time in µs from the first frame, strictly
 * increasing: it advances by the time between the captures, at most
 * ENCODE_MAX_CREDIT_US, as rate controls give a frame the bits of the time
 * since the one before.  A top-off (REFINE) repeats an old picture after
 * the screen stood still: it is placed as far after the previous frame as
 * the wall clock says it came, at most ENCODE_MAX_GAP_US. */
static inline int64_t encode_clock_next(encode_clock *c, int64_t time_us, bool refine)
{
	int64_t now = kyoyu_now_us(), gap;

	if (!c->started) {
		c->started = true;
		c->last_time_us = time_us;
		c->last_wall_us = now;
		c->last_pts = c->gap_us = 0;
		return 0;
	}
	if (refine) {
		gap = now - c->last_wall_us;
		gap = gap > ENCODE_MAX_GAP_US ? ENCODE_MAX_GAP_US : gap;
	} else {
		gap = time_us - c->last_time_us;
		gap = gap > ENCODE_MAX_CREDIT_US ? ENCODE_MAX_CREDIT_US : gap;
		c->last_time_us = time_us;
	}
	if (gap < ENCODE_MIN_GAP_US)
		gap = ENCODE_MIN_GAP_US;
	c->gap_us = gap;
	c->last_pts += gap;
	c->last_wall_us = now;
	return c->last_pts;
}

/* The time the last frame stands for, for rate control (see
 * encode_clock_next), or INTERVAL_US for the first.  Frames come when the
 * screen changes, so an encoder that plans one frame interval of bits per
 * frame spends a fraction of its bitrate: a picture 100 ms after the one
 * before may use 100 ms of the link, and a top-off the time the screen
 * stood still before it. */
static inline int64_t encode_clock_gap(const encode_clock *c, int64_t interval_us)
{
	return c->gap_us > 0 ? c->gap_us : interval_us;
}

#endif
