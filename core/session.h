/* SPDX-License-Identifier: MIT */
/* The session state machine: idle → connecting → awaiting consent →
 * sharing ⇄ paused → ended(reason).  It runs on its own stage, consults the
 * policy plugin on every transition and enforces the answer: the bus is
 * open to screen content only while sharing. */
#ifndef KYOYU_CORE_SESSION_H
#define KYOYU_CORE_SESSION_H

#include <kyoyu/plugin.h>

#include "instance.h"

typedef struct kyoyu_session kyoyu_session;

/* What `kyoyu-agent ctl status` shows. */
typedef struct kyoyu_session_status {
	uint32_t role, state, reason, recording, codec;
	int64_t now_us, ends_at_us, connected_us;
	/* Who the peer is: its name and organisation (from the verified
	 * certificate on the sharer), and kyoyu_peer_verified bits. */
	char peer[KYOYU_PEER_TEXT_MAX + 1];
	char peer_org[KYOYU_PEER_TEXT_MAX + 1];
	uint32_t verified;
	kyoyu_stats_info stats;
} kyoyu_session_status;

/* A session on BUS for ROLE.  POLICY is consulted (and not owned); CLOCK is
 * the policy clock.  Returns NULL when out of memory.
 *
 * Threads: begin, handle, tick and move run on the thread that made the
 * session (the main thread) until kyoyu_session_run() starts on the session
 * stage, and on that stage's thread only from then on; debug builds abort
 * otherwise.  The policy is called from those functions, so its first
 * allow() (the move to CONNECTING) runs on the main thread. */
kyoyu_session *kyoyu_session_new(kyoyu_bus *bus, const kyoyu_clock *clock,
				 uint32_t role, kyoyu_instance *policy);
void kyoyu_session_free(kyoyu_session *session);

/* Moves to CONNECTING: the agent is ready to reach or await its peer. */
void kyoyu_session_begin(kyoyu_session *session);

/* Acts on one bus message (requests, peer events, consent, errors). */
void kyoyu_session_handle(kyoyu_session *session, const kyoyu_msg *msg);

/* Asks the policy for a verdict and acts on it; also notes activity. */
void kyoyu_session_tick(kyoyu_session *session);

/* Tries the transition; returns 0 when it happened, -EPERM when the policy
 * or the state machine refused it. */
int kyoyu_session_move(kyoyu_session *session, uint32_t to, uint32_t reason);

/* Any thread: they take the lock. */
uint32_t kyoyu_session_state(kyoyu_session *session);
uint32_t kyoyu_session_reason(kyoyu_session *session);
void kyoyu_session_get_status(kyoyu_session *session, kyoyu_session_status *out);

/* Stage function: takes the session over for its thread, then handles
 * messages and ticks until stopped. */
int kyoyu_session_run(void *session, kyoyu_stage *stage);

/* The messages the session stage subscribes to. */
#define KYOYU_SESSION_MASK                                                     \
	(KYOYU_MSG_BIT(KYOYU_MSG_PAUSE) | KYOYU_MSG_BIT(KYOYU_MSG_RESUME) |    \
	 KYOYU_MSG_BIT(KYOYU_MSG_END) | KYOYU_MSG_BIT(KYOYU_MSG_PEER) |        \
	 KYOYU_MSG_BIT(KYOYU_MSG_CONSENT) | KYOYU_MSG_BIT(KYOYU_MSG_ERROR) |   \
	 KYOYU_MSG_BIT(KYOYU_MSG_STATS) | KYOYU_MSG_BIT(KYOYU_MSG_LIMITS) |   \
	 KYOYU_MSG_BIT(KYOYU_MSG_NOTICE))

#endif
