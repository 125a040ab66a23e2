/* SPDX-License-Identifier: MIT */
/* The sharer's bitrate decisions: latency before throughput.
 *
 * When video waited too long to leave (or was lost), when video sent
 * more than 100 ms before the receiver's report had not arrived by then, or
 * when the round trip grows well above its minimum, the target drops below
 * what the link can carry, so the queue drains; after a few calm seconds it
 * climbs back step by step, never above the configured bitrate, nor above
 * what the link has been seen to carry.
 *
 * What the link can carry is learnt only from reports written while it was
 * busy: a sharer sends pictures only when the screen changes, so the bytes
 * that arrived over a still spell say how little there was to send, not how
 * much the link takes.  Counting those is what made a scroll after a pause
 * cut the encoder to a fraction of a line it could have filled.
 * Pure logic on numbers, so it is tested without a network.  Transport
 * thread only. */
#ifndef KP_PACER_H
#define KP_PACER_H

#include <stdbool.h>
#include <stdint.h>

#define KP_PACER_MIN_KBPS 100

typedef struct kp_pacer {
	uint32_t ceiling_kbps;  /* the configured bitrate; 0 when not known */
	uint32_t target_kbps;   /* the last one asked for; 0: never asked */
	int64_t last_cut_us, last_raise_us, calm_since_us;
	uint64_t report_bytes;  /* from the last receiver report */
	int64_t report_us;
	bool report_busy;       /* video was still on its way at that report */
	double capacity_kbps;   /* smoothed rate of the reports written while
				 * the link was busy; 0: not seen yet */
	int64_t min_rtt_us;     /* the smallest round trip of the last 30 s */
	int64_t min_rtt_at_us;
} kp_pacer;

/* CEILING_KBPS is the encoder's configured bitrate (0: unknown). */
void kp_pacer_init(kp_pacer *pacer, uint32_t ceiling_kbps);

/* Video was lost on the way out, or waited longer than the sender's queue
 * may hold, at NOW_US.  Returns a new target to post, or 0. */
uint32_t kp_pacer_on_late(kp_pacer *pacer, int64_t now_us);

/* A receiver report said BYTES of video arrived in total by NOW_US; BUSY:
 * some video sent before the report was written had not arrived yet (the
 * link was the limit, not the screen).  Feeds what the link can carry;
 * reports alone never change the target. */
void kp_pacer_on_report(kp_pacer *pacer, uint64_t bytes, bool busy, int64_t now_us);

/* A round trip of RTT_US was measured.  Returns a new target when a queue
 * is building on the path, or 0. */
uint32_t kp_pacer_on_rtt(kp_pacer *pacer, int64_t rtt_us, int64_t now_us);

/* When the receiver wrote its last report, the oldest video it had not
 * received yet had been on its way for DELAY_US (negative: it had it all).
 * Returns a new target when that is a queue longer than the sender may
 * keep, or 0. */
uint32_t kp_pacer_on_queue_delay(kp_pacer *pacer, int64_t delay_us, int64_t now_us);

/* A new connection: its reports count from zero again. */
void kp_pacer_new_link(kp_pacer *pacer);

/* The bitrate the encoder was last asked for: the configured one until
 * the pacer asks. */
uint32_t kp_pacer_target(const kp_pacer *pacer);

/* Called about once a second.  Returns a higher target after a calm spell,
 * a lower one when the target is above what the link was seen to carry,
 * or 0. */
uint32_t kp_pacer_tick(kp_pacer *pacer, int64_t now_us);

#endif
