/* SPDX-License-Identifier: MIT */
/* Monotonic time, and the session clock that tests may speed up or drive. */
#include "config.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#include <kyoyu/clock.h>

struct kyoyu_clock {
	double rate;        /* 0 for a manual clock */
	int64_t origin_us;  /* real time at creation */
	_Atomic int64_t manual_us;
};

int64_t kyoyu_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

kyoyu_clock *kyoyu_clock_new(double rate)
{
	kyoyu_clock *clock = calloc(1, sizeof(*clock));

	if (!clock)
		return NULL;
	clock->rate = rate > 0 ? rate : 1.0;
	clock->origin_us = kyoyu_now_us();
	return clock;
}

kyoyu_clock *kyoyu_clock_new_manual(int64_t start_us)
{
	kyoyu_clock *clock = calloc(1, sizeof(*clock));

	if (!clock)
		return NULL;
	atomic_init(&clock->manual_us, start_us);
	return clock;
}

void kyoyu_clock_free(kyoyu_clock *clock)
{
	free(clock);
}

int64_t kyoyu_clock_now(const kyoyu_clock *clock)
{
	if (clock->rate == 0)
		return atomic_load(&((kyoyu_clock *)clock)->manual_us);
	int64_t real = kyoyu_now_us();
	if (clock->rate == 1.0)
		return real;
	return clock->origin_us + (int64_t)((double)(real - clock->origin_us) * clock->rate);
}

void kyoyu_clock_advance(kyoyu_clock *clock, int64_t delta_us)
{
	if (clock->rate == 0)
		atomic_fetch_add(&clock->manual_us, delta_us);
}
