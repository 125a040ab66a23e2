/* SPDX-License-Identifier: MIT */
/* ui/headless: the latency CSV and histogram. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#define KYOYU_LOG_COMPONENT "ui/headless"
#include <kyoyu/kyoyu.h>

#include "latency-log.h"

static const char *const kind_names[] = {"key", "delta", "refine"};

int latency_log_open(latency_log *log, const char *path)
{
	memset(log, 0, sizeof(*log));
	log->path = path;
	if (!path)
		return 0;
	if (!(log->csv = fopen(path, "we"))) {
		int err = errno;
		kyoyu_error("cannot write the latency log %s: %s; check ui.latency", path,
			    strerror(err));
		return -err;
	}
	if (fputs("frame,pts_us,capture_us,decoded_us,latency_us,kind,received_us\n",
		  log->csv) < 0)
		log->failed = true;
	return 0;
}

void latency_log_add(latency_log *log, int64_t pts_us, int64_t capture_us,
		     int64_t received_us, int64_t decoded_us, picture_kind kind)
{
	int64_t latency = decoded_us - capture_us;
	char received[24] = "";

	log->pictures++;
	if (received_us >= 0)
		snprintf(received, sizeof(received), "%" PRId64, received_us);
	if (log->csv && !log->failed &&
	    fprintf(log->csv, "%" PRIu64 ",%" PRId64 ",%" PRId64 ",%" PRId64 ",%" PRId64 ",%s,%s\n",
		    log->pictures - 1, pts_us, capture_us, decoded_us, latency,
		    kind_names[kind], received) < 0) {
		kyoyu_error("cannot write to %s: %s; the latency log stops here", log->path,
			    strerror(errno));
		log->failed = true;
	}
	if (kind == PICTURE_REFINE) {
		log->refinements++;
		return;
	}
	/* The capture time is estimated from the sharer's clock: a picture
	 * may seem to arrive a little before it was taken. */
	int64_t bucket = latency < 0 ? 0 : latency / LATENCY_BUCKET_US;
	if (bucket >= LATENCY_BUCKETS)
		bucket = LATENCY_BUCKETS - 1;
	log->buckets[bucket]++;
	log->counted++;
}

int64_t latency_log_percentile(const latency_log *log, double percent)
{
	if (log->counted == 0)
		return -1;
	/* The 1-based rank of the sample sought, rounded up. */
	uint64_t rank = (uint64_t)((double)log->counted * percent / 100.0 + 0.999999);
	uint64_t seen = 0;

	if (rank == 0)
		rank = 1;
	for (uint32_t i = 0; i < LATENCY_BUCKETS; i++) {
		seen += log->buckets[i];
		if (seen >= rank)
			return (int64_t)(i + 1) * LATENCY_BUCKET_US;
	}
	return (int64_t)LATENCY_BUCKETS * LATENCY_BUCKET_US;
}

int latency_log_close(latency_log *log)
{
	if (!log->csv)
		return log->failed ? -EIO : 0;
	if (fclose(log->csv) != 0 && !log->failed) {
		kyoyu_error("cannot write to %s: %s", log->path, strerror(errno));
		log->failed = true;
	}
	log->csv = NULL;
	return log->failed ? -EIO : 0;
}
