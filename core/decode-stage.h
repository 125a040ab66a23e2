/* SPDX-License-Identifier: MIT */
/* The decode stage (viewer): packets in, pictures out, through whichever
 * codec plugin decodes the stream's codec. */
#ifndef KYOYU_DECODE_STAGE_H
#define KYOYU_DECODE_STAGE_H

#include <stdint.h>

#include "instance.h"

typedef struct kyoyu_decode_stats {
	uint64_t packets, frames, skipped, errors, keyframe_requests;
	/* Capture to decoded, of pictures that were not refinements; -1 when
	 * none was decoded. */
	int64_t latency_p50_us, latency_p95_us, latency_p99_us;
} kyoyu_decode_stats;

typedef struct kyoyu_decode_stage kyoyu_decode_stage;

/* DECODERS: codec instances to choose from, NULL-terminated (not owned);
 * each gives FORMAT (kyoyu_pixfmt) pictures. */
kyoyu_decode_stage *kyoyu_decode_stage_new(kyoyu_instance *const *decoders,
					   uint32_t format);
void kyoyu_decode_stage_free(kyoyu_decode_stage *stage);
void kyoyu_decode_stage_get_stats(kyoyu_decode_stage *stage, kyoyu_decode_stats *out);

/* What the decode stage reads; subscribed by the pipeline before any stage
 * thread runs, so the first packets are not lost. */
#define KYOYU_DECODE_STAGE_MASK                                                \
	(KYOYU_MSG_BIT(KYOYU_MSG_PACKET) | KYOYU_MSG_BIT(KYOYU_MSG_STATE))

/* Stage function: the stage's thread takes the stage over, and the codec
 * plugins are called from that thread only (debug builds abort otherwise). */
int kyoyu_decode_stage_run(void *stage, kyoyu_stage *kstage);

#endif
