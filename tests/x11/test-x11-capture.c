/* SPDX-License-Identifier: MIT */
/* capture/x11 against a real X server: a private Xvfb (1920×1080×24), real
 * X clients (this program's own drawing connection, xterm, xdotool), and
 * the plugin loaded from the build tree onto a real frame bus.  Every test
 * is skipped when Xvfb is not installed. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <kyoyu/plugin.h>

#include "capture-harness.h"
#include "stage-priv.h"
#include "x11-paint.h"
#include "xvfb.h"

#define WIDTH 1920
#define HEIGHT 1080
/* Generous: the machine is shared and the build may be sanitized. */
#define WAIT_S 10.0

static xvfb server;
static x11_paint paint;
static bool have_server;

/* What arrived from capture over a while. */
typedef struct seen {
	int frames, keys, cursors, shapes, sizes;
	kyoyu_rect damage_bounds; /* of every frame's damage */
	kyoyu_cursor_info last_cursor;
	kyoyu_size_info last_size;
} seen;

static int group_setup(void **state)
{
	int ret = xvfb_start(&server, "1920x1080x24");

	if (ret == 0 && x11_paint_open(&paint, server.display) == 0) {
		have_server = true;
		setenv("DISPLAY", server.display, 1);
	} else if (ret != -ENOENT) {
		fprintf(stderr, "# Xvfb is installed but did not start: %s\n", strerror(-ret));
	}
	return 0;
}

static int group_teardown(void **state)
{
	x11_paint_close(&paint);
	xvfb_stop(&server);
	return 0;
}

/* Xvfb is installed (main() checked): failing to start it is a failure. */
static void need_server(void)
{
	if (!have_server)
		fail_msg("Xvfb is installed but did not start");
}

/* Loads capture/x11 with ARGS; the test fails unless it is ready. */
static void open_capture(capture_harness *h, const char *const *args)
{
	char err[1024] = "";
	int ret = capture_harness_open(h, KYOYU_BUILD_PLUGIN_DIR, "x11", args, err,
				       sizeof(err));

	if (ret != KYOYU_OK)
		fail_msg("capture/x11 did not open (%d): %s", ret, err);
	assert_int_equal(capture_harness_start(h), 0);
}

static void set_state(capture_harness *h, uint32_t state)
{
	assert_int_equal(capture_harness_set_state(h, state), 0);
}

static void share(capture_harness *h, const char *const *args)
{
	open_capture(h, args);
	set_state(h, KYOYU_STATE_SHARING);
}

static double elapsed_s(int64_t since)
{
	return (double)(kyoyu_now_us() - since) / 1e6;
}

static void note(seen *s, const kyoyu_msg *m)
{
	if (m->type == KYOYU_MSG_FRAME) {
		kyoyu_region both;
		kyoyu_region_clear(&both);
		if (s->frames)
			kyoyu_region_add(&both, s->damage_bounds);
		kyoyu_region_union(&both, &m->u.frame.damage);
		s->damage_bounds = kyoyu_region_bounds(&both);
		s->frames++;
		s->keys += (m->u.frame.flags & KYOYU_FRAME_KEY) != 0;
	} else if (m->type == KYOYU_MSG_CURSOR) {
		s->cursors++;
		s->shapes += m->buf != NULL;
		s->last_cursor = m->u.cursor;
	} else if (m->type == KYOYU_MSG_VIDEO_SIZE) {
		s->sizes++;
		s->last_size = m->u.size;
	} else if (m->type == KYOYU_MSG_ERROR) {
		fail_msg("capture posted an error: %s", strerror((int)-m->u.value));
	}
}

/* Waits up to SECONDS for a message of TYPE, noting the others in S (may
 * be NULL).  True with *OUT set (the caller drops it with kyoyu_msg_unref). */
static bool wait_for(capture_harness *h, uint32_t type, double seconds, seen *s,
		     kyoyu_msg **out)
{
	int64_t start = kyoyu_now_us();
	seen ignored = {0};

	while (elapsed_s(start) < seconds) {
		kyoyu_msg *m;
		if (capture_harness_next(h, &m, 50) != 0)
			continue;
		if (m->type == type) {
			*out = m;
			return true;
		}
		note(s ? s : &ignored, m);
		kyoyu_msg_unref(m);
	}
	return false;
}

/* Notes everything that arrives during SECONDS. */
static void watch(capture_harness *h, double seconds, seen *s)
{
	int64_t start = kyoyu_now_us();

	while (elapsed_s(start) < seconds) {
		kyoyu_msg *m;
		if (capture_harness_next(h, &m, 20) == 0) {
			note(s, m);
			kyoyu_msg_unref(m);
		}
	}
}

/* Reads messages until none came for QUIET seconds (or WAIT_S passed). */
static void settle(capture_harness *h, double quiet)
{
	int64_t start = kyoyu_now_us(), last = start;

	while (elapsed_s(last) < quiet && elapsed_s(start) < WAIT_S) {
		kyoyu_msg *m;
		if (capture_harness_next(h, &m, 20) == 0) {
			kyoyu_msg_unref(m);
			last = kyoyu_now_us();
		}
	}
}

/* Waits for the key frame of a start of sharing and checks its shape;
 * what came before it is noted in S (may be NULL).  *OUT holds the frame
 * (the caller drops it). */
static void expect_key_frame_after(capture_harness *h, uint32_t width, uint32_t height,
				   seen *s, kyoyu_msg **out)
{
	/* The inbox hands control messages out before frames: a change the
	 * old layout posted just before a VIDEO_SIZE may come after it. */
	for (;;) {
		if (!wait_for(h, KYOYU_MSG_FRAME, WAIT_S, s, out))
			fail_msg("no key frame within %.0f s", WAIT_S);
		const kyoyu_frame_info *f = &(*out)->u.frame;
		if ((f->flags & KYOYU_FRAME_KEY) || (f->width == width && f->height == height))
			break;
		if (s)
			note(s, *out);
		kyoyu_msg_unref(*out);
	}
	const kyoyu_msg *key = *out;
	const kyoyu_frame_info *f = &key->u.frame;
	assert_true(f->flags & KYOYU_FRAME_KEY);
	assert_int_equal(f->format, KYOYU_PIXFMT_BGRX);
	assert_int_equal(f->width, width);
	assert_int_equal(f->height, height);
	assert_int_equal(f->stride[0], width * 4);
	kyoyu_rect b = kyoyu_region_bounds(&f->damage);
	assert_int_equal(b.x, 0);
	assert_int_equal(b.y, 0);
	assert_int_equal(b.w, (int32_t)width);
	assert_int_equal(b.h, (int32_t)height);
	assert_true(kyoyu_buffer_size(key->buf) >= (size_t)width * height * 4);
}

static void expect_key_frame(capture_harness *h, uint32_t width, uint32_t height,
			     kyoyu_msg **out)
{
	expect_key_frame_after(h, width, height, NULL, out);
}

static uint32_t pixel_at(const kyoyu_msg *frame, int32_t x, int32_t y)
{
	const uint8_t *row = (const uint8_t *)kyoyu_buffer_data(frame->buf) +
			     (size_t)y * frame->u.frame.stride[0];
	uint32_t v;

	memcpy(&v, row + (size_t)x * 4, 4);
	return v & 0x00ffffffu; /* the X byte is undefined */
}

/* Pattern SEED drawn with its origin at OX, OY of the picture. */
static void expect_pattern(const kyoyu_msg *frame, kyoyu_rect r, uint32_t seed, int32_t ox,
			   int32_t oy)
{
	for (int32_t y = r.y; y < r.y + r.h; y++)
		for (int32_t x = r.x; x < r.x + r.w; x++)
			if (pixel_at(frame, x, y) != x11_pattern_pixel(seed, x - ox, y - oy))
				fail_msg("pixel %d,%d is %06x, drawn %06x", x, y,
					 pixel_at(frame, x, y),
					 x11_pattern_pixel(seed, x - ox, y - oy));
}

static void expect_colour(const kyoyu_msg *frame, kyoyu_rect r, uint32_t rgb)
{
	for (int32_t y = r.y; y < r.y + r.h; y++)
		for (int32_t x = r.x; x < r.x + r.w; x++)
			if (pixel_at(frame, x, y) != rgb)
				fail_msg("pixel %d,%d is %06x, drawn %06x", x, y,
					 pixel_at(frame, x, y), rgb);
}

static bool inside(kyoyu_rect inner, kyoyu_rect outer)
{
	return inner.x >= outer.x && inner.y >= outer.y &&
	       inner.x + inner.w <= outer.x + outer.w &&
	       inner.y + inner.h <= outer.y + outer.h;
}

static void expect_inside(kyoyu_rect inner, kyoyu_rect outer)
{
	if (!inside(inner, outer))
		fail_msg("damage %d,%d %dx%d is not inside %d,%d %dx%d", inner.x, inner.y,
			 inner.w, inner.h, outer.x, outer.y, outer.w, outer.h);
}

/* Counts this process's segments; fails on one another user could attach
 * (not 0600).  *UNMARKED is the id of one not yet marked for removal
 * (SHM_DEST), or -1. */
static int scan_private_segments(long *unmarked)
{
	FILE *f = fopen("/proc/sysvipc/shm", "r");
	char line[512];
	int n = 0;

	*unmarked = -1;
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		long key, id, size;
		unsigned perms;
		int cpid;
		if (sscanf(line, "%ld %ld %o %ld %d", &key, &id, &perms, &size, &cpid) != 5 ||
		    cpid != getpid())
			continue;
		if ((perms & 0777) != 0600)
			fail_msg("segment %ld has mode %o: not private", id, perms);
		if (!(perms & 01000))
			*unmarked = id;
		n++;
	}
	fclose(f);
	return n;
}

/* Every segment this process created is 0600 and marked for removal, so
 * it can neither be attached by another user nor outlive us.  The
 * capture's thread marks a new segment just after creating it and mapping
 * it: only one still unmarked 0.2 s later fails.  Returns how many there
 * are. */
static int check_private_segments(void)
{
	long unmarked;
	int n = scan_private_segments(&unmarked);

	for (int64_t start = kyoyu_now_us(); unmarked >= 0 && elapsed_s(start) < 0.2;) {
		usleep(5000);
		n = scan_private_segments(&unmarked);
	}
	if (unmarked >= 0)
		fail_msg("segment %ld is not marked for removal", unmarked);
	return n;
}

/* How many of our segments are left once the X server has let go of
 * those we dropped, waiting up to WAIT_S: it detaches them only when it
 * reads our requests (or our disconnection), later still on a busy
 * machine. */
static int private_segments_once_settled(void)
{
	int left = check_private_segments();

	for (int64_t start = kyoyu_now_us(); left > 0 && elapsed_s(start) < WAIT_S;) {
		usleep(20000);
		left = check_private_segments();
	}
	return left;
}

/* ---- the picture ------------------------------------------------------- */

static void test_key_frame_holds_the_drawn_screen(void **state)
{
	capture_harness h;
	kyoyu_msg *size, *key;

	need_server();
	x11_paint_pattern(&paint, paint.screen->root, 0, 0, WIDTH, HEIGHT, 1);
	share(&h, NULL);
	assert_true(wait_for(&h, KYOYU_MSG_VIDEO_SIZE, WAIT_S, NULL, &size));
	assert_int_equal(size->u.size.width, WIDTH);
	assert_int_equal(size->u.size.height, HEIGHT);
	assert_int_equal(size->u.size.x, 0);
	assert_int_equal(size->u.size.y, 0);
	kyoyu_msg_unref(size);
	expect_key_frame(&h, WIDTH, HEIGHT, &key);
	expect_pattern(key, (kyoyu_rect){0, 0, WIDTH, HEIGHT}, 1, 0, 0);
	kyoyu_msg_unref(key);
	assert_true(check_private_segments() >= 1);
	capture_harness_close(&h);
	assert_int_equal(private_segments_once_settled(), 0);
}

static void test_getimage_fallback_grabs_the_same_pixels(void **state)
{
	static const char *const args[] = {"capture.shm=false", NULL};
	capture_harness h;
	kyoyu_msg *key;

	need_server();
	x11_paint_pattern(&paint, paint.screen->root, 0, 0, WIDTH, HEIGHT, 2);
	share(&h, args);
	expect_key_frame(&h, WIDTH, HEIGHT, &key);
	expect_pattern(key, (kyoyu_rect){0, 0, WIDTH, HEIGHT}, 2, 0, 0);
	kyoyu_msg_unref(key);
	assert_int_equal(check_private_segments(), 0);
	capture_harness_close(&h);
}

/* What the whole screen shows in test_window_changes...: the root pattern,
 * the window's colour, and the patches painted into it so far. */
typedef struct window_scene {
	kyoyu_rect window;
	uint32_t colour;
	kyoyu_rect patches[8]; /* in window coordinates */
	int n_patches;
} window_scene;

static uint32_t expected_pixel(const window_scene *sc, int32_t x, int32_t y)
{
	kyoyu_rect px = {x, y, 1, 1};

	if (!inside(px, sc->window))
		return x11_pattern_pixel(3, x, y);
	int32_t wx = x - sc->window.x, wy = y - sc->window.y;
	for (int i = sc->n_patches - 1; i >= 0; i--)
		if (inside((kyoyu_rect){wx, wy, 1, 1}, sc->patches[i]))
			return x11_pattern_pixel(100 + (uint32_t)i, wx, wy);
	return sc->colour;
}

static void expect_scene(const kyoyu_msg *frame, const window_scene *sc)
{
	for (int32_t y = 0; y < HEIGHT; y++)
		for (int32_t x = 0; x < WIDTH; x++)
			if (pixel_at(frame, x, y) != expected_pixel(sc, x, y))
				fail_msg("frame pixel %d,%d is %06x, the screen shows %06x",
					 x, y, pixel_at(frame, x, y),
					 expected_pixel(sc, x, y));
}

/* A small window changing yields small damage around it, and every frame,
 * whichever pool buffer it came in, holds the complete current picture. */
static void test_window_changes_are_small_damage_in_complete_pictures(void **state)
{
	window_scene sc = {.window = {600, 400, 200, 150}, .colour = 0x336699};
	capture_harness h;
	kyoyu_msg *key, *frame, *kept[2] = {NULL, NULL};

	need_server();
	x11_paint_pattern(&paint, paint.screen->root, 0, 0, WIDTH, HEIGHT, 3);
	share(&h, NULL);
	expect_key_frame(&h, WIDTH, HEIGHT, &key);
	kyoyu_msg_unref(key);
	settle(&h, 0.3);

	xcb_window_t win = x11_paint_window(&paint, sc.window.x, sc.window.y,
					    (uint32_t)sc.window.w, (uint32_t)sc.window.h,
					    sc.colour);
	assert_true(wait_for(&h, KYOYU_MSG_FRAME, WAIT_S, NULL, &frame));
	expect_inside(kyoyu_region_bounds(&frame->u.frame.damage), sc.window);
	assert_false(frame->u.frame.flags & KYOYU_FRAME_KEY);
	kyoyu_msg_unref(frame);
	settle(&h, 0.3);

	/* Patches in the window while the two latest frames stay referenced,
	 * so capture must refresh other pool buffers with what they missed. */
	static const kyoyu_rect patches[] = {
		{20, 30, 40, 25}, {150, 10, 30, 30}, {5, 100, 60, 40}, {90, 60, 17, 13},
		{0, 0, 200, 8},
	};
	for (size_t i = 0; i < sizeof(patches) / sizeof(patches[0]); i++) {
		kyoyu_rect p = patches[i];
		sc.patches[sc.n_patches++] = p;
		x11_paint_pattern(&paint, win, p.x, p.y, (uint32_t)p.w, (uint32_t)p.h,
				  100 + (uint32_t)i);
		seen s = {0};
		if (!wait_for(&h, KYOYU_MSG_FRAME, WAIT_S, &s, &frame))
			fail_msg("no frame after patch %zu", i);
		kyoyu_rect root_patch = {sc.window.x + p.x, sc.window.y + p.y, p.w, p.h};
		expect_inside(kyoyu_region_bounds(&frame->u.frame.damage), root_patch);
		expect_scene(frame, &sc);
		kyoyu_msg_unref(kept[i % 2]);
		kept[i % 2] = frame;
		settle(&h, 0.2);
	}
	kyoyu_msg_unref(kept[0]);
	kyoyu_msg_unref(kept[1]);
	xcb_destroy_window(paint.conn, win);
	x11_paint_sync(&paint);
	capture_harness_close(&h);
}

static void test_still_screen_posts_no_frames(void **state)
{
	capture_harness h;
	kyoyu_msg *key;
	seen s = {0};

	need_server();
	share(&h, NULL);
	expect_key_frame(&h, WIDTH, HEIGHT, &key);
	kyoyu_msg_unref(key);
	settle(&h, 0.5);
	watch(&h, 2.0, &s);
	assert_int_equal(s.frames, 0);
	assert_int_equal(s.cursors, 0);
	capture_harness_close(&h);
}

/* Moves the pointer with xdotool when it is installed (a real input
 * device path), else by warping it. */
static void move_pointer(int32_t x, int32_t y)
{
	char xs[16], ys[16];

	if (!program_available("xdotool")) {
		x11_paint_warp(&paint, x, y);
		return;
	}
	snprintf(xs, sizeof(xs), "%d", x);
	snprintf(ys, sizeof(ys), "%d", y);
	char *argv[] = {"xdotool", "mousemove", xs, ys, NULL};
	assert_int_equal(run_on(server.display, argv), 0);
}

static void test_pointer_moves_are_cursor_events_not_frames(void **state)
{
	capture_harness h;
	kyoyu_msg *key, *cursor;
	seen s = {0};

	need_server();
	move_pointer(50, 60);
	share(&h, NULL);
	/* The first cursor message of a start of sharing carries the shape;
	 * the sink hands cursor messages out before frames. */
	seen first = {0};
	expect_key_frame_after(&h, WIDTH, HEIGHT, &first, &key);
	kyoyu_msg_unref(key);
	if (first.cursors == 0) {
		assert_true(wait_for(&h, KYOYU_MSG_CURSOR, WAIT_S, NULL, &cursor));
		note(&first, cursor);
		assert_non_null(cursor->buf);
		assert_true(cursor->u.cursor.width > 0 && cursor->u.cursor.width <= 256);
		assert_true(kyoyu_buffer_size(cursor->buf) >=
			    (size_t)cursor->u.cursor.width * cursor->u.cursor.height * 4);
		kyoyu_msg_unref(cursor);
	}
	assert_int_equal(first.shapes, 1);
	assert_int_equal(first.last_cursor.x, 50);
	assert_int_equal(first.last_cursor.y, 60);
	assert_true(first.last_cursor.visible);
	assert_true(first.last_cursor.width > 0);
	settle(&h, 0.5);

	static const int32_t spots[][2] = {{300, 200}, {1000, 700}, {1919, 1079}, {640, 480}};
	for (size_t i = 0; i < 4; i++) {
		move_pointer(spots[i][0], spots[i][1]);
		int64_t start = kyoyu_now_us();
		while (elapsed_s(start) < WAIT_S && (s.last_cursor.x != spots[i][0] ||
						    s.last_cursor.y != spots[i][1]))
			watch(&h, 0.05, &s);
		assert_int_equal(s.last_cursor.x, spots[i][0]);
		assert_int_equal(s.last_cursor.y, spots[i][1]);
	}
	watch(&h, 1.0, &s);
	assert_true(s.cursors >= 4);
	assert_int_equal(s.shapes, 0); /* the shape did not change */
	assert_int_equal(s.frames, 0);
	capture_harness_close(&h);
}

/* Keeps a small square changing for SECONDS while noting what arrives. */
static void animate(capture_harness *h, double seconds, seen *s)
{
	int64_t start = kyoyu_now_us();

	for (uint32_t i = 0; elapsed_s(start) < seconds; i++) {
		x11_paint_fill(&paint, paint.screen->root, 10, 10, 50, 50,
			       i & 1 ? 0xff0000 : 0x00ff00);
		watch(h, 0.005, s);
	}
}

static void test_frame_rate_follows_the_cap_and_framerate_messages(void **state)
{
	static const char *const args[] = {"capture.fps=10", NULL};
	capture_harness h;
	kyoyu_msg *key;
	seen at10 = {0}, at4 = {0}, asked_more = {0};

	need_server();
	share(&h, args);
	expect_key_frame(&h, WIDTH, HEIGHT, &key);
	kyoyu_msg_unref(key);
	animate(&h, 2.0, &at10);
	assert_in_range(at10.frames, 5, 2 * 10 + 2);

	kyoyu_bus_post_value(h.bus, KYOYU_MSG_FRAMERATE, 4);
	settle(&h, 0.3);
	animate(&h, 2.0, &at4);
	assert_in_range(at4.frames, 2, 2 * 4 + 2);

	/* capture.fps stays the cap whatever congestion control asks. */
	kyoyu_bus_post_value(h.bus, KYOYU_MSG_FRAMERATE, 1000);
	settle(&h, 0.3);
	animate(&h, 2.0, &asked_more);
	assert_in_range(asked_more.frames, 5, 2 * 10 + 2);
	capture_harness_close(&h);
}

static void test_pause_posts_nothing_and_resume_starts_with_a_key_frame(void **state)
{
	capture_harness h;
	kyoyu_msg *key, *size;
	seen paused = {0};

	need_server();
	x11_paint_pattern(&paint, paint.screen->root, 0, 0, WIDTH, HEIGHT, 4);
	share(&h, NULL);
	expect_key_frame(&h, WIDTH, HEIGHT, &key);
	kyoyu_msg_unref(key);
	settle(&h, 0.3);

	set_state(&h, KYOYU_STATE_PAUSED);
	x11_paint_pattern(&paint, paint.screen->root, 100, 100, 300, 200, 5);
	move_pointer(700, 500);
	watch(&h, 1.0, &paused);
	assert_int_equal(paused.frames + paused.cursors + paused.sizes, 0);

	set_state(&h, KYOYU_STATE_SHARING);
	assert_true(wait_for(&h, KYOYU_MSG_VIDEO_SIZE, WAIT_S, NULL, &size));
	kyoyu_msg_unref(size);
	expect_key_frame(&h, WIDTH, HEIGHT, &key);
	expect_pattern(key, (kyoyu_rect){100, 100, 300, 200}, 5, 0, 0);
	expect_pattern(key, (kyoyu_rect){500, 400, 300, 200}, 4, 0, 0);
	kyoyu_msg_unref(key);
	capture_harness_close(&h);
}

/* ---- pictures in shared memory ----------------------------------------- */

/* capture/x11's pictures out at once (POOL_SIZE), and its staging segment. */
#define PICTURES 4

/* A hash of a frame's pixels (the X byte left out), to tell later whether
 * anything wrote into the frame after it was posted. */
static uint64_t frame_hash(const kyoyu_msg *frame)
{
	uint64_t h = 1469598103934665603u;

	for (uint32_t y = 0; y < frame->u.frame.height; y++)
		for (uint32_t x = 0; x < frame->u.frame.width; x++) {
			h ^= pixel_at(frame, (int32_t)x, (int32_t)y);
			h *= 1099511628211u;
		}
	return h;
}

/* The next frame, which must come within WAIT_S. */
static kyoyu_msg *next_frame(capture_harness *h, const char *after)
{
	kyoyu_msg *frame;

	if (!wait_for(h, KYOYU_MSG_FRAME, WAIT_S, NULL, &frame))
		fail_msg("no frame after %s", after);
	return frame;
}

/* The last of the frames that come after a change until none comes for
 * 0.2 s: a grab may catch a drawing half done, and the next completes it. */
static kyoyu_msg *latest_frame(capture_harness *h, const char *after)
{
	kyoyu_msg *frame = next_frame(h, after), *newer;

	while (wait_for(h, KYOYU_MSG_FRAME, 0.2, NULL, &newer)) {
		kyoyu_msg_unref(frame);
		frame = newer;
	}
	return frame;
}

/* Frames we hold while the screen changes and capture grabs again and
 * again: a held frame's pixels are those of its moment, whether the next
 * grabs were whole screens (straight into other pictures), wide bands or
 * small rectangles (through staging), and a picture let go comes back
 * holding the whole current screen. */
static void test_held_frames_keep_their_pixels_while_capture_grabs_again(void **state)
{
	static const char *const args[] = {"capture.fps=60", NULL};
	capture_harness h;
	kyoyu_msg *key, *first, *frame;

	need_server();
	x11_paint_pattern(&paint, paint.screen->root, 0, 0, WIDTH, HEIGHT, 10);
	share(&h, args);
	expect_key_frame(&h, WIDTH, HEIGHT, &key);
	expect_pattern(key, (kyoyu_rect){0, 0, WIDTH, HEIGHT}, 10, 0, 0);
	uint64_t key_hash = frame_hash(key);
	settle(&h, 0.3);

	x11_paint_pattern(&paint, paint.screen->root, 0, 0, WIDTH, HEIGHT, 11);
	first = latest_frame(&h, "the whole screen changed");
	uint64_t first_hash = frame_hash(first);

	/* Whole screens, a band the width of the screen, a narrow patch:
	 * each grab lands in one of the two pictures we do not hold. */
	for (uint32_t i = 0; i < 12; i++) {
		if (i % 3 == 0)
			x11_paint_fill(&paint, paint.screen->root, 0, 0, WIDTH, HEIGHT,
				       0x102030u * (i + 1));
		else if (i % 3 == 1)
			x11_paint_pattern(&paint, paint.screen->root, 0, 200 + 10 * i, WIDTH,
					  64, 20 + i);
		else
			x11_paint_pattern(&paint, paint.screen->root, 300, 500, 120, 40,
					  20 + i);
		kyoyu_msg_unref(next_frame(&h, "a change"));
	}
	if (frame_hash(key) != key_hash)
		fail_msg("the key frame's pixels changed after it was posted");
	expect_pattern(key, (kyoyu_rect){0, 0, WIDTH, HEIGHT}, 10, 0, 0);
	if (frame_hash(first) != first_hash)
		fail_msg("a frame's pixels changed after it was posted");

	/* The key frame's picture goes back; what is grabbed into it next
	 * must be the whole current screen, though it missed many changes. */
	kyoyu_msg_unref(key);
	x11_paint_pattern(&paint, paint.screen->root, 0, 0, WIDTH, HEIGHT, 12);
	settle(&h, 0.3);
	for (uint32_t i = 0; i < 2 * PICTURES; i++) {
		kyoyu_rect patch = {40 * (int32_t)i, 40 * (int32_t)i, 64, 32};
		x11_paint_pattern(&paint, paint.screen->root, patch.x, patch.y,
				  (uint32_t)patch.w, (uint32_t)patch.h, 30 + i);
		frame = latest_frame(&h, "a patch");
		expect_pattern(frame, patch, 30 + i, 0, 0);
		expect_pattern(frame, (kyoyu_rect){0, 600, WIDTH, 480}, 12, 0, 0);
		kyoyu_msg_unref(frame);
	}
	if (frame_hash(first) != first_hash)
		fail_msg("a frame's pixels changed after it was posted");
	expect_pattern(first, (kyoyu_rect){0, 0, WIDTH, HEIGHT}, 11, 0, 0);
	kyoyu_msg_unref(first);
	capture_harness_close(&h);
}

/* With every picture held (an encoder far behind) capture posts nothing
 * and grabs nothing, and once one comes back the next frame carries
 * everything that changed meanwhile. */
static void test_all_pictures_held_drops_frames_then_catches_up(void **state)
{
	static const char *const args[] = {"capture.fps=60", NULL};
	capture_harness h;
	kyoyu_msg *held[PICTURES], *frame;
	seen while_held = {0};

	need_server();
	x11_paint_pattern(&paint, paint.screen->root, 0, 0, WIDTH, HEIGHT, 40);
	share(&h, args);
	expect_key_frame(&h, WIDTH, HEIGHT, &held[0]);
	settle(&h, 0.2);
	for (uint32_t i = 1; i < PICTURES; i++) {
		x11_paint_pattern(&paint, paint.screen->root, 0, 100 * (int32_t)i, WIDTH, 50,
				  40 + i);
		held[i] = latest_frame(&h, "a band");
	}
	uint64_t hashes[PICTURES];
	for (uint32_t i = 0; i < PICTURES; i++)
		hashes[i] = frame_hash(held[i]);

	x11_paint_pattern(&paint, paint.screen->root, 700, 700, 300, 100, 50);
	x11_paint_pattern(&paint, paint.screen->root, 0, 900, WIDTH, 60, 51);
	watch(&h, 1.0, &while_held);
	assert_int_equal(while_held.frames, 0);
	for (uint32_t i = 0; i < PICTURES; i++)
		if (frame_hash(held[i]) != hashes[i])
			fail_msg("held frame %u changed while every picture was out", i);

	kyoyu_msg_unref(held[1]);
	frame = latest_frame(&h, "a picture came back");
	expect_inside((kyoyu_rect){700, 700, 300, 100},
		      kyoyu_region_bounds(&frame->u.frame.damage));
	expect_inside((kyoyu_rect){0, 900, WIDTH, 60},
		      kyoyu_region_bounds(&frame->u.frame.damage));
	expect_pattern(frame, (kyoyu_rect){700, 700, 300, 100}, 50, 0, 0);
	expect_pattern(frame, (kyoyu_rect){0, 900, WIDTH, 60}, 51, 0, 0);
	for (uint32_t i = 1; i < PICTURES; i++)
		expect_pattern(frame, (kyoyu_rect){0, 100 * (int32_t)i, WIDTH, 50}, 40 + i,
			       0, 0);
	expect_pattern(frame, (kyoyu_rect){0, 0, WIDTH, 100}, 40, 0, 0);
	kyoyu_msg_unref(frame);
	for (uint32_t i = 0; i < PICTURES; i++)
		if (i != 1)
			kyoyu_msg_unref(held[i]);
	capture_harness_close(&h);
}

/* Hundreds of frames, some held for a while as a slow encoder would: the
 * shared segments never outnumber the pictures plus staging, and all go
 * when capture stops. */
static void test_shared_memory_stays_bounded_over_a_long_run(void **state)
{
	static const char *const args[] = {"capture.fps=60", NULL};
	capture_harness h;
	kyoyu_msg *key, *kept[3] = {NULL, NULL, NULL};
	int frames = 0, most = 0;

	need_server();
	/* The sessions before this one count only while the server holds on. */
	int before = private_segments_once_settled();
	if (before != 0)
		fail_msg("%d segments of earlier sessions still there after %.0f s", before,
			 WAIT_S);
	share(&h, args);
	expect_key_frame(&h, WIDTH, HEIGHT, &key);
	kyoyu_msg_unref(key);
	int64_t start = kyoyu_now_us();
	for (uint32_t i = 0; elapsed_s(start) < 6.0; i++) {
		if (i % 4 == 0)
			x11_paint_fill(&paint, paint.screen->root, 0, 0, WIDTH, HEIGHT,
				       (i * 0x3f1d27u) & 0xffffffu);
		else
			x11_paint_fill(&paint, paint.screen->root, (int32_t)(i * 37 % 1800),
				       (int32_t)(i * 53 % 1000), 100, 60, i & 0xffffffu);
		x11_paint_sync(&paint);
		kyoyu_msg *m;
		if (capture_harness_next(&h, &m, 15) != 0)
			continue;
		if (m->type != KYOYU_MSG_FRAME) {
			kyoyu_msg_unref(m);
			continue;
		}
		frames++;
		/* Hold one frame in three, each for the next three frames. */
		kyoyu_msg_unref(kept[i % 3]);
		kept[i % 3] = i % 3 == 0 ? m : NULL;
		if (i % 3)
			kyoyu_msg_unref(m);
		int n = check_private_segments();
		most = n > most ? n : most;
	}
	for (size_t i = 0; i < 3; i++)
		kyoyu_msg_unref(kept[i]);
	/* Closed before any check, so a failure is reported as itself and not
	 * as the leak of a session left running. */
	capture_harness_close(&h);
	if (frames < 60)
		fail_msg("only %d frames in 6 s of changes at 60 per second", frames);
	if (most > PICTURES + 1)
		fail_msg("%d shared segments at once, more than %d pictures and staging",
			 most, PICTURES);
	int left = private_segments_once_settled();
	if (left != 0)
		fail_msg("%d segments left %.0f s after the session closed", left, WAIT_S);
}

/* ---- layout ------------------------------------------------------------ */

static void expect_new_size(capture_harness *h, uint32_t w, uint32_t hgt, int32_t x,
			    int32_t y, kyoyu_msg **key)
{
	kyoyu_msg *size;

	if (!wait_for(h, KYOYU_MSG_VIDEO_SIZE, WAIT_S, NULL, &size))
		fail_msg("no VIDEO_SIZE for %ux%u", w, hgt);
	assert_int_equal(size->u.size.width, w);
	assert_int_equal(size->u.size.height, hgt);
	assert_int_equal(size->u.size.x, x);
	assert_int_equal(size->u.size.y, y);
	kyoyu_msg_unref(size);
	expect_key_frame(h, w, hgt, key);
}

static void test_screen_resize_is_followed(void **state)
{
	capture_harness h;
	kyoyu_msg *key, *frame;

	need_server();
	share(&h, NULL);
	expect_key_frame(&h, WIDTH, HEIGHT, &key);
	kyoyu_msg_unref(key);

	assert_int_equal(x11_paint_screen_size(&paint, 1280, 720), 0);
	expect_new_size(&h, 1280, 720, 0, 0, &key);
	kyoyu_msg_unref(key);
	settle(&h, 0.3);
	x11_paint_pattern(&paint, paint.screen->root, 1000, 600, 100, 80, 6);
	assert_true(wait_for(&h, KYOYU_MSG_FRAME, WAIT_S, NULL, &frame));
	assert_int_equal(frame->u.frame.width, 1280);
	expect_inside(kyoyu_region_bounds(&frame->u.frame.damage),
		      (kyoyu_rect){1000, 600, 100, 80});
	expect_pattern(frame, (kyoyu_rect){1000, 600, 100, 80}, 6, 0, 0);
	kyoyu_msg_unref(frame);

	assert_int_equal(x11_paint_screen_size(&paint, WIDTH, HEIGHT), 0);
	expect_new_size(&h, WIDTH, HEIGHT, 0, 0, &key);
	kyoyu_msg_unref(key);
	capture_harness_close(&h);
}

/* RandR 1.5 monitors through xrandr (libxcb 1.15's SetMonitor request is
 * malformed, so this test cannot make them itself). */
static void set_monitor(const char *name, int32_t x, int32_t y, uint32_t w, uint32_t h)
{
	char geometry[64];

	snprintf(geometry, sizeof(geometry), "%u/%ux%u/%u+%d+%d", w, w * 254 / 960, h,
		 h * 254 / 960, x, y);
	char *argv[] = {"xrandr", "--setmonitor", (char *)name, geometry, "none", NULL};
	assert_int_equal(run_on(server.display, argv), 0);
}

static void delete_monitor(const char *name)
{
	char *argv[] = {"xrandr", "--delmonitor", (char *)name, NULL};

	assert_int_equal(run_on(server.display, argv), 0);
}

/* A test that failed half-way must not leave its monitor to the next. */
static int delete_test_monitor(void **state)
{
	char *argv[] = {"xrandr", "--delmonitor", "kyoyu-left", NULL};

	if (have_server)
		run_on(server.display, argv);
	return 0;
}

static void test_named_monitor_is_shared_and_followed(void **state)
{
	static const char *const args[] = {"capture.monitor=kyoyu-left", NULL};
	capture_harness h;
	kyoyu_msg *key, *frame;
	seen outside = {0}, gone = {0};

	need_server();
	x11_paint_pattern(&paint, paint.screen->root, 0, 0, WIDTH, HEIGHT, 7);
	set_monitor("kyoyu-left", 0, 0, 960, HEIGHT);
	share(&h, args);
	expect_new_size(&h, 960, HEIGHT, 0, 0, &key);
	expect_pattern(key, (kyoyu_rect){0, 0, 960, HEIGHT}, 7, 0, 0);
	kyoyu_msg_unref(key);
	settle(&h, 0.3);

	/* The other half of the screen is not shared: no frame. */
	x11_paint_fill(&paint, paint.screen->root, 1500, 500, 100, 100, 0x123456);
	watch(&h, 1.0, &outside);
	assert_int_equal(outside.frames, 0);
	x11_paint_fill(&paint, paint.screen->root, 100, 100, 50, 50, 0x654321);
	assert_true(wait_for(&h, KYOYU_MSG_FRAME, WAIT_S, NULL, &frame));
	expect_inside(kyoyu_region_bounds(&frame->u.frame.damage),
		      (kyoyu_rect){100, 100, 50, 50});
	expect_colour(frame, (kyoyu_rect){100, 100, 50, 50}, 0x654321);
	kyoyu_msg_unref(frame);

	/* The monitor moves and shrinks (this X server cannot replace a
	 * monitor in place: it goes and comes back): its new place, at its
	 * origin. */
	x11_paint_pattern(&paint, paint.screen->root, 0, 0, WIDTH, HEIGHT, 8);
	delete_monitor("kyoyu-left");
	set_monitor("kyoyu-left", 200, 100, 800, 600);
	expect_new_size(&h, 800, 600, 200, 100, &key);
	expect_pattern(key, (kyoyu_rect){0, 0, 800, 600}, 8, -200, -100);
	kyoyu_msg_unref(key);
	settle(&h, 0.3);

	/* Unplugged: nothing is shared until it is back. */
	delete_monitor("kyoyu-left");
	settle(&h, 0.5);
	x11_paint_fill(&paint, paint.screen->root, 300, 200, 100, 100, 0xabcdef);
	watch(&h, 1.0, &gone);
	assert_int_equal(gone.frames, 0);
	set_monitor("kyoyu-left", 0, 0, 640, 480);
	expect_new_size(&h, 640, 480, 0, 0, &key);
	expect_colour(key, (kyoyu_rect){300, 200, 100, 100}, 0xabcdef);
	kyoyu_msg_unref(key);
	capture_harness_close(&h);
}

static void test_primary_is_the_first_monitor_when_none_is_primary(void **state)
{
	static const char *const args[] = {"capture.monitor=primary", NULL};
	capture_harness h;
	kyoyu_msg *key;

	need_server();
	share(&h, args);
	expect_new_size(&h, WIDTH, HEIGHT, 0, 0, &key);
	kyoyu_msg_unref(key);
	capture_harness_close(&h);
}

/* ---- a real application ------------------------------------------------ */

static void test_typing_in_xterm_damages_only_the_terminal(void **state)
{
	/* xterm's outer window: 40×10 cells of its default 6×13 font, border. */
	const kyoyu_rect terminal = {300, 200, 40 * 6 + 40, 10 * 13 + 40};
	char *xterm[] = {"xterm", "-geometry", "40x10+300+200", "-e", "cat", NULL};
	char *type[] = {"xdotool", "type", "--delay", "50", "hello kyoyu", NULL};
	capture_harness h;
	kyoyu_msg *key;
	seen typing = {0};

	need_server();
	x11_paint_fill(&paint, paint.screen->root, 0, 0, WIDTH, HEIGHT, 0x202020);
	share(&h, NULL);
	expect_key_frame(&h, WIDTH, HEIGHT, &key);
	kyoyu_msg_unref(key);
	pid_t pid = spawn_on(server.display, xterm);
	assert_true(pid > 0);
	/* Its first picture, then quiet. */
	seen start = {0};
	assert_true(wait_for(&h, KYOYU_MSG_FRAME, WAIT_S, &start, &key));
	kyoyu_msg_unref(key);
	settle(&h, 1.0);

	/* No window manager: the keyboard follows the pointer. */
	move_pointer(terminal.x + 50, terminal.y + 50);
	assert_int_equal(run_on(server.display, type), 0);
	watch(&h, 1.0, &typing);
	stop_process(pid);
	capture_harness_close(&h);
	assert_true(typing.frames >= 1);
	expect_inside(typing.damage_bounds, terminal);
}

/* ---- the end ------------------------------------------------------------ */

static void test_session_end_returns_without_being_stopped(void **state)
{
	capture_harness h;
	kyoyu_msg *key;

	need_server();
	share(&h, NULL);
	expect_key_frame(&h, WIDTH, HEIGHT, &key);
	kyoyu_msg_unref(key);
	set_state(&h, KYOYU_STATE_ENDED);
	assert_true(kyoyu_stage_wait(h.stage, (int)(WAIT_S * 1000)));
	assert_int_equal(kyoyu_stage_join(h.stage), 0);
	capture_harness_close(&h);
}

static void test_lost_x_server_is_an_error_not_a_crash(void **state)
{
	xvfb doomed;
	capture_harness h;
	kyoyu_msg *key;
	char arg[64];

	need_server();
	assert_int_equal(xvfb_start(&doomed, "640x480x24"), 0);
	snprintf(arg, sizeof(arg), "capture.display=%s", doomed.display);
	const char *const args[] = {arg, NULL};
	share(&h, args);
	expect_key_frame(&h, 640, 480, &key);
	kyoyu_msg_unref(key);
	xvfb_stop(&doomed);
	assert_true(kyoyu_stage_wait(h.stage, (int)(WAIT_S * 1000)));
	assert_int_equal(kyoyu_stage_join(h.stage), -EPIPE);
	capture_harness_close(&h);
}

/* ---- what does not work ------------------------------------------------ */

static void test_no_display_is_skipped(void **state)
{
	capture_harness h;
	char err[512] = "";
	char *saved = getenv("DISPLAY") ? strdup(getenv("DISPLAY")) : NULL;

	unsetenv("DISPLAY");
	int ret = capture_harness_open(&h, KYOYU_BUILD_PLUGIN_DIR, "x11", NULL, err,
				       sizeof(err));
	capture_harness_close(&h);
	if (saved)
		setenv("DISPLAY", saved, 1);
	free(saved);
	assert_int_equal(ret, KYOYU_SKIP);
}

static void test_refused_display_is_an_error(void **state)
{
	static const char *const args[] = {"capture.display=:4711", NULL};
	capture_harness h;
	char err[512] = "";

	/* Nobody serves display 4711 here (checked): the connection fails. */
	assert_int_not_equal(access("/tmp/.X11-unix/X4711", F_OK), 0);
	int ret = capture_harness_open(&h, KYOYU_BUILD_PLUGIN_DIR, "x11", args, err,
				       sizeof(err));
	capture_harness_close(&h);
	assert_int_equal(ret, -ECONNREFUSED);
}

static void test_unsupported_depth_is_an_error(void **state)
{
	xvfb shallow;
	capture_harness h;
	char err[512] = "", arg[64];

	need_server();
	assert_int_equal(xvfb_start(&shallow, "320x240x16"), 0);
	snprintf(arg, sizeof(arg), "capture.display=%s", shallow.display);
	const char *const args[] = {arg, NULL};
	int ret = capture_harness_open(&h, KYOYU_BUILD_PLUGIN_DIR, "x11", args, err,
				       sizeof(err));
	capture_harness_close(&h);
	xvfb_stop(&shallow);
	assert_int_equal(ret, -EOPNOTSUPP);
}

/* It posts BGRX only, says so, and refuses to start for anything else the
 * core might ask. */
static void test_start_refuses_a_format_it_does_not_post(void **state)
{
	capture_harness h;
	char err[512] = "";

	need_server();
	assert_int_equal(capture_harness_open(&h, KYOYU_BUILD_PLUGIN_DIR, "x11", NULL, err,
					      sizeof(err)), KYOYU_OK);
	const uint32_t *formats = h.capture->plugin->ops.stage.formats;
	assert_int_equal(formats[0], KYOYU_PIXFMT_BGRX);
	assert_int_equal(formats[1], KYOYU_PIXFMT_NONE);
	h.capture->host.frame_format = KYOYU_PIXFMT_I420;
	assert_int_equal(capture_harness_start(&h), -EINVAL);
	capture_harness_close(&h);
}

static void test_unknown_monitor_is_an_error(void **state)
{
	static const char *const args[] = {"capture.monitor=nowhere-1", NULL};
	capture_harness h;
	char err[512] = "";

	need_server();
	int ret = capture_harness_open(&h, KYOYU_BUILD_PLUGIN_DIR, "x11", args, err,
				       sizeof(err));
	capture_harness_close(&h);
	assert_int_equal(ret, -EINVAL);
}

/* A test and the programs it needs besides Xvfb (space-separated). */
typedef struct x11_test {
	struct CMUnitTest test;
	const char *needs;
} x11_test;

#define TEST(fn, needs) {cmocka_unit_test(fn), needs}

static const x11_test all_tests[] = {
	TEST(test_key_frame_holds_the_drawn_screen, NULL),
	TEST(test_getimage_fallback_grabs_the_same_pixels, NULL),
	TEST(test_window_changes_are_small_damage_in_complete_pictures, NULL),
	TEST(test_still_screen_posts_no_frames, NULL),
	TEST(test_pointer_moves_are_cursor_events_not_frames, NULL),
	TEST(test_frame_rate_follows_the_cap_and_framerate_messages, NULL),
	TEST(test_pause_posts_nothing_and_resume_starts_with_a_key_frame, NULL),
	TEST(test_held_frames_keep_their_pixels_while_capture_grabs_again, NULL),
	TEST(test_all_pictures_held_drops_frames_then_catches_up, NULL),
	TEST(test_shared_memory_stays_bounded_over_a_long_run, NULL),
	TEST(test_screen_resize_is_followed, NULL),
	{cmocka_unit_test_teardown(test_named_monitor_is_shared_and_followed,
				   delete_test_monitor),
	 "xrandr"},
	TEST(test_primary_is_the_first_monitor_when_none_is_primary, NULL),
	TEST(test_typing_in_xterm_damages_only_the_terminal, "xterm xdotool"),
	TEST(test_session_end_returns_without_being_stopped, NULL),
	TEST(test_lost_x_server_is_an_error_not_a_crash, NULL),
	TEST(test_no_display_is_skipped, NULL),
	TEST(test_refused_display_is_an_error, NULL),
	TEST(test_unsupported_depth_is_an_error, NULL),
	TEST(test_unknown_monitor_is_an_error, NULL),
	TEST(test_start_refuses_a_format_it_does_not_post, NULL),
};

/* The first program of NEEDS that is not installed, or NULL. */
static const char *missing_program(const char *needs, char *buf, size_t len)
{
	while (needs && *needs) {
		size_t n = strcspn(needs, " ");
		snprintf(buf, len, "%.*s", (int)n, needs);
		if (!program_available(buf))
			return buf;
		needs += n + (needs[n] == ' ');
	}
	return NULL;
}

int main(void)
{
	enum { N = sizeof(all_tests) / sizeof(all_tests[0]) };
	struct CMUnitTest tests[N];
	size_t n = 0;
	char name[64];

	/* cmocka 1.1 reports a skipped test as "not ok # SKIP", which the TAP
	 * driver counts as a failure: skip here instead, in TAP's own words. */
	if (!program_available("Xvfb")) {
		printf("1..0 # SKIP Xvfb is not installed (apt-get install xvfb)\n");
		return 0;
	}
	for (size_t i = 0; i < N; i++) {
		const char *missing = missing_program(all_tests[i].needs, name, sizeof(name));
		if (missing)
			printf("# SKIP %s: %s is not installed\n", all_tests[i].test.name,
			       missing);
		else
			tests[n++] = all_tests[i].test;
	}
	fflush(stdout);
	return _cmocka_run_group_tests("x11-capture", tests, n, group_setup,
				       group_teardown);
}
