/* SPDX-License-Identifier: MIT */
/* Fuzzes the whole protocol stack (proto/ and the two sides of
 * transport/tls), not one function: a viewer or a sharer (the first input
 * byte chooses) runs over one end of a socketpair, exactly as in the plugin
 * but with plain sockets instead of TLS, and the rest of the input is what
 * the other side sends.  The viewer
 * holds the live code 123456789, so inputs that start with a right hello
 * get into the session (video, cursor, consent, pause, pings, goodbye).
 *
 * Built as a libFuzzer target with --enable-fuzzing (clang), and as
 * fuzz-replay (with replay-main.c) for `make check`, which runs the seed
 * corpus in tests/fuzz/corpus through the same code under the sanitizers. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define KYOYU_LOG_COMPONENT "fuzz"
#include <kyoyu/host.h>
#include <kyoyu/kyoyu.h>

#include "bus-priv.h"
#include "sharer.h"
#include "viewer.h"

#define MAX_POLL (KT_VIEWER_MAX_PENDING + 2)
#define CHUNK 4096

static const uint32_t codecs[] = {KYOYU_CODEC_VP8, KYOYU_CODEC_VP9, KYOYU_CODEC_H264, 0};

typedef struct socket_connector {
	int fd; /* handed out once */
} socket_connector;

static int pair_open(void *ctx, int *fd, char *err, size_t errlen)
{
	socket_connector *c = ctx;

	if (c->fd < 0) {
		snprintf(err, errlen, "connection refused");
		return -ECONNREFUSED;
	}
	*fd = c->fd;
	c->fd = -1;
	return 0;
}

static kp_conn *pair_wrap(void *ctx, int fd, char *err, size_t errlen)
{
	return kp_conn_new(fd, "fuzz-viewer", &kp_conn_plain_io, (void *)(intptr_t)fd, 0,
			   kyoyu_now_us());
}

static kp_peer_config peer_config(uint32_t role)
{
	return (kp_peer_config){
		.role = role,
		.timeout_us = 60000000,
		.keepalive_us = 5000000,
		.max_queue_us = 150000,
		.ceiling_kbps = 1500,
	};
}

/* A new message of TYPE; the harness cannot go on without it. */
static kyoyu_msg *must_new(kyoyu_msg_type type)
{
	kyoyu_msg *msg = kyoyu_msg_new(type);

	if (!msg)
		abort();
	return msg;
}

static kyoyu_msg *state_msg(uint32_t state, uint32_t reason)
{
	kyoyu_msg *msg = must_new(KYOYU_MSG_STATE);

	msg->u.state.state = state;
	msg->u.state.reason = reason;
	return msg;
}

/* What the endpoint posted goes to the other endpoint's inbox in the real
 * agent; here it is read and dropped, except the session's moves, which
 * are played back as a session would (so pause, resume and the end are
 * exercised too). */
static void drain_bus(kyoyu_inbox *inbox, kt_viewer *v, kt_sharer *s)
{
	kyoyu_msg *msg;

	while (kyoyu_inbox_pop(inbox, &msg, 0) == 0) {
		kyoyu_msg *state = NULL;
		switch (msg->type) {
		case KYOYU_MSG_PAUSE:
			state = state_msg(KYOYU_STATE_PAUSED, 0);
			break;
		case KYOYU_MSG_RESUME:
			state = state_msg(KYOYU_STATE_SHARING, 0);
			break;
		case KYOYU_MSG_PEER:
			if (msg->u.peer.event == KYOYU_PEER_GONE)
				state = state_msg(KYOYU_STATE_ENDED, msg->u.peer.reason);
			break;
		case KYOYU_MSG_ERROR:
			state = state_msg(KYOYU_STATE_ENDED, KYOYU_END_ERROR);
			break;
		default:
			break;
		}
		kyoyu_msg_unref(msg);
		if (!state)
			continue;
		if (v)
			kt_viewer_on_bus(v, state);
		else
			kt_sharer_on_bus(s, state);
	}
}

static void run_one(const uint8_t *data, size_t size)
{
	int sv[2];
	kyoyu_bus *bus = kyoyu_bus_new();
	kyoyu_inbox *inbox = kyoyu_bus_subscribe(bus, "fuzz", ~UINT64_C(0), 1024);
	kt_viewer *v = NULL;
	kt_sharer *s = NULL;
	socket_connector connector = {-1};
	int64_t now = kyoyu_now_us();

	if (!bus || !inbox || size < 1 ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) != 0)
		goto out_free_bus;
	bool viewer = data[0] & 1;
	/* Bit 1: a viewer that lets the customer share without recording. */
	bool recording_optional = data[0] & 2;
	data++;
	size--;
	if (viewer) {
		kt_viewer_config cfg = {
			.peer = peer_config(KYOYU_ROLE_VIEWER),
			.code_ttl_us = 600000000,
			.attempts_per_minute = 1000,
			.reject_delay_us = 0,
			.handshake_timeout_us = 10000000,
			.grace_us = 30000000,
			.name = "fuzz",
			.codecs = codecs,
			.recording = true,
			.recording_optional = recording_optional,
		};
		v = kt_viewer_new(bus, &cfg);
		kt_viewer_install_code(v, "123456789", now);
		kyoyu_bus_post(bus, state_msg(KYOYU_STATE_SHARING, 0));
		kt_viewer_on_bus(v, state_msg(KYOYU_STATE_SHARING, 0));
		kp_conn *conn = kp_conn_new(sv[0], "fuzz-sharer", &kp_conn_plain_io,
					    (void *)(intptr_t)sv[0], 0, now);
		kt_viewer_adopt(v, conn, "192.0.2.1", now);
	} else {
		kt_sharer_config cfg = {
			.peer = peer_config(KYOYU_ROLE_SHARER),
			.connect_timeout_us = 10000000,
			.name = "fuzz",
			.target = "fuzz-viewer",
			.codecs = {KYOYU_CODEC_VP9},
			.n_codecs = 1,
		};
		kt_connector con = {pair_open, pair_wrap, NULL, NULL, &connector, NULL};
		connector.fd = sv[0];
		s = kt_sharer_new(bus, &cfg, &con);
		kt_sharer_start(s, now);
		kyoyu_msg *code = must_new(KYOYU_MSG_CODE);
		code->u.value = KYOYU_CODE_ENTERED;
		code->buf = kyoyu_buffer_new_copy("123-456-789", 11);
		kt_sharer_on_bus(s, code);
		kt_sharer_on_bus(s, state_msg(KYOYU_STATE_SHARING, 0));
	}

	/* A sharer sends nothing after its hello until it is welcomed: the
	 * first frame goes alone, the rest a few turns later. */
	size_t sent = 0, gate = size;
	if (viewer && size >= KP_WIRE_HEADER_SIZE) {
		uint32_t len = (uint32_t)data[0] << 24 | (uint32_t)data[1] << 16 |
			       (uint32_t)data[2] << 8 | data[3];
		if (len <= KP_WIRE_SMALL_MAX && KP_WIRE_HEADER_SIZE + len < size)
			gate = KP_WIRE_HEADER_SIZE + len;
	}
	bool shut = false;
	/* Enough turns for every byte to be read, and a few to spare. */
	for (size_t turn = 0; turn < 64 + size / 512; turn++) {
		if (turn == 4)
			gate = size;
		if (sent < gate) {
			ssize_t n = send(sv[1], data + sent, gate - sent < CHUNK ? gate - sent : CHUNK,
					 MSG_DONTWAIT | MSG_NOSIGNAL);
			if (n > 0)
				sent += (size_t)n;
		} else if (sent == size && !shut) {
			shutdown(sv[1], SHUT_WR);
			shut = true;
		}
		char sink[CHUNK];
		while (recv(sv[1], sink, sizeof(sink), MSG_DONTWAIT) > 0)
			;
		struct pollfd pfds[MAX_POLL];
		int timeout = -1;
		now = kyoyu_now_us();
		size_t n = v ? kt_viewer_prepare(v, pfds, MAX_POLL, &timeout, now)
			     : kt_sharer_prepare(s, pfds, MAX_POLL, &timeout, now);
		poll(pfds, n, 0);
		now = kyoyu_now_us();
		if (v)
			kt_viewer_handle(v, pfds, n, now);
		else
			kt_sharer_handle(s, pfds, n, now);
		drain_bus(inbox, v, s);
		if ((v && kt_viewer_done(v)) || (s && kt_sharer_done(s)))
			break;
	}
	kt_viewer_free(v);
	kt_sharer_free(s);
	if (connector.fd >= 0)
		close(connector.fd);
	close(sv[1]);
out_free_bus:
	kyoyu_inbox_free(inbox);
	kyoyu_bus_free(bus);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool quiet;

	if (!quiet) {
		/* Every refused input is logged by design; the fuzzer needs speed. */
		kyoyu_log_set_level(getenv("KT_FUZZ_VERBOSE") ? KYOYU_LOG_DEBUG : KYOYU_LOG_ERROR - 1);
		quiet = true;
	}
	run_one(data, size);
	return 0;
}
