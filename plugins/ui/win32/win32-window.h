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

#include "customer-session.h"

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

/* The window is the controller's customer_window (customer-session.h). */
typedef struct customer_window ui_win32_window;

/* The window, not shown yet, its words in LANGUAGE's fonts ("ja", "en"),
 * telling SESSION what the customer does; NULL when Windows would not make
 * it. */
ui_win32_window *ui_win32_window_new(customer_session *session, const char *language);
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
				 const char *verified, customer_question question);

/* How the session ended: WHY in plain words, SHARED whether anything was
 * shown, DETAIL a line of detail or NULL. */
void ui_win32_window_show_end(ui_win32_window *window, const char *why, bool shared,
			      const char *detail);

void ui_win32_window_hide(ui_win32_window *window);

#endif
