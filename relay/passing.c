/* SPDX-License-Identifier: MIT */
/* Joins across nodes (docs/relay.md, "Several nodes"): a customer whose
 * operator waits on another node is passed to it over TLS with the relay's
 * own certificate, and a node takes what another passes to it only from a
 * peer with the same key. */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#define KYOYU_LOG_COMPONENT "relay"
#include <kyoyu/kyoyu.h>

#include <unistd.h>

#include "server-priv.h"

/* Opens L's way to NODE: a connection at once when NODE's host is an
 * address, else its name is resolved first, off the loop (RESOLVING), as
 * a slow DNS server must not hold every session's bytes.  Returns 0 or a
 * negative errno. */
static int open_to(rlink *l, const char *node)
{
	char host[RELAY_NODE_ADDR_SIZE];

	if (!relay_nodes_split(node, host, l->node_port))
		return -EINVAL;
	if (!relay_resolve_numeric(host)) {
		l->resolving = relay_resolve_start(host);
		l->state = RESOLVING;
		return l->resolving ? 0 : -ENOMEM;
	}
	l->fd = relay_nodes_connect(host, l->node_port);
	if (l->fd < 0) {
		int ret = l->fd;
		l->fd = -1;
		return ret;
	}
	l->state = CONNECTING;
	return SSL_set_fd(l->ssl, l->fd) == 1 ? 0 : -ENOMEM;
}

void relay_pass_to(relay_server *s, rlink *sharer, const char *node, uint64_t link,
		    uint8_t reason, int64_t now)
{
	kp_relay_msg m = {.type = KP_RELAY_PASS, .reason = reason, .link = link};
	rlink *l = NULL;
	int ret = -EMFILE;

	if (s->n_links < (size_t)s->cfg.max_links) {
		ret = -ENOMEM;
		if ((l = calloc(1, sizeof(*l)))) {
			l->fd = -1;
			if ((l->ssl = SSL_new(s->client_ctx)))
				ret = open_to(l, node);
		}
	}
	if (ret) {
		kyoyu_warn("cannot reach the relay node %s where the operator waits (%s): check "
			   "its relay.node_address", node, strerror(-ret));
		goto out_fail;
	}
	SSL_set_connect_state(l->ssl);
	l->outbound = true;
	l->id = ++s->next_id;
	l->deadline_us = now + (int64_t)s->cfg.handshake_timeout_s * 1000000;
	snprintf(l->addr, sizeof(l->addr), "%.*s", (int)sizeof(l->addr) - 1, node);
	if (sharer) {
		snprintf(m.addr, sizeof(m.addr), "%s", sharer->addr);
		/* SHARER may be an operator coming back to its customer. */
		m.retry_s = (uint16_t)((sharer->wants_ticket ? KP_RELAY_PASS_TICKET : 0) |
				       (sharer->sharer ? 0 : KP_RELAY_PASS_VIEWER));
	}
	relay_send_msg(l, &m);
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
		relay_resolve_free(l->resolving);
		if (l->fd >= 0)
			close(l->fd);
		SSL_free(l->ssl);
		free(l);
	}
	ERR_clear_error();
	/* Its code (or ticket) is spent: what one meets for a code gone. */
	if (sharer)
		relay_refuse(sharer, sharer->rejoin ? KP_RELAY_NO_SESSION : KP_RELAY_BAD_CODE, 0,
			     now);
}

void relay_pass_failed(relay_server *s, rlink *l)
{
	rlink *other = l->pass;

	l->pass = other->pass = NULL;
	s->counters.passes_failed++;
	if (other->state == PASSING) {
		kyoyu_warn("the relay node %s did not join the %s at %s to the other side; "
			   "the %s is spent", l->addr, other->sharer ? "customer" : "operator",
			   other->addr, other->rejoin ? "ticket" : "code");
		relay_refuse(other, other->rejoin ? KP_RELAY_NO_SESSION : KP_RELAY_BAD_CODE, 0,
			     relay_now_us());
	} else {
		/* A link to another node whose sharer left: its PASS must not
		 * go out, or that node would join its operator to nobody. */
		other->dead = true;
	}
}

void relay_on_pass_answer(relay_server *s, rlink *l, int64_t now)
{
	kp_relay_msg m;
	bool ok = kp_relay_decode(l->msg, &m);
	rlink *passed = l->pass;

	if (!passed) { /* a notice, or a side that left */
		l->state = CLOSING;
		l->deadline_us = now;
		return;
	}
	if (ok && m.type == KP_RELAY_TICKET && passed->wants_ticket) {
		/* The session's ticket, drawn by the other node: it goes out
		 * just before the JOINED that follows it. */
		relay_queue_msg(passed, &m);
		OPENSSL_cleanse(&m, sizeof(m));
		l->msg_off = 0;
		l->more = true; /* the JOINED may be read already */
		return;
	}
	if (!ok || m.type != KP_RELAY_JOINED) {
		relay_pass_failed(s, l);
		l->state = CLOSING;
		l->deadline_us = now;
		return;
	}
	l->pass = passed->pass = NULL;
	kp_relay_msg joined = {.type = KP_RELAY_JOINED};
	if (passed->sharer) {
		relay_queue_msg(passed, &joined);
		relay_pair(s, l, passed, passed->addr, now);
	} else {
		/* An operator come back: the customer's address is the other
		 * node's word. */
		snprintf(joined.addr, sizeof(joined.addr), "%s", m.addr);
		relay_queue_msg(passed, &joined);
		relay_pair(s, passed, l, m.addr[0] ? m.addr : "(unknown)", now);
	}
}

void relay_on_pass(relay_server *s, rlink *l, const kp_relay_msg *req, int64_t now)
{
	rlink *parked = relay_parked(s, req->link);
	bool viewer_passed = req->reason != KP_RELAY_ATTACKED &&
			     (req->retry_s & KP_RELAY_PASS_VIEWER);
	/* A customer is passed to a parked operator, an operator coming back
	 * to a parked customer: a parked link of the other side. */
	rlink *waiting = parked && parked->sharer == viewer_passed ? parked : NULL;

	if (!relay_nodes_same_key(l->ssl, s->ctx)) {
		kyoyu_warn("%s tried to pass a customer without the relay's own certificate: "
			   "refused", l->addr);
		relay_refuse(l, KP_RELAY_NOT_OPERATOR, 0, now);
		return;
	}
	if (!waiting) {
		kyoyu_info("the relay node at %s passed a customer to an operator who left",
			   l->addr);
		relay_refuse(l, KP_RELAY_BAD_CODE, 0, now);
		return;
	}
	if (req->reason == KP_RELAY_ATTACKED) {
		kyoyu_warn("the code of the operator at %s met %d wrong attempts and no longer "
			   "works", waiting->addr, RELAY_MAX_WRONG);
		relay_refuse(waiting, KP_RELAY_ATTACKED, 0, now);
		relay_refuse(l, KP_RELAY_ATTACKED, 0, now);
		return;
	}
	s->counters.passes_received++;
	l->wants_ticket = req->retry_s & KP_RELAY_PASS_TICKET;
	if (viewer_passed)
		relay_join(s, l, waiting, waiting->addr, now);
	else
		relay_join(s, waiting, l, req->addr[0] ? req->addr : "(unknown)", now);
}
