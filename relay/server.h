/* SPDX-License-Identifier: MIT */
/* kyoyu-relay's one port: TLS 1.3 with the relay's certificate, each link's
 * request (a viewer's OFFER, which needs an operator certificate the desk
 * CA signed; a sharer's CLAIM), parked viewers waiting for their customer,
 * and joined pairs whose bytes it forwards (docs/relay.md).  One thread,
 * one poll() loop. */
#ifndef RELAY_SERVER_H
#define RELAY_SERVER_H

#include <signal.h>
#include <stddef.h>

typedef struct relay_config {
	const char *listen;
	int port;
	const char *cert, *key, *ca;
	const char *crl; /* the desk's revoked operators, or NULL */
	const char **redis; /* URLs */
	size_t n_redis;
	int code_ttl_s, attempts_per_minute, rejoins_per_minute, reject_delay_ms;
	int handshake_timeout_s;
	int max_links;
	const char *dump; /* forwarded bytes, as the relay sees them, for audits */
	const char *node_address; /* "HOST:PORT" where the other nodes reach this one */
	const char *metrics_listen;
	int metrics_port; /* -1: no counters served */
} relay_config;

typedef struct relay_server relay_server;

/* Reads the certificate, key and CA (and derives the code secret).
 * Returns NULL with ERR saying what to fix. */
relay_server *relay_server_new(const relay_config *cfg, char *err, size_t errlen);
void relay_server_free(relay_server *server);

/* Listens and serves until *STOP.  Returns 0, or a negative errno when it
 * cannot listen. */
int relay_server_run(relay_server *server, volatile sig_atomic_t *stop);

#endif
