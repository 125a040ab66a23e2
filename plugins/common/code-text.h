/* SPDX-License-Identifier: MIT */
/* Shared by the customer's UIs (ui/tty, ui/gtk): the connection code as
 * people type it, turned into the ASCII the transport parses.
 *
 * A Japanese input method left in full-width (全角) mode types ０-９ for
 * the digits, U+3000 for a space and ー (U+30FC) or － (U+FF0D) for a dash;
 * a phone or a copied e-mail brings other dashes.  Each becomes its ASCII
 * counterpart, so "６９１ー２０４ー５５８" is the code 691-204-558.  Other
 * text is left alone for the transport to refuse, as it refuses any text
 * that is not a code.  The same folding lets y/n and the command keys be
 * typed in full-width.  Header-only (static inline) so each plugin module
 * carries its own copy. */
#ifndef KYOYU_COMMON_CODE_TEXT_H
#define KYOYU_COMMON_CODE_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "utf8-text.h"

/* The ASCII character that CP, typed at a prompt, stands for: CP itself
 * when it is ASCII; the ASCII form of a full-width character (０-９, Ａ-Ｚ,
 * ａ-ｚ, －, the ideographic space); '-' or ' ' for the other dashes and
 * spaces people type between the digits; else 0. */
static inline char code_text_ascii(uint32_t cp)
{
	if (cp < 0x80)
		return (char)cp;
	if (cp >= 0xff01 && cp <= 0xff5e)
		return (char)(cp - 0xff01 + 0x21);
	switch (cp) {
	case 0x00a0: /* no-break space */
	case 0x3000: /* ideographic space */
		return ' ';
	case 0x2010: /* hyphen */
	case 0x2011: /* non-breaking hyphen */
	case 0x2012: /* figure dash */
	case 0x2013: /* en dash */
	case 0x2014: /* em dash */
	case 0x2015: /* horizontal bar */
	case 0x2212: /* minus sign */
	case 0x30fc: /* ー katakana-hiragana prolonged sound mark */
	case 0xff70: /* ｰ half-width prolonged sound mark */
		return '-';
	default:
		return 0;
	}
}

/* Copies the N bytes of TEXT into OUT (LEN bytes, NUL-terminated) with
 * every character code_text_ascii() knows in ASCII; anything else is
 * copied as it is.  The result is never longer than TEXT. */
static inline void code_text_normalize(const char *text, size_t n, char *out, size_t len)
{
	size_t o = 0;

	if (len == 0)
		return;
	for (size_t i = 0; i < n && o + 1 < len;) {
		uint32_t cp;
		size_t k = utf8_text_decode(text + i, n - i, &cp);
		char ascii = k ? code_text_ascii(cp) : 0;
		if (ascii) {
			out[o++] = ascii;
			i += k;
			continue;
		}
		/* Copied whole or not at all: never half a character. */
		size_t whole = k ? k : 1;
		if (o + whole + 1 > len)
			break;
		for (size_t j = 0; j < whole; j++)
			out[o++] = text[i + j];
		i += whole;
	}
	out[o] = '\0';
}

#endif
