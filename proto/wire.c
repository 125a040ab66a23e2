/* SPDX-License-Identifier: MIT */
/* The kyoyu wire protocol: encoding, bounds and a checked stream reader. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#define KYOYU_LOG_COMPONENT "proto"
#include <kyoyu/kyoyu.h>

#include "wire.h"

/* A name's length is one byte: every length it can say is allowed. */
_Static_assert(KP_WIRE_NAME_MAX == UINT8_MAX, "name_len is a u8");

typedef struct bounds {
	const char *name;
	uint32_t min, max;
} bounds;

/* Body lengths: docs/protocol.md, "Frames". */
static const bounds table[KP_WIRE_TYPE_END] = {
	[KP_WIRE_HELLO] = {"HELLO", 30, KP_WIRE_SMALL_MAX},
	[KP_WIRE_WELCOME] = {"WELCOME", 50, 50 + KP_WIRE_NAME_MAX},
	[KP_WIRE_REJECT] = {"REJECT", 3, 3},
	[KP_WIRE_BYE] = {"BYE", 1, 1},
	[KP_WIRE_PING] = {"PING", 12, 12},
	[KP_WIRE_PONG] = {"PONG", 20, 20},
	[KP_WIRE_CONSENT] = {"CONSENT", 1, 1},
	[KP_WIRE_PAUSED] = {"PAUSED", 0, 0},
	[KP_WIRE_RESUMED] = {"RESUMED", 0, 0},
	[KP_WIRE_VIDEO_CONFIG] = {"VIDEO_CONFIG", 8, 8},
	[KP_WIRE_VIDEO] = {"VIDEO", KP_WIRE_VIDEO_FIXED + 1,
			   KP_WIRE_VIDEO_FIXED + KP_WIRE_MAX_VIDEO},
	[KP_WIRE_CURSOR] = {"CURSOR", 13, 13},
	[KP_WIRE_CURSOR_SHAPE] = {"CURSOR_SHAPE", KP_WIRE_SHAPE_FIXED + 4,
				  KP_WIRE_SHAPE_FIXED + KP_WIRE_MAX_SHAPE_SIDE *
							    KP_WIRE_MAX_SHAPE_SIDE * 4},
	[KP_WIRE_POINTER] = {"POINTER", 9, 9},
	[KP_WIRE_KEYFRAME_REQUEST] = {"KEYFRAME_REQUEST", 0, 0},
	[KP_WIRE_REPORT] = {"REPORT", 24, 24},
	[KP_WIRE_LIMITS] = {"LIMITS", 8, 8},
	[KP_WIRE_NOTICE] = {"NOTICE", 2, 2},
	[KP_WIRE_QUESTION] = {"QUESTION", KP_WIRE_LANG_SIZE,
			      KP_WIRE_LANG_SIZE + KP_WIRE_MAX_QUESTION},
	[KP_WIRE_CODECS] = {"CODECS", 1 + 4, 1 + 4 * (KP_WIRE_MAX_CODECS - 1)},
};

const char *kp_wire_type_name(uint32_t type)
{
	return type > 0 && type < KP_WIRE_TYPE_END ? table[type].name : "unknown";
}

bool kp_wire_body_bounds(uint32_t type, uint32_t *min, uint32_t *max)
{
	if (type == 0 || type >= KP_WIRE_TYPE_END)
		return false;
	*min = table[type].min;
	*max = table[type].max;
	return true;
}

bool kp_wire_name_ok(const char *name, size_t len)
{
	const unsigned char *s = (const unsigned char *)name;

	for (size_t i = 0; i < len;) {
		unsigned c = s[i], n;
		uint32_t cp;
		if (c < 0x80) {
			if (c < 0x20 || c == 0x7f)
				return false;
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			n = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			cp = c & 0x07;
		} else {
			return false;
		}
		if (i + n >= len)
			return false; /* truncated sequence */
		for (unsigned k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		/* Overlong forms, surrogates, beyond Unicode, C1 controls. */
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
		    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff ||
		    (cp >= 0x80 && cp <= 0x9f))
			return false;
		i += n + 1;
	}
	return true;
}

size_t kp_wire_name_cut(const char *name, size_t len, size_t max)
{
	size_t end = 0;

	for (unsigned chars = 0; end < len && chars < KP_WIRE_NAME_CHARS; chars++) {
		size_t next = end + 1;
		while (next < len && ((unsigned char)name[next] & 0xc0) == 0x80)
			next++;
		if (next > max)
			break;
		end = next;
	}
	return end;
}

static bool notice_ok(uint8_t kind, uint8_t cause)
{
	return kind == KP_WIRE_NOTICE_RECORDING_STOPPED &&
	       (cause == KP_WIRE_NOTICE_DISK_FULL || cause == KP_WIRE_NOTICE_WRITE_FAILED);
}

/* CODECS: 1..7 codecs, none of them 0. */
static bool codecs_ok(const kp_wire_msg *m)
{
	if (m->u.codecs.n < 1 || m->u.codecs.n > KP_WIRE_MAX_CODECS - 1)
		return false;
	for (unsigned i = 0; i < m->u.codecs.n; i++)
		if (m->u.codecs.codecs[i] == KYOYU_CODEC_NONE)
			return false;
	return true;
}

static bool limits_ok(uint32_t cap_s, uint32_t warn_s)
{
	return cap_s <= KP_WIRE_MAX_CAP_S && warn_s <= KP_WIRE_MAX_WARN_S &&
	       (cap_s == 0 ? warn_s == 0 : warn_s < cap_s);
}

bool kp_wire_text_ok(const char *text, size_t len)
{
	for (;;) {
		const char *nl = memchr(text, '\n', len);
		size_t line = nl ? (size_t)(nl - text) : len;
		if (!kp_wire_name_ok(text, line))
			return false;
		if (!nl)
			return true;
		text += line + 1;
		len -= line + 1;
	}
}

bool kp_wire_lang_ok(const char *tag, size_t len)
{
	if (len == 0 || len > KP_WIRE_LANG_SIZE)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = tag[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-'))
			return false;
	}
	return true;
}

/* An empty language, or a tag. */
static bool question_lang_ok(const char *lang)
{
	size_t n = strnlen(lang, KP_WIRE_LANG_SIZE + 1);
	return n == 0 || kp_wire_lang_ok(lang, n);
}

static bool consent_ok(uint8_t answer)
{
	return answer == KYOYU_CONSENT_GRANTED || answer == KYOYU_CONSENT_DECLINED ||
	       answer == KYOYU_CONSENT_GRANTED_UNRECORDED;
}

static bool welcome_flags_ok(uint8_t flags)
{
	return !(flags & ~KP_WIRE_WELCOME_FLAGS) &&
	       (!(flags & KP_WIRE_WELCOME_RECORDING_OPTIONAL) ||
		(flags & KP_WIRE_WELCOME_RECORDING));
}

/* ---- encoding ------------------------------------------------------------ */

typedef struct putter {
	uint8_t *p;
} putter;

static void put_u8(putter *w, uint32_t v)
{
	*w->p++ = (uint8_t)v;
}

static void put_u16(putter *w, uint32_t v)
{
	put_u8(w, v >> 8);
	put_u8(w, v);
}

static void put_u32(putter *w, uint32_t v)
{
	put_u16(w, v >> 16);
	put_u16(w, v);
}

static void put_u64(putter *w, uint64_t v)
{
	put_u32(w, (uint32_t)(v >> 32));
	put_u32(w, (uint32_t)v);
}

/* A FourCC goes as its four characters in order (AVI, Matroska), not as
 * a big-endian number: 'VP90' reads "VP90" in a hex dump. */
static void put_fourcc(putter *w, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		put_u8(w, v >> (8 * i));
}

static void put_bytes(putter *w, const void *data, size_t n)
{
	memcpy(w->p, data, n);
	w->p += n;
}

static bool coord_ok(int32_t v, int32_t lo, int32_t hi)
{
	return v >= lo && v <= hi;
}

/* The bounds the decoder checks, checked before sending. */
static bool encodable(const kp_wire_msg *m, size_t data_len)
{
	switch (m->type) {
	case KP_WIRE_HELLO: {
		const kp_wire_hello *h = &m->u.hello;
		return h->n_codecs >= 1 && h->n_codecs <= KP_WIRE_MAX_CODECS &&
		       (h->auth == KP_WIRE_AUTH_CODE || h->auth == KP_WIRE_AUTH_TOKEN) &&
		       kp_wire_name_ok(h->name, h->name_len);
	}
	case KP_WIRE_WELCOME:
		return m->u.welcome.grace_s >= 1 &&
		       m->u.welcome.grace_s <= KP_WIRE_MAX_GRACE_S &&
		       welcome_flags_ok(m->u.welcome.flags) &&
		       kp_wire_name_ok(m->u.welcome.name, m->u.welcome.name_len);
	case KP_WIRE_REJECT:
		return m->u.reject.reason >= KP_WIRE_REJECT_BAD_CODE &&
		       m->u.reject.reason <= KP_WIRE_REJECT_RESUME_REFUSED &&
		       m->u.reject.retry_after_s <= KP_WIRE_MAX_RETRY_S;
	case KP_WIRE_BYE:
		return m->u.bye.reason >= KYOYU_END_LEFT && m->u.bye.reason <= KYOYU_END_ERROR;
	case KP_WIRE_CONSENT:
		return consent_ok(m->u.consent.answer);
	case KP_WIRE_LIMITS:
		return limits_ok(m->u.limits.cap_s, m->u.limits.warn_s);
	case KP_WIRE_NOTICE:
		return notice_ok(m->u.notice.kind, m->u.notice.cause);
	case KP_WIRE_CODECS:
		return codecs_ok(m);
	case KP_WIRE_QUESTION:
		return question_lang_ok(m->u.question.lang) && data_len <= KP_WIRE_MAX_QUESTION;
	case KP_WIRE_VIDEO_CONFIG:
		return m->u.video_config.codec != 0 && m->u.video_config.width >= 1 &&
		       m->u.video_config.width <= KP_WIRE_MAX_SIDE &&
		       m->u.video_config.height >= 1 &&
		       m->u.video_config.height <= KP_WIRE_MAX_SIDE;
	case KP_WIRE_VIDEO:
		return data_len >= 1 && data_len <= KP_WIRE_MAX_VIDEO &&
		       !(m->u.video.flags & ~7u) &&
		       m->u.video.encode_us <= KP_WIRE_MAX_ENCODE_US;
	case KP_WIRE_CURSOR:
		return coord_ok(m->u.cursor.x, -KP_WIRE_MAX_COORD, KP_WIRE_MAX_COORD) &&
		       coord_ok(m->u.cursor.y, -KP_WIRE_MAX_COORD, KP_WIRE_MAX_COORD) &&
		       m->u.cursor.visible <= 1;
	case KP_WIRE_CURSOR_SHAPE:
		return m->u.shape.width >= 1 && m->u.shape.width <= KP_WIRE_MAX_SHAPE_SIDE &&
		       m->u.shape.height >= 1 &&
		       m->u.shape.height <= KP_WIRE_MAX_SHAPE_SIDE &&
		       m->u.shape.hot_x < m->u.shape.width &&
		       m->u.shape.hot_y < m->u.shape.height &&
		       data_len == (size_t)m->u.shape.width * m->u.shape.height * 4;
	case KP_WIRE_POINTER:
		return coord_ok(m->u.pointer.x, 0, KP_WIRE_MAX_POINTER) &&
		       coord_ok(m->u.pointer.y, 0, KP_WIRE_MAX_POINTER) &&
		       m->u.pointer.visible <= 1;
	case KP_WIRE_PING:
	case KP_WIRE_PONG:
	case KP_WIRE_PAUSED:
	case KP_WIRE_RESUMED:
	case KP_WIRE_KEYFRAME_REQUEST:
	case KP_WIRE_REPORT:
		return true;
	default:
		return false;
	}
}

size_t kp_wire_encode(const kp_wire_msg *m, size_t data_len, uint8_t *out)
{
	putter w = {out + KP_WIRE_HEADER_SIZE};

	if (!encodable(m, data_len))
		return 0;
	switch (m->type) {
	case KP_WIRE_HELLO: {
		const kp_wire_hello *h = &m->u.hello;
		put_bytes(&w, KP_WIRE_MAGIC, 4);
		put_u8(&w, h->major);
		put_u8(&w, h->minor);
		put_u8(&w, h->auth);
		put_u8(&w, h->n_codecs);
		for (unsigned i = 0; i < h->n_codecs; i++)
			put_fourcc(&w, h->codecs[i]);
		put_bytes(&w, h->secret, h->auth == KP_WIRE_AUTH_CODE ? KP_WIRE_CODE_DIGITS
								      : KP_WIRE_TOKEN_SIZE);
		put_u64(&w, (uint64_t)h->clock_us);
		put_u8(&w, h->name_len);
		put_bytes(&w, h->name, h->name_len);
		break;
	}
	case KP_WIRE_WELCOME: {
		const kp_wire_welcome *h = &m->u.welcome;
		put_u8(&w, h->major);
		put_u8(&w, h->minor);
		put_fourcc(&w, h->codec);
		put_u8(&w, h->flags);
		put_u16(&w, h->grace_s);
		put_bytes(&w, h->token, KP_WIRE_TOKEN_SIZE);
		put_u64(&w, (uint64_t)h->clock_us);
		put_u8(&w, h->name_len);
		put_bytes(&w, h->name, h->name_len);
		break;
	}
	case KP_WIRE_REJECT:
		put_u8(&w, m->u.reject.reason);
		put_u16(&w, m->u.reject.retry_after_s);
		break;
	case KP_WIRE_BYE:
		put_u8(&w, m->u.bye.reason);
		break;
	case KP_WIRE_PING:
		put_u32(&w, m->u.ping.id);
		put_u64(&w, (uint64_t)m->u.ping.clock_us);
		break;
	case KP_WIRE_PONG:
		put_u32(&w, m->u.pong.id);
		put_u64(&w, (uint64_t)m->u.pong.echo_us);
		put_u64(&w, (uint64_t)m->u.pong.clock_us);
		break;
	case KP_WIRE_CONSENT:
		put_u8(&w, m->u.consent.answer);
		break;
	case KP_WIRE_VIDEO_CONFIG:
		put_fourcc(&w, m->u.video_config.codec);
		put_u16(&w, m->u.video_config.width);
		put_u16(&w, m->u.video_config.height);
		break;
	case KP_WIRE_VIDEO:
		put_u32(&w, m->u.video.seq);
		put_u8(&w, m->u.video.flags);
		put_u64(&w, (uint64_t)m->u.video.capture_us);
		put_u32(&w, m->u.video.encode_us);
		break;
	case KP_WIRE_CURSOR:
		put_u32(&w, (uint32_t)m->u.cursor.x);
		put_u32(&w, (uint32_t)m->u.cursor.y);
		put_u8(&w, m->u.cursor.visible);
		put_u32(&w, m->u.cursor.serial);
		break;
	case KP_WIRE_CURSOR_SHAPE:
		put_u32(&w, m->u.shape.serial);
		put_u16(&w, m->u.shape.width);
		put_u16(&w, m->u.shape.height);
		put_u16(&w, m->u.shape.hot_x);
		put_u16(&w, m->u.shape.hot_y);
		break;
	case KP_WIRE_POINTER:
		put_u32(&w, (uint32_t)m->u.pointer.x);
		put_u32(&w, (uint32_t)m->u.pointer.y);
		put_u8(&w, m->u.pointer.visible);
		break;
	case KP_WIRE_REPORT:
		put_u32(&w, m->u.report.highest_seq);
		put_u32(&w, m->u.report.packets);
		put_u64(&w, m->u.report.bytes);
		put_u32(&w, m->u.report.rtt_ms);
		put_u32(&w, m->u.report.lost);
		break;
	case KP_WIRE_LIMITS:
		put_u32(&w, m->u.limits.cap_s);
		put_u32(&w, m->u.limits.warn_s);
		break;
	case KP_WIRE_NOTICE:
		put_u8(&w, m->u.notice.kind);
		put_u8(&w, m->u.notice.cause);
		break;
	case KP_WIRE_CODECS:
		put_u8(&w, m->u.codecs.n);
		for (unsigned i = 0; i < m->u.codecs.n; i++)
			put_fourcc(&w, m->u.codecs.codecs[i]);
		break;
	case KP_WIRE_QUESTION: {
		size_t n = strlen(m->u.question.lang);
		put_bytes(&w, m->u.question.lang, n);
		memset(w.p, 0, KP_WIRE_LANG_SIZE - n);
		w.p += KP_WIRE_LANG_SIZE - n;
		break;
	}
	default: /* PAUSED, RESUMED, KEYFRAME_REQUEST: no body */
		break;
	}
	size_t fixed = (size_t)(w.p - out) - KP_WIRE_HEADER_SIZE;
	putter h = {out};
	put_u32(&h, (uint32_t)(fixed + data_len));
	put_u8(&h, m->type);
	return KP_WIRE_HEADER_SIZE + fixed;
}

void kp_wire_msg_clear(kp_wire_msg *msg)
{
	kyoyu_buffer_unref(msg->data);
	msg->data = NULL;
}

/* ---- decoding ------------------------------------------------------------ */

typedef struct getter {
	const uint8_t *p;
	size_t left;
} getter;

static uint32_t get_u8(getter *g)
{
	g->left--;
	return *g->p++;
}

static uint32_t get_u16(getter *g)
{
	uint32_t hi = get_u8(g);
	return hi << 8 | get_u8(g);
}

static uint32_t get_u32(getter *g)
{
	uint32_t hi = get_u16(g);
	return hi << 16 | get_u16(g);
}

static uint64_t get_u64(getter *g)
{
	uint64_t hi = get_u32(g);
	return hi << 32 | get_u32(g);
}

static uint32_t get_fourcc(getter *g)
{
	uint32_t v = 0;

	for (int i = 0; i < 4; i++)
		v |= get_u8(g) << (8 * i);
	return v;
}

static void get_bytes(getter *g, void *out, size_t n)
{
	memcpy(out, g->p, n);
	g->p += n;
	g->left -= n;
}

static int fail(char *why, size_t whylen, const char *fmt, ...)
	KYOYU_PRINTF_FORMAT(3, 4);
static int fail(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
	return -EPROTO;
}

/* Fields of HELLO after the magic and version; their lengths depend on the
 * values before them, so each is checked against what is left. */
static int decode_hello(getter *g, kp_wire_hello *h, char *why, size_t whylen)
{
	char magic[4];

	get_bytes(g, magic, 4);
	if (memcmp(magic, KP_WIRE_MAGIC, 4) != 0)
		return fail(why, whylen, "HELLO without the kyoyu magic: not a kyoyu sharer");
	h->major = (uint8_t)get_u8(g);
	h->minor = (uint8_t)get_u8(g);
	h->auth = (uint8_t)get_u8(g);
	h->n_codecs = (uint8_t)get_u8(g);
	if (h->auth != KP_WIRE_AUTH_CODE && h->auth != KP_WIRE_AUTH_TOKEN)
		return fail(why, whylen, "HELLO with unknown auth kind %u", h->auth);
	if (h->n_codecs < 1 || h->n_codecs > KP_WIRE_MAX_CODECS)
		return fail(why, whylen, "HELLO offers %u codecs (1..%d)", h->n_codecs,
			    KP_WIRE_MAX_CODECS);
	size_t secret = h->auth == KP_WIRE_AUTH_CODE ? KP_WIRE_CODE_DIGITS : KP_WIRE_TOKEN_SIZE;
	if (g->left < h->n_codecs * 4u + secret + 8 + 1)
		return fail(why, whylen, "HELLO shorter than its fields");
	for (unsigned i = 0; i < h->n_codecs; i++)
		h->codecs[i] = get_fourcc(g);
	get_bytes(g, h->secret, secret);
	if (h->auth == KP_WIRE_AUTH_CODE)
		for (size_t i = 0; i < secret; i++)
			if (h->secret[i] < '0' || h->secret[i] > '9')
				return fail(why, whylen, "HELLO code is not 9 digits");
	h->clock_us = (int64_t)get_u64(g);
	h->name_len = (uint8_t)get_u8(g);
	if (g->left != h->name_len)
		return fail(why, whylen, "HELLO name of %u bytes in %zu", h->name_len, g->left);
	get_bytes(g, h->name, h->name_len);
	h->name[h->name_len] = '\0';
	if (!kp_wire_name_ok(h->name, h->name_len))
		return fail(why, whylen, "HELLO name is not printable UTF-8");
	return 0;
}

static int decode_welcome(getter *g, kp_wire_welcome *h, char *why, size_t whylen)
{
	h->major = (uint8_t)get_u8(g);
	h->minor = (uint8_t)get_u8(g);
	h->codec = get_fourcc(g);
	h->flags = (uint8_t)get_u8(g);
	h->grace_s = (uint16_t)get_u16(g);
	get_bytes(g, h->token, KP_WIRE_TOKEN_SIZE);
	h->clock_us = (int64_t)get_u64(g);
	h->name_len = (uint8_t)get_u8(g);
	if (!welcome_flags_ok(h->flags))
		return fail(why, whylen, "WELCOME with flags 0x%02x (unknown, or \"recording optional\" without recording)", h->flags);
	if (h->grace_s < 1 || h->grace_s > KP_WIRE_MAX_GRACE_S)
		return fail(why, whylen, "WELCOME grace of %u s (1..%d)", h->grace_s,
			    KP_WIRE_MAX_GRACE_S);
	if (h->codec == 0)
		return fail(why, whylen, "WELCOME without a codec");
	if (g->left != h->name_len)
		return fail(why, whylen, "WELCOME name of %u bytes in %zu", h->name_len,
			    g->left);
	get_bytes(g, h->name, h->name_len);
	h->name[h->name_len] = '\0';
	if (!kp_wire_name_ok(h->name, h->name_len))
		return fail(why, whylen, "WELCOME name is not printable UTF-8");
	return 0;
}

/* QUESTION's language: a tag, then only NUL padding (the words follow as
 * data, checked by the reader of the message). */
static int decode_question(getter *g, kp_wire_msg *m, char *why, size_t whylen)
{
	char *lang = m->u.question.lang;

	get_bytes(g, lang, KP_WIRE_LANG_SIZE);
	lang[KP_WIRE_LANG_SIZE] = '\0';
	size_t n = strlen(lang);
	for (size_t i = n; i < KP_WIRE_LANG_SIZE; i++)
		if (lang[i] != '\0')
			return fail(why, whylen, "QUESTION language not padded with NULs");
	if (n && !kp_wire_lang_ok(lang, n))
		return fail(why, whylen, "QUESTION language is not a language tag");
	return 0;
}

/* Decodes the fixed part of a body (FIXED bytes; DATA_LEN more follow).
 * The length is already within the type's bounds. */
static int decode_fixed(uint32_t type, const uint8_t *fixed, size_t len,
			size_t data_len, kp_wire_msg *m, char *why, size_t whylen)
{
	getter g = {fixed, len};

	memset(m, 0, sizeof(*m));
	m->type = type;
	switch (type) {
	case KP_WIRE_HELLO:
		return decode_hello(&g, &m->u.hello, why, whylen);
	case KP_WIRE_WELCOME:
		return decode_welcome(&g, &m->u.welcome, why, whylen);
	case KP_WIRE_REJECT:
		m->u.reject.reason = (uint8_t)get_u8(&g);
		m->u.reject.retry_after_s = (uint16_t)get_u16(&g);
		if (m->u.reject.reason < KP_WIRE_REJECT_BAD_CODE ||
		    m->u.reject.reason > KP_WIRE_REJECT_RESUME_REFUSED)
			return fail(why, whylen, "REJECT with unknown reason %u",
				    m->u.reject.reason);
		if (m->u.reject.retry_after_s > KP_WIRE_MAX_RETRY_S)
			return fail(why, whylen, "REJECT retry after %u s",
				    m->u.reject.retry_after_s);
		return 0;
	case KP_WIRE_BYE:
		m->u.bye.reason = (uint8_t)get_u8(&g);
		if (m->u.bye.reason < KYOYU_END_LEFT || m->u.bye.reason > KYOYU_END_ERROR)
			return fail(why, whylen, "BYE with unknown reason %u", m->u.bye.reason);
		return 0;
	case KP_WIRE_PING:
		m->u.ping.id = get_u32(&g);
		m->u.ping.clock_us = (int64_t)get_u64(&g);
		return 0;
	case KP_WIRE_PONG:
		m->u.pong.id = get_u32(&g);
		m->u.pong.echo_us = (int64_t)get_u64(&g);
		m->u.pong.clock_us = (int64_t)get_u64(&g);
		return 0;
	case KP_WIRE_CONSENT:
		m->u.consent.answer = (uint8_t)get_u8(&g);
		if (!consent_ok(m->u.consent.answer))
			return fail(why, whylen, "CONSENT with unknown answer %u",
				    m->u.consent.answer);
		return 0;
	case KP_WIRE_VIDEO_CONFIG:
		m->u.video_config.codec = get_fourcc(&g);
		m->u.video_config.width = (uint16_t)get_u16(&g);
		m->u.video_config.height = (uint16_t)get_u16(&g);
		if (m->u.video_config.codec == 0 || m->u.video_config.width < 1 ||
		    m->u.video_config.width > KP_WIRE_MAX_SIDE ||
		    m->u.video_config.height < 1 ||
		    m->u.video_config.height > KP_WIRE_MAX_SIDE)
			return fail(why, whylen, "VIDEO_CONFIG of %ux%u", m->u.video_config.width,
				    m->u.video_config.height);
		return 0;
	case KP_WIRE_VIDEO:
		m->u.video.seq = get_u32(&g);
		m->u.video.flags = (uint8_t)get_u8(&g);
		m->u.video.capture_us = (int64_t)get_u64(&g);
		m->u.video.encode_us = get_u32(&g);
		if (m->u.video.flags & ~7u)
			return fail(why, whylen, "VIDEO with unknown flags 0x%02x",
				    m->u.video.flags);
		if (m->u.video.encode_us > KP_WIRE_MAX_ENCODE_US)
			return fail(why, whylen, "VIDEO encoded in %u us", m->u.video.encode_us);
		return 0;
	case KP_WIRE_CURSOR:
		m->u.cursor.x = (int32_t)get_u32(&g);
		m->u.cursor.y = (int32_t)get_u32(&g);
		m->u.cursor.visible = (uint8_t)get_u8(&g);
		m->u.cursor.serial = get_u32(&g);
		if (!coord_ok(m->u.cursor.x, -KP_WIRE_MAX_COORD, KP_WIRE_MAX_COORD) ||
		    !coord_ok(m->u.cursor.y, -KP_WIRE_MAX_COORD, KP_WIRE_MAX_COORD) ||
		    m->u.cursor.visible > 1)
			return fail(why, whylen, "CURSOR at %d,%d visible %u", m->u.cursor.x,
				    m->u.cursor.y, m->u.cursor.visible);
		return 0;
	case KP_WIRE_CURSOR_SHAPE:
		m->u.shape.serial = get_u32(&g);
		m->u.shape.width = (uint16_t)get_u16(&g);
		m->u.shape.height = (uint16_t)get_u16(&g);
		m->u.shape.hot_x = (uint16_t)get_u16(&g);
		m->u.shape.hot_y = (uint16_t)get_u16(&g);
		if (m->u.shape.width < 1 || m->u.shape.width > KP_WIRE_MAX_SHAPE_SIDE ||
		    m->u.shape.height < 1 || m->u.shape.height > KP_WIRE_MAX_SHAPE_SIDE ||
		    m->u.shape.hot_x >= m->u.shape.width ||
		    m->u.shape.hot_y >= m->u.shape.height)
			return fail(why, whylen, "CURSOR_SHAPE of %ux%u, hot spot %u,%u",
				    m->u.shape.width, m->u.shape.height, m->u.shape.hot_x,
				    m->u.shape.hot_y);
		if (data_len != (size_t)m->u.shape.width * m->u.shape.height * 4)
			return fail(why, whylen, "CURSOR_SHAPE of %ux%u with %zu bytes of pixels",
				    m->u.shape.width, m->u.shape.height, data_len);
		return 0;
	case KP_WIRE_POINTER:
		m->u.pointer.x = (int32_t)get_u32(&g);
		m->u.pointer.y = (int32_t)get_u32(&g);
		m->u.pointer.visible = (uint8_t)get_u8(&g);
		if (!coord_ok(m->u.pointer.x, 0, KP_WIRE_MAX_POINTER) ||
		    !coord_ok(m->u.pointer.y, 0, KP_WIRE_MAX_POINTER) ||
		    m->u.pointer.visible > 1)
			return fail(why, whylen, "POINTER at %d,%d visible %u", m->u.pointer.x,
				    m->u.pointer.y, m->u.pointer.visible);
		return 0;
	case KP_WIRE_REPORT:
		m->u.report.highest_seq = get_u32(&g);
		m->u.report.packets = get_u32(&g);
		m->u.report.bytes = get_u64(&g);
		m->u.report.rtt_ms = get_u32(&g);
		m->u.report.lost = get_u32(&g);
		return 0;
	case KP_WIRE_LIMITS:
		m->u.limits.cap_s = get_u32(&g);
		m->u.limits.warn_s = get_u32(&g);
		if (!limits_ok(m->u.limits.cap_s, m->u.limits.warn_s))
			return fail(why, whylen, "LIMITS of a %u s cap warned %u s before",
				    m->u.limits.cap_s, m->u.limits.warn_s);
		return 0;
	case KP_WIRE_NOTICE:
		m->u.notice.kind = (uint8_t)get_u8(&g);
		m->u.notice.cause = (uint8_t)get_u8(&g);
		if (!notice_ok(m->u.notice.kind, m->u.notice.cause))
			return fail(why, whylen, "NOTICE of unknown kind %u (cause %u)",
				    m->u.notice.kind, m->u.notice.cause);
		return 0;
	case KP_WIRE_CODECS:
		m->u.codecs.n = (uint8_t)get_u8(&g);
		if (m->u.codecs.n < 1 || m->u.codecs.n > KP_WIRE_MAX_CODECS - 1 ||
		    g.left != m->u.codecs.n * 4u)
			return fail(why, whylen, "CODECS of %u codecs in %zu bytes",
				    m->u.codecs.n, g.left + 1);
		for (unsigned i = 0; i < m->u.codecs.n; i++)
			m->u.codecs.codecs[i] = get_fourcc(&g);
		if (!codecs_ok(m))
			return fail(why, whylen, "CODECS naming no codec (0)");
		return 0;
	case KP_WIRE_QUESTION:
		return decode_question(&g, m, why, whylen);
	default: /* PAUSED, RESUMED, KEYFRAME_REQUEST: empty */
		return 0;
	}
}

/* How many leading bytes of a TYPE body of LEN bytes are fields (the rest
 * is bitstream, pixels or words, read straight into a buffer). */
static size_t fixed_part(uint32_t type, uint32_t len)
{
	if (type == KP_WIRE_VIDEO)
		return KP_WIRE_VIDEO_FIXED;
	if (type == KP_WIRE_CURSOR_SHAPE)
		return KP_WIRE_SHAPE_FIXED;
	if (type == KP_WIRE_QUESTION)
		return KP_WIRE_LANG_SIZE;
	return len;
}

int kp_wire_decode(uint32_t type, const uint8_t *body, size_t len,
		   kp_wire_msg *out, char *why, size_t whylen)
{
	uint32_t min, max;

	memset(out, 0, sizeof(*out));
	if (!kp_wire_body_bounds(type, &min, &max))
		return fail(why, whylen, "unknown message type %u", type);
	if (len < min || len > max)
		return fail(why, whylen, "%s of %zu bytes (%u..%u)", kp_wire_type_name(type),
			    len, min, max);
	size_t fixed = fixed_part(type, (uint32_t)len);
	int ret = decode_fixed(type, body, fixed, len - fixed, out, why, whylen);
	if (ret == 0 && len > fixed) {
		out->data = kyoyu_buffer_new_copy(body + fixed, len - fixed);
		if (!out->data)
			return -ENOMEM;
	}
	return ret;
}

/* ---- the stream reader --------------------------------------------------- */

void kp_wire_reader_init(kp_wire_reader *r, uint32_t allowed)
{
	memset(r, 0, sizeof(*r));
	r->allowed = allowed;
}

void kp_wire_reader_fini(kp_wire_reader *r)
{
	kp_wire_msg_clear(&r->msg);
	OPENSSL_cleanse(r->fixed, sizeof(r->fixed)); /* may hold a code */
}

void kp_wire_reader_allow(kp_wire_reader *r, uint32_t allowed)
{
	r->allowed = allowed;
}

void kp_wire_reader_hold(kp_wire_reader *r, uint32_t types)
{
	r->hold = types;
}

bool kp_wire_reader_holding(const kp_wire_reader *r)
{
	/* The type is the peer's: any byte, most of them no bit of HOLD. */
	return r->head_have == KP_WIRE_HEADER_SIZE && r->type < 32 &&
	       (r->hold & KP_WIRE_BIT(r->type));
}

bool kp_wire_reader_midway(const kp_wire_reader *r)
{
	return r->head_have > 0;
}

const char *kp_wire_reader_why(const kp_wire_reader *r)
{
	return r->why;
}

static void reset(kp_wire_reader *r)
{
	r->head_have = 0;
	r->fixed_have = 0;
	r->fixed_len = 0;
	r->fixed_done = false;
	r->data_have = r->data_len = 0;
}

/* The header is complete: refuse what cannot be right before reading on. */
static int take_header(kp_wire_reader *r)
{
	uint32_t min, max;
	getter g = {r->head, KP_WIRE_HEADER_SIZE};

	r->len = get_u32(&g);
	r->type = get_u8(&g);
	if (!kp_wire_body_bounds(r->type, &min, &max))
		return fail(r->why, sizeof(r->why), "unknown message type 0x%02x", r->type);
	if (!(r->allowed & KP_WIRE_BIT(r->type)))
		return fail(r->why, sizeof(r->why), "unexpected %s message here",
			    kp_wire_type_name(r->type));
	if (r->len < min || r->len > max) {
		fail(r->why, sizeof(r->why), "%s of %u bytes (allowed: %u..%u)",
		     kp_wire_type_name(r->type), r->len, min, max);
		return -EMSGSIZE;
	}
	r->fixed_len = fixed_part(r->type, r->len);
	r->data_len = r->len - r->fixed_len;
	return 0;
}

/* The fields are complete: decode them, then make room for the data. */
static int take_fixed(kp_wire_reader *r)
{
	int ret = decode_fixed(r->type, r->fixed, r->fixed_len, r->data_len, &r->msg,
			       r->why, sizeof(r->why));
	if (ret)
		return ret;
	if (r->data_len) {
		r->msg.data = kyoyu_buffer_new(r->data_len);
		if (!r->msg.data) {
			fail(r->why, sizeof(r->why), "out of memory for %zu bytes",
			     r->data_len);
			return -ENOMEM;
		}
	}
	return 0;
}

int kp_wire_reader_feed(kp_wire_reader *r, const uint8_t *in, size_t n,
			size_t *used, kp_wire_msg *out)
{
	size_t pos = 0;
	int ret = 0;

	while (ret == 0) {
		if (r->head_have < KP_WIRE_HEADER_SIZE) {
			size_t take = KP_WIRE_HEADER_SIZE - r->head_have;
			take = take < n - pos ? take : n - pos;
			memcpy(r->head + r->head_have, in + pos, take);
			r->head_have += take;
			pos += take;
			if (r->head_have < KP_WIRE_HEADER_SIZE)
				break;
			if ((ret = take_header(r)))
				break;
		}
		if (kp_wire_reader_holding(r)) {
			ret = KP_WIRE_HELD;
			break;
		}
		if (r->fixed_have < r->fixed_len) {
			size_t take = r->fixed_len - r->fixed_have;
			take = take < n - pos ? take : n - pos;
			memcpy(r->fixed + r->fixed_have, in + pos, take);
			r->fixed_have += take;
			pos += take;
			if (r->fixed_have < r->fixed_len)
				break;
		}
		if (!r->fixed_done) {
			if ((ret = take_fixed(r)))
				break;
			r->fixed_done = true;
		}
		if (r->data_have < r->data_len) {
			size_t take = r->data_len - r->data_have;
			take = take < n - pos ? take : n - pos;
			memcpy((uint8_t *)kyoyu_buffer_data(r->msg.data) + r->data_have,
			       in + pos, take);
			r->data_have += take;
			pos += take;
			if (r->data_have < r->data_len)
				break;
		}
		*out = r->msg;
		memset(&r->msg, 0, sizeof(r->msg));
		reset(r);
		ret = 1;
	}
	*used = pos;
	return ret;
}
