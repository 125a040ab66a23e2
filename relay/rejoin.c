/* SPDX-License-Identifier: MIT */
/* Coming back to a session (docs/relay.md, "Coming back"): at the join the
 * relay gives both sides one ticket, kept in Redis as keyed hashes while
 * the session is joined and for its grace after; after a dropped link or
 * a node that died, each side presents it to whichever node it reaches.
 * The first back waits; the second is joined to it, here or through the
 * node where the first waits, and both get a new ticket.  The agents then
 * resume their own end-to-end session inside, as in direct mode. */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#define KYOYU_LOG_COMPONENT "relay"
#include <kyoyu/kyoyu.h>

#include "server-priv.h"

/* How often a joined session's ticket is made to live on. */
static int refresh_period_s(int grace_s)
{
	int period = grace_s / 4;

	return period < 1 ? 1 : period > TICKET_REFRESH_MAX_S ? TICKET_REFRESH_MAX_S : period;
}

int relay_ticket_ttl(int grace_s)
{
	return grace_s + refresh_period_s(grace_s);
}

void relay_ticket_issue(relay_server *s, rlink *viewer, rlink *sharer, int64_t now)
{
	int grace_s = viewer->grace_s > sharer->grace_s ? viewer->grace_s : sharer->grace_s;
	kp_relay_msg m = {.type = KP_RELAY_TICKET};

	viewer->ticket_key[0] = sharer->ticket_key[0] = '\0';
	if (!viewer->wants_ticket || !sharer->wants_ticket || grace_s <= 0)
		return;
	if (relay_store_ticket_issue(s->store, grace_s, relay_ticket_ttl(grace_s), m.ticket,
				     viewer->ticket_key)) {
		s->counters.redis_errors++;
		kyoyu_warn("no way back for the session of the operator at %s if its link "
			   "drops: Redis cannot keep its ticket now", viewer->addr);
		return;
	}
	viewer->grace_s = grace_s;
	viewer->refresh_us = now + (int64_t)refresh_period_s(grace_s) * 1000000;
	relay_queue_msg(viewer, &m);
	relay_queue_msg(sharer, &m);
	OPENSSL_cleanse(&m, sizeof(m));
}

void relay_ticket_refresh(relay_server *s, rlink *l, int64_t now, int *timeout_ms)
{
	if (!l->ticket_key[0])
		return;
	if (now >= l->refresh_us) {
		relay_store_ticket_refresh(s->store, l->ticket_key, relay_ticket_ttl(l->grace_s));
		l->refresh_us = now + (int64_t)refresh_period_s(l->grace_s) * 1000000;
	}
	int64_t ms = (l->refresh_us - now + 999) / 1000;
	if (*timeout_ms < 0 || ms < *timeout_ms)
		*timeout_ms = (int)ms;
}

/* Redis's answer to a REJOIN: L the link come back, or NULL when it left
 * meanwhile. */
static void rejoined(void *ctx, int ret, int grace_s, int ttl_s, const char *other)
{
	relay_ref *ref = ctx;
	relay_server *s = ref->s;
	rlink *l = relay_ref_link(ref);
	char node[RELAY_NODE_ADDR_SIZE], owner[RELAY_OWNER_SIZE];
	uint64_t link = 0;
	int64_t now = relay_now_us();

	if (!l) {
		/* Its place in the ticket's hash is given up again. */
		relay_owner_format(owner, ref->id, s->node);
		if (ret == RELAY_REJOIN_WAIT)
			relay_store_rejoin_leave(s->store, ref->key, owner);
		relay_ref_free(ref);
		return;
	}
	relay_ref_free(ref);
	const char *who = l->sharer ? "customer" : "operator";
	if (ret < 0) {
		s->counters.redis_errors++;
		relay_refuse(l, KP_RELAY_UNAVAILABLE, 5, now);
		return;
	}
	if (ret == RELAY_REJOIN_UNKNOWN) {
		/* 256 random bits: nothing to learn from the answer's timing. */
		s->counters.rejoins_refused++;
		kyoyu_warn("the %s at %s came back with a ticket that is unknown, used or "
			   "expired: refused", who, l->addr);
		relay_refuse(l, KP_RELAY_NO_SESSION, 0, now);
		return;
	}
	l->grace_s = grace_s > MAX_GRACE_S ? MAX_GRACE_S : grace_s;
	if (ret == RELAY_REJOIN_WAIT) {
		l->state = PARKED;
		l->deadline_us = now + (int64_t)(ttl_s > 0 ? ttl_s : 1) * 1000000;
		kyoyu_info("the %s at %s came back to its session; waiting up to %d s for the "
			   "other side", who, l->addr, ttl_s);
		return;
	}
	/* The ticket is spent: this side joins the one that waits. */
	l->ticket_key[0] = '\0';
	s->counters.rejoins++;
	if (!other || !relay_owner_parse(other, &link, node)) {
		kyoyu_warn("a ticket's waiting link in Redis is not one this relay wrote");
		relay_refuse(l, KP_RELAY_NO_SESSION, 0, now);
		return;
	}
	bool here = strcmp(node, s->node) == 0;
	rlink *waiting = here ? relay_parked(s, link) : NULL;
	if (waiting && waiting->rejoin && waiting->sharer != l->sharer) {
		kyoyu_info("the %s at %s came back, and its session goes on", who, l->addr);
		if (l->sharer)
			relay_join(s, waiting, l, l->addr, now);
		else
			relay_join(s, l, waiting, waiting->addr, now);
	} else if (!here) {
		kyoyu_info("the %s at %s came back; the other side waits at node %s", who,
			   l->addr, node);
		relay_pass_to(s, l, node, link, 0, now);
	} else {
		kyoyu_info("the %s at %s came back just as the other side left", who, l->addr);
		relay_refuse(l, KP_RELAY_NO_SESSION, 0, now);
	}
}

void relay_on_rejoin(relay_server *s, rlink *l, const kp_relay_msg *req, int64_t now)
{
	char owner[RELAY_OWNER_SIZE];

	if (req->reason != KP_RELAY_SIDE_SHARER && req->reason != KP_RELAY_SIDE_VIEWER) {
		kyoyu_info("%s sent something that is not a relay request: closed", l->addr);
		l->state = CLOSING;
		l->deadline_us = now;
		return;
	}
	/* The ticket is the key; an operator also shows who it is, so one
	 * the desk revoked meanwhile does not come back. */
	if (req->reason == KP_RELAY_SIDE_VIEWER &&
	    !relay_operator_ok(s, l, "came back to a session as its operator", now)) {
		s->counters.rejoins_refused++;
		return;
	}
	l->sharer = req->reason == KP_RELAY_SIDE_SHARER;
	l->wants_ticket = l->rejoin = true;
	relay_owner_of(s, l, owner);
	relay_ref *ref = relay_ref_new(s, l, now);
	if (!ref)
		return;
	/* The hash's key is filled at once; the answer may come before
	 * the call returns, and frees REF: the link keeps a copy first. */
	char key[RELAY_TICKET_KEY_SIZE];
	relay_store_ticket_key(s->store, req->ticket, key);
	memcpy(ref->key, key, sizeof(key));
	memcpy(l->ticket_key, key, sizeof(key));
	relay_store_rejoin(s->store, req->ticket, req->reason, owner, rejoined, ref);
}
