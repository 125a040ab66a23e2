/* SPDX-License-Identifier: MIT */
/* An agent's link through kyoyu-relay (docs/relay.md): TLS 1.3 to the
 * relay (checked against transport.relay_pin; the viewer shows its operator
 * certificate), one request (OFFER or CLAIM), the relay's replies, and after
 * JOINED the agents' own TLS session inside the relay's, as in direct mode:
 * the relay forwards its records and cannot read them.
 *
 * The whole preamble runs inside the stream's reads and writes, as a TLS
 * handshake does, so the sharer's code (sharer.c) and the viewer's
 * admission (viewer.c) see an ordinary kp_conn_io.  Transport thread only. */
#ifndef KT_RELAY_LINK_H
#define KT_RELAY_LINK_H

#include <stdbool.h>

#include "proto/conn.h"
#include "proto/relay-wire.h"
#include "tls.h"

/* The relay's re-join ticket of the session (docs/relay.md, "Coming
 * back"): what the agent presents to be joined to the same other side
 * again after a dropped link.  Kept by the transport across links. */
typedef struct kt_relay_ticket {
	uint8_t bytes[KP_RELAY_TICKET_SIZE];
	bool valid;
} kt_relay_ticket;

/* A link over FD (not taken over): OUTER speaks to the relay, INNER to the
 * other agent once joined; REQUEST is sent first (a CLAIM with no digits
 * is refused at once: a session with no ticket cannot come back through
 * the relay).  TICKET (or NULL) receives the session's ticket when the
 * relay joins the link, and is forgotten when the relay refuses it or
 * joins without one.  Returns NULL when out of memory. */
void *kt_relay_wrap(kt_tls *outer, kt_tls *inner, int fd, const kp_relay_msg *request,
		    kt_relay_ticket *ticket);

/* For the viewer's parked link, before it is a kp_conn: advances the
 * preamble.  Returns KP_RELAY_CODE with *GOT (the code to read out),
 * KP_RELAY_JOINED with *GOT (the sharer's address: wrap the link in a
 * kp_conn now), -EAGAIN with *WANTS, or a negative errno (kt_relay_io's
 * error says why; -ECONNREFUSED when the relay refused, *GOT saying why). */
int kt_relay_advance(void *io_ctx, kp_relay_msg *got, short *wants);

/* True when the relay's or the other agent's certificate was refused: the
 * sharer fails closed. */
bool kt_relay_refused_peer(void *io_ctx);

/* The other agent's TLS stream (after JOINED), or NULL. */
void *kt_relay_inner(void *io_ctx);

extern const kp_conn_io kt_relay_io;

#endif
