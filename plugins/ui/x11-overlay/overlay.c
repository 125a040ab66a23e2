/* SPDX-License-Identifier: MIT */
/* ui/x11-overlay: what the customer sees of the operator on their screen.
 *
 *  - The operator's arrow, at the POINTER position (shared-area pixels,
 *    placed through the shared area's origin from VIDEO_SIZE; 0,0 until one
 *    arrives), shown only while sharing and while the operator holds it.
 *  - A small badge in a corner, always on top: "Your screen is being
 *    shared" while sharing, "Sharing paused" while paused, nothing before
 *    or after; in the messages' language (po/), drawn with Pango
 *    (overlay-badge.h).
 * Both windows are override-redirect and input-transparent (see
 * overlay-window.h): they never take a click, a key or the focus.  Nothing
 * here, or anywhere in kyoyu, sends input to the customer's desktop.
 *
 * Threads: init() connects to the display (core thread); everything else
 * runs on the stage's thread, which polls the X connection and the inbox.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include <xcb/shape.h>
#include <xcb/xcb.h>
#include <xcb/xfixes.h>

#define KYOYU_LOG_COMPONENT "ui/x11-overlay"
#include <kyoyu/kyoyu.h>

#include "../../common/i18n.h"
#include "../../common/badge-words.h"
#include "../../common/language.h"
#ifdef KYOYU_WITH_WAYLAND_OVERLAY
#include "../../common/layer-shell.h"
#endif
#include "overlay-badge.h"
#include "overlay-window.h"

#define BADGE_PAD 8
#define BADGE_MARGIN 12

/* The classic arrow, twice the size of a 16×24 cursor; its tip is at 0,0. */
static const xcb_point_t arrow_outline[] = {
	{0, 0}, {0, 34}, {8, 26}, {14, 40}, {20, 37}, {14, 24}, {24, 24}, {0, 0},
};
#define ARROW_W 25
#define ARROW_H 41

enum { CORNER_TOP_RIGHT, CORNER_TOP_LEFT, CORNER_BOTTOM_RIGHT, CORNER_BOTTOM_LEFT };
static const char *const corners[] = {"top-right", "top-left", "bottom-right",
				      "bottom-left", NULL};

typedef struct overlay {
	/* options */
	int corner;
	const char *font_name;

	kyoyu_stage *stage;
	kyoyu_inbox *inbox;
	xcb_connection_t *conn;
	xcb_screen_t *screen;
	xcb_gcontext_t gc;
	uint32_t arrow_fill, arrow_edge, shared_pixel, paused_pixel;
	overlay_window arrow, badge;
	overlay_badge words;
	const char *badge_words; /* what the badge says now, or NULL */
	bool recording_stopped; /* the support person's recording stopped */

	uint32_t state;
	int32_t origin_x, origin_y;
	kyoyu_pointer_info pointer;
} overlay;

static const kyoyu_option options[] = {
	KYOYU_OPTION_ENUM("corner", overlay, corner, 0, corners,
			  "where the \"being shared\" badge sits"),
	KYOYU_OPTION_STRING("badge_font", overlay, font_name, "Sans Bold 13",
			    "font of the badge, as Pango describes one: family, style, "
			    "size in points (fontconfig finds it, Japanese included)"),
	KYOYU_OPTION_END,
};

static bool has_extensions(xcb_connection_t *conn)
{
	const xcb_query_extension_reply_t *shape = xcb_get_extension_data(conn, &xcb_shape_id);
	const xcb_query_extension_reply_t *fixes =
		xcb_get_extension_data(conn, &xcb_xfixes_id);

	if (!shape || !shape->present || !fixes || !fixes->present)
		return false;
	/* Input shapes need XFixes 2; the version must be asked before use. */
	xcb_xfixes_query_version_reply_t *v = xcb_xfixes_query_version_reply(
		conn, xcb_xfixes_query_version(conn, 5, 0), NULL);
	bool ok = v && v->major_version >= 2;
	free(v);
	return ok;
}

static int overlay_init(void *priv, const kyoyu_host *host)
{
	overlay *o = priv;
	int screen_number;

	if (host->role != KYOYU_ROLE_SHARER)
		return KYOYU_SKIP; /* the operator's side shows the arrow itself */
#ifdef KYOYU_WITH_WAYLAND_OVERLAY
	if (wayland_has_layer_shell()) {
		kyoyu_info("this Wayland desktop has layer-shell: ui/wayland-overlay draws "
			   "the badge and the arrow here (list it in ui.plugin)");
		return KYOYU_SKIP;
	}
#endif
	o->conn = xcb_connect(NULL, &screen_number);
	if (xcb_connection_has_error(o->conn)) {
		kyoyu_info("no X display to draw on");
		goto out_skip;
	}
	if (!has_extensions(o->conn)) {
		kyoyu_warn("the X server lacks SHAPE or XFixes 2: no window could let "
			   "clicks through, so the overlay stays off");
		goto out_skip;
	}
	xcb_screen_iterator_t it = xcb_setup_roots_iterator(xcb_get_setup(o->conn));
	for (int i = 0; it.rem && i < screen_number; i++)
		xcb_screen_next(&it);
	o->screen = it.data;
	return o->screen ? KYOYU_OK : KYOYU_SKIP;

out_skip:
	xcb_disconnect(o->conn);
	o->conn = NULL;
	return KYOYU_SKIP;
}

static void overlay_fini(void *priv)
{
	overlay *o = priv;

	if (o->conn)
		xcb_disconnect(o->conn);
	o->conn = NULL;
}

/* The badge: white on red while sharing, dark on amber while paused. */
static const overlay_rgb shared_bg = {0xc6, 0x28, 0x28}, shared_text = {0xff, 0xff, 0xff};
static const overlay_rgb paused_bg = {0xf9, 0xa8, 0x25}, paused_text = {0x20, 0x20, 0x20};

static int overlay_start(void *priv, kyoyu_stage *stage)
{
	overlay *o = priv;
	const xcb_screen_t *s = o->screen;

	o->arrow_fill = overlay_pixel(s, 0xff, 0x3b, 0x30);
	o->arrow_edge = overlay_pixel(s, 0xff, 0xff, 0xff);
	o->shared_pixel = overlay_pixel(s, shared_bg.r, shared_bg.g, shared_bg.b);
	o->paused_pixel = overlay_pixel(s, paused_bg.r, paused_bg.g, paused_bg.b);
	o->gc = xcb_generate_id(o->conn);
	uint32_t gc_values[] = {o->arrow_edge, 3};
	xcb_create_gc(o->conn, o->gc, s->root, XCB_GC_FOREGROUND | XCB_GC_LINE_WIDTH,
		      gc_values);
	/* The windows' names are for tests and window lists, not people. */
	if (overlay_window_create(o->conn, s, &o->arrow, "kyoyu operator pointer", ARROW_W,
				  ARROW_H, o->arrow_fill, arrow_outline,
				  sizeof(arrow_outline) / sizeof(arrow_outline[0])) ||
	    overlay_window_create(o->conn, s, &o->badge, "kyoyu sharing indicator", 1, 1,
				  o->shared_pixel, NULL, 0)) {
		kyoyu_error("cannot create the overlay windows");
		return -EIO;
	}
	char language[16];
	i18n_language(language, sizeof(language));
	int ret = overlay_badge_init(&o->words, o->conn, s, o->badge.id, o->font_name,
				     language);
	if (ret)
		return ret;
	xcb_flush(o->conn);
	o->stage = stage;
	o->inbox = kyoyu_stage_inbox(stage);
	kyoyu_inbox_set_mask(o->inbox, KYOYU_MSG_BIT(KYOYU_MSG_STATE) |
					       KYOYU_MSG_BIT(KYOYU_MSG_POINTER) |
					       KYOYU_MSG_BIT(KYOYU_MSG_VIDEO_SIZE) |
					       KYOYU_MSG_BIT(KYOYU_MSG_NOTICE));
	return 0;
}

static void overlay_stop(void *priv)
{
	overlay *o = priv;

	overlay_badge_fini(&o->words);
	xcb_destroy_window(o->conn, o->arrow.id);
	xcb_destroy_window(o->conn, o->badge.id);
	xcb_free_gc(o->conn, o->gc);
	xcb_flush(o->conn);
}

/* ---- drawing ------------------------------------------------------------- */

static void paint_arrow(overlay *o)
{
	uint32_t edge = o->arrow_edge;

	xcb_change_gc(o->conn, o->gc, XCB_GC_FOREGROUND, &edge);
	xcb_poly_line(o->conn, XCB_COORD_MODE_ORIGIN, o->arrow.id, o->gc,
		      sizeof(arrow_outline) / sizeof(arrow_outline[0]), arrow_outline);
}

static void paint_badge(overlay *o)
{
	if (!o->badge_words)
		return;
	bool paused = o->state == KYOYU_STATE_PAUSED;
	overlay_badge_paint(&o->words, paused ? paused_bg : shared_bg,
			    paused ? paused_text : shared_text, BADGE_PAD);
}

/* Shows the arrow where the operator points, or hides it. */
static void place_arrow(overlay *o)
{
	if (o->state != KYOYU_STATE_SHARING || !o->pointer.visible) {
		overlay_window_hide(o->conn, &o->arrow);
		return;
	}
	int64_t x = (int64_t)o->origin_x + o->pointer.x;
	int64_t y = (int64_t)o->origin_y + o->pointer.y;
	if (x < INT16_MIN || x > INT16_MAX || y < INT16_MIN || y > INT16_MAX)
		return; /* off any X screen */
	overlay_window_show_at(o->conn, &o->arrow, (int16_t)x, (int16_t)y);
	/* The badge stays on top of everything, the arrow included. */
	overlay_window_raise(o->conn, &o->badge);
}

static void place_badge(overlay *o)
{
	const char *words = badge_words(o->state, o->recording_stopped);

	if (words == o->badge_words)
		return;
	o->badge_words = words;
	if (!words) {
		overlay_window_hide(o->conn, &o->badge);
		return;
	}
	overlay_badge_set_words(&o->words, words, BADGE_PAD);
	uint16_t w = o->words.width, h = o->words.height;
	int16_t sw = (int16_t)o->screen->width_in_pixels;
	int16_t sh = (int16_t)o->screen->height_in_pixels;
	bool right = o->corner == CORNER_TOP_RIGHT || o->corner == CORNER_BOTTOM_RIGHT;
	bool bottom = o->corner == CORNER_BOTTOM_RIGHT || o->corner == CORNER_BOTTOM_LEFT;
	int16_t x = right ? (int16_t)(sw - w - BADGE_MARGIN) : BADGE_MARGIN;
	int16_t y = bottom ? (int16_t)(sh - h - BADGE_MARGIN) : BADGE_MARGIN;
	uint32_t size[] = {w, h};
	uint32_t bg = o->state == KYOYU_STATE_PAUSED ? o->paused_pixel : o->shared_pixel;
	xcb_change_window_attributes(o->conn, o->badge.id, XCB_CW_BACK_PIXEL, &bg);
	xcb_configure_window(o->conn, o->badge.id,
			     XCB_CONFIG_WINDOW_WIDTH | XCB_CONFIG_WINDOW_HEIGHT, size);
	o->badge.width = w;
	o->badge.height = h;
	overlay_window_show_at(o->conn, &o->badge, x, y);
	xcb_clear_area(o->conn, 0, o->badge.id, 0, 0, 0, 0);
	paint_badge(o);
}

/* ---- events -------------------------------------------------------------- */

static void on_message(overlay *o, const kyoyu_msg *msg)
{
	KYOYU_ASSERT_STAGE_THREAD(o->stage);
	switch (msg->type) {
	case KYOYU_MSG_STATE:
		o->state = msg->u.state.state;
		place_badge(o);
		place_arrow(o);
		break;
	case KYOYU_MSG_POINTER:
		o->pointer = msg->u.pointer;
		place_arrow(o);
		break;
	case KYOYU_MSG_VIDEO_SIZE:
		o->origin_x = msg->u.size.x;
		o->origin_y = msg->u.size.y;
		place_arrow(o);
		break;
	case KYOYU_MSG_NOTICE:
		if (msg->u.notice.kind == KYOYU_NOTICE_RECORDING_STOPPED) {
			o->recording_stopped = true;
			place_badge(o);
		}
		break;
	default:
		break;
	}
}

static void on_x_event(overlay *o, xcb_generic_event_t *ev)
{
	KYOYU_ASSERT_STAGE_THREAD(o->stage);
	switch (ev->response_type & 0x7f) {
	case XCB_EXPOSE: {
		xcb_expose_event_t *e = (xcb_expose_event_t *)ev;
		if (e->count == 0 && e->window == o->arrow.id)
			paint_arrow(o);
		else if (e->count == 0 && e->window == o->badge.id)
			paint_badge(o);
		break;
	}
	case XCB_VISIBILITY_NOTIFY: {
		/* Something covered us: come back on top. */
		xcb_visibility_notify_event_t *e = (xcb_visibility_notify_event_t *)ev;
		if (e->state != XCB_VISIBILITY_UNOBSCURED && e->window == o->badge.id)
			overlay_window_raise(o->conn, &o->badge);
		else if (e->state != XCB_VISIBILITY_UNOBSCURED && e->window == o->arrow.id)
			overlay_window_raise(o->conn, &o->arrow);
		break;
	}
	default:
		break;
	}
}

static int overlay_run(void *priv, kyoyu_stage *stage)
{
	overlay *o = priv;
	bool ended = false;
	int inbox_fd = kyoyu_inbox_fd(o->inbox);

	if (inbox_fd < 0) {
		kyoyu_error("no file descriptor left to wait on the bus; raise the limit "
			    "(ulimit -n)");
		return -EMFILE;
	}
	while (!ended) {
		struct pollfd fds[2] = {{inbox_fd, POLLIN, 0},
					{xcb_get_file_descriptor(o->conn), POLLIN, 0}};
		if (poll(fds, 2, -1) < 0 && errno != EINTR)
			return -errno;
		xcb_generic_event_t *ev;
		while ((ev = xcb_poll_for_event(o->conn))) {
			on_x_event(o, ev);
			free(ev);
		}
		if (xcb_connection_has_error(o->conn)) {
			kyoyu_error("lost the connection to the X display");
			return -EIO;
		}
		kyoyu_msg *msg;
		int ret;
		while ((ret = kyoyu_inbox_pop(o->inbox, &msg, 0)) == 0) {
			on_message(o, msg);
			ended |= msg->type == KYOYU_MSG_STATE &&
				 msg->u.state.state == KYOYU_STATE_ENDED;
			kyoyu_msg_unref(msg);
		}
		xcb_flush(o->conn);
		if (ret == -ESHUTDOWN)
			break;
	}
	overlay_window_hide(o->conn, &o->arrow);
	overlay_window_hide(o->conn, &o->badge);
	xcb_flush(o->conn);
	return 0;
}

static const kyoyu_stage_ops ops = {
	.size = sizeof(kyoyu_stage_ops),
	.start = overlay_start,
	.run = overlay_run,
	.stop = overlay_stop,
	.formats = NULL, /* the arrow and the badge: it reads no frames */
};

static const kyoyu_plugin_descriptor descriptor = {
	KYOYU_PLUGIN_HEADER,
	.kind = KYOYU_KIND_UI,
	.name = "x11-overlay",
	.version = PACKAGE_VERSION,
	.license = "MIT",
	.description = "the operator's arrow and a \"being shared\" badge on the "
		       "customer's X screen; never takes input",
	.priv_size = sizeof(overlay),
	.options = options,
	.init = overlay_init,
	.fini = overlay_fini,
	.ops = &ops,
};

KYOYU_PLUGIN_DEFINE(kyoyu_ui_x11_overlay, descriptor)
