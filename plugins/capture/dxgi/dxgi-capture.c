/* SPDX-License-Identifier: MIT */
/* capture/dxgi: one Windows monitor through DXGI Desktop Duplication.
 *
 * Windows says what changed (dirty and move rectangles) and where the
 * pointer is, so a still screen costs nothing: the stage waits in
 * AcquireNextFrame and posts no frame.  The logic is dxgi-frames.c; the
 * Windows calls are dxgi-duplication.c.  Where duplication is not
 * available (Wine, some remote sessions, old drivers, Windows 7) init
 * says why, with the HRESULT, and steps aside, so that the next capture
 * in capture.plugin (capture/gdi by default) takes over.  While the session
 * is not sharing no duplication is open. */
#include "config.h"

#include <errno.h>
#include <string.h>

#define KYOYU_LOG_COMPONENT "capture/dxgi"
#include <kyoyu/kyoyu.h>

#include "dxgi-frames.h"

/* How long one wait for a frame lasts: the longest the stage leaves its
 * inbox unread while the screen is still. */
#define WAIT_MS 50
/* How often a refused duplication is asked for again. */
#define RETRY_MS 250

typedef struct dxgi_capture {
	/* options */
	int fps;
	bool cursor_on;
	const char *monitor;

	const kyoyu_host *host;
	int fps_now; /* capture.fps, or lower when congestion control asks */
	dxgi_frames frames;
	bool sharing, ended;
} dxgi_capture;

static const uint32_t formats[] = {KYOYU_PIXFMT_BGRX, KYOYU_PIXFMT_NONE};

static const kyoyu_option options[] = {
	KYOYU_OPTION_INT("fps", dxgi_capture, fps, 30, 1, 60,
			 "at most this many frames per second"),
	KYOYU_OPTION_BOOL("cursor", dxgi_capture, cursor_on, 1,
			  "send the pointer's position and shape as cursor events"),
	KYOYU_OPTION_STRING("monitor", dxgi_capture, monitor, "primary",
			    "\"primary\", or a monitor's name as Windows gives it, such as "
			    "DISPLAY2 (\\\\.\\DISPLAY2)"),
	KYOYU_OPTION_END,
};

static int dxgi_capture_init(void *priv, const kyoyu_host *host)
{
	dxgi_capture *c = priv;
	dxgi_duplication *probe;
	dxgi_output output;
	char why[512] = "";

	c->host = host;
	/* Duplicating once now tells whether it works here at all, while the
	 * next capture in the list can still take over. */
	int ret = dxgi_duplication_open(c->monitor, &probe, &output, why, sizeof(why));
	if (ret == -ENODEV && strcmp(c->monitor, "primary") != 0) {
		kyoyu_error("%s", why);
		return -EINVAL;
	}
	if (ret) {
		kyoyu_info("DXGI Desktop Duplication is not available here: %s (Wine, some "
			   "remote sessions and old drivers have none); the next capture in "
			   "capture.plugin, such as gdi, is tried",
			   why);
		return KYOYU_SKIP;
	}
	kyoyu_info("monitor %s can be duplicated: %ux%u", output.name, output.width,
		   output.height);
	dxgi_duplication_close(probe);
	return KYOYU_OK;
}

static int dxgi_capture_start(void *priv, kyoyu_stage *stage)
{
	dxgi_capture *c = priv;

	if (c->host->frame_format != KYOYU_PIXFMT_BGRX) {
		const char *name = kyoyu_pixfmt_name(c->host->frame_format);
		kyoyu_error("the core chose \"%s\" frames, but this plugin posts only BGRX "
			    "ones (its stage_ops.formats); this is a bug in kyoyu, please "
			    "report it", name ? name : "none");
		return -EINVAL;
	}
	c->fps_now = c->fps;
	dxgi_frames_init(&c->frames, c->monitor, c->cursor_on, c->host->bus);
	kyoyu_inbox_set_mask(kyoyu_stage_inbox(stage),
			     KYOYU_MSG_BIT(KYOYU_MSG_STATE) | KYOYU_MSG_BIT(KYOYU_MSG_FRAMERATE));
	return 0;
}

static void on_message(dxgi_capture *c, const kyoyu_msg *msg)
{
	if (msg->type == KYOYU_MSG_FRAMERATE) {
		/* Congestion control may lower the rate; capture.fps stays the cap. */
		int64_t fps = msg->u.value;
		c->fps_now = fps < 1 ? 1 : fps > c->fps ? c->fps : (int)fps;
	} else if (msg->type == KYOYU_MSG_STATE) {
		bool sharing = msg->u.state.state == KYOYU_STATE_SHARING;
		if (sharing && !c->sharing)
			dxgi_frames_share(&c->frames);
		else if (!sharing && c->sharing)
			dxgi_frames_pause(&c->frames);
		c->sharing = sharing;
		c->ended = msg->u.state.state == KYOYU_STATE_ENDED;
	}
}

static int dxgi_capture_run(void *priv, kyoyu_stage *stage)
{
	dxgi_capture *c = priv;
	kyoyu_inbox *inbox = kyoyu_stage_inbox(stage);
	int64_t next = 0; /* no step before this: capture.fps, or a refusal */

	for (;;) {
		int64_t now = kyoyu_now_us();
		int wait = !c->sharing ? -1 : next <= now ? 0 : (int)((next - now + 999) / 1000);
		kyoyu_msg *msg;
		int ret = kyoyu_inbox_pop(inbox, &msg, wait);
		if (ret == -ESHUTDOWN)
			return 0;
		if (ret == 0) {
			on_message(c, msg);
			kyoyu_msg_unref(msg);
			if (c->ended)
				return 0;
			continue;
		}
		if (!c->sharing || kyoyu_now_us() < next)
			continue;
		/* The wait for a frame is where a still screen spends its time. */
		ret = dxgi_frames_step(&c->frames, WAIT_MS);
		if (ret < 0)
			return ret;
		if (ret == DXGI_FRAMES_POSTED)
			next = now + 1000000 / c->fps_now;
		else if (ret == DXGI_FRAMES_RETRY)
			next = kyoyu_now_us() + RETRY_MS * 1000;
	}
}

static void dxgi_capture_stop(void *priv)
{
	dxgi_capture *c = priv;

	dxgi_frames_fini(&c->frames);
}

static const kyoyu_stage_ops ops = {
	.size = sizeof(kyoyu_stage_ops),
	.start = dxgi_capture_start,
	.run = dxgi_capture_run,
	.stop = dxgi_capture_stop,
	.formats = formats,
};

static const kyoyu_plugin_descriptor descriptor = {
	KYOYU_PLUGIN_HEADER,
	.kind = KYOYU_KIND_CAPTURE,
	.name = "dxgi",
	.version = PACKAGE_VERSION,
	.license = "MIT",
	.description = "a Windows monitor through DXGI Desktop Duplication: Windows' dirty "
		       "and move rectangles as damage; cursor events",
	.priv_size = sizeof(dxgi_capture),
	.options = options,
	.init = dxgi_capture_init,
	.ops = &ops,
};

KYOYU_PLUGIN_DEFINE(kyoyu_capture_dxgi, descriptor)
