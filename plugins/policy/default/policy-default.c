/* SPDX-License-Identifier: MIT */
/* policy/default: the rules of a support session.
 *
 *  - Sharing waits for the customer's yes: the core itself refuses to
 *    share before it, so this policy need not say so.
 *  - Pausing and resuming are always allowed; so is ending.
 *  - The session ends at its time cap (session.max_minutes, 40 by default),
 *    counted from the moment sharing started, with a warning
 *    session.warn_minutes before.  Both sides tell each other their own cap
 *    and both enforce the earlier one, with the warning lead of the side it
 *    belongs to, so both people see the same time left.  Waiting for the
 *    customer's answer does not count, but a question left unanswered as long
 *    as this side's cap ends the session ("idle").
 *  - Optionally, it ends after session.idle_minutes with no screen change
 *    and no pointer movement.
 * The core enforces what this plugin answers.
 */
#include "config.h"

#include <stddef.h>

#define KYOYU_LOG_COMPONENT "policy/default"
#include <kyoyu/kyoyu.h>

#define US_PER_MINUTE INT64_C(60000000)

typedef struct policy {
	int max_minutes;
	int warn_minutes;
	int idle_minutes;
	bool warned;
} policy;

static const kyoyu_option options[] = {
	KYOYU_OPTION_INT("max_minutes", policy, max_minutes, 40, 1, 24 * 60,
			 "the session ends this long after sharing started (the "
			 "customer said yes)"),
	KYOYU_OPTION_INT("warn_minutes", policy, warn_minutes, 5, 0, 60,
			 "both people are warned this long before the cap (0: no warning)"),
	KYOYU_OPTION_INT("idle_minutes", policy, idle_minutes, 0, 0, 24 * 60,
			 "end after this long without screen changes or pointer "
			 "movement (0: never)"),
	KYOYU_OPTION_END,
};

static int policy_init(void *priv, const kyoyu_host *host)
{
	policy *p = priv;

	if (p->warn_minutes >= p->max_minutes)
		p->warn_minutes = 0;
	return KYOYU_OK;
}

static int policy_allow(void *priv, const kyoyu_session_view *s, uint32_t to,
			uint32_t reason)
{
	return 0;
}

/* The cap both sides enforce: the earlier one, warned with the lead of the
 * side it belongs to (the longer lead when both caps are equal), so that
 * both sides, knowing both, pick the same. */
static void cap_in_force(const policy *p, const kyoyu_session_view *s, int64_t *cap,
			 int64_t *warn)
{
	*cap = p->max_minutes * US_PER_MINUTE;
	*warn = p->warn_minutes * US_PER_MINUTE;
	if (s->size < offsetof(kyoyu_session_view, peer_warn_us) + sizeof(s->peer_warn_us) ||
	    s->peer_cap_us <= 0)
		return;
	if (s->peer_cap_us < *cap || (s->peer_cap_us == *cap && s->peer_warn_us > *warn)) {
		*cap = s->peer_cap_us;
		*warn = s->peer_warn_us < s->peer_cap_us ? s->peer_warn_us : 0;
	}
}

static void policy_tick(void *priv, const kyoyu_session_view *s,
			kyoyu_policy_verdict *verdict)
{
	policy *p = priv;
	int64_t cap, warn;

	if (verdict->size >= offsetof(kyoyu_policy_verdict, warn_us) + sizeof(verdict->warn_us)) {
		verdict->cap_us = p->max_minutes * US_PER_MINUTE;
		verdict->warn_us = p->warn_minutes * US_PER_MINUTE;
	}
	if (!s->connected_us || s->state == KYOYU_STATE_ENDED)
		return;
	cap_in_force(p, s, &cap, &warn);
	int64_t ends_at = s->sharing_since_us ? s->sharing_since_us + cap : 0;
	verdict->ends_at_us = ends_at;
	if (ends_at && s->now_us >= ends_at) {
		verdict->action = KYOYU_POLICY_END;
		verdict->reason = KYOYU_END_TIME_CAP;
		return;
	}
	bool unanswered = !ends_at &&
			  s->now_us >= s->connected_us + p->max_minutes * US_PER_MINUTE;
	if (unanswered || (p->idle_minutes && s->last_activity_us &&
			   s->now_us - s->last_activity_us >= p->idle_minutes * US_PER_MINUTE)) {
		verdict->action = KYOYU_POLICY_END;
		verdict->reason = KYOYU_END_IDLE;
		return;
	}
	if (ends_at && warn && !p->warned && s->now_us >= ends_at - warn) {
		p->warned = true;
		verdict->action = KYOYU_POLICY_WARN;
		verdict->seconds = (int32_t)((ends_at - s->now_us + 999999) / 1000000);
	}
}

static const kyoyu_policy_ops ops = {
	.size = sizeof(kyoyu_policy_ops),
	.allow = policy_allow,
	.tick = policy_tick,
};

static const kyoyu_plugin_descriptor descriptor = {
	KYOYU_PLUGIN_HEADER,
	.kind = KYOYU_KIND_POLICY,
	.name = "default",
	.version = PACKAGE_VERSION,
	.license = "MIT",
	.description = "pause any time, a time cap counted from the customer's yes, idle timeout",
	.priv_size = sizeof(policy),
	.options = options,
	.init = policy_init,
	.ops = &ops,
};

KYOYU_PLUGIN_DEFINE(kyoyu_policy_default, descriptor)
