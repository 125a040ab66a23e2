/* The frame bus: ordering, latest-wins, coalescing, bounded FIFOs, the gate
 * that keeps screen content in while not sharing, wake-ups and shutdown. */
#include "config.h"

#include <errno.h>
#include <poll.h>
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

static int post_frame(kyoyu_bus *bus, uint32_t w, uint32_t h, kyoyu_rect damage,
		      uint32_t flags, kyoyu_buffer *buf)
{
	kyoyu_msg msg = kyoyu_msg_make(KYOYU_MSG_FRAME);

	kyoyu_frame_layout(&msg.u.frame, KYOYU_PIXFMT_BGRX, w, h);
	kyoyu_region_add(&msg.u.frame.damage, damage);
	msg.u.frame.flags = flags;
	msg.buf = buf;
	return kyoyu_bus_post(bus, &msg);
}

static int post_packet(kyoyu_bus *bus, uint32_t flags, int64_t tag)
{
	kyoyu_msg msg = kyoyu_msg_make(KYOYU_MSG_PACKET);

	msg.u.packet.flags = flags;
	msg.u.packet.capture_us = tag;
	msg.buf = kyoyu_buffer_new(16);
	return kyoyu_bus_post(bus, &msg);
}

static kyoyu_msg pop_now(kyoyu_inbox *inbox)
{
	kyoyu_msg msg;

	assert_int_equal(kyoyu_inbox_pop(inbox, &msg, 0), 0);
	return msg;
}

static void assert_empty(kyoyu_inbox *inbox)
{
	kyoyu_msg msg;

	assert_int_equal(kyoyu_inbox_pop(inbox, &msg, 0), -EAGAIN);
}

static void test_bus_control_messages_keep_fifo_order(void **state)
{
	fixture *f = *state;

	for (int i = 1; i <= 10; i++)
		assert_int_equal(kyoyu_bus_post_value(f->bus, KYOYU_MSG_BITRATE, i), 0);
	uint32_t last_seq = 0;
	for (int i = 1; i <= 10; i++) {
		kyoyu_msg msg = pop_now(f->inbox);
		assert_int_equal(msg.type, KYOYU_MSG_BITRATE);
		assert_int_equal(msg.u.value, i);
		assert_true(msg.seq > last_seq);
		last_seq = msg.seq;
	}
	assert_empty(f->inbox);
}

static void test_bus_control_messages_come_before_video(void **state)
{
	fixture *f = *state;

	post_packet(f->bus, 0, 1);
	post_frame(f->bus, 8, 8, (kyoyu_rect){0, 0, 8, 8}, 0, kyoyu_buffer_new(256));
	kyoyu_msg cursor = kyoyu_msg_make(KYOYU_MSG_CURSOR);
	kyoyu_bus_post(f->bus, &cursor);
	kyoyu_msg pointer = kyoyu_msg_make(KYOYU_MSG_POINTER);
	kyoyu_bus_post(f->bus, &pointer);
	kyoyu_bus_post_value(f->bus, KYOYU_MSG_PAUSE, 0);
	kyoyu_bus_post_value(f->bus, KYOYU_MSG_END, KYOYU_END_LEFT);
	post_packet(f->bus, 0, 2);

	/* Video keeps its posting order: a packet, the frame, a packet. */
	static const uint32_t order[] = {KYOYU_MSG_PAUSE,  KYOYU_MSG_END,   KYOYU_MSG_POINTER,
					 KYOYU_MSG_CURSOR, KYOYU_MSG_PACKET, KYOYU_MSG_FRAME,
					 KYOYU_MSG_PACKET};
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		kyoyu_msg msg = pop_now(f->inbox);
		assert_string_equal(kyoyu_msg_type_name(msg.type), kyoyu_msg_type_name(order[i]));
		kyoyu_msg_release(&msg);
	}
	assert_empty(f->inbox);
}

static void test_bus_drops_stale_frame_and_merges_damage(void **state)
{
	fixture *f = *state;
	kyoyu_buffer *first = kyoyu_buffer_new(64 * 64 * 4);
	kyoyu_inbox_stats st;

	kyoyu_buffer_ref(first); /* to see when the bus lets go of it */
	post_frame(f->bus, 64, 64, (kyoyu_rect){0, 0, 10, 10}, KYOYU_FRAME_KEY, first);
	post_frame(f->bus, 64, 64, (kyoyu_rect){30, 30, 5, 5}, 0, kyoyu_buffer_new(64 * 64 * 4));
	post_frame(f->bus, 64, 64, (kyoyu_rect){50, 0, 4, 4}, 0, kyoyu_buffer_new(64 * 64 * 4));
	/* The replaced frame's buffer went back: only our reference is left. */
	assert_true(kyoyu_buffer_is_writable(first));
	kyoyu_buffer_unref(first);

	kyoyu_msg msg = pop_now(f->inbox);
	assert_int_equal(msg.type, KYOYU_MSG_FRAME);
	assert_ptr_not_equal(msg.buf, first);
	/* The newest picture, with what every dropped one changed ... */
	assert_int_equal(msg.u.frame.damage.n, 3);
	assert_int_equal(kyoyu_region_area(&msg.u.frame.damage), 100 + 25 + 16);
	/* ... and the key flag of the first, which the consumer never saw. */
	assert_true(msg.u.frame.flags & KYOYU_FRAME_KEY);
	kyoyu_msg_release(&msg);
	assert_empty(f->inbox);
	kyoyu_inbox_get_stats(f->inbox, &st);
	assert_int_equal(st.frames_merged, 2);
	assert_int_equal(st.received, 3);
}

static void test_bus_frame_of_new_size_gets_full_damage(void **state)
{
	fixture *f = *state;

	post_frame(f->bus, 64, 64, (kyoyu_rect){0, 0, 4, 4}, 0, kyoyu_buffer_new(64 * 64 * 4));
	post_frame(f->bus, 32, 16, (kyoyu_rect){1, 1, 2, 2}, 0, kyoyu_buffer_new(32 * 16 * 4));
	kyoyu_msg msg = pop_now(f->inbox);
	assert_int_equal(msg.u.frame.width, 32);
	assert_int_equal(msg.u.frame.damage.n, 1);
	assert_int_equal(kyoyu_region_area(&msg.u.frame.damage), 32 * 16);
	kyoyu_msg_release(&msg);
}

static void test_bus_cursor_coalescing_keeps_unread_shape(void **state)
{
	fixture *f = *state;
	kyoyu_msg msg = kyoyu_msg_make(KYOYU_MSG_CURSOR);

	msg.u.cursor = (kyoyu_cursor_info){.x = 1, .y = 1, .visible = 1, .serial = 7,
					   .width = 16, .height = 16, .hot_x = 3, .hot_y = 4};
	msg.buf = kyoyu_buffer_new(16 * 16 * 4);
	kyoyu_bus_post(f->bus, &msg);
	for (int i = 2; i <= 5; i++) {
		msg = kyoyu_msg_make(KYOYU_MSG_CURSOR);
		msg.u.cursor = (kyoyu_cursor_info){.x = i, .y = 2 * i, .visible = 1, .serial = 7};
		kyoyu_bus_post(f->bus, &msg);
	}
	msg = pop_now(f->inbox);
	assert_int_equal(msg.type, KYOYU_MSG_CURSOR);
	assert_int_equal(msg.u.cursor.x, 5);
	assert_int_equal(msg.u.cursor.y, 10);
	assert_non_null(msg.buf);
	assert_int_equal(msg.u.cursor.width, 16);
	assert_int_equal(msg.u.cursor.hot_x, 3);
	assert_int_equal(msg.u.cursor.hot_y, 4);
	assert_int_equal(msg.u.cursor.serial, 7);
	kyoyu_msg_release(&msg);
	assert_empty(f->inbox);
}

static void test_bus_cursor_newer_shape_replaces_older(void **state)
{
	fixture *f = *state;

	for (uint32_t serial = 1; serial <= 2; serial++) {
		kyoyu_msg msg = kyoyu_msg_make(KYOYU_MSG_CURSOR);
		msg.u.cursor = (kyoyu_cursor_info){.serial = serial, .width = serial,
						   .height = serial};
		msg.buf = kyoyu_buffer_new(serial * serial * 4);
		kyoyu_bus_post(f->bus, &msg);
	}
	kyoyu_msg msg = pop_now(f->inbox);
	assert_int_equal(msg.u.cursor.serial, 2);
	assert_int_equal(kyoyu_buffer_size(msg.buf), 16);
	kyoyu_msg_release(&msg);
}

static void test_bus_pointer_newest_wins(void **state)
{
	fixture *f = *state;

	for (int i = 0; i < 5; i++) {
		kyoyu_msg msg = kyoyu_msg_make(KYOYU_MSG_POINTER);
		msg.u.pointer.x = i;
		kyoyu_bus_post(f->bus, &msg);
	}
	kyoyu_msg msg = pop_now(f->inbox);
	assert_int_equal(msg.u.pointer.x, 4);
	assert_empty(f->inbox);
}

static void test_bus_packet_fifo_overflow_marks_next_discont(void **state)
{
	fixture *f = *state;
	kyoyu_inbox_stats st;

	/* The fixture's packet FIFO holds 4. */
	for (int i = 1; i <= 6; i++)
		assert_int_equal(post_packet(f->bus, 0, i), 0);
	for (int i = 1; i <= 4; i++) {
		kyoyu_msg msg = pop_now(f->inbox);
		assert_int_equal(msg.u.packet.capture_us, i);
		assert_false(msg.u.packet.flags & KYOYU_PACKET_DISCONT);
		kyoyu_msg_release(&msg);
	}
	assert_empty(f->inbox);
	kyoyu_inbox_get_stats(f->inbox, &st);
	assert_int_equal(st.packets_dropped, 2);

	post_packet(f->bus, KYOYU_PACKET_KEYFRAME, 7);
	post_packet(f->bus, 0, 8);
	kyoyu_msg msg = pop_now(f->inbox);
	assert_int_equal(msg.u.packet.capture_us, 7);
	assert_true(msg.u.packet.flags & KYOYU_PACKET_DISCONT);
	assert_true(msg.u.packet.flags & KYOYU_PACKET_KEYFRAME);
	kyoyu_msg_release(&msg);
	/* Only the first packet after the loss is marked. */
	msg = pop_now(f->inbox);
	assert_false(msg.u.packet.flags & KYOYU_PACKET_DISCONT);
	kyoyu_msg_release(&msg);
}

static void test_bus_control_fifo_overflow_drops_and_counts(void **state)
{
	fixture *f = *state;
	kyoyu_inbox_stats st;
	int popped = 0;
	kyoyu_msg msg;

	for (int i = 0; i < 200; i++)
		kyoyu_bus_post_value(f->bus, KYOYU_MSG_STATS, i);
	while (kyoyu_inbox_pop(f->inbox, &msg, 0) == 0) {
		/* The oldest are kept, in order. */
		assert_int_equal(msg.u.value, popped);
		popped++;
	}
	kyoyu_inbox_get_stats(f->inbox, &st);
	assert_true(popped > 0 && popped < 200);
	assert_int_equal(popped + st.control_dropped, 200);
}

static void test_bus_gate_close_drops_queued_content_and_refuses_new(void **state)
{
	fixture *f = *state;
	kyoyu_buffer *pixels = kyoyu_buffer_new(8 * 8 * 4);
	kyoyu_bus_type_stats st;

	kyoyu_buffer_ref(pixels);
	post_frame(f->bus, 8, 8, (kyoyu_rect){0, 0, 8, 8}, 0, pixels);
	post_packet(f->bus, 0, 1);
	kyoyu_msg size = kyoyu_msg_make(KYOYU_MSG_VIDEO_SIZE);
	kyoyu_bus_post(f->bus, &size);
	kyoyu_msg cursor = kyoyu_msg_make(KYOYU_MSG_CURSOR);
	kyoyu_bus_post(f->bus, &cursor);
	kyoyu_bus_post_value(f->bus, KYOYU_MSG_BITRATE, 500);

	assert_int_equal(kyoyu_bus_close_to(f->bus, KYOYU_MSG_SCREEN_CONTENT), 4);
	/* The queued picture is gone: nothing holds its buffer but us. */
	assert_true(kyoyu_buffer_is_writable(pixels));

	assert_int_equal(post_frame(f->bus, 8, 8, (kyoyu_rect){0, 0, 8, 8}, 0,
				    kyoyu_buffer_ref(pixels)), -EPERM);
	assert_true(kyoyu_buffer_is_writable(pixels)); /* refused and released */
	assert_int_equal(post_packet(f->bus, KYOYU_PACKET_KEYFRAME, 2), -EPERM);
	kyoyu_bus_get_stats(f->bus, KYOYU_MSG_FRAME, &st);
	assert_int_equal(st.posted, 1);
	assert_int_equal(st.refused, 1);

	/* Control messages still flow: the session must hear "resume". */
	assert_int_equal(kyoyu_bus_post_value(f->bus, KYOYU_MSG_RESUME, 0), 0);
	kyoyu_msg msg = pop_now(f->inbox);
	assert_int_equal(msg.type, KYOYU_MSG_BITRATE);
	msg = pop_now(f->inbox);
	assert_int_equal(msg.type, KYOYU_MSG_RESUME);
	assert_empty(f->inbox);
	kyoyu_buffer_unref(pixels);
}

static void test_bus_open_to_since_refuses_older_content(void **state)
{
	fixture *f = *state;

	kyoyu_bus_close_to(f->bus, KYOYU_MSG_SCREEN_CONTENT);
	/* Grabbed while paused, posted after the resume: must not leave. */
	kyoyu_msg old = kyoyu_msg_make(KYOYU_MSG_FRAME);
	kyoyu_frame_layout(&old.u.frame, KYOYU_PIXFMT_BGRX, 8, 8);
	old.buf = kyoyu_buffer_new(256);
	int64_t resumed = kyoyu_now_us() + 1;
	while (kyoyu_now_us() < resumed)
		;
	kyoyu_bus_open_to(f->bus, KYOYU_MSG_SCREEN_CONTENT, resumed);
	assert_int_equal(kyoyu_bus_post(f->bus, &old), -EPERM);
	assert_null(old.buf);

	kyoyu_msg fresh = kyoyu_msg_make(KYOYU_MSG_PACKET);
	fresh.buf = kyoyu_buffer_new(4);
	assert_int_equal(kyoyu_bus_post(f->bus, &fresh), 0);
	/* Messages that are not screen content ignore the time. */
	kyoyu_msg pointer = kyoyu_msg_make(KYOYU_MSG_POINTER);
	pointer.time_us = 1;
	assert_int_equal(kyoyu_bus_post(f->bus, &pointer), 0);
	kyoyu_msg msg = pop_now(f->inbox);
	assert_int_equal(msg.type, KYOYU_MSG_POINTER);
	msg = pop_now(f->inbox);
	assert_int_equal(msg.type, KYOYU_MSG_PACKET);
	kyoyu_msg_release(&msg);
}

static void test_bus_post_refuses_unknown_type(void **state)
{
	fixture *f = *state;
	kyoyu_msg msg = kyoyu_msg_make(KYOYU_MSG_FRAME);

	msg.type = KYOYU_MSG_TYPE_COUNT;
	msg.buf = kyoyu_buffer_new(4);
	assert_int_equal(kyoyu_bus_post(f->bus, &msg), -EINVAL);
	assert_null(msg.buf);
	assert_string_equal(kyoyu_msg_type_name(KYOYU_MSG_TYPE_COUNT), "unknown");
	assert_empty(f->inbox);
}

static void test_bus_fans_out_by_mask_and_shares_buffers(void **state)
{
	fixture *f = *state;
	kyoyu_inbox *frames_only = kyoyu_bus_subscribe(f->bus, "frames",
						       KYOYU_MSG_BIT(KYOYU_MSG_FRAME), 0);
	kyoyu_buffer *pixels = kyoyu_buffer_new(8 * 8 * 4);

	post_frame(f->bus, 8, 8, (kyoyu_rect){0, 0, 8, 8}, 0, pixels);
	kyoyu_bus_post_value(f->bus, KYOYU_MSG_BITRATE, 1);
	kyoyu_msg a = pop_now(f->inbox); /* the bitrate */
	assert_int_equal(a.type, KYOYU_MSG_BITRATE);
	a = pop_now(f->inbox);
	kyoyu_msg b = pop_now(frames_only);
	assert_ptr_equal(a.buf, pixels);
	assert_ptr_equal(b.buf, pixels);
	assert_false(kyoyu_buffer_is_writable(pixels));
	assert_empty(frames_only);
	kyoyu_msg_release(&a);
	assert_true(kyoyu_buffer_is_writable(pixels));
	kyoyu_msg_release(&b);

	/* A new mask applies to what is posted from then on. */
	kyoyu_inbox_set_mask(frames_only, KYOYU_MSG_BIT(KYOYU_MSG_BITRATE));
	kyoyu_bus_post_value(f->bus, KYOYU_MSG_BITRATE, 2);
	b = pop_now(frames_only);
	assert_int_equal(b.u.value, 2);
	kyoyu_inbox_free(frames_only);
	a = pop_now(f->inbox);
	assert_int_equal(a.u.value, 2);
}

static void test_bus_counts_posted_bytes_per_type(void **state)
{
	fixture *f = *state;
	kyoyu_bus_type_stats st;

	post_packet(f->bus, 0, 1);
	post_packet(f->bus, 0, 2);
	kyoyu_bus_get_stats(f->bus, KYOYU_MSG_PACKET, &st);
	assert_int_equal(st.posted, 2);
	assert_int_equal(st.bytes, 32);
	assert_true(st.last_us > 0);
	kyoyu_bus_get_stats(f->bus, 999, &st);
	assert_int_equal(st.posted, 0);
}

static void test_bus_inbox_free_releases_queued_buffers(void **state)
{
	fixture *f = *state;
	kyoyu_buffer *pixels = kyoyu_buffer_new(8 * 8 * 4);
	kyoyu_buffer *bits = kyoyu_buffer_new(10);

	kyoyu_buffer_ref(pixels);
	kyoyu_buffer_ref(bits);
	post_frame(f->bus, 8, 8, (kyoyu_rect){0, 0, 8, 8}, 0, pixels);
	kyoyu_msg pkt = kyoyu_msg_make(KYOYU_MSG_PACKET);
	pkt.buf = bits;
	kyoyu_bus_post(f->bus, &pkt);
	kyoyu_inbox_free(f->inbox);
	f->inbox = kyoyu_bus_subscribe(f->bus, "test", ALL_TYPES, 4);
	assert_true(kyoyu_buffer_is_writable(pixels));
	assert_true(kyoyu_buffer_is_writable(bits));
	kyoyu_buffer_unref(pixels);
	kyoyu_buffer_unref(bits);
}

static void test_bus_pop_times_out_with_eagain(void **state)
{
	fixture *f = *state;
	kyoyu_msg msg;

	int64_t start = kyoyu_now_us();
	assert_int_equal(kyoyu_inbox_pop(f->inbox, &msg, 50), -EAGAIN);
	assert_true(kyoyu_now_us() - start >= 45000);
}

static bool fd_readable(int fd)
{
	struct pollfd p = {fd, POLLIN, 0};
	return poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

static void test_bus_inbox_fd_readable_iff_something_waiting(void **state)
{
	fixture *f = *state;
	int fd = kyoyu_inbox_fd(f->inbox);
	kyoyu_msg msg;

	assert_false(fd_readable(fd));
	kyoyu_bus_post_value(f->bus, KYOYU_MSG_PAUSE, 0);
	kyoyu_bus_post_value(f->bus, KYOYU_MSG_RESUME, 0);
	assert_true(fd_readable(fd));
	msg = pop_now(f->inbox);
	assert_true(fd_readable(fd)); /* one left */
	msg = pop_now(f->inbox);
	assert_false(fd_readable(fd));

	/* Content dropped by the gate no longer counts as waiting. */
	post_packet(f->bus, 0, 1);
	assert_true(fd_readable(fd));
	kyoyu_bus_close_to(f->bus, KYOYU_MSG_SCREEN_CONTENT);
	assert_false(fd_readable(fd));
	assert_int_equal(kyoyu_inbox_pop(f->inbox, &msg, 0), -EAGAIN);

	kyoyu_inbox_shutdown(f->inbox);
	assert_true(fd_readable(fd));
	assert_int_equal(kyoyu_inbox_pop(f->inbox, &msg, 0), -ESHUTDOWN);
	assert_true(fd_readable(fd)); /* stays readable once shut down */
}

typedef struct blocked_pop {
	kyoyu_inbox *inbox;
	int ret;
} blocked_pop;

static void *pop_forever(void *arg)
{
	blocked_pop *b = arg;
	kyoyu_msg msg;

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
	kyoyu_inbox_stats st;
	kyoyu_inbox_get_stats(f->inbox, &st);
	assert_int_equal(st.received, 0);
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
	kyoyu_msg msg;

	c->order_ok = true;
	while (kyoyu_inbox_pop(c->inbox, &msg, -1) == 0) {
		switch (msg.type) {
		case KYOYU_MSG_FRAME:
			c->frames++;
			break;
		case KYOYU_MSG_PACKET:
			c->packets++;
			break;
		default:
			/* Control messages arrive in posting order. */
			c->order_ok &= msg.seq > c->last_control_seq;
			c->last_control_seq = msg.seq;
			c->control++;
			break;
		}
		kyoyu_msg_release(&msg);
	}
	return NULL;
}

static void test_bus_stress_many_producers_and_consumers(void **state)
{
	fixture *f = *state;
	stress s = {.bus = f->bus, .pool = kyoyu_pool_new(8 * 8 * 4, 6)};
	pthread_t producers[PRODUCERS], consumers[CONSUMERS];
	consumer c[CONSUMERS];

	kyoyu_inbox_set_mask(f->inbox, 0); /* nobody reads the fixture's inbox */

	for (int i = 0; i < CONSUMERS; i++) {
		c[i] = (consumer){.inbox = kyoyu_bus_subscribe(f->bus, "consumer", ALL_TYPES,
							       16)};
		assert_int_equal(pthread_create(&consumers[i], NULL, consume, &c[i]), 0);
	}
	for (int i = 0; i < PRODUCERS; i++)
		assert_int_equal(pthread_create(&producers[i], NULL, produce, &s), 0);
	for (int i = 0; i < PRODUCERS; i++)
		pthread_join(producers[i], NULL);
	/* Let the consumers catch up, then stop them while they wait. */
	for (int i = 0; i < CONSUMERS; i++) {
		for (int tries = 0; tries < 1000 && fd_readable(kyoyu_inbox_fd(c[i].inbox)); tries++)
			usleep(2000);
		kyoyu_inbox_shutdown(c[i].inbox);
	}
	kyoyu_bus_type_stats frames;
	kyoyu_bus_get_stats(f->bus, KYOYU_MSG_FRAME, &frames);
	for (int i = 0; i < CONSUMERS; i++) {
		pthread_join(consumers[i], NULL);
		kyoyu_inbox_stats st;
		kyoyu_inbox_get_stats(c[i].inbox, &st);
		assert_true(c[i].order_ok);
		/* Every message was either delivered or counted as dropped. */
		assert_int_equal(c[i].frames + st.frames_merged, frames.posted);
		assert_int_equal(c[i].packets + st.packets_dropped, PRODUCERS * PER_PRODUCER);
		assert_int_equal(c[i].control + st.control_dropped, PRODUCERS * PER_PRODUCER);
		kyoyu_inbox_free(c[i].inbox);
	}
	assert_int_equal(frames.posted + (uint64_t)atomic_load(&s.frames_refused_by_pool),
			 PRODUCERS * PER_PRODUCER);
	/* Every pool buffer came back: the pool is freed with its last one. */
	kyoyu_pool_unref(s.pool);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
		T(test_bus_control_messages_keep_fifo_order),
		T(test_bus_control_messages_come_before_video),
		T(test_bus_drops_stale_frame_and_merges_damage),
		T(test_bus_frame_of_new_size_gets_full_damage),
		T(test_bus_cursor_coalescing_keeps_unread_shape),
		T(test_bus_cursor_newer_shape_replaces_older),
		T(test_bus_pointer_newest_wins),
		T(test_bus_packet_fifo_overflow_marks_next_discont),
		T(test_bus_control_fifo_overflow_drops_and_counts),
		T(test_bus_gate_close_drops_queued_content_and_refuses_new),
		T(test_bus_open_to_since_refuses_older_content),
		T(test_bus_post_refuses_unknown_type),
		T(test_bus_fans_out_by_mask_and_shares_buffers),
		T(test_bus_counts_posted_bytes_per_type),
		T(test_bus_inbox_free_releases_queued_buffers),
		T(test_bus_pop_times_out_with_eagain),
		T(test_bus_inbox_fd_readable_iff_something_waiting),
		T(test_bus_shutdown_wakes_blocked_pop),
		T(test_bus_stress_many_producers_and_consumers),
#undef T
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
