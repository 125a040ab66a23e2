/* SPDX-License-Identifier: MIT */
/* Reading the connection code typed or pasted by the customer. */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "../../common/code-text.h"
#include "../../common/utf8-text.h"
#include "code-entry.h"

/* White space between the digits: what code_text_ascii() makes a space,
 * ASCII's own, and Unicode's other spaces (as GLib's g_unichar_isspace). */
static bool is_space(uint32_t c)
{
	return code_text_ascii(c) == ' ' || (c >= '\t' && c <= '\r') || c == 0x1680 ||
	       (c >= 0x2000 && c <= 0x200a) || c == 0x2028 || c == 0x2029 || c == 0x202f ||
	       c == 0x205f;
}

void ui_code_read(const char *text, ui_code *code)
{
	size_t i = 0, len = strlen(text);

	ui_code_clear(code);
	while (i < len) {
		uint32_t c;
		size_t k = utf8_text_decode(text + i, len - i, &c);
		if (!k) {
			code->stray = true;
			i++;
			continue;
		}
		i += k;
		/* Full-width digits and the dashes people type, as ui/tty reads them. */
		char ascii = code_text_ascii(c);
		if (ascii >= '0' && ascii <= '9') {
			if (code->n < UI_CODE_DIGITS)
				code->digits[code->n++] = ascii;
			else
				code->too_long = true;
		} else if (ascii != '-' && !is_space(c)) {
			code->stray = true;
		}
	}
	code->digits[code->n] = '\0';
}

void ui_code_format(const ui_code *code, char out[UI_CODE_TEXT_MAX])
{
	size_t o = 0;

	for (size_t i = 0; i < code->n; i++) {
		if (i && i % 3 == 0)
			out[o++] = '-';
		out[o++] = code->digits[i];
	}
	out[o] = '\0';
}

size_t ui_code_position(size_t digits)
{
	return digits + (digits ? (digits - 1) / 3 : 0);
}

void ui_code_clear(ui_code *code)
{
	/* volatile: the compiler must not drop the wipe of a dying buffer. */
	volatile char *d = code->digits;
	for (size_t i = 0; i < sizeof(code->digits); i++)
		d[i] = 0;
	code->n = 0;
	code->stray = code->too_long = false;
}
