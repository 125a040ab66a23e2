/* SPDX-License-Identifier: MIT */
/* Small helpers several files of the core share.  Header-only (static
 * inline): libkyoyu and the agent's core each keep their own copy, and
 * nothing here becomes a symbol a plugin could reach.  Not installed. */
#ifndef KYOYU_CORE_UTIL_H
#define KYOYU_CORE_UTIL_H

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <kyoyu/log.h>

#include "../plugins/common/seterr.h"
#include "os.h"

/* The first LEN bytes of TEXT as a new string (strndup, which Windows'
 * C runtime lacks); NULL when out of memory. */
static inline char *copy_n(const char *text, size_t len)
{
	char *copy = malloc(len + 1);

	if (copy) {
		memcpy(copy, text, len);
		copy[len] = '\0';
	}
	return copy;
}

/* TIMEOUT_MS (>= 0) from now on KYOYU_OS_COND_CLOCK (CLOCK_MONOTONIC on
 * Linux): the deadline for pthread_cond_timedwait() on a condition
 * variable made with that clock. */
static inline struct timespec deadline_after(int timeout_ms)
{
	struct timespec ts;

	clock_gettime(KYOYU_OS_COND_CLOCK, &ts);
	ts.tv_sec += timeout_ms / 1000;
	ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	return ts;
}

#endif
