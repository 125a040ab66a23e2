/* SPDX-License-Identifier: MIT */
/* The bar shown while the screen is shared, as ui/gtk's (gtk-bar.h):
 * small, above every other window, at the top of the screen: who sees the
 * screen, the time left, Pause/Resume and Stop, and a banner when the time
 * is nearly up.  It never takes the focus from the customer's own window
 * (clicking it does not activate it).  On the thread that runs the
 * windows. */
#ifndef UI_WIN32_BAR_H
#define UI_WIN32_BAR_H

#include <stdbool.h>
#include <stdint.h>

#include <windows.h>

#include "customer-session.h"

/* The bar's class and its controls' ids, for the tests
 * (tests/win64/win32-poke.c). */
#define UI_WIN32_BAR_CLASS L"kyoyu-sharing-bar"
enum {
	UI_WIN32_BAR_ID_WARNING = 300,
	UI_WIN32_BAR_ID_NEWS,
	UI_WIN32_BAR_ID_STATUS,
	UI_WIN32_BAR_ID_TIME,
	UI_WIN32_BAR_ID_PAUSE,
	UI_WIN32_BAR_ID_STOP,
};

/* The bar is the controller's customer_bar (customer-session.h). */
typedef struct customer_bar ui_win32_bar;

/* The bar, not shown yet, in LANGUAGE's fonts, telling SESSION of Pause,
 * Resume and Stop; NULL when Windows would not make it. */
ui_win32_bar *ui_win32_bar_new(customer_session *session, const char *language);
void ui_win32_bar_free(ui_win32_bar *bar);

/* Shows the bar for sharing with ASKER ("Name (Organisation)", or NULL). */
void ui_win32_bar_show(ui_win32_bar *bar, const char *asker);
void ui_win32_bar_hide(ui_win32_bar *bar);

void ui_win32_bar_set_paused(ui_win32_bar *bar, bool paused);
void ui_win32_bar_set_link_lost(ui_win32_bar *bar, bool lost);

/* The time left before the cap, in seconds; negative: no cap known. */
void ui_win32_bar_set_time_left(ui_win32_bar *bar, int64_t seconds);

/* A banner above the bar with WORDS (the time is nearly up). */
void ui_win32_bar_warn(ui_win32_bar *bar, const char *words);

/* A lasting banner with WORDS, under the warning's place: what changed
 * while sharing (the recording stopped); NULL: the banner goes. */
void ui_win32_bar_tell(ui_win32_bar *bar, const char *words);

#endif
