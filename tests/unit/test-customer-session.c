/* SPDX-License-Identifier: MIT */
/* The customer's session controller (plugins/ui/common/customer-session.h)
 * without a display: a recording fake view writes down every call, and the
 * tests feed bus messages and clicks and read back what would have been
 * drawn and what went on the bus.  The words are the sources' English (no
 * catalogue is bound here); the expected ones come from customer-words.h. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <kyoyu/kyoyu.h>

#include "bus-priv.h"
#include "customer-session.h"
#include "customer-words.h"

#define ALL_TYPES (KYOYU_MSG_BIT(KYOYU_MSG_TYPE_COUNT) - 1)
#define MINUTE_US (60 * INT64_C(1000000))

/* ---- the recording fake view ------------------------------------------------ */

/* The fake's window, bar and arrow: only their addresses matter. */
struct customer_window {
	int unused;
};
struct customer_bar {
	int unused;
};
struct customer_arrow {
	int unused;
};

/* Every view call so far, one line each. */
static char calls[4096];

static void record(const char *format, ...)
{
	size_t used = strlen(calls);
	va_list args;

	va_start(args, format);
	vsnprintf(calls + used, sizeof(calls) - used, format, args);
	va_end(args);
	strncat(calls, "\n", sizeof(calls) - strlen(calls) - 1);
}

static const char *or_none(const char *text)
{
	return text ? text : "(none)";
}

static void fake_wait(customer_window *w, const char *words)
{
	record("wait: %s", words);
}

static void fake_code_page(customer_window *w, unsigned failures)
{
	record("code page: %u failed", failures);
}

static void fake_question(customer_window *w, const char *asker, const char *verified,
			  customer_question question)
{
	static const char *const kinds[] = {"unrecorded", "recorded", "recording optional"};
	record("question: %s | %s | %s", or_none(asker), or_none(verified), kinds[question]);
}

static void fake_end(customer_window *w, const char *why, bool shared, const char *detail)
{
	record("end: %s | %s | %s", why, shared ? "shared" : "not shared", or_none(detail));
}

static void fake_hide_window(customer_window *w)
{
	record("hide window");
}

static void fake_show_bar(customer_bar *b, const char *asker)
{
	record("bar: %s", or_none(asker));
}

static void fake_hide_bar(customer_bar *b)
{
	record("hide bar");
}

static void fake_paused(customer_bar *b, bool paused)
{
	record(paused ? "bar paused" : "bar sharing");
}

static void fake_link_lost(customer_bar *b, bool lost)
{
	record(lost ? "bar link lost" : "bar link back");
}

static void fake_time_left(customer_bar *b, int64_t seconds)
{
	record("time left: %lld", (long long)seconds);
}

static void fake_warn(customer_bar *b, const char *words)
{
	record("warn: %s", words);
}

static void fake_tell(customer_bar *b, const char *words)
{
	if (words)
		record("tell: %s", words);
	else
		record("tell nothing");
}

static void fake_show_arrow(customer_arrow *a, int x, int y)
{
	record("arrow at %d,%d", x, y);
}

static void fake_hide_arrow(customer_arrow *a)
{
	record("hide arrow");
}

#define FAKE_VIEW                                                                      \
	.show_wait = fake_wait, .show_code_page = fake_code_page,                      \
	.show_question = fake_question, .show_end = fake_end,                          \
	.hide_window = fake_hide_window, .show_bar = fake_show_bar,                    \
	.hide_bar = fake_hide_bar, .bar_paused = fake_paused,                          \
	.bar_link_lost = fake_link_lost, .bar_time_left = fake_time_left,              \
	.bar_warn = fake_warn, .bar_tell = fake_tell

static const customer_view view = {FAKE_VIEW};
static const customer_view view_with_arrow = {FAKE_VIEW, .show_arrow = fake_show_arrow,
					      .hide_arrow = fake_hide_arrow};

/* Asserts the calls since the last look were EXPECTED, and forgets them. */
static void expect_calls(const char *expected)
{
	assert_string_equal(calls, expected);
	calls[0] = '\0';
}

/* ---- a session on a real bus, with a manual clock ----------------------------- */

typedef struct fixture {
	kyoyu_bus *bus;
	kyoyu_inbox *posted; /* what the controller posts */
	kyoyu_clock *clock;
	customer_session *session;
	struct customer_window window;
	struct customer_bar bar;
	struct customer_arrow arrow;
} fixture;

static int setup_with(void **state, const customer_view *v, bool arrow)
{
	fixture *f = calloc(1, sizeof(*f));

	calls[0] = '\0';
	f->bus = kyoyu_bus_new();
	f->posted = kyoyu_bus_subscribe(f->bus, "test", ALL_TYPES, 16);
	f->clock = kyoyu_clock_new_manual(1000 * MINUTE_US);
	f->session = customer_session_new(f->bus, f->clock, v);
	*state = f;
	if (!f->bus || !f->posted || !f->clock || !f->session)
		return -1;
	customer_session_show_on(f->session, &f->window, &f->bar, arrow ? &f->arrow : NULL);
	return 0;
}

static int setup(void **state)
{
	return setup_with(state, &view, false);
}

static int setup_arrow(void **state)
{
	return setup_with(state, &view_with_arrow, true);
}

static int teardown(void **state)
{
	fixture *f = *state;

	customer_session_free(f->session);
	kyoyu_inbox_free(f->posted);
	kyoyu_bus_free(f->bus);
	kyoyu_clock_free(f->clock);
	free(f);
	return 0;
}

static void feed(fixture *f, kyoyu_msg *msg)
{
	assert_non_null(msg);
	customer_session_on_message(f->session, msg);
	kyoyu_msg_unref(msg);
}

static void feed_value(fixture *f, kyoyu_msg_type type, int64_t value)
{
	kyoyu_msg *msg = kyoyu_msg_new(type);

	assert_non_null(msg);
	msg->u.value = value;
	feed(f, msg);
}

static void feed_state(fixture *f, kyoyu_state state, kyoyu_end_reason reason,
		       int64_t ends_at_us)
{
	kyoyu_msg *msg = kyoyu_msg_new(KYOYU_MSG_STATE);

	assert_non_null(msg);
	msg->u.state.state = state;
	msg->u.state.reason = reason;
	msg->u.state.ends_at_us = ends_at_us;
	feed(f, msg);
}

static void feed_peer(fixture *f, kyoyu_peer_event event)
{
	kyoyu_msg *msg = kyoyu_msg_new(KYOYU_MSG_PEER);

	assert_non_null(msg);
	msg->u.peer.event = event;
	feed(f, msg);
}

/* The support person, verified by the pinned key: texts apart by NULs. */
static void feed_operator(fixture *f, const char *texts, size_t len)
{
	kyoyu_msg *msg = kyoyu_msg_new(KYOYU_MSG_PEER);

	assert_non_null(msg);
	msg->u.peer.event = KYOYU_PEER_CONNECTED;
	msg->u.peer.verified = KYOYU_PEER_VERIFIED_PIN;
	msg->buf = kyoyu_buffer_new_copy(texts, len);
	feed(f, msg);
}

static void feed_notice(fixture *f, kyoyu_notice_kind kind, int32_t seconds)
{
	kyoyu_msg *msg = kyoyu_msg_new(KYOYU_MSG_NOTICE);

	assert_non_null(msg);
	msg->u.notice.kind = kind;
	msg->u.notice.seconds = seconds;
	feed(f, msg);
}

/* The next message the controller posted: of TYPE, returned (unref it). */
static kyoyu_msg *posted(fixture *f, kyoyu_msg_type type)
{
	kyoyu_msg *msg = NULL;

	assert_int_equal(kyoyu_inbox_pop(f->posted, &msg, 0), 0);
	assert_int_equal(msg->type, type);
	return msg;
}

static void expect_posted_value(fixture *f, kyoyu_msg_type type, int64_t value)
{
	kyoyu_msg *msg = posted(f, type);

	assert_int_equal(msg->u.value, value);
	kyoyu_msg_unref(msg);
}

static void expect_nothing_posted(fixture *f)
{
	kyoyu_msg *msg = NULL;

	assert_int_not_equal(kyoyu_inbox_pop(f->posted, &msg, 0), 0);
}

/* ---- the tests ---------------------------------------------------------------- */

static void test_customer_session_draws_a_whole_session_in_order(void **state)
{
	fixture *f = *state;
	static const char operator[] = "Tanaka Aiko\0Hikari Support";
	char expected[3 * CUSTOMER_WORDS_MAX], warning[CUSTOMER_WORDS_MAX], later[CUSTOMER_WORDS_MAX];
	int64_t ends_at = kyoyu_clock_now(f->clock) + 10 * MINUTE_US;

	customer_session_begin(f->session);
	feed_value(f, KYOYU_MSG_CODE, KYOYU_CODE_NEEDED);
	snprintf(expected, sizeof(expected), "wait: %s\ncode page: 0 failed\n",
		 customer_words(CUSTOMER_GETTING_READY));
	expect_calls(expected);

	/* The code goes on the bus; who asks comes, then the question. */
	customer_session_code(f->session, "123456789");
	kyoyu_msg *code = posted(f, KYOYU_MSG_CODE);
	assert_int_equal(code->u.value, KYOYU_CODE_ENTERED);
	assert_memory_equal(kyoyu_buffer_data(code->buf), "123456789", 9);
	kyoyu_msg_unref(code);
	feed_operator(f, operator, sizeof(operator));
	feed_value(f, KYOYU_MSG_CONSENT, KYOYU_CONSENT_ASK_RECORDED);
	snprintf(expected, sizeof(expected), "question: Tanaka Aiko (Hikari Support) | %s | recorded\n",
		 "Verified by the key this computer was set up with.");
	expect_calls(expected);

	/* Allow goes with the words it answers. */
	customer_session_answer(f->session, CUSTOMER_ANSWER_ALLOW, "May they see?");
	kyoyu_msg *answer = posted(f, KYOYU_MSG_CONSENT);
	char text[64];
	assert_int_equal(answer->u.value, KYOYU_CONSENT_GRANTED);
	kyoyu_consent_text(answer, KYOYU_CONSENT_TEXT_LANGUAGE, text, sizeof(text));
	assert_string_equal(text, "en");
	kyoyu_consent_text(answer, KYOYU_CONSENT_TEXT_NOTICE, text, sizeof(text));
	assert_string_equal(text, "May they see?");
	kyoyu_msg_unref(answer);

	/* Sharing: the window gives way to the bar, with the time left. */
	feed_state(f, KYOYU_STATE_SHARING, 0, ends_at);
	expect_calls("time left: 600\nhide window\nbar: Tanaka Aiko (Hikari Support)\n"
		     "bar sharing\n");

	/* Pause and Resume post; the bar follows the state that comes back. */
	customer_session_pause(f->session);
	expect_posted_value(f, KYOYU_MSG_PAUSE, 0);
	feed_state(f, KYOYU_STATE_PAUSED, 0, ends_at);
	customer_session_resume(f->session);
	expect_posted_value(f, KYOYU_MSG_RESUME, 0);
	feed_state(f, KYOYU_STATE_SHARING, 0, ends_at);
	expect_calls("time left: 600\nbar paused\ntime left: 600\nbar sharing\n");

	/* Five minutes on, the warning; then it counts down each second. */
	kyoyu_clock_advance(f->clock, 5 * MINUTE_US);
	feed_notice(f, KYOYU_NOTICE_TIME_WARNING, 300);
	kyoyu_clock_advance(f->clock, 61 * INT64_C(1000000));
	customer_session_tick(f->session);
	customer_words_warning(300, warning, sizeof(warning));
	customer_words_warning(239, later, sizeof(later));
	snprintf(expected, sizeof(expected), "warn: %s\ntime left: 239\nwarn: %s\n", warning,
		 later);
	expect_calls(expected);

	/* A stage fails: the end says why, with what the stage said. */
	static const char failed[] = "the recording disk is full";
	kyoyu_msg *error = kyoyu_msg_new(KYOYU_MSG_ERROR);
	assert_non_null(error);
	error->buf = kyoyu_buffer_new_copy(failed, strlen(failed));
	feed(f, error);
	feed_state(f, KYOYU_STATE_ENDED, KYOYU_END_ERROR, 0);
	snprintf(expected, sizeof(expected), "hide bar\nend: %s | shared | %s\n",
		 customer_words_end(KYOYU_END_ERROR), failed);
	expect_calls(expected);

	/* Closing the last page lets the agent exit, and posts nothing. */
	assert_false(customer_session_finished(f->session));
	customer_session_close(f->session);
	assert_true(customer_session_finished(f->session));
	expect_nothing_posted(f);
	expect_calls("");
}

static void test_customer_session_closed_window_leaves_and_ends_quietly(void **state)
{
	fixture *f = *state;

	feed_value(f, KYOYU_MSG_CODE, KYOYU_CODE_NEEDED);
	customer_session_close(f->session);
	expect_posted_value(f, KYOYU_MSG_END, KYOYU_END_LEFT);
	/* No page comes back once closed, and the end shows nothing. */
	feed_value(f, KYOYU_MSG_CODE, KYOYU_CODE_NEEDED);
	feed_value(f, KYOYU_MSG_CONSENT, KYOYU_CONSENT_ASK_UNRECORDED);
	feed_state(f, KYOYU_STATE_ENDED, KYOYU_END_LEFT, 0);
	expect_calls("code page: 0 failed\nhide window\nhide bar\n");
	assert_true(customer_session_finished(f->session));
}

static void test_customer_session_unverified_asker_is_the_support_team(void **state)
{
	fixture *f = *state;
	static const char says[] = "Someone\0Anything";
	kyoyu_msg *msg = kyoyu_msg_new(KYOYU_MSG_PEER);

	/* A name the viewer merely sent is never shown. */
	assert_non_null(msg);
	msg->u.peer.event = KYOYU_PEER_CONNECTED;
	msg->buf = kyoyu_buffer_new_copy(says, sizeof(says));
	feed(f, msg);
	feed_value(f, KYOYU_MSG_CONSENT, KYOYU_CONSENT_ASK_RECORDING_OPTIONAL);
	feed_state(f, KYOYU_STATE_SHARING, 0, 0);
	expect_calls("question: (none) | (none) | recording optional\ntime left: -1\n"
		     "hide window\nbar: (none)\nbar sharing\n");
}

static void test_customer_session_bar_tells_link_and_recording_news(void **state)
{
	fixture *f = *state;
	char expected[3 * CUSTOMER_WORDS_MAX];

	feed_peer(f, KYOYU_PEER_LOST);
	feed_peer(f, KYOYU_PEER_RESUMED);
	feed_notice(f, KYOYU_NOTICE_RECORDING_STOPPED, 0);
	feed_notice(f, KYOYU_NOTICE_CODEC_SWITCHED, 0);
	snprintf(expected, sizeof(expected), "bar link lost\nbar link back\ntell: %s\ntell: %s\n",
		 customer_words_recording_stopped(0), customer_words(CUSTOMER_CODEC_SWITCHED));
	expect_calls(expected);
}

/* A relay that asked the customer's computer to wait: the bar says when
 * it reconnects, and says nothing more of it once the link is back. */
static void test_customer_session_bar_tells_of_a_wait_to_reconnect(void **state)
{
	fixture *f = *state;
	char words[CUSTOMER_WORDS_MAX], expected[2 * CUSTOMER_WORDS_MAX];

	feed_peer(f, KYOYU_PEER_LOST);
	feed_notice(f, KYOYU_NOTICE_RECONNECTING, 7);
	feed_peer(f, KYOYU_PEER_RESUMED);
	customer_words_reconnecting(7, words, sizeof(words));
	assert_non_null(strstr(words, "7"));
	snprintf(expected, sizeof(expected),
		 "bar link lost\ntell: %s\nbar link back\ntell nothing\n", words);
	expect_calls(expected);
}

static void test_customer_session_arrow_follows_the_operator_while_sharing(void **state)
{
	fixture *f = *state;
	kyoyu_msg *size = kyoyu_msg_new(KYOYU_MSG_VIDEO_SIZE);
	kyoyu_msg *pointer = kyoyu_msg_new(KYOYU_MSG_POINTER);

	assert_non_null(size);
	assert_non_null(pointer);
	size->u.size.x = 1920;
	size->u.size.y = 0;
	pointer->u.pointer.x = 100;
	pointer->u.pointer.y = 50;
	pointer->u.pointer.visible = 1;
	feed_state(f, KYOYU_STATE_SHARING, 0, 0);
	feed(f, size);
	feed(f, pointer);
	feed_state(f, KYOYU_STATE_PAUSED, 0, 0);
	expect_calls("time left: -1\nhide arrow\nhide window\nbar: (none)\nbar sharing\n"
		     "hide arrow\narrow at 2020,50\ntime left: -1\nhide arrow\nbar paused\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			test_customer_session_draws_a_whole_session_in_order, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_customer_session_closed_window_leaves_and_ends_quietly, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_customer_session_unverified_asker_is_the_support_team, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_customer_session_bar_tells_link_and_recording_news, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_customer_session_bar_tells_of_a_wait_to_reconnect, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_customer_session_arrow_follows_the_operator_while_sharing,
			setup_arrow, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
