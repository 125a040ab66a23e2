/* SPDX-License-Identifier: MIT */
/* codec/vpx: what the plugin's encoder and decoder halves share. */
#ifndef KYOYU_CODEC_VPX_PLUGIN_H
#define KYOYU_CODEC_VPX_PLUGIN_H

#include <stdbool.h>
#include <stdint.h>

#include <kyoyu/plugin.h>

/* Options of the "codec" config group that this plugin reads. */
typedef struct codec_vpx_options {
	int cpu_used;  /* -1: the measured default of each codec */
	int chroma;    /* 0: 4:2:0, 1: 4:4:4 (VP9 profile 1) */
	int threads;   /* 0: one per core, at most 4 */
	int max_q;     /* quantizer ceiling of ordinary frames */
	int refine_q;  /* quantizer ceiling of top-off frames */
	int buffer_ms; /* rate-control buffer */
	bool halve_when_behind; /* VP9 motion at half size on a slow PC */
} codec_vpx_options;

typedef struct codec_vpx_encoder codec_vpx_encoder;
typedef struct codec_vpx_decoder codec_vpx_decoder;

/* Opens a VP8 or VP9 encoder for CONFIG.  *OUT belongs to the caller. */
int codec_vpx_encoder_open(const codec_vpx_options *options,
			   const kyoyu_encoder_config *config, codec_vpx_encoder **out);
void codec_vpx_encoder_close(codec_vpx_encoder *enc);
/* The kyoyu_codec_ops contract: see plugin.h. */
int codec_vpx_encoder_send(codec_vpx_encoder *enc, const kyoyu_msg *frame);
int codec_vpx_encoder_receive(codec_vpx_encoder *enc, kyoyu_msg **packet);
void codec_vpx_encoder_request_keyframe(codec_vpx_encoder *enc);
int codec_vpx_encoder_set_bitrate(codec_vpx_encoder *enc, uint32_t kbps);

/* Opens a VP8 or VP9 decoder giving CONFIG->format pictures. */
int codec_vpx_decoder_open(const codec_vpx_options *options,
			   const kyoyu_decoder_config *config, codec_vpx_decoder **out);
void codec_vpx_decoder_close(codec_vpx_decoder *dec);
int codec_vpx_decoder_send(codec_vpx_decoder *dec, const kyoyu_msg *packet);
int codec_vpx_decoder_receive(codec_vpx_decoder *dec, kyoyu_msg **frame);

/* Worker threads of CODEC for THREADS (the option) at WIDTH pixels wide
 * (0: not known yet). */
int codec_vpx_threads(int threads, uint32_t codec, uint32_t width);

#endif
