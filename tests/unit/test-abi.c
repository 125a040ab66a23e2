/* SPDX-License-Identifier: MIT */
/* The plugin ABI, pinned: the size and the key offsets of every public
 * struct and the values of the enums and FourCCs plugins compile in, for
 * x86_64.
 *
 * A failure here means a public header changed in a way a built plugin
 * would notice.  If the change is an append (a new field or callback at the
 * end, see docs/plugin-abi.md), bump KYOYU_ABI_MINOR in configure.ac and
 * plugin.h and update the size here; anything else is an ABI break that
 * needs a new major version.  Never just edit the numbers to make it pass.
 *
 * ABI 1.0 was re-cut once, in issue 12, before any release: messages became
 * core-allocated and reference-counted (the union pinned at 384 bytes),
 * codecs FourCCs declared by their plugins, and the structs plugins keep in
 * arrays or on the stack (kyoyu_option, kyoyu_codec_desc, kyoyu_frame_info)
 * gained reserved words.  No plugin built against the first cut exists.
 */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <kyoyu/kyoyu.h>

typedef struct pin {
	const char *what;
	size_t actual, expected;
} pin;

#define SIZE(type, n) {"sizeof(" #type ")", sizeof(type), n}
#define OFFSET(type, field, n) {"offsetof(" #type ", " #field ")", offsetof(type, field), n}
#define VALUE(name, n) {#name, (size_t)(name), n}

static const pin layout[] = {
	SIZE(kyoyu_rect, 16),
	OFFSET(kyoyu_rect, h, 12),
	SIZE(kyoyu_region, 260),
	OFFSET(kyoyu_region, rects, 4),
	SIZE(kyoyu_frame_info, 332),
	OFFSET(kyoyu_frame_info, stride, 12),
	OFFSET(kyoyu_frame_info, offset, 24),
	OFFSET(kyoyu_frame_info, flags, 36),
	OFFSET(kyoyu_frame_info, damage, 40),
	OFFSET(kyoyu_frame_info, reserved, 300),
	SIZE(kyoyu_packet_info, 32),
	OFFSET(kyoyu_packet_info, flags, 4),
	OFFSET(kyoyu_packet_info, capture_us, 16),
	OFFSET(kyoyu_packet_info, encoded_us, 24),
	SIZE(kyoyu_cursor_info, 32),
	OFFSET(kyoyu_cursor_info, serial, 12),
	OFFSET(kyoyu_cursor_info, hot_y, 28),
	SIZE(kyoyu_pointer_info, 12),
	OFFSET(kyoyu_pointer_info, visible, 8),
	SIZE(kyoyu_state_info, 32),
	OFFSET(kyoyu_state_info, role, 12),
	OFFSET(kyoyu_state_info, ends_at_us, 16),
	OFFSET(kyoyu_state_info, now_us, 24),
	SIZE(kyoyu_peer_info, 24),
	OFFSET(kyoyu_peer_info, reason, 12),
	OFFSET(kyoyu_peer_info, verified, 16),
	OFFSET(kyoyu_peer_info, recording_optional, 20),
	SIZE(kyoyu_limits_info, 12),
	OFFSET(kyoyu_limits_info, cap_s, 4),
	OFFSET(kyoyu_limits_info, warn_s, 8),
	SIZE(kyoyu_stats_info, 32),
	OFFSET(kyoyu_stats_info, bytes, 16),
	OFFSET(kyoyu_stats_info, latency_us, 24),
	SIZE(kyoyu_notice_info, 12),
	OFFSET(kyoyu_notice_info, seconds, 4),
	OFFSET(kyoyu_notice_info, error, 8),
	SIZE(kyoyu_code_info, 16),
	OFFSET(kyoyu_code_info, expires_us, 8),
	SIZE(kyoyu_size_info, 16),
	OFFSET(kyoyu_size_info, height, 4),
	OFFSET(kyoyu_size_info, x, 8),
	SIZE(kyoyu_msg, 408),
	OFFSET(kyoyu_msg, seq, 4),
	OFFSET(kyoyu_msg, time_us, 8),
	OFFSET(kyoyu_msg, buf, 16),
	OFFSET(kyoyu_msg, u, 24),
	{"sizeof(kyoyu_msg.u)", sizeof(((kyoyu_msg *)0)->u), 384},
	SIZE(kyoyu_inbox_stats, 48),
	OFFSET(kyoyu_inbox_stats, received, 8),
	OFFSET(kyoyu_inbox_stats, control_dropped, 32),
	OFFSET(kyoyu_inbox_stats, gated, 40),
	SIZE(kyoyu_bus_type_stats, 40),
	OFFSET(kyoyu_bus_type_stats, posted, 8),
	OFFSET(kyoyu_bus_type_stats, last_us, 32),
	SIZE(kyoyu_option, 88),
	OFFSET(kyoyu_option, type, 8),
	OFFSET(kyoyu_option, offset, 16),
	OFFSET(kyoyu_option, help, 24),
	OFFSET(kyoyu_option, def, 32),
	OFFSET(kyoyu_option, min, 40),
	OFFSET(kyoyu_option, max, 48),
	OFFSET(kyoyu_option, def_string, 56),
	OFFSET(kyoyu_option, choices, 64),
	OFFSET(kyoyu_option, reserved, 72),
	SIZE(kyoyu_host, 64),
	OFFSET(kyoyu_host, role, 4),
	OFFSET(kyoyu_host, bus, 8),
	OFFSET(kyoyu_host, clock, 16),
	OFFSET(kyoyu_host, state_dir, 24),
	OFFSET(kyoyu_host, codecs, 32),
	OFFSET(kyoyu_host, recording, 40),
	OFFSET(kyoyu_host, bitrate_kbps, 44),
	OFFSET(kyoyu_host, frame_format, 48),
	OFFSET(kyoyu_host, recording_optional, 52),
	OFFSET(kyoyu_host, console, 56),
	SIZE(kyoyu_stage_ops, 40),
	OFFSET(kyoyu_stage_ops, start, 8),
	OFFSET(kyoyu_stage_ops, run, 16),
	OFFSET(kyoyu_stage_ops, stop, 24),
	OFFSET(kyoyu_stage_ops, formats, 32),
	SIZE(kyoyu_codec_desc, 32),
	OFFSET(kyoyu_codec_desc, name, 8),
	OFFSET(kyoyu_codec_desc, reserved, 16),
	SIZE(kyoyu_encoder_config, 28),
	OFFSET(kyoyu_encoder_config, codec, 4),
	OFFSET(kyoyu_encoder_config, bitrate_kbps, 20),
	OFFSET(kyoyu_encoder_config, format, 24),
	SIZE(kyoyu_decoder_config, 12),
	OFFSET(kyoyu_decoder_config, codec, 4),
	OFFSET(kyoyu_decoder_config, format, 8),
	SIZE(kyoyu_codec_ops, 112),
	OFFSET(kyoyu_codec_ops, encodes, 8),
	OFFSET(kyoyu_codec_ops, decodes, 16),
	OFFSET(kyoyu_codec_ops, encoder_formats, 24),
	OFFSET(kyoyu_codec_ops, decoder_formats, 32),
	OFFSET(kyoyu_codec_ops, encoder_open, 40),
	OFFSET(kyoyu_codec_ops, send_frame, 48),
	OFFSET(kyoyu_codec_ops, receive_packet, 56),
	OFFSET(kyoyu_codec_ops, request_keyframe, 64),
	OFFSET(kyoyu_codec_ops, set_bitrate, 72),
	OFFSET(kyoyu_codec_ops, decoder_open, 80),
	OFFSET(kyoyu_codec_ops, send_packet, 88),
	OFFSET(kyoyu_codec_ops, receive_frame, 96),
	OFFSET(kyoyu_codec_ops, close, 104),
	SIZE(kyoyu_session_view, 72),
	OFFSET(kyoyu_session_view, consent, 16),
	OFFSET(kyoyu_session_view, now_us, 24),
	OFFSET(kyoyu_session_view, connected_us, 32),
	OFFSET(kyoyu_session_view, last_activity_us, 40),
	OFFSET(kyoyu_session_view, sharing_since_us, 48),
	OFFSET(kyoyu_session_view, peer_cap_us, 56),
	OFFSET(kyoyu_session_view, peer_warn_us, 64),
	SIZE(kyoyu_policy_verdict, 40),
	OFFSET(kyoyu_policy_verdict, action, 4),
	OFFSET(kyoyu_policy_verdict, seconds, 12),
	OFFSET(kyoyu_policy_verdict, ends_at_us, 16),
	OFFSET(kyoyu_policy_verdict, cap_us, 24),
	OFFSET(kyoyu_policy_verdict, warn_us, 32),
	SIZE(kyoyu_policy_ops, 24),
	OFFSET(kyoyu_policy_ops, allow, 8),
	OFFSET(kyoyu_policy_ops, tick, 16),
	SIZE(kyoyu_plugin_descriptor, 96),
	OFFSET(kyoyu_plugin_descriptor, abi_minor, 2),
	OFFSET(kyoyu_plugin_descriptor, size, 4),
	OFFSET(kyoyu_plugin_descriptor, kind, 8),
	OFFSET(kyoyu_plugin_descriptor, name, 16),
	OFFSET(kyoyu_plugin_descriptor, version, 24),
	OFFSET(kyoyu_plugin_descriptor, license, 32),
	OFFSET(kyoyu_plugin_descriptor, description, 40),
	OFFSET(kyoyu_plugin_descriptor, priv_size, 48),
	OFFSET(kyoyu_plugin_descriptor, options, 56),
	OFFSET(kyoyu_plugin_descriptor, init, 64),
	OFFSET(kyoyu_plugin_descriptor, fini, 72),
	OFFSET(kyoyu_plugin_descriptor, ops, 80),
	OFFSET(kyoyu_plugin_descriptor, check, 88),
};

static const pin values[] = {
	VALUE(KYOYU_ABI_MAJOR, 1),
	VALUE(KYOYU_ABI_MINOR, 2),
	VALUE(KYOYU_KIND_CAPTURE, 1),
	VALUE(KYOYU_KIND_CODEC, 2),
	VALUE(KYOYU_KIND_TRANSPORT, 3),
	VALUE(KYOYU_KIND_POLICY, 4),
	VALUE(KYOYU_KIND_UI, 5),
	VALUE(KYOYU_OK, 0),
	VALUE(KYOYU_SKIP, 1),
	VALUE(-KYOYU_EOF, ENODATA),
	VALUE(KYOYU_MSG_FRAME, 0),
	VALUE(KYOYU_MSG_PACKET, 1),
	VALUE(KYOYU_MSG_CURSOR, 2),
	VALUE(KYOYU_MSG_POINTER, 3),
	VALUE(KYOYU_MSG_PAUSE, 4),
	VALUE(KYOYU_MSG_RESUME, 5),
	VALUE(KYOYU_MSG_KEYFRAME_REQUEST, 6),
	VALUE(KYOYU_MSG_BITRATE, 7),
	VALUE(KYOYU_MSG_FRAMERATE, 8),
	VALUE(KYOYU_MSG_END, 9),
	VALUE(KYOYU_MSG_STATE, 10),
	VALUE(KYOYU_MSG_PEER, 11),
	VALUE(KYOYU_MSG_CONSENT, 12),
	VALUE(KYOYU_MSG_CODE, 13),
	VALUE(KYOYU_MSG_STATS, 14),
	VALUE(KYOYU_MSG_NOTICE, 15),
	VALUE(KYOYU_MSG_ERROR, 16),
	VALUE(KYOYU_MSG_VIDEO_SIZE, 17),
	VALUE(KYOYU_MSG_SCREEN_CONTENT, 0x20007),
	VALUE(KYOYU_STATE_IDLE, 0),
	VALUE(KYOYU_STATE_CONNECTING, 1),
	VALUE(KYOYU_STATE_AWAITING_CONSENT, 2),
	VALUE(KYOYU_STATE_SHARING, 3),
	VALUE(KYOYU_STATE_PAUSED, 4),
	VALUE(KYOYU_STATE_ENDED, 5),
	VALUE(KYOYU_END_LEFT, 1),
	VALUE(KYOYU_END_OPERATOR, 2),
	VALUE(KYOYU_END_TIME_CAP, 3),
	VALUE(KYOYU_END_IDLE, 4),
	VALUE(KYOYU_END_CONSENT_DECLINED, 5),
	VALUE(KYOYU_END_LINK_LOST, 6),
	VALUE(KYOYU_END_REJECTED, 7),
	VALUE(KYOYU_END_ERROR, 8),
	VALUE(KYOYU_ROLE_SHARER, 1),
	VALUE(KYOYU_ROLE_VIEWER, 2),
	/* FourCCs, first character in the lowest byte: "VP80", "VP90", "H264". */
	VALUE(KYOYU_FOURCC('V', 'P', '9', '0'), 0x30395056),
	VALUE(KYOYU_CODEC_NONE, 0),
	VALUE(KYOYU_CODEC_VP8, 0x30385056),
	VALUE(KYOYU_CODEC_VP9, 0x30395056),
	VALUE(KYOYU_CODEC_H264, 0x34363248),
	VALUE(KYOYU_PIXFMT_NONE, 0),
	VALUE(KYOYU_PIXFMT_BGRX, 1),
	VALUE(KYOYU_PIXFMT_I420, 2),
	VALUE(KYOYU_PIXFMT_I444, 3),
	VALUE(KYOYU_FRAME_REFINE, 1),
	VALUE(KYOYU_FRAME_KEY, 2),
	VALUE(KYOYU_PACKET_KEYFRAME, 1),
	VALUE(KYOYU_PACKET_DISCONT, 2),
	VALUE(KYOYU_PACKET_REFINE, 4),
	VALUE(KYOYU_REGION_MAX_RECTS, 16),
	VALUE(KYOYU_OPT_END, 0),
	VALUE(KYOYU_OPT_BOOL, 1),
	VALUE(KYOYU_OPT_INT, 2),
	VALUE(KYOYU_OPT_DOUBLE, 3),
	VALUE(KYOYU_OPT_STRING, 4),
	VALUE(KYOYU_OPT_ENUM, 5),
	VALUE(KYOYU_POLICY_NONE, 0),
	VALUE(KYOYU_POLICY_WARN, 1),
	VALUE(KYOYU_POLICY_END, 2),
	VALUE(KYOYU_CONSENT_ASK_RECORDED, 1),
	VALUE(KYOYU_CONSENT_GRANTED, 2),
	VALUE(KYOYU_CONSENT_DECLINED, 3),
	VALUE(KYOYU_CONSENT_ASK_UNRECORDED, 4),
	VALUE(KYOYU_PEER_CONNECTED, 1),
	VALUE(KYOYU_PEER_LOST, 2),
	VALUE(KYOYU_PEER_RESUMED, 3),
	VALUE(KYOYU_PEER_GONE, 4),
	VALUE(KYOYU_PEER_DECODES, 5),
	VALUE(KYOYU_NOTICE_TIME_WARNING, 1),
	VALUE(KYOYU_NOTICE_RECORDING, 2),
	VALUE(KYOYU_NOTICE_RECORDING_STOPPED, 3),
	VALUE(KYOYU_NOTICE_CODEC_SWITCHED, 4),
	VALUE(KYOYU_NOTICE_RECONNECTING, 5),
	VALUE(KYOYU_CODE_ENTERED, 1),
	VALUE(KYOYU_CODE_ISSUED, 2),
	VALUE(KYOYU_CODE_REQUEST_NEW, 3),
	VALUE(KYOYU_CODE_NEEDED, 4),
	VALUE(KYOYU_CODE_EXPIRED, 5),
	VALUE(KYOYU_CODE_ATTACKED, 7),
	VALUE(KYOYU_CODE_REFUSED, 6),
};

static void check(const pin *pins, size_t n)
{
	int wrong = 0;

	for (size_t i = 0; i < n; i++) {
		if (pins[i].actual == pins[i].expected)
			continue;
		/* cmocka's print_error checks its format as the C runtime's:
		 * Windows' knows no %zu. */
		print_error("%s is %llu, pinned at %llu\n", pins[i].what,
			    (unsigned long long)pins[i].actual,
			    (unsigned long long)pins[i].expected);
		wrong++;
	}
	assert_int_equal(wrong, 0);
}

static void test_abi_struct_layout_is_pinned(void **state)
{
	(void)state;
	check(layout, sizeof(layout) / sizeof(layout[0]));
}

static void test_abi_enum_values_are_pinned(void **state)
{
	(void)state;
	check(values, sizeof(values) / sizeof(values[0]));
}

static void test_abi_header_macro_fills_the_descriptor(void **state)
{
	static const kyoyu_plugin_descriptor d = {KYOYU_PLUGIN_HEADER};

	(void)state;
	assert_int_equal(d.abi_major, KYOYU_ABI_MAJOR);
	assert_int_equal(d.abi_minor, KYOYU_ABI_MINOR);
	assert_int_equal(d.size, sizeof(kyoyu_plugin_descriptor));
}

/* Tables are arrays of these: the macros must leave the reserved words
 * zero, so a later minor version can give them a meaning. */
static void test_abi_table_macros_leave_reserved_words_zero(void **state)
{
	typedef struct opts {
		bool b;
		int i;
		double d;
		const char *s;
		int e;
	} opts;
	static const char *const names[] = {"a", NULL};
	static const kyoyu_option options[] = {
		KYOYU_OPTION_BOOL("b", opts, b, 0, "b"),
		KYOYU_OPTION_INT("i", opts, i, 0, 0, 1, "i"),
		KYOYU_OPTION_DOUBLE("d", opts, d, 0, 0, 1, "d"),
		KYOYU_OPTION_STRING("s", opts, s, NULL, "s"),
		KYOYU_OPTION_TEXT("t", opts, s, NULL, 40, "t"),
		KYOYU_OPTION_ENUM("e", opts, e, 0, names, "e"),
		KYOYU_OPTION_END,
	};
	static const kyoyu_codec_desc codecs[] = {
		KYOYU_CODEC_DESC(KYOYU_CODEC_VP9, "vp9"),
		KYOYU_CODEC_DESC_END,
	};

	(void)state;
	for (size_t i = 0; i < sizeof(options) / sizeof(options[0]); i++) {
		assert_null(options[i].reserved[0]);
		assert_null(options[i].reserved[1]);
	}
	assert_int_equal(options[4].max, 40); /* a TEXT limit is its max */
	assert_int_equal(options[4].type, KYOYU_OPT_STRING);
	assert_int_equal(options[6].type, KYOYU_OPT_END);
	for (size_t i = 0; i < sizeof(codecs) / sizeof(codecs[0]); i++) {
		assert_null(codecs[i].reserved[0]);
		assert_null(codecs[i].reserved[1]);
	}
	assert_int_equal(codecs[1].fourcc, KYOYU_CODEC_NONE);
	assert_null(codecs[1].name);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_abi_struct_layout_is_pinned),
		cmocka_unit_test(test_abi_enum_values_are_pinned),
		cmocka_unit_test(test_abi_header_macro_fills_the_descriptor),
		cmocka_unit_test(test_abi_table_macros_leave_reserved_words_zero),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
