/* SPDX-License-Identifier: MIT */
/* kyoyu-pipewire-check: runs capture/pipewire on a real frame bus (the
 * capture harness of tests/x11) and prints what it posts, one line a
 * message, with the colours of the pixels, so a shell test can compare
 * them with what a Wayland client drew.
 *
 *   kyoyu-pipewire-check [-t SECONDS] [-v] [capture.KEY=VALUE]...
 *
 * Shares at once.  Standard input takes commands, one a line: "pause" and
 * "share" move the pretend session out of and back into sharing, "quit"
 * (or the end of input, or -t) ends.  Output lines, each after the seconds
 * since the start:
 *   size WxH at X,Y
 *   frame N WxH [key] rects R box X,Y+WxH area A in RRGGBB:COUNT... all RRGGBB:COUNT...
 *       (the three commonest colours inside the damage, then in the picture)
 *   cursor X,Y visible|hidden [shape WxH hot X,Y opaque N clear N
 *       [translucent N first RRGGBBAA]]  (the shape's first translucent pixel,
 *       straight alpha)
 *   error TEXT
 *   state paused|sharing          (after a command took effect)
 * and at the end "end refused N": the screen content the bus refused
 * because the pretend session was not sharing (none, when the plugin
 * posts nothing then).  -v logs the plugin's debug lines too.  Exits 0, or 1 when the plugin did not start. */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <kyoyu/host.h>
#include <kyoyu/plugin.h>

#include "capture-harness.h"

#define TOP 3

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	stop = sig;
}

typedef struct tally {
	uint32_t rgb[64];
	uint64_t count[64];
	unsigned n;
	uint64_t others; /* pixels of colours past the 64th */
} tally;

static void count_pixel(tally *t, uint32_t rgb)
{
	for (unsigned i = 0; i < t->n; i++)
		if (t->rgb[i] == rgb) {
			t->count[i]++;
			return;
		}
	if (t->n == 64) {
		t->others++;
		return;
	}
	t->rgb[t->n] = rgb;
	t->count[t->n++] = 1;
}

static void count_rect(tally *t, const uint8_t *pixels, uint32_t stride, kyoyu_rect r)
{
	for (int32_t y = r.y; y < r.y + r.h; y++) {
		const uint8_t *p = pixels + (size_t)y * stride + (size_t)r.x * 4;
		for (int32_t x = 0; x < r.w; x++, p += 4)
			count_pixel(t, (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0]);
	}
}

/* The TOP commonest colours, "RRGGBB:COUNT" each. */
static void print_tally(const char *label, tally *t)
{
	printf(" %s", label);
	for (unsigned k = 0; k < TOP && k < t->n; k++) {
		unsigned best = k;
		for (unsigned i = k + 1; i < t->n; i++)
			if (t->count[i] > t->count[best])
				best = i;
		uint32_t rgb = t->rgb[best];
		uint64_t count = t->count[best];
		t->rgb[best] = t->rgb[k], t->count[best] = t->count[k];
		t->rgb[k] = rgb, t->count[k] = count;
		printf(" %06x:%llu", rgb, (unsigned long long)count);
	}
}

/* The damage is counted rectangle by rectangle, so overlapping ones count
 * twice: the shell tests draw one rectangle at a time. */
static void print_frame(const kyoyu_msg *m, unsigned long long n)
{
	const kyoyu_frame_info *f = &m->u.frame;
	const uint8_t *pixels = kyoyu_buffer_data(m->buf);
	kyoyu_rect box = kyoyu_region_bounds(&f->damage);
	tally in = {0}, all = {0};

	for (uint32_t i = 0; i < f->damage.n; i++)
		count_rect(&in, pixels + f->offset[0], f->stride[0], f->damage.rects[i]);
	count_rect(&all, pixels + f->offset[0], f->stride[0],
		   (kyoyu_rect){0, 0, (int32_t)f->width, (int32_t)f->height});
	printf("frame %llu %ux%u%s rects %u box %d,%d+%dx%d area %llu", n, f->width,
	       f->height, f->flags & KYOYU_FRAME_KEY ? " key" : "", f->damage.n, box.x,
	       box.y, box.w, box.h, (unsigned long long)kyoyu_region_area(&f->damage));
	print_tally("in", &in);
	print_tally("all", &all);
	printf("\n");
}

static void print_cursor(const kyoyu_msg *m)
{
	const kyoyu_cursor_info *c = &m->u.cursor;

	printf("cursor %d,%d %s", c->x, c->y, c->visible ? "visible" : "hidden");
	if (m->buf) {
		const uint8_t *p = kyoyu_buffer_data(m->buf);
		size_t pixels = (size_t)c->width * c->height, opaque = 0, clear = 0;
		const uint8_t *semi = NULL;
		for (size_t i = 0; i < pixels; i++) {
			const uint8_t *px = p + i * 4;
			opaque += px[3] == 255;
			clear += px[3] == 0;
			if (px[3] != 0 && px[3] != 255 && !semi)
				semi = px;
		}
		printf(" shape %ux%u hot %u,%u opaque %zu clear %zu", c->width, c->height,
		       c->hot_x, c->hot_y, opaque, clear);
		if (semi)
			printf(" translucent %zu first %02x%02x%02x%02x",
			       pixels - opaque - clear, semi[2], semi[1], semi[0], semi[3]);
	}
	printf("\n");
}

static void print_message(const kyoyu_msg *m, unsigned long long *frames)
{
	switch (m->type) {
	case KYOYU_MSG_FRAME:
		print_frame(m, ++*frames);
		break;
	case KYOYU_MSG_CURSOR:
		print_cursor(m);
		break;
	case KYOYU_MSG_VIDEO_SIZE:
		printf("size %ux%u at %d,%d\n", m->u.size.width, m->u.size.height,
		       m->u.size.x, m->u.size.y);
		break;
	case KYOYU_MSG_ERROR:
		printf("error %.*s\n",
		       m->buf ? (int)kyoyu_buffer_size(m->buf) : 0,
		       m->buf ? (const char *)kyoyu_buffer_data(m->buf) : "");
		break;
	default:
		break;
	}
}

/* Reads one command from standard input when there is one; returns false
 * at the end of input or on "quit". */
static bool command(capture_harness *h)
{
	struct pollfd pfd = {.fd = STDIN_FILENO, .events = POLLIN};
	char line[64];

	if (poll(&pfd, 1, 0) <= 0)
		return true;
	if (!fgets(line, sizeof(line), stdin))
		return false;
	if (strncmp(line, "pause", 5) == 0 &&
	    capture_harness_set_state(h, KYOYU_STATE_PAUSED) == 0)
		printf("state paused\n");
	else if (strncmp(line, "share", 5) == 0 &&
		 capture_harness_set_state(h, KYOYU_STATE_SHARING) == 0)
		printf("state sharing\n");
	else if (strncmp(line, "quit", 4) == 0)
		return false;
	return true;
}

int main(int argc, char **argv)
{
	double seconds = 0;
	int opt;

	while ((opt = getopt(argc, argv, "t:v")) != -1) {
		if (opt == 't') {
			seconds = strtod(optarg, NULL);
		} else if (opt == 'v') {
			kyoyu_log_set_level(KYOYU_LOG_DEBUG);
		} else {
			fprintf(stderr, "usage: %s [-t SECONDS] [-v] [capture.KEY=VALUE]...\n",
				argv[0]);
			return 2;
		}
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	setvbuf(stdout, NULL, _IOLBF, 0);

	capture_harness h;
	char err[1024] = "";
	int ret = capture_harness_open(&h, KYOYU_BUILD_PLUGIN_DIR, "pipewire",
				       (const char *const *)argv + optind, err, sizeof(err));
	if (ret != KYOYU_OK) {
		printf("not started: %s\n", ret == KYOYU_SKIP ? "does not apply here" : err);
		capture_harness_close(&h);
		return 1;
	}
	if ((ret = capture_harness_start(&h)) == 0)
		ret = capture_harness_set_state(&h, KYOYU_STATE_SHARING);
	if (ret) {
		printf("not started: %s\n", strerror(-ret));
		capture_harness_close(&h);
		return 1;
	}
	int64_t t0 = kyoyu_now_us();
	int64_t end = seconds > 0 ? t0 + (int64_t)(seconds * 1e6) : INT64_MAX;
	unsigned long long frames = 0;
	while (!stop && kyoyu_now_us() < end && command(&h)) {
		kyoyu_msg *m;
		if (capture_harness_next(&h, &m, 50) != 0)
			continue;
		printf("%.3f ", (double)(kyoyu_now_us() - t0) / 1e6);
		print_message(m, &frames);
		if (m->type == KYOYU_MSG_ERROR)
			stop = 1;
		kyoyu_msg_unref(m);
	}
	uint64_t refused = 0;
	for (uint32_t type = 0; type < KYOYU_MSG_TYPE_COUNT; type++) {
		kyoyu_bus_type_stats st = {.size = sizeof(st)};
		if (!(KYOYU_MSG_SCREEN_CONTENT & KYOYU_MSG_BIT(type)))
			continue;
		kyoyu_bus_get_stats(h.bus, type, &st);
		refused += st.refused;
	}
	capture_harness_close(&h);
	printf("end refused %llu\n", (unsigned long long)refused);
	return 0;
}
