/* SPDX-License-Identifier: MIT */
/* ui/headless: the operator's side without a window, for benchmarks,
 * tests and recording what the viewer really decoded.
 *
 * It takes every decoded picture off the bus and notes when it arrived.
 * With ui.frames it writes the pictures to a NUT file (raw video in the
 * format the decoder gave, timestamps = capture time since the first
 * picture, in µs), so ffmpeg can compare them with the source picture for
 * picture.
 * With ui.latency it writes one CSV line per picture (see latency-log.h).
 * At the end it prints one line: pictures, capture-to-decoded latency
 * percentiles, pictures written.
 *
 * It shows no code and takes no keys: pair it with ui/tty, or get a code
 * with `kyoyu-agent ctl new-code`.  Viewer only.
 *
 * Threads: the stage thread reads the bus, stamps each picture and writes
 * the CSV; the disk writes of pictures happen on frame-writer.c's thread
 * behind a bounded queue, so a slow disk never delays the stamping.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>

#define KYOYU_LOG_COMPONENT "ui/headless"
#include <kyoyu/kyoyu.h>

#include "frame-writer.h"
#include "latency-log.h"

/* Packets remembered until their picture is decoded: far more than the
 * decoder ever holds back. */
#define ARRIVALS 32

typedef struct arrival {
	int64_t capture_us, received_us;
} arrival;

typedef struct headless {
	/* options */
	const char *frames_path;
	const char *latency_path;

	kyoyu_stage *stage;
	kyoyu_inbox *inbox;
	frame_writer *writer;
	latency_log log;
	bool log_open;
	bool have_first;
	int64_t first_capture_us, last_pts_us;
	uint64_t unusable; /* frames that do not describe their buffer */
	arrival arrivals[ARRIVALS]; /* when the latest packets came */
	unsigned next_arrival;
} headless;

/* What frame-writer.c writes.  The core takes the decoders' first choice
 * that every UI shows: I420 from libvpx and libavcodec, a third of BGRX's
 * bytes, so the disk keeps up. */
static const uint32_t formats[] = {KYOYU_PIXFMT_I420, KYOYU_PIXFMT_BGRX, KYOYU_PIXFMT_I444,
				   KYOYU_PIXFMT_NONE};

static const kyoyu_option options[] = {
	KYOYU_OPTION_STRING("frames", headless, frames_path, NULL,
			    "write every decoded picture to this NUT file (raw video, "
			    "timestamps = capture time since the first picture)"),
	KYOYU_OPTION_STRING("latency", headless, latency_path, NULL,
			    "write one CSV line per decoded picture: its capture and "
			    "decoded times and the latency"),
	KYOYU_OPTION_END,
};

static int headless_init(void *priv, const kyoyu_host *host)
{
	if (host->role != KYOYU_ROLE_VIEWER)
		return KYOYU_SKIP; /* only the operator's side decodes */
	return KYOYU_OK;
}

static void close_outputs(headless *h)
{
	frame_writer_stats stats = {0};

	if (h->writer)
		frame_writer_finish(h->writer, &stats);
	h->writer = NULL;
	if (!h->log_open)
		return;
	latency_log_close(&h->log);
	h->log_open = false;

	printf("headless: %llu pictures decoded (%llu refinements)",
	       (unsigned long long)h->log.pictures, (unsigned long long)h->log.refinements);
	if (h->log.counted)
		printf(", capture to decoded p50 %.2f ms, p95 %.2f ms, p99 %.2f ms",
		       latency_log_percentile(&h->log, 50) / 1000.0,
		       latency_log_percentile(&h->log, 95) / 1000.0,
		       latency_log_percentile(&h->log, 99) / 1000.0);
	if (h->frames_path)
		printf(", %llu written to %s (%llu dropped)",
		       (unsigned long long)stats.written, h->frames_path,
		       (unsigned long long)(stats.dropped + h->unusable));
	printf("\n");
	fflush(stdout);
}

static int headless_start(void *priv, kyoyu_stage *stage)
{
	headless *h = priv;
	int ret = latency_log_open(&h->log, h->latency_path);

	if (ret)
		return ret;
	h->log_open = true;
	if (h->frames_path && (ret = frame_writer_start(h->frames_path, &h->writer))) {
		latency_log_close(&h->log);
		h->log_open = false;
		return ret;
	}
	h->stage = stage;
	h->inbox = kyoyu_stage_inbox(stage);
	kyoyu_inbox_set_mask(h->inbox, KYOYU_MSG_BIT(KYOYU_MSG_FRAME) |
					       KYOYU_MSG_BIT(KYOYU_MSG_PACKET) |
					       KYOYU_MSG_BIT(KYOYU_MSG_STATE));
	return 0;
}

/* The transport stamps each packet with its arrival: kept to split a
 * picture's latency into the way here and the decoding. */
static void on_packet(headless *h, const kyoyu_msg *msg)
{
	h->arrivals[h->next_arrival++ % ARRIVALS] =
		(arrival){msg->u.packet.capture_us, msg->time_us};
}

/* When the packet of the picture captured at CAPTURE_US arrived, or -1. */
static int64_t arrival_of(const headless *h, int64_t capture_us)
{
	for (unsigned i = 1; i <= ARRIVALS; i++) {
		const arrival *a = &h->arrivals[(h->next_arrival - i) % ARRIVALS];
		if (a->received_us && a->capture_us == capture_us)
			return a->received_us;
	}
	return -1;
}

static void on_frame(headless *h, const kyoyu_msg *msg)
{
	int64_t now = kyoyu_now_us();
	uint32_t flags = msg->u.frame.flags;
	picture_kind kind = flags & KYOYU_FRAME_KEY      ? PICTURE_KEY
			    : flags & KYOYU_FRAME_REFINE ? PICTURE_REFINE
							 : PICTURE_DELTA;

	KYOYU_ASSERT_STAGE_THREAD(h->stage);
	if (!h->have_first) {
		h->have_first = true;
		h->first_capture_us = msg->time_us;
		h->last_pts_us = -1;
	}
	/* A refinement shows the old picture, sharper, from now on: it takes
	 * its place in the file's timeline at its arrival. */
	int64_t pts = (kind == PICTURE_REFINE ? now : msg->time_us) - h->first_capture_us;
	if (pts <= h->last_pts_us)
		pts = h->last_pts_us + 1; /* late after a refinement: right behind it */
	h->last_pts_us = pts;
	latency_log_add(&h->log, pts, msg->time_us, arrival_of(h, msg->time_us), now, kind);
	if (h->writer && frame_writer_push(h->writer, msg, pts) == -EINVAL &&
	    h->unusable++ == 0)
		kyoyu_warn("a decoded frame does not describe its buffer; not written");
}

static int headless_run(void *priv, kyoyu_stage *stage)
{
	headless *h = priv;

	for (;;) {
		kyoyu_msg *msg;
		int ret = kyoyu_inbox_pop(h->inbox, &msg, -1);
		if (ret == -ESHUTDOWN)
			break;
		if (ret)
			continue;
		bool ended = msg->type == KYOYU_MSG_STATE &&
			     msg->u.state.state == KYOYU_STATE_ENDED;
		if (msg->type == KYOYU_MSG_FRAME)
			on_frame(h, msg);
		else if (msg->type == KYOYU_MSG_PACKET)
			on_packet(h, msg);
		kyoyu_msg_unref(msg);
		if (ended)
			break;
	}
	close_outputs(h);
	return 0;
}

static void headless_stop(void *priv)
{
	close_outputs(priv); /* when run() never ran */
}

static const kyoyu_stage_ops ops = {
	.size = sizeof(kyoyu_stage_ops),
	.start = headless_start,
	.run = headless_run,
	.stop = headless_stop,
	.formats = formats,
};

static const kyoyu_plugin_descriptor descriptor = {
	KYOYU_PLUGIN_HEADER,
	.kind = KYOYU_KIND_UI,
	.name = "headless",
	.version = PACKAGE_VERSION,
	.license = "MIT",
	.description = "the viewer without a window: writes what it decoded and "
		       "when (benchmarks, tests)",
	.priv_size = sizeof(headless),
	.options = options,
	.init = headless_init,
	.ops = &ops,
};

KYOYU_PLUGIN_DEFINE(kyoyu_ui_headless, descriptor)
