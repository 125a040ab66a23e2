/* SPDX-License-Identifier: MIT */
/* Shared by the customer's windows (ui/gtk, ui/win32): the connection code
 * as the customer types or pastes it: digits in ASCII or full width (an
 * input method left in 全角 mode), spaces and dashes of any width between
 * them, read as the 9 digits they mean and shown grouped the way the
 * support person reads them out (123-456-789).  Plain C on UTF-8, no
 * toolkit: each window converts its own text to UTF-8 first. */
#ifndef KYOYU_UI_CODE_ENTRY_H
#define KYOYU_UI_CODE_ENTRY_H

#include <stdbool.h>
#include <stddef.h>

#define UI_CODE_DIGITS 9
/* "123-456-789" and its terminating zero. */
#define UI_CODE_TEXT_MAX (UI_CODE_DIGITS + 3)

typedef struct ui_code {
	char digits[UI_CODE_DIGITS + 1]; /* ASCII, zero-terminated */
	size_t n;                        /* digits read, at most 9 */
	bool stray;    /* something that is neither a digit, a space nor a dash */
	bool too_long; /* more than 9 digits: the first 9 are kept */
} ui_code;

/* Reads TEXT (UTF-8; invalid bytes count as stray) into CODE. */
void ui_code_read(const char *text, ui_code *code);

/* CODE's digits grouped by three with dashes ("123-45"), into OUT. */
void ui_code_format(const ui_code *code, char out[UI_CODE_TEXT_MAX]);

/* Where the cursor goes in the grouped text to stand after DIGITS digits:
 * after the digit itself, before the dash that follows it. */
size_t ui_code_position(size_t digits);

/* Forgets the digits (a code is a secret until it is used). */
void ui_code_clear(ui_code *code);

#endif
