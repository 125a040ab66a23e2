/* SPDX-License-Identifier: MIT */
/* TLS 1.3 contexts and the stream layer over OpenSSL. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#define KYOYU_LOG_COMPONENT "transport/tls"
#include <kyoyu/kyoyu.h>

#include "../../common/seterr.h"
#include "proto/net.h"
#include "tls.h"

/* Mozilla's "modern" profile: TLS 1.3 and its three suites. */
#define CIPHERSUITES "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256"
#define GROUPS "X25519:P-256:P-384"
#define PIN_SIZE 32

struct kt_tls {
	SSL_CTX *ctx;
	bool server;
	bool have_pin, have_ca;
	uint8_t pin[PIN_SIZE];
	char host[256];   /* "": no name to check (an operator behind a relay) */
	const char *peer; /* who the client checks, for messages */
	const char *pin_key;
};

typedef struct tls_stream {
	kt_tls *tls;
	SSL *ssl;
	bool handshake_done;
	bool refused_peer; /* the peer's certificate was not the expected one */
	bool pin_mismatch; /* ...because its key is not the pinned one */
	char seen_pin[KT_TLS_PIN_TEXT_SIZE];
	char error[512];
} tls_stream;

/* The newest OpenSSL error as text, or WHAT when there is none. */
static const char *ssl_reason(const char *what)
{
	unsigned long e = ERR_peek_last_error();
	const char *r = e ? ERR_reason_error_string(e) : NULL;
	return r ? r : what;
}

static int restrict_to_tls13(SSL_CTX *ctx)
{
	if (!SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) ||
	    !SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION) ||
	    !SSL_CTX_set_ciphersuites(ctx, CIPHERSUITES) ||
	    !SSL_CTX_set1_groups_list(ctx, GROUPS))
		return -EINVAL;
	SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_TICKET);
	return 0;
}

int kt_tls_new_server(const char *cert, const char *key, kt_tls **out, char *err,
		      size_t errlen)
{
	kt_tls *t = calloc(1, sizeof(*t));
	struct stat st;

	*out = NULL;
	if (!t)
		return -ENOMEM;
	t->server = true;
	t->ctx = SSL_CTX_new(TLS_server_method());
	if (!t->ctx || restrict_to_tls13(t->ctx)) {
		seterr(err, errlen, "cannot set up TLS 1.3: %s", ssl_reason("unknown error"));
		goto out_free;
	}
	/* Tickets would only add bytes: a sharer never resumes a TLS session. */
	SSL_CTX_set_num_tickets(t->ctx, 0);
	if (SSL_CTX_use_certificate_chain_file(t->ctx, cert) != 1) {
		seterr(err, errlen, "cannot read the certificate transport.cert = \"%s\": %s "
		       "(make one with kyoyu-agent --make-cert DIR)", cert,
		       ssl_reason("not a PEM certificate"));
		goto out_free;
	}
	if (SSL_CTX_use_PrivateKey_file(t->ctx, key, SSL_FILETYPE_PEM) != 1) {
		seterr(err, errlen, "cannot read the key transport.key = \"%s\": %s", key,
		       ssl_reason("not a PEM private key"));
		goto out_free;
	}
	if (SSL_CTX_check_private_key(t->ctx) != 1) {
		seterr(err, errlen, "transport.key \"%s\" is not the key of transport.cert "
		       "\"%s\"", key, cert);
		goto out_free;
	}
	if (stat(key, &st) == 0 && (st.st_mode & 077))
		kyoyu_warn("the private key %s can be read by other users: chmod 600 it",
			   key);
	*out = t;
	return 0;

out_free:
	ERR_clear_error();
	kt_tls_free(t);
	return -EINVAL;
}

/* Reads "sha256//" and the base64 of 32 bytes. */
static bool parse_pin(const char *text, uint8_t pin[PIN_SIZE])
{
	size_t prefix = strlen(KT_TLS_PIN_PREFIX);
	uint8_t raw[PIN_SIZE + 3];

	if (strncmp(text, KT_TLS_PIN_PREFIX, prefix) != 0)
		return false;
	text += prefix;
	/* 32 bytes are 44 characters of base64 ending in one '='. */
	if (strlen(text) != 44 || text[43] != '=' || text[42] == '=')
		return false;
	if (EVP_DecodeBlock(raw, (const unsigned char *)text, 44) != PIN_SIZE + 1)
		return false;
	memcpy(pin, raw, PIN_SIZE);
	return true;
}

/* SHA-256 of the certificate's SubjectPublicKeyInfo (as curl and HPKP). */
static bool pin_of(X509 *cert, uint8_t pin[PIN_SIZE])
{
	unsigned char *der = NULL;
	int len = i2d_PUBKEY(X509_get0_pubkey(cert), &der);
	bool ok = len > 0 && EVP_Digest(der, (size_t)len, pin, NULL, EVP_sha256(), NULL);

	OPENSSL_free(der);
	return ok;
}

static void pin_text(const uint8_t pin[PIN_SIZE], char out[KT_TLS_PIN_TEXT_SIZE])
{
	size_t prefix = strlen(KT_TLS_PIN_PREFIX);

	memcpy(out, KT_TLS_PIN_PREFIX, prefix);
	EVP_EncodeBlock((unsigned char *)out + prefix, pin, PIN_SIZE);
}

/* Decides on the viewer's certificate.  With a pin, the leaf's key must
 * match it; with a CA file, OpenSSL's own chain and host name checks must
 * pass too; with only a pin, the pin alone is the identity (like an SSH
 * host key), so chain errors of a self-signed certificate are accepted. */
static int verify_viewer(int preverify_ok, X509_STORE_CTX *store)
{
	SSL *ssl = X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx());
	tls_stream *s = SSL_get_app_data(ssl);
	const kt_tls *t = s->tls;

	if (X509_STORE_CTX_get_error_depth(store) == 0 && t->have_pin) {
		uint8_t pin[PIN_SIZE];
		X509 *cert = X509_STORE_CTX_get_current_cert(store);
		if (!cert || !pin_of(cert, pin)) {
			s->refused_peer = true;
			return 0;
		}
		pin_text(pin, s->seen_pin);
		if (CRYPTO_memcmp(pin, t->pin, PIN_SIZE) != 0) {
			s->refused_peer = true;
			s->pin_mismatch = true;
			/* OpenSSL answers this error with the bad_certificate
			 * alert docs/protocol.md promises (its own
			 * APPLICATION_VERIFICATION would be handshake_failure). */
			X509_STORE_CTX_set_error(store, X509_V_ERR_CERT_REJECTED);
			return 0;
		}
	}
	if (!t->have_ca)
		return 1;
	if (!preverify_ok)
		s->refused_peer = true;
	return preverify_ok;
}

int kt_tls_new_client(const char *ca_file, const char *pin, const char *host,
		      kt_tls **out, char *err, size_t errlen)
{
	kt_tls *t = calloc(1, sizeof(*t));

	*out = NULL;
	if (!t)
		return -ENOMEM;
	if ((!pin || !*pin) && (!ca_file || !*ca_file)) {
		seterr(err, errlen, "the sharer needs transport.pin (printed by kyoyu-agent "
		       "--make-cert on the viewer) or transport.ca_file to know it talks "
		       "to the right viewer");
		goto out_free;
	}
	if (pin && *pin) {
		if (!parse_pin(pin, t->pin)) {
			seterr(err, errlen, "transport.pin \"%s\" is not of the form "
			       "sha256//<44 characters of base64>", pin);
			goto out_free;
		}
		t->have_pin = true;
	}
	snprintf(t->host, sizeof(t->host), "%s", host ? host : "");
	t->peer = "viewer";
	t->pin_key = "transport.pin";
	t->ctx = SSL_CTX_new(TLS_client_method());
	if (!t->ctx || restrict_to_tls13(t->ctx)) {
		seterr(err, errlen, "cannot set up TLS 1.3: %s", ssl_reason("unknown error"));
		goto out_free;
	}
	if (ca_file && *ca_file) {
		if (SSL_CTX_load_verify_locations(t->ctx, ca_file, NULL) != 1) {
			seterr(err, errlen, "cannot read transport.ca_file \"%s\": %s", ca_file,
			       ssl_reason("not a PEM certificate"));
			goto out_free;
		}
		t->have_ca = true;
	}
	SSL_CTX_set_verify(t->ctx, SSL_VERIFY_PEER, verify_viewer);
	*out = t;
	return 0;

out_free:
	ERR_clear_error();
	kt_tls_free(t);
	return -EINVAL;
}

void kt_tls_name_peer(kt_tls *t, const char *peer, const char *pin_key)
{
	t->peer = peer;
	t->pin_key = pin_key;
}

int kt_tls_use_identity(kt_tls *t, const char *cert, const char *key, char *err,
			size_t errlen)
{
	if (SSL_CTX_use_certificate_chain_file(t->ctx, cert) != 1 ||
	    SSL_CTX_use_PrivateKey_file(t->ctx, key, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(t->ctx) != 1) {
		seterr(err, errlen, "cannot use transport.cert \"%s\" and transport.key "
		       "\"%s\" as the operator's certificate at the relay: %s", cert, key,
		       ssl_reason("not a matching PEM certificate and key"));
		ERR_clear_error();
		return -EINVAL;
	}
	return 0;
}

void kt_tls_free(kt_tls *t)
{
	if (!t)
		return;
	SSL_CTX_free(t->ctx);
	free(t);
}

/* The host name to check and to send as SNI: an address is checked as an
 * address and not sent. */
static int expect_host(SSL *ssl, const char *host, bool check)
{
	unsigned char addr[16];
	bool is_ip = inet_pton(AF_INET, host, addr) == 1 || inet_pton(AF_INET6, host, addr) == 1;

	if (!is_ip && SSL_set_tlsext_host_name(ssl, host) != 1)
		return -EINVAL;
	if (!check)
		return 0;
	X509_VERIFY_PARAM *param = SSL_get0_param(ssl);
	X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
	if (is_ip)
		return X509_VERIFY_PARAM_set1_ip_asc(param, host) == 1 ? 0 : -EINVAL;
	return SSL_set1_host(ssl, host) == 1 ? 0 : -EINVAL;
}

/* A stream over FD, or when FD < 0 over the stream OUTER. */
static void *wrap(kt_tls *t, int fd, tls_stream *outer)
{
	tls_stream *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->tls = t;
	s->ssl = SSL_new(t->ctx);
	if (!s->ssl)
		goto out_free;
	if (outer) {
		/* The inner session's records go through the outer session
		 * (BIO_f_ssl): its retries become the inner's WANT_READ and
		 * WANT_WRITE.  The inner one retries a record it could not
		 * write from its own buffer, hence the moving-buffer mode. */
		BIO *bio = BIO_new(BIO_f_ssl());
		if (!bio)
			goto out_free;
		SSL_set_mode(outer->ssl, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
		BIO_set_ssl(bio, outer->ssl, BIO_NOCLOSE);
		SSL_set_bio(s->ssl, bio, bio);
	} else if (SSL_set_fd(s->ssl, fd) != 1) {
		goto out_free;
	}
	SSL_set_app_data(s->ssl, s);
	if (t->server) {
		SSL_set_accept_state(s->ssl);
	} else {
		if (t->host[0] && expect_host(s->ssl, t->host, t->have_ca))
			goto out_free;
		SSL_set_connect_state(s->ssl);
	}
	return s;

out_free:
	SSL_free(s->ssl);
	free(s);
	ERR_clear_error();
	return NULL;
}

void *kt_tls_wrap(kt_tls *t, int fd)
{
	return wrap(t, fd, NULL);
}

void *kt_tls_wrap_over(kt_tls *t, void *outer)
{
	return wrap(t, -1, outer);
}

/* The UTF-8 of the last NID entry of NAME into OUT, if printable. */
static void name_entry(const X509_NAME *name, int nid, char *out, size_t size)
{
	unsigned char *utf8 = NULL;
	int last = -1;

	out[0] = '\0';
	for (int i = -1; (i = X509_NAME_get_index_by_NID(name, nid, i)) >= 0;)
		last = i;
	if (last < 0)
		return;
	ASN1_STRING *data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, last));
	int len = data ? ASN1_STRING_to_UTF8(&utf8, data) : -1;
	if (len <= 0) {
		ERR_clear_error();
		return;
	}
	/* Control characters, or an invalid string, show nothing rather
	 * than something else; a long one is cut on a character. */
	if (kp_wire_name_ok((const char *)utf8, (size_t)len)) {
		size_t n = kp_wire_name_cut((const char *)utf8, (size_t)len, size - 1);
		memcpy(out, utf8, n);
		out[n] = '\0';
	}
	OPENSSL_free(utf8);
}

void kt_tls_peer_identity(void *io_ctx, kt_identity *out)
{
	tls_stream *s = io_ctx;
	X509 *cert = SSL_get0_peer_certificate(s->ssl);

	memset(out, 0, sizeof(*out));
	if (!cert || !s->handshake_done)
		return;
	const X509_NAME *subject = X509_get_subject_name(cert);
	name_entry(subject, NID_commonName, out->name, sizeof(out->name));
	name_entry(subject, NID_organizationName, out->org, sizeof(out->org));
	if (s->tls->have_ca) {
		const X509_NAME *issuer = X509_get_issuer_name(cert);
		name_entry(issuer, NID_organizationName, out->issuer, sizeof(out->issuer));
		if (!out->issuer[0])
			name_entry(issuer, NID_commonName, out->issuer, sizeof(out->issuer));
	}
	out->verified = (s->tls->have_pin ? KYOYU_PEER_VERIFIED_PIN : 0) |
			(s->tls->have_ca ? KYOYU_PEER_VERIFIED_CA : 0);
}

void kt_tls_own_identity(const kt_tls *t, kt_identity *out)
{
	X509 *cert = t ? SSL_CTX_get0_certificate(t->ctx) : NULL;

	memset(out, 0, sizeof(*out));
	if (!cert)
		return;
	const X509_NAME *subject = X509_get_subject_name(cert);
	name_entry(subject, NID_commonName, out->name, sizeof(out->name));
	name_entry(subject, NID_organizationName, out->org, sizeof(out->org));
}

bool kt_tls_refused_peer(void *io_ctx)
{
	return ((tls_stream *)io_ctx)->refused_peer;
}

/* The viewer's side: why the customer's agent sent the alert REASON, in
 * the operator's words instead of OpenSSL's ("sslv3 alert bad
 * certificate"); NULL for the others. */
static const char *refusal_words(int reason)
{
	switch (reason) {
	case SSL_R_SSLV3_ALERT_BAD_CERTIFICATE:
		return "the customer's agent did not accept this viewer's certificate: the "
		       "pin shipped to customers (their transport.pin) does not match this "
		       "key; give them the pin --make-cert printed for transport.key";
	case SSL_R_TLSV1_ALERT_UNKNOWN_CA:
	case SSL_R_SSLV3_ALERT_CERTIFICATE_UNKNOWN:
		return "the customer's agent does not trust this viewer's certificate: no CA "
		       "in its transport.ca_file vouches for it, and no pin matches";
	case SSL_R_SSLV3_ALERT_CERTIFICATE_EXPIRED:
		return "the customer's agent refused this viewer's certificate: it has "
		       "expired; make a new one (--make-cert) and ship its pin";
	case SSL_R_SSLV3_ALERT_HANDSHAKE_FAILURE:
		return "the customer's agent refused the TLS handshake: it speaks no TLS 1.3 "
		       "cipher or group this viewer offers (an old or foreign client?)";
	case SSL_R_WRONG_VERSION_NUMBER:
	case SSL_R_HTTP_REQUEST:
		return "what connected does not speak TLS (a browser or a port scanner, not "
		       "a customer's agent)";
	default:
		return NULL;
	}
}

/* Says in words what failed in the handshake. */
static void explain(tls_stream *s)
{
	long verify = SSL_get_verify_result(s->ssl);
	const kt_tls *t = s->tls;

	if (!t->server && s->refused_peer) {
		if (verify == X509_V_ERR_HOSTNAME_MISMATCH || verify == X509_V_ERR_IP_ADDRESS_MISMATCH)
			snprintf(s->error, sizeof(s->error),
				 "the %s's certificate is not valid for \"%s\" "
				 "(transport.host); refusing to connect", t->peer, t->host);
		else if (s->pin_mismatch)
			snprintf(s->error, sizeof(s->error),
				 "the %s's certificate (%s) does not match %s: "
				 "this is not the expected %s, or its certificate changed; "
				 "refusing to connect", t->peer, s->seen_pin, t->pin_key, t->peer);
		else
			snprintf(s->error, sizeof(s->error),
				 "the %s's certificate is not trusted (%s); refusing to "
				 "connect", t->peer, X509_verify_cert_error_string(verify));
		return;
	}
	unsigned long e = ERR_peek_last_error();
	const char *words = t->server ? refusal_words(ERR_GET_REASON(e)) : NULL;
	if (ERR_GET_REASON(e) == SSL_R_UNSUPPORTED_PROTOCOL ||
	    ERR_GET_REASON(e) == SSL_R_TLSV1_ALERT_PROTOCOL_VERSION)
		snprintf(s->error, sizeof(s->error), "TLS handshake failed: the other side "
			 "does not speak TLS 1.3");
	else if (words)
		snprintf(s->error, sizeof(s->error), "%s", words);
	else
		snprintf(s->error, sizeof(s->error), "TLS %s failed: %s",
			 s->handshake_done ? "connection" : "handshake",
			 ssl_reason("the connection broke"));
}

/* Maps the result of an SSL call.  RET is what it returned. */
static ssize_t result(tls_stream *s, int ret, short *wants)
{
	int err = SSL_get_error(s->ssl, ret);

	switch (err) {
	case SSL_ERROR_WANT_READ:
		*wants = POLLIN;
		return -EAGAIN;
	case SSL_ERROR_WANT_WRITE:
		*wants = POLLOUT;
		return -EAGAIN;
	case SSL_ERROR_ZERO_RETURN:
		return 0;
	case SSL_ERROR_SYSCALL: {
		/* What the socket said: errno, or Winsock's last error. */
		int sys = -kp_net_last_error();
		snprintf(s->error, sizeof(s->error), "%s",
			 sys ? kp_net_strerror(sys) : "the connection was cut");
		ERR_clear_error();
		return sys == ECONNRESET || sys == 0 || sys == EPIPE ? -ECONNRESET : -EIO;
	}
	default:
		explain(s);
		ERR_clear_error();
		return s->refused_peer ? -EACCES : -EPROTO;
	}
}

/* Completes the handshake before any application byte moves, so nothing
 * (least of all a connection code) is written to an unverified viewer. */
static ssize_t handshake(tls_stream *s, short *wants)
{
	ERR_clear_error();
	int ret = SSL_do_handshake(s->ssl);
	if (ret != 1)
		return result(s, ret, wants);
	s->handshake_done = true;
	return 1;
}

static ssize_t tls_read(void *ctx, void *buf, size_t len, short *wants)
{
	tls_stream *s = ctx;

	if (!s->handshake_done) {
		ssize_t r = handshake(s, wants);
		if (r <= 0)
			return r;
	}
	ERR_clear_error();
	int n = SSL_read(s->ssl, buf, len > INT32_MAX ? INT32_MAX : (int)len);
	return n > 0 ? n : result(s, n, wants);
}

static ssize_t tls_write(void *ctx, const void *buf, size_t len, short *wants)
{
	tls_stream *s = ctx;

	if (!s->handshake_done) {
		ssize_t r = handshake(s, wants);
		if (r <= 0)
			return r == 0 ? -ECONNRESET : r;
	}
	ERR_clear_error();
	int n = SSL_write(s->ssl, buf, len > INT32_MAX ? INT32_MAX : (int)len);
	return n > 0 ? n : result(s, n, wants);
}

static void tls_close(void *ctx, bool graceful)
{
	tls_stream *s = ctx;

	if (!s)
		return;
	/* One close_notify if it goes out at once; never wait for the peer's. */
	if (graceful && s->handshake_done)
		SSL_shutdown(s->ssl);
	ERR_clear_error();
	SSL_free(s->ssl);
	free(s);
}

static const char *tls_error(void *ctx)
{
	tls_stream *s = ctx;
	return s->error[0] ? s->error : "unknown error";
}

const kp_conn_io kt_tls_io = {
	.read = tls_read,
	.write = tls_write,
	.close = tls_close,
	.error = tls_error,
};
