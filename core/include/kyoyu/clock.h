/* SPDX-License-Identifier: MIT */
/* kyoyu — time.
 *
 * Every timestamp on the bus is microseconds of CLOCK_MONOTONIC.  Policy
 * decisions (session caps, idle timeouts) read a kyoyu_clock instead, which a
 * test can replace with one it advances by hand, so no test waits 40 minutes.
 */
#ifndef KYOYU_CLOCK_H
#define KYOYU_CLOCK_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Microseconds of CLOCK_MONOTONIC. Any thread. */
int64_t kyoyu_now_us(void);

typedef struct kyoyu_clock kyoyu_clock;

/* A clock that follows CLOCK_MONOTONIC, sped up RATE times (1 = real time).
 * Returns NULL on allocation failure.  Free with kyoyu_clock_free(). */
kyoyu_clock *kyoyu_clock_new(double rate);

/* A clock that stands still until kyoyu_clock_advance() moves it. */
kyoyu_clock *kyoyu_clock_new_manual(int64_t start_us);

void kyoyu_clock_free(kyoyu_clock *clock);

/* The clock's current time in microseconds. Any thread. */
int64_t kyoyu_clock_now(const kyoyu_clock *clock);

/* Moves a manual clock forward by DELTA_US; no effect on other clocks. */
void kyoyu_clock_advance(kyoyu_clock *clock, int64_t delta_us);

#ifdef __cplusplus
}
#endif

#endif
