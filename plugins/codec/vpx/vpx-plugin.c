/* SPDX-License-Identifier: MIT */
/* codec/vpx: VP8 and VP9 through libvpx, for screens.
 *
 * One instance is either an encoder (sharer) or a decoder (viewer) at a
 * time; the core opens, uses and closes it from one stage thread.
 */
#include "config.h"

#include <errno.h>

#define KYOYU_LOG_COMPONENT "codec/vpx"
#include <kyoyu/kyoyu.h>

#include "../../common/cpu-count.h"
#include "../common/encode-input.h"
#include "../common/frame-output.h"
#include "vpx-plugin.h"

typedef struct vpx_plugin {
	codec_vpx_options opt;
	codec_vpx_encoder *enc;
	codec_vpx_decoder *dec;
} vpx_plugin;

static const char *const chroma_names[] = {"420", "444", NULL};

static const kyoyu_option options[] = {
	KYOYU_OPTION_INT("cpu_used", vpx_plugin, opt.cpu_used, -1, -1, 16,
			 "libvpx speed: higher is faster and coarser; -1 picks the "
			 "measured default (VP8 12, VP9 8)"),
	KYOYU_OPTION_ENUM("chroma", vpx_plugin, opt.chroma, 0, chroma_names,
			  "VP9 colour resolution: 444 (profile 1) keeps coloured text "
			  "crisp at a higher bitrate"),
	KYOYU_OPTION_INT("threads", vpx_plugin, opt.threads, 0, 0, 16,
			 "encoder and decoder threads; 0: VP9 one per core, at most 4, "
			 "VP8 one"),
	KYOYU_OPTION_INT("max_q", vpx_plugin, opt.max_q, 52, 8, 63,
			 "quantizer ceiling of ordinary frames (0-63): lower keeps "
			 "text readable during bursts but may overshoot the bitrate"),
	KYOYU_OPTION_INT("refine_q", vpx_plugin, opt.refine_q, 10, 0, 63,
			 "quantizer ceiling of the still-screen top-off (0-63)"),
	/* On a line the encoder fills, what it spends ahead of the bitrate
	 * waits in the line's queue: 600 ms let a scroll at 1 Mbit/s queue
	 * 0.4-0.8 s (bench/README.md, issue 17's fourth session). */
	KYOYU_OPTION_INT("buffer_ms", vpx_plugin, opt.buffer_ms, 300, 100, 10000,
			 "rate-control buffer: how far a burst may run ahead of the "
			 "bitrate, and so how long video may queue on a full link"),
	KYOYU_OPTION_BOOL("halve_when_behind", vpx_plugin, opt.halve_when_behind, false,
			  "VP9: when a large change takes longer to encode than a frame "
			  "interval, the rest of that motion is coded at half width and "
			  "height (1280x720 screens and up), sharpened once the screen "
			  "stands still"),
	KYOYU_OPTION_END,
};

int codec_vpx_threads(int threads, uint32_t codec, uint32_t width)
{
	long cores = kyoyu_plugin_cpu_count();

	if (threads > 0)
		return threads;
	/* libvpx's VP8 threads wait for each other by spinning: on a busy
	 * machine they take the cores the rest of the pipeline needs
	 * (bench/e2e, 1080p on 2 cores: a second encoder thread cost 50 %
	 * more CPU and put p99 at 1 s, a second decoder thread burnt 11 s
	 * for 52 pictures).  VP9's threads wait properly. */
	if (codec == KYOYU_CODEC_VP8)
		return 1;
	if (width && width < 640)
		return 1; /* too few block rows to share out */
	return cores < 1 ? 1 : cores > 4 ? 4 : (int)cores;
}

static int vpx_init(void *priv, const kyoyu_host *host)
{
	return KYOYU_OK;
}

static void vpx_close(void *priv)
{
	vpx_plugin *p = priv;

	codec_vpx_encoder_close(p->enc);
	codec_vpx_decoder_close(p->dec);
	p->enc = NULL;
	p->dec = NULL;
}

static int vpx_encoder_open(void *priv, const kyoyu_encoder_config *config)
{
	vpx_plugin *p = priv;

	vpx_close(p);
	return codec_vpx_encoder_open(&p->opt, config, &p->enc);
}

static int vpx_send_frame(void *priv, const kyoyu_msg *frame)
{
	vpx_plugin *p = priv;

	return p->enc ? codec_vpx_encoder_send(p->enc, frame) : -EINVAL;
}

static int vpx_receive_packet(void *priv, kyoyu_msg **packet)
{
	vpx_plugin *p = priv;

	return p->enc ? codec_vpx_encoder_receive(p->enc, packet) : -EINVAL;
}

static int vpx_request_keyframe(void *priv)
{
	vpx_plugin *p = priv;

	if (!p->enc)
		return -EINVAL;
	codec_vpx_encoder_request_keyframe(p->enc);
	return 0;
}

static int vpx_set_bitrate(void *priv, uint32_t kbps)
{
	vpx_plugin *p = priv;

	return p->enc ? codec_vpx_encoder_set_bitrate(p->enc, kbps) : -EINVAL;
}

static int vpx_decoder_open(void *priv, const kyoyu_decoder_config *config)
{
	vpx_plugin *p = priv;

	vpx_close(p);
	return codec_vpx_decoder_open(&p->opt, config, &p->dec);
}

static int vpx_send_packet(void *priv, const kyoyu_msg *packet)
{
	vpx_plugin *p = priv;

	return p->dec ? codec_vpx_decoder_send(p->dec, packet) : -EINVAL;
}

static int vpx_receive_frame(void *priv, kyoyu_msg **frame)
{
	vpx_plugin *p = priv;

	return p->dec ? codec_vpx_decoder_receive(p->dec, frame) : -EINVAL;
}

static void vpx_fini(void *priv)
{
	vpx_close(priv);
}

static const kyoyu_codec_desc vpx_codecs[] = {
	KYOYU_CODEC_DESC(KYOYU_CODEC_VP9, "vp9"),
	KYOYU_CODEC_DESC(KYOYU_CODEC_VP8, "vp8"),
	KYOYU_CODEC_DESC_END,
};

static const uint32_t encoder_formats[] = ENCODE_FORMATS;
static const uint32_t decoder_formats[] = FRAME_OUTPUT_FORMATS;

static const kyoyu_codec_ops ops = {
	.size = sizeof(kyoyu_codec_ops),
	.encodes = vpx_codecs,
	.decodes = vpx_codecs,
	.encoder_formats = encoder_formats,
	.decoder_formats = decoder_formats,
	.encoder_open = vpx_encoder_open,
	.send_frame = vpx_send_frame,
	.receive_packet = vpx_receive_packet,
	.request_keyframe = vpx_request_keyframe,
	.set_bitrate = vpx_set_bitrate,
	.decoder_open = vpx_decoder_open,
	.send_packet = vpx_send_packet,
	.receive_frame = vpx_receive_frame,
	.close = vpx_close,
};

static const kyoyu_plugin_descriptor descriptor = {
	KYOYU_PLUGIN_HEADER,
	.kind = KYOYU_KIND_CODEC,
	.name = "vpx",
	.version = PACKAGE_VERSION,
	.license = "MIT",
	.description = "VP8 and VP9 (libvpx) for screens: damage-only conversion, "
		       "active maps, still-screen top-off",
	.priv_size = sizeof(vpx_plugin),
	.options = options,
	.init = vpx_init,
	.fini = vpx_fini,
	.ops = &ops,
};

KYOYU_PLUGIN_DEFINE(kyoyu_codec_vpx, descriptor)
