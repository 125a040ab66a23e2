/* SPDX-License-Identifier: MIT */
/* What a link asks the relay: an operator's OFFER (a code, for a
 * certificate the desk CA signed and did not revoke), a customer's CLAIM
 * (counted against its address, then the code claimed in Redis); a
 * REJOIN goes to rejoin.c, a PASS to passing.c. */
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

#include "server-priv.h"

bool relay_operator_ok(relay_server *s, rlink *l, const char *what, int64_t now)
{
	X509 *cert = SSL_get0_peer_certificate(l->ssl);

	if (!cert || SSL_get_verify_result(l->ssl) != X509_V_OK) {
		kyoyu_warn("%s %s without an operator certificate the desk CA signed: refused",
			   l->addr, what);
		relay_refuse(l, KP_RELAY_NOT_OPERATOR, 0, now);
		return false;
	}
	if (s->crl && relay_crl_revoked(s->crl, cert)) {
		kyoyu_warn("%s %s with an operator certificate the desk revoked (relay.crl): "
			   "refused", l->addr, what);
		relay_refuse(l, KP_RELAY_NOT_OPERATOR, 0, now);
		return false;
	}
	return true;
}

/* Redis's answer to an OFFER. */
static void offer_issued(void *ctx, int ret, const char digits[KP_WIRE_CODE_DIGITS])
{
	relay_ref *ref = ctx;
	relay_server *s = ref->s;
	rlink *l = relay_ref_link(ref);
	kp_relay_msg m = {.type = KP_RELAY_CODE};
	int64_t now = relay_now_us();

	if (!l) {
		if (ret == 0) { /* the operator left meanwhile: so does its code */
			char owner[RELAY_OWNER_SIZE];
			relay_owner_format(owner, ref->id, s->node);
			relay_store_retire(s->store, digits, owner);
		}
		relay_ref_free(ref);
		return;
	}
	relay_ref_free(ref);
	if (ret) {
		relay_refuse(l, ret == -ENOSPC ? KP_RELAY_FULL : KP_RELAY_UNAVAILABLE, 60, now);
		if (ret == -ENOSPC)
			s->counters.offers_refused++;
		else
			s->counters.redis_errors++;
		return;
	}
	s->counters.codes_issued++;
	memcpy(m.digits, digits, KP_WIRE_CODE_DIGITS);
	memcpy(l->room, digits, KP_RELAY_ROOM_DIGITS);
	relay_send_msg(l, &m);
	OPENSSL_cleanse(&m, sizeof(m));
	l->state = PARKED;
	l->deadline_us = now + (int64_t)s->cfg.code_ttl_s * 1000000;
	kyoyu_info("issued a code to the operator at %s", l->addr);
}

static void on_offer(relay_server *s, rlink *l, const kp_relay_msg *req, int64_t now)
{
	char owner[RELAY_OWNER_SIZE];

	if (!relay_operator_ok(s, l, "asked for a code", now)) {
		s->counters.offers_refused++;
		return;
	}
	/* A viewer that can come back says how long it waits for a dropped
	 * customer: the life of its session's ticket. */
	l->grace_s = req->retry_s > MAX_GRACE_S ? MAX_GRACE_S : req->retry_s;
	l->wants_ticket = l->grace_s > 0;
	relay_owner_of(s, l, owner);
	relay_ref *ref = relay_ref_new(s, l, now);
	if (ref)
		relay_store_issue(s->store, owner, s->cfg.code_ttl_s, offer_issued, ref);
}

/* Redis's answer to a CLAIM: L the customer's link, or NULL when it left
 * meanwhile (a won code's operator is then told its code is spent). */
static void claimed(void *ctx, int ret, const char *owner)
{
	relay_ref *ref = ctx;
	relay_server *s = ref->s;
	rlink *l = relay_ref_link(ref);
	char node[RELAY_NODE_ADDR_SIZE];
	uint64_t link = 0;
	int64_t now = relay_now_us();

	relay_ref_free(ref);
	if (ret < 0) {
		if (l)
			relay_refuse(l, KP_RELAY_UNAVAILABLE, 60, now);
		s->counters.redis_errors++;
		return;
	}
	if (ret != RELAY_CLAIM_WON)
		s->counters.codes_refused++;
	if (ret == RELAY_CLAIM_DEAD)
		s->counters.codes_killed++;
	else if (ret == RELAY_CLAIM_WON)
		s->counters.codes_claimed++;
	if (l) {
		/* Every refusal of a code comes after the same delay, whatever
		 * the reason, so the answer's timing tells nothing. */
		l->state = DELAYED;
		l->deadline_us = l->reply_at_us;
		l->pending_reply =
			(kp_relay_msg){.type = KP_RELAY_REFUSED, .reason = KP_RELAY_BAD_CODE};
	}
	if (ret == RELAY_CLAIM_BAD)
		return;
	if (!relay_owner_parse(owner, &link, node)) {
		kyoyu_warn("a claimed code's owner in Redis is not one this relay wrote");
		return;
	}
	bool here = strcmp(node, s->node) == 0;
	rlink *viewer = here ? relay_parked(s, link) : NULL;
	if (ret == RELAY_CLAIM_DEAD) {
		/* Its code is gone from Redis already; its operator is told. */
		if (viewer) {
			kyoyu_warn("the code of the operator at %s met %d wrong attempts and no "
				   "longer works", viewer->addr, RELAY_MAX_WRONG);
			relay_refuse(viewer, KP_RELAY_ATTACKED, 0, now);
		} else if (!here) {
			relay_pass_to(s, NULL, node, link, KP_RELAY_ATTACKED, now);
		}
		return;
	}
	if (!l) {
		kyoyu_info("a customer left just as its code was claimed; the code is spent");
		if (viewer && !viewer->rejoin)
			relay_refuse(viewer, KP_RELAY_BAD_CODE, 0, now);
	} else if (viewer) {
		relay_join(s, viewer, l, l->addr, now);
	} else if (!here) {
		relay_pass_to(s, l, node, link, 0, now);
	} else {
		kyoyu_info("a code was claimed whose operator had just left");
	}
}

/* Redis's count of the customer's attempts: within its budget, the code
 * is claimed next. */
static void counted(void *ctx, int wait_s)
{
	relay_ref *ref = ctx;
	relay_server *s = ref->s;
	rlink *l = relay_ref_link(ref);
	char digits[KP_WIRE_CODE_DIGITS];

	if (!l || wait_s != 0) {
		relay_ref_free(ref);
		if (l && wait_s < 0) {
			relay_refuse(l, KP_RELAY_UNAVAILABLE, 60, relay_now_us());
			s->counters.redis_errors++;
		} else if (l) {
			l->state = DELAYED;
			l->deadline_us = l->reply_at_us;
			l->pending_reply = (kp_relay_msg){.type = KP_RELAY_REFUSED,
							  .reason = KP_RELAY_RATE_LIMITED,
							  .retry_s = (uint16_t)wait_s};
			s->counters.rate_limited++;
		}
		return;
	}
	/* The answer may come before the call returns (Redis known down),
	 * and frees REF: the code goes from a copy. */
	memcpy(digits, ref->digits, sizeof(digits));
	OPENSSL_cleanse(ref->digits, sizeof(ref->digits));
	relay_store_claim(s->store, digits, claimed, ref);
	OPENSSL_cleanse(digits, sizeof(digits));
}

static void on_claim(relay_server *s, rlink *l, const kp_relay_msg *req, int64_t now)
{
	l->sharer = true;
	l->wants_ticket = req->reason == KP_RELAY_CAN_REJOIN;
	l->reply_at_us = now + (int64_t)s->cfg.reject_delay_ms * 1000;
	relay_ref *ref = relay_ref_new(s, l, now);
	if (!ref)
		return;
	memcpy(ref->digits, req->digits, KP_WIRE_CODE_DIGITS);
	relay_store_attempt(s->store, RELAY_BUDGET_CODES, l->addr, s->cfg.attempts_per_minute,
			    counted, ref);
}

void relay_on_request(relay_server *s, rlink *l, int64_t now)
{
	kp_relay_msg req;

	if (l->outbound) {
		relay_on_pass_answer(s, l, now);
		OPENSSL_cleanse(l->msg, sizeof(l->msg));
		return;
	}
	bool ok = kp_relay_decode(l->msg, &req);
	OPENSSL_cleanse(l->msg, sizeof(l->msg));
	if (!ok || (req.type != KP_RELAY_OFFER && req.type != KP_RELAY_CLAIM &&
		    req.type != KP_RELAY_PASS && req.type != KP_RELAY_REJOIN)) {
		kyoyu_info("%s sent something that is not a relay request: closed", l->addr);
		l->state = CLOSING;
		l->deadline_us = now;
		return;
	}
	if (req.type == KP_RELAY_OFFER)
		on_offer(s, l, &req, now);
	else if (req.type == KP_RELAY_CLAIM)
		on_claim(s, l, &req, now);
	else if (req.type == KP_RELAY_REJOIN)
		relay_on_rejoin(s, l, &req, now);
	else
		relay_on_pass(s, l, &req, now);
	OPENSSL_cleanse(&req, sizeof(req));
}
