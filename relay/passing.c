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

#include <openssl/err.h>
#include <openssl/ssl.h>

#define KYOYU_LOG_COMPONENT "relay"
#include <kyoyu/kyoyu.h>

#include <unistd.h>

#include "server-priv.h"

/* Opens a link to NODE and sends it PASS for its parked LINK: with
 * SHARER, to join them; without, REASON tells the link its code died. */
void relay_pass_to(relay_server *s, rlink *sharer, const char *node, uint64_t link,
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
		SSL_free(l->ssl);
		free(l);
	}
	if (fd >= 0)
		close(fd);
	ERR_clear_error();
	if (sharer) /* its code is spent: what a customer meets for a code gone */
		relay_refuse(sharer, KP_RELAY_BAD_CODE, 0, now);
}

/* The link L to another node, or the sharer it passes, went away before
 * the join: the other is let go (the sharer is refused). */
void relay_pass_failed(relay_server *s, rlink *l)
{
	rlink *other = l->pass;

	l->pass = other->pass = NULL;
	s->counters.passes_failed++;
	if (other->state == PASSING) {
		kyoyu_warn("the relay node %s did not join the customer at %s to its operator; "
			   "the code is spent", l->addr, other->addr);
		relay_refuse(other, KP_RELAY_BAD_CODE, 0, relay_now_us());
	} else {
		/* A link to another node whose sharer left: its PASS must not
		 * go out, or that node would join its operator to nobody. */
		other->dead = true;
	}
}

/* What the other node answered to PASS. */
void relay_on_pass_answer(relay_server *s, rlink *l, int64_t now)
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
		relay_pass_failed(s, l);
		l->state = CLOSING;
		l->deadline_us = now;
		return;
	}
	l->pass = sharer->pass = NULL;
	m = (kp_relay_msg){.type = KP_RELAY_JOINED};
	relay_send_msg(sharer, &m);
	relay_pair(s, l, sharer, sharer->addr, now);
}

/* Another node passes a customer (or a notice) to one of this node's
 * parked viewers.  Only a node with the relay's own key may. */
void relay_on_pass(relay_server *s, rlink *l, const kp_relay_msg *req, int64_t now)
{
	rlink *viewer = relay_parked(s, req->link);

	if (!relay_nodes_same_key(l->ssl, s->ctx)) {
		kyoyu_warn("%s tried to pass a customer without the relay's own certificate: "
			   "refused", l->addr);
		relay_refuse(l, KP_RELAY_NOT_OPERATOR, 0, now);
		return;
	}
	if (!viewer) {
		kyoyu_info("the relay node at %s passed a customer to an operator who left",
			   l->addr);
		relay_refuse(l, KP_RELAY_BAD_CODE, 0, now);
		return;
	}
	if (req->reason == KP_RELAY_ATTACKED) {
		kyoyu_warn("the code of the operator at %s met %d wrong attempts and no longer "
			   "works", viewer->addr, RELAY_MAX_WRONG);
		relay_refuse(viewer, KP_RELAY_ATTACKED, 0, now);
		relay_refuse(l, KP_RELAY_ATTACKED, 0, now);
		return;
	}
	s->counters.passes_received++;
	relay_join(s, viewer, l, req->addr[0] ? req->addr : "(unknown)", now);
}
