/* SPDX-License-Identifier: MIT */
/* The wire protocol's parser and serializer: every message type round trips,
 * and every length, count and field bound is checked at bound-1, bound,
 * bound+1, 0 and 2^32-1 with hand-made frames. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "proto/wire.h"

#define ALL_TYPES (~UINT32_C(0))

/* Feeds N bytes one at a time (the hardest split); returns the reader's
 * last result. */
static int feed_bytewise(kp_wire_reader *r, const uint8_t *buf, size_t n, kp_wire_msg *out)
{
	int ret = 0;

	for (size_t i = 0; i < n; i++) {
		size_t used;
		ret = kp_wire_reader_feed(r, buf + i, 1, &used, out);
		assert_int_equal(used, ret < 0 ? used : 1);
		if (ret != 0)
			return ret;
	}
	return ret;
}

static void header(uint8_t *out, uint32_t len, uint8_t type)
{
	out[0] = (uint8_t)(len >> 24);
	out[1] = (uint8_t)(len >> 16);
	out[2] = (uint8_t)(len >> 8);
	out[3] = (uint8_t)len;
	out[4] = type;
}

/* Encodes M (with DATA of DATA_LEN bytes), reads it back bytewise. */
static kp_wire_msg roundtrip(const kp_wire_msg *m, const uint8_t *data, size_t data_len)
{
	static uint8_t frame[KP_WIRE_FRAME_MAX + 300000];
	kp_wire_reader r;
	kp_wire_msg out;

	size_t n = kp_wire_encode(m, data_len, frame);
	assert_true(n > 0);
	if (data_len)
		memcpy(frame + n, data, data_len);
	kp_wire_reader_init(&r, ALL_TYPES);
	assert_int_equal(feed_bytewise(&r, frame, n + data_len, &out), 1);
	assert_int_equal(out.type, m->type);
	if (data_len) {
		assert_non_null(out.data);
		assert_int_equal(kyoyu_buffer_size(out.data), data_len);
		assert_memory_equal(kyoyu_buffer_data(out.data), data, data_len);
	} else {
		assert_null(out.data);
	}
	kp_wire_reader_fini(&r);
	return out;
}

static void test_wire_roundtrips_every_message_type(void **state)
{
	kp_wire_msg m, out;
	uint8_t pixels[2 * 3 * 4], video[1000];

	memset(pixels, 0x5a, sizeof(pixels));
	for (size_t i = 0; i < sizeof(video); i++)
		video[i] = (uint8_t)i;

	memset(&m, 0, sizeof(m));
	m.type = KP_WIRE_HELLO;
	m.u.hello = (kp_wire_hello){.major = 1, .minor = 0, .auth = KP_WIRE_AUTH_CODE,
				    .n_codecs = 2, .codecs = {KYOYU_CODEC_VP9, KYOYU_CODEC_H264},
				    .clock_us = -5,
				    .name_len = 9};
	memcpy(m.u.hello.secret, "012345678", 9);
	memcpy(m.u.hello.name, "Zo\xc3\xab@pc 1", 9);
	out = roundtrip(&m, NULL, 0);
	assert_int_equal(out.u.hello.n_codecs, 2);
	assert_int_equal(out.u.hello.codecs[0], KYOYU_CODEC_VP9);
	assert_int_equal(out.u.hello.codecs[1], KYOYU_CODEC_H264);
	assert_memory_equal(out.u.hello.secret, "012345678", 9);
	assert_int_equal(out.u.hello.clock_us, -5);
	assert_string_equal(out.u.hello.name, "Zo\xc3\xab@pc 1");

	m.u.hello.auth = KP_WIRE_AUTH_TOKEN;
	memset(m.u.hello.secret, 0xee, KP_WIRE_TOKEN_SIZE);
	m.u.hello.name_len = 0;
	out = roundtrip(&m, NULL, 0);
	assert_int_equal(out.u.hello.auth, KP_WIRE_AUTH_TOKEN);
	assert_int_equal(out.u.hello.secret[31], 0xee);

	memset(&m, 0, sizeof(m));
	m.type = KP_WIRE_WELCOME;
	m.u.welcome = (kp_wire_welcome){.major = 1, .codec = KYOYU_CODEC_VP9, .grace_s = 30,
					.flags = KP_WIRE_WELCOME_RECORDING,
					.clock_us = INT64_MAX, .name_len = 3};
	memcpy(m.u.welcome.name, "ops", 3);
	m.u.welcome.token[0] = 7;
	out = roundtrip(&m, NULL, 0);
	assert_int_equal(out.u.welcome.codec, KYOYU_CODEC_VP9);
	assert_int_equal(out.u.welcome.grace_s, 30);
	assert_int_equal(out.u.welcome.flags, KP_WIRE_WELCOME_RECORDING);
	assert_int_equal(out.u.welcome.clock_us, INT64_MAX);
	assert_int_equal(out.u.welcome.token[0], 7);

	memset(&m, 0, sizeof(m));
	m.type = KP_WIRE_REJECT;
	m.u.reject.reason = KP_WIRE_REJECT_RATE_LIMITED;
	m.u.reject.retry_after_s = 3600;
	out = roundtrip(&m, NULL, 0);
	assert_int_equal(out.u.reject.retry_after_s, 3600);

	memset(&m, 0, sizeof(m));
	m.type = KP_WIRE_BYE;
	m.u.bye.reason = KYOYU_END_TIME_CAP;
	assert_int_equal(roundtrip(&m, NULL, 0).u.bye.reason, KYOYU_END_TIME_CAP);

	memset(&m, 0, sizeof(m));
	m.type = KP_WIRE_PING;
	m.u.ping.id = UINT32_MAX;
	m.u.ping.clock_us = INT64_MIN;
	out = roundtrip(&m, NULL, 0);
	assert_int_equal(out.u.ping.id, UINT32_MAX);
	assert_true(out.u.ping.clock_us == INT64_MIN);

	memset(&m, 0, sizeof(m));
	m.type = KP_WIRE_PONG;
	m.u.pong.id = 9;
	m.u.pong.echo_us = 123;
	m.u.pong.clock_us = 456;
	out = roundtrip(&m, NULL, 0);
	assert_int_equal(out.u.pong.echo_us, 123);
	assert_int_equal(out.u.pong.clock_us, 456);

	memset(&m, 0, sizeof(m));
	m.type = KP_WIRE_CONSENT;
	m.u.consent.answer = KYOYU_CONSENT_DECLINED;
	assert_int_equal(roundtrip(&m, NULL, 0).u.consent.answer, KYOYU_CONSENT_DECLINED);

	uint32_t empties[] = {KP_WIRE_PAUSED, KP_WIRE_RESUMED, KP_WIRE_KEYFRAME_REQUEST};
	for (size_t i = 0; i < 3; i++) {
		memset(&m, 0, sizeof(m));
		m.type = empties[i];
		roundtrip(&m, NULL, 0);
	}

	memset(&m, 0, sizeof(m));
	m.type = KP_WIRE_VIDEO_CONFIG;
	m.u.video_config.codec = KYOYU_CODEC_VP8;
	m.u.video_config.width = 16384;
	m.u.video_config.height = 1;
	out = roundtrip(&m, NULL, 0);
	assert_int_equal(out.u.video_config.codec, KYOYU_CODEC_VP8);
	assert_int_equal(out.u.video_config.width, 16384);

	memset(&m, 0, sizeof(m));
	m.type = KP_WIRE_VIDEO;
	m.u.video.seq = 77;
	m.u.video.flags = KP_WIRE_VIDEO_KEY | KP_WIRE_VIDEO_REFINE | KP_WIRE_VIDEO_DISCONT;
	m.u.video.capture_us = 1234567;
	m.u.video.encode_us = KP_WIRE_MAX_ENCODE_US;
	out = roundtrip(&m, video, sizeof(video));
	assert_int_equal(out.u.video.seq, 77);
	assert_int_equal(out.u.video.flags, 7);
	assert_int_equal(out.u.video.capture_us, 1234567);
	kp_wire_msg_clear(&out);

	memset(&m, 0, sizeof(m));
	m.type = KP_WIRE_CURSOR;
	m.u.cursor.x = -KP_WIRE_MAX_COORD;
	m.u.cursor.y = KP_WIRE_MAX_COORD;
	m.u.cursor.visible = 1;
	m.u.cursor.serial = 3;
	out = roundtrip(&m, NULL, 0);
	assert_int_equal(out.u.cursor.x, -KP_WIRE_MAX_COORD);
	assert_int_equal(out.u.cursor.y, KP_WIRE_MAX_COORD);

	memset(&m, 0, sizeof(m));
	m.type = KP_WIRE_CURSOR_SHAPE;
	m.u.shape = (typeof(m.u.shape)){.serial = 4, .width = 2, .height = 3, .hot_x = 1,
					.hot_y = 2};
	out = roundtrip(&m, pixels, sizeof(pixels));
	assert_int_equal(out.u.shape.hot_y, 2);
	kp_wire_msg_clear(&out);

	memset(&m, 0, sizeof(m));
	m.type = KP_WIRE_POINTER;
	m.u.pointer.x = KP_WIRE_MAX_POINTER;
	m.u.pointer.y = 0;
	m.u.pointer.visible = 1;
	assert_int_equal(roundtrip(&m, NULL, 0).u.pointer.x, KP_WIRE_MAX_POINTER);

	memset(&m, 0, sizeof(m));
	m.type = KP_WIRE_REPORT;
	m.u.report.bytes = UINT64_MAX;
	m.u.report.lost = 5;
	out = roundtrip(&m, NULL, 0);
	assert_true(out.u.report.bytes == UINT64_MAX);
	assert_int_equal(out.u.report.lost, 5);

	memset(&m, 0, sizeof(m));
	m.type = KP_WIRE_LIMITS;
	m.u.limits.cap_s = KP_WIRE_MAX_CAP_S;
	m.u.limits.warn_s = KP_WIRE_MAX_WARN_S;
	out = roundtrip(&m, NULL, 0);
	assert_int_equal(out.u.limits.cap_s, 86400);
	assert_int_equal(out.u.limits.warn_s, 3600);

	memset(&m, 0, sizeof(m));
	m.type = KP_WIRE_NOTICE;
	m.u.notice.kind = KP_WIRE_NOTICE_RECORDING_STOPPED;
	m.u.notice.cause = KP_WIRE_NOTICE_DISK_FULL;
	out = roundtrip(&m, NULL, 0);
	assert_int_equal(out.u.notice.kind, 1);
	assert_int_equal(out.u.notice.cause, 1);

	memset(&m, 0, sizeof(m));
	m.type = KP_WIRE_CODECS;
	m.u.codecs.n = 2;
	m.u.codecs.codecs[0] = KYOYU_CODEC_H264;
	m.u.codecs.codecs[1] = KYOYU_CODEC_VP8;
	out = roundtrip(&m, NULL, 0);
	assert_int_equal(out.u.codecs.n, 2);
	assert_int_equal(out.u.codecs.codecs[0], KYOYU_CODEC_H264);
	assert_int_equal(out.u.codecs.codecs[1], KYOYU_CODEC_VP8);

	memset(&m, 0, sizeof(m));
	m.type = KP_WIRE_CONSENT;
	m.u.consent.answer = KYOYU_CONSENT_GRANTED_UNRECORDED;
	assert_int_equal(roundtrip(&m, NULL, 0).u.consent.answer,
			 KYOYU_CONSENT_GRANTED_UNRECORDED);
}

/* Header only, with LEN: does the reader accept it (and wait for the body)
 * or refuse it at once? */
static int header_verdict(uint8_t type, uint32_t len)
{
	uint8_t h[KP_WIRE_HEADER_SIZE];
	kp_wire_reader r;
	kp_wire_msg out;
	size_t used;

	header(h, len, type);
	kp_wire_reader_init(&r, ALL_TYPES);
	int ret = kp_wire_reader_feed(&r, h, sizeof(h), &used, &out);
	if (ret == 1)
		kp_wire_msg_clear(&out);
	kp_wire_reader_fini(&r);
	return ret;
}

static void test_wire_refuses_lengths_outside_each_types_bounds(void **state)
{
	for (uint32_t type = 1; type < KP_WIRE_TYPE_END; type++) {
		uint32_t min, max;
		assert_true(kp_wire_body_bounds(type, &min, &max));
		/* In bounds: waits for the body (or is complete when empty). */
		assert_true(header_verdict((uint8_t)type, min) >= 0);
		assert_true(header_verdict((uint8_t)type, max) >= 0);
		/* Out of bounds: refused before any byte of the body. */
		if (min > 0) {
			assert_int_equal(header_verdict((uint8_t)type, min - 1), -EMSGSIZE);
			assert_int_equal(header_verdict((uint8_t)type, 0), -EMSGSIZE);
		}
		assert_int_equal(header_verdict((uint8_t)type, max + 1), -EMSGSIZE);
		assert_int_equal(header_verdict((uint8_t)type, UINT32_MAX), -EMSGSIZE);
		assert_int_equal(header_verdict((uint8_t)type, UINT32_MAX - 1), -EMSGSIZE);
	}
	/* The few large ones, exactly. */
	assert_int_equal(header_verdict(KP_WIRE_VIDEO, KP_WIRE_VIDEO_FIXED + KP_WIRE_MAX_VIDEO), 0);
	assert_int_equal(header_verdict(KP_WIRE_VIDEO, KP_WIRE_VIDEO_FIXED + KP_WIRE_MAX_VIDEO + 1),
			 -EMSGSIZE);
	assert_int_equal(header_verdict(KP_WIRE_VIDEO, KP_WIRE_VIDEO_FIXED), -EMSGSIZE);
	assert_int_equal(header_verdict(KP_WIRE_HELLO, KP_WIRE_SMALL_MAX + 1), -EMSGSIZE);
	assert_int_equal(header_verdict(KP_WIRE_CURSOR_SHAPE,
					KP_WIRE_SHAPE_FIXED + 256 * 256 * 4 + 1),
			 -EMSGSIZE);
}

/* The bounds docs/protocol.md gives for the messages that carry a codec. */
static void test_wire_codec_messages_have_the_documented_bounds(void **state)
{
	uint32_t min, max;

	assert_true(kp_wire_body_bounds(KP_WIRE_HELLO, &min, &max));
	assert_int_equal(min, 30);
	assert_int_equal(max, 336);
	assert_int_equal(KP_WIRE_SMALL_MAX, 336);
	assert_true(kp_wire_body_bounds(KP_WIRE_WELCOME, &min, &max));
	assert_int_equal(min, 50);
	assert_int_equal(max, 305);
	assert_true(kp_wire_body_bounds(KP_WIRE_LIMITS, &min, &max));
	assert_int_equal(min, 8);
	assert_int_equal(max, 8);
	assert_true(kp_wire_body_bounds(KP_WIRE_VIDEO_CONFIG, &min, &max));
	assert_int_equal(min, 8);
	assert_int_equal(max, 8);
	/* No control body is larger than HELLO's. */
	for (uint32_t type = 1; type < KP_WIRE_TYPE_END; type++) {
		assert_true(kp_wire_body_bounds(type, &min, &max));
		if (type != KP_WIRE_VIDEO && type != KP_WIRE_CURSOR_SHAPE &&
		    type != KP_WIRE_QUESTION)
			assert_true(max <= KP_WIRE_SMALL_MAX);
	}
}

/* A codec is a FourCC sent as its four characters in order (AVI,
 * Matroska), not as a big-endian number: VP9, KYOYU_FOURCC('V','P','9','0')
 * = 0x30395056, travels as 56 50 39 30, "VP90". */
static void test_wire_codecs_travel_as_their_four_characters(void **state)
{
	static const uint8_t vp9[4] = {'V', 'P', '9', '0'};
	static const uint8_t h264[4] = {'H', '2', '6', '4'};
	uint8_t buf[KP_WIRE_FRAME_MAX];
	kp_wire_msg m;

	memset(&m, 0, sizeof(m));
	m.type = KP_WIRE_HELLO;
	m.u.hello = (kp_wire_hello){.major = 1, .auth = KP_WIRE_AUTH_CODE, .n_codecs = 2,
				    .codecs = {KYOYU_CODEC_VP9, KYOYU_CODEC_H264}};
	memcpy(m.u.hello.secret, "123456789", 9);
	assert_int_equal(kp_wire_encode(&m, 0, buf), KP_WIRE_HEADER_SIZE + 30 + 4);
	assert_memory_equal(buf + KP_WIRE_HEADER_SIZE + 8, vp9, 4);
	assert_memory_equal(buf + KP_WIRE_HEADER_SIZE + 12, h264, 4);

	memset(&m, 0, sizeof(m));
	m.type = KP_WIRE_WELCOME;
	m.u.welcome = (kp_wire_welcome){.major = 1, .codec = KYOYU_CODEC_VP9, .grace_s = 1};
	assert_int_equal(kp_wire_encode(&m, 0, buf), KP_WIRE_HEADER_SIZE + 50);
	assert_memory_equal(buf + KP_WIRE_HEADER_SIZE + 2, vp9, 4);

	memset(&m, 0, sizeof(m));
	m.type = KP_WIRE_VIDEO_CONFIG;
	m.u.video_config.codec = KYOYU_CODEC_H264;
	m.u.video_config.width = 640;
	m.u.video_config.height = 480;
	assert_int_equal(kp_wire_encode(&m, 0, buf), KP_WIRE_HEADER_SIZE + 8);
	assert_memory_equal(buf + KP_WIRE_HEADER_SIZE, h264, 4);
}

static void test_wire_refuses_unknown_types_instead_of_skipping(void **state)
{
	uint8_t unknown[] = {0x00, KP_WIRE_TYPE_END, 0x7f, 0xff};

	for (size_t i = 0; i < sizeof(unknown); i++) {
		assert_int_equal(header_verdict(unknown[i], 0), -EPROTO);
		assert_int_equal(header_verdict(unknown[i], 1), -EPROTO);
		assert_int_equal(header_verdict(unknown[i], UINT32_MAX), -EPROTO);
	}
}

static void test_wire_refuses_types_not_allowed_in_this_state(void **state)
{
	uint8_t h[KP_WIRE_HEADER_SIZE];
	kp_wire_reader r;
	kp_wire_msg out;
	size_t used;

	/* Before the hello, a 4 MiB video frame is refused from its header. */
	header(h, KP_WIRE_VIDEO_FIXED + KP_WIRE_MAX_VIDEO, KP_WIRE_VIDEO);
	kp_wire_reader_init(&r, KP_WIRE_BIT(KP_WIRE_HELLO));
	assert_int_equal(kp_wire_reader_feed(&r, h, sizeof(h), &used, &out), -EPROTO);
	assert_non_null(strstr(r.why, "VIDEO"));
	kp_wire_reader_fini(&r);
	/* Direction: a viewer never accepts POINTER, a sharer never VIDEO. */
	assert_false(KP_WIRE_FROM_SHARER & KP_WIRE_BIT(KP_WIRE_POINTER));
	assert_false(KP_WIRE_FROM_VIEWER & KP_WIRE_BIT(KP_WIRE_VIDEO));
	assert_false(KP_WIRE_FROM_SHARER & KP_WIRE_BIT(KP_WIRE_HELLO));
}

/* Decodes BODY as TYPE; returns the result. */
static int decode(uint32_t type, const void *body, size_t len)
{
	kp_wire_msg out;
	char why[160];
	int ret = kp_wire_decode(type, body, len, &out, why, sizeof(why));
	kp_wire_msg_clear(&out);
	return ret;
}

/* QUESTION (1.3): the language padded to 16 bytes, then the question's
 * words (4096 bytes at most) as data. */
static void test_wire_question_carries_the_words_the_customer_read(void **state)
{
	static const char words[] = "サポート担当者が画面を見ます。\nよろしいですか？";
	uint8_t frame[KP_WIRE_FRAME_MAX], b[KP_WIRE_LANG_SIZE];
	kp_wire_msg m, out;

	memset(&m, 0, sizeof(m));
	m.type = KP_WIRE_QUESTION;
	strcpy(m.u.question.lang, "ja");
	out = roundtrip(&m, (const uint8_t *)words, strlen(words));
	assert_string_equal(out.u.question.lang, "ja");
	kp_wire_msg_clear(&out);
	/* No words and no language: still a question (an older UI's). */
	m.u.question.lang[0] = '\0';
	out = roundtrip(&m, NULL, 0);
	assert_string_equal(out.u.question.lang, "");
	/* Never more words than allowed, never a language that is no tag. */
	assert_int_equal(kp_wire_encode(&m, KP_WIRE_MAX_QUESTION + 1, frame), 0);
	assert_int_equal(kp_wire_encode(&m, KP_WIRE_MAX_QUESTION, frame),
			 KP_WIRE_HEADER_SIZE + KP_WIRE_LANG_SIZE);
	strcpy(m.u.question.lang, "j a");
	assert_int_equal(kp_wire_encode(&m, 0, frame), 0);

	/* Decoding: a tag, then only NULs. */
	memset(b, 0, sizeof(b));
	assert_int_equal(decode(KP_WIRE_QUESTION, b, KP_WIRE_LANG_SIZE - 1), -EPROTO);
	assert_int_equal(decode(KP_WIRE_QUESTION, b, KP_WIRE_LANG_SIZE), 0);
	memcpy(b, "en-GB", 5);
	assert_int_equal(decode(KP_WIRE_QUESTION, b, KP_WIRE_LANG_SIZE), 0);
	b[9] = 'x'; /* after the tag's NUL */
	assert_int_equal(decode(KP_WIRE_QUESTION, b, KP_WIRE_LANG_SIZE), -EPROTO);
	b[9] = '\0';
	b[1] = '\n';
	assert_int_equal(decode(KP_WIRE_QUESTION, b, KP_WIRE_LANG_SIZE), -EPROTO);
	memset(b, 'a', KP_WIRE_LANG_SIZE); /* 16 letters, no NUL: allowed */
	assert_int_equal(decode(KP_WIRE_QUESTION, b, KP_WIRE_LANG_SIZE), 0);
	/* Only a sharer asks, and only from 1.3 on. */
	assert_true(KP_WIRE_FROM_SHARER & KP_WIRE_BIT(KP_WIRE_QUESTION));
	assert_false(KP_WIRE_FROM_VIEWER & KP_WIRE_BIT(KP_WIRE_QUESTION));
	assert_true(KP_WIRE_SINCE_1_2 & KP_WIRE_BIT(KP_WIRE_QUESTION));

	/* The words: lines of printable UTF-8. */
	assert_true(kp_wire_text_ok(words, strlen(words)));
	assert_true(kp_wire_text_ok("", 0));
	assert_true(kp_wire_text_ok("\n\n", 2));
	assert_false(kp_wire_text_ok("a\tb", 3));
	assert_false(kp_wire_text_ok("a\r\nb", 4));
	assert_false(kp_wire_text_ok("\xc2\x9b", 2)); /* C1: CSI */
	assert_false(kp_wire_text_ok("\xe3\x81", 2)); /* a cut character */
}

/* Where the code begins in a HELLO body offering one codec. */
#define HELLO_CODE_AT (8 + 4)

/* A valid HELLO body offering VP9 N_CODECS times, with the code 123456789
 * and NAME. */
static size_t hello_body(uint8_t *b, uint8_t n_codecs, const char *name, size_t name_len)
{
	size_t n = 0;
	memcpy(b, "KYOY", 4);
	n = 4;
	b[n++] = 1;
	b[n++] = 0;
	b[n++] = KP_WIRE_AUTH_CODE;
	b[n++] = n_codecs;
	for (unsigned i = 0; i < n_codecs; i++) {
		memcpy(b + n, "VP90", 4); /* KYOYU_CODEC_VP9: its characters in order */
		n += 4;
	}
	memcpy(b + n, "123456789", 9);
	n += 9;
	memset(b + n, 0, 8);
	n += 8;
	b[n++] = (uint8_t)name_len;
	memcpy(b + n, name, name_len);
	return n + name_len;
}

static void test_wire_checks_every_hello_field(void **state)
{
	uint8_t b[KP_WIRE_SMALL_MAX + 8];
	size_t n;
	char name[KP_WIRE_NAME_MAX];

	memset(name, 'a', sizeof(name));
	assert_int_equal(decode(KP_WIRE_HELLO, b, hello_body(b, 1, "", 0)), 0);
	assert_int_equal(decode(KP_WIRE_HELLO, b, hello_body(b, 8, "x", 1)), 0);
	assert_int_equal(decode(KP_WIRE_HELLO, b, hello_body(b, 0, "", 0)), -EPROTO);
	assert_int_equal(decode(KP_WIRE_HELLO, b, hello_body(b, 9, "", 0)), -EPROTO);
	assert_int_equal(decode(KP_WIRE_HELLO, b, hello_body(b, 1, name, 64)), 0);
	assert_int_equal(decode(KP_WIRE_HELLO, b, hello_body(b, 1, name, 255)), 0);
	/* The name length must match what is left, ±1. */
	n = hello_body(b, 1, name, 10);
	assert_int_equal(decode(KP_WIRE_HELLO, b, n - 1), -EPROTO);
	b[n] = 'a';
	assert_int_equal(decode(KP_WIRE_HELLO, b, n + 1), -EPROTO);
	/* Magic, auth kind, digits. */
	n = hello_body(b, 1, "", 0);
	b[0] = 'X';
	assert_int_equal(decode(KP_WIRE_HELLO, b, n), -EPROTO);
	n = hello_body(b, 1, "", 0);
	b[6] = 0;
	assert_int_equal(decode(KP_WIRE_HELLO, b, n), -EPROTO);
	b[6] = 3;
	assert_int_equal(decode(KP_WIRE_HELLO, b, n), -EPROTO);
	n = hello_body(b, 1, "", 0);
	b[HELLO_CODE_AT + 4] = 'a';
	assert_int_equal(decode(KP_WIRE_HELLO, b, n), -EPROTO);
	b[HELLO_CODE_AT + 4] = '/';
	assert_int_equal(decode(KP_WIRE_HELLO, b, n), -EPROTO);
	b[HELLO_CODE_AT + 4] = ':';
	assert_int_equal(decode(KP_WIRE_HELLO, b, n), -EPROTO);
	/* Eight codecs, each 4 bytes, and a 255-byte name: the largest (with
	 * a token, 23 bytes more). */
	n = hello_body(b, 8, name, 255);
	assert_int_equal(n, KP_WIRE_SMALL_MAX - 23);
	assert_int_equal(decode(KP_WIRE_HELLO, b, n), 0);
	/* A codec list that runs past the end of the body. */
	n = hello_body(b, 8, "", 0);
	assert_int_equal(decode(KP_WIRE_HELLO, b, n - 19), -EPROTO);
	/* A token hello is 23 bytes longer than a code hello. */
	n = hello_body(b, 1, "", 0);
	b[6] = KP_WIRE_AUTH_TOKEN;
	assert_int_equal(decode(KP_WIRE_HELLO, b, n), -EPROTO);
	memset(b + n, 0, 23);
	assert_int_equal(decode(KP_WIRE_HELLO, b, n + 23), 0);
}

static void test_wire_names_must_be_printable_utf8(void **state)
{
	static const char *const good[] = {"", "anna@pc", "Zo\xc3\xab", "\xe6\x97\xa5\xe6\x9c\xac",
					   "\xf0\x9f\x98\x80", "~"};
	static const char *const bad[] = {"\x1b[31m", "a\nb", "\x7f", "\xff", "\xc0\x80",
					  "\xed\xa0\x80", "\xc2\x9b", "\xe6\x97", "\xf4\x90\x80\x80",
					  "\xc3"};

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_true(kp_wire_name_ok(good[i], strlen(good[i])));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(kp_wire_name_ok(bad[i], strlen(bad[i])));
}

static void test_wire_checks_every_small_field_at_its_bounds(void **state)
{
	uint8_t b[64];

	/* REJECT reason 1..6, retry 0..3600. */
	memcpy(b, "\x01\x0e\x10", 3);
	assert_int_equal(decode(KP_WIRE_REJECT, b, 3), 0);
	b[2] = 0x11; /* 3601 */
	assert_int_equal(decode(KP_WIRE_REJECT, b, 3), -EPROTO);
	memcpy(b, "\x00\x00\x00", 3);
	assert_int_equal(decode(KP_WIRE_REJECT, b, 3), -EPROTO);
	b[0] = 7;
	assert_int_equal(decode(KP_WIRE_REJECT, b, 3), -EPROTO);
	b[0] = 6;
	assert_int_equal(decode(KP_WIRE_REJECT, b, 3), 0);
	/* BYE reason 1..8. */
	b[0] = 0;
	assert_int_equal(decode(KP_WIRE_BYE, b, 1), -EPROTO);
	b[0] = 1;
	assert_int_equal(decode(KP_WIRE_BYE, b, 1), 0);
	b[0] = 8;
	assert_int_equal(decode(KP_WIRE_BYE, b, 1), 0);
	b[0] = 9;
	assert_int_equal(decode(KP_WIRE_BYE, b, 1), -EPROTO);
	/* CONSENT 2, 3 or 6 (granted without recording, 1.1). */
	for (uint8_t v = 0; v < 9; v++) {
		b[0] = v;
		assert_int_equal(decode(KP_WIRE_CONSENT, b, 1),
				 v == 2 || v == 3 || v == 6 ? 0 : -EPROTO);
	}
	/* LIMITS: cap 0..86400 s, warning 0..3600 s and before the cap; no
	 * cap, no warning. */
	memcpy(b, "\x00\x01\x51\x80\x00\x00\x0e\x10", 8); /* 86400, 3600 */
	assert_int_equal(decode(KP_WIRE_LIMITS, b, 8), 0);
	memcpy(b, "\x00\x01\x51\x81\x00\x00\x00\x00", 8); /* 86401 */
	assert_int_equal(decode(KP_WIRE_LIMITS, b, 8), -EPROTO);
	memcpy(b, "\x00\x01\x51\x80\x00\x00\x0e\x11", 8); /* warn 3601 */
	assert_int_equal(decode(KP_WIRE_LIMITS, b, 8), -EPROTO);
	memcpy(b, "\x00\x00\x00\x78\x00\x00\x00\x78", 8); /* 120, 120 */
	assert_int_equal(decode(KP_WIRE_LIMITS, b, 8), -EPROTO);
	memcpy(b, "\x00\x00\x00\x78\x00\x00\x00\x77", 8); /* 120, 119 */
	assert_int_equal(decode(KP_WIRE_LIMITS, b, 8), 0);
	memcpy(b, "\x00\x00\x00\x00\x00\x00\x00\x00", 8); /* none */
	assert_int_equal(decode(KP_WIRE_LIMITS, b, 8), 0);
	memcpy(b, "\x00\x00\x00\x00\x00\x00\x00\x01", 8); /* warned, no cap */
	assert_int_equal(decode(KP_WIRE_LIMITS, b, 8), -EPROTO);
	memcpy(b, "\xff\xff\xff\xff\xff\xff\xff\xff", 8);
	assert_int_equal(decode(KP_WIRE_LIMITS, b, 8), -EPROTO);
	/* NOTICE (1.2): kind 1 (recording stopped), cause 1 or 2, nothing else. */
	for (unsigned kind = 0; kind < 4; kind++) {
		for (unsigned cause = 0; cause < 4; cause++) {
			b[0] = (uint8_t)kind;
			b[1] = (uint8_t)cause;
			assert_int_equal(decode(KP_WIRE_NOTICE, b, 2),
					 kind == 1 && (cause == 1 || cause == 2) ? 0 : -EPROTO);
		}
	}
	/* CODECS (1.4): 1..7 FourCCs, none 0, exactly as many as it says. */
	memcpy(b, "\x01H264", 5);
	assert_int_equal(decode(KP_WIRE_CODECS, b, 5), 0);
	memcpy(b, "\x02H264VP80", 9);
	assert_int_equal(decode(KP_WIRE_CODECS, b, 9), 0);
	assert_int_equal(decode(KP_WIRE_CODECS, b, 5), -EPROTO);
	memcpy(b, "\x00H264", 5);
	assert_int_equal(decode(KP_WIRE_CODECS, b, 5), -EPROTO);
	memcpy(b, "\x01\x00\x00\x00\x00", 5);
	assert_int_equal(decode(KP_WIRE_CODECS, b, 5), -EPROTO);
	/* VIDEO_CONFIG: codec ≠ 0 (any other FourCC), sides 1..16384. */
	memcpy(b, "VP90\x40\x00\x00\x01", 8);
	assert_int_equal(decode(KP_WIRE_VIDEO_CONFIG, b, 8), 0);
	memcpy(b, "VP90\x40\x01\x00\x01", 8);
	assert_int_equal(decode(KP_WIRE_VIDEO_CONFIG, b, 8), -EPROTO);
	memcpy(b, "VP90\x00\x00\x00\x01", 8);
	assert_int_equal(decode(KP_WIRE_VIDEO_CONFIG, b, 8), -EPROTO);
	memcpy(b, "\x00\x00\x00\x00\x00\x01\x00\x01", 8);
	assert_int_equal(decode(KP_WIRE_VIDEO_CONFIG, b, 8), -EPROTO);
	memcpy(b, "\x00\x00\x00\x01\x00\x01\x00\x01", 8);
	assert_int_equal(decode(KP_WIRE_VIDEO_CONFIG, b, 8), 0);
	/* POINTER: 0..16383, visible 0/1. */
	memcpy(b, "\x00\x00\x3f\xff\x00\x00\x00\x00\x01", 9);
	assert_int_equal(decode(KP_WIRE_POINTER, b, 9), 0);
	memcpy(b, "\x00\x00\x40\x00\x00\x00\x00\x00\x01", 9);
	assert_int_equal(decode(KP_WIRE_POINTER, b, 9), -EPROTO);
	memcpy(b, "\xff\xff\xff\xff\x00\x00\x00\x00\x01", 9);
	assert_int_equal(decode(KP_WIRE_POINTER, b, 9), -EPROTO);
	memcpy(b, "\x00\x00\x00\x00\x00\x00\x00\x00\x02", 9);
	assert_int_equal(decode(KP_WIRE_POINTER, b, 9), -EPROTO);
	/* CURSOR: |x|, |y| ≤ 65536. */
	memcpy(b, "\xff\xff\x00\x00\x00\x01\x00\x00\x01\x00\x00\x00\x00", 13);
	assert_int_equal(decode(KP_WIRE_CURSOR, b, 13), 0);
	memcpy(b, "\xff\xfe\xff\xff\x00\x01\x00\x00\x01\x00\x00\x00\x00", 13);
	assert_int_equal(decode(KP_WIRE_CURSOR, b, 13), -EPROTO);
	memcpy(b, "\x00\x00\x00\x00\x00\x01\x00\x01\x01\x00\x00\x00\x00", 13);
	assert_int_equal(decode(KP_WIRE_CURSOR, b, 13), -EPROTO);
}

static void test_wire_checks_welcome_and_video_fields(void **state)
{
	uint8_t b[64];

	/* WELCOME: flags, grace 1..3600, codec, name length.  Fields: major
	 * 0, minor 1, codec 2-5, flags 6, grace 7-8, token, clock, name_len 49. */
	memset(b, 0, sizeof(b));
	b[0] = 1;
	memcpy(b + 2, "VP90", 4);
	b[8] = 1; /* grace 1 s */
	assert_int_equal(decode(KP_WIRE_WELCOME, b, 50), 0);
	b[8] = 0;
	assert_int_equal(decode(KP_WIRE_WELCOME, b, 50), -EPROTO);
	b[7] = 0x0e;
	b[8] = 0x10; /* 3600 */
	assert_int_equal(decode(KP_WIRE_WELCOME, b, 50), 0);
	b[8] = 0x11;
	assert_int_equal(decode(KP_WIRE_WELCOME, b, 50), -EPROTO);
	b[7] = 0;
	b[8] = 1;
	b[6] = 8;
	assert_int_equal(decode(KP_WIRE_WELCOME, b, 50), -EPROTO);
	b[6] = 3;
	assert_int_equal(decode(KP_WIRE_WELCOME, b, 50), 0);
	/* "Recording optional" only with recording. */
	b[6] = 5;
	assert_int_equal(decode(KP_WIRE_WELCOME, b, 50), 0);
	b[6] = 4;
	assert_int_equal(decode(KP_WIRE_WELCOME, b, 50), -EPROTO);
	b[6] = 7;
	assert_int_equal(decode(KP_WIRE_WELCOME, b, 50), 0);
	memset(b + 2, 0, 4);
	assert_int_equal(decode(KP_WIRE_WELCOME, b, 50), -EPROTO);
	memcpy(b + 2, "VP90", 4);
	b[49] = 1; /* a name byte announced but missing */
	assert_int_equal(decode(KP_WIRE_WELCOME, b, 50), -EPROTO);

	/* VIDEO: flags 0..7, encode time ≤ 10 s, at least one byte. */
	memset(b, 0, sizeof(b));
	assert_int_equal(decode(KP_WIRE_VIDEO, b, KP_WIRE_VIDEO_FIXED + 1), 0);
	assert_int_equal(decode(KP_WIRE_VIDEO, b, KP_WIRE_VIDEO_FIXED), -EPROTO);
	b[4] = 8;
	assert_int_equal(decode(KP_WIRE_VIDEO, b, KP_WIRE_VIDEO_FIXED + 1), -EPROTO);
	b[4] = 7;
	/* 10,000,000 µs = 0x00989680 */
	memcpy(b + 13, "\x00\x98\x96\x80", 4);
	assert_int_equal(decode(KP_WIRE_VIDEO, b, KP_WIRE_VIDEO_FIXED + 1), 0);
	memcpy(b + 13, "\x00\x98\x96\x81", 4);
	assert_int_equal(decode(KP_WIRE_VIDEO, b, KP_WIRE_VIDEO_FIXED + 1), -EPROTO);
	memcpy(b + 13, "\xff\xff\xff\xff", 4);
	assert_int_equal(decode(KP_WIRE_VIDEO, b, KP_WIRE_VIDEO_FIXED + 1), -EPROTO);
}

static void test_wire_checks_cursor_shape_against_its_pixels(void **state)
{
	static uint8_t b[KP_WIRE_SHAPE_FIXED + 256 * 256 * 4 + 4];
	size_t full = KP_WIRE_SHAPE_FIXED + 256 * 256 * 4;

	memset(b, 0, sizeof(b));
	/* 256x256, hot spot 255,255: the largest shape. */
	memcpy(b + 4, "\x01\x00\x01\x00\x00\xff\x00\xff", 8);
	assert_int_equal(decode(KP_WIRE_CURSOR_SHAPE, b, full), 0);
	assert_int_equal(decode(KP_WIRE_CURSOR_SHAPE, b, full - 4), -EPROTO);
	assert_int_equal(decode(KP_WIRE_CURSOR_SHAPE, b, full + 1), -EPROTO);
	/* Hot spot outside. */
	memcpy(b + 4, "\x01\x00\x01\x00\x01\x00\x00\x00", 8);
	assert_int_equal(decode(KP_WIRE_CURSOR_SHAPE, b, full), -EPROTO);
	/* 257 wide, 0 high. */
	memcpy(b + 4, "\x01\x01\x00\x01\x00\x00\x00\x00", 8);
	assert_int_equal(decode(KP_WIRE_CURSOR_SHAPE, b, KP_WIRE_SHAPE_FIXED + 257 * 4), -EPROTO);
	memcpy(b + 4, "\x00\x01\x00\x00\x00\x00\x00\x00", 8);
	assert_int_equal(decode(KP_WIRE_CURSOR_SHAPE, b, KP_WIRE_SHAPE_FIXED + 4), -EPROTO);
	memcpy(b + 4, "\x00\x01\x00\x01\x00\x00\x00\x00", 8);
	assert_int_equal(decode(KP_WIRE_CURSOR_SHAPE, b, KP_WIRE_SHAPE_FIXED + 4), 0);
}

static void test_wire_largest_video_frame_arrives_whole(void **state)
{
	size_t len = KP_WIRE_VIDEO_FIXED + KP_WIRE_MAX_VIDEO;
	uint8_t *frame = calloc(1, KP_WIRE_HEADER_SIZE + len);
	kp_wire_reader r;
	kp_wire_msg out;
	size_t used, pos = 0;
	int ret = 0;

	assert_non_null(frame);
	header(frame, (uint32_t)len, KP_WIRE_VIDEO);
	frame[KP_WIRE_HEADER_SIZE + len - 1] = 0xab;
	kp_wire_reader_init(&r, ALL_TYPES);
	/* In TLS-record-sized pieces. */
	while (ret == 0 && pos < KP_WIRE_HEADER_SIZE + len) {
		size_t n = KP_WIRE_HEADER_SIZE + len - pos < 16384 ? KP_WIRE_HEADER_SIZE + len - pos
								  : 16384;
		ret = kp_wire_reader_feed(&r, frame + pos, n, &used, &out);
		pos += used;
	}
	assert_int_equal(ret, 1);
	assert_int_equal(pos, KP_WIRE_HEADER_SIZE + len);
	assert_int_equal(kyoyu_buffer_size(out.data), KP_WIRE_MAX_VIDEO);
	assert_int_equal(((uint8_t *)kyoyu_buffer_data(out.data))[KP_WIRE_MAX_VIDEO - 1], 0xab);
	kp_wire_msg_clear(&out);
	kp_wire_reader_fini(&r);
	free(frame);
}

static void test_wire_truncated_frame_waits_and_two_frames_split(void **state)
{
	uint8_t buf[64];
	kp_wire_msg m = {.type = KP_WIRE_PING}, out;
	kp_wire_reader r;
	size_t used;

	m.u.ping.id = 1;
	size_t n = kp_wire_encode(&m, 0, buf);
	m.u.ping.id = 2;
	size_t n2 = kp_wire_encode(&m, 0, buf + n);
	kp_wire_reader_init(&r, ALL_TYPES);
	/* A truncated frame is not an error: more may come. */
	assert_int_equal(kp_wire_reader_feed(&r, buf, n - 1, &used, &out), 0);
	assert_int_equal(used, n - 1);
	/* Its last byte and the whole next frame in one buffer. */
	assert_int_equal(kp_wire_reader_feed(&r, buf + n - 1, 1 + n2, &used, &out), 1);
	assert_int_equal(used, 1);
	assert_int_equal(out.u.ping.id, 1);
	assert_int_equal(kp_wire_reader_feed(&r, buf + n, n2, &used, &out), 1);
	assert_int_equal(out.u.ping.id, 2);
	kp_wire_reader_fini(&r);
}

/* A held type stops the reader before its body, however the bytes come,
 * and takes nothing while the hold lasts; lifted, the frame reads whole.
 * A hold set in the middle of a frame stops there too. */
static void test_wire_reader_stops_before_a_held_frame(void **state)
{
	static const uint8_t bitstream[40] = {1, 2, 3};
	uint8_t buf[3 * KP_WIRE_FRAME_MAX + sizeof(bitstream)];
	kp_wire_msg m, out;
	kp_wire_reader r;
	size_t used, n = 0;

	memset(&m, 0, sizeof(m));
	m.type = KP_WIRE_PING;
	m.u.ping.id = 1;
	n += kp_wire_encode(&m, 0, buf + n);
	memset(&m, 0, sizeof(m));
	m.type = KP_WIRE_VIDEO;
	m.u.video.seq = 9;
	size_t video_at = n;
	n += kp_wire_encode(&m, sizeof(bitstream), buf + n);
	memcpy(buf + n, bitstream, sizeof(bitstream));
	n += sizeof(bitstream);
	size_t video_end = n;
	memset(&m, 0, sizeof(m));
	m.type = KP_WIRE_PING;
	m.u.ping.id = 2;
	n += kp_wire_encode(&m, 0, buf + n);

	kp_wire_reader_init(&r, ALL_TYPES);
	kp_wire_reader_hold(&r, KP_WIRE_BIT(KP_WIRE_VIDEO));
	assert_int_equal(kp_wire_reader_feed(&r, buf, n, &used, &out), 1);
	assert_int_equal(out.u.ping.id, 1);
	assert_int_equal(used, video_at);
	assert_false(kp_wire_reader_holding(&r));
	/* The header goes in, not one byte of the body. */
	assert_int_equal(kp_wire_reader_feed(&r, buf + video_at, n - video_at, &used, &out),
			 KP_WIRE_HELD);
	assert_int_equal(used, KP_WIRE_HEADER_SIZE);
	assert_true(kp_wire_reader_holding(&r));
	size_t at = video_at + used;
	assert_int_equal(kp_wire_reader_feed(&r, buf + at, n - at, &used, &out), KP_WIRE_HELD);
	assert_int_equal(used, 0);
	/* Lifted: the VIDEO whole, in two pieces; held again in its middle. */
	kp_wire_reader_hold(&r, 0);
	assert_int_equal(kp_wire_reader_feed(&r, buf + at, 10, &used, &out), 0);
	at += used;
	kp_wire_reader_hold(&r, KP_WIRE_BIT(KP_WIRE_VIDEO));
	assert_int_equal(kp_wire_reader_feed(&r, buf + at, n - at, &used, &out), KP_WIRE_HELD);
	assert_int_equal(used, 0);
	kp_wire_reader_hold(&r, 0);
	assert_int_equal(kp_wire_reader_feed(&r, buf + at, n - at, &used, &out), 1);
	assert_int_equal(at + used, video_end);
	assert_int_equal(out.u.video.seq, 9);
	assert_memory_equal(kyoyu_buffer_data(out.data), bitstream, sizeof(bitstream));
	kp_wire_msg_clear(&out);
	at = video_end;
	/* A held type that is not next does not stop other frames. */
	kp_wire_reader_hold(&r, KP_WIRE_BIT(KP_WIRE_VIDEO));
	assert_int_equal(kp_wire_reader_feed(&r, buf + at, n - at, &used, &out), 1);
	assert_int_equal(out.u.ping.id, 2);
	assert_int_equal(at + used, n);
	kp_wire_reader_fini(&r);
}

static void test_wire_encoder_never_writes_what_the_peer_refuses(void **state)
{
	uint8_t buf[KP_WIRE_FRAME_MAX];
	kp_wire_msg m;

	memset(&m, 0, sizeof(m));
	m.type = KP_WIRE_POINTER;
	m.u.pointer.x = KP_WIRE_MAX_POINTER + 1;
	assert_int_equal(kp_wire_encode(&m, 0, buf), 0);
	memset(&m, 0, sizeof(m));
	m.type = KP_WIRE_BYE;
	m.u.bye.reason = 9;
	assert_int_equal(kp_wire_encode(&m, 0, buf), 0);
	memset(&m, 0, sizeof(m));
	m.type = KP_WIRE_VIDEO;
	assert_int_equal(kp_wire_encode(&m, 0, buf), 0);
	assert_int_equal(kp_wire_encode(&m, KP_WIRE_MAX_VIDEO + 1, buf), 0);
	assert_true(kp_wire_encode(&m, KP_WIRE_MAX_VIDEO, buf) > 0);
	memset(&m, 0, sizeof(m));
	m.type = KP_WIRE_HELLO;
	m.u.hello.auth = KP_WIRE_AUTH_CODE;
	m.u.hello.n_codecs = 1;
	m.u.hello.name_len = 1;
	m.u.hello.name[0] = '\x1b';
	assert_int_equal(kp_wire_encode(&m, 0, buf), 0);
	memset(&m, 0, sizeof(m));
	m.type = KP_WIRE_LIMITS;
	m.u.limits.cap_s = 60;
	m.u.limits.warn_s = 60;
	assert_int_equal(kp_wire_encode(&m, 0, buf), 0);
	m.u.limits.warn_s = 59;
	assert_int_equal(kp_wire_encode(&m, 0, buf), KP_WIRE_HEADER_SIZE + 8);
	m.type = KP_WIRE_TYPE_END;
	assert_int_equal(kp_wire_encode(&m, 0, buf), 0);
}

/* Names are cut to 64 characters and to the bytes the wire carries, never
 * inside a character. */
static void test_wire_names_are_cut_on_characters(void **state)
{
	char text[64 * 4 + 8];
	size_t n = 0;

	/* 70 three-byte characters (日): 64 of them, 192 bytes. */
	for (int i = 0; i < 70; i++) {
		memcpy(text + n, "\xe6\x97\xa5", 3);
		n += 3;
	}
	assert_int_equal(kp_wire_name_cut(text, n, KP_WIRE_NAME_MAX), 192);
	/* 64 four-byte characters: 256 bytes do not fit in 255, so 63. */
	n = 0;
	for (int i = 0; i < 64; i++) {
		memcpy(text + n, "\xf0\x9f\x98\x80", 4);
		n += 4;
	}
	assert_int_equal(kp_wire_name_cut(text, n, KP_WIRE_NAME_MAX), 252);
	assert_int_equal(kp_wire_name_cut(text, n, 6), 4);
	/* ASCII: characters are bytes. */
	memset(text, 'a', 100);
	assert_int_equal(kp_wire_name_cut(text, 100, KP_WIRE_NAME_MAX), 64);
	assert_int_equal(kp_wire_name_cut(text, 10, KP_WIRE_NAME_MAX), 10);
	assert_int_equal(kp_wire_name_cut(text, 0, KP_WIRE_NAME_MAX), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wire_roundtrips_every_message_type),
		cmocka_unit_test(test_wire_question_carries_the_words_the_customer_read),
		cmocka_unit_test(test_wire_refuses_lengths_outside_each_types_bounds),
		cmocka_unit_test(test_wire_codec_messages_have_the_documented_bounds),
		cmocka_unit_test(test_wire_codecs_travel_as_their_four_characters),
		cmocka_unit_test(test_wire_refuses_unknown_types_instead_of_skipping),
		cmocka_unit_test(test_wire_refuses_types_not_allowed_in_this_state),
		cmocka_unit_test(test_wire_checks_every_hello_field),
		cmocka_unit_test(test_wire_names_must_be_printable_utf8),
		cmocka_unit_test(test_wire_checks_every_small_field_at_its_bounds),
		cmocka_unit_test(test_wire_checks_welcome_and_video_fields),
		cmocka_unit_test(test_wire_checks_cursor_shape_against_its_pixels),
		cmocka_unit_test(test_wire_largest_video_frame_arrives_whole),
		cmocka_unit_test(test_wire_truncated_frame_waits_and_two_frames_split),
		cmocka_unit_test(test_wire_reader_stops_before_a_held_frame),
		cmocka_unit_test(test_wire_encoder_never_writes_what_the_peer_refuses),
		cmocka_unit_test(test_wire_names_are_cut_on_characters),
	};
	return cmocka_run_group_tests_name("transport-wire", tests, NULL, NULL);
}
