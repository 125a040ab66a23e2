/* SPDX-License-Identifier: MIT */
/* kyoyu — the plugin ABI.
 *
 * A plugin is a libtool module named kyoyu-<kind>-<name> that exports one
 * function returning a const descriptor (use KYOYU_PLUGIN_DEFINE).  The
 * descriptor and every ops struct begin with their own size: the core copies
 * that many bytes into a zeroed struct, so callbacks appended in a later
 * minor version read as NULL for an older plugin.  Fields are only ever
 * appended; a changed callback becomes a new field.
 *
 * The core refuses a plugin built for another ABI major, or for a newer
 * minor than its own, and one missing a required callback, with a message
 * naming the file and the reason.  See docs/plugin-abi.md.
 */
#ifndef KYOYU_PLUGIN_H
#define KYOYU_PLUGIN_H

#include <errno.h>
#include <stdint.h>

#include <kyoyu/bus.h>
#include <kyoyu/clock.h>
#include <kyoyu/frame.h>
#include <kyoyu/log.h>
#include <kyoyu/options.h>
#include <kyoyu/session.h>

#ifdef __cplusplus
extern "C" {
#endif

#define KYOYU_ABI_MAJOR 1
#define KYOYU_ABI_MINOR 2

typedef enum kyoyu_kind {
	KYOYU_KIND_CAPTURE = 1,
	KYOYU_KIND_CODEC = 2,
	KYOYU_KIND_TRANSPORT = 3,
	KYOYU_KIND_POLICY = 4,
	KYOYU_KIND_UI = 5,
} kyoyu_kind;

/* "capture", "codec", ...; NULL for an unknown kind. */
const char *kyoyu_kind_name(uint32_t kind);

/* What init() returns. */
#define KYOYU_OK 0
/* Not applicable here (no X display, wrong role): logged at info level. */
#define KYOYU_SKIP 1
/* Any negative errno value is an error. */

/* Returned by receive_packet()/receive_frame() once a drain is complete. */
#define KYOYU_EOF (-ENODATA)

/* What the core gives every plugin instance at init().  Valid until fini().
 * The core allocates it, so later minor versions append fields. */
typedef struct kyoyu_host {
	uint32_t size;
	uint32_t role;            /* kyoyu_role */
	kyoyu_bus *bus;
	const kyoyu_clock *clock; /* the session clock (policy decisions) */
	const char *state_dir;    /* a private directory for files, or NULL */
	/* Sharer: the codec it sends.  Viewer: the codecs it can decode, in
	 * order of preference.  FourCCs, ending with KYOYU_CODEC_NONE. */
	const uint32_t *codecs;
	/* This agent records the session (record.enabled): the customer must
	 * consent before sharing starts. */
	uint32_t recording;
	/* Sharer: the encoder's configured bitrate (codec.bitrate_kbps), the
	 * ceiling for a transport that lowers it when the link is slow. */
	uint32_t bitrate_kbps;
	/* The pixel format the core chose for raw frames on this agent's bus
	 * (kyoyu_pixfmt): what the capture posts on a sharer, what the
	 * decoders give the UIs on a viewer.  Set by the time start() runs;
	 * KYOYU_PIXFMT_NONE during init(). */
	uint32_t frame_format;
	/* Viewer, with recording: the customer may choose to share without
	 * it (record.required = false). */
	uint32_t recording_optional;
	/* Viewer: the operator's console stays up across sessions (the
	 * default; session.once = true or -t turn it off).  A UI that shows
	 * the session and calls kyoyu_stage_stay_after_end() keeps running
	 * when one session ends, and the next session starts under it. */
	uint32_t console;
} kyoyu_host;

/* ---- capture, transport and ui: stages with a thread of their own ------- */

typedef struct kyoyu_stage_ops {
	uint32_t size;
	/* Required.  Takes resources and subscribes the stage's inbox.  Runs
	 * on the core's main thread before any stage thread runs; must not
	 * block for long. */
	int (*start)(void *priv, kyoyu_stage *stage);
	/* Required.  Runs on the stage's own thread until the stage stops;
	 * returns 0, or a negative errno when it failed (the core then ends
	 * the session with reason "error"). */
	int (*run)(void *priv, kyoyu_stage *stage);
	/* Optional.  Releases what start() took, after run() returned.  On
	 * the core's main thread. */
	void (*stop)(void *priv);
	/* Pixel formats (kyoyu_pixfmt) ending in KYOYU_PIXFMT_NONE, best
	 * first.  Capture: what it can post (the core takes the first the
	 * encoder takes).  UI: what it can show, the one it draws cheapest
	 * first (the first such UI's order decides among the formats every
	 * decoder gives); NULL for a UI that reads no frames.  Others: NULL. */
	const uint32_t *formats;
} kyoyu_stage_ops;

/* ---- codec: FFmpeg's send/receive contract ------------------------------
 * send_*() returns -EAGAIN when output must be received first; receive_*()
 * returns -EAGAIN when it needs more input; never both at once.  Sending
 * NULL drains: receive_*() then returns what is left, then KYOYU_EOF.
 * A codec instance is used from one thread at a time. */

/* One codec a plugin encodes or decodes.  Lists of these end with an entry
 * whose fourcc is KYOYU_CODEC_NONE; the reserved words keep the stride. */
typedef struct kyoyu_codec_desc {
	uint32_t fourcc;  /* KYOYU_FOURCC('V','P','9','0') */
	const char *name; /* what codec.format says: "vp9", lower-case */
	const void *reserved[2];
} kyoyu_codec_desc;

/* Braced initialisers in macros, which clang-format takes for blocks. */
/* clang-format off */
#define KYOYU_CODEC_DESC(fourcc, name) { (fourcc), (name), { NULL, NULL } }
#define KYOYU_CODEC_DESC_END { KYOYU_CODEC_NONE, NULL, { NULL, NULL } }
/* clang-format on */

typedef struct kyoyu_encoder_config {
	uint32_t size;
	uint32_t codec;         /* FourCC */
	uint32_t width, height; /* of the frames that follow */
	uint32_t fps;           /* frame-rate cap */
	uint32_t bitrate_kbps;  /* target */
	uint32_t format;        /* kyoyu_pixfmt of the frames: one of the
				   encoder's formats */
} kyoyu_encoder_config;

typedef struct kyoyu_decoder_config {
	uint32_t size;
	uint32_t codec;  /* FourCC */
	uint32_t format; /* kyoyu_pixfmt to give: one of decoder_formats */
} kyoyu_decoder_config;

typedef struct kyoyu_codec_ops {
	uint32_t size;
	const kyoyu_codec_desc *encodes; /* or NULL */
	const kyoyu_codec_desc *decodes; /* or NULL */
	/* Pixel formats ending in KYOYU_PIXFMT_NONE, best first: what the
	 * encoder takes, what the decoder gives.  Required with encodes and
	 * decodes respectively. */
	const uint32_t *encoder_formats;
	const uint32_t *decoder_formats;
	/* Required with encodes.  FRAME is a KYOYU_MSG_FRAME message the
	 * codec may keep a reference to (kyoyu_msg_ref) and must not change;
	 * receive_packet hands the caller a new KYOYU_MSG_PACKET message
	 * (kyoyu_msg_new) the caller owns. */
	int (*encoder_open)(void *priv, const kyoyu_encoder_config *config);
	int (*send_frame)(void *priv, const kyoyu_msg *frame);
	int (*receive_packet)(void *priv, kyoyu_msg **packet);
	int (*request_keyframe)(void *priv);
	int (*set_bitrate)(void *priv, uint32_t kbps);
	/* Required with decodes.  Frames come out as new KYOYU_MSG_FRAME
	 * messages the caller owns. */
	int (*decoder_open)(void *priv, const kyoyu_decoder_config *config);
	int (*send_packet)(void *priv, const kyoyu_msg *packet);
	int (*receive_frame)(void *priv, kyoyu_msg **frame);
	/* Required.  Closes the encoder or decoder; open may follow again. */
	void (*close)(void *priv);
} kyoyu_codec_ops;

/* ---- policy: consulted by the core on every session transition --------- */

typedef struct kyoyu_session_view {
	uint32_t size;
	uint32_t role;             /* kyoyu_role */
	uint32_t state;            /* current kyoyu_state */
	uint32_t recording;        /* the viewer records */
	uint32_t consent;          /* kyoyu_consent, or 0 before any answer */
	int64_t now_us;            /* session clock */
	int64_t connected_us;      /* when the peer connected, or 0 */
	int64_t last_activity_us;  /* last frame or pointer movement, or 0 */
	/* When sharing first started (the customer said yes), or 0: time spent
	 * waiting for the answer is not the session's time. */
	int64_t sharing_since_us;
	/* The other side's own cap and warning lead (its policy's, sent over
	 * the link), counted from the start of sharing; 0 when it has none
	 * or said nothing.  Each side enforces the earlier cap. */
	int64_t peer_cap_us;
	int64_t peer_warn_us;
} kyoyu_session_view;

typedef enum kyoyu_policy_action {
	KYOYU_POLICY_NONE = 0,
	KYOYU_POLICY_WARN = 1, /* tell both people: seconds left */
	KYOYU_POLICY_END = 2,  /* end now with verdict.reason */
} kyoyu_policy_action;

/* Filled by tick(); the core zeroes it and sets SIZE, and a plugin built
 * for an older minor version leaves the fields it does not know zero. */
typedef struct kyoyu_policy_verdict {
	uint32_t size;
	uint32_t action;    /* kyoyu_policy_action */
	uint32_t reason;    /* kyoyu_end_reason with KYOYU_POLICY_END */
	int32_t seconds;    /* seconds left, with KYOYU_POLICY_WARN */
	int64_t ends_at_us; /* session clock time of the cap, or 0 */
	/* This policy's own cap and warning lead, counted from the start of
	 * sharing (0: none), whatever the peer's: the core sends them to the
	 * other side, whose policy enforces the earlier cap too. */
	int64_t cap_us;
	int64_t warn_us;
} kyoyu_policy_verdict;

typedef struct kyoyu_policy_ops {
	uint32_t size;
	/* Required.  May the session move to TO (REASON when TO is ENDED)?
	 * Returns 0 to allow, -EPERM to refuse.  Must not block.  On the
	 * session's thread (the first transition, to CONNECTING, on the core's
	 * main thread before any stage thread runs). */
	int (*allow)(void *priv, const kyoyu_session_view *session, uint32_t to,
		     uint32_t reason);
	/* Required.  Called on the session thread about four times a second;
	 * fills VERDICT (zeroed by the caller, SIZE set). */
	void (*tick)(void *priv, const kyoyu_session_view *session,
		     kyoyu_policy_verdict *verdict);
} kyoyu_policy_ops;

/* ---- the descriptor ---------------------------------------------------- */

typedef struct kyoyu_plugin_descriptor {
	uint16_t abi_major;      /* KYOYU_ABI_MAJOR the plugin was built with */
	uint16_t abi_minor;      /* KYOYU_ABI_MINOR the plugin was built with */
	uint32_t size;           /* sizeof(kyoyu_plugin_descriptor) */
	uint32_t kind;           /* kyoyu_kind */
	const char *name;        /* "x11": the <name> in kyoyu-<kind>-<name> */
	const char *version;     /* the plugin's own version */
	const char *license;     /* SPDX identifier */
	const char *description; /* one line */
	size_t priv_size;        /* bytes the core allocates per instance */
	const kyoyu_option *options; /* ends with KYOYU_OPTION_END, or NULL */
	/* Required.  PRIV is zeroed and holds the options; returns KYOYU_OK,
	 * KYOYU_SKIP or a negative errno. */
	int (*init)(void *priv, const kyoyu_host *host);
	/* Optional. */
	void (*fini)(void *priv);
	/* Required: kyoyu_stage_ops for capture, transport and ui,
	 * kyoyu_codec_ops for codec, kyoyu_policy_ops for policy. */
	const void *ops;
	/* Optional.  What init() would refuse about the options in PRIV
	 * (filled with the defaults and the configuration, nothing else):
	 * files that cannot be read, folders that cannot be written.  HOST
	 * gives the size and the role only (the rest is zero).  Takes nothing
	 * (no display, socket or thread) and changes nothing that init()
	 * would not.  `kyoyu-agent --check-config` calls it for the plugins
	 * the configuration runs; returns 0, or a negative errno with the
	 * reason and the fix in ERR. */
	int (*check)(void *priv, const kyoyu_host *host, char *err, size_t errlen);
} kyoyu_plugin_descriptor;

#define KYOYU_PLUGIN_DESCRIBE_SYMBOL "kyoyu_plugin_describe"

/* Exports the describe function of module kyoyu-<kind>-<name>.  MODULE is
 * the module name with '-' as '_' (kyoyu_capture_x11): the symbol gets
 * libtool's MODULE_LTX_ prefix so many plugins can be linked into one binary
 * (dlpreopen) without clashing. */
#define KYOYU_PLUGIN_DEFINE(module, descriptor)                                \
	__attribute__((visibility("default"))) const kyoyu_plugin_descriptor * \
	module##_LTX_kyoyu_plugin_describe(void);                              \
	const kyoyu_plugin_descriptor *module##_LTX_kyoyu_plugin_describe(void) \
	{                                                                      \
		return &(descriptor);                                          \
	}

#define KYOYU_PLUGIN_HEADER                                                    \
	.abi_major = KYOYU_ABI_MAJOR, .abi_minor = KYOYU_ABI_MINOR,            \
	.size = sizeof(kyoyu_plugin_descriptor)

#ifdef __cplusplus
}
#endif

#endif
