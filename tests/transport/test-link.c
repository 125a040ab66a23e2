/* SPDX-License-Identifier: MIT */
/* The protocol stack end to end, without TLS: a viewer and a sharer of
 * transport/tls, each with its own bus, talk over socketpairs in one
 * thread.  A test plays both sessions by posting STATE messages. */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "bus-priv.h"
#include "sharer.h"
#include "viewer.h"

#define MAX_POLL (KT_VIEWER_MAX_PENDING + 2)
#define MAX_SEEN 512

static const uint32_t codecs[] = {KYOYU_CODEC_VP9, 0};

typedef struct side {
	kyoyu_bus *bus;
	kyoyu_inbox *inbox;
	kyoyu_msg *seen[MAX_SEEN]; /* everything posted, in order */
	size_t n_seen;
} side;

typedef struct pair {
	side viewer_side, sharer_side;
	kt_viewer *viewer;
	kt_sharer *sharer;
	int next_fd;        /* the sharer's end of the next connection */
	int viewer_end;     /* the viewer's end of the current one */
	bool refuse;        /* the viewer cannot be reached */
	char code[12];
} pair;

static int pair_open(void *ctx, int *fd, char *err, size_t errlen)
{
	pair *p = ctx;
	int sv[2];

	if (p->refuse) {
		snprintf(err, errlen, "connection refused");
		return -ECONNREFUSED;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) != 0)
		return -errno;
	*fd = sv[0];
	p->viewer_end = sv[1];
	kp_conn *conn = kp_conn_new(sv[1], "sharer", &kp_conn_plain_io, (void *)(intptr_t)sv[1],
				    0, kyoyu_now_us());
	kt_viewer_adopt(p->viewer, conn, "127.0.0.1", kyoyu_now_us());
	return 0;
}

static kp_conn *pair_wrap(void *ctx, int fd, char *err, size_t errlen)
{
	return kp_conn_new(fd, "viewer", &kp_conn_plain_io, (void *)(intptr_t)fd, 0,
			   kyoyu_now_us());
}

static void side_init(side *s)
{
	memset(s, 0, sizeof(*s));
	s->bus = kyoyu_bus_new();
	s->inbox = kyoyu_bus_subscribe(s->bus, "test", ~UINT64_C(0), 256);
	assert_non_null(s->inbox);
}

static void side_fini(side *s)
{
	for (size_t i = 0; i < s->n_seen; i++)
		kyoyu_msg_unref(s->seen[i]);
	kyoyu_inbox_free(s->inbox);
	kyoyu_bus_free(s->bus);
}

static kp_peer_config peer_config(uint32_t role)
{
	return (kp_peer_config){.role = role, .timeout_us = 5000000, .keepalive_us = 1000000,
				.max_queue_us = 150000, .ceiling_kbps = 1000};
}

/* What the TLS layer would read from the viewer's verified certificate. */
static void pair_identity(void *ctx, kp_conn *conn, kt_identity *out)
{
	memset(out, 0, sizeof(*out));
	snprintf(out->name, sizeof(out->name), "%s", "田中 愛子");
	snprintf(out->org, sizeof(out->org), "%s", "Example Support");
	out->verified = KYOYU_PEER_VERIFIED_PIN;
}

/* 64 characters outside the Basic Multilingual Plane (U+2000B, 4 bytes
 * each): the longest names on the wire, 255 bytes once cut. */
static char long_name[64 * 4 + 1];

static int setup_named(void **state, bool recording, bool optional, const char *viewer_name,
		       const char *sharer_name)
{
	pair *p = calloc(1, sizeof(*p));

	side_init(&p->viewer_side);
	side_init(&p->sharer_side);
	kt_viewer_config vc = {
		.peer = peer_config(KYOYU_ROLE_VIEWER), .code_ttl_us = 60000000,
		.attempts_per_minute = 100, .reject_delay_us = 50000,
		.handshake_timeout_us = 5000000, .grace_us = 2000000, .name = viewer_name,
		.codecs = codecs, .recording = recording, .recording_optional = optional,
	};
	kt_sharer_config sc = {
		.peer = peer_config(KYOYU_ROLE_SHARER), .connect_timeout_us = 5000000,
		.name = sharer_name, .target = "test", .codecs = {KYOYU_CODEC_VP9}, .n_codecs = 1,
	};
	kt_connector con = {pair_open, pair_wrap, NULL, pair_identity, p, NULL};
	p->viewer = kt_viewer_new(p->viewer_side.bus, &vc);
	p->sharer = kt_sharer_new(p->sharer_side.bus, &sc, &con);
	kt_viewer_install_code(p->viewer, "123456789", kyoyu_now_us());
	*state = p;
	return 0;
}

static int setup_with(void **state, bool recording, bool optional)
{
	return setup_named(state, recording, optional, "operator", "customer");
}

static int setup(void **state)
{
	return setup_with(state, false, false);
}

static int setup_long_names(void **state)
{
	for (size_t i = 0; i < 64; i++)
		memcpy(long_name + 4 * i, "\xf0\xa0\x80\x8b", 4);
	return setup_named(state, false, false, long_name, long_name);
}

static int setup_recording(void **state)
{
	return setup_with(state, true, false);
}

static int setup_recording_optional(void **state)
{
	return setup_with(state, true, true);
}

static int teardown(void **state)
{
	pair *p = *state;

	kt_viewer_free(p->viewer);
	kt_sharer_free(p->sharer);
	side_fini(&p->viewer_side);
	side_fini(&p->sharer_side);
	free(p);
	return 0;
}

static kyoyu_msg *new_msg(kyoyu_msg_type type)
{
	kyoyu_msg *msg = kyoyu_msg_new(type);
	assert_non_null(msg);
	return msg;
}

/* What a session stage would tell the transport. */
static void state_to(pair *p, bool viewer, uint32_t state, uint32_t reason)
{
	kyoyu_msg *msg = new_msg(KYOYU_MSG_STATE);
	msg->u.state.state = state;
	msg->u.state.reason = reason;
	if (viewer)
		kt_viewer_on_bus(p->viewer, msg);
	else
		kt_sharer_on_bus(p->sharer, msg);
}

static void to_sharer(pair *p, kyoyu_msg *msg)
{
	kt_sharer_on_bus(p->sharer, msg);
}

/* Video reaches the sharer's transport through the bus, as from the
 * encode stage: it waits in the transport's own packets inbox. */
static void encoded(pair *p, kyoyu_msg *pkt)
{
	assert_int_equal(kyoyu_bus_post(p->sharer_side.bus, pkt), 0);
}

static void collect(side *s)
{
	kyoyu_msg *msg;
	while (kyoyu_inbox_pop(s->inbox, &msg, 0) == 0) {
		if (s->n_seen < MAX_SEEN)
			s->seen[s->n_seen++] = msg;
		else
			kyoyu_msg_unref(msg);
	}
}

/* Runs both sides for MS milliseconds of real time. */
static void pump(pair *p, int ms)
{
	int64_t until = kyoyu_now_us() + (int64_t)ms * 1000;

	while (kyoyu_now_us() < until) {
		struct pollfd pfds[2 * MAX_POLL];
		int timeout = 5;
		int64_t now = kyoyu_now_us();
		size_t nv = kt_viewer_prepare(p->viewer, pfds, MAX_POLL, &timeout, now);
		size_t ns = kt_sharer_prepare(p->sharer, pfds + nv, MAX_POLL, &timeout, now);
		poll(pfds, nv + ns, timeout > 5 || timeout < 0 ? 5 : timeout);
		now = kyoyu_now_us();
		kt_viewer_handle(p->viewer, pfds, nv, now);
		kt_sharer_handle(p->sharer, pfds + nv, ns, now);
		collect(&p->viewer_side);
		collect(&p->sharer_side);
	}
}

/* The last message of TYPE (and, when EVENT ≥ 0, u.value/event EVENT). */
static const kyoyu_msg *find(const side *s, uint32_t type, int64_t event)
{
	for (size_t i = s->n_seen; i-- > 0;) {
		const kyoyu_msg *m = s->seen[i];
		if (m->type != type)
			continue;
		if (event < 0)
			return m;
		if (type == KYOYU_MSG_PEER ? m->u.peer.event == event : m->u.value == event)
			return m;
	}
	return NULL;
}

static size_t count(const side *s, uint32_t type)
{
	size_t n = 0;
	for (size_t i = 0; i < s->n_seen; i++)
		n += s->seen[i]->type == type;
	return n;
}

/* Runs both sides until S has seen N messages of TYPE, for at most MS
 * milliseconds (a machine under load may need more than a few). */
static void pump_until(pair *p, const side *s, uint32_t type, size_t n, int ms)
{
	for (int waited = 0; waited < ms && count(s, type) < n; waited += 10)
		pump(p, 10);
}

static void enter_code(pair *p, const char *code)
{
	kyoyu_msg *msg = new_msg(KYOYU_MSG_CODE);
	msg->u.value = KYOYU_CODE_ENTERED;
	msg->buf = kyoyu_buffer_new_copy(code, strlen(code));
	to_sharer(p, msg);
}

/* Both sides connect with the right code; neither session shares yet. */
static void link_up(pair *p)
{
	state_to(p, true, KYOYU_STATE_CONNECTING, 0);
	state_to(p, false, KYOYU_STATE_CONNECTING, 0);
	kt_sharer_start(p->sharer, kyoyu_now_us());
	pump(p, 20);
	assert_non_null(find(&p->sharer_side, KYOYU_MSG_CODE, KYOYU_CODE_NEEDED));
	enter_code(p, "123-456-789");
	/* The first connection of the process may be slow under load. */
	pump_until(p, &p->viewer_side, KYOYU_MSG_PEER, 1, 3000);
	pump_until(p, &p->sharer_side, KYOYU_MSG_PEER, 1, 3000);
	const kyoyu_msg *c = find(&p->viewer_side, KYOYU_MSG_PEER, KYOYU_PEER_CONNECTED);
	char text[KYOYU_PEER_TEXT_MAX + 1];
	assert_non_null(c);
	assert_int_equal(c->u.peer.codec, KYOYU_CODEC_VP9);
	/* The customer's own words, and said to be so. */
	assert_int_equal(kyoyu_peer_text(c, KYOYU_PEER_TEXT_NAME, text, sizeof(text)), 8);
	assert_string_equal(text, "customer");
	assert_int_equal(c->u.peer.verified, 0);
	/* The customer sees the certificate's names, never the welcome's
	 * ("operator"). */
	c = find(&p->sharer_side, KYOYU_MSG_PEER, KYOYU_PEER_CONNECTED);
	assert_non_null(c);
	kyoyu_peer_text(c, KYOYU_PEER_TEXT_NAME, text, sizeof(text));
	assert_string_equal(text, "田中 愛子");
	kyoyu_peer_text(c, KYOYU_PEER_TEXT_ORG, text, sizeof(text));
	assert_string_equal(text, "Example Support");
	assert_int_equal(c->u.peer.verified, KYOYU_PEER_VERIFIED_PIN);
}

static void connect_both(pair *p)
{
	link_up(p);
	state_to(p, true, KYOYU_STATE_SHARING, 0);
	state_to(p, false, KYOYU_STATE_SHARING, 0);
}

/* Posts a 640x480 VP9 packet of SIZE bytes with FLAGS, captured
 * CAPTURE_AGE_US and encoded ENCODED_AGE_US ago, as the encode stage would. */
static void post_packet(pair *p, uint32_t flags, size_t size, int64_t capture_age_us,
			int64_t encoded_age_us)
{
	kyoyu_msg *pkt = new_msg(KYOYU_MSG_PACKET);
	pkt->u.packet.codec = KYOYU_CODEC_VP9;
	pkt->u.packet.flags = flags;
	pkt->u.packet.width = 640;
	pkt->u.packet.height = 480;
	pkt->u.packet.capture_us = kyoyu_now_us() - capture_age_us;
	pkt->u.packet.encoded_us = kyoyu_now_us() - encoded_age_us;
	pkt->buf = kyoyu_buffer_new(size);
	memset(kyoyu_buffer_data(pkt->buf), flags & KYOYU_PACKET_KEYFRAME ? 0xee : 0x11, size);
	encoded(p, pkt);
}

static void send_packet(pair *p, bool key, size_t size)
{
	post_packet(p, key ? KYOYU_PACKET_KEYFRAME : 0, size, 5000, 0);
}

static void test_link_right_code_connects_both_sides(void **state)
{
	connect_both(*state);
}

static void test_link_wrong_code_is_refused_and_asked_again(void **state)
{
	pair *p = *state;

	state_to(p, false, KYOYU_STATE_CONNECTING, 0);
	kt_sharer_start(p->sharer, kyoyu_now_us());
	pump(p, 10);
	enter_code(p, "999999999");
	pump(p, 20);
	/* The answer waits for the reject delay (50 ms here). */
	assert_null(find(&p->viewer_side, KYOYU_MSG_PEER, KYOYU_PEER_CONNECTED));
	size_t asked = 0;
	for (size_t i = 0; i < p->sharer_side.n_seen; i++)
		asked += p->sharer_side.seen[i]->type == KYOYU_MSG_CODE;
	assert_int_equal(asked, 1);
	pump(p, 150);
	asked = 0;
	for (size_t i = 0; i < p->sharer_side.n_seen; i++)
		asked += p->sharer_side.seen[i]->type == KYOYU_MSG_CODE &&
			 p->sharer_side.seen[i]->u.value == KYOYU_CODE_NEEDED;
	assert_int_equal(asked, 2);
	enter_code(p, "123456789");
	pump(p, 100);
	assert_non_null(find(&p->viewer_side, KYOYU_MSG_PEER, KYOYU_PEER_CONNECTED));
}

static void test_link_video_arrives_with_config_and_capture_time(void **state)
{
	pair *p = *state;

	connect_both(p);
	pump(p, 10);
	send_packet(p, true, 50000);
	send_packet(p, false, 300);
	pump(p, 100);
	assert_int_equal(count(&p->viewer_side, KYOYU_MSG_PACKET), 2);
	const kyoyu_msg *size = find(&p->viewer_side, KYOYU_MSG_VIDEO_SIZE, -1);
	assert_non_null(size);
	assert_int_equal(size->u.size.width, 640);
	const kyoyu_msg *pkt = find(&p->viewer_side, KYOYU_MSG_PACKET, -1);
	assert_int_equal(kyoyu_buffer_size(pkt->buf), 300);
	assert_int_equal(pkt->u.packet.height, 480);
	assert_false(pkt->u.packet.flags & KYOYU_PACKET_KEYFRAME);
	/* Same clock here: the capture time comes back within a few ms. */
	assert_true(pkt->time_us - pkt->u.packet.capture_us >= 5000);
	assert_true(pkt->time_us - pkt->u.packet.capture_us < 100000);
}

/* Messages from the bus are shared with other stages' inboxes: the
 * transport sends them without changing them. */
static void test_link_shared_packets_cross_unchanged_and_in_sequence(void **state)
{
	pair *p = *state;
	kyoyu_msg *sent[2];
	uint32_t bus_seq[2];

	connect_both(p);
	pump(p, 10);
	for (int i = 0; i < 2; i++) {
		kyoyu_msg *pkt = new_msg(KYOYU_MSG_PACKET);
		pkt->u.packet.codec = KYOYU_CODEC_VP9;
		pkt->u.packet.flags = i == 0 ? KYOYU_PACKET_KEYFRAME : 0;
		pkt->u.packet.width = 640;
		pkt->u.packet.height = 480;
		pkt->u.packet.capture_us = kyoyu_now_us() - 5000;
		pkt->u.packet.encoded_us = kyoyu_now_us();
		pkt->buf = kyoyu_buffer_new(400);
		sent[i] = kyoyu_msg_ref(pkt); /* as another inbox would */
		encoded(p, pkt);
		bus_seq[i] = sent[i]->seq;
	}
	pump_until(p, &p->viewer_side, KYOYU_MSG_PACKET, 2, 3000);
	assert_int_equal(count(&p->viewer_side, KYOYU_MSG_PACKET), 2);
	/* Consecutive VIDEO seqs: the second is not taken for a loss. */
	assert_false(find(&p->viewer_side, KYOYU_MSG_PACKET, -1)->u.packet.flags &
		     KYOYU_PACKET_DISCONT);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(sent[i]->seq, bus_seq[i]);
		assert_non_null(sent[i]->buf);
		assert_int_equal(kyoyu_buffer_size(sent[i]->buf), 400);
		kyoyu_msg_unref(sent[i]);
	}
}

static kyoyu_msg *cursor_msg(int32_t x, int32_t y, bool with_shape)
{
	kyoyu_msg *msg = new_msg(KYOYU_MSG_CURSOR);

	msg->u.cursor = (kyoyu_cursor_info){.x = x, .y = y, .visible = 1, .serial = 7};
	if (with_shape) {
		msg->u.cursor.width = 2;
		msg->u.cursor.height = 2;
		msg->u.cursor.hot_x = 1;
		msg->buf = kyoyu_buffer_new(2 * 2 * 4);
		memset(kyoyu_buffer_data(msg->buf), 0x7f, 2 * 2 * 4);
	}
	return msg;
}

/* A move that comes before the socket took the new shape carries the
 * shape on; neither shared message is changed for it. */
static void test_link_cursor_keeps_an_unsent_shape_without_changing_shared_messages(void **state)
{
	pair *p = *state;

	connect_both(p);
	pump(p, 10);
	kyoyu_msg *shaped = cursor_msg(10, 20, true);
	kyoyu_msg *moved = cursor_msg(30, 40, false);
	kyoyu_msg_ref(shaped);
	kyoyu_msg_ref(moved);
	to_sharer(p, shaped);
	to_sharer(p, moved);
	pump_until(p, &p->viewer_side, KYOYU_MSG_CURSOR, 1, 3000);
	pump(p, 30); /* time for a second CURSOR, which must not come */
	const kyoyu_msg *got = find(&p->viewer_side, KYOYU_MSG_CURSOR, -1);
	assert_non_null(got);
	assert_int_equal(count(&p->viewer_side, KYOYU_MSG_CURSOR), 1);
	assert_int_equal(got->u.cursor.x, 30);
	assert_int_equal(got->u.cursor.y, 40);
	assert_non_null(got->buf);
	assert_int_equal(got->u.cursor.width, 2);
	assert_int_equal(got->u.cursor.hot_x, 1);
	assert_int_equal(((const uint8_t *)kyoyu_buffer_data(got->buf))[15], 0x7f);
	assert_non_null(shaped->buf);
	assert_int_equal(shaped->u.cursor.x, 10);
	assert_null(moved->buf);
	assert_int_equal(moved->u.cursor.width, 0);
	/* A later move goes alone: the shape crossed once. */
	kyoyu_msg *again = cursor_msg(50, 60, false);
	to_sharer(p, again);
	pump_until(p, &p->viewer_side, KYOYU_MSG_CURSOR, 2, 3000);
	got = find(&p->viewer_side, KYOYU_MSG_CURSOR, -1);
	assert_int_equal(count(&p->viewer_side, KYOYU_MSG_CURSOR), 2);
	assert_int_equal(got->u.cursor.x, 50);
	assert_null(got->buf);
	kyoyu_msg_unref(shaped);
	kyoyu_msg_unref(moved);
}

/* A delta packet of 100 bytes encoded 300 ms ago: it waited that long for
 * the link, past max_queue (150 ms). */
static void send_late_packet(pair *p)
{
	post_packet(p, 0, 100, 400000, 300000);
}

static void test_link_late_video_is_sent_and_lowers_the_bitrate(void **state)
{
	pair *p = *state;

	connect_both(p);
	pump(p, 10);
	send_packet(p, true, 1000);
	pump(p, 30);
	/* A packet that waited past max_queue (150 ms) is still sent, with
	 * what depends on it: dropping it would cost a keyframe.  The sharer
	 * asks its encoder for less bitrate instead. */
	send_late_packet(p);
	send_packet(p, false, 100); /* depends on the late one */
	pump(p, 50);
	assert_int_equal(count(&p->viewer_side, KYOYU_MSG_PACKET), 3);
	assert_null(find(&p->sharer_side, KYOYU_MSG_KEYFRAME_REQUEST, -1));
	const kyoyu_msg *rate = find(&p->sharer_side, KYOYU_MSG_BITRATE, -1);
	assert_non_null(rate);
	assert_true(rate->u.value <= 700);
	/* No gap: the decoder goes on with the pictures it has. */
	const kyoyu_msg *last = find(&p->viewer_side, KYOYU_MSG_PACKET, -1);
	assert_false(last->u.packet.flags & KYOYU_PACKET_DISCONT);
	assert_int_equal(kyoyu_buffer_size(last->buf), 100);
}

/* A top-off is one large picture sent while the screen stands still: what
 * waits behind it is not the encoder asking more than the link carries,
 * until the viewer has reported the top-off whole. */
static void test_link_video_behind_a_top_off_keeps_the_bitrate(void **state)
{
	pair *p = *state;

	connect_both(p);
	pump(p, 10);
	send_packet(p, true, 1000);
	pump(p, 30);
	post_packet(p, KYOYU_PACKET_REFINE, 60000, 500000, 0);
	send_late_packet(p);
	pump(p, 50);
	assert_int_equal(count(&p->viewer_side, KYOYU_MSG_PACKET), 3);
	assert_null(find(&p->sharer_side, KYOYU_MSG_BITRATE, -1));

	/* Once the viewer has reported it (every 250 ms), a packet that waits
	 * as long counts again. */
	pump(p, 1000);
	assert_null(find(&p->sharer_side, KYOYU_MSG_BITRATE, -1));
	send_late_packet(p);
	pump(p, 50);
	assert_int_equal(count(&p->viewer_side, KYOYU_MSG_PACKET), 4);
	const kyoyu_msg *rate = find(&p->sharer_side, KYOYU_MSG_BITRATE, -1);
	assert_non_null(rate);
	assert_true(rate->u.value <= 700);
}

/* The first keyframe can race the viewer's own session to SHARING.  Until
 * STATE says so the viewer reads no screen content (it waits in the
 * stream, not in a second gate) but goes on writing; then everything
 * arrives, whole and in order. */
static void test_link_viewer_reads_video_only_once_its_session_shares(void **state)
{
	pair *p = *state;

	link_up(p);
	state_to(p, true, KYOYU_STATE_AWAITING_CONSENT, 0);
	state_to(p, false, KYOYU_STATE_SHARING, 0);
	send_packet(p, true, 20000);
	send_packet(p, false, 300);
	kyoyu_msg *ptr = new_msg(KYOYU_MSG_POINTER);
	ptr->u.pointer.x = 7;
	kt_viewer_on_bus(p->viewer, ptr);
	pump_until(p, &p->sharer_side, KYOYU_MSG_POINTER, 1, 3000);
	pump(p, 50);
	assert_int_equal(count(&p->viewer_side, KYOYU_MSG_PACKET), 0);
	assert_null(find(&p->viewer_side, KYOYU_MSG_VIDEO_SIZE, -1));
	assert_int_equal(find(&p->sharer_side, KYOYU_MSG_POINTER, -1)->u.pointer.x, 7);

	state_to(p, true, KYOYU_STATE_SHARING, 0);
	pump_until(p, &p->viewer_side, KYOYU_MSG_PACKET, 2, 3000);
	assert_int_equal(count(&p->viewer_side, KYOYU_MSG_PACKET), 2);
	assert_non_null(find(&p->viewer_side, KYOYU_MSG_VIDEO_SIZE, -1));
	const kyoyu_msg *last = find(&p->viewer_side, KYOYU_MSG_PACKET, -1);
	assert_int_equal(kyoyu_buffer_size(last->buf), 300);
	assert_false(last->u.packet.flags & KYOYU_PACKET_DISCONT);
}

/* A sharer that leaves while the viewer holds its video back: the goodbye
 * behind the video is still read, and the video meets the bus's gate
 * (closed, as the viewer's session is not sharing). */
static void test_link_goodbye_behind_held_video_is_read(void **state)
{
	pair *p = *state;

	link_up(p);
	kyoyu_bus_close_to(p->viewer_side.bus, KYOYU_MSG_SCREEN_CONTENT);
	state_to(p, true, KYOYU_STATE_AWAITING_CONSENT, 0);
	state_to(p, false, KYOYU_STATE_SHARING, 0);
	send_packet(p, true, 20000);
	pump(p, 50);
	state_to(p, false, KYOYU_STATE_ENDED, KYOYU_END_LEFT);
	pump_until(p, &p->viewer_side, KYOYU_MSG_PEER, 2, 3000);
	const kyoyu_msg *gone = find(&p->viewer_side, KYOYU_MSG_PEER, KYOYU_PEER_GONE);
	assert_non_null(gone);
	assert_int_equal(gone->u.peer.reason, KYOYU_END_LEFT);
	assert_int_equal(count(&p->viewer_side, KYOYU_MSG_PACKET), 0);
	kyoyu_bus_type_stats st = {.size = sizeof(st)};
	kyoyu_bus_get_stats(p->viewer_side.bus, KYOYU_MSG_PACKET, &st);
	assert_int_equal(st.refused, 1);
}

static void test_link_pause_pointer_and_keyframe_requests_cross(void **state)
{
	pair *p = *state;

	connect_both(p);
	state_to(p, false, KYOYU_STATE_PAUSED, 0);
	pump(p, 30);
	assert_non_null(find(&p->viewer_side, KYOYU_MSG_PAUSE, -1));
	state_to(p, false, KYOYU_STATE_SHARING, 0);
	/* The viewer posts the sharer's pause state at most every 100 ms,
	 * the last one always (proto/peer.c, post_pause_state). */
	pump_until(p, &p->viewer_side, KYOYU_MSG_RESUME, 1, 1000);
	assert_non_null(find(&p->viewer_side, KYOYU_MSG_RESUME, -1));

	kyoyu_msg *ptr = new_msg(KYOYU_MSG_POINTER);
	ptr->u.pointer.x = 100;
	ptr->u.pointer.y = 200;
	ptr->u.pointer.visible = 1;
	kt_viewer_on_bus(p->viewer, ptr);
	pump(p, 30);
	const kyoyu_msg *got = find(&p->sharer_side, KYOYU_MSG_POINTER, -1);
	assert_non_null(got);
	assert_int_equal(got->u.pointer.y, 200);
	assert_int_equal(got->u.pointer.visible, 1);

	/* Every keyframe request on the viewer's bus travels, one after the
	 * other: the decode stage limits its own (and on the viewer the
	 * session asks for none when sharing starts); the sharer's encode
	 * stage limits what it honours. */
	for (size_t n = 1; n <= 3; n++) {
		kt_viewer_on_bus(p->viewer, new_msg(KYOYU_MSG_KEYFRAME_REQUEST));
		pump_until(p, &p->sharer_side, KYOYU_MSG_KEYFRAME_REQUEST, n, 3000);
		assert_int_equal(count(&p->sharer_side, KYOYU_MSG_KEYFRAME_REQUEST), n);
	}
	/* Pings flow and both sides post statistics. */
	pump_until(p, &p->viewer_side, KYOYU_MSG_STATS, 1, 3000);
	pump_until(p, &p->sharer_side, KYOYU_MSG_STATS, 1, 3000);
	assert_non_null(find(&p->viewer_side, KYOYU_MSG_STATS, -1));
	assert_non_null(find(&p->sharer_side, KYOYU_MSG_STATS, -1));
}

/* A HELLO and a WELCOME of the largest size (names of 255 bytes) cross
 * whole: a control frame longer than 255 bytes is not cut. */
static void test_link_longest_names_cross_whole(void **state)
{
	pair *p = *state;
	char text[KYOYU_PEER_TEXT_MAX + 1];

	state_to(p, true, KYOYU_STATE_CONNECTING, 0);
	state_to(p, false, KYOYU_STATE_CONNECTING, 0);
	kt_sharer_start(p->sharer, kyoyu_now_us());
	enter_code(p, "123456789");
	pump_until(p, &p->viewer_side, KYOYU_MSG_PEER, 1, 3000);
	pump_until(p, &p->sharer_side, KYOYU_MSG_PEER, 1, 3000);
	const kyoyu_msg *c = find(&p->viewer_side, KYOYU_MSG_PEER, KYOYU_PEER_CONNECTED);
	assert_non_null(c);
	/* 63 of the 64 characters fit in 255 bytes. */
	assert_int_equal(kyoyu_peer_text(c, KYOYU_PEER_TEXT_NAME, text, sizeof(text)), 252);
	assert_memory_equal(text, long_name, 252);
	assert_non_null(find(&p->sharer_side, KYOYU_MSG_PEER, KYOYU_PEER_CONNECTED));
}

static void answer_consent(pair *p, uint32_t answer)
{
	kyoyu_msg *msg = new_msg(KYOYU_MSG_CONSENT);
	msg->u.value = answer;
	to_sharer(p, msg);
}

static void test_link_recording_viewer_gets_the_customers_yes(void **state)
{
	pair *p = *state;

	state_to(p, false, KYOYU_STATE_CONNECTING, 0);
	kt_sharer_start(p->sharer, kyoyu_now_us());
	enter_code(p, "123456789");
	pump(p, 100);
	const kyoyu_msg *c = find(&p->sharer_side, KYOYU_MSG_PEER, KYOYU_PEER_CONNECTED);
	assert_non_null(c);
	assert_int_equal(c->u.peer.recording, 1);
	state_to(p, false, KYOYU_STATE_AWAITING_CONSENT, 0);
	answer_consent(p, KYOYU_CONSENT_GRANTED);
	pump(p, 50);
	const kyoyu_msg *answer = find(&p->viewer_side, KYOYU_MSG_CONSENT, -1);
	assert_non_null(answer);
	assert_int_equal(answer->u.value, KYOYU_CONSENT_GRANTED);
}

/* The question's language and words travel with the answer (1.3), for the
 * viewer's record of the consent; and again after a dropped link. */
static void test_link_consent_carries_the_words_the_customer_read(void **state)
{
	static const char texts[] = "ja\0サポート担当者が画面を見て録画します。\nよろしいですか？";
	pair *p = *state;
	char text[KYOYU_CONSENT_NOTICE_MAX + 1];

	state_to(p, false, KYOYU_STATE_CONNECTING, 0);
	kt_sharer_start(p->sharer, kyoyu_now_us());
	enter_code(p, "123456789");
	pump_until(p, &p->sharer_side, KYOYU_MSG_PEER, 1, 3000);
	state_to(p, false, KYOYU_STATE_AWAITING_CONSENT, 0);
	kyoyu_msg *msg = new_msg(KYOYU_MSG_CONSENT);
	msg->u.value = KYOYU_CONSENT_GRANTED;
	msg->buf = kyoyu_buffer_new_copy(texts, sizeof(texts));
	to_sharer(p, msg);
	pump_until(p, &p->viewer_side, KYOYU_MSG_CONSENT, 1, 3000);
	const kyoyu_msg *answer = find(&p->viewer_side, KYOYU_MSG_CONSENT, -1);
	assert_non_null(answer);
	assert_int_equal(answer->u.value, KYOYU_CONSENT_GRANTED);
	assert_int_equal(kyoyu_consent_text(answer, KYOYU_CONSENT_TEXT_LANGUAGE, text,
					    sizeof(text)), 2);
	assert_string_equal(text, "ja");
	kyoyu_consent_text(answer, KYOYU_CONSENT_TEXT_NOTICE, text, sizeof(text));
	assert_string_equal(text, texts + 3);
}

/* The desk lets the customer share without recording: the sharer hears it
 * is offered, the viewer hears the answer. */
static void test_link_unrecorded_answer_reaches_a_viewer_that_offers_it(void **state)
{
	pair *p = *state;

	state_to(p, false, KYOYU_STATE_CONNECTING, 0);
	kt_sharer_start(p->sharer, kyoyu_now_us());
	enter_code(p, "123456789");
	pump_until(p, &p->sharer_side, KYOYU_MSG_PEER, 1, 3000);
	const kyoyu_msg *c = find(&p->sharer_side, KYOYU_MSG_PEER, KYOYU_PEER_CONNECTED);
	assert_non_null(c);
	assert_int_equal(c->u.peer.recording, 1);
	assert_int_equal(c->u.peer.recording_optional, 1);
	state_to(p, false, KYOYU_STATE_AWAITING_CONSENT, 0);
	answer_consent(p, KYOYU_CONSENT_GRANTED_UNRECORDED);
	pump_until(p, &p->viewer_side, KYOYU_MSG_CONSENT, 1, 3000);
	const kyoyu_msg *answer = find(&p->viewer_side, KYOYU_MSG_CONSENT, -1);
	assert_non_null(answer);
	assert_int_equal(answer->u.value, KYOYU_CONSENT_GRANTED_UNRECORDED);
}

/* A desk that requires recording never hears "without recording": the
 * question stays open until a real answer. */
static void test_link_unrecorded_answer_is_not_sent_where_recording_is_required(void **state)
{
	pair *p = *state;

	state_to(p, false, KYOYU_STATE_CONNECTING, 0);
	kt_sharer_start(p->sharer, kyoyu_now_us());
	enter_code(p, "123456789");
	pump_until(p, &p->sharer_side, KYOYU_MSG_PEER, 1, 3000);
	assert_int_equal(find(&p->sharer_side, KYOYU_MSG_PEER, KYOYU_PEER_CONNECTED)
				 ->u.peer.recording_optional, 0);
	state_to(p, false, KYOYU_STATE_AWAITING_CONSENT, 0);
	answer_consent(p, KYOYU_CONSENT_GRANTED_UNRECORDED);
	pump(p, 100);
	assert_null(find(&p->viewer_side, KYOYU_MSG_CONSENT, -1));
	answer_consent(p, KYOYU_CONSENT_GRANTED);
	pump_until(p, &p->viewer_side, KYOYU_MSG_CONSENT, 1, 3000);
	assert_int_equal(find(&p->viewer_side, KYOYU_MSG_CONSENT, -1)->u.value,
			 KYOYU_CONSENT_GRANTED);
}

static void own_limits(pair *p, bool viewer, int32_t cap_s, int32_t warn_s)
{
	kyoyu_msg *msg = new_msg(KYOYU_MSG_LIMITS);
	msg->u.limits = (kyoyu_limits_info){KYOYU_LIMITS_OWN, cap_s, warn_s};
	if (viewer)
		kt_viewer_on_bus(p->viewer, msg);
	else
		kt_sharer_on_bus(p->sharer, msg);
}

/* Each side's cap reaches the other, whether it was known before the link
 * came up (the viewer's) or after (the sharer's). */
static void test_link_caps_cross_both_ways(void **state)
{
	pair *p = *state;

	own_limits(p, true, 120, 60);
	link_up(p);
	pump_until(p, &p->sharer_side, KYOYU_MSG_LIMITS, 1, 3000);
	const kyoyu_msg *l = find(&p->sharer_side, KYOYU_MSG_LIMITS, -1);
	assert_non_null(l);
	assert_int_equal(l->u.limits.source, KYOYU_LIMITS_PEER);
	assert_int_equal(l->u.limits.cap_s, 120);
	assert_int_equal(l->u.limits.warn_s, 60);
	own_limits(p, false, 2400, 300);
	pump_until(p, &p->viewer_side, KYOYU_MSG_LIMITS, 1, 3000);
	l = find(&p->viewer_side, KYOYU_MSG_LIMITS, -1);
	assert_non_null(l);
	assert_int_equal(l->u.limits.source, KYOYU_LIMITS_PEER);
	assert_int_equal(l->u.limits.cap_s, 2400);
	assert_int_equal(l->u.limits.warn_s, 300);
}

static void test_link_declined_recording_ends_both_sides_alike(void **state)
{
	pair *p = *state;

	state_to(p, false, KYOYU_STATE_CONNECTING, 0);
	kt_sharer_start(p->sharer, kyoyu_now_us());
	enter_code(p, "123456789");
	pump(p, 100);
	answer_consent(p, KYOYU_CONSENT_DECLINED);
	state_to(p, false, KYOYU_STATE_ENDED, KYOYU_END_CONSENT_DECLINED);
	pump(p, 50);
	assert_int_equal(find(&p->viewer_side, KYOYU_MSG_CONSENT, -1)->u.value,
			 KYOYU_CONSENT_DECLINED);
	const kyoyu_msg *gone = find(&p->viewer_side, KYOYU_MSG_PEER, KYOYU_PEER_GONE);
	assert_non_null(gone);
	assert_int_equal(gone->u.peer.reason, KYOYU_END_CONSENT_DECLINED);
	/* Nothing of the screen crossed. */
	assert_int_equal(count(&p->viewer_side, KYOYU_MSG_PACKET), 0);
}

static void test_link_end_reason_reaches_the_other_side(void **state)
{
	pair *p = *state;

	connect_both(p);
	state_to(p, true, KYOYU_STATE_ENDED, KYOYU_END_TIME_CAP);
	pump(p, 50);
	const kyoyu_msg *gone = find(&p->sharer_side, KYOYU_MSG_PEER, KYOYU_PEER_GONE);
	assert_non_null(gone);
	assert_int_equal(gone->u.peer.reason, KYOYU_END_TIME_CAP);
	/* The viewer has hung up and reads on until the sharer closes: no
	 * reset overtakes its goodbye. */
	assert_false(kt_viewer_done(p->viewer));
	state_to(p, false, KYOYU_STATE_ENDED, KYOYU_END_TIME_CAP);
	pump(p, 20);
	assert_true(kt_sharer_done(p->sharer));
	assert_true(kt_viewer_done(p->viewer));
}

static void test_link_dropped_link_resumes_with_the_token(void **state)
{
	pair *p = *state;

	connect_both(p);
	pump(p, 20);
	/* The link breaks: both sides notice and keep the session. */
	shutdown(p->viewer_end, SHUT_RDWR);
	pump(p, 100);
	assert_non_null(find(&p->viewer_side, KYOYU_MSG_PEER, KYOYU_PEER_LOST));
	assert_non_null(find(&p->sharer_side, KYOYU_MSG_PEER, KYOYU_PEER_LOST));
	/* The sharer comes back on its own within the grace window. */
	pump(p, 1000);
	assert_non_null(find(&p->viewer_side, KYOYU_MSG_PEER, KYOYU_PEER_RESUMED));
	assert_non_null(find(&p->sharer_side, KYOYU_MSG_PEER, KYOYU_PEER_RESUMED));
	assert_null(find(&p->viewer_side, KYOYU_MSG_PEER, KYOYU_PEER_GONE));
	/* And the session goes on: a keyframe after the resume passes. */
	send_packet(p, true, 500);
	pump(p, 50);
	assert_int_equal(count(&p->viewer_side, KYOYU_MSG_PACKET), 1);
}

static void test_link_gone_after_the_grace_window(void **state)
{
	pair *p = *state;

	connect_both(p);
	pump(p, 20);
	/* The link breaks and the viewer cannot be reached again. */
	p->refuse = true;
	shutdown(p->viewer_end, SHUT_RDWR);
	pump(p, 2600); /* grace is 2 s in this test */
	const kyoyu_msg *gone = find(&p->viewer_side, KYOYU_MSG_PEER, KYOYU_PEER_GONE);
	assert_non_null(gone);
	assert_int_equal(gone->u.peer.reason, KYOYU_END_LINK_LOST);
	gone = find(&p->sharer_side, KYOYU_MSG_PEER, KYOYU_PEER_GONE);
	assert_non_null(gone);
	assert_int_equal(gone->u.peer.reason, KYOYU_END_LINK_LOST);
	assert_null(find(&p->viewer_side, KYOYU_MSG_PEER, KYOYU_PEER_RESUMED));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_link_right_code_connects_both_sides, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_link_longest_names_cross_whole,
						setup_long_names, teardown),
		cmocka_unit_test_setup_teardown(test_link_wrong_code_is_refused_and_asked_again,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_link_video_arrives_with_config_and_capture_time,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_link_shared_packets_cross_unchanged_and_in_sequence,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_link_cursor_keeps_an_unsent_shape_without_changing_shared_messages,
			setup, teardown),
		cmocka_unit_test_setup_teardown(test_link_late_video_is_sent_and_lowers_the_bitrate,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_link_video_behind_a_top_off_keeps_the_bitrate,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_link_viewer_reads_video_only_once_its_session_shares, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_link_goodbye_behind_held_video_is_read,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_link_pause_pointer_and_keyframe_requests_cross,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_link_recording_viewer_gets_the_customers_yes,
						setup_recording, teardown),
		cmocka_unit_test_setup_teardown(
			test_link_consent_carries_the_words_the_customer_read, setup_recording,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_link_unrecorded_answer_reaches_a_viewer_that_offers_it,
			setup_recording_optional, teardown),
		cmocka_unit_test_setup_teardown(
			test_link_unrecorded_answer_is_not_sent_where_recording_is_required,
			setup_recording, teardown),
		cmocka_unit_test_setup_teardown(test_link_caps_cross_both_ways, setup, teardown),
		cmocka_unit_test_setup_teardown(test_link_declined_recording_ends_both_sides_alike,
						setup_recording, teardown),
		cmocka_unit_test_setup_teardown(test_link_end_reason_reaches_the_other_side, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_link_dropped_link_resumes_with_the_token,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_link_gone_after_the_grace_window, setup,
						teardown),
	};
	return cmocka_run_group_tests_name("transport-link", tests, NULL, NULL);
}
