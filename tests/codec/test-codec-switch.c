/* SPDX-License-Identifier: MIT */
/* codec.format = "auto" through the core's encode stage and the real codec
 * plugins: VP9 (vpx) first, going over to H.264 (x264) when the stage's own
 * timing says this PC cannot keep up.
 *
 * No hook makes the judge decide: the stage is asked for 240 pictures a
 * second (a picture due every 4.2 ms, the most a FRAMERATE message may
 * ask) of a 1280x720 screen that changes whole every picture, which VP9 does not
 * encode in 3.3 ms (80 % of that) on any PC, so the judge sees what it
 * sees on a slow PC at 30 a second.  The stage must then go over once, at
 * an H.264 keyframe that libavcodec (codec/avcodec) decodes on its own,
 * post one NOTICE CODEC_SWITCHED naming "h264", and never switch again;
 * without the viewer's word that it decodes H.264 it must stay VP9. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bus-priv.h"
#include "codec-harness.h"
#include "encode-stage.h"
#include "plugins/capture/testsrc/testsrc-scene.h"
#include "stage-priv.h"

#define WIDTH 1280
#define HEIGHT 720
#define MAX_FPS 240
/* The judge wants 0.75 s of slow pictures, then 1.5 s more of them: a
 * switch within 30 s of motion on a busy machine, or the stage never
 * judged. */
#define SWITCH_WITHIN_US 30000000
/* Motion after the switch: longer than the judge needs to decide again,
 * had it not stopped judging. */
#define AFTER_SWITCH_US 3000000
/* Motion with no viewer's word for H.264: as long as a switch took in
 * the other case, plus the judge's whole hold. */
#define UNTOLD_US 5000000
#define OUT_MASK                                                               \
	(KYOYU_MSG_BIT(KYOYU_MSG_PACKET) | KYOYU_MSG_BIT(KYOYU_MSG_NOTICE) |   \
	 KYOYU_MSG_BIT(KYOYU_MSG_ERROR))

typedef struct fixture {
	codec_harness vp9, h264, decoder;
	bool built;
	kyoyu_bus *bus;
	kyoyu_inbox *out; /* what the stage posts */
	kyoyu_stage *stage;
	kyoyu_encode_stage *enc;
	testsrc_scene scene;
	uint64_t tick;
} fixture;

/* What the stage posted, as the test saw it. */
typedef struct seen {
	unsigned vp9_packets, h264_packets, other_packets;
	unsigned notices;
	char notice_text[16];
	bool vp9_after_switch;  /* a VP9 packet came after the NOTICE */
	bool first_h264_is_key; /* the first packet after the NOTICE */
	bool first_h264_decoded; /* into a picture, on its own */
	bool h264_before_switch;
	unsigned decoded; /* H.264 pictures avcodec gave back */
	unsigned errors;
	int64_t switched_us; /* when the NOTICE came, or 0 */
} seen;

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	*state = f;
	/* VP9 at half size (codec.halve_when_behind) might keep up where the
	 * judge is what this test is about. */
	static const char *const vp9_settings[] = {"halve_when_behind=false", NULL};

	f->built = harness_open(&f->vp9, KYOYU_CODEC_VP9, "vpx", NULL, vp9_settings) &&
		   harness_open(&f->h264, KYOYU_CODEC_H264, "x264", NULL, NULL) &&
		   harness_open(&f->decoder, KYOYU_CODEC_H264, NULL, "avcodec", NULL);
	if (!f->built)
		return 0;
	harness_decoder_open(&f->decoder);
	assert_int_equal(testsrc_scene_init(&f->scene, WIDTH, HEIGHT, 30, TESTSRC_FULL), 0);
	kyoyu_encode_settings settings = {
		.codec = KYOYU_CODEC_VP9,
		.format = KYOYU_PIXFMT_BGRX,
		.bitrate_kbps = 2000,
		.max_fps = MAX_FPS,
		.cheap_codec = KYOYU_CODEC_H264,
	};
	f->bus = kyoyu_bus_new();
	f->out = kyoyu_bus_subscribe(f->bus, "test", OUT_MASK, 1024);
	f->stage = kyoyu_stage_new(f->bus, "encode");
	f->enc = kyoyu_encode_stage_new(f->vp9.enc, f->h264.enc, &settings);
	assert_non_null(f->enc);
	kyoyu_inbox_set_mask(kyoyu_stage_inbox(f->stage), KYOYU_ENCODE_STAGE_MASK);
	assert_int_equal(kyoyu_stage_start(f->stage, kyoyu_encode_stage_run, f->enc), 0);
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;

	if (f->built) {
		kyoyu_stage_free(f->stage);
		kyoyu_encode_stage_free(f->enc);
		kyoyu_inbox_free(f->out);
		kyoyu_bus_free(f->bus);
		testsrc_scene_fini(&f->scene);
	}
	harness_close(&f->vp9);
	harness_close(&f->h264);
	harness_close(&f->decoder);
	free(f);
	return 0;
}

/* The viewer's transport says the viewer decodes H.264 too. */
static void viewer_decodes_h264(fixture *f)
{
	kyoyu_msg *msg = kyoyu_msg_new(KYOYU_MSG_PEER);

	assert_non_null(msg);
	msg->u.peer.event = KYOYU_PEER_DECODES;
	msg->u.peer.codec = KYOYU_CODEC_H264;
	assert_int_equal(kyoyu_bus_post(f->bus, msg), 0);
}

/* The next picture of the screen, all of it changed. */
static void post_picture(fixture *f)
{
	kyoyu_region damage;

	kyoyu_region_clear(&damage);
	testsrc_scene_advance(&f->scene, ++f->tick, &damage);
	kyoyu_msg *frame = harness_frame(f->scene.canvas, WIDTH, HEIGHT, &damage, 0,
					 kyoyu_now_us());
	assert_int_equal(kyoyu_bus_post(f->bus, frame), 0);
}

static void take_packet(fixture *f, seen *s, const kyoyu_msg *pkt)
{
	const kyoyu_packet_info *info = &pkt->u.packet;

	if (info->codec == KYOYU_CODEC_VP9) {
		s->vp9_packets++;
		s->vp9_after_switch |= s->notices > 0;
		return;
	}
	if (info->codec != KYOYU_CODEC_H264) {
		s->other_packets++;
		return;
	}
	if (!s->notices) {
		s->h264_before_switch = true;
		return;
	}
	if (s->h264_packets++ == 0)
		s->first_h264_is_key = info->flags & KYOYU_PACKET_KEYFRAME;
	kyoyu_msg *picture = NULL;
	if (harness_decode(&f->decoder, pkt, &picture)) {
		s->errors++;
		return;
	}
	if (!picture)
		return;
	s->first_h264_decoded |= s->h264_packets == 1;
	assert_int_equal(picture->u.frame.width, WIDTH);
	assert_int_equal(picture->u.frame.height, HEIGHT);
	s->decoded++;
	kyoyu_msg_unref(picture);
}

/* Takes what the stage posted, waiting up to 2 ms for the first: packets
 * are taken at once, as a transport with room takes them, so the stage
 * never waits for the link and its encoder stays busy. */
static void take_output(fixture *f, seen *s)
{
	kyoyu_msg *msg;
	int wait_ms = 2;

	while (kyoyu_inbox_pop(f->out, &msg, wait_ms) == 0) {
		wait_ms = 0;
		if (msg->type == KYOYU_MSG_PACKET) {
			take_packet(f, s, msg);
		} else if (msg->type == KYOYU_MSG_NOTICE &&
			   msg->u.notice.kind == KYOYU_NOTICE_CODEC_SWITCHED) {
			if (!s->notices++)
				s->switched_us = kyoyu_now_us();
			size_t len = msg->buf ? kyoyu_buffer_size(msg->buf) : 0;
			if (len < sizeof(s->notice_text)) {
				memcpy(s->notice_text, kyoyu_buffer_data(msg->buf), len);
				s->notice_text[len] = '\0';
			}
		} else if (msg->type == KYOYU_MSG_ERROR) {
			s->errors++;
		}
		kyoyu_msg_unref(msg);
	}
}

/* Moves the screen for up to LIMIT_US, or until AFTER_US past a switch. */
static void move_screen(fixture *f, seen *s, int64_t limit_us, int64_t after_us)
{
	int64_t began = kyoyu_now_us();

	while (kyoyu_now_us() - began < limit_us &&
	       !(s->switched_us && kyoyu_now_us() - s->switched_us >= after_us)) {
		post_picture(f);
		take_output(f, s);
	}
	kyoyu_stage_free(f->stage); /* the stage drains and stops */
	f->stage = NULL;
	take_output(f, s);
}

static void test_codec_switch_goes_over_to_h264_once_at_a_keyframe(void **state)
{
	fixture *f = *state;
	seen s = {0};
	kyoyu_encode_stats stats;

	if (!f->built)
		skip();
	viewer_decodes_h264(f);
	int64_t began = kyoyu_now_us();
	move_screen(f, &s, SWITCH_WITHIN_US, AFTER_SWITCH_US);
	kyoyu_encode_stage_get_stats(f->enc, &stats);
	if (s.switched_us)
		print_message("# switched after %.1f s and %u VP9 packets; then %u H.264 "
			      "packets, %u decoded\n", (double)(s.switched_us - began) / 1e6,
			      s.vp9_packets, s.h264_packets, s.decoded);
	assert_int_equal(s.notices, 1);
	assert_string_equal(s.notice_text, "h264");
	assert_int_equal(stats.codec_switches, 1);
	assert_true(s.vp9_packets > 0);
	assert_false(s.h264_before_switch);
	assert_false(s.vp9_after_switch);
	assert_int_equal(s.other_packets, 0);
	assert_true(s.first_h264_is_key);
	assert_true(s.first_h264_decoded);
	/* The H.264 stream after it decodes: avcodec gave a picture for
	 * each packet but the last one or two still inside it when the
	 * stage stopped. */
	assert_true(s.h264_packets >= 10);
	assert_int_equal(s.errors, 0);
	assert_int_equal(stats.errors, 0);
	assert_true(s.decoded + 2 >= s.h264_packets);
}

static void test_codec_switch_waits_for_the_viewer_to_decode_h264(void **state)
{
	fixture *f = *state;
	seen s = {0};
	kyoyu_encode_stats stats;

	if (!f->built)
		skip();
	move_screen(f, &s, UNTOLD_US, 0);
	kyoyu_encode_stage_get_stats(f->enc, &stats);
	assert_int_equal(s.notices, 0);
	assert_int_equal(stats.codec_switches, 0);
	assert_true(s.vp9_packets > 0);
	assert_false(s.h264_before_switch);
	assert_int_equal(s.other_packets, 0);
	assert_int_equal(s.errors, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			test_codec_switch_goes_over_to_h264_once_at_a_keyframe, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_codec_switch_waits_for_the_viewer_to_decode_h264, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
