/* SPDX-License-Identifier: MIT */
/* The customer's window before and after sharing, one page at a time: the
 * code, who asks to see the screen (Allow / Decline), how it ended.  While
 * the screen is shared it is hidden and the bar (gtk-bar.h) shows instead.
 * Everything here runs on the thread that runs GTK. */
#ifndef UI_GTK_WINDOW_H
#define UI_GTK_WINDOW_H

#include <stdbool.h>

/* What the question says about the recording, and so which answers it
 * offers. */
typedef enum ui_gtk_question {
	UI_GTK_ASK_UNRECORDED,         /* Allow / Decline */
	UI_GTK_ASK_RECORDED,           /* Allow (recorded) / Decline */
	UI_GTK_ASK_RECORDING_OPTIONAL, /* Allow / Share without recording / Decline */
} ui_gtk_question;

typedef enum ui_gtk_answer {
	UI_GTK_DECLINE,
	UI_GTK_ALLOW,
	UI_GTK_ALLOW_UNRECORDED,
} ui_gtk_answer;

/* Who asks to see the screen.  Every text may be NULL or empty. */
typedef struct ui_gtk_asker {
	const char *name;         /* the support person */
	const char *organisation; /* their support desk */
	const char *verified;     /* how kyoyu knows, in plain words */
} ui_gtk_asker;

/* What the customer did; CTX is what ui_gtk_window_new() was given. */
typedef struct ui_gtk_window_actions {
	void (*code)(void *ctx, const char *digits); /* the 9 digits, ASCII */
	void (*answer)(void *ctx, ui_gtk_answer answer);
	void (*close)(void *ctx); /* the window's close button or Close */
} ui_gtk_window_actions;

typedef struct ui_gtk_window ui_gtk_window;

/* The window, not shown yet; NULL when GTK could not make it. */
ui_gtk_window *ui_gtk_window_new(const ui_gtk_window_actions *actions, void *ctx);
void ui_gtk_window_free(ui_gtk_window *window);

/* A spinner and WORDS ("Connecting to the support team…"). */
void ui_gtk_window_wait(ui_gtk_window *window, const char *words);

/* Asks for the code; FAILURES is how many codes did not work so far. */
void ui_gtk_window_ask_code(ui_gtk_window *window, unsigned failures);

/* Asks whether WHO may see the screen, and record it as QUESTION says. */
void ui_gtk_window_ask_consent(ui_gtk_window *window, const ui_gtk_asker *who,
			       ui_gtk_question question);

/* The question's words as the page shows them, its visible lines apart by
 * "\n", for the record of the customer's answer; g_free(). */
char *ui_gtk_window_question_words(ui_gtk_window *window);

/* "Name (Organisation)", "Name", or NULL when WHO has no name; g_free(). */
char *ui_gtk_asker_label(const ui_gtk_asker *who);

/* How the session ended: WHY in plain words, SHARED whether anything was
 * shown, DETAIL a line of detail or NULL. */
void ui_gtk_window_show_end(ui_gtk_window *window, const char *why, bool shared,
			    const char *detail);

void ui_gtk_window_hide(ui_gtk_window *window);

#endif
