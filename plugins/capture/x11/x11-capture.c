/* SPDX-License-Identifier: MIT */
/* capture/x11: the X11 desktop, grabbed only where and when it changes.
 *
 * DAMAGE says what changed; at most capture.fps times a second the changed
 * rectangles are grabbed (MIT-SHM, else GetImage) and posted as one frame
 * whose damage is exactly those rectangles.  A still screen posts nothing.
 * Frames are posted in the shared memory the X server grabbed into
 * (x11-pictures.h), not copied.  Every picture holds the whole current
 * screen, because an encoder may read any of it: a picture coming back
 * from the encoder is refreshed with only the damage it missed since it
 * last held a picture.  The
 * pointer travels as CURSOR messages; RandR layout changes are followed
 * with a VIDEO_SIZE message and a key frame of the new area.  While the
 * session is not sharing, nothing is grabbed and nothing is polled.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#define KYOYU_LOG_COMPONENT "capture/x11"
#include <kyoyu/kyoyu.h>

#include "x11-cursor.h"
#include "x11-damage.h"
#include "x11-display.h"
#include "x11-grab.h"
#include "x11-monitors.h"
#include "x11-pictures.h"

/* Pictures out at once: the encoder's last (kept for top-offs) and the one
 * waiting for it, one in an inbox, one being grabbed.  When all are out
 * the frame is dropped and its damage goes into the next. */
#define POOL_SIZE 4
/* Damage of this many past pictures is kept to refresh a returning buffer. */
#define HISTORY 8
/* Polling a resting pointer at the frame rate would be most of what an
 * idle desktop costs: once it has not moved for POINTER_REST_US it is
 * polled every SLOW_POLL_US, and at the frame rate again once it moves. */
#define POINTER_REST_US 1000000
#define SLOW_POLL_US 200000
/* A frame may be grabbed up to 1/EARLY_SHARE of its period early. */
#define EARLY_SHARE 4

typedef struct x11_capture {
	/* options */
	const char *display_name;
	const char *monitor;
	int fps;
	bool cursor_on;
	bool shm;

	const kyoyu_host *host;
	kyoyu_pixfmt format; /* what the core chose: BGRX, the only one we post */
	x11_display display;
	x11_grab grab;
	x11_damage damage;
	x11_cursor cursor;
	x11_area area;       /* what is shared, in root window pixels */
	bool layout_changed; /* look for the shared area again */

	x11_pictures *pictures; /* of the area's size */
	uint64_t version;    /* of the current picture; 0: none yet */
	kyoyu_region history[HISTORY]; /* damage that made version v: [v % HISTORY] */
	uint64_t held[POOL_SIZE]; /* the picture each slot holds; 0: unknown */
	bool last_was_whole;  /* the last frame changed (nearly) everything */
	kyoyu_region pending; /* taken from X but not posted yet */

	int fps_now;         /* the cap now: capture.fps, or lower on request */
	bool sharing, send_key, ended;
	bool busy; /* the last frame's change was waiting for its slot (watch_x) */
	/* The frame slot last used: when the last frame was grabbed, or the
	 * time it was due if it was grabbed a little early (frame_due). */
	int64_t last_frame_us, last_poll_us;
	uint64_t frames, dropped, x_errors;
} x11_capture;

/* X11's 24-bit visuals are BGRX in memory: grabs are posted as they come. */
static const uint32_t formats[] = {KYOYU_PIXFMT_BGRX, KYOYU_PIXFMT_NONE};

static const kyoyu_option options[] = {
	KYOYU_OPTION_STRING("display", x11_capture, display_name, NULL,
			    "the X display to share (default: $DISPLAY)"),
	KYOYU_OPTION_STRING("monitor", x11_capture, monitor, "all",
			    "\"all\" (the whole screen), \"primary\", or a RandR "
			    "monitor name such as HDMI-1 (see xrandr --listmonitors)"),
	KYOYU_OPTION_INT("fps", x11_capture, fps, 30, 1, 240,
			 "at most this many frames per second"),
	KYOYU_OPTION_BOOL("cursor", x11_capture, cursor_on, 1,
			  "send the pointer's position and shape as cursor events"),
	KYOYU_OPTION_BOOL("shm", x11_capture, shm, 1,
			  "grab through MIT-SHM when the X server allows it "
			  "(false: always GetImage)"),
	KYOYU_OPTION_END,
};

static size_t area_bytes(const x11_area *a)
{
	return (size_t)a->width * a->height * 4;
}

static int x11_capture_init(void *priv, const kyoyu_host *host)
{
	x11_capture *x = priv;

	x->host = host;
	x->fps_now = x->fps;
	int ret = x11_display_open(&x->display, x->display_name);
	if (ret != KYOYU_OK)
		return ret;
	ret = x11_monitors_check(&x->display, x->monitor);
	if (ret == 0)
		ret = x11_monitors_find(&x->display, x->monitor, &x->area);
	if (ret)
		x11_display_close(&x->display);
	return ret;
}

static void x11_capture_fini(void *priv)
{
	x11_capture *x = priv;

	x11_display_close(&x->display);
}

static void release_pictures(x11_capture *x)
{
	x11_pictures_release(x->pictures);
	x->pictures = NULL;
	x11_grab_release(&x->grab);
}

/* New pictures and staging area for the area's size; every picture of the
 * old pool is forgotten (they return to it, not to us). */
static int resize_pictures(x11_capture *x)
{
	size_t bytes = area_bytes(&x->area);

	release_pictures(x);
	x11_grab_setup(&x->grab, &x->display, x->shm, bytes);
	x->pictures = x11_pictures_new(&x->display, bytes, POOL_SIZE,
				       x11_grab_uses_shm(&x->grab));
	if (!x->pictures)
		return -ENOMEM;
	memset(x->held, 0, sizeof(x->held));
	x->version = 0;
	x->last_was_whole = false;
	kyoyu_region_clear(&x->pending);
	return 0;
}

static int x11_capture_start(void *priv, kyoyu_stage *stage)
{
	x11_capture *x = priv;

	if (x->host->frame_format != KYOYU_PIXFMT_BGRX) {
		const char *name = kyoyu_pixfmt_name(x->host->frame_format);
		kyoyu_error("the core chose \"%s\" frames, but this plugin posts only BGRX "
			    "ones (its stage_ops.formats); this is a bug in kyoyu, please "
			    "report it", name ? name : "none");
		return -EINVAL;
	}
	x->format = (kyoyu_pixfmt)x->host->frame_format;
	if (!x->area.width || !x->area.height) {
		kyoyu_error("capture.monitor = \"%s\" is not on X display \"%s\" now",
			    x->monitor, x->display.name);
		return -ENODEV;
	}
	int ret = resize_pictures(x);
	if (ret)
		return ret;
	x11_damage_start(&x->damage, &x->display);
	if (x->cursor_on)
		x11_cursor_watch(&x->cursor, &x->display);
	x11_monitors_watch(&x->display);
	ret = x11_display_sync(&x->display);
	if (ret) {
		x11_damage_stop(&x->damage);
		release_pictures(x);
		return ret;
	}
	kyoyu_inbox_set_mask(kyoyu_stage_inbox(stage), KYOYU_MSG_BIT(KYOYU_MSG_STATE) |
							       KYOYU_MSG_BIT(KYOYU_MSG_FRAMERATE));
	kyoyu_info("sharing monitor %s of X display \"%s\": %ux%u at +%d+%d, grabbed "
		   "with %s, at most %d frames per second", x->monitor, x->display.name,
		   x->area.width, x->area.height, x->area.x, x->area.y,
		   x11_grab_method(&x->grab), x->fps);
	return 0;
}

static void x11_capture_stop(void *priv)
{
	x11_capture *x = priv;

	if (x->display.conn)
		x11_damage_stop(&x->damage);
	release_pictures(x);
	if (x->display.conn)
		xcb_flush(x->display.conn);
	kyoyu_info("%llu frames posted (%.1f MiB grabbed, %.1f MiB of it copied from "
		   "staging), %llu dropped because the encoder was behind",
		   (unsigned long long)x->frames, (double)x->grab.bytes / (1 << 20),
		   (double)x->grab.copied / (1 << 20), (unsigned long long)x->dropped);
}

/* ---- pictures ------------------------------------------------------------ */

static int64_t period_us(const x11_capture *x)
{
	return 1000000 / x->fps_now;
}

/* What a picture holding version HELD lacks to show picture x->version
 * plus DAMAGE: everything when it is too old to know. */
static void missed_by(const x11_capture *x, uint64_t held, const kyoyu_region *damage,
		      kyoyu_region *missed)
{
	if (held == 0 || x->version - held >= HISTORY) {
		kyoyu_region_set_full(missed, (int32_t)x->area.width, (int32_t)x->area.height);
		return;
	}
	*missed = *damage;
	for (uint64_t v = held + 1; v <= x->version; v++)
		kyoyu_region_union(missed, &x->history[v % HISTORY]);
}

static void count_drop(x11_capture *x, const char *why)
{
	if (x->dropped++ % 100 == 0)
		kyoyu_warn("%s; %llu frames dropped so far (their changes go into the "
			   "next one)", why, (unsigned long long)x->dropped);
}

/* A frame being made: its message, the picture it goes in, when. */
typedef struct making {
	kyoyu_msg *msg;
	x11_picture pic;
	int64_t captured;
	x11_grab_target target;
} making;

/* Takes a message and a free picture for a frame of DAMAGE.  Returns 0,
 * or -EBUSY when there is none (counted, and DAMAGE stays pending).
 *
 * Which picture the grab goes into: only a free one, a slot no reference
 * points at any more.  The newest picture is always still out (the frame
 * just posted sits in an inbox, or is the encoder's last one, which it
 * keeps for top-offs and encodes again: kyoyu_msg_writable() there copies
 * the message, not the pixels, so the buffer stays referenced), and so is
 * every picture a holder may read again; writing into one of those would
 * change a frame after it was posted.  A free slot still holds the picture
 * it was last posted with (version held[i]), so grabbing what changed
 * since then (missed_by: the damage of every later version, and this
 * frame's) makes it the whole current screen; the free slot with the
 * newest picture is taken, so that is the least to grab.  A slot whose
 * grab failed half-way holds no known picture and is grabbed whole next
 * time. */
static int begin_frame(x11_capture *x, const kyoyu_region *damage, bool key, making *f)
{
	f->captured = kyoyu_now_us();
	f->msg = kyoyu_msg_new(KYOYU_MSG_FRAME);
	int ret = f->msg ? x11_pictures_acquire(x->pictures, x->held, &f->pic) : -ENOMEM;

	/* Even a failed attempt uses up its frame slot: the next try waits. */
	int64_t slot = x->last_frame_us + period_us(x);
	x->last_frame_us = f->captured > slot ? f->captured : slot;
	if (ret) {
		count_drop(x, ret == -EBUSY
				      ? "every picture is in use: the encoder is behind"
				      : "out of memory for a frame");
		kyoyu_msg_unref(f->msg);
		kyoyu_region_union(&x->pending, damage);
		x->send_key |= key;
		return -EBUSY;
	}
	kyoyu_frame_layout(&f->msg->u.frame, x->format, x->area.width, x->area.height);
	f->target = (x11_grab_target){kyoyu_buffer_data(f->pic.buffer),
				      f->msg->u.frame.stride[0], x->area.width,
				      f->pic.shm_seg};
	return 0;
}

/* Gives the picture back unposted: it holds no known picture now. */
static void abandon_frame(x11_capture *x, making *f)
{
	x->held[f->pic.index] = 0;
	kyoyu_buffer_unref(f->pic.buffer);
	kyoyu_msg_unref(f->msg);
}

/* Posts the frame, whose picture the grab (GRABBED: its result) made the
 * whole current screen, with DAMAGE as what changed. */
static int end_frame(x11_capture *x, making *f, int grabbed, const kyoyu_region *damage,
		     bool key)
{
	if (grabbed) {
		abandon_frame(x, f); /* partly overwritten */
		if (grabbed != -EAGAIN)
			return grabbed;
		/* The screen changed size under us: look at the layout again. */
		x->layout_changed = true;
		kyoyu_region_union(&x->pending, damage);
		x->send_key |= key;
		return 0;
	}
	x->version++;
	x->history[x->version % HISTORY] = *damage;
	x->held[f->pic.index] = x->version;
	x->last_was_whole = !key && kyoyu_region_area(damage) * 10 >=
					    (uint64_t)x->area.width * x->area.height * 9;

	f->msg->time_us = f->captured;
	f->msg->u.frame.damage = *damage;
	if (key)
		f->msg->u.frame.flags |= KYOYU_FRAME_KEY;
	f->msg->buf = f->pic.buffer;
	if (kyoyu_bus_post(x->host->bus, f->msg) == 0)
		x->frames++;
	return 0;
}

/* Grabs DAMAGE (plus whatever the picture missed) and posts it as a frame.
 * What cannot be posted now stays pending for the next frame. */
static int post_frame(x11_capture *x, const kyoyu_region *damage, bool key)
{
	making f;
	kyoyu_region missed;

	if (begin_frame(x, damage, key, &f))
		return 0;
	missed_by(x, x->held[f.pic.index], damage, &missed);
	int ret = x11_grab_region(&x->grab, &missed, x->area.x, x->area.y, &f.target);
	return end_frame(x, &f, ret, damage, key);
}

static int post_key_frame(x11_capture *x)
{
	kyoyu_region full;

	x->send_key = false;
	kyoyu_region_clear(&x->pending);
	x11_damage_discard(&x->damage);
	kyoyu_region_set_full(&full, (int32_t)x->area.width, (int32_t)x->area.height);
	return post_frame(x, &full, true);
}

/* True when the last frame, not a key frame, changed (nearly) the whole
 * picture: a video, a game, everything scrolling.  The next change is then
 * likely whole too. */
static bool whole_likely(const x11_capture *x)
{
	return x->last_was_whole && x11_grab_uses_shm(&x->grab) &&
	       x11_pictures_shared(x->pictures);
}

/* What changed, when it is likely the whole screen: the damage is asked
 * for and the whole picture grabbed straight into its segment in the same
 * round trip, instead of one round trip to learn what changed and another
 * to grab it (ffmpeg's x11grab makes one a frame).  The grab comes after
 * the damage is emptied, so the picture holds at least every change the
 * damage names.  If it turns out smaller, the frame still says only what
 * changed, and one whole grab was spent for nothing. */
static int post_whole_changes(x11_capture *x)
{
	making f;
	kyoyu_region damage, none;

	kyoyu_region_clear(&none);
	if (begin_frame(x, &none, false, &f))
		return 0;
	if (!f.target.shm_seg) {
		/* Shared memory just failed for this picture: the next frame
		 * takes the damage, and whole_likely() is false from now on. */
		kyoyu_buffer_unref(f.pic.buffer);
		kyoyu_msg_unref(f.msg);
		return 0;
	}
	uint32_t asked = x11_damage_ask(&x->damage);
	uint32_t grab = x11_grab_whole_ask(&x->grab, x->area.x, x->area.y, x->area.height,
					   &f.target);
	int ret = x11_damage_collect(&x->damage, asked, &x->area, &damage);
	int grabbed = x11_grab_whole_wait(&x->grab, grab, x->area.height, &f.target);
	if (ret) {
		abandon_frame(x, &f);
		return ret;
	}
	kyoyu_region_union(&damage, &x->pending);
	kyoyu_region_clear(&x->pending);
	if (damage.n == 0) {
		abandon_frame(x, &f);
		return 0; /* it all happened outside the shared area */
	}
	return end_frame(x, &f, grabbed, &damage, false);
}

static int post_changes(x11_capture *x)
{
	kyoyu_region damage;
	int ret;

	if (whole_likely(x))
		return post_whole_changes(x);
	if ((ret = x11_damage_take(&x->damage, &x->area, &damage)))
		return ret;
	kyoyu_region_union(&damage, &x->pending);
	kyoyu_region_clear(&x->pending);
	if (damage.n == 0)
		return 0; /* it all happened outside the shared area */
	return post_frame(x, &damage, false);
}

static void post_video_size(x11_capture *x)
{
	kyoyu_msg *msg = kyoyu_msg_new(KYOYU_MSG_VIDEO_SIZE);

	if (!msg) {
		kyoyu_warn("out of memory: the viewer's overlay may miss where the shared "
			   "area now is");
		return;
	}
	msg->u.size = (kyoyu_size_info){x->area.width, x->area.height, x->area.x, x->area.y};
	kyoyu_bus_post(x->host->bus, msg);
}

/* ---- the loop ------------------------------------------------------------ */

static bool frame_wanted(const x11_capture *x)
{
	return x->send_key || x->damage.notified || x->pending.n;
}

/* When the next frame may be grabbed.  A change that comes a little before
 * its slot (a program repainting at the frame rate, with some jitter) is
 * grabbed at once rather than after another wake-up; the slot it used
 * still counts from the due time, so the rate never passes the cap. */
static int64_t next_frame_us(const x11_capture *x)
{
	int64_t period = period_us(x);

	return x->last_frame_us + period - period / EARLY_SHARE;
}

static bool frame_due(const x11_capture *x, int64_t now)
{
	return frame_wanted(x) && now >= next_frame_us(x);
}

static int64_t poll_period_us(const x11_capture *x, int64_t now)
{
	int64_t period = period_us(x);

	if (now - x->cursor.moved_us > POINTER_REST_US && period < SLOW_POLL_US)
		period = SLOW_POLL_US;
	return period;
}

/* XFIXES announced a new shape: the pointer is looked at with it, not
 * up to SLOW_POLL_US later (a new shape often means the pointer moved
 * onto another window). */
static bool poll_due(const x11_capture *x, int64_t now)
{
	return x->cursor_on &&
	       (x->cursor.shape_changed || now >= x->last_poll_us + poll_period_us(x, now));
}

/* Whether to wake for what the X server sends.  Not before the next
 * frame's slot while the screen keeps changing (busy): a change reported
 * then could not be grabbed before the slot anyway, and its event would
 * cost a wake-up per frame besides the slot's own.  The slot reads what
 * came meanwhile (a cursor shape or a new layout waits as long: at most
 * one frame period).  A screen that changes less often than frames are
 * taken (typing) is watched all the time, so a change is grabbed at once
 * without a wake-up at every slot to look for one. */
static bool watch_x(const x11_capture *x, int64_t now)
{
	return !x->sharing || !x->area.width || !x->busy || now >= next_frame_us(x);
}

/* Milliseconds poll() may sleep: until the next frame or pointer poll is
 * due, until the next frame's slot while the X server is not watched, or
 * for ever while nothing is due (not sharing, still screen). */
static int sleep_ms(const x11_capture *x)
{
	int64_t now = kyoyu_now_us(), next = INT64_MAX;

	if (!x->sharing || !x->area.width)
		return -1;
	if (frame_wanted(x) || !watch_x(x, now))
		next = next_frame_us(x);
	if (poll_due(x, now))
		next = now;
	else if (x->cursor_on && x->last_poll_us + poll_period_us(x, now) < next)
		next = x->last_poll_us + poll_period_us(x, now);
	if (next == INT64_MAX)
		return -1;
	return next <= now ? 0 : (int)((next - now + 999) / 1000);
}

/* Whether to look at the pointer now.  A frame looks too when a poll
 * would come due before the next frame, so the two share one round trip
 * and one wake-up; but not at every frame: a resting pointer is polled
 * SLOW_POLL_US apart while the screen changes, not at the frame rate (a
 * QueryPointer the server answers and we read, 25 times a second for
 * nothing while a video plays). */
static bool pointer_due(const x11_capture *x, bool grab_now, int64_t now)
{
	if (!x->cursor_on)
		return false;
	return poll_due(x, now) || (grab_now && poll_due(x, now + period_us(x)));
}

/* Does what is due while sharing: a frame, a pointer poll, or both with
 * one round trip to the server. */
static int work(x11_capture *x)
{
	int64_t now = kyoyu_now_us();
	bool grab_now = frame_due(x, now);
	bool poll_now = pointer_due(x, grab_now, now);
	xcb_query_pointer_cookie_t pointer = {0};
	int ret = 0;

	if (!x->sharing || !x->area.width)
		return 0;
	if (poll_now)
		pointer = x11_cursor_query(&x->cursor);
	if (grab_now) {
		/* A change already waiting when its slot came: the screen
		 * changes at least as often as frames are taken. */
		x->busy = now - next_frame_us(x) < period_us(x) / EARLY_SHARE;
		ret = x->send_key ? post_key_frame(x) : post_changes(x);
	}
	if (poll_now) {
		x->last_poll_us = now;
		kyoyu_msg *msg = x11_cursor_update(&x->cursor, pointer, &x->area);
		if (msg)
			kyoyu_bus_post(x->host->bus, msg);
	}
	return ret;
}

/* Picks up a new layout: the shared area moved, changed size, vanished
 * or came back. */
static int follow_layout(x11_capture *x)
{
	x11_area now;

	x->layout_changed = false;
	int ret = x11_monitors_find(&x->display, x->monitor, &now);
	if (ret)
		return ret;
	if (memcmp(&now, &x->area, sizeof(now)) == 0)
		return 0;
	bool resized = now.width != x->area.width || now.height != x->area.height;
	x->area = now;
	if (!now.width) {
		kyoyu_warn("monitor %s of X display \"%s\" is gone; nothing is shared "
			   "until it is back", x->monitor, x->display.name);
		return 0;
	}
	kyoyu_info("the shared area (monitor %s) is now %ux%u at +%d+%d", x->monitor,
		   now.width, now.height, now.x, now.y);
	if (resized && (ret = resize_pictures(x)))
		return ret;
	/* Moved or resized, the overlay needs the area's new place. */
	if (x->sharing)
		post_video_size(x);
	x11_cursor_reset(&x->cursor);
	x->send_key = true;
	return 0;
}

static void on_message(x11_capture *x, const kyoyu_msg *msg)
{
	if (msg->type == KYOYU_MSG_FRAMERATE) {
		/* Congestion control may lower the rate; capture.fps stays the cap. */
		int64_t fps = msg->u.value;
		x->fps_now = fps < 1 ? 1 : fps > x->fps ? x->fps : (int)fps;
	} else if (msg->type == KYOYU_MSG_STATE) {
		bool sharing = msg->u.state.state == KYOYU_STATE_SHARING;
		/* Each start of sharing begins with a whole, fresh picture. */
		if (sharing && !x->sharing) {
			x->send_key = true;
			x->layout_changed = true;
			x11_cursor_reset(&x->cursor);
			if (x->area.width)
				post_video_size(x);
		}
		x->sharing = sharing;
		x->ended = msg->u.state.state == KYOYU_STATE_ENDED;
	}
}

static void on_event(x11_capture *x, xcb_generic_event_t *ev)
{
	if (ev->response_type == 0) {
		const xcb_generic_error_t *err = (const xcb_generic_error_t *)ev;
		if (x->x_errors++ % 100 == 0)
			kyoyu_warn("X error %u from request %u.%u (%llu so far)",
				   err->error_code, err->major_code, err->minor_code,
				   (unsigned long long)x->x_errors);
		return;
	}
	if (x11_damage_is_event(&x->damage, ev))
		return;
	if (x->cursor_on && x11_cursor_is_event(&x->cursor, ev))
		return;
	if (x11_monitors_is_event(&x->display, ev))
		x->layout_changed = true;
}

/* Handles the events xcb has read already (some arrive while waiting for
 * a reply, and would not wake poll()); with READ, also those waiting on
 * the socket.  The socket is read once, not until it is empty: one read
 * takes all that is there, and a second would only fail (a system call a
 * frame while the screen changes, for the damage event); what comes
 * after it stays in the socket, where poll() or the next read finds it. */
static void drain_events(x11_capture *x, bool read)
{
	xcb_connection_t *conn = x->display.conn;
	xcb_generic_event_t *ev = read ? xcb_poll_for_event(conn)
				       : xcb_poll_for_queued_event(conn);

	for (; ev; ev = xcb_poll_for_queued_event(conn)) {
		on_event(x, ev);
		free(ev);
	}
}

/* Returns 0, or -ESHUTDOWN once the stage stops. */
static int drain_inbox(x11_capture *x, kyoyu_inbox *inbox)
{
	kyoyu_msg *msg;
	int ret;

	while ((ret = kyoyu_inbox_pop(inbox, &msg, 0)) == 0) {
		on_message(x, msg);
		kyoyu_msg_unref(msg);
	}
	return ret == -EAGAIN ? 0 : ret;
}

static int x11_capture_run(void *priv, kyoyu_stage *stage)
{
	x11_capture *x = priv;
	kyoyu_inbox *inbox = kyoyu_stage_inbox(stage);
	struct pollfd fds[2] = {
		{.fd = kyoyu_inbox_fd(inbox), .events = POLLIN},
		{.fd = xcb_get_file_descriptor(x->display.conn), .events = POLLIN},
	};

	if (fds[0].fd < 0) {
		kyoyu_error("no file descriptor left to wait on the bus; raise the limit "
			    "(ulimit -n)");
		return -EMFILE;
	}
	for (;;) {
		int ret = drain_inbox(x, inbox);
		if (ret == -ESHUTDOWN || x->ended)
			return 0;
		drain_events(x, true);
		if ((ret = x11_display_check(&x->display)))
			return ret;
		if (x->layout_changed && (ret = follow_layout(x)))
			return ret;
		if ((ret = work(x)))
			return ret;
		drain_events(x, false);
		xcb_flush(x->display.conn);
		fds[1].events = watch_x(x, kyoyu_now_us()) ? POLLIN : 0;
		if (poll(fds, 2, sleep_ms(x)) < 0 && errno != EINTR)
			return -errno;
	}
}

static const kyoyu_stage_ops ops = {
	.size = sizeof(kyoyu_stage_ops),
	.start = x11_capture_start,
	.run = x11_capture_run,
	.stop = x11_capture_stop,
	.formats = formats,
};

static const kyoyu_plugin_descriptor descriptor = {
	KYOYU_PLUGIN_HEADER,
	.kind = KYOYU_KIND_CAPTURE,
	.name = "x11",
	.version = PACKAGE_VERSION,
	.license = "MIT",
	.description = "the X11 desktop: MIT-SHM grabs of what DAMAGE reports, "
		       "cursor events, RandR monitors",
	.priv_size = sizeof(x11_capture),
	.options = options,
	.init = x11_capture_init,
	.fini = x11_capture_fini,
	.ops = &ops,
};

KYOYU_PLUGIN_DEFINE(kyoyu_capture_x11, descriptor)
