/* SPDX-License-Identifier: MIT */
/* ui/headless: how late each decoded picture was.
 *
 * Keeps a histogram of capture-to-decoded latencies (250 µs buckets up to
 * 2 s, so any session fits in 32 kB) for the closing summary, and, when
 * given a path, writes one CSV line per picture:
 *
 *   frame,pts_us,capture_us,decoded_us,latency_us,kind,received_us
 *
 * capture_us, decoded_us and received_us (when its packet arrived, empty
 * when not known) are the viewer's CLOCK_MONOTONIC (the capture time
 * estimated from the sharer's clock); pts_us is the picture's time in the
 * frames file; kind is "key", "delta" or "refine".  A refinement
 * re-sends an old picture at a higher quality: its age is not latency, so
 * it is left out of the percentiles.  Not thread-safe: opened in start()
 * on the core's thread, added to by the stage's thread, closed by either
 * once run() returned or never ran.
 */
#ifndef KYOYU_UI_HEADLESS_LATENCY_LOG_H
#define KYOYU_UI_HEADLESS_LATENCY_LOG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define LATENCY_BUCKET_US 250
#define LATENCY_BUCKETS 8000

typedef enum picture_kind {
	PICTURE_KEY,
	PICTURE_DELTA,
	PICTURE_REFINE,
} picture_kind;

typedef struct latency_log {
	FILE *csv; /* or NULL */
	const char *path;
	bool failed;
	uint64_t pictures, refinements;
	uint32_t buckets[LATENCY_BUCKETS];
	uint64_t counted;
} latency_log;

/* Opens PATH (NULL: keep the histogram only).  Returns 0 or -errno. */
int latency_log_open(latency_log *log, const char *path);

/* Adds one decoded picture; RECEIVED_US is -1 when not known. */
void latency_log_add(latency_log *log, int64_t pts_us, int64_t capture_us,
		     int64_t received_us, int64_t decoded_us, picture_kind kind);

/* The latency in µs below which PERCENT of the counted pictures lie (upper
 * edge of its bucket), or -1 when none was counted. */
int64_t latency_log_percentile(const latency_log *log, double percent);

/* Flushes and closes the CSV.  Returns 0, or -EIO when a line could not be
 * written (the error was logged). */
int latency_log_close(latency_log *log);

#endif
