/* SPDX-License-Identifier: MIT */
/* codec/avcodec: H.264 decoding for the viewer through FFmpeg's libavcodec
 * (x264 only encodes).
 *
 * Low-delay mode with slice threads only: frame threads would hold pictures
 * back.  Pictures leave as I420 or BGRX frames (what the core asked for at
 * open) with full damage, cropped to the size the sender's packet states:
 * an odd-sized screen travels one pixel larger because H.264 4:2:0 crops in
 * pairs.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <libavcodec/avcodec.h>
#include <libavutil/error.h>
#include <libavutil/pixdesc.h>

#define KYOYU_LOG_COMPONENT "codec/avcodec"
#include <kyoyu/kyoyu.h>

#include "../common/frame-output.h"

/* Far beyond any real frame; libavcodec takes the size as an int. */
#define MAX_PACKET_BYTES (64u << 20)

typedef struct h264_decoder {
	AVCodecContext *ctx;
	AVPacket *pkt;
	AVFrame *frame;
	frame_output out;
	uint32_t crop_w, crop_h; /* the size the sender's packets state */
	uint64_t unsupported;
} h264_decoder;

typedef struct avcodec_plugin {
	int threads;
	h264_decoder *dec;
} avcodec_plugin;

static const kyoyu_option options[] = {
	KYOYU_OPTION_INT("threads", avcodec_plugin, threads, 0, 0, 16,
			 "decoder threads (slices); 0: one per core"),
	KYOYU_OPTION_END,
};

static const char *av_error_text(int err, char *buf, size_t len)
{
	if (av_strerror(err, buf, len) < 0)
		snprintf(buf, len, "error %d", err);
	return buf;
}

static void decoder_free(h264_decoder *dec)
{
	if (!dec)
		return;
	avcodec_free_context(&dec->ctx);
	av_packet_free(&dec->pkt);
	av_frame_free(&dec->frame);
	frame_output_reset(&dec->out);
	free(dec);
}

static int decoder_open(const avcodec_plugin *p, uint32_t format, h264_decoder **out)
{
	const AVCodec *codec = avcodec_find_decoder(AV_CODEC_ID_H264);
	h264_decoder *dec;
	char text[128];

	*out = NULL;
	if (!codec) {
		kyoyu_error("this libavcodec has no H.264 decoder; install a build of "
			    "FFmpeg with it (Debian's libavcodec59 has one)");
		return -ENOTSUP;
	}
	if (!(dec = calloc(1, sizeof(*dec))))
		return -ENOMEM;
	if (frame_output_open(&dec->out, "H.264", format)) {
		free(dec);
		return -ENOTSUP;
	}
	dec->ctx = avcodec_alloc_context3(codec);
	dec->pkt = av_packet_alloc();
	dec->frame = av_frame_alloc();
	if (!dec->ctx || !dec->pkt || !dec->frame) {
		decoder_free(dec);
		return -ENOMEM;
	}
	dec->ctx->flags |= AV_CODEC_FLAG_LOW_DELAY;
	dec->ctx->thread_type = FF_THREAD_SLICE;
	dec->ctx->thread_count = p->threads;
	int ret = avcodec_open2(dec->ctx, codec, NULL);
	if (ret < 0) {
		kyoyu_error("the H.264 decoder could not start: %s",
			    av_error_text(ret, text, sizeof(text)));
		decoder_free(dec);
		return -EIO;
	}
	*out = dec;
	return 0;
}

static int decoder_send(h264_decoder *dec, const kyoyu_msg *packet)
{
	char text[128];
	int ret;

	if (!packet) {
		ret = avcodec_send_packet(dec->ctx, NULL);
		if (ret == AVERROR(EAGAIN))
			return -EAGAIN;
		return ret < 0 && ret != AVERROR_EOF ? -EIO : 0;
	}
	size_t size = packet->buf ? kyoyu_buffer_size(packet->buf) : 0;
	if (size == 0 || size > MAX_PACKET_BYTES) {
		kyoyu_error("H.264 decoder got a packet of %zu bytes; dropped", size);
		return -EINVAL;
	}
	/* libavcodec reads up to AV_INPUT_BUFFER_PADDING_SIZE bytes past the
	 * end, so the packet goes into a padded copy. */
	if (av_new_packet(dec->pkt, (int)size) < 0)
		return -ENOMEM;
	memcpy(dec->pkt->data, kyoyu_buffer_data(packet->buf), size);
	dec->pkt->pts = packet->u.packet.capture_us;
	if (packet->u.packet.flags & KYOYU_PACKET_KEYFRAME)
		dec->pkt->flags |= AV_PKT_FLAG_KEY;
	ret = avcodec_send_packet(dec->ctx, dec->pkt);
	av_packet_unref(dec->pkt);
	if (ret == AVERROR(EAGAIN))
		return -EAGAIN;
	if (ret < 0) {
		kyoyu_error("H.264 decoder rejected a %zu-byte packet: %s", size,
			    av_error_text(ret, text, sizeof(text)));
		return -EBADMSG;
	}
	dec->crop_w = packet->u.packet.width;
	dec->crop_h = packet->u.packet.height;
	return 0;
}

static bool is_key(const AVFrame *frame)
{
#ifdef AV_FRAME_FLAG_KEY
	return frame->flags & AV_FRAME_FLAG_KEY;
#else
	return frame->key_frame;
#endif
}

static int decoder_receive(h264_decoder *dec, kyoyu_msg **msg)
{
	char text[128];
	AVFrame *f = dec->frame;
	int ret = avcodec_receive_frame(dec->ctx, f);

	if (ret == AVERROR(EAGAIN))
		return -EAGAIN;
	if (ret == AVERROR_EOF)
		return KYOYU_EOF;
	if (ret < 0) {
		kyoyu_error("H.264 decoder failed: %s", av_error_text(ret, text, sizeof(text)));
		return -EBADMSG;
	}
	enum AVPixelFormat fmt = f->format;
	bool i444 = fmt == AV_PIX_FMT_YUV444P || fmt == AV_PIX_FMT_YUVJ444P;
	if (!i444 && fmt != AV_PIX_FMT_YUV420P && fmt != AV_PIX_FMT_YUVJ420P) {
		if (dec->unsupported++ == 0)
			kyoyu_error("H.264 stream uses picture format %s, which kyoyu cannot "
				    "show (only 8-bit 4:2:0 and 4:4:4)",
				    av_get_pix_fmt_name(fmt) ? av_get_pix_fmt_name(fmt) : "?");
		av_frame_unref(f);
		return -ENOTSUP;
	}
	decoded_picture pic = {
		.data = {f->data[0], f->data[1], f->data[2]},
		.stride = {f->linesize[0], f->linesize[1], f->linesize[2]},
		.width = (uint32_t)f->width,
		.height = (uint32_t)f->height,
		.i444 = i444,
		.full_range = fmt == AV_PIX_FMT_YUVJ420P || fmt == AV_PIX_FMT_YUVJ444P ||
			      f->color_range == AVCOL_RANGE_JPEG,
	};
	ret = frame_output_convert(&dec->out, &pic, dec->crop_w, dec->crop_h, is_key(f), msg);
	av_frame_unref(f);
	return ret;
}

/* ---- the plugin --------------------------------------------------------- */

static int plugin_init(void *priv, const kyoyu_host *host)
{
	return KYOYU_OK;
}

static void plugin_close(void *priv)
{
	avcodec_plugin *p = priv;

	decoder_free(p->dec);
	p->dec = NULL;
}

static int plugin_decoder_open(void *priv, const kyoyu_decoder_config *config)
{
	avcodec_plugin *p = priv;

	plugin_close(p);
	if (config->codec != KYOYU_CODEC_H264)
		return -ENOTSUP;
	return decoder_open(p, config->format, &p->dec);
}

static int plugin_send_packet(void *priv, const kyoyu_msg *packet)
{
	avcodec_plugin *p = priv;

	return p->dec ? decoder_send(p->dec, packet) : -EINVAL;
}

static int plugin_receive_frame(void *priv, kyoyu_msg **frame)
{
	avcodec_plugin *p = priv;

	return p->dec ? decoder_receive(p->dec, frame) : -EINVAL;
}

static void plugin_fini(void *priv)
{
	plugin_close(priv);
}

static const kyoyu_codec_desc h264_only[] = {
	KYOYU_CODEC_DESC(KYOYU_CODEC_H264, "h264"),
	KYOYU_CODEC_DESC_END,
};

static const uint32_t decoder_formats[] = FRAME_OUTPUT_FORMATS;

static const kyoyu_codec_ops ops = {
	.size = sizeof(kyoyu_codec_ops),
	.decodes = h264_only,
	.decoder_formats = decoder_formats,
	.decoder_open = plugin_decoder_open,
	.send_packet = plugin_send_packet,
	.receive_frame = plugin_receive_frame,
	.close = plugin_close,
};

static const kyoyu_plugin_descriptor descriptor = {
	KYOYU_PLUGIN_HEADER,
	.kind = KYOYU_KIND_CODEC,
	.name = "avcodec",
	.version = PACKAGE_VERSION,
	.license = "MIT",
	.description = "H.264 decoder (FFmpeg's libavcodec) for the viewer",
	.priv_size = sizeof(avcodec_plugin),
	.options = options,
	.init = plugin_init,
	.fini = plugin_fini,
	.ops = &ops,
};

KYOYU_PLUGIN_DEFINE(kyoyu_codec_avcodec, descriptor)
