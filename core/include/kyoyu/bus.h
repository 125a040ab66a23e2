/* SPDX-License-Identifier: MIT */
/* kyoyu — the frame bus: the only way stages talk.
 *
 * A stage posts typed messages; every stage whose inbox subscribed to that
 * type receives a reference to the same message, which nobody changes once
 * it is posted.  Messages are allocated by the core (kyoyu_msg_new), so
 * fields appended in a later minor version never change what a plugin
 * allocates.  Inboxes are bounded and never block the poster:
 *   - raw frames: latest wins.  An unread frame is replaced by the newer one,
 *     its damage merged into the newer frame's, and the drop counted, so
 *     capture never waits for a slow encoder;
 *   - cursor and pointer positions: the newest replaces an unread one;
 *   - packets: a FIFO; when full the new packet is dropped, counted, and the
 *     next one delivered carries KYOYU_PACKET_DISCONT;
 *   - everything else (control): a FIFO read before any video; a keyframe
 *     request that finds one still unread in the inbox is absorbed by it.
 * While the session is not sharing, the core closes the bus to frames,
 * packets and cursor messages: they are refused on post, and what was
 * already queued is dropped when its stage pops (counted as "gated"), so
 * nothing captured while paused can leave the machine.
 */
#ifndef KYOYU_BUS_H
#define KYOYU_BUS_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

/* Windows' C runtime has no ESHUTDOWN, which kyoyu_inbox_pop returns: there
 * it is Winsock's number for the same condition. */
#ifndef ESHUTDOWN
#define ESHUTDOWN 10058 /* WSAESHUTDOWN */
#endif

#include <kyoyu/frame.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum kyoyu_msg_type {
	KYOYU_MSG_FRAME = 0,            /* u.frame, buf = pixels */
	KYOYU_MSG_PACKET = 1,           /* u.packet, buf = bitstream */
	KYOYU_MSG_CURSOR = 2,           /* u.cursor, buf = BGRA shape or NULL */
	KYOYU_MSG_POINTER = 3,          /* u.pointer: the operator's arrow */
	KYOYU_MSG_PAUSE = 4,            /* request: pause sharing */
	KYOYU_MSG_RESUME = 5,           /* request: resume sharing */
	KYOYU_MSG_KEYFRAME_REQUEST = 6, /* request: next packet is a keyframe */
	KYOYU_MSG_BITRATE = 7,          /* u.value = target kbit/s */
	KYOYU_MSG_FRAMERATE = 8,        /* u.value = frame-rate cap */
	KYOYU_MSG_END = 9,              /* request: end, u.value = reason */
	KYOYU_MSG_STATE = 10,           /* u.state: posted by the core only */
	KYOYU_MSG_PEER = 11,            /* u.peer, buf = peer name */
	KYOYU_MSG_CONSENT = 12,         /* u.value = kyoyu_consent */
	KYOYU_MSG_CODE = 13,            /* u.code (u.value = kyoyu_code_event), buf = code */
	KYOYU_MSG_STATS = 14,           /* u.stats */
	KYOYU_MSG_NOTICE = 15,          /* u.notice */
	KYOYU_MSG_ERROR = 16,           /* u.value = -errno, buf = text */
	KYOYU_MSG_VIDEO_SIZE = 17,      /* u.size: the shared area changed */
	KYOYU_MSG_LIMITS = 18,          /* u.limits: a side's time cap */
	KYOYU_MSG_TYPE_COUNT
} kyoyu_msg_type;

#define KYOYU_MSG_BIT(type) (UINT64_C(1) << (type))

/* Types that carry screen content; the core closes the bus to them while
 * the session is not sharing. */
#define KYOYU_MSG_SCREEN_CONTENT                                               \
	(KYOYU_MSG_BIT(KYOYU_MSG_FRAME) | KYOYU_MSG_BIT(KYOYU_MSG_PACKET) |    \
	 KYOYU_MSG_BIT(KYOYU_MSG_CURSOR) | KYOYU_MSG_BIT(KYOYU_MSG_VIDEO_SIZE))

/* The sharer's session asks the customer before anything is shared, every
 * time: the question says whether the viewer records, so a UI shows the
 * recording as part of it.  Only GRANTED starts sharing; DECLINED ends the
 * session ("consent declined"). */
typedef enum kyoyu_consent {
	KYOYU_CONSENT_ASK_RECORDED = 1,   /* may they see and record the screen? */
	KYOYU_CONSENT_GRANTED = 2,
	KYOYU_CONSENT_DECLINED = 3,
	KYOYU_CONSENT_ASK_UNRECORDED = 4, /* may they see the screen? (no recording) */
	/* May they see and record the screen?  The desk also lets the customer
	 * share without recording (record.required = false on the viewer). */
	KYOYU_CONSENT_ASK_RECORDING_OPTIONAL = 5,
	/* The customer's answer to ASK_RECORDING_OPTIONAL: share, but do not
	 * record.  Refused after ASK_RECORDED; the same as GRANTED after
	 * ASK_UNRECORDED. */
	KYOYU_CONSENT_GRANTED_UNRECORDED = 6,
} kyoyu_consent;

typedef enum kyoyu_code_event {
	KYOYU_CODE_ENTERED = 1,     /* sharer: the customer typed it */
	KYOYU_CODE_ISSUED = 2,      /* viewer: a new code to read out */
	KYOYU_CODE_REQUEST_NEW = 3, /* viewer: please issue another */
	KYOYU_CODE_NEEDED = 4,      /* sharer: ask the customer for the code */
	/* viewer: the current code no longer works (it expired); no buf.
	 * The operator asks for a new one. */
	KYOYU_CODE_EXPIRED = 5,
	/* viewer: REQUEST_NEW turned down (a customer is connected); buf =
	 * why, a short sentence for the operator. */
	KYOYU_CODE_REFUSED = 6,
	/* viewer: the current code was retired because it was attacked (too
	 * many wrong guesses in all); buf = "N wrong guesses from M
	 * addresses".  An ISSUED with a fresh code follows. */
	KYOYU_CODE_ATTACKED = 7,
} kyoyu_code_event;

typedef enum kyoyu_peer_event {
	KYOYU_PEER_CONNECTED = 1,
	KYOYU_PEER_LOST = 2,    /* link dropped; may come back within grace */
	KYOYU_PEER_RESUMED = 3, /* came back within grace */
	KYOYU_PEER_GONE = 4,    /* ended on the other side; u.peer.reason */
	/* ABI 1.1, sharer: the viewer also decodes u.peer.codec, one of the
	 * codecs offered besides the agreed one (codec.format = "auto"). */
	KYOYU_PEER_DECODES = 5,
} kyoyu_peer_event;

/* How the sharer's transport verified the viewer it shows by name
 * (u.peer.verified); 0: the name is the peer's own words. */
typedef enum kyoyu_peer_verified {
	KYOYU_PEER_VERIFIED_PIN = 1, /* its key is the one in transport.pin */
	KYOYU_PEER_VERIFIED_CA = 2,  /* a CA in transport.ca_file vouches for it */
} kyoyu_peer_verified;

/* The texts of a PEER message's buf, for kyoyu_peer_text(). */
typedef enum kyoyu_peer_text_field {
	KYOYU_PEER_TEXT_NAME = 0,   /* the person: certificate CN, or the
				       customer's machine name on a viewer */
	KYOYU_PEER_TEXT_ORG = 1,    /* the organisation: certificate O */
	KYOYU_PEER_TEXT_ISSUER = 2, /* with VERIFIED_CA: who vouches */
	/* On a viewer: the names in its own certificate, the operator the
	 * customer is shown (CN, O). */
	KYOYU_PEER_TEXT_OWN_NAME = 3,
	KYOYU_PEER_TEXT_OWN_ORG = 4,
} kyoyu_peer_text_field;

/* The longest peer text in bytes, without its NUL: 64 characters. */
#define KYOYU_PEER_TEXT_MAX 256

/* The texts of a CONSENT answer's buf, for kyoyu_consent_text(): what the
 * customer was asked, kept with the recording (the session's facts). */
typedef enum kyoyu_consent_text_field {
	/* The language of the question as shown, a BCP 47 tag ("ja", "en"). */
	KYOYU_CONSENT_TEXT_LANGUAGE = 0,
	/* The question's words as the customer read them, UTF-8, its lines
	 * apart by "\n". */
	KYOYU_CONSENT_TEXT_NOTICE = 1,
} kyoyu_consent_text_field;

/* The longest language tag and notice in bytes, without their NULs. */
#define KYOYU_CONSENT_LANGUAGE_MAX 16
#define KYOYU_CONSENT_NOTICE_MAX 4096

typedef enum kyoyu_notice_kind {
	KYOYU_NOTICE_TIME_WARNING = 1, /* u.notice.seconds left before the cap */
	/* The session is being recorded; buf, when set: the file's path (the
	 * recorder posts it when it opens a file). */
	KYOYU_NOTICE_RECORDING = 2,
	/* The recording could not go on (a full disk); the session does.
	 * u.notice.error says why. */
	KYOYU_NOTICE_RECORDING_STOPPED = 3,
	/* ABI 1.1: the sharer's PC could not keep up with the codec, so the
	 * video went over to a cheaper one (codec.format = "auto").  Posted
	 * by the sharer's encode stage, buf: the codec's name ("h264"), and
	 * by the viewer's transport when the video's codec changes, buf: its
	 * FourCC ("H264"), all the wire tells of it. */
	KYOYU_NOTICE_CODEC_SWITCHED = 4,
	/* ABI 1.2, sharer: the link is lost and coming back was refused for
	 * now (the relay's budget of re-joins from this address): the next
	 * try is in u.notice.seconds, within the session's grace.  Posted by
	 * the sharer's transport. */
	KYOYU_NOTICE_RECONNECTING = 5,
} kyoyu_notice_kind;

typedef struct kyoyu_cursor_info {
	int32_t x, y;       /* hot spot position in shared-area pixels */
	uint32_t visible;
	uint32_t serial;    /* changes when the shape changes */
	/* The shape, when buf != NULL: width × height BGRA pixels, 4 bytes
	 * each, with straight (not premultiplied) alpha in the 4th byte. */
	uint32_t width, height, hot_x, hot_y;
} kyoyu_cursor_info;

typedef struct kyoyu_pointer_info {
	int32_t x, y; /* in shared-area pixels */
	uint32_t visible;
} kyoyu_pointer_info;

typedef struct kyoyu_state_info {
	uint32_t state;      /* kyoyu_state */
	uint32_t reason;     /* kyoyu_end_reason when state is ENDED */
	uint32_t recording;  /* the viewer records this session */
	uint32_t role;       /* kyoyu_role of this agent */
	int64_t ends_at_us;  /* session clock time of the cap, or 0 */
	int64_t now_us;      /* session clock time of this change */
} kyoyu_state_info;

typedef struct kyoyu_peer_info {
	uint32_t event;     /* kyoyu_peer_event */
	uint32_t codec;     /* negotiated codec, a FourCC */
	uint32_t recording; /* the viewer records */
	uint32_t reason;    /* kyoyu_end_reason with KYOYU_PEER_GONE */
	/* With CONNECTED: kyoyu_peer_verified bits saying how the name in
	 * buf was checked; 0 when it is only what the peer says. */
	uint32_t verified;
	/* With CONNECTED on the sharer: the viewer records but lets the
	 * customer share without recording (record.required = false). */
	uint32_t recording_optional;
} kyoyu_peer_info;

typedef struct kyoyu_stats_info {
	uint32_t kbps;          /* video bitrate over the last second */
	uint32_t fps;           /* video frames over the last second */
	uint32_t rtt_ms;        /* round trip, or 0 when unknown */
	uint32_t loss_permille; /* video lost on the way */
	uint64_t bytes;         /* video bytes since the start */
	int64_t latency_us;     /* capture to display, or 0 */
} kyoyu_stats_info;

typedef struct kyoyu_notice_info {
	uint32_t kind;   /* kyoyu_notice_kind */
	int32_t seconds;
	/* With RECORDING_STOPPED: the errno that stopped it (ENOSPC: the disk
	 * is full); 0 when not known. */
	int32_t error;
} kyoyu_notice_info;

/* A side's own time cap, counted from the start of sharing. */
typedef enum kyoyu_limits_source {
	KYOYU_LIMITS_OWN = 1,  /* this agent's policy (session -> transport) */
	KYOYU_LIMITS_PEER = 2, /* the other side's (transport -> session) */
} kyoyu_limits_source;

typedef struct kyoyu_limits_info {
	uint32_t source;  /* kyoyu_limits_source */
	int32_t cap_s;    /* the session ends this long after sharing started;
			     0: no cap */
	int32_t warn_s;   /* warned this long before the cap; 0: no warning */
} kyoyu_limits_info;

/* A CODE message.  EVENT overlays u.value, so a plugin that reads
 * u.value reads the event. */
typedef struct kyoyu_code_info {
	int64_t event;      /* kyoyu_code_event */
	/* With ISSUED: when the code stops working, on kyoyu_now_us()'s clock;
	 * 0 when the transport does not say. */
	int64_t expires_us;
} kyoyu_code_info;

typedef struct kyoyu_size_info {
	uint32_t width, height;
	/* Where the shared area lies on the sharer's screen (a monitor's
	 * origin), so an overlay can put the operator's arrow in place. */
	int32_t x, y;
} kyoyu_size_info;

/* A message on the bus.  Only the core allocates one (kyoyu_msg_new), so
 * its size is the core's business: fields are appended after the union in
 * later minor versions and a plugin built before them never reads them.
 * The union keeps its 1.0 size for good (its reserved words): a payload
 * that does not fit becomes a field after it.
 *
 * A message is writable by whoever holds the only reference (just made, or
 * kyoyu_msg_is_writable); once posted it is shared and read-only. */
typedef struct kyoyu_msg {
	uint32_t type;   /* kyoyu_msg_type */
	uint32_t seq;    /* set by the bus: order of posting */
	int64_t time_us; /* capture time for screen content, else post time */
	kyoyu_buffer *buf; /* owned by the message, or NULL */
	union {
		kyoyu_frame_info frame;
		kyoyu_packet_info packet;
		kyoyu_cursor_info cursor;
		kyoyu_pointer_info pointer;
		kyoyu_state_info state;
		kyoyu_peer_info peer;
		kyoyu_stats_info stats;
		kyoyu_notice_info notice;
		kyoyu_size_info size;
		kyoyu_limits_info limits;
		kyoyu_code_info code;
		int64_t value;
		uint64_t reserved[48]; /* pins the union at 384 bytes */
	} u;
} kyoyu_msg;

typedef struct kyoyu_bus kyoyu_bus;
typedef struct kyoyu_inbox kyoyu_inbox;
typedef struct kyoyu_stage kyoyu_stage;

/* A new message of TYPE with every field zero but the type and time_us (now),
 * holding one reference the caller owns.  NULL when out of memory. Any
 * thread. */
kyoyu_msg *kyoyu_msg_new(kyoyu_msg_type type);

/* A new, writable message with the fields of MSG and one more reference to
 * its buffer.  NULL when out of memory. */
kyoyu_msg *kyoyu_msg_copy(const kyoyu_msg *msg);

/* Copies text FIELD (kyoyu_peer_text_field) of the PEER message MSG into
 * OUT (SIZE bytes, always NUL-terminated, cut on a character boundary when
 * SIZE is short).  Its buf holds the name, the organisation, the issuer
 * and this side's own name and organisation, each ending in a NUL; a buf
 * of one name without NUL reads as the name.
 * Returns the length copied, 0 when the text is absent or empty, -EINVAL
 * when MSG is not a PEER message or SIZE is 0.  Any thread. */
int kyoyu_peer_text(const kyoyu_msg *msg, uint32_t field, char *out, size_t size);

/* Posts the customer's ANSWER (kyoyu_consent: GRANTED,
 * GRANTED_UNRECORDED or DECLINED) on BUS as a CONSENT message, with the
 * words the question showed: LANGUAGE, a BCP 47 tag of at most 16 ASCII
 * letters, digits and '-', and NOTICE, UTF-8 without control characters
 * but "\n", cut to KYOYU_CONSENT_NOTICE_MAX bytes on a character boundary.
 * Either may be NULL; one that breaks its rules is left out (empty).  The
 * viewer's recorder keeps both with the recording.  Returns what
 * kyoyu_bus_post() returns, or -ENOMEM.  Any thread. */
int kyoyu_consent_post(kyoyu_bus *bus, uint32_t answer, const char *language,
		       const char *notice);

/* Copies text FIELD (kyoyu_consent_text_field) of the CONSENT message MSG
 * into OUT (SIZE bytes, always NUL-terminated, cut on a character boundary
 * when SIZE is short).  Returns the length copied, 0 when the text is
 * absent or empty (an answer posted with kyoyu_bus_post_value() has
 * none), -EINVAL when MSG is not a CONSENT message or SIZE is 0.  Any
 * thread. */
int kyoyu_consent_text(const kyoyu_msg *msg, uint32_t field, char *out, size_t size);

/* Takes one more reference; returns MSG. Any thread. */
kyoyu_msg *kyoyu_msg_ref(kyoyu_msg *msg);

/* Drops one reference (NULL is ignored); the last one releases the buffer
 * and the message. Any thread. */
void kyoyu_msg_unref(kyoyu_msg *msg);

/* True when the caller holds the only reference, so it may change fields. */
bool kyoyu_msg_is_writable(const kyoyu_msg *msg);

/* MSG itself when the caller holds the only reference, else a writable copy
 * (the caller's reference to MSG is dropped): copy-on-write before changing
 * a message that other holders may read.  Takes over the caller's
 * reference; NULL when out of memory (MSG is then released too). */
kyoyu_msg *kyoyu_msg_writable(kyoyu_msg *msg);

/* "frame", "packet", ...; "unknown" for anything else. */
const char *kyoyu_msg_type_name(uint32_t type);

/* Posts MSG to every inbox subscribed to its type and takes over the
 * caller's reference, whatever the result: the caller must not touch MSG
 * afterwards.  The bus sets msg->seq.  Never blocks on a consumer.
 * Returns 0, or -EPERM when the bus is closed to this type right now (the
 * message was dropped and counted), or -EINVAL for an unknown type or a
 * NULL message.
 * Any thread. */
int kyoyu_bus_post(kyoyu_bus *bus, kyoyu_msg *msg);

/* Convenience: posts a message of TYPE with u.value = VALUE. */
int kyoyu_bus_post_value(kyoyu_bus *bus, kyoyu_msg_type type, int64_t value);

/* A new inbox receiving the types in MASK (KYOYU_MSG_BIT).  PACKET_DEPTH
 * bounds its packet FIFO (0 picks 64).  NAME is used in logs and stats.
 * Free with kyoyu_inbox_free().  Returns NULL when out of memory. */
kyoyu_inbox *kyoyu_bus_subscribe(kyoyu_bus *bus, const char *name,
				 uint64_t mask, unsigned packet_depth);

/* Changes which types the inbox receives from now on. */
void kyoyu_inbox_set_mask(kyoyu_inbox *inbox, uint64_t mask);

/* Unsubscribes, releases every queued message and frees the inbox. */
void kyoyu_inbox_free(kyoyu_inbox *inbox);

/* Takes the next message: control messages first, then the operator's
 * pointer, the cursor, and then frames and packets in the order they were
 * posted (a picture after the packet it was decoded from).  Waits up to
 * TIMEOUT_MS (0: do not wait, <0: forever).
 * Returns 0 with *MSG holding a reference the caller owns (release it with
 * kyoyu_msg_unref), -EAGAIN on timeout, or -ESHUTDOWN once the inbox is
 * shut down (its stage stops).  The message may be shared with other
 * inboxes: read it, do not change it.  The inbox's own thread. */
int kyoyu_inbox_pop(kyoyu_inbox *inbox, kyoyu_msg **msg, int timeout_ms);

/* A file descriptor that polls readable while a message is waiting or the
 * inbox is shut down, for stages that also wait on sockets or displays
 * (on Windows a SOCKET, for WSAPoll).
 * Made on the first call: an inbox nobody polls costs no system call per
 * message.  -1 when the system has no descriptor left.  The inbox's own
 * thread. */
int kyoyu_inbox_fd(kyoyu_inbox *inbox);

/* Wakes every waiter for good: pop returns -ESHUTDOWN from now on. */
void kyoyu_inbox_shutdown(kyoyu_inbox *inbox);

/* Messages this inbox took and dropped: stale frames merged away, full
 * packet FIFO, full control FIFO, screen content still unread when sharing
 * stopped.  Set SIZE to sizeof(kyoyu_inbox_stats) before the call: the
 * core fills no more than that. */
typedef struct kyoyu_inbox_stats {
	uint32_t size;
	uint64_t received;
	uint64_t frames_merged;
	uint64_t packets_dropped;
	uint64_t control_dropped;
	uint64_t gated;
} kyoyu_inbox_stats;

void kyoyu_inbox_get_stats(const kyoyu_inbox *inbox, kyoyu_inbox_stats *stats);

/* Per-type counters of the whole bus; SIZE as for kyoyu_inbox_stats. */
typedef struct kyoyu_bus_type_stats {
	uint32_t size;
	uint64_t posted;    /* accepted by the bus */
	uint64_t refused;   /* dropped because the bus was closed to them */
	uint64_t bytes;     /* buffer bytes of accepted messages */
	int64_t last_us;    /* time of the last accepted one, or 0 */
} kyoyu_bus_type_stats;

void kyoyu_bus_get_stats(const kyoyu_bus *bus, uint32_t type,
			 kyoyu_bus_type_stats *stats);

/* ---- stages ------------------------------------------------------------
 * Each stage runs on its own thread, started and named by the core
 * ("ky-capture", "ky-tls", ...).  A plugin stage reads its inbox and
 * posts to the bus; it returns from run() when kyoyu_stage_stopping() is
 * true or its inbox pop says -ESHUTDOWN. */

kyoyu_bus *kyoyu_stage_bus(const kyoyu_stage *stage);

/* The stage's inbox (subscribed to nothing until the plugin sets a mask). */
kyoyu_inbox *kyoyu_stage_inbox(const kyoyu_stage *stage);

/* True once the core asked the stage to stop. Any thread. */
bool kyoyu_stage_stopping(const kyoyu_stage *stage);

/* "capture/x11", for logs. */
const char *kyoyu_stage_name(const kyoyu_stage *stage);

/* For a UI that shows a person how the session ended: once the session has
 * ended, the agent stops every other stage and then waits for this one's
 * run() to return by itself (the person closed the window), instead of
 * stopping it after a short linger.  SIGINT or SIGTERM still stops it at
 * once.  On the operator's console (kyoyu_host.console) the stage keeps
 * running instead, and the next session starts under it; when its run()
 * returns (the operator closed the console), the agent ends the session and
 * exits.  Call from start(). */
void kyoyu_stage_stay_after_end(kyoyu_stage *stage);

/* True once kyoyu_stage_stay_after_end() was called for STAGE. Any thread. */
bool kyoyu_stage_stays_after_end(const kyoyu_stage *stage);

/* True when the calling thread is STAGE's own (its run() is on the stack). */
bool kyoyu_stage_is_current(const kyoyu_stage *stage);

/* In a debug build (NDEBUG not defined), aborts with the function's name
 * when called from another thread than STAGE's: say which thread a function
 * runs on, and have it checked, as PulseAudio's pa_assert_ctl_context(). */
#ifdef NDEBUG
#define KYOYU_ASSERT_STAGE_THREAD(stage) ((void)(stage))
#else
#define KYOYU_ASSERT_STAGE_THREAD(stage)                                       \
	kyoyu_assert_thread_failed_if(!kyoyu_stage_is_current(stage), __func__, \
				      kyoyu_stage_name(stage))
#endif

/* Used by KYOYU_ASSERT_STAGE_THREAD: when FAILED, logs that FUNC ran
 * outside the thread of WHERE and aborts. */
void kyoyu_assert_thread_failed_if(bool failed, const char *func, const char *where);

#ifdef __cplusplus
}
#endif

#endif
