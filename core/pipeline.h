/* SPDX-License-Identifier: MIT */
/* The pipeline: which plugins fill which slot for this role, their
 * instances and stages, the core's own stages, and the order in which they
 * start and stop. */
#ifndef KYOYU_PIPELINE_H
#define KYOYU_PIPELINE_H

#include <stdio.h>

#include "loader.h"
#include "session.h"
#include "settings.h"

typedef struct kyoyu_pipeline kyoyu_pipeline;

/* What a finished run did, for the closing summary line. */
typedef struct kyoyu_run_summary {
	uint32_t reason;          /* kyoyu_end_reason */
	double seconds;           /* wall time from start to end */
	uint64_t frames;          /* captured (sharer) or decoded (viewer) */
	uint64_t packets, bytes;  /* encoded (sharer) or received (viewer) */
	uint64_t frames_merged;   /* stale frames merged away by the bus */
	int64_t latency_p50_us;   /* viewer: capture to decoded, or -1 */
	int64_t latency_p99_us;
} kyoyu_run_summary;

/* Builds the pipeline for ROLE: loads and initialises the plugins.  The
 * calling thread (the agent's main thread) owns the pipeline: run and free
 * must be called from it too, as they start and stop the stages and call
 * the plugins' start() and stop(); debug builds abort otherwise. */
int kyoyu_pipeline_new(kyoyu_loader *loader, kyoyu_settings *settings,
		       uint32_t role, kyoyu_pipeline **out, char *err, size_t errlen);

/* Starts every stage and runs the session until it ends, SIGINT/SIGTERM
 * arrive, or MAX_SECONDS pass (0: no limit). */
int kyoyu_pipeline_run(kyoyu_pipeline *pipeline, double max_seconds,
		       kyoyu_run_summary *summary);

void kyoyu_pipeline_free(kyoyu_pipeline *pipeline);

#endif
