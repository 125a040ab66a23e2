/* One connection: a non-blocking byte stream (TLS, or a plain socket in
 * tests and the fuzzer) carrying wire frames.
 *
 * Outgoing frames come from two places.  Control frames are queued here and
 * always go first.  Screen content (video, cursor) is pulled from the owner
 * through a callback, one frame at a time, and only when the socket has room
 * (TCP_NOTSENT_LOWAT): a frame that is not yet started can still be dropped
 * by the owner when it gets too old, so the sender never builds a backlog.
 * Transport thread only. */
#ifndef KP_CONN_H
#define KP_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

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
 * Returns 0 to go on, 1 to stop reading for now, or a negative errno to
 * fail the connection (the handler has logged why). */
typedef int (*kp_conn_handler)(void *ctx, kp_wire_msg *msg);

typedef struct kp_conn {
	int fd;
	char addr[64]; /* "192.0.2.1:40000" for logs */
	const kp_conn_io *io;
	void *io_ctx;
	kp_wire_reader reader;
	int64_t opened_us, last_rx_us;
	short read_wants, write_wants;
	bool more_to_read; /* stopped early: read again before polling */
	bool broken;       /* the peer broke the protocol (not just the link) */

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
	uint8_t ctrl_len[KP_CONN_CTRL_DEPTH];
	unsigned ctrl_head, ctrl_count;

	uint64_t bytes_in, bytes_out;
	char why[200]; /* why the connection failed */
} kp_conn;

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

/* Where screen content comes from (NULL: none). */
void kp_conn_set_source(kp_conn *conn, kp_conn_source source, void *ctx);

/* Queues a control frame.  Returns 0, -EINVAL when a field is out of
 * bounds, or -ENOBUFS when the peer has not read the last 64 (it is then
 * not reading at all: the caller drops the connection). */
int kp_conn_send(kp_conn *conn, const kp_wire_msg *msg);

/* Writes what it can without blocking.  Returns 0, or a negative errno
 * when the connection failed (conn->why says why). */
int kp_conn_flush(kp_conn *conn, int64_t now_us);

/* True while queued or half-written bytes remain. */
bool kp_conn_busy(const kp_conn *conn);

/* Reads and hands complete messages to HANDLER until the stream would
 * block.  Returns 0; -ECONNRESET when the peer closed (conn->why says if
 * that was clean); or the handler's or the stream's negative errno. */
int kp_conn_read(kp_conn *conn, kp_conn_handler handler, void *ctx, int64_t now_us);

/* The poll events to wait for: POLLIN always, POLLOUT when there is
 * something to write (or the stream layer asked for it).  WANT_BULK says the
 * source has screen content waiting. */
short kp_conn_events(const kp_conn *conn, bool want_bulk);

/* Plain socket I/O (no encryption), for tests and the fuzzer. */
extern const kp_conn_io kp_conn_plain_io;

#endif
