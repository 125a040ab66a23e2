/* SPDX-License-Identifier: MIT */
/* What GTK 4 leaves out and the sharing bar needs on X11: staying above
 * other windows (GTK 4 has no keep-above call), a place at the top of the
 * screen (GTK 4 does not place windows), and a name tests and tools can
 * find a window by whatever the language. */
#ifndef UI_GTK_X11_H
#define UI_GTK_X11_H

#include <stdbool.h>

#include <gtk/gtk.h>

/* Asks the window manager to keep WINDOW above the others and on every
 * desktop (_NET_WM_STATE_ABOVE, _NET_WM_STATE_STICKY): call it each time
 * WINDOW is mapped, as GDK resets the state when it maps a window.  False
 * when WINDOW is not on X11 (Wayland offers a client no such request). */
bool ui_gtk_x11_keep_above(GtkWindow *window);

/* Moves the mapped WINDOW to the top centre of its screen. */
void ui_gtk_x11_place_top_centre(GtkWindow *window);

/* Sets the X property _KYOYU_WINDOW (UTF-8) of the realized WINDOW to ROLE
 * ("main", "bar"). */
void ui_gtk_x11_name_window(GtkWindow *window, const char *role);

#endif
