/* SPDX-License-Identifier: MIT */
/* The desk's revocation list, read again when it changes. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/err.h>
#include <openssl/pem.h>

#define KYOYU_LOG_COMPONENT "relay"
#include <kyoyu/kyoyu.h>

#include "crl.h"

struct relay_crl {
	char *path;
	EVP_PKEY *ca_key; /* signs the list */
	X509_CRL *list;
	struct stat seen; /* the file as last read (or tried) */
};

static bool same_file(const struct stat *a, const struct stat *b)
{
	return a->st_ino == b->st_ino && a->st_dev == b->st_dev && a->st_size == b->st_size &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

/* Reads the file; NULL with WHY when it does not read or verify. */
static X509_CRL *load(relay_crl *c, const char **why)
{
	FILE *f = fopen(c->path, "re");
	X509_CRL *list = f ? PEM_read_X509_CRL(f, NULL, NULL, NULL) : NULL;

	if (f)
		fclose(f);
	*why = !f ? "cannot open it" : !list ? "not a PEM revocation list" : NULL;
	if (list && X509_CRL_verify(list, c->ca_key) != 1) {
		*why = "the desk CA (relay.ca) did not sign it";
		X509_CRL_free(list);
		list = NULL;
	}
	ERR_clear_error();
	return list;
}

relay_crl *relay_crl_open(const char *path, const char *ca_path, char *err, size_t errlen)
{
	relay_crl *c = calloc(1, sizeof(*c));
	FILE *f = fopen(ca_path, "re");
	X509 *ca = f ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;
	const char *why;

	if (f)
		fclose(f);
	if (!c || !ca || !(c->path = strdup(path)) || !(c->ca_key = X509_get_pubkey(ca))) {
		snprintf(err, errlen, "cannot check relay.crl against relay.ca \"%s\"", ca_path);
		goto out_free;
	}
	stat(path, &c->seen);
	if (!(c->list = load(c, &why))) {
		snprintf(err, errlen, "relay.crl \"%s\": %s (kyoyu-agent --make-ca writes it "
			 "beside the CA, --revoke-operator adds to it)", path, why);
		goto out_free;
	}
	X509_free(ca);
	return c;

out_free:
	ERR_clear_error();
	X509_free(ca);
	relay_crl_free(c);
	return NULL;
}

void relay_crl_free(relay_crl *c)
{
	if (!c)
		return;
	X509_CRL_free(c->list);
	EVP_PKEY_free(c->ca_key);
	free(c->path);
	free(c);
}

bool relay_crl_revoked(relay_crl *c, X509 *cert)
{
	struct stat now;
	X509_REVOKED *entry;
	const char *why;

	if (stat(c->path, &now) == 0 && !same_file(&now, &c->seen)) {
		c->seen = now;
		X509_CRL *list = load(c, &why);
		if (list) {
			X509_CRL_free(c->list);
			c->list = list;
			kyoyu_info("relay.crl read again: %d operator(s) revoked",
				   sk_X509_REVOKED_num(X509_CRL_get_REVOKED(list)));
		} else {
			kyoyu_error("relay.crl \"%s\" changed but %s: the previous list stays in "
				    "force until it is fixed", c->path, why);
		}
	}
	return X509_CRL_get0_by_cert(c->list, &entry, cert) == 1;
}
