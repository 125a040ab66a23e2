/* SPDX-License-Identifier: MIT */
/* The operator's arrow on the customer's screen: a small window above all
 * others in the shape of an arrow, that every click goes through and that
 * never takes the focus (layered, transparent to input, topmost,
 * non-activating, no taskbar button), kept out of the shared picture where
 * Windows allows, so the operator does not see their own arrow come back.
 * On the thread that runs the windows. */
#ifndef UI_WIN32_ARROW_H
#define UI_WIN32_ARROW_H

#include <windows.h>

#include "customer-session.h"

/* The arrow is the controller's customer_arrow (customer-session.h). */
typedef struct customer_arrow ui_win32_arrow;

/* The arrow, hidden; NULL when Windows would not make it. */
ui_win32_arrow *ui_win32_arrow_new(void);
void ui_win32_arrow_free(ui_win32_arrow *arrow);

/* Shows the arrow with its tip at X,Y (screen pixels). */
void ui_win32_arrow_show_at(ui_win32_arrow *arrow, int x, int y);
void ui_win32_arrow_hide(ui_win32_arrow *arrow);

/* The arrow's window, for tests and the log. */
HWND ui_win32_arrow_window(const ui_win32_arrow *arrow);

#endif
