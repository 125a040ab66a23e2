/* SPDX-License-Identifier: MIT */
/* capture/file: plays a video file as if it were the screen.
 *
 * Pictures are posted at the file's timestamps (pace = realtime) or as
 * fast as the encoder takes them (pace = fast, for benchmarks: after each
 * frame the plugin waits for the encoder's packet, so no picture is merged
 * away).  Damage comes from comparing each picture with the one before, so
 * the encoders' damage paths are exercised as with a real screen, and a
 * picture identical to the last is not posted at all.
 *
 * Frame times are the file's timestamps on the session clock, anchored when
 * sharing first starts: a recording of the stream keeps the file's timing,
 * even at pace = fast (whose times then run ahead of the wall clock).
 *
 * At the end of the file (without loop) the last picture stays on screen
 * for hold_ms, then the plugin posts KYOYU_MSG_END with reason "left": the
 * customer's screen went away.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define KYOYU_LOG_COMPONENT "capture/file"
#include <kyoyu/kyoyu.h>

#include "file-source.h"
#include "../common/frame-diff.h"

#define POOL_SIZE 4
/* Damage of this many past pictures is kept to refresh a returning buffer. */
#define HISTORY 8
/* pace = fast: how long to wait for the encoder before going on anyway. */
#define PACKET_WAIT_US 10000000
/* pace = fast: unchanged pictures skipped before the inbox is looked at. */
#define SKIP_BATCH 16

enum { PACE_REALTIME = 0, PACE_FAST = 1 };

typedef struct held {
	kyoyu_buffer *buffer; /* identity only; never dereferenced here */
	uint64_t version;     /* the picture it holds */
} held;

typedef struct file_capture {
	/* options */
	const char *path;
	int pace;
	bool loop;
	int threads;
	int hold_ms;

	const kyoyu_host *host;
	kyoyu_pixfmt format; /* what the core chose: BGRX, the only one we post */
	capture_file_source *src;
	capture_file_picture pic; /* the last decoded picture */
	kyoyu_region pic_damage;  /* what it changes on the screen */
	bool loaded;              /* pic is decoded but not shown yet */
	bool shown;               /* a picture has been shown */
	bool eof;
	uint32_t width, height;   /* of the pool's buffers */
	kyoyu_pool *pool;
	uint64_t version;
	kyoyu_region history[HISTORY]; /* damage that made version v: [v % HISTORY] */
	held held[POOL_SIZE];

	bool sharing, started, send_key, end_posted;
	int64_t base_us;        /* session time of the file's first picture */
	int64_t loop_offset_us; /* added to the file's times after each loop */
	int64_t shown_pts_us;   /* file time of the picture on screen */
	int64_t awaiting_us;    /* pace = fast: frame whose packet is awaited, or 0 */
	int64_t awaiting_since_us;
	int64_t hold_from_us;   /* end of file: when the hold began, or 0 */
	uint64_t posted, dropped;
} file_capture;

/* Pictures are converted to BGRX as they are decoded (file-source.c), and
 * damage is found by comparing BGRX pictures. */
static const uint32_t formats[] = {KYOYU_PIXFMT_BGRX, KYOYU_PIXFMT_NONE};

static const char *const paces[] = {"realtime", "fast", NULL};

static const kyoyu_option options[] = {
	KYOYU_OPTION_STRING("path", file_capture, path, NULL,
			    "the video file to play as the screen (anything libavformat reads)"),
	KYOYU_OPTION_ENUM("pace", file_capture, pace, PACE_REALTIME, paces,
			  "realtime: at the file's timestamps; fast: as fast as the "
			  "encoder takes pictures, dropping none (benchmarks)"),
	KYOYU_OPTION_BOOL("loop", file_capture, loop, 0,
			  "start again at the end instead of ending the session"),
	KYOYU_OPTION_INT("threads", file_capture, threads, 1, 0, 16,
			 "decoder threads (0: libavcodec's choice)"),
	KYOYU_OPTION_INT("hold_ms", file_capture, hold_ms, 1000, 0, 60000,
			 "how long the last picture stays before the session ends"),
	KYOYU_OPTION_END,
};

static int file_init(void *priv, const kyoyu_host *host)
{
	file_capture *fc = priv;

	if (host->role != KYOYU_ROLE_SHARER)
		return KYOYU_SKIP;
	if (!fc->path || !*fc->path) {
		kyoyu_error("capture.path is not set: name the video file to play, e.g. "
			    "-o capture.path=recording.mkv");
		return -EINVAL;
	}
	fc->host = host;
	return KYOYU_OK;
}

static int file_start(void *priv, kyoyu_stage *stage)
{
	file_capture *fc = priv;

	if (fc->host->frame_format != KYOYU_PIXFMT_BGRX) {
		const char *name = kyoyu_pixfmt_name(fc->host->frame_format);
		kyoyu_error("the core chose \"%s\" frames, but this plugin posts only BGRX "
			    "ones (its stage_ops.formats); this is a bug in kyoyu, please "
			    "report it", name ? name : "none");
		return -EINVAL;
	}
	fc->format = (kyoyu_pixfmt)fc->host->frame_format;
	int ret = capture_file_source_open(fc->path, fc->threads, &fc->src);
	if (ret)
		return ret;
	uint64_t mask = KYOYU_MSG_BIT(KYOYU_MSG_STATE);
	if (fc->pace == PACE_FAST)
		mask |= KYOYU_MSG_BIT(KYOYU_MSG_PACKET);
	kyoyu_inbox_set_mask(kyoyu_stage_inbox(stage), mask);
	kyoyu_info("plays %s %s%s", fc->path,
		   fc->pace == PACE_FAST ? "as fast as the encoder takes it"
					 : "at its own pace",
		   fc->loop ? ", in a loop" : "");
	return 0;
}

/* ---- pool buffers: refreshed with only what they missed ----------------- */

static held *held_slot(file_capture *fc, kyoyu_buffer *buffer)
{
	held *free_slot = NULL;

	for (size_t i = 0; i < POOL_SIZE; i++) {
		if (fc->held[i].buffer == buffer)
			return &fc->held[i];
		if (!fc->held[i].buffer && !free_slot)
			free_slot = &fc->held[i];
	}
	if (free_slot) {
		free_slot->buffer = buffer;
		free_slot->version = 0;
	}
	return free_slot;
}

static void copy_rect(file_capture *fc, uint8_t *dst, kyoyu_rect r)
{
	size_t stride = (size_t)fc->width * 4;

	for (int32_t y = r.y; y < r.y + r.h; y++)
		memcpy(dst + (size_t)y * stride + (size_t)r.x * 4,
		       fc->pic.data + (size_t)y * fc->pic.stride + (size_t)r.x * 4,
		       (size_t)r.w * 4);
}

static void refresh(file_capture *fc, kyoyu_buffer *buffer)
{
	held *h = held_slot(fc, buffer);
	uint8_t *dst = kyoyu_buffer_data(buffer);

	if (!h || h->version == 0 || fc->version - h->version >= HISTORY) {
		copy_rect(fc, dst, (kyoyu_rect){0, 0, (int32_t)fc->width, (int32_t)fc->height});
	} else {
		kyoyu_region missed;
		kyoyu_region_clear(&missed);
		for (uint64_t v = h->version + 1; v <= fc->version; v++)
			kyoyu_region_union(&missed, &fc->history[v % HISTORY]);
		for (uint32_t i = 0; i < missed.n; i++)
			copy_rect(fc, dst, missed.rects[i]);
	}
	if (h)
		h->version = fc->version;
}

/* A new pool when the picture size changes (the first time, too). */
static int fit_pool(file_capture *fc)
{
	if (fc->pool && fc->width == fc->pic.width && fc->height == fc->pic.height)
		return 0;
	kyoyu_pool_unref(fc->pool);
	memset(fc->held, 0, sizeof(fc->held));
	fc->width = fc->pic.width;
	fc->height = fc->pic.height;
	fc->pool = kyoyu_pool_new((size_t)fc->width * fc->height * 4, POOL_SIZE);
	return fc->pool ? 0 : -ENOMEM;
}

/* ---- showing pictures --------------------------------------------------- */

static int64_t frame_time(const file_capture *fc, int64_t pts_us)
{
	return fc->base_us + fc->loop_offset_us + pts_us;
}

static void post_size(file_capture *fc)
{
	kyoyu_msg *msg = kyoyu_msg_new(KYOYU_MSG_VIDEO_SIZE);

	if (!msg)
		return; /* out of memory: the key frame after it still carries the size */
	msg->u.size = (kyoyu_size_info){.width = fc->width, .height = fc->height};
	kyoyu_bus_post(fc->host->bus, msg);
}

/* Posts the picture on screen with DAMAGE (all of it when KEY), captured
 * at TIME_US.  Returns true when the bus took it. */
static bool post_picture(file_capture *fc, const kyoyu_region *damage, bool key,
			 int64_t time_us)
{
	kyoyu_msg *msg = kyoyu_msg_new(KYOYU_MSG_FRAME);
	kyoyu_buffer *buffer = msg ? kyoyu_pool_acquire(fc->pool) : NULL;

	if (!buffer) {
		if (fc->dropped++ % 100 == 0)
			kyoyu_warn("%s; %llu pictures dropped so far",
				   msg ? "every frame buffer is in use: the encoder is behind"
				       : "out of memory for a frame message",
				   (unsigned long long)fc->dropped);
		kyoyu_msg_unref(msg);
		fc->send_key = true; /* the next one must stand on its own */
		return false;
	}
	if (key)
		post_size(fc);
	refresh(fc, buffer);
	kyoyu_frame_layout(&msg->u.frame, fc->format, fc->width, fc->height);
	msg->u.frame.damage = *damage;
	if (key) {
		msg->u.frame.flags |= KYOYU_FRAME_KEY;
		kyoyu_region_set_full(&msg->u.frame.damage, (int32_t)fc->width,
				      (int32_t)fc->height);
	}
	msg->time_us = time_us;
	msg->buf = buffer;
	if (kyoyu_bus_post(fc->host->bus, msg) != 0)
		return false;
	fc->posted++;
	return true;
}

/* Puts the loaded picture on screen (posting it while sharing). */
static int show(file_capture *fc, int64_t now)
{
	int ret = fit_pool(fc);

	if (ret)
		return ret;
	fc->loaded = false;
	fc->shown = true;
	fc->shown_pts_us = fc->pic.pts_us;
	fc->version++;
	fc->history[fc->version % HISTORY] = fc->pic_damage;
	if (!fc->sharing || (fc->pic_damage.n == 0 && !fc->send_key))
		return 0;
	int64_t t = frame_time(fc, fc->pic.pts_us);
	bool key = fc->send_key;
	if (key && fc->pace == PACE_REALTIME)
		t = now; /* a start or resume: taken now, whatever the file says */
	fc->send_key = false;
	if (post_picture(fc, &fc->pic_damage, key, t) && fc->pace == PACE_FAST) {
		fc->awaiting_us = t;
		fc->awaiting_since_us = now;
	}
	return 0;
}

/* Decodes the next picture and its damage; handles the end of the file. */
static int load(file_capture *fc, int64_t now)
{
	for (;;) {
		int ret = capture_file_source_next(fc->src, &fc->pic);
		if (ret == KYOYU_EOF && fc->loop && fc->shown) {
			/* The first picture follows the last one a frame later. */
			fc->loop_offset_us += fc->shown_pts_us +
					      capture_file_source_frame_us(fc->src);
			if ((ret = capture_file_source_rewind(fc->src)))
				return ret;
			continue;
		}
		if (ret == KYOYU_EOF) {
			if (!fc->eof)
				kyoyu_info("%s: the end after %llu pictures", fc->path,
					   (unsigned long long)fc->posted);
			fc->eof = true;
			fc->hold_from_us = now;
			return 0;
		}
		if (ret)
			return ret;
		break;
	}
	kyoyu_region_clear(&fc->pic_damage);
	size_t prev_stride;
	const uint8_t *prev = capture_file_source_previous(fc->src, &prev_stride);
	if (!prev || fc->pic.width != fc->width || fc->pic.height != fc->height) {
		kyoyu_region_set_full(&fc->pic_damage, (int32_t)fc->pic.width,
				      (int32_t)fc->pic.height);
		if (fc->shown)
			fc->send_key = true; /* a new size: a new stream */
	} else {
		capture_frame_diff(prev, prev_stride, fc->pic.data, fc->pic.stride,
				  fc->pic.width, fc->pic.height, &fc->pic_damage);
	}
	fc->loaded = true;
	return 0;
}

/* ---- the session -------------------------------------------------------- */

static void on_state(file_capture *fc, const kyoyu_state_info *state, int64_t now)
{
	bool sharing = state->state == KYOYU_STATE_SHARING;

	if (sharing && !fc->sharing) {
		/* Each start of sharing begins with a whole picture. */
		fc->send_key = true;
		fc->awaiting_us = 0;
		if (!fc->started || fc->pace == PACE_FAST) {
			/* The file's clock starts (or, at pace = fast, resumes)
			 * with the next picture shown now. */
			int64_t next = fc->loaded ? fc->pic.pts_us : fc->shown_pts_us;
			fc->base_us = now - fc->loop_offset_us - next;
		}
		fc->started = true;
	}
	if (!sharing)
		fc->awaiting_us = 0; /* no packet comes while not sharing */
	fc->sharing = sharing;
}

/* Takes a packet (pace = fast): the awaited frame has been encoded. */
static void on_packet(file_capture *fc, const kyoyu_packet_info *info, int64_t now)
{
	if (fc->awaiting_us && info->capture_us >= fc->awaiting_us) {
		fc->awaiting_us = 0;
		if (fc->eof)
			fc->hold_from_us = now;
	}
}

/* Ends the session once the last picture has been held long enough. */
static void maybe_end(file_capture *fc, int64_t now)
{
	if (!fc->eof || fc->loop || fc->end_posted || fc->awaiting_us)
		return;
	if (now < fc->hold_from_us + (int64_t)fc->hold_ms * 1000)
		return;
	kyoyu_info("%s is over: ending the session (reason: left)", fc->path);
	kyoyu_bus_post_value(fc->host->bus, KYOYU_MSG_END, KYOYU_END_LEFT);
	fc->end_posted = true;
}

/* Does what is due now.  Returns 0 or a negative errno. */
static int step(file_capture *fc, int64_t now)
{
	int ret = 0;

	if (!fc->started)
		return 0;
	if (fc->pace == PACE_FAST) {
		if (!fc->sharing)
			return 0;
		if (fc->awaiting_us && now - fc->awaiting_since_us > PACKET_WAIT_US) {
			kyoyu_warn("no packet from the encoder for %d s; going on",
				   PACKET_WAIT_US / 1000000);
			fc->awaiting_us = 0;
		}
		/* Unchanged pictures are skipped at once, a batch at a time. */
		for (int i = 0; i < SKIP_BATCH && !fc->awaiting_us && !fc->eof && ret == 0; i++) {
			if (!fc->loaded && (ret = load(fc, now)))
				break;
			if (fc->loaded)
				ret = show(fc, now);
		}
	} else {
		/* realtime: every picture whose time has come, the file's clock
		 * running on while paused, as a screen would. */
		while (ret == 0 && !fc->eof) {
			if (!fc->loaded && (ret = load(fc, now)))
				break;
			if (!fc->loaded || frame_time(fc, fc->pic.pts_us) > now)
				break;
			ret = show(fc, now);
		}
	}
	if (ret == 0 && fc->sharing && fc->send_key && !fc->awaiting_us) {
		/* A resume between two pictures: the next one comes now, whole.
		 * At the end of the file, the last one again. */
		if (fc->loaded) {
			ret = show(fc, now);
		} else if (fc->shown) {
			kyoyu_region none;
			kyoyu_region_clear(&none);
			if (post_picture(fc, &none, true, now) && fc->pace == PACE_FAST) {
				fc->awaiting_us = now;
				fc->awaiting_since_us = now;
			}
			fc->send_key = false;
		}
	}
	maybe_end(fc, now);
	return ret;
}

/* How long to sleep before step() has something to do. */
static int wait_ms(const file_capture *fc, int64_t now)
{
	int64_t until = INT64_MAX;

	if (!fc->started)
		return -1;
	if (fc->eof && !fc->loop && !fc->end_posted && !fc->awaiting_us)
		until = fc->hold_from_us + (int64_t)fc->hold_ms * 1000;
	else if (fc->pace == PACE_FAST && fc->awaiting_us)
		until = fc->awaiting_since_us + PACKET_WAIT_US;
	else if (fc->pace == PACE_FAST && fc->sharing && !fc->eof)
		return 0;
	else if (fc->pace == PACE_REALTIME && fc->loaded)
		until = frame_time(fc, fc->pic.pts_us);
	if (until == INT64_MAX)
		return -1;
	return until <= now ? 0 : (int)((until - now + 999) / 1000);
}

static int file_run(void *priv, kyoyu_stage *stage)
{
	file_capture *fc = priv;
	kyoyu_inbox *inbox = kyoyu_stage_inbox(stage);

	for (;;) {
		kyoyu_msg *msg;
		int ret = kyoyu_inbox_pop(inbox, &msg, wait_ms(fc, kyoyu_now_us()));
		if (ret == -ESHUTDOWN)
			return 0;
		int64_t now = kyoyu_now_us();
		if (ret == 0) {
			if (msg->type == KYOYU_MSG_STATE) {
				if (msg->u.state.state == KYOYU_STATE_ENDED) {
					kyoyu_msg_unref(msg);
					return 0;
				}
				on_state(fc, &msg->u.state, now);
			} else if (msg->type == KYOYU_MSG_PACKET) {
				on_packet(fc, &msg->u.packet, now);
			}
			kyoyu_msg_unref(msg);
		}
		if ((ret = step(fc, now)) < 0)
			return ret;
	}
}

static void file_stop(void *priv)
{
	file_capture *fc = priv;

	capture_file_source_close(fc->src);
	fc->src = NULL;
	kyoyu_pool_unref(fc->pool);
	fc->pool = NULL;
	memset(fc->held, 0, sizeof(fc->held));
	if (fc->dropped)
		kyoyu_info("%llu pictures posted, %llu dropped for want of a buffer",
			   (unsigned long long)fc->posted, (unsigned long long)fc->dropped);
}

static const kyoyu_stage_ops ops = {
	.size = sizeof(kyoyu_stage_ops),
	.start = file_start,
	.run = file_run,
	.stop = file_stop,
	.formats = formats,
};

static const kyoyu_plugin_descriptor descriptor = {
	KYOYU_PLUGIN_HEADER,
	.kind = KYOYU_KIND_CAPTURE,
	.name = "file",
	.version = PACKAGE_VERSION,
	.license = "MIT",
	.description = "plays a video file as the screen, with exact damage (tests, "
		       "benchmarks, demos)",
	.priv_size = sizeof(file_capture),
	.options = options,
	.init = file_init,
	.ops = &ops,
};

KYOYU_PLUGIN_DEFINE(kyoyu_capture_file, descriptor)
