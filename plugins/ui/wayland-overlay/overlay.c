/* SPDX-License-Identifier: MIT */
/* ui/wayland-overlay: what the customer sees of the operator on a Wayland
 * desktop with layer-shell (sway, KDE, other wlroots compositors), as
 * ui/x11-overlay shows it on X11:
 *
 *  - The operator's arrow, at the POINTER position (shared-area pixels,
 *    placed through the shared area's origin from VIDEO_SIZE; 0,0 until one
 *    arrives), shown only while sharing and while the operator holds it.
 *  - A small badge in a corner: "Your screen is being shared" while
 *    sharing, "Sharing paused" (amber) while paused, nothing before or
 *    after; in the messages' language (po/), drawn with Pango.
 *
 * Both are layer surfaces on the overlay layer of the output that holds the
 * shared area's origin (overlay-layer.h): above every window, with an
 * empty input region and no keyboard interactivity, so they never take a
 * click, a key or the focus.  Nothing here, or anywhere in kyoyu, sends
 * input to the customer's desktop.  Where the desktop has no layer-shell
 * (GNOME), init() declines and ui/x11-overlay draws through Xwayland.
 *
 * The shared area's pixels are the output's device pixels; the surfaces are
 * placed in logical ones: the pointer is divided by the output's scale.
 *
 * Threads: init() connects to the display (core thread); everything else
 * runs on the stage's thread, which polls the Wayland connection and the
 * inbox.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <string.h>

#define KYOYU_LOG_COMPONENT "ui/wayland-overlay"
#include <kyoyu/kyoyu.h>

#include "../../common/i18n.h"
#include "../../common/badge-words.h"
#include "../../common/language.h"
#include "overlay-display.h"
#include "overlay-layer.h"
#include "overlay-picture.h"
#include "wlr-layer-shell-unstable-v1-client-protocol.h"

#define BADGE_PAD 8
#define BADGE_MARGIN 12

enum { CORNER_TOP_RIGHT, CORNER_TOP_LEFT, CORNER_BOTTOM_RIGHT, CORNER_BOTTOM_LEFT };
static const char *const corners[] = {"top-right", "top-left", "bottom-right",
				      "bottom-left", NULL};

typedef struct overlay {
	/* options */
	int corner;
	const char *font_name;

	kyoyu_stage *stage;
	kyoyu_inbox *inbox;
	overlay_display wl;
	overlay_words words;
	overlay_layer arrow, badge;
	overlay_picture arrow_picture, badge_picture;
	const char *badge_words; /* what the badge says now, or NULL */

	uint32_t state;
	bool recording_stopped; /* the support person's recording stopped */
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

static int overlay_init(void *priv, const kyoyu_host *host)
{
	overlay *o = priv;
	char why[256];

	if (host->role != KYOYU_ROLE_SHARER)
		return KYOYU_SKIP; /* the operator's side shows the arrow itself */
	if (overlay_display_connect(&o->wl, why, sizeof(why))) {
		kyoyu_info("%s", why);
		return KYOYU_SKIP;
	}
	return KYOYU_OK;
}

static void overlay_fini(void *priv)
{
	overlay *o = priv;

	overlay_display_close(&o->wl);
}

/* The badge: white on red while sharing, dark on amber while paused. */
static const overlay_rgb shared_bg = {0xc6, 0x28, 0x28}, shared_text = {0xff, 0xff, 0xff};
static const overlay_rgb paused_bg = {0xf9, 0xa8, 0x25}, paused_text = {0x20, 0x20, 0x20};

static int overlay_start(void *priv, kyoyu_stage *stage)
{
	overlay *o = priv;
	char language[16];

	i18n_language(language, sizeof(language));
	int ret = overlay_words_init(&o->words, o->font_name, language);
	if (ret)
		return ret;
	/* The namespaces are for the desktop's configuration and for tests. */
	overlay_layer_init(&o->arrow, &o->wl, "kyoyu operator pointer");
	overlay_layer_init(&o->badge, &o->wl, "kyoyu sharing indicator");
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

	overlay_layer_hide(&o->arrow);
	overlay_layer_hide(&o->badge);
	overlay_picture_free(&o->arrow_picture);
	overlay_picture_free(&o->badge_picture);
	overlay_words_fini(&o->words);
	wl_display_flush(o->wl.display);
}

/* ---- placing ------------------------------------------------------------- */

/* The output the shared area is on: the one holding its origin. */
static const overlay_output *shared_output(const overlay *o)
{
	return overlay_display_output_at(&o->wl, o->origin_x, o->origin_y);
}

/* Shows the arrow where the operator points, or hides it. */
static void place_arrow(overlay *o)
{
	const overlay_output *out = shared_output(o);

	if (o->state != KYOYU_STATE_SHARING || !o->pointer.visible || !out) {
		overlay_layer_hide(&o->arrow);
		return;
	}
	if (o->arrow_picture.buffer && o->arrow_picture.scale != out->scale)
		overlay_picture_free(&o->arrow_picture);
	if (!o->arrow_picture.buffer &&
	    overlay_picture_arrow(&o->arrow_picture, o->wl.shm, out->scale)) {
		kyoyu_warn("cannot draw the operator's arrow: out of memory");
		return;
	}
	/* From the shared area's device pixels to the output's logical ones. */
	int64_t x = (int64_t)o->origin_x - out->x + o->pointer.x / out->scale;
	int64_t y = (int64_t)o->origin_y - out->y + o->pointer.y / out->scale;
	if (x < 0 || y < 0 || x > INT32_MAX || y > INT32_MAX) {
		overlay_layer_hide(&o->arrow); /* off the output */
		return;
	}
	int32_t margin[4] = {(int32_t)y, 0, 0, (int32_t)x};
	overlay_layer_show(&o->arrow, out,
			   ZWLR_LAYER_SURFACE_V1_ANCHOR_TOP | ZWLR_LAYER_SURFACE_V1_ANCHOR_LEFT,
			   margin, &o->arrow_picture);
}

static void place_badge(overlay *o)
{
	const char *words = badge_words(o->state, o->recording_stopped);
	const overlay_output *out = shared_output(o);

	if (!words || !out) {
		o->badge_words = NULL;
		overlay_layer_hide(&o->badge);
		overlay_picture_free(&o->badge_picture);
		return;
	}
	if (words == o->badge_words && o->badge_picture.scale == out->scale &&
	    o->badge.output == out->output)
		return;
	bool paused = o->state == KYOYU_STATE_PAUSED;
	overlay_picture old = o->badge_picture;
	if (overlay_picture_badge(&o->badge_picture, o->wl.shm, out->scale, &o->words, words,
				  paused ? paused_bg : shared_bg,
				  paused ? paused_text : shared_text, BADGE_PAD)) {
		kyoyu_warn("cannot draw the \"being shared\" badge: out of memory");
		o->badge_picture = old;
		return;
	}
	o->badge_words = words;
	bool right = o->corner == CORNER_TOP_RIGHT || o->corner == CORNER_BOTTOM_RIGHT;
	bool bottom = o->corner == CORNER_BOTTOM_RIGHT || o->corner == CORNER_BOTTOM_LEFT;
	uint32_t anchor = (right ? ZWLR_LAYER_SURFACE_V1_ANCHOR_RIGHT
				 : ZWLR_LAYER_SURFACE_V1_ANCHOR_LEFT) |
			  (bottom ? ZWLR_LAYER_SURFACE_V1_ANCHOR_BOTTOM
				  : ZWLR_LAYER_SURFACE_V1_ANCHOR_TOP);
	int32_t margin[4] = {BADGE_MARGIN, BADGE_MARGIN, BADGE_MARGIN, BADGE_MARGIN};
	overlay_layer_show(&o->badge, out, anchor, margin, &o->badge_picture);
	overlay_picture_free(&old);
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
		place_badge(o); /* another output, maybe */
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

/* Waits for the inbox or the desktop, reading what the desktop sent
 * (libwayland's prepare/read dance, so no event is left unread in the
 * socket while we sleep).  Returns 0 or -errno. */
static int wait_and_read(overlay *o, int inbox_fd)
{
	struct wl_display *display = o->wl.display;

	while (wl_display_prepare_read(display) != 0)
		wl_display_dispatch_pending(display);
	wl_display_flush(display);
	struct pollfd fds[2] = {{inbox_fd, POLLIN, 0},
				{wl_display_get_fd(display), POLLIN, 0}};
	if (poll(fds, 2, -1) < 0) {
		int err = errno;
		wl_display_cancel_read(display);
		return err == EINTR ? 0 : -err;
	}
	if (fds[1].revents & (POLLIN | POLLHUP | POLLERR))
		wl_display_read_events(display);
	else
		wl_display_cancel_read(display);
	wl_display_dispatch_pending(display);
	return 0;
}

static int overlay_run(void *priv, kyoyu_stage *stage)
{
	overlay *o = priv;
	bool ended = false;
	int inbox_fd = kyoyu_inbox_fd(o->inbox);

	(void)stage;
	if (inbox_fd < 0) {
		kyoyu_error("no file descriptor left to wait on the bus; raise the limit "
			    "(ulimit -n)");
		return -EMFILE;
	}
	while (!ended) {
		int ret = wait_and_read(o, inbox_fd);
		if (ret)
			return ret;
		if (wl_display_get_error(o->wl.display)) {
			kyoyu_error("lost the connection to the Wayland desktop: %s",
				    strerror(wl_display_get_error(o->wl.display)));
			return -EIO;
		}
		kyoyu_msg *msg;
		while ((ret = kyoyu_inbox_pop(o->inbox, &msg, 0)) == 0) {
			on_message(o, msg);
			ended |= msg->type == KYOYU_MSG_STATE &&
				 msg->u.state.state == KYOYU_STATE_ENDED;
			kyoyu_msg_unref(msg);
		}
		wl_display_flush(o->wl.display);
		if (ret == -ESHUTDOWN)
			break;
	}
	overlay_layer_hide(&o->arrow);
	overlay_layer_hide(&o->badge);
	wl_display_flush(o->wl.display);
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
	.name = "wayland-overlay",
	.version = PACKAGE_VERSION,
	.license = "MIT",
	.description = "the operator's arrow and a \"being shared\" badge on a Wayland "
		       "desktop with layer-shell (sway, KDE); never takes input",
	.priv_size = sizeof(overlay),
	.options = options,
	.init = overlay_init,
	.fini = overlay_fini,
	.ops = &ops,
};

KYOYU_PLUGIN_DEFINE(kyoyu_ui_wayland_overlay, descriptor)
