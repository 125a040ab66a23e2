/* SPDX-License-Identifier: MIT */
/* The connection code as the customer types or pastes it: digits in ASCII
 * or full width (an input method left in 全角 mode), spaces and dashes of
 * any width between them, read as the 9 digits they mean and shown grouped
 * the way the support person reads them out (123-456-789). */
#ifndef UI_GTK_CODE_H
#define UI_GTK_CODE_H

#include <stdbool.h>
#include <stddef.h>

#define UI_GTK_CODE_DIGITS 9
/* "123-456-789" and its terminating zero. */
#define UI_GTK_CODE_TEXT_MAX (UI_GTK_CODE_DIGITS + 3)

typedef struct ui_gtk_code {
	char digits[UI_GTK_CODE_DIGITS + 1]; /* ASCII, zero-terminated */
	size_t n;                            /* digits read, at most 9 */
	bool stray;    /* something that is neither a digit, a space nor a dash */
	bool too_long; /* more than 9 digits: the first 9 are kept */
} ui_gtk_code;

/* Reads TEXT (UTF-8; invalid bytes count as stray) into CODE. */
void ui_gtk_code_read(const char *text, ui_gtk_code *code);

/* CODE's digits grouped by three with dashes ("123-45"), into OUT. */
void ui_gtk_code_format(const ui_gtk_code *code, char out[UI_GTK_CODE_TEXT_MAX]);

/* Forgets the digits (a code is a secret until it is used). */
void ui_gtk_code_clear(ui_gtk_code *code);

#endif
