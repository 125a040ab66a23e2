/* SPDX-License-Identifier: MIT */
/* The session state machine with the real default policy and a manual
 * clock: connect, the customer's yes (asked every time, recorded or not),
 * share, pause and resume with the gate, the time cap counted from the yes
 * and its warning, the idle timeout, and every end reason. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <kyoyu/plugin.h>

#include "bus-priv.h"
#include "codecs.h"
#include "instance.h"
#include "loader.h"
#include "session.h"
#include "stage-priv.h"
#include "test-util.h"

#define MINUTE INT64_C(60000000)

typedef struct fixture {
	uint32_t role;
	kyoyu_loader loader;
	kyoyu_bus *bus;
	kyoyu_clock *clock;
	kyoyu_instance *policy;
	kyoyu_session *session;
	kyoyu_inbox *watch;  /* what the session says */
	kyoyu_inbox *screen; /* a consumer of screen content */
} fixture;

static fixture *make_fixture(uint32_t role, const char *const *args)
{
	static char *dirs[] = {KYOYU_BUILD_PLUGIN_DIR, NULL};
	fixture *f = calloc(1, sizeof(*f));
	kyoyu_settings set;
	kyoyu_plugin *plugin;
	char err[1024] = "";

	f->role = role;
	assert_int_equal(kyoyu_loader_init(&f->loader, dirs), 0);
	f->bus = kyoyu_bus_new();
	f->clock = kyoyu_clock_new_manual(1000 * MINUTE);
	f->watch = kyoyu_bus_subscribe(f->bus, "watch",
				       KYOYU_MSG_BIT(KYOYU_MSG_STATE) |
					       KYOYU_MSG_BIT(KYOYU_MSG_NOTICE) |
					       KYOYU_MSG_BIT(KYOYU_MSG_CONSENT) |
					       KYOYU_MSG_BIT(KYOYU_MSG_KEYFRAME_REQUEST),
				       0);
	f->screen = kyoyu_bus_subscribe(f->bus, "screen", KYOYU_MSG_SCREEN_CONTENT, 0);
	kyoyu_settings_init(&set);
	for (; args && *args; args++)
		assert_int_equal(kyoyu_settings_put_arg(&set, *args, err, sizeof(err)), 0);
	if (kyoyu_loader_find(&f->loader, KYOYU_KIND_POLICY, "default", &plugin, err,
			      sizeof(err)))
		fail_msg("%s", err);
	kyoyu_host host = {.size = sizeof(host), .role = role, .bus = f->bus,
			   .clock = f->clock};
	assert_int_equal(kyoyu_instance_new(plugin, &host, &set, "session", &f->policy, err,
					    sizeof(err)), KYOYU_OK);
	kyoyu_settings_clear(&set);
	f->session = kyoyu_session_new(f->bus, f->clock, role, f->policy);
	assert_non_null(f->session);
	return f;
}

static void free_fixture(fixture *f)
{
	kyoyu_session_free(f->session);
	kyoyu_instance_free(f->policy);
	kyoyu_inbox_free(f->watch);
	kyoyu_inbox_free(f->screen);
	kyoyu_bus_free(f->bus);
	kyoyu_clock_free(f->clock);
	kyoyu_loader_fini(&f->loader);
	free(f);
}

static int setup(void **state)
{
	*state = make_fixture(KYOYU_ROLE_SHARER, NULL);
	return 0;
}

static int teardown(void **state)
{
	free_fixture(*state);
	return 0;
}

static kyoyu_msg *new_msg(kyoyu_msg_type type)
{
	kyoyu_msg *msg = kyoyu_msg_new(type);

	assert_non_null(msg);
	return msg;
}

static void handle_value(fixture *f, kyoyu_msg_type type, int64_t value)
{
	kyoyu_msg *msg = new_msg(type);

	msg->u.value = value;
	kyoyu_session_handle(f->session, msg);
	kyoyu_msg_unref(msg);
}

static void peer(fixture *f, uint32_t event, uint32_t recording, uint32_t reason)
{
	kyoyu_msg *msg = new_msg(KYOYU_MSG_PEER);

	msg->u.peer = (kyoyu_peer_info){.event = event, .codec = KYOYU_CODEC_VP9,
					.recording = recording, .reason = reason};
	msg->buf = kyoyu_buffer_new_copy("operator", 8);
	kyoyu_session_handle(f->session, msg);
	kyoyu_msg_unref(msg);
}

/* The next message the session posted, which must be of TYPE; the caller
 * releases it. */
static kyoyu_msg *next_said(fixture *f, kyoyu_msg_type type)
{
	kyoyu_msg *msg;

	assert_int_equal(kyoyu_inbox_pop(f->watch, &msg, 0), 0);
	if (msg->type != type)
		fail_msg("expected a %s message, got %s", kyoyu_msg_type_name(type),
			 kyoyu_msg_type_name(msg->type));
	return msg;
}

/* The next message the session posted is of TYPE. */
static void expect_said(fixture *f, kyoyu_msg_type type)
{
	kyoyu_msg_unref(next_said(f, type));
}

static void expect_state(fixture *f, uint32_t state)
{
	kyoyu_msg *msg = next_said(f, KYOYU_MSG_STATE);

	assert_string_equal(kyoyu_state_name(msg->u.state.state), kyoyu_state_name(state));
	assert_int_equal(msg->u.state.role, f->role);
	kyoyu_msg_unref(msg);
}

static void expect_silence(fixture *f)
{
	kyoyu_msg *msg;
	int ret = kyoyu_inbox_pop(f->watch, &msg, 0);

	if (ret == 0)
		fail_msg("unexpected %s message", kyoyu_msg_type_name(msg->type));
}

static int post_frame(fixture *f)
{
	kyoyu_msg *msg = new_msg(KYOYU_MSG_FRAME);

	kyoyu_frame_layout(&msg->u.frame, KYOYU_PIXFMT_BGRX, 4, 4);
	msg->buf = kyoyu_buffer_new(64);
	return kyoyu_bus_post(f->bus, msg);
}

/* The next message the session posted is the question QUESTION. */
static void expect_question(fixture *f, int64_t question)
{
	kyoyu_msg *ask = next_said(f, KYOYU_MSG_CONSENT);

	assert_int_equal(ask->u.value, question);
	kyoyu_msg_unref(ask);
}

/* Begin, connect without recording, the customer says yes: the session
 * shares. */
static void start_sharing(fixture *f)
{
	kyoyu_session_begin(f->session);
	expect_state(f, KYOYU_STATE_CONNECTING);
	peer(f, KYOYU_PEER_CONNECTED, 0, 0);
	expect_state(f, KYOYU_STATE_AWAITING_CONSENT);
	expect_question(f, KYOYU_CONSENT_ASK_UNRECORDED);
	handle_value(f, KYOYU_MSG_CONSENT, KYOYU_CONSENT_GRANTED);
	expect_state(f, KYOYU_STATE_SHARING);
	expect_said(f, KYOYU_MSG_KEYFRAME_REQUEST);
	assert_int_equal(kyoyu_session_state(f->session), KYOYU_STATE_SHARING);
}

static void test_session_gate_is_closed_before_sharing(void **state)
{
	fixture *f = *state;

	assert_int_equal(kyoyu_session_state(f->session), KYOYU_STATE_IDLE);
	assert_int_equal(post_frame(f), -EPERM);
	kyoyu_session_begin(f->session);
	assert_int_equal(post_frame(f), -EPERM);
}

static void test_session_connect_then_share_and_request_keyframe(void **state)
{
	fixture *f = *state;
	kyoyu_session_status status;

	start_sharing(f);
	assert_int_equal(post_frame(f), 0);
	kyoyu_session_get_status(f->session, &status);
	assert_string_equal(status.peer, "operator");
	assert_int_equal(status.codec, KYOYU_CODEC_VP9);
	assert_int_equal(status.connected_us, 1000 * MINUTE);
	expect_silence(f);
}

/* After a CODEC_SWITCHED notice with LABEL, the status names CODEC. */
static void assert_codec_after_switch(fixture *f, const char *label, uint32_t codec)
{
	kyoyu_msg *msg = new_msg(KYOYU_MSG_NOTICE);
	kyoyu_session_status status;

	msg->u.notice.kind = KYOYU_NOTICE_CODEC_SWITCHED;
	msg->buf = kyoyu_buffer_new_copy(label, strlen(label));
	kyoyu_session_handle(f->session, msg);
	kyoyu_msg_unref(msg);
	kyoyu_session_get_status(f->session, &status);
	assert_int_equal(status.codec, codec);
}

/* codec.format = "auto": the sharer's encode stage names the new codec
 * ("h264"), the viewer's transport gives its FourCC ("H264"); either way
 * status names the codec in use, and words it does not know change
 * nothing. */
static void test_session_status_names_the_codec_switched_to(void **state)
{
	fixture *f = *state;
	static const kyoyu_codec_desc codecs[] = {
		KYOYU_CODEC_DESC(KYOYU_CODEC_VP9, "vp9"),
		KYOYU_CODEC_DESC(KYOYU_CODEC_H264, "h264"),
		KYOYU_CODEC_DESC_END,
	};

	kyoyu_codecs_register(codecs);
	start_sharing(f);
	assert_codec_after_switch(f, "no-such-codec", KYOYU_CODEC_VP9);
	assert_codec_after_switch(f, "h264", KYOYU_CODEC_H264);
	assert_codec_after_switch(f, "VP90", KYOYU_CODEC_VP9);
	assert_codec_after_switch(f, "H264", KYOYU_CODEC_H264);
	expect_silence(f);
}

static void test_session_waits_for_consent_when_recording(void **state)
{
	fixture *f = *state;

	kyoyu_session_begin(f->session);
	expect_state(f, KYOYU_STATE_CONNECTING);
	peer(f, KYOYU_PEER_CONNECTED, 1, 0);
	expect_state(f, KYOYU_STATE_AWAITING_CONSENT);
	/* One question, which says the session would be recorded. */
	expect_question(f, KYOYU_CONSENT_ASK_RECORDED);
	assert_int_equal(kyoyu_session_state(f->session), KYOYU_STATE_AWAITING_CONSENT);
	assert_int_equal(post_frame(f), -EPERM);
	/* Our own question, echoed back, changes nothing. */
	handle_value(f, KYOYU_MSG_CONSENT, KYOYU_CONSENT_ASK_RECORDED);
	expect_silence(f);
	handle_value(f, KYOYU_MSG_CONSENT, KYOYU_CONSENT_GRANTED);
	expect_state(f, KYOYU_STATE_SHARING);
	expect_said(f, KYOYU_MSG_KEYFRAME_REQUEST);
	assert_int_equal(post_frame(f), 0);
}

static void test_session_asks_before_sharing_without_recording(void **state)
{
	fixture *f = *state;

	kyoyu_session_begin(f->session);
	expect_state(f, KYOYU_STATE_CONNECTING);
	/* A yes typed before anything asked is no answer. */
	handle_value(f, KYOYU_MSG_CONSENT, KYOYU_CONSENT_GRANTED);
	expect_silence(f);
	peer(f, KYOYU_PEER_CONNECTED, 0, 0);
	expect_state(f, KYOYU_STATE_AWAITING_CONSENT);
	expect_question(f, KYOYU_CONSENT_ASK_UNRECORDED);
	expect_silence(f);
	/* Nobody, the policy included, can share before the answer. */
	assert_int_equal(kyoyu_session_move(f->session, KYOYU_STATE_SHARING, 0), -EPERM);
	assert_int_equal(post_frame(f), -EPERM);
	kyoyu_session_tick(f->session);
	expect_silence(f); /* no cap is running yet */
	handle_value(f, KYOYU_MSG_CONSENT, KYOYU_CONSENT_GRANTED);
	expect_state(f, KYOYU_STATE_SHARING);
	expect_said(f, KYOYU_MSG_KEYFRAME_REQUEST);
	assert_int_equal(post_frame(f), 0);
	/* A repeated yes (after a dropped link) changes nothing. */
	handle_value(f, KYOYU_MSG_CONSENT, KYOYU_CONSENT_GRANTED);
	expect_silence(f);
}

static void test_session_viewer_waits_for_the_answer_and_never_asks(void **state)
{
	fixture *f = make_fixture(KYOYU_ROLE_VIEWER, NULL);

	(void)state;
	kyoyu_session_begin(f->session);
	expect_state(f, KYOYU_STATE_CONNECTING);
	peer(f, KYOYU_PEER_CONNECTED, 0, 0);
	expect_state(f, KYOYU_STATE_AWAITING_CONSENT);
	expect_silence(f); /* the question is the sharer's to ask */
	assert_int_equal(kyoyu_session_state(f->session), KYOYU_STATE_AWAITING_CONSENT);
	/* The customer's yes, as the transport brings it over the link. */
	handle_value(f, KYOYU_MSG_CONSENT, KYOYU_CONSENT_GRANTED);
	expect_state(f, KYOYU_STATE_SHARING);
	expect_silence(f); /* and no keyframe request: the viewer has no encoder */
	free_fixture(f);
}

static void test_session_declined_without_recording_ends_it(void **state)
{
	fixture *f = *state;

	kyoyu_session_begin(f->session);
	peer(f, KYOYU_PEER_CONNECTED, 0, 0);
	handle_value(f, KYOYU_MSG_CONSENT, KYOYU_CONSENT_DECLINED);
	assert_int_equal(kyoyu_session_state(f->session), KYOYU_STATE_ENDED);
	assert_string_equal(kyoyu_end_reason_name(kyoyu_session_reason(f->session)),
			    "consent declined");
	assert_int_equal(post_frame(f), -EPERM);
}

static void test_session_waiting_for_the_answer_is_not_capped_time(void **state)
{
	fixture *f = *state;

	kyoyu_session_begin(f->session);
	expect_state(f, KYOYU_STATE_CONNECTING);
	peer(f, KYOYU_PEER_CONNECTED, 0, 0);
	expect_state(f, KYOYU_STATE_AWAITING_CONSENT);
	expect_question(f, KYOYU_CONSENT_ASK_UNRECORDED);
	/* The customer reads the question for 10 minutes, then says yes. */
	kyoyu_clock_advance(f->clock, 10 * MINUTE);
	kyoyu_session_tick(f->session);
	expect_silence(f);
	handle_value(f, KYOYU_MSG_CONSENT, KYOYU_CONSENT_GRANTED);
	expect_state(f, KYOYU_STATE_SHARING);
	expect_said(f, KYOYU_MSG_KEYFRAME_REQUEST);
	kyoyu_session_tick(f->session);
	/* 40 minutes from the yes, not from the connection. */
	kyoyu_msg *st = next_said(f, KYOYU_MSG_STATE);
	assert_int_equal(st->u.state.ends_at_us, 1050 * MINUTE);
	kyoyu_msg_unref(st);
	kyoyu_session_status status;
	kyoyu_session_get_status(f->session, &status);
	assert_int_equal(status.ends_at_us, 1050 * MINUTE);
}

static void test_session_unanswered_question_ends_after_the_cap(void **state)
{
	fixture *f = *state;

	kyoyu_session_begin(f->session);
	peer(f, KYOYU_PEER_CONNECTED, 1, 0);
	kyoyu_clock_advance(f->clock, 40 * MINUTE - 1);
	kyoyu_session_tick(f->session);
	assert_int_equal(kyoyu_session_state(f->session), KYOYU_STATE_AWAITING_CONSENT);
	kyoyu_clock_advance(f->clock, 1);
	kyoyu_session_tick(f->session);
	assert_int_equal(kyoyu_session_state(f->session), KYOYU_STATE_ENDED);
	assert_string_equal(kyoyu_end_reason_name(kyoyu_session_reason(f->session)),
			    "idle timeout");
	assert_int_equal(post_frame(f), -EPERM);
}

static void test_session_declined_consent_ends_it(void **state)
{
	fixture *f = *state;

	kyoyu_session_begin(f->session);
	peer(f, KYOYU_PEER_CONNECTED, 1, 0);
	handle_value(f, KYOYU_MSG_CONSENT, KYOYU_CONSENT_DECLINED);
	assert_int_equal(kyoyu_session_state(f->session), KYOYU_STATE_ENDED);
	assert_string_equal(kyoyu_end_reason_name(kyoyu_session_reason(f->session)),
			    "consent declined");
	assert_int_equal(post_frame(f), -EPERM);
}

static void test_session_pause_closes_gate_and_drops_queued_frames(void **state)
{
	fixture *f = *state;
	kyoyu_msg *msg;

	start_sharing(f);
	assert_int_equal(post_frame(f), 0);
	kyoyu_msg *pkt = new_msg(KYOYU_MSG_PACKET);
	pkt->buf = kyoyu_buffer_new(10);
	assert_int_equal(kyoyu_bus_post(f->bus, pkt), 0);
	handle_value(f, KYOYU_MSG_PAUSE, 0);
	expect_state(f, KYOYU_STATE_PAUSED);
	/* What was waiting for the encoder or the network never comes out ... */
	assert_int_equal(kyoyu_inbox_pop(f->screen, &msg, 0), -EAGAIN);
	kyoyu_inbox_stats st = {.size = sizeof(st)};
	kyoyu_inbox_get_stats(f->screen, &st);
	assert_int_equal(st.gated, 2);
	/* ... and nothing new gets in. */
	assert_int_equal(post_frame(f), -EPERM);
	assert_int_equal(kyoyu_bus_post(f->bus, new_msg(KYOYU_MSG_CURSOR)), -EPERM);
	/* Pausing twice is refused by the state machine, not an error. */
	assert_int_equal(kyoyu_session_move(f->session, KYOYU_STATE_PAUSED, 0), -EPERM);
}

static void test_session_resume_reopens_gate_and_requests_keyframe(void **state)
{
	fixture *f = *state;
	kyoyu_msg *msg;

	start_sharing(f);
	handle_value(f, KYOYU_MSG_PAUSE, 0);
	expect_state(f, KYOYU_STATE_PAUSED);
	/* Captured during the pause, posted after the resume: refused. */
	kyoyu_msg *stale = new_msg(KYOYU_MSG_FRAME);
	stale->buf = kyoyu_buffer_new(64);
	int64_t until = kyoyu_now_us() + 1;
	while (kyoyu_now_us() < until)
		;
	handle_value(f, KYOYU_MSG_RESUME, 0);
	expect_state(f, KYOYU_STATE_SHARING);
	expect_said(f, KYOYU_MSG_KEYFRAME_REQUEST);
	assert_int_equal(kyoyu_bus_post(f->bus, stale), -EPERM);
	assert_int_equal(post_frame(f), 0);
	assert_int_equal(kyoyu_inbox_pop(f->screen, &msg, 0), 0);
	kyoyu_msg_unref(msg);
}

/* The viewer's STATE messages, in order, with nothing else between. */
static void expect_viewer_states(fixture *f, const uint32_t *states, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		kyoyu_msg *msg = next_said(f, KYOYU_MSG_STATE);
		assert_string_equal(kyoyu_state_name(msg->u.state.state),
				    kyoyu_state_name(states[i]));
		assert_int_equal(msg->u.state.role, KYOYU_ROLE_VIEWER);
		kyoyu_msg_unref(msg);
	}
	expect_silence(f);
}

/* Nothing encodes on the viewer: its decode stage asks the sharer for a
 * keyframe when it lacks one, and the sharer starts every stretch of
 * sharing with one.  A request of the session's own would only travel
 * and cost the customer a second keyframe. */
static void test_session_viewer_asks_for_no_keyframe_when_sharing_starts(void **state)
{
	fixture *f = make_fixture(KYOYU_ROLE_VIEWER, NULL);
	static const uint32_t start[] = {KYOYU_STATE_CONNECTING, KYOYU_STATE_AWAITING_CONSENT,
					 KYOYU_STATE_SHARING};
	static const uint32_t pause[] = {KYOYU_STATE_PAUSED, KYOYU_STATE_SHARING};

	(void)state;
	kyoyu_session_begin(f->session);
	peer(f, KYOYU_PEER_CONNECTED, 0, 0);
	handle_value(f, KYOYU_MSG_CONSENT, KYOYU_CONSENT_GRANTED);
	expect_viewer_states(f, start, 3);
	handle_value(f, KYOYU_MSG_PAUSE, 0);
	handle_value(f, KYOYU_MSG_RESUME, 0);
	expect_viewer_states(f, pause, 2);
	assert_int_equal(kyoyu_session_state(f->session), KYOYU_STATE_SHARING);
	free_fixture(f);
}

static void test_session_time_cap_warns_then_ends(void **state)
{
	fixture *f = *state;

	start_sharing(f);
	kyoyu_session_tick(f->session);
	/* The first tick tells everyone when the cap falls. */
	kyoyu_msg *st = next_said(f, KYOYU_MSG_STATE);
	assert_int_equal(st->u.state.ends_at_us, 1040 * MINUTE);
	kyoyu_msg_unref(st);
	kyoyu_clock_advance(f->clock, 34 * MINUTE + 59000000);
	kyoyu_session_tick(f->session);
	expect_silence(f);
	kyoyu_clock_advance(f->clock, 1000000);
	kyoyu_session_tick(f->session);
	kyoyu_msg *notice = next_said(f, KYOYU_MSG_NOTICE);
	assert_int_equal(notice->u.notice.kind, KYOYU_NOTICE_TIME_WARNING);
	assert_int_equal(notice->u.notice.seconds, 300);
	kyoyu_msg_unref(notice);
	kyoyu_clock_advance(f->clock, MINUTE);
	kyoyu_session_tick(f->session);
	expect_silence(f); /* warned once only */
	kyoyu_clock_advance(f->clock, 4 * MINUTE);
	kyoyu_session_tick(f->session);
	kyoyu_msg *end = next_said(f, KYOYU_MSG_STATE);
	assert_int_equal(end->u.state.state, KYOYU_STATE_ENDED);
	assert_string_equal(kyoyu_end_reason_name(end->u.state.reason), "time cap");
	kyoyu_msg_unref(end);
	assert_int_equal(post_frame(f), -EPERM);
	/* Nothing ticks after the end. */
	kyoyu_clock_advance(f->clock, 60 * MINUTE);
	kyoyu_session_tick(f->session);
	expect_silence(f);
}

/* The peer's limits, as its transport brings them over the link. */
static void peer_limits(fixture *f, int32_t cap_s, int32_t warn_s)
{
	kyoyu_msg *msg = new_msg(KYOYU_MSG_LIMITS);

	msg->u.limits = (kyoyu_limits_info){KYOYU_LIMITS_PEER, cap_s, warn_s};
	kyoyu_session_handle(f->session, msg);
	kyoyu_msg_unref(msg);
}

static void test_session_tells_the_peer_its_own_cap(void **state)
{
	fixture *f = *state;
	kyoyu_inbox *limits = kyoyu_bus_subscribe(f->bus, "limits",
						  KYOYU_MSG_BIT(KYOYU_MSG_LIMITS), 0);
	kyoyu_msg *msg;

	kyoyu_session_tick(f->session);
	assert_int_equal(kyoyu_inbox_pop(limits, &msg, 0), 0);
	assert_int_equal(msg->u.limits.source, KYOYU_LIMITS_OWN);
	assert_int_equal(msg->u.limits.cap_s, 40 * 60);
	assert_int_equal(msg->u.limits.warn_s, 5 * 60);
	kyoyu_msg_unref(msg);
	/* Said once: the next tick has nothing new. */
	kyoyu_session_tick(f->session);
	assert_int_equal(kyoyu_inbox_pop(limits, &msg, 0), -EAGAIN);
	kyoyu_inbox_free(limits);
}

/* The viewer's cap of 2 minutes, warned 1 minute before, wins over the
 * sharer's own 40: the sharer shows it, warns and ends at it. */
static void test_session_enforces_the_earlier_peer_cap(void **state)
{
	fixture *f = *state;

	start_sharing(f);
	peer_limits(f, 120, 60);
	kyoyu_session_tick(f->session);
	kyoyu_msg *st = next_said(f, KYOYU_MSG_STATE);
	assert_int_equal(st->u.state.ends_at_us, 1000 * MINUTE + 2 * MINUTE);
	kyoyu_msg_unref(st);
	kyoyu_session_status status;
	kyoyu_session_get_status(f->session, &status);
	assert_int_equal(status.ends_at_us - status.now_us, 2 * MINUTE);
	kyoyu_clock_advance(f->clock, MINUTE);
	kyoyu_session_tick(f->session);
	kyoyu_msg *notice = next_said(f, KYOYU_MSG_NOTICE);
	assert_int_equal(notice->u.notice.kind, KYOYU_NOTICE_TIME_WARNING);
	assert_int_equal(notice->u.notice.seconds, 60);
	kyoyu_msg_unref(notice);
	kyoyu_clock_advance(f->clock, MINUTE);
	kyoyu_session_tick(f->session);
	kyoyu_msg *end = next_said(f, KYOYU_MSG_STATE);
	assert_string_equal(kyoyu_end_reason_name(end->u.state.reason), "time cap");
	kyoyu_msg_unref(end);
}

/* A later peer cap changes nothing: this side's own comes first. */
static void test_session_keeps_its_own_earlier_cap(void **state)
{
	fixture *f = *state;

	start_sharing(f);
	peer_limits(f, 3 * 60 * 60, 0);
	kyoyu_session_tick(f->session);
	kyoyu_msg *st = next_said(f, KYOYU_MSG_STATE);
	assert_int_equal(st->u.state.ends_at_us, 1040 * MINUTE);
	kyoyu_msg_unref(st);
}

/* The viewer records but the desk allows sharing without (record.required
 * = false): the customer is offered the choice and takes it. */
static void test_session_shares_without_recording_when_offered(void **state)
{
	fixture *f = *state;
	kyoyu_msg *msg = new_msg(KYOYU_MSG_PEER);

	kyoyu_session_begin(f->session);
	expect_state(f, KYOYU_STATE_CONNECTING);
	msg->u.peer = (kyoyu_peer_info){.event = KYOYU_PEER_CONNECTED, .recording = 1,
					.recording_optional = 1};
	kyoyu_session_handle(f->session, msg);
	kyoyu_msg_unref(msg);
	expect_state(f, KYOYU_STATE_AWAITING_CONSENT);
	expect_question(f, KYOYU_CONSENT_ASK_RECORDING_OPTIONAL);
	handle_value(f, KYOYU_MSG_CONSENT, KYOYU_CONSENT_GRANTED_UNRECORDED);
	kyoyu_msg *st = next_said(f, KYOYU_MSG_STATE);
	assert_int_equal(st->u.state.state, KYOYU_STATE_SHARING);
	assert_int_equal(st->u.state.recording, 0);
	kyoyu_msg_unref(st);
	kyoyu_session_status status;
	kyoyu_session_get_status(f->session, &status);
	assert_int_equal(status.recording, 0);
}

/* A desk that requires its recording is not overridden by an answer to a
 * question nobody asked. */
static void test_session_refuses_unrecorded_when_recording_is_required(void **state)
{
	fixture *f = *state;

	kyoyu_session_begin(f->session);
	expect_state(f, KYOYU_STATE_CONNECTING);
	peer(f, KYOYU_PEER_CONNECTED, 1, 0);
	expect_state(f, KYOYU_STATE_AWAITING_CONSENT);
	expect_question(f, KYOYU_CONSENT_ASK_RECORDED);
	handle_value(f, KYOYU_MSG_CONSENT, KYOYU_CONSENT_GRANTED_UNRECORDED);
	expect_silence(f);
	assert_int_equal(kyoyu_session_state(f->session), KYOYU_STATE_AWAITING_CONSENT);
	handle_value(f, KYOYU_MSG_CONSENT, KYOYU_CONSENT_GRANTED);
	kyoyu_msg *st = next_said(f, KYOYU_MSG_STATE);
	assert_int_equal(st->u.state.state, KYOYU_STATE_SHARING);
	assert_int_equal(st->u.state.recording, 1);
	kyoyu_msg_unref(st);
}

/* ctl status shows the peer's name and organisation from the PEER texts. */
static void test_session_keeps_the_verified_identity(void **state)
{
	fixture *f = *state;
	static const char texts[] = "田中 愛子\0Example サポート\0\0";
	kyoyu_msg *msg = new_msg(KYOYU_MSG_PEER);
	kyoyu_session_status status;

	kyoyu_session_begin(f->session);
	msg->u.peer = (kyoyu_peer_info){.event = KYOYU_PEER_CONNECTED,
					.verified = KYOYU_PEER_VERIFIED_PIN};
	msg->buf = kyoyu_buffer_new_copy(texts, sizeof(texts) - 1);
	kyoyu_session_handle(f->session, msg);
	kyoyu_msg_unref(msg);
	kyoyu_session_get_status(f->session, &status);
	assert_string_equal(status.peer, "田中 愛子");
	assert_string_equal(status.peer_org, "Example サポート");
	assert_int_equal(status.verified, KYOYU_PEER_VERIFIED_PIN);
}

static void test_session_idle_timeout_counts_from_last_activity(void **state)
{
	static const char *const args[] = {"session.idle_minutes=10", NULL};
	fixture *f = make_fixture(KYOYU_ROLE_SHARER, args);

	start_sharing(f);
	kyoyu_session_tick(f->session);
	expect_said(f, KYOYU_MSG_STATE); /* the cap's time */
	kyoyu_clock_advance(f->clock, 9 * MINUTE);
	assert_int_equal(post_frame(f), 0); /* the screen changed */
	kyoyu_session_tick(f->session);
	kyoyu_clock_advance(f->clock, 9 * MINUTE);
	kyoyu_session_tick(f->session);
	assert_int_equal(kyoyu_session_state(f->session), KYOYU_STATE_SHARING);
	kyoyu_clock_advance(f->clock, MINUTE);
	kyoyu_session_tick(f->session);
	assert_int_equal(kyoyu_session_state(f->session), KYOYU_STATE_ENDED);
	assert_string_equal(kyoyu_end_reason_name(kyoyu_session_reason(f->session)),
			    "idle timeout");
	free_fixture(f);
}

static void expect_end(const char *name, void (*act)(fixture *))
{
	fixture *f = make_fixture(KYOYU_ROLE_SHARER, NULL);

	start_sharing(f);
	act(f);
	assert_int_equal(kyoyu_session_state(f->session), KYOYU_STATE_ENDED);
	assert_string_equal(kyoyu_end_reason_name(kyoyu_session_reason(f->session)), name);
	kyoyu_msg *end = next_said(f, KYOYU_MSG_STATE);
	assert_int_equal(end->u.state.state, KYOYU_STATE_ENDED);
	assert_string_equal(kyoyu_end_reason_name(end->u.state.reason), name);
	kyoyu_msg_unref(end);
	/* ENDED is final. */
	handle_value(f, KYOYU_MSG_RESUME, 0);
	handle_value(f, KYOYU_MSG_END, KYOYU_END_OPERATOR);
	peer(f, KYOYU_PEER_CONNECTED, 0, 0);
	assert_int_equal(kyoyu_session_state(f->session), KYOYU_STATE_ENDED);
	assert_string_equal(kyoyu_end_reason_name(kyoyu_session_reason(f->session)), name);
	expect_silence(f);
	free_fixture(f);
}

static void end_by_operator(fixture *f) { handle_value(f, KYOYU_MSG_END, KYOYU_END_OPERATOR); }
static void end_without_reason(fixture *f) { handle_value(f, KYOYU_MSG_END, 0); }
static void end_by_error(fixture *f) { handle_value(f, KYOYU_MSG_ERROR, -EIO); }
static void end_by_peer_gone(fixture *f) { peer(f, KYOYU_PEER_GONE, 0, KYOYU_END_OPERATOR); }
static void end_by_link_lost(fixture *f) { peer(f, KYOYU_PEER_GONE, 0, 0); }
static void end_by_rejection(fixture *f) { handle_value(f, KYOYU_MSG_END, KYOYU_END_REJECTED); }

static void test_session_end_reasons(void **state)
{
	(void)state;
	expect_end("ended by operator", end_by_operator);
	expect_end("left", end_without_reason);
	expect_end("error", end_by_error);
	expect_end("ended by operator", end_by_peer_gone);
	expect_end("link lost", end_by_link_lost);
	expect_end("rejected", end_by_rejection);
}

static void test_session_refuses_illegal_moves(void **state)
{
	fixture *f = *state;

	/* Nothing to resume or pause before sharing. */
	handle_value(f, KYOYU_MSG_RESUME, 0);
	handle_value(f, KYOYU_MSG_PAUSE, 0);
	assert_int_equal(kyoyu_session_state(f->session), KYOYU_STATE_IDLE);
	expect_silence(f);
	assert_int_equal(kyoyu_session_move(f->session, KYOYU_STATE_SHARING, 0), -EPERM);
	assert_int_equal(kyoyu_session_move(f->session, 42, 0), -EPERM);
	kyoyu_session_begin(f->session);
	expect_state(f, KYOYU_STATE_CONNECTING);
	assert_int_equal(kyoyu_session_move(f->session, KYOYU_STATE_CONNECTING, 0), -EPERM);
	/* A lost link that may come back does not end anything. */
	peer(f, KYOYU_PEER_LOST, 0, 0);
	assert_int_equal(kyoyu_session_state(f->session), KYOYU_STATE_CONNECTING);
}

static void test_session_runs_on_its_stage(void **state)
{
	fixture *f = *state;
	kyoyu_stage *stage = kyoyu_stage_new(f->bus, "session");

	/* Subscribe now rather than when the thread gets going, so no
	 * message posted below can be missed. */
	kyoyu_inbox_set_mask(kyoyu_stage_inbox(stage), KYOYU_SESSION_MASK);
	kyoyu_session_begin(f->session);
	assert_int_equal(kyoyu_stage_start(stage, kyoyu_session_run, f->session), 0);
	kyoyu_msg *msg = new_msg(KYOYU_MSG_PEER);
	msg->u.peer.event = KYOYU_PEER_CONNECTED;
	kyoyu_bus_post(f->bus, msg);
	assert_true(WAIT_UNTIL(kyoyu_session_state(f->session) ==
				       KYOYU_STATE_AWAITING_CONSENT, 10));
	kyoyu_bus_post_value(f->bus, KYOYU_MSG_CONSENT, KYOYU_CONSENT_GRANTED);
	assert_true(WAIT_UNTIL(kyoyu_session_state(f->session) == KYOYU_STATE_SHARING, 10));
	kyoyu_bus_post_value(f->bus, KYOYU_MSG_END, KYOYU_END_LEFT);
	assert_true(WAIT_UNTIL(kyoyu_session_state(f->session) == KYOYU_STATE_ENDED, 10));
	kyoyu_stage_free(stage);
	assert_string_equal(kyoyu_end_reason_name(kyoyu_session_reason(f->session)), "left");
}

/* The session stage took the session over: only its thread may move it. */
static void move_from_main_thread_while_the_stage_runs(void *arg)
{
	fixture *f = arg;
	kyoyu_stage *stage = kyoyu_stage_new(f->bus, "session");

	kyoyu_inbox_set_mask(kyoyu_stage_inbox(stage), KYOYU_SESSION_MASK);
	kyoyu_session_begin(f->session);
	assert_int_equal(kyoyu_stage_start(stage, kyoyu_session_run, f->session), 0);
	kyoyu_bus_post_value(f->bus, KYOYU_MSG_END, KYOYU_END_LEFT);
	/* Ended by the stage: it runs and owns the session. */
	assert_true(WAIT_UNTIL(kyoyu_session_state(f->session) == KYOYU_STATE_ENDED, 10));
	kyoyu_session_move(f->session, KYOYU_STATE_ENDED, KYOYU_END_ERROR);
}

static void test_session_aborts_when_moved_off_its_stage(void **state)
{
	static const char *const said[] = {
		"kyoyu_session_move ran on thread \"", "outside the thread of session",
		NULL};

	SKIP_WITHOUT_ASSERTIONS();
	assert_aborts_saying(move_from_main_thread_while_the_stage_runs, *state, said);
}

static void *begin(void *arg)
{
	fixture *f = arg;

	kyoyu_session_begin(f->session);
	return NULL;
}

/* Before its stage runs, the session is the main thread's (its maker's). */
static void begin_from_another_thread(void *arg)
{
	pthread_t thread;

	assert_int_equal(pthread_create(&thread, NULL, begin, arg), 0);
	pthread_join(thread, NULL);
}

static void test_session_aborts_when_begun_off_the_main_thread(void **state)
{
	static const char *const said[] = {
		"kyoyu_session_begin ran on thread \"",
		"outside the thread of its maker (the main thread)", NULL};

	SKIP_WITHOUT_ASSERTIONS();
	assert_aborts_saying(begin_from_another_thread, *state, said);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
		T(test_session_gate_is_closed_before_sharing),
		T(test_session_connect_then_share_and_request_keyframe),
		T(test_session_status_names_the_codec_switched_to),
		T(test_session_waits_for_consent_when_recording),
		T(test_session_asks_before_sharing_without_recording),
		cmocka_unit_test(test_session_viewer_waits_for_the_answer_and_never_asks),
		T(test_session_declined_without_recording_ends_it),
		T(test_session_waiting_for_the_answer_is_not_capped_time),
		T(test_session_unanswered_question_ends_after_the_cap),
		T(test_session_declined_consent_ends_it),
		T(test_session_pause_closes_gate_and_drops_queued_frames),
		T(test_session_resume_reopens_gate_and_requests_keyframe),
		cmocka_unit_test(test_session_viewer_asks_for_no_keyframe_when_sharing_starts),
		T(test_session_time_cap_warns_then_ends),
		T(test_session_tells_the_peer_its_own_cap),
		T(test_session_enforces_the_earlier_peer_cap),
		T(test_session_keeps_its_own_earlier_cap),
		T(test_session_shares_without_recording_when_offered),
		T(test_session_refuses_unrecorded_when_recording_is_required),
		T(test_session_keeps_the_verified_identity),
		cmocka_unit_test(test_session_idle_timeout_counts_from_last_activity),
		cmocka_unit_test(test_session_end_reasons),
		T(test_session_refuses_illegal_moves),
		T(test_session_runs_on_its_stage),
		T(test_session_aborts_when_moved_off_its_stage),
		T(test_session_aborts_when_begun_off_the_main_thread),
#undef T
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
