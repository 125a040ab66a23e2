/* SPDX-License-Identifier: MIT */
/* What one relay node needs to reach another (docs/relay.md, "Several
 * nodes"): its own address as the others reach it, the owner strings kept
 * in Redis (which link waits, on which node), a TLS client that shows the
 * desk's relay certificate, and the check that a peer holds the same
 * relay key.  The state machine that uses them is server.c's. */
#ifndef RELAY_NODES_H
#define RELAY_NODES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>

/* "HOST:PORT" or "[V6]:PORT", and a NUL. */
#define RELAY_NODE_ADDR_SIZE 272
/* The link's number, a space, its node's address. */
#define RELAY_OWNER_SIZE (20 + 1 + RELAY_NODE_ADDR_SIZE)

/* This node's address for the others: CONFIGURED when set, else LISTEN
 * when it names one address, else the host name; with PORT. */
void relay_nodes_own_address(const char *configured, const char *listen, int port,
			     char out[RELAY_NODE_ADDR_SIZE]);

void relay_owner_format(char out[RELAY_OWNER_SIZE], uint64_t link, const char *node);

/* False when OWNER is not "LINK NODE". */
bool relay_owner_parse(const char *owner, uint64_t *link, char node[RELAY_NODE_ADDR_SIZE]);

/* A TLS 1.3 client context showing CERT and KEY (the relay's own).
 * NULL with ERR filled. */
SSL_CTX *relay_nodes_client_ctx(const char *cert, const char *key, char *err, size_t errlen);

/* True when the peer of SSL showed a certificate for the same key as OWN:
 * only another node of this desk has it. */
bool relay_nodes_same_key(SSL *ssl, SSL_CTX *own);

/* Splits NODE ("HOST:PORT" or "[V6]:PORT") into HOST (brackets gone) and
 * PORT.  False when NODE is not of that form. */
bool relay_nodes_split(const char *node, char host[RELAY_NODE_ADDR_SIZE], char port[8]);

/* Starts a non-blocking TCP connection to ADDR (a numeric address, never
 * a name: a name is resolved off the loop first, relay/resolve.h) and
 * PORT.  Returns the descriptor (connecting), or a negative errno. */
int relay_nodes_connect(const char *addr, const char *port);

#endif
