/* SPDX-License-Identifier: MIT */
/* The kyoyu wire protocol (docs/protocol.md): frames, their bounds, and a
 * reader that turns a byte stream into checked messages.  Knows nothing of
 * TLS or sockets, so it can be unit-tested and fuzzed on its own.
 *
 * Part of proto/, the protocol library transports link: its names carry
 * the kp_ prefix ("kyoyu protocol"), apart from every plugin's when all are
 * linked into one binary. */
#ifndef KP_WIRE_H
#define KP_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <kyoyu/kyoyu.h>

#define KP_WIRE_MAJOR 1
#define KP_WIRE_MINOR 4
#define KP_WIRE_MAGIC "KYOY"

#define KP_WIRE_HEADER_SIZE 5
#define KP_WIRE_MAX_VIDEO (4u << 20)   /* bytes of bitstream in one VIDEO */
#define KP_WIRE_MAX_SHAPE_SIDE 256     /* cursor shapes, pixels per side */
/* Display names: 64 characters of UTF-8 (kt_name_cut), up to 4 bytes
 * each, in a one-byte length: 255 bytes, so a name of 64 characters all
 * outside the Basic Multilingual Plane loses its last one. */
#define KP_WIRE_NAME_MAX 255
#define KP_WIRE_NAME_CHARS 64
/* Room for a name of KP_WIRE_NAME_CHARS characters and its NUL. */
#define KP_WIRE_NAME_TEXT_SIZE (KP_WIRE_NAME_CHARS * 4 + 1)
#define KP_WIRE_TOKEN_SIZE 32
#define KP_WIRE_CODE_DIGITS 9
#define KP_WIRE_MAX_CODECS 8
#define KP_WIRE_SMALL_MAX 336          /* the largest control body (HELLO) */
#define KP_WIRE_VIDEO_FIXED 17         /* VIDEO fields before the bitstream */
#define KP_WIRE_SHAPE_FIXED 12         /* CURSOR_SHAPE fields before pixels */
#define KP_WIRE_MAX_COORD 65536        /* |x|, |y| of a cursor */
#define KP_WIRE_MAX_POINTER 16383      /* pointer x, y: within a picture */
#define KP_WIRE_MAX_SIDE 16384         /* picture width, height */
#define KP_WIRE_MAX_ENCODE_US 10000000
#define KP_WIRE_MAX_RETRY_S 3600
#define KP_WIRE_MAX_GRACE_S 3600
#define KP_WIRE_MAX_CAP_S 86400        /* LIMITS: a day */
#define KP_WIRE_MAX_WARN_S 3600        /* LIMITS: an hour */
/* QUESTION (1.3): the question's language (a BCP 47 tag, NUL-padded),
 * then the words the customer read, as data. */
#define KP_WIRE_LANG_SIZE 16
#define KP_WIRE_MAX_QUESTION 4096
/* Header plus the largest fixed part of any message. */
#define KP_WIRE_FRAME_MAX (KP_WIRE_HEADER_SIZE + KP_WIRE_SMALL_MAX)

typedef enum kp_wire_type {
	KP_WIRE_HELLO = 0x01,
	KP_WIRE_WELCOME = 0x02,
	KP_WIRE_REJECT = 0x03,
	KP_WIRE_BYE = 0x04,
	KP_WIRE_PING = 0x05,
	KP_WIRE_PONG = 0x06,
	KP_WIRE_CONSENT = 0x07,
	KP_WIRE_PAUSED = 0x08,
	KP_WIRE_RESUMED = 0x09,
	KP_WIRE_VIDEO_CONFIG = 0x0a,
	KP_WIRE_VIDEO = 0x0b,
	KP_WIRE_CURSOR = 0x0c,
	KP_WIRE_CURSOR_SHAPE = 0x0d,
	KP_WIRE_POINTER = 0x0e,
	KP_WIRE_KEYFRAME_REQUEST = 0x0f,
	KP_WIRE_REPORT = 0x10,
	KP_WIRE_LIMITS = 0x11, /* 1.1 */
	KP_WIRE_NOTICE = 0x12, /* 1.2 */
	KP_WIRE_QUESTION = 0x13, /* 1.3 */
	KP_WIRE_CODECS = 0x14, /* 1.4 */
	KP_WIRE_TYPE_END
} kp_wire_type;

#define KP_WIRE_BIT(type) (UINT32_C(1) << (type))

/* What each side may receive once the session is open. */
#define KP_WIRE_FROM_SHARER                                                    \
	(KP_WIRE_BIT(KP_WIRE_BYE) | KP_WIRE_BIT(KP_WIRE_PING) |                \
	 KP_WIRE_BIT(KP_WIRE_PONG) | KP_WIRE_BIT(KP_WIRE_CONSENT) |            \
	 KP_WIRE_BIT(KP_WIRE_PAUSED) | KP_WIRE_BIT(KP_WIRE_RESUMED) |          \
	 KP_WIRE_BIT(KP_WIRE_VIDEO_CONFIG) | KP_WIRE_BIT(KP_WIRE_VIDEO) |      \
	 KP_WIRE_BIT(KP_WIRE_CURSOR) | KP_WIRE_BIT(KP_WIRE_CURSOR_SHAPE) |     \
	 KP_WIRE_BIT(KP_WIRE_LIMITS) | KP_WIRE_BIT(KP_WIRE_QUESTION))
#define KP_WIRE_FROM_VIEWER                                                    \
	(KP_WIRE_BIT(KP_WIRE_BYE) | KP_WIRE_BIT(KP_WIRE_PING) |                \
	 KP_WIRE_BIT(KP_WIRE_PONG) | KP_WIRE_BIT(KP_WIRE_POINTER) |            \
	 KP_WIRE_BIT(KP_WIRE_KEYFRAME_REQUEST) | KP_WIRE_BIT(KP_WIRE_REPORT) | \
	 KP_WIRE_BIT(KP_WIRE_LIMITS) | KP_WIRE_BIT(KP_WIRE_NOTICE) |          \
	 KP_WIRE_BIT(KP_WIRE_CODECS))
/* Types a session of protocol 1.0 does not know; of 1.1; of 1.2; of 1.3. */
#define KP_WIRE_SINCE_1_1 (KP_WIRE_BIT(KP_WIRE_LIMITS) | KP_WIRE_SINCE_1_2)
#define KP_WIRE_SINCE_1_2 (KP_WIRE_BIT(KP_WIRE_NOTICE) | KP_WIRE_SINCE_1_3)
#define KP_WIRE_SINCE_1_3 (KP_WIRE_BIT(KP_WIRE_QUESTION) | KP_WIRE_SINCE_1_4)
#define KP_WIRE_SINCE_1_4 KP_WIRE_BIT(KP_WIRE_CODECS)

/* NOTICE (1.2, viewer → sharer): what the customer is told. */
typedef enum kp_wire_notice_kind {
	KP_WIRE_NOTICE_RECORDING_STOPPED = 1, /* the session goes on unrecorded */
} kp_wire_notice_kind;
typedef enum kp_wire_notice_cause {
	KP_WIRE_NOTICE_DISK_FULL = 1,
	KP_WIRE_NOTICE_WRITE_FAILED = 2,
} kp_wire_notice_cause;

typedef enum kp_wire_auth {
	KP_WIRE_AUTH_CODE = 1,
	KP_WIRE_AUTH_TOKEN = 2,
} kp_wire_auth;

typedef enum kp_wire_reject_reason {
	KP_WIRE_REJECT_BAD_CODE = 1,
	KP_WIRE_REJECT_BUSY = 2,
	KP_WIRE_REJECT_VERSION = 3,
	KP_WIRE_REJECT_CODEC = 4,
	KP_WIRE_REJECT_RATE_LIMITED = 5,
	KP_WIRE_REJECT_RESUME_REFUSED = 6,
} kp_wire_reject_reason;

#define KP_WIRE_WELCOME_RECORDING (1u << 0)
#define KP_WIRE_WELCOME_RESUMED (1u << 1)
/* 1.1, with RECORDING: the customer may share without recording. */
#define KP_WIRE_WELCOME_RECORDING_OPTIONAL (1u << 2)
#define KP_WIRE_WELCOME_FLAGS                                                  \
	(KP_WIRE_WELCOME_RECORDING | KP_WIRE_WELCOME_RESUMED |                 \
	 KP_WIRE_WELCOME_RECORDING_OPTIONAL)

#define KP_WIRE_VIDEO_KEY (1u << 0)
#define KP_WIRE_VIDEO_DISCONT (1u << 1)
#define KP_WIRE_VIDEO_REFINE (1u << 2)

typedef struct kp_wire_hello {
	uint8_t major, minor, auth, n_codecs;
	/* FourCCs (KYOYU_FOURCC), sent as their four characters in order. */
	uint32_t codecs[KP_WIRE_MAX_CODECS];
	uint8_t secret[KP_WIRE_TOKEN_SIZE]; /* 9 digits, or the token */
	int64_t clock_us;
	uint8_t name_len;
	char name[KP_WIRE_NAME_MAX + 1]; /* NUL-terminated */
} kp_wire_hello;

typedef struct kp_wire_welcome {
	uint8_t major, minor;
	uint32_t codec; /* FourCC, one of the hello's */
	uint8_t flags;
	uint16_t grace_s;
	uint8_t token[KP_WIRE_TOKEN_SIZE];
	int64_t clock_us;
	uint8_t name_len;
	char name[KP_WIRE_NAME_MAX + 1];
} kp_wire_welcome;

typedef struct kp_wire_msg {
	uint32_t type; /* kp_wire_type */
	union {
		kp_wire_hello hello;
		kp_wire_welcome welcome;
		struct { uint8_t reason; uint16_t retry_after_s; } reject;
		struct { uint8_t reason; } bye;
		struct { uint32_t id; int64_t clock_us; } ping;
		struct { uint32_t id; int64_t echo_us, clock_us; } pong;
		struct { uint8_t answer; } consent;
		struct { uint32_t codec; uint16_t width, height; } video_config;
		struct {
			uint32_t seq;
			uint8_t flags;
			int64_t capture_us;
			uint32_t encode_us;
		} video;
		struct { int32_t x, y; uint8_t visible; uint32_t serial; } cursor;
		struct { uint32_t serial; uint16_t width, height, hot_x, hot_y; } shape;
		struct { int32_t x, y; uint8_t visible; } pointer;
		struct {
			uint32_t highest_seq, packets;
			uint64_t bytes;
			uint32_t rtt_ms, lost;
		} report;
		struct { uint32_t cap_s, warn_s; } limits;
		struct { uint8_t kind, cause; } notice;
		/* CODECS (1.4, viewer → sharer): the codecs of the hello besides
		 * the welcome's that the viewer decodes too. */
		struct {
			uint8_t n;
			uint32_t codecs[KP_WIRE_MAX_CODECS - 1];
		} codecs;
		/* The words follow as data (perhaps none). */
		struct { char lang[KP_WIRE_LANG_SIZE + 1]; } question;
	} u;
	/* VIDEO bitstream, CURSOR_SHAPE pixels or QUESTION's words; one owned
	 * reference. */
	kyoyu_buffer *data;
} kp_wire_msg;

/* "HELLO", "VIDEO", ...; "unknown" otherwise. */
const char *kp_wire_type_name(uint32_t type);

/* Bounds of TYPE's body length; false for an unknown type. */
bool kp_wire_body_bounds(uint32_t type, uint32_t *min, uint32_t *max);

/* True when NAME (LEN bytes) is valid UTF-8 without C0/C1 controls. */
bool kp_wire_name_ok(const char *name, size_t len);

/* True when TEXT (LEN bytes) is lines of valid UTF-8 without C0/C1
 * controls, apart by "\n" (a QUESTION's words). */
bool kp_wire_text_ok(const char *text, size_t len);

/* True when TAG (LEN bytes) may be a QUESTION's language: 1..16 ASCII
 * letters, digits and '-'. */
bool kp_wire_lang_ok(const char *tag, size_t len);

/* The bytes of the first KP_WIRE_NAME_CHARS characters of NAME (LEN bytes
 * of valid UTF-8), at most MAX: a cut never splits a character. */
size_t kp_wire_name_cut(const char *name, size_t len, size_t max);

/* Writes MSG's header and fixed fields to OUT (at least KP_WIRE_FRAME_MAX
 * bytes).  For VIDEO and CURSOR_SHAPE the length in the header counts
 * DATA_LEN more bytes, which the caller sends right after.  Returns the
 * bytes written, or 0 when a field is out of its bounds (nothing that the
 * peer would refuse is ever sent). */
size_t kp_wire_encode(const kp_wire_msg *msg, size_t data_len, uint8_t *out);

/* Releases MSG's data reference. */
void kp_wire_msg_clear(kp_wire_msg *msg);

/* ---- reading a stream ---------------------------------------------------- */

/* A reader's state.  Embedded by value in its owner; its fields are
 * wire.c's alone, read through the functions below. */
typedef struct kp_wire_reader {
	uint32_t allowed; /* KP_WIRE_BIT of the types accepted now */
	uint32_t hold;    /* KP_WIRE_BIT of the types not to be read yet */
	uint8_t head[KP_WIRE_HEADER_SIZE];
	size_t head_have;
	uint32_t type, len;
	uint8_t fixed[KP_WIRE_SMALL_MAX];
	size_t fixed_len, fixed_have;
	bool fixed_done;     /* the fixed part is decoded */
	kp_wire_msg msg;     /* decoded fixed part, while the data arrives */
	size_t data_len, data_have;
	char why[160];       /* what was wrong, after an error */
} kp_wire_reader;

/* kp_wire_reader_feed stopped before the body of a held type. */
#define KP_WIRE_HELD 2

/* A reader that accepts the types in ALLOWED. */
void kp_wire_reader_init(kp_wire_reader *r, uint32_t allowed);

/* Releases a half-read message. */
void kp_wire_reader_fini(kp_wire_reader *r);

/* Which types R accepts from now on; any other ends the stream. */
void kp_wire_reader_allow(kp_wire_reader *r, uint32_t allowed);

/* Which accepted types R does not read yet: once the header of one of
 * them is in, R stops before its body until the hold is lifted, so the
 * bytes stay where they are (in the socket, for backpressure). */
void kp_wire_reader_hold(kp_wire_reader *r, uint32_t types);

/* True while R stands before a held message. */
bool kp_wire_reader_holding(const kp_wire_reader *r);

/* True while R has part of a message. */
bool kp_wire_reader_midway(const kp_wire_reader *r);

/* What was wrong, after feed failed. */
const char *kp_wire_reader_why(const kp_wire_reader *r);

/* Consumes bytes of IN (N of them) into R, and stops after the first
 * complete message.  Sets *USED to the bytes consumed.  Returns 1 with *OUT
 * filled (the caller owns out->data), 0 when IN was used up before a message
 * was complete, KP_WIRE_HELD when it stopped before a held message (call
 * again once the hold is lifted), or -EPROTO / -EMSGSIZE / -ENOMEM with
 * kp_wire_reader_why saying what was wrong: the stream is then unusable. */
int kp_wire_reader_feed(kp_wire_reader *r, const uint8_t *in, size_t n,
			size_t *used, kp_wire_msg *out);

/* Decodes a complete body (fixed fields and data, contiguous) of TYPE: the
 * same checks the reader makes.  For unit tests and the fuzzer's oracle.
 * Returns 0, or -EPROTO with WHY filled. */
int kp_wire_decode(uint32_t type, const uint8_t *body, size_t len,
		   kp_wire_msg *out, char *why, size_t whylen);

#endif
