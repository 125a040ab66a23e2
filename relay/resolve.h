/* SPDX-License-Identifier: MIT */
/* A host name resolved off the relay's loop: getaddrinfo() may wait
 * seconds for a slow DNS server, and the loop forwards every session, so
 * it runs in a thread of its own and the loop polls a descriptor that
 * becomes readable when the answer is in.  Either side may give up first;
 * the last one frees what they share. */
#ifndef RELAY_RESOLVE_H
#define RELAY_RESOLVE_H

#include <arpa/inet.h>
#include <stdbool.h>

#define RELAY_ADDR_SIZE INET6_ADDRSTRLEN

typedef struct relay_resolve relay_resolve;

/* True when HOST is an address already: nothing to resolve. */
bool relay_resolve_numeric(const char *host);

/* Resolves HOST (a TCP address of any family) in a thread of its own.
 * NULL when the thread cannot start (out of memory or threads). */
relay_resolve *relay_resolve_start(const char *host);

/* Readable once the answer is in. */
int relay_resolve_fd(const relay_resolve *rs);

/* 1 with the first address in ADDR, 0 while the answer is awaited, or -1
 * with WHY (getaddrinfo's words) when HOST has none. */
int relay_resolve_result(relay_resolve *rs, char addr[RELAY_ADDR_SIZE], const char **why);

/* Gives up on the answer: the thread ends by itself. */
void relay_resolve_free(relay_resolve *rs);

/* Resolves HOST now, waiting (before the loop starts).  Returns 0 with
 * ADDR, or -1 with WHY. */
int relay_resolve_now(const char *host, char addr[RELAY_ADDR_SIZE], const char **why);

#endif
