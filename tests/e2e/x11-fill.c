/* SPDX-License-Identifier: MIT */
/* x11-fill: paints coloured rectangles straight onto the root window of
 * $DISPLAY (under any windows) and returns once the server has drawn them:
 * the customer's screen changing, for the session tests.
 *
 *   x11-fill RRGGBB X Y W H [RRGGBB X Y W H]... */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "x11-paint.h"

static int usage(const char *self)
{
	fprintf(stderr, "usage: DISPLAY=:N %s RRGGBB X Y W H [RRGGBB X Y W H]...\n", self);
	return 2;
}

int main(int argc, char **argv)
{
	x11_paint p;

	if (argc < 6 || (argc - 1) % 5 != 0)
		return usage(argv[0]);
	if (x11_paint_open(&p, NULL) != 0) {
		fprintf(stderr, "%s: cannot connect to the X display\n", argv[0]);
		return 1;
	}
	for (int i = 1; i + 4 < argc; i += 5) {
		char *end;
		unsigned long rgb = strtoul(argv[i], &end, 16);
		int x = atoi(argv[i + 1]), y = atoi(argv[i + 2]);
		int w = atoi(argv[i + 3]), h = atoi(argv[i + 4]);
		if (*end || rgb > 0xffffff || w <= 0 || h <= 0) {
			x11_paint_close(&p);
			return usage(argv[0]);
		}
		x11_paint_fill(&p, p.screen->root, x, y, (uint32_t)w, (uint32_t)h,
			       (uint32_t)rgb);
	}
	int failed = xcb_connection_has_error(p.conn);
	x11_paint_close(&p);
	return failed ? 1 : 0;
}
