/* One connection: frames over a non-blocking byte stream. */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define KYOYU_LOG_COMPONENT "proto"
#include <kyoyu/kyoyu.h>

#include "conn.h"

/* Bytes read in one go before other work gets a turn. */
#define READ_BUDGET (1u << 20)

static void set_why(kp_conn *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_why(kp_conn *c, const char *fmt, ...)
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
		close(fd);
		return NULL;
	}
	c->fd = fd;
	snprintf(c->addr, sizeof(c->addr), "%s", addr);
	c->io = io;
	c->io_ctx = io_ctx;
	kp_wire_reader_init(&c->reader, allowed);
	c->opened_us = c->last_rx_us = now_us;
	return c;
}

void kp_conn_free(kp_conn *c, bool graceful)
{
	if (!c)
		return;
	c->io->close(c->io_ctx, graceful);
	close(c->fd);
	kp_wire_reader_fini(&c->reader);
	kyoyu_buffer_unref(c->data);
	/* A hello with a code may still sit in these. */
	explicit_bzero(c->ctrl, sizeof(c->ctrl));
	explicit_bzero(c->head, sizeof(c->head));
	explicit_bzero(c->stage, sizeof(c->stage));
	free(c);
}

void kp_conn_allow(kp_conn *c, uint32_t allowed)
{
	c->reader.allowed = allowed;
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
	size_t n = kp_wire_encode(msg, 0, c->ctrl[slot]);
	if (n == 0)
		return -EINVAL;
	c->ctrl_len[slot] = (uint8_t)n;
	c->ctrl_count++;
	return 0;
}

bool kp_conn_busy(const kp_conn *c)
{
	return c->stage_off < c->stage_len || c->head_off < c->head_len ||
	       c->data_off < c->data_len || c->ctrl_count > 0;
}

/* True when the kernel would take more without building a queue: with
 * TCP_NOTSENT_LOWAT the socket polls writable only while little is unsent. */
static bool socket_has_room(const kp_conn *c)
{
	struct pollfd p = {c->fd, POLLOUT, 0};
	return poll(&p, 1, 0) == 1 && (p.revents & POLLOUT);
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
			set_why(c, "cannot send to %s: %s", c->addr, c->io->error(c->io_ctx));
			return (int)n;
		}
		c->stage_off += (size_t)n;
		c->bytes_out += (uint64_t)n;
	}
}

int kp_conn_read(kp_conn *c, kp_conn_handler handler, void *ctx, int64_t now_us)
{
	uint8_t buf[KP_CONN_STAGE_SIZE];
	size_t total = 0;

	c->read_wants = 0;
	c->more_to_read = false;
	while (total < READ_BUDGET) {
		ssize_t n = c->io->read(c->io_ctx, buf, sizeof(buf), &c->read_wants);
		if (n == -EAGAIN)
			return 0;
		if (n == 0) {
			set_why(c, "%s closed the connection%s", c->addr,
				c->reader.head_have ? " in the middle of a message" : "");
			return -ECONNRESET;
		}
		if (n < 0) {
			set_why(c, "connection with %s failed: %s", c->addr,
				c->io->error(c->io_ctx));
			return (int)n;
		}
		c->last_rx_us = now_us;
		c->bytes_in += (uint64_t)n;
		total += (size_t)n;
		for (size_t pos = 0; pos < (size_t)n;) {
			size_t used;
			kp_wire_msg msg;
			int ret = kp_wire_reader_feed(&c->reader, buf + pos, (size_t)n - pos,
						      &used, &msg);
			pos += used;
			if (ret < 0) {
				set_why(c, "%s broke the protocol: %s", c->addr, c->reader.why);
				c->broken = true;
				return ret;
			}
			if (ret == 0)
				continue;
			ret = handler(ctx, &msg);
			if (ret < 0) {
				if (!c->why[0])
					set_why(c, "%s sent a %s that is refused here", c->addr,
						kp_wire_type_name(msg.type));
				return ret;
			}
			if (ret > 0) {
				/* The rest of BUF belongs to a state that does not
				 * exist yet; nothing legitimate sends it. */
				if (pos < (size_t)n) {
					set_why(c, "%s sent more than it may here", c->addr);
					c->broken = true;
					return -EPROTO;
				}
				return 0;
			}
		}
	}
	c->more_to_read = true;
	return 0;
}

short kp_conn_events(const kp_conn *c, bool want_bulk)
{
	short ev = POLLIN | c->read_wants | c->write_wants;

	if (kp_conn_busy(c) || want_bulk)
		ev |= POLLOUT;
	return ev;
}

/* ---- plain sockets ------------------------------------------------------- */

static ssize_t plain_read(void *ctx, void *buf, size_t len, short *wants)
{
	int fd = (int)(intptr_t)ctx;
	ssize_t n = recv(fd, buf, len, MSG_DONTWAIT);

	if (n >= 0)
		return n;
	if (errno == EAGAIN || errno == EWOULDBLOCK) {
		*wants = POLLIN;
		return -EAGAIN;
	}
	return -errno;
}

static ssize_t plain_write(void *ctx, const void *buf, size_t len, short *wants)
{
	int fd = (int)(intptr_t)ctx;
	ssize_t n = send(fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);

	if (n >= 0)
		return n;
	if (errno == EAGAIN || errno == EWOULDBLOCK) {
		*wants = POLLOUT;
		return -EAGAIN;
	}
	return -errno;
}

static void plain_close(void *ctx, bool graceful)
{
	if (graceful)
		shutdown((int)(intptr_t)ctx, SHUT_WR);
}

static const char *plain_error(void *ctx)
{
	return strerror(errno);
}

const kp_conn_io kp_conn_plain_io = {
	.read = plain_read,
	.write = plain_write,
	.close = plain_close,
	.error = plain_error,
};
