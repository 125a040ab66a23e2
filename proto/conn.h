/* SPDX-License-Identifier: MIT */
/* One connection: a non-blocking byte stream (TLS, or a plain socket in
 * tests and the fuzzer) carrying wire frames.
 *
 * Outgoing frames come from two places.  Control frames are queued here and
 * always go first.  Screen content (video, cursor) is pulled from the owner
 * through a callback, one frame at a time, and only when the socket has room
 * (TCP_NOTSENT_LOWAT): a frame that is not yet started can still be dropped
 * by the owner when it gets too old, so the sender never builds a backlog.
 *
 * Incoming frames go to a handler.  The owner may hold types back
 * (kp_conn_hold): the connection then stops reading before such a frame,
 * and the bytes wait in the stream (TCP pushes back on the sender) until
 * the hold is lifted.  Transport thread only. */
#ifndef KP_CONN_H
#define KP_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "net.h"
#include "wire.h"

#define KP_CONN_STAGE_SIZE 16384 /* one TLS record */
#define KP_CONN_CTRL_DEPTH 64

/* The byte stream under a connection.  Every call is non-blocking. */
typedef struct kp_conn_io {
	/* >0 bytes read, 0 when the peer closed cleanly, -EAGAIN with *WANTS
	 * set to POLLIN or POLLOUT, or another negative errno. */
	ssize_t (*read)(void *ctx, void *buf, size_t len, short *wants);
	/* >0 bytes written, -EAGAIN with *WANTS, or a negative errno.  After
	 * -EAGAIN the same bytes are offered again. */
	ssize_t (*write)(void *ctx, const void *buf, size_t len, short *wants);
	/* Says goodbye at this layer if that cannot block, and frees CTX.
	 * Does not close the socket. */
	void (*close)(void *ctx, bool graceful);
	/* What went wrong with the last failed call, for the log. */
	const char *(*error)(void *ctx);
} kp_conn_io;

/* Gives the next frame of screen content, or returns false when there is
 * none.  OUT->data (if any) is handed over to the connection. */
typedef bool (*kp_conn_source)(void *ctx, kp_wire_msg *out, int64_t now_us);

/* Takes one complete incoming message (the handler owns msg->data).
 * Returns 0 to go on, 1 to stop reading for now (nothing may follow the
 * message in what was read with it), or a negative errno to fail the
 * connection (the handler has logged why, or set it). */
typedef int (*kp_conn_handler)(void *ctx, kp_wire_msg *msg);

typedef struct kp_conn kp_conn;

/* A connection over FD using IO (taking over IO_CTX and FD), reading the
 * message types in ALLOWED.  NULL when out of memory (IO_CTX and FD are
 * then released). */
kp_conn *kp_conn_new(int fd, const char *addr, const kp_conn_io *io, void *io_ctx,
		     uint32_t allowed, int64_t now_us);

/* Closes the stream (saying goodbye if GRACEFUL and possible at once),
 * the socket, and frees everything. */
void kp_conn_free(kp_conn *conn, bool graceful);

/* Which frames this connection accepts from now on. */
void kp_conn_allow(kp_conn *conn, uint32_t allowed);

/* Which accepted frames are not read for now (KP_WIRE_BIT; 0: none).
 * Lifting a hold that stopped reading makes kp_conn_more_to_read true and
 * restarts the silence clock at NOW_US: not reading was our choice. */
void kp_conn_hold(kp_conn *conn, uint32_t types, int64_t now_us);

/* Where screen content comes from (NULL: none). */
void kp_conn_set_source(kp_conn *conn, kp_conn_source source, void *ctx);

/* Queues a control frame, with its data when it has some (CONSENT's words:
 * the queue takes its own reference).  Returns 0, -EINVAL when a field is out of
 * bounds, or -ENOBUFS when the peer has not read the last 64 (it is then
 * not reading at all: the caller drops the connection). */
int kp_conn_send(kp_conn *conn, const kp_wire_msg *msg);

/* Writes what it can without blocking.  Returns 0, or a negative errno
 * when the connection failed (kp_conn_why says why). */
int kp_conn_flush(kp_conn *conn, int64_t now_us);

/* True while queued or half-written bytes remain. */
bool kp_conn_busy(const kp_conn *conn);

/* The last goodbye, once nothing is left to write (kp_conn_busy false):
 * says goodbye at the stream layer and shuts the socket for writing, but
 * keeps it open.  Closing a socket while the peer's bytes wait unread, or
 * arrive after it, makes the kernel reset the connection, and a reset
 * throws away what it still had to send, the goodbye included; so the owner
 * reads on with kp_conn_discard_input until the peer closes too. */
void kp_conn_hang_up(kp_conn *conn);

/* After kp_conn_hang_up: reads and throws away what the peer sends.
 * Returns 1 when the peer has closed (or reset) the connection, 0 while it
 * is still open. */
int kp_conn_discard_input(kp_conn *conn);

/* True when kp_conn_read has something to do after poll() reported
 * REVENTS for the socket (or without them, when a read stopped early). */
bool kp_conn_readable(const kp_conn *conn, short revents);

/* Reads and hands complete messages to HANDLER until the stream would
 * block or a held frame is next.  Returns 0; -ECONNRESET when the peer
 * closed (kp_conn_why says if that was clean); or the handler's or the
 * stream's negative errno. */
int kp_conn_read(kp_conn *conn, kp_conn_handler handler, void *ctx, int64_t now_us);

/* True when a read stopped before the stream was drained (its budget, or
 * a hold just lifted): read again before waiting in poll(). */
bool kp_conn_more_to_read(const kp_conn *conn);

/* The poll events to wait for: POLLIN unless a held frame is next (then
 * POLLRDHUP, to see the peer go), POLLOUT when there is something to write
 * (or the stream layer asked for it).  WANT_BULK says the source has
 * screen content waiting. */
short kp_conn_events(const kp_conn *conn, bool want_bulk);

/* How long nothing has been read while we wanted to read: 0 while a hold
 * keeps us from reading. */
int64_t kp_conn_silence_us(const kp_conn *conn, int64_t now_us);

int kp_conn_fd(const kp_conn *conn);

/* "192.0.2.1:40000", for logs. */
const char *kp_conn_addr(const kp_conn *conn);

/* Why the connection failed, or "". */
const char *kp_conn_why(const kp_conn *conn);

/* Sets why the connection failed (the owner's verdict: a timeout, a
 * message that has no place here). */
void kp_conn_set_why(kp_conn *conn, const char *fmt, ...) KYOYU_PRINTF_FORMAT(2, 3);

/* True when the peer broke the protocol (not just the link). */
bool kp_conn_broken(const kp_conn *conn);

/* The stream layer's context (IO_CTX of kp_conn_new). */
void *kp_conn_io_ctx(const kp_conn *conn);

/* Plain socket I/O (no encryption), for tests and the fuzzer. */
extern const kp_conn_io kp_conn_plain_io;

#endif
