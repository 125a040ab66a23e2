/* SPDX-License-Identifier: MIT */
/* The bar shown while the screen is shared: small, above every other
 * window, at the top of the screen: who sees the screen, the time left,
 * Pause/Resume and Stop, and a banner when the time is nearly up.  On the
 * thread that runs GTK. */
#ifndef UI_GTK_BAR_H
#define UI_GTK_BAR_H

#include <stdbool.h>
#include <stdint.h>

#include "customer-session.h"

/* The bar is the controller's customer_bar (customer-session.h). */
typedef struct customer_bar ui_gtk_bar;

/* The bar, not shown yet, telling SESSION of Pause, Resume and Stop; NULL
 * when GTK could not make it. */
ui_gtk_bar *ui_gtk_bar_new(customer_session *session);
void ui_gtk_bar_free(ui_gtk_bar *bar);

/* Shows the bar for sharing with OPERATOR (a name, or NULL). */
void ui_gtk_bar_show(ui_gtk_bar *bar, const char *operator_name);
void ui_gtk_bar_hide(ui_gtk_bar *bar);

void ui_gtk_bar_set_paused(ui_gtk_bar *bar, bool paused);
void ui_gtk_bar_set_link_lost(ui_gtk_bar *bar, bool lost);

/* The time left before the cap, in seconds; negative: no cap known. */
void ui_gtk_bar_set_time_left(ui_gtk_bar *bar, int64_t seconds);

/* A banner above the bar with WORDS (the time is nearly up). */
void ui_gtk_bar_warn(ui_gtk_bar *bar, const char *words);

/* A lasting banner with WORDS, under the warning's place: what changed
 * while sharing (the recording stopped); NULL: the banner goes. */
void ui_gtk_bar_tell(ui_gtk_bar *bar, const char *words);

#endif
