/* SPDX-License-Identifier: MIT */
/* codec/x264: H.264 through x264, for screens.
 *
 * zerolatency (no lookahead, no B-frames: a frame in, its packet out),
 * constant bitrate through VBV, Annex B with SPS/PPS before every keyframe.
 * Only the damaged rectangles are converted into the persistent picture,
 * and x264's mb_info marks the other macroblocks constant so they are
 * skipped without analysis.  A top-off frame (KYOYU_FRAME_REFINE) forces a
 * low quantizer on the blocks that changed since the previous top-off; the
 * first after a changed picture is preceded by an empty picture that fills
 * x264's rate-control buffer (see encode_credit).
 *
 * H.264 4:2:0 cannot describe an odd width or height (cropping counts in
 * pairs of pixels), so such pictures are encoded one pixel larger with the
 * last column or row repeated; packets carry the true size and the decoder
 * (codec/avcodec) crops back to it.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h> /* before x264.h, which needs it */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <x264.h>

#define KYOYU_LOG_COMPONENT "codec/x264"
#include <kyoyu/kyoyu.h>

#include "../../common/cpu-count.h"
#include "../common/encode-input.h"
#include "../common/yuv-damage.h"

typedef struct x264_options {
	int preset;        /* index into preset_names */
	bool intra_refresh;
	int threads;       /* 0: one per core, at most 4 */
	int refine_qp;
	int buffer_ms;
} x264_options;

/* Top-offs of the same changed blocks, each credited the VBV buffer (the
 * encode stage stops asking once one comes out small). */
#define REFINE_PASSES 16
/* The quantizer of the empty picture before a first top-off: the highest,
 * so x264 skips every block whose reference is no coarser (see
 * encode_credit). */
#define CREDIT_QP 51

/* A packet made by a send, until received. */
typedef struct h264_output {
	kyoyu_buffer *buf;
	uint32_t flags;
	int64_t capture_us;
} h264_output;

typedef struct h264_encoder {
	x264_t *x264;
	x264_param_t param;
	x264_picture_t pic; /* the picture as of the last frame, converted */
	yuv_planes planes;
	uint32_t format;        /* kyoyu_pixfmt of the frames */
	uint32_t width, height; /* true size; the coded one is rounded up to even */
	uint32_t kbps;          /* the target */
	uint32_t scaled_kbps;   /* what x264 was last told: for this picture's gap */
	int buffer_ms;
	int cols, rows;
	uint8_t *mb_info;   /* X264_MBINFO_CONSTANT for blocks this frame keeps */
	uint8_t *unrefined; /* blocks changed since the last top-off */
	int refine_passes;  /* top-offs of the blocks in unrefined so far */
	bool force_key, draining;
	encode_clock clock;
	/* The packets of the last send, in order, until received: two after
	 * a first top-off (its empty picture, then itself), else one. */
	h264_output out[2];
	int n_out;
} h264_encoder;

typedef struct x264_plugin {
	x264_options opt;
	h264_encoder *enc;
} x264_plugin;

/* x264's own preset names, fastest first. */
static const char *const preset_names[] = {"ultrafast", "superfast", "veryfast",
					   "faster", "fast", "medium", NULL};

static const kyoyu_option options[] = {
	KYOYU_OPTION_ENUM("preset", x264_plugin, opt.preset, 1, preset_names,
			  "x264 speed preset; superfast measured best for screens: "
			  "ultrafast loses 3.7 dB for 5 % less CPU, veryfast gains "
			  "0.2 dB for 15 % more (bench/README.md)"),
	KYOYU_OPTION_BOOL("intra_refresh", x264_plugin, opt.intra_refresh, 0,
			  "refresh the picture with a column of intra blocks sweeping "
			  "across it every two seconds' worth of frames, so a decoder "
			  "that missed packets heals without a keyframe (kyoyu's own "
			  "viewer still asks for one; requested keyframes stay IDR)"),
	KYOYU_OPTION_INT("threads", x264_plugin, opt.threads, 0, 0, 16,
			 "encoder threads (slices); 0: one per core, at most 4"),
	KYOYU_OPTION_INT("refine_qp", x264_plugin, opt.refine_qp, 20, 0, 51,
			 "quantizer of the still-screen top-off (0-51, lower is sharper)"),
	KYOYU_OPTION_INT("buffer_ms", x264_plugin, opt.buffer_ms, 600, 100, 10000,
			 "rate-control (VBV) buffer: how far a burst may run ahead of "
			 "the bitrate"),
	KYOYU_OPTION_END,
};

static void log_x264(void *opaque, int level, const char *fmt, va_list ap)
{
	char line[512];

	vsnprintf(line, sizeof(line), fmt, ap);
	line[strcspn(line, "\n")] = '\0';
	if (level <= X264_LOG_ERROR)
		kyoyu_error("x264: %s", line);
	else if (level == X264_LOG_WARNING)
		kyoyu_warn("x264: %s", line);
	else
		kyoyu_debug("x264: %s", line);
}

static int threads_for(int threads)
{
	long cores = kyoyu_plugin_cpu_count();

	if (threads > 0)
		return threads;
	return cores < 1 ? 1 : cores > 4 ? 4 : (int)cores;
}

static void encoder_free(h264_encoder *enc)
{
	if (!enc)
		return;
	if (enc->x264)
		x264_encoder_close(enc->x264);
	x264_picture_clean(&enc->pic);
	for (int i = 0; i < enc->n_out; i++)
		kyoyu_buffer_unref(enc->out[i].buf);
	free(enc->mb_info);
	free(enc->unrefined);
	free(enc);
}

static int fill_param(x264_param_t *p, const x264_options *opt,
		      const kyoyu_encoder_config *config)
{
	if (x264_param_default_preset(p, preset_names[opt->preset], "zerolatency") < 0) {
		kyoyu_error("x264 does not know preset \"%s\"", preset_names[opt->preset]);
		return -EINVAL;
	}
	p->pf_log = log_x264;
	p->i_log_level = X264_LOG_WARNING;
	p->i_csp = X264_CSP_I420;
	p->i_width = (int)((config->width + 1) & ~1u);
	p->i_height = (int)((config->height + 1) & ~1u);
	p->i_threads = threads_for(opt->threads);
	p->i_fps_num = config->fps ? config->fps : 30;
	p->i_fps_den = 1;
	/* Frames come only when the screen changes.  x264 plans one frame
	 * interval of bits per frame, so before each frame its bitrate is set
	 * to what the link carries in the time since the frame before (see
	 * scale_rate).  Its timestamp-driven rate control (b_vfr_input) would
	 * do that itself, but holds every frame back until the next one
	 * arrives. */
	p->b_vfr_input = 0;
	p->i_timebase_num = 1;
	p->i_timebase_den = 1000000;
	p->rc.i_rc_method = X264_RC_ABR;
	p->rc.i_bitrate = (int)config->bitrate_kbps;
	p->rc.i_vbv_max_bitrate = (int)config->bitrate_kbps;
	p->rc.i_vbv_buffer_size = (int)config->bitrate_kbps * opt->buffer_ms / 1000;
	p->rc.f_vbv_buffer_init = 0.5f;
	p->b_intra_refresh = opt->intra_refresh;
	p->i_keyint_max = opt->intra_refresh ? 2 * p->i_fps_num : X264_KEYINT_MAX_INFINITE;
	p->b_repeat_headers = 1;
	p->b_annexb = 1;
	p->analyse.b_mb_info = 1;
	/* BT.601 video levels: what libyuv's conversions produce. */
	p->vui.i_colorprim = 6;
	p->vui.i_transfer = 6;
	p->vui.i_colmatrix = 6;
	p->vui.b_fullrange = 0;
	return 0;
}

static int encoder_open(const x264_options *opt, const kyoyu_encoder_config *config,
			h264_encoder **out)
{
	h264_encoder *enc;
	int ret;

	*out = NULL;
	if (config->codec != KYOYU_CODEC_H264)
		return -ENOTSUP;
	if (encode_check_format("H.264", config->format))
		return -ENOTSUP;
	if (config->width == 0 || config->height == 0 || config->width > 16384 ||
	    config->height > 16384) {
		kyoyu_error("H.264 cannot encode a %ux%u picture (1 to 16384 pixels a side)",
			    config->width, config->height);
		return -EINVAL;
	}
	if (!(enc = calloc(1, sizeof(*enc))))
		return -ENOMEM;
	x264_picture_init(&enc->pic);
	if ((ret = fill_param(&enc->param, opt, config)))
		goto out_free;
	enc->format = config->format;
	enc->width = config->width;
	enc->height = config->height;
	enc->kbps = enc->scaled_kbps = config->bitrate_kbps;
	enc->buffer_ms = opt->buffer_ms;
	enc->force_key = true;
	enc->cols = mb_cols(enc->param.i_width);
	enc->rows = mb_rows(enc->param.i_height);
	enc->mb_info = calloc((size_t)enc->cols * (size_t)enc->rows, 1);
	enc->unrefined = calloc((size_t)enc->cols * (size_t)enc->rows, 1);
	ret = -ENOMEM;
	if (!enc->mb_info || !enc->unrefined ||
	    x264_picture_alloc(&enc->pic, X264_CSP_I420, enc->param.i_width,
			       enc->param.i_height) < 0)
		goto out_free;
	for (int p = 0; p < 3; p++) {
		enc->planes.data[p] = enc->pic.img.plane[p];
		enc->planes.stride[p] = enc->pic.img.i_stride[p];
	}
	enc->x264 = x264_encoder_open(&enc->param);
	if (!enc->x264) {
		kyoyu_error("x264 could not open a %ux%u encoder at %u kbit/s (see its "
			    "message above)", config->width, config->height,
			    config->bitrate_kbps);
		ret = -EINVAL;
		goto out_free;
	}
	kyoyu_debug("x264 %s, %d threads, %dx%d coded, VBV %d kbit", preset_names[opt->preset],
		    enc->param.i_threads, enc->param.i_width, enc->param.i_height,
		    enc->param.rc.i_vbv_buffer_size);
	*out = enc;
	return 0;

out_free:
	encoder_free(enc);
	return ret;
}

/* Repeats the last column and row into the padding of an odd-sized picture
 * for the rows and columns R touches. */
static void pad_edges(h264_encoder *enc, kyoyu_rect r)
{
	uint8_t *y = enc->planes.data[0];
	int stride = enc->planes.stride[0], w = (int)enc->width, h = (int)enc->height;

	if (w & 1 && r.x + r.w == w)
		for (int row = r.y; row < r.y + r.h; row++)
			y[(size_t)row * (size_t)stride + (size_t)w] =
				y[(size_t)row * (size_t)stride + (size_t)w - 1];
	if (h & 1 && r.y + r.h == h)
		memcpy(y + (size_t)h * (size_t)stride, y + (size_t)(h - 1) * (size_t)stride,
		       (size_t)enc->param.i_width);
}

static void convert(h264_encoder *enc, const uint8_t *src, int stride,
		    const kyoyu_region *damage)
{
	kyoyu_region clipped = *damage;
	int w = (int)enc->width, h = (int)enc->height;

	kyoyu_region_clip(&clipped, w, h);
	for (uint32_t i = 0; i < clipped.n; i++) {
		yuv_convert_rect(&enc->planes, src, stride, w, h, clipped.rects[i]);
		pad_edges(enc, clipped.rects[i]);
	}
}

/* Runs x264 on PIC (NULL drains) and keeps what it returns for receive. */
static int run_x264(h264_encoder *enc, x264_picture_t *pic, uint32_t flags,
		    int64_t capture_us)
{
	x264_nal_t *nals;
	int n_nals;
	x264_picture_t pic_out;

	int size = x264_encoder_encode(enc->x264, &nals, &n_nals, pic, &pic_out);
	if (size < 0) {
		kyoyu_error("x264 failed to encode a %ux%u frame", enc->width, enc->height);
		return -EIO;
	}
	if (size == 0)
		return 0;
	h264_output *out = &enc->out[enc->n_out];
	/* x264 guarantees the payloads of one call are contiguous. */
	out->buf = kyoyu_buffer_new_copy(nals[0].p_payload, (size_t)size);
	if (!out->buf)
		return -ENOMEM;
	/* With intra refresh x264 also calls the first frame of each refresh
	 * wave a keyframe; a decoder cannot start there, so only IDR counts. */
	out->flags = flags | (pic_out.i_type == X264_TYPE_IDR ? KYOYU_PACKET_KEYFRAME : 0);
	out->capture_us = capture_us;
	enc->n_out++;
	return 0;
}

/* Applies a rate of RATE_KBPS per frame interval, with the VBV buffer of
 * the target KBPS, from the next frame on. */
static int set_rate(h264_encoder *enc, uint32_t rate_kbps, uint32_t kbps)
{
	x264_param_t p;

	x264_encoder_parameters(enc->x264, &p);
	p.rc.i_bitrate = (int)rate_kbps;
	p.rc.i_vbv_max_bitrate = (int)rate_kbps;
	p.rc.i_vbv_buffer_size = (int)((int64_t)kbps * enc->buffer_ms / 1000);
	if (x264_encoder_reconfig(enc->x264, &p) < 0) {
		kyoyu_error("x264 refused a bitrate of %u kbit/s", rate_kbps);
		return -EINVAL;
	}
	enc->scaled_kbps = rate_kbps;
	return 0;
}

/* Gives the next frame the bits of the time since the frame before, or of
 * MIN_GAP_US if longer: x264 (b_vfr_input off) plans bitrate / fps a frame,
 * and fills its VBV buffer by vbv_max_bitrate / fps after it, so both are
 * scaled by gap × fps.  The buffer keeps its size: no frame uses more than
 * buffer_ms of the target.  A top-off comes after the screen stood still
 * and nothing else uses the link: it is credited the whole buffer, which
 * makes x264 plan it to fill what its buffer holds (a "single-frame
 * VBV"). */
static int scale_rate(h264_encoder *enc, int64_t min_gap_us)
{
	int64_t interval = 1000000 / enc->param.i_fps_num;
	int64_t gap = encode_clock_gap(&enc->clock, interval);
	if (gap < min_gap_us)
		gap = min_gap_us;
	uint32_t kbps = (uint32_t)((int64_t)enc->kbps * gap / interval);

	if (kbps < 1)
		kbps = 1;
	/* Within 5 %: not worth a reconfiguration. */
	if (kbps * 20 >= enc->scaled_kbps * 19 && kbps * 20 <= enc->scaled_kbps * 21)
		return 0;
	return set_rate(enc, kbps, enc->kbps);
}

/* Encodes the still picture once more as a P frame at quantizer QP, with
 * the blocks mb_info marks constant skipped, credited MIN_GAP_US or the
 * time since the frame before if longer: a top-off, or the empty picture
 * before the first. */
static int encode_still(h264_encoder *enc, int qp, int64_t min_gap_us, int64_t time_us)
{
	enc->pic.i_type = X264_TYPE_P;
	enc->pic.i_qpplus1 = qp + 1;
	enc->pic.i_pts = encode_clock_next(&enc->clock, time_us, true);
	int ret = scale_rate(enc, min_gap_us);
	if (ret == 0)
		ret = run_x264(enc, &enc->pic, KYOYU_PACKET_REFINE, time_us);
	return ret;
}

/* x264 adds a frame's bits to its VBV buffer after the frame, at the rate
 * that frame was given: a top-off right after a changed picture finds only
 * what the pictures before left, however long the screen stood still
 * (after the last scroll of bench/e2e's file scene at 1 Mbit/s: 5-9 KB of a
 * 47-58 KB buffer, where the top-offs after it made 31-39 KB).  So the
 * first top-off is preceded by an empty picture, every block constant at
 * CREDIT_QP, given 90 % of the buffer: it fills the buffer for the top-off
 * that follows.  It is 29-81 bytes at 1 Mbit/s; 1.5-2 KB at 100-150 kbit/s,
 * where x264 analyses the blocks its deblocking touched in the reference
 * instead of skipping them.  Not the whole buffer: given that, x264 plans
 * a frame to fill it and lowered the quantizer to do so (an 11 KB empty
 * picture at 300 kbit/s). */
static int encode_credit(h264_encoder *enc, int64_t time_us)
{
	memset(enc->mb_info, X264_MBINFO_CONSTANT, (size_t)enc->cols * (size_t)enc->rows);
	return encode_still(enc, CREDIT_QP, (int64_t)enc->buffer_ms * 900, time_us);
}

/* A top-off: the blocks changed since the previous one, at the forced
 * quantizer refine_qp; the rest are marked constant and skipped.  x264's
 * VBV raises the quantizer row by row when a frame outgrows what its
 * buffer holds; scale_rate credits the buffer with the time the screen
 * stood still, up to buffer_ms of the target. */
static int encode_refine(h264_encoder *enc, const x264_options *opt, int64_t time_us)
{
	size_t blocks = (size_t)enc->cols * (size_t)enc->rows;

	if (enc->refine_passes == 0) {
		int ret = encode_credit(enc, time_us);
		if (ret)
			return ret;
	}
	for (size_t i = 0; i < blocks; i++)
		enc->mb_info[i] = enc->unrefined[i] ? 0 : X264_MBINFO_CONSTANT;
	int ret = encode_still(enc, opt->refine_qp, (int64_t)enc->buffer_ms * 1000, time_us);
	/* The VBV may have held a top-off above refine_qp: the next ones
	 * refine the same blocks again (those already sharp cost next to
	 * nothing), up to REFINE_PASSES. */
	if (ret == 0 && ++enc->refine_passes >= REFINE_PASSES)
		memset(enc->unrefined, 0, blocks);
	return ret;
}

static int encoder_send(h264_encoder *enc, const x264_options *opt,
			const kyoyu_msg *frame)
{
	if (enc->n_out)
		return -EAGAIN;
	if (!frame) {
		enc->draining = true;
		return 0;
	}
	if (enc->draining)
		return -EINVAL;
	int ret = encode_check_frame("H.264", enc->format, enc->width, enc->height,
				     frame);
	if (ret)
		return ret;

	const kyoyu_frame_info *info = &frame->u.frame;
	const uint8_t *src = (const uint8_t *)kyoyu_buffer_data(frame->buf) + info->offset[0];
	size_t blocks = (size_t)enc->cols * (size_t)enc->rows;
	bool key = enc->force_key || (info->flags & KYOYU_FRAME_KEY);

	enc->pic.prop.mb_info = enc->mb_info;
	enc->pic.prop.mb_info_free = NULL;
	if (!key && (info->flags & KYOYU_FRAME_REFINE)) {
		/* The picture is the one last encoded: nothing to convert. */
		return encode_refine(enc, opt, frame->time_us);
	}
	enc->refine_passes = 0;
	enc->pic.i_type = key ? X264_TYPE_IDR : X264_TYPE_AUTO;
	enc->pic.i_qpplus1 = X264_QP_AUTO;
	if (key) {
		kyoyu_region all;
		kyoyu_region_set_full(&all, (int)enc->width, (int)enc->height);
		convert(enc, src, (int)info->stride[0], &all);
		memset(enc->unrefined, 1, blocks);
		enc->pic.prop.mb_info = NULL;
	} else {
		convert(enc, src, (int)info->stride[0], &info->damage);
		memset(enc->mb_info, X264_MBINFO_CONSTANT, blocks);
		mb_map_mark_region(enc->mb_info, enc->cols, enc->rows, &info->damage, 0);
		mb_map_mark_region(enc->unrefined, enc->cols, enc->rows, &info->damage, 1);
	}
	enc->pic.i_pts = encode_clock_next(&enc->clock, frame->time_us, false);
	ret = scale_rate(enc, 0);
	if (ret == 0)
		ret = run_x264(enc, &enc->pic, 0, frame->time_us);
	if (ret)
		return ret;
	enc->force_key = false;
	return 0;
}

static int encoder_receive(h264_encoder *enc, kyoyu_msg **packet)
{
	*packet = NULL;
	/* zerolatency keeps nothing back, but drain what x264 says it has. */
	if (!enc->n_out && enc->draining && x264_encoder_delayed_frames(enc->x264) > 0) {
		int ret = run_x264(enc, NULL, 0, 0);
		if (ret)
			return ret;
	}
	if (!enc->n_out)
		return enc->draining ? KYOYU_EOF : -EAGAIN;
	kyoyu_msg *msg = kyoyu_msg_new(KYOYU_MSG_PACKET);
	if (!msg)
		return -ENOMEM; /* the packet stays for the next call */
	h264_output *out = &enc->out[0];
	msg->buf = out->buf;
	msg->time_us = out->capture_us;
	msg->u.packet = (kyoyu_packet_info){
		.codec = KYOYU_CODEC_H264,
		.flags = out->flags,
		.width = enc->width,
		.height = enc->height,
		.capture_us = out->capture_us,
	};
	if (--enc->n_out)
		enc->out[0] = enc->out[1];
	*packet = msg;
	return 0;
}

static int encoder_set_bitrate(h264_encoder *enc, uint32_t kbps)
{
	int ret = set_rate(enc, kbps, kbps);

	if (ret == 0) {
		enc->kbps = kbps;
		kyoyu_debug("H.264 bitrate now %u kbit/s", kbps);
	}
	return ret;
}

/* ---- the plugin --------------------------------------------------------- */

static int plugin_init(void *priv, const kyoyu_host *host)
{
	return KYOYU_OK;
}

static void plugin_close(void *priv)
{
	x264_plugin *p = priv;

	encoder_free(p->enc);
	p->enc = NULL;
}

static int plugin_open(void *priv, const kyoyu_encoder_config *config)
{
	x264_plugin *p = priv;

	plugin_close(p);
	return encoder_open(&p->opt, config, &p->enc);
}

static int plugin_send_frame(void *priv, const kyoyu_msg *frame)
{
	x264_plugin *p = priv;

	return p->enc ? encoder_send(p->enc, &p->opt, frame) : -EINVAL;
}

static int plugin_receive_packet(void *priv, kyoyu_msg **packet)
{
	x264_plugin *p = priv;

	return p->enc ? encoder_receive(p->enc, packet) : -EINVAL;
}

static int plugin_request_keyframe(void *priv)
{
	x264_plugin *p = priv;

	if (!p->enc)
		return -EINVAL;
	p->enc->force_key = true;
	return 0;
}

static int plugin_set_bitrate(void *priv, uint32_t kbps)
{
	x264_plugin *p = priv;

	return p->enc ? encoder_set_bitrate(p->enc, kbps) : -EINVAL;
}

static void plugin_fini(void *priv)
{
	plugin_close(priv);
}

static const kyoyu_codec_desc h264_only[] = {
	KYOYU_CODEC_DESC(KYOYU_CODEC_H264, "h264"),
	KYOYU_CODEC_DESC_END,
};

static const uint32_t encoder_formats[] = ENCODE_FORMATS;

static const kyoyu_codec_ops ops = {
	.size = sizeof(kyoyu_codec_ops),
	.encodes = h264_only,
	.encoder_formats = encoder_formats,
	.encoder_open = plugin_open,
	.send_frame = plugin_send_frame,
	.receive_packet = plugin_receive_packet,
	.request_keyframe = plugin_request_keyframe,
	.set_bitrate = plugin_set_bitrate,
	.close = plugin_close,
};

static const kyoyu_plugin_descriptor descriptor = {
	KYOYU_PLUGIN_HEADER,
	.kind = KYOYU_KIND_CODEC,
	.name = "x264",
	.version = PACKAGE_VERSION,
	.license = "MIT",
	.description = "H.264 encoder (x264) for screens: zerolatency CBR, "
		       "damage-only conversion, skipped still blocks, top-off",
	.priv_size = sizeof(x264_plugin),
	.options = options,
	.init = plugin_init,
	.fini = plugin_fini,
	.ops = &ops,
};

KYOYU_PLUGIN_DEFINE(kyoyu_codec_x264, descriptor)
