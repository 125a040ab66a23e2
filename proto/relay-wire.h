/* SPDX-License-Identifier: MIT */
/* What an agent and kyoyu-relay say to each other before the relay joins
 * two links (docs/relay.md).  Inside the relay's own TLS, each side sends
 * one fixed-size request and reads fixed-size replies; after JOINED the
 * link carries the two agents' own TLS session, which the relay forwards
 * and cannot read.  Fixed sizes keep the parser trivial and let a side read
 * exactly one message and leave whatever follows (the other agent's
 * ClientHello) in the stream. */
#ifndef KP_RELAY_WIRE_H
#define KP_RELAY_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire.h"

#define KP_RELAY_MSG_SIZE 64
/* A code at the relay is KP_WIRE_CODE_DIGITS digits: the first
 * KP_RELAY_ROOM_DIGITS say which live code a claim is aimed at (so wrong
 * attempts can be counted against it), the rest are the secret. */
#define KP_RELAY_ROOM_DIGITS 3
#define KP_RELAY_ADDR_MAX 46 /* INET6_ADDRSTRLEN - 1 */
/* A re-join ticket: random bytes the relay gives both sides of a session
 * at the join, the only way to be joined to the same other side again
 * after a dropped link or a node that died (docs/relay.md, "Coming back"). */
#define KP_RELAY_TICKET_SIZE 32

typedef enum kp_relay_type {
	KP_RELAY_OFFER = 1,   /* viewer: give me a code and park this link */
	KP_RELAY_CLAIM = 2,   /* sharer: join me to the viewer of this code */
	KP_RELAY_CODE = 3,    /* relay to viewer: the code to read out */
	KP_RELAY_JOINED = 4,  /* relay to both: from the next byte on, the peer */
	KP_RELAY_REFUSED = 5, /* relay: no (reason, retry_s) */
	/* Node to node, between relays with the same key: join this link
	 * to your parked link LINK (the customer is at ADDR), or, with
	 * reason KP_RELAY_ATTACKED, tell it that its code is dead. */
	KP_RELAY_PASS = 6,
	/* Relay to agent, just before JOINED: TICKET, to come back with.
	 * Sent only to agents that said they can (an OFFER with its grace in
	 * retry_s, a CLAIM with reason KP_RELAY_CAN_REJOIN, a REJOIN). */
	KP_RELAY_TICKET = 7,
	/* Agent to relay after a dropped link: join me again to the other
	 * side of TICKET's session (reason: KP_RELAY_SIDE_SHARER or
	 * KP_RELAY_SIDE_VIEWER); JOINED (after a new TICKET) or REFUSED. */
	KP_RELAY_REJOIN = 8,
} kp_relay_type;

/* A CLAIM's reason: the sharer can come back with a ticket. */
#define KP_RELAY_CAN_REJOIN 1
/* A REJOIN's reason: which side of the session comes back. */
#define KP_RELAY_SIDE_SHARER 1
#define KP_RELAY_SIDE_VIEWER 2
/* A PASS's retry_s, bits: the passed link wants a ticket; it is an
 * operator coming back to its customer, parked on the receiving node. */
#define KP_RELAY_PASS_TICKET 1
#define KP_RELAY_PASS_VIEWER 2

typedef enum kp_relay_reason {
	KP_RELAY_BAD_CODE = 1,     /* wrong, unknown, expired, used or dead */
	KP_RELAY_RATE_LIMITED = 2, /* too many attempts from this address */
	KP_RELAY_UNAVAILABLE = 3,  /* the relay cannot reach its code store */
	KP_RELAY_NOT_OPERATOR = 4, /* OFFER without a desk operator certificate */
	KP_RELAY_FULL = 5,         /* every room is taken */
	KP_RELAY_ATTACKED = 6,     /* to a viewer: its code met too many wrong tries */
	KP_RELAY_NO_SESSION = 7,   /* REJOIN: the ticket is unknown, used or expired */
} kp_relay_reason;

typedef struct kp_relay_msg {
	uint8_t type, reason;
	uint16_t retry_s;
	char digits[KP_WIRE_CODE_DIGITS]; /* CLAIM, CODE */
	char addr[KP_RELAY_ADDR_MAX + 1]; /* JOINED, PASS: the customer's address */
	uint64_t link; /* PASS: the parked link, in the digits' place */
	/* TICKET, REJOIN: in the digits' and the address's place. */
	uint8_t ticket[KP_RELAY_TICKET_SIZE];
} kp_relay_msg;

void kp_relay_encode(const kp_relay_msg *msg, uint8_t out[KP_RELAY_MSG_SIZE]);

/* False when IN is not a relay message of a known type with digits where
 * it has them and a printable address. */
bool kp_relay_decode(const uint8_t in[KP_RELAY_MSG_SIZE], kp_relay_msg *msg);

/* What a refusal means, in words for the log. */
const char *kp_relay_reason_text(uint8_t reason);

#endif
