/* SPDX-License-Identifier: MIT */
/* The texts a message's buf holds, each ending in a NUL: who the other
 * side is (PEER, as the transport verified it) and what the customer was
 * asked (CONSENT) (docs/plugin-abi.md, "The frame bus"). */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include <kyoyu/bus.h>
#include <kyoyu/frame.h>

#include "utf8.h"

/* The longest start of TEXT (LEN bytes) that fits in MAX bytes and ends on
 * a character boundary: never half a character. */
static size_t whole_chars(const char *text, size_t len, size_t max)
{
	if (len <= max)
		return len;
	while (max > 0 && ((unsigned char)text[max] & 0xc0) == 0x80)
		max--;
	return max;
}

/* Copies text FIELD of MSG's buf into OUT (SIZE > 0 bytes). */
static int nth_text(const kyoyu_msg *msg, uint32_t field, char *out, size_t size)
{
	out[0] = '\0';
	if (!msg->buf)
		return 0;
	const char *p = kyoyu_buffer_data(msg->buf);
	size_t left = kyoyu_buffer_size(msg->buf);
	/* Skip FIELD texts; a text without its NUL runs to the end. */
	for (uint32_t i = 0; i < field; i++) {
		const char *nul = memchr(p, '\0', left);
		if (!nul)
			return 0;
		left -= (size_t)(nul + 1 - p);
		p = nul + 1;
	}
	const char *nul = memchr(p, '\0', left);
	size_t len = nul ? (size_t)(nul - p) : left;
	len = whole_chars(p, len, size - 1);
	memcpy(out, p, len);
	out[len] = '\0';
	return (int)len;
}

int kyoyu_peer_text(const kyoyu_msg *msg, uint32_t field, char *out, size_t size)
{
	if (!msg || msg->type != KYOYU_MSG_PEER || !out || size == 0)
		return -EINVAL;
	return nth_text(msg, field, out, size);
}

int kyoyu_consent_text(const kyoyu_msg *msg, uint32_t field, char *out, size_t size)
{
	if (!msg || msg->type != KYOYU_MSG_CONSENT || !out || size == 0)
		return -EINVAL;
	return nth_text(msg, field, out, size);
}

static bool language_ok(const char *tag, size_t len)
{
	if (len == 0 || len > KYOYU_CONSENT_LANGUAGE_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = tag[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-'))
			return false;
	}
	return true;
}

/* Valid UTF-8 whose only control character is "\n": no C0 (but the line
 * feed), DEL or C1 (U+0080..U+009F, C2 80..C2 9F) that could move a
 * terminal's cursor where the words are shown again. */
static bool notice_ok(const char *text)
{
	const unsigned char *s = (const unsigned char *)text;

	if (kyoyu_utf8_chars(text) < 0)
		return false;
	for (size_t i = 0; s[i]; i++)
		if ((s[i] < 0x20 && s[i] != '\n') || s[i] == 0x7f ||
		    (s[i] == 0xc2 && s[i + 1] >= 0x80 && s[i + 1] <= 0x9f))
			return false;
	return true;
}

int kyoyu_consent_post(kyoyu_bus *bus, uint32_t answer, const char *language,
		       const char *notice)
{
	size_t lang_len = language ? strlen(language) : 0;
	size_t notice_len = notice ? strlen(notice) : 0;

	if (!language_ok(language, lang_len))
		lang_len = 0;
	if (notice_len && !notice_ok(notice))
		notice_len = 0;
	notice_len = whole_chars(notice, notice_len, KYOYU_CONSENT_NOTICE_MAX);

	kyoyu_msg *msg = kyoyu_msg_new(KYOYU_MSG_CONSENT);
	if (!msg)
		return -ENOMEM;
	msg->u.value = answer;
	msg->buf = kyoyu_buffer_new(lang_len + 1 + notice_len + 1);
	if (!msg->buf) {
		kyoyu_msg_unref(msg);
		return -ENOMEM;
	}
	char *p = kyoyu_buffer_data(msg->buf);
	if (lang_len)
		memcpy(p, language, lang_len);
	p[lang_len] = '\0';
	if (notice_len)
		memcpy(p + lang_len + 1, notice, notice_len);
	p[lang_len + 1 + notice_len] = '\0';
	return kyoyu_bus_post(bus, msg);
}
