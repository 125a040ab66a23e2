/* SPDX-License-Identifier: MIT */
/* Fuzzes the customer's agent against a hostile viewer: the sharer's side
 * of transport/tls (proto/ and sharer.c, as in the plugin but over a
 * socketpair with plain sockets) is welcomed, then goes through the
 * session's states as the core would move it (awaiting consent, sharing,
 * paused, ended) while the input plays the viewer — any bytes, whole frames
 * of any type and size, floods, a hang-up, a viewer that stops reading —
 * and the local events: the customer's answer, pause, resume, the end, and
 * the encoder's pictures and cursors, which come in every state.
 *
 * Besides the sanitizers it checks what the customer was promised (abort()
 * when broken): a picture or cursor made while the session was not sharing
 * never leaves, nor one made before a pause once what the connection had
 * already taken (one TLS record) is out; no picture leaves before the
 * customer's yes; and once ended, the sharer finishes.
 *
 * Input: byte 0 chooses the welcome (bit 0: none, the viewer's own bytes
 * must do; bit 1: recording; bit 2: recording optional), then operations
 * (see run_op).  Built as the libFuzzer target fuzz-sharer with
 * --enable-fuzzing, and as fuzz-sharer-replay (with replay-main.c) for
 * `make check`, which runs tests/fuzz/corpus-sharer. */
#include "config.h"

#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#define KYOYU_LOG_COMPONENT "fuzz"
#include <kyoyu/host.h>
#include <kyoyu/kyoyu.h>

#include "bus-priv.h"
#include "sharer.h"

#define MAX_POLL 8
#define CHUNK 4096
#define MAX_LINKS 4    /* connections the sharer may open (first + resumes) */
#define MAX_MADE 4096  /* pictures and cursors the harness may make */
#define END_TURNS 256  /* turns the sharer gets to finish once ended */

static void fail(const char *what)
{
	fprintf(stderr, "fuzz-sharer: %s\n", what);
	abort();
}

/* ---- what the viewer receives, and the promises it checks ------------- */

typedef struct made {
	bool while_sharing;
	unsigned epoch; /* the sharing stretch it was made in */
} made;

typedef struct oracle {
	uint8_t head[5 + 17 + 4]; /* a frame's header and what identifies it */
	size_t head_len, want;    /* bytes of head taken, of head wanted */
	uint64_t left;            /* bytes of the current frame still to come */
	uint64_t bytes;           /* received in all */
	bool consented;           /* a CONSENT yes went out */
	unsigned frames[256];     /* received, by type (KT_FUZZ_VERBOSE) */
	made made[MAX_MADE];
	unsigned n_made;
	unsigned epoch;              /* +1 each time sharing stops */
	uint64_t stopped_at[MAX_MADE]; /* bytes received when epoch E ended */
} oracle;

/* Picture or cursor number ID arrived: was it allowed to? */
static void check_made(const oracle *o, uint32_t id, bool video)
{
	if (id >= o->n_made)
		fail("a picture or cursor the encoder never made was sent");
	const made *m = &o->made[id];
	if (!m->while_sharing)
		fail(video ? "a picture made while not sharing was sent"
			   : "a cursor made while not sharing was sent");
	if (video && !o->consented)
		fail("a picture was sent before the customer said yes");
	/* What the connection had taken when sharing stopped (one record at
	 * most) may still go; nothing queued behind it. */
	if (m->epoch < o->epoch && o->bytes > o->stopped_at[m->epoch] + KP_CONN_STAGE_SIZE)
		fail("a picture or cursor made before a pause was sent after it");
}

/* A frame's header and first body bytes are in: check what they carry. */
static void check_frame(oracle *o)
{
	uint8_t type = o->head[4];
	const uint8_t *b = o->head + 5;

	o->frames[type]++;
	if (type == KP_WIRE_CONSENT && o->head_len >= 6 &&
	    (b[0] == KYOYU_CONSENT_GRANTED || b[0] == KYOYU_CONSENT_GRANTED_UNRECORDED))
		o->consented = true;
	/* The harness's pictures begin with their number; a cursor's x is its
	 * number. */
	if (type == KP_WIRE_VIDEO && o->head_len >= 5 + 17 + 4)
		check_made(o, (uint32_t)b[17] << 24 | (uint32_t)b[18] << 16 |
				      (uint32_t)b[19] << 8 | b[20], true);
	if (type == KP_WIRE_CURSOR && o->head_len >= 5 + 4)
		check_made(o, (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
				      (uint32_t)b[2] << 8 | b[3], false);
}

static size_t want_of(uint8_t type, uint64_t body)
{
	size_t want = type == KP_WIRE_VIDEO ? 17 + 4 : type == KP_WIRE_CURSOR ? 4
						    : type == KP_WIRE_CONSENT ? 1 : 0;
	return 5 + (body < want ? (size_t)body : want);
}

static void oracle_feed(oracle *o, const uint8_t *p, size_t n)
{
	while (n > 0) {
		if (o->left > 0 && o->head_len == o->want) {
			size_t k = o->left < n ? (size_t)o->left : n;
			o->left -= k, o->bytes += k, p += k, n -= k;
			if (o->left == 0)
				o->head_len = 0;
			continue;
		}
		if (o->head_len == 0)
			o->want = 5;
		o->head[o->head_len++] = *p++;
		o->bytes++, n--;
		if (o->head_len == 5) {
			uint64_t body = (uint64_t)o->head[0] << 24 | (uint64_t)o->head[1] << 16 |
					(uint64_t)o->head[2] << 8 | o->head[3];
			o->want = want_of(o->head[4], body);
			o->left = body - (o->want - 5);
		}
		if (o->head_len == o->want) {
			check_frame(o);
			if (o->left == 0)
				o->head_len = 0;
		}
	}
}

/* ---- the harness ------------------------------------------------------- */

typedef struct harness {
	kyoyu_bus *bus;
	kyoyu_inbox *inbox;     /* what the session would read */
	kyoyu_inbox *transport; /* what the transport stage reads: cursors */
	kt_sharer *sharer;
	int links[MAX_LINKS][2]; /* [0] the sharer's end, [1] the viewer's */
	int n_links, cur;        /* opened, and the one the viewer speaks on */
	bool first_welcome, recording, optional; /* the harness's welcome */
	bool peer_recording, peer_optional;      /* the session's, as connected */
	bool welcomed;           /* the harness's own welcome went out on cur */
	bool deaf;               /* the viewer stops reading */
	uint32_t state;
	oracle o;
} harness;

static int pair_open(void *ctx, int *fd, char *err, size_t errlen)
{
	harness *h = ctx;

	if (h->n_links == MAX_LINKS ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0,
		       h->links[h->n_links]) != 0) {
		snprintf(err, errlen, "connection refused");
		return -ECONNREFUSED;
	}
	*fd = h->links[h->n_links][0];
	h->links[h->n_links][0] = -1; /* the sharer's now */
	h->cur = h->n_links++;
	h->welcomed = false;
	/* A new connection is a new byte stream for the oracle. */
	h->o.head_len = 0, h->o.left = 0;
	return 0;
}

static kp_conn *pair_wrap(void *ctx, int fd, char *err, size_t errlen)
{
	return kp_conn_new(fd, "fuzz-viewer", &kp_conn_plain_io, (void *)(intptr_t)fd, 0,
			   kyoyu_now_us());
}

static kyoyu_msg *must_new(kyoyu_msg_type type)
{
	kyoyu_msg *msg = kyoyu_msg_new(type);

	if (!msg)
		abort();
	return msg;
}

/* Moves the sharer's session as the core's session does, the bus's gate
 * included (and tells the oracle). */
static void move(harness *h, uint32_t state, uint32_t reason)
{
	if (h->state == KYOYU_STATE_ENDED || h->state == state)
		return;
	if (h->state == KYOYU_STATE_SHARING) {
		kyoyu_bus_close_to(h->bus, KYOYU_MSG_SCREEN_CONTENT);
		/* Past the last epoch the checks only grow laxer. */
		if (h->o.epoch < MAX_MADE - 1) {
			/* Sent is what the viewer read and what waits in its
			 * socket, which a viewer that stopped reading reads later. */
			int unread = 0;
			if (h->n_links > 0 && ioctl(h->links[h->cur][1], FIONREAD, &unread) != 0)
				unread = 0;
			h->o.stopped_at[h->o.epoch] = h->o.bytes + (uint64_t)unread;
			h->o.epoch++;
		}
	}
	if (state == KYOYU_STATE_SHARING)
		kyoyu_bus_open_to(h->bus, KYOYU_MSG_SCREEN_CONTENT, kyoyu_now_us());
	h->state = state;
	kyoyu_msg *msg = must_new(KYOYU_MSG_STATE);
	msg->u.state.state = state;
	msg->u.state.reason = reason;
	kt_sharer_on_bus(h->sharer, msg);
}

static void answer(harness *h, uint32_t value)
{
	if (h->state != KYOYU_STATE_AWAITING_CONSENT)
		return;
	kyoyu_msg *msg = must_new(KYOYU_MSG_CONSENT);
	msg->u.value = value;
	kt_sharer_on_bus(h->sharer, msg);
	/* The session keeps its question open, as core/session.c does. */
	if (value == KYOYU_CONSENT_GRANTED_UNRECORDED && h->peer_recording && !h->peer_optional)
		return;
	if (value == KYOYU_CONSENT_DECLINED)
		move(h, KYOYU_STATE_ENDED, KYOYU_END_CONSENT_DECLINED);
	else
		move(h, KYOYU_STATE_SHARING, 0);
}

/* The next picture or cursor's number, noting when it was made. */
static bool make_one(harness *h, uint32_t *id)
{
	if (h->o.n_made == MAX_MADE)
		return false;
	*id = h->o.n_made;
	h->o.made[h->o.n_made++] =
		(made){h->state == KYOYU_STATE_SHARING, h->o.epoch};
	return true;
}

static void make_picture(harness *h, bool key, size_t size)
{
	uint32_t id;
	uint8_t data[256];

	if (!make_one(h, &id))
		return;
	memset(data, 0xab, sizeof(data));
	data[0] = (uint8_t)(id >> 24), data[1] = (uint8_t)(id >> 16);
	data[2] = (uint8_t)(id >> 8), data[3] = (uint8_t)id;
	kyoyu_msg *msg = must_new(KYOYU_MSG_PACKET);
	msg->u.packet.codec = KYOYU_CODEC_VP9;
	msg->u.packet.flags = key ? KYOYU_PACKET_KEYFRAME : 0;
	msg->u.packet.width = 320;
	msg->u.packet.height = 240;
	msg->u.packet.capture_us = msg->u.packet.encoded_us = kyoyu_now_us();
	msg->buf = kyoyu_buffer_new_copy(data, 4 + size % (sizeof(data) - 4));
	kyoyu_bus_post(h->bus, msg);
}

static void make_cursor(harness *h, bool shape)
{
	uint32_t id;
	static const uint8_t pixels[4 * 4 * 4];

	if (!make_one(h, &id))
		return;
	kyoyu_msg *msg = must_new(KYOYU_MSG_CURSOR);
	msg->u.cursor.x = (int32_t)id;
	msg->u.cursor.visible = 1;
	msg->u.cursor.serial = shape ? id : 0;
	if (shape) {
		msg->u.cursor.width = msg->u.cursor.height = 4;
		msg->buf = kyoyu_buffer_new_copy(pixels, sizeof(pixels));
	}
	kyoyu_bus_post(h->bus, msg);
}

/* The viewer's bytes: as much as the socket takes now (a flood that fills
 * it is cut short, as a real socket would push back). */
static void viewer_sends(harness *h, const uint8_t *p, size_t n)
{
	if (h->n_links == 0)
		return;
	int fd = h->links[h->cur][1];
	while (n > 0) {
		ssize_t k = send(fd, p, n < CHUNK ? n : CHUNK, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (k <= 0)
			return;
		p += k, n -= (size_t)k;
	}
}

static void viewer_sends_frame(harness *h, uint8_t type, const uint8_t *body, uint32_t len,
			       size_t have)
{
	uint8_t head[5] = {(uint8_t)(len >> 24), (uint8_t)(len >> 16), (uint8_t)(len >> 8),
			   (uint8_t)len, type};
	viewer_sends(h, head, sizeof(head));
	viewer_sends(h, body, have < len ? have : len);
}

/* The welcome a viewer sends, made by the protocol's own encoder. */
static void send_welcome(harness *h)
{
	kp_wire_msg m = {.type = KP_WIRE_WELCOME};
	uint8_t out[KP_WIRE_FRAME_MAX];

	m.u.welcome.major = KP_WIRE_MAJOR;
	m.u.welcome.minor = KP_WIRE_MINOR;
	m.u.welcome.codec = KYOYU_CODEC_VP9;
	m.u.welcome.flags = (h->recording ? KP_WIRE_WELCOME_RECORDING : 0) |
			    (h->optional ? KP_WIRE_WELCOME_RECORDING_OPTIONAL : 0) |
			    (h->n_links > 1 ? KP_WIRE_WELCOME_RESUMED : 0);
	m.u.welcome.grace_s = 30;
	m.u.welcome.clock_us = kyoyu_now_us();
	memcpy(m.u.welcome.name, "hostile", 7);
	m.u.welcome.name_len = 7;
	size_t n = kp_wire_encode(&m, 0, out);
	viewer_sends(h, out, n);
	h->welcomed = true;
}

/* What the sharer posted goes to the session in the agent: its moves are
 * played back as the session would make them. */
static void drain_bus(harness *h)
{
	kyoyu_msg *msg;

	while (kyoyu_inbox_pop(h->inbox, &msg, 0) == 0) {
		if (msg->type == KYOYU_MSG_PEER && msg->u.peer.event == KYOYU_PEER_CONNECTED &&
		    h->state == KYOYU_STATE_CONNECTING) {
			h->peer_recording = msg->u.peer.recording;
			h->peer_optional = msg->u.peer.recording && msg->u.peer.recording_optional;
			move(h, KYOYU_STATE_AWAITING_CONSENT, 0);
		}
		else if (msg->type == KYOYU_MSG_PEER && msg->u.peer.event == KYOYU_PEER_GONE)
			move(h, KYOYU_STATE_ENDED, msg->u.peer.reason);
		else if (msg->type == KYOYU_MSG_ERROR || msg->type == KYOYU_MSG_END)
			move(h, KYOYU_STATE_ENDED, KYOYU_END_ERROR);
		kyoyu_msg_unref(msg);
	}
}

/* One turn of the transport thread's loop, and the viewer reading. */
static void turn(harness *h)
{
	struct pollfd pfds[MAX_POLL];
	int timeout = -1;
	int64_t now = kyoyu_now_us();

	if (h->first_welcome && h->n_links > 0 && !h->welcomed)
		send_welcome(h);
	kyoyu_msg *msg;
	while (kyoyu_inbox_pop(h->transport, &msg, 0) == 0)
		kt_sharer_on_bus(h->sharer, msg);
	size_t n = kt_sharer_prepare(h->sharer, pfds, MAX_POLL, &timeout, now);
	poll(pfds, n, 0);
	kt_sharer_handle(h->sharer, pfds, n, kyoyu_now_us());
	drain_bus(h);
	if (h->n_links > 0 && !h->deaf && h->links[h->cur][1] >= 0) {
		uint8_t sink[CHUNK];
		ssize_t k;
		while ((k = recv(h->links[h->cur][1], sink, sizeof(sink), MSG_DONTWAIT)) > 0)
			oracle_feed(&h->o, sink, (size_t)k);
		/* The sharer hung up after its goodbye: a viewer closes too. */
		if (k == 0) {
			close(h->links[h->cur][1]);
			h->links[h->cur][1] = -1;
		}
	}
}

/* One operation from the input at *P (END its end); returns false at the
 * end of the input.
 *   0 t l b...  a frame of type t with an l-byte body (l < 256)
 *   1 t L4 b... a frame of type t claiming an L-byte body, what follows (up
 *               to 255 bytes) as the start of it
 *   2 l b...    l raw bytes
 *   3 t l c b...the frame of op 0, (c % 64 + 1) × 16 times (a flood; the
 *               hostile-viewer test sends the long ones)
 *   4 e         a local event (see below)
 *   5 k         k turns of the loop
 *   6           the viewer hangs up (the sharer may come back: resume)
 *   7           the viewer stops / starts reading */
static bool run_op(harness *h, const uint8_t **p, const uint8_t *end)
{
#define NEED(k)                        \
	do {                           \
		if (end - *p < (k))    \
			return false;  \
	} while (0)
	NEED(1);
	uint8_t op = *(*p)++ % 8;
	switch (op) {
	case 0:
	case 3: {
		NEED(2);
		uint8_t type = (*p)[0], len = (*p)[1];
		unsigned times = 1;
		*p += 2;
		if (op == 3) {
			NEED(1);
			times = 16u * (1 + *(*p)++ % 64);
		}
		size_t have = (size_t)(end - *p) < len ? (size_t)(end - *p) : len;
		for (unsigned i = 0; i < times; i++) {
			viewer_sends_frame(h, type, *p, len, have);
			if (i % 64 == 63)
				turn(h);
		}
		*p += have;
		break;
	}
	case 1: {
		NEED(6);
		uint8_t type = (*p)[0];
		uint32_t len = (uint32_t)(*p)[1] << 24 | (uint32_t)(*p)[2] << 16 |
			       (uint32_t)(*p)[3] << 8 | (*p)[4];
		size_t have = (*p)[5];
		*p += 6;
		if (have > (size_t)(end - *p))
			have = (size_t)(end - *p);
		viewer_sends_frame(h, type, *p, len, have);
		*p += have;
		break;
	}
	case 2: {
		NEED(1);
		size_t len = *(*p)++;
		if (len > (size_t)(end - *p))
			len = (size_t)(end - *p);
		viewer_sends(h, *p, len);
		*p += len;
		break;
	}
	case 4: {
		NEED(1);
		uint8_t e = *(*p)++;
		switch (e % 10) {
		case 0: answer(h, KYOYU_CONSENT_GRANTED); break;
		case 1: answer(h, KYOYU_CONSENT_DECLINED); break;
		case 2: answer(h, KYOYU_CONSENT_GRANTED_UNRECORDED); break;
		case 3:
			if (h->state == KYOYU_STATE_SHARING)
				move(h, KYOYU_STATE_PAUSED, 0);
			break;
		case 4:
			if (h->state == KYOYU_STATE_PAUSED)
				move(h, KYOYU_STATE_SHARING, 0);
			break;
		case 5: move(h, KYOYU_STATE_ENDED, KYOYU_END_LEFT); break;
		case 6: make_picture(h, true, e / 10); break;
		case 7: make_picture(h, false, e / 10); break;
		case 8: make_cursor(h, true); break;
		default: make_cursor(h, false); break;
		}
		break;
	}
	case 5:
		NEED(1);
		for (unsigned k = *(*p)++ % 16 + 1; k > 0; k--)
			turn(h);
		break;
	case 6:
		if (h->n_links > 0 && h->links[h->cur][1] >= 0) {
			close(h->links[h->cur][1]);
			h->links[h->cur][1] = -1;
		}
		break;
	default:
		h->deaf = !h->deaf;
		break;
	}
	turn(h);
	return true;
#undef NEED
}

static void run_one(const uint8_t *data, size_t size)
{
	harness h = {.state = KYOYU_STATE_CONNECTING};
	const uint8_t *p = data + 1, *end = data + size;

	if (size < 1)
		return;
	for (int i = 0; i < MAX_LINKS; i++)
		h.links[i][0] = h.links[i][1] = -1;
	h.first_welcome = !(data[0] & 1);
	h.recording = data[0] & 2;
	h.optional = data[0] & 4;
	h.bus = kyoyu_bus_new();
	h.inbox = h.bus ? kyoyu_bus_subscribe(h.bus, "fuzz",
					      ~UINT64_C(0) & ~KYOYU_MSG_SCREEN_CONTENT, 4096)
			: NULL;
	h.transport = h.inbox ? kyoyu_bus_subscribe(h.bus, "transport",
						    KYOYU_MSG_BIT(KYOYU_MSG_CURSOR), 64)
			      : NULL;
	if (!h.transport)
		goto out;
	/* Closed to screen content until the customer says yes. */
	kyoyu_bus_close_to(h.bus, KYOYU_MSG_SCREEN_CONTENT);
	kt_sharer_config cfg = {
		.peer = {.role = KYOYU_ROLE_SHARER, .timeout_us = 60000000,
			 .keepalive_us = 5000000, .max_queue_us = 60000000,
			 .ceiling_kbps = 1500},
		.connect_timeout_us = 10000000,
		.name = "fuzz",
		.target = "fuzz-viewer",
		.codecs = {KYOYU_CODEC_VP9},
		.n_codecs = 1,
	};
	kt_connector con = {pair_open, pair_wrap, NULL, NULL, &h, NULL};
	h.sharer = kt_sharer_new(h.bus, &cfg, &con);
	if (!h.sharer)
		goto out;
	kt_sharer_start(h.sharer, kyoyu_now_us());
	kyoyu_msg *code = must_new(KYOYU_MSG_CODE);
	code->u.value = KYOYU_CODE_ENTERED;
	code->buf = kyoyu_buffer_new_copy("123-456-789", 11);
	kt_sharer_on_bus(h.sharer, code);
	kyoyu_msg *connecting = must_new(KYOYU_MSG_STATE);
	connecting->u.state.state = KYOYU_STATE_CONNECTING;
	kt_sharer_on_bus(h.sharer, connecting);
	for (int i = 0; i < 4; i++)
		turn(&h);
	while (run_op(&h, &p, end))
		;
	/* The customer leaves: the sharer must finish (its goodbye out). */
	h.deaf = false;
	move(&h, KYOYU_STATE_ENDED, KYOYU_END_LEFT);
	for (int i = 0; i < END_TURNS && !kt_sharer_done(h.sharer); i++)
		turn(&h);
	if (!kt_sharer_done(h.sharer))
		fail("the sharer did not finish after the session ended");
	if (getenv("KT_FUZZ_VERBOSE")) {
		fprintf(stderr, "fuzz-sharer: %d connection(s); the viewer received", h.n_links);
		for (int t = 0; t < 256; t++)
			if (h.o.frames[t])
				fprintf(stderr, " %u of type 0x%02x", h.o.frames[t], t);
		fprintf(stderr, "\n");
	}
out:
	kt_sharer_free(h.sharer);
	for (int i = 0; i < MAX_LINKS; i++)
		for (int k = 0; k < 2; k++)
			if (h.links[i][k] >= 0)
				close(h.links[i][k]);
	kyoyu_inbox_free(h.transport);
	kyoyu_inbox_free(h.inbox);
	kyoyu_bus_free(h.bus);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool quiet;

	if (!quiet) {
		/* Every refused frame is logged by design; the fuzzer needs speed. */
		kyoyu_log_set_level(getenv("KT_FUZZ_VERBOSE") ? KYOYU_LOG_DEBUG : KYOYU_LOG_ERROR - 1);
		quiet = true;
	}
	run_one(data, size);
	return 0;
}
