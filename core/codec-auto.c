/* SPDX-License-Identifier: MIT */
/* The decision behind codec.format = "auto".
 *
 * The PC cannot keep up when encoding one picture takes most of the time
 * until the next is due at the frame rate asked for, and the encoder is
 * busy most of the time: the screen then moves in jerks and every picture
 * waits behind the one before.  Both are judged over the pictures of the
 * last WINDOW_US, once they cover JUDGE_US of motion (a slow PC makes few
 * pictures, so their number would come too late: a scroll lasts a few
 * seconds).  The median picture, not the mean, so a keyframe or a page
 * that loads does not count for a slow PC; the busy share so a few slow
 * keystrokes, far apart, do not either.  Only when the pictures stay slow
 * for HOLD_US of motion is the switch due: hysteresis against a PC that is
 * busy for a moment (an antivirus scan starting, a browser opening).
 *
 * At most one switch per session, and never back: going back would mean
 * paying for the expensive codec again on the PC that could not afford it
 * to find out whether it now can, and every switch costs a keyframe on
 * both sides.  A session is short; the next starts with the expensive
 * codec again, so a PC that was only busy for a while is judged anew.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "codec-auto.h"

#define WINDOW_US 1000000
#define JUDGE_US 750000
#define MIN_PICTURES 3
#define HOLD_US 1500000
/* The share of the frame interval, in percent, that a slow PC's median
 * picture takes: above it, the encoder leaves too little time for
 * capturing, sending and everything else the PC does. */
#define SLOW_SHARE 80
/* The share of the time, in percent, the encoder must be busy. */
#define BUSY_SHARE 50

void kyoyu_codec_auto_init(kyoyu_codec_auto *a)
{
	memset(a, 0, sizeof(*a));
}

static int by_value(const void *x, const void *y)
{
	int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
	return (a > b) - (a < b);
}

static int64_t median_encode_us(const kyoyu_codec_auto *a)
{
	int64_t times[KYOYU_CODEC_AUTO_WINDOW];

	for (unsigned i = 0; i < a->count; i++)
		times[i] = a->seen[(a->first + i) % KYOYU_CODEC_AUTO_WINDOW].encode_us;
	qsort(times, a->count, sizeof(times[0]), by_value);
	return times[a->count / 2];
}

/* True when the pictures in the window say this PC is too slow; false
 * too when they are too few to say. */
static bool window_slow(const kyoyu_codec_auto *a, int64_t now_us, int64_t interval_us)
{
	int64_t busy = 0;

	for (unsigned i = 0; i < a->count; i++)
		busy += a->seen[(a->first + i) % KYOYU_CODEC_AUTO_WINDOW].encode_us;
	/* From when the first picture's encoding began. */
	int64_t span = now_us - a->seen[a->first].at_us + a->seen[a->first].encode_us;
	return a->count >= MIN_PICTURES && span >= JUDGE_US && busy * 100 >= span * BUSY_SHARE &&
	       median_encode_us(a) * 100 > interval_us * SLOW_SHARE;
}

bool kyoyu_codec_auto_note(kyoyu_codec_auto *a, int64_t now_us, int64_t encode_us,
			   int64_t interval_us)
{
	if (a->switched || interval_us <= 0)
		return false;
	while (a->count && now_us - a->seen[a->first].at_us > WINDOW_US) {
		a->first = (a->first + 1) % KYOYU_CODEC_AUTO_WINDOW;
		a->count--;
	}
	if (a->count == KYOYU_CODEC_AUTO_WINDOW) {
		a->first = (a->first + 1) % KYOYU_CODEC_AUTO_WINDOW;
		a->count--;
	}
	unsigned last = (a->first + a->count++) % KYOYU_CODEC_AUTO_WINDOW;
	a->seen[last].at_us = now_us;
	a->seen[last].encode_us = encode_us;

	if (!window_slow(a, now_us, interval_us)) {
		a->slow_since_us = 0;
		return false;
	}
	if (!a->slow_since_us)
		a->slow_since_us = now_us;
	if (now_us - a->slow_since_us < HOLD_US)
		return false;
	a->switched = true;
	return true;
}
