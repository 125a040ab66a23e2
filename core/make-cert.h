/* SPDX-License-Identifier: MIT */
/* kyoyu-agent --make-cert DIR. */
#ifndef KYOYU_CORE_MAKE_CERT_H
#define KYOYU_CORE_MAKE_CERT_H

/* Writes DIR/viewer-key.pem (0600) and DIR/viewer-cert.pem, a self-signed
 * P-256 certificate whose subject names ORG (O, default "kyoyu viewer")
 * and NAME (CN, default the host name): what the customer is shown, once
 * the pin or a CA verified it.  Both are UTF-8 of at most 64 characters.
 * Prints the configuration lines for the viewer and the pin for sharers.
 * Never overwrites a file.  Returns the exit status. */
int kyoyu_make_cert(const char *dir, const char *org, const char *name);

#endif
