/* SPDX-License-Identifier: MIT */
/* relay.crl: the operators the desk revoked (kyoyu-agent --revoke-operator
 * writes it).  Read at start, and again whenever the file changes, so a
 * revocation takes effect at the next OFFER with no restart; a changed
 * file that does not read, or that the desk CA did not sign, leaves the
 * previous list in force, said in the log. */
#ifndef RELAY_CRL_H
#define RELAY_CRL_H

#include <stdbool.h>
#include <stddef.h>

#include <openssl/x509.h>

typedef struct relay_crl relay_crl;

/* The list in PATH, signed by the CA certificate in CA_PATH.  NULL with
 * ERR saying what to fix. */
relay_crl *relay_crl_open(const char *path, const char *ca_path, char *err, size_t errlen);
void relay_crl_free(relay_crl *crl);

/* True when CERT's serial is on the list (read again first if the file
 * changed). */
bool relay_crl_revoked(relay_crl *crl, X509 *cert);

#endif
