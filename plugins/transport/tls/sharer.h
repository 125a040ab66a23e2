/* SPDX-License-Identifier: MIT */
/* The sharer's side of the transport: asking for the code, connecting, the
 * hello, and coming back with the session token after a dropped link.
 *
 * Connections are opened through a kt_connector (TCP and TLS in the
 * plugin, a socketpair in the fuzzer).  Transport thread only. */
#ifndef KT_SHARER_H
#define KT_SHARER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <kyoyu/kyoyu.h>

#include "proto/conn.h"
#include "proto/peer.h"

/* Who the viewer is, from its verified certificate. */
typedef struct kt_identity {
	char name[KYOYU_PEER_TEXT_MAX + 1];   /* subject CN */
	char org[KYOYU_PEER_TEXT_MAX + 1];    /* subject O */
	char issuer[KYOYU_PEER_TEXT_MAX + 1]; /* with a CA: its O, or CN */
	uint32_t verified;                    /* kyoyu_peer_verified bits */
} kt_identity;

typedef struct kt_connector {
	/* Starts connecting; *FD polls writable once connected.  Returns 0,
	 * or a negative errno with ERR saying what failed. */
	int (*open)(void *ctx, int *fd, char *err, size_t errlen);
	/* FD is connected: the connection over it (FD taken over), or NULL
	 * with ERR. */
	kp_conn *(*wrap)(void *ctx, int fd, char *err, size_t errlen);
	/* True when CONN failed because the viewer is not the expected one:
	 * no second try (fail closed).  May be NULL. */
	bool (*refused)(void *ctx, kp_conn *conn);
	/* Fills OUT with who answered on CONN, as its verified certificate
	 * says: the only name the customer is shown (the name in the welcome
	 * is the viewer's own words).  May be NULL: the viewer is then shown
	 * without a name. */
	void (*identity)(void *ctx, kp_conn *conn, kt_identity *out);
	void *ctx;
	/* Told the customer's code before a first connection is opened (a
	 * relay needs it to find the viewer); not called when coming back.
	 * May be NULL. */
	void (*code)(void *ctx, const char digits[KP_WIRE_CODE_DIGITS]);
} kt_connector;

typedef struct kt_sharer_config {
	kp_peer_config peer;
	int64_t connect_timeout_us; /* TCP, TLS and the welcome */
	const char *name;           /* the customer's display name */
	const char *target;         /* "host:port", for messages */
	/* What the encoders make, the one it starts with first; more than
	 * one with codec.format = "auto".  All are offered in the hello. */
	uint32_t codecs[KP_WIRE_MAX_CODECS];
	uint8_t n_codecs;
} kt_sharer_config;

typedef struct kt_sharer kt_sharer;

/* A sharer posting to BUS, connecting through CONNECTOR (copied).
 * Returns NULL when out of memory. */
kt_sharer *kt_sharer_new(kyoyu_bus *bus, const kt_sharer_config *cfg,
			 const kt_connector *connector);
void kt_sharer_free(kt_sharer *sharer);

/* Asks the customer for the code (posts CODE NEEDED). */
void kt_sharer_start(kt_sharer *sharer, int64_t now_us);

/* Acts on a bus message; takes over the caller's reference to MSG. */
void kt_sharer_on_bus(kt_sharer *sharer, kyoyu_msg *msg);

/* As kt_viewer_prepare / kt_viewer_handle. */
size_t kt_sharer_prepare(kt_sharer *sharer, struct pollfd *pfds, size_t max,
			 int *timeout_ms, int64_t now_us);
void kt_sharer_handle(kt_sharer *sharer, const struct pollfd *pfds, size_t n,
		      int64_t now_us);

/* True once the session ended and the goodbye went out. */
bool kt_sharer_done(const kt_sharer *sharer);

#endif
