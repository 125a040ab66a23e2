/* SPDX-License-Identifier: MIT */
/* ui/win32: the customer's side of a session on Windows, in native Win32
 * windows, as ui/gtk is on Linux: a small window asks for the code the
 * support person reads out, then names who asks to see the screen (and
 * whether it is recorded) with Allow and Decline: nothing is shared before
 * Allow.  While the screen is shared a small bar stays above every window:
 * who sees the screen, the time left, Pause/Resume and Stop, and a banner
 * when the time is nearly up.  At the end the window says why in plain
 * words and stays until the customer closes it (kyoyu_stage_stay_after_end).
 * The operator's arrow is drawn here too (win32-arrow.h): on Windows one
 * plugin is the whole of the customer's screen.
 *
 * Every word comes from plugins/ui/common/customer-words.h, shared with
 * ui/gtk, through gettext (po/).
 *
 * Threads: the windows are made, used and destroyed on the stage's thread,
 * whose message loop also waits for the inbox: its socket signals an event
 * (WSAEventSelect) that MsgWaitForMultipleObjectsEx waits on beside the
 * window messages.  init() only checks the role.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Winsock 2 before windows.h, which would bring the old winsock.h. */
#include <winsock2.h>

#include <windows.h>

#define KYOYU_LOG_COMPONENT "ui/win32"
#include <kyoyu/kyoyu.h>

#include "../../common/i18n.h"
#include "../../common/language.h"
#include "../../common/utf8-text.h"
#include "customer-words.h"
#include "win32-arrow.h"
#include "win32-bar.h"
#include "win32-look.h"
#include "win32-window.h"

/* A failed stage's words are cut here (bytes, on a character boundary). */
#define ERROR_MAX_BYTES 1200

typedef struct ui {
	const kyoyu_host *host;
	kyoyu_bus *bus;
	kyoyu_stage *stage;
	kyoyu_inbox *inbox;
	char language[16];

	ui_win32_window *window;
	ui_win32_bar *bar;
	ui_win32_arrow *arrow;
	bool quit;
	bool closing; /* the customer closed the window before the end */

	uint32_t state;
	int64_t ends_at_us;
	bool shared; /* the screen was shared at some point */
	bool warned; /* the time warning came: the banner shows */
	bool told_reconnecting; /* the bar tells of a wait to reconnect */
	unsigned codes_asked;
	/* Who asks, from the certificate the transport verified (empty when
	 * it verified none): never a name the viewer merely sent. */
	char asker[CUSTOMER_WORDS_MAX];
	char verified[CUSTOMER_WORDS_MAX];
	char error[ERROR_MAX_BYTES]; /* what a failed stage said, or "" */
	/* The operator's arrow: where the shared area lies, where they point. */
	int32_t origin_x, origin_y;
	kyoyu_pointer_info pointer;
} ui;

/* ---- the customer's actions ---------------------------------------------- */

static void post_value(ui *u, uint32_t type, int64_t value)
{
	kyoyu_bus_post_value(u->bus, type, value);
}

static void on_code(void *ctx, const char *digits)
{
	ui *u = ctx;
	kyoyu_msg *msg = kyoyu_msg_new(KYOYU_MSG_CODE);

	if (msg)
		msg->buf = kyoyu_buffer_new_copy(digits, strlen(digits));
	if (!msg || !msg->buf) {
		kyoyu_msg_unref(msg);
		kyoyu_error("out of memory: the code was not sent");
		ui_win32_window_ask_code(u->window, u->codes_asked);
		return;
	}
	msg->u.value = KYOYU_CODE_ENTERED;
	kyoyu_bus_post(u->bus, msg);
}

static void on_answer(void *ctx, ui_win32_answer answer)
{
	ui *u = ctx;
	int64_t value = KYOYU_CONSENT_DECLINED;

	if (answer == UI_WIN32_ALLOW)
		value = KYOYU_CONSENT_GRANTED;
	else if (answer == UI_WIN32_ALLOW_UNRECORDED)
		value = KYOYU_CONSENT_GRANTED_UNRECORDED;
	/* The answer goes with the words it answers, for the recording's
	 * facts on the viewer. */
	char *words = ui_win32_window_question_words(u->window);
	kyoyu_consent_post(u->bus, (uint32_t)value, u->language, words);
	free(words);
}

/* Closing the window before the end leaves the session: a closed window
 * must not go on sharing unseen.  After the end it lets the agent exit. */
static void on_close(void *ctx)
{
	ui *u = ctx;

	if (u->state == KYOYU_STATE_ENDED) {
		u->quit = true;
		return;
	}
	u->closing = true;
	ui_win32_window_hide(u->window);
	post_value(u, KYOYU_MSG_END, KYOYU_END_LEFT);
}

static void on_pause(void *ctx)
{
	post_value(ctx, KYOYU_MSG_PAUSE, 0);
}

static void on_resume(void *ctx)
{
	post_value(ctx, KYOYU_MSG_RESUME, 0);
}

static void on_stop(void *ctx)
{
	post_value(ctx, KYOYU_MSG_END, KYOYU_END_LEFT);
}

/* ---- what the session says ----------------------------------------------- */

static void show_time_left(ui *u)
{
	int64_t left = -1;

	if (u->ends_at_us) {
		left = (u->ends_at_us - kyoyu_clock_now(u->host->clock) + 999999) / 1000000;
		if (left < 0)
			left = 0;
	}
	ui_win32_bar_set_time_left(u->bar, left);
	/* The warning counts down with the time left: "about 5 minutes" read
	 * at 3:26 left would be wrong. */
	if (u->warned && left >= 0) {
		char words[CUSTOMER_WORDS_MAX];
		customer_words_warning(left, words, sizeof(words));
		ui_win32_bar_warn(u->bar, words);
	}
}

/* Shows the arrow where the operator points while sharing, or hides it. */
static void place_arrow(ui *u)
{
	if (!u->arrow)
		return;
	if (u->state != KYOYU_STATE_SHARING || !u->pointer.visible) {
		ui_win32_arrow_hide(u->arrow);
		return;
	}
	int64_t x = (int64_t)u->origin_x + u->pointer.x;
	int64_t y = (int64_t)u->origin_y + u->pointer.y;
	if (x < INT32_MIN / 2 || x > INT32_MAX / 2 || y < INT32_MIN / 2 || y > INT32_MAX / 2)
		return; /* off any screen */
	ui_win32_arrow_show_at(u->arrow, (int)x, (int)y);
}

static void on_state(ui *u, const kyoyu_state_info *st)
{
	uint32_t prev = u->state;

	u->state = st->state;
	u->ends_at_us = st->ends_at_us;
	if (st->state == KYOYU_STATE_SHARING || st->state == KYOYU_STATE_PAUSED)
		show_time_left(u);
	place_arrow(u);
	if (st->state == prev)
		return;
	switch (st->state) {
	case KYOYU_STATE_SHARING:
		if (!u->shared) {
			u->shared = true;
			ui_win32_window_hide(u->window);
			ui_win32_bar_show(u->bar, u->asker[0] ? u->asker : NULL);
		}
		ui_win32_bar_set_paused(u->bar, false);
		break;
	case KYOYU_STATE_PAUSED:
		ui_win32_bar_set_paused(u->bar, true);
		break;
	case KYOYU_STATE_ENDED:
		ui_win32_bar_hide(u->bar);
		if (u->closing) {
			u->quit = true;
			break;
		}
		ui_win32_window_show_end(u->window, customer_words_end(st->reason), u->shared,
					 st->reason == KYOYU_END_ERROR && u->error[0]
						 ? u->error
						 : NULL);
		break;
	default:
		break;
	}
}

/* FIELD of a PEER message, fit to show (valid UTF-8, no control
 * characters), into OUT of LEN bytes; false when empty. */
static bool peer_text(const kyoyu_msg *msg, uint32_t field, char *out, size_t len)
{
	char text[KYOYU_PEER_TEXT_MAX + 1];
	int n = kyoyu_peer_text(msg, field, text, sizeof(text));

	out[0] = '\0';
	if (n > 0)
		utf8_text_sanitize(out, len, text, (size_t)n);
	return out[0] != '\0';
}

/* Who connected, as the certificate says, and how the transport knows:
 * the same words as ui/gtk's.  Without a verified name the window says
 * "the support team". */
static void learn_operator(ui *u, const kyoyu_msg *msg)
{
	uint32_t verified = msg->u.peer.verified;
	char name[KYOYU_PEER_TEXT_MAX + 1], org[KYOYU_PEER_TEXT_MAX + 1];
	char issuer[KYOYU_PEER_TEXT_MAX + 1];

	u->asker[0] = u->verified[0] = '\0';
	if (!verified || !peer_text(msg, KYOYU_PEER_TEXT_NAME, name, sizeof(name)))
		return;
	peer_text(msg, KYOYU_PEER_TEXT_ORG, org, sizeof(org));
	customer_words_asker(name, org, u->asker, sizeof(u->asker));
	bool by_pin = verified & KYOYU_PEER_VERIFIED_PIN;
	if (by_pin || !peer_text(msg, KYOYU_PEER_TEXT_ISSUER, issuer, sizeof(issuer)))
		issuer[0] = '\0';
	customer_words_verified(by_pin, issuer, u->verified, sizeof(u->verified));
}

static void on_peer(ui *u, const kyoyu_msg *msg)
{
	switch (msg->u.peer.event) {
	case KYOYU_PEER_CONNECTED:
		learn_operator(u, msg);
		break;
	case KYOYU_PEER_LOST:
		ui_win32_bar_set_link_lost(u->bar, true);
		break;
	case KYOYU_PEER_RESUMED:
		ui_win32_bar_set_link_lost(u->bar, false);
		/* The wait it told of is over. */
		if (u->told_reconnecting)
			ui_win32_bar_tell(u->bar, NULL);
		u->told_reconnecting = false;
		break;
	default:
		break;
	}
}

static void on_notice(ui *u, const kyoyu_notice_info *n)
{
	switch (n->kind) {
	case KYOYU_NOTICE_TIME_WARNING: {
		char words[CUSTOMER_WORDS_MAX];
		u->warned = true;
		customer_words_warning(n->seconds, words, sizeof(words));
		ui_win32_bar_warn(u->bar, words);
		break;
	}
	case KYOYU_NOTICE_RECORDING_STOPPED:
		ui_win32_bar_tell(u->bar, customer_words_recording_stopped(n->error));
		break;
	case KYOYU_NOTICE_CODEC_SWITCHED:
		ui_win32_bar_tell(u->bar, customer_words(CUSTOMER_CODEC_SWITCHED));
		break;
	case KYOYU_NOTICE_RECONNECTING: {
		char words[CUSTOMER_WORDS_MAX];
		customer_words_reconnecting(n->seconds, words, sizeof(words));
		ui_win32_bar_tell(u->bar, words);
		u->told_reconnecting = true;
		break;
	}
	default:
		break;
	}
}

static void on_question(ui *u, int64_t question)
{
	const char *asker = u->asker[0] ? u->asker : NULL;
	const char *verified = u->verified[0] ? u->verified : NULL;

	if (question == KYOYU_CONSENT_ASK_RECORDED)
		ui_win32_window_ask_consent(u->window, asker, verified,
					    UI_WIN32_ASK_RECORDED);
	else if (question == KYOYU_CONSENT_ASK_UNRECORDED)
		ui_win32_window_ask_consent(u->window, asker, verified,
					    UI_WIN32_ASK_UNRECORDED);
	else if (question == KYOYU_CONSENT_ASK_RECORDING_OPTIONAL)
		ui_win32_window_ask_consent(u->window, asker, verified,
					    UI_WIN32_ASK_RECORDING_OPTIONAL);
}

/* What a failed stage said (an ERROR message's buf), in the customer's
 * language when the catalogue has it (the transport marks its words with
 * N_()), fit to show. */
static void learn_error(ui *u, const kyoyu_buffer *buf)
{
	u->error[0] = '\0';
	if (!buf || !kyoyu_buffer_size(buf))
		return; /* gettext("") is the catalogue's header */
	size_t n = kyoyu_buffer_size(buf);
	char *text = malloc(n + 1);
	if (!text)
		return;
	memcpy(text, kyoyu_buffer_data(buf), n);
	text[n] = '\0';
	const char *words = _(text);
	utf8_text_sanitize(u->error, sizeof(u->error), words, strlen(words));
	free(text);
}

static void on_message(ui *u, const kyoyu_msg *msg)
{
	switch (msg->type) {
	case KYOYU_MSG_STATE:
		on_state(u, &msg->u.state);
		break;
	case KYOYU_MSG_PEER:
		on_peer(u, msg);
		break;
	case KYOYU_MSG_CODE:
		if (msg->u.value == KYOYU_CODE_NEEDED && !u->closing)
			ui_win32_window_ask_code(u->window, u->codes_asked++);
		break;
	case KYOYU_MSG_CONSENT:
		if (!u->closing)
			on_question(u, msg->u.value);
		break;
	case KYOYU_MSG_NOTICE:
		on_notice(u, &msg->u.notice);
		break;
	case KYOYU_MSG_ERROR:
		learn_error(u, msg->buf);
		break;
	case KYOYU_MSG_POINTER:
		u->pointer = msg->u.pointer;
		place_arrow(u);
		break;
	case KYOYU_MSG_VIDEO_SIZE:
		u->origin_x = msg->u.size.x;
		u->origin_y = msg->u.size.y;
		place_arrow(u);
		break;
	default:
		break;
	}
}

/* ---- the plugin ---------------------------------------------------------- */

static int ui_init(void *priv, const kyoyu_host *host)
{
	ui *u = priv;

	if (host->role != KYOYU_ROLE_SHARER)
		return KYOYU_SKIP; /* the operator's window is on Linux (ui/sdl) */
	u->host = host;
	u->bus = host->bus;
	return KYOYU_OK;
}

static int ui_start(void *priv, kyoyu_stage *stage)
{
	ui *u = priv;

	u->stage = stage;
	u->inbox = kyoyu_stage_inbox(stage);
	kyoyu_stage_stay_after_end(stage);
	kyoyu_inbox_set_mask(u->inbox, KYOYU_MSG_BIT(KYOYU_MSG_STATE) |
					       KYOYU_MSG_BIT(KYOYU_MSG_PEER) |
					       KYOYU_MSG_BIT(KYOYU_MSG_CODE) |
					       KYOYU_MSG_BIT(KYOYU_MSG_CONSENT) |
					       KYOYU_MSG_BIT(KYOYU_MSG_NOTICE) |
					       KYOYU_MSG_BIT(KYOYU_MSG_ERROR) |
					       KYOYU_MSG_BIT(KYOYU_MSG_POINTER) |
					       KYOYU_MSG_BIT(KYOYU_MSG_VIDEO_SIZE));
	return 0;
}

static int make_windows(ui *u)
{
	static const ui_win32_window_actions window_actions = {.code = on_code,
							       .answer = on_answer,
							       .close = on_close};
	static const ui_win32_bar_actions bar_actions = {.pause = on_pause,
							 .resume = on_resume,
							 .stop = on_stop};

	/* Sizes in real pixels on a scaled screen, and the arrow placed in the
	 * same pixels capture/gdi sends. */
	SetThreadDpiAwarenessContext(DPI_AWARENESS_CONTEXT_PER_MONITOR_AWARE_V2);
	i18n_language(u->language, sizeof(u->language));
	u->window = ui_win32_window_new(&window_actions, u, u->language);
	u->bar = ui_win32_bar_new(&bar_actions, u, u->language);
	if (!u->window || !u->bar) {
		kyoyu_error("Windows would not make the customer's window (error %lu)",
			    (unsigned long)GetLastError());
		return -ENOMEM;
	}
	/* The arrow is a help, not a condition of sharing. */
	u->arrow = ui_win32_arrow_new();
	if (!u->arrow)
		kyoyu_warn("Windows would not make the operator's arrow (error %lu): the "
			   "customer will not see where the operator points",
			   (unsigned long)GetLastError());
	return 0;
}

/* Takes what waits in the inbox; false once the agent stops this stage. */
static bool read_inbox(ui *u)
{
	kyoyu_msg *msg;
	int ret;

	KYOYU_ASSERT_STAGE_THREAD(u->stage);
	while ((ret = kyoyu_inbox_pop(u->inbox, &msg, 0)) == 0) {
		on_message(u, msg);
		kyoyu_msg_unref(msg);
	}
	return ret != -ESHUTDOWN;
}

/* Window messages, with the window's dialog keys: Tab between the
 * controls, Enter for Connect, Alt and a button's letter. */
static void read_window_messages(ui *u)
{
	MSG m;

	while (PeekMessageW(&m, NULL, 0, 0, PM_REMOVE)) {
		if (m.message == WM_QUIT) {
			u->quit = true;
			continue;
		}
		if (IsDialogMessageW(ui_win32_window_handle(u->window), &m))
			continue;
		TranslateMessage(&m);
		DispatchMessageW(&m);
	}
}

static int ui_run(void *priv, kyoyu_stage *stage)
{
	ui *u = priv;
	int fd = kyoyu_inbox_fd(u->inbox);

	if (fd < 0) {
		kyoyu_error("no socket left to wait on the bus");
		return -EMFILE;
	}
	HANDLE inbox_event = CreateEventW(NULL, FALSE, FALSE, NULL);
	if (!inbox_event || WSAEventSelect((SOCKET)fd, inbox_event, FD_READ) != 0) {
		kyoyu_error("cannot wait on the bus and the windows together (error %d)",
			    WSAGetLastError());
		if (inbox_event)
			CloseHandle(inbox_event);
		return -EIO;
	}
	int ret = make_windows(u);
	if (ret == 0)
		ui_win32_window_wait(u->window, customer_words(CUSTOMER_GETTING_READY));
	ULONGLONG next_second = GetTickCount64() + 1000;
	/* The event may have been set before WSAEventSelect: read once first. */
	bool running = ret == 0 && read_inbox(u);
	while (running && !u->quit) {
		ULONGLONG now = GetTickCount64();
		DWORD wait = now >= next_second ? 0 : (DWORD)(next_second - now);
		DWORD woke = MsgWaitForMultipleObjectsEx(1, &inbox_event, wait, QS_ALLINPUT,
							 MWMO_INPUTAVAILABLE);
		if (woke == WAIT_OBJECT_0)
			running = read_inbox(u);
		read_window_messages(u);
		if (GetTickCount64() >= next_second) {
			next_second += 1000;
			if (u->state == KYOYU_STATE_SHARING || u->state == KYOYU_STATE_PAUSED)
				show_time_left(u);
		}
	}
	WSAEventSelect((SOCKET)fd, NULL, 0);
	CloseHandle(inbox_event);
	ui_win32_arrow_free(u->arrow);
	ui_win32_bar_free(u->bar);
	ui_win32_window_free(u->window);
	u->arrow = NULL;
	u->bar = NULL;
	u->window = NULL;
	return ret;
}

static const kyoyu_stage_ops ops = {
	.size = sizeof(kyoyu_stage_ops),
	.start = ui_start,
	.run = ui_run,
	.stop = NULL,
	.formats = NULL, /* it shows words and an arrow, not pictures */
};

static const kyoyu_plugin_descriptor descriptor = {
	KYOYU_PLUGIN_HEADER,
	.kind = KYOYU_KIND_UI,
	.name = "win32",
	.version = PACKAGE_VERSION,
	.license = "MIT",
	.description = "the customer's window on Windows: the code, Allow or Decline, a bar "
		       "to pause and stop, the operator's arrow",
	.priv_size = sizeof(ui),
	.options = NULL,
	.init = ui_init,
	.ops = &ops,
};

KYOYU_PLUGIN_DEFINE(kyoyu_ui_win32, descriptor)
