/* SPDX-License-Identifier: MIT */
/* kyoyu-agent --make-cert DIR: a self-signed certificate for a viewer, and
 * the pin that sharers put in their configuration to trust exactly it. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "make-cert.h"
#include "utf8.h"

#define VALID_DAYS (10 * 365)
/* RFC 5280's upper bounds for CN and O, and what the customer's window
 * shows. */
#define MAX_NAME_CHARS 64
#define KEY_NAME "viewer-key.pem"
#define CERT_NAME "viewer-cert.pem"

static void fail(const char *what)
{
	unsigned long e = ERR_get_error();
	fprintf(stderr, "kyoyu-agent: --make-cert: %s%s%s\n", what, e ? ": " : "",
		e ? ERR_reason_error_string(e) : "");
	ERR_clear_error();
}

static EVP_PKEY *make_key(void)
{
	EVP_PKEY *key = NULL;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_EC, NULL);

	if (!ctx || EVP_PKEY_keygen_init(ctx) <= 0 ||
	    EVP_PKEY_CTX_set_ec_paramgen_curve_nid(ctx, NID_X9_62_prime256v1) <= 0 ||
	    EVP_PKEY_keygen(ctx, &key) <= 0)
		key = NULL;
	EVP_PKEY_CTX_free(ctx);
	return key;
}

static int add_ext(X509 *cert, int nid, const char *value)
{
	X509V3_CTX v3;
	X509V3_set_ctx_nodb(&v3);
	X509V3_set_ctx(&v3, cert, cert, NULL, NULL, 0);
	X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &v3, nid, value);
	int ok = ext && X509_add_ext(cert, ext, -1);
	X509_EXTENSION_free(ext);
	return ok ? 0 : -EINVAL;
}

/* A random 127-bit serial, as RFC 5280 asks (positive, at most 20 bytes). */
static int set_serial(X509 *cert)
{
	unsigned char raw[16];
	BIGNUM *bn = NULL;
	int ret = -EIO;

	if (RAND_bytes(raw, sizeof(raw)) == 1) {
		raw[0] &= 0x7f;
		bn = BN_bin2bn(raw, sizeof(raw), NULL);
		if (bn && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert)))
			ret = 0;
	}
	BN_free(bn);
	return ret;
}

/* True when TEXT is UTF-8 of 1..MAX_NAME_CHARS characters without control
 * characters (C0, DEL, C1): it is shown to people. */
static bool shown_text_ok(const char *what, const char *text)
{
	long chars = kyoyu_utf8_chars(text);
	const unsigned char *s = (const unsigned char *)text;
	bool control = false;

	for (size_t i = 0; s[i]; i++)
		if (s[i] < 0x20 || s[i] == 0x7f || (s[i] == 0xc2 && s[i + 1] >= 0x80 &&
						    s[i + 1] <= 0x9f))
			control = true;
	if (chars < 0)
		fprintf(stderr, "kyoyu-agent: --make-cert: %s is not valid UTF-8\n", what);
	else if (chars == 0 || chars > MAX_NAME_CHARS)
		fprintf(stderr, "kyoyu-agent: --make-cert: %s must be 1 to %d characters, "
			"not %ld\n", what, MAX_NAME_CHARS, chars);
	else if (control)
		fprintf(stderr, "kyoyu-agent: --make-cert: %s must not contain control "
			"characters (tabs, new lines)\n", what);
	return chars > 0 && chars <= MAX_NAME_CHARS && !control;
}

static X509 *make_cert(EVP_PKEY *key, const char *host, const char *org,
		       const char *person)
{
	X509 *cert = X509_new();
	char san[512];

	if (!cert)
		return NULL;
	snprintf(san, sizeof(san), "DNS:%s,DNS:localhost,IP:127.0.0.1,IP:::1", host);
	X509_NAME *name = X509_get_subject_name(cert);
	if (!X509_set_version(cert, 2) || set_serial(cert) ||
	    !X509_gmtime_adj(X509_getm_notBefore(cert), -3600) ||
	    !X509_time_adj_ex(X509_getm_notAfter(cert), VALID_DAYS, 0, NULL) ||
	    !X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
					(const unsigned char *)org, -1, -1, 0) ||
	    !X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
					(const unsigned char *)person, -1, -1, 0) ||
	    !X509_set_issuer_name(cert, name) || !X509_set_pubkey(cert, key) ||
	    add_ext(cert, NID_subject_alt_name, san) ||
	    add_ext(cert, NID_key_usage, "critical,digitalSignature") ||
	    add_ext(cert, NID_ext_key_usage, "serverAuth") ||
	    add_ext(cert, NID_subject_key_identifier, "hash") ||
	    !X509_sign(cert, key, EVP_sha256())) {
		X509_free(cert);
		return NULL;
	}
	return cert;
}

/* Creates PATH with MODE, refusing to replace an existing file. */
static FILE *create(const char *path, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);

	if (fd < 0) {
		fprintf(stderr, "kyoyu-agent: --make-cert: cannot create %s: %s%s\n", path,
			strerror(errno), errno == EEXIST ? " (remove the old files first)" : "");
		return NULL;
	}
	FILE *f = fdopen(fd, "w");
	if (!f)
		close(fd);
	return f;
}

static bool write_pem(const char *path, mode_t mode, EVP_PKEY *key, X509 *cert)
{
	FILE *f = create(path, mode);

	if (!f)
		return false;
	bool ok = key ? PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL)
		      : PEM_write_X509(f, cert);
	ok = fclose(f) == 0 && ok;
	if (!ok) {
		fail("cannot write the file");
		unlink(path);
	}
	return ok;
}

/* "sha256//" and the base64 of the SHA-256 of the SubjectPublicKeyInfo. */
static bool pin_of(EVP_PKEY *key, char out[64])
{
	unsigned char *der = NULL, digest[32];
	int len = i2d_PUBKEY(key, &der);
	bool ok = len > 0 && EVP_Digest(der, (size_t)len, digest, NULL, EVP_sha256(), NULL);

	OPENSSL_free(der);
	if (ok) {
		memcpy(out, "sha256//", 8);
		EVP_EncodeBlock((unsigned char *)out + 8, digest, sizeof(digest));
	}
	return ok;
}

/* mkdir -p DIR: every missing folder on the way is made 0700 (the key's
 * folder and what leads to it, e.g. /etc/kyoyu on a fresh machine); folders
 * that exist keep their mode.  Returns 0 or -1 with errno set. */
static int make_dirs(const char *dir)
{
	char path[PATH_MAX];
	size_t len = strlen(dir);

	if (len == 0 || len >= sizeof(path)) {
		errno = len ? ENAMETOOLONG : ENOENT;
		return -1;
	}
	memcpy(path, dir, len + 1);
	for (char *p = path + 1; ; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char was = *p;
		*p = '\0';
		if (mkdir(path, 0700) != 0 && errno != EEXIST)
			return -1;
		*p = was;
		if (was == '\0')
			return 0;
	}
}

int kyoyu_make_cert(const char *dir, const char *org, const char *name)
{
	char host[HOST_NAME_MAX + 1] = "localhost";
	char key_path[PATH_MAX], cert_path[PATH_MAX], pin[64];
	int status = 1;

	if ((org && !shown_text_ok("--org", org)) || (name && !shown_text_ok("--name", name)))
		return 1;

	if (make_dirs(dir) != 0) {
		fprintf(stderr, "kyoyu-agent: --make-cert: cannot create %s: %s\n", dir,
			strerror(errno));
		return 1;
	}
	if (snprintf(key_path, sizeof(key_path), "%s/%s", dir, KEY_NAME) >= (int)sizeof(key_path) ||
	    snprintf(cert_path, sizeof(cert_path), "%s/%s", dir, CERT_NAME) >=
		    (int)sizeof(cert_path)) {
		fprintf(stderr, "kyoyu-agent: --make-cert: %s: path too long\n", dir);
		return 1;
	}
	if (gethostname(host, sizeof(host) - 1) != 0 || !host[0])
		snprintf(host, sizeof(host), "localhost");
	EVP_PKEY *key = make_key();
	if (!org)
		org = "kyoyu viewer";
	if (!name)
		name = host;
	X509 *cert = key ? make_cert(key, host, org, name) : NULL;
	if (!cert || !pin_of(key, pin)) {
		fail("cannot make the key and certificate");
		goto out_free;
	}
	if (!write_pem(key_path, 0600, key, NULL))
		goto out_free;
	if (!write_pem(cert_path, 0644, NULL, cert)) {
		unlink(key_path);
		goto out_free;
	}
	printf("Wrote %s (secret: keep it on the viewer, mode 0600) and %s,\n"
	       "valid for %d years for \"%s\", localhost, 127.0.0.1 and ::1.\n"
	       "Customers are shown: %s (%s).\n\n"
	       "The viewer's configuration:\n"
	       "  transport = { cert = \"%s\"; key = \"%s\"; };\n\n"
	       "Every sharer's configuration (it then trusts exactly this viewer):\n"
	       "  transport = { host = \"%s\"; pin = \"%s\"; };\n",
	       key_path, cert_path, VALID_DAYS / 365, host, name, org, cert_path, key_path,
	       host, pin);
	status = 0;
out_free:
	X509_free(cert);
	EVP_PKEY_free(key);
	return status;
}
