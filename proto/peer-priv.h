/* SPDX-License-Identifier: MIT */
/* The peer's insides, shared by peer.c (the session over a link) and
 * peer-send.c (the screen content a sharer sends).  Not for transports:
 * they use peer.h, where kp_peer is opaque.  Transport thread only. */
#ifndef KP_PEER_PRIV_H
#define KP_PEER_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include <kyoyu/kyoyu.h>

#include "conn.h"
#include "pacer.h"
#include "peer.h"

#define KP_PEER_SAMPLES 128      /* latency samples per statistics window */
#define KP_PEER_CLOCK_SAMPLES 8
#define KP_PEER_SENT_MARKS 64    /* video packets remembered until reported */

typedef struct kp_clock_sample {
	int64_t rtt_us, offset_us;
} kp_clock_sample;

/* A video packet on its way: where it ends in the connection's video
 * bytes, and when it was handed to the connection. */
typedef struct kp_sent_mark {
	uint64_t end;
	int64_t sent_us;
} kp_sent_mark;

/* At the top of a function of the peer that runs on the transport's thread
 * only: in debug builds, aborts when another thread calls (when the peer
 * belongs to a stage). */
#define KP_PEER_ASSERT_THREAD(p)                                               \
	do {                                                                   \
		if ((p)->cfg.stage)                                            \
			KYOYU_ASSERT_STAGE_THREAD((p)->cfg.stage);             \
	} while (0)

struct kp_peer {
	kyoyu_bus *bus;
	kp_peer_config cfg;
	kp_conn *conn; /* NULL while the link is down */
	uint32_t codec; /* the video's now */
	uint8_t minor;
	/* Viewer: the other codecs the video may go over to (1.4), and
	 * whether the operator was told it did. */
	uint8_t n_also;
	uint32_t also[KP_WIRE_MAX_CODECS - 1];
	bool switch_told;
	bool recording, recording_optional;
	/* This side's own time cap, for the peer (1.1), once the session
	 * said it. */
	bool have_limits;
	uint32_t cap_s, warn_s;

	uint32_t state;      /* the local session's, from STATE */
	bool ended;          /* the local session ended: BYE sent if linked */
	bool gone;           /* the peer said BYE */
	bool failed;         /* the peer broke the protocol */

	/* Round trips and the peer's clock: offset = peer clock - ours. */
	kp_clock_sample samples[KP_PEER_CLOCK_SAMPLES];
	unsigned n_samples, next_sample;
	int64_t offset_us, rtt_us;
	uint32_t ping_id;
	int64_t next_ping_us, last_video_us;

	/* Sharer: the only place video waits is this inbox of the bus,
	 * packets only, read when the socket has room.  Popped packets are
	 * shared with other stages' inboxes: read-only. */
	kyoyu_inbox *packets;
	kyoyu_msg *next_video; /* popped; its VIDEO_CONFIG went first */
	uint32_t next_seq;
	uint32_t seq;       /* the VIDEO seq of the next packet popped */
	uint64_t link_sent; /* video bytes handed to this connection */
	kp_sent_mark sent[KP_PEER_SENT_MARKS]; /* not yet reported received */
	unsigned sent_head, sent_count;
	uint64_t received;      /* video bytes the viewer last reported */
	uint64_t top_off_end;   /* link_sent after the last top-off */
	int64_t top_off_sent_us;
	int64_t top_off_in_us;  /* about when the viewer had all of it */
	bool drop_until_key;
	bool config_sent;
	uint32_t sent_codec, sent_width, sent_height;
	kyoyu_msg *cursor; /* latest position, or NULL; buf = its shape */
	bool cursor_shape_sent; /* only the position of cursor is left to send */
	uint8_t consent;  /* the customer's answer, 0 before it */
	bool consent_sent;
	/* The question as the customer read it (1.3): its language, and its
	 * words or NULL.  Sharer: sent before the answer; viewer: received,
	 * posted with the answer. */
	char consent_lang[KP_WIRE_LANG_SIZE + 1];
	kyoyu_buffer *consent_words;
	kp_pacer pacer;
	int64_t next_pacer_us;

	/* Viewer: what arrived. */
	bool have_config, any_video, report_owed;
	bool peer_paused, posted_paused; /* the sharer's last word, and the bus's */
	int64_t pause_posted_us;
	uint32_t width, height, highest_seq, packets_in, lost;
	uint64_t bytes;
	kyoyu_buffer *shape; /* a cursor shape waiting for its CURSOR */
	kyoyu_cursor_info shape_info;
	int64_t next_report_us;

	/* Statistics, one window a second. */
	int64_t window_start_us;
	uint64_t window_bytes, total_bytes;
	uint32_t window_packets, window_lost;
	int64_t latency[KP_PEER_SAMPLES];
	unsigned n_latency;
};

static inline bool kp_peer_is_sharer(const kp_peer *p)
{
	return p->cfg.role == KYOYU_ROLE_SHARER;
}

static inline int32_t kp_peer_clamp(int32_t v, int32_t lo, int32_t hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/* ---- peer.c ---- */

/* Asks the encode stage for a keyframe.  It limits how often it makes
 * one, and the bus keeps one unread request per inbox: a burst is free. */
void kp_peer_request_keyframe(kp_peer *p);

/* Posts a new target bitrate (0: none). */
void kp_peer_post_bitrate(kp_peer *p, uint32_t kbps);

/* A capture-to-here delay for this second's statistics. */
void kp_peer_add_latency(kp_peer *p, int64_t latency_us);

/* ---- peer-send.c ---- */

/* True while the sharer sends screen content: linked, sharing, not ended. */
bool kp_peer_sending(const kp_peer *p);

/* True while screen content waits for the socket. */
bool kp_peer_bulk_waiting(kp_peer *p);

/* Drops every packet waiting to be sent (each takes its seq: the viewer
 * sees the gap); the next packet sent must be a keyframe. */
void kp_peer_drop_packets(kp_peer *p);

void kp_peer_drop_cursor(kp_peer *p);

/* The newest cursor position wins, but an unsent shape is kept.  Takes
 * over the reference to MSG. */
void kp_peer_take_cursor(kp_peer *p, kyoyu_msg *msg);

/* The kp_conn_source of a sharer's connection. */
bool kp_peer_next_bulk(void *ctx, kp_wire_msg *out, int64_t now_us);

/* The viewer reported RECEIVED bytes of video in all: tells the pacer what
 * the link carried, and how long video has been queueing. */
void kp_peer_on_received(kp_peer *p, uint64_t received, int64_t now_us);

/* True when what left at SENT_US had no top-off ahead of it: none is on
 * its way to the viewer now (for a few seconds at most), and the last one
 * had arrived by then.  Only then does its delay measure the link. */
bool kp_peer_clear_of_top_off(const kp_peer *p, int64_t sent_us, int64_t now_us);

#endif
