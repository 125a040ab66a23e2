/* SPDX-License-Identifier: MIT */
/* capture/hello: the smallest complete kyoyu capture plugin.
 *
 * It "captures" a grey desktop with a square bouncing across it.  It shows
 * what every capture plugin does (see docs/plugin-abi.md):
 *   - declare options; the core fills them in before init() and prints them
 *     for `kyoyu-agent --help-plugin hello`;
 *   - declare the pixel formats it can post; the core picks the one the
 *     encoder takes and says which in host->frame_format;
 *   - subscribe the stage's inbox in start() and loop on it in run();
 *   - post a frame only when something changed, with damage rectangles that
 *     cover every changed pixel, from a bounded buffer pool, in a message
 *     from kyoyu_msg_new() that the bus takes over;
 *   - post one complete keyframe each time the session starts sharing;
 *   - return from run() when the session ends or the inbox shuts down.
 * It includes only <kyoyu/kyoyu.h> and links only libkyoyu:
 *     cc -shared -fPIC $(pkg-config --cflags --libs kyoyu-plugin) ...
 */
#define KYOYU_LOG_COMPONENT "capture/hello"
#include <kyoyu/kyoyu.h>

#include <stdint.h>
#include <string.h>

#define SQUARE 32
/* Pictures in flight at most: capture, encoder and one spare. */
#define POOL_BUFFERS 3

typedef struct hello {
	/* options, filled in by the core */
	int width, height, fps;
	int colour;

	const kyoyu_host *host; /* the core's, valid until the plugin is freed */
	kyoyu_pool *pool;
	bool sharing, send_key;
	int x, y, dx, dy; /* the square */
	uint64_t dropped; /* frames lost because every buffer was in use */
} hello;

/* What we can post, best first, ending with KYOYU_PIXFMT_NONE.  We paint
 * BGRX only: 4 bytes a pixel, blue first. */
static const uint32_t formats[] = {KYOYU_PIXFMT_BGRX, KYOYU_PIXFMT_NONE};

static const char *const colours[] = {"red", "green", "blue", NULL};

static const kyoyu_option options[] = {
	KYOYU_OPTION_INT("width", hello, width, 320, 64, 4096, "picture width in pixels"),
	KYOYU_OPTION_INT("height", hello, height, 240, 64, 4096, "picture height in pixels"),
	KYOYU_OPTION_INT("fps", hello, fps, 10, 1, 60, "moves of the square per second"),
	KYOYU_OPTION_ENUM("colour", hello, colour, 0, colours, "colour of the square"),
	KYOYU_OPTION_END,
};

static int hello_init(void *priv, const kyoyu_host *host)
{
	hello *h = priv; /* zeroed, with the options already filled in */

	/* Only the customer's side captures; on the viewer we do not apply. */
	if (host->role != KYOYU_ROLE_SHARER)
		return KYOYU_SKIP;
	h->host = host;
	h->dx = h->dy = 4;
	return KYOYU_OK;
}

static int hello_start(void *priv, kyoyu_stage *stage)
{
	hello *h = priv;

	/* By now the core has chosen from our formats: with one, BGRX. */
	if (h->host->frame_format != KYOYU_PIXFMT_BGRX) {
		kyoyu_error("the core chose pixel format %u, which this plugin never "
			    "declared; update kyoyu or this plugin", h->host->frame_format);
		return -EINVAL;
	}
	h->pool = kyoyu_pool_new((size_t)h->width * (size_t)h->height * 4, POOL_BUFFERS);
	if (!h->pool)
		return -ENOMEM;
	/* Only the session's state matters to us. */
	kyoyu_inbox_set_mask(kyoyu_stage_inbox(stage), KYOYU_MSG_BIT(KYOYU_MSG_STATE));
	kyoyu_info("a %dx%d %s square, %d moves a second", h->width, h->height,
		   colours[h->colour], h->fps);
	return 0;
}

/* Paints the whole picture: grey, with the square at x, y. */
static void paint(const hello *h, uint8_t *px, uint32_t stride)
{
	for (int y = 0; y < h->height; y++) {
		uint8_t *row = px + (size_t)y * stride;
		for (int x = 0; x < h->width; x++) {
			bool in = x >= h->x && x < h->x + SQUARE && y >= h->y && y < h->y + SQUARE;
			uint8_t *p = row + (size_t)x * 4; /* B, G, R, unused */
			p[0] = in && h->colour == 2 ? 255 : 96;
			p[1] = in && h->colour == 1 ? 255 : 96;
			p[2] = in && h->colour == 0 ? 255 : 96;
			p[3] = 0;
		}
	}
}

static void move_square(hello *h)
{
	if (h->x + h->dx < 0 || h->x + h->dx + SQUARE > h->width)
		h->dx = -h->dx;
	if (h->y + h->dy < 0 || h->y + h->dy + SQUARE > h->height)
		h->dy = -h->dy;
	h->x += h->dx;
	h->y += h->dy;
}

static void post_picture(hello *h)
{
	kyoyu_msg *msg = kyoyu_msg_new(KYOYU_MSG_FRAME); /* NULL: out of memory */
	kyoyu_buffer *buffer = msg ? kyoyu_pool_acquire(h->pool) : NULL;

	if (!buffer) {
		/* The encoder is behind (or memory ran out): drop this picture,
		 * never wait. */
		kyoyu_msg_unref(msg);
		if (h->dropped++ % 100 == 0)
			kyoyu_warn("no buffer free: %llu pictures dropped",
				   (unsigned long long)h->dropped);
		return;
	}
	kyoyu_frame_layout(&msg->u.frame, KYOYU_PIXFMT_BGRX, (uint32_t)h->width,
			   (uint32_t)h->height);
	/* Where the square was and where it goes: everything that changed. */
	kyoyu_region_add(&msg->u.frame.damage, (kyoyu_rect){h->x, h->y, SQUARE, SQUARE});
	move_square(h);
	kyoyu_region_add(&msg->u.frame.damage, (kyoyu_rect){h->x, h->y, SQUARE, SQUARE});
	if (h->send_key) {
		msg->u.frame.flags |= KYOYU_FRAME_KEY;
		kyoyu_region_set_full(&msg->u.frame.damage, h->width, h->height);
		h->send_key = false;
	}
	/* A pool buffer holds whatever it held last: repaint it all. */
	paint(h, kyoyu_buffer_data(buffer), msg->u.frame.stride[0]);
	msg->buf = buffer; /* the message owns the buffer now */
	/* The bus takes our reference to the message, posted or not: we must
	 * not touch it again.  Readers share it read-only. */
	kyoyu_bus_post(h->host->bus, msg);
}

static int hello_run(void *priv, kyoyu_stage *stage)
{
	hello *h = priv;
	kyoyu_inbox *inbox = kyoyu_stage_inbox(stage);

	for (;;) {
		kyoyu_msg *msg;
		int ret = kyoyu_inbox_pop(inbox, &msg, 1000 / h->fps);
		if (ret == -ESHUTDOWN)
			return 0; /* the core stops us */
		if (ret == -EAGAIN) {
			if (h->sharing)
				post_picture(h);
			continue;
		}
		/* A STATE message: the only type we subscribed to.  It is
		 * shared with other stages: read it, then drop our reference. */
		uint32_t state = msg->u.state.state;
		kyoyu_msg_unref(msg);
		if (state == KYOYU_STATE_ENDED)
			return 0; /* nothing owed: no goodbye, no file to close */
		/* Each start of sharing (the first, every resume) begins with
		 * a complete picture. */
		if (state == KYOYU_STATE_SHARING && !h->sharing)
			h->send_key = true;
		h->sharing = state == KYOYU_STATE_SHARING;
	}
}

static void hello_stop(void *priv)
{
	hello *h = priv;

	/* Buffers still on the bus keep the pool alive until they return. */
	kyoyu_pool_unref(h->pool);
	h->pool = NULL;
}

static const kyoyu_stage_ops ops = {
	.size = sizeof(kyoyu_stage_ops),
	.start = hello_start,
	.run = hello_run,
	.stop = hello_stop,
	.formats = formats, /* required for a capture */
};

static const kyoyu_plugin_descriptor descriptor = {
	KYOYU_PLUGIN_HEADER, /* ABI major, minor and sizeof */
	.kind = KYOYU_KIND_CAPTURE,
	.name = "hello", /* so the file must be kyoyu-capture-hello */
	.version = "1.0",
	.license = "MIT",
	.description = "a bouncing square: the example out-of-tree plugin",
	.priv_size = sizeof(hello),
	.options = options,
	.init = hello_init,
	.ops = &ops,
};

/* Exports kyoyu_capture_hello_LTX_kyoyu_plugin_describe. */
KYOYU_PLUGIN_DEFINE(kyoyu_capture_hello, descriptor)
