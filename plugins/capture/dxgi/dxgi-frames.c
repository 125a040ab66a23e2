/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define KYOYU_LOG_COMPONENT "capture/dxgi"
#include "dxgi-frames.h"
#include "dxgi-pointer.h"

void dxgi_frames_init(dxgi_frames *f, const char *monitor, bool cursor_on, kyoyu_bus *bus)
{
	memset(f, 0, sizeof(*f));
	f->monitor = monitor;
	f->cursor_on = cursor_on;
	f->bus = bus;
}

static void close_duplication(dxgi_frames *f)
{
	dxgi_duplication_close(f->dup);
	f->dup = NULL;
}

void dxgi_frames_share(dxgi_frames *f)
{
	/* A new duplication's first frame is the whole desktop: the key frame
	 * needs nothing kept from before the pause. */
	close_duplication(f);
	f->cursor_sent = false;
	f->announce = true;
}

void dxgi_frames_pause(dxgi_frames *f)
{
	close_duplication(f);
}

void dxgi_frames_fini(dxgi_frames *f)
{
	close_duplication(f);
	picture_pool_close(&f->pics);
	kyoyu_buffer_unref(f->shape);
	free(f->copy_rects);
	memset(f, 0, sizeof(*f));
}

static void post_video_size(dxgi_frames *f)
{
	kyoyu_msg *msg = kyoyu_msg_new(KYOYU_MSG_VIDEO_SIZE);

	if (!msg) {
		kyoyu_warn("out of memory: the viewer's overlay may miss the screen's size");
		return;
	}
	msg->u.size = (kyoyu_size_info){f->output.width, f->output.height, f->output.x,
					f->output.y};
	kyoyu_bus_post(f->bus, msg);
}

/* Opens the duplication; a new size makes new pictures.  The next frame
 * is read whole and goes out as a key frame. */
static int open_duplication(dxgi_frames *f)
{
	char why[512] = "";
	dxgi_output was = f->output;
	int ret = dxgi_duplication_open(f->monitor, &f->dup, &f->output, why, sizeof(why));

	if (ret == -EAGAIN) {
		if (!f->waiting_warned)
			kyoyu_warn("the screen cannot be duplicated now (%s): another desktop "
				   "is shown, a UAC prompt or the lock screen?; waiting", why);
		f->waiting_warned = true;
		f->output = was;
		return DXGI_FRAMES_RETRY;
	}
	if (ret) {
		kyoyu_error("%s", why);
		return ret;
	}
	if (f->waiting_warned)
		kyoyu_info("the screen can be duplicated again");
	f->waiting_warned = false;
	bool resized = f->output.width != f->pics.width || f->output.height != f->pics.height;
	if (resized) {
		picture_pool_close(&f->pics);
		if (picture_pool_open(&f->pics, f->output.width, f->output.height)) {
			close_duplication(f);
			kyoyu_error("out of memory for a %ux%u picture", f->output.width,
				    f->output.height);
			return -ENOMEM;
		}
		kyoyu_region_clear(&f->owed);
	}
	if (resized || f->announce || f->output.x != was.x || f->output.y != was.y) {
		kyoyu_info("sharing monitor %s: %ux%u at %+d%+d, rotation %d", f->output.name,
			   f->output.width, f->output.height, f->output.x, f->output.y,
			   f->output.rotation);
		post_video_size(f);
	}
	f->announce = false;
	f->unread = true;
	f->owe_key = true;
	return DXGI_FRAMES_IDLE;
}

/* Picture pixel (PX, PY) lies at image pixel (*IX, *IY): the inverse of
 * dxgi-damage.c's turn, for a picture of W × H. */
static void image_place(int rotation, int32_t w, int32_t h, int32_t px, int32_t py,
			int32_t *ix, int32_t *iy)
{
	switch (rotation) {
	case DXGI_DAMAGE_ROTATION_90:
		*ix = py, *iy = w - 1 - px;
		break;
	case DXGI_DAMAGE_ROTATION_180:
		*ix = w - 1 - px, *iy = h - 1 - py;
		break;
	case DXGI_DAMAGE_ROTATION_270:
		*ix = h - 1 - py, *iy = px;
		break;
	default:
		*ix = px, *iy = py;
		break;
	}
}

/* Copies rectangle R of the picture out of the mapped, unrotated IMAGE. */
static void copy_turned(dxgi_frames *f, const uint8_t *image, size_t stride, kyoyu_rect r)
{
	int rotation = f->output.rotation;
	int32_t w = (int32_t)f->pics.width, h = (int32_t)f->pics.height;

	if (rotation != DXGI_DAMAGE_ROTATION_90 && rotation != DXGI_DAMAGE_ROTATION_180 &&
	    rotation != DXGI_DAMAGE_ROTATION_270) {
		picture_pool_copy_rect(f->pics.picture, f->pics.stride, image, stride, r);
		return;
	}
	for (int32_t py = r.y; py < r.y + r.h; py++) {
		uint8_t *out = f->pics.picture + (size_t)py * f->pics.stride;
		for (int32_t px = r.x; px < r.x + r.w; px++) {
			int32_t ix, iy;
			image_place(rotation, w, h, px, py, &ix, &iy);
			memcpy(out + (size_t)px * 4, image + (size_t)iy * stride + (size_t)ix * 4, 4);
		}
	}
}

/* The image's rectangles this frame changed: the dirty ones and the moves'
 * destinations.  Returns how many, or -ENOMEM. */
static int rects_to_read(dxgi_frames *f, const dxgi_frame *frame)
{
	size_t n = frame->n_dirty + frame->n_moves;

	if (n > f->copy_cap) {
		dxgi_rect *more = realloc(f->copy_rects, n * sizeof(*more));
		if (!more)
			return -ENOMEM;
		f->copy_rects = more;
		f->copy_cap = n;
	}
	for (size_t i = 0; i < frame->n_moves; i++)
		f->copy_rects[i] = frame->moves[i].destination;
	if (frame->n_dirty)
		memcpy(f->copy_rects + frame->n_moves, frame->dirty,
		       frame->n_dirty * sizeof(*frame->dirty));
	return (int)n;
}

/* Brings the last picture up to FRAME: what changed, read out of one
 * mapping of the image.  Returns 0 with DAMAGE set, or a negative errno
 * (the image could not be read: the duplication is lost). */
static int read_picture(dxgi_frames *f, const dxgi_frame *frame, kyoyu_region *damage)
{
	bool whole = f->unread || frame->rects_lost;
	int n = 0;

	if (whole) {
		kyoyu_region_set_full(damage, (int32_t)f->pics.width, (int32_t)f->pics.height);
	} else {
		int outside = dxgi_damage_from_frame(frame->dirty, frame->n_dirty, frame->moves,
						     frame->n_moves, f->output.rotation,
						     f->pics.width, f->pics.height, damage);
		if (outside > 0)
			kyoyu_debug("%d of the frame's rectangles were not inside the "
				    "monitor's image", outside);
		if ((n = rects_to_read(f, frame)) < 0)
			return n;
		if (damage->n == 0)
			return 0;
	}
	const uint8_t *image;
	size_t stride;
	char why[512] = "";
	int ret = dxgi_duplication_map(f->dup, f->copy_rects, whole ? 0 : (size_t)n, &image,
				       &stride, why, sizeof(why));
	if (ret == -EPROTO) {
		kyoyu_error("%s", why);
		return ret;
	}
	if (ret) {
		kyoyu_warn("%s; duplicating the screen again", why);
		return ret;
	}
	for (uint32_t i = 0; i < damage->n; i++)
		copy_turned(f, image, stride, damage->rects[i]);
	dxgi_duplication_unmap(f->dup);
	f->unread = false;
	kyoyu_region_union(&f->owed, damage);
	picture_pool_changed(&f->pics, damage);
	return 0;
}

/* Posts what is owed, if a buffer is free and the picture is current. */
static int post_owed(dxgi_frames *f, int64_t when)
{
	if ((!f->owed.n && !f->owe_key) || f->unread)
		return DXGI_FRAMES_IDLE;
	kyoyu_msg *msg = kyoyu_msg_new(KYOYU_MSG_FRAME);
	kyoyu_buffer *buffer = msg ? picture_pool_take(&f->pics) : NULL;
	if (!buffer) {
		/* The picture keeps the change: a later step sends it. */
		if (f->dropped++ % 100 == 0)
			kyoyu_warn("%s; %llu frames held back so far",
				   msg ? "every frame buffer is in use: the encoder is behind"
				       : "out of memory for a frame message",
				   (unsigned long long)f->dropped);
		kyoyu_msg_unref(msg);
		return DXGI_FRAMES_IDLE;
	}
	kyoyu_frame_layout(&msg->u.frame, KYOYU_PIXFMT_BGRX, f->pics.width, f->pics.height);
	msg->time_us = when;
	msg->u.frame.damage = f->owed;
	if (f->owe_key) {
		msg->u.frame.flags |= KYOYU_FRAME_KEY;
		kyoyu_region_set_full(&msg->u.frame.damage, (int32_t)f->pics.width,
				      (int32_t)f->pics.height);
	}
	msg->buf = buffer;
	kyoyu_bus_post(f->bus, msg);
	kyoyu_region_clear(&f->owed);
	f->owe_key = false;
	return DXGI_FRAMES_POSTED;
}

/* The pointer of FRAME as a CURSOR message, when something about it is
 * new.  The shape's hot spot is where the pointer points. */
static void post_pointer(dxgi_frames *f, const dxgi_frame *frame)
{
	bool new_shape = false;

	if (frame->pointer_shape) {
		dxgi_pointer_shape raw = {0};
		kyoyu_cursor_info info = {0};
		kyoyu_buffer *shape = NULL;
		if (dxgi_duplication_pointer_shape(f->dup, &raw) == 0)
			shape = dxgi_pointer_to_bgra(&raw, &info);
		if (shape) {
			kyoyu_buffer_unref(f->shape);
			f->shape = shape;
			f->shape_info = info;
			f->shape_info.serial = ++f->serial;
			new_shape = true;
		} else {
			kyoyu_debug("a pointer shape that cannot be sent (type %u, %ux%u)",
				    raw.type, raw.width, raw.height);
		}
	}
	bool moved = frame->pointer_moved &&
		     (frame->pointer_visible != f->cursor_visible ||
		      (frame->pointer_visible &&
		       (frame->pointer_x != f->cursor_x || frame->pointer_y != f->cursor_y)));
	if (frame->pointer_moved) {
		f->cursor_visible = frame->pointer_visible;
		f->cursor_x = frame->pointer_x;
		f->cursor_y = frame->pointer_y;
	}
	if (f->cursor_sent && !moved && !new_shape)
		return;
	kyoyu_msg *msg = kyoyu_msg_new(KYOYU_MSG_CURSOR);
	if (!msg)
		return; /* the next change sends it */
	kyoyu_cursor_info info = f->shape_info;
	info.x = f->cursor_x + (int32_t)f->shape_info.hot_x;
	info.y = f->cursor_y + (int32_t)f->shape_info.hot_y;
	info.visible = f->cursor_visible;
	msg->u.cursor = info;
	/* The shape goes with its first message, and again after a reset. */
	if (f->shape && (new_shape || !f->cursor_sent))
		msg->buf = kyoyu_buffer_ref(f->shape);
	kyoyu_bus_post(f->bus, msg);
	f->cursor_sent = true;
}

int dxgi_frames_step(dxgi_frames *f, int timeout_ms)
{
	int ret;

	if (!f->dup && (ret = open_duplication(f)) != DXGI_FRAMES_IDLE)
		return ret;
	dxgi_frame frame;
	char why[512] = "";
	ret = dxgi_duplication_acquire(f->dup, timeout_ms, &frame, why, sizeof(why));
	if (ret == DXGI_ACCESS_LOST) {
		/* Lost before its first frame: Windows let it be made but shows
		 * another desktop; opening again at once would spin. */
		bool none_yet = f->unread;
		kyoyu_info("the desktop changed (a desktop switch, a UAC prompt or a new "
			   "screen mode): duplicating it again");
		close_duplication(f);
		return none_yet ? DXGI_FRAMES_RETRY : post_owed(f, kyoyu_now_us());
	}
	if (ret < 0) {
		kyoyu_error("%s", why);
		return ret;
	}
	int64_t when = kyoyu_now_us();
	if (ret == DXGI_NOTHING_NEW)
		return post_owed(f, when);
	if (frame.picture || f->unread) {
		kyoyu_region damage;
		ret = read_picture(f, &frame, &damage);
		if (ret) {
			dxgi_duplication_release(f->dup);
			close_duplication(f);
			return ret == -EPROTO ? ret : DXGI_FRAMES_IDLE;
		}
	}
	if (f->cursor_on)
		post_pointer(f, &frame);
	dxgi_duplication_release(f->dup);
	return post_owed(f, when);
}
