/* SPDX-License-Identifier: MIT */
/* transport/e2epeer: a scripted stand-in for the other side, for the
 * end-to-end tests of the control socket and the user interfaces.
 *
 * It connects at once (PEER CONNECTED with the name in `peer`).  On the
 * viewer it plays the network and the decoder: it brings the customer's
 * yes to sharing (unless `consent` is off); while sharing (and `video`
 * is on), it posts the testsrc desktop as decoded frames with exact damage,
 * in the pixel format the core chose for the UIs (BGRX or I420), the
 * cursor, and a STATS message each second.  On either side it answers a
 * new-code request with the fixed code 123-456-789, and obeys lines written
 * to the FIFO `control`:
 *     pointer X Y VISIBLE     the operator's arrow, as if from the network
 *     size W H X Y            the shared area (VIDEO_SIZE)
 *     lost | resumed          the link drops / comes back
 *     pause | resume          the sharer's pause notice, as received
 *     gone REASON             the other side ended (kyoyu_end_reason)
 *     dump PATH               writes the last posted picture as a PPM
 * and writes what it sees to the file `log`, a line each:
 *     state NAME | pointer X Y VISIBLE | code-request | packets N
 * It returns when the session ends.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define KYOYU_LOG_COMPONENT "transport/e2epeer"
#include <kyoyu/kyoyu.h>

#include "testsrc-scene.h"

typedef struct peer {
	/* options */
	const char *name, *control_path, *log_path;
	int width, height, fps;
	bool video, cursor, recording, consent;

	const kyoyu_host *host;
	kyoyu_bus *bus;
	uint32_t role, codec;
	kyoyu_pixfmt format; /* of the frames it posts */
	int control_fd;
	FILE *log;
	char line[256];
	size_t line_len;

	testsrc_scene scene;
	bool scene_ready, sharing, send_key;
	uint64_t tick, packets;
	int64_t start_us, next_stats_us;
} peer;

static const kyoyu_option options[] = {
	KYOYU_OPTION_STRING("peer", peer, name, "Alice Example", "the other side's name"),
	KYOYU_OPTION_STRING("control", peer, control_path, NULL, "FIFO of commands"),
	KYOYU_OPTION_STRING("log", peer, log_path, NULL, "file of what it saw"),
	KYOYU_OPTION_BOOL("video", peer, video, 0,
			  "viewer: post the testsrc desktop as decoded frames, in the "
			  "pixel format the core chose for the UIs (BGRX or I420)"),
	KYOYU_OPTION_INT("width", peer, width, 1280, 16, 4096, "picture width"),
	KYOYU_OPTION_INT("height", peer, height, 720, 16, 4096, "picture height"),
	KYOYU_OPTION_INT("fps", peer, fps, 10, 1, 60, "pictures per second"),
	KYOYU_OPTION_BOOL("cursor", peer, cursor, 1, "viewer: post the sharer's cursor"),
	KYOYU_OPTION_BOOL("recording", peer, recording, 0, "the viewer records"),
	KYOYU_OPTION_BOOL("consent", peer, consent, 1,
			  "viewer: the customer's yes to sharing arrives once connected"),
	KYOYU_OPTION_END,
};

static void note(peer *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(peer *p, const char *fmt, ...)
{
	va_list ap;

	if (!p->log)
		return;
	va_start(ap, fmt);
	vfprintf(p->log, fmt, ap);
	va_end(ap);
	fputc('\n', p->log);
	fflush(p->log);
}

static int peer_init(void *priv, const kyoyu_host *host)
{
	peer *p = priv;

	p->host = host;
	p->bus = host->bus;
	p->role = host->role;
	p->codec = host->codecs ? host->codecs[0] : KYOYU_CODEC_NONE;
	p->control_fd = -1;
	return KYOYU_OK;
}

static int peer_start(void *priv, kyoyu_stage *stage)
{
	peer *p = priv;

	if (p->log_path && !(p->log = fopen(p->log_path, "w")))
		return -errno;
	/* Read-write, so the FIFO never reports end of file between writers. */
	if (p->control_path && (p->control_fd = open(p->control_path,
						     O_RDWR | O_NONBLOCK | O_CLOEXEC)) < 0)
		return -errno;
	if (p->role == KYOYU_ROLE_VIEWER && p->video) {
		p->format = (kyoyu_pixfmt)p->host->frame_format;
		if (p->format != KYOYU_PIXFMT_BGRX && p->format != KYOYU_PIXFMT_I420) {
			const char *name = kyoyu_pixfmt_name(p->format);
			kyoyu_error("the UIs take \"%s\" pictures; this stand-in draws BGRX "
				    "or I420 only", name ? name : "none");
			return -EINVAL;
		}
		kyoyu_info("posts %s pictures", kyoyu_pixfmt_name(p->format));
		int ret = testsrc_scene_init(&p->scene, (uint32_t)p->width,
					     (uint32_t)p->height, (uint32_t)p->fps,
					     TESTSRC_DESKTOP);
		if (ret)
			return ret;
		p->scene_ready = true;
	}
	kyoyu_inbox_set_mask(kyoyu_stage_inbox(stage),
			     KYOYU_MSG_BIT(KYOYU_MSG_STATE) | KYOYU_MSG_BIT(KYOYU_MSG_POINTER) |
				     KYOYU_MSG_BIT(KYOYU_MSG_CODE) |
				     KYOYU_MSG_BIT(KYOYU_MSG_PACKET));
	return 0;
}

static void peer_stop(void *priv)
{
	peer *p = priv;

	if (p->log)
		fclose(p->log);
	if (p->control_fd >= 0)
		close(p->control_fd);
	if (p->scene_ready)
		testsrc_scene_fini(&p->scene);
	p->log = NULL;
	p->control_fd = -1;
	p->scene_ready = false;
}

static void post_peer(peer *p, uint32_t event, uint32_t reason)
{
	kyoyu_msg *msg = kyoyu_msg_new(KYOYU_MSG_PEER);

	if (!msg) {
		kyoyu_error("out of memory: the PEER message is lost");
		return;
	}
	msg->u.peer = (kyoyu_peer_info){.event = event, .codec = p->codec,
					.recording = p->recording, .reason = reason};
	if (event == KYOYU_PEER_CONNECTED)
		msg->buf = kyoyu_buffer_new_copy(p->name, strlen(p->name));
	kyoyu_bus_post(p->bus, msg);
}

static uint8_t clamp8(int v)
{
	return (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
}

/* BT.601 limited range, as the decoders output it. */
static void bgrx_to_i420(const uint8_t *src, uint32_t w, uint32_t h, uint8_t *dst,
			 const kyoyu_frame_info *f)
{
	for (uint32_t y = 0; y < h; y++) {
		for (uint32_t x = 0; x < w; x++) {
			const uint8_t *s = src + ((size_t)y * w + x) * 4;
			int b = s[0], g = s[1], r = s[2];
			dst[f->offset[0] + y * f->stride[0] + x] =
				clamp8(((66 * r + 129 * g + 25 * b + 128) >> 8) + 16);
			if ((x | y) & 1)
				continue;
			dst[f->offset[1] + (y / 2) * f->stride[1] + x / 2] =
				clamp8(((-38 * r - 74 * g + 112 * b + 128) >> 8) + 128);
			dst[f->offset[2] + (y / 2) * f->stride[2] + x / 2] =
				clamp8(((112 * r - 94 * g - 18 * b + 128) >> 8) + 128);
		}
	}
}

static void post_picture(peer *p, const kyoyu_region *damage)
{
	kyoyu_msg *msg = kyoyu_msg_new(KYOYU_MSG_FRAME);
	uint32_t w = (uint32_t)p->width, h = (uint32_t)p->height;

	if (!msg)
		return;
	size_t bytes = kyoyu_frame_layout(&msg->u.frame, p->format, w, h);
	if (!(msg->buf = kyoyu_buffer_new(bytes))) {
		kyoyu_msg_unref(msg);
		return;
	}
	if (p->format == KYOYU_PIXFMT_I420)
		bgrx_to_i420(p->scene.canvas, w, h, kyoyu_buffer_data(msg->buf), &msg->u.frame);
	else
		memcpy(kyoyu_buffer_data(msg->buf), p->scene.canvas, bytes);
	msg->u.frame.damage = *damage;
	if (p->send_key) {
		msg->u.frame.flags |= KYOYU_FRAME_KEY;
		kyoyu_region_set_full(&msg->u.frame.damage, (int32_t)w, (int32_t)h);
	}
	if (kyoyu_bus_post(p->bus, msg) == 0)
		p->send_key = false;
}

static void post_cursor(peer *p, bool with_shape)
{
	kyoyu_msg *msg = kyoyu_msg_new(KYOYU_MSG_CURSOR);
	int32_t x, y;

	if (!msg)
		return;
	testsrc_scene_pointer(&p->scene, p->tick, &x, &y);
	msg->u.cursor = (kyoyu_cursor_info){.x = x, .y = y, .visible = 1, .serial = 1};
	if (with_shape && (msg->buf = kyoyu_buffer_new(16 * 16 * 4))) {
		testsrc_cursor_shape(kyoyu_buffer_data(msg->buf));
		msg->u.cursor.width = msg->u.cursor.height = 16;
	}
	kyoyu_bus_post(p->bus, msg);
}

static void on_tick(peer *p)
{
	kyoyu_region damage;

	kyoyu_region_clear(&damage);
	p->tick++;
	testsrc_scene_advance(&p->scene, p->tick, &damage);
	if (damage.n || p->send_key) {
		bool key = p->send_key;
		post_picture(p, &damage);
		if (p->cursor)
			post_cursor(p, key);
	}
	if (kyoyu_now_us() >= p->next_stats_us) {
		kyoyu_msg *msg = kyoyu_msg_new(KYOYU_MSG_STATS);
		if (msg) {
			msg->u.stats = (kyoyu_stats_info){.kbps = 1234, .fps = (uint32_t)p->fps,
							  .rtt_ms = 12, .latency_us = 42000};
			kyoyu_bus_post(p->bus, msg);
		}
		p->next_stats_us = kyoyu_now_us() + 1000000;
	}
}

static void dump(peer *p, const char *path)
{
	FILE *f = p->scene_ready ? fopen(path, "wb") : NULL;

	if (!f) {
		kyoyu_warn("cannot dump the picture to %s", path);
		return;
	}
	fprintf(f, "P6\n%d %d\n255\n", p->width, p->height);
	for (size_t i = 0; i < (size_t)p->width * (size_t)p->height; i++) {
		const uint8_t *s = p->scene.canvas + i * 4;
		uint8_t rgb[3] = {s[2], s[1], s[0]};
		fwrite(rgb, 1, 3, f);
	}
	fclose(f);
	note(p, "dumped");
}

static void command(peer *p, char *line)
{
	int a, b, c, d;
	char path[200];

	if (sscanf(line, "pointer %d %d %d", &a, &b, &c) == 3) {
		kyoyu_msg *msg = kyoyu_msg_new(KYOYU_MSG_POINTER);
		if (msg) {
			msg->u.pointer = (kyoyu_pointer_info){a, b, (uint32_t)c};
			kyoyu_bus_post(p->bus, msg);
		}
	} else if (sscanf(line, "size %d %d %d %d", &a, &b, &c, &d) == 4) {
		kyoyu_msg *msg = kyoyu_msg_new(KYOYU_MSG_VIDEO_SIZE);
		if (msg) {
			msg->u.size = (kyoyu_size_info){(uint32_t)a, (uint32_t)b, c, d};
			kyoyu_bus_post(p->bus, msg);
		}
	} else if (strcmp(line, "pause") == 0) {
		kyoyu_bus_post_value(p->bus, KYOYU_MSG_PAUSE, 0);
	} else if (strcmp(line, "resume") == 0) {
		kyoyu_bus_post_value(p->bus, KYOYU_MSG_RESUME, 0);
	} else if (strcmp(line, "lost") == 0) {
		post_peer(p, KYOYU_PEER_LOST, 0);
	} else if (strcmp(line, "resumed") == 0) {
		post_peer(p, KYOYU_PEER_RESUMED, 0);
	} else if (sscanf(line, "gone %d", &a) == 1) {
		post_peer(p, KYOYU_PEER_GONE, (uint32_t)a);
	} else if (sscanf(line, "dump %199s", path) == 1) {
		dump(p, path);
	} else {
		kyoyu_warn("unknown command \"%s\"", line);
	}
}

static void read_control(peer *p)
{
	ssize_t n = read(p->control_fd, p->line + p->line_len, sizeof(p->line) - 1 - p->line_len);

	if (n <= 0)
		return;
	p->line_len += (size_t)n;
	p->line[p->line_len] = '\0';
	char *nl;
	while ((nl = strchr(p->line, '\n'))) {
		*nl = '\0';
		command(p, p->line);
		p->line_len -= (size_t)(nl + 1 - p->line);
		memmove(p->line, nl + 1, p->line_len + 1);
	}
	if (p->line_len == sizeof(p->line) - 1)
		p->line_len = 0; /* a line too long for a command: dropped */
}

static void on_message(peer *p, const kyoyu_msg *msg)
{
	switch (msg->type) {
	case KYOYU_MSG_STATE:
		note(p, "state %s", kyoyu_state_name(msg->u.state.state));
		if (msg->u.state.state == KYOYU_STATE_SHARING && !p->sharing)
			p->send_key = true;
		p->sharing = msg->u.state.state == KYOYU_STATE_SHARING;
		break;
	case KYOYU_MSG_POINTER:
		note(p, "pointer %d %d %u", msg->u.pointer.x, msg->u.pointer.y,
		     msg->u.pointer.visible);
		break;
	case KYOYU_MSG_CODE:
		if (msg->u.value == KYOYU_CODE_REQUEST_NEW) {
			note(p, "code-request");
			kyoyu_msg *reply = kyoyu_msg_new(KYOYU_MSG_CODE);
			if (!reply)
				break;
			reply->u.value = KYOYU_CODE_ISSUED;
			reply->buf = kyoyu_buffer_new_copy("123-456-789", 11);
			kyoyu_bus_post(p->bus, reply);
		}
		break;
	case KYOYU_MSG_PACKET:
		p->packets++;
		break;
	default:
		break;
	}
}

static int peer_run(void *priv, kyoyu_stage *stage)
{
	peer *p = priv;
	kyoyu_inbox *inbox = kyoyu_stage_inbox(stage);
	bool ended = false;

	int inbox_fd = kyoyu_inbox_fd(inbox);

	if (inbox_fd < 0)
		return -EMFILE;
	post_peer(p, KYOYU_PEER_CONNECTED, 0);
	if (p->role == KYOYU_ROLE_VIEWER && p->consent)
		kyoyu_bus_post_value(p->bus, KYOYU_MSG_CONSENT, KYOYU_CONSENT_GRANTED);
	p->start_us = kyoyu_now_us();
	while (!ended) {
		int64_t due = p->start_us + (int64_t)((p->tick + 1) * 1000000 / (uint64_t)p->fps);
		int64_t wait = due - kyoyu_now_us();
		struct pollfd fds[2] = {{inbox_fd, POLLIN, 0}, {p->control_fd, POLLIN, 0}};
		poll(fds, p->control_fd >= 0 ? 2 : 1, wait > 0 ? (int)((wait + 999) / 1000) : 0);
		if (fds[1].revents & POLLIN)
			read_control(p);
		kyoyu_msg *msg;
		int ret;
		while ((ret = kyoyu_inbox_pop(inbox, &msg, 0)) == 0) {
			on_message(p, msg);
			ended |= msg->type == KYOYU_MSG_STATE &&
				 msg->u.state.state == KYOYU_STATE_ENDED;
			kyoyu_msg_unref(msg);
		}
		if (ret == -ESHUTDOWN)
			break;
		if (kyoyu_now_us() < due)
			continue;
		if (p->scene_ready && p->sharing)
			on_tick(p);
		else
			p->tick++;
	}
	note(p, "packets %" PRIu64, p->packets);
	return 0;
}

static const kyoyu_stage_ops ops = {
	.size = sizeof(kyoyu_stage_ops),
	.start = peer_start,
	.run = peer_run,
	.stop = peer_stop,
	.formats = NULL, /* a transport */
};

static const kyoyu_plugin_descriptor descriptor = {
	KYOYU_PLUGIN_HEADER,
	.kind = KYOYU_KIND_TRANSPORT,
	.name = "e2epeer",
	.version = "0.0",
	.license = "MIT",
	.description = "a scripted stand-in for the other side, for end-to-end tests",
	.priv_size = sizeof(peer),
	.options = options,
	.init = peer_init,
	.ops = &ops,
};

KYOYU_PLUGIN_DEFINE(kyoyu_transport_e2epeer, descriptor)
