/* SPDX-License-Identifier: MIT */
/* ui/gtk: the customer's side of a session in one small window (GTK 4).
 *
 * The window asks for the code the support person reads out, then names
 * who asks to see the screen (and whether it is recorded) with Allow and
 * Decline: nothing is shared before Allow.  While the screen is shared it
 * gives way to a small bar above every window: who sees the screen, the
 * time left, Pause/Resume and Stop, and a banner when the time is nearly
 * up.  At the end it says why in plain words and stays until the customer
 * closes it (kyoyu_stage_stay_after_end).
 *
 * Threads: GTK is initialised, used and torn down on the stage's thread
 * only; its main loop runs there (run()), with the inbox's descriptor as
 * one more GLib source.  init() only checks that there is a display.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <X11/Xlib.h>
#include <glib-unix.h>
#include <gtk/gtk.h>

#define KYOYU_LOG_COMPONENT "ui/gtk"
#include <kyoyu/kyoyu.h>

#include "customer-words.h"
#include "gtk-bar.h"
#include "gtk-style.h"
#include "gtk-window.h"
#include "i18n.h"
#include "language.h"

/* Texts from the network are cut here, in characters: a name or an
 * organisation (as the certificate allows), and a failed stage's words. */
#define NAME_MAX_CHARS 64
#define ERROR_MAX_CHARS 400

typedef struct ui {
	const kyoyu_host *host;
	kyoyu_bus *bus;
	kyoyu_stage *stage;
	kyoyu_inbox *inbox;

	ui_gtk_window *window;
	ui_gtk_bar *bar;
	guint inbox_source, second_source; /* GLib source ids, or 0 */
	bool quit;
	bool closing; /* the customer closed the window before the end */

	uint32_t state;
	int64_t ends_at_us;
	bool shared;       /* the screen was shared at some point */
	bool warned;       /* the time warning came: the banner shows */
	bool told_reconnecting; /* the bar tells of a wait to reconnect */
	unsigned codes_asked;
	/* Who asks, from the certificate the transport verified (NULL when
	 * it verified none): never a name the viewer merely sent. */
	char *operator_name, *operator_org, *verified_words;
	char *error;         /* what a failed stage said, or NULL */
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
		ui_gtk_window_ask_code(u->window, u->codes_asked);
		return;
	}
	msg->u.value = KYOYU_CODE_ENTERED;
	kyoyu_bus_post(u->bus, msg);
}

static void on_answer(void *ctx, ui_gtk_answer answer)
{
	int64_t value = KYOYU_CONSENT_DECLINED;

	if (answer == UI_GTK_ALLOW)
		value = KYOYU_CONSENT_GRANTED;
	else if (answer == UI_GTK_ALLOW_UNRECORDED)
		value = KYOYU_CONSENT_GRANTED_UNRECORDED;
	/* The answer goes with the words it answers, for the recording's
	 * facts on the viewer. */
	ui *u = ctx;
	char language[KYOYU_CONSENT_LANGUAGE_MAX + 1];
	char *words = ui_gtk_window_question_words(u->window);
	i18n_language(language, sizeof(language));
	kyoyu_consent_post(u->bus, (uint32_t)value, language, words);
	g_free(words);
}

/* Who asks, as far as this side knows it. */
static ui_gtk_asker asker(const ui *u)
{
	return (ui_gtk_asker){.name = u->operator_name,
			      .organisation = u->operator_org,
			      .verified = u->verified_words};
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
	ui_gtk_window_hide(u->window);
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

/* The banner's words for SECONDS left, counting down. */
static void show_warning(ui *u, int64_t seconds)
{
	char words[CUSTOMER_WORDS_MAX];

	customer_words_warning(seconds, words, sizeof(words));
	ui_gtk_bar_warn(u->bar, words);
}

static void show_time_left(ui *u)
{
	int64_t left = -1;

	if (u->ends_at_us) {
		left = (u->ends_at_us - kyoyu_clock_now(u->host->clock) + 999999) / 1000000;
		if (left < 0)
			left = 0;
	}
	ui_gtk_bar_set_time_left(u->bar, left);
	if (u->warned && left >= 0)
		show_warning(u, left);
}

static void on_state(ui *u, const kyoyu_state_info *st)
{
	uint32_t prev = u->state;

	u->state = st->state;
	u->ends_at_us = st->ends_at_us;
	if (st->state == KYOYU_STATE_SHARING || st->state == KYOYU_STATE_PAUSED)
		show_time_left(u);
	if (st->state == prev)
		return;
	switch (st->state) {
	case KYOYU_STATE_SHARING:
		if (!u->shared) {
			u->shared = true;
			ui_gtk_window_hide(u->window);
			ui_gtk_asker who = asker(u);
			char *label = ui_gtk_asker_label(&who);
			ui_gtk_bar_show(u->bar, label);
			g_free(label);
		}
		ui_gtk_bar_set_paused(u->bar, false);
		break;
	case KYOYU_STATE_PAUSED:
		ui_gtk_bar_set_paused(u->bar, true);
		break;
	case KYOYU_STATE_ENDED:
		ui_gtk_bar_hide(u->bar);
		if (u->closing) {
			u->quit = true;
			break;
		}
		ui_gtk_window_show_end(u->window, customer_words_end(st->reason),
				       u->shared, st->reason == KYOYU_END_ERROR ? u->error : NULL);
		break;
	default:
		break;
	}
}

/* LEN bytes of TEXT from the network, fit to show: valid UTF-8, no
 * control characters, at most MAX characters; NULL when empty. */
static char *readable(const char *text, size_t len, long max)
{
	if (!text || !len)
		return NULL;
	char *valid = g_utf8_make_valid(text, (gssize)len);
	GString *out = g_string_new(NULL);
	long n = 0;
	for (const char *p = valid; *p && n < max; p = g_utf8_next_char(p), n++) {
		gunichar c = g_utf8_get_char(p);
		g_string_append_unichar(out, g_unichar_iscntrl(c) ? ' ' : c);
	}
	g_free(valid);
	return g_string_free(out, out->len == 0);
}

/* What a failed stage said (an ERROR message's buf), in the customer's
 * language when the catalogue has it (the transport marks its words with
 * N_()), fit to show. */
static char *readable_error(const kyoyu_buffer *buf)
{
	if (!buf || !kyoyu_buffer_size(buf))
		return NULL; /* gettext("") is the catalogue's header */
	char *text = g_strndup(kyoyu_buffer_data(buf), kyoyu_buffer_size(buf));
	const char *words = _(text);
	char *shown = readable(words, strlen(words), ERROR_MAX_CHARS);
	g_free(text);
	return shown;
}

/* FIELD of a PEER message (kyoyu_peer_text_field), fit to show, or NULL. */
static char *peer_text(const kyoyu_msg *msg, uint32_t field)
{
	char text[KYOYU_PEER_TEXT_MAX + 1];
	int len = kyoyu_peer_text(msg, field, text, sizeof(text));

	return len > 0 ? readable(text, (size_t)len, NAME_MAX_CHARS) : NULL;
}

static void forget_operator(ui *u)
{
	g_free(u->operator_name);
	g_free(u->operator_org);
	g_free(u->verified_words);
	u->operator_name = u->operator_org = u->verified_words = NULL;
}

/* Who connected, as the certificate says, and how the transport knows:
 * the same words as ui/tty's.  Without a verified name the window says
 * "the support team". */
static void learn_operator(ui *u, const kyoyu_msg *msg)
{
	uint32_t verified = msg->u.peer.verified;

	forget_operator(u);
	if (!verified)
		return;
	u->operator_name = peer_text(msg, KYOYU_PEER_TEXT_NAME);
	if (!u->operator_name)
		return;
	u->operator_org = peer_text(msg, KYOYU_PEER_TEXT_ORG);
	char *issuer = NULL, words[CUSTOMER_WORDS_MAX];
	if (!(verified & KYOYU_PEER_VERIFIED_PIN))
		issuer = peer_text(msg, KYOYU_PEER_TEXT_ISSUER);
	customer_words_verified(verified & KYOYU_PEER_VERIFIED_PIN, issuer, words,
				sizeof(words));
	u->verified_words = g_strdup(words);
	g_free(issuer);
}

static void on_peer(ui *u, const kyoyu_msg *msg)
{
	switch (msg->u.peer.event) {
	case KYOYU_PEER_CONNECTED:
		learn_operator(u, msg);
		break;
	case KYOYU_PEER_LOST:
		ui_gtk_bar_set_link_lost(u->bar, true);
		break;
	case KYOYU_PEER_RESUMED:
		ui_gtk_bar_set_link_lost(u->bar, false);
		/* The wait it told of is over. */
		if (u->told_reconnecting)
			ui_gtk_bar_tell(u->bar, NULL);
		u->told_reconnecting = false;
		break;
	default:
		break;
	}
}

/* The warning stays as a banner, counting down with the time left: "about
 * 5 minutes" read at 3:26 left would be wrong. */
static void on_notice(ui *u, const kyoyu_notice_info *n)
{
	switch (n->kind) {
	case KYOYU_NOTICE_TIME_WARNING:
		u->warned = true;
		show_warning(u, n->seconds);
		break;
	case KYOYU_NOTICE_RECORDING_STOPPED:
		ui_gtk_bar_tell(u->bar, customer_words_recording_stopped(n->error));
		break;
	case KYOYU_NOTICE_CODEC_SWITCHED:
		ui_gtk_bar_tell(u->bar, customer_words(CUSTOMER_CODEC_SWITCHED));
		break;
	case KYOYU_NOTICE_RECONNECTING: {
		char words[CUSTOMER_WORDS_MAX];
		customer_words_reconnecting(n->seconds, words, sizeof(words));
		ui_gtk_bar_tell(u->bar, words);
		u->told_reconnecting = true;
		break;
	}
	default:
		break;
	}
}

static void on_question(ui *u, int64_t question)
{
	ui_gtk_asker who = asker(u);

	if (question == KYOYU_CONSENT_ASK_RECORDED)
		ui_gtk_window_ask_consent(u->window, &who, UI_GTK_ASK_RECORDED);
	else if (question == KYOYU_CONSENT_ASK_UNRECORDED)
		ui_gtk_window_ask_consent(u->window, &who, UI_GTK_ASK_UNRECORDED);
	else if (question == KYOYU_CONSENT_ASK_RECORDING_OPTIONAL)
		ui_gtk_window_ask_consent(u->window, &who, UI_GTK_ASK_RECORDING_OPTIONAL);
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
			ui_gtk_window_ask_code(u->window, u->codes_asked++);
		break;
	case KYOYU_MSG_CONSENT:
		if (!u->closing)
			on_question(u, msg->u.value);
		break;
	case KYOYU_MSG_NOTICE:
		on_notice(u, &msg->u.notice);
		break;
	case KYOYU_MSG_ERROR:
		g_free(u->error);
		u->error = readable_error(msg->buf);
		break;
	default:
		break;
	}
}

/* ---- GLib sources -------------------------------------------------------- */

static gboolean on_inbox(gint fd, GIOCondition condition, gpointer data)
{
	ui *u = data;
	kyoyu_msg *msg;
	int ret;

	KYOYU_ASSERT_STAGE_THREAD(u->stage);
	while ((ret = kyoyu_inbox_pop(u->inbox, &msg, 0)) == 0) {
		on_message(u, msg);
		kyoyu_msg_unref(msg);
	}
	if (ret == -ESHUTDOWN) {
		u->quit = true; /* the agent stops this stage */
		u->inbox_source = 0;
		return G_SOURCE_REMOVE;
	}
	return G_SOURCE_CONTINUE;
}

static gboolean on_second(gpointer data)
{
	ui *u = data;

	if (u->state == KYOYU_STATE_SHARING || u->state == KYOYU_STATE_PAUSED)
		show_time_left(u);
	return G_SOURCE_CONTINUE;
}

/* ---- the plugin ---------------------------------------------------------- */

static int ui_init(void *priv, const kyoyu_host *host)
{
	ui *u = priv;

	if (host->role != KYOYU_ROLE_SHARER)
		return KYOYU_SKIP; /* the operator has ui/sdl */
	/* A quick look from this thread; GTK itself starts on the stage's. */
	Display *dpy = XOpenDisplay(NULL);
	if (!dpy) {
		kyoyu_info("no X display for the window");
		return KYOYU_SKIP;
	}
	XCloseDisplay(dpy);
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
					       KYOYU_MSG_BIT(KYOYU_MSG_ERROR));
	return 0;
}

static int start_gtk(ui *u)
{
	static const ui_gtk_window_actions window_actions = {
		.code = on_code, .answer = on_answer, .close = on_close};
	static const ui_gtk_bar_actions bar_actions = {
		.pause = on_pause, .resume = on_resume, .stop = on_stop};

	/* The bar's keep-above exists on X11 only. */
	gdk_set_allowed_backends("x11");
	/* The agent chose the locale before any stage ran; a stage thread must
	 * not change it under the others. */
	gtk_disable_setlocale();
	if (!gtk_init_check()) {
		kyoyu_error("GTK cannot open the display %s", g_getenv("DISPLAY"));
		return -ENODEV;
	}
	ui_gtk_style_install();
	u->window = ui_gtk_window_new(&window_actions, u);
	u->bar = ui_gtk_bar_new(&bar_actions, u);
	return u->window && u->bar ? 0 : -ENOMEM;
}

static int ui_run(void *priv, kyoyu_stage *stage)
{
	ui *u = priv;
	int fd = kyoyu_inbox_fd(u->inbox);

	if (fd < 0) {
		kyoyu_error("no file descriptor left to wait on the bus; raise the limit "
			    "(ulimit -n)");
		return -EMFILE;
	}
	GMainContext *context = g_main_context_default();
	if (!g_main_context_acquire(context)) {
		kyoyu_error("another thread of this process runs GLib's main loop: the "
			    "window cannot run beside it");
		return -EBUSY;
	}
	int ret = start_gtk(u);
	if (ret == 0) {
		u->inbox_source = g_unix_fd_add(fd, G_IO_IN, on_inbox, u);
		u->second_source = g_timeout_add_seconds(1, on_second, u);
		ui_gtk_window_wait(u->window, customer_words(CUSTOMER_GETTING_READY));
	}
	while (ret == 0 && !u->quit)
		g_main_context_iteration(context, TRUE);
	if (u->inbox_source)
		g_source_remove(u->inbox_source);
	if (u->second_source)
		g_source_remove(u->second_source);
	u->inbox_source = u->second_source = 0;
	ui_gtk_bar_free(u->bar);
	ui_gtk_window_free(u->window);
	u->bar = NULL;
	u->window = NULL;
	/* Let GTK carry out the destruction before the thread goes. */
	while (g_main_context_pending(context))
		g_main_context_iteration(context, FALSE);
	g_main_context_release(context);
	return ret;
}

static void ui_stop(void *priv)
{
	ui *u = priv;

	forget_operator(u);
	g_free(u->error);
	u->error = NULL;
}

static const kyoyu_stage_ops ops = {
	.size = sizeof(kyoyu_stage_ops),
	.start = ui_start,
	.run = ui_run,
	.stop = ui_stop,
	.formats = NULL, /* it shows words, not pictures */
};

static const kyoyu_plugin_descriptor descriptor = {
	KYOYU_PLUGIN_HEADER,
	.kind = KYOYU_KIND_UI,
	.name = "gtk",
	.version = PACKAGE_VERSION,
	.license = "MIT",
	.description = "the customer's window: the code, Allow or Decline, a bar to pause "
		       "and stop",
	.priv_size = sizeof(ui),
	.options = NULL,
	.init = ui_init,
	.ops = &ops,
};

KYOYU_PLUGIN_DEFINE(kyoyu_ui_gtk, descriptor)
