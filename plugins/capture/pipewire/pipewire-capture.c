/* SPDX-License-Identifier: MIT */
/* capture/pipewire: the screen of a Wayland desktop (GNOME, KDE, wlroots),
 * asked for through xdg-desktop-portal's ScreenCast interface and received
 * as a PipeWire stream.
 *
 * Everything runs on the stage's thread, in one GMainContext: the bus
 * inbox's descriptor, the portal's D-Bus signals and replies, the PipeWire
 * loop's descriptor and our timers are its sources, and run() iterates it.
 * The desktop is asked when the session first starts sharing (that is when
 * it may show the person its own dialog); the cast then lasts until the
 * session ends, and while the session is paused the pictures are taken in
 * but nothing is posted.  Each start of sharing posts the picture's size
 * and a whole picture flagged key; after that a frame only when something
 * changed, with damage from the desktop or else from comparing pictures,
 * at most capture.fps a second; the pointer goes as CURSOR messages.  A
 * still screen sends no buffers, so it costs nothing.  When the desktop
 * ends the cast (its own stop button, Session.Closed, or a stream that
 * stays paused) the session ends with a sentence the person reads.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <glib-unix.h>
#include <glib.h>

#define KYOYU_LOG_COMPONENT "capture/pipewire"
#include <kyoyu/kyoyu.h>

#include "pipewire-cursor.h"
#include "pipewire-picture.h"
#include "pipewire-portal.h"
#include "pipewire-stream.h"

typedef struct pipewire_capture {
	/* options */
	const char *restore_token;
	int fps;
	bool cursor_on;
	bool dmabuf;

	const kyoyu_host *host;
	uint32_t cursor_mode;
	kyoyu_stage *stage;
	kyoyu_inbox *inbox;
	GMainContext *context;
	GSource *inbox_source, *frame_timer;
	pipewire_portal *portal;
	pipewire_stream *stream;
	pipewire_picture picture;
	pipewire_cursor cursor;
	kyoyu_size_info area; /* where the shared screen lies, its size */

	bool sharing, asked, done;
	bool send_key;         /* the next frame is a whole picture */
	kyoyu_region pending;  /* changed since the last frame */
	int fps_now;           /* the cap now: capture.fps, or lower on request */
	int64_t last_frame_us;
	int result;            /* what run() returns */
	uint64_t buffers, frames, dropped;
} pipewire_capture;

static const uint32_t formats[] = {KYOYU_PIXFMT_BGRX, KYOYU_PIXFMT_NONE};

static const kyoyu_option options[] = {
	KYOYU_OPTION_TEXT("restore_token", pipewire_capture, restore_token, NULL, 256,
			  "a ScreenCast permission stored on this desktop earlier: "
			  "the desktop shares without asking the person"),
	KYOYU_OPTION_INT("fps", pipewire_capture, fps, 30, 1, 240,
			 "at most this many frames per second"),
	KYOYU_OPTION_BOOL("cursor", pipewire_capture, cursor_on, 1,
			  "send the pointer's position and shape as cursor events"),
	KYOYU_OPTION_BOOL("dmabuf", pipewire_capture, dmabuf, 1,
			  "also accept the picture as a linear DMA-BUF, read through "
			  "mmap (false: shared memory only)"),
	KYOYU_OPTION_END,
};

static int pipewire_capture_init(void *priv, const kyoyu_host *host)
{
	pipewire_capture *c = priv;
	uint32_t modes = 0;

	c->host = host;
	c->fps_now = c->fps;
	int ret = pipewire_portal_probe(&modes);
	if (ret != KYOYU_OK)
		return ret;
	/* The pointer apart from the picture, so the viewer draws it; a
	 * desktop that cannot do that draws it into the picture. */
	if (!c->cursor_on)
		c->cursor_mode = PIPEWIRE_PORTAL_CURSOR_HIDDEN;
	else if (modes & PIPEWIRE_PORTAL_CURSOR_METADATA)
		c->cursor_mode = PIPEWIRE_PORTAL_CURSOR_METADATA;
	else if (modes & PIPEWIRE_PORTAL_CURSOR_EMBEDDED)
		c->cursor_mode = PIPEWIRE_PORTAL_CURSOR_EMBEDDED;
	else
		c->cursor_mode = PIPEWIRE_PORTAL_CURSOR_HIDDEN;
	if (c->cursor_on && c->cursor_mode != PIPEWIRE_PORTAL_CURSOR_METADATA)
		kyoyu_warn("the desktop cannot send the pointer apart from the picture "
			   "(cursor modes 0x%x): it is %s", modes,
			   c->cursor_mode == PIPEWIRE_PORTAL_CURSOR_EMBEDDED
				   ? "drawn into the picture"
				   : "not shown to the viewer");
	return KYOYU_OK;
}

static int pipewire_capture_start(void *priv, kyoyu_stage *stage)
{
	pipewire_capture *c = priv;

	if (c->host->frame_format != KYOYU_PIXFMT_BGRX) {
		const char *name = kyoyu_pixfmt_name(c->host->frame_format);
		kyoyu_error("the core chose \"%s\" frames, but this plugin posts only BGRX "
			    "ones (its stage_ops.formats); this is a bug in kyoyu, please "
			    "report it", name ? name : "none");
		return -EINVAL;
	}
	c->stage = stage;
	c->inbox = kyoyu_stage_inbox(stage);
	kyoyu_inbox_set_mask(c->inbox, KYOYU_MSG_BIT(KYOYU_MSG_STATE) |
					       KYOYU_MSG_BIT(KYOYU_MSG_FRAMERATE));
	return 0;
}

static void pipewire_capture_stop(void *priv)
{
	pipewire_capture *c = priv;

	kyoyu_info("%llu buffers received, %llu frames posted, %llu not posted at once "
		   "because the encoder was behind", (unsigned long long)c->buffers,
		   (unsigned long long)c->frames, (unsigned long long)c->dropped);
}

/* ---- ending -------------------------------------------------------------- */

/* Ends the session with WHY, a sentence the person reads. */
static void fail(pipewire_capture *c, int error, const char *why)
{
	if (c->done)
		return;
	c->done = true;
	c->result = error < 0 ? error : -EIO;
	kyoyu_msg *msg = kyoyu_msg_new(KYOYU_MSG_ERROR);
	if (!msg) {
		kyoyu_error("out of memory: the session ends without its reason (%s)", why);
		return; /* run() returns the error: the core ends the session */
	}
	msg->u.value = c->result;
	msg->buf = kyoyu_buffer_new_copy(why, strlen(why));
	kyoyu_bus_post(c->host->bus, msg);
}

/* ---- posting ------------------------------------------------------------- */

static void post_video_size(pipewire_capture *c)
{
	kyoyu_msg *msg = kyoyu_msg_new(KYOYU_MSG_VIDEO_SIZE);

	if (!msg) {
		kyoyu_warn("out of memory: the viewer may miss the shared screen's size");
		return;
	}
	msg->u.size = c->area;
	kyoyu_bus_post(c->host->bus, msg);
}

static void post_cursor(pipewire_capture *c)
{
	kyoyu_msg *msg = c->sharing ? pipewire_cursor_message(&c->cursor) : NULL;

	if (msg)
		kyoyu_bus_post(c->host->bus, msg);
}

static int64_t period_us(const pipewire_capture *c)
{
	return 1000000 / c->fps_now;
}

static gboolean on_frame_due(gpointer data);

/* Posts what changed now, or sets a timer for when the frame rate allows
 * it.  Nothing while not sharing, or before the first picture. */
static void post_frame(pipewire_capture *c)
{
	if (!c->sharing || !c->picture.whole || (!c->send_key && c->pending.n == 0) ||
	    c->frame_timer)
		return;
	int64_t now = kyoyu_now_us(), due = c->last_frame_us + period_us(c);
	if (now < due) {
		c->frame_timer = g_timeout_source_new((guint)((due - now + 999) / 1000));
		g_source_set_callback(c->frame_timer, on_frame_due, c, NULL);
		g_source_attach(c->frame_timer, c->context);
		return;
	}
	int error = 0;
	kyoyu_msg *msg = pipewire_picture_frame(&c->picture, &c->pending, c->send_key, &error);
	/* Even a failed attempt uses up its frame period: the next waits. */
	c->last_frame_us = now;
	if (!msg) {
		if (c->dropped++ % 100 == 0)
			kyoyu_warn("%s; %llu frames held back so far (their changes go into "
				   "the next one)",
				   error == -ENOBUFS ? "every frame buffer is in use: the "
						       "encoder is behind"
						     : "out of memory for a frame",
				   (unsigned long long)c->dropped);
		post_frame(c); /* again, a period later */
		return;
	}
	msg->time_us = now;
	c->send_key = false;
	kyoyu_region_clear(&c->pending);
	if (kyoyu_bus_post(c->host->bus, msg) == 0)
		c->frames++;
}

static gboolean on_frame_due(gpointer data)
{
	pipewire_capture *c = data;

	g_source_unref(c->frame_timer);
	c->frame_timer = NULL;
	post_frame(c);
	return G_SOURCE_REMOVE;
}

/* ---- the stream ---------------------------------------------------------- */

static void on_resized(void *data, uint32_t width, uint32_t height)
{
	pipewire_capture *c = data;

	if (width == c->area.width && height == c->area.height && c->picture.pixels)
		return;
	if (pipewire_picture_resize(&c->picture, width, height)) {
		fail(c, -ENOMEM, "kyoyu ran out of memory, so the session ends.");
		return;
	}
	c->area.width = width;
	c->area.height = height;
	kyoyu_region_clear(&c->pending);
	/* A new size is a new stream for the encoder. */
	c->send_key = true;
	if (c->sharing)
		post_video_size(c);
}

static void on_buffer(void *data, const pipewire_buffer *b)
{
	pipewire_capture *c = data;

	/* PipeWire's context has a data-loop thread of its own; the stream's
	 * callbacks must still come here, through our pw_loop. */
	KYOYU_ASSERT_STAGE_THREAD(c->stage);
	c->buffers++;
	pipewire_cursor_take(&c->cursor, &b->cursor);
	post_cursor(c);
	if (!b->pixels || b->width != c->picture.width || b->height != c->picture.height)
		return;
	pipewire_picture_take(&c->picture, b->pixels, b->stride,
			      b->has_damage ? &b->damage : NULL, &c->pending);
	post_frame(c);
}

static void on_stream_ended(void *data, int error, const char *why)
{
	fail(data, error, why);
}

static const pipewire_stream_events stream_events = {
	.resized = on_resized,
	.buffer = on_buffer,
	.ended = on_stream_ended,
};

/* ---- the portal ---------------------------------------------------------- */

static void on_portal_started(void *data, const pipewire_portal_stream *s)
{
	pipewire_capture *c = data;
	char why[256];

	KYOYU_ASSERT_STAGE_THREAD(c->stage);
	c->area.x = s->x;
	c->area.y = s->y;
	/* The desktop is asked for up to twice capture.fps; post_frame holds
	 * the rate.  mutter 43 asked for exactly capture.fps sent a fraction
	 * of it (36 pictures in 13 s of a screen repainted 30 times a second;
	 * 122 when asked for 60): its limiter skips a picture that comes a
	 * little early, and the follow-up comes late. */
	c->stream = pipewire_stream_new(s->fd, s->node, 2 * c->fps, c->dmabuf, &stream_events,
					c, why, sizeof(why));
	if (!c->stream)
		fail(c, -EIO, why);
}

static void on_portal_ended(void *data, int error, const char *why)
{
	fail(data, error, why);
}

static const pipewire_portal_events portal_events = {
	.started = on_portal_started,
	.ended = on_portal_ended,
};

/* ---- the bus ------------------------------------------------------------- */

static void on_state(pipewire_capture *c, const kyoyu_state_info *state)
{
	bool sharing = state->state == KYOYU_STATE_SHARING;

	if (state->state == KYOYU_STATE_ENDED) {
		c->done = true;
		return;
	}
	if (sharing && !c->asked) {
		char why[256];
		c->asked = true;
		c->portal = pipewire_portal_new(c->cursor_mode, c->restore_token,
						&portal_events, c, why, sizeof(why));
		if (!c->portal)
			fail(c, -ECONNREFUSED, why);
	}
	/* Each start of sharing begins with the size and a whole picture. */
	if (sharing && !c->sharing) {
		c->send_key = true;
		pipewire_cursor_resend(&c->cursor);
		if (c->area.width)
			post_video_size(c);
	}
	c->sharing = sharing;
	post_cursor(c);
	post_frame(c);
}

static gboolean on_inbox_ready(gint fd, GIOCondition condition, gpointer data)
{
	pipewire_capture *c = data;
	kyoyu_msg *msg;
	int ret;

	while (!c->done && (ret = kyoyu_inbox_pop(c->inbox, &msg, 0)) == 0) {
		if (msg->type == KYOYU_MSG_STATE) {
			on_state(c, &msg->u.state);
		} else if (msg->type == KYOYU_MSG_FRAMERATE) {
			/* Congestion control may lower the rate; capture.fps stays the cap. */
			int64_t fps = msg->u.value;
			c->fps_now = fps < 1 ? 1 : fps > c->fps ? c->fps : (int)fps;
		}
		kyoyu_msg_unref(msg);
	}
	if (ret == -ESHUTDOWN)
		c->done = true;
	return G_SOURCE_CONTINUE;
}

static GSource *destroy_source(GSource *source)
{
	if (source) {
		g_source_destroy(source);
		g_source_unref(source);
	}
	return NULL;
}

static int pipewire_capture_run(void *priv, kyoyu_stage *stage)
{
	pipewire_capture *c = priv;
	int fd = kyoyu_inbox_fd(c->inbox);

	if (fd < 0) {
		kyoyu_error("no file descriptor left to wait on the bus; raise the limit "
			    "(ulimit -n)");
		return -EMFILE;
	}
	c->context = g_main_context_new();
	/* GDBus and our sources attach to the thread's default context. */
	g_main_context_push_thread_default(c->context);
	c->inbox_source = g_unix_fd_source_new(fd, G_IO_IN);
	g_source_set_callback(c->inbox_source, (GSourceFunc)(void (*)(void))on_inbox_ready,
			      c, NULL);
	g_source_attach(c->inbox_source, c->context);

	while (!c->done && !kyoyu_stage_stopping(stage))
		g_main_context_iteration(c->context, TRUE);

	/* Our sources first: the portal waits on the context for its calls. */
	c->inbox_source = destroy_source(c->inbox_source);
	c->frame_timer = destroy_source(c->frame_timer);
	pipewire_stream_free(c->stream);
	c->stream = NULL;
	pipewire_portal_free(c->portal);
	c->portal = NULL;
	pipewire_picture_release(&c->picture);
	pipewire_cursor_release(&c->cursor);
	g_main_context_pop_thread_default(c->context);
	g_main_context_unref(c->context);
	c->context = NULL;
	return c->result;
}

static const kyoyu_stage_ops ops = {
	.size = sizeof(kyoyu_stage_ops),
	.start = pipewire_capture_start,
	.run = pipewire_capture_run,
	.stop = pipewire_capture_stop,
	.formats = formats,
};

static const kyoyu_plugin_descriptor descriptor = {
	KYOYU_PLUGIN_HEADER,
	.kind = KYOYU_KIND_CAPTURE,
	.name = "pipewire",
	.version = PACKAGE_VERSION,
	.license = "MIT",
	.description = "a Wayland desktop's screen through the ScreenCast portal and "
		       "PipeWire, with damage and cursor events",
	.priv_size = sizeof(pipewire_capture),
	.options = options,
	.init = pipewire_capture_init,
	.ops = &ops,
};

KYOYU_PLUGIN_DEFINE(kyoyu_capture_pipewire, descriptor)
