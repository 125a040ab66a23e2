/* SPDX-License-Identifier: MIT */
/* transport/tls: the link between sharer and viewer, over TLS 1.3.
 *
 * The viewer listens, issues one-time connection codes and serves one
 * session; the sharer connects, sends the customer's code and streams.
 * docs/protocol.md is the contract; this file holds the options, the
 * sockets and the stage's loop, viewer.c and sharer.c the two sides. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#define KYOYU_LOG_COMPONENT "transport/tls"
#include <kyoyu/kyoyu.h>

#include "plugins/common/i18n.h"
#include "proto/net.h"
#include "relay-link.h"
#include "sharer.h"
#include "tls.h"
#include "viewer.h"

/* The bus, the listening socket or the relay's parked link, waiting
 * connections, the session. */
#define MAX_POLL (2 + KT_VIEWER_MAX_PENDING + KP_PEER_MAX_POLL)

typedef struct transport {
	/* options */
	const char *host, *listen_on, *pin, *ca_file, *cert, *key, *name, *relay, *relay_pin;
	int port, listen_port, code_ttl_s, attempts_per_minute, reject_delay_ms;
	int handshake_timeout_s, timeout_s, keepalive_s, grace_s, max_queue_ms;
	int connect_timeout_s;

	const kyoyu_host *host_info;
	kyoyu_bus *bus;
	kyoyu_stage *stage; /* from start(): the sockets, viewer and sharer are its thread's */
	kt_tls *tls;
	char display_name[KP_WIRE_NAME_TEXT_SIZE];
	char target[300];
	/* With transport.relay: its host and port, the TLS that speaks to it,
	 * the viewer's parked link waiting for a code and a customer, and the
	 * code a sharer is about to claim. */
	char relay_host[256], relay_port[8];
	kt_tls *relay_tls;
	kt_identity shown_as; /* viewer: its certificate's names */
	void *offer;
	int offer_fd;
	short offer_events;
	/* A parked link lost, or a relay not reached: a new one is asked for
	 * at this time (0: not), after a pause that doubles up to a limit. */
	int64_t offer_retry_us;
	int offer_backoff_s;
	char claim[KP_WIRE_CODE_DIGITS];
	bool have_claim;
	/* The session's re-join ticket from the relay; the viewer's link
	 * going back with it (in offer/offer_fd, rejoining), tried again at
	 * rejoin_retry_us while the session waits within its grace. */
	kt_relay_ticket ticket;
	bool rejoining;
	int64_t rejoin_retry_us;
	int listen_fd;
	int64_t listen_paused_until_us; /* out of descriptors: accept later */
	kt_viewer *viewer;
	kt_sharer *sharer;
	bool net_started; /* kp_net_init() done, kp_net_fini() owed */
} transport;

static const kyoyu_option options[] = {
	KYOYU_OPTION_STRING("host", transport, host, "localhost",
			    "sharer: the viewer's host name or address (checked against "
			    "its certificate with ca_file)"),
	KYOYU_OPTION_INT("port", transport, port, 7447, 0, 65535,
			 "sharer: the viewer's port; viewer: the port to listen on "
			 "(0: any free one, logged)"),
	KYOYU_OPTION_STRING("listen", transport, listen_on, "0.0.0.0",
			    "viewer: the address to listen on"),
	KYOYU_OPTION_INT("listen_port", transport, listen_port, -1, -1, 65535,
			 "viewer: the port to listen on when it is not transport.port "
			 "(behind a port forward; 0: any free one, logged)"),
	KYOYU_OPTION_STRING("pin", transport, pin, NULL,
			    "sharer: the viewer's key, \"sha256//BASE64\" as printed by "
			    "kyoyu-agent --make-cert"),
	KYOYU_OPTION_STRING("ca_file", transport, ca_file, NULL,
			    "sharer: PEM file of the CA that signed the viewer's certificate"),
	KYOYU_OPTION_STRING("cert", transport, cert, NULL,
			    "viewer: its certificate (PEM; kyoyu-agent --make-cert DIR)"),
	KYOYU_OPTION_STRING("key", transport, key, NULL, "viewer: its private key (PEM)"),
	KYOYU_OPTION_TEXT("name", transport, name, NULL, KP_WIRE_NAME_CHARS,
				"the name the other side sees (default: user@host)"),
	KYOYU_OPTION_INT("code_ttl_s", transport, code_ttl_s, 600, 1, 86400,
			 "viewer: a connection code stops working after this long"),
	KYOYU_OPTION_INT("attempts_per_minute", transport, attempts_per_minute, 10, 1, 1000,
			 "viewer: code attempts allowed per address and minute"),
	KYOYU_OPTION_INT("reject_delay_ms", transport, reject_delay_ms, 1000, 0, 10000,
			 "viewer: a refused code is answered after this delay, whatever "
			 "the reason"),
	KYOYU_OPTION_INT("handshake_timeout_s", transport, handshake_timeout_s, 10, 1, 120,
			 "viewer: a connection must say hello within this time"),
	KYOYU_OPTION_INT("timeout_s", transport, timeout_s, 15, 2, 600,
			 "the link counts as lost after this long without a byte"),
	KYOYU_OPTION_INT("keepalive_s", transport, keepalive_s, 5, 1, 300,
			 "viewer: ping interval while no video flows"),
	KYOYU_OPTION_INT("grace_s", transport, grace_s, 30, 1, KP_WIRE_MAX_GRACE_S,
			 "viewer: how long a dropped sharer may take to come back"),
	KYOYU_OPTION_INT("max_queue_ms", transport, max_queue_ms, 150, 20, 5000,
			 "sharer: video waiting longer than this lowers the bitrate"),
	KYOYU_OPTION_INT("connect_timeout_s", transport, connect_timeout_s, 15, 1, 300,
			 "sharer: time allowed to connect and be welcomed"),
	KYOYU_OPTION_STRING("relay", transport, relay, NULL,
			    "both: \"HOST:PORT\" of the desk's kyoyu-relay; both sides dial "
			    "out to it instead of the sharer dialling the viewer"),
	KYOYU_OPTION_STRING("relay_pin", transport, relay_pin, NULL,
			    "both: the relay's key, \"sha256//BASE64\" (with transport.relay)"),
	KYOYU_OPTION_END,
};

/* "HOST:PORT" or "[V6]:PORT" into T->relay_host and T->relay_port. */
static int parse_relay(transport *t, char *err, size_t errlen)
{
	const char *colon = strrchr(t->relay, ':');
	const char *host = t->relay;
	size_t hlen = colon ? (size_t)(colon - host) : 0;
	char *end;
	long port = colon ? strtol(colon + 1, &end, 10) : 0;

	if (hlen >= 2 && host[0] == '[' && host[hlen - 1] == ']') {
		host++;
		hlen -= 2;
	}
	if (!colon || hlen == 0 || hlen >= sizeof(t->relay_host) || *end || port < 1 ||
	    port > 65535) {
		snprintf(err, errlen, "transport.relay \"%s\" is not of the form HOST:PORT",
			 t->relay);
		return -EINVAL;
	}
	memcpy(t->relay_host, host, hlen);
	t->relay_host[hlen] = '\0';
	snprintf(t->relay_port, sizeof(t->relay_port), "%ld", port);
	return 0;
}

/* The TLS that speaks to the relay: its key pinned; the viewer shows its
 * operator certificate. */
static int make_relay_tls(transport *t, uint32_t role, kt_tls **out, char *err,
			  size_t errlen)
{
	int ret;

	if ((ret = parse_relay(t, err, errlen)))
		return ret;
	if (!t->relay_pin || !*t->relay_pin) {
		snprintf(err, errlen, "transport.relay needs transport.relay_pin: the relay's "
			 "key, as printed when its certificate was made");
		return -EINVAL;
	}
	ret = kt_tls_new_client(NULL, t->relay_pin, t->relay_host, out, err, errlen);
	if (ret) {
		/* Its messages name transport.pin: say which pin it was. */
		if (strstr(err, "transport.pin"))
			snprintf(err, errlen, "transport.relay_pin \"%s\" is not of the form "
				 "sha256//<44 characters of base64>", t->relay_pin);
		return ret;
	}
	kt_tls_name_peer(*out, "relay", "transport.relay_pin");
	if (role == KYOYU_ROLE_VIEWER && (ret = kt_tls_use_identity(*out, t->cert, t->key,
								   err, errlen))) {
		kt_tls_free(*out);
		*out = NULL;
	}
	return ret;
}

/* The TLS side of ROLE from the options: the viewer's certificate and key,
 * or what the sharer checks the viewer's against. */
static int make_tls(transport *t, uint32_t role, kt_tls **out, char *err, size_t errlen)
{
	if (role == KYOYU_ROLE_SHARER) {
		if (t->relay && *t->relay)
			/* The operator is known by the desk CA's word (or the
			 * pin), not by a host name: the relay's is not theirs. */
			return kt_tls_new_client(t->ca_file, t->pin, NULL, out, err, errlen);
		if (t->port == 0) {
			snprintf(err, errlen, "the sharer needs transport.port: the viewer's port");
			return -EINVAL;
		}
		return kt_tls_new_client(t->ca_file, t->pin, t->host, out, err, errlen);
	}
	if (!t->cert || !t->key) {
		snprintf(err, errlen, "the viewer needs transport.cert and transport.key; make "
			 "them with: kyoyu-agent --make-cert DIR");
		return -EINVAL;
	}
	return kt_tls_new_server(t->cert, t->key, out, err, errlen);
}

/* Also undoes a failed init (what it made so far). */
static void transport_fini(void *priv)
{
	transport *t = priv;

	kt_tls_free(t->tls);
	kt_tls_free(t->relay_tls);
	t->tls = NULL;
	t->relay_tls = NULL;
	if (t->net_started)
		kp_net_fini();
	t->net_started = false;
}

static int transport_init(void *priv, const kyoyu_host *host)
{
	transport *t = priv;
	char err[512] = "";
	int ret;

	t->host_info = host;
	t->bus = host->bus;
	t->listen_fd = -1;
	t->offer_fd = -1;
	if (kp_net_init() != 0) {
		kyoyu_error("the system's sockets cannot be used (Winsock did not start)");
		return -ENOSYS;
	}
	t->net_started = true;
	if (t->name && *t->name)
		snprintf(t->display_name, sizeof(t->display_name), "%s", t->name);
	else
		kp_net_default_name(t->display_name, sizeof(t->display_name));
	if (!kp_wire_name_ok(t->display_name, strlen(t->display_name))) {
		kyoyu_error("transport.name must be printable text (UTF-8, no control "
			    "characters) of at most %d characters", KP_WIRE_NAME_CHARS);
		transport_fini(t);
		return -EINVAL;
	}
	if (host->role == KYOYU_ROLE_SHARER) {
		if (!host->codecs || !host->codecs[0]) {
			kyoyu_error("the sharer has no video codec to offer");
			transport_fini(t);
			return -EINVAL;
		}
		snprintf(t->target, sizeof(t->target), "%s:%d", t->host, t->port);
	}
	if ((ret = make_tls(t, host->role, &t->tls, err, sizeof(err))) != 0 ||
	    (t->relay && *t->relay &&
	     (ret = make_relay_tls(t, host->role, &t->relay_tls, err, sizeof(err))) != 0)) {
		kyoyu_error("%s", err);
		transport_fini(t);
		return ret;
	}
	if (t->relay_tls && host->role == KYOYU_ROLE_SHARER)
		snprintf(t->target, sizeof(t->target), "the relay %s", t->relay);
	return KYOYU_OK;
}

/* For --check-config: the certificate, key, pin or CA read and parsed as
 * init() would, then let go. */
static int transport_check(void *priv, const kyoyu_host *host, char *err, size_t errlen)
{
	transport *t = priv;
	kt_tls *tls = NULL, *relay_tls = NULL;
	int ret = make_tls(t, host->role, &tls, err, errlen);

	if (!ret && t->relay && *t->relay)
		ret = make_relay_tls(t, host->role, &relay_tls, err, errlen);
	kt_tls_free(tls);
	kt_tls_free(relay_tls);
	return ret;
}

static kp_peer_config peer_config(const transport *t)
{
	return (kp_peer_config){
		.role = t->host_info->role,
		.timeout_us = (int64_t)t->timeout_s * 1000000,
		.keepalive_us = (int64_t)t->keepalive_s * 1000000,
		.max_queue_us = (int64_t)t->max_queue_ms * 1000,
		.ceiling_kbps = t->host_info->bitrate_kbps,
		.name = "transport/tls",
		.stage = t->stage,
	};
}

static void describe(const struct sockaddr *sa, char *ip, size_t iplen, char *full,
		     size_t fulllen)
{
	char port[16] = "";

	if (getnameinfo(sa, sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
						      : sizeof(struct sockaddr_in),
			ip, (socklen_t)iplen, port, sizeof(port),
			NI_NUMERICHOST | NI_NUMERICSERV) != 0)
		snprintf(ip, iplen, "?");
	snprintf(full, fulllen, "%s:%s", ip, port);
}

/* ---- the viewer's socket ------------------------------------------------ */

static int listen_socket(transport *t)
{
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
				 .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
	struct addrinfo *ai;
	char port[16];

	snprintf(port, sizeof(port), "%d", t->listen_port >= 0 ? t->listen_port : t->port);
	int ret = getaddrinfo(t->listen_on, port, &hints, &ai);
	if (ret) {
		kyoyu_error("transport.listen \"%s\": %s", t->listen_on, gai_strerror(ret));
		return -EINVAL;
	}
	int fd = kp_net_socket(ai->ai_family);
	ret = fd < 0 ? fd : kp_net_listen(fd, ai->ai_addr, (socklen_t)ai->ai_addrlen);
	if (ret) {
		kyoyu_error("cannot listen on %s port %s: %s (is another viewer running? "
			    "set transport.port)", t->listen_on, port, kp_net_strerror(-ret));
		if (fd >= 0)
			kp_net_close(fd);
		freeaddrinfo(ai);
		return ret;
	}
	freeaddrinfo(ai);
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char ip[64], full[96];
	getsockname(fd, (struct sockaddr *)&ss, &len);
	describe((struct sockaddr *)&ss, ip, sizeof(ip), full, sizeof(full));
	kyoyu_info("waiting for the customer on %s", full);
	t->listen_fd = fd;
	return 0;
}

static void accept_all(transport *t, int64_t now)
{
	KYOYU_ASSERT_STAGE_THREAD(t->stage);
	for (;;) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);
		int fd = kp_net_accept(t->listen_fd, &ss, &len);
		if (fd < 0) {
			if (fd == -EMFILE || fd == -ENFILE || fd == -ENOBUFS || fd == -ENOMEM) {
				kyoyu_warn("cannot accept a connection (%s): trying again in 1 s",
					   kp_net_strerror(-fd));
				t->listen_paused_until_us = now + 1000000;
			}
			return;
		}
		char ip[64], full[96];
		describe((struct sockaddr *)&ss, ip, sizeof(ip), full, sizeof(full));
		kp_net_tune_latency(fd);
		void *io = kt_tls_wrap(t->tls, fd);
		if (!io) {
			kp_net_close(fd);
			continue;
		}
		kp_conn *conn = kp_conn_new(fd, full, &kt_tls_io, io, 0, now);
		if (conn)
			kt_viewer_adopt(t->viewer, conn, ip, now);
	}
}

/* How many connections may wait for admission: every one holds a
 * descriptor (the bus, the session, plugins and libraries keep 64). */
static size_t pending_slots(void)
{
	return kp_net_connection_slots(KT_VIEWER_MAX_PENDING, 64);
}

/* ---- the sharer's connector -------------------------------------------- */

/* Starts a non-blocking connection to HOST:PORT (WHAT names the option, for
 * messages). */
static int dial(const char *host, const char *port, const char *what, int *out, char *err,
		size_t errlen)
{
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
				 .ai_flags = AI_NUMERICSERV};
	struct addrinfo *ai;

	int ret = getaddrinfo(host, port, &hints, &ai);
	if (ret) {
		snprintf(err, errlen, "cannot find \"%s\" (%s): %s", host, what,
			 gai_strerror(ret));
		return -EHOSTUNREACH;
	}
	int fd = kp_net_socket(ai->ai_family);
	ret = fd < 0 ? fd : kp_net_connect(fd, ai->ai_addr, (socklen_t)ai->ai_addrlen);
	if (ret && ret != -EINPROGRESS) {
		snprintf(err, errlen, "%s", kp_net_strerror(-ret));
		if (fd >= 0)
			kp_net_close(fd);
		freeaddrinfo(ai);
		return ret;
	}
	freeaddrinfo(ai);
	kp_net_tune_latency(fd);
	*out = fd;
	return 0;
}

static int tcp_open(void *ctx, int *out, char *err, size_t errlen)
{
	transport *t = ctx;
	char port[16];

	KYOYU_ASSERT_STAGE_THREAD(t->stage);
	if (t->relay_tls)
		return dial(t->relay_host, t->relay_port, "transport.relay", out, err, errlen);
	snprintf(port, sizeof(port), "%d", t->port);
	return dial(t->host, port, "transport.host", out, err, errlen);
}

static kp_conn *tls_wrap(void *ctx, int fd, char *err, size_t errlen)
{
	transport *t = ctx;
	void *io;

	KYOYU_ASSERT_STAGE_THREAD(t->stage);
	io = kt_tls_wrap(t->tls, fd);
	if (!io) {
		snprintf(err, errlen, "cannot start TLS (out of memory)");
		kp_net_close(fd);
		return NULL;
	}
	kp_conn *conn = kp_conn_new(fd, t->target, &kt_tls_io, io, 0, kyoyu_now_us());
	if (!conn)
		snprintf(err, errlen, "out of memory");
	return conn;
}

/* ---- through the relay ----------------------------------------------------- */

static void relay_remember_code(void *ctx, const char digits[KP_WIRE_CODE_DIGITS])
{
	transport *t = ctx;

	memcpy(t->claim, digits, KP_WIRE_CODE_DIGITS);
	t->have_claim = true;
}

/* The sharer's link: a CLAIM of the customer's code, then the viewer. */
static kp_conn *relay_wrap(void *ctx, int fd, char *err, size_t errlen)
{
	transport *t = ctx;
	kp_relay_msg claim = {.type = KP_RELAY_CLAIM, .reason = KP_RELAY_CAN_REJOIN};

	KYOYU_ASSERT_STAGE_THREAD(t->stage);
	if (t->have_claim) {
		memcpy(claim.digits, t->claim, KP_WIRE_CODE_DIGITS);
	} else if (t->ticket.valid) {
		/* Coming back after a dropped link. */
		claim = (kp_relay_msg){.type = KP_RELAY_REJOIN, .reason = KP_RELAY_SIDE_SHARER};
		memcpy(claim.ticket, t->ticket.bytes, KP_RELAY_TICKET_SIZE);
	}
	OPENSSL_cleanse(t->claim, sizeof(t->claim));
	t->have_claim = false;
	void *io = kt_relay_wrap(t->relay_tls, t->tls, fd, &claim, &t->ticket);
	OPENSSL_cleanse(&claim, sizeof(claim));
	if (!io) {
		snprintf(err, errlen, "cannot start TLS (out of memory)");
		kp_net_close(fd);
		return NULL;
	}
	kp_conn *conn = kp_conn_new(fd, t->target, &kt_relay_io, io, 0, kyoyu_now_us());
	if (!conn)
		snprintf(err, errlen, "out of memory");
	return conn;
}

static bool relay_refused(void *ctx, kp_conn *conn)
{
	return kt_relay_refused_peer(kp_conn_io_ctx(conn));
}

static void relay_identity(void *ctx, kp_conn *conn, kt_identity *out)
{
	void *inner = kt_relay_inner(kp_conn_io_ctx(conn));

	if (inner)
		kt_tls_peer_identity(inner, out);
	else
		memset(out, 0, sizeof(*out));
}

static void drop_offer(transport *t)
{
	if (t->offer_fd < 0)
		return;
	kt_relay_io.close(t->offer, false);
	kp_net_close(t->offer_fd);
	t->offer = NULL;
	t->offer_fd = -1;
}

/* A relay node that died, or a network that dropped: another node behind
 * the desk's address, or the same one back, is asked again after 1, 2, 4
 * ... up to 30 s. */
#define OFFER_BACKOFF_MAX_S 30
static void retry_offer_later(transport *t, int64_t now)
{
	t->offer_backoff_s = t->offer_backoff_s ? t->offer_backoff_s * 2 : 1;
	if (t->offer_backoff_s > OFFER_BACKOFF_MAX_S)
		t->offer_backoff_s = OFFER_BACKOFF_MAX_S;
	t->offer_retry_us = now + (int64_t)t->offer_backoff_s * 1000000;
}

/* Dials the relay and wraps the link, FIRST its first message: t->offer and
 * t->offer_fd, or a negative errno with ERR said and t->offer_fd -1. */
static int open_relay_link(transport *t, const kp_relay_msg *first, char *err, size_t errlen)
{
	int ret = dial(t->relay_host, t->relay_port, "transport.relay", &t->offer_fd, err,
		       errlen);
	if (ret == 0 &&
	    !(t->offer = kt_relay_wrap(t->relay_tls, t->tls, t->offer_fd, first, &t->ticket))) {
		kp_net_close(t->offer_fd);
		snprintf(err, errlen, "out of memory");
		ret = -ENOMEM;
	}
	if (ret)
		t->offer_fd = -1;
	return ret;
}

/* kt_viewer's want_code: parks a new link at the relay, which answers with
 * a code (dropping the old link retires the old code). */
static int relay_want_code(void *ctx)
{
	transport *t = ctx;
	/* The grace tells the relay how long to keep the session's ticket. */
	kp_relay_msg offer = {.type = KP_RELAY_OFFER, .retry_s = (uint16_t)t->grace_s};
	char err[256];

	KYOYU_ASSERT_STAGE_THREAD(t->stage);
	drop_offer(t);
	t->offer_retry_us = 0;
	if (open_relay_link(t, &offer, err, sizeof(err))) {
		kyoyu_error("cannot reach the relay at %s: %s", t->relay, err);
		kt_viewer_code_refused(t->viewer, N_("the relay cannot be reached; a new code "
						     "is asked for by itself when it can be"));
		/* The viewer stays and asks again, as the operator may. */
		retry_offer_later(t, kyoyu_now_us());
		return 0;
	}
	/* The parked link is silent for up to the code's life: keepalives
	 * hold a NAT's mapping open and find a relay that vanished. */
	kp_net_keepalive(t->offer_fd, 60, 20, 3);
	t->offer_events = POLLOUT; /* connected */
	return 0;
}

/* The viewer's session lost its customer: the viewer goes back to the
 * relay with the session's ticket and waits there for the customer (or
 * finds it waiting), on whichever node the desk's address leads to.
 * Tried again every second while the session waits. */
#define REJOIN_RETRY_US 1000000
static void relay_rejoin(transport *t, int64_t now)
{
	kp_relay_msg req = {.type = KP_RELAY_REJOIN, .reason = KP_RELAY_SIDE_VIEWER};
	char err[256];

	KYOYU_ASSERT_STAGE_THREAD(t->stage);
	t->rejoin_retry_us = now + REJOIN_RETRY_US;
	memcpy(req.ticket, t->ticket.bytes, KP_RELAY_TICKET_SIZE);
	int ret = open_relay_link(t, &req, err, sizeof(err));
	OPENSSL_cleanse(&req, sizeof(req));
	if (ret) {
		kyoyu_warn("cannot reach the relay at %s to go back to the session yet: %s",
			   t->relay, err);
		return;
	}
	kyoyu_info("going back to the relay at %s for the customer", t->relay);
	t->rejoining = true;
	t->offer_events = POLLOUT; /* connected */
}

/* The parked link moved: a code to show, a customer joined, or the end. */
static void relay_offer_moved(transport *t, int64_t now)
{
	kp_relay_msg got;
	char text[200];

	int ret = kt_relay_advance(t->offer, &got, &t->offer_events);
	if (ret == -EAGAIN)
		return;
	if (t->rejoining && ret != KP_RELAY_JOINED) {
		kyoyu_warn("the relay at %s did not take the viewer back to the session: %s%s",
			   t->relay, kt_relay_io.error(t->offer),
			   t->ticket.valid ? "; trying again" : "");
		drop_offer(t);
		t->rejoining = false;
		return;
	}
	if (ret == KP_RELAY_CODE) {
		t->offer_backoff_s = 0;
		kt_viewer_show_code(t->viewer, got.digits, now);
		OPENSSL_cleanse(&got, sizeof(got));
		t->offer_events = POLLIN;
		return;
	}
	if (ret == KP_RELAY_JOINED) {
		char addr[sizeof(got.addr) + 16];
		snprintf(addr, sizeof(addr), "%s via the relay", got.addr);
		kp_conn *conn = kp_conn_new(t->offer_fd, addr, &kt_relay_io, t->offer, 0, now);
		t->offer = NULL;
		t->offer_fd = -1;
		t->rejoining = false;
		if (conn)
			kt_viewer_adopt(t->viewer, conn, got.addr, now);
		return;
	}
	const char *why = kt_relay_io.error(t->offer);
	kyoyu_error("the relay at %s: %s", t->relay, why);
	/* The operator's window translates these (po/): fixed words, the
	 * details in the log line above. */
	if (ret == -ECONNREFUSED && got.reason == KP_RELAY_UNAVAILABLE)
		snprintf(text, sizeof(text), "%s",
			 N_("the relay cannot issue codes right now (its code store is "
			    "unreachable); try again in a minute"));
	else if (ret == -ECONNREFUSED && got.reason == KP_RELAY_BAD_CODE)
		/* What the relay says to a parked link whose code ran out. */
		snprintf(text, sizeof(text), "%s",
			 N_("the code expired at the relay; ask for a new one"));
	else if (ret == -ECONNREFUSED)
		snprintf(text, sizeof(text), "%s", kp_relay_reason_text(got.reason));
	else
		snprintf(text, sizeof(text), "%s",
			 N_("the link to the relay was lost; a new code is asked for by "
			    "itself"));
	kt_viewer_code_refused(t->viewer, text);
	drop_offer(t);
	if (ret != -ECONNREFUSED)
		retry_offer_later(t, now);
}

static bool tls_refused(void *ctx, kp_conn *conn)
{
	transport *t = ctx;

	KYOYU_ASSERT_STAGE_THREAD(t->stage);
	return kt_tls_refused_peer(kp_conn_io_ctx(conn));
}

static void tls_identity(void *ctx, kp_conn *conn, kt_identity *out)
{
	kt_tls_peer_identity(kp_conn_io_ctx(conn), out);
}

/* ---- the stage ------------------------------------------------------------ */

static int transport_start(void *priv, kyoyu_stage *stage)
{
	transport *t = priv;
	const kyoyu_host *h = t->host_info;
	uint64_t mask = KYOYU_MSG_BIT(KYOYU_MSG_STATE) | KYOYU_MSG_BIT(KYOYU_MSG_CODE) |
			KYOYU_MSG_BIT(KYOYU_MSG_LIMITS);

	t->stage = stage;
	if (h->role == KYOYU_ROLE_VIEWER) {
		kt_tls_own_identity(t->tls, &t->shown_as);
		kt_viewer_config vc = {
			.peer = peer_config(t),
			.code_ttl_us = (int64_t)t->code_ttl_s * 1000000,
			.attempts_per_minute = t->attempts_per_minute,
			.reject_delay_us = (int64_t)t->reject_delay_ms * 1000,
			.handshake_timeout_us = (int64_t)t->handshake_timeout_s * 1000000,
			.max_pending = pending_slots(),
			.grace_us = (int64_t)t->grace_s * 1000000,
			.name = t->display_name,
			.shown_name = t->shown_as.name,
			.shown_org = t->shown_as.org,
			.codecs = h->codecs,
			.recording = h->recording,
			.recording_optional = h->recording_optional,
		};
		if (t->relay_tls) {
			vc.want_code = relay_want_code;
			vc.want_code_ctx = t;
		} else {
			int ret = listen_socket(t);
			if (ret)
				return ret;
		}
		t->viewer = kt_viewer_new(t->bus, &vc);
		mask |= KYOYU_MSG_BIT(KYOYU_MSG_POINTER) | KYOYU_MSG_BIT(KYOYU_MSG_KEYFRAME_REQUEST) |
			KYOYU_MSG_BIT(KYOYU_MSG_NOTICE);
	} else {
		kt_sharer_config sc = {
			.peer = peer_config(t),
			.connect_timeout_us = (int64_t)t->connect_timeout_s * 1000000,
			.name = t->display_name,
			.target = t->target,
		};
		for (const uint32_t *c = h->codecs; *c && sc.n_codecs < KP_WIRE_MAX_CODECS; c++)
			sc.codecs[sc.n_codecs++] = *c;
		kt_connector con = {tcp_open, tls_wrap, tls_refused, tls_identity, t, NULL};
		if (t->relay_tls)
			con = (kt_connector){tcp_open, relay_wrap, relay_refused, relay_identity, t,
					     relay_remember_code};
		t->sharer = kt_sharer_new(t->bus, &sc, &con);
		/* Packets go to the peer's own inbox, read when the socket
		 * has room. */
		mask |= KYOYU_MSG_BIT(KYOYU_MSG_CURSOR) | KYOYU_MSG_BIT(KYOYU_MSG_CONSENT);
	}
	if (!t->viewer && !t->sharer) {
		if (t->listen_fd >= 0)
			kp_net_close(t->listen_fd);
		t->listen_fd = -1;
		return -ENOMEM;
	}
	kyoyu_inbox_set_mask(kyoyu_stage_inbox(stage), mask);
	return 0;
}

static void take_messages(transport *t, kyoyu_inbox *inbox)
{
	kyoyu_msg *msg;

	KYOYU_ASSERT_STAGE_THREAD(t->stage);
	/* Bounded, so a flood of messages cannot starve the sockets. */
	for (int i = 0; i < 256 && kyoyu_inbox_pop(inbox, &msg, 0) == 0; i++) {
		if (t->viewer)
			kt_viewer_on_bus(t->viewer, msg);
		else
			kt_sharer_on_bus(t->sharer, msg);
	}
}

static int transport_run(void *priv, kyoyu_stage *stage)
{
	transport *t = priv;
	kyoyu_inbox *inbox = kyoyu_stage_inbox(stage);
	struct pollfd pfds[MAX_POLL];
	int inbox_fd = kyoyu_inbox_fd(inbox);

	if (inbox_fd < 0) {
		kyoyu_error("no file descriptor left to wait for the bus on; raise the "
			    "limit of open files (ulimit -n)");
		return -EMFILE;
	}

	kp_net_thread_init();

	if (t->viewer && kt_viewer_start(t->viewer, kyoyu_now_us()))
		return -EIO;
	if (t->sharer)
		kt_sharer_start(t->sharer, kyoyu_now_us());
	while (!kyoyu_stage_stopping(stage)) {
		int64_t now = kyoyu_now_us();
		int timeout = -1;
		size_t n = 0, base;
		pfds[n++] = (struct pollfd){inbox_fd, POLLIN, 0};
		if (t->listen_fd >= 0 && !kt_viewer_done(t->viewer)) {
			if (now >= t->listen_paused_until_us)
				pfds[n++] = (struct pollfd){t->listen_fd, POLLIN, 0};
			else
				timeout = (int)((t->listen_paused_until_us - now) / 1000) + 1;
		}
		bool offer_polled = false;
		if (t->offer_retry_us && t->offer_fd < 0 && t->viewer &&
		    !kt_viewer_done(t->viewer) && !kt_viewer_busy(t->viewer)) {
			if (now >= t->offer_retry_us) {
				kyoyu_info("asking the relay at %s for a new code", t->relay);
				relay_want_code(t);
			} else {
				int ms = (int)((t->offer_retry_us - now) / 1000) + 1;
				if (timeout < 0 || ms < timeout)
					timeout = ms;
			}
		}
		if (t->viewer && t->ticket.valid && t->offer_fd < 0 &&
		    kt_viewer_lost(t->viewer)) {
			if (now >= t->rejoin_retry_us) {
				relay_rejoin(t, now);
			} else {
				int ms = (int)((t->rejoin_retry_us - now) / 1000) + 1;
				if (timeout < 0 || ms < timeout)
					timeout = ms;
			}
		}
		if (t->offer_fd >= 0 && !kt_viewer_done(t->viewer)) {
			pfds[n++] = (struct pollfd){t->offer_fd, t->offer_events, 0};
			offer_polled = true;
		}
		base = n;
		if (t->viewer) {
			n += kt_viewer_prepare(t->viewer, pfds + n, MAX_POLL - n, &timeout, now);
			if (kt_viewer_done(t->viewer))
				break;
		} else {
			n += kt_sharer_prepare(t->sharer, pfds + n, MAX_POLL - n, &timeout, now);
			if (kt_sharer_done(t->sharer))
				break;
		}
		int ready = kp_net_poll(pfds, n, timeout);
		if (ready < 0 && ready != -EINTR)
			return ready;
		now = kyoyu_now_us();
		if (pfds[0].revents)
			take_messages(t, inbox);
		if (t->listen_fd >= 0 && base == 2 && pfds[1].revents)
			accept_all(t, now);
		if (offer_polled && pfds[1].revents)
			relay_offer_moved(t, now);
		if (t->viewer)
			kt_viewer_handle(t->viewer, pfds + base, n - base, now);
		else
			kt_sharer_handle(t->sharer, pfds + base, n - base, now);
	}
	return 0;
}

static void transport_stop(void *priv)
{
	transport *t = priv;

	drop_offer(t);
	OPENSSL_cleanse(&t->ticket, sizeof(t->ticket));
	kt_viewer_free(t->viewer);
	kt_sharer_free(t->sharer);
	t->viewer = NULL;
	t->sharer = NULL;
	if (t->listen_fd >= 0)
		kp_net_close(t->listen_fd);
	t->listen_fd = -1;
}

static const kyoyu_stage_ops ops = {
	.size = sizeof(kyoyu_stage_ops),
	.start = transport_start,
	.run = transport_run,
	.stop = transport_stop,
};

static const kyoyu_plugin_descriptor descriptor = {
	KYOYU_PLUGIN_HEADER,
	.kind = KYOYU_KIND_TRANSPORT,
	.name = "tls",
	.version = PACKAGE_VERSION,
	.license = "MIT",
	.description = "TLS 1.3 link with one-time connection codes (docs/protocol.md)",
	.priv_size = sizeof(transport),
	.options = options,
	.init = transport_init,
	.fini = transport_fini,
	.ops = &ops,
	.check = transport_check,
};

KYOYU_PLUGIN_DEFINE(kyoyu_transport_tls, descriptor)
