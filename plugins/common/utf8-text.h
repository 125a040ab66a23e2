/* SPDX-License-Identifier: MIT */
/* Shared by kyoyu's UI plugins: UTF-8 text as people read it.  Lengths are
 * counted in characters or terminal columns, never bytes, and text is cut
 * on character boundaries only.
 *
 * Locale-independent on purpose: the windows draw UTF-8 whatever LC_CTYPE
 * says, and glibc's mbrtowc()/wcwidth() refuse every non-ASCII character in
 * the "C" locale an agent started by a service manager gets.
 * Header-only (static inline) so each plugin module carries its own copy. */
#ifndef KYOYU_COMMON_UTF8_TEXT_H
#define KYOYU_COMMON_UTF8_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Decodes the character at S, of at most N bytes: its code point in *CP.
 * Returns its length in bytes, or 0 when S does not begin a well-formed
 * character (RFC 3629: no overlong forms, surrogates or values past
 * U+10FFFF) or N is 0. */
static inline size_t utf8_text_decode(const char *s, size_t n, uint32_t *cp)
{
	static const uint32_t least[] = {0, 0, 0x80, 0x800, 0x10000};
	const unsigned char *u = (const unsigned char *)s;
	size_t len;
	uint32_t c;

	if (n == 0)
		return 0;
	if (u[0] < 0x80) {
		*cp = u[0];
		return 1;
	}
	if ((u[0] & 0xe0) == 0xc0)
		len = 2, c = u[0] & 0x1f;
	else if ((u[0] & 0xf0) == 0xe0)
		len = 3, c = u[0] & 0x0f;
	else if ((u[0] & 0xf8) == 0xf0)
		len = 4, c = u[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((u[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (u[i] & 0x3f);
	}
	if (c < least[len] || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

/* True when the N bytes at S are the beginning of a character cut short
 * (by a fixed-size buffer), not a malformed one. */
static inline bool utf8_text_is_cut(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t need = (u[0] & 0xe0) == 0xc0   ? 2
		      : (u[0] & 0xf0) == 0xe0 ? 3
		      : (u[0] & 0xf8) == 0xf0 ? 4
					      : 0;

	if (n == 0 || need <= n)
		return false;
	for (size_t i = 1; i < n; i++)
		if ((u[i] & 0xc0) != 0x80)
			return false;
	return true;
}

/* Control characters (C0, DEL, C1) would move a terminal's cursor or
 * worse; they never come through. */
static inline bool utf8_text_is_control(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp < 0xa0);
}

/* Copies text from elsewhere (the network, another stage), N bytes at SRC,
 * into DST of LEN bytes, NUL-terminated: a control character or a byte
 * that begins no well-formed character becomes '?', a character cut short
 * at the end is left out, and the copy ends on a character boundary.
 * Returns the characters copied. */
static inline size_t utf8_text_sanitize(char *dst, size_t len, const char *src, size_t n)
{
	size_t out = 0, chars = 0;

	if (len == 0)
		return 0;
	for (size_t i = 0; i < n;) {
		uint32_t cp;
		size_t k = utf8_text_decode(src + i, n - i, &cp);
		if (!k && utf8_text_is_cut(src + i, n - i))
			break;
		bool keep = k > 0 && !utf8_text_is_control(cp);
		size_t need = keep ? k : 1;
		if (out + need + 1 > len)
			break;
		if (keep)
			for (size_t j = 0; j < k; j++)
				dst[out++] = src[i + j];
		else
			dst[out++] = '?';
		i += k ? k : 1;
		chars++;
	}
	dst[out] = '\0';
	return chars;
}

/* Terminal columns of the character CP: 2 for East Asian wide and
 * full-width characters (kana, kanji, hangul, full-width forms), else 1;
 * the ranges of Markus Kuhn's wcwidth(). */
static inline int utf8_text_columns_of(uint32_t cp)
{
	return cp >= 0x1100 &&
			       (cp <= 0x115f || cp == 0x2329 || cp == 0x232a ||
				(cp >= 0x2e80 && cp <= 0xa4cf && cp != 0x303f) ||
				(cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xf900 && cp <= 0xfaff) ||
				(cp >= 0xfe10 && cp <= 0xfe19) || (cp >= 0xfe30 && cp <= 0xfe6f) ||
				(cp >= 0xff00 && cp <= 0xff60) || (cp >= 0xffe0 && cp <= 0xffe6) ||
				(cp >= 0x1f300 && cp <= 0x1f64f) ||
				(cp >= 0x1f900 && cp <= 0x1f9ff) ||
				(cp >= 0x20000 && cp <= 0x3fffd))
		       ? 2
		       : 1;
}

/* Cuts the NUL-terminated UTF-8 TEXT in place after at most COLUMNS
 * terminal columns, on a character boundary.  Returns the columns kept. */
static inline int utf8_text_cut_columns(char *text, int columns)
{
	size_t i = 0, n = 0;
	int used = 0;

	while (text[n])
		n++;
	while (i < n) {
		uint32_t cp;
		size_t k = utf8_text_decode(text + i, n - i, &cp);
		int w = k ? utf8_text_columns_of(cp) : 1;
		if (used + w > columns)
			break;
		used += w;
		i += k ? k : 1;
	}
	text[i] = '\0';
	return used;
}

#endif
