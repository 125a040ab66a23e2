/* SPDX-License-Identifier: MIT */
/* The session state machine, its policy consultations and their enforcement. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define KYOYU_LOG_COMPONENT "session"
#include <kyoyu/plugin.h>

#include "bus-priv.h"
#include "codecs.h"
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
	/* The viewer lets the customer share without recording. */
	bool recording_optional;
	int64_t asked; /* the question put to the customer (sharer), or 0 */
	int64_t connected_us, sharing_since_us, last_activity_us, ends_at_us;
	/* Caps counted from the start of sharing: the policy's own, as last
	 * sent to the peer, and the peer's. */
	int64_t own_cap_us, own_warn_us, peer_cap_us, peer_warn_us;
	bool own_limits_posted;
	uint64_t activity_count;
	char peer[KYOYU_PEER_TEXT_MAX + 1];
	char peer_org[KYOYU_PEER_TEXT_MAX + 1];
	uint32_t verified;
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
		.sharing_since_us = s->sharing_since_us,
		.peer_cap_us = s->peer_cap_us,
		.peer_warn_us = s->peer_warn_us,
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
	/* The customer's yes comes before the first picture whatever the
	 * policy says: no plugin can share a screen nobody agreed to show. */
	if (from == KYOYU_STATE_AWAITING_CONSENT && to == KYOYU_STATE_SHARING &&
	    s->consent != KYOYU_CONSENT_GRANTED) {
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
	if (to == KYOYU_STATE_SHARING && !s->sharing_since_us)
		s->sharing_since_us = view.now_us;
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

/* After the peer connects, or an answer arrives: share once the customer
 * said yes and the policy lets us.  The sharer asks the customer first,
 * every time; the viewer waits for the answer to come over the link. */
static void try_share(kyoyu_session *s)
{
	if (s->state == KYOYU_STATE_CONNECTING)
		kyoyu_session_move(s, KYOYU_STATE_AWAITING_CONSENT, 0);
	if (s->state != KYOYU_STATE_AWAITING_CONSENT)
		return;
	if (s->consent == KYOYU_CONSENT_GRANTED) {
		kyoyu_session_move(s, KYOYU_STATE_SHARING, 0);
		return;
	}
	if (s->role == KYOYU_ROLE_SHARER && !s->asked) {
		s->asked = !s->recording	   ? KYOYU_CONSENT_ASK_UNRECORDED
			   : s->recording_optional ? KYOYU_CONSENT_ASK_RECORDING_OPTIONAL
						   : KYOYU_CONSENT_ASK_RECORDED;
		kyoyu_bus_post_value(s->bus, KYOYU_MSG_CONSENT, s->asked);
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
		s->recording_optional = p->recording && p->recording_optional;
		s->verified = p->verified;
		kyoyu_peer_text(msg, KYOYU_PEER_TEXT_NAME, s->peer, sizeof(s->peer));
		kyoyu_peer_text(msg, KYOYU_PEER_TEXT_ORG, s->peer_org, sizeof(s->peer_org));
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

/* The video went over to a cheaper codec (codec.format = "auto"): the
 * sharer's encode stage and the viewer's transport say which, so status
 * names the codec in use rather than the one agreed at the start. */
static void on_codec_switched(kyoyu_session *s, kyoyu_buffer *name)
{
	char label[KYOYU_CODEC_LABEL_MAX + 1] = "";
	size_t len = name ? kyoyu_buffer_size(name) : 0;

	if (len >= sizeof(label))
		return;
	if (len)
		memcpy(label, kyoyu_buffer_data(name), len);
	uint32_t codec = kyoyu_codec_from_label(label);
	if (codec == KYOYU_CODEC_NONE)
		return;
	pthread_mutex_lock(&s->lock);
	s->codec = codec;
	pthread_mutex_unlock(&s->lock);
}

static void on_consent(kyoyu_session *s, int64_t answer)
{
	/* Our own question echoed by the bus, or an answer to no open
	 * question (typed ahead, or repeated after a dropped link): nothing. */
	if ((answer != KYOYU_CONSENT_GRANTED && answer != KYOYU_CONSENT_DECLINED &&
	     answer != KYOYU_CONSENT_GRANTED_UNRECORDED) ||
	    s->state != KYOYU_STATE_AWAITING_CONSENT ||
	    (s->role == KYOYU_ROLE_SHARER && !s->asked))
		return;
	/* A desk that requires its recording is not overridden by a UI (or
	 * a peer) answering a question nobody asked. */
	if (answer == KYOYU_CONSENT_GRANTED_UNRECORDED && s->recording &&
	    !s->recording_optional) {
		kyoyu_warn("\"share without recording\" is not offered: the support "
			   "desk records every session; the question stays open");
		return;
	}
	pthread_mutex_lock(&s->lock);
	if (answer == KYOYU_CONSENT_GRANTED_UNRECORDED) {
		if (s->recording)
			kyoyu_info("the customer shares without recording: nothing is "
				   "recorded");
		s->recording = 0;
		answer = KYOYU_CONSENT_GRANTED;
	}
	s->consent = (uint32_t)answer;
	pthread_mutex_unlock(&s->lock);
	if (answer == KYOYU_CONSENT_DECLINED)
		kyoyu_session_move(s, KYOYU_STATE_ENDED, KYOYU_END_CONSENT_DECLINED);
	else if (answer == KYOYU_CONSENT_GRANTED)
		try_share(s);
}

/* The peer's own cap, from the link: the policy sees it in the view. */
static void on_limits(kyoyu_session *s, const kyoyu_limits_info *l)
{
	if (l->source != KYOYU_LIMITS_PEER)
		return;
	pthread_mutex_lock(&s->lock);
	s->peer_cap_us = l->cap_s > 0 ? (int64_t)l->cap_s * 1000000 : 0;
	s->peer_warn_us = l->warn_s > 0 ? (int64_t)l->warn_s * 1000000 : 0;
	pthread_mutex_unlock(&s->lock);
	kyoyu_info("the other side's time cap: %d s after sharing starts (warning %d s "
		   "before)", l->cap_s, l->warn_s);
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
	case KYOYU_MSG_LIMITS:
		on_limits(s, &msg->u.limits);
		break;
	case KYOYU_MSG_NOTICE:
		if (msg->u.notice.kind == KYOYU_NOTICE_CODEC_SWITCHED)
			on_codec_switched(s, msg->buf);
		break;
	default:
		break;
	}
}

/* Whole seconds of a policy's duration, within what the wire carries. */
static int32_t seconds_of(int64_t us)
{
	if (us <= 0)
		return 0;
	return us / 1000000 > INT32_MAX ? INT32_MAX : (int32_t)(us / 1000000);
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

/* Tells the transport this side's own cap, for the peer, when it is new. */
static void post_own_limits(kyoyu_session *s, const kyoyu_policy_verdict *v)
{
	if (s->own_limits_posted && v->cap_us == s->own_cap_us && v->warn_us == s->own_warn_us)
		return;
	kyoyu_msg *msg = kyoyu_msg_new(KYOYU_MSG_LIMITS);
	if (!msg)
		return; /* tried again on the next tick */
	s->own_limits_posted = true;
	s->own_cap_us = v->cap_us;
	s->own_warn_us = v->warn_us;
	msg->u.limits = (kyoyu_limits_info){
		.source = KYOYU_LIMITS_OWN,
		.cap_s = seconds_of(v->cap_us),
		.warn_s = seconds_of(v->warn_us),
	};
	kyoyu_bus_post(s->bus, msg);
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
	post_own_limits(s, &verdict);
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
	memcpy(out->peer_org, s->peer_org, sizeof(out->peer_org));
	out->verified = s->verified;
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
