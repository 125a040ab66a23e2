/* SPDX-License-Identifier: MIT */
/* The customer's window before and after sharing, one page at a time, as
 * ui/gtk's (gtk-window.h): the code, who asks to see the screen (Allow /
 * Decline), how it ended.  While the screen is shared it is hidden and the
 * bar (win32-bar.h) shows instead.  Everything here runs on the thread
 * that runs the windows. */
#ifndef UI_WIN32_WINDOW_H
#define UI_WIN32_WINDOW_H

#include <stdbool.h>

#include <windows.h>

/* The window's class, and its controls' ids: tests find them by these
 * (tests/win64/win32-poke.c), whatever the language. */
#define UI_WIN32_WINDOW_CLASS L"kyoyu-customer"
enum {
	UI_WIN32_ID_CONNECT = IDOK, /* Enter on the code page presses it */
	UI_WIN32_ID_CODE = 100,     /* the code's field */
	UI_WIN32_ID_TITLE,
	UI_WIN32_ID_VERIFIED,
	UI_WIN32_ID_TEXT,
	UI_WIN32_ID_RECORDED,
	UI_WIN32_ID_MORE,
	UI_WIN32_ID_PROBLEM,
	UI_WIN32_ID_HINT,
	UI_WIN32_ID_DECLINE = 200,
	UI_WIN32_ID_ALLOW_UNRECORDED,
	UI_WIN32_ID_ALLOW,
	UI_WIN32_ID_CLOSE,
};

/* What the question says about the recording, and so which answers it
 * offers. */
typedef enum ui_win32_question {
	UI_WIN32_ASK_UNRECORDED,         /* Allow / Decline */
	UI_WIN32_ASK_RECORDED,           /* Allow (recorded) / Decline */
	UI_WIN32_ASK_RECORDING_OPTIONAL, /* Allow / Share without recording / Decline */
} ui_win32_question;

typedef enum ui_win32_answer {
	UI_WIN32_DECLINE,
	UI_WIN32_ALLOW,
	UI_WIN32_ALLOW_UNRECORDED,
} ui_win32_answer;

/* What the customer did; CTX is what ui_win32_window_new() was given. */
typedef struct ui_win32_window_actions {
	void (*code)(void *ctx, const char *digits); /* the 9 digits, ASCII */
	void (*answer)(void *ctx, ui_win32_answer answer);
	void (*close)(void *ctx); /* the window's close button or Close */
} ui_win32_window_actions;

typedef struct ui_win32_window ui_win32_window;

/* The window, not shown yet, its words in LANGUAGE's fonts ("ja", "en");
 * NULL when Windows would not make it. */
ui_win32_window *ui_win32_window_new(const ui_win32_window_actions *actions, void *ctx,
				     const char *language);
void ui_win32_window_free(ui_win32_window *window);

/* The top-level window, for the message loop's dialog keys (Tab, Enter,
 * Alt+letter). */
HWND ui_win32_window_handle(const ui_win32_window *window);

/* WORDS alone ("Connecting to the support team…"). */
void ui_win32_window_wait(ui_win32_window *window, const char *words);

/* Asks for the code; FAILURES is how many codes did not work so far. */
void ui_win32_window_ask_code(ui_win32_window *window, unsigned failures);

/* Asks whether ASKER ("Name (Organisation)", or NULL: the support team)
 * may see the screen, and record it as QUESTION says; VERIFIED says how
 * the name is known (NULL: no line). */
void ui_win32_window_ask_consent(ui_win32_window *window, const char *asker,
				 const char *verified, ui_win32_question question);

/* The question's words as the page shows them, its lines apart by "\n",
 * for the record of the customer's answer; free(). */
char *ui_win32_window_question_words(const ui_win32_window *window);

/* How the session ended: WHY in plain words, SHARED whether anything was
 * shown, DETAIL a line of detail or NULL. */
void ui_win32_window_show_end(ui_win32_window *window, const char *why, bool shared,
			      const char *detail);

void ui_win32_window_hide(ui_win32_window *window);

#endif
