/* SPDX-License-Identifier: MIT */
/* capture/testsrc: a deterministic synthetic desktop with exact damage.
 *
 * It is what tests and the demo share when there is no display.  Each tick
 * (1/fps) advances the scene; a frame is posted only when something changed,
 * carrying exactly the rectangles that changed.  Pool buffers are refreshed
 * with only the damage they missed since they last held a picture, so a
 * typed character costs a few hundred bytes of copying, not a whole screen.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define KYOYU_LOG_COMPONENT "capture/testsrc"
#include <kyoyu/kyoyu.h>

#include "testsrc-scene.h"

#define POOL_SIZE 4
/* Damage of this many past pictures is kept to refresh a returning buffer. */
#define HISTORY 8

typedef struct held {
	kyoyu_buffer *buffer; /* identity only; never dereferenced here */
	uint64_t version;     /* the picture it holds */
} held;

typedef struct testsrc {
	/* options */
	int width, height, fps, pattern;
	bool cursor;

	const kyoyu_host *host;
	kyoyu_pixfmt format; /* what the core chose: BGRX, the only one we post */
	testsrc_scene scene;
	kyoyu_pool *pool;
	uint64_t version;
	kyoyu_region history[HISTORY]; /* damage that made version v: [v % HISTORY] */
	held held[POOL_SIZE];
	bool sharing, send_key;
	int64_t start_us;
	uint64_t tick;
	int32_t pointer_x, pointer_y;
	bool shape_sent;
	uint64_t dropped; /* frames lost for want of a buffer or a message */
} testsrc;

/* The canvas is BGRX: it is posted as it is drawn. */
static const uint32_t formats[] = {KYOYU_PIXFMT_BGRX, KYOYU_PIXFMT_NONE};

static const char *const patterns[] = {"desktop", "static", "full", NULL};

static const kyoyu_option options[] = {
	KYOYU_OPTION_INT("width", testsrc, width, 1280, 1, 16384, "picture width in pixels"),
	KYOYU_OPTION_INT("height", testsrc, height, 720, 1, 16384, "picture height in pixels"),
	KYOYU_OPTION_INT("fps", testsrc, fps, 30, 1, 240, "ticks per second"),
	KYOYU_OPTION_ENUM("pattern", testsrc, pattern, 0, patterns,
			  "desktop: typing, scrolling, idle; static: one picture; "
			  "full: everything changes every tick"),
	KYOYU_OPTION_BOOL("cursor", testsrc, cursor, 1, "send a moving pointer as cursor events"),
	KYOYU_OPTION_END,
};

static int testsrc_init(void *priv, const kyoyu_host *host)
{
	testsrc *t = priv;

	t->host = host;
	return KYOYU_OK;
}

static int testsrc_start(void *priv, kyoyu_stage *stage)
{
	testsrc *t = priv;
	size_t bytes = (size_t)t->width * (size_t)t->height * 4;

	if (t->host->frame_format != KYOYU_PIXFMT_BGRX) {
		const char *name = kyoyu_pixfmt_name(t->host->frame_format);
		kyoyu_error("the core chose \"%s\" frames, but this plugin posts only BGRX "
			    "ones (its stage_ops.formats); this is a bug in kyoyu, please "
			    "report it", name ? name : "none");
		return -EINVAL;
	}
	t->format = (kyoyu_pixfmt)t->host->frame_format;
	int ret = testsrc_scene_init(&t->scene, (uint32_t)t->width, (uint32_t)t->height,
				     (uint32_t)t->fps, (testsrc_pattern)t->pattern);
	if (ret)
		return ret;
	t->pool = kyoyu_pool_new(bytes, POOL_SIZE);
	if (!t->pool) {
		testsrc_scene_fini(&t->scene);
		return -ENOMEM;
	}
	kyoyu_inbox_set_mask(kyoyu_stage_inbox(stage),
			     KYOYU_MSG_BIT(KYOYU_MSG_STATE) | KYOYU_MSG_BIT(KYOYU_MSG_FRAMERATE));
	t->version = 1; /* 0 marks a buffer that holds no picture yet */
	kyoyu_info("%dx%d at %d fps, pattern %s", t->width, t->height, t->fps,
		   patterns[t->pattern]);
	return 0;
}

static held *held_slot(testsrc *t, kyoyu_buffer *buffer)
{
	held *free_slot = NULL;
	for (size_t i = 0; i < POOL_SIZE; i++) {
		if (t->held[i].buffer == buffer)
			return &t->held[i];
		if (!t->held[i].buffer && !free_slot)
			free_slot = &t->held[i];
	}
	if (free_slot) {
		free_slot->buffer = buffer;
		free_slot->version = 0;
	}
	return free_slot;
}

static void copy_rect(testsrc *t, uint8_t *dst, kyoyu_rect r)
{
	size_t stride = (size_t)t->width * 4;
	for (int32_t y = r.y; y < r.y + r.h; y++)
		memcpy(dst + y * stride + (size_t)r.x * 4,
		       t->scene.canvas + y * stride + (size_t)r.x * 4, (size_t)r.w * 4);
}

/* Brings BUFFER up to the current picture: only what changed since the
 * picture it holds, or everything when that is too old to know. */
static void refresh(testsrc *t, kyoyu_buffer *buffer)
{
	held *h = held_slot(t, buffer);
	uint8_t *dst = kyoyu_buffer_data(buffer);

	if (!h || h->version == 0 || t->version - h->version >= HISTORY) {
		memcpy(dst, t->scene.canvas, (size_t)t->width * (size_t)t->height * 4);
	} else {
		kyoyu_region missed;
		kyoyu_region_clear(&missed);
		for (uint64_t v = h->version + 1; v <= t->version; v++)
			kyoyu_region_union(&missed, &t->history[v % HISTORY]);
		for (uint32_t i = 0; i < missed.n; i++)
			copy_rect(t, dst, missed.rects[i]);
	}
	if (h)
		h->version = t->version;
}

static void count_drop(testsrc *t, const char *why)
{
	if (t->dropped++ % 100 == 0)
		kyoyu_warn("%s; %llu frames dropped so far", why,
			   (unsigned long long)t->dropped);
}

static void post_frame(testsrc *t, const kyoyu_region *damage, bool key)
{
	kyoyu_msg *msg = kyoyu_msg_new(KYOYU_MSG_FRAME);
	kyoyu_buffer *buffer = msg ? kyoyu_pool_acquire(t->pool) : NULL;

	if (!msg) {
		count_drop(t, "out of memory for a frame message");
		return;
	}
	if (!buffer) {
		kyoyu_msg_unref(msg);
		count_drop(t, "every frame buffer is in use: the encoder is behind");
		return;
	}
	refresh(t, buffer);
	kyoyu_frame_layout(&msg->u.frame, t->format, (uint32_t)t->width, (uint32_t)t->height);
	msg->u.frame.damage = *damage;
	if (key) {
		msg->u.frame.flags |= KYOYU_FRAME_KEY;
		kyoyu_region_set_full(&msg->u.frame.damage, t->width, t->height);
	}
	msg->buf = buffer;
	kyoyu_bus_post(t->host->bus, msg);
}

static void post_cursor(testsrc *t)
{
	int32_t x, y;

	testsrc_scene_pointer(&t->scene, t->tick, &x, &y);
	if (t->shape_sent && x == t->pointer_x && y == t->pointer_y)
		return;
	kyoyu_msg *msg = kyoyu_msg_new(KYOYU_MSG_CURSOR);
	if (!msg)
		return; /* the next tick tries again */
	msg->u.cursor = (kyoyu_cursor_info){.x = x, .y = y, .visible = 1, .serial = 1};
	if (!t->shape_sent) {
		msg->buf = kyoyu_buffer_new(16 * 16 * 4);
		if (msg->buf)
			testsrc_cursor_shape(kyoyu_buffer_data(msg->buf));
		msg->u.cursor.width = msg->u.cursor.height = 16;
	}
	if (kyoyu_bus_post(t->host->bus, msg) == 0) {
		t->shape_sent = true;
		t->pointer_x = x;
		t->pointer_y = y;
	}
}

static void on_tick(testsrc *t)
{
	kyoyu_region damage;

	kyoyu_region_clear(&damage);
	testsrc_scene_advance(&t->scene, t->tick, &damage);
	if (damage.n) {
		t->version++;
		t->history[t->version % HISTORY] = damage;
	}
	if (!t->sharing)
		return;
	if (damage.n || t->send_key)
		post_frame(t, &damage, t->send_key);
	t->send_key = false;
	if (t->cursor)
		post_cursor(t);
}

static void on_message(testsrc *t, const kyoyu_msg *msg)
{
	if (msg->type == KYOYU_MSG_FRAMERATE && msg->u.value >= 1 && msg->u.value <= 240) {
		/* Keep the scene's clock: only the tick length changes. */
		t->start_us = kyoyu_now_us() - (int64_t)(t->tick * 1000000 / (uint64_t)msg->u.value);
		t->fps = (int)msg->u.value;
		t->scene.fps = (uint32_t)t->fps;
	} else if (msg->type == KYOYU_MSG_STATE) {
		bool sharing = msg->u.state.state == KYOYU_STATE_SHARING;
		/* Each start of sharing begins with a whole picture. */
		if (sharing && !t->sharing) {
			t->send_key = true;
			t->shape_sent = false;
		}
		t->sharing = sharing;
	}
}

static int testsrc_run(void *priv, kyoyu_stage *stage)
{
	testsrc *t = priv;
	kyoyu_inbox *inbox = kyoyu_stage_inbox(stage);

	t->start_us = kyoyu_now_us();
	for (;;) {
		int64_t due = t->start_us + (int64_t)((t->tick + 1) * 1000000 / (uint64_t)t->fps);
		int64_t wait = due - kyoyu_now_us();
		kyoyu_msg *msg;
		int ret = kyoyu_inbox_pop(inbox, &msg, wait > 0 ? (int)((wait + 999) / 1000) : 0);
		if (ret == -ESHUTDOWN)
			return 0;
		if (ret == 0) {
			/* The session is over: nothing more to show, and the
			 * core should not have to stop us. */
			bool ended = msg->type == KYOYU_MSG_STATE &&
				     msg->u.state.state == KYOYU_STATE_ENDED;
			on_message(t, msg);
			kyoyu_msg_unref(msg);
			if (ended)
				return 0;
			continue;
		}
		if (kyoyu_now_us() < due)
			continue;
		t->tick++;
		on_tick(t);
	}
}

static void testsrc_stop(void *priv)
{
	testsrc *t = priv;

	kyoyu_pool_unref(t->pool);
	t->pool = NULL;
	testsrc_scene_fini(&t->scene);
	memset(t->held, 0, sizeof(t->held));
}

static const kyoyu_stage_ops ops = {
	.size = sizeof(kyoyu_stage_ops),
	.start = testsrc_start,
	.run = testsrc_run,
	.stop = testsrc_stop,
	.formats = formats,
};

static const kyoyu_plugin_descriptor descriptor = {
	KYOYU_PLUGIN_HEADER,
	.kind = KYOYU_KIND_CAPTURE,
	.name = "testsrc",
	.version = PACKAGE_VERSION,
	.license = "MIT",
	.description = "a synthetic desktop: windows, typing, scrolling, a pointer",
	.priv_size = sizeof(testsrc),
	.options = options,
	.init = testsrc_init,
	.ops = &ops,
};

KYOYU_PLUGIN_DEFINE(kyoyu_capture_testsrc, descriptor)
