/* SPDX-License-Identifier: MIT */
/* What a sharer sends besides control frames: its video, which waits in
 * one place only (the peer's packets inbox on the bus) until the socket
 * has room, and the cursor. */
#include "config.h"

#include <stdint.h>
#include <string.h>

#define KYOYU_LOG_COMPONENT "proto"
#include <kyoyu/kyoyu.h>

#include "peer-priv.h"

void kp_peer_drop_cursor(kp_peer *p)
{
	kyoyu_msg_unref(p->cursor);
	p->cursor = NULL;
	p->cursor_shape_sent = false;
}

void kp_peer_drop_packets(kp_peer *p)
{
	kyoyu_msg *m;

	if (!p->packets)
		return;
	kyoyu_msg_unref(p->next_video);
	p->next_video = NULL;
	while (kyoyu_inbox_pop(p->packets, &m, 0) == 0) {
		kyoyu_msg_unref(m);
		p->seq++;
	}
	p->drop_until_key = true;
}

/* Video was lost on the way out: the next picture must stand on its own,
 * and the encoder should ask less of the link. */
static void note_drop(kp_peer *p, int64_t now)
{
	p->window_lost++;
	p->drop_until_key = true;
	kp_peer_request_keyframe(p);
	kp_peer_post_bitrate(p, kp_pacer_on_late(&p->pacer, now));
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

/* A link still busy with a top-off this long after it left is slow (or its
 * viewer does not report). */
#define TOP_OFF_GRACE_US 3000000

/* A top-off is one large picture sent while the screen stands still (VP9's
 * first is 70-110 KB at 1 Mbit/s, most of a second of the link): the
 * queue it makes is its own size, not pictures coming faster than the link
 * carries.  Read as the latter, it cut the bitrate after every still
 * spell, and the next scroll had half the link.  So neither the top-off
 * nor the time video waited behind it counts as delay. */
static bool behind_top_off(const kp_peer *p, int64_t now)
{
	return p->top_off_end > p->received && now - p->top_off_sent_us < TOP_OFF_GRACE_US;
}

/* When video that left at SENT_US started queueing on the link: after the
 * top-off ahead of it, if any, had arrived. */
static int64_t queued_since(const kp_peer *p, int64_t sent_us)
{
	return sent_us > p->top_off_in_us ? sent_us : p->top_off_in_us;
}

bool kp_peer_clear_of_top_off(const kp_peer *p, int64_t sent_us, int64_t now)
{
	return !behind_top_off(p, now) && sent_us >= p->top_off_in_us;
}

/* The report was written half a round trip ago.  A packet sent after that
 * is not late: time, not bytes in flight, tells a queue from a picture
 * that has just left. */
void kp_peer_on_received(kp_peer *p, uint64_t received, int64_t now)
{
	int64_t written_us = now - p->rtt_us / 2;

	while (p->sent_count && p->sent[p->sent_head].end <= received) {
		p->sent_head = (p->sent_head + 1) % KP_PEER_SENT_MARKS;
		p->sent_count--;
	}
	int64_t oldest_us = p->sent_count ? p->sent[p->sent_head].sent_us : INT64_MAX;
	/* Video sent before the report was still on its way: the link, not
	 * the screen, was the limit. */
	kp_pacer_on_report(&p->pacer, received, written_us >= oldest_us, now);
	bool was_behind = behind_top_off(p, now);
	p->received = received;
	if (behind_top_off(p, now))
		return;
	if (was_behind)
		p->top_off_in_us = written_us;
	int64_t delay = -1;
	if (p->sent_count)
		delay = written_us - queued_since(p, oldest_us);
	kp_peer_post_bitrate(p, kp_pacer_on_queue_delay(&p->pacer, delay, now));
}

/* When the packet started waiting for the link: when it was encoded. */
static int64_t entered_us(const kyoyu_msg *m)
{
	return m->u.packet.encoded_us ? m->u.packet.encoded_us : m->time_us;
}

/* The next packet worth sending from the inbox, with its seq in *SEQ (the
 * caller owns the reference), or NULL.  What cannot be sent is dropped
 * here: a packet the protocol cannot carry, and those that depend on a
 * lost one, up to the next keyframe.  A packet that waited longer than
 * max_queue_us is still sent: later pictures refer to it, and dropping it
 * would cost a keyframe, which is what fills a slow link in the first
 * place.  The encode stage does not encode while its last packet waits
 * here, so the wait is one picture's; a long one tells the pacer that
 * the pictures are too large for the link. */
static kyoyu_msg *pop_packet(kp_peer *p, uint32_t *seq, int64_t now)
{
	kyoyu_msg *m;

	while (kyoyu_inbox_pop(p->packets, &m, 0) == 0) {
		const kyoyu_packet_info *info = &m->u.packet;
		size_t size = m->buf ? kyoyu_buffer_size(m->buf) : 0;
		bool key = info->flags & KYOYU_PACKET_KEYFRAME;
		*seq = p->seq++;
		if (size == 0 || size > KP_WIRE_MAX_VIDEO) {
			kyoyu_warn("dropped a video packet of %zu bytes (the protocol carries "
				   "1 to %u): lower codec.bitrate_kbps", size, KP_WIRE_MAX_VIDEO);
			kyoyu_msg_unref(m);
			note_drop(p, now);
			continue;
		}
		/* The bus lost packets before this one: what follows cannot be
		 * decoded until a keyframe. */
		if ((info->flags & KYOYU_PACKET_DISCONT) && !key)
			note_drop(p, now);
		if (!behind_top_off(p, now) &&
		    now - queued_since(p, entered_us(m)) > p->cfg.max_queue_us)
			kp_peer_post_bitrate(p, kp_pacer_on_late(&p->pacer, now));
		if (p->drop_until_key && !key) {
			kyoyu_msg_unref(m);
			p->window_lost++;
			kp_peer_request_keyframe(p);
			continue;
		}
		return m;
	}
	return NULL;
}

bool kp_peer_sending(const kp_peer *p)
{
	return kp_peer_is_sharer(p) && p->conn && p->state == KYOYU_STATE_SHARING && !p->ended;
}

bool kp_peer_bulk_waiting(kp_peer *p)
{
	if (p->cursor || p->next_video)
		return true;
	/* The inbox's descriptor polls readable while it is not empty. */
	int inbox_fd = kyoyu_inbox_fd(p->packets);
	struct pollfd pfd = {inbox_fd, POLLIN, 0};
	return inbox_fd >= 0 && kp_net_poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLIN);
}

void kp_peer_take_cursor(kp_peer *p, kyoyu_msg *msg)
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
	kp_peer_drop_cursor(p);
	p->cursor = msg;
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
	out->u.cursor.x = kp_peer_clamp(c->x, -KP_WIRE_MAX_COORD, KP_WIRE_MAX_COORD);
	out->u.cursor.y = kp_peer_clamp(c->y, -KP_WIRE_MAX_COORD, KP_WIRE_MAX_COORD);
	out->u.cursor.visible = c->visible ? 1 : 0;
	out->u.cursor.serial = c->serial;
	kp_peer_drop_cursor(p);
	return true;
}

static bool video_frame(kp_peer *p, kyoyu_msg *pkt, uint32_t seq, kp_wire_msg *out,
			int64_t now)
{
	const kyoyu_packet_info *sent = &pkt->u.packet;
	int64_t encode = sent->encoded_us - sent->capture_us;

	out->type = KP_WIRE_VIDEO;
	out->u.video.seq = seq;
	out->u.video.flags = (sent->flags & KYOYU_PACKET_KEYFRAME ? KP_WIRE_VIDEO_KEY : 0) |
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
	if (sent->flags & KYOYU_PACKET_REFINE) {
		p->top_off_end = p->link_sent;
		p->top_off_sent_us = now;
	}
	mark_sent(p, now);
	p->window_packets++;
	p->last_video_us = now;
	/* A refinement re-encodes an old picture: not a measure of delay. */
	if (!(sent->flags & KYOYU_PACKET_REFINE))
		kp_peer_add_latency(p, now - sent->capture_us);
	kyoyu_msg_unref(pkt);
	return true;
}

/* The next frame of screen content, when the socket has room: the cursor
 * first, then the oldest packet still worth sending. */
bool kp_peer_next_bulk(void *ctx, kp_wire_msg *out, int64_t now)
{
	kp_peer *p = ctx;
	uint32_t seq;

	memset(out, 0, sizeof(*out));
	if (!kp_peer_sending(p))
		return false;
	if (p->cursor)
		return next_cursor(p, out);
	if (p->next_video) {
		kyoyu_msg *pkt = p->next_video;
		p->next_video = NULL;
		return video_frame(p, pkt, p->next_seq, out, now);
	}
	kyoyu_msg *pkt = pop_packet(p, &seq, now);
	if (!pkt)
		return false;
	const kyoyu_packet_info *info = &pkt->u.packet;
	if (p->config_sent && info->codec == p->sent_codec && info->width == p->sent_width &&
	    info->height == p->sent_height)
		return video_frame(p, pkt, seq, out, now);
	/* The picture's size or codec is new to the viewer: that goes first,
	 * the packet with the next frame. */
	out->type = KP_WIRE_VIDEO_CONFIG;
	out->u.video_config.codec = info->codec;
	out->u.video_config.width = (uint16_t)info->width;
	out->u.video_config.height = (uint16_t)info->height;
	p->config_sent = true;
	p->sent_codec = info->codec;
	p->sent_width = info->width;
	p->sent_height = info->height;
	p->next_video = pkt;
	p->next_seq = seq;
	return true;
}

