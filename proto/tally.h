/* SPDX-License-Identifier: MIT */
/* Repeated events, summarised so that a flood cannot flood the log.
 *
 * The first KP_TALLY_BURST (20) events of a kind in each KP_TALLY_WINDOW_US are
 * logged in full by the caller; the rest are only counted, with how many
 * distinct addresses they came from, and once the window is over one line
 * sums them up: "1234 refused connections from 56 addresses in the last
 * 10 s".  Only for events that an outsider can cause at will (connections
 * refused or dropped before they proved a code); sessions and errors are
 * always logged in full.  Transport thread only. */
#ifndef KP_TALLY_H
#define KP_TALLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "source.h"

#define KP_TALLY_BURST 20
#define KP_TALLY_WINDOW_US INT64_C(10000000)
#define KP_TALLY_SOURCES 256 /* distinct addresses counted exactly */

typedef struct kp_tally {
	const char *what; /* plural, "refused connections" */
	int64_t window_end_us;
	unsigned logged;      /* in full, this window */
	unsigned long quiet;  /* counted only, this window */
	size_t n_sources;     /* distinct addresses of the quiet ones */
	bool more_sources;    /* more than KP_TALLY_SOURCES */
	kp_source sources[KP_TALLY_SOURCES];
} kp_tally;

/* An empty tally of WHAT (a static string, plural). */
void kp_tally_init(kp_tally *tally, const char *what);

/* An event from ADDR (numeric) at NOW_US: true when the caller logs it in
 * full, false when it was counted for the summary. */
bool kp_tally_note(kp_tally *tally, const char *addr, int64_t now_us);

/* When the window's summary is due, or -1 when nothing waits for one. */
int64_t kp_tally_due(const kp_tally *tally);

/* Writes the summary to LINE (LEN bytes) and starts a new window when the
 * window is over and events were counted; false otherwise. */
bool kp_tally_summary(kp_tally *tally, int64_t now_us, char *line, size_t len);

#endif
