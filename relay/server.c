/* SPDX-License-Identifier: MIT */
/* The relay's links: TLS, requests, parking, joining, forwarding. */
#include "config.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>

#define KYOYU_LOG_COMPONENT "relay"
#include <kyoyu/kyoyu.h>

#include "crl.h"
#include "metrics.h"
#include "nodes.h"
#include "proto/relay-wire.h"
#include "server.h"
#include "store.h"

#define CIPHERSUITES "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256"
#define GROUPS "X25519:P-256:P-384"
/* Bytes of one direction in flight in the relay: one TLS record. */
#define FORWARD_BUF 16384
/* Bytes moved for one pair before the others get a turn. */
#define FORWARD_BUDGET (256 * 1024)
/* Unsent bytes a link's socket may hold before the relay stops reading
 * the other side (TCP_NOTSENT_LOWAT, as the agents): the queue stays in
 * the sender, whose pacer sees the link as it is and drops old video,
 * instead of building up in the relay. */
#define NOTSENT_LOWAT 16384
/* A refused link gets this long to read its answer. */
#define CLOSING_US 5000000

typedef enum link_state {
	HANDSHAKE, /* TLS */
	REQUEST,   /* reading the OFFER or CLAIM */
	PARKED,    /* a viewer with a code, waiting for its customer */
	DELAYED,   /* a refused sharer, answered at deadline_us */
	CLOSING,   /* sending a last message, then closing */
	JOINED,    /* forwarding to and from peer */
	/* Joining across nodes (docs/relay.md, "Several nodes"). */
	PASSING,    /* a sharer whose operator waits on another node */
	CONNECTING, /* to that node: TCP */
	AWAIT,      /* to that node: TLS, PASS sent, reading its answer */
} link_state;

typedef struct rlink { /* one TCP connection to the relay */
	int fd;
	SSL *ssl;
	link_state state;
	uint64_t id;
	char addr[KP_RELAY_ADDR_MAX + 1]; /* numeric, no port */
	int64_t deadline_us;
	short read_wants, write_wants; /* what SSL asked for, 0: the usual */
	uint8_t msg[KP_RELAY_MSG_SIZE];
	size_t msg_off;
	/* A message to send, before anything forwarded. */
	uint8_t out[KP_RELAY_MSG_SIZE];
	size_t out_len, out_off;
	kp_relay_msg pending_reply; /* DELAYED */
	char room[KP_RELAY_ROOM_DIGITS]; /* PARKED: which code to retire */
	struct rlink *peer;
	/* PASSING and its link to the other node (CONNECTING, HANDSHAKE or
	 * AWAIT), each other's until joined or refused. */
	struct rlink *pass;
	bool outbound; /* a link this node opened to another */
	/* Bytes read from the peer, to write to this link. */
	uint8_t buf[FORWARD_BUF];
	size_t len, off;
	uint64_t forwarded; /* bytes written to this rlink */
	uint64_t session;   /* JOINED: its number, for the log */
	int64_t since_us;   /* JOINED: when */
	bool sharer;
	bool more; /* must run again before poll() waits */
	bool full; /* its socket holds enough unsent bytes: wait for POLLOUT */
	bool dead; /* to be freed at the end of the loop's turn */
} rlink;

struct relay_server {
	relay_config cfg;
	SSL_CTX *ctx;
	relay_store *store;
	SSL_CTX *client_ctx; /* to the other nodes */
	relay_crl *crl;      /* revoked operators, or NULL */
	relay_metrics *metrics; /* or NULL */
	relay_counters counters;
	char node[RELAY_NODE_ADDR_SIZE]; /* where the other nodes reach this one */
	uint64_t next_id, next_session;
	int listen_fd;
	rlink **links;
	size_t n_links;
	FILE *dump;
};

static int64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static const char *ssl_reason(const char *what)
{
	unsigned long e = ERR_peek_last_error();
	const char *r = e ? ERR_reason_error_string(e) : NULL;
	return r ? r : what;
}

/* The code secret: every node with the relay's key derives the same one,
 * so any node can check a code another issued, and nothing else to share
 * or leak is added.  SHA-256 over a label and the key's DER. */
static int derive_secret(SSL_CTX *ctx, uint8_t out[RELAY_SECRET_SIZE])
{
	EVP_PKEY *pkey = SSL_CTX_get0_privatekey(ctx);
	unsigned char *der = NULL;
	int len = pkey ? i2d_PrivateKey(pkey, &der) : -1;
	static const char label[] = "kyoyu-relay code secret v1";
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	bool ok = len > 0 && md && EVP_DigestInit_ex(md, EVP_sha256(), NULL) &&
		  EVP_DigestUpdate(md, label, sizeof(label)) &&
		  EVP_DigestUpdate(md, der, (size_t)len) && EVP_DigestFinal_ex(md, out, NULL);

	EVP_MD_CTX_free(md);
	if (der)
		OPENSSL_clear_free(der, (size_t)len);
	return ok ? 0 : -EIO;
}

/* Accepts any client certificate for now; OpenSSL keeps the verdict
 * (SSL_get_verify_result), which an OFFER must pass. */
static int verify_later(int preverify_ok, X509_STORE_CTX *store)
{
	return 1;
}

relay_server *relay_server_new(const relay_config *cfg, char *err, size_t errlen)
{
	relay_server *s = calloc(1, sizeof(*s));
	uint8_t secret[RELAY_SECRET_SIZE];

	if (!s) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->cfg = *cfg;
	s->listen_fd = -1;
	if (!cfg->cert || !cfg->key || !cfg->ca) {
		snprintf(err, errlen, "the relay needs relay.cert and relay.key (its TLS "
			 "identity) and relay.ca (the desk CA that signs operator certificates)");
		goto out_free;
	}
	if (cfg->n_redis == 0) {
		snprintf(err, errlen, "the relay needs relay.redis: \"redis://HOST:PORT\"");
		goto out_free;
	}
	s->ctx = SSL_CTX_new(TLS_server_method());
	if (!s->ctx || !SSL_CTX_set_min_proto_version(s->ctx, TLS1_3_VERSION) ||
	    !SSL_CTX_set_ciphersuites(s->ctx, CIPHERSUITES) ||
	    !SSL_CTX_set1_groups_list(s->ctx, GROUPS)) {
		snprintf(err, errlen, "cannot set up TLS 1.3: %s", ssl_reason("unknown error"));
		goto out_free;
	}
	SSL_CTX_set_options(s->ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_TICKET);
	SSL_CTX_set_num_tickets(s->ctx, 0);
	/* Forwarding writes a buffer again from where a retry left it. */
	SSL_CTX_set_mode(s->ctx, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	if (SSL_CTX_use_certificate_chain_file(s->ctx, cfg->cert) != 1) {
		snprintf(err, errlen, "cannot read relay.cert \"%s\": %s", cfg->cert,
			 ssl_reason("not a PEM certificate"));
		goto out_free;
	}
	if (SSL_CTX_use_PrivateKey_file(s->ctx, cfg->key, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(s->ctx) != 1) {
		snprintf(err, errlen, "cannot use relay.key \"%s\" with relay.cert: %s", cfg->key,
			 ssl_reason("not its PEM private key"));
		goto out_free;
	}
	if (SSL_CTX_load_verify_locations(s->ctx, cfg->ca, NULL) != 1) {
		snprintf(err, errlen, "cannot read relay.ca \"%s\": %s", cfg->ca,
			 ssl_reason("not a PEM certificate"));
		goto out_free;
	}
	/* Operators show a certificate, customers none: the request decides
	 * whether one was needed, so that an operator the CA did not sign is
	 * told why instead of meeting a failed handshake. */
	SSL_CTX_set_verify(s->ctx, SSL_VERIFY_PEER, verify_later);
	/* Link numbers start anywhere: a restarted node at the same address
	 * must not take an owner stored by its previous life for its own. */
	if (derive_secret(s->ctx, secret) ||
	    RAND_bytes((unsigned char *)&s->next_id, sizeof(s->next_id)) != 1) {
		snprintf(err, errlen, "cannot derive the code secret from relay.key");
		goto out_free;
	}
	s->next_id >>= 1;
	s->client_ctx = relay_nodes_client_ctx(cfg->cert, cfg->key, err, errlen);
	if (!s->client_ctx)
		goto out_free;
	if (cfg->crl && *cfg->crl && !(s->crl = relay_crl_open(cfg->crl, cfg->ca, err, errlen)))
		goto out_free;
	s->store = relay_store_new(cfg->redis, cfg->n_redis, secret);
	OPENSSL_cleanse(secret, sizeof(secret));
	if (!s->store) {
		snprintf(err, errlen, "relay.redis is not usable (see above)");
		goto out_free;
	}
	s->links = calloc((size_t)cfg->max_links, sizeof(*s->links));
	if (!s->links) {
		snprintf(err, errlen, "out of memory");
		goto out_free;
	}
	if (cfg->dump && *cfg->dump && !(s->dump = fopen(cfg->dump, "we"))) {
		snprintf(err, errlen, "cannot write relay.dump \"%s\": %s", cfg->dump,
			 strerror(errno));
		goto out_free;
	}
	ERR_clear_error();
	return s;

out_free:
	ERR_clear_error();
	relay_server_free(s);
	return NULL;
}

static void link_free(relay_server *s, rlink *l);

void relay_server_free(relay_server *s)
{
	if (!s)
		return;
	while (s->n_links)
		link_free(s, s->links[0]);
	free(s->links);
	if (s->listen_fd >= 0)
		close(s->listen_fd);
	if (s->dump)
		fclose(s->dump);
	relay_store_free(s->store);
	relay_crl_free(s->crl);
	relay_metrics_free(s->metrics);
	SSL_CTX_free(s->client_ctx);
	SSL_CTX_free(s->ctx);
	free(s);
}

static void owner_of(const relay_server *s, const rlink *l, char owner[RELAY_OWNER_SIZE])
{
	relay_owner_format(owner, l->id, s->node);
}

static void session_ended(relay_server *s, rlink *l);
static void retire_code(relay_server *s, rlink *l);
static void pass_failed(relay_server *s, rlink *l);

/* Frees L (and ends its session; its peer goes too). */
static void link_free(relay_server *s, rlink *l)
{
	if (l->state == PARKED)
		retire_code(s, l);
	if (l->pass)
		pass_failed(s, l);
	if (l->peer) {
		rlink *peer = l->peer;
		session_ended(s, l);
		l->peer = peer->peer = NULL;
		link_free(s, peer);
	}
	for (size_t i = 0; i < s->n_links; i++) {
		if (s->links[i] == l) {
			s->links[i] = s->links[--s->n_links];
			break;
		}
	}
	if (l->ssl) {
		if (SSL_is_init_finished(l->ssl))
			SSL_shutdown(l->ssl);
		SSL_free(l->ssl);
	}
	ERR_clear_error();
	close(l->fd);
	OPENSSL_cleanse(l, sizeof(*l));
	free(l);
}

static void session_ended(relay_server *s, rlink *l)
{
	rlink *v = l->sharer ? l->peer : l, *c = l->sharer ? l : l->peer;

	s->counters.sessions_ended++;
	kyoyu_info("session %llu ended after %lld s: %llu bytes to the viewer, %llu to the "
		   "customer", (unsigned long long)v->session,
		   (long long)((now_us() - v->since_us) / 1000000),
		   (unsigned long long)v->forwarded, (unsigned long long)c->forwarded);
}

static void retire_code(relay_server *s, rlink *l)
{
	char owner[RELAY_OWNER_SIZE];

	owner_of(s, l, owner);
	relay_store_retire(s->store, l->room, owner);
}

static void send_msg(rlink *l, const kp_relay_msg *m)
{
	kp_relay_encode(m, l->out);
	l->out_len = KP_RELAY_MSG_SIZE;
	l->out_off = 0;
}

/* Answers and closes once the answer is out. */
static void refuse(rlink *l, uint8_t reason, uint16_t retry_s, int64_t now)
{
	kp_relay_msg m = {.type = KP_RELAY_REFUSED, .reason = reason, .retry_s = retry_s};

	send_msg(l, &m);
	l->state = CLOSING;
	l->deadline_us = now + CLOSING_US;
}

/* The parked link LINK of this node, or NULL. */
static rlink *parked(relay_server *s, uint64_t link)
{
	for (size_t i = 0; i < s->n_links; i++)
		if (s->links[i]->state == PARKED && s->links[i]->id == link)
			return s->links[i];
	return NULL;
}

static void on_offer(relay_server *s, rlink *l, int64_t now)
{
	char owner[RELAY_OWNER_SIZE];
	kp_relay_msg m = {.type = KP_RELAY_CODE};
	X509 *cert = SSL_get0_peer_certificate(l->ssl);

	if (!cert || SSL_get_verify_result(l->ssl) != X509_V_OK) {
		kyoyu_warn("%s asked for a code without an operator certificate the desk CA "
			   "signed: refused", l->addr);
		refuse(l, KP_RELAY_NOT_OPERATOR, 0, now);
		s->counters.offers_refused++;
		return;
	}
	if (s->crl && relay_crl_revoked(s->crl, cert)) {
		s->counters.offers_refused++;
		kyoyu_warn("%s asked for a code with an operator certificate the desk revoked "
			   "(relay.crl): refused", l->addr);
		refuse(l, KP_RELAY_NOT_OPERATOR, 0, now);
		return;
	}
	owner_of(s, l, owner);
	int ret = relay_store_issue(s->store, owner, s->cfg.code_ttl_s, m.digits);
	if (ret) {
		refuse(l, ret == -ENOSPC ? KP_RELAY_FULL : KP_RELAY_UNAVAILABLE, 60, now);
		if (ret == -ENOSPC)
			s->counters.offers_refused++;
		else
			s->counters.redis_errors++;
		return;
	}
	s->counters.codes_issued++;
	memcpy(l->room, m.digits, KP_RELAY_ROOM_DIGITS);
	send_msg(l, &m);
	OPENSSL_cleanse(&m, sizeof(m));
	l->state = PARKED;
	l->deadline_us = now + (int64_t)s->cfg.code_ttl_s * 1000000;
	kyoyu_info("issued a code to the operator at %s", l->addr);
}

/* Pairs VIEWER's side and SHARER's side for forwarding (either may be a
 * link to another node); the callers send the JOINED each needs. */
static void pair(relay_server *s, rlink *viewer, rlink *sharer, const char *customer,
		 int64_t now)
{
	viewer->state = sharer->state = JOINED;
	viewer->peer = sharer;
	sharer->peer = viewer;
	sharer->sharer = true;
	viewer->more = sharer->more = true;
	viewer->session = sharer->session = ++s->next_session;
	viewer->since_us = sharer->since_us = now;
	s->counters.sessions_started++;
	kyoyu_info("session %llu: the customer at %s joined the operator at %s%s",
		   (unsigned long long)viewer->session, customer,
		   viewer->outbound ? "node " : "", viewer->addr);
}

/* Joins a parked viewer to SHARER, a customer's link or another node's
 * link passing one (at CUSTOMER). */
static void join(relay_server *s, rlink *viewer, rlink *sharer, const char *customer,
		 int64_t now)
{
	kp_relay_msg m = {.type = KP_RELAY_JOINED};

	snprintf(m.addr, sizeof(m.addr), "%s", customer);
	send_msg(viewer, &m);
	m.addr[0] = '\0';
	send_msg(sharer, &m);
	pair(s, viewer, sharer, customer, now);
}

/* Opens a link to NODE and sends it PASS for its parked LINK: with
 * SHARER, to join them; without, REASON tells the link its code died. */
static void pass_to(relay_server *s, rlink *sharer, const char *node, uint64_t link,
		    uint8_t reason, int64_t now)
{
	kp_relay_msg m = {.type = KP_RELAY_PASS, .reason = reason, .link = link};
	rlink *l = NULL;
	int fd = s->n_links < (size_t)s->cfg.max_links ? relay_nodes_connect(node) : -EMFILE;

	if (fd < 0 || !(l = calloc(1, sizeof(*l))) || !(l->ssl = SSL_new(s->client_ctx)) ||
	    SSL_set_fd(l->ssl, fd) != 1) {
		kyoyu_warn("cannot reach the relay node %s where the operator waits (%s): check "
			   "its relay.node_address", node, fd < 0 ? strerror(-fd) : "no memory");
		goto out_fail;
	}
	SSL_set_connect_state(l->ssl);
	l->fd = fd;
	l->outbound = true;
	l->id = ++s->next_id;
	l->state = CONNECTING;
	l->deadline_us = now + (int64_t)s->cfg.handshake_timeout_s * 1000000;
	snprintf(l->addr, sizeof(l->addr), "%.*s", (int)sizeof(l->addr) - 1, node);
	if (sharer)
		snprintf(m.addr, sizeof(m.addr), "%s", sharer->addr);
	send_msg(l, &m);
	s->links[s->n_links++] = l;
	s->counters.passes_sent++;
	if (sharer) {
		l->pass = sharer;
		sharer->pass = l;
		sharer->state = PASSING;
		sharer->deadline_us = l->deadline_us + 1000000;
	}
	return;

out_fail:
	if (l) {
		SSL_free(l->ssl);
		free(l);
	}
	if (fd >= 0)
		close(fd);
	ERR_clear_error();
	if (sharer) /* its code is spent: what a customer meets for a code gone */
		refuse(sharer, KP_RELAY_BAD_CODE, 0, now);
}

/* The link L to another node, or the sharer it passes, went away before
 * the join: the other is let go (the sharer is refused). */
static void pass_failed(relay_server *s, rlink *l)
{
	rlink *other = l->pass;

	l->pass = other->pass = NULL;
	s->counters.passes_failed++;
	if (other->state == PASSING) {
		kyoyu_warn("the relay node %s did not join the customer at %s to its operator; "
			   "the code is spent", l->addr, other->addr);
		refuse(other, KP_RELAY_BAD_CODE, 0, now_us());
	} else {
		/* A link to another node whose sharer left: its PASS must not
		 * go out, or that node would join its operator to nobody. */
		other->dead = true;
	}
}

/* What the other node answered to PASS. */
static void on_pass_answer(relay_server *s, rlink *l, int64_t now)
{
	kp_relay_msg m;
	bool ok = kp_relay_decode(l->msg, &m);
	rlink *sharer = l->pass;

	if (!sharer) { /* a notice, or a sharer that left */
		l->state = CLOSING;
		l->deadline_us = now;
		return;
	}
	if (!ok || m.type != KP_RELAY_JOINED) {
		pass_failed(s, l);
		l->state = CLOSING;
		l->deadline_us = now;
		return;
	}
	l->pass = sharer->pass = NULL;
	m = (kp_relay_msg){.type = KP_RELAY_JOINED};
	send_msg(sharer, &m);
	pair(s, l, sharer, sharer->addr, now);
}

/* Another node passes a customer (or a notice) to one of this node's
 * parked viewers.  Only a node with the relay's own key may. */
static void on_pass(relay_server *s, rlink *l, const kp_relay_msg *req, int64_t now)
{
	rlink *viewer = parked(s, req->link);

	if (!relay_nodes_same_key(l->ssl, s->ctx)) {
		kyoyu_warn("%s tried to pass a customer without the relay's own certificate: "
			   "refused", l->addr);
		refuse(l, KP_RELAY_NOT_OPERATOR, 0, now);
		return;
	}
	if (!viewer) {
		kyoyu_info("the relay node at %s passed a customer to an operator who left",
			   l->addr);
		refuse(l, KP_RELAY_BAD_CODE, 0, now);
		return;
	}
	if (req->reason == KP_RELAY_ATTACKED) {
		kyoyu_warn("the code of the operator at %s met %d wrong attempts and no longer "
			   "works", viewer->addr, RELAY_MAX_WRONG);
		refuse(viewer, KP_RELAY_ATTACKED, 0, now);
		refuse(l, KP_RELAY_ATTACKED, 0, now);
		return;
	}
	s->counters.passes_received++;
	join(s, viewer, l, req->addr[0] ? req->addr : "(unknown)", now);
}

static void on_claim(relay_server *s, rlink *l, const kp_relay_msg *req, int64_t now)
{
	char owner[RELAY_OWNER_SIZE] = "", node[RELAY_NODE_ADDR_SIZE];
	uint64_t link = 0;
	/* Every refusal of a code comes after the same delay, whatever the
	 * reason, so the answer's timing tells nothing. */
	int64_t at = now + (int64_t)s->cfg.reject_delay_ms * 1000;

	int wait_s = relay_store_attempt(s->store, l->addr, s->cfg.attempts_per_minute);
	if (wait_s < 0) {
		refuse(l, KP_RELAY_UNAVAILABLE, 60, now);
		s->counters.redis_errors++;
		return;
	}
	l->state = DELAYED;
	l->deadline_us = at;
	l->pending_reply = (kp_relay_msg){.type = KP_RELAY_REFUSED, .reason = KP_RELAY_BAD_CODE};
	if (wait_s > 0) {
		l->pending_reply.reason = KP_RELAY_RATE_LIMITED;
		l->pending_reply.retry_s = (uint16_t)wait_s;
		s->counters.rate_limited++;
		return;
	}
	int ret = relay_store_claim(s->store, req->digits, owner);
	if (ret < 0) {
		refuse(l, KP_RELAY_UNAVAILABLE, 60, now);
		s->counters.redis_errors++;
		return;
	}
	if (ret != RELAY_CLAIM_WON)
		s->counters.codes_refused++;
	if (ret == RELAY_CLAIM_DEAD)
		s->counters.codes_killed++;
	else if (ret == RELAY_CLAIM_WON)
		s->counters.codes_claimed++;
	if (ret == RELAY_CLAIM_BAD)
		return;
	if (!relay_owner_parse(owner, &link, node)) {
		kyoyu_warn("a claimed code's owner in Redis is not one this relay wrote");
		return;
	}
	bool here = strcmp(node, s->node) == 0;
	rlink *viewer = here ? parked(s, link) : NULL;
	if (ret == RELAY_CLAIM_DEAD) {
		/* Its code is gone from Redis already; its operator is told. */
		if (viewer) {
			kyoyu_warn("the code of the operator at %s met %d wrong attempts and no "
				   "longer works", viewer->addr, RELAY_MAX_WRONG);
			refuse(viewer, KP_RELAY_ATTACKED, 0, now);
		} else if (!here) {
			pass_to(s, NULL, node, link, KP_RELAY_ATTACKED, now);
		}
		return;
	}
	if (viewer)
		join(s, viewer, l, l->addr, now);
	else if (!here)
		pass_to(s, l, node, link, 0, now);
	else
		kyoyu_info("a code was claimed whose operator had just left");
}

static void on_request(relay_server *s, rlink *l, int64_t now)
{
	kp_relay_msg req;

	if (l->outbound) {
		on_pass_answer(s, l, now);
		OPENSSL_cleanse(l->msg, sizeof(l->msg));
		return;
	}
	bool ok = kp_relay_decode(l->msg, &req);
	OPENSSL_cleanse(l->msg, sizeof(l->msg));
	if (!ok || (req.type != KP_RELAY_OFFER && req.type != KP_RELAY_CLAIM &&
		    req.type != KP_RELAY_PASS)) {
		kyoyu_info("%s sent something that is not a relay request: closed", l->addr);
		l->state = CLOSING;
		l->deadline_us = now;
		return;
	}
	if (req.type == KP_RELAY_OFFER)
		on_offer(s, l, now);
	else if (req.type == KP_RELAY_CLAIM)
		on_claim(s, l, &req, now);
	else
		on_pass(s, l, &req, now);
	OPENSSL_cleanse(&req, sizeof(req));
}

/* Maps a failed SSL call: -EAGAIN with *WANTS, or -EIO (the link is over). */
static int ssl_result(rlink *l, int ret, short *wants)
{
	switch (SSL_get_error(l->ssl, ret)) {
	case SSL_ERROR_WANT_READ:
		*wants = POLLIN;
		return -EAGAIN;
	case SSL_ERROR_WANT_WRITE:
		*wants = POLLOUT;
		return -EAGAIN;
	default:
		ERR_clear_error();
		return -EIO;
	}
}

/* Writes what L has to send: its message, then forwarded bytes.  Returns
 * 0 when all is out, -EAGAIN, or -EIO. */
static int write_out(relay_server *s, rlink *l)
{
	while (l->out_off < l->out_len || l->off < l->len) {
		bool msg = l->out_off < l->out_len;
		const uint8_t *p = msg ? l->out + l->out_off : l->buf + l->off;
		size_t n = msg ? l->out_len - l->out_off : l->len - l->off;
		ERR_clear_error();
		int w = SSL_write(l->ssl, p, (int)n);
		if (w <= 0)
			return ssl_result(l, w, &l->write_wants);
		l->write_wants = 0;
		if (msg) {
			l->out_off += (size_t)w;
		} else {
			l->off += (size_t)w;
			l->forwarded += (size_t)w;
			if (l->sharer)
				s->counters.bytes_to_customers += (size_t)w;
			else
				s->counters.bytes_to_viewers += (size_t)w;
		}
	}
	l->len = l->off = 0;
	return 0;
}

/* Moves bytes from SRC to DST until one would block.  Returns 0, 1 when
 * the budget ran out (more may wait in SRC's TLS buffer), or -EIO. */
static int forward(relay_server *s, rlink *src, rlink *dst)
{
	size_t moved = 0;

	for (;;) {
		int ret = write_out(s, dst);
		if (ret == -EAGAIN)
			return 0;
		if (ret)
			return -EIO;
		if (moved >= FORWARD_BUDGET)
			return 1;
		struct pollfd room = {dst->fd, POLLOUT, 0};
		dst->full = poll(&room, 1, 0) != 1 || !(room.revents & POLLOUT);
		if (dst->full)
			return 0;
		ERR_clear_error();
		int n = SSL_read(src->ssl, dst->buf, sizeof(dst->buf));
		if (n <= 0) {
			ret = ssl_result(src, n, &src->read_wants);
			return ret == -EAGAIN ? 0 : -EIO;
		}
		src->read_wants = 0;
		if (s->dump)
			fwrite(dst->buf, 1, (size_t)n, s->dump);
		dst->len = (size_t)n;
		dst->off = 0;
		moved += (size_t)n;
	}
}

/* Runs L's state as far as it goes.  Returns false when L is to be freed;
 * sets *AGAIN when it must run again before poll() waits. */
static bool step(relay_server *s, rlink *l, int64_t now, bool *again)
{
	int ret;

	switch (l->state) {
	case CONNECTING: {
		int err = 0;
		socklen_t len = sizeof(err);
		if (getsockopt(l->fd, SOL_SOCKET, SO_ERROR, &err, &len) || err) {
			kyoyu_warn("cannot connect to the relay node %s: %s", l->addr,
				   strerror(err ? err : errno));
			return false;
		}
		l->state = HANDSHAKE;
	}
		/* fall through */
	case HANDSHAKE:
		ERR_clear_error();
		ret = SSL_do_handshake(l->ssl);
		if (ret != 1) {
			if (ssl_result(l, ret, &l->read_wants) == -EAGAIN)
				return true;
			if (l->outbound)
				kyoyu_warn("TLS with the relay node %s failed: %s", l->addr,
					   ssl_reason("the connection broke"));
			else
				kyoyu_debug("TLS handshake with %s failed: %s", l->addr,
					    ssl_reason("the connection broke"));
			return false;
		}
		l->read_wants = 0;
		if (l->outbound && !relay_nodes_same_key(l->ssl, s->ctx)) {
			kyoyu_warn("the relay node %s does not show this relay's key: nothing "
				   "passed to it (do all nodes use the same relay.cert and "
				   "relay.key?)", l->addr);
			return false;
		}
		l->state = l->outbound ? AWAIT : REQUEST;
		/* fall through */
	case AWAIT:
		if (l->state == AWAIT && (ret = write_out(s, l)) != 0)
			return ret == -EAGAIN;
		/* fall through */
	case REQUEST:
		ERR_clear_error();
		ret = SSL_read(l->ssl, l->msg + l->msg_off, (int)(KP_RELAY_MSG_SIZE - l->msg_off));
		if (ret <= 0)
			return ssl_result(l, ret, &l->read_wants) == -EAGAIN;
		l->read_wants = 0;
		l->msg_off += (size_t)ret;
		if (l->msg_off < KP_RELAY_MSG_SIZE)
			return true;
		on_request(s, l, now);
		*again = true;
		return true;
	case PARKED: {
		if (write_out(s, l) == -EIO)
			return false;
		/* A viewer says nothing while parked: a read ends it. */
		uint8_t byte;
		ERR_clear_error();
		ret = SSL_read(l->ssl, &byte, 1);
		if (ret > 0) {
			kyoyu_info("the operator at %s spoke out of turn: closed", l->addr);
			return false;
		}
		if (ssl_result(l, ret, &l->read_wants) == -EAGAIN)
			return true;
		kyoyu_info("the operator at %s left; the code is retired", l->addr);
		return false;
	}
	case DELAYED:
	case PASSING:
		return true;
	case CLOSING:
		ret = write_out(s, l);
		return ret == -EAGAIN;
	case JOINED: {
		rlink *p = l->peer;
		int a = forward(s, l, p), b = forward(s, p, l);
		if (a < 0 || b < 0)
			return false;
		l->more = p->more = a > 0 || b > 0;
		if (l->more)
			*again = true;
		return true;
	}
	}
	return false;
}

/* Deadlines: handshakes and requests that take too long, codes that
 * expire, refusals that are due, closings that hang. */
static bool timers(relay_server *s, rlink *l, int64_t now, int *timeout_ms)
{
	if (l->state == JOINED)
		return true;
	if (now >= l->deadline_us) {
		switch (l->state) {
		case DELAYED:
			send_msg(l, &l->pending_reply);
			l->state = CLOSING;
			l->deadline_us = now + CLOSING_US;
			return true;
		case PARKED:
			kyoyu_info("the code of the operator at %s expired", l->addr);
			retire_code(s, l);
			refuse(l, KP_RELAY_BAD_CODE, 0, now);
			return true;
		default:
			return false;
		}
	}
	int64_t ms = (l->deadline_us - now + 999) / 1000;
	if (*timeout_ms < 0 || ms < *timeout_ms)
		*timeout_ms = (int)ms;
	return true;
}

static int listen_on(relay_server *s)
{
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
				 .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
	struct addrinfo *ai;
	char port[16], host[64], serv[16];
	int one = 1;

	snprintf(port, sizeof(port), "%d", s->cfg.port);
	int ret = getaddrinfo(s->cfg.listen, port, &hints, &ai);
	if (ret) {
		kyoyu_error("relay.listen \"%s\": %s", s->cfg.listen, gai_strerror(ret));
		return -EINVAL;
	}
	int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) || listen(fd, SOMAXCONN)) {
		ret = -errno;
		kyoyu_error("cannot listen on %s port %s: %s (is another relay running? set "
			    "relay.port)", s->cfg.listen, port, strerror(errno));
		if (fd >= 0)
			close(fd);
		freeaddrinfo(ai);
		return ret;
	}
	freeaddrinfo(ai);
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	getsockname(fd, (struct sockaddr *)&ss, &len);
	getnameinfo((struct sockaddr *)&ss, len, host, sizeof(host), serv, sizeof(serv),
		    NI_NUMERICHOST | NI_NUMERICSERV);
	relay_nodes_own_address(s->cfg.node_address, s->cfg.listen, atoi(serv), s->node);
	kyoyu_info("kyoyu-relay listening on %s:%s (the other nodes reach it at %s)", host,
		   serv, s->node);
	s->listen_fd = fd;
	return 0;
}

static void accept_all(relay_server *s, int64_t now)
{
	for (;;) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);
		int fd = accept4(s->listen_fd, (struct sockaddr *)&ss, &len,
				 SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		if (s->n_links == (size_t)s->cfg.max_links) {
			kyoyu_warn("relay.max_links (%d) links are open: a new one is closed",
				   s->cfg.max_links);
			close(fd);
			continue;
		}
		rlink *l = calloc(1, sizeof(*l));
		if (!l || !(l->ssl = SSL_new(s->ctx)) || SSL_set_fd(l->ssl, fd) != 1) {
			if (l)
				SSL_free(l->ssl);
			free(l);
			close(fd);
			ERR_clear_error();
			continue;
		}
		/* Keepalives: a parked operator says nothing for up to the
		 * code's life; one whose machine vanished is found within
		 * two minutes (and its code retired). */
		int one = 1, lowat = NOTSENT_LOWAT, idle = 60, intvl = 20, cnt = 3;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		setsockopt(fd, IPPROTO_TCP, TCP_NOTSENT_LOWAT, &lowat, sizeof(lowat));
		setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
		setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
		setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof(intvl));
		setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt));
		getnameinfo((struct sockaddr *)&ss, len, l->addr, sizeof(l->addr), NULL, 0,
			    NI_NUMERICHOST);
		l->fd = fd;
		l->id = ++s->next_id;
		l->state = HANDSHAKE;
		l->deadline_us = now + (int64_t)s->cfg.handshake_timeout_s * 1000000;
		SSL_set_accept_state(l->ssl);
		s->links[s->n_links++] = l;
	}
}

static short events_of(const rlink *l)
{
	short ev = 0;

	switch (l->state) {
	case CONNECTING:
		return POLLOUT;
	case HANDSHAKE: /* an outbound link's PASS waits for it */
		return l->read_wants ? l->read_wants : POLLIN;
	case REQUEST:
	case PARKED:
	case AWAIT:
		ev = l->read_wants ? l->read_wants : POLLIN;
		if (l->out_off < l->out_len)
			ev |= l->write_wants ? l->write_wants : POLLOUT;
		return ev;
	case DELAYED:
	case PASSING:
		return 0;
	case CLOSING:
		return l->write_wants ? l->write_wants : POLLOUT;
	case JOINED:
		if (l->out_off < l->out_len || l->off < l->len || l->full)
			ev |= l->write_wants ? l->write_wants : POLLOUT;
		if (l->peer->len == l->peer->off && l->peer->out_off == l->peer->out_len &&
		    !l->peer->full)
			ev |= l->read_wants ? l->read_wants : POLLIN;
		else if (l->read_wants)
			ev |= l->read_wants;
		return ev;
	}
	return ev;
}

/* A link to free (with its peer) once nothing refers to it any more. */
static void mark_dead(rlink *l)
{
	l->dead = true;
	if (l->peer)
		l->peer->dead = true;
}

static void sweep(relay_server *s)
{
	for (size_t i = 0; i < s->n_links;) {
		if (s->links[i]->dead) {
			/* Frees its peer too, and both leave the array. */
			link_free(s, s->links[i]);
			i = 0;
			continue;
		}
		i++;
	}
}

int relay_server_run(relay_server *s, volatile sig_atomic_t *stop)
{
	int ret = listen_on(s);
	struct pollfd *pfds =
		calloc((size_t)s->cfg.max_links + 1 + RELAY_METRICS_FDS, sizeof(*pfds));
	rlink **polled = calloc((size_t)s->cfg.max_links, sizeof(*polled));
	bool again = false;

	if (ret || !pfds || !polled) {
		free(pfds);
		free(polled);
		return ret ? ret : -ENOMEM;
	}
	if (s->cfg.metrics_port >= 0 &&
	    !(s->metrics = relay_metrics_new(s->cfg.metrics_listen, s->cfg.metrics_port))) {
		free(pfds);
		free(polled);
		return -EADDRINUSE;
	}
	if (relay_store_ping(s->store) == 0)
		kyoyu_info("Redis answers: codes can be issued");
	while (!*stop) {
		int64_t now = now_us();
		int timeout = again ? 0 : -1;
		size_t n = 0, n_metrics = 0;

		again = false;
		for (size_t i = 0; i < s->n_links; i++)
			if (!timers(s, s->links[i], now, &timeout))
				mark_dead(s->links[i]);
		sweep(s);
		pfds[n++] = (struct pollfd){s->listen_fd, POLLIN, 0};
		for (size_t i = 0; i < s->n_links; i++) {
			rlink *l = s->links[i];
			short ev = events_of(l);
			polled[n - 1] = l;
			/* Nothing to wait for (a delayed answer): not even a hang-up. */
			pfds[n++] = (struct pollfd){ev ? l->fd : -1, ev, 0};
		}
		if (s->metrics)
			n_metrics = relay_metrics_poll(s->metrics, pfds + n, RELAY_METRICS_FDS,
						       &timeout);
		if (poll(pfds, n + n_metrics, timeout) < 0 && errno != EINTR)
			break;
		now = now_us();
		if (pfds[0].revents)
			accept_all(s, now);
		for (size_t k = 1; k < n; k++) {
			rlink *l = polled[k - 1];
			if (l->dead || (!pfds[k].revents && !l->more))
				continue;
			if (!step(s, l, now, &again))
				mark_dead(l);
		}
		sweep(s);
		if (s->metrics) {
			s->counters.links_open = s->n_links;
			relay_metrics_serve(s->metrics, pfds + n, n_metrics, &s->counters);
		}
		if (s->dump)
			fflush(s->dump);
	}
	free(pfds);
	free(polled);
	return 0;
}
