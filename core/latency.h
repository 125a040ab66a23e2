/* SPDX-License-Identifier: MIT */
/* A histogram of latencies, cheap enough to feed every frame, from which
 * the viewer reports its capture-to-decoded percentiles. */
#ifndef KYOYU_LATENCY_H
#define KYOYU_LATENCY_H

#include <stdint.h>

/* 250 µs buckets up to 2 s; slower frames land in the last bucket. */
#define KYOYU_LATENCY_BUCKET_US 250
#define KYOYU_LATENCY_BUCKETS 8000

typedef struct kyoyu_latency {
	uint32_t buckets[KYOYU_LATENCY_BUCKETS];
	uint64_t count;
} kyoyu_latency;

/* Adds one sample; negative samples (clock estimates) count as 0. */
void kyoyu_latency_add(kyoyu_latency *histogram, int64_t latency_us);

/* The latency below which PERCENT of the samples lie (upper edge of its
 * bucket), or -1 without samples. */
int64_t kyoyu_latency_percentile(const kyoyu_latency *histogram, double percent);

#endif
