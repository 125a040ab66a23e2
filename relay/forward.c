/* SPDX-License-Identifier: MIT */
/* The bytes of joined pairs: TLS records read from one side and written to
 * the other, a budget per pair, and no reading while the other side's
 * socket is full. */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#define KYOYU_LOG_COMPONENT "relay"
#include <kyoyu/kyoyu.h>

#include "server-priv.h"

/* Maps a failed SSL call: -EAGAIN with *WANTS, or -EIO (the link is over). */
int relay_ssl_result(rlink *l, int ret, short *wants)
{
	switch (SSL_get_error(l->ssl, ret)) {
	case SSL_ERROR_WANT_READ:
		*wants = POLLIN;
		return -EAGAIN;
	case SSL_ERROR_WANT_WRITE:
		*wants = POLLOUT;
		return -EAGAIN;
	default:
		ERR_clear_error();
		return -EIO;
	}
}

/* Writes what L has to send: its message, then forwarded bytes.  Returns
 * 0 when all is out, -EAGAIN, or -EIO. */
int relay_write_out(relay_server *s, rlink *l)
{
	while (l->out_off < l->out_len || l->off < l->len) {
		bool msg = l->out_off < l->out_len;
		const uint8_t *p = msg ? l->out + l->out_off : l->buf + l->off;
		size_t n = msg ? l->out_len - l->out_off : l->len - l->off;
		ERR_clear_error();
		int w = SSL_write(l->ssl, p, (int)n);
		if (w <= 0)
			return relay_ssl_result(l, w, &l->write_wants);
		l->write_wants = 0;
		if (msg) {
			l->out_off += (size_t)w;
		} else {
			l->off += (size_t)w;
			l->forwarded += (size_t)w;
			if (l->sharer)
				s->counters.bytes_to_customers += (size_t)w;
			else
				s->counters.bytes_to_viewers += (size_t)w;
		}
	}
	l->len = l->off = 0;
	return 0;
}

/* Moves bytes from SRC to DST until one would block.  Returns 0, 1 when
 * the budget ran out (more may wait in SRC's TLS buffer), or -EIO. */
int relay_forward(relay_server *s, rlink *src, rlink *dst)
{
	size_t moved = 0;

	for (;;) {
		int ret = relay_write_out(s, dst);
		if (ret == -EAGAIN)
			return 0;
		if (ret)
			return -EIO;
		if (moved >= FORWARD_BUDGET)
			return 1;
		struct pollfd room = {dst->fd, POLLOUT, 0};
		dst->full = poll(&room, 1, 0) != 1 || !(room.revents & POLLOUT);
		if (dst->full)
			return 0;
		ERR_clear_error();
		int n = SSL_read(src->ssl, dst->buf, sizeof(dst->buf));
		if (n <= 0) {
			ret = relay_ssl_result(src, n, &src->read_wants);
			return ret == -EAGAIN ? 0 : -EIO;
		}
		src->read_wants = 0;
		if (s->dump)
			fwrite(dst->buf, 1, (size_t)n, s->dump);
		dst->len = (size_t)n;
		dst->off = 0;
		moved += (size_t)n;
	}
}
