/* SPDX-License-Identifier: MIT */
/* The sharer's bitrate decisions. */
#include "config.h"

#include <string.h>

#include "pacer.h"

/* At most one cut per second: the encoder needs a moment to follow. */
#define CUT_INTERVAL_US 1000000
/* Calm this long before the first step up, then a step every RAISE_US. */
#define CALM_US 3000000
#define RAISE_US 2000000
/* A round trip this much above the smallest one means a standing queue. */
#define QUEUE_RTT_US 150000
/* Video still on its way after this long is a queue to drain; half of it
 * is no longer calm.  A line's queue tail-drops when full (200 ms of a
 * 1 Mbit/s tbf in bench/link), and TCP's recovery then holds pictures for
 * 0.3-0.7 s: cutting only at 150 ms left a scroll too little room before
 * the drops (bench/README.md, issue 17's fourth session). */
#define BACKLOG_US 100000
#define CALM_BACKLOG_US 50000
#define MIN_RTT_WINDOW_US 30000000
#define CUT_FACTOR 0.7
#define RAISE_FACTOR 1.1
#define RAISE_STEP_KBPS 20
/* Reports closer together than this say too little about a rate. */
#define REPORT_SPAN_US 200000

void kp_pacer_init(kp_pacer *p, uint32_t ceiling_kbps)
{
	memset(p, 0, sizeof(*p));
	p->ceiling_kbps = ceiling_kbps;
}

static uint32_t cut(kp_pacer *p, double factor, int64_t now_us)
{
	if (p->last_cut_us && now_us - p->last_cut_us < CUT_INTERVAL_US)
		return 0;
	double base = kp_pacer_target(p);
	/* What the link carries is the better guide when it is lower. */
	if (p->capacity_kbps > 0 && (base == 0 || p->capacity_kbps < base))
		base = p->capacity_kbps;
	if (base == 0)
		return 0; /* nothing known yet to cut from */
	if (p->ceiling_kbps == 0)
		p->ceiling_kbps = (uint32_t)base; /* never climb above this again */
	double next = base * factor;
	if (next < KP_PACER_MIN_KBPS)
		next = KP_PACER_MIN_KBPS;
	p->last_cut_us = now_us;
	p->calm_since_us = now_us;
	uint32_t kbps = (uint32_t)(next + 0.5);
	if (p->target_kbps == kbps)
		return 0;
	p->target_kbps = kbps;
	return kbps;
}

uint32_t kp_pacer_on_late(kp_pacer *p, int64_t now_us)
{
	p->calm_since_us = now_us;
	return cut(p, CUT_FACTOR, now_us);
}

void kp_pacer_on_report(kp_pacer *p, uint64_t bytes, bool busy, int64_t now_us)
{
	if (p->report_us && now_us - p->report_us < REPORT_SPAN_US)
		return;
	if (p->report_us && bytes >= p->report_bytes) {
		double kbps = (double)(bytes - p->report_bytes) * 8 / 1000 /
			      ((double)(now_us - p->report_us) / 1e6);
		/* Busy from one report to the next, the link was the limit; a
		 * higher rate than known shows what it carries either way. */
		if ((busy && p->report_busy) || kbps > p->capacity_kbps)
			p->capacity_kbps = p->capacity_kbps > 0
						   ? 0.7 * p->capacity_kbps + 0.3 * kbps
						   : kbps;
	}
	p->report_bytes = bytes;
	p->report_us = now_us;
	p->report_busy = busy;
}

uint32_t kp_pacer_on_rtt(kp_pacer *p, int64_t rtt_us, int64_t now_us)
{
	if (rtt_us <= 0)
		return 0;
	/* The path may change: a minimum older than the window is forgotten. */
	if (!p->min_rtt_us || rtt_us < p->min_rtt_us ||
	    now_us - p->min_rtt_at_us > MIN_RTT_WINDOW_US) {
		p->min_rtt_us = rtt_us;
		p->min_rtt_at_us = now_us;
	}
	if (rtt_us - p->min_rtt_us < QUEUE_RTT_US)
		return 0;
	p->calm_since_us = now_us;
	return cut(p, 0.85, now_us);
}

uint32_t kp_pacer_on_queue_delay(kp_pacer *p, int64_t delay_us, int64_t now_us)
{
	if (delay_us < CALM_BACKLOG_US)
		return 0;
	p->calm_since_us = now_us;
	if (delay_us < BACKLOG_US)
		return 0;
	/* Low enough to drain the backlog within about a second. */
	double factor = 1.0 - (double)delay_us / 1e6;
	return cut(p, factor < 0.6 ? 0.6 : factor > 0.85 ? 0.85 : factor, now_us);
}

void kp_pacer_new_link(kp_pacer *p)
{
	p->report_us = 0;
	p->report_bytes = 0;
	p->report_busy = false;
}

uint32_t kp_pacer_target(const kp_pacer *p)
{
	return p->target_kbps ? p->target_kbps : p->ceiling_kbps;
}

uint32_t kp_pacer_tick(kp_pacer *p, int64_t now_us)
{
	/* Never above the configured bitrate, nor past what the link has been
	 * seen to carry.  No step goes beyond it to find out whether the link
	 * carries more: top-offs and the bursts at the start of a change fill
	 * the link now and then, and show it (kp_pacer_on_report).  Steps 15 %
	 * past it made a long scroll overflow a 1 Mbit/s line's 200-ms queue,
	 * and TCP's recovery from the losses held pictures for 0.5-0.9 s
	 * (bench/README.md, issue 17's third session). */
	double limit = p->ceiling_kbps;
	if (p->capacity_kbps > 0 && p->capacity_kbps < limit)
		limit = p->capacity_kbps;
	/* A target set before the link was known (the configured bitrate, or
	 * a cut from it) comes down to that at once. */
	if (kp_pacer_target(p) > limit + 0.5 && limit >= KP_PACER_MIN_KBPS) {
		p->target_kbps = (uint32_t)(limit + 0.5);
		p->last_cut_us = now_us;
		return p->target_kbps;
	}
	if (!p->target_kbps || p->target_kbps >= limit)
		return 0;
	if (now_us - p->calm_since_us < CALM_US || now_us - p->last_raise_us < RAISE_US)
		return 0;
	double next = p->target_kbps * RAISE_FACTOR + RAISE_STEP_KBPS;
	if (next > limit)
		next = limit;
	if ((uint32_t)next <= p->target_kbps)
		return 0;
	p->target_kbps = (uint32_t)next;
	p->last_raise_us = now_us;
	return p->target_kbps;
}
