/* SPDX-License-Identifier: MIT */
/* The encode stage (sharer): latest frame in, packets out, with a frame-rate
 * cap, runtime keyframe/bitrate control and the still-screen top-off. */
#ifndef KYOYU_ENCODE_STAGE_H
#define KYOYU_ENCODE_STAGE_H

#include <stdint.h>

#include "instance.h"

typedef struct kyoyu_encode_settings {
	uint32_t codec;        /* FourCC */
	uint32_t format;       /* kyoyu_pixfmt the capture posts */
	uint32_t bitrate_kbps;
	uint32_t max_fps;
	uint32_t topoff_ms;    /* 0 disables the top-off */
	/* codec.format = "auto": the cheaper codec (FourCC) to go over to
	 * when this PC cannot keep up with CODEC; 0: none. */
	uint32_t cheap_codec;
} kyoyu_encode_settings;

typedef struct kyoyu_encode_stats {
	uint64_t frames_in;       /* frames taken from the bus */
	uint64_t frames_encoded;  /* sent to the encoder, refinements included */
	uint64_t refinements;
	uint64_t held_for_link;   /* pictures that waited for the last packet to leave */
	uint64_t packets, bytes, keyframes;
	uint64_t errors;
	uint64_t codec_switches; /* to the cheaper codec: 0 or 1 */
} kyoyu_encode_stats;

typedef struct kyoyu_encode_stage kyoyu_encode_stage;

/* CODEC is an instance of a plugin that encodes SETTINGS->codec; CHEAP,
 * with SETTINGS->cheap_codec, one that encodes that, or NULL (not owned).
 * The stage goes over to CHEAP only once the viewer said it decodes it
 * (PEER DECODES). */
kyoyu_encode_stage *kyoyu_encode_stage_new(kyoyu_instance *codec, kyoyu_instance *cheap,
					   const kyoyu_encode_settings *settings);
void kyoyu_encode_stage_free(kyoyu_encode_stage *stage);
void kyoyu_encode_stage_get_stats(kyoyu_encode_stage *stage, kyoyu_encode_stats *out);

/* What the encode stage reads.  The pipeline subscribes it before any
 * stage thread runs, so a capture that posts its first picture the moment
 * sharing starts does not find the encoder's inbox deaf. */
#define KYOYU_ENCODE_STAGE_MASK                                                \
	(KYOYU_MSG_BIT(KYOYU_MSG_FRAME) | KYOYU_MSG_BIT(KYOYU_MSG_KEYFRAME_REQUEST) | \
	 KYOYU_MSG_BIT(KYOYU_MSG_BITRATE) | KYOYU_MSG_BIT(KYOYU_MSG_FRAMERATE) |   \
	 KYOYU_MSG_BIT(KYOYU_MSG_STATE) | KYOYU_MSG_BIT(KYOYU_MSG_PEER))

/* Stage function: the stage's thread takes the stage over, and the codec
 * plugin is called from that thread only (debug builds abort otherwise). */
int kyoyu_encode_stage_run(void *stage, kyoyu_stage *kstage);

#endif
