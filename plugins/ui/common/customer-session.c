/* SPDX-License-Identifier: MIT */
/* The customer's session as the windows show it (customer-session.h). */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define KYOYU_LOG_COMPONENT "ui/customer"
#include <kyoyu/kyoyu.h>

#include "customer-session.h"
#include "customer-words.h"
#include "i18n.h"
#include "language.h"
#include "utf8-text.h"

/* Texts from the network are cut here, in characters: a name or an
 * organisation (as the certificate allows), and a failed stage's words. */
#define NAME_MAX_CHARS 64
#define ERROR_MAX_CHARS 400
/* UTF-8 takes at most 4 bytes a character. */
#define ERROR_MAX_BYTES (ERROR_MAX_CHARS * 4 + 1)

struct customer_session {
	kyoyu_bus *bus;
	const kyoyu_clock *clock;
	const customer_view *view;
	char language[KYOYU_CONSENT_LANGUAGE_MAX + 1];
	customer_window *window;
	customer_bar *bar;
	customer_arrow *arrow; /* or NULL */

	uint32_t state;
	int64_t ends_at_us;
	bool shared;   /* the screen was shared at some point */
	bool warned;   /* the time warning came: the banner shows */
	bool told_reconnecting; /* the bar tells of a wait to reconnect */
	bool closing;  /* the customer closed the window before the end */
	bool finished; /* the window may go */
	unsigned codes_asked;
	/* Who asks, from the certificate the transport verified (empty when
	 * it verified none): never a name the viewer merely sent. */
	char asker[CUSTOMER_WORDS_MAX];
	char verified[CUSTOMER_WORDS_MAX];
	char error[ERROR_MAX_BYTES]; /* what a failed stage said, or "" */
	/* The operator's arrow: where the shared area lies, where they point. */
	int32_t origin_x, origin_y;
	kyoyu_pointer_info pointer;
};

/* ---- the stage ------------------------------------------------------------- */

void customer_session_listen(kyoyu_stage *stage, const customer_view *view)
{
	uint64_t mask = KYOYU_MSG_BIT(KYOYU_MSG_STATE) | KYOYU_MSG_BIT(KYOYU_MSG_PEER) |
			KYOYU_MSG_BIT(KYOYU_MSG_CODE) | KYOYU_MSG_BIT(KYOYU_MSG_CONSENT) |
			KYOYU_MSG_BIT(KYOYU_MSG_NOTICE) | KYOYU_MSG_BIT(KYOYU_MSG_ERROR);

	if (view->show_arrow)
		mask |= KYOYU_MSG_BIT(KYOYU_MSG_POINTER) | KYOYU_MSG_BIT(KYOYU_MSG_VIDEO_SIZE);
	kyoyu_stage_stay_after_end(stage);
	kyoyu_inbox_set_mask(kyoyu_stage_inbox(stage), mask);
}

customer_session *customer_session_new(kyoyu_bus *bus, const kyoyu_clock *clock,
				       const customer_view *view)
{
	customer_session *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->bus = bus;
	s->clock = clock;
	s->view = view;
	i18n_language(s->language, sizeof(s->language));
	return s;
}

const char *customer_session_language(const customer_session *s)
{
	return s->language;
}

void customer_session_free(customer_session *s)
{
	free(s);
}

void customer_session_show_on(customer_session *s, customer_window *window, customer_bar *bar,
			      customer_arrow *arrow)
{
	s->window = window;
	s->bar = bar;
	s->arrow = arrow;
}

void customer_session_begin(customer_session *s)
{
	s->view->show_wait(s->window, customer_words(CUSTOMER_GETTING_READY));
}

bool customer_session_finished(const customer_session *s)
{
	return s->finished;
}

/* ---- what the session says -------------------------------------------------- */

/* The banner's words for SECONDS left: "about 5 minutes" read at 3:26
 * left would be wrong, so it counts down with the time left. */
static void show_warning(customer_session *s, int64_t seconds)
{
	char words[CUSTOMER_WORDS_MAX];

	customer_words_warning(seconds, words, sizeof(words));
	s->view->bar_warn(s->bar, words);
}

static void show_time_left(customer_session *s)
{
	int64_t left = -1;

	if (s->ends_at_us) {
		left = (s->ends_at_us - kyoyu_clock_now(s->clock) + 999999) / 1000000;
		if (left < 0)
			left = 0;
	}
	s->view->bar_time_left(s->bar, left);
	if (s->warned && left >= 0)
		show_warning(s, left);
}

void customer_session_tick(customer_session *s)
{
	if (s->state == KYOYU_STATE_SHARING || s->state == KYOYU_STATE_PAUSED)
		show_time_left(s);
}

/* Shows the arrow where the operator points while sharing, or hides it. */
static void place_arrow(customer_session *s)
{
	if (!s->arrow || !s->view->show_arrow)
		return;
	if (s->state != KYOYU_STATE_SHARING || !s->pointer.visible) {
		s->view->hide_arrow(s->arrow);
		return;
	}
	int64_t x = (int64_t)s->origin_x + s->pointer.x;
	int64_t y = (int64_t)s->origin_y + s->pointer.y;
	if (x < INT32_MIN / 2 || x > INT32_MAX / 2 || y < INT32_MIN / 2 || y > INT32_MAX / 2)
		return; /* off any screen */
	s->view->show_arrow(s->arrow, (int)x, (int)y);
}

static void on_state(customer_session *s, const kyoyu_state_info *st)
{
	uint32_t prev = s->state;

	s->state = st->state;
	s->ends_at_us = st->ends_at_us;
	customer_session_tick(s);
	place_arrow(s);
	if (st->state == prev)
		return;
	switch (st->state) {
	case KYOYU_STATE_SHARING:
		if (!s->shared) {
			s->shared = true;
			s->view->hide_window(s->window);
			s->view->show_bar(s->bar, s->asker[0] ? s->asker : NULL);
		}
		s->view->bar_paused(s->bar, false);
		break;
	case KYOYU_STATE_PAUSED:
		s->view->bar_paused(s->bar, true);
		break;
	case KYOYU_STATE_ENDED:
		s->view->hide_bar(s->bar);
		if (s->closing) {
			s->finished = true;
			break;
		}
		s->view->show_end(s->window, customer_words_end(st->reason), s->shared,
				  st->reason == KYOYU_END_ERROR && s->error[0] ? s->error : NULL);
		break;
	default:
		break;
	}
}

/* Cuts the UTF-8 TEXT in place after at most MAX characters. */
static void cut_chars(char *text, size_t max)
{
	size_t i = 0, n = strlen(text);

	for (size_t chars = 0; i < n && chars < max; chars++) {
		uint32_t cp;
		size_t k = utf8_text_decode(text + i, n - i, &cp);
		i += k ? k : 1;
	}
	text[i] = '\0';
}

/* LEN bytes of TEXT from elsewhere, fit to show (valid UTF-8, no control
 * characters, at most MAX characters), into OUT of SIZE bytes. */
static void readable(char *out, size_t size, const char *text, size_t len, size_t max)
{
	utf8_text_sanitize(out, size, text, len);
	cut_chars(out, max);
}

/* FIELD of a PEER message, fit to show, into OUT of SIZE bytes; false when
 * empty. */
static bool peer_text(const kyoyu_msg *msg, uint32_t field, char *out, size_t size)
{
	char text[KYOYU_PEER_TEXT_MAX + 1];
	int n = kyoyu_peer_text(msg, field, text, sizeof(text));

	out[0] = '\0';
	if (n > 0)
		readable(out, size, text, (size_t)n, NAME_MAX_CHARS);
	return out[0] != '\0';
}

/* Who connected, as the certificate says, and how the transport knows.
 * Without a verified name the windows say "the support team". */
static void learn_operator(customer_session *s, const kyoyu_msg *msg)
{
	uint32_t verified = msg->u.peer.verified;
	char name[KYOYU_PEER_TEXT_MAX + 1], org[KYOYU_PEER_TEXT_MAX + 1];
	char issuer[KYOYU_PEER_TEXT_MAX + 1];

	s->asker[0] = s->verified[0] = '\0';
	if (!verified || !peer_text(msg, KYOYU_PEER_TEXT_NAME, name, sizeof(name)))
		return;
	peer_text(msg, KYOYU_PEER_TEXT_ORG, org, sizeof(org));
	customer_words_asker(name, org, s->asker, sizeof(s->asker));
	bool by_pin = verified & KYOYU_PEER_VERIFIED_PIN;
	if (by_pin || !peer_text(msg, KYOYU_PEER_TEXT_ISSUER, issuer, sizeof(issuer)))
		issuer[0] = '\0';
	customer_words_verified(by_pin, issuer, s->verified, sizeof(s->verified));
}

static void on_peer(customer_session *s, const kyoyu_msg *msg)
{
	switch (msg->u.peer.event) {
	case KYOYU_PEER_CONNECTED:
		learn_operator(s, msg);
		break;
	case KYOYU_PEER_LOST:
		s->view->bar_link_lost(s->bar, true);
		break;
	case KYOYU_PEER_RESUMED:
		s->view->bar_link_lost(s->bar, false);
		/* The wait it told of is over. */
		if (s->told_reconnecting)
			s->view->bar_tell(s->bar, NULL);
		s->told_reconnecting = false;
		break;
	default:
		break;
	}
}

static void on_notice(customer_session *s, const kyoyu_notice_info *n)
{
	switch (n->kind) {
	case KYOYU_NOTICE_TIME_WARNING:
		s->warned = true;
		show_warning(s, n->seconds);
		break;
	case KYOYU_NOTICE_RECORDING_STOPPED:
		s->view->bar_tell(s->bar, customer_words_recording_stopped(n->error));
		break;
	case KYOYU_NOTICE_CODEC_SWITCHED:
		s->view->bar_tell(s->bar, customer_words(CUSTOMER_CODEC_SWITCHED));
		break;
	case KYOYU_NOTICE_RECONNECTING: {
		char words[CUSTOMER_WORDS_MAX];
		customer_words_reconnecting(n->seconds, words, sizeof(words));
		s->view->bar_tell(s->bar, words);
		s->told_reconnecting = true;
		break;
	}
	default:
		break;
	}
}

static void on_question(customer_session *s, int64_t question)
{
	const char *asker = s->asker[0] ? s->asker : NULL;
	const char *verified = s->verified[0] ? s->verified : NULL;

	if (question == KYOYU_CONSENT_ASK_RECORDED)
		s->view->show_question(s->window, asker, verified, CUSTOMER_ASK_RECORDED);
	else if (question == KYOYU_CONSENT_ASK_UNRECORDED)
		s->view->show_question(s->window, asker, verified, CUSTOMER_ASK_UNRECORDED);
	else if (question == KYOYU_CONSENT_ASK_RECORDING_OPTIONAL)
		s->view->show_question(s->window, asker, verified,
				       CUSTOMER_ASK_RECORDING_OPTIONAL);
}

/* What a failed stage said (an ERROR message's buf), in the customer's
 * language when the catalogue has it (the transport marks its words with
 * N_()), fit to show. */
static void learn_error(customer_session *s, const kyoyu_buffer *buf)
{
	s->error[0] = '\0';
	if (!buf || !kyoyu_buffer_size(buf))
		return; /* gettext("") is the catalogue's header */
	size_t n = kyoyu_buffer_size(buf);
	char *text = malloc(n + 1);
	if (!text)
		return;
	memcpy(text, kyoyu_buffer_data(buf), n);
	text[n] = '\0';
	const char *words = _(text);
	readable(s->error, sizeof(s->error), words, strlen(words), ERROR_MAX_CHARS);
	free(text);
}

void customer_session_on_message(customer_session *s, const kyoyu_msg *msg)
{
	switch (msg->type) {
	case KYOYU_MSG_STATE:
		on_state(s, &msg->u.state);
		break;
	case KYOYU_MSG_PEER:
		on_peer(s, msg);
		break;
	case KYOYU_MSG_CODE:
		if (msg->u.value == KYOYU_CODE_NEEDED && !s->closing)
			s->view->show_code_page(s->window, s->codes_asked++);
		break;
	case KYOYU_MSG_CONSENT:
		if (!s->closing)
			on_question(s, msg->u.value);
		break;
	case KYOYU_MSG_NOTICE:
		on_notice(s, &msg->u.notice);
		break;
	case KYOYU_MSG_ERROR:
		learn_error(s, msg->buf);
		break;
	case KYOYU_MSG_POINTER:
		s->pointer = msg->u.pointer;
		place_arrow(s);
		break;
	case KYOYU_MSG_VIDEO_SIZE:
		s->origin_x = msg->u.size.x;
		s->origin_y = msg->u.size.y;
		place_arrow(s);
		break;
	default:
		break;
	}
}

bool customer_session_read_inbox(customer_session *s, kyoyu_stage *stage)
{
	kyoyu_inbox *inbox = kyoyu_stage_inbox(stage);
	kyoyu_msg *msg;
	int ret;

	KYOYU_ASSERT_STAGE_THREAD(stage);
	while ((ret = kyoyu_inbox_pop(inbox, &msg, 0)) == 0) {
		customer_session_on_message(s, msg);
		kyoyu_msg_unref(msg);
	}
	return ret != -ESHUTDOWN;
}

/* ---- the customer's actions ------------------------------------------------- */

void customer_session_code(customer_session *s, const char *digits)
{
	kyoyu_msg *msg = kyoyu_msg_new(KYOYU_MSG_CODE);

	if (msg)
		msg->buf = kyoyu_buffer_new_copy(digits, strlen(digits));
	if (!msg || !msg->buf) {
		kyoyu_msg_unref(msg);
		kyoyu_error("out of memory: the code was not sent");
		s->view->show_code_page(s->window, s->codes_asked);
		return;
	}
	msg->u.value = KYOYU_CODE_ENTERED;
	kyoyu_bus_post(s->bus, msg);
}

void customer_session_answer(customer_session *s, customer_answer answer, const char *words)
{
	uint32_t value = KYOYU_CONSENT_DECLINED;

	if (answer == CUSTOMER_ANSWER_ALLOW)
		value = KYOYU_CONSENT_GRANTED;
	else if (answer == CUSTOMER_ANSWER_ALLOW_UNRECORDED)
		value = KYOYU_CONSENT_GRANTED_UNRECORDED;
	/* The answer goes with the words it answers, for the recording's
	 * facts on the viewer. */
	kyoyu_consent_post(s->bus, value, s->language, words);
}

void customer_session_close(customer_session *s)
{
	if (s->state == KYOYU_STATE_ENDED) {
		s->finished = true;
		return;
	}
	s->closing = true;
	s->view->hide_window(s->window);
	kyoyu_bus_post_value(s->bus, KYOYU_MSG_END, KYOYU_END_LEFT);
}

void customer_session_pause(customer_session *s)
{
	kyoyu_bus_post_value(s->bus, KYOYU_MSG_PAUSE, 0);
}

void customer_session_resume(customer_session *s)
{
	kyoyu_bus_post_value(s->bus, KYOYU_MSG_RESUME, 0);
}

void customer_session_stop(customer_session *s)
{
	kyoyu_bus_post_value(s->bus, KYOYU_MSG_END, KYOYU_END_LEFT);
}
