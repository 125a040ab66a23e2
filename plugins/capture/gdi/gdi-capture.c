/* SPDX-License-Identifier: MIT */
/* capture/gdi: the Windows desktop through GDI, for where DXGI Desktop
 * Duplication is not available (some remote sessions, old drivers, Wine).
 *
 * GDI does not say what changed: at most capture.fps times a second the
 * primary monitor is copied whole (BitBlt) and compared with the last
 * picture in bands and tiles (plugins/capture/common/frame-diff.h); what
 * differs is the frame's damage, and a still screen posts nothing.  Pool
 * buffers always hold the whole current picture, brought up to date with
 * only the damage they missed (../common/picture-pool.h).  The pointer travels as CURSOR messages.
 * A new screen size is followed with VIDEO_SIZE and a key frame.  While
 * the session is not sharing nothing is copied. */
#include "config.h"

#include <errno.h>

#define KYOYU_LOG_COMPONENT "capture/gdi"
#include <kyoyu/kyoyu.h>

#include "../common/frame-diff.h"
#include "../common/picture-pool.h"
#include "gdi-cursor.h"
#include "gdi-grab.h"

typedef struct gdi_capture {
	/* options */
	int fps;
	bool cursor_on;

	const kyoyu_host *host;
	int fps_now; /* capture.fps, or lower when congestion control asks */
	gdi_grab grab;
	picture_pool pics; /* the last picture and the frames' buffers */
	gdi_cursor cursor;
	bool sharing, ended, send_key, grab_failing;
	uint64_t dropped;
} gdi_capture;

static const uint32_t formats[] = {KYOYU_PIXFMT_BGRX, KYOYU_PIXFMT_NONE};

static const kyoyu_option options[] = {
	KYOYU_OPTION_INT("fps", gdi_capture, fps, 15, 1, 60,
			 "at most this many pictures a second (each copies and compares "
			 "the whole screen)"),
	KYOYU_OPTION_BOOL("cursor", gdi_capture, cursor_on, 1,
			  "send the pointer's position and shape as cursor events"),
	KYOYU_OPTION_END,
};

static int gdi_capture_init(void *priv, const kyoyu_host *host)
{
	gdi_capture *g = priv;
	uint32_t w, h;

	g->host = host;
	gdi_grab_screen_size(&w, &h);
	if (!w) {
		kyoyu_info("no screen to copy here (no desktop in this session)");
		return KYOYU_SKIP;
	}
	return KYOYU_OK;
}

static void free_pictures(gdi_capture *g)
{
	picture_pool_close(&g->pics);
	gdi_grab_close(&g->grab);
}

/* The grab, the last picture and the pool for a screen of W × H. */
static int make_pictures(gdi_capture *g, uint32_t w, uint32_t h)
{
	int ret = gdi_grab_open(&g->grab, w, h);

	if (ret) {
		kyoyu_error("cannot copy the screen (%ux%u): GDI gave no bitmap", w, h);
		return ret;
	}
	if (picture_pool_open(&g->pics, w, h)) {
		free_pictures(g);
		return -ENOMEM;
	}
	kyoyu_info("the screen is %ux%u", w, h);
	return 0;
}

static int gdi_capture_start(void *priv, kyoyu_stage *stage)
{
	gdi_capture *g = priv;
	uint32_t w, h;

	if (g->host->frame_format != KYOYU_PIXFMT_BGRX) {
		const char *name = kyoyu_pixfmt_name(g->host->frame_format);
		kyoyu_error("the core chose \"%s\" frames, but this plugin posts only BGRX "
			    "ones (its stage_ops.formats); this is a bug in kyoyu, please "
			    "report it", name ? name : "none");
		return -EINVAL;
	}
	g->fps_now = g->fps;
	gdi_grab_screen_size(&w, &h);
	int ret = make_pictures(g, w, h);
	if (ret)
		return ret;
	kyoyu_inbox_set_mask(kyoyu_stage_inbox(stage),
			     KYOYU_MSG_BIT(KYOYU_MSG_STATE) | KYOYU_MSG_BIT(KYOYU_MSG_FRAMERATE));
	return 0;
}

static void count_drop(gdi_capture *g, const char *why)
{
	if (g->dropped++ % 100 == 0)
		kyoyu_warn("%s; %llu frames dropped so far", why,
			   (unsigned long long)g->dropped);
}

static void post_frame(gdi_capture *g, const kyoyu_region *damage, bool key, int64_t when)
{
	kyoyu_msg *msg = kyoyu_msg_new(KYOYU_MSG_FRAME);
	kyoyu_buffer *buffer = msg ? picture_pool_take(&g->pics) : NULL;

	if (!buffer) {
		count_drop(g, msg ? "every frame buffer is in use: the encoder is behind"
				  : "out of memory for a frame message");
		kyoyu_msg_unref(msg);
		/* The next frame that goes out carries the whole picture. */
		g->send_key = true;
		return;
	}
	kyoyu_frame_layout(&msg->u.frame, KYOYU_PIXFMT_BGRX, g->grab.width, g->grab.height);
	msg->time_us = when;
	msg->u.frame.damage = *damage;
	if (key) {
		msg->u.frame.flags |= KYOYU_FRAME_KEY;
		kyoyu_region_set_full(&msg->u.frame.damage, (int32_t)g->grab.width,
				      (int32_t)g->grab.height);
	}
	msg->buf = buffer;
	kyoyu_bus_post(g->host->bus, msg);
}

static void post_video_size(gdi_capture *g)
{
	kyoyu_msg *msg = kyoyu_msg_new(KYOYU_MSG_VIDEO_SIZE);

	if (!msg) {
		kyoyu_warn("out of memory: the viewer's overlay may miss the screen's size");
		return;
	}
	msg->u.size = (kyoyu_size_info){g->grab.width, g->grab.height, 0, 0};
	kyoyu_bus_post(g->host->bus, msg);
}

/* Follows a new screen size: new pictures, its size told, a key frame. */
static int follow_size(gdi_capture *g)
{
	uint32_t w, h;

	gdi_grab_screen_size(&w, &h);
	if (w == g->grab.width && h == g->grab.height)
		return 0;
	if (!w) /* a desktop switch: the next tick looks again */
		return 0;
	free_pictures(g);
	int ret = make_pictures(g, w, h);
	if (ret)
		return ret;
	post_video_size(g);
	gdi_cursor_reset(&g->cursor);
	g->send_key = true;
	return 0;
}

/* One tick while sharing: the screen copied and compared, a frame of what
 * changed, and the pointer. */
static int tick(gdi_capture *g)
{
	int64_t now = kyoyu_now_us();
	int ret = follow_size(g);

	if (ret)
		return ret;
	if (gdi_grab_screen(&g->grab) != 0) {
		/* The secure desktop (UAC, the lock screen) is not ours to
		 * copy: the last picture stays until it is back. */
		if (!g->grab_failing)
			kyoyu_warn("the screen cannot be copied now (another desktop is "
				   "shown: a UAC prompt or the lock screen?); waiting");
		g->grab_failing = true;
		return 0;
	}
	if (g->grab_failing)
		kyoyu_info("the screen can be copied again");
	g->grab_failing = false;

	kyoyu_region damage;
	kyoyu_region_clear(&damage);
	capture_frame_diff(g->pics.picture, g->pics.stride, g->grab.pixels, g->grab.stride,
			   g->grab.width, g->grab.height, &damage);
	if (g->send_key)
		kyoyu_region_set_full(&damage, (int32_t)g->grab.width, (int32_t)g->grab.height);
	if (damage.n) {
		for (uint32_t i = 0; i < damage.n; i++)
			picture_pool_copy_rect(g->pics.picture, g->pics.stride, g->grab.pixels,
					       g->grab.stride, damage.rects[i]);
		picture_pool_changed(&g->pics, &damage);
		bool key = g->send_key;
		g->send_key = false;
		post_frame(g, &damage, key, now);
	}
	if (g->cursor_on) {
		kyoyu_msg *msg = gdi_cursor_update(&g->cursor, g->grab.width, g->grab.height);
		if (msg)
			kyoyu_bus_post(g->host->bus, msg);
	}
	return 0;
}

static void on_message(gdi_capture *g, const kyoyu_msg *msg)
{
	if (msg->type == KYOYU_MSG_FRAMERATE) {
		/* Congestion control may lower the rate; capture.fps stays the cap. */
		int64_t fps = msg->u.value;
		g->fps_now = fps < 1 ? 1 : fps > g->fps ? g->fps : (int)fps;
	} else if (msg->type == KYOYU_MSG_STATE) {
		bool sharing = msg->u.state.state == KYOYU_STATE_SHARING;
		/* Each start of sharing begins with a whole, fresh picture. */
		if (sharing && !g->sharing) {
			g->send_key = true;
			gdi_cursor_reset(&g->cursor);
			post_video_size(g);
		}
		g->sharing = sharing;
		g->ended = msg->u.state.state == KYOYU_STATE_ENDED;
	}
}

static int gdi_capture_run(void *priv, kyoyu_stage *stage)
{
	gdi_capture *g = priv;
	kyoyu_inbox *inbox = kyoyu_stage_inbox(stage);
	int64_t next = 0;

	/* Real pixels on a scaled display, not the 96-dpi picture Windows
	 * would give a program it thinks does not know about scaling. */
	SetThreadDpiAwarenessContext(DPI_AWARENESS_CONTEXT_PER_MONITOR_AWARE_V2);
	for (;;) {
		int64_t now = kyoyu_now_us();
		int wait = !g->sharing ? -1 : next <= now ? 0 : (int)((next - now + 999) / 1000);
		kyoyu_msg *msg;
		int ret = kyoyu_inbox_pop(inbox, &msg, wait);
		if (ret == -ESHUTDOWN)
			return 0;
		if (ret == 0) {
			on_message(g, msg);
			kyoyu_msg_unref(msg);
			if (g->ended)
				return 0;
			continue;
		}
		now = kyoyu_now_us();
		if (!g->sharing || now < next)
			continue;
		next = now + 1000000 / g->fps_now;
		if ((ret = tick(g)))
			return ret;
	}
}

static void gdi_capture_stop(void *priv)
{
	free_pictures(priv);
}

static const kyoyu_stage_ops ops = {
	.size = sizeof(kyoyu_stage_ops),
	.start = gdi_capture_start,
	.run = gdi_capture_run,
	.stop = gdi_capture_stop,
	.formats = formats,
};

static const kyoyu_plugin_descriptor descriptor = {
	KYOYU_PLUGIN_HEADER,
	.kind = KYOYU_KIND_CAPTURE,
	.name = "gdi",
	.version = PACKAGE_VERSION,
	.license = "MIT",
	.description = "the Windows desktop through GDI: BitBlt, compared for damage; "
		       "cursor events",
	.priv_size = sizeof(gdi_capture),
	.options = options,
	.init = gdi_capture_init,
	.ops = &ops,
};

KYOYU_PLUGIN_DEFINE(kyoyu_capture_gdi, descriptor)
