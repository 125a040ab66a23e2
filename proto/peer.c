/* SPDX-License-Identifier: MIT */
/* The session over a link: bus ↔ wire, clocks, round trips, receiver
 * reports, statistics and the link's timers.  What a sharer sends is in
 * peer-send.c. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KYOYU_LOG_COMPONENT "proto"
#include <kyoyu/kyoyu.h>

#include "peer-priv.h"

#define PING_BUSY_US 1000000       /* while video flows */
#define PAUSE_POST_US 100000       /* the sharer's pause state: posted at most this often */
#define VIDEO_RECENT_US 2000000    /* video this recent counts as flowing */
#define REPORT_US 250000
#define STATS_US 1000000
#define MAX_RTT_US 60000000
/* No picture arrives later than this after its capture. */
#define MAX_PICTURE_AGE_US 60000000
/* Screen content on the wire: the viewer does not read it while its own
 * session is not sharing. */
#define SCREEN_FRAMES                                                          \
	(KP_WIRE_BIT(KP_WIRE_VIDEO_CONFIG) | KP_WIRE_BIT(KP_WIRE_VIDEO) |      \
	 KP_WIRE_BIT(KP_WIRE_CURSOR) | KP_WIRE_BIT(KP_WIRE_CURSOR_SHAPE))

kp_peer *kp_peer_new(kyoyu_bus *bus, const kp_peer_config *cfg)
{
	kp_peer *p = calloc(1, sizeof(*p));
	char name[64];

	if (!p)
		return NULL;
	p->bus = bus;
	p->cfg = *cfg;
	p->cfg.name = NULL; /* not kept: only the inbox's name uses it */
	p->state = cfg->state;
	kp_pacer_init(&p->pacer, cfg->ceiling_kbps);
	if (!kp_peer_is_sharer(p))
		return p;
	snprintf(name, sizeof(name), "%s packets", cfg->name ? cfg->name : "transport");
	p->packets = kyoyu_bus_subscribe(bus, name, KYOYU_MSG_BIT(KYOYU_MSG_PACKET),
					 KP_PEER_PACKET_DEPTH);
	if (!p->packets) {
		free(p);
		return NULL;
	}
	return p;
}

void kp_peer_free(kp_peer *p)
{
	if (!p)
		return;
	kp_conn_free(p->conn, false);
	kyoyu_msg_unref(p->next_video);
	kyoyu_inbox_free(p->packets);
	kp_peer_drop_cursor(p);
	kyoyu_buffer_unref(p->shape);
	kyoyu_buffer_unref(p->consent_words);
	free(p);
}

kp_conn *kp_peer_conn(const kp_peer *p)
{
	return p->conn;
}

bool kp_peer_ended(const kp_peer *p)
{
	return p->ended;
}

/* Queues a control frame for the peer.  A peer that stopped reading
 * altogether shows up as silence and is dropped by the tick. */
static void send_wire(kp_peer *p, const kp_wire_msg *m)
{
	if (!p->conn)
		return;
	int ret = kp_conn_send(p->conn, m);
	if (ret)
		kyoyu_debug("%s to %s not sent: %s", kp_wire_type_name(m->type),
			    kp_conn_addr(p->conn), strerror(-ret));
}

static void send_empty(kp_peer *p, uint32_t type)
{
	kp_wire_msg m = {.type = type};
	send_wire(p, &m);
}

static void send_consent(kp_peer *p)
{
	kp_wire_msg m = {.type = KP_WIRE_CONSENT};

	if (!p->conn || !p->consent || p->consent_sent)
		return;
	if (p->minor >= 3) {
		kp_wire_msg q = {.type = KP_WIRE_QUESTION, .data = p->consent_words};
		memcpy(q.u.question.lang, p->consent_lang, sizeof(q.u.question.lang));
		send_wire(p, &q);
	}
	m.u.consent.answer = p->consent;
	send_wire(p, &m);
	p->consent_sent = true;
}

void kp_peer_request_keyframe(kp_peer *p)
{
	kyoyu_bus_post_value(p->bus, KYOYU_MSG_KEYFRAME_REQUEST, 0);
}

void kp_peer_post_bitrate(kp_peer *p, uint32_t kbps)
{
	if (!kbps)
		return;
	kyoyu_info("the link is not keeping up: asking the encoder for %u kbit/s", kbps);
	kyoyu_bus_post_value(p->bus, KYOYU_MSG_BITRATE, kbps);
}

/* The viewer reads screen content only while its own session shares. */
static void hold_screen_unless_sharing(kp_peer *p, int64_t now)
{
	if (p->conn && !kp_peer_is_sharer(p))
		kp_conn_hold(p->conn, p->state == KYOYU_STATE_SHARING ? 0 : SCREEN_FRAMES, now);
}

/* This side's cap, to a peer that speaks 1.1. */
static void send_limits(kp_peer *p)
{
	kp_wire_msg m = {.type = KP_WIRE_LIMITS};

	if (!p->conn || !p->have_limits || p->minor < 1)
		return;
	m.u.limits.cap_s = p->cap_s;
	m.u.limits.warn_s = p->warn_s;
	send_wire(p, &m);
}

/* A policy's limits within what the wire carries: a longer cap is no cap
 * the peer needs to know of, a warning at or before the start is none. */
static void take_own_limits(kp_peer *p, const kyoyu_limits_info *l)
{
	p->cap_s = l->cap_s > 0 && l->cap_s <= KP_WIRE_MAX_CAP_S ? (uint32_t)l->cap_s : 0;
	p->warn_s = l->warn_s > 0 && (uint32_t)l->warn_s < p->cap_s &&
				l->warn_s <= KP_WIRE_MAX_WARN_S
			    ? (uint32_t)l->warn_s
			    : 0;
	p->have_limits = true;
	send_limits(p);
}

/* True when the viewer also decodes CODEC, as it told the sharer. */
static bool codec_also(const kp_peer *p, uint32_t codec)
{
	for (unsigned i = 0; i < p->n_also; i++)
		if (p->also[i] == codec)
			return true;
	return false;
}

/* Viewer, protocol 1.4: which of the other codecs offered it decodes, so
 * that a sharer with codec.format = "auto" may go over to one. */
static void send_codecs(kp_peer *p)
{
	kp_wire_msg m = {.type = KP_WIRE_CODECS};

	if (!p->n_also)
		return;
	m.u.codecs.n = p->n_also;
	memcpy(m.u.codecs.codecs, p->also, sizeof(m.u.codecs.codecs));
	send_wire(p, &m);
}

void kp_peer_attach(kp_peer *p, kp_conn *conn, const kp_peer_link *link, int64_t now)
{
	uint32_t allowed = kp_peer_is_sharer(p) ? KP_WIRE_FROM_VIEWER : KP_WIRE_FROM_SHARER;

	KP_PEER_ASSERT_THREAD(p);
	p->conn = conn;
	/* Back after a dropped link, a sharer that went over to a cheaper
	 * codec goes on with it (its VIDEO_CONFIG says so). */
	if (!link->resumed || !codec_also(p, p->codec))
		p->codec = link->codec;
	p->minor = link->minor;
	p->recording = link->recording;
	p->recording_optional = link->recording && link->recording_optional && link->minor >= 1;
	p->n_also = link->minor >= 4 ? link->n_also : 0;
	memcpy(p->also, link->also, sizeof(p->also));
	kp_conn_allow(conn, link->minor >= 4   ? allowed
			    : link->minor >= 3 ? allowed & ~KP_WIRE_SINCE_1_4
			    : link->minor >= 2 ? allowed & ~KP_WIRE_SINCE_1_3
			    : link->minor >= 1 ? allowed & ~KP_WIRE_SINCE_1_2
					       : allowed & ~KP_WIRE_SINCE_1_1);
	hold_screen_unless_sharing(p, now);
	send_limits(p);
	int64_t peer_clock_us = link->peer_clock_us;
	bool resumed = link->resumed;
	if (!p->n_samples && __builtin_sub_overflow(peer_clock_us, now, &p->offset_us))
		p->offset_us = 0;
	p->next_ping_us = now;
	p->window_start_us = now;
	/* Reports count what arrived on this connection. */
	p->link_sent = 0;
	p->sent_count = 0;
	p->received = p->top_off_end = 0;
	p->packets_in = p->lost = 0;
	p->bytes = 0;
	kp_pacer_new_link(&p->pacer);
	if (!kp_peer_is_sharer(p)) {
		send_codecs(p);
		return;
	}
	kp_conn_set_source(conn, kp_peer_next_bulk, p);
	p->config_sent = false;
	/* What the encoder made while there was no link is not sent on it. */
	kp_peer_drop_packets(p);
	if (!resumed)
		return;
	/* The viewer missed whatever happened while the link was down. */
	send_consent(p);
	if (p->state == KYOYU_STATE_PAUSED)
		send_empty(p, KP_WIRE_PAUSED);
	else if (p->state == KYOYU_STATE_SHARING)
		send_empty(p, KP_WIRE_RESUMED);
	kp_peer_request_keyframe(p);
}

kp_conn *kp_peer_detach(kp_peer *p)
{
	kp_conn *c = p->conn;

	KP_PEER_ASSERT_THREAD(p);
	p->conn = NULL;
	if (kp_peer_is_sharer(p)) {
		kp_peer_drop_packets(p);
		p->consent_sent = false;
	}
	return c;
}

bool kp_peer_link_down_for_good(kp_peer *p, const char *complaint)
{
	KP_PEER_ASSERT_THREAD(p);
	if (p->gone || p->ended) {
		kp_conn_free(kp_peer_detach(p), false);
		return true;
	}
	if (!p->failed && !kp_conn_broken(p->conn))
		return false;
	p->failed = true;
	kyoyu_error("%s; ending the session", kp_conn_why(p->conn));
	kyoyu_msg *msg = kyoyu_msg_new(KYOYU_MSG_ERROR);
	if (!msg) {
		kyoyu_error("out of memory: the session's end goes without its reason");
		return true;
	}
	msg->u.value = -EPROTO;
	msg->buf = kyoyu_buffer_new_copy(complaint, strlen(complaint));
	kyoyu_bus_post(p->bus, msg);
	return true;
}

/* Appends TEXT, cut to 64 characters, and its NUL at OUT + *LEN; a text
 * that is not printable UTF-8 is left out (empty). */
static void add_text(char *out, size_t *len, const char *text)
{
	size_t n = text ? strlen(text) : 0;

	if (!kp_wire_name_ok(text ? text : "", n))
		n = 0;
	n = kp_wire_name_cut(text, n, KYOYU_PEER_TEXT_MAX);
	if (n)
		memcpy(out + *len, text, n);
	*len += n;
	out[(*len)++] = '\0';
}

void kp_peer_post_event(kp_peer *p, uint32_t event, uint32_t reason,
			const kp_peer_identity *who)
{
	kyoyu_msg *msg;
	char texts[5 * (KYOYU_PEER_TEXT_MAX + 1)];
	size_t len = 0;

	KP_PEER_ASSERT_THREAD(p);
	msg = kyoyu_msg_new(KYOYU_MSG_PEER);
	if (!msg) {
		kyoyu_error("out of memory: the session missed a peer event (%u)", event);
		return;
	}
	msg->u.peer = (kyoyu_peer_info){
		.event = event,
		.codec = p->codec,
		.recording = p->recording,
		.reason = reason,
		.verified = who ? who->verified : 0,
		.recording_optional = p->recording_optional,
	};
	if (who) {
		add_text(texts, &len, who->name);
		add_text(texts, &len, who->org);
		add_text(texts, &len, who->issuer);
		add_text(texts, &len, who->own_name);
		add_text(texts, &len, who->own_org);
		msg->buf = kyoyu_buffer_new_copy(texts, len);
		if (!msg->buf) {
			kyoyu_error("out of memory: the peer event goes without the peer's name");
			msg->u.peer.verified = 0;
		}
	}
	kyoyu_bus_post(p->bus, msg);
}

void kp_peer_end(kp_peer *p, uint32_t reason)
{
	KP_PEER_ASSERT_THREAD(p);
	if (p->ended)
		return;
	p->ended = true;
	kp_peer_drop_packets(p);
	if (!p->conn || p->gone)
		return;
	kp_wire_msg m = {.type = KP_WIRE_BYE};
	m.u.bye.reason = (uint8_t)(reason >= KYOYU_END_LEFT && reason <= KYOYU_END_ERROR
					   ? reason : KYOYU_END_ERROR);
	send_wire(p, &m);
}

/* ---- bus → wire ------------------------------------------------------------ */

static void on_state(kp_peer *p, const kyoyu_state_info *st)
{
	uint32_t prev = p->state;

	p->state = st->state;
	if (st->state == prev)
		return; /* the same state with news (the time cap) */
	if (!kp_peer_is_sharer(p)) {
		/* The link reads screen content from now on, or no more. */
		hold_screen_unless_sharing(p, kyoyu_now_us());
	} else if (st->state == KYOYU_STATE_SHARING) {
		/* What waits was posted once the gate opened: the encoder's
		 * first picture, a keyframe.  Nothing else may go first. */
		p->drop_until_key = true;
		if (prev == KYOYU_STATE_PAUSED)
			send_empty(p, KP_WIRE_RESUMED);
	} else {
		/* Nothing made before sharing stopped leaves after it; in the
		 * agent the bus's gate drops it anyway. */
		kp_peer_drop_packets(p);
		if (st->state == KYOYU_STATE_PAUSED) {
			kp_peer_drop_cursor(p);
			send_empty(p, KP_WIRE_PAUSED);
		}
	}
	if (st->state == KYOYU_STATE_ENDED)
		kp_peer_end(p, st->reason);
}

static void send_pointer(kp_peer *p, const kyoyu_pointer_info *pt)
{
	kp_wire_msg m = {.type = KP_WIRE_POINTER};

	m.u.pointer.x = kp_peer_clamp(pt->x, 0, KP_WIRE_MAX_POINTER);
	m.u.pointer.y = kp_peer_clamp(pt->y, 0, KP_WIRE_MAX_POINTER);
	m.u.pointer.visible = pt->visible ? 1 : 0;
	send_wire(p, &m);
}

/* The viewer's recording stopped (a full disk): the customer is told too,
 * by a sharer that speaks 1.2; an older one keeps believing it is recorded,
 * which errs on the safe side. */
static void send_recording_stopped(kp_peer *p, int error)
{
	kp_wire_msg m = {.type = KP_WIRE_NOTICE};

	if (!p->conn || p->minor < 2)
		return;
	m.u.notice.kind = KP_WIRE_NOTICE_RECORDING_STOPPED;
	m.u.notice.cause = error == ENOSPC || error == EDQUOT ? KP_WIRE_NOTICE_DISK_FULL
							      : KP_WIRE_NOTICE_WRITE_FAILED;
	send_wire(p, &m);
}

/* Keeps the words of the question MSG answers, for the viewer's record of
 * the consent; kyoyu_consent_post() checked them. */
static void keep_consent_words(kp_peer *p, const kyoyu_msg *msg)
{
	char lang[KYOYU_CONSENT_LANGUAGE_MAX + 1];
	char *words = malloc(KYOYU_CONSENT_NOTICE_MAX + 1);

	kyoyu_consent_text(msg, KYOYU_CONSENT_TEXT_LANGUAGE, lang, sizeof(lang));
	snprintf(p->consent_lang, sizeof(p->consent_lang), "%s", lang);
	kyoyu_buffer_unref(p->consent_words);
	p->consent_words = NULL;
	if (!words)
		return;
	int n = kyoyu_consent_text(msg, KYOYU_CONSENT_TEXT_NOTICE, words,
				   KYOYU_CONSENT_NOTICE_MAX + 1);
	if (n > 0)
		p->consent_words = kyoyu_buffer_new_copy(words, (size_t)n);
	free(words);
}

/* The customer's answer, for the viewer.  "Without recording" goes only
 * where the viewer offered it; to a viewer that records nothing it is a
 * plain yes (what a 1.0 viewer understands). */
static void on_answer(kp_peer *p, const kyoyu_msg *msg)
{
	int64_t answer = msg->u.value;

	if (answer == KYOYU_CONSENT_GRANTED_UNRECORDED) {
		if (!p->recording)
			answer = KYOYU_CONSENT_GRANTED;
		else if (!p->recording_optional)
			return; /* the session refuses it too: the question stays */
	}
	if (answer != KYOYU_CONSENT_GRANTED && answer != KYOYU_CONSENT_DECLINED &&
	    answer != KYOYU_CONSENT_GRANTED_UNRECORDED)
		return;
	p->consent = (uint8_t)answer;
	p->consent_sent = false;
	keep_consent_words(p, msg);
	send_consent(p);
}

void kp_peer_on_bus(kp_peer *p, kyoyu_msg *msg)
{
	KP_PEER_ASSERT_THREAD(p);
	switch (msg->type) {
	case KYOYU_MSG_STATE:
		on_state(p, &msg->u.state);
		break;
	case KYOYU_MSG_CURSOR:
		if (kp_peer_sending(p)) {
			kp_peer_take_cursor(p, msg);
			return;
		}
		break;
	case KYOYU_MSG_CONSENT:
		if (kp_peer_is_sharer(p))
			on_answer(p, msg);
		break;
	case KYOYU_MSG_LIMITS:
		if (msg->u.limits.source == KYOYU_LIMITS_OWN)
			take_own_limits(p, &msg->u.limits);
		break;
	case KYOYU_MSG_POINTER:
		if (!kp_peer_is_sharer(p))
			send_pointer(p, &msg->u.pointer);
		break;
	case KYOYU_MSG_NOTICE:
		if (!kp_peer_is_sharer(p) &&
		    msg->u.notice.kind == KYOYU_NOTICE_RECORDING_STOPPED)
			send_recording_stopped(p, msg->u.notice.error);
		break;
	case KYOYU_MSG_KEYFRAME_REQUEST:
		/* The viewer's decode stage asks at most every 500 ms. */
		if (!kp_peer_is_sharer(p))
			send_empty(p, KP_WIRE_KEYFRAME_REQUEST);
		break;
	default:
		break;
	}
	kyoyu_msg_unref(msg);
}

/* ---- wire → bus ------------------------------------------------------------ */

/* A new message of TYPE from the wire, or NULL (logged) when out of
 * memory: what it would have carried is lost. */
static kyoyu_msg *new_msg(kyoyu_msg_type type)
{
	kyoyu_msg *msg = kyoyu_msg_new(type);

	if (!msg)
		kyoyu_error("out of memory: dropped a %s message from the other side",
			    kyoyu_msg_type_name(type));
	return msg;
}

static int refuse(kp_peer *p, const char *what)
{
	p->failed = true;
	if (p->conn)
		kp_conn_set_why(p->conn, "%s broke the protocol: %s", kp_conn_addr(p->conn), what);
	return -EPROTO;
}

/* The peer's clock in ours; never later than now, and a time that would
 * be older than any picture can be (a broken or hostile clock) is now. */
static int64_t to_local(const kp_peer *p, int64_t remote, int64_t now)
{
	int64_t local;

	if (__builtin_sub_overflow(remote, p->offset_us, &local) || local > now ||
	    local < now - MAX_PICTURE_AGE_US)
		return now;
	return local;
}

static int on_video(kp_peer *p, kp_wire_msg *m, int64_t now)
{
	uint32_t seq = m->u.video.seq;
	bool gap = false;

	if (!p->have_config)
		return refuse(p, "VIDEO before VIDEO_CONFIG");
	if (p->any_video) {
		uint32_t d = seq - p->highest_seq;
		if (d == 0 || d > UINT32_C(0x80000000))
			return refuse(p, "VIDEO out of order");
		if (d > 1) {
			p->lost += d - 1;
			p->window_lost += d - 1;
			gap = true;
		}
	}
	size_t size = kyoyu_buffer_size(m->data);
	p->any_video = true;
	p->highest_seq = seq;
	p->packets_in++;
	p->bytes += size;
	p->window_bytes += size;
	p->total_bytes += size;
	p->window_packets++;
	p->report_owed = true;
	p->last_video_us = now;

	kyoyu_msg *pkt = new_msg(KYOYU_MSG_PACKET);
	if (!pkt)
		return 0;
	kyoyu_packet_info *info = &pkt->u.packet;
	pkt->time_us = now;
	info->codec = p->codec;
	info->flags = (m->u.video.flags & KP_WIRE_VIDEO_KEY ? KYOYU_PACKET_KEYFRAME : 0) |
		      (m->u.video.flags & KP_WIRE_VIDEO_REFINE ? KYOYU_PACKET_REFINE : 0) |
		      (m->u.video.flags & KP_WIRE_VIDEO_DISCONT || gap ? KYOYU_PACKET_DISCONT : 0);
	info->width = p->width;
	info->height = p->height;
	info->capture_us = to_local(p, m->u.video.capture_us, now);
	info->encoded_us = info->capture_us + m->u.video.encode_us;
	if (!(m->u.video.flags & KP_WIRE_VIDEO_REFINE))
		kp_peer_add_latency(p, now - info->capture_us);
	pkt->buf = m->data;
	m->data = NULL;
	kyoyu_bus_post(p->bus, pkt);
	return 0;
}

/* Sharer: the viewer decodes CODEC too, so the encode stage may go over
 * to it (codec.format = "auto"). */
static void post_decodes(kp_peer *p, uint32_t codec)
{
	kyoyu_msg *msg = new_msg(KYOYU_MSG_PEER);

	if (!msg)
		return;
	msg->u.peer.event = KYOYU_PEER_DECODES;
	msg->u.peer.codec = codec;
	kyoyu_bus_post(p->bus, msg);
}

/* The sharer's PC could not keep up and its video went over to CODEC, a
 * cheaper one this viewer said it decodes: the operator is told once. */
static void on_codec_switch(kp_peer *p, uint32_t codec)
{
	char text[5];

	kyoyu_info("the customer's PC cannot keep up: the video goes over to %s",
		   kyoyu_fourcc_text(codec, text));
	p->codec = codec;
	if (p->switch_told)
		return;
	p->switch_told = true;
	kyoyu_msg *msg = new_msg(KYOYU_MSG_NOTICE);
	if (!msg)
		return;
	msg->u.notice.kind = KYOYU_NOTICE_CODEC_SWITCHED;
	msg->buf = kyoyu_buffer_new_copy(text, strlen(text));
	kyoyu_bus_post(p->bus, msg);
}

static void on_video_config(kp_peer *p, const kp_wire_msg *m)
{
	if (m->u.video_config.codec != p->codec)
		on_codec_switch(p, m->u.video_config.codec);
	p->have_config = true;
	p->width = m->u.video_config.width;
	p->height = m->u.video_config.height;
	kyoyu_msg *msg = new_msg(KYOYU_MSG_VIDEO_SIZE);
	if (!msg)
		return;
	msg->u.size.width = p->width;
	msg->u.size.height = p->height;
	kyoyu_bus_post(p->bus, msg);
}

static void on_cursor(kp_peer *p, const kp_wire_msg *m)
{
	kyoyu_msg *msg = new_msg(KYOYU_MSG_CURSOR);

	if (!msg)
		return;
	kyoyu_cursor_info *c = &msg->u.cursor;
	c->x = m->u.cursor.x;
	c->y = m->u.cursor.y;
	c->visible = m->u.cursor.visible;
	c->serial = m->u.cursor.serial;
	if (p->shape) {
		c->width = p->shape_info.width;
		c->height = p->shape_info.height;
		c->hot_x = p->shape_info.hot_x;
		c->hot_y = p->shape_info.hot_y;
		c->serial = p->shape_info.serial;
		msg->buf = p->shape;
		p->shape = NULL;
	}
	kyoyu_bus_post(p->bus, msg);
}

static void on_cursor_shape(kp_peer *p, kp_wire_msg *m)
{
	kyoyu_buffer_unref(p->shape);
	p->shape = m->data;
	m->data = NULL;
	p->shape_info = (kyoyu_cursor_info){
		.serial = m->u.shape.serial,
		.width = m->u.shape.width,
		.height = m->u.shape.height,
		.hot_x = m->u.shape.hot_x,
		.hot_y = m->u.shape.hot_y,
	};
}

static void on_pong(kp_peer *p, const kp_wire_msg *m, int64_t now)
{
	int64_t echo = m->u.pong.echo_us, offset;

	/* Not an answer to one of our pings (or an absurd one): ignored. */
	if (echo > now || echo < now - MAX_RTT_US)
		return;
	int64_t rtt = now - echo;
	if (__builtin_sub_overflow(m->u.pong.clock_us, echo + rtt / 2, &offset))
		return;
	p->samples[p->next_sample] = (kp_clock_sample){rtt, offset};
	p->next_sample = (p->next_sample + 1) % KP_PEER_CLOCK_SAMPLES;
	if (p->n_samples < KP_PEER_CLOCK_SAMPLES)
		p->n_samples++;
	/* The quickest round trip has the least room for asymmetry. */
	const kp_clock_sample *best = &p->samples[0];
	for (unsigned i = 1; i < p->n_samples; i++)
		if (p->samples[i].rtt_us < best->rtt_us)
			best = &p->samples[i];
	p->offset_us = best->offset_us;
	p->rtt_us = rtt;
	/* A ping that waited behind a top-off measured the top-off. */
	if (kp_peer_is_sharer(p) && kp_peer_clear_of_top_off(p, echo, now))
		kp_peer_post_bitrate(p, kp_pacer_on_rtt(&p->pacer, rtt, now));
}

static void wake_at(int64_t at, int64_t now, int *timeout_ms)
{
	int64_t ms = at <= now ? 0 : (at - now + 999) / 1000;
	if (*timeout_ms < 0 || ms < *timeout_ms)
		*timeout_ms = (int)ms;
}

static void post_simple(kp_peer *p, uint32_t type, int64_t value)
{
	kyoyu_bus_post_value(p->bus, type, value);
}

/* The question the customer is about to answer (1.3): kept for the
 * answer, which follows. */
static int on_peer_question(kp_peer *p, const kp_wire_msg *m)
{
	const char *words = m->data ? kyoyu_buffer_data(m->data) : "";
	size_t n = m->data ? kyoyu_buffer_size(m->data) : 0;

	if (!kp_wire_text_ok(words, n))
		return refuse(p, "QUESTION words that are not printable UTF-8");
	memcpy(p->consent_lang, m->u.question.lang, sizeof(p->consent_lang));
	kyoyu_buffer_unref(p->consent_words);
	p->consent_words = m->data ? kyoyu_buffer_ref(m->data) : NULL;
	return 0;
}

/* The customer's answer, with the question's words when the sharer sent
 * them first. */
static int on_peer_consent(kp_peer *p, const kp_wire_msg *m)
{
	size_t n = p->consent_words ? kyoyu_buffer_size(p->consent_words) : 0;

	if (m->u.consent.answer == KYOYU_CONSENT_GRANTED_UNRECORDED && !p->recording_optional)
		return refuse(p, "CONSENT \"without recording\", which was not offered");
	/* The words are not a C string on the wire: made one here. */
	char *text = malloc(n + 1);
	if (text) {
		if (n)
			memcpy(text, kyoyu_buffer_data(p->consent_words), n);
		text[n] = '\0';
	}
	if (!text || kyoyu_consent_post(p->bus, m->u.consent.answer, p->consent_lang, text) ==
			     -ENOMEM)
		post_simple(p, KYOYU_MSG_CONSENT, m->u.consent.answer);
	free(text);
	return 0;
}

/* The sharer's pause state reaches the bus at most every PAUSE_POST_US:
 * a peer flipping it 10 000 times would fill inboxes, which then drop
 * messages, and the operator could be left with the wrong one.  The last
 * state the sharer sent is always posted (from the tick if need be). */
static void post_pause_state(kp_peer *p, int64_t now, int *timeout_ms)
{
	if (p->peer_paused == p->posted_paused)
		return;
	if (now < p->pause_posted_us + PAUSE_POST_US) {
		if (timeout_ms)
			wake_at(p->pause_posted_us + PAUSE_POST_US, now, timeout_ms);
		return;
	}
	post_simple(p, p->peer_paused ? KYOYU_MSG_PAUSE : KYOYU_MSG_RESUME, 0);
	p->posted_paused = p->peer_paused;
	p->pause_posted_us = now;
}

static void on_peer_limits(kp_peer *p, const kp_wire_msg *m)
{
	kyoyu_msg *msg = new_msg(KYOYU_MSG_LIMITS);

	if (!msg)
		return;
	/* Within int32 by the wire's bounds. */
	msg->u.limits = (kyoyu_limits_info){
		.source = KYOYU_LIMITS_PEER,
		.cap_s = (int32_t)m->u.limits.cap_s,
		.warn_s = (int32_t)m->u.limits.warn_s,
	};
	kyoyu_bus_post(p->bus, msg);
}

int kp_peer_on_wire(void *ctx, kp_wire_msg *m)
{
	kp_peer *p = ctx;
	int64_t now = kyoyu_now_us();
	int ret = 0;

	KP_PEER_ASSERT_THREAD(p);
	switch (m->type) {
	case KP_WIRE_BYE:
		p->gone = true;
		kyoyu_info("the other side ended the session (%s)",
			   kyoyu_end_reason_name(m->u.bye.reason));
		kp_peer_post_event(p, KYOYU_PEER_GONE, m->u.bye.reason, NULL);
		ret = 1;
		break;
	case KP_WIRE_PING: {
		kp_wire_msg pong = {.type = KP_WIRE_PONG};
		pong.u.pong.id = m->u.ping.id;
		pong.u.pong.echo_us = m->u.ping.clock_us;
		pong.u.pong.clock_us = now;
		send_wire(p, &pong);
		break;
	}
	case KP_WIRE_PONG:
		on_pong(p, m, now);
		break;
	case KP_WIRE_POINTER: {
		kyoyu_msg *msg = new_msg(KYOYU_MSG_POINTER);
		if (!msg)
			break;
		msg->u.pointer.x = m->u.pointer.x;
		msg->u.pointer.y = m->u.pointer.y;
		msg->u.pointer.visible = m->u.pointer.visible;
		kyoyu_bus_post(p->bus, msg);
		break;
	}
	case KP_WIRE_KEYFRAME_REQUEST:
		kp_peer_request_keyframe(p);
		break;
	case KP_WIRE_REPORT:
		if (m->u.report.bytes <= p->link_sent)
			kp_peer_on_received(p, m->u.report.bytes, now);
		break;
	case KP_WIRE_QUESTION:
		ret = on_peer_question(p, m);
		break;
	case KP_WIRE_CONSENT:
		ret = on_peer_consent(p, m);
		break;
	case KP_WIRE_LIMITS:
		on_peer_limits(p, m);
		break;
	case KP_WIRE_NOTICE: {
		kyoyu_msg *msg = new_msg(KYOYU_MSG_NOTICE);
		if (!msg)
			break;
		msg->u.notice.kind = KYOYU_NOTICE_RECORDING_STOPPED;
		msg->u.notice.error = m->u.notice.cause == KP_WIRE_NOTICE_DISK_FULL ? ENOSPC : EIO;
		kyoyu_bus_post(p->bus, msg);
		break;
	}
	case KP_WIRE_PAUSED:
	case KP_WIRE_RESUMED:
		p->peer_paused = m->type == KP_WIRE_PAUSED;
		post_pause_state(p, now, NULL);
		break;
	case KP_WIRE_VIDEO_CONFIG:
		if (m->u.video_config.codec != p->codec && !codec_also(p, m->u.video_config.codec))
			ret = refuse(p, "VIDEO_CONFIG for a codec that was not agreed");
		else
			on_video_config(p, m);
		break;
	case KP_WIRE_CODECS:
		for (unsigned i = 0; i < m->u.codecs.n; i++)
			post_decodes(p, m->u.codecs.codecs[i]);
		break;
	case KP_WIRE_VIDEO:
		ret = on_video(p, m, now);
		break;
	case KP_WIRE_CURSOR:
		on_cursor(p, m);
		break;
	case KP_WIRE_CURSOR_SHAPE:
		on_cursor_shape(p, m);
		break;
	default: /* the reader lets nothing else through */
		ret = refuse(p, "a message that has no place in a session");
		break;
	}
	kp_wire_msg_clear(m);
	return ret;
}

void kp_peer_add_latency(kp_peer *p, int64_t latency_us)
{
	if (latency_us >= 0 && p->n_latency < KP_PEER_SAMPLES)
		p->latency[p->n_latency++] = latency_us;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* The figures of the window that ends NOW. */
static void window_stats(kp_peer *p, int64_t now, kyoyu_stats_info *s)
{
	int64_t span = now - p->window_start_us;

	s->kbps = (uint32_t)(p->window_bytes * 8000 / (uint64_t)span);
	s->fps = (uint32_t)(((uint64_t)p->window_packets * 1000000 + (uint64_t)span / 2) /
			    (uint64_t)span);
	s->rtt_ms = (uint32_t)((p->rtt_us + 500) / 1000);
	uint64_t all = (uint64_t)p->window_packets + p->window_lost;
	s->loss_permille = all ? (uint32_t)(p->window_lost * 1000 / all) : 0;
	s->bytes = p->total_bytes;
	if (p->n_latency) {
		qsort(p->latency, p->n_latency, sizeof(p->latency[0]), cmp_i64);
		s->latency_us = p->latency[p->n_latency / 2];
	}
}

static void post_stats(kp_peer *p, int64_t now)
{
	kyoyu_msg *msg = kyoyu_msg_new(KYOYU_MSG_STATS);

	/* Without memory this window's figures are skipped, not carried over. */
	if (msg) {
		window_stats(p, now, &msg->u.stats);
		kyoyu_bus_post(p->bus, msg);
	}
	p->window_start_us = now;
	p->window_bytes = 0;
	p->window_packets = p->window_lost = 0;
	p->n_latency = 0;
}

static void send_report(kp_peer *p, int64_t now)
{
	kp_wire_msg m = {.type = KP_WIRE_REPORT};

	m.u.report.highest_seq = p->highest_seq;
	m.u.report.packets = p->packets_in;
	m.u.report.bytes = p->bytes;
	m.u.report.rtt_ms = (uint32_t)(p->rtt_us / 1000);
	m.u.report.lost = p->lost;
	send_wire(p, &m);
	p->report_owed = false;
	p->next_report_us = now + REPORT_US;
}


/* Pings, reports, statistics, rate control.  Returns 0, or -ETIMEDOUT
 * when the peer has been silent too long (the link is lost). */
static int tick(kp_peer *p, int64_t now, int *timeout_ms)
{
	int64_t silence = kp_conn_silence_us(p->conn, now);

	if (silence > p->cfg.timeout_us) {
		kp_conn_set_why(p->conn, "nothing heard for %lld s",
				(long long)(p->cfg.timeout_us / 1000000));
		return -ETIMEDOUT;
	}
	wake_at(now - silence + p->cfg.timeout_us + 1000, now, timeout_ms);

	bool flowing = p->last_video_us && now - p->last_video_us < VIDEO_RECENT_US;
	int64_t interval = flowing ? PING_BUSY_US : kp_peer_is_sharer(p) ? 0 : p->cfg.keepalive_us;
	if (!interval) {
		p->next_ping_us = now; /* ping as soon as video flows */
	} else {
		if (now >= p->next_ping_us) {
			kp_wire_msg ping = {.type = KP_WIRE_PING};
			ping.u.ping.id = ++p->ping_id;
			ping.u.ping.clock_us = now;
			send_wire(p, &ping);
			p->next_ping_us = now + interval;
		}
		wake_at(p->next_ping_us, now, timeout_ms);
	}
	if (!kp_peer_is_sharer(p) && p->report_owed) {
		if (now >= p->next_report_us)
			send_report(p, now);
		else
			wake_at(p->next_report_us, now, timeout_ms);
	}
	if (kp_peer_is_sharer(p) && now >= p->next_pacer_us) {
		uint32_t before = kp_pacer_target(&p->pacer);
		uint32_t kbps = kp_pacer_tick(&p->pacer, now);
		if (kbps && kbps < before)
			kyoyu_info("the link carries about %.0f kbit/s: asking the encoder "
				   "for %u kbit/s", p->pacer.capacity_kbps, kbps);
		else if (kbps)
			kyoyu_info("the link keeps up again: asking the encoder for %u kbit/s",
				   kbps);
		if (kbps)
			kyoyu_bus_post_value(p->bus, KYOYU_MSG_BITRATE, kbps);
		p->next_pacer_us = now + STATS_US;
	}
	post_pause_state(p, now, timeout_ms);
	if (now - p->window_start_us >= STATS_US)
		post_stats(p, now);
	wake_at(p->window_start_us + STATS_US, now, timeout_ms);
	return 0;
}

/* Once the peer said BYE or broke the protocol nothing more is read from
 * it; only our goodbye may still go out. */
static bool reading(const kp_peer *p)
{
	return !p->gone && !p->failed;
}

int kp_peer_prepare(kp_peer *p, struct pollfd *pfds, size_t max, int *timeout_ms,
		    int64_t now)
{
	size_t n = 0;

	KP_PEER_ASSERT_THREAD(p);
	if (!p->conn) {
		/* No link: what the encoder makes meanwhile is dropped as it
		 * comes, so the link that comes back starts afresh. */
		if (!kp_peer_is_sharer(p) || p->state != KYOYU_STATE_SHARING || p->ended ||
		    max == 0)
			return 0;
		kp_peer_drop_packets(p);
		int inbox_fd = kyoyu_inbox_fd(p->packets);
		if (inbox_fd < 0)
			return 0;
		pfds[0] = (struct pollfd){inbox_fd, POLLIN, 0};
		return 1;
	}
	if (max == 0)
		return 0;
	if (!p->ended && tick(p, now, timeout_ms) < 0)
		return -1;
	/* Pings and reports queued by the tick go out now. */
	if (kp_conn_flush(p->conn, now) < 0)
		return -1;
	if (!reading(p)) {
		/* Nothing more is read; only a goodbye may still go out. */
		pfds[n++] = (struct pollfd){kp_conn_fd(p->conn),
					    kp_conn_busy(p->conn) ? POLLOUT : 0, 0};
		return (int)n;
	}
	/* The socket polls writable for video only while packets wait;
	 * otherwise the inbox wakes us when the next one comes. */
	bool bulk = kp_peer_sending(p) && kp_peer_bulk_waiting(p);
	pfds[n++] = (struct pollfd){kp_conn_fd(p->conn), kp_conn_events(p->conn, bulk), 0};
	if (kp_peer_sending(p) && !bulk && n < max) {
		int inbox_fd = kyoyu_inbox_fd(p->packets);
		if (inbox_fd >= 0)
			pfds[n++] = (struct pollfd){inbox_fd, POLLIN, 0};
	}
	if (kp_conn_more_to_read(p->conn))
		*timeout_ms = 0;
	return (int)n;
}

int kp_peer_handle(kp_peer *p, short revents, int64_t now)
{
	kp_conn *c = p->conn;
	int ret = 0;

	KP_PEER_ASSERT_THREAD(p);
	if (!c)
		return 0;
	if (reading(p)) {
		/* The other side went away while a held frame was next: what
		 * it sent is read now, its goodbye included.  Screen content
		 * among it meets the bus's gate, closed while not sharing. */
		if (revents & (POLLRDHUP | POLLHUP | POLLERR))
			kp_conn_hold(c, 0, now);
		if (kp_conn_readable(c, revents))
			ret = kp_conn_read(c, kp_peer_on_wire, p, now);
	}
	if (ret == 0 && !p->gone)
		ret = kp_conn_flush(c, now);
	return ret < 0 ? -1 : 0;
}
