/* SPDX-License-Identifier: MIT */
/* The texts of a PEER message: who the other side is, as the transport
 * verified it (docs/plugin-abi.md, "The frame bus"). */
#include "config.h"

#include <errno.h>
#include <string.h>

#include <kyoyu/bus.h>
#include <kyoyu/frame.h>

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

int kyoyu_peer_text(const kyoyu_msg *msg, uint32_t field, char *out, size_t size)
{
	if (!msg || msg->type != KYOYU_MSG_PEER || !out || size == 0)
		return -EINVAL;
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
