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
} kp_relay_type;

typedef enum kp_relay_reason {
	KP_RELAY_BAD_CODE = 1,     /* wrong, unknown, expired, used or dead */
	KP_RELAY_RATE_LIMITED = 2, /* too many attempts from this address */
	KP_RELAY_UNAVAILABLE = 3,  /* the relay cannot reach its code store */
	KP_RELAY_NOT_OPERATOR = 4, /* OFFER without a desk operator certificate */
	KP_RELAY_FULL = 5,         /* every room is taken */
	KP_RELAY_ATTACKED = 6,     /* to a viewer: its code met too many wrong tries */
} kp_relay_reason;

typedef struct kp_relay_msg {
	uint8_t type, reason;
	uint16_t retry_s;
	char digits[KP_WIRE_CODE_DIGITS]; /* CLAIM, CODE */
	char addr[KP_RELAY_ADDR_MAX + 1]; /* JOINED, PASS: the customer's address */
	uint64_t link; /* PASS: the parked link, in the digits' place */
} kp_relay_msg;

void kp_relay_encode(const kp_relay_msg *msg, uint8_t out[KP_RELAY_MSG_SIZE]);

/* False when IN is not a relay message of a known type with digits where
 * it has them and a printable address. */
bool kp_relay_decode(const uint8_t in[KP_RELAY_MSG_SIZE], kp_relay_msg *msg);

/* What a refusal means, in words for the log. */
const char *kp_relay_reason_text(uint8_t reason);

#endif
