/* The session as the transport carries it, on either side, once the
 * handshake is done: bus messages out to the wire and wire messages in to
 * the bus, round trips and clock offset, receiver reports, statistics, the
 * sender's video queue and its rate control.
 *
 * The peer outlives its connection: when the link drops, the role module
 * detaches it, and attaches the next one when the sharer comes back.
 * Transport thread only. */
#ifndef KP_PEER_H
#define KP_PEER_H

#include <stdbool.h>
#include <stdint.h>

#include <kyoyu/kyoyu.h>

#include "conn.h"
#include "pacer.h"

#define KP_PEER_QUEUE_DEPTH 64 /* video packets waiting on the sharer */
#define KP_PEER_HELD_DEPTH 64  /* screen content waiting for SHARING (viewer) */
#define KP_PEER_SAMPLES 128    /* latency samples per statistics window */
#define KP_PEER_CLOCK_SAMPLES 8
#define KP_PEER_SENT_MARKS 64  /* video packets remembered until reported */

typedef struct kp_peer_config {
	uint32_t role;          /* kyoyu_role */
	int64_t timeout_us;     /* silence after which the link is lost */
	int64_t keepalive_us;   /* the viewer's ping interval when idle */
	int64_t max_queue_us;   /* the oldest video the sharer still sends */
	uint32_t ceiling_kbps;  /* sharer: the encoder's configured bitrate */
} kp_peer_config;

typedef struct kp_clock_sample {
	int64_t rtt_us, offset_us;
} kp_clock_sample;

/* A video packet on its way: where it ends in the connection's video
 * bytes, and when it was handed to the connection. */
typedef struct kp_sent_mark {
	uint64_t end;
	int64_t sent_us;
} kp_sent_mark;

typedef struct kp_peer {
	kyoyu_bus *bus;
	kp_peer_config cfg;
	kp_conn *conn; /* NULL while the link is down */
	uint32_t codec;
	bool recording;

	uint32_t state;      /* the local session's, from STATE */
	bool ended;          /* the local session ended: BYE sent if linked */
	bool gone;           /* the peer said BYE */
	bool failed;         /* the peer broke the protocol */
	uint32_t end_reason;

	/* Round trips and the peer's clock: offset = peer clock - ours. */
	kp_clock_sample samples[KP_PEER_CLOCK_SAMPLES];
	unsigned n_samples, next_sample;
	int64_t offset_us, rtt_us;
	uint32_t ping_id;
	int64_t next_ping_us, last_video_us, last_keyframe_request_us;

	/* Sharer: video waiting to be sent, the cursor, what the viewer knows.
	 * Queued packets are shared with other stages' inboxes: read-only, so
	 * each one's VIDEO seq is kept beside it. */
	kyoyu_msg *queue[KP_PEER_QUEUE_DEPTH];
	uint32_t queue_seq[KP_PEER_QUEUE_DEPTH];
	unsigned q_head, q_count;
	uint32_t seq;
	uint64_t link_sent; /* video bytes handed to this connection */
	kp_sent_mark sent[KP_PEER_SENT_MARKS]; /* not yet reported received */
	unsigned sent_head, sent_count;
	bool drop_until_key;
	bool config_sent;
	uint32_t sent_codec, sent_width, sent_height;
	kyoyu_msg *cursor; /* latest position, or NULL; buf = its shape */
	bool cursor_shape_sent; /* only the position of cursor is left to send */
	uint8_t consent;  /* the customer's answer, 0 before it */
	bool consent_sent;
	kp_pacer pacer;
	int64_t next_pacer_us;

	/* Viewer: what arrived. */
	bool have_config, any_video, report_owed;
	uint32_t width, height, highest_seq, packets, lost;
	uint64_t bytes;
	kyoyu_buffer *shape; /* a cursor shape waiting for its CURSOR */
	kyoyu_cursor_info shape_info;
	kyoyu_msg *held[KP_PEER_HELD_DEPTH];
	unsigned held_count;
	int64_t next_report_us;
	int64_t sharing_since_us;

	/* Statistics, one window a second. */
	int64_t window_start_us;
	uint64_t window_bytes, total_bytes;
	uint32_t window_packets, window_lost;
	int64_t latency[KP_PEER_SAMPLES];
	unsigned n_latency;
} kp_peer;

/* A peer for the session on BUS.  Returns NULL when out of memory. */
kp_peer *kp_peer_new(kyoyu_bus *bus, const kp_peer_config *cfg);

/* Frees the peer and its connection (closed at once). */
void kp_peer_free(kp_peer *peer);

/* CONN now carries the session (taken over).  CODEC and RECORDING come from
 * the welcome; RESUMED when it replaces a dropped link.  PEER_CLOCK_US is
 * the clock in the peer's hello or welcome: a first guess of the offset. */
void kp_peer_attach(kp_peer *peer, kp_conn *conn, uint32_t codec, bool recording,
		    bool resumed, int64_t peer_clock_us, int64_t now_us);

/* Takes the connection back (the link dropped); NULL if there was none. */
kp_conn *kp_peer_detach(kp_peer *peer);

/* What both sides do first when the session's link went down.  True when
 * no new link can carry the session on: it is ending anyway (the
 * connection is freed), or the other side broke the protocol (logged, and an
 * ERROR saying COMPLAINT, to the person at this end, goes on the bus).
 * False: the link was merely lost, and the caller decides how to wait. */
bool kp_peer_link_down_for_good(kp_peer *peer, const char *complaint);

/* Posts a PEER event (NAME may be NULL). */
void kp_peer_post_event(kp_peer *peer, uint32_t event, uint32_t reason, const char *name);

/* Acts on a bus message for the wire.  Takes over the caller's reference
 * to MSG, which it does not change (it may be shared). */
void kp_peer_on_bus(kp_peer *peer, kyoyu_msg *msg);

/* A kp_conn_handler: acts on a message from the peer.  CTX is the peer. */
int kp_peer_on_wire(void *ctx, kp_wire_msg *msg);

/* Pings, reports, statistics, rate control.  Lowers *TIMEOUT_MS to when it
 * wants to run again.  Returns 0, or -ETIMEDOUT when the peer has been
 * silent too long (the link is lost). */
int kp_peer_tick(kp_peer *peer, int64_t now_us, int *timeout_ms);

/* True while screen content waits for the socket. */
bool kp_peer_want_bulk(const kp_peer *peer);

/* The local session ended: sends BYE (unless the peer said it first). */
void kp_peer_end(kp_peer *peer, uint32_t reason);

#endif
