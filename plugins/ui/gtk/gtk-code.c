/* Reading the connection code typed or pasted by the customer. */
#include "config.h"

#include <string.h>

#include <glib.h>

#include "gtk-code.h"

/* The digit C stands for, or -1: ASCII 0-9 and full-width ０-９. */
static int digit_value(gunichar c)
{
	if (c >= '0' && c <= '9')
		return (int)(c - '0');
	if (c >= 0xff10 && c <= 0xff19)
		return (int)(c - 0xff10);
	return -1;
}

/* A dash someone may type between groups: ASCII, the Unicode hyphens and
 * dashes, the minus sign, and what a Japanese input method gives for the
 * "-" key (ー, －, ｰ). */
static bool is_dash(gunichar c)
{
	return c == '-' || (c >= 0x2010 && c <= 0x2015) || c == 0x2212 || c == 0x30fc ||
	       c == 0xfe63 || c == 0xff0d || c == 0xff70;
}

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
		int v = digit_value(c);
		if (v >= 0) {
			if (code->n < UI_GTK_CODE_DIGITS)
				code->digits[code->n++] = (char)('0' + v);
			else
				code->too_long = true;
		} else if (!g_unichar_isspace(c) && !is_dash(c)) {
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
