/* SPDX-License-Identifier: MIT */
/* kyoyu-agent --make-cert DIR: a self-signed certificate for a viewer, and
 * the pin that sharers put in their configuration to trust exactly it.
 * And a desk's CA (docs/relay.md): --make-ca DIR, --issue-operator CA_DIR
 * OUT_DIR, --revoke-operator CA_DIR CERT. */
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
#define CA_KEY_NAME "ca-key.pem"
#define CA_CERT_NAME "ca.pem"
#define CRL_NAME "crl.pem"
#define CRL_DAYS 3650

/* The option being run, for every message. */
static const char *doing = "--make-cert";

static void fail(const char *what)
{
	unsigned long e = ERR_get_error();
	fprintf(stderr, "kyoyu-agent: %s: %s%s%s\n", doing, what, e ? ": " : "",
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
		fprintf(stderr, "kyoyu-agent: %s: %s is not valid UTF-8\n", doing, what);
	else if (chars == 0 || chars > MAX_NAME_CHARS)
		fprintf(stderr, "kyoyu-agent: %s: %s must be 1 to %d characters, "
			"not %ld\n", doing, what, MAX_NAME_CHARS, chars);
	else if (control)
		fprintf(stderr, "kyoyu-agent: %s: %s must not contain control "
			"characters (tabs, new lines)\n", doing, what);
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
		fprintf(stderr, "kyoyu-agent: %s: cannot create %s: %s%s\n", doing, path,
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

/* Writes KEY (0600) then CERT (0644); on a failure neither is left. */
static bool write_key_and_cert(const char *key_path, EVP_PKEY *key, const char *cert_path,
			       X509 *cert)
{
	if (!write_pem(key_path, 0600, key, NULL))
		return false;
	if (!write_pem(cert_path, 0644, NULL, cert)) {
		unlink(key_path);
		return false;
	}
	return true;
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
	if (!write_key_and_cert(key_path, key, cert_path, cert))
		goto out_free;
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

/* DIR/NAME into OUT; false (said) when too long. */
static bool path_in(char out[PATH_MAX], const char *dir, const char *name)
{
	if (snprintf(out, PATH_MAX, "%s/%s", dir, name) < PATH_MAX)
		return true;
	fprintf(stderr, "kyoyu-agent: %s: %s: path too long\n", doing, dir);
	return false;
}

static X509 *read_cert(const char *path)
{
	FILE *f = fopen(path, "re");
	X509 *cert = f ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;

	if (f)
		fclose(f);
	if (!cert)
		fprintf(stderr, "kyoyu-agent: %s: cannot read the certificate %s%s\n", doing,
			path, f ? " (not PEM)" : "");
	ERR_clear_error();
	return cert;
}

/* The desk CA of CA_DIR: its certificate and key, or false (said). */
static bool read_ca(const char *ca_dir, X509 **ca, EVP_PKEY **key)
{
	char path[PATH_MAX];
	FILE *f;

	*key = NULL;
	if (!path_in(path, ca_dir, CA_CERT_NAME) || !(*ca = read_cert(path)))
		return false;
	if (!path_in(path, ca_dir, CA_KEY_NAME))
		goto out_free;
	f = fopen(path, "re");
	*key = f ? PEM_read_PrivateKey(f, NULL, NULL, NULL) : NULL;
	if (f)
		fclose(f);
	if (*key && X509_check_private_key(*ca, *key) == 1)
		return true;
	fprintf(stderr, "kyoyu-agent: %s: cannot use the CA's key %s (made by --make-ca, "
		"mode 0600, readable by you?)\n", doing, path);
out_free:
	ERR_clear_error();
	EVP_PKEY_free(*key);
	X509_free(*ca);
	return false;
}

/* The organisation (O) in NAME, or NULL. */
static char *org_of(X509_NAME *name)
{
	int i = X509_NAME_get_index_by_NID(name, NID_organizationName, -1);
	unsigned char *utf8 = NULL;

	if (i < 0 ||
	    ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i))) < 0)
		return NULL;
	return (char *)utf8;
}

/* A CRL signed by CA listing REVOKED's entries (NULL: none) and SERIAL (NULL:
 * none more), valid CRL_DAYS. */
static X509_CRL *make_crl(X509 *ca, EVP_PKEY *key, X509_CRL *revoked,
			  const ASN1_INTEGER *serial)
{
	X509_CRL *crl = X509_CRL_new();
	ASN1_TIME *now = ASN1_TIME_set(NULL, time(NULL));
	ASN1_TIME *next = X509_time_adj_ex(NULL, CRL_DAYS, 0, NULL);
	STACK_OF(X509_REVOKED) *old = revoked ? X509_CRL_get_REVOKED(revoked) : NULL;
	bool ok = crl && now && next && X509_CRL_set_version(crl, 1) &&
		  X509_CRL_set_issuer_name(crl, X509_get_subject_name(ca)) &&
		  X509_CRL_set1_lastUpdate(crl, now) && X509_CRL_set1_nextUpdate(crl, next);

	for (int i = 0; ok && i < sk_X509_REVOKED_num(old); i++)
		ok = X509_CRL_add0_revoked(crl, X509_REVOKED_dup(sk_X509_REVOKED_value(old, i)));
	if (ok && serial) {
		X509_REVOKED *r = X509_REVOKED_new();
		ok = r && X509_REVOKED_set_serialNumber(r, (ASN1_INTEGER *)serial) &&
		     X509_REVOKED_set_revocationDate(r, now) && X509_CRL_add0_revoked(crl, r);
		if (!ok)
			X509_REVOKED_free(r);
	}
	ok = ok && X509_CRL_sort(crl) && X509_CRL_sign(crl, key, EVP_sha256());
	ASN1_TIME_free(now);
	ASN1_TIME_free(next);
	if (!ok) {
		X509_CRL_free(crl);
		return NULL;
	}
	return crl;
}

/* Writes CRL to CA_DIR/crl.pem through a temporary file and a rename, so
 * that a relay reading it meets the old list or the new one. */
static bool write_crl(const char *ca_dir, X509_CRL *crl)
{
	char path[PATH_MAX], tmp[PATH_MAX];

	if (!path_in(path, ca_dir, CRL_NAME) || !path_in(tmp, ca_dir, CRL_NAME ".new"))
		return false;
	unlink(tmp);
	FILE *f = create(tmp, 0644);
	if (!f)
		return false;
	bool ok = PEM_write_X509_CRL(f, crl);
	ok = fclose(f) == 0 && ok && rename(tmp, path) == 0;
	if (!ok) {
		fail("cannot write the revocation list");
		unlink(tmp);
	}
	return ok;
}

int kyoyu_make_ca(const char *dir, const char *org)
{
	char key_path[PATH_MAX], cert_path[PATH_MAX], crl_path[PATH_MAX];
	EVP_PKEY *key = NULL;
	X509 *ca = NULL;
	X509_CRL *crl = NULL;
	int status = 1;

	doing = "--make-ca";
	if (!org) {
		fprintf(stderr, "kyoyu-agent: --make-ca needs --org NAME: the desk's name, "
			"which customers are shown beside each operator's\n");
		return 1;
	}
	if (!shown_text_ok("--org", org))
		return 1;
	if (make_dirs(dir) != 0) {
		fprintf(stderr, "kyoyu-agent: --make-ca: cannot create %s: %s\n", dir,
			strerror(errno));
		return 1;
	}
	if (!path_in(key_path, dir, CA_KEY_NAME) || !path_in(cert_path, dir, CA_CERT_NAME) ||
	    !path_in(crl_path, dir, CRL_NAME))
		return 1;
	key = make_key();
	ca = key ? X509_new() : NULL;
	X509_NAME *name = ca ? X509_get_subject_name(ca) : NULL;
	if (!name || !X509_set_version(ca, 2) || set_serial(ca) ||
	    !X509_gmtime_adj(X509_getm_notBefore(ca), -3600) ||
	    !X509_time_adj_ex(X509_getm_notAfter(ca), VALID_DAYS, 0, NULL) ||
	    !X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, (const unsigned char *)org,
					-1, -1, 0) ||
	    !X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)org,
					-1, -1, 0) ||
	    !X509_set_issuer_name(ca, name) || !X509_set_pubkey(ca, key) ||
	    add_ext(ca, NID_basic_constraints, "critical,CA:TRUE,pathlen:0") ||
	    add_ext(ca, NID_key_usage, "critical,keyCertSign,cRLSign") ||
	    add_ext(ca, NID_subject_key_identifier, "hash") ||
	    !X509_sign(ca, key, EVP_sha256()) || !(crl = make_crl(ca, key, NULL, NULL))) {
		fail("cannot make the CA");
		goto out_free;
	}
	if (!write_key_and_cert(key_path, key, cert_path, ca))
		goto out_free;
	if (!write_crl(dir, crl)) {
		unlink(key_path);
		unlink(cert_path);
		goto out_free;
	}
	printf("Wrote the desk CA of \"%s\": %s (secret: keep it off the relay and the\n"
	       "operators' machines, mode 0600), %s and %s (revoked operators, none yet).\n\n"
	       "Each operator's certificate:\n"
	       "  kyoyu-agent --issue-operator %s OUT_DIR --name \"NAME\"\n\n"
	       "The relay's configuration:\n"
	       "  relay = { ca = \"%s\"; crl = \"%s\"; };\n\n"
	       "Every customer's sharer (it then shows only operators this CA vouches for):\n"
	       "  transport = { ca_file = \"%s\"; };\n",
	       org, key_path, cert_path, crl_path, dir, cert_path, crl_path, cert_path);
	status = 0;
out_free:
	X509_CRL_free(crl);
	X509_free(ca);
	EVP_PKEY_free(key);
	return status;
}

int kyoyu_issue_operator(const char *ca_dir, const char *out_dir, const char *person)
{
	char key_path[PATH_MAX], cert_path[PATH_MAX];
	EVP_PKEY *ca_key = NULL, *key = NULL;
	X509 *ca = NULL, *cert = NULL;
	char *org = NULL;
	int status = 1;

	doing = "--issue-operator";
	if (!person) {
		fprintf(stderr, "kyoyu-agent: --issue-operator needs --name NAME: the operator "
			"as customers are shown them\n");
		return 1;
	}
	if (!shown_text_ok("--name", person) || !read_ca(ca_dir, &ca, &ca_key))
		return 1;
	org = org_of(X509_get_subject_name(ca));
	if (!org) {
		fprintf(stderr, "kyoyu-agent: --issue-operator: the CA in %s names no "
			"organisation (was it made by --make-ca?)\n", ca_dir);
		goto out_free;
	}
	if (make_dirs(out_dir) != 0) {
		fprintf(stderr, "kyoyu-agent: --issue-operator: cannot create %s: %s\n", out_dir,
			strerror(errno));
		goto out_free;
	}
	if (!path_in(key_path, out_dir, KEY_NAME) || !path_in(cert_path, out_dir, CERT_NAME))
		goto out_free;
	key = make_key();
	cert = key ? X509_new() : NULL;
	X509_NAME *name = cert ? X509_get_subject_name(cert) : NULL;
	X509V3_CTX v3;
	/* Operators leave: a year, and --revoke-operator before then. */
	if (!name || !X509_set_version(cert, 2) || set_serial(cert) ||
	    !X509_gmtime_adj(X509_getm_notBefore(cert), -3600) ||
	    !X509_time_adj_ex(X509_getm_notAfter(cert), 365, 0, NULL) ||
	    !X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, (const unsigned char *)org,
					-1, -1, 0) ||
	    !X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
					(const unsigned char *)person, -1, -1, 0) ||
	    !X509_set_issuer_name(cert, X509_get_subject_name(ca)) ||
	    !X509_set_pubkey(cert, key) ||
	    add_ext(cert, NID_basic_constraints, "critical,CA:FALSE") ||
	    add_ext(cert, NID_key_usage, "critical,digitalSignature") ||
	    /* A server to the customer's sharer, a client to the relay. */
	    add_ext(cert, NID_ext_key_usage, "serverAuth,clientAuth") ||
	    add_ext(cert, NID_subject_key_identifier, "hash")) {
		fail("cannot make the operator's certificate");
		goto out_free;
	}
	X509V3_set_ctx(&v3, ca, cert, NULL, NULL, 0);
	X509_EXTENSION *aki = X509V3_EXT_conf_nid(NULL, &v3, NID_authority_key_identifier,
						  "keyid:always");
	bool ok = aki && X509_add_ext(cert, aki, -1) && X509_sign(cert, ca_key, EVP_sha256());
	X509_EXTENSION_free(aki);
	if (!ok) {
		fail("cannot sign the operator's certificate");
		goto out_free;
	}
	if (!write_key_and_cert(key_path, key, cert_path, cert))
		goto out_free;
	printf("Wrote %s (secret: keep it on the operator's machine, mode 0600) and %s,\n"
	       "valid for a year. Customers are shown: %s (%s).\n\n"
	       "The operator's viewer:\n"
	       "  transport = { relay = \"RELAY:7448\"; relay_pin = \"...\";\n"
	       "                cert = \"%s\"; key = \"%s\"; };\n\n"
	       "When the operator leaves: kyoyu-agent --revoke-operator %s %s\n",
	       key_path, cert_path, person, org, cert_path, key_path, ca_dir, cert_path);
	status = 0;
out_free:
	OPENSSL_free(org);
	X509_free(cert);
	X509_free(ca);
	EVP_PKEY_free(key);
	EVP_PKEY_free(ca_key);
	return status;
}

int kyoyu_revoke_operator(const char *ca_dir, const char *cert_path)
{
	char crl_path[PATH_MAX];
	EVP_PKEY *ca_key = NULL;
	X509 *ca = NULL, *cert = NULL;
	X509_CRL *old = NULL, *crl = NULL;
	X509_REVOKED *already = NULL;
	int status = 1;

	doing = "--revoke-operator";
	if (!read_ca(ca_dir, &ca, &ca_key))
		return 1;
	if (!(cert = read_cert(cert_path)) || !path_in(crl_path, ca_dir, CRL_NAME))
		goto out_free;
	if (X509_verify(cert, ca_key) != 1) {
		fprintf(stderr, "kyoyu-agent: --revoke-operator: %s was not issued by the CA in "
			"%s: nothing to revoke there\n", cert_path, ca_dir);
		goto out_free;
	}
	FILE *f = fopen(crl_path, "re");
	old = f ? PEM_read_X509_CRL(f, NULL, NULL, NULL) : NULL;
	if (f)
		fclose(f);
	if (f && (!old || X509_CRL_verify(old, ca_key) != 1)) {
		fprintf(stderr, "kyoyu-agent: --revoke-operator: %s is not a revocation list "
			"this CA signed; move it away to start a new one\n", crl_path);
		goto out_free;
	}
	if (old && X509_CRL_get0_by_serial(old, &already, X509_get_serialNumber(cert)) == 1) {
		printf("%s was already revoked in %s.\n", cert_path, crl_path);
		status = 0;
		goto out_free;
	}
	crl = make_crl(ca, ca_key, old, X509_get_serialNumber(cert));
	if (!crl) {
		fail("cannot make the revocation list");
		goto out_free;
	}
	if (!write_crl(ca_dir, crl))
		goto out_free;
	printf("Revoked %s: %s now lists %d operator(s).\n"
	       "Copy it to every relay node (relay.crl): each reads it again when it changes,\n"
	       "and a revoked operator gets no code from then on.\n",
	       cert_path, crl_path, sk_X509_REVOKED_num(X509_CRL_get_REVOKED(crl)));
	status = 0;
out_free:
	ERR_clear_error();
	X509_CRL_free(crl);
	X509_CRL_free(old);
	X509_free(cert);
	X509_free(ca);
	EVP_PKEY_free(ca_key);
	return status;
}
