/* SPDX-License-Identifier: MIT */
/* x11-repaint: repaints the whole screen FPS times a second with a new
 * colour, until killed: the "everything changes every frame" load of
 * bench/capture.
 *
 *   x11-repaint [FPS]      (DISPLAY says where; default 30) */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <kyoyu/clock.h>

#include "x11-paint.h"

int main(int argc, char **argv)
{
	int fps = argc > 1 ? atoi(argv[1]) : 30;
	x11_paint p;

	if (fps < 1 || fps > 240 || x11_paint_open(&p, NULL) != 0) {
		fprintf(stderr, "usage: DISPLAY=:N %s [FPS 1..240]\n", argv[0]);
		return 2;
	}
	int64_t start = kyoyu_now_us();
	for (uint32_t i = 0;; i++) {
		x11_paint_fill(&p, p.screen->root, 0, 0, p.screen->width_in_pixels,
			       p.screen->height_in_pixels, (i * 0x3f1d27u) & 0xffffffu);
		int64_t next = start + (int64_t)(i + 1) * 1000000 / fps, now = kyoyu_now_us();
		if (next > now) {
			struct timespec ts = {(time_t)((next - now) / 1000000),
					      (long)((next - now) % 1000000) * 1000};
			nanosleep(&ts, NULL);
		}
		if (xcb_connection_has_error(p.conn))
			return 1;
	}
}
