/* SPDX-License-Identifier: MIT */
/* kyoyu-agent --make-cert DIR, and the desk CA's --make-ca, --issue-operator,
 * --revoke-operator. */
#ifndef KYOYU_CORE_MAKE_CERT_H
#define KYOYU_CORE_MAKE_CERT_H

/* Writes DIR/viewer-key.pem (0600) and DIR/viewer-cert.pem, a self-signed
 * P-256 certificate whose subject names ORG (O, default "kyoyu viewer")
 * and NAME (CN, default the host name): what the customer is shown, once
 * the pin or a CA verified it.  Both are UTF-8 of at most 64 characters.
 * Prints the configuration lines for the viewer and the pin for sharers.
 * Never overwrites a file.  Returns the exit status. */
int kyoyu_make_cert(const char *dir, const char *org, const char *name);

/* A desk's CA (docs/relay.md): DIR/ca-key.pem (0600), DIR/ca.pem (P-256,
 * CA:TRUE, pathlen 0, subject O and CN = ORG) and DIR/crl.pem (no one
 * revoked yet).  Prints the relay's and the sharers' configuration lines.
 * Never overwrites a key or certificate.  Returns the exit status. */
int kyoyu_make_ca(const char *dir, const char *org);

/* An operator's certificate from the CA in CA_DIR: OUT_DIR/viewer-key.pem
 * (0600) and OUT_DIR/viewer-cert.pem, subject O = the CA's, CN = NAME
 * (UTF-8, at most 64 characters), for a year, serverAuth and clientAuth.
 * Returns the exit status. */
int kyoyu_issue_operator(const char *ca_dir, const char *out_dir, const char *name);

/* Adds CERT (issued by the CA in CA_DIR) to CA_DIR/crl.pem, re-signed,
 * replaced with a rename.  Returns the exit status. */
int kyoyu_revoke_operator(const char *ca_dir, const char *cert);

#endif
