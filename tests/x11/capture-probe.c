/* SPDX-License-Identifier: MIT */
/* kyoyu-capture-probe: runs one capture plugin on a frame bus, shares, and
 * counts what it posts; the sink does nothing else, so the process's CPU
 * time is the capture's own.  Used by bench/capture.
 *
 *   kyoyu-capture-probe [-p PLUGIN] [-t SECONDS] [-v] [capture.KEY=VALUE]...
 *
 * Prints "ready" once the first frame arrived, then (with -v) a line per
 * message, and at the end one line of totals.  SIGINT/SIGTERM end it. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kyoyu/plugin.h>

#include "capture-harness.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	stop = sig;
}

typedef struct totals {
	unsigned long long frames, keys, cursors, shapes, sizes;
	unsigned long long damage_pixels;
} totals;

static void count(totals *t, const kyoyu_msg *m, bool verbose)
{
	if (m->type == KYOYU_MSG_FRAME) {
		kyoyu_rect b = kyoyu_region_bounds(&m->u.frame.damage);
		t->frames++;
		t->keys += (m->u.frame.flags & KYOYU_FRAME_KEY) != 0;
		t->damage_pixels += kyoyu_region_area(&m->u.frame.damage);
		if (verbose)
			printf("frame %ux%u%s rects %u bounds %d,%d %dx%d\n",
			       m->u.frame.width, m->u.frame.height,
			       m->u.frame.flags & KYOYU_FRAME_KEY ? " key" : "",
			       m->u.frame.damage.n, b.x, b.y, b.w, b.h);
	} else if (m->type == KYOYU_MSG_CURSOR) {
		t->cursors++;
		t->shapes += m->buf != NULL;
		if (verbose)
			printf("cursor %d,%d%s%s\n", m->u.cursor.x, m->u.cursor.y,
			       m->u.cursor.visible ? "" : " hidden", m->buf ? " shape" : "");
	} else if (m->type == KYOYU_MSG_VIDEO_SIZE) {
		t->sizes++;
		if (verbose)
			printf("size %ux%u at %d,%d\n", m->u.size.width, m->u.size.height,
			       m->u.size.x, m->u.size.y);
	}
}

int main(int argc, char **argv)
{
	const char *plugin = "x11";
	double seconds = 0;
	bool verbose = false, ready = false;
	int opt;

	while ((opt = getopt(argc, argv, "p:t:v")) != -1) {
		switch (opt) {
		case 'p':
			plugin = optarg;
			break;
		case 't':
			seconds = strtod(optarg, NULL);
			break;
		case 'v':
			verbose = true;
			break;
		default:
			fprintf(stderr, "usage: %s [-p PLUGIN] [-t SECONDS] [-v] "
					"[capture.KEY=VALUE]...\n", argv[0]);
			return 2;
		}
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	setvbuf(stdout, NULL, _IOLBF, 0);

	capture_harness h;
	char err[1024] = "";
	int ret = capture_harness_open(&h, KYOYU_BUILD_PLUGIN_DIR, plugin,
				       (const char *const *)argv + optind, err, sizeof(err));
	if (ret != KYOYU_OK) {
		fprintf(stderr, "capture/%s: %s\n", plugin,
			ret == KYOYU_SKIP ? "does not apply here" : err);
		capture_harness_close(&h);
		return 1;
	}
	if ((ret = capture_harness_start(&h)) != 0) {
		fprintf(stderr, "capture/%s failed to start: %s\n", plugin, strerror(-ret));
		capture_harness_close(&h);
		return 1;
	}
	if ((ret = capture_harness_set_state(&h, KYOYU_STATE_SHARING)) != 0) {
		fprintf(stderr, "cannot start sharing: %s\n", strerror(-ret));
		capture_harness_close(&h);
		return 1;
	}

	totals t = {0};
	int64_t end = seconds > 0 ? kyoyu_now_us() + (int64_t)(seconds * 1e6) : INT64_MAX;
	while (!stop && kyoyu_now_us() < end) {
		kyoyu_msg *m;
		if (capture_harness_next(&h, &m, 100) != 0)
			continue;
		count(&t, m, verbose);
		if (m->type == KYOYU_MSG_ERROR) {
			fprintf(stderr, "capture/%s failed: %s\n", plugin,
				strerror((int)-m->u.value));
			stop = 1;
		}
		kyoyu_msg_unref(m);
		if (!ready && t.frames) {
			printf("ready\n");
			ready = true;
		}
	}
	capture_harness_close(&h);
	printf("frames %llu keys %llu cursors %llu shapes %llu sizes %llu "
	       "damage_pixels %llu\n", t.frames, t.keys, t.cursors, t.shapes, t.sizes,
	       t.damage_pixels);
	return 0;
}
