/* SPDX-License-Identifier: MIT */
/* UTF-8 validation and character counts (RFC 3629). */
#include "config.h"

#include <stdint.h>

#include "utf8.h"

/* Bytes of the character at S, or 0 when it is not well-formed. */
static int char_length(const unsigned char *s)
{
	uint32_t c;
	int n;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0)
		n = 2, c = s[0] & 0x1f;
	else if ((s[0] & 0xf0) == 0xe0)
		n = 3, c = s[0] & 0x0f;
	else if ((s[0] & 0xf8) == 0xf0)
		n = 4, c = s[0] & 0x07;
	else
		return 0;
	for (int i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	static const uint32_t least[] = {0, 0, 0x80, 0x800, 0x10000};
	if (c < least[n] || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	return n;
}

long kyoyu_utf8_chars(const char *text)
{
	const unsigned char *s = (const unsigned char *)text;
	long chars = 0;

	while (*s) {
		int n = char_length(s);
		if (!n)
			return -1;
		s += n;
		chars++;
	}
	return chars;
}
