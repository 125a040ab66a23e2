/* SPDX-License-Identifier: MIT */
/* The frame bus: ordering, latest-wins, coalescing, bounded FIFOs, the gate
 * that keeps screen content in while not sharing, shared messages with each
 * inbox's own changes made on a copy, wake-ups and shutdown. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <kyoyu/bus.h>
#include <kyoyu/clock.h>
#include <kyoyu/session.h>

#include "bus-priv.h"
#include "os.h"

#define ALL_TYPES (KYOYU_MSG_BIT(KYOYU_MSG_TYPE_COUNT) - 1)

typedef struct fixture {
	kyoyu_bus *bus;
	kyoyu_inbox *inbox;
} fixture;

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));

	f->bus = kyoyu_bus_new();
	f->inbox = kyoyu_bus_subscribe(f->bus, "test", ALL_TYPES, 4);
	*state = f;
	return f->bus && f->inbox ? 0 : -1;
}

static int teardown(void **state)
{
	fixture *f = *state;

	kyoyu_inbox_free(f->inbox);
	kyoyu_bus_free(f->bus);
	free(f);
	return 0;
}

static kyoyu_msg *new_msg(kyoyu_msg_type type)
{
	kyoyu_msg *msg = kyoyu_msg_new(type);

	assert_non_null(msg);
	return msg;
}

static int post_frame(kyoyu_bus *bus, uint32_t w, uint32_t h, kyoyu_rect damage,
		      uint32_t flags, kyoyu_buffer *buf)
{
	kyoyu_msg *msg = new_msg(KYOYU_MSG_FRAME);

	kyoyu_frame_layout(&msg->u.frame, KYOYU_PIXFMT_BGRX, w, h);
	kyoyu_region_add(&msg->u.frame.damage, damage);
	msg->u.frame.flags = flags;
	msg->buf = buf;
	return kyoyu_bus_post(bus, msg);
}

static int post_packet(kyoyu_bus *bus, uint32_t flags, int64_t tag)
{
	kyoyu_msg *msg = new_msg(KYOYU_MSG_PACKET);

	msg->u.packet.flags = flags;
	msg->u.packet.capture_us = tag;
	msg->buf = kyoyu_buffer_new(16);
	return kyoyu_bus_post(bus, msg);
}

static int post_cursor(kyoyu_bus *bus, kyoyu_cursor_info info, kyoyu_buffer *shape)
{
	kyoyu_msg *msg = new_msg(KYOYU_MSG_CURSOR);

	msg->u.cursor = info;
	msg->buf = shape;
	return kyoyu_bus_post(bus, msg);
}

static int post_type(kyoyu_bus *bus, kyoyu_msg_type type)
{
	return kyoyu_bus_post(bus, new_msg(type));
}

/* The next message, which the caller releases. */
static kyoyu_msg *pop_now(kyoyu_inbox *inbox)
{
	kyoyu_msg *msg = NULL;

	assert_int_equal(kyoyu_inbox_pop(inbox, &msg, 0), 0);
	assert_non_null(msg);
	return msg;
}

static void assert_empty(kyoyu_inbox *inbox)
{
	kyoyu_msg *msg = NULL;

	assert_int_equal(kyoyu_inbox_pop(inbox, &msg, 0), -EAGAIN);
	assert_null(msg);
}

static kyoyu_inbox_stats inbox_stats(kyoyu_inbox *inbox)
{
	kyoyu_inbox_stats st = {.size = sizeof(st)};

	kyoyu_inbox_get_stats(inbox, &st);
	return st;
}

static kyoyu_bus_type_stats type_stats(kyoyu_bus *bus, uint32_t type)
{
	kyoyu_bus_type_stats st = {.size = sizeof(st)};

	kyoyu_bus_get_stats(bus, type, &st);
	return st;
}

/* Waits until the session clock has moved past the present and returns
 * that later time: what a resume would pass as open_since. */
static int64_t a_moment_later(void)
{
	int64_t later = kyoyu_now_us() + 1;

	while (kyoyu_now_us() < later)
		;
	return later;
}

/* ---- messages ---------------------------------------------------------- */

static void test_msg_new_is_zeroed_stamped_and_writable(void **state)
{
	(void)state;
	int64_t before = kyoyu_now_us();
	kyoyu_msg *msg = new_msg(KYOYU_MSG_PACKET);

	assert_int_equal(msg->type, KYOYU_MSG_PACKET);
	assert_int_equal(msg->seq, 0);
	assert_true(msg->time_us >= before && msg->time_us <= kyoyu_now_us());
	assert_null(msg->buf);
	for (size_t i = 0; i < sizeof(msg->u.reserved) / sizeof(msg->u.reserved[0]); i++)
		assert_int_equal(msg->u.reserved[i], 0);
	assert_true(kyoyu_msg_is_writable(msg));
	kyoyu_msg_unref(msg);
	kyoyu_msg_unref(NULL); /* ignored */
}

static void test_msg_ref_shares_and_copy_is_writable(void **state)
{
	(void)state;
	kyoyu_msg *msg = new_msg(KYOYU_MSG_FRAME);
	kyoyu_buffer *pixels = kyoyu_buffer_new(64);

	kyoyu_frame_layout(&msg->u.frame, KYOYU_PIXFMT_BGRX, 4, 4);
	msg->buf = pixels;
	assert_ptr_equal(kyoyu_msg_ref(msg), msg);
	assert_false(kyoyu_msg_is_writable(msg));

	kyoyu_msg *copy = kyoyu_msg_copy(msg);
	assert_non_null(copy);
	assert_ptr_not_equal(copy, msg);
	assert_true(kyoyu_msg_is_writable(copy));
	/* Same fields, and the same pixels by reference. */
	assert_int_equal(copy->u.frame.width, 4);
	assert_ptr_equal(copy->buf, pixels);
	assert_false(kyoyu_buffer_is_writable(pixels));
	kyoyu_msg_unref(copy);
	assert_true(kyoyu_buffer_is_writable(pixels));

	kyoyu_msg_unref(msg);
	assert_true(kyoyu_msg_is_writable(msg)); /* the one reference left */
	kyoyu_msg_unref(msg);
}

/* ---- ordering and coalescing ------------------------------------------- */

static void test_bus_control_messages_keep_fifo_order(void **state)
{
	fixture *f = *state;

	for (int i = 1; i <= 10; i++)
		assert_int_equal(kyoyu_bus_post_value(f->bus, KYOYU_MSG_BITRATE, i), 0);
	uint32_t last_seq = 0;
	for (int i = 1; i <= 10; i++) {
		kyoyu_msg *msg = pop_now(f->inbox);
		assert_int_equal(msg->type, KYOYU_MSG_BITRATE);
		assert_int_equal(msg->u.value, i);
		assert_true(msg->seq > last_seq);
		last_seq = msg->seq;
		kyoyu_msg_unref(msg);
	}
	assert_empty(f->inbox);
}

static void test_bus_control_messages_come_before_video(void **state)
{
	fixture *f = *state;

	post_packet(f->bus, 0, 1);
	post_frame(f->bus, 8, 8, (kyoyu_rect){0, 0, 8, 8}, 0, kyoyu_buffer_new(256));
	post_type(f->bus, KYOYU_MSG_CURSOR);
	post_type(f->bus, KYOYU_MSG_POINTER);
	kyoyu_bus_post_value(f->bus, KYOYU_MSG_PAUSE, 0);
	kyoyu_bus_post_value(f->bus, KYOYU_MSG_END, KYOYU_END_LEFT);
	post_packet(f->bus, 0, 2);

	/* Video keeps its posting order: a packet, the frame, a packet. */
	static const uint32_t order[] = {KYOYU_MSG_PAUSE,  KYOYU_MSG_END,   KYOYU_MSG_POINTER,
					 KYOYU_MSG_CURSOR, KYOYU_MSG_PACKET, KYOYU_MSG_FRAME,
					 KYOYU_MSG_PACKET};
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		kyoyu_msg *msg = pop_now(f->inbox);
		assert_string_equal(kyoyu_msg_type_name(msg->type), kyoyu_msg_type_name(order[i]));
		kyoyu_msg_unref(msg);
	}
	assert_empty(f->inbox);
}

static void test_bus_drops_stale_frame_and_merges_damage(void **state)
{
	fixture *f = *state;
	kyoyu_buffer *first = kyoyu_buffer_new(64 * 64 * 4);

	kyoyu_buffer_ref(first); /* to see when the bus lets go of it */
	post_frame(f->bus, 64, 64, (kyoyu_rect){0, 0, 10, 10}, KYOYU_FRAME_KEY, first);
	post_frame(f->bus, 64, 64, (kyoyu_rect){30, 30, 5, 5}, 0, kyoyu_buffer_new(64 * 64 * 4));
	post_frame(f->bus, 64, 64, (kyoyu_rect){50, 0, 4, 4}, 0, kyoyu_buffer_new(64 * 64 * 4));
	/* The replaced frame's buffer went back: only our reference is left. */
	assert_true(kyoyu_buffer_is_writable(first));
	kyoyu_buffer_unref(first);

	kyoyu_msg *msg = pop_now(f->inbox);
	assert_int_equal(msg->type, KYOYU_MSG_FRAME);
	assert_ptr_not_equal(msg->buf, first);
	/* The newest picture, with what every dropped one changed ... */
	assert_int_equal(msg->u.frame.damage.n, 3);
	assert_int_equal(kyoyu_region_area(&msg->u.frame.damage), 100 + 25 + 16);
	/* ... and the key flag of the first, which the consumer never saw. */
	assert_true(msg->u.frame.flags & KYOYU_FRAME_KEY);
	kyoyu_msg_unref(msg);
	assert_empty(f->inbox);
	kyoyu_inbox_stats st = inbox_stats(f->inbox);
	assert_int_equal(st.frames_merged, 2);
	assert_int_equal(st.received, 3);
}

static void test_bus_frame_of_new_size_gets_full_damage(void **state)
{
	fixture *f = *state;

	post_frame(f->bus, 64, 64, (kyoyu_rect){0, 0, 4, 4}, 0, kyoyu_buffer_new(64 * 64 * 4));
	post_frame(f->bus, 32, 16, (kyoyu_rect){1, 1, 2, 2}, 0, kyoyu_buffer_new(32 * 16 * 4));
	kyoyu_msg *msg = pop_now(f->inbox);
	assert_int_equal(msg->u.frame.width, 32);
	assert_int_equal(msg->u.frame.damage.n, 1);
	assert_int_equal(kyoyu_region_area(&msg->u.frame.damage), 32 * 16);
	kyoyu_msg_unref(msg);
}

static void test_bus_cursor_coalescing_keeps_unread_shape(void **state)
{
	fixture *f = *state;

	post_cursor(f->bus, (kyoyu_cursor_info){.x = 1, .y = 1, .visible = 1, .serial = 7,
						.width = 16, .height = 16, .hot_x = 3,
						.hot_y = 4},
		    kyoyu_buffer_new(16 * 16 * 4));
	for (int i = 2; i <= 5; i++)
		post_cursor(f->bus, (kyoyu_cursor_info){.x = i, .y = 2 * i, .visible = 1,
							.serial = 7},
			    NULL);
	kyoyu_msg *msg = pop_now(f->inbox);
	assert_int_equal(msg->type, KYOYU_MSG_CURSOR);
	assert_int_equal(msg->u.cursor.x, 5);
	assert_int_equal(msg->u.cursor.y, 10);
	assert_non_null(msg->buf);
	assert_int_equal(msg->u.cursor.width, 16);
	assert_int_equal(msg->u.cursor.hot_x, 3);
	assert_int_equal(msg->u.cursor.hot_y, 4);
	assert_int_equal(msg->u.cursor.serial, 7);
	kyoyu_msg_unref(msg);
	assert_empty(f->inbox);
}

static void test_bus_cursor_newer_shape_replaces_older(void **state)
{
	fixture *f = *state;

	for (uint32_t serial = 1; serial <= 2; serial++)
		post_cursor(f->bus, (kyoyu_cursor_info){.serial = serial, .width = serial,
							.height = serial},
			    kyoyu_buffer_new(serial * serial * 4));
	kyoyu_msg *msg = pop_now(f->inbox);
	assert_int_equal(msg->u.cursor.serial, 2);
	assert_int_equal(kyoyu_buffer_size(msg->buf), 16);
	kyoyu_msg_unref(msg);
}

static void test_bus_pointer_newest_wins(void **state)
{
	fixture *f = *state;

	for (int i = 0; i < 5; i++) {
		kyoyu_msg *msg = new_msg(KYOYU_MSG_POINTER);
		msg->u.pointer.x = i;
		kyoyu_bus_post(f->bus, msg);
	}
	kyoyu_msg *msg = pop_now(f->inbox);
	assert_int_equal(msg->u.pointer.x, 4);
	kyoyu_msg_unref(msg);
	assert_empty(f->inbox);
}

static void test_bus_packet_fifo_overflow_marks_next_discont(void **state)
{
	fixture *f = *state;

	/* The fixture's packet FIFO holds 4. */
	for (int i = 1; i <= 6; i++)
		assert_int_equal(post_packet(f->bus, 0, i), 0);
	for (int i = 1; i <= 4; i++) {
		kyoyu_msg *msg = pop_now(f->inbox);
		assert_int_equal(msg->u.packet.capture_us, i);
		assert_false(msg->u.packet.flags & KYOYU_PACKET_DISCONT);
		kyoyu_msg_unref(msg);
	}
	assert_empty(f->inbox);
	assert_int_equal(inbox_stats(f->inbox).packets_dropped, 2);

	post_packet(f->bus, KYOYU_PACKET_KEYFRAME, 7);
	post_packet(f->bus, 0, 8);
	kyoyu_msg *msg = pop_now(f->inbox);
	assert_int_equal(msg->u.packet.capture_us, 7);
	assert_true(msg->u.packet.flags & KYOYU_PACKET_DISCONT);
	assert_true(msg->u.packet.flags & KYOYU_PACKET_KEYFRAME);
	kyoyu_msg_unref(msg);
	/* Only the first packet after the loss is marked. */
	msg = pop_now(f->inbox);
	assert_false(msg->u.packet.flags & KYOYU_PACKET_DISCONT);
	kyoyu_msg_unref(msg);
}

static void test_bus_control_fifo_overflow_drops_and_counts(void **state)
{
	fixture *f = *state;
	int popped = 0;
	kyoyu_msg *msg;

	for (int i = 0; i < 200; i++)
		kyoyu_bus_post_value(f->bus, KYOYU_MSG_STATS, i);
	while (kyoyu_inbox_pop(f->inbox, &msg, 0) == 0) {
		/* The oldest are kept, in order. */
		assert_int_equal(msg->u.value, popped);
		popped++;
		kyoyu_msg_unref(msg);
	}
	kyoyu_inbox_stats st = inbox_stats(f->inbox);
	assert_true(popped > 0 && popped < 200);
	assert_int_equal(popped + st.control_dropped, 200);
}

/* Keyframe requests are all alike: one still unread absorbs the next, so a
 * flood of them takes one slot of the control FIFO and what comes after it
 * (a STATE, a BITRATE) is not lost. */
static void test_bus_unread_keyframe_request_absorbs_the_next(void **state)
{
	fixture *f = *state;

	for (int i = 0; i < 1000; i++)
		assert_int_equal(kyoyu_bus_post_value(f->bus, KYOYU_MSG_KEYFRAME_REQUEST, 0), 0);
	kyoyu_bus_post_value(f->bus, KYOYU_MSG_BITRATE, 300);
	kyoyu_msg *msg = pop_now(f->inbox);
	assert_int_equal(msg->type, KYOYU_MSG_KEYFRAME_REQUEST);
	kyoyu_msg_unref(msg);
	msg = pop_now(f->inbox);
	assert_int_equal(msg->type, KYOYU_MSG_BITRATE);
	assert_int_equal(msg->u.value, 300);
	kyoyu_msg_unref(msg);
	assert_empty(f->inbox);
	assert_int_equal(inbox_stats(f->inbox).control_dropped, 0);
	/* Once read, the next request waits again. */
	kyoyu_bus_post_value(f->bus, KYOYU_MSG_KEYFRAME_REQUEST, 0);
	msg = pop_now(f->inbox);
	assert_int_equal(msg->type, KYOYU_MSG_KEYFRAME_REQUEST);
	kyoyu_msg_unref(msg);
	assert_empty(f->inbox);
}

/* ---- one message, many inboxes: each inbox's changes on its own copy ---- */

static void test_bus_fans_out_one_shared_message_by_mask(void **state)
{
	fixture *f = *state;
	kyoyu_inbox *frames_only = kyoyu_bus_subscribe(f->bus, "frames",
						       KYOYU_MSG_BIT(KYOYU_MSG_FRAME), 0);
	kyoyu_buffer *pixels = kyoyu_buffer_new(8 * 8 * 4);

	post_frame(f->bus, 8, 8, (kyoyu_rect){0, 0, 8, 8}, 0, pixels);
	kyoyu_bus_post_value(f->bus, KYOYU_MSG_BITRATE, 1);
	kyoyu_msg *a = pop_now(f->inbox); /* the bitrate */
	assert_int_equal(a->type, KYOYU_MSG_BITRATE);
	kyoyu_msg_unref(a);
	a = pop_now(f->inbox);
	kyoyu_msg *b = pop_now(frames_only);
	/* Both inboxes hand out the very message posted, read-only. */
	assert_ptr_equal(a, b);
	assert_ptr_equal(a->buf, pixels);
	assert_false(kyoyu_msg_is_writable(a));
	assert_empty(frames_only);
	kyoyu_msg_unref(a);
	assert_true(kyoyu_msg_is_writable(b));
	kyoyu_msg_unref(b);

	/* A new mask applies to what is posted from then on. */
	kyoyu_inbox_set_mask(frames_only, KYOYU_MSG_BIT(KYOYU_MSG_BITRATE));
	kyoyu_bus_post_value(f->bus, KYOYU_MSG_BITRATE, 2);
	b = pop_now(frames_only);
	assert_int_equal(b->u.value, 2);
	kyoyu_msg_unref(b);
	kyoyu_inbox_free(frames_only);
	a = pop_now(f->inbox);
	assert_int_equal(a->u.value, 2);
	kyoyu_msg_unref(a);
}

static void test_bus_merged_damage_stays_in_its_inbox(void **state)
{
	fixture *f = *state;
	kyoyu_inbox *other = kyoyu_bus_subscribe(f->bus, "other",
						 KYOYU_MSG_BIT(KYOYU_MSG_FRAME), 0);

	post_frame(f->bus, 64, 64, (kyoyu_rect){0, 0, 10, 10}, KYOYU_FRAME_KEY,
		   kyoyu_buffer_new(64 * 64 * 4));
	/* OTHER reads the first picture; the fixture's inbox does not. */
	kyoyu_msg *seen = pop_now(other);
	kyoyu_msg_unref(seen);
	post_frame(f->bus, 64, 64, (kyoyu_rect){40, 40, 2, 2}, 0, kyoyu_buffer_new(64 * 64 * 4));

	/* The fixture's inbox owes the first picture's damage and key flag to
	 * the second, while OTHER still holds the second as posted. */
	kyoyu_msg *merged = pop_now(f->inbox);
	kyoyu_msg *plain = pop_now(other);
	assert_ptr_not_equal(merged, plain);
	assert_ptr_equal(merged->buf, plain->buf); /* the pixels are not copied */
	assert_int_equal(merged->u.frame.damage.n, 2);
	assert_int_equal(kyoyu_region_area(&merged->u.frame.damage), 100 + 4);
	assert_true(merged->u.frame.flags & KYOYU_FRAME_KEY);
	assert_int_equal(plain->u.frame.damage.n, 1);
	assert_int_equal(kyoyu_region_area(&plain->u.frame.damage), 4);
	assert_false(plain->u.frame.flags & KYOYU_FRAME_KEY);
	assert_int_equal(merged->seq, plain->seq);
	kyoyu_msg_unref(merged);
	kyoyu_msg_unref(plain);
	assert_int_equal(inbox_stats(f->inbox).frames_merged, 1);
	assert_int_equal(inbox_stats(other).frames_merged, 0);
	kyoyu_inbox_free(other);
}

static void test_bus_merged_damage_does_not_reach_a_reader_that_popped_first(void **state)
{
	fixture *f = *state;
	kyoyu_inbox *other = kyoyu_bus_subscribe(f->bus, "other",
						 KYOYU_MSG_BIT(KYOYU_MSG_FRAME), 0);

	post_frame(f->bus, 64, 64, (kyoyu_rect){0, 0, 10, 10}, 0, kyoyu_buffer_new(64 * 64 * 4));
	kyoyu_msg_unref(pop_now(other));
	post_frame(f->bus, 64, 64, (kyoyu_rect){40, 40, 2, 2}, 0, kyoyu_buffer_new(64 * 64 * 4));

	/* This time OTHER takes the shared message before the merging inbox
	 * pops, and keeps it while the merge happens. */
	kyoyu_msg *plain = pop_now(other);
	kyoyu_msg *merged = pop_now(f->inbox);
	assert_ptr_not_equal(merged, plain);
	assert_int_equal(kyoyu_region_area(&merged->u.frame.damage), 100 + 4);
	assert_int_equal(plain->u.frame.damage.n, 1);
	assert_int_equal(kyoyu_region_area(&plain->u.frame.damage), 4);
	kyoyu_msg_unref(plain);
	kyoyu_msg_unref(merged);
	kyoyu_inbox_free(other);
}

static void test_bus_cursor_shape_survives_shapeless_newer_cursor(void **state)
{
	fixture *f = *state;
	kyoyu_inbox *other = kyoyu_bus_subscribe(f->bus, "other",
						 KYOYU_MSG_BIT(KYOYU_MSG_CURSOR), 0);
	kyoyu_buffer *shape = kyoyu_buffer_new(16 * 16 * 4);

	post_cursor(f->bus, (kyoyu_cursor_info){.x = 1, .y = 1, .visible = 1, .serial = 9,
						.width = 16, .height = 16, .hot_x = 2,
						.hot_y = 5},
		    shape);
	/* OTHER has drawn the shape already; the fixture's inbox has not. */
	kyoyu_msg_unref(pop_now(other));
	post_cursor(f->bus, (kyoyu_cursor_info){.x = 30, .y = 40, .visible = 1, .serial = 9},
		    NULL);

	kyoyu_msg *moved = pop_now(f->inbox);
	assert_int_equal(moved->u.cursor.x, 30);
	assert_int_equal(moved->u.cursor.y, 40);
	assert_ptr_equal(moved->buf, shape);
	assert_int_equal(moved->u.cursor.serial, 9);
	assert_int_equal(moved->u.cursor.width, 16);
	assert_int_equal(moved->u.cursor.height, 16);
	assert_int_equal(moved->u.cursor.hot_x, 2);
	assert_int_equal(moved->u.cursor.hot_y, 5);
	/* OTHER gets the newer message as posted: a position, no shape. */
	kyoyu_msg *position = pop_now(other);
	assert_ptr_not_equal(position, moved);
	assert_int_equal(position->u.cursor.x, 30);
	assert_null(position->buf);
	assert_int_equal(position->u.cursor.width, 0);
	kyoyu_msg_unref(position);
	kyoyu_msg_unref(moved);
	assert_empty(f->inbox);
	assert_empty(other);
	kyoyu_inbox_free(other);
}

static void test_bus_discont_mark_stays_in_its_inbox(void **state)
{
	fixture *f = *state;
	kyoyu_inbox *roomy = kyoyu_bus_subscribe(f->bus, "roomy",
						 KYOYU_MSG_BIT(KYOYU_MSG_PACKET), 64);

	/* The fixture's FIFO holds 4 and loses 5 and 6; ROOMY loses none. */
	for (int i = 1; i <= 6; i++)
		assert_int_equal(post_packet(f->bus, 0, i), 0);
	for (int i = 1; i <= 4; i++)
		kyoyu_msg_unref(pop_now(f->inbox));
	assert_int_equal(post_packet(f->bus, 0, 7), 0);
	for (int i = 1; i <= 6; i++)
		kyoyu_msg_unref(pop_now(roomy));

	/* Both inboxes hold packet 7; only the fixture's marks it. */
	kyoyu_msg *marked = pop_now(f->inbox);
	kyoyu_msg *plain = pop_now(roomy);
	assert_int_equal(marked->u.packet.capture_us, 7);
	assert_int_equal(plain->u.packet.capture_us, 7);
	assert_true(marked->u.packet.flags & KYOYU_PACKET_DISCONT);
	assert_false(plain->u.packet.flags & KYOYU_PACKET_DISCONT);
	assert_ptr_equal(marked->buf, plain->buf);
	kyoyu_msg_unref(marked);
	kyoyu_msg_unref(plain);
	assert_int_equal(inbox_stats(f->inbox).packets_dropped, 2);
	assert_int_equal(inbox_stats(roomy).packets_dropped, 0);
	kyoyu_inbox_free(roomy);
}

/* ---- the gate ----------------------------------------------------------- */

static void test_bus_gate_close_refuses_new_and_drops_queued_content_at_pop(void **state)
{
	fixture *f = *state;
	kyoyu_buffer *pixels = kyoyu_buffer_new(8 * 8 * 4);
	kyoyu_buffer *late = kyoyu_buffer_new(8 * 8 * 4);

	kyoyu_buffer_ref(pixels);
	post_frame(f->bus, 8, 8, (kyoyu_rect){0, 0, 8, 8}, 0, pixels);
	post_packet(f->bus, 0, 1);
	post_type(f->bus, KYOYU_MSG_VIDEO_SIZE);
	post_type(f->bus, KYOYU_MSG_CURSOR);
	kyoyu_bus_post_value(f->bus, KYOYU_MSG_BITRATE, 500);

	kyoyu_bus_close_to(f->bus, KYOYU_MSG_SCREEN_CONTENT);

	kyoyu_buffer_ref(late);
	assert_int_equal(post_frame(f->bus, 8, 8, (kyoyu_rect){0, 0, 8, 8}, 0, late),
			 -EPERM);
	assert_true(kyoyu_buffer_is_writable(late)); /* refused and released */
	kyoyu_buffer_unref(late);
	assert_int_equal(post_packet(f->bus, KYOYU_PACKET_KEYFRAME, 2), -EPERM);
	kyoyu_bus_type_stats st = type_stats(f->bus, KYOYU_MSG_FRAME);
	assert_int_equal(st.posted, 1);
	assert_int_equal(st.refused, 1);

	/* Control messages still flow: the session must hear "resume". */
	assert_int_equal(kyoyu_bus_post_value(f->bus, KYOYU_MSG_RESUME, 0), 0);
	kyoyu_msg *msg = pop_now(f->inbox);
	assert_int_equal(msg->type, KYOYU_MSG_BITRATE);
	kyoyu_msg_unref(msg);
	msg = pop_now(f->inbox);
	assert_int_equal(msg->type, KYOYU_MSG_RESUME);
	kyoyu_msg_unref(msg);
	/* What was queued before the pause never comes out: the frame, the
	 * packet, the size and the cursor are dropped as the stage reads. */
	assert_empty(f->inbox);
	assert_int_equal(inbox_stats(f->inbox).gated, 4);
	/* The queued picture is gone: nothing holds its buffer but us. */
	assert_true(kyoyu_buffer_is_writable(pixels));
	kyoyu_buffer_unref(pixels);
}

static void test_bus_content_queued_before_pause_never_pops_after_resume(void **state)
{
	fixture *f = *state;
	kyoyu_buffer *pixels = kyoyu_buffer_new(8 * 8 * 4);

	kyoyu_buffer_ref(pixels);
	post_frame(f->bus, 8, 8, (kyoyu_rect){0, 0, 8, 8}, 0, pixels);
	post_packet(f->bus, 0, 1);
	post_cursor(f->bus, (kyoyu_cursor_info){.x = 3, .visible = 1}, NULL);
	post_type(f->bus, KYOYU_MSG_POINTER); /* not screen content */

	/* Paused and resumed before the stage got round to reading. */
	kyoyu_bus_close_to(f->bus, KYOYU_MSG_SCREEN_CONTENT);
	kyoyu_bus_open_to(f->bus, KYOYU_MSG_SCREEN_CONTENT, a_moment_later());
	assert_int_equal(post_packet(f->bus, 0, 2), 0);

	kyoyu_msg *msg = pop_now(f->inbox);
	assert_int_equal(msg->type, KYOYU_MSG_POINTER);
	kyoyu_msg_unref(msg);
	msg = pop_now(f->inbox);
	assert_int_equal(msg->type, KYOYU_MSG_PACKET);
	assert_int_equal(msg->u.packet.capture_us, 2);
	kyoyu_msg_unref(msg);
	assert_empty(f->inbox);
	assert_int_equal(inbox_stats(f->inbox).gated, 3);
	assert_true(kyoyu_buffer_is_writable(pixels));
	kyoyu_buffer_unref(pixels);
}

static void test_bus_open_to_since_refuses_older_content_at_post(void **state)
{
	fixture *f = *state;
	kyoyu_buffer *pixels = kyoyu_buffer_new(256);

	kyoyu_bus_close_to(f->bus, KYOYU_MSG_SCREEN_CONTENT);
	/* Grabbed while paused, posted after the resume: must not leave. */
	kyoyu_msg *old = new_msg(KYOYU_MSG_FRAME);
	kyoyu_frame_layout(&old->u.frame, KYOYU_PIXFMT_BGRX, 8, 8);
	old->buf = kyoyu_buffer_ref(pixels);
	kyoyu_bus_open_to(f->bus, KYOYU_MSG_SCREEN_CONTENT, a_moment_later());
	assert_int_equal(kyoyu_bus_post(f->bus, old), -EPERM);
	assert_true(kyoyu_buffer_is_writable(pixels)); /* released with OLD */
	kyoyu_buffer_unref(pixels);
	assert_int_equal(type_stats(f->bus, KYOYU_MSG_FRAME).refused, 1);

	kyoyu_msg *fresh = new_msg(KYOYU_MSG_PACKET);
	fresh->buf = kyoyu_buffer_new(4);
	assert_int_equal(kyoyu_bus_post(f->bus, fresh), 0);
	/* Messages that are not screen content ignore the time. */
	kyoyu_msg *pointer = new_msg(KYOYU_MSG_POINTER);
	pointer->time_us = 1;
	assert_int_equal(kyoyu_bus_post(f->bus, pointer), 0);
	kyoyu_msg *msg = pop_now(f->inbox);
	assert_int_equal(msg->type, KYOYU_MSG_POINTER);
	kyoyu_msg_unref(msg);
	msg = pop_now(f->inbox);
	assert_int_equal(msg->type, KYOYU_MSG_PACKET);
	kyoyu_msg_unref(msg);
	assert_empty(f->inbox);
	assert_int_equal(inbox_stats(f->inbox).gated, 0);
}

static void test_bus_open_to_since_refuses_older_content_at_pop(void **state)
{
	fixture *f = *state;

	/* Captured and queued while the gate was open ... */
	post_frame(f->bus, 8, 8, (kyoyu_rect){0, 0, 8, 8}, 0, kyoyu_buffer_new(256));
	/* ... then a resume moves open_since past it (the pause that came
	 * between was never seen by this inbox): it must not come out. */
	kyoyu_bus_open_to(f->bus, KYOYU_MSG_SCREEN_CONTENT, a_moment_later());
	assert_empty(f->inbox);
	assert_int_equal(inbox_stats(f->inbox).gated, 1);
}

static void test_bus_post_refuses_unknown_type_and_null(void **state)
{
	fixture *f = *state;
	kyoyu_msg *msg = new_msg(KYOYU_MSG_FRAME);
	kyoyu_buffer *bits = kyoyu_buffer_new(4);

	msg->type = KYOYU_MSG_TYPE_COUNT;
	msg->buf = kyoyu_buffer_ref(bits);
	assert_int_equal(kyoyu_bus_post(f->bus, msg), -EINVAL);
	assert_true(kyoyu_buffer_is_writable(bits)); /* the message was released */
	kyoyu_buffer_unref(bits);
	assert_int_equal(kyoyu_bus_post(f->bus, NULL), -EINVAL);
	assert_string_equal(kyoyu_msg_type_name(KYOYU_MSG_TYPE_COUNT), "unknown");
	assert_empty(f->inbox);
}

static void test_bus_counts_posted_bytes_per_type(void **state)
{
	fixture *f = *state;

	post_packet(f->bus, 0, 1);
	post_packet(f->bus, 0, 2);
	kyoyu_bus_type_stats st = type_stats(f->bus, KYOYU_MSG_PACKET);
	assert_int_equal(st.size, sizeof(st));
	assert_int_equal(st.posted, 2);
	assert_int_equal(st.bytes, 32);
	assert_true(st.last_us > 0);
	assert_int_equal(type_stats(f->bus, 999).posted, 0);
}

static void test_bus_stats_fill_no_more_than_the_callers_size(void **state)
{
	fixture *f = *state;
	/* A caller built before `gated` existed knows only the first fields. */
	kyoyu_inbox_stats old = {.size = offsetof(kyoyu_inbox_stats, gated), .gated = 12345};

	post_packet(f->bus, 0, 1);
	kyoyu_inbox_get_stats(f->inbox, &old);
	assert_int_equal(old.size, offsetof(kyoyu_inbox_stats, gated));
	assert_int_equal(old.received, 1);
	assert_int_equal(old.gated, 12345);

	kyoyu_bus_type_stats bst = {.size = offsetof(kyoyu_bus_type_stats, bytes),
				    .bytes = 777};
	kyoyu_bus_get_stats(f->bus, KYOYU_MSG_PACKET, &bst);
	assert_int_equal(bst.posted, 1);
	assert_int_equal(bst.bytes, 777);
}

static void test_bus_inbox_free_releases_queued_buffers(void **state)
{
	fixture *f = *state;
	kyoyu_buffer *pixels = kyoyu_buffer_new(8 * 8 * 4);
	kyoyu_buffer *bits = kyoyu_buffer_new(10);

	kyoyu_buffer_ref(pixels);
	kyoyu_buffer_ref(bits);
	post_frame(f->bus, 8, 8, (kyoyu_rect){0, 0, 8, 8}, 0, pixels);
	kyoyu_msg *pkt = new_msg(KYOYU_MSG_PACKET);
	pkt->buf = bits;
	kyoyu_bus_post(f->bus, pkt);
	kyoyu_inbox_free(f->inbox);
	f->inbox = kyoyu_bus_subscribe(f->bus, "test", ALL_TYPES, 4);
	assert_true(kyoyu_buffer_is_writable(pixels));
	assert_true(kyoyu_buffer_is_writable(bits));
	kyoyu_buffer_unref(pixels);
	kyoyu_buffer_unref(bits);
}

/* ---- waiting ------------------------------------------------------------ */

static void test_bus_pop_times_out_with_eagain(void **state)
{
	fixture *f = *state;
	kyoyu_msg *msg;

	int64_t start = kyoyu_now_us();
	assert_int_equal(kyoyu_inbox_pop(f->inbox, &msg, 50), -EAGAIN);
	assert_true(kyoyu_now_us() - start >= 45000);
}

static bool fd_readable(int fd)
{
	struct pollfd p = {fd, POLLIN, 0};
	return kyoyu_os_poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

/* The descriptors this process has open; -1 where the system does not
 * list them in /proc/self/fd (Windows). */
static int open_fds(void)
{
	DIR *dir = opendir("/proc/self/fd");
	int n = 0;

	if (!dir)
		return -1;
	while (readdir(dir))
		n++;
	closedir(dir);
	return n;
}

static void test_bus_inbox_fd_made_on_first_call_and_readable_iff_waiting(void **state)
{
	fixture *f = *state;
	kyoyu_msg *msg;

	/* An inbox nobody polls has no descriptor, however busy it is. */
	int before = open_fds();
	kyoyu_bus_post_value(f->bus, KYOYU_MSG_PAUSE, 0);
	kyoyu_bus_post_value(f->bus, KYOYU_MSG_RESUME, 0);
	assert_int_equal(open_fds(), before);

	/* Asked for, it exists, and says at once what was already waiting. */
	int fd = kyoyu_inbox_fd(f->inbox);
	assert_true(fd >= 0);
	assert_int_equal(open_fds(), before < 0 ? -1 : before + 1);
	assert_int_equal(kyoyu_inbox_fd(f->inbox), fd);
	assert_true(fd_readable(fd));
	kyoyu_msg_unref(pop_now(f->inbox));
	assert_true(fd_readable(fd)); /* one left */
	kyoyu_msg_unref(pop_now(f->inbox));
	assert_false(fd_readable(fd));

	kyoyu_bus_post_value(f->bus, KYOYU_MSG_BITRATE, 1);
	assert_true(fd_readable(fd));
	kyoyu_msg_unref(pop_now(f->inbox));
	assert_false(fd_readable(fd));

	/* Content queued before a pause wakes the reader, which then finds
	 * nothing: the gate drops it at the pop, and the wake-up is spent. */
	post_packet(f->bus, 0, 1);
	assert_true(fd_readable(fd));
	kyoyu_bus_close_to(f->bus, KYOYU_MSG_SCREEN_CONTENT);
	assert_int_equal(kyoyu_inbox_pop(f->inbox, &msg, 0), -EAGAIN);
	assert_false(fd_readable(fd));
	assert_int_equal(inbox_stats(f->inbox).gated, 1);

	kyoyu_inbox_shutdown(f->inbox);
	assert_true(fd_readable(fd));
	assert_int_equal(kyoyu_inbox_pop(f->inbox, &msg, 0), -ESHUTDOWN);
	assert_true(fd_readable(fd)); /* stays readable once shut down */
}

static void test_bus_inbox_fd_made_after_shutdown_is_readable(void **state)
{
	fixture *f = *state;

	kyoyu_inbox_shutdown(f->inbox);
	int fd = kyoyu_inbox_fd(f->inbox);
	assert_true(fd >= 0);
	assert_true(fd_readable(fd));
}

typedef struct blocked_pop {
	kyoyu_inbox *inbox;
	int ret;
} blocked_pop;

static void *pop_forever(void *arg)
{
	blocked_pop *b = arg;
	kyoyu_msg *msg;

	b->ret = kyoyu_inbox_pop(b->inbox, &msg, -1);
	return NULL;
}

static void test_bus_shutdown_wakes_blocked_pop(void **state)
{
	fixture *f = *state;
	blocked_pop b = {f->inbox, 1};
	pthread_t thread;

	assert_int_equal(pthread_create(&thread, NULL, pop_forever, &b), 0);
	usleep(50000); /* let it block; the result is the same if it did not yet */
	kyoyu_inbox_shutdown(f->inbox);
	pthread_join(thread, NULL);
	assert_int_equal(b.ret, -ESHUTDOWN);
	/* A shut-down inbox takes nothing more. */
	kyoyu_bus_post_value(f->bus, KYOYU_MSG_PAUSE, 0);
	assert_int_equal(inbox_stats(f->inbox).received, 0);
}

/* ---- stress: several producers, several consumers, clean shutdown ------ */

#define PRODUCERS 3
#define CONSUMERS 2
#define PER_PRODUCER 3000

typedef struct stress {
	kyoyu_bus *bus;
	kyoyu_pool *pool;
	atomic_int frames_refused_by_pool;
} stress;

typedef struct consumer {
	kyoyu_inbox *inbox;
	uint64_t frames, packets, control;
	uint32_t last_control_seq;
	bool order_ok;
} consumer;

static void *produce(void *arg)
{
	stress *s = arg;

	for (int i = 0; i < PER_PRODUCER; i++) {
		kyoyu_buffer *b = kyoyu_pool_acquire(s->pool);
		if (b)
			post_frame(s->bus, 8, 8, (kyoyu_rect){i % 8, 0, 1, 1}, 0, b);
		else
			atomic_fetch_add(&s->frames_refused_by_pool, 1);
		post_packet(s->bus, 0, i);
		kyoyu_bus_post_value(s->bus, KYOYU_MSG_STATS, i);
	}
	return NULL;
}

static void *consume(void *arg)
{
	consumer *c = arg;
	kyoyu_msg *msg;

	c->order_ok = true;
	while (kyoyu_inbox_pop(c->inbox, &msg, -1) == 0) {
		switch (msg->type) {
		case KYOYU_MSG_FRAME:
			c->frames++;
			break;
		case KYOYU_MSG_PACKET:
			c->packets++;
			break;
		default:
			/* Control messages arrive in posting order. */
			c->order_ok &= msg->seq > c->last_control_seq;
			c->last_control_seq = msg->seq;
			c->control++;
			break;
		}
		kyoyu_msg_unref(msg);
	}
	return NULL;
}

static void test_bus_stress_many_producers_and_consumers(void **state)
{
	fixture *f = *state;
	stress s = {.bus = f->bus, .pool = kyoyu_pool_new(8 * 8 * 4, 6)};
	pthread_t producers[PRODUCERS], consumers[CONSUMERS];
	consumer c[CONSUMERS];
	int fds[CONSUMERS];

	kyoyu_inbox_set_mask(f->inbox, 0); /* nobody reads the fixture's inbox */

	for (int i = 0; i < CONSUMERS; i++) {
		c[i] = (consumer){.inbox = kyoyu_bus_subscribe(f->bus, "consumer", ALL_TYPES,
							       16)};
		/* Made before the consumer runs: it tells when it caught up. */
		fds[i] = kyoyu_inbox_fd(c[i].inbox);
		assert_true(fds[i] >= 0);
		assert_int_equal(pthread_create(&consumers[i], NULL, consume, &c[i]), 0);
	}
	for (int i = 0; i < PRODUCERS; i++)
		assert_int_equal(pthread_create(&producers[i], NULL, produce, &s), 0);
	for (int i = 0; i < PRODUCERS; i++)
		pthread_join(producers[i], NULL);
	/* Let the consumers catch up, then stop them while they wait. */
	for (int i = 0; i < CONSUMERS; i++) {
		for (int tries = 0; tries < 1000 && fd_readable(fds[i]); tries++)
			usleep(2000);
		kyoyu_inbox_shutdown(c[i].inbox);
	}
	kyoyu_bus_type_stats frames = type_stats(f->bus, KYOYU_MSG_FRAME);
	for (int i = 0; i < CONSUMERS; i++) {
		pthread_join(consumers[i], NULL);
		kyoyu_inbox_stats st = inbox_stats(c[i].inbox);
		assert_true(c[i].order_ok);
		/* Every message was either delivered or counted as dropped. */
		assert_int_equal(c[i].frames + st.frames_merged, frames.posted);
		assert_int_equal(c[i].packets + st.packets_dropped, PRODUCERS * PER_PRODUCER);
		assert_int_equal(c[i].control + st.control_dropped, PRODUCERS * PER_PRODUCER);
		assert_int_equal(st.gated, 0);
		kyoyu_inbox_free(c[i].inbox);
	}
	assert_int_equal(frames.posted + (uint64_t)atomic_load(&s.frames_refused_by_pool),
			 PRODUCERS * PER_PRODUCER);
	/* Every pool buffer came back: the pool is freed with its last one. */
	kyoyu_pool_unref(s.pool);
}

/* kyoyu_peer_text: the three texts of a PEER message, an older one-name
 * buf as the name, and a short OUT cut on a character, never inside one. */
static void test_peer_text_reads_name_organisation_and_issuer(void **state)
{
	static const char texts[] = "田中\0Example\0Desk CA\0";
	kyoyu_msg *msg = kyoyu_msg_new(KYOYU_MSG_PEER);
	char out[64];

	(void)state;
	assert_int_equal(kyoyu_peer_text(msg, KYOYU_PEER_TEXT_NAME, out, sizeof(out)), 0);
	assert_string_equal(out, "");
	msg->buf = kyoyu_buffer_new_copy(texts, sizeof(texts) - 1);
	assert_int_equal(kyoyu_peer_text(msg, KYOYU_PEER_TEXT_NAME, out, sizeof(out)), 6);
	assert_string_equal(out, "田中");
	assert_int_equal(kyoyu_peer_text(msg, KYOYU_PEER_TEXT_ORG, out, sizeof(out)), 7);
	assert_string_equal(out, "Example");
	assert_int_equal(kyoyu_peer_text(msg, KYOYU_PEER_TEXT_ISSUER, out, sizeof(out)), 7);
	assert_string_equal(out, "Desk CA");
	assert_int_equal(kyoyu_peer_text(msg, 3, out, sizeof(out)), 0);
	/* 5 bytes of room: one character of 3 bytes, not one and a half. */
	assert_int_equal(kyoyu_peer_text(msg, KYOYU_PEER_TEXT_NAME, out, 6), 3);
	assert_string_equal(out, "田");
	assert_int_equal(kyoyu_peer_text(msg, KYOYU_PEER_TEXT_NAME, out, 0), -EINVAL);
	kyoyu_buffer_unref(msg->buf);
	/* An older transport's buf: one name, no NUL. */
	msg->buf = kyoyu_buffer_new_copy("operator", 8);
	assert_int_equal(kyoyu_peer_text(msg, KYOYU_PEER_TEXT_NAME, out, sizeof(out)), 8);
	assert_string_equal(out, "operator");
	assert_int_equal(kyoyu_peer_text(msg, KYOYU_PEER_TEXT_ORG, out, sizeof(out)), 0);
	kyoyu_msg_unref(msg);
	msg = kyoyu_msg_new(KYOYU_MSG_CODE);
	assert_int_equal(kyoyu_peer_text(msg, KYOYU_PEER_TEXT_NAME, out, sizeof(out)), -EINVAL);
	kyoyu_msg_unref(msg);
}

/* The answer posted with the question's words: the language and the
 * words read back; a language that is no tag and words with a control
 * character other than "\n" are left out, long words are cut on a
 * character; an answer without words reads empty. */
static void test_consent_post_keeps_the_question_with_the_answer(void **state)
{
	kyoyu_bus *bus = kyoyu_bus_new();
	kyoyu_inbox *in = kyoyu_bus_subscribe(bus, "t", KYOYU_MSG_BIT(KYOYU_MSG_CONSENT), 0);
	static char out[KYOYU_CONSENT_NOTICE_MAX + 1], long_words[KYOYU_CONSENT_NOTICE_MAX + 2];
	kyoyu_msg *msg;

	(void)state;
	assert_int_equal(kyoyu_consent_post(bus, KYOYU_CONSENT_GRANTED, "ja",
					    "画面を見ます。\nよろしいですか？"), 0);
	assert_int_equal(kyoyu_inbox_pop(in, &msg, 0), 0);
	assert_int_equal(msg->u.value, KYOYU_CONSENT_GRANTED);
	assert_int_equal(kyoyu_consent_text(msg, KYOYU_CONSENT_TEXT_LANGUAGE, out, sizeof(out)), 2);
	assert_string_equal(out, "ja");
	kyoyu_consent_text(msg, KYOYU_CONSENT_TEXT_NOTICE, out, sizeof(out));
	assert_string_equal(out, "画面を見ます。\nよろしいですか？");
	assert_int_equal(kyoyu_peer_text(msg, 0, out, sizeof(out)), -EINVAL);
	kyoyu_msg_unref(msg);

	assert_int_equal(kyoyu_consent_post(bus, KYOYU_CONSENT_DECLINED, "ja;rm", "a\tb"), 0);
	assert_int_equal(kyoyu_inbox_pop(in, &msg, 0), 0);
	assert_int_equal(kyoyu_consent_text(msg, KYOYU_CONSENT_TEXT_LANGUAGE, out, sizeof(out)), 0);
	assert_int_equal(kyoyu_consent_text(msg, KYOYU_CONSENT_TEXT_NOTICE, out, sizeof(out)), 0);
	kyoyu_msg_unref(msg);
	assert_int_equal(kyoyu_consent_post(bus, KYOYU_CONSENT_GRANTED, NULL, "\xc2\x9b" "2J"), 0);
	assert_int_equal(kyoyu_inbox_pop(in, &msg, 0), 0);
	assert_int_equal(kyoyu_consent_text(msg, KYOYU_CONSENT_TEXT_NOTICE, out, sizeof(out)), 0);
	kyoyu_msg_unref(msg);

	/* 4097 bytes: "ab" and 1365 characters of 3 bytes; the last one does
	 * not fit whole in 4096 and is left out. */
	memcpy(long_words, "ab", 2);
	for (size_t i = 2; i + 3 <= sizeof(long_words) - 1; i += 3)
		memcpy(long_words + i, "あ", 3);
	assert_int_equal(kyoyu_consent_post(bus, KYOYU_CONSENT_GRANTED, "en", long_words), 0);
	assert_int_equal(kyoyu_inbox_pop(in, &msg, 0), 0);
	assert_int_equal(kyoyu_consent_text(msg, KYOYU_CONSENT_TEXT_NOTICE, out, sizeof(out)),
			 KYOYU_CONSENT_NOTICE_MAX - 2);
	kyoyu_msg_unref(msg);

	assert_int_equal(kyoyu_bus_post_value(bus, KYOYU_MSG_CONSENT, KYOYU_CONSENT_GRANTED), 0);
	assert_int_equal(kyoyu_inbox_pop(in, &msg, 0), 0);
	assert_int_equal(kyoyu_consent_text(msg, KYOYU_CONSENT_TEXT_LANGUAGE, out, sizeof(out)), 0);
	kyoyu_msg_unref(msg);
	kyoyu_inbox_free(in);
	kyoyu_bus_free(bus);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
		cmocka_unit_test(test_msg_new_is_zeroed_stamped_and_writable),
		cmocka_unit_test(test_peer_text_reads_name_organisation_and_issuer),
		cmocka_unit_test(test_consent_post_keeps_the_question_with_the_answer),
		cmocka_unit_test(test_msg_ref_shares_and_copy_is_writable),
		T(test_bus_control_messages_keep_fifo_order),
		T(test_bus_control_messages_come_before_video),
		T(test_bus_drops_stale_frame_and_merges_damage),
		T(test_bus_frame_of_new_size_gets_full_damage),
		T(test_bus_cursor_coalescing_keeps_unread_shape),
		T(test_bus_cursor_newer_shape_replaces_older),
		T(test_bus_pointer_newest_wins),
		T(test_bus_packet_fifo_overflow_marks_next_discont),
		T(test_bus_control_fifo_overflow_drops_and_counts),
		T(test_bus_unread_keyframe_request_absorbs_the_next),
		T(test_bus_fans_out_one_shared_message_by_mask),
		T(test_bus_merged_damage_stays_in_its_inbox),
		T(test_bus_merged_damage_does_not_reach_a_reader_that_popped_first),
		T(test_bus_cursor_shape_survives_shapeless_newer_cursor),
		T(test_bus_discont_mark_stays_in_its_inbox),
		T(test_bus_gate_close_refuses_new_and_drops_queued_content_at_pop),
		T(test_bus_content_queued_before_pause_never_pops_after_resume),
		T(test_bus_open_to_since_refuses_older_content_at_post),
		T(test_bus_open_to_since_refuses_older_content_at_pop),
		T(test_bus_post_refuses_unknown_type_and_null),
		T(test_bus_counts_posted_bytes_per_type),
		T(test_bus_stats_fill_no_more_than_the_callers_size),
		T(test_bus_inbox_free_releases_queued_buffers),
		T(test_bus_pop_times_out_with_eagain),
		T(test_bus_inbox_fd_made_on_first_call_and_readable_iff_waiting),
		T(test_bus_inbox_fd_made_after_shutdown_is_readable),
		T(test_bus_shutdown_wakes_blocked_pop),
		T(test_bus_stress_many_producers_and_consumers),
#undef T
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
