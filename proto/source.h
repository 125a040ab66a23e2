/* SPDX-License-Identifier: MIT */
/* Where a connection comes from, as the limits on admission and on code
 * guesses count it: the address, and the network around it (an IPv4 /24,
 * an IPv6 /64), because one machine or one customer's network owns a
 * whole /24 or /64 as easily as one address.  An IPv4 address seen through
 * an IPv6 socket (::ffff:a.b.c.d) is the IPv4 address.  Any thread. */
#ifndef KP_SOURCE_H
#define KP_SOURCE_H

#include <stdbool.h>
#include <stdint.h>

typedef struct kp_source {
	uint8_t address[16]; /* IPv4 as ::ffff:a.b.c.d */
	uint8_t network[16]; /* the address with the host bits cleared */
} kp_source;

/* Fills OUT from a numeric address ("192.0.2.1", "2001:db8::1").  Anything
 * else (a name, "?") becomes one shared "unknown" source: never an error,
 * since a connection must be counted somewhere. */
void kp_source_parse(const char *text, kp_source *out);

bool kp_source_same_address(const kp_source *a, const kp_source *b);
bool kp_source_same_network(const kp_source *a, const kp_source *b);

#endif
