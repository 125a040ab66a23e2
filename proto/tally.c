/* SPDX-License-Identifier: MIT */
/* Repeated events, summarised so that a flood cannot flood the log. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "tally.h"

void kp_tally_init(kp_tally *tally, const char *what)
{
	memset(tally, 0, sizeof(*tally));
	tally->what = what;
}

static void count_source(kp_tally *t, const char *addr)
{
	kp_source src;

	kp_source_parse(addr, &src);
	for (size_t i = 0; i < t->n_sources; i++)
		if (kp_source_same_address(&t->sources[i], &src))
			return;
	if (t->n_sources < KP_TALLY_SOURCES)
		t->sources[t->n_sources++] = src;
	else
		t->more_sources = true;
}

bool kp_tally_note(kp_tally *tally, const char *addr, int64_t now_us)
{
	if (now_us >= tally->window_end_us && !tally->quiet) {
		tally->window_end_us = now_us + KP_TALLY_WINDOW_US;
		tally->logged = 0;
	}
	if (tally->logged < KP_TALLY_BURST) {
		tally->logged++;
		return true;
	}
	tally->quiet++;
	count_source(tally, addr);
	return false;
}

int64_t kp_tally_due(const kp_tally *tally)
{
	return tally->quiet ? tally->window_end_us : -1;
}

bool kp_tally_summary(kp_tally *tally, int64_t now_us, char *line, size_t len)
{
	if (!tally->quiet || now_us < tally->window_end_us)
		return false;
	snprintf(line, len, "%lu more %s from %s%zu address%s in the last %lld s", tally->quiet,
		 tally->what, tally->more_sources ? "over " : "", tally->n_sources,
		 tally->n_sources == 1 && !tally->more_sources ? "" : "es",
		 (long long)(KP_TALLY_WINDOW_US / 1000000));
	tally->quiet = 0;
	tally->n_sources = 0;
	tally->more_sources = false;
	/* The next window starts now and logs its first few in full again. */
	tally->window_end_us = now_us + KP_TALLY_WINDOW_US;
	tally->logged = 0;
	return true;
}
