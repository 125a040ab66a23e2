/* SPDX-License-Identifier: MIT */
/* The viewer's side of the transport: connections waiting for their hello,
 * connection codes, admission (one session per process; others are told
 * "busy"), and taking back a dropped sharer within the grace window.
 *
 * Sockets come from outside (kt_viewer_adopt), so the same code runs over
 * TLS in the plugin and over a plain socketpair in the fuzzer.  Transport
 * thread only. */
#ifndef KT_VIEWER_H
#define KT_VIEWER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <kyoyu/kyoyu.h>

#include "proto/admission.h"
#include "proto/codes.h"
#include "proto/conn.h"
#include "proto/peer.h"

/* Connections that may wait for their hello or their answer at once. */
#define KT_VIEWER_MAX_PENDING KP_ADMISSION_SLOTS

typedef struct kt_viewer_config {
	kp_peer_config peer;
	int64_t code_ttl_us;
	double attempts_per_minute;
	int64_t reject_delay_us;
	int64_t handshake_timeout_us;
	size_t max_pending;     /* 0: KT_VIEWER_MAX_PENDING, also the most */
	int64_t grace_us;
	const char *name;       /* the operator's display name for the sharer */
	/* The names in the viewer's certificate, which the customer is shown
	 * (the sharer trusts nothing else), or NULL. */
	const char *shown_name, *shown_org;
	const uint32_t *codecs; /* what the decoders take, ends with 0 */
	bool recording;
	bool recording_optional; /* the customer may share without recording */
	/* With a relay, codes come from it: instead of drawing one, the
	 * viewer calls this, and the answer comes back through
	 * kt_viewer_show_code or kt_viewer_code_refused.  NULL: direct mode. */
	int (*want_code)(void *ctx);
	void *want_code_ctx;
} kt_viewer_config;

typedef struct kt_viewer kt_viewer;

/* A viewer posting to BUS.  Returns NULL when out of memory. */
kt_viewer *kt_viewer_new(kyoyu_bus *bus, const kt_viewer_config *cfg);
void kt_viewer_free(kt_viewer *viewer);

/* Issues the first code.  Returns 0 or -EIO (no randomness: no code). */
int kt_viewer_start(kt_viewer *viewer, int64_t now_us);

/* Makes DIGITS the live code (as if issued), for tests and the fuzzer. */
void kt_viewer_install_code(kt_viewer *viewer, const char digits[KP_WIRE_CODE_DIGITS],
			    int64_t now_us);

/* The code the relay issued: live from NOW, shown to the operator. */
void kt_viewer_show_code(kt_viewer *viewer, const char digits[KP_WIRE_CODE_DIGITS],
			 int64_t now_us);

/* No code could be had (TEXT says why, in words for the operator). */
void kt_viewer_code_refused(kt_viewer *viewer, const char *text);

/* A new incoming connection from ADDRESS (numeric, no port); taken over. */
void kt_viewer_adopt(kt_viewer *viewer, kp_conn *conn, const char *address,
		     int64_t now_us);

/* Acts on a bus message (STATE, CODE, and what the peer sends on).  Takes
 * over the caller's reference to MSG. */
void kt_viewer_on_bus(kt_viewer *viewer, kyoyu_msg *msg);

/* Fills PFDS (room for MAX) with the descriptors to wait on and lowers
 * *TIMEOUT_MS to the next timer.  Returns how many it filled. */
size_t kt_viewer_prepare(kt_viewer *viewer, struct pollfd *pfds, size_t max,
			 int *timeout_ms, int64_t now_us);

/* Handles what poll() reported for the N descriptors from prepare. */
void kt_viewer_handle(kt_viewer *viewer, const struct pollfd *pfds, size_t n,
		      int64_t now_us);

/* True once the session ended and the goodbye went out. */
bool kt_viewer_done(const kt_viewer *viewer);

/* True while a session runs (or waits for its dropped sharer). */
bool kt_viewer_busy(const kt_viewer *viewer);

/* True while the session waits for its dropped sharer (within the grace):
 * through a relay, the viewer must go back to it too. */
bool kt_viewer_lost(const kt_viewer *viewer);

#endif
