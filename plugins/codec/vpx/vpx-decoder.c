/* SPDX-License-Identifier: MIT */
/* codec/vpx: the VP8/VP9 decoder of the viewer.  Pictures leave as I420 or
 * BGRX frames (what the core asked for at open) with full damage. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <vpx/vp8dx.h>
#include <vpx/vpx_decoder.h>

#define KYOYU_LOG_COMPONENT "codec/vpx"
#include <kyoyu/plugin.h>

#include "../common/frame-output.h"
#include "vpx-plugin.h"
#include "vpx-scale.h"

/* Far beyond any real frame; libvpx takes the size as an unsigned int. */
#define MAX_PACKET_BYTES (64u << 20)

struct codec_vpx_decoder {
	uint32_t codec;
	const char *name;
	vpx_codec_ctx_t ctx;
	frame_output out;
	bool pending, draining, key;
	vpx_codec_iter_t iter;
	uint64_t unsupported; /* pictures in a format we cannot show */
	/* The stream's size (its packets'); VP9 may code motion at half of it
	 * (vpx-encoder.c's HALF_MIN_WIDTH), scaled back here into FULL. */
	uint32_t width, height;
	vpx_image_t *full;
};

int codec_vpx_decoder_open(const codec_vpx_options *options,
			   const kyoyu_decoder_config *config, codec_vpx_decoder **out)
{
	uint32_t codec = config->codec;
	bool vp9 = codec == KYOYU_CODEC_VP9;
	codec_vpx_decoder *dec;

	*out = NULL;
	if (codec != KYOYU_CODEC_VP8 && !vp9)
		return -ENOTSUP;
	if (!(dec = calloc(1, sizeof(*dec))))
		return -ENOMEM;
	dec->codec = codec;
	dec->name = vp9 ? "VP9" : "VP8";
	if (frame_output_open(&dec->out, dec->name, config->format)) {
		free(dec);
		return -ENOTSUP;
	}
	vpx_codec_dec_cfg_t cfg = {.threads = (unsigned)codec_vpx_threads(options->threads,
									   codec, 0)};
	vpx_codec_err_t err = vpx_codec_dec_init(&dec->ctx, vp9 ? vpx_codec_vp9_dx()
							     : vpx_codec_vp8_dx(), &cfg, 0);
	if (err != VPX_CODEC_OK) {
		kyoyu_error("%s decoder could not start: %s", dec->name,
			    vpx_codec_err_to_string(err));
		free(dec);
		return -EIO;
	}
	/* VP9 decoded by rows rather than by tiles, its loop filter run row
	 * by row behind them (vpxdec's --row-mt --lpf-opt): at 1080p the
	 * encoder makes two tiles, and while one holds most of a change the
	 * thread of the other has little to do.  On the file scene, decoding
	 * p50 6.6 -> 5.2 ms and p99 of the whole pipeline 7-18 ms lower, the
	 * viewer's CPU no higher (bench/README.md). */
	if (vp9 &&
	    (vpx_codec_control(&dec->ctx, VP9D_SET_ROW_MT, 1) != VPX_CODEC_OK ||
	     vpx_codec_control(&dec->ctx, VP9D_SET_LOOP_FILTER_OPT, 1) != VPX_CODEC_OK))
		kyoyu_debug("VP9 decoder: this libvpx decodes by tiles only");
	*out = dec;
	return 0;
}

void codec_vpx_decoder_close(codec_vpx_decoder *dec)
{
	if (!dec)
		return;
	vpx_codec_destroy(&dec->ctx);
	vpx_img_free(dec->full);
	frame_output_reset(&dec->out);
	free(dec);
}

int codec_vpx_decoder_send(codec_vpx_decoder *dec, const kyoyu_msg *packet)
{
	if (dec->pending)
		return -EAGAIN;
	if (!packet) {
		dec->draining = true;
		dec->pending = true;
		dec->iter = NULL;
		/* libvpx decodes synchronously: there is nothing to flush. */
		return 0;
	}
	if (dec->draining)
		return -EINVAL;
	size_t size = packet->buf ? kyoyu_buffer_size(packet->buf) : 0;
	if (size == 0 || size > MAX_PACKET_BYTES) {
		kyoyu_error("%s decoder got a packet of %zu bytes; dropped", dec->name, size);
		return -EINVAL;
	}
	vpx_codec_err_t err = vpx_codec_decode(&dec->ctx, kyoyu_buffer_data(packet->buf),
					       (unsigned)size, NULL, 0);
	if (err != VPX_CODEC_OK) {
		const char *detail = vpx_codec_error_detail(&dec->ctx);
		kyoyu_error("%s decoder rejected a %zu-byte packet: %s%s%s", dec->name, size,
			    vpx_codec_error(&dec->ctx), detail ? ": " : "",
			    detail ? detail : "");
		return -EBADMSG;
	}
	dec->key = packet->u.packet.flags & KYOYU_PACKET_KEYFRAME;
	dec->width = packet->u.packet.width;
	dec->height = packet->u.packet.height;
	dec->pending = true;
	dec->iter = NULL;
	return 0;
}

/* IMG, or IMG scaled to the stream's size when it was coded smaller: a
 * picture at most twice as small each way, as VP9 allows. */
static vpx_image_t *at_stream_size(codec_vpx_decoder *dec, vpx_image_t *img)
{
	uint32_t w = dec->width, h = dec->height;

	if ((img->d_w == w && img->d_h == h) || img->d_w > w || img->d_h > h ||
	    2 * img->d_w < w || 2 * img->d_h < h)
		return img;
	if (!dec->full || dec->full->fmt != img->fmt || dec->full->d_w != w ||
	    dec->full->d_h != h) {
		vpx_img_free(dec->full);
		dec->full = vpx_img_alloc(NULL, img->fmt, w, h, 32);
		if (!dec->full)
			return NULL;
	}
	if (codec_vpx_scale(img, dec->full, kFilterBilinear))
		return NULL;
	dec->full->range = img->range;
	return dec->full;
}

int codec_vpx_decoder_receive(codec_vpx_decoder *dec, kyoyu_msg **frame)
{
	vpx_image_t *img;

	while (dec->pending && (img = vpx_codec_get_frame(&dec->ctx, &dec->iter))) {
		if (img->fmt != VPX_IMG_FMT_I420 && img->fmt != VPX_IMG_FMT_I444) {
			if (dec->unsupported++ == 0)
				kyoyu_error("%s stream uses picture format %#x, which kyoyu "
					    "cannot show (only 8-bit 4:2:0 and 4:4:4)",
					    dec->name, (unsigned)img->fmt);
			return -ENOTSUP;
		}
		if (!(img = at_stream_size(dec, img)))
			return -ENOMEM;
		decoded_picture pic = {
			.data = {img->planes[0], img->planes[1], img->planes[2]},
			.stride = {img->stride[0], img->stride[1], img->stride[2]},
			.width = img->d_w,
			.height = img->d_h,
			.i444 = img->fmt == VPX_IMG_FMT_I444,
			.full_range = img->range == VPX_CR_FULL_RANGE,
		};
		int ret = frame_output_convert(&dec->out, &pic, 0, 0, dec->key, frame);
		dec->key = false;
		return ret;
	}
	dec->pending = false;
	return dec->draining ? KYOYU_EOF : -EAGAIN;
}
