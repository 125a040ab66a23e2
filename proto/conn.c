/* SPDX-License-Identifier: MIT */
/* One connection: frames over a non-blocking byte stream. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#define KYOYU_LOG_COMPONENT "proto"
#include <kyoyu/kyoyu.h>

#include "conn.h"
#include "net.h"

/* Bytes read in one go before other work gets a turn. */
#define READ_BUDGET (1u << 20)

struct kp_conn {
	int fd;
	char addr[64]; /* "192.0.2.1:40000" for logs */
	const kp_conn_io *io;
	void *io_ctx;
	kp_wire_reader reader;
	int64_t last_rx_us;
	short read_wants, write_wants;
	bool more_to_read; /* stopped early: read again before polling */
	bool broken;       /* the peer broke the protocol (not just the link) */
	bool hung_up;      /* kp_conn_hang_up: the stream layer is gone */

	/* What the stream gave and the reader has not taken yet: the rest of
	 * a read that stopped before a held frame. */
	uint8_t in[KP_CONN_STAGE_SIZE];
	size_t in_off, in_len;

	kp_conn_source source;
	void *source_ctx;

	/* The frame being written: its header and fields, then its data. */
	uint8_t head[KP_WIRE_FRAME_MAX];
	size_t head_len, head_off;
	kyoyu_buffer *data;
	size_t data_len, data_off;
	/* Bytes handed to the stream layer in one write (one TLS record). */
	uint8_t stage[KP_CONN_STAGE_SIZE];
	size_t stage_len, stage_off;

	uint8_t ctrl[KP_CONN_CTRL_DEPTH][KP_WIRE_FRAME_MAX];
	uint16_t ctrl_len[KP_CONN_CTRL_DEPTH]; /* up to KP_WIRE_FRAME_MAX */
	kyoyu_buffer *ctrl_data[KP_CONN_CTRL_DEPTH]; /* what follows, or NULL */
	unsigned ctrl_head, ctrl_count;

	char why[200]; /* why the connection failed */
};

void kp_conn_set_why(kp_conn *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->why, sizeof(c->why), fmt, ap);
	va_end(ap);
}

kp_conn *kp_conn_new(int fd, const char *addr, const kp_conn_io *io, void *io_ctx,
		     uint32_t allowed, int64_t now_us)
{
	kp_conn *c = calloc(1, sizeof(*c));

	if (!c) {
		io->close(io_ctx, false);
		kp_net_close(fd);
		return NULL;
	}
	c->fd = fd;
	snprintf(c->addr, sizeof(c->addr), "%s", addr);
	c->io = io;
	c->io_ctx = io_ctx;
	kp_wire_reader_init(&c->reader, allowed);
	c->last_rx_us = now_us;
	return c;
}

void kp_conn_free(kp_conn *c, bool graceful)
{
	if (!c)
		return;
	if (!c->hung_up)
		c->io->close(c->io_ctx, graceful);
	kp_net_close(c->fd);
	kp_wire_reader_fini(&c->reader);
	kyoyu_buffer_unref(c->data);
	for (unsigned i = 0; i < KP_CONN_CTRL_DEPTH; i++)
		kyoyu_buffer_unref(c->ctrl_data[i]);
	/* A hello with a code may still sit in these. */
	OPENSSL_cleanse(c->ctrl, sizeof(c->ctrl));
	OPENSSL_cleanse(c->in, sizeof(c->in));
	OPENSSL_cleanse(c->head, sizeof(c->head));
	OPENSSL_cleanse(c->stage, sizeof(c->stage));
	free(c);
}

void kp_conn_allow(kp_conn *c, uint32_t allowed)
{
	kp_wire_reader_allow(&c->reader, allowed);
}

void kp_conn_hold(kp_conn *c, uint32_t types, int64_t now_us)
{
	bool was_holding = kp_wire_reader_holding(&c->reader);

	kp_wire_reader_hold(&c->reader, types);
	if (was_holding && !kp_wire_reader_holding(&c->reader)) {
		/* What waits in c->in or in the stream layer's own buffer
		 * (a TLS record) would not wake poll(). */
		c->more_to_read = true;
		if (c->last_rx_us < now_us)
			c->last_rx_us = now_us;
	}
}

void kp_conn_set_source(kp_conn *c, kp_conn_source source, void *ctx)
{
	c->source = source;
	c->source_ctx = ctx;
}

int kp_conn_send(kp_conn *c, const kp_wire_msg *msg)
{
	if (c->ctrl_count == KP_CONN_CTRL_DEPTH)
		return -ENOBUFS;
	unsigned slot = (c->ctrl_head + c->ctrl_count) % KP_CONN_CTRL_DEPTH;
	size_t n = kp_wire_encode(msg, msg->data ? kyoyu_buffer_size(msg->data) : 0,
				  c->ctrl[slot]);
	if (n == 0)
		return -EINVAL;
	c->ctrl_len[slot] = (uint16_t)n;
	c->ctrl_data[slot] = msg->data ? kyoyu_buffer_ref(msg->data) : NULL;
	c->ctrl_count++;
	return 0;
}

bool kp_conn_busy(const kp_conn *c)
{
	return c->stage_off < c->stage_len || c->head_off < c->head_len ||
	       c->data_off < c->data_len || c->ctrl_count > 0;
}

void kp_conn_hang_up(kp_conn *c)
{
	if (c->hung_up)
		return;
	c->io->close(c->io_ctx, true);
	c->io_ctx = NULL;
	c->hung_up = true;
	kp_net_shutdown_write(c->fd);
}

int kp_conn_discard_input(kp_conn *c)
{
	uint8_t sink[4096];

	for (;;) {
		ssize_t n = kp_net_recv(c->fd, sink, sizeof(sink));
		if (n > 0)
			continue;
		if (n == -EAGAIN || n == -EINTR)
			return 0;
		return 1;
	}
}

/* True when the kernel would take more without building a queue: with
 * TCP_NOTSENT_LOWAT the socket polls writable only while little is unsent. */
static bool socket_has_room(const kp_conn *c)
{
	struct pollfd p = {c->fd, POLLOUT, 0};
	return kp_net_poll(&p, 1, 0) == 1 && (p.revents & POLLOUT);
}

/* Starts the next frame: control first, then screen content if the socket
 * has room.  Returns false when there is nothing to start. */
static bool next_frame(kp_conn *c, int64_t now_us)
{
	kyoyu_buffer_unref(c->data);
	c->data = NULL;
	c->head_len = c->head_off = c->data_len = c->data_off = 0;
	if (c->ctrl_count) {
		memcpy(c->head, c->ctrl[c->ctrl_head], c->ctrl_len[c->ctrl_head]);
		c->head_len = c->ctrl_len[c->ctrl_head];
		c->data = c->ctrl_data[c->ctrl_head];
		c->data_len = c->data ? kyoyu_buffer_size(c->data) : 0;
		c->ctrl_data[c->ctrl_head] = NULL;
		c->ctrl_head = (c->ctrl_head + 1) % KP_CONN_CTRL_DEPTH;
		c->ctrl_count--;
		return true;
	}
	if (!c->source || !socket_has_room(c))
		return false;
	kp_wire_msg msg;
	memset(&msg, 0, sizeof(msg));
	while (c->source(c->source_ctx, &msg, now_us)) {
		size_t len = msg.data ? kyoyu_buffer_size(msg.data) : 0;
		size_t n = kp_wire_encode(&msg, len, c->head);
		if (n) {
			c->head_len = n;
			c->data = msg.data;
			c->data_len = len;
			return true;
		}
		kyoyu_warn("dropped a %s message with fields out of bounds",
			   kp_wire_type_name(msg.type));
		kp_wire_msg_clear(&msg);
	}
	return false;
}

/* Fills the stage with the bytes of as many frames as fit. */
static void fill_stage(kp_conn *c, int64_t now_us)
{
	c->stage_len = c->stage_off = 0;
	while (c->stage_len < KP_CONN_STAGE_SIZE) {
		size_t room = KP_CONN_STAGE_SIZE - c->stage_len;
		if (c->head_off < c->head_len) {
			size_t n = c->head_len - c->head_off;
			n = n < room ? n : room;
			memcpy(c->stage + c->stage_len, c->head + c->head_off, n);
			c->head_off += n;
			c->stage_len += n;
		} else if (c->data_off < c->data_len) {
			size_t n = c->data_len - c->data_off;
			n = n < room ? n : room;
			memcpy(c->stage + c->stage_len,
			       (const uint8_t *)kyoyu_buffer_data(c->data) + c->data_off, n);
			c->data_off += n;
			c->stage_len += n;
		} else if (!next_frame(c, now_us)) {
			break;
		}
	}
}

int kp_conn_flush(kp_conn *c, int64_t now_us)
{
	c->write_wants = 0;
	for (;;) {
		if (c->stage_off == c->stage_len) {
			fill_stage(c, now_us);
			if (c->stage_len == 0)
				return 0;
		}
		ssize_t n = c->io->write(c->io_ctx, c->stage + c->stage_off,
					 c->stage_len - c->stage_off, &c->write_wants);
		if (n == -EAGAIN)
			return 0;
		if (n < 0) {
			kp_conn_set_why(c, "cannot send to %s: %s", c->addr,
					c->io->error(c->io_ctx));
			return (int)n;
		}
		c->stage_off += (size_t)n;
	}
}

/* Feeds what is in c->in to the reader and the messages to HANDLER.
 * Returns 0 when c->in is used up, KP_WIRE_HELD when a held frame is
 * next, 1 when the handler stopped reading, or a negative errno. */
static int take_input(kp_conn *c, kp_conn_handler handler, void *ctx)
{
	while (c->in_off < c->in_len) {
		size_t used;
		kp_wire_msg msg;
		int ret = kp_wire_reader_feed(&c->reader, c->in + c->in_off,
					      c->in_len - c->in_off, &used, &msg);
		c->in_off += used;
		if (ret == KP_WIRE_HELD)
			return ret;
		if (ret < 0) {
			kp_conn_set_why(c, "%s broke the protocol: %s", c->addr,
					kp_wire_reader_why(&c->reader));
			c->broken = true;
			return ret;
		}
		if (ret == 0)
			continue;
		ret = handler(ctx, &msg);
		if (ret < 0) {
			if (!c->why[0])
				kp_conn_set_why(c, "%s sent a %s that is refused here", c->addr,
						kp_wire_type_name(msg.type));
			return ret;
		}
		if (ret > 0) {
			/* The rest belongs to a state that does not exist yet;
			 * nothing legitimate sends it. */
			if (c->in_off < c->in_len) {
				kp_conn_set_why(c, "%s sent more than it may here", c->addr);
				c->broken = true;
				return -EPROTO;
			}
			return 1;
		}
	}
	return 0;
}

int kp_conn_read(kp_conn *c, kp_conn_handler handler, void *ctx, int64_t now_us)
{
	size_t total = 0;

	c->read_wants = 0;
	c->more_to_read = false;
	for (;;) {
		int ret = take_input(c, handler, ctx);
		if (ret == KP_WIRE_HELD || ret == 1)
			return 0;
		if (ret < 0)
			return ret;
		/* A held frame's header ended the last read: its body stays in
		 * the stream. */
		if (kp_wire_reader_holding(&c->reader))
			return 0;
		if (total >= READ_BUDGET) {
			c->more_to_read = true;
			return 0;
		}
		ssize_t n = c->io->read(c->io_ctx, c->in, sizeof(c->in), &c->read_wants);
		if (n == -EAGAIN)
			return 0;
		if (n == 0) {
			kp_conn_set_why(c, "%s closed the connection%s", c->addr,
					kp_wire_reader_midway(&c->reader)
						? " in the middle of a message" : "");
			return -ECONNRESET;
		}
		if (n < 0) {
			kp_conn_set_why(c, "connection with %s failed: %s", c->addr,
					c->io->error(c->io_ctx));
			return (int)n;
		}
		c->last_rx_us = now_us;
		c->in_off = 0;
		c->in_len = (size_t)n;
		total += (size_t)n;
	}
}

bool kp_conn_more_to_read(const kp_conn *c)
{
	return c->more_to_read;
}

bool kp_conn_readable(const kp_conn *c, short revents)
{
	if (kp_wire_reader_holding(&c->reader))
		return false;
	return (revents & (POLLIN | POLLERR | POLLHUP | c->read_wants)) || c->more_to_read;
}

short kp_conn_events(const kp_conn *c, bool want_bulk)
{
	short ev = c->write_wants;

	if (kp_wire_reader_holding(&c->reader))
		ev |= POLLRDHUP;
	else
		ev |= POLLIN | c->read_wants;
	if (kp_conn_busy(c) || want_bulk)
		ev |= POLLOUT;
	return ev;
}

int64_t kp_conn_silence_us(const kp_conn *c, int64_t now_us)
{
	return kp_wire_reader_holding(&c->reader) ? 0 : now_us - c->last_rx_us;
}

int kp_conn_fd(const kp_conn *c)
{
	return c->fd;
}

const char *kp_conn_addr(const kp_conn *c)
{
	return c->addr;
}

const char *kp_conn_why(const kp_conn *c)
{
	return c->why;
}

bool kp_conn_broken(const kp_conn *c)
{
	return c->broken;
}

void *kp_conn_io_ctx(const kp_conn *c)
{
	return c->io_ctx;
}

/* ---- plain sockets ------------------------------------------------------- */

static ssize_t plain_read(void *ctx, void *buf, size_t len, short *wants)
{
	ssize_t n = kp_net_recv((int)(intptr_t)ctx, buf, len);

	if (n == -EAGAIN)
		*wants = POLLIN;
	return n;
}

static ssize_t plain_write(void *ctx, const void *buf, size_t len, short *wants)
{
	ssize_t n = kp_net_send((int)(intptr_t)ctx, buf, len);

	if (n == -EAGAIN)
		*wants = POLLOUT;
	return n;
}

static void plain_close(void *ctx, bool graceful)
{
	if (graceful)
		kp_net_shutdown_write((int)(intptr_t)ctx);
}

static const char *plain_error(void *ctx)
{
	/* Right after the failed call, as the connection asks. */
	return kp_net_strerror(-kp_net_last_error());
}

const kp_conn_io kp_conn_plain_io = {
	.read = plain_read,
	.write = plain_write,
	.close = plain_close,
	.error = plain_error,
};
