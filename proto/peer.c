/* The session over a link: bus ↔ wire, clocks, reports, statistics, and
 * the sharer's video queue with its rate control. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KYOYU_LOG_COMPONENT "proto"
#include <kyoyu/kyoyu.h>

#include "peer.h"

#define PING_BUSY_US 1000000       /* while video flows */
#define VIDEO_RECENT_US 2000000    /* video this recent counts as flowing */
#define REPORT_US 250000
#define STATS_US 1000000
#define KEYFRAME_REQUEST_MIN_US 250000 /* at most 4 a second pass */
#define MAX_RTT_US 60000000
/* No picture arrives later than this after its capture. */
#define MAX_PICTURE_AGE_US 60000000
/* After the start of sharing, the sharer sends a keyframe by itself. */
#define KEY_ON_START_US 1000000

static bool is_sharer(const kp_peer *p)
{
	return p->cfg.role == KYOYU_ROLE_SHARER;
}

kp_peer *kp_peer_new(kyoyu_bus *bus, const kp_peer_config *cfg)
{
	kp_peer *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->bus = bus;
	p->cfg = *cfg;
	kp_pacer_init(&p->pacer, cfg->ceiling_kbps);
	return p;
}

static void drop_queue(kp_peer *p)
{
	while (p->q_count) {
		kyoyu_msg_unref(p->queue[p->q_head]);
		p->queue[p->q_head] = NULL;
		p->q_head = (p->q_head + 1) % KP_PEER_QUEUE_DEPTH;
		p->q_count--;
	}
}

static void drop_held(kp_peer *p)
{
	for (unsigned i = 0; i < p->held_count; i++)
		kyoyu_msg_unref(p->held[i]);
	p->held_count = 0;
}

static void drop_cursor(kp_peer *p)
{
	kyoyu_msg_unref(p->cursor);
	p->cursor = NULL;
	p->cursor_shape_sent = false;
}

void kp_peer_free(kp_peer *p)
{
	if (!p)
		return;
	kp_conn_free(p->conn, false);
	drop_queue(p);
	drop_held(p);
	drop_cursor(p);
	kyoyu_buffer_unref(p->shape);
	free(p);
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
			    p->conn->addr, strerror(-ret));
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
	m.u.consent.answer = p->consent;
	send_wire(p, &m);
	p->consent_sent = true;
}

static void request_keyframe_locally(kp_peer *p, int64_t now)
{
	if (p->last_keyframe_request_us &&
	    now - p->last_keyframe_request_us < KEYFRAME_REQUEST_MIN_US)
		return;
	p->last_keyframe_request_us = now;
	kyoyu_bus_post_value(p->bus, KYOYU_MSG_KEYFRAME_REQUEST, 0);
}

static void post_bitrate(kp_peer *p, uint32_t kbps)
{
	if (!kbps)
		return;
	kyoyu_info("the link is not keeping up: asking the encoder for %u kbit/s", kbps);
	kyoyu_bus_post_value(p->bus, KYOYU_MSG_BITRATE, kbps);
}

static bool next_bulk(void *ctx, kp_wire_msg *out, int64_t now);

void kp_peer_attach(kp_peer *p, kp_conn *conn, uint32_t codec, bool recording,
		    bool resumed, int64_t peer_clock_us, int64_t now)
{
	p->conn = conn;
	p->codec = codec;
	p->recording = recording;
	kp_conn_allow(conn, is_sharer(p) ? KP_WIRE_FROM_VIEWER : KP_WIRE_FROM_SHARER);
	if (!p->n_samples && __builtin_sub_overflow(peer_clock_us, now, &p->offset_us))
		p->offset_us = 0;
	p->next_ping_us = now;
	p->window_start_us = now;
	/* Reports count what arrived on this connection. */
	p->link_sent = 0;
	p->sent_count = 0;
	p->packets = p->lost = 0;
	p->bytes = 0;
	kp_pacer_new_link(&p->pacer);
	if (!is_sharer(p))
		return;
	kp_conn_set_source(conn, next_bulk, p);
	p->config_sent = false;
	if (!resumed)
		return;
	/* The viewer missed whatever happened while the link was down. */
	send_consent(p);
	if (p->state == KYOYU_STATE_PAUSED)
		send_empty(p, KP_WIRE_PAUSED);
	else if (p->state == KYOYU_STATE_SHARING)
		send_empty(p, KP_WIRE_RESUMED);
	p->drop_until_key = true;
	request_keyframe_locally(p, now);
}

kp_conn *kp_peer_detach(kp_peer *p)
{
	kp_conn *c = p->conn;

	p->conn = NULL;
	if (is_sharer(p)) {
		drop_queue(p);
		p->drop_until_key = true;
		p->consent_sent = false;
	}
	return c;
}

bool kp_peer_link_down_for_good(kp_peer *p, const char *complaint)
{
	if (p->gone || p->ended) {
		kp_conn_free(kp_peer_detach(p), false);
		return true;
	}
	if (!p->failed && !p->conn->broken)
		return false;
	p->failed = true;
	kyoyu_error("%s; ending the session", p->conn->why);
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

void kp_peer_post_event(kp_peer *p, uint32_t event, uint32_t reason, const char *name)
{
	kyoyu_msg *msg = kyoyu_msg_new(KYOYU_MSG_PEER);

	if (!msg) {
		kyoyu_error("out of memory: the session missed a peer event (%u)", event);
		return;
	}
	msg->u.peer = (kyoyu_peer_info){
		.event = event,
		.codec = p->codec,
		.recording = p->recording,
		.reason = reason,
	};
	if (name)
		msg->buf = kyoyu_buffer_new_copy(name, strlen(name));
	kyoyu_bus_post(p->bus, msg);
}

void kp_peer_end(kp_peer *p, uint32_t reason)
{
	if (p->ended)
		return;
	p->ended = true;
	p->end_reason = reason;
	drop_queue(p);
	drop_held(p);
	if (!p->conn || p->gone)
		return;
	kp_wire_msg m = {.type = KP_WIRE_BYE};
	m.u.bye.reason = (uint8_t)(reason >= KYOYU_END_LEFT && reason <= KYOYU_END_ERROR
					   ? reason : KYOYU_END_ERROR);
	send_wire(p, &m);
}

/* ---- the sharer's video queue -------------------------------------------- */

/* Video was lost on the way out: the next picture must stand on its own,
 * and the encoder should ask less of the link. */
static void note_drop(kp_peer *p, int64_t now)
{
	p->window_lost++;
	p->drop_until_key = true;
	request_keyframe_locally(p, now);
	post_bitrate(p, kp_pacer_on_drop(&p->pacer, now));
}

/* Remembers when the video up to link_sent left; the oldest mark goes when
 * more packets are on their way than can be remembered. */
static void mark_sent(kp_peer *p, int64_t now)
{
	if (p->sent_count == KP_PEER_SENT_MARKS) {
		p->sent_head = (p->sent_head + 1) % KP_PEER_SENT_MARKS;
		p->sent_count--;
	}
	p->sent[(p->sent_head + p->sent_count++) % KP_PEER_SENT_MARKS] =
		(kp_sent_mark){p->link_sent, now};
}

/* The viewer reported RECEIVED video bytes.  How long the oldest packet it
 * had not received yet had been on its way when it wrote the report (half
 * a round trip ago), or -1 when it had everything.  A packet sent after the
 * report was written is not late: time, not bytes in flight, tells a queue
 * from a picture that has just left. */
static int64_t oldest_unreceived_age(kp_peer *p, uint64_t received, int64_t now)
{
	while (p->sent_count && p->sent[p->sent_head].end <= received) {
		p->sent_head = (p->sent_head + 1) % KP_PEER_SENT_MARKS;
		p->sent_count--;
	}
	if (!p->sent_count)
		return -1;
	return now - p->rtt_us / 2 - p->sent[p->sent_head].sent_us;
}

static int64_t entered_us(const kyoyu_msg *m)
{
	return m->u.packet.encoded_us ? m->u.packet.encoded_us : m->time_us;
}

/* Takes the oldest packet (the caller owns the reference) and its seq. */
static kyoyu_msg *pop_packet(kp_peer *p, uint32_t *seq)
{
	kyoyu_msg *m = p->queue[p->q_head];

	if (seq)
		*seq = p->queue_seq[p->q_head];
	p->queue[p->q_head] = NULL;
	p->q_head = (p->q_head + 1) % KP_PEER_QUEUE_DEPTH;
	p->q_count--;
	return m;
}

/* Drops packets that waited longer than the limit. */
static void prune_queue(kp_peer *p, int64_t now)
{
	while (p->q_count && now - entered_us(p->queue[p->q_head]) > p->cfg.max_queue_us) {
		kyoyu_msg_unref(pop_packet(p, NULL));
		note_drop(p, now);
	}
}

static void enqueue_packet(kp_peer *p, kyoyu_msg *msg, int64_t now)
{
	size_t size = msg->buf ? kyoyu_buffer_size(msg->buf) : 0;
	uint32_t seq = p->seq++;

	if (!p->conn || p->state != KYOYU_STATE_SHARING || p->ended) {
		p->drop_until_key = true;
		kyoyu_msg_unref(msg);
		return;
	}
	if (size == 0 || size > KP_WIRE_MAX_VIDEO) {
		kyoyu_warn("dropped a video packet of %zu bytes (the protocol carries 1 to "
			   "%u): lower codec.bitrate_kbps", size, KP_WIRE_MAX_VIDEO);
		kyoyu_msg_unref(msg);
		note_drop(p, now);
		return;
	}
	/* The bus lost packets before this one: what follows cannot be
	 * decoded until a keyframe. */
	if ((msg->u.packet.flags & KYOYU_PACKET_DISCONT) &&
	    !(msg->u.packet.flags & KYOYU_PACKET_KEYFRAME))
		note_drop(p, now);
	if (p->q_count == KP_PEER_QUEUE_DEPTH) {
		kyoyu_msg_unref(pop_packet(p, NULL));
		note_drop(p, now);
	}
	unsigned tail = (p->q_head + p->q_count++) % KP_PEER_QUEUE_DEPTH;
	p->queue[tail] = msg;
	p->queue_seq[tail] = seq;
}

/* The newest cursor position wins, but an unsent shape is kept.  Takes
 * over the reference to MSG. */
static void take_cursor(kp_peer *p, kyoyu_msg *msg)
{
	const kyoyu_cursor_info *c = &msg->u.cursor;
	bool bad_shape = msg->buf &&
			 (c->width < 1 || c->width > KP_WIRE_MAX_SHAPE_SIDE || c->height < 1 ||
			  c->height > KP_WIRE_MAX_SHAPE_SIDE || c->hot_x >= c->width ||
			  c->hot_y >= c->height ||
			  kyoyu_buffer_size(msg->buf) != (size_t)c->width * c->height * 4);
	bool keep_old_shape = p->cursor && p->cursor->buf && !p->cursor_shape_sent &&
			      (bad_shape || !msg->buf);

	if (bad_shape)
		kyoyu_debug("cursor shape of %ux%u not sent: out of the protocol's bounds",
			    c->width, c->height);
	if (bad_shape || keep_old_shape) {
		/* The message may be shared with other inboxes: change a copy. */
		msg = kyoyu_msg_writable(msg);
		if (!msg) {
			kyoyu_debug("out of memory: a cursor move is not sent");
			return;
		}
		kyoyu_buffer_unref(msg->buf);
		msg->buf = NULL;
	}
	if (keep_old_shape) {
		kyoyu_cursor_info *n = &msg->u.cursor;
		const kyoyu_cursor_info *o = &p->cursor->u.cursor;
		msg->buf = kyoyu_buffer_ref(p->cursor->buf);
		n->serial = o->serial;
		n->width = o->width;
		n->height = o->height;
		n->hot_x = o->hot_x;
		n->hot_y = o->hot_y;
	}
	drop_cursor(p);
	p->cursor = msg;
}

static int32_t clamp32(int32_t v, int32_t lo, int32_t hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

static bool next_cursor(kp_peer *p, kp_wire_msg *out)
{
	const kyoyu_cursor_info *c = &p->cursor->u.cursor;

	if (p->cursor->buf && !p->cursor_shape_sent) {
		out->type = KP_WIRE_CURSOR_SHAPE;
		out->u.shape.serial = c->serial;
		out->u.shape.width = (uint16_t)c->width;
		out->u.shape.height = (uint16_t)c->height;
		out->u.shape.hot_x = (uint16_t)c->hot_x;
		out->u.shape.hot_y = (uint16_t)c->hot_y;
		out->data = kyoyu_buffer_ref(p->cursor->buf);
		p->cursor_shape_sent = true;
		return true;
	}
	out->type = KP_WIRE_CURSOR;
	out->u.cursor.x = clamp32(c->x, -KP_WIRE_MAX_COORD, KP_WIRE_MAX_COORD);
	out->u.cursor.y = clamp32(c->y, -KP_WIRE_MAX_COORD, KP_WIRE_MAX_COORD);
	out->u.cursor.visible = c->visible ? 1 : 0;
	out->u.cursor.serial = c->serial;
	drop_cursor(p);
	return true;
}

static void add_latency(kp_peer *p, int64_t latency_us)
{
	if (latency_us >= 0 && p->n_latency < KP_PEER_SAMPLES)
		p->latency[p->n_latency++] = latency_us;
}

/* kp_conn_source: the next frame of screen content, when the socket has
 * room.  Old packets are dropped here, at the last moment. */
static bool next_bulk(void *ctx, kp_wire_msg *out, int64_t now)
{
	kp_peer *p = ctx;

	memset(out, 0, sizeof(*out));
	if (p->state != KYOYU_STATE_SHARING || p->ended)
		return false;
	if (p->cursor)
		return next_cursor(p, out);
	prune_queue(p, now);
	while (p->q_count) {
		const kyoyu_msg *m = p->queue[p->q_head];
		const kyoyu_packet_info *info = &m->u.packet;
		bool key = info->flags & KYOYU_PACKET_KEYFRAME;
		if (p->drop_until_key && !key) {
			kyoyu_msg_unref(pop_packet(p, NULL));
			p->window_lost++;
			request_keyframe_locally(p, now);
			continue;
		}
		if (!p->config_sent || info->codec != p->sent_codec ||
		    info->width != p->sent_width || info->height != p->sent_height) {
			out->type = KP_WIRE_VIDEO_CONFIG;
			out->u.video_config.codec = info->codec;
			out->u.video_config.width = (uint16_t)info->width;
			out->u.video_config.height = (uint16_t)info->height;
			p->config_sent = true;
			p->sent_codec = info->codec;
			p->sent_width = info->width;
			p->sent_height = info->height;
			return true;
		}
		uint32_t seq;
		kyoyu_msg *pkt = pop_packet(p, &seq);
		const kyoyu_packet_info *sent = &pkt->u.packet;
		int64_t encode = sent->encoded_us - sent->capture_us;
		out->type = KP_WIRE_VIDEO;
		out->u.video.seq = seq;
		out->u.video.flags = (key ? KP_WIRE_VIDEO_KEY : 0) |
				     (sent->flags & KYOYU_PACKET_REFINE ? KP_WIRE_VIDEO_REFINE : 0);
		out->u.video.capture_us = sent->capture_us;
		out->u.video.encode_us = (uint32_t)(encode < 0 ? 0 : encode > KP_WIRE_MAX_ENCODE_US
								 ? KP_WIRE_MAX_ENCODE_US : encode);
		out->data = kyoyu_buffer_ref(pkt->buf);
		size_t size = kyoyu_buffer_size(pkt->buf);
		p->drop_until_key = false;
		p->window_bytes += size;
		p->total_bytes += size;
		p->link_sent += size;
		mark_sent(p, now);
		p->window_packets++;
		p->last_video_us = now;
		/* A refinement re-encodes an old picture: not a measure of delay. */
		if (!(sent->flags & KYOYU_PACKET_REFINE))
			add_latency(p, now - sent->capture_us);
		kyoyu_msg_unref(pkt);
		return true;
	}
	return false;
}

bool kp_peer_want_bulk(const kp_peer *p)
{
	return is_sharer(p) && p->conn && p->state == KYOYU_STATE_SHARING && !p->ended &&
	       (p->q_count || p->cursor);
}

/* ---- bus → wire ------------------------------------------------------------ */

static void flush_held(kp_peer *p)
{
	for (unsigned i = 0; i < p->held_count; i++)
		kyoyu_bus_post(p->bus, p->held[i]);
	p->held_count = 0;
}

static void on_state(kp_peer *p, const kyoyu_state_info *st)
{
	uint32_t prev = p->state;

	p->state = st->state;
	if (st->state == prev)
		return; /* the same state with news (the time cap) */
	if (is_sharer(p)) {
		if (st->state == KYOYU_STATE_PAUSED && prev != KYOYU_STATE_PAUSED) {
			/* Nothing captured before the pause leaves after it. */
			drop_queue(p);
			drop_cursor(p);
			send_empty(p, KP_WIRE_PAUSED);
		} else if (st->state == KYOYU_STATE_SHARING) {
			if (prev == KYOYU_STATE_PAUSED)
				send_empty(p, KP_WIRE_RESUMED);
			p->drop_until_key = true;
		}
	} else if (st->state == KYOYU_STATE_SHARING) {
		p->sharing_since_us = kyoyu_now_us();
		flush_held(p);
	} else if (st->state == KYOYU_STATE_PAUSED || st->state == KYOYU_STATE_ENDED) {
		drop_held(p);
	}
	if (st->state == KYOYU_STATE_ENDED)
		kp_peer_end(p, st->reason);
}

static void send_pointer(kp_peer *p, const kyoyu_pointer_info *pt)
{
	kp_wire_msg m = {.type = KP_WIRE_POINTER};

	m.u.pointer.x = clamp32(pt->x, 0, KP_WIRE_MAX_POINTER);
	m.u.pointer.y = clamp32(pt->y, 0, KP_WIRE_MAX_POINTER);
	m.u.pointer.visible = pt->visible ? 1 : 0;
	send_wire(p, &m);
}

void kp_peer_on_bus(kp_peer *p, kyoyu_msg *msg)
{
	int64_t now = kyoyu_now_us();

	switch (msg->type) {
	case KYOYU_MSG_STATE:
		on_state(p, &msg->u.state);
		break;
	case KYOYU_MSG_PACKET:
		if (is_sharer(p)) {
			enqueue_packet(p, msg, now);
			return;
		}
		break;
	case KYOYU_MSG_CURSOR:
		if (is_sharer(p) && p->state == KYOYU_STATE_SHARING && p->conn) {
			take_cursor(p, msg);
			return;
		}
		break;
	case KYOYU_MSG_CONSENT:
		if (is_sharer(p) && (msg->u.value == KYOYU_CONSENT_GRANTED ||
				     msg->u.value == KYOYU_CONSENT_DECLINED)) {
			p->consent = (uint8_t)msg->u.value;
			p->consent_sent = false;
			send_consent(p);
		}
		break;
	case KYOYU_MSG_POINTER:
		if (!is_sharer(p))
			send_pointer(p, &msg->u.pointer);
		break;
	case KYOYU_MSG_KEYFRAME_REQUEST:
		/* Each start of sharing brings a keyframe anyway: the session's
		 * own request at that moment need not travel. */
		if (!is_sharer(p) && now - p->sharing_since_us >= KEY_ON_START_US &&
		    (!p->last_keyframe_request_us ||
		     now - p->last_keyframe_request_us >= KEYFRAME_REQUEST_MIN_US)) {
			p->last_keyframe_request_us = now;
			send_empty(p, KP_WIRE_KEYFRAME_REQUEST);
		}
		break;
	default:
		break;
	}
	kyoyu_msg_unref(msg);
}

/* ---- wire → bus ------------------------------------------------------------ */

/* Screen content reaches the bus only while the local session shares; what
 * comes just before (the first keyframe racing the local state change)
 * waits here instead of being refused.  Takes over the reference to MSG. */
static void deliver(kp_peer *p, kyoyu_msg *msg)
{
	if (p->state == KYOYU_STATE_SHARING) {
		kyoyu_bus_post(p->bus, msg);
		return;
	}
	if (p->ended || p->held_count == KP_PEER_HELD_DEPTH) {
		kyoyu_msg_unref(msg);
		return;
	}
	p->held[p->held_count++] = msg;
}

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
		snprintf(p->conn->why, sizeof(p->conn->why), "%s broke the protocol: %s",
			 p->conn->addr, what);
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
	p->packets++;
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
		add_latency(p, now - info->capture_us);
	pkt->buf = m->data;
	m->data = NULL;
	deliver(p, pkt);
	return 0;
}

static void on_video_config(kp_peer *p, const kp_wire_msg *m)
{
	p->have_config = true;
	p->width = m->u.video_config.width;
	p->height = m->u.video_config.height;
	kyoyu_msg *msg = new_msg(KYOYU_MSG_VIDEO_SIZE);
	if (!msg)
		return;
	msg->u.size.width = p->width;
	msg->u.size.height = p->height;
	deliver(p, msg);
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
	deliver(p, msg);
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
	if (is_sharer(p))
		post_bitrate(p, kp_pacer_on_rtt(&p->pacer, rtt, now));
}

static void post_simple(kp_peer *p, uint32_t type, int64_t value)
{
	kyoyu_bus_post_value(p->bus, type, value);
}

int kp_peer_on_wire(void *ctx, kp_wire_msg *m)
{
	kp_peer *p = ctx;
	int64_t now = kyoyu_now_us();
	int ret = 0;

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
		request_keyframe_locally(p, now);
		break;
	case KP_WIRE_REPORT:
		kp_pacer_on_report(&p->pacer, m->u.report.bytes, now);
		if (m->u.report.bytes <= p->link_sent)
			post_bitrate(p, kp_pacer_on_queue_delay(
						&p->pacer,
						oldest_unreceived_age(p, m->u.report.bytes, now),
						now));
		break;
	case KP_WIRE_CONSENT:
		post_simple(p, KYOYU_MSG_CONSENT, m->u.consent.answer);
		break;
	case KP_WIRE_PAUSED:
		drop_held(p);
		post_simple(p, KYOYU_MSG_PAUSE, 0);
		break;
	case KP_WIRE_RESUMED:
		post_simple(p, KYOYU_MSG_RESUME, 0);
		break;
	case KP_WIRE_VIDEO_CONFIG:
		if (m->u.video_config.codec != p->codec)
			ret = refuse(p, "VIDEO_CONFIG for a codec that was not agreed");
		else
			on_video_config(p, m);
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

/* ---- time ---------------------------------------------------------------- */

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
	m.u.report.packets = p->packets;
	m.u.report.bytes = p->bytes;
	m.u.report.rtt_ms = (uint32_t)(p->rtt_us / 1000);
	m.u.report.lost = p->lost;
	send_wire(p, &m);
	p->report_owed = false;
	p->next_report_us = now + REPORT_US;
}

static void wake_at(int64_t at, int64_t now, int *timeout_ms)
{
	int64_t ms = at <= now ? 0 : (at - now + 999) / 1000;
	if (*timeout_ms < 0 || ms < *timeout_ms)
		*timeout_ms = (int)ms;
}

int kp_peer_tick(kp_peer *p, int64_t now, int *timeout_ms)
{
	if (!p->conn || p->ended)
		return 0;
	if (now - p->conn->last_rx_us > p->cfg.timeout_us)
		return -ETIMEDOUT;
	wake_at(p->conn->last_rx_us + p->cfg.timeout_us + 1000, now, timeout_ms);

	bool flowing = p->last_video_us && now - p->last_video_us < VIDEO_RECENT_US;
	int64_t interval = flowing ? PING_BUSY_US : is_sharer(p) ? 0 : p->cfg.keepalive_us;
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
	if (!is_sharer(p) && p->report_owed) {
		if (now >= p->next_report_us)
			send_report(p, now);
		else
			wake_at(p->next_report_us, now, timeout_ms);
	}
	if (is_sharer(p)) {
		prune_queue(p, now);
		if (p->q_count)
			wake_at(entered_us(p->queue[p->q_head]) + p->cfg.max_queue_us + 1000,
				now, timeout_ms);
		if (now >= p->next_pacer_us) {
			uint32_t kbps = kp_pacer_tick(&p->pacer, now);
			if (kbps) {
				kyoyu_info("the link keeps up again: asking the encoder for "
					   "%u kbit/s", kbps);
				kyoyu_bus_post_value(p->bus, KYOYU_MSG_BITRATE, kbps);
			}
			p->next_pacer_us = now + STATS_US;
		}
	}
	if (now - p->window_start_us >= STATS_US)
		post_stats(p, now);
	wake_at(p->window_start_us + STATS_US, now, timeout_ms);
	return 0;
}
