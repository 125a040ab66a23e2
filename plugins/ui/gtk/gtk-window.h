/* SPDX-License-Identifier: MIT */
/* The customer's window before and after sharing, one page at a time: the
 * code, who asks to see the screen (Allow / Decline), how it ended.  While
 * the screen is shared it is hidden and the bar (gtk-bar.h) shows instead.
 * Everything here runs on the thread that runs GTK. */
#ifndef UI_GTK_WINDOW_H
#define UI_GTK_WINDOW_H

#include <stdbool.h>

#include "customer-session.h"

/* The window is the controller's customer_window (customer-session.h). */
typedef struct customer_window ui_gtk_window;

/* The window, not shown yet, telling SESSION what the customer does; NULL
 * when GTK could not make it. */
ui_gtk_window *ui_gtk_window_new(customer_session *session);
void ui_gtk_window_free(ui_gtk_window *window);

/* A spinner and WORDS ("Connecting to the support team…"). */
void ui_gtk_window_wait(ui_gtk_window *window, const char *words);

/* Asks for the code; FAILURES is how many codes did not work so far. */
void ui_gtk_window_ask_code(ui_gtk_window *window, unsigned failures);

/* Asks whether ASKER ("Name (Organisation)", or NULL: the support team)
 * may see the screen, and record it as QUESTION says; VERIFIED says how
 * the name is known (NULL: no line). */
void ui_gtk_window_ask_consent(ui_gtk_window *window, const char *asker, const char *verified,
			       customer_question question);

/* How the session ended: WHY in plain words, SHARED whether anything was
 * shown, DETAIL a line of detail or NULL. */
void ui_gtk_window_show_end(ui_gtk_window *window, const char *why, bool shared,
			    const char *detail);

void ui_gtk_window_hide(ui_gtk_window *window);

#endif
