/* SPDX-License-Identifier: MIT */
/* One link's life at the relay: its states and deadlines, its messages,
 * refusals, pairs and the end of its session. */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#define KYOYU_LOG_COMPONENT "relay"
#include <kyoyu/kyoyu.h>

#include "server-priv.h"

void relay_owner_of(const relay_server *s, const rlink *l, char owner[RELAY_OWNER_SIZE])
{
	relay_owner_format(owner, l->id, s->node);
}

static void session_ended(relay_server *s, rlink *l);
static void retire_code(relay_server *s, rlink *l);

/* Frees L (and ends its session; its peer goes too). */
void relay_link_free(relay_server *s, rlink *l)
{
	if (l->state == PARKED)
		retire_code(s, l);
	if (l->pass)
		relay_pass_failed(s, l);
	if (l->peer) {
		rlink *peer = l->peer;
		session_ended(s, l);
		l->peer = peer->peer = NULL;
		relay_link_free(s, peer);
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
	relay_resolve_free(l->resolving);
	if (l->fd >= 0)
		close(l->fd);
	OPENSSL_cleanse(l, sizeof(*l));
	free(l);
}

int relay_link_fd(const rlink *l)
{
	return l->state == RESOLVING ? relay_resolve_fd(l->resolving) : l->fd;
}

static void session_ended(relay_server *s, rlink *l)
{
	rlink *v = l->sharer ? l->peer : l, *c = l->sharer ? l : l->peer;

	s->counters.sessions_ended++;
	kyoyu_info("session %llu ended after %lld s: %llu bytes to the viewer, %llu to the "
		   "customer", (unsigned long long)v->session,
		   (long long)((relay_now_us() - v->since_us) / 1000000),
		   (unsigned long long)v->forwarded, (unsigned long long)c->forwarded);
}

/* What L waited for in Redis is let go: its code, or its place in a
 * session coming back (whose ticket stays for the rest of its time). */
static void retire_code(relay_server *s, rlink *l)
{
	char owner[RELAY_OWNER_SIZE];

	relay_owner_of(s, l, owner);
	if (l->rejoin)
		relay_store_rejoin_leave(s->store, l->ticket_key, owner);
	else
		relay_store_retire(s->store, l->room, owner);
}

void relay_send_msg(rlink *l, const kp_relay_msg *m)
{
	kp_relay_encode(m, l->out);
	l->out_len = KP_RELAY_MSG_SIZE;
	l->out_off = 0;
}

void relay_queue_msg(rlink *l, const kp_relay_msg *m)
{
	if (l->out_off == l->out_len)
		l->out_off = l->out_len = 0;
	if (l->out_len + KP_RELAY_MSG_SIZE > sizeof(l->out))
		return; /* never: at most a TICKET and a JOINED wait */
	kp_relay_encode(m, l->out + l->out_len);
	l->out_len += KP_RELAY_MSG_SIZE;
}

relay_ref *relay_ref_new(relay_server *s, rlink *l, int64_t now)
{
	relay_ref *ref = calloc(1, sizeof(*ref));

	if (!ref) {
		relay_refuse(l, KP_RELAY_UNAVAILABLE, 60, now);
		return NULL;
	}
	ref->s = s;
	ref->id = l->id;
	l->state = WAITING;
	l->deadline_us = now + WAITING_US;
	return ref;
}

rlink *relay_ref_link(const relay_ref *ref)
{
	relay_server *s = ref->s;

	for (size_t i = 0; i < s->n_links; i++) {
		rlink *l = s->links[i];
		if (l->id == ref->id)
			return l->state == WAITING && !l->dead ? l : NULL;
	}
	return NULL;
}

void relay_ref_free(relay_ref *ref)
{
	OPENSSL_cleanse(ref, sizeof(*ref));
	free(ref);
}

/* Answers and closes once the answer is out. */
void relay_refuse(rlink *l, uint8_t reason, uint16_t retry_s, int64_t now)
{
	kp_relay_msg m = {.type = KP_RELAY_REFUSED, .reason = reason, .retry_s = retry_s};

	relay_send_msg(l, &m);
	l->state = CLOSING;
	l->deadline_us = now + CLOSING_US;
}

/* The parked link LINK of this node, or NULL. */
rlink *relay_parked(relay_server *s, uint64_t link)
{
	for (size_t i = 0; i < s->n_links; i++)
		if (s->links[i]->state == PARKED && s->links[i]->id == link)
			return s->links[i];
	return NULL;
}

/* Pairs VIEWER's side and SHARER's side for forwarding (either may be a
 * link to another node); the callers send the JOINED each needs. */
void relay_pair(relay_server *s, rlink *viewer, rlink *sharer, const char *customer,
		 int64_t now)
{
	viewer->state = sharer->state = JOINED;
	viewer->peer = sharer;
	sharer->peer = viewer;
	viewer->sharer = false;
	sharer->sharer = true;
	viewer->rejoin = sharer->rejoin = false;
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
void relay_join(relay_server *s, rlink *viewer, rlink *sharer, const char *customer,
		int64_t now)
{
	/* What either side had to say before (a code) is out by now. */
	viewer->out_len = viewer->out_off = sharer->out_len = sharer->out_off = 0;
	relay_pair(s, viewer, sharer, customer, now);
	if (!relay_ticket_issue(s, viewer, sharer, customer))
		relay_send_joined(viewer, sharer, customer);
}

void relay_send_joined(rlink *viewer, rlink *sharer, const char *customer)
{
	kp_relay_msg m = {.type = KP_RELAY_JOINED};

	snprintf(m.addr, sizeof(m.addr), "%s", customer);
	relay_queue_msg(viewer, &m);
	m.addr[0] = '\0';
	relay_queue_msg(sharer, &m);
}

/* Runs L's state as far as it goes.  Returns false when L is to be freed;
 * sets *AGAIN when it must run again before poll() waits. */
bool relay_step(relay_server *s, rlink *l, int64_t now, bool *again)
{
	int ret;

	/* Before the join, only a message left in TLS's buffer brings a link
	 * back without poll() (a JOINED right behind a TICKET). */
	if (l->state != JOINED || l->holding)
		l->more = false;

	switch (l->state) {
	case RESOLVING: {
		char addr[RELAY_ADDR_SIZE];
		const char *why = NULL;
		int got = relay_resolve_result(l->resolving, addr, &why);
		if (got == 0)
			return true;
		relay_resolve_free(l->resolving);
		l->resolving = NULL;
		if (got < 0) {
			kyoyu_warn("cannot resolve the relay node %s: %s (check its "
				   "relay.node_address)", l->addr, why ? why : "no address");
			return false;
		}
		l->fd = relay_nodes_connect(addr, l->node_port);
		if (l->fd < 0) {
			kyoyu_warn("cannot connect to the relay node %s at %s: %s", l->addr, addr,
				   strerror(-l->fd));
			l->fd = -1;
			return false;
		}
		if (SSL_set_fd(l->ssl, l->fd) != 1)
			return false;
		l->state = CONNECTING;
		return true; /* connected when poll() says it can write */
	}
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
			if (relay_ssl_result(l, ret, &l->read_wants) == -EAGAIN)
				return true;
			if (l->outbound)
				kyoyu_warn("TLS with the relay node %s failed: %s", l->addr,
					   relay_ssl_reason("the connection broke"));
			else
				kyoyu_debug("TLS handshake with %s failed: %s", l->addr,
					    relay_ssl_reason("the connection broke"));
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
		if (l->state == AWAIT && (ret = relay_write_out(s, l)) != 0)
			return ret == -EAGAIN;
		/* fall through */
	case REQUEST:
		ERR_clear_error();
		ret = SSL_read(l->ssl, l->msg + l->msg_off, (int)(KP_RELAY_MSG_SIZE - l->msg_off));
		if (ret <= 0)
			return relay_ssl_result(l, ret, &l->read_wants) == -EAGAIN;
		l->read_wants = 0;
		l->msg_off += (size_t)ret;
		if (l->msg_off < KP_RELAY_MSG_SIZE)
			return true;
		relay_on_request(s, l, now);
		*again = true;
		return true;
	case PARKED: {
		if (relay_write_out(s, l) == -EIO)
			return false;
		/* A parked side says nothing: a read ends it. */
		uint8_t byte;
		ERR_clear_error();
		ret = SSL_read(l->ssl, &byte, 1);
		const char *who = l->sharer ? "customer" : "operator";
		if (ret > 0) {
			kyoyu_info("the %s at %s spoke out of turn: closed", who, l->addr);
			return false;
		}
		if (relay_ssl_result(l, ret, &l->read_wants) == -EAGAIN)
			return true;
		if (l->rejoin)
			kyoyu_info("the %s at %s left before its session's other side came back",
				   who, l->addr);
		else
			kyoyu_info("the operator at %s left; the code is retired", l->addr);
		return false;
	}
	case DELAYED:
	case PASSING:
	case WAITING:
		return true;
	case CLOSING:
		ret = relay_write_out(s, l);
		return ret == -EAGAIN;
	case JOINED: {
		rlink *p = l->peer;
		if (l->holding) /* JOINED waits for Redis: nothing moves yet */
			return true;
		int a = relay_forward(s, l, p), b = relay_forward(s, p, l);
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
bool relay_timers(relay_server *s, rlink *l, int64_t now, int *timeout_ms)
{
	if (l->state == JOINED) {
		relay_ticket_refresh(s, l, now, timeout_ms);
		return true;
	}
	if (now >= l->deadline_us) {
		switch (l->state) {
		case DELAYED:
			relay_send_msg(l, &l->pending_reply);
			l->state = CLOSING;
			l->deadline_us = now + CLOSING_US;
			return true;
		case PARKED:
			if (l->rejoin) {
				/* Redis dropped the ticket at the same moment. */
				kyoyu_info("the %s at %s waited for its session's other side "
					   "in vain: its grace is over", l->sharer ? "customer"
					   : "operator", l->addr);
				relay_refuse(l, KP_RELAY_NO_SESSION, 0, now);
				return true;
			}
			kyoyu_info("the code of the operator at %s expired", l->addr);
			retire_code(s, l);
			relay_refuse(l, KP_RELAY_BAD_CODE, 0, now);
			return true;
		case RESOLVING:
			kyoyu_warn("the relay node %s had no address within relay."
				   "handshake_timeout_s (%d s): its DNS server is slow or down",
				   l->addr, s->cfg.handshake_timeout_s);
			return false;
		default:
			return false;
		}
	}
	int64_t ms = (l->deadline_us - now + 999) / 1000;
	if (*timeout_ms < 0 || ms < *timeout_ms)
		*timeout_ms = (int)ms;
	return true;
}
