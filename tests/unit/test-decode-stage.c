/* SPDX-License-Identifier: MIT */
/* The decode stage with the fake codec: keyframes first, skipping after a
 * loss with a (rate-limited) keyframe request, recovery from decoder
 * errors, streams nobody decodes. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "decode-stage.h"
#include "stage-harness.h"

#define DECODE_MASK (KYOYU_MSG_BIT(KYOYU_MSG_PACKET) | KYOYU_MSG_BIT(KYOYU_MSG_STATE))
#define OUT_MASK (KYOYU_MSG_BIT(KYOYU_MSG_FRAME) | KYOYU_MSG_BIT(KYOYU_MSG_KEYFRAME_REQUEST))

typedef struct fixture {
	harness *h;
	kyoyu_instance *decoders[2];
	kyoyu_decode_stage *dec;
} fixture;

/* A FourCC no plugin decodes. */
#define UNKNOWN_CODEC KYOYU_FOURCC('A', 'V', '0', '1')

/* A decode stage giving FORMAT pictures (the fake codec gives BGRX). */
static fixture *start(uint32_t format)
{
	fixture *f = calloc(1, sizeof(*f));

	f->h = harness_new(NULL, OUT_MASK);
	f->decoders[0] = f->h->codec;
	f->dec = kyoyu_decode_stage_new(f->decoders, format);
	harness_start(f->h, DECODE_MASK, kyoyu_decode_stage_run, f->dec);
	return f;
}

static int setup(void **state)
{
	*state = start(KYOYU_PIXFMT_BGRX);
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;

	harness_stop(f->h);
	kyoyu_decode_stage_free(f->dec);
	harness_free(f->h);
	free(f);
	return 0;
}

/* Posts an 8x8 "packet" (the fake codec's bitstream is the pixels) whose
 * first pixel holds TAG. */
static void post_packet(fixture *f, uint32_t codec, uint32_t flags, uint32_t tag)
{
	kyoyu_msg *msg = kyoyu_msg_new(KYOYU_MSG_PACKET);

	assert_non_null(msg);
	msg->u.packet = (kyoyu_packet_info){.codec = codec, .flags = flags, .width = 8,
					    .height = 8, .capture_us = 1000 + tag};
	msg->buf = kyoyu_buffer_new(8 * 8 * 4);
	memcpy(kyoyu_buffer_data(msg->buf), &tag, sizeof(tag));
	assert_int_equal(kyoyu_bus_post(f->h->bus, msg), 0);
}

static uint32_t next_frame_tag(fixture *f)
{
	kyoyu_msg *msg;
	uint32_t tag;

	if (!harness_next(f->h, &msg, 20))
		fail_msg("no frame within 20 s");
	if (msg->type != KYOYU_MSG_FRAME)
		fail_msg("expected a frame, got a %s message", kyoyu_msg_type_name(msg->type));
	assert_int_equal(msg->u.frame.format, KYOYU_PIXFMT_BGRX);
	assert_int_equal(msg->u.frame.width, 8);
	memcpy(&tag, kyoyu_buffer_data(msg->buf), sizeof(tag));
	/* Displays measure latency from the capture time it carries. */
	assert_int_equal(msg->time_us, 1000 + tag);
	kyoyu_msg_unref(msg);
	return tag;
}

static void expect_keyframe_request(fixture *f)
{
	kyoyu_msg *msg;

	assert_true(harness_next(f->h, &msg, 20));
	assert_string_equal(kyoyu_msg_type_name(msg->type), "keyframe-request");
	kyoyu_msg_unref(msg);
}

/* Waits until the stage has taken N packets in all. */
static void wait_packets(fixture *f, uint64_t n)
{
	kyoyu_decode_stats st;

	assert_true(WAIT_UNTIL((kyoyu_decode_stage_get_stats(f->dec, &st), st.packets >= n), 20));
}

static void expect_nothing(fixture *f)
{
	kyoyu_msg *msg;

	if (kyoyu_inbox_pop(f->h->out, &msg, 0) == 0)
		fail_msg("unexpected %s message", kyoyu_msg_type_name(msg->type));
}

static void test_decode_stage_decodes_keyframe_then_deltas(void **state)
{
	fixture *f = *state;
	kyoyu_decode_stats st;

	post_packet(f, KYOYU_CODEC_VP9, KYOYU_PACKET_KEYFRAME, 1);
	assert_int_equal(next_frame_tag(f), 1);
	post_packet(f, KYOYU_CODEC_VP9, 0, 2);
	assert_int_equal(next_frame_tag(f), 2);
	/* The stage counts a frame just after posting it. */
	assert_true(WAIT_UNTIL((kyoyu_decode_stage_get_stats(f->dec, &st), st.frames == 2),
			       20));
	assert_int_equal(st.skipped, 0);
	assert_int_equal(atomic_load(&f->h->fake->decoder_opens), 1);
	expect_nothing(f);
}

static void test_decode_stage_waits_for_first_keyframe(void **state)
{
	fixture *f = *state;

	post_packet(f, KYOYU_CODEC_VP9, 0, 1);
	expect_keyframe_request(f);
	post_packet(f, KYOYU_CODEC_VP9, KYOYU_PACKET_KEYFRAME, 2);
	assert_int_equal(next_frame_tag(f), 2);
}

static void test_decode_stage_skips_after_discont_until_keyframe(void **state)
{
	fixture *f = *state;
	kyoyu_decode_stats st;

	post_packet(f, KYOYU_CODEC_VP9, KYOYU_PACKET_KEYFRAME, 1);
	assert_int_equal(next_frame_tag(f), 1);
	/* Packets were lost before this one: it cannot be decoded. */
	post_packet(f, KYOYU_CODEC_VP9, KYOYU_PACKET_DISCONT, 2);
	expect_keyframe_request(f);
	post_packet(f, KYOYU_CODEC_VP9, 0, 3);
	post_packet(f, KYOYU_CODEC_VP9, 0, 4);
	wait_packets(f, 4);
	/* Still skipping, and not asking again within half a second. */
	expect_nothing(f);
	kyoyu_decode_stage_get_stats(f->dec, &st);
	assert_int_equal(st.skipped, 3);
	assert_int_equal(st.keyframe_requests, 1);
	post_packet(f, KYOYU_CODEC_VP9, KYOYU_PACKET_KEYFRAME, 5);
	assert_int_equal(next_frame_tag(f), 5);
	post_packet(f, KYOYU_CODEC_VP9, 0, 6);
	assert_int_equal(next_frame_tag(f), 6);
}

static void test_decode_stage_repeats_keyframe_request_while_waiting(void **state)
{
	fixture *f = *state;

	post_packet(f, KYOYU_CODEC_VP9, 0, 1);
	expect_keyframe_request(f);
	usleep(600000);
	post_packet(f, KYOYU_CODEC_VP9, 0, 2);
	expect_keyframe_request(f);
}

static void test_decode_stage_recovers_from_decoder_error(void **state)
{
	fixture *f = *state;

	post_packet(f, KYOYU_CODEC_VP9, KYOYU_PACKET_KEYFRAME, 1);
	assert_int_equal(next_frame_tag(f), 1);
	atomic_store(&f->h->fake->fail_sends, 1);
	post_packet(f, KYOYU_CODEC_VP9, 0, 2);
	expect_keyframe_request(f);
	/* A fresh decoder, waiting for a keyframe. */
	assert_int_equal(atomic_load(&f->h->fake->decoder_opens), 2);
	post_packet(f, KYOYU_CODEC_VP9, 0, 3);
	post_packet(f, KYOYU_CODEC_VP9, KYOYU_PACKET_KEYFRAME, 4);
	assert_int_equal(next_frame_tag(f), 4);
	kyoyu_decode_stats st;
	kyoyu_decode_stage_get_stats(f->dec, &st);
	assert_int_equal(st.errors, 1);
	assert_int_equal(st.skipped, 1);
}

static void test_decode_stage_survives_stream_nobody_decodes(void **state)
{
	fixture *f = *state;
	kyoyu_decode_stats st;

	post_packet(f, UNKNOWN_CODEC, KYOYU_PACKET_KEYFRAME, 1);
	post_packet(f, UNKNOWN_CODEC, 0, 2);
	wait_packets(f, 2);
	kyoyu_decode_stage_get_stats(f->dec, &st);
	assert_int_equal(st.errors, 2);
	assert_int_equal(st.frames, 0);
	/* A stream it can decode still works afterwards. */
	post_packet(f, KYOYU_CODEC_H264, KYOYU_PACKET_KEYFRAME, 3);
	assert_int_equal(next_frame_tag(f), 3);
}

static void test_decode_stage_codec_change_reopens_decoder(void **state)
{
	fixture *f = *state;

	post_packet(f, KYOYU_CODEC_VP9, KYOYU_PACKET_KEYFRAME, 1);
	assert_int_equal(next_frame_tag(f), 1);
	post_packet(f, KYOYU_CODEC_VP8, KYOYU_PACKET_KEYFRAME, 2);
	assert_int_equal(next_frame_tag(f), 2);
	assert_int_equal(atomic_load(&f->h->fake->decoder_opens), 2);
	assert_int_equal(atomic_load(&f->h->fake->closes), 1);
}

static void test_decode_stage_new_decoder_waits_for_keyframe(void **state)
{
	fixture *f = *state;

	post_packet(f, KYOYU_CODEC_VP9, KYOYU_PACKET_KEYFRAME, 1);
	assert_int_equal(next_frame_tag(f), 1);
	/* A fresh decoder for another codec cannot start from a delta. */
	post_packet(f, KYOYU_CODEC_VP8, 0, 2);
	expect_keyframe_request(f);
	post_packet(f, KYOYU_CODEC_VP8, KYOYU_PACKET_KEYFRAME, 3);
	assert_int_equal(next_frame_tag(f), 3);
}

static void test_decode_stage_pause_waits_for_a_keyframe(void **state)
{
	fixture *f = *state;

	post_packet(f, KYOYU_CODEC_VP9, KYOYU_PACKET_KEYFRAME, 1);
	assert_int_equal(next_frame_tag(f), 1);
	kyoyu_msg *paused = kyoyu_msg_new(KYOYU_MSG_STATE);
	assert_non_null(paused);
	paused->u.state.state = KYOYU_STATE_PAUSED;
	kyoyu_bus_post(f->h->bus, paused);
	post_packet(f, KYOYU_CODEC_VP9, 0, 2);
	expect_keyframe_request(f);
	post_packet(f, KYOYU_CODEC_VP9, KYOYU_PACKET_KEYFRAME, 3);
	assert_int_equal(next_frame_tag(f), 3);
}

/* The decoder is opened for the format the core chose; one that cannot give
 * it is not used, and the stream counts as one nobody decodes. */
static void test_decode_stage_opens_decoder_for_the_chosen_format(void **state)
{
	fixture *f = start(KYOYU_PIXFMT_I420);
	kyoyu_decode_stats st;

	(void)state;
	post_packet(f, KYOYU_CODEC_VP9, KYOYU_PACKET_KEYFRAME, 1);
	wait_packets(f, 1);
	kyoyu_decode_stage_get_stats(f->dec, &st);
	assert_int_equal(st.errors, 1);
	assert_int_equal(st.frames, 0);
	assert_int_equal(atomic_load(&f->h->fake->decoder_opens), 0);
	expect_nothing(f);
	teardown((void **)&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
		T(test_decode_stage_decodes_keyframe_then_deltas),
		T(test_decode_stage_waits_for_first_keyframe),
		T(test_decode_stage_skips_after_discont_until_keyframe),
		T(test_decode_stage_repeats_keyframe_request_while_waiting),
		T(test_decode_stage_recovers_from_decoder_error),
		T(test_decode_stage_survives_stream_nobody_decodes),
		T(test_decode_stage_codec_change_reopens_decoder),
		T(test_decode_stage_new_decoder_waits_for_keyframe),
		T(test_decode_stage_pause_waits_for_a_keyframe),
		cmocka_unit_test(test_decode_stage_opens_decoder_for_the_chosen_format),
#undef T
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
