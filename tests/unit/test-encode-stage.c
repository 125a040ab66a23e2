/* SPDX-License-Identifier: MIT */
/* The encode stage with the fake codec: latest frame wins, the frame-rate
 * cap merges damage and takes a picture a little early but holds its rate
 * on average, pictures wait for the link before the encoder, the
 * still-screen top-off, keyframes, size changes,
 * bitrate changes and repeated failures. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "encode-stage.h"
#include "stage-harness.h"

#define ENCODE_MASK                                                            \
	(KYOYU_MSG_BIT(KYOYU_MSG_FRAME) | KYOYU_MSG_BIT(KYOYU_MSG_KEYFRAME_REQUEST) | \
	 KYOYU_MSG_BIT(KYOYU_MSG_BITRATE) | KYOYU_MSG_BIT(KYOYU_MSG_FRAMERATE) | \
	 KYOYU_MSG_BIT(KYOYU_MSG_STATE))
#define OUT_MASK (KYOYU_MSG_BIT(KYOYU_MSG_PACKET) | KYOYU_MSG_BIT(KYOYU_MSG_ERROR))

typedef struct fixture {
	harness *h;
	kyoyu_encode_stage *enc;
} fixture;

static fixture *start(uint32_t max_fps, uint32_t topoff_ms, const char *const *args,
		      bool run)
{
	fixture *f = calloc(1, sizeof(*f));
	kyoyu_encode_settings settings = {.codec = KYOYU_CODEC_VP8,
					  .format = KYOYU_PIXFMT_BGRX, .bitrate_kbps = 700,
					  .max_fps = max_fps, .topoff_ms = topoff_ms};

	f->h = harness_new(args, OUT_MASK);
	f->enc = kyoyu_encode_stage_new(f->h->codec, NULL, &settings);
	if (run)
		harness_start(f->h, ENCODE_MASK, kyoyu_encode_stage_run, f->enc);
	else
		kyoyu_inbox_set_mask(kyoyu_stage_inbox(f->h->stage), ENCODE_MASK);
	return f;
}

static void stop(fixture *f)
{
	harness_stop(f->h);
	kyoyu_encode_stage_free(f->enc);
	/* The stage never changed a frame while the codec held it: it
	 * changes its own copy (the top-off's flags, the cap's damage). */
	assert_int_equal(atomic_load(&f->h->fake->frames_changed), 0);
	harness_free(f->h);
	free(f);
}

/* Posts a WxH picture whose first pixel holds TAG, with DAMAGE. */
static int64_t post_frame(fixture *f, uint32_t w, uint32_t h, uint32_t tag, kyoyu_rect damage)
{
	kyoyu_msg *msg = kyoyu_msg_new(KYOYU_MSG_FRAME);

	assert_non_null(msg);
	size_t bytes = kyoyu_frame_layout(&msg->u.frame, KYOYU_PIXFMT_BGRX, w, h);
	int64_t time = msg->time_us;
	msg->buf = kyoyu_buffer_new(bytes);
	memcpy(kyoyu_buffer_data(msg->buf), &tag, sizeof(tag));
	kyoyu_region_add(&msg->u.frame.damage, damage);
	assert_int_equal(kyoyu_bus_post(f->h->bus, msg), 0);
	return time;
}

static uint32_t tag_of(const kyoyu_msg *msg)
{
	uint32_t tag;

	memcpy(&tag, kyoyu_buffer_data(msg->buf), sizeof(tag));
	return tag;
}

/* The next packet the stage posted, which the caller releases. */
static kyoyu_msg *next_packet(fixture *f)
{
	kyoyu_msg *msg;

	if (!harness_next(f->h, &msg, 20))
		fail_msg("no packet within 20 s");
	assert_int_equal(msg->type, KYOYU_MSG_PACKET);
	return msg;
}

static void expect_no_output(fixture *f, double seconds)
{
	kyoyu_msg *msg;

	if (harness_next(f->h, &msg, seconds))
		fail_msg("unexpected %s message (packet flags %#x)",
			 kyoyu_msg_type_name(msg->type), msg->u.packet.flags);
}

/* Posts a whole 64x48 picture and returns when its packet was encoded. */
static int64_t encode_first_picture(fixture *f)
{
	post_frame(f, 64, 48, 1, (kyoyu_rect){0, 0, 64, 48});
	kyoyu_msg *first = next_packet(f);
	int64_t at = first->u.packet.encoded_us;
	kyoyu_msg_unref(first);
	return at;
}

/* Returns once the stage holds a picture for the link (fails after 20 s). */
static void wait_for_held_picture(fixture *f)
{
	kyoyu_encode_stats stats;

	for (int i = 0; i < 2000; i++) {
		kyoyu_encode_stage_get_stats(f->enc, &stats);
		if (stats.held_for_link)
			return;
		usleep(10000);
	}
	fail_msg("the stage held no picture for the link within 20 s");
}

static void test_encode_stage_encodes_only_the_latest_frame(void **state)
{
	fixture *f = start(30, 0, NULL, false);
	kyoyu_encode_stats stats;

	(void)state;
	/* Three pictures wait before the stage runs: only the newest goes. */
	post_frame(f, 64, 48, 1, (kyoyu_rect){0, 0, 2, 2});
	post_frame(f, 64, 48, 2, (kyoyu_rect){10, 10, 2, 2});
	int64_t newest = post_frame(f, 64, 48, 3, (kyoyu_rect){20, 20, 2, 2});
	harness_start(f->h, ENCODE_MASK, kyoyu_encode_stage_run, f->enc);
	kyoyu_msg *pkt = next_packet(f);
	assert_int_equal(tag_of(pkt), 3);
	/* The first picture of a stream is a keyframe of the whole screen. */
	assert_true(pkt->u.packet.flags & KYOYU_PACKET_KEYFRAME);
	assert_int_equal(pkt->u.packet.codec, KYOYU_CODEC_VP8);
	assert_int_equal(pkt->u.packet.capture_us, newest);
	assert_int_equal(pkt->time_us, newest);
	assert_true(pkt->u.packet.encoded_us >= newest);
	kyoyu_msg_unref(pkt);
	expect_no_output(f, 0.2);
	kyoyu_encode_stage_get_stats(f->enc, &stats);
	assert_int_equal(stats.frames_in, 1);
	assert_int_equal(stats.frames_encoded, 1);
	assert_int_equal(stats.keyframes, 1);
	fake_codec_frame fr = harness_frame(f->h, 0);
	assert_true(fr.flags & KYOYU_FRAME_KEY);
	assert_int_equal(kyoyu_region_area(&fr.damage), 64 * 48);
	assert_int_equal(atomic_load(&f->h->fake->bitrate_kbps), 700);
	stop(f);
}

static void test_encode_stage_frame_rate_cap_merges_damage(void **state)
{
	/* One frame a second: what arrives in between waits and merges. */
	fixture *f = start(1, 0, NULL, true);

	(void)state;
	int64_t first_at = encode_first_picture(f);
	post_frame(f, 64, 48, 2, (kyoyu_rect){0, 0, 4, 4});
	post_frame(f, 64, 48, 3, (kyoyu_rect){30, 30, 4, 4});
	post_frame(f, 64, 48, 4, (kyoyu_rect){60, 44, 4, 4});
	kyoyu_msg *second = next_packet(f);
	assert_int_equal(tag_of(second), 4);
	assert_false(second->u.packet.flags & KYOYU_PACKET_KEYFRAME);
	/* Not before the cap allows: it lets a picture go a quarter of an
	 * interval early (less a little for clock rounding). */
	assert_true(second->u.packet.encoded_us - first_at >= 740000);
	kyoyu_msg_unref(second);
	fake_codec_frame fr = harness_frame(f->h, 1);
	assert_int_equal(fr.damage.n, 3);
	assert_int_equal(kyoyu_region_area(&fr.damage), 3 * 16);
	kyoyu_encode_stats stats;
	assert_true(WAIT_UNTIL((kyoyu_encode_stage_get_stats(f->enc, &stats),
				stats.frames_encoded == 2), 20));
	stop(f);
}

/* A capture paced at the cap's rate hands pictures over a little early
 * now and then: such a picture goes at once, not when the interval ends. */
static void test_encode_stage_frame_rate_cap_takes_a_picture_a_little_early(void **state)
{
	fixture *f = start(1, 0, NULL, true);

	(void)state;
	int64_t first_at = encode_first_picture(f);
	/* 200 ms before the interval ends: within its early quarter. */
	int64_t early_us = first_at + 800000 - kyoyu_now_us();
	if (early_us > 0)
		usleep((useconds_t)early_us);
	int64_t posted = post_frame(f, 64, 48, 2, (kyoyu_rect){0, 0, 4, 4});
	kyoyu_msg *second = next_packet(f);
	assert_int_equal(tag_of(second), 2);
	int64_t waited = second->u.packet.encoded_us - posted;
	if (waited >= 150000)
		fail_msg("the picture waited %lld ms for the end of the interval",
			 (long long)waited / 1000);
	kyoyu_msg_unref(second);
	stop(f);
}

/* Pictures offered faster than the cap still go at its rate on average:
 * going early does not add up. */
static void test_encode_stage_frame_rate_cap_holds_on_average(void **state)
{
	fixture *f = start(20, 0, NULL, true);
	kyoyu_encode_stats stats;

	(void)state;
	kyoyu_msg *pkt;
	int64_t began = kyoyu_now_us();
	for (uint32_t i = 0; kyoyu_now_us() - began < 1500000; i++) {
		post_frame(f, 64, 48, i, (kyoyu_rect){0, 0, 4, 4});
		/* Taken as they come, as the link would: a packet left in
		 * the inbox holds the next picture back. */
		while (harness_next(f->h, &pkt, 0.005))
			kyoyu_msg_unref(pkt);
	}
	int64_t spent = kyoyu_now_us() - began;
	kyoyu_encode_stage_get_stats(f->enc, &stats);
	/* 20 a second, the first at once, and one more that may be due. */
	uint64_t most = 2 + (uint64_t)(spent * 20 / 1000000);
	if (stats.frames_encoded > most)
		fail_msg("%llu pictures encoded in %lld ms at 20 fps (at most %llu)",
			 (unsigned long long)stats.frames_encoded, (long long)spent / 1000,
			 (unsigned long long)most);
	assert_true(stats.frames_encoded >= most / 2);
	while (harness_next(f->h, &pkt, 0.2))
		kyoyu_msg_unref(pkt);
	stop(f);
}

static void test_encode_stage_topoff_sends_three_refines_then_nothing(void **state)
{
	fixture *f = start(30, 100, NULL, true);
	kyoyu_encode_stats stats;

	(void)state;
	/* The fake codec's top-off (12 KB) is small beside what 100 Mbit/s
	 * carries in 100 ms: it sharpened all there was, and no more than the
	 * three top-offs every still picture gets follow. */
	kyoyu_bus_post_value(f->h->bus, KYOYU_MSG_BITRATE, 100000);
	post_frame(f, 64, 48, 7, (kyoyu_rect){0, 0, 64, 48});
	kyoyu_msg *pkt = next_packet(f);
	assert_false(pkt->u.packet.flags & KYOYU_PACKET_REFINE);
	kyoyu_msg_unref(pkt);
	/* The screen stays still: a refinement of the same picture ... */
	pkt = next_packet(f);
	assert_true(pkt->u.packet.flags & KYOYU_PACKET_REFINE);
	assert_int_equal(tag_of(pkt), 7);
	kyoyu_msg_unref(pkt);
	fake_codec_frame fr = harness_frame(f->h, 1);
	assert_true(fr.flags & KYOYU_FRAME_REFINE);
	assert_false(fr.flags & KYOYU_FRAME_KEY);
	assert_int_equal(kyoyu_region_area(&fr.damage), 64 * 48);
	for (int i = 0; i < 2; i++) {
		pkt = next_packet(f);
		assert_true(pkt->u.packet.flags & KYOYU_PACKET_REFINE);
		kyoyu_msg_unref(pkt);
	}
	/* ... then an idle screen costs nothing. */
	expect_no_output(f, 0.6);
	kyoyu_encode_stage_get_stats(f->enc, &stats);
	assert_int_equal(stats.refinements, 3);
	assert_int_equal(stats.frames_encoded, 4);
	/* A change starts the cycle again, without the refine flag. */
	post_frame(f, 64, 48, 8, (kyoyu_rect){1, 1, 1, 1});
	pkt = next_packet(f);
	assert_false(pkt->u.packet.flags & KYOYU_PACKET_REFINE);
	kyoyu_msg_unref(pkt);
	pkt = next_packet(f);
	assert_true(pkt->u.packet.flags & KYOYU_PACKET_REFINE);
	assert_int_equal(tag_of(pkt), 8);
	kyoyu_msg_unref(pkt);
	stop(f);
}

/* The link is behind while the last packet has not been taken (here: the
 * test holds it, as the transport's inbox holds it while the socket has no
 * room).  Pictures then wait before the encoder, merging their damage,
 * and nothing encoded is thrown away: no keyframe is needed after. */
static void test_encode_stage_waits_for_the_link_before_encoding(void **state)
{
	fixture *f = start(100, 0, NULL, true);
	kyoyu_encode_stats stats;

	(void)state;
	post_frame(f, 64, 48, 1, (kyoyu_rect){0, 0, 64, 48});
	kyoyu_msg *first = next_packet(f);
	kyoyu_msg *held = kyoyu_msg_ref(first);
	kyoyu_msg_unref(first);
	post_frame(f, 64, 48, 2, (kyoyu_rect){0, 0, 4, 4});
	post_frame(f, 64, 48, 3, (kyoyu_rect){30, 30, 4, 4});
	/* On a loaded machine the stage may take a while to find the
	 * picture due; once it holds one, nothing leaves. */
	wait_for_held_picture(f);
	expect_no_output(f, 0.3);
	kyoyu_encode_stage_get_stats(f->enc, &stats);
	assert_int_equal(stats.frames_encoded, 1);
	assert_int_equal(stats.held_for_link, 1);
	post_frame(f, 64, 48, 4, (kyoyu_rect){60, 44, 4, 4});
	expect_no_output(f, 0.1);
	/* The packet leaves: the newest picture goes, with all that changed. */
	int64_t left = kyoyu_now_us();
	kyoyu_msg_unref(held);
	kyoyu_msg *next = next_packet(f);
	assert_int_equal(tag_of(next), 4);
	assert_false(next->u.packet.flags & KYOYU_PACKET_KEYFRAME);
	/* The stage looks every 5 ms; the bound leaves room for a loaded
	 * machine, and a stage that never looked would not send at all. */
	assert_true(next->u.packet.encoded_us - left < 1000000);
	kyoyu_msg_unref(next);
	fake_codec_frame fr = harness_frame(f->h, 1);
	assert_false(fr.flags & KYOYU_FRAME_KEY);
	assert_int_equal(kyoyu_region_area(&fr.damage), 3 * 16);
	kyoyu_encode_stage_get_stats(f->enc, &stats);
	assert_int_equal(stats.frames_encoded, 2);
	assert_int_equal(stats.keyframes, 1);
	assert_int_equal(stats.held_for_link, 1);
	stop(f);
}

/* A top-off that fills a good part of what the bitrate carries in
 * topoff_ms (the fake's 12 KB at 700 kbit/s: 100 ms carry 8.75 KB) may have
 * been held back by the codec's rate control: another follows, every
 * topoff_ms, at most 16 for one still picture. */
static void test_encode_stage_topoffs_repeat_while_they_fill_the_link(void **state)
{
	fixture *f = start(30, 100, NULL, true);
	kyoyu_encode_stats stats;
	int64_t prev = 0;

	(void)state;
	post_frame(f, 64, 48, 7, (kyoyu_rect){0, 0, 64, 48});
	kyoyu_msg *pkt = next_packet(f);
	kyoyu_msg_unref(pkt);
	for (int i = 0; i < 16; i++) {
		pkt = next_packet(f);
		assert_true(pkt->u.packet.flags & KYOYU_PACKET_REFINE);
		assert_int_equal(tag_of(pkt), 7);
		if (prev)
			assert_true(pkt->u.packet.encoded_us - prev >= 95000);
		prev = pkt->u.packet.encoded_us;
		kyoyu_msg_unref(pkt);
	}
	expect_no_output(f, 0.5);
	kyoyu_encode_stage_get_stats(f->enc, &stats);
	assert_int_equal(stats.refinements, 16);
	/* A change starts the count again. */
	post_frame(f, 64, 48, 8, (kyoyu_rect){1, 1, 1, 1});
	pkt = next_packet(f);
	assert_false(pkt->u.packet.flags & KYOYU_PACKET_REFINE);
	kyoyu_msg_unref(pkt);
	pkt = next_packet(f);
	assert_true(pkt->u.packet.flags & KYOYU_PACKET_REFINE);
	assert_int_equal(tag_of(pkt), 8);
	kyoyu_msg_unref(pkt);
	stop(f);
}

static void test_encode_stage_keyframe_request_marks_next_frame(void **state)
{
	fixture *f = start(100, 0, NULL, true);

	(void)state;
	post_frame(f, 64, 48, 1, (kyoyu_rect){0, 0, 1, 1});
	kyoyu_msg *pkt = next_packet(f);
	kyoyu_msg_unref(pkt);
	post_frame(f, 64, 48, 2, (kyoyu_rect){0, 0, 1, 1});
	pkt = next_packet(f);
	assert_false(pkt->u.packet.flags & KYOYU_PACKET_KEYFRAME);
	kyoyu_msg_unref(pkt);
	kyoyu_bus_post_value(f->h->bus, KYOYU_MSG_KEYFRAME_REQUEST, 0);
	post_frame(f, 64, 48, 3, (kyoyu_rect){0, 0, 1, 1});
	pkt = next_packet(f);
	assert_true(pkt->u.packet.flags & KYOYU_PACKET_KEYFRAME);
	assert_int_equal(tag_of(pkt), 3);
	kyoyu_msg_unref(pkt);
	assert_int_equal(atomic_load(&f->h->fake->keyframe_requests), 1);
	assert_true(harness_frame(f->h, 2).flags & KYOYU_FRAME_KEY);
	stop(f);
}

/* A viewer that asks for a keyframe with every picture (or floods the
 * requests) gets one at most every 250 ms, the first at once: the limit
 * lives here, not in each transport. */
static void test_encode_stage_honours_keyframe_requests_at_most_every_250_ms(void **state)
{
	fixture *f = start(1000, 0, NULL, true);
	unsigned keys = 0;

	(void)state;
	post_frame(f, 64, 48, 0, (kyoyu_rect){0, 0, 1, 1});
	kyoyu_msg_unref(next_packet(f)); /* the first picture: a keyframe anyway */
	int64_t begin = kyoyu_now_us();
	for (uint32_t i = 1; i <= 30; i++) {
		for (int k = 0; k < 10; k++)
			kyoyu_bus_post_value(f->h->bus, KYOYU_MSG_KEYFRAME_REQUEST, 0);
		post_frame(f, 64, 48, i, (kyoyu_rect){0, 0, 1, 1});
		kyoyu_msg *pkt = next_packet(f);
		assert_int_equal(tag_of(pkt), i);
		if (pkt->u.packet.flags & KYOYU_PACKET_KEYFRAME)
			keys++;
		/* The request of the first round is honoured at once. */
		if (i == 1)
			assert_int_equal(keys, 1);
		kyoyu_msg_unref(pkt);
		struct timespec pause = {0, 20 * 1000 * 1000};
		nanosleep(&pause, NULL);
	}
	int64_t span = kyoyu_now_us() - begin;
	print_message("# %u keyframes for 300 requests in %lld ms\n", keys,
		      (long long)(span / 1000));
	assert_true(keys <= 1 + span / 250000);
	/* 30 rounds of 20 ms outlast the interval: a later request counts. */
	assert_true(keys >= 2);
	assert_int_equal(atomic_load(&f->h->fake->keyframe_requests), keys);
	stop(f);
}

static void test_encode_stage_size_change_reopens_with_keyframe(void **state)
{
	fixture *f = start(100, 0, NULL, true);

	(void)state;
	post_frame(f, 64, 48, 1, (kyoyu_rect){0, 0, 1, 1});
	kyoyu_msg *pkt = next_packet(f);
	kyoyu_msg_unref(pkt);
	post_frame(f, 32, 16, 2, (kyoyu_rect){0, 0, 1, 1});
	pkt = next_packet(f);
	assert_true(pkt->u.packet.flags & KYOYU_PACKET_KEYFRAME);
	assert_int_equal(pkt->u.packet.width, 32);
	assert_int_equal(pkt->u.packet.height, 16);
	kyoyu_msg_unref(pkt);
	assert_int_equal(atomic_load(&f->h->fake->encoder_opens), 2);
	assert_int_equal(atomic_load(&f->h->fake->closes), 1);
	fake_codec_frame fr = harness_frame(f->h, 1);
	assert_true(fr.flags & KYOYU_FRAME_KEY);
	assert_int_equal(kyoyu_region_area(&fr.damage), 32 * 16);
	stop(f);
	/* Stopping the stage closed the encoder. */
}

static void test_encode_stage_bitrate_and_framerate_messages(void **state)
{
	fixture *f = start(100, 0, NULL, true);

	(void)state;
	post_frame(f, 64, 48, 1, (kyoyu_rect){0, 0, 1, 1});
	kyoyu_msg *pkt = next_packet(f);
	kyoyu_msg_unref(pkt);
	kyoyu_bus_post_value(f->h->bus, KYOYU_MSG_BITRATE, 250);
	assert_true(WAIT_UNTIL(atomic_load(&f->h->fake->bitrate_kbps) == 250, 20));
	/* Nonsense values are ignored. */
	kyoyu_bus_post_value(f->h->bus, KYOYU_MSG_BITRATE, -5);
	kyoyu_bus_post_value(f->h->bus, KYOYU_MSG_FRAMERATE, 100000);
	post_frame(f, 64, 48, 2, (kyoyu_rect){0, 0, 1, 1});
	pkt = next_packet(f);
	kyoyu_msg_unref(pkt);
	assert_int_equal(atomic_load(&f->h->fake->bitrate_kbps), 250);
	stop(f);
}

static void test_encode_stage_several_packets_per_frame(void **state)
{
	static const char *const args[] = {"codec.packets_per_frame=3", NULL};
	fixture *f = start(100, 0, args, true);
	kyoyu_encode_stats stats;

	(void)state;
	post_frame(f, 64, 48, 1, (kyoyu_rect){0, 0, 1, 1});
	for (int i = 0; i < 3; i++) {
		kyoyu_msg *pkt = next_packet(f);
		assert_int_equal(tag_of(pkt), 1);
		kyoyu_msg_unref(pkt);
	}
	/* The stage counts a packet just after posting it. */
	assert_true(WAIT_UNTIL((kyoyu_encode_stage_get_stats(f->enc, &stats),
				stats.packets == 3), 20));
	assert_int_equal(stats.bytes, 3 * 64 * 48 * 4);
	stop(f);
}

static void test_encode_stage_pause_drops_waiting_frame(void **state)
{
	fixture *f = start(1, 0, NULL, true);

	(void)state;
	post_frame(f, 64, 48, 1, (kyoyu_rect){0, 0, 1, 1});
	kyoyu_msg *pkt = next_packet(f);
	kyoyu_msg_unref(pkt);
	/* This one waits for the cap; the pause must throw it away. */
	post_frame(f, 64, 48, 2, (kyoyu_rect){0, 0, 1, 1});
	kyoyu_encode_stats stats;
	assert_true(WAIT_UNTIL((kyoyu_encode_stage_get_stats(f->enc, &stats),
				stats.frames_in == 2), 20));
	kyoyu_msg *paused = kyoyu_msg_new(KYOYU_MSG_STATE);
	assert_non_null(paused);
	paused->u.state.state = KYOYU_STATE_PAUSED;
	kyoyu_bus_post(f->h->bus, paused);
	expect_no_output(f, 1.5);
	/* After the pause, the next picture stands on its own. */
	post_frame(f, 64, 48, 3, (kyoyu_rect){0, 0, 1, 1});
	pkt = next_packet(f);
	assert_int_equal(tag_of(pkt), 3);
	assert_true(pkt->u.packet.flags & KYOYU_PACKET_KEYFRAME);
	kyoyu_msg_unref(pkt);
	stop(f);
}

static void test_encode_stage_three_failures_post_an_error(void **state)
{
	fixture *f = start(100, 0, NULL, true);
	kyoyu_msg *msg;

	(void)state;
	atomic_store(&f->h->fake->fail_sends, 3);
	for (uint32_t i = 1; i <= 2; i++) {
		post_frame(f, 64, 48, i, (kyoyu_rect){0, 0, 1, 1});
		assert_true(WAIT_UNTIL(atomic_load(&f->h->fake->fail_sends) == 3 - (int)i, 20));
	}
	/* Two failures in a row are survivable. */
	expect_no_output(f, 0.3);
	post_frame(f, 64, 48, 3, (kyoyu_rect){0, 0, 1, 1});
	assert_true(harness_next(f->h, &msg, 20));
	assert_int_equal(msg->type, KYOYU_MSG_ERROR);
	assert_int_equal(msg->u.value, -EIO);
	assert_non_null(msg->buf);
	assert_non_null(strstr((const char *)kyoyu_buffer_data(msg->buf), "encoder"));
	kyoyu_msg_unref(msg);
	kyoyu_encode_stats stats;
	kyoyu_encode_stage_get_stats(f->enc, &stats);
	assert_int_equal(stats.errors, 3);
	/* Each failure closed the encoder; the next frame reopens it. */
	post_frame(f, 64, 48, 4, (kyoyu_rect){0, 0, 1, 1});
	kyoyu_msg *pkt = next_packet(f);
	assert_true(pkt->u.packet.flags & KYOYU_PACKET_KEYFRAME);
	kyoyu_msg_unref(pkt);
	stop(f);
}

static void test_encode_stage_failures_must_be_consecutive(void **state)
{
	fixture *f = start(100, 0, NULL, true);

	(void)state;
	for (uint32_t round = 0; round < 2; round++) {
		atomic_store(&f->h->fake->fail_sends, 2);
		for (uint32_t i = 0; i < 2; i++) {
			post_frame(f, 64, 48, i, (kyoyu_rect){0, 0, 1, 1});
			assert_true(WAIT_UNTIL(atomic_load(&f->h->fake->fail_sends) == 1 - (int)i,
					       20));
		}
		post_frame(f, 64, 48, 9, (kyoyu_rect){0, 0, 1, 1});
		kyoyu_msg *pkt = next_packet(f); /* a success, not an ERROR */
		kyoyu_msg_unref(pkt);
	}
	stop(f);
}

static void test_encode_stage_failed_open_counts_as_failure(void **state)
{
	fixture *f = start(100, 0, NULL, true);
	kyoyu_msg *msg;

	(void)state;
	atomic_store(&f->h->fake->fail_opens, 3);
	for (uint32_t i = 1; i <= 3; i++)
		post_frame(f, 64, 48, i, (kyoyu_rect){0, 0, 1, 1});
	/* Frames posted at once merge on the bus; keep posting until the
	 * third failure has happened. */
	for (uint32_t i = 4; i < 100 && atomic_load(&f->h->fake->fail_opens) > 0; i++) {
		post_frame(f, 64, 48, i, (kyoyu_rect){0, 0, 1, 1});
		usleep(20000);
	}
	assert_true(harness_next(f->h, &msg, 20));
	assert_int_equal(msg->type, KYOYU_MSG_ERROR);
	kyoyu_msg_unref(msg);
	stop(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_encode_stage_encodes_only_the_latest_frame),
		cmocka_unit_test(test_encode_stage_frame_rate_cap_merges_damage),
		cmocka_unit_test(test_encode_stage_frame_rate_cap_takes_a_picture_a_little_early),
		cmocka_unit_test(test_encode_stage_frame_rate_cap_holds_on_average),
		cmocka_unit_test(test_encode_stage_topoff_sends_three_refines_then_nothing),
		cmocka_unit_test(test_encode_stage_topoffs_repeat_while_they_fill_the_link),
		cmocka_unit_test(test_encode_stage_waits_for_the_link_before_encoding),
		cmocka_unit_test(test_encode_stage_keyframe_request_marks_next_frame),
		cmocka_unit_test(test_encode_stage_honours_keyframe_requests_at_most_every_250_ms),
		cmocka_unit_test(test_encode_stage_size_change_reopens_with_keyframe),
		cmocka_unit_test(test_encode_stage_bitrate_and_framerate_messages),
		cmocka_unit_test(test_encode_stage_several_packets_per_frame),
		cmocka_unit_test(test_encode_stage_pause_drops_waiting_frame),
		cmocka_unit_test(test_encode_stage_three_failures_post_an_error),
		cmocka_unit_test(test_encode_stage_failures_must_be_consecutive),
		cmocka_unit_test(test_encode_stage_failed_open_counts_as_failure),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
