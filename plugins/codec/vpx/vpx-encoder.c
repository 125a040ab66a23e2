/* SPDX-License-Identifier: MIT */
/* codec/vpx: the VP8/VP9 encoder, tuned for screens.
 *
 * The picture libvpx encodes is kept between frames and only the damaged
 * rectangles are converted into it; an active map tells libvpx which 16×16
 * blocks changed, so the rest are coded as skipped at almost no cost.  A
 * top-off frame (KYOYU_FRAME_REFINE) re-encodes, at a low quantizer ceiling,
 * only the blocks that changed since the previous top-off, and makes no
 * packet when none did.  Asked to
 * (codec.halve_when_behind), when the PC cannot keep up with a large
 * change VP9 codes the rest of that motion at half width and height
 * (HALF_MIN_WIDTH).
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <vpx/vp8cx.h>
#include <vpx/vpx_encoder.h>

#define KYOYU_LOG_COMPONENT "codec/vpx"
#include <kyoyu/plugin.h>

#include "../common/encode-input.h"
#include "../common/yuv-damage.h"
#include "vpx-plugin.h"
#include "vpx-scale.h"

/* Measured on the shop recording (bench/codec.sh): the fastest settings
 * whose quality still matches ffmpeg's at the same bitrate. */
#define VP8_DEFAULT_CPU_USED 12
#define VP9_DEFAULT_CPU_USED 8
#define MIN_Q 4
/* After a still spell, VP9's rate control lets the quantizer of a picture
 * rise only a little above its running average, which the top-offs' fine
 * quantizer and the small changes of the spell have pulled down: on the
 * shop recording at 1 Mbit/s, the first pictures of a scroll came out at
 * quantizer 9-21 and 11-19 KB each where the scroll before had ended at
 * 37, and waited 250-400 ms for the link.  So the first SETTLE_PICTURES
 * pictures after a top-off that change at least 1/LARGE_CHANGE of the
 * screen are coded no finer than the last such picture before it, less
 * SETTLE_MARGIN: about as the motion ended, and the top-offs refine them
 * once the screen stands still. */
#define SETTLE_PICTURES 6
#define SETTLE_MARGIN 4
#define LARGE_CHANGE 8
/* A large change whose full-size picture took VP9 longer to encode than a
 * frame interval means the PC cannot keep up.  The rest of that
 * motion is then coded at half width and height, which libvpx predicts
 * from its full-size references without a keyframe and encodes in less
 * than half the time (the shop recording at 1080p: 16.4 -> 7.4 ms a moving
 * picture); the decoder scales it back.  Leaving half size, every block
 * is due a top-off: the whole reference was the scaled picture.  Only
 * when behind, as the blur costs the top-off a whole screen (halving every
 * motion: at 1 Mbit/s, still text 27 dB at 1.5 s where it had 54).  Off
 * by default (codec.halve_when_behind): on the live scene the sharer's CPU
 * fell from 0.41 to 0.28 of ffmpeg's, but a page scrolled a wheel step at
 * a time, 250 ms apart, showed each step at half size until the next
 * (35 dB where full size keeps 47), as the top-off waits for 300 ms of
 * still screen.  Smaller screens are cheap to encode, and half of them too
 * small to read.  Never in 4:4:4: libvpx 1.12's encoder scales its
 * references to a new size as 4:2:0 (vp9_scale_and_extend_frame, C and
 * SSSE3 alike: chroma at half the luma's size), so three quarters of a
 * 4:4:4 reference's chroma were never written and the half-size pictures
 * came out green, to libvpx's decoder and to ffmpeg's. */
#define HALF_MIN_WIDTH 1280
#define HALF_MIN_HEIGHT 720

struct codec_vpx_encoder {
	codec_vpx_options opt;
	uint32_t codec, format, width, height, fps;
	const char *name; /* "VP8", "VP9" */
	vpx_codec_ctx_t ctx;
	vpx_codec_enc_cfg_t cfg;
	vpx_image_t *img; /* the picture as of the last frame, converted */
	yuv_planes planes;
	int cols, rows;
	uint8_t *active;    /* blocks this frame changes */
	uint8_t *unrefined; /* blocks changed since the last top-off */
	bool force_key;
	encode_clock clock;
	/* Output of the last vpx_codec_encode(), read by receive. */
	bool pending, draining;
	vpx_codec_iter_t iter;
	int64_t capture_us;
	bool refining;
	int motion_q; /* of the last ordinary picture with a large change */
	int settle_q; /* motion_q when the last top-off was coded */
	int settling; /* large changes still to code after a top-off */
	vpx_image_t *half;    /* the picture at half size, once motion needed it */
	uint8_t *half_active; /* its blocks that change */
	int half_cols, half_rows;
	bool halved;  /* libvpx is set to the half size */
	bool behind;  /* this motion's full-size picture took too long */
	int64_t encode_us; /* wall time of the last vpx_codec_encode() */
};

static int fail(codec_vpx_encoder *enc, const char *what)
{
	const char *detail = vpx_codec_error_detail(&enc->ctx);

	kyoyu_error("%s encoder (%ux%u): %s failed: %s%s%s", enc->name, enc->width,
		    enc->height, what, vpx_codec_error(&enc->ctx), detail ? ": " : "",
		    detail ? detail : "");
	return -EIO;
}

static void set_controls(codec_vpx_encoder *enc, int threads)
{
	vpx_codec_ctx_t *ctx = &enc->ctx;
	int cpu_used = enc->opt.cpu_used;

	if (enc->codec == KYOYU_CODEC_VP8) {
		vpx_codec_control(ctx, VP8E_SET_CPUUSED,
				  cpu_used >= 0 ? cpu_used : VP8_DEFAULT_CPU_USED);
		vpx_codec_control(ctx, VP8E_SET_SCREEN_CONTENT_MODE, 1);
		vpx_codec_control(ctx, VP8E_SET_NOISE_SENSITIVITY, 0);
		vpx_codec_control(ctx, VP8E_SET_TOKEN_PARTITIONS,
				  threads >= 4 ? 2 : threads >= 2 ? 1 : 0);
		return;
	}
	vpx_codec_control(ctx, VP8E_SET_CPUUSED,
			  cpu_used >= 0 ? (cpu_used > 9 ? 9 : cpu_used) : VP9_DEFAULT_CPU_USED);
	vpx_codec_control(ctx, VP9E_SET_TUNE_CONTENT, VP9E_CONTENT_SCREEN);
	/* Cyclic refresh: steady quality at constant bitrate, no keyframes. */
	vpx_codec_control(ctx, VP9E_SET_AQ_MODE, 3);
	vpx_codec_control(ctx, VP9E_SET_NOISE_SENSITIVITY, 0);
	vpx_codec_control(ctx, VP9E_SET_ROW_MT, threads > 1);
	vpx_codec_control(ctx, VP9E_SET_TILE_COLUMNS, threads >= 4 ? 2 : threads >= 2 ? 1 : 0);
	vpx_codec_control(ctx, VP9E_SET_COLOR_SPACE, VPX_CS_BT_601);
	vpx_codec_control(ctx, VP9E_SET_COLOR_RANGE, VPX_CR_STUDIO_RANGE);
}

static void fill_config(codec_vpx_encoder *enc, const kyoyu_encoder_config *config,
			int threads)
{
	vpx_codec_enc_cfg_t *cfg = &enc->cfg;

	cfg->g_w = config->width;
	cfg->g_h = config->height;
	cfg->g_profile = enc->planes.i444 ? 1 : 0;
	cfg->g_threads = (unsigned)threads;
	/* Microseconds: frames come when the screen changes, not at a rate. */
	cfg->g_timebase = (struct vpx_rational){1, 1000000};
	cfg->g_lag_in_frames = 0;
	cfg->g_error_resilient = 0;
	cfg->g_pass = VPX_RC_ONE_PASS;
	cfg->rc_end_usage = VPX_CBR;
	cfg->rc_target_bitrate = config->bitrate_kbps;
	cfg->rc_min_quantizer = MIN_Q;
	cfg->rc_max_quantizer = (unsigned)enc->opt.max_q;
	cfg->rc_undershoot_pct = 50;
	cfg->rc_overshoot_pct = 50;
	cfg->rc_buf_sz = (unsigned)enc->opt.buffer_ms;
	/* Full at the start: libvpx gives the first keyframe half of it. */
	cfg->rc_buf_initial_sz = (unsigned)enc->opt.buffer_ms;
	cfg->rc_buf_optimal_sz = (unsigned)enc->opt.buffer_ms * 3 / 5;
	/* Every frame the core hands over is coded: it already caps the rate. */
	cfg->rc_dropframe_thresh = 0;
	cfg->rc_resize_allowed = 0;
	/* Keyframes only when asked (start of sharing, a viewer's request). */
	cfg->kf_mode = VPX_KF_DISABLED;
}

int codec_vpx_encoder_open(const codec_vpx_options *options,
			   const kyoyu_encoder_config *config, codec_vpx_encoder **out)
{
	bool vp9 = config->codec == KYOYU_CODEC_VP9;
	vpx_codec_iface_t *iface = vp9 ? vpx_codec_vp9_cx() : vpx_codec_vp8_cx();
	codec_vpx_encoder *enc;
	int ret = -ENOMEM;

	*out = NULL;
	if (config->codec != KYOYU_CODEC_VP8 && !vp9)
		return -ENOTSUP;
	if (encode_check_format(vp9 ? "VP9" : "VP8", config->format))
		return -ENOTSUP;
	if (config->width == 0 || config->height == 0 || config->width > 16383 ||
	    config->height > 16383) {
		kyoyu_error("%s cannot encode a %ux%u picture (1 to 16383 pixels a side)",
			    vp9 ? "VP9" : "VP8", config->width, config->height);
		return -EINVAL;
	}
	if (!(enc = calloc(1, sizeof(*enc))))
		return -ENOMEM;
	enc->opt = *options;
	enc->codec = config->codec;
	enc->format = config->format;
	enc->name = vp9 ? "VP9" : "VP8";
	enc->width = config->width;
	enc->height = config->height;
	enc->fps = config->fps ? config->fps : 30;
	enc->force_key = true;
	enc->planes.i444 = vp9 && options->chroma == 1;
	if (options->chroma == 1 && !vp9)
		kyoyu_warn("codec.chroma = \"444\" needs codec.format = \"vp9\"; "
			   "VP8 encodes 4:2:0");
	if (enc->planes.i444 && options->halve_when_behind)
		kyoyu_warn("codec.halve_when_behind works in 4:2:0 only; with codec.chroma = "
			   "\"444\" motion is coded at full size");

	enc->img = vpx_img_alloc(NULL, enc->planes.i444 ? VPX_IMG_FMT_I444 : VPX_IMG_FMT_I420,
				 config->width, config->height, 32);
	enc->cols = mb_cols((int)config->width);
	enc->rows = mb_rows((int)config->height);
	enc->active = calloc((size_t)enc->cols * (size_t)enc->rows, 1);
	enc->unrefined = calloc((size_t)enc->cols * (size_t)enc->rows, 1);
	if (!enc->img || !enc->active || !enc->unrefined)
		goto out_free;
	for (int p = 0; p < 3; p++) {
		enc->planes.data[p] = enc->img->planes[p];
		enc->planes.stride[p] = enc->img->stride[p];
	}

	vpx_codec_err_t err = vpx_codec_enc_config_default(iface, &enc->cfg, 0);
	if (err != VPX_CODEC_OK) {
		kyoyu_error("%s: no default configuration: %s", enc->name,
			    vpx_codec_err_to_string(err));
		ret = -EIO;
		goto out_free;
	}
	int threads = codec_vpx_threads(options->threads, enc->codec, config->width);
	fill_config(enc, config, threads);
	err = vpx_codec_enc_init(&enc->ctx, iface, &enc->cfg, 0);
	if (err != VPX_CODEC_OK) {
		kyoyu_error("%s encoder for %ux%u at %u kbit/s could not start: %s%s%s",
			    enc->name, config->width, config->height, config->bitrate_kbps,
			    vpx_codec_err_to_string(err), enc->ctx.err_detail ? ": " : "",
			    enc->ctx.err_detail ? enc->ctx.err_detail : "");
		ret = -EINVAL;
		goto out_free;
	}
	set_controls(enc, threads);
	kyoyu_debug("%s %s, %d threads, quantizer %d–%d, top-off up to %d", enc->name,
		    enc->planes.i444 ? "4:4:4" : "4:2:0", threads, MIN_Q, options->max_q,
		    options->refine_q);
	*out = enc;
	return 0;

out_free:
	vpx_img_free(enc->img);
	free(enc->active);
	free(enc->unrefined);
	free(enc);
	return ret;
}

void codec_vpx_encoder_close(codec_vpx_encoder *enc)
{
	if (!enc)
		return;
	vpx_codec_destroy(&enc->ctx);
	vpx_img_free(enc->img);
	vpx_img_free(enc->half);
	free(enc->active);
	free(enc->unrefined);
	free(enc->half_active);
	free(enc);
}

/* Switches the quantizer range between ordinary and top-off frames.  VP8's
 * screen-content mode skips blocks whose source did not change, which is
 * every block of a top-off, so it is off for those. */
static int set_refining(codec_vpx_encoder *enc, bool refine)
{
	vpx_codec_enc_cfg_t cfg = enc->cfg;

	if (refine) {
		cfg.rc_min_quantizer = 0;
		cfg.rc_max_quantizer = (unsigned)enc->opt.refine_q;
	}
	if (vpx_codec_enc_config_set(&enc->ctx, &cfg) != VPX_CODEC_OK)
		return fail(enc, refine ? "raising the quality for a top-off"
					: "restoring the quality after a top-off");
	if (enc->codec == KYOYU_CODEC_VP8 &&
	    vpx_codec_control(&enc->ctx, VP8E_SET_SCREEN_CONTENT_MODE, !refine) != VPX_CODEC_OK)
		return fail(enc, "switching the screen-content mode");
	return 0;
}

/* Sets FIELD of the ordinary pictures' configuration to VALUE; on failure
 * (WHAT was being done) the configuration stays as it was. */
static int change_config(codec_vpx_encoder *enc, unsigned *field, unsigned value,
			 const char *what)
{
	unsigned old = *field;

	*field = value;
	if (vpx_codec_enc_config_set(&enc->ctx, &enc->cfg) != VPX_CODEC_OK) {
		*field = old;
		return fail(enc, what);
	}
	return 0;
}

/* Before an ordinary picture (LARGE: it changes much of the screen): the
 * floor of its quantizer (SETTLE_PICTURES). */
static int settle_before(codec_vpx_encoder *enc, bool large)
{
	int floor = MIN_Q;

	if (enc->codec == KYOYU_CODEC_VP9 && large && enc->settling &&
	    enc->settle_q - SETTLE_MARGIN > floor)
		floor = enc->settle_q - SETTLE_MARGIN;
	if ((unsigned)floor == enc->cfg.rc_min_quantizer)
		return 0;
	return change_config(enc, &enc->cfg.rc_min_quantizer, (unsigned)floor,
			     "setting the finest quantizer");
}

/* After it: the quantizer libvpx chose, the floor for after the next
 * top-off. */
static void settle_after(codec_vpx_encoder *enc, bool large)
{
	int q;

	if (!large)
		return;
	if (enc->settling)
		enc->settling--;
	if (vpx_codec_control(&enc->ctx, VP8E_GET_LAST_QUANTIZER_64, &q) == VPX_CODEC_OK)
		enc->motion_q = q;
}

static int encode(codec_vpx_encoder *enc, vpx_image_t *img, int64_t pts,
		  vpx_enc_frame_flags_t flags, bool refine)
{
	int ret;

	if (refine && (ret = set_refining(enc, true)))
		return ret;
	/* libvpx gives a picture the bitrate's worth of the time from the end
	 * (pts + duration) of the picture before to its own end.  pts advances
	 * by the time since the picture before (encode_clock_next), so every
	 * duration must be the same for that span to be the picture's own gap.
	 * Each picture's gap as its duration made the span twice this gap less
	 * the one before (0 or less for a short gap after a long one, which
	 * libvpx takes as 30 fps): budgets jumped from picture to picture and
	 * VP9 spent about half its bitrate during a scroll (bench/codec-rate). */
	unsigned long duration = 1000000 / enc->fps;
	int64_t start_us = kyoyu_now_us();
	vpx_codec_err_t err = vpx_codec_encode(&enc->ctx, img, pts, duration, flags,
					       VPX_DL_REALTIME);
	enc->encode_us = kyoyu_now_us() - start_us;
	if (refine && (ret = set_refining(enc, false)))
		return ret;
	if (err != VPX_CODEC_OK)
		return fail(enc, "encoding a frame");
	enc->pending = true;
	enc->iter = NULL;
	return 0;
}

/* Sets libvpx to the full or the HALF size of the picture. */
static int set_half(codec_vpx_encoder *enc, bool half)
{
	if (half == enc->halved)
		return 0;
	if (half && !enc->half) {
		unsigned w = (enc->width + 1) / 2, h = (enc->height + 1) / 2;
		enc->half_cols = mb_cols((int)w);
		enc->half_rows = mb_rows((int)h);
		enc->half_active = calloc((size_t)enc->half_cols * (size_t)enc->half_rows, 1);
		enc->half = vpx_img_alloc(NULL, enc->img->fmt, w, h, 32);
		if (!enc->half || !enc->half_active) {
			vpx_img_free(enc->half);
			free(enc->half_active);
			enc->half = NULL;
			enc->half_active = NULL;
			return -ENOMEM;
		}
	}
	enc->cfg.g_w = half ? enc->half->d_w : enc->width;
	enc->cfg.g_h = half ? enc->half->d_h : enc->height;
	if (vpx_codec_enc_config_set(&enc->ctx, &enc->cfg) != VPX_CODEC_OK) {
		enc->cfg.g_w = enc->halved ? enc->half->d_w : enc->width;
		enc->cfg.g_h = enc->halved ? enc->half->d_h : enc->height;
		return fail(enc, half ? "halving the picture size" : "restoring the picture size");
	}
	enc->halved = half;
	if (!half)
		memset(enc->unrefined, 1, (size_t)enc->cols * (size_t)enc->rows);
	return 0;
}

/* Whether this ordinary picture, a LARGE change, is coded at half size. */
static bool wants_half(const codec_vpx_encoder *enc, bool large)
{
	return enc->opt.halve_when_behind && enc->codec == KYOYU_CODEC_VP9 &&
	       !enc->planes.i444 && large && enc->behind && enc->width >= HALF_MIN_WIDTH &&
	       enc->height >= HALF_MIN_HEIGHT;
}

/* Sets MAP (of the picture at the size libvpx is set to) as the blocks to
 * code. */
static int set_active_map(codec_vpx_encoder *enc, uint8_t *map)
{
	vpx_active_map_t am = {map, (unsigned)(enc->halved ? enc->half_rows : enc->rows),
			       (unsigned)(enc->halved ? enc->half_cols : enc->cols)};

	if (vpx_codec_control(&enc->ctx, VP8E_SET_ACTIVEMAP, &am) != VPX_CODEC_OK)
		return fail(enc, "setting the map of changed blocks");
	return 0;
}

int codec_vpx_encoder_send(codec_vpx_encoder *enc, const kyoyu_msg *frame)
{
	if (enc->pending)
		return -EAGAIN;
	if (!frame) {
		if (enc->draining)
			return 0;
		enc->draining = true;
		enc->refining = false;
		return encode(enc, NULL, -1, 0, false);
	}
	if (enc->draining)
		return -EINVAL;
	int ret = encode_check_frame(enc->name, enc->format, enc->width, enc->height,
				     frame);
	if (ret)
		return ret;

	const kyoyu_frame_info *info = &frame->u.frame;
	const uint8_t *src = (const uint8_t *)kyoyu_buffer_data(frame->buf) + info->offset[0];
	int stride = (int)info->stride[0], w = (int)enc->width, h = (int)enc->height;
	size_t blocks = (size_t)enc->cols * (size_t)enc->rows;
	bool key = enc->force_key || (info->flags & KYOYU_FRAME_KEY);
	bool refine = !key && (info->flags & KYOYU_FRAME_REFINE);
	bool large = false;

	if (key) {
		kyoyu_region all;
		kyoyu_region_set_full(&all, w, h);
		yuv_convert_region(&enc->planes, src, stride, w, h, &all);
		memset(enc->unrefined, 1, blocks);
		ret = set_half(enc, false);
		if (!ret)
			ret = set_active_map(enc, NULL);
		/* Not one of the settling pictures: no floor from them. */
		if (!ret)
			ret = settle_before(enc, false);
	} else if (refine) {
		/* A top-off codes every block changed since the one before at
		 * refine_q or finer, so the one that follows with nothing
		 * changed between (the encode stage asks at least three times,
		 * for x264's sake) has nothing to sharpen: libvpx would take a
		 * pass over the whole picture (5-12 ms at 1080p) for a packet
		 * of skipped blocks and of its cyclic refresh's few superblocks,
		 * which the active map does not hold back (text already at 58.8
		 * dB gained 1 dB from two).  It makes none (at half size, the
		 * way back to full size is itself the top-off). */
		if (!enc->halved && !memchr(enc->unrefined, 1, blocks))
			return 0;
		/* The picture is the one last encoded: nothing to convert. */
		ret = set_half(enc, false);
		if (!ret)
			ret = set_active_map(enc, enc->unrefined);
	} else {
		yuv_convert_region(&enc->planes, src, stride, w, h, &info->damage);
		memset(enc->active, 0, blocks);
		mb_map_mark_region(enc->active, enc->cols, enc->rows, &info->damage, 1);
		mb_map_mark_region(enc->unrefined, enc->cols, enc->rows, &info->damage, 1);
		size_t changed = 0;
		for (size_t i = 0; i < blocks; i++)
			changed += enc->active[i];
		large = changed * LARGE_CHANGE >= blocks;
		ret = set_half(enc, wants_half(enc, large));
		if (!ret && enc->halved) {
			if (codec_vpx_scale(enc->img, enc->half, kFilterBox)) {
				kyoyu_error("%s: libyuv could not halve a %ux%u picture",
					    enc->name, enc->width, enc->height);
				return -EIO;
			}
			mb_map_halve(enc->active, enc->cols, enc->rows, enc->half_active,
				     enc->half_cols, enc->half_rows);
			ret = set_active_map(enc, enc->half_active);
		} else if (!ret) {
			ret = set_active_map(enc, enc->active);
		}
		if (!ret)
			ret = settle_before(enc, large);
	}
	if (ret)
		return ret;
	/* A top-off is credited with no time: libvpx's rate control then
	 * counts its bits as spent ahead, and the first pictures of the next
	 * change come coarse and small instead of queueing on a slow link
	 * (credited the time the screen stood still, the small top-offs that
	 * follow the first refilled its buffer, and at 1 Mbit/s the first
	 * pictures of the next scroll took 750 ms to arrive).  Its quantizer
	 * is capped at refine_q whatever the rate control thinks. */
	int64_t pts = encode_clock_next(&enc->clock, frame->time_us, false);
	ret = encode(enc, enc->halved ? enc->half : enc->img, pts,
		     key ? VPX_EFLAG_FORCE_KF : 0, refine);
	if (ret)
		return ret;
	/* Judged on the first full-size picture of each motion, as the PC's
	 * load changes. */
	if (large && !enc->halved) {
		enc->behind = enc->encode_us > 1000000 / (int64_t)enc->fps;
		if (enc->behind && wants_half(enc, true))
			kyoyu_debug("%s: a %ux%u picture took %lld ms to encode, more than a "
				    "frame interval; the rest of this motion at half size",
				    enc->name, enc->width, enc->height,
				    (long long)enc->encode_us / 1000);
	} else if (!large) {
		enc->behind = false;
	}
	if (refine) {
		memset(enc->unrefined, 0, blocks);
		enc->settling = SETTLE_PICTURES;
		enc->settle_q = enc->motion_q;
	} else if (!key) {
		settle_after(enc, large);
	}
	enc->force_key = false;
	enc->refining = refine;
	enc->capture_us = frame->time_us;
	return 0;
}

int codec_vpx_encoder_receive(codec_vpx_encoder *enc, kyoyu_msg **packet)
{
	const vpx_codec_cx_pkt_t *pkt;

	*packet = NULL;
	while (enc->pending && (pkt = vpx_codec_get_cx_data(&enc->ctx, &enc->iter))) {
		if (pkt->kind != VPX_CODEC_CX_FRAME_PKT)
			continue;
		kyoyu_msg *msg = kyoyu_msg_new(KYOYU_MSG_PACKET);
		if (!msg)
			return -ENOMEM;
		msg->buf = kyoyu_buffer_new_copy(pkt->data.frame.buf, pkt->data.frame.sz);
		if (!msg->buf) {
			kyoyu_msg_unref(msg);
			return -ENOMEM;
		}
		msg->time_us = enc->capture_us;
		kyoyu_packet_info *info = &msg->u.packet;
		info->codec = enc->codec;
		info->width = enc->width;
		info->height = enc->height;
		info->capture_us = enc->capture_us;
		if (pkt->data.frame.flags & VPX_FRAME_IS_KEY)
			info->flags |= KYOYU_PACKET_KEYFRAME;
		if (enc->refining)
			info->flags |= KYOYU_PACKET_REFINE;
		*packet = msg;
		return 0;
	}
	enc->pending = false;
	return enc->draining ? KYOYU_EOF : -EAGAIN;
}

void codec_vpx_encoder_request_keyframe(codec_vpx_encoder *enc)
{
	enc->force_key = true;
}

int codec_vpx_encoder_set_bitrate(codec_vpx_encoder *enc, uint32_t kbps)
{
	int ret = change_config(enc, &enc->cfg.rc_target_bitrate, kbps, "changing the bitrate");
	if (ret)
		return ret;
	kyoyu_debug("%s bitrate now %u kbit/s", enc->name, kbps);
	return 0;
}
