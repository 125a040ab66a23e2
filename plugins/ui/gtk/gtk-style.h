/* SPDX-License-Identifier: MIT */
/* The look of the customer's windows: a large code field, the bar's
 * colours (red while shared, amber while paused, as the overlay's badge),
 * the warning banner. */
#ifndef UI_GTK_STYLE_H
#define UI_GTK_STYLE_H

/* Installs the style for the default display.  After gtk_init. */
void ui_gtk_style_install(void);

#endif
