/* SPDX-License-Identifier: MIT */
/* The session as a transport carries it, on either side, once the
 * handshake is done: bus messages out to the wire and wire messages in to
 * the bus, round trips and clock offset, receiver reports, statistics, and
 * on the sharer the video going out with its rate control.
 *
 * The bus's gate is the only screen-content gate.  The viewer's peer does
 * not read screen content while its own session is not sharing (the first
 * keyframe can race the session's move to SHARING): the connection holds
 * those frames back in the stream, and reads on when STATE says SHARING.
 * The sharer's video waits in one place, the peer's own packets-only bus
 * inbox, pulled one packet at a time when the socket has room; a packet
 * that waited longer than max_queue_us by then lowers the bitrate, but is
 * still sent (what follows refers to it).  Keyframe
 * requests are limited in the core (decode stage, encode stage), never
 * here.
 *
 * The peer outlives its connection: when the link drops, the transport
 * detaches it, and attaches the next one when the sharer comes back.
 * Transport thread only (kp_peer_new and kp_peer_free may run on the thread
 * that starts and stops it); checked in debug builds, see the config's
 * stage. */
#ifndef KP_PEER_H
#define KP_PEER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <kyoyu/kyoyu.h>

#include "conn.h"

#define KP_PEER_PACKET_DEPTH 64 /* video packets waiting on the sharer */
#define KP_PEER_MAX_POLL 2      /* descriptors kp_peer_prepare may fill */

typedef struct kp_peer_config {
	uint32_t role;          /* kyoyu_role */
	uint32_t state;         /* the local session's state when the peer is made */
	int64_t timeout_us;     /* silence after which the link is lost */
	int64_t keepalive_us;   /* the viewer's ping interval when idle */
	int64_t max_queue_us;   /* video waiting longer lowers the bitrate */
	uint32_t ceiling_kbps;  /* sharer: the encoder's configured bitrate */
	const char *name;       /* the transport, for its inbox ("transport/tls") */
	/* The transport's stage: the peer is used on its thread only, which
	 * debug builds check.  NULL where the peer is no stage's (a program
	 * such as the relay, tests, the fuzzer): not checked. */
	const kyoyu_stage *stage;
} kp_peer_config;

typedef struct kp_peer kp_peer;

/* A peer for the session on BUS; a sharer's subscribes its packets inbox
 * there.  Returns NULL when out of memory. */
kp_peer *kp_peer_new(kyoyu_bus *bus, const kp_peer_config *cfg);

/* Frees the peer and its connection (closed at once). */
void kp_peer_free(kp_peer *peer);

/* What the hello and welcome agreed, for kp_peer_attach. */
typedef struct kp_peer_link {
	uint32_t codec;
	uint8_t minor;           /* the protocol minor version both speak */
	bool recording;          /* the viewer records */
	bool recording_optional; /* ... and lets the customer share without */
	bool resumed;            /* it replaces a dropped link */
	int64_t peer_clock_us;   /* the clock in the peer's hello or welcome:
				    a first guess of the offset */
	/* Viewer: the codecs of the hello besides CODEC that it decodes too;
	 * with protocol 1.4 it says so (CODECS) and the sharer may go over
	 * to one of them (codec.format = "auto"). */
	uint8_t n_also;
	uint32_t also[KP_WIRE_MAX_CODECS - 1];
} kp_peer_link;

/* Who the peer is, for PEER CONNECTED: texts of any length (each is cut
 * to 64 characters; one that is not printable UTF-8 is left out). */
typedef struct kp_peer_identity {
	const char *name, *org, *issuer; /* or NULL */
	uint32_t verified;               /* kyoyu_peer_verified bits */
	const char *own_name, *own_org;  /* this side as the peer sees it */
} kp_peer_identity;

/* CONN now carries the session (taken over), as LINK says. */
void kp_peer_attach(kp_peer *peer, kp_conn *conn, const kp_peer_link *link,
		    int64_t now_us);

/* Takes the connection back (the link dropped); NULL if there was none. */
kp_conn *kp_peer_detach(kp_peer *peer);

/* The connection carrying the session, or NULL while the link is down. */
kp_conn *kp_peer_conn(const kp_peer *peer);

/* What both sides do first when the session's link went down.  True when
 * no new link can carry the session on: it is ending anyway (the
 * connection is freed), or the other side broke the protocol (logged, and an
 * ERROR saying COMPLAINT, to the person at this end, goes on the bus).
 * False: the link was merely lost, and the caller decides how to wait. */
bool kp_peer_link_down_for_good(kp_peer *peer, const char *complaint);

/* Posts a PEER event; WHO (with CONNECTED) may be NULL. */
void kp_peer_post_event(kp_peer *peer, uint32_t event, uint32_t reason,
			const kp_peer_identity *who);

/* Acts on a bus message for the wire.  Takes over the caller's reference
 * to MSG, which it does not change (it may be shared). */
void kp_peer_on_bus(kp_peer *peer, kyoyu_msg *msg);

/* A kp_conn_handler: acts on a message from the peer.  CTX is the peer. */
int kp_peer_on_wire(void *ctx, kp_wire_msg *msg);

/* Runs the peer's timers (pings, reports, statistics, rate control), sends
 * what is due, and fills PFDS (room for MAX, KP_PEER_MAX_POLL at most)
 * with what to wait on: the link's socket first, and a sharer's packets
 * inbox while nothing waits in it.  Without a link, a sharer's packets are
 * dropped as they come (it waits on its inbox for that).  Lowers
 * *TIMEOUT_MS to the next timer.  Returns how many it filled, or -1 when
 * the link failed or fell silent (kp_conn_why of kp_peer_conn says why). */
int kp_peer_prepare(kp_peer *peer, struct pollfd *pfds, size_t max, int *timeout_ms,
		    int64_t now_us);

/* Reads and writes the link after poll() reported REVENTS for its socket.
 * Returns 0, or -1 when the link failed (kp_conn_why says why). */
int kp_peer_handle(kp_peer *peer, short revents, int64_t now_us);

/* The local session ended: sends BYE (unless the peer said it first). */
void kp_peer_end(kp_peer *peer, uint32_t reason);

/* True once the local session ended (kp_peer_end). */
bool kp_peer_ended(const kp_peer *peer);

#endif
