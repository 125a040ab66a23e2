/* SPDX-License-Identifier: MIT */
/* Latency histogram: fixed buckets, percentiles by a cumulative walk. */
#include "config.h"

#include "latency.h"

void kyoyu_latency_add(kyoyu_latency *h, int64_t latency_us)
{
	int64_t bucket = latency_us < 0 ? 0 : latency_us / KYOYU_LATENCY_BUCKET_US;

	if (bucket >= KYOYU_LATENCY_BUCKETS)
		bucket = KYOYU_LATENCY_BUCKETS - 1;
	h->buckets[bucket]++;
	h->count++;
}

int64_t kyoyu_latency_percentile(const kyoyu_latency *h, double percent)
{
	if (h->count == 0)
		return -1;
	/* The rank of the sample sought, 1-based, rounded up. */
	uint64_t rank = (uint64_t)((double)h->count * percent / 100.0 + 0.999999);
	uint64_t seen = 0;

	if (rank == 0)
		rank = 1;
	for (uint32_t i = 0; i < KYOYU_LATENCY_BUCKETS; i++) {
		seen += h->buckets[i];
		if (seen >= rank)
			return (int64_t)(i + 1) * KYOYU_LATENCY_BUCKET_US;
	}
	return (int64_t)KYOYU_LATENCY_BUCKETS * KYOYU_LATENCY_BUCKET_US;
}
