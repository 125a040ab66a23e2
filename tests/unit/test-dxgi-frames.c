/* SPDX-License-Identifier: MIT */
/* capture/dxgi's logic (plugins/capture/dxgi/dxgi-frames.c) on a real frame
 * bus, with a fake Desktop Duplication (fake-duplication.c) standing in for
 * Windows, which no machine here runs: the frames, their damage and pixels,
 * the pointer, a still screen, DXGI_ERROR_ACCESS_LOST and a desktop that
 * refuses for a while, an encoder that is behind, a rotated monitor.  What
 * only a real Windows PC shows is said in docs/platforms.md. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bus-priv.h"
#include "fake-duplication.h"
#include "plugins/capture/dxgi/dxgi-frames.h"
#include "plugins/capture/dxgi/dxgi-pointer.h"

#define W 64
#define H 48
#define WAIT_MS 50

#define SINK_MASK                                                              \
	(KYOYU_MSG_BIT(KYOYU_MSG_FRAME) | KYOYU_MSG_BIT(KYOYU_MSG_CURSOR) |    \
	 KYOYU_MSG_BIT(KYOYU_MSG_VIDEO_SIZE))

typedef struct fixture {
	kyoyu_bus *bus;
	kyoyu_inbox *sink;
	dxgi_frames frames;
	uint8_t image[W * H * 4 * 2]; /* room for a larger mode */
} fixture;

static uint32_t pixel_of(int x, int y, uint32_t salt)
{
	return ((uint32_t)x * 2654435761u) ^ ((uint32_t)y * 40503u) ^ salt;
}

/* Paints the image (IW × IH, unrotated) with a pattern of SALT. */
static void paint(fixture *fx, uint32_t iw, uint32_t ih, uint32_t salt)
{
	for (uint32_t y = 0; y < ih; y++)
		for (uint32_t x = 0; x < iw; x++) {
			uint32_t v = pixel_of((int)x, (int)y, salt);
			memcpy(fx->image + ((size_t)y * iw + x) * 4, &v, 4);
		}
	fake_dxgi.image = fx->image;
	fake_dxgi.image_stride = (size_t)iw * 4;
}

static uint32_t image_pixel(const fixture *fx, int x, int y)
{
	uint32_t v;

	memcpy(&v, fx->image + (size_t)y * fake_dxgi.image_stride + (size_t)x * 4, 4);
	return v;
}

static void queue(int result, dxgi_frame frame)
{
	assert_true(fake_dxgi.n_events < FAKE_DXGI_EVENTS);
	fake_dxgi.events[fake_dxgi.n_events++] = (fake_dxgi_event){result, frame};
}

static int setup(void **state)
{
	fixture *fx = calloc(1, sizeof(*fx));

	memset(&fake_dxgi, 0, sizeof(fake_dxgi));
	fake_dxgi.output = (dxgi_output){"\\\\.\\DISPLAY1", 0, 0, W, H,
					 DXGI_DAMAGE_ROTATION_IDENTITY};
	paint(fx, W, H, 1);
	fx->bus = kyoyu_bus_new();
	fx->sink = kyoyu_bus_subscribe(fx->bus, "test", SINK_MASK, 64);
	dxgi_frames_init(&fx->frames, "primary", true, fx->bus);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	fixture *fx = *state;

	dxgi_frames_fini(&fx->frames);
	assert_false(fake_dxgi.open);
	kyoyu_inbox_free(fx->sink);
	kyoyu_bus_free(fx->bus);
	free(fx);
	return 0;
}

/* The message of TYPE among those posted since the last look (the inbox
 * hands out cursors before frames, whatever the order of posting); fails
 * when there is none.  The others posted with it are dropped. */
static kyoyu_msg *next_msg(fixture *fx, uint32_t type)
{
	kyoyu_msg *msg = NULL, *found = NULL;

	while (kyoyu_inbox_pop(fx->sink, &msg, 0) == 0) {
		if (msg->type == type && !found)
			found = msg;
		else if (msg->type == type || msg->type == KYOYU_MSG_FRAME)
			fail_msg("a second message of type %u, or an unexpected frame",
				 msg->type);
		else
			kyoyu_msg_unref(msg);
	}
	if (!found)
		fail_msg("no message of type %u was posted", type);
	return found;
}

/* Posted since the last look: *FRAMES frames, *CURSORS cursor events,
 * *SIZES VIDEO_SIZE messages, in FRAME, CURSOR and SIZE (NULL when none;
 * the caller unrefs them). */
typedef struct posted {
	kyoyu_msg *frame, *cursor, *size;
	int frames, cursors, sizes;
} posted;

static posted take_posted(fixture *fx)
{
	posted p = {0};
	kyoyu_msg *msg;

	while (kyoyu_inbox_pop(fx->sink, &msg, 0) == 0) {
		kyoyu_msg **slot = msg->type == KYOYU_MSG_FRAME    ? &p.frame
				   : msg->type == KYOYU_MSG_CURSOR ? &p.cursor
								   : &p.size;
		int *count = msg->type == KYOYU_MSG_FRAME    ? &p.frames
			     : msg->type == KYOYU_MSG_CURSOR ? &p.cursors
							     : &p.sizes;
		(*count)++;
		kyoyu_msg_unref(*slot);
		*slot = msg;
	}
	return p;
}

static void drop_posted(posted *p)
{
	kyoyu_msg_unref(p->frame);
	kyoyu_msg_unref(p->cursor);
	kyoyu_msg_unref(p->size);
}

static void assert_nothing_posted(fixture *fx)
{
	kyoyu_msg *msg = NULL;

	assert_int_equal(kyoyu_inbox_pop(fx->sink, &msg, 0), -EAGAIN);
}

/* The frame's pixels are the image's, turned by ROTATION. */
static void assert_picture_is_image(const fixture *fx, const kyoyu_msg *msg, int rotation)
{
	const uint8_t *p = kyoyu_buffer_data(msg->buf);
	uint32_t w = msg->u.frame.width, h = msg->u.frame.height;

	for (uint32_t y = 0; y < h; y++)
		for (uint32_t x = 0; x < w; x++) {
			int ix = (int)x, iy = (int)y;
			if (rotation == DXGI_DAMAGE_ROTATION_90)
				ix = (int)y, iy = (int)(w - 1 - x);
			uint32_t v;
			memcpy(&v, p + (size_t)y * msg->u.frame.stride[0] + (size_t)x * 4, 4);
			if (v != image_pixel(fx, ix, iy))
				fail_msg("pixel %u,%u is %08x, not the image's %08x", x, y, v,
					 image_pixel(fx, ix, iy));
		}
}

/* Sharing starts: the size, a key frame of the whole screen, the pointer. */
static void share(fixture *fx)
{
	dxgi_frames_share(&fx->frames);
	queue(DXGI_ACQUIRED, (dxgi_frame){.picture = true});
	assert_int_equal(dxgi_frames_step(&fx->frames, WAIT_MS), DXGI_FRAMES_POSTED);
	posted p = take_posted(fx);
	assert_int_equal(p.sizes, 1);
	assert_int_equal(p.frames, 1);
	assert_int_equal(p.cursors, 1);
	assert_true(p.frame->u.frame.flags & KYOYU_FRAME_KEY);
	drop_posted(&p);
}

static void test_dxgi_sharing_starts_with_the_size_and_a_key_frame_of_the_whole_screen(
	void **state)
{
	fixture *fx = *state;

	dxgi_frames_share(&fx->frames);
	queue(DXGI_ACQUIRED, (dxgi_frame){.picture = true});
	assert_int_equal(dxgi_frames_step(&fx->frames, WAIT_MS), DXGI_FRAMES_POSTED);
	assert_string_equal(fake_dxgi.monitor, "primary");
	posted p = take_posted(fx);
	assert_int_equal(p.sizes, 1);
	assert_int_equal(p.size->u.size.width, W);
	assert_int_equal(p.size->u.size.height, H);
	assert_int_equal(p.frames, 1);
	kyoyu_msg *key = p.frame;
	assert_true(key->u.frame.flags & KYOYU_FRAME_KEY);
	assert_int_equal(key->u.frame.width, W);
	assert_int_equal(key->u.frame.format, KYOYU_PIXFMT_BGRX);
	assert_int_equal(kyoyu_region_area(&key->u.frame.damage), W * H);
	assert_int_equal(fake_dxgi.mapped_rects, 0); /* the whole image, once */
	assert_int_equal(fake_dxgi.maps, 1);
	assert_picture_is_image(fx, key, DXGI_DAMAGE_ROTATION_IDENTITY);
	drop_posted(&p);
	assert_false(fake_dxgi.acquired);
}

static void test_dxgi_still_screen_posts_nothing_and_reads_nothing(void **state)
{
	fixture *fx = *state;

	share(fx);
	unsigned maps = fake_dxgi.maps;
	for (int i = 0; i < 100; i++)
		assert_int_equal(dxgi_frames_step(&fx->frames, WAIT_MS), DXGI_FRAMES_IDLE);
	assert_nothing_posted(fx);
	assert_int_equal(fake_dxgi.maps, maps);
	assert_int_equal(fake_dxgi.opens, 1);
}

/* A typed glyph and a window moved right: the frame's damage is exactly
 * the dirty rectangle and the move's destination, only those rectangles
 * are read, and the picture becomes the new image. */
static void test_dxgi_dirty_and_move_rectangles_are_the_damage(void **state)
{
	fixture *fx = *state;
	static const dxgi_rect dirty[] = {{3, 4, 11, 20}};
	static const dxgi_move moves[] = {{20, 30, {30, 30, 50, 40}}};

	share(fx);
	/* Only what the metadata names changes in the image. */
	for (int y = 0; y < H; y++)
		for (int x = 0; x < W; x++) {
			bool in_dirty = x >= 3 && x < 11 && y >= 4 && y < 20;
			bool in_move = x >= 30 && x < 50 && y >= 30 && y < 40;
			if (in_dirty || in_move) {
				uint32_t v = pixel_of(x, y, 2);
				memcpy(fx->image + ((size_t)y * W + (size_t)x) * 4, &v, 4);
			}
		}
	queue(DXGI_ACQUIRED, (dxgi_frame){.picture = true, .dirty = dirty, .n_dirty = 1,
					  .moves = moves, .n_moves = 1});
	assert_int_equal(dxgi_frames_step(&fx->frames, WAIT_MS), DXGI_FRAMES_POSTED);
	kyoyu_msg *msg = next_msg(fx, KYOYU_MSG_FRAME);
	assert_false(msg->u.frame.flags & KYOYU_FRAME_KEY);
	assert_int_equal(kyoyu_region_area(&msg->u.frame.damage), 8 * 16 + 20 * 10);
	assert_int_equal(fake_dxgi.mapped_rects, 2);
	assert_picture_is_image(fx, msg, DXGI_DAMAGE_ROTATION_IDENTITY);
	kyoyu_msg_unref(msg);
	assert_nothing_posted(fx);
}

/* A pointer that moves is a cursor event at its hot spot; the picture is
 * not read and no frame is posted. */
static void test_dxgi_pointer_moves_are_cursor_events_without_a_frame(void **state)
{
	fixture *fx = *state;
	static const uint8_t arrow[4 * 4 * 4] = {0}; /* 4x4, clear: its size counts */

	share(fx);
	fake_dxgi.shape = (dxgi_pointer_shape){DXGI_POINTER_COLOR, 4, 4, 16, 1, 2, arrow};
	queue(DXGI_ACQUIRED, (dxgi_frame){.pointer_moved = true, .pointer_visible = true,
					  .pointer_x = 10, .pointer_y = 20,
					  .pointer_shape = true});
	queue(DXGI_ACQUIRED, (dxgi_frame){.pointer_moved = true, .pointer_visible = true,
					  .pointer_x = 11, .pointer_y = 20});
	unsigned maps = fake_dxgi.maps;
	assert_int_equal(dxgi_frames_step(&fx->frames, WAIT_MS), DXGI_FRAMES_IDLE);
	kyoyu_msg *msg = next_msg(fx, KYOYU_MSG_CURSOR);
	assert_int_equal(msg->u.cursor.x, 11);
	assert_int_equal(msg->u.cursor.y, 22);
	assert_true(msg->u.cursor.visible);
	assert_non_null(msg->buf);
	assert_int_equal(msg->u.cursor.width, 4);
	uint32_t serial = msg->u.cursor.serial;
	kyoyu_msg_unref(msg);
	assert_int_equal(dxgi_frames_step(&fx->frames, WAIT_MS), DXGI_FRAMES_IDLE);
	msg = next_msg(fx, KYOYU_MSG_CURSOR);
	assert_int_equal(msg->u.cursor.x, 12);
	assert_null(msg->buf); /* the same shape is not sent again */
	assert_int_equal(msg->u.cursor.serial, serial);
	kyoyu_msg_unref(msg);
	assert_nothing_posted(fx);
	assert_int_equal(fake_dxgi.maps, maps);
}

/* DXGI_ERROR_ACCESS_LOST with the same mode: the duplication is opened
 * again and the whole picture goes out as a key frame, without a new size. */
static void test_dxgi_access_lost_opens_again_and_sends_a_key_frame(void **state)
{
	fixture *fx = *state;

	share(fx);
	queue(DXGI_ACCESS_LOST, (dxgi_frame){0});
	assert_int_equal(dxgi_frames_step(&fx->frames, WAIT_MS), DXGI_FRAMES_IDLE);
	assert_false(fake_dxgi.open);
	assert_nothing_posted(fx);
	paint(fx, W, H, 3); /* what the other desktop left */
	queue(DXGI_ACQUIRED, (dxgi_frame){.picture = true});
	assert_int_equal(dxgi_frames_step(&fx->frames, WAIT_MS), DXGI_FRAMES_POSTED);
	assert_int_equal(fake_dxgi.opens, 2);
	posted p = take_posted(fx);
	assert_int_equal(p.sizes, 0); /* the same mode: no new size */
	assert_int_equal(p.frames, 1);
	assert_true(p.frame->u.frame.flags & KYOYU_FRAME_KEY);
	assert_int_equal(kyoyu_region_area(&p.frame->u.frame.damage), W * H);
	assert_picture_is_image(fx, p.frame, DXGI_DAMAGE_ROTATION_IDENTITY);
	drop_posted(&p);
}

/* A new screen mode: the new size is told, then a key frame of it. */
static void test_dxgi_access_lost_with_a_new_mode_sends_the_size_and_a_key_frame(
	void **state)
{
	fixture *fx = *state;

	share(fx);
	queue(DXGI_ACCESS_LOST, (dxgi_frame){0});
	assert_int_equal(dxgi_frames_step(&fx->frames, WAIT_MS), DXGI_FRAMES_IDLE);
	fake_dxgi.output.width = W * 2;
	fake_dxgi.output.height = H / 2;
	paint(fx, W * 2, H / 2, 4);
	queue(DXGI_ACQUIRED, (dxgi_frame){.picture = true});
	assert_int_equal(dxgi_frames_step(&fx->frames, WAIT_MS), DXGI_FRAMES_POSTED);
	posted p = take_posted(fx);
	assert_int_equal(p.sizes, 1);
	assert_int_equal(p.size->u.size.width, W * 2);
	assert_int_equal(p.size->u.size.height, H / 2);
	assert_int_equal(p.frames, 1);
	assert_true(p.frame->u.frame.flags & KYOYU_FRAME_KEY);
	assert_int_equal(p.frame->u.frame.width, W * 2);
	assert_picture_is_image(fx, p.frame, DXGI_DAMAGE_ROTATION_IDENTITY);
	drop_posted(&p);
}

/* The secure desktop refuses duplication for a while: the step says to
 * retry, nothing is posted, and when it is back a key frame goes out. */
static void test_dxgi_refused_duplication_is_retried_without_frames(void **state)
{
	fixture *fx = *state;

	share(fx);
	queue(DXGI_ACCESS_LOST, (dxgi_frame){0});
	assert_int_equal(dxgi_frames_step(&fx->frames, WAIT_MS), DXGI_FRAMES_IDLE);
	fake_dxgi.open_result = -EAGAIN;
	for (int i = 0; i < 3; i++)
		assert_int_equal(dxgi_frames_step(&fx->frames, WAIT_MS), DXGI_FRAMES_RETRY);
	assert_nothing_posted(fx);
	fake_dxgi.open_result = 0;
	queue(DXGI_ACQUIRED, (dxgi_frame){.picture = true});
	assert_int_equal(dxgi_frames_step(&fx->frames, WAIT_MS), DXGI_FRAMES_POSTED);
	kyoyu_msg *key = next_msg(fx, KYOYU_MSG_FRAME);
	assert_true(key->u.frame.flags & KYOYU_FRAME_KEY);
	kyoyu_msg_unref(key);
	assert_int_equal(fake_dxgi.opens, 5);
}

/* Windows makes the duplication but takes it back before its first frame
 * (another desktop is shown): the step says to wait rather than open again
 * at once, and nothing is posted. */
static void test_dxgi_lost_before_its_first_frame_waits_before_opening_again(void **state)
{
	fixture *fx = *state;

	share(fx);
	queue(DXGI_ACCESS_LOST, (dxgi_frame){0});
	assert_int_equal(dxgi_frames_step(&fx->frames, WAIT_MS), DXGI_FRAMES_IDLE);
	queue(DXGI_ACCESS_LOST, (dxgi_frame){0});
	assert_int_equal(dxgi_frames_step(&fx->frames, WAIT_MS), DXGI_FRAMES_RETRY);
	assert_false(fake_dxgi.open);
	assert_nothing_posted(fx);
	queue(DXGI_ACQUIRED, (dxgi_frame){.picture = true});
	assert_int_equal(dxgi_frames_step(&fx->frames, WAIT_MS), DXGI_FRAMES_POSTED);
	kyoyu_msg *key = next_msg(fx, KYOYU_MSG_FRAME);
	assert_true(key->u.frame.flags & KYOYU_FRAME_KEY);
	kyoyu_msg_unref(key);
}

/* A new duplication whose first wait times out sends no key frame of the
 * old picture: the key frame waits for the screen as it is now. */
static void test_dxgi_no_key_frame_before_the_new_duplication_is_read(void **state)
{
	fixture *fx = *state;

	share(fx);
	queue(DXGI_ACCESS_LOST, (dxgi_frame){0});
	queue(DXGI_NOTHING_NEW, (dxgi_frame){0});
	assert_int_equal(dxgi_frames_step(&fx->frames, WAIT_MS), DXGI_FRAMES_IDLE);
	assert_int_equal(dxgi_frames_step(&fx->frames, WAIT_MS), DXGI_FRAMES_IDLE);
	assert_true(fake_dxgi.open);
	assert_nothing_posted(fx);
	paint(fx, W, H, 6);
	queue(DXGI_ACQUIRED, (dxgi_frame){.picture = true});
	assert_int_equal(dxgi_frames_step(&fx->frames, WAIT_MS), DXGI_FRAMES_POSTED);
	kyoyu_msg *key = next_msg(fx, KYOYU_MSG_FRAME);
	assert_true(key->u.frame.flags & KYOYU_FRAME_KEY);
	assert_picture_is_image(fx, key, DXGI_DAMAGE_ROTATION_IDENTITY);
	kyoyu_msg_unref(key);
}

/* Duplication that stops being available at all ends capture. */
static void test_dxgi_duplication_gone_for_good_is_an_error(void **state)
{
	fixture *fx = *state;

	share(fx);
	queue(DXGI_ACCESS_LOST, (dxgi_frame){0});
	assert_int_equal(dxgi_frames_step(&fx->frames, WAIT_MS), DXGI_FRAMES_IDLE);
	fake_dxgi.open_result = -ENOTSUP;
	assert_int_equal(dxgi_frames_step(&fx->frames, WAIT_MS), -ENOTSUP);
}

/* An image that cannot be mapped (a removed device) is a lost duplication. */
static void test_dxgi_map_failure_opens_again(void **state)
{
	fixture *fx = *state;
	static const dxgi_rect dirty[] = {{0, 0, 8, 8}};

	share(fx);
	fake_dxgi.map_error = -EIO;
	queue(DXGI_ACQUIRED, (dxgi_frame){.picture = true, .dirty = dirty, .n_dirty = 1});
	assert_int_equal(dxgi_frames_step(&fx->frames, WAIT_MS), DXGI_FRAMES_IDLE);
	assert_false(fake_dxgi.open);
	fake_dxgi.map_error = 0;
	queue(DXGI_ACQUIRED, (dxgi_frame){.picture = true});
	assert_int_equal(dxgi_frames_step(&fx->frames, WAIT_MS), DXGI_FRAMES_POSTED);
	kyoyu_msg *key = next_msg(fx, KYOYU_MSG_FRAME);
	assert_true(key->u.frame.flags & KYOYU_FRAME_KEY);
	kyoyu_msg_unref(key);
}

/* An image that is not what the duplication promised is an error: opening
 * again would give the same. */
static void test_dxgi_image_unlike_its_description_is_an_error(void **state)
{
	fixture *fx = *state;
	static const dxgi_rect dirty[] = {{0, 0, 8, 8}};

	share(fx);
	fake_dxgi.map_error = -EPROTO;
	queue(DXGI_ACQUIRED, (dxgi_frame){.picture = true, .dirty = dirty, .n_dirty = 1});
	assert_int_equal(dxgi_frames_step(&fx->frames, WAIT_MS), -EPROTO);
	assert_false(fake_dxgi.acquired);
	assert_nothing_posted(fx);
}

/* Every pool buffer held by a slow encoder: the change is held back, and
 * goes out once a buffer is free although the screen stays still. */
static void test_dxgi_change_held_back_by_a_busy_encoder_goes_out_later(void **state)
{
	fixture *fx = *state;
	static const dxgi_rect dirty[] = {{5, 5, 9, 9}};
	kyoyu_msg *held[PICTURE_POOL_BUFFERS];

	share(fx);
	for (int i = 0; i < PICTURE_POOL_BUFFERS; i++) {
		queue(DXGI_ACQUIRED, (dxgi_frame){.picture = true, .dirty = dirty,
						  .n_dirty = 1});
		assert_int_equal(dxgi_frames_step(&fx->frames, WAIT_MS), DXGI_FRAMES_POSTED);
		held[i] = next_msg(fx, KYOYU_MSG_FRAME);
	}
	static const dxgi_rect more[] = {{20, 20, 30, 25}};
	queue(DXGI_ACQUIRED, (dxgi_frame){.picture = true, .dirty = more, .n_dirty = 1});
	assert_int_equal(dxgi_frames_step(&fx->frames, WAIT_MS), DXGI_FRAMES_IDLE);
	assert_nothing_posted(fx);
	kyoyu_msg_unref(held[0]);
	assert_int_equal(dxgi_frames_step(&fx->frames, WAIT_MS), DXGI_FRAMES_POSTED);
	kyoyu_msg *msg = next_msg(fx, KYOYU_MSG_FRAME);
	assert_int_equal(kyoyu_region_area(&msg->u.frame.damage), 10 * 5);
	assert_picture_is_image(fx, msg, DXGI_DAMAGE_ROTATION_IDENTITY);
	kyoyu_msg_unref(msg);
	for (int i = 1; i < PICTURE_POOL_BUFFERS; i++)
		kyoyu_msg_unref(held[i]);
}

/* Pausing closes the duplication; sharing again opens it, tells the size
 * and sends a key frame. */
static void test_dxgi_pause_closes_the_duplication(void **state)
{
	fixture *fx = *state;

	share(fx);
	dxgi_frames_pause(&fx->frames);
	assert_false(fake_dxgi.open);
	share(fx);
	assert_int_equal(fake_dxgi.opens, 2);
}

/* A monitor turned a quarter (portrait): the picture is the image turned,
 * and a dirty rectangle of the image is damage where the person sees it. */
static void test_dxgi_rotated_monitor_turns_picture_and_damage(void **state)
{
	fixture *fx = *state;
	static const dxgi_rect dirty[] = {{0, 0, 4, 2}}; /* the image's top left */

	/* The image is W × H; the person sees it H wide and W high. */
	fake_dxgi.output = (dxgi_output){"\\\\.\\DISPLAY2", 0, 0, H, W,
					 DXGI_DAMAGE_ROTATION_90};
	share(fx);
	paint(fx, W, H, 5);
	queue(DXGI_ACQUIRED, (dxgi_frame){.picture = true, .dirty = dirty, .n_dirty = 1});
	assert_int_equal(dxgi_frames_step(&fx->frames, WAIT_MS), DXGI_FRAMES_POSTED);
	kyoyu_msg *msg = next_msg(fx, KYOYU_MSG_FRAME);
	assert_int_equal(msg->u.frame.width, H);
	assert_int_equal(msg->u.frame.damage.n, 1);
	kyoyu_rect r = msg->u.frame.damage.rects[0];
	/* Turned clockwise, the image's top left is the picture's top right. */
	assert_int_equal(r.x, H - 2);
	assert_int_equal(r.y, 0);
	assert_int_equal(r.w, 2);
	assert_int_equal(r.h, 4);
	const uint8_t *p = kyoyu_buffer_data(msg->buf);
	uint32_t v;
	memcpy(&v, p + (size_t)(H - 1) * 4, 4); /* the picture's top right pixel */
	assert_int_equal(v, image_pixel(fx, 0, 0));
	kyoyu_msg_unref(msg);
}

/* The three shape types become straight-alpha BGRA. */
static void test_dxgi_pointer_shapes_become_straight_bgra(void **state)
{
	(void)state;
	/* Monochrome 2x1: AND rows then XOR rows, one byte a row (pitch 1).
	 * Pixel 0: AND 0, XOR 1 (white); pixel 1: AND 1, XOR 0 (clear). */
	static const uint8_t mono[] = {0x40, 0x80};
	kyoyu_cursor_info info = {0};
	dxgi_pointer_shape s = {DXGI_POINTER_MONOCHROME, 2, 2, 1, 0, 0, mono};
	kyoyu_buffer *b = dxgi_pointer_to_bgra(&s, &info);
	uint32_t px[2];
	assert_non_null(b);
	assert_int_equal(info.height, 1);
	memcpy(px, kyoyu_buffer_data(b), 8);
	assert_int_equal(px[0], 0xffffffffu);
	assert_int_equal(px[1], 0);
	kyoyu_buffer_unref(b);

	/* Masked colour: alpha 0 paints the colour, 0xff XORs it. */
	static const uint32_t masked[] = {0x00123456u, 0xff000000u, 0xffffffffu};
	s = (dxgi_pointer_shape){DXGI_POINTER_MASKED_COLOR, 3, 1, 12, 0, 0,
				 (const uint8_t *)masked};
	b = dxgi_pointer_to_bgra(&s, &info);
	uint32_t m[3];
	memcpy(m, kyoyu_buffer_data(b), 12);
	assert_int_equal(m[0], 0xff123456u);
	assert_int_equal(m[1], 0);
	assert_int_equal(m[2], 0xff000000u);
	kyoyu_buffer_unref(b);

	/* Too large for the wire, and a pitch too short: no shape. */
	s = (dxgi_pointer_shape){DXGI_POINTER_COLOR, 512, 512, 2048, 0, 0, mono};
	assert_null(dxgi_pointer_to_bgra(&s, &info));
	s = (dxgi_pointer_shape){DXGI_POINTER_COLOR, 4, 4, 8, 0, 0, mono};
	assert_null(dxgi_pointer_to_bgra(&s, &info));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
		T(test_dxgi_sharing_starts_with_the_size_and_a_key_frame_of_the_whole_screen),
		T(test_dxgi_still_screen_posts_nothing_and_reads_nothing),
		T(test_dxgi_dirty_and_move_rectangles_are_the_damage),
		T(test_dxgi_pointer_moves_are_cursor_events_without_a_frame),
		T(test_dxgi_access_lost_opens_again_and_sends_a_key_frame),
		T(test_dxgi_access_lost_with_a_new_mode_sends_the_size_and_a_key_frame),
		T(test_dxgi_refused_duplication_is_retried_without_frames),
		T(test_dxgi_lost_before_its_first_frame_waits_before_opening_again),
		T(test_dxgi_no_key_frame_before_the_new_duplication_is_read),
		T(test_dxgi_duplication_gone_for_good_is_an_error),
		T(test_dxgi_map_failure_opens_again),
		T(test_dxgi_image_unlike_its_description_is_an_error),
		T(test_dxgi_change_held_back_by_a_busy_encoder_goes_out_later),
		T(test_dxgi_pause_closes_the_duplication),
		T(test_dxgi_rotated_monitor_turns_picture_and_damage),
		cmocka_unit_test(test_dxgi_pointer_shapes_become_straight_bgra),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
