/* SPDX-License-Identifier: MIT */
/* Shared by the customer's windows (ui/gtk, ui/win32): what to show for
 * each thing the session says on the bus, and what the customer's clicks
 * post back.  The controller keeps the session's state (sharing or paused,
 * the time left, who asks, why it failed) and tells a view what to draw
 * through a small table of calls each toolkit fills with its own window,
 * bar and arrow functions; the toolkit keeps only the drawing and its
 * event loop.  Plain C, no toolkit: tested without a display
 * (tests/unit/test-customer-session.c).
 *
 * Threads: everything here runs on the stage's thread, the one that runs
 * the toolkit. */
#ifndef KYOYU_UI_CUSTOMER_SESSION_H
#define KYOYU_UI_CUSTOMER_SESSION_H

#include <stdbool.h>
#include <stdint.h>

#include <kyoyu/kyoyu.h>

/* Each toolkit's own window (the code, the question, the end), sharing bar
 * and operator's arrow: it defines these structs; the controller only hands
 * them back to the view's calls. */
typedef struct customer_window customer_window;
typedef struct customer_bar customer_bar;
typedef struct customer_arrow customer_arrow;

/* What the question says about the recording, and so which answers the
 * window offers. */
typedef enum customer_question {
	CUSTOMER_ASK_UNRECORDED,         /* Allow / Decline */
	CUSTOMER_ASK_RECORDED,           /* Allow (recorded) / Decline */
	CUSTOMER_ASK_RECORDING_OPTIONAL, /* Allow / Share without recording / Decline */
} customer_question;

typedef enum customer_answer {
	CUSTOMER_ANSWER_DECLINE,
	CUSTOMER_ANSWER_ALLOW,
	CUSTOMER_ANSWER_ALLOW_UNRECORDED,
} customer_answer;

/* What a toolkit draws.  Texts come translated and fit to show; NULL where
 * a text may be absent.  Every call is required but the arrow's, which a
 * toolkit without one leaves NULL. */
typedef struct customer_view {
	/* The window: WORDS alone ("Connecting to the support team…"). */
	void (*show_wait)(customer_window *window, const char *words);
	/* The code page; FAILURES is how many codes did not work so far. */
	void (*show_code_page)(customer_window *window, unsigned failures);
	/* Whether ASKER ("Name (Organisation)", or NULL: the support team)
	 * may see the screen; VERIFIED says how the name is known (or NULL). */
	void (*show_question)(customer_window *window, const char *asker,
			      const char *verified, customer_question question);
	/* How it ended: WHY in plain words, SHARED whether anything was
	 * shown, DETAIL what a failed stage said (or NULL). */
	void (*show_end)(customer_window *window, const char *why, bool shared,
			 const char *detail);
	void (*hide_window)(customer_window *window);

	/* The bar while sharing with ASKER (or NULL). */
	void (*show_bar)(customer_bar *bar, const char *asker);
	void (*hide_bar)(customer_bar *bar);
	void (*bar_paused)(customer_bar *bar, bool paused);
	void (*bar_link_lost)(customer_bar *bar, bool lost);
	/* SECONDS left before the cap; negative: no cap known. */
	void (*bar_time_left)(customer_bar *bar, int64_t seconds);
	/* The time warning's banner, counting down. */
	void (*bar_warn)(customer_bar *bar, const char *words);
	/* A lasting banner: what changed while sharing; NULL hides it. */
	void (*bar_tell)(customer_bar *bar, const char *words);

	/* The operator's arrow at X, Y (screen pixels), or hidden. */
	void (*show_arrow)(customer_arrow *arrow, int x, int y);
	void (*hide_arrow)(customer_arrow *arrow);
} customer_view;

typedef struct customer_session customer_session;

/* The stage's inbox, set to the messages the controller reads (with the
 * pointer's when VIEW draws the arrow), and the stage kept after the end
 * so the customer can read why.  For a stage's start(). */
void customer_session_listen(kyoyu_stage *stage, const customer_view *view);

/* A controller posting the customer's answers on BUS, reading the time
 * left on CLOCK and drawing with VIEW (kept, not copied: static).  NULL
 * when out of memory. */
customer_session *customer_session_new(kyoyu_bus *bus, const kyoyu_clock *clock,
				       const customer_view *view);
void customer_session_free(customer_session *session);

/* The language the customer reads ("ja", "en"), as gettext chose it: the
 * answers say the question was in it, and the windows pick its fonts. */
const char *customer_session_language(const customer_session *session);

/* What the view draws on; ARROW may be NULL.  Until this is called nothing
 * is drawn. */
void customer_session_show_on(customer_session *session, customer_window *window,
			      customer_bar *bar, customer_arrow *arrow);

/* The first page, while the session gets ready. */
void customer_session_begin(customer_session *session);

/* One message from the inbox. */
void customer_session_on_message(customer_session *session, const kyoyu_msg *msg);

/* Takes every message waiting in STAGE's inbox; false once the agent stops
 * the stage. */
bool customer_session_read_inbox(customer_session *session, kyoyu_stage *stage);

/* Once a second: the time left counts down on the bar. */
void customer_session_tick(customer_session *session);

/* True when the window may go: closed after the end, or closed before it
 * and the end has come. */
bool customer_session_finished(const customer_session *session);

/* ---- the customer's actions: the window's and the bar's buttons ---- */

/* The 9 digits (ASCII) typed. */
void customer_session_code(customer_session *session, const char *digits);

/* The answer to the question whose words (its lines apart by "\n") the
 * window showed. */
void customer_session_answer(customer_session *session, customer_answer answer,
			     const char *words);

/* The window closed: before the end it leaves the session (a closed window
 * must not go on sharing unseen); after it, the agent may exit. */
void customer_session_close(customer_session *session);

void customer_session_pause(customer_session *session);
void customer_session_resume(customer_session *session);
void customer_session_stop(customer_session *session);

#endif
