/* SPDX-License-Identifier: MIT */
/* Reading the connection code typed or pasted by the customer. */
#include "config.h"

#include <string.h>

#include <glib.h>

#include "code-text.h"
#include "gtk-code.h"

void ui_gtk_code_read(const char *text, ui_gtk_code *code)
{
	const char *p = text, *end = text + strlen(text);

	ui_gtk_code_clear(code);
	while (p < end) {
		gunichar c = g_utf8_get_char_validated(p, end - p);
		if (c == (gunichar)-1 || c == (gunichar)-2) {
			code->stray = true;
			p++;
			continue;
		}
		p = g_utf8_next_char(p);
		/* Full-width digits and the dashes people type, as ui/tty reads them. */
		char ascii = code_text_ascii(c);
		if (ascii >= '0' && ascii <= '9') {
			if (code->n < UI_GTK_CODE_DIGITS)
				code->digits[code->n++] = ascii;
			else
				code->too_long = true;
		} else if (ascii != '-' && !g_unichar_isspace(c)) {
			code->stray = true;
		}
	}
	code->digits[code->n] = '\0';
}

void ui_gtk_code_format(const ui_gtk_code *code, char out[UI_GTK_CODE_TEXT_MAX])
{
	size_t o = 0;

	for (size_t i = 0; i < code->n; i++) {
		if (i && i % 3 == 0)
			out[o++] = '-';
		out[o++] = code->digits[i];
	}
	out[o] = '\0';
}

void ui_gtk_code_clear(ui_gtk_code *code)
{
	/* volatile: the compiler must not drop the wipe of a dying buffer. */
	volatile char *d = code->digits;
	for (size_t i = 0; i < sizeof(code->digits); i++)
		d[i] = 0;
	code->n = 0;
	code->stray = code->too_long = false;
}
