/* SPDX-License-Identifier: MIT */
/* ui/sdl: the operator's window onto the customer's screen.
 *
 * It shows the decoded picture scaled to fit (aspect kept) with the
 * sharer's cursor, a status line (customer, time left, paused, bitrate,
 * latency) and a banner while there is nothing to show.  Holding the left
 * button over the picture shows the operator's arrow on the customer's
 * screen (POINTER messages in shared-screen pixels, at most pointer_hz a
 * second); releasing hides it.  Escape, E or closing the window asks
 * whether to end the session; Enter, Y or the red button ends it.  It never
 * sends keys or clicks: there is no such message.
 *
 * While no customer is connected it shows the code to read out, large, how
 * long it still works, a New code button (N) and how the last session
 * ended (sdl-console.h).  On the operator's console (the default) the
 * window stays up after a session and the next one starts under it;
 * closing the window between sessions closes the console.
 *
 * Its words are in kyoyu's catalogues (po/), drawn with fonts fontconfig
 * finds for the messages' language, Japanese included (sdl-fonts.h).
 *
 * Threads: SDL lives entirely on the stage's thread (run); a small waker
 * thread wakes it when bus messages wait (sdl-waker.h).  Its words are in
 * sdl-words.c, its state in sdl-ui.h.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <SDL.h>
#include <SDL_ttf.h>

#define KYOYU_LOG_COMPONENT "ui/sdl"
#include <kyoyu/kyoyu.h>

#include "../../common/i18n.h"
#include "../../common/language.h"
#include "../../common/utf8-text.h"
#include "sdl-ui.h"
#include "sdl-words.h"

#define STATUS_PAD 6
#define MAX_WAIT_MS 1000 /* the status line's clock ticks once a second */
/* How long the operator reads that the video went over to a cheaper codec. */
#define SWITCH_NOTICE_US 10000000

/* Both go straight into a texture of their own format (sdl-screen.c).  I420
 * first: with a GPU renderer it uploads 1.5 bytes a pixel instead of 4 and
 * the GPU turns it into RGB, so no CPU converts the picture.  (Without one,
 * SDL converts YUV in software, more slowly than the decoders' libyuv.) */
static const uint32_t formats[] = {KYOYU_PIXFMT_I420, KYOYU_PIXFMT_BGRX, KYOYU_PIXFMT_NONE};

static const kyoyu_option options[] = {
	KYOYU_OPTION_INT("width", sdl_ui, width, 1280, 320, 16384, "first window width"),
	KYOYU_OPTION_INT("height", sdl_ui, height, 760, 240, 16384, "first window height"),
	KYOYU_OPTION_STRING("font", sdl_ui, font_path, NULL,
			    "TrueType or OpenType font file of the window's words (unset: "
			    "fontconfig's sans-serif for the language, Japanese included)"),
	KYOYU_OPTION_INT("font_size", sdl_ui, font_size, 15, 8, 64,
			 "status line text size (the code between sessions is 4 times it)"),
	KYOYU_OPTION_INT("pointer_hz", sdl_ui, pointer_hz, 30, 1, 120,
			 "most arrow positions sent per second while dragging"),
	KYOYU_OPTION_END,
};

/* ---- drawing ------------------------------------------------------------- */

static void draw_waiting(sdl_ui *ui, SDL_Rect area)
{
	char expiry[SDL_TEXT_MAX], last[SDL_TEXT_MAX];
	sdl_console_view view = {
		.title = _("Connection code for the next customer"),
		/* TRANSLATORS: the button between customers; N stays the key. */
		.button = _("New code (N)"),
		.hint = _("Ctrl+C or a click on the code copies it."),
		.code = ui->code_event == KYOYU_CODE_ISSUED ? ui->code : "",
		.expiry = expiry,
		.last = last,
	};

	sdl_words_code(ui, expiry, sizeof(expiry), &view.warn);
	sdl_words_last(ui, last, sizeof(last));
	sdl_console_draw_waiting(&ui->panel, ui->renderer, &view, area);
}

static void draw_confirm(sdl_ui *ui, SDL_Rect area)
{
	char question[SDL_TEXT_MAX];

	if (ui->quit_after_end)
		snprintf(question, sizeof(question), "%s",
			 _("End the session and close kyoyu?"));
	else if (ui->peer[0])
		snprintf(question, sizeof(question), _("End the session with %s?"), ui->peer);
	else
		snprintf(question, sizeof(question), "%s", _("End this session?"));
	/* TRANSLATORS: the two buttons of the question; Enter and Esc stay
	 * the keys. */
	sdl_console_draw_confirm(&ui->panel, ui->renderer, question, _("End it (Enter)"),
				 _("Keep going (Esc)"), area);
}

/* The recording stopped mid-session: said at the top, over the picture. */
static void draw_recording_notice(sdl_ui *ui, int w)
{
	char words[SDL_TEXT_MAX];

	snprintf(words, sizeof(words), _("The recording stopped: %s. The session goes on "
					 "without recording."),
		 sdl_words_recording_stopped(ui->recording_stopped));
	sdl_text_set(&ui->notice, ui->renderer, words);
	SDL_Rect box = {(w - ui->notice.w) / 2 - 12, 8, ui->notice.w + 24, ui->notice.h + 12};
	SDL_SetRenderDrawColor(ui->renderer, 200, 120, 0, 255);
	SDL_RenderFillRect(ui->renderer, &box);
	sdl_text_draw(&ui->notice, ui->renderer, box.x + 12, box.y + 6);
}

/* The customer's PC could not keep up: said at the top for a while, in
 * the status bar's dark grey (news, not a warning). */
static void draw_switch_notice(sdl_ui *ui, int w)
{
	char words[SDL_TEXT_MAX];

	snprintf(words, sizeof(words), _("The customer's computer could not keep up, so the "
					 "video went over to %s, which costs it less."),
		 ui->switched_to);
	sdl_text_set(&ui->notice, ui->renderer, words);
	SDL_Rect box = {(w - ui->notice.w) / 2 - 12, 8, ui->notice.w + 24, ui->notice.h + 12};
	SDL_SetRenderDrawColor(ui->renderer, 16, 16, 18, 255);
	SDL_RenderFillRect(ui->renderer, &box);
	sdl_text_draw(&ui->notice, ui->renderer, box.x + 12, box.y + 6);
}

static void draw(sdl_ui *ui)
{
	char words[SDL_TEXT_MAX];
	int w, h;

	KYOYU_ASSERT_STAGE_THREAD(ui->stage);
	SDL_GetRendererOutputSize(ui->renderer, &w, &h);
	sdl_words_status(ui, words, sizeof(words));
	sdl_text_set(&ui->status, ui->renderer, words);
	if (sdl_words_waiting(ui))
		words[0] = '\0'; /* the panel says it */
	else if (ui->state == KYOYU_STATE_ENDED)
		snprintf(words, sizeof(words), _("The session has ended: %s."), sdl_words_end(ui));
	else
		snprintf(words, sizeof(words), "%s", sdl_words_banner(ui));
	sdl_text_set(&ui->banner, ui->renderer, words);

	int bar = sdl_fonts_line_skip(&ui->fonts) + 2 * STATUS_PAD;
	sdl_screen_layout(&ui->screen, (SDL_Rect){0, 0, w, h - bar});
	SDL_SetRenderDrawColor(ui->renderer, 32, 32, 36, 255);
	SDL_RenderClear(ui->renderer);
	bool dim = ui->state != KYOYU_STATE_SHARING || ui->link_lost;
	sdl_screen_draw(&ui->screen, ui->renderer, dim);
	if (ui->banner.texture) {
		SDL_Rect box = {(w - ui->banner.w) / 2 - 16, (h - bar - ui->banner.h) / 2 - 10,
				ui->banner.w + 32, ui->banner.h + 20};
		SDL_SetRenderDrawColor(ui->renderer,
				       ui->state == KYOYU_STATE_PAUSED ? 200 : 60,
				       ui->state == KYOYU_STATE_PAUSED ? 120 : 60,
				       ui->state == KYOYU_STATE_PAUSED ? 0 : 70, 255);
		SDL_RenderFillRect(ui->renderer, &box);
		sdl_text_draw(&ui->banner, ui->renderer, box.x + 16, box.y + 10);
	}
	/* The status bar: amber while paused, so it cannot be missed. */
	SDL_Rect strip = {0, h - bar, w, bar};
	if (ui->state == KYOYU_STATE_PAUSED)
		SDL_SetRenderDrawColor(ui->renderer, 200, 120, 0, 255);
	else
		SDL_SetRenderDrawColor(ui->renderer, 16, 16, 18, 255);
	SDL_RenderFillRect(ui->renderer, &strip);
	sdl_text_draw(&ui->status, ui->renderer, STATUS_PAD, h - bar + STATUS_PAD);
	if (sdl_words_waiting(ui))
		draw_waiting(ui, (SDL_Rect){0, 0, w, h - bar});
	else if (ui->recording_stopped)
		draw_recording_notice(ui, w);
	else if (kyoyu_now_us() < ui->switched_until_us)
		draw_switch_notice(ui, w);
	if (ui->confirming)
		draw_confirm(ui, (SDL_Rect){0, 0, w, h - bar});
	SDL_RenderPresent(ui->renderer);
	ui->dirty = false;
}

/* ---- the operator's arrow ------------------------------------------------ */

static void post_pointer(sdl_ui *ui, bool visible)
{
	kyoyu_msg *msg = kyoyu_msg_new(KYOYU_MSG_POINTER);

	if (!msg) {
		kyoyu_warn("out of memory: the arrow did not move on the customer's screen");
		return;
	}
	msg->u.pointer = (kyoyu_pointer_info){ui->pointer_x, ui->pointer_y, visible};
	kyoyu_bus_post(ui->bus, msg);
	ui->pointer_shown = visible;
	ui->pointer_pending = false;
	ui->pointer_sent_us = kyoyu_now_us();
}

/* Milliseconds until the next arrow position may go out. */
static int pointer_wait_ms(const sdl_ui *ui)
{
	int64_t next = ui->pointer_sent_us + 1000000 / ui->pointer_hz;
	int64_t left = next - kyoyu_now_us();

	return left > 0 ? (int)((left + 999) / 1000) : 0;
}

/* Sends the newest position when the rate allows; positions in between
 * are coalesced. */
static void flush_pointer(sdl_ui *ui)
{
	if (ui->pointer_pending && pointer_wait_ms(ui) == 0)
		post_pointer(ui, true);
}

static void pointer_moved(sdl_ui *ui, int wx, int wy)
{
	if (sdl_screen_to_shared(&ui->screen, wx, wy, &ui->pointer_x, &ui->pointer_y))
		ui->pointer_pending = true;
	flush_pointer(ui);
}

static void pointer_released(sdl_ui *ui)
{
	ui->dragging = false;
	if (ui->pointer_shown || ui->pointer_pending)
		post_pointer(ui, false);
}

/* ---- events -------------------------------------------------------------- */

static void request_end(sdl_ui *ui, const char *why)
{
	if (ui->end_requested)
		return;
	kyoyu_info("%s: ending the session", why);
	ui->end_requested = true;
	kyoyu_bus_post_value(ui->bus, KYOYU_MSG_END, KYOYU_END_OPERATOR);
}

static void request_new_code(sdl_ui *ui)
{
	kyoyu_info("the operator asked for a new code");
	kyoyu_bus_post_value(ui->bus, KYOYU_MSG_CODE, KYOYU_CODE_REQUEST_NEW);
}

static void copy_code(sdl_ui *ui)
{
	if (ui->code_event == KYOYU_CODE_ISSUED && SDL_SetClipboardText(ui->code) != 0)
		kyoyu_warn("cannot copy the code: %s", SDL_GetError());
}

/* Esc, E or closing the window: first the question. */
static void ask_to_end(sdl_ui *ui, bool quit)
{
	ui->confirming = true;
	ui->quit_after_end = quit;
	ui->dirty = true;
}

static void answer(sdl_ui *ui, bool end)
{
	ui->confirming = false;
	ui->dirty = true;
	if (end)
		request_end(ui, ui->quit_after_end ? "window closed (confirmed)"
						   : "end confirmed");
	else
		ui->quit_after_end = false;
}

static void on_key(sdl_ui *ui, const SDL_Keysym *key)
{
	if (ui->confirming) {
		if (key->sym == SDLK_RETURN || key->sym == SDLK_KP_ENTER || key->sym == SDLK_y)
			answer(ui, true);
		else if (key->sym == SDLK_ESCAPE || key->sym == SDLK_n)
			answer(ui, false);
	} else if (sdl_words_waiting(ui)) {
		if (key->sym == SDLK_n)
			request_new_code(ui);
		else if (key->sym == SDLK_c && (key->mod & KMOD_CTRL))
			copy_code(ui);
	} else if (key->sym == SDLK_ESCAPE || key->sym == SDLK_e) {
		ask_to_end(ui, false);
	}
}

static void on_click(sdl_ui *ui, int x, int y)
{
	switch (sdl_console_hit_test(&ui->panel, ui->confirming, x, y)) {
	case SDL_CONSOLE_HIT_YES:
		answer(ui, true);
		return;
	case SDL_CONSOLE_HIT_NO:
		answer(ui, false);
		return;
	case SDL_CONSOLE_HIT_NEW_CODE:
		if (sdl_words_waiting(ui))
			request_new_code(ui);
		return;
	case SDL_CONSOLE_HIT_CODE:
		if (sdl_words_waiting(ui))
			copy_code(ui);
		return;
	default:
		break;
	}
	if (!ui->confirming && ui->state == KYOYU_STATE_SHARING &&
	    sdl_screen_contains(&ui->screen, x, y)) {
		ui->dragging = true;
		pointer_moved(ui, x, y);
	}
}

/* Closing the window: between customers it closes the console (returns
 * true); with a customer it asks first. */
static bool on_close(sdl_ui *ui)
{
	if (sdl_words_waiting(ui)) {
		if (ui->state != KYOYU_STATE_ENDED)
			request_end(ui, "window closed");
		return true;
	}
	ask_to_end(ui, true);
	return false;
}

/* Returns true when the window is to close. */
static bool on_sdl_event(sdl_ui *ui, const SDL_Event *ev)
{
	switch (ev->type) {
	case SDL_QUIT:
		return on_close(ui);
	case SDL_KEYDOWN:
		on_key(ui, &ev->key.keysym);
		break;
	case SDL_MOUSEBUTTONDOWN:
		if (ev->button.button == SDL_BUTTON_LEFT)
			on_click(ui, ev->button.x, ev->button.y);
		break;
	case SDL_MOUSEMOTION:
		if (ui->dragging)
			pointer_moved(ui, ev->motion.x, ev->motion.y);
		break;
	case SDL_MOUSEBUTTONUP:
		if (ev->button.button == SDL_BUTTON_LEFT && ui->dragging)
			pointer_released(ui);
		break;
	case SDL_WINDOWEVENT:
		ui->dirty = true;
		break;
	default:
		break;
	}
	return false;
}

static void on_peer(sdl_ui *ui, const kyoyu_msg *msg)
{
	switch (msg->u.peer.event) {
	case KYOYU_PEER_CONNECTED:
		char name[sizeof(ui->peer)];
		int len = kyoyu_peer_text(msg, KYOYU_PEER_TEXT_NAME, name, sizeof(name));
		if (len > 0) {
			/* A name from the network: whole characters, no control. */
			utf8_text_sanitize(ui->peer, sizeof(ui->peer), name, (size_t)len);
			char title[sizeof(ui->peer) + 64];
			/* TRANSLATORS: the window's title; %s is the customer's
			 * name.  Keep "kyoyu" first: tests find the window by it. */
			snprintf(title, sizeof(title), _("kyoyu — %s"), ui->peer);
			SDL_SetWindowTitle(ui->window, title);
		}
		ui->recording = msg->u.peer.recording;
		ui->link_lost = false;
		/* The code was single use: it is spent. */
		ui->code_event = 0;
		explicit_bzero(ui->code, sizeof(ui->code));
		break;
	case KYOYU_PEER_LOST:
		ui->link_lost = true;
		break;
	case KYOYU_PEER_RESUMED:
		ui->link_lost = false;
		break;
	default:
		break;
	}
}

/* The console's window outlives the session: what it showed of the
 * customer goes, how it ended stays for the panel. */
static void forget_session(sdl_ui *ui)
{
	ui->had_session = true;
	ui->last_reason = ui->reason;
	ui->last_recording = ui->recording;
	ui->last_recording_stopped = ui->recording_stopped;
	memcpy(ui->last_peer, ui->peer, sizeof(ui->peer));
	ui->peer[0] = '\0';
	ui->link_lost = false;
	ui->recording_stopped = 0;
	ui->switched_until_us = 0;
	ui->stats = (kyoyu_stats_info){0};
	ui->confirming = false;
	ui->end_requested = false;
	sdl_screen_clear(&ui->screen);
	SDL_SetWindowTitle(ui->window, _("kyoyu — waiting for the customer"));
}

static void on_code(sdl_ui *ui, const kyoyu_msg *msg)
{
	size_t len = msg->buf ? kyoyu_buffer_size(msg->buf) : 0;

	switch (msg->u.code.event) {
	case KYOYU_CODE_ISSUED:
		/* Digits and dashes only, or nothing. */
		if (len == 0 || len >= sizeof(ui->code))
			return;
		for (size_t i = 0; i < len; i++) {
			char c = ((const char *)kyoyu_buffer_data(msg->buf))[i];
			if ((c < '0' || c > '9') && c != '-')
				return;
		}
		memcpy(ui->code, kyoyu_buffer_data(msg->buf), len);
		ui->code[len] = '\0';
		ui->code_expires_us = msg->u.code.expires_us;
		ui->code_event = KYOYU_CODE_ISSUED;
		break;
	case KYOYU_CODE_EXPIRED:
	case KYOYU_CODE_ATTACKED:
	case KYOYU_CODE_REFUSED:
		explicit_bzero(ui->code, sizeof(ui->code));
		ui->code_event = (uint32_t)msg->u.code.event;
		break;
	default:
		break;
	}
}

static void on_state(sdl_ui *ui, const kyoyu_state_info *st)
{
	if (st->state == KYOYU_STATE_ENDED && ui->console && ui->state != KYOYU_STATE_ENDED) {
		ui->state = st->state;
		ui->reason = st->reason;
		forget_session(ui);
	}
	ui->state = st->state;
	ui->reason = st->reason;
	ui->recording = st->recording;
	ui->ends_at_us = st->ends_at_us;
	/* The arrow means nothing on a screen that is not shared. */
	if (st->state != KYOYU_STATE_SHARING && ui->dragging)
		pointer_released(ui);
}

static void on_message(sdl_ui *ui, const kyoyu_msg *msg)
{
	KYOYU_ASSERT_STAGE_THREAD(ui->stage);
	switch (msg->type) {
	case KYOYU_MSG_FRAME:
		if (sdl_screen_update(&ui->screen, ui->renderer, msg) == -EINVAL)
			kyoyu_warn("ignored a frame that does not describe its buffer");
		break;
	case KYOYU_MSG_CURSOR:
		if (sdl_screen_set_cursor(&ui->screen, ui->renderer, msg) == -EINVAL)
			kyoyu_warn("ignored a cursor shape that does not fit its buffer");
		break;
	case KYOYU_MSG_STATE:
		on_state(ui, &msg->u.state);
		break;
	case KYOYU_MSG_PEER:
		on_peer(ui, msg);
		break;
	case KYOYU_MSG_STATS:
		ui->stats = msg->u.stats;
		break;
	case KYOYU_MSG_CODE:
		on_code(ui, msg);
		break;
	case KYOYU_MSG_NOTICE:
		if (msg->u.notice.kind == KYOYU_NOTICE_RECORDING_STOPPED)
			ui->recording_stopped = msg->u.notice.error > 0 ? msg->u.notice.error : EIO;
		if (msg->u.notice.kind == KYOYU_NOTICE_CODEC_SWITCHED && msg->buf) {
			utf8_text_sanitize(ui->switched_to, sizeof(ui->switched_to),
					   kyoyu_buffer_data(msg->buf),
					   kyoyu_buffer_size(msg->buf));
			ui->switched_until_us = kyoyu_now_us() + SWITCH_NOTICE_US;
		}
		break;
	default:
		break;
	}
	ui->dirty = true;
}

/* Reads every waiting message.  Returns -ESHUTDOWN once the stage stops. */
static int drain_inbox(sdl_ui *ui)
{
	kyoyu_msg *msg;
	int ret;

	while ((ret = kyoyu_inbox_pop(ui->inbox, &msg, 0)) == 0) {
		on_message(ui, msg);
		kyoyu_msg_unref(msg);
	}
	sdl_waker_rearm(&ui->waker);
	return ret == -ESHUTDOWN ? ret : 0;
}

/* ---- life cycle ---------------------------------------------------------- */

static int sdl_ui_init(void *priv, const kyoyu_host *host)
{
	sdl_ui *ui = priv;

	if (host->role != KYOYU_ROLE_VIEWER)
		return KYOYU_SKIP; /* the customer's side has ui/tty and the overlay */
	ui->bus = host->bus;
	ui->clock = host->clock;
	ui->console = host->console;
	/* The agent handles SIGINT/SIGTERM itself. */
	SDL_SetHint(SDL_HINT_NO_SIGNAL_HANDLERS, "1");
	/* Probe for a display here, so a machine without one skips quietly; the
	 * window itself is made on the stage's thread. */
	if (SDL_Init(SDL_INIT_VIDEO) != 0) {
		kyoyu_info("no display for a window (%s)", SDL_GetError());
		return KYOYU_SKIP;
	}
	/* SDL falls back to drivers that draw nowhere when there is no display:
	 * no operator could see that window (ui/headless is for that case). */
	const char *driver = SDL_GetCurrentVideoDriver();
	bool nowhere = driver && (strcmp(driver, "offscreen") == 0 ||
				  strcmp(driver, "dummy") == 0);
	SDL_Quit();
	if (nowhere) {
		kyoyu_info("no display for a window (only SDL's %s driver)", driver);
		return KYOYU_SKIP;
	}
	return KYOYU_OK;
}

static int sdl_ui_start(void *priv, kyoyu_stage *stage)
{
	sdl_ui *ui = priv;

	ui->stage = stage;
	ui->inbox = kyoyu_stage_inbox(stage);
	kyoyu_inbox_set_mask(ui->inbox,
			     KYOYU_MSG_BIT(KYOYU_MSG_FRAME) | KYOYU_MSG_BIT(KYOYU_MSG_CURSOR) |
				     KYOYU_MSG_BIT(KYOYU_MSG_STATE) |
				     KYOYU_MSG_BIT(KYOYU_MSG_PEER) |
				     KYOYU_MSG_BIT(KYOYU_MSG_STATS) |
				     KYOYU_MSG_BIT(KYOYU_MSG_CODE) |
				     KYOYU_MSG_BIT(KYOYU_MSG_NOTICE));
	/* The console's window outlives each session. */
	if (ui->console)
		kyoyu_stage_stay_after_end(stage);
	return 0;
}

static void close_window(sdl_ui *ui)
{
	sdl_waker_stop(&ui->waker);
	sdl_text_clear(&ui->status);
	sdl_text_clear(&ui->banner);
	sdl_text_clear(&ui->notice);
	sdl_console_close(&ui->panel);
	sdl_screen_clear(&ui->screen);
	sdl_fonts_close(&ui->fonts);
	sdl_fonts_close(&ui->big_fonts);
	if (TTF_WasInit())
		TTF_Quit();
	if (ui->renderer)
		SDL_DestroyRenderer(ui->renderer);
	if (ui->window)
		SDL_DestroyWindow(ui->window);
	ui->renderer = NULL;
	ui->window = NULL;
	SDL_Quit();
}

static int open_window(sdl_ui *ui)
{
	if (SDL_Init(SDL_INIT_VIDEO) != 0 || TTF_Init() != 0) {
		kyoyu_error("cannot start SDL: %s", SDL_GetError());
		return -ENODEV;
	}
	char language[16];
	i18n_language(language, sizeof(language));
	if (sdl_fonts_open(&ui->fonts, ui->font_path, language, ui->font_size) ||
	    sdl_fonts_open(&ui->big_fonts, ui->font_path, language, ui->font_size * 2) ||
	    sdl_console_open(&ui->panel, &ui->fonts, &ui->big_fonts, ui->font_path,
			     language, ui->font_size))
		return -ENOENT;
	/* TRANSLATORS: the window's title before anyone connects.  Keep
	 * "kyoyu" first: tests find the window by it. */
	ui->window = SDL_CreateWindow(_("kyoyu — waiting for the customer"),
				      SDL_WINDOWPOS_UNDEFINED, SDL_WINDOWPOS_UNDEFINED,
				      ui->width, ui->height, SDL_WINDOW_RESIZABLE);
	if (ui->window)
		ui->renderer = SDL_CreateRenderer(ui->window, -1, 0);
	if (!ui->window || !ui->renderer) {
		kyoyu_error("cannot open the viewer window: %s", SDL_GetError());
		return -ENODEV;
	}
	SDL_RendererInfo info;
	if (SDL_GetRendererInfo(ui->renderer, &info) == 0)
		kyoyu_info("window %dx%d, renderer %s", ui->width, ui->height, info.name);
	ui->status = (sdl_text){.fonts = &ui->fonts, .color = {235, 235, 235, 255}};
	ui->banner = (sdl_text){.fonts = &ui->big_fonts, .color = {255, 255, 255, 255}};
	ui->notice = (sdl_text){.fonts = &ui->fonts, .color = {0, 0, 0, 255}};
	ui->dirty = true;
	int inbox_fd = kyoyu_inbox_fd(ui->inbox);
	if (inbox_fd < 0) {
		kyoyu_error("no file descriptor left to wait on the bus; raise the limit "
			    "(ulimit -n)");
		return -EMFILE;
	}
	return sdl_waker_start(&ui->waker, inbox_fd);
}

static int sdl_ui_run(void *priv, kyoyu_stage *stage)
{
	sdl_ui *ui = priv;
	int ret = open_window(ui);

	while (ret == 0) {
		int wait = MAX_WAIT_MS;
		if (ui->pointer_pending && pointer_wait_ms(ui) < wait)
			wait = pointer_wait_ms(ui);
		SDL_Event ev;
		bool close = false;
		if (SDL_WaitEventTimeout(&ev, wait)) {
			do
				close |= on_sdl_event(ui, &ev);
			while (SDL_PollEvent(&ev));
		}
		if (close)
			break;
		if (drain_inbox(ui) == -ESHUTDOWN)
			break;
		flush_pointer(ui);
		/* The time left on the status line, and the code's, move every
		 * second. */
		int64_t second = kyoyu_clock_now(ui->clock) / 1000000;
		if ((ui->ends_at_us || sdl_words_waiting(ui)) && second != ui->drawn_second) {
			ui->drawn_second = second;
			ui->dirty = true;
		}
		if (ui->dirty)
			draw(ui);
		/* One session, or the operator closed the console. */
		if (ui->state == KYOYU_STATE_ENDED && (!ui->console || ui->quit_after_end))
			break;
	}
	close_window(ui);
	return ret;
}

static const kyoyu_stage_ops ops = {
	.size = sizeof(kyoyu_stage_ops),
	.start = sdl_ui_start,
	.run = sdl_ui_run,
	.formats = formats,
};

static const kyoyu_plugin_descriptor descriptor = {
	KYOYU_PLUGIN_HEADER,
	.kind = KYOYU_KIND_UI,
	.name = "sdl",
	.version = PACKAGE_VERSION,
	.license = "MIT",
	.description = "the operator's window: the customer's screen, status, pointer arrow",
	.priv_size = sizeof(sdl_ui),
	.options = options,
	.init = sdl_ui_init,
	.ops = &ops,
};

KYOYU_PLUGIN_DEFINE(kyoyu_ui_sdl, descriptor)
