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
#include <stdlib.h>
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

/* The pair of SESSION whose viewer's side is the link ID, if it still
 * holds for its ticket. */
static rlink *holding_viewer(relay_server *s, uint64_t id, uint64_t session)
{
	for (size_t i = 0; i < s->n_links; i++) {
		rlink *l = s->links[i];
		if (l->id == id)
			return l->state == JOINED && l->holding && !l->dead &&
			       l->session == session && l->peer ? l : NULL;
	}
	return NULL;
}

/* Redis's answer: the ticket goes out only once Redis keeps it, so no
 * agent holds a ticket that cannot work. */
static void ticket_stored(void *ctx, bool stored)
{
	relay_ref *ref = ctx;
	relay_server *s = ref->s;
	rlink *viewer = holding_viewer(s, ref->id, ref->session);

	if (!viewer) { /* the session ended meanwhile: its ticket dies with its TTL */
		relay_ref_free(ref);
		return;
	}
	rlink *sharer = viewer->peer;
	viewer->holding = sharer->holding = false;
	viewer->more = sharer->more = true;
	if (stored) {
		kp_relay_msg m = {.type = KP_RELAY_TICKET};
		memcpy(m.ticket, ref->ticket, KP_RELAY_TICKET_SIZE);
		viewer->refresh_us = relay_now_us() + (int64_t)refresh_period_s(viewer->grace_s) *
						      1000000;
		relay_queue_msg(viewer, &m);
		relay_queue_msg(sharer, &m);
		OPENSSL_cleanse(&m, sizeof(m));
	} else {
		s->counters.redis_errors++;
		viewer->ticket_key[0] = '\0';
		kyoyu_warn("no way back for session %llu if a link drops: Redis did not keep its "
			   "ticket, so none was given", (unsigned long long)viewer->session);
	}
	relay_send_joined(viewer, sharer, ref->customer);
	relay_ref_free(ref);
}

bool relay_ticket_issue(relay_server *s, rlink *viewer, rlink *sharer, const char *customer)
{
	int grace_s = viewer->grace_s > sharer->grace_s ? viewer->grace_s : sharer->grace_s;
	relay_ref *ref;

	viewer->ticket_key[0] = sharer->ticket_key[0] = '\0';
	if (!viewer->wants_ticket || !sharer->wants_ticket || grace_s <= 0)
		return false;
	if (!(ref = calloc(1, sizeof(*ref)))) {
		kyoyu_warn("no way back for the session of the operator at %s if its link drops: "
			   "out of memory for its ticket", viewer->addr);
		return false;
	}
	*ref = (relay_ref){.s = s, .id = viewer->id, .session = viewer->session};
	snprintf(ref->customer, sizeof(ref->customer), "%s", customer);
	viewer->grace_s = grace_s;
	/* Held before the call: its answer may come before it returns. */
	viewer->holding = sharer->holding = true;
	if (relay_store_ticket_issue(s->store, grace_s, relay_ticket_ttl(grace_s), ref->ticket,
				     viewer->ticket_key, ticket_stored, ref)) {
		viewer->holding = sharer->holding = false;
		viewer->ticket_key[0] = '\0';
		relay_ref_free(ref);
		s->counters.redis_errors++;
		kyoyu_warn("no way back for the session of the operator at %s if its link "
			   "drops: Redis cannot keep its ticket now", viewer->addr);
		return false;
	}
	return true;
}

void relay_ticket_refresh(relay_server *s, rlink *l, int64_t now, int *timeout_ms)
{
	if (!l->ticket_key[0] || l->holding)
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
		/* Anyone can cause this at will: a flood is summed up. */
		if (kp_tally_note(&s->tickets_refused, l->addr, now))
			kyoyu_warn("the %s at %s came back with a ticket that is unknown, used "
				   "or expired: refused", who, l->addr);
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

/* Asks Redis for the session of REF's ticket (REF's link comes back). */
static void ask_rejoin(relay_server *s, relay_ref *ref, int side, const char *owner)
{
	uint8_t ticket[KP_RELAY_TICKET_SIZE];

	/* The answer may come before the call returns, and frees REF: the
	 * ticket goes from a copy. */
	memcpy(ticket, ref->ticket, sizeof(ticket));
	OPENSSL_cleanse(ref->ticket, sizeof(ref->ticket));
	relay_store_rejoin(s->store, ticket, side, owner, rejoined, ref);
	OPENSSL_cleanse(ticket, sizeof(ticket));
}

/* Redis's count of a customer's re-joins: within its address's budget,
 * the ticket is looked up next. */
static void rejoin_counted(void *ctx, int wait_s)
{
	relay_ref *ref = ctx;
	relay_server *s = ref->s;
	rlink *l = relay_ref_link(ref);
	char owner[RELAY_OWNER_SIZE];

	if (!l || wait_s != 0) {
		relay_ref_free(ref);
		if (l && wait_s < 0) {
			s->counters.redis_errors++;
			relay_refuse(l, KP_RELAY_UNAVAILABLE, 5, relay_now_us());
		} else if (l) {
			s->counters.rejoins_rate_limited++;
			if (kp_tally_note(&s->tickets_limited, l->addr, relay_now_us()))
				kyoyu_warn("the customer at %s came back too often (over "
					   "relay.rejoins_per_minute): refused for %d s", l->addr,
					   wait_s);
			relay_refuse(l, KP_RELAY_RATE_LIMITED, (uint16_t)wait_s, relay_now_us());
		}
		return;
	}
	relay_owner_of(s, l, owner);
	ask_rejoin(s, ref, KP_RELAY_SIDE_SHARER, owner);
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
	relay_ref *ref = relay_ref_new(s, l, now);
	if (!ref)
		return;
	/* The hash's key is filled at once; the link keeps a copy. */
	relay_store_ticket_key(s->store, req->ticket, ref->key);
	memcpy(l->ticket_key, ref->key, sizeof(ref->key));
	memcpy(ref->ticket, req->ticket, KP_RELAY_TICKET_SIZE);
	if (!l->sharer) { /* an operator the desk CA vouches for */
		relay_owner_of(s, l, owner);
		ask_rejoin(s, ref, KP_RELAY_SIDE_VIEWER, owner);
		return;
	}
	/* Anyone may claim to be a customer: its tickets count against its
	 * address's budget, as codes do (docs/relay.md, "Coming back"). */
	relay_store_attempt(s->store, RELAY_BUDGET_TICKETS, l->addr, s->cfg.rejoins_per_minute,
			    rejoin_counted, ref);
}

void relay_rejoin_summaries(relay_server *s, int64_t now, int *timeout_ms)
{
	kp_tally *tallies[] = {&s->tickets_refused, &s->tickets_limited};
	char line[256];

	for (size_t i = 0; i < sizeof(tallies) / sizeof(tallies[0]); i++) {
		if (kp_tally_summary(tallies[i], now, line, sizeof(line)))
			kyoyu_warn("%s", line);
		int64_t due = kp_tally_due(tallies[i]);
		if (due < 0)
			continue;
		int64_t ms = due <= now ? 0 : (due - now + 999) / 1000;
		if (*timeout_ms < 0 || ms < *timeout_ms)
			*timeout_ms = (int)ms;
	}
}
