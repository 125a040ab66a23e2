/* SPDX-License-Identifier: MIT */
/* Inside kyoyu-relay's server: its links and what the files that run them
 * share.  server.c owns the loop (accepting, polling, sweeping), link.c a
 * link's states and deadlines, forward.c the bytes of joined pairs,
 * admission.c the requests for and claims of codes, passing.c the joins
 * across nodes.  One thread: the loop's. */
#ifndef RELAY_SERVER_PRIV_H
#define RELAY_SERVER_PRIV_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <openssl/ssl.h>

#include "crl.h"
#include "metrics.h"
#include "nodes.h"
#include "proto/relay-wire.h"
#include "proto/tally.h"
#include "resolve.h"
#include "server.h"
#include "store.h"

/* Bytes of one direction in flight in the relay: one TLS record. */
#define FORWARD_BUF 16384
/* Bytes moved for one pair before the others get a turn. */
#define FORWARD_BUDGET (256 * 1024)
/* Unsent bytes a link's socket may hold before the relay stops reading
 * the other side (TCP_NOTSENT_LOWAT, as the agents): the queue stays in
 * the sender, whose pacer sees the link as it is and drops old video,
 * instead of building up in the relay. */
#define NOTSENT_LOWAT 16384
/* A link waits at most this long for Redis's answer to its request (the
 * calls time out well before; a code's free room may take a few). */
#define WAITING_US 10000000
/* A refused link gets this long to read its answer. */
#define CLOSING_US 5000000
/* A joined session's re-join ticket is refreshed this often at most (and
 * at least four times in its grace), and lives this much longer than the
 * grace, so it outlives the last second the session was known to be
 * joined by at least the grace. */
#define TICKET_REFRESH_MAX_S 10
/* The grace of a session whose viewer did not say (an older agent never
 * asks for a ticket; this bounds what one says). */
#define MAX_GRACE_S 3600

typedef enum link_state {
	HANDSHAKE, /* TLS */
	REQUEST,   /* reading the OFFER, CLAIM or REJOIN */
	PARKED,    /* a viewer with a code, waiting for its customer; or a side
		    * of a session come back, waiting for the other (rejoin) */
	DELAYED,   /* a refused sharer, answered at deadline_us */
	WAITING,   /* for Redis's answer to its request (a relay_ref's) */
	CLOSING,   /* sending a last message, then closing */
	JOINED,    /* forwarding to and from peer */
	/* Joining across nodes (docs/relay.md, "Several nodes"). */
	PASSING,    /* a sharer whose operator waits on another node */
	RESOLVING,  /* to that node: its name, in a thread (relay/resolve.h) */
	CONNECTING, /* to that node: TCP */
	AWAIT,      /* to that node: TLS, PASS sent, reading its answer */
} link_state;

typedef struct rlink { /* one TCP connection to the relay */
	int fd; /* -1 while RESOLVING */
	SSL *ssl;
	link_state state;
	uint64_t id;
	char addr[KP_RELAY_ADDR_MAX + 1]; /* numeric, no port */
	int64_t deadline_us;
	short read_wants, write_wants; /* what SSL asked for, 0: the usual */
	uint8_t msg[KP_RELAY_MSG_SIZE];
	size_t msg_off;
	/* Messages to send (a TICKET and a JOINED), before anything
	 * forwarded. */
	uint8_t out[2 * KP_RELAY_MSG_SIZE];
	size_t out_len, out_off;
	kp_relay_msg pending_reply; /* DELAYED */
	int64_t reply_at_us;        /* a claim's answer: its arrival and relay.reject_delay_ms */
	char room[KP_RELAY_ROOM_DIGITS]; /* PARKED: which code to retire */
	struct rlink *peer;
	/* PASSING and its link to the other node (RESOLVING, CONNECTING,
	 * HANDSHAKE or AWAIT), each other's until joined or refused. */
	struct rlink *pass;
	bool outbound; /* a link this node opened to another */
	/* RESOLVING: the other node's name, answered off the loop, and the
	 * port to connect to once it is. */
	relay_resolve *resolving;
	char node_port[8];
	/* Bytes read from the peer, to write to this link. */
	uint8_t buf[FORWARD_BUF];
	size_t len, off;
	uint64_t forwarded; /* bytes written to this rlink */
	uint64_t session;   /* JOINED: its number, for the log */
	int64_t since_us;   /* JOINED: when */
	bool sharer; /* the customer's side: its own, or a node link passing it */
	/* Re-join tickets (rejoin.c): this side can come back with one
	 * (an OFFER with a grace, a CLAIM that says so, a REJOIN, a PASS of
	 * one of those); the session's grace; PARKED with rejoin: the
	 * ticket's Redis key it waits in; JOINED: the key this node keeps
	 * alive, and when next. */
	bool wants_ticket, rejoin;
	/* JOINED, both sides: the session's JOINED waits for Redis to say it
	 * keeps the ticket (nothing is forwarded meanwhile). */
	bool holding;
	int grace_s;
	char ticket_key[RELAY_TICKET_KEY_SIZE];
	int64_t refresh_us;
	bool more; /* must run again before poll() waits */
	bool full; /* its socket holds enough unsent bytes: wait for POLLOUT */
	bool dead; /* to be freed at the end of the loop's turn */
} rlink;

struct relay_server {
	relay_config cfg;
	SSL_CTX *ctx;
	relay_store *store;
	SSL_CTX *client_ctx; /* to the other nodes */
	relay_crl *crl;      /* revoked operators, or NULL */
	relay_metrics *metrics; /* or NULL */
	relay_counters counters;
	char node[RELAY_NODE_ADDR_SIZE]; /* where the other nodes reach this one */
	uint64_t next_id, next_session;
	int listen_fd;
	rlink **links;
	size_t n_links;
	FILE *dump;
	/* REJOINs refused, and customers' over their budget: anyone can cause
	 * them, so a flood is summed up in the log. */
	kp_tally tickets_refused, tickets_limited;
};

int64_t relay_now_us(void);
/* OpenSSL's reason for the last error, or WHAT. */
const char *relay_ssl_reason(const char *what);

/* Who waits for Redis's answer: a link, by number (it may be gone by
 * then), and what the next call needs. */
typedef struct relay_ref {
	relay_server *s;
	uint64_t id;
	char digits[KP_WIRE_CODE_DIGITS]; /* a claim's code */
	char key[RELAY_TICKET_KEY_SIZE];  /* a re-join's ticket's key */
	/* A ticket being stored: its session, the ticket, and the customer's
	 * address the viewer's JOINED carries. */
	uint64_t session;
	uint8_t ticket[KP_RELAY_TICKET_SIZE];
	char customer[KP_RELAY_ADDR_MAX + 1];
} relay_ref;

/* link.c */
/* A reference to L, which waits for Redis from now (WAITING).  NULL when
 * out of memory (L is then refused as if Redis had failed). */
relay_ref *relay_ref_new(relay_server *s, rlink *l, int64_t now);
/* The link REF names, if it still waits; else NULL. */
rlink *relay_ref_link(const relay_ref *ref);
void relay_ref_free(relay_ref *ref);
/* Frees L (and ends its session; its peer goes too). */
void relay_link_free(relay_server *s, rlink *l);
/* What the loop polls for L: its socket, or while RESOLVING the
 * descriptor that says its node's name has an answer. */
int relay_link_fd(const rlink *l);
/* OWNER as Redis keeps it for L: its number and this node. */
void relay_owner_of(const relay_server *s, const rlink *l, char owner[RELAY_OWNER_SIZE]);
/* Makes M the message L sends next. */
void relay_send_msg(rlink *l, const kp_relay_msg *m);
/* Adds M after what L has still to send (room for two messages). */
void relay_queue_msg(rlink *l, const kp_relay_msg *m);
/* Answers and closes once the answer is out. */
void relay_refuse(rlink *l, uint8_t reason, uint16_t retry_s, int64_t now);
/* The parked link LINK of this node, or NULL. */
rlink *relay_parked(relay_server *s, uint64_t link);
/* Pairs VIEWER's side and SHARER's side for forwarding (either may be a
 * link to another node); the callers send the JOINED each needs. */
void relay_pair(relay_server *s, rlink *viewer, rlink *sharer, const char *customer,
		int64_t now);
/* Joins VIEWER's side and SHARER's side, one parked here, the other a
 * link come to it or another node's link passing one (the customer is at
 * CUSTOMER), and sends both JOINED: when both can come back, once Redis
 * keeps their new ticket, after the TICKET (without one when Redis does
 * not). */
void relay_join(relay_server *s, rlink *viewer, rlink *sharer, const char *customer,
		int64_t now);
/* Queues the JOINED of a joined pair (the viewer's names CUSTOMER). */
void relay_send_joined(rlink *viewer, rlink *sharer, const char *customer);
/* Runs L's state as far as it goes.  Returns false when L is to be freed;
 * sets *AGAIN when it must run again before poll() waits. */
bool relay_step(relay_server *s, rlink *l, int64_t now, bool *again);
/* L's deadline: false when L is to be freed; lowers *TIMEOUT_MS to it. */
bool relay_timers(relay_server *s, rlink *l, int64_t now, int *timeout_ms);

/* forward.c */
/* Maps a failed SSL call: -EAGAIN with *WANTS, or -EIO (the link is over). */
int relay_ssl_result(rlink *l, int ret, short *wants);
/* Writes what L has to send: its message, then forwarded bytes.  Returns
 * 0 when all is out, -EAGAIN, or -EIO. */
int relay_write_out(relay_server *s, rlink *l);
/* Moves bytes from SRC to DST until one would block.  Returns 0, 1 when
 * the budget ran out (more may wait in SRC's TLS buffer), or -EIO. */
int relay_forward(relay_server *s, rlink *src, rlink *dst);

/* admission.c */
/* True when L showed an operator certificate the desk CA signed and did
 * not revoke; else L is refused (WHAT it did, for the log). */
bool relay_operator_ok(relay_server *s, rlink *l, const char *what, int64_t now);
/* L's request (or, on a link to another node, its answer) is in L->msg. */
void relay_on_request(relay_server *s, rlink *l, int64_t now);

/* passing.c */
/* Opens a link to NODE and sends it PASS for its parked LINK: with
 * SHARER, to join them; without, REASON tells the link its code died. */
void relay_pass_to(relay_server *s, rlink *sharer, const char *node, uint64_t link,
		   uint8_t reason, int64_t now);
/* The link L to another node, or the sharer it passes, went away before
 * the join: the other is let go (the sharer is refused). */
void relay_pass_failed(relay_server *s, rlink *l);
/* What the other node answered to PASS. */
void relay_on_pass_answer(relay_server *s, rlink *l, int64_t now);
/* Another node passes a customer (or a notice) to one of this node's
 * parked viewers.  Only a node with the relay's own key may. */
void relay_on_pass(relay_server *s, rlink *l, const kp_relay_msg *req, int64_t now);

/* rejoin.c */
/* A side of a dropped session came back with its ticket (REJOIN). */
void relay_on_rejoin(relay_server *s, rlink *l, const kp_relay_msg *req, int64_t now);
/* Draws the ticket of the session VIEWER and SHARER were just paired in,
 * when both can come back with one, and has Redis keep it: true when it
 * went to Redis, and the pair holds (JOINED waits) until Redis answers;
 * then TICKET and JOINED go to both, or, when Redis did not keep it,
 * JOINED alone (logged: the session has no way back).  False when no
 * ticket is due or Redis is known to be down: the caller sends JOINED. */
bool relay_ticket_issue(relay_server *s, rlink *viewer, rlink *sharer, const char *customer);
/* Keeps the ticket of L's joined session alive; lowers *TIMEOUT_MS to
 * the next refresh. */
void relay_ticket_refresh(relay_server *s, rlink *l, int64_t now, int *timeout_ms);
/* Logs the summaries of refused REJOINs that are due; lowers *TIMEOUT_MS
 * to the next. */
void relay_rejoin_summaries(relay_server *s, int64_t now, int *timeout_ms);
/* The TTL of a ticket of a session with GRACE_S. */
int relay_ticket_ttl(int grace_s);

#endif
