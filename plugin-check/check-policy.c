/* SPDX-License-Identifier: MIT */
/* kyoyu-plugin-check: a policy, through a whole session in each role.
 *
 * allow() is asked for every move of the session (connecting, awaiting
 * consent, sharing, paused, sharing, ended) and must answer 0 or -EPERM,
 * and always allow the end; tick() runs four times a second of a manual
 * clock between moves and must give a known action. */
#include "config.h"

#include <errno.h>

#include "bus-priv.h"
#include "plugin-check.h"

static const uint32_t viewer_codecs[] = {KYOYU_CODEC_VP8, KYOYU_CODEC_VP9, KYOYU_CODEC_H264,
					 KYOYU_CODEC_NONE};

/* One session as ROLE; returns the number of moves allowed. */
static int session_as(checker *ck, const kyoyu_plugin *p, void *priv, uint32_t role,
		      kyoyu_clock *clock)
{
	static const uint32_t path[] = {KYOYU_STATE_CONNECTING, KYOYU_STATE_AWAITING_CONSENT,
					KYOYU_STATE_SHARING, KYOYU_STATE_PAUSED,
					KYOYU_STATE_SHARING, KYOYU_STATE_ENDED};
	kyoyu_session_view view = {.size = sizeof(view), .role = role,
				   .state = KYOYU_STATE_IDLE};
	int allowed = 0;

	for (size_t i = 0; i < sizeof(path) / sizeof(path[0]); i++) {
		int ret = p->ops.policy.allow(priv, &view, path[i], KYOYU_END_LEFT);
		if (ret != 0 && ret != -EPERM)
			check_fail(ck, "allow(%s) returned %d, neither 0 nor -EPERM",
				   kyoyu_state_name(path[i]), ret);
		if (path[i] == KYOYU_STATE_ENDED && ret != 0)
			check_fail(ck, "allow() refused to end the session as %s: ending must "
				   "always be possible", check_role_name(role));
		if (ret == 0) {
			view.state = path[i];
			allowed++;
		}
		if (view.state == KYOYU_STATE_AWAITING_CONSENT)
			view.connected_us = view.last_activity_us = view.now_us;
		if (view.state == KYOYU_STATE_SHARING && !view.sharing_since_us)
			view.sharing_since_us = view.now_us;
		for (int t = 0; t < 8 && view.state != KYOYU_STATE_ENDED; t++) {
			kyoyu_policy_verdict verdict = {.size = sizeof(verdict)};
			kyoyu_clock_advance(clock, 250000);
			view.now_us = kyoyu_clock_now(clock);
			p->ops.policy.tick(priv, &view, &verdict);
			if (verdict.action > KYOYU_POLICY_END)
				check_fail(ck, "tick() gave the unknown action %u", verdict.action);
		}
	}
	return allowed;
}

void check_policy(checker *ck)
{
	const kyoyu_plugin *p = ck->plugin;

	for (uint32_t role = KYOYU_ROLE_SHARER; role <= KYOYU_ROLE_VIEWER; role++) {
		kyoyu_bus *bus = kyoyu_bus_new();
		kyoyu_clock *clock = kyoyu_clock_new_manual(1000000000);
		kyoyu_instance *inst = NULL;

		check_begin(ck, "policy as %s: allow() through a whole session, tick() "
			    "between moves", check_role_name(role));
		if (!bus || !clock)
			check_fail(ck, "out of memory");
		else if (check_instantiate(ck, p, role, bus, clock, viewer_codecs, &inst) ==
			 KYOYU_OK)
			check_note(ck, "%d of 6 moves allowed",
				   session_as(ck, p, inst->priv, role, clock));
		check_end(ck);
		kyoyu_instance_free(inst);
		kyoyu_bus_free(bus);
		kyoyu_clock_free(clock);
	}
}
