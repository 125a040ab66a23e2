/* SPDX-License-Identifier: MIT */
/* The relay's one port and its loop: TLS set up, links accepted, polled
 * and swept (docs/relay.md). */
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

#include "server-priv.h"

#define CIPHERSUITES "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256"
#define GROUPS "X25519:P-256:P-384"

int64_t relay_now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

const char *relay_ssl_reason(const char *what)
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
		snprintf(err, errlen, "cannot set up TLS 1.3: %s", relay_ssl_reason("unknown error"));
		goto out_free;
	}
	SSL_CTX_set_options(s->ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_TICKET);
	SSL_CTX_set_num_tickets(s->ctx, 0);
	/* Forwarding writes a buffer again from where a retry left it. */
	SSL_CTX_set_mode(s->ctx, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	if (SSL_CTX_use_certificate_chain_file(s->ctx, cfg->cert) != 1) {
		snprintf(err, errlen, "cannot read relay.cert \"%s\": %s", cfg->cert,
			 relay_ssl_reason("not a PEM certificate"));
		goto out_free;
	}
	if (SSL_CTX_use_PrivateKey_file(s->ctx, cfg->key, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(s->ctx) != 1) {
		snprintf(err, errlen, "cannot use relay.key \"%s\" with relay.cert: %s", cfg->key,
			 relay_ssl_reason("not its PEM private key"));
		goto out_free;
	}
	if (SSL_CTX_load_verify_locations(s->ctx, cfg->ca, NULL) != 1) {
		snprintf(err, errlen, "cannot read relay.ca \"%s\": %s", cfg->ca,
			 relay_ssl_reason("not a PEM certificate"));
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
	kp_tally_init(&s->tickets_refused, "re-join tickets refused (unknown, used or expired)");
	kp_tally_init(&s->tickets_limited, "re-joins refused as over their address's budget");
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

void relay_server_free(relay_server *s)
{
	if (!s)
		return;
	while (s->n_links)
		relay_link_free(s, s->links[0]);
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
	case RESOLVING: /* the answer's descriptor */
		return POLLIN;
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
	case WAITING:
		return 0;
	case CLOSING:
		return l->write_wants ? l->write_wants : POLLOUT;
	case JOINED:
		if (l->holding) /* for Redis, at most its call's timeout */
			return 0;
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
			relay_link_free(s, s->links[i]);
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
		calloc((size_t)s->cfg.max_links + 1 + RELAY_METRICS_FDS + RELAY_STORE_FDS,
		       sizeof(*pfds));
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
		int64_t now = relay_now_us();
		int timeout = again ? 0 : -1;
		size_t n = 0, n_metrics = 0, n_redis;
		struct pollfd redis_pfds[RELAY_STORE_FDS];

		again = false;
		for (size_t i = 0; i < s->n_links; i++)
			if (!relay_timers(s, s->links[i], now, &timeout))
				mark_dead(s->links[i]);
		relay_rejoin_summaries(s, now, &timeout);
		/* Before the links' events: Redis's calls that time out now
		 * answer their links here. */
		n_redis = relay_store_poll(s->store, redis_pfds, RELAY_STORE_FDS, &timeout);
		sweep(s);
		pfds[n++] = (struct pollfd){s->listen_fd, POLLIN, 0};
		for (size_t i = 0; i < s->n_links; i++) {
			rlink *l = s->links[i];
			short ev = events_of(l);
			polled[n - 1] = l;
			/* Nothing to wait for (a delayed answer): not even a hang-up. */
			pfds[n++] = (struct pollfd){ev ? relay_link_fd(l) : -1, ev, 0};
		}
		if (s->metrics)
			n_metrics = relay_metrics_poll(s->metrics, pfds + n, RELAY_METRICS_FDS,
						       &timeout);
		memcpy(pfds + n + n_metrics, redis_pfds, n_redis * sizeof(*pfds));
		if (poll(pfds, n + n_metrics + n_redis, timeout) < 0 && errno != EINTR)
			break;
		now = relay_now_us();
		if (pfds[0].revents)
			accept_all(s, now);
		for (size_t k = 1; k < n; k++) {
			rlink *l = polled[k - 1];
			if (l->dead || (!pfds[k].revents && !l->more))
				continue;
			if (!relay_step(s, l, now, &again))
				mark_dead(l);
		}
		/* Redis's answers move their links on; what they have to
		 * send is polled for in the next turn. */
		relay_store_handle(s->store, pfds + n + n_metrics, n_redis);
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
