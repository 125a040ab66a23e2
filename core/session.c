/* The session state machine, its policy consultations and their enforcement. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define KYOYU_LOG_COMPONENT "session"
#include <kyoyu/plugin.h>

#include "bus-priv.h"
#include "session.h"
#include "thread-owner.h"

#define TICK_MS 250

struct kyoyu_session {
	/* The main thread until the session stage runs, then that stage's:
	 * the state machine and the policy are used from one thread at a time. */
	kyoyu_owner owner;
	kyoyu_bus *bus;
	const kyoyu_clock *clock;
	kyoyu_instance *policy;
	pthread_mutex_t lock; /* guards the fields below for status readers */
	uint32_t role, state, reason, recording, consent, codec;
	int64_t connected_us, last_activity_us, ends_at_us;
	uint64_t activity_count;
	char peer[64];
	kyoyu_stats_info stats;
};

kyoyu_session *kyoyu_session_new(kyoyu_bus *bus, const kyoyu_clock *clock,
				 uint32_t role, kyoyu_instance *policy)
{
	kyoyu_session *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->bus = bus;
	s->clock = clock;
	s->role = role;
	s->policy = policy;
	s->state = KYOYU_STATE_IDLE;
	kyoyu_owner_init(&s->owner);
	pthread_mutex_init(&s->lock, NULL);
	/* Nothing on screen may travel before the session is sharing. */
	kyoyu_bus_close_to(bus, KYOYU_MSG_SCREEN_CONTENT);
	return s;
}

void kyoyu_session_free(kyoyu_session *s)
{
	if (!s)
		return;
	pthread_mutex_destroy(&s->lock);
	free(s);
}

static kyoyu_session_view view_of(const kyoyu_session *s)
{
	return (kyoyu_session_view){
		.size = sizeof(kyoyu_session_view),
		.role = s->role,
		.state = s->state,
		.recording = s->recording,
		.consent = s->consent,
		.now_us = kyoyu_clock_now(s->clock),
		.connected_us = s->connected_us,
		.last_activity_us = s->last_activity_us,
	};
}

/* Which moves the state machine itself permits, before the policy is asked. */
static bool legal(uint32_t from, uint32_t to)
{
	if (from == KYOYU_STATE_ENDED)
		return false;
	switch (to) {
	case KYOYU_STATE_CONNECTING:
		return from == KYOYU_STATE_IDLE;
	case KYOYU_STATE_AWAITING_CONSENT:
		return from == KYOYU_STATE_CONNECTING;
	case KYOYU_STATE_SHARING:
		return from == KYOYU_STATE_AWAITING_CONSENT || from == KYOYU_STATE_PAUSED;
	case KYOYU_STATE_PAUSED:
		return from == KYOYU_STATE_SHARING;
	case KYOYU_STATE_ENDED:
		return true;
	default:
		return false;
	}
}

static void post_state(kyoyu_session *s)
{
	kyoyu_msg *msg = kyoyu_msg_new(KYOYU_MSG_STATE);

	if (!msg) {
		kyoyu_error("out of memory: the stages miss the state %s",
			    kyoyu_state_name(s->state));
		return;
	}
	msg->u.state = (kyoyu_state_info){
		.state = s->state,
		.reason = s->reason,
		.recording = s->recording,
		.role = s->role,
		.ends_at_us = s->ends_at_us,
		.now_us = kyoyu_clock_now(s->clock),
	};
	kyoyu_bus_post(s->bus, msg);
}

/* Makes the bus match the state: screen content flows only while sharing.
 * Closing comes before the state is announced, opening before the keyframe
 * request, so no stage can act on the new state with the old gate. */
static void enforce(kyoyu_session *s, uint32_t from)
{
	if (s->state == KYOYU_STATE_SHARING) {
		/* On the sharer, a frame captured before this instant (during the
		 * pause) is refused even if it was encoded after it. */
		int64_t since = s->role == KYOYU_ROLE_SHARER ? kyoyu_now_us() : INT64_MIN;
		kyoyu_bus_open_to(s->bus, KYOYU_MSG_SCREEN_CONTENT, since);
		post_state(s);
		/* The viewer has no encoder: its decode stage asks the sharer
		 * when it lacks a keyframe, and a request from here would only
		 * cost the customer a second one. */
		if (s->role == KYOYU_ROLE_SHARER)
			kyoyu_bus_post_value(s->bus, KYOYU_MSG_KEYFRAME_REQUEST, 0);
		return;
	}
	if (from == KYOYU_STATE_SHARING)
		kyoyu_bus_close_to(s->bus, KYOYU_MSG_SCREEN_CONTENT);
	post_state(s);
}

int kyoyu_session_move(kyoyu_session *s, uint32_t to, uint32_t reason)
{
	KYOYU_ASSERT_OWNER(&s->owner);
	pthread_mutex_lock(&s->lock);
	uint32_t from = s->state;
	if (!legal(from, to)) {
		pthread_mutex_unlock(&s->lock);
		return -EPERM;
	}
	kyoyu_session_view view = view_of(s);
	const kyoyu_policy_ops *ops = &s->policy->plugin->ops.policy;
	if (ops->allow(s->policy->priv, &view, to, reason) != 0) {
		pthread_mutex_unlock(&s->lock);
		kyoyu_debug("policy keeps the session %s (asked: %s)",
			    kyoyu_state_name(from), kyoyu_state_name(to));
		return -EPERM;
	}
	s->state = to;
	s->reason = to == KYOYU_STATE_ENDED ? reason : KYOYU_END_NONE;
	pthread_mutex_unlock(&s->lock);

	if (to == KYOYU_STATE_ENDED)
		kyoyu_info("session %s → ended (%s)", kyoyu_state_name(from),
			   kyoyu_end_reason_name(reason));
	else
		kyoyu_info("session %s → %s", kyoyu_state_name(from),
			   kyoyu_state_name(to));
	enforce(s, from);
	return 0;
}

void kyoyu_session_begin(kyoyu_session *s)
{
	KYOYU_ASSERT_OWNER(&s->owner);
	if (kyoyu_session_move(s, KYOYU_STATE_CONNECTING, 0) != 0)
		kyoyu_session_move(s, KYOYU_STATE_ENDED, KYOYU_END_ERROR);
}

/* After the peer connects, or consent arrives: share if the policy lets us. */
static void try_share(kyoyu_session *s)
{
	if (s->state == KYOYU_STATE_CONNECTING)
		kyoyu_session_move(s, KYOYU_STATE_AWAITING_CONSENT, 0);
	if (s->state != KYOYU_STATE_AWAITING_CONSENT)
		return;
	if (kyoyu_session_move(s, KYOYU_STATE_SHARING, 0) == 0)
		return;
	if (s->recording && s->consent == 0 && s->role == KYOYU_ROLE_SHARER) {
		s->consent = KYOYU_CONSENT_ASK;
		kyoyu_bus_post_value(s->bus, KYOYU_MSG_CONSENT, KYOYU_CONSENT_ASK);
	}
}

static void on_peer(kyoyu_session *s, const kyoyu_msg *msg)
{
	const kyoyu_peer_info *p = &msg->u.peer;

	switch (p->event) {
	case KYOYU_PEER_CONNECTED:
		pthread_mutex_lock(&s->lock);
		s->recording = p->recording;
		s->codec = p->codec;
		s->connected_us = kyoyu_clock_now(s->clock);
		s->last_activity_us = s->connected_us;
		if (msg->buf) {
			size_t n = kyoyu_buffer_size(msg->buf);
			if (n >= sizeof(s->peer))
				n = sizeof(s->peer) - 1;
			memcpy(s->peer, kyoyu_buffer_data(msg->buf), n);
			s->peer[n] = '\0';
		}
		pthread_mutex_unlock(&s->lock);
		try_share(s);
		break;
	case KYOYU_PEER_GONE:
		kyoyu_session_move(s, KYOYU_STATE_ENDED,
				   p->reason ? p->reason : KYOYU_END_LINK_LOST);
		break;
	default:
		break;
	}
}

static void on_consent(kyoyu_session *s, int64_t answer)
{
	if (answer == KYOYU_CONSENT_ASK)
		return; /* our own question, echoed by the bus */
	s->consent = (uint32_t)answer;
	if (answer == KYOYU_CONSENT_DECLINED)
		kyoyu_session_move(s, KYOYU_STATE_ENDED, KYOYU_END_CONSENT_DECLINED);
	else if (answer == KYOYU_CONSENT_GRANTED)
		try_share(s);
}

void kyoyu_session_handle(kyoyu_session *s, const kyoyu_msg *msg)
{
	KYOYU_ASSERT_OWNER(&s->owner);
	switch (msg->type) {
	case KYOYU_MSG_PAUSE:
		kyoyu_session_move(s, KYOYU_STATE_PAUSED, 0);
		break;
	case KYOYU_MSG_RESUME:
		kyoyu_session_move(s, KYOYU_STATE_SHARING, 0);
		break;
	case KYOYU_MSG_END:
		kyoyu_session_move(s, KYOYU_STATE_ENDED,
				   msg->u.value > 0 ? (uint32_t)msg->u.value : KYOYU_END_LEFT);
		break;
	case KYOYU_MSG_PEER:
		on_peer(s, msg);
		break;
	case KYOYU_MSG_CONSENT:
		on_consent(s, msg->u.value);
		break;
	case KYOYU_MSG_ERROR:
		kyoyu_session_move(s, KYOYU_STATE_ENDED, KYOYU_END_ERROR);
		break;
	case KYOYU_MSG_STATS:
		pthread_mutex_lock(&s->lock);
		s->stats = msg->u.stats;
		pthread_mutex_unlock(&s->lock);
		break;
	default:
		break;
	}
}

/* Activity is new screen content or operator pointer movement since the
 * last tick, read from the bus counters. */
static void note_activity(kyoyu_session *s)
{
	static const uint32_t types[] = {KYOYU_MSG_FRAME, KYOYU_MSG_PACKET,
					 KYOYU_MSG_POINTER};
	uint64_t count = 0;

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		kyoyu_bus_type_stats st = {.size = sizeof(st)};
		kyoyu_bus_get_stats(s->bus, types[i], &st);
		count += st.posted;
	}
	if (count != s->activity_count) {
		s->activity_count = count;
		s->last_activity_us = kyoyu_clock_now(s->clock);
	}
}

void kyoyu_session_tick(kyoyu_session *s)
{
	kyoyu_policy_verdict verdict = {.size = sizeof(verdict)};

	KYOYU_ASSERT_OWNER(&s->owner);
	if (s->state == KYOYU_STATE_ENDED)
		return;
	note_activity(s);
	pthread_mutex_lock(&s->lock);
	kyoyu_session_view view = view_of(s);
	pthread_mutex_unlock(&s->lock);
	s->policy->plugin->ops.policy.tick(s->policy->priv, &view, &verdict);
	if (verdict.ends_at_us != s->ends_at_us) {
		pthread_mutex_lock(&s->lock);
		s->ends_at_us = verdict.ends_at_us;
		pthread_mutex_unlock(&s->lock);
		post_state(s);
	}
	if (verdict.action == KYOYU_POLICY_WARN) {
		kyoyu_msg *msg = kyoyu_msg_new(KYOYU_MSG_NOTICE);
		kyoyu_info("the session ends in %d s (time cap)", verdict.seconds);
		if (msg) {
			msg->u.notice.kind = KYOYU_NOTICE_TIME_WARNING;
			msg->u.notice.seconds = verdict.seconds;
			kyoyu_bus_post(s->bus, msg);
		}
	} else if (verdict.action == KYOYU_POLICY_END) {
		kyoyu_session_move(s, KYOYU_STATE_ENDED,
				   verdict.reason ? verdict.reason : KYOYU_END_ERROR);
	}
}

uint32_t kyoyu_session_state(kyoyu_session *s)
{
	pthread_mutex_lock(&s->lock);
	uint32_t state = s->state;
	pthread_mutex_unlock(&s->lock);
	return state;
}

uint32_t kyoyu_session_reason(kyoyu_session *s)
{
	pthread_mutex_lock(&s->lock);
	uint32_t reason = s->reason;
	pthread_mutex_unlock(&s->lock);
	return reason;
}

void kyoyu_session_get_status(kyoyu_session *s, kyoyu_session_status *out)
{
	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&s->lock);
	out->role = s->role;
	out->state = s->state;
	out->reason = s->reason;
	out->recording = s->recording;
	out->codec = s->codec;
	out->now_us = kyoyu_clock_now(s->clock);
	out->ends_at_us = s->ends_at_us;
	out->connected_us = s->connected_us;
	memcpy(out->peer, s->peer, sizeof(out->peer));
	out->stats = s->stats;
	pthread_mutex_unlock(&s->lock);
}

int kyoyu_session_run(void *ctx, kyoyu_stage *stage)
{
	kyoyu_session *s = ctx;
	kyoyu_inbox *inbox = kyoyu_stage_inbox(stage);
	int64_t next_tick = kyoyu_now_us();

	kyoyu_owner_hand_to(&s->owner, stage);
	kyoyu_inbox_set_mask(inbox, KYOYU_SESSION_MASK);
	while (!kyoyu_stage_stopping(stage)) {
		int64_t wait_ms = (next_tick - kyoyu_now_us()) / 1000;
		kyoyu_msg *msg;
		int ret = kyoyu_inbox_pop(inbox, &msg, wait_ms > 0 ? (int)wait_ms : 0);
		if (ret == -ESHUTDOWN)
			break;
		if (ret == 0) {
			kyoyu_session_handle(s, msg);
			kyoyu_msg_unref(msg);
		}
		if (kyoyu_now_us() >= next_tick) {
			kyoyu_session_tick(s);
			next_tick = kyoyu_now_us() + TICK_MS * 1000;
		}
	}
	return 0;
}
