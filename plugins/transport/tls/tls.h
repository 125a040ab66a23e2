/* SPDX-License-Identifier: MIT */
/* TLS 1.3 for kyoyu connections (OpenSSL): the viewer's server context with
 * its certificate, the sharer's client context that checks the viewer's
 * certificate against a pin and/or a CA file, and the kp_conn_io that runs a
 * connection over it.  Transport thread only. */
#ifndef KT_TLS_H
#define KT_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/conn.h"
#include "sharer.h"

#define KT_TLS_PIN_PREFIX "sha256//"
/* "sha256//" and 44 characters of base64. */
#define KT_TLS_PIN_TEXT_SIZE 53

typedef struct kt_tls kt_tls;

/* The viewer's context: TLS 1.3 only, with CERT (a PEM chain) and KEY.
 * Returns 0, or a negative errno with ERR saying what to fix. */
int kt_tls_new_server(const char *cert, const char *key, kt_tls **out, char *err,
		      size_t errlen);

/* The sharer's context: TLS 1.3 only, trusting the viewer whose public key
 * matches PIN ("sha256//BASE64", may be NULL) and/or whose certificate
 * CA_FILE vouches for under the name HOST (CA_FILE may be NULL; one of the
 * two is required; HOST NULL or "": no name is checked, as for an operator
 * reached through the relay, who is known by the CA's word alone).  Returns 0, or a negative errno with ERR. */
int kt_tls_new_client(const char *ca_file, const char *pin, const char *host,
		      kt_tls **out, char *err, size_t errlen);

void kt_tls_free(kt_tls *tls);

/* Who a client context checks, for its messages ("viewer" and
 * "transport.pin" unless told otherwise). */
void kt_tls_name_peer(kt_tls *tls, const char *peer, const char *pin_key);

/* Makes a client context present CERT and KEY (the operator's certificate,
 * which the relay checks).  Returns 0, or -EINVAL with ERR. */
int kt_tls_use_identity(kt_tls *tls, const char *cert, const char *key, char *err,
			size_t errlen);

/* A stream layer for FD (not taken over) on TLS; the handshake runs on the
 * first reads and writes.  Returns NULL when out of memory. */
void *kt_tls_wrap(kt_tls *tls, int fd);

/* A stream layer whose records travel inside the stream OUTER (a
 * kt_tls_wrap context, which must outlive it): end-to-end TLS through the
 * relay's TLS.  Returns NULL when out of memory. */
void *kt_tls_wrap_over(kt_tls *tls, void *outer);

extern const kp_conn_io kt_tls_io;

/* True when the handshake of the stream IO_CTX failed because the viewer's
 * certificate was refused (pin, CA or host name): the sharer then gives up
 * at once instead of trying again. */
bool kt_tls_refused_peer(void *io_ctx);

/* Who the viewer on the sharer's stream IO_CTX is, from the certificate its
 * handshake verified: subject CN and O, and with a CA file the issuer's O
 * (or CN); OUT->verified says which checks it passed.  Texts that are not
 * printable UTF-8 are left empty.  After the handshake only. */
void kt_tls_peer_identity(void *io_ctx, kt_identity *out);

/* The names in this side's own certificate (a viewer's: what the customer
 * is shown), into OUT's name and org; empty without a certificate. */
void kt_tls_own_identity(const kt_tls *tls, kt_identity *out);

#endif
