/* SPDX-License-Identifier: MIT */
/* The relay's preamble, then TLS inside TLS. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "relay-link.h"

typedef enum phase {
	SEND_REQUEST, /* our OFFER or CLAIM */
	READ_REPLY,   /* CODE (viewer), then JOINED or REFUSED */
	INNER,        /* the other agent's session */
	REFUSED,      /* the relay said no: the sharer reads a REJECT */
	FAILED,
} phase;

typedef struct relay_stream {
	kt_tls *inner_tls;
	void *outer, *inner; /* kt_tls_io contexts */
	phase phase;
	bool viewer;
	bool resuming; /* a CLAIM without a code, or a REJOIN */
	kt_relay_ticket *ticket; /* the transport's, or NULL */
	bool got_ticket;         /* on this link, before its JOINED */
	uint8_t msg[KP_RELAY_MSG_SIZE];
	size_t off;
	kp_relay_msg got;
	/* The relay's refusal as the protocol's own REJECT, so the sharer
	 * treats a code the relay refused as one the viewer refused. */
	uint8_t reject[KP_WIRE_FRAME_MAX];
	size_t reject_len, reject_off;
	char error[300];
} relay_stream;

void *kt_relay_wrap(kt_tls *outer, kt_tls *inner, int fd, const kp_relay_msg *request,
		    kt_relay_ticket *ticket)
{
	relay_stream *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->outer = kt_tls_wrap(outer, fd);
	if (!s->outer) {
		free(s);
		return NULL;
	}
	s->inner_tls = inner;
	s->ticket = ticket;
	s->viewer = request->type == KP_RELAY_OFFER ||
		    (request->type == KP_RELAY_REJOIN && request->reason == KP_RELAY_SIDE_VIEWER);
	s->resuming = request->type == KP_RELAY_REJOIN;
	kp_relay_encode(request, s->msg);
	if (request->type == KP_RELAY_CLAIM && !request->digits[0]) {
		/* Coming back needs a ticket, which this session did not get
		 * (a relay too old to give one, or a Redis that failed at the
		 * join): the sharer is told at once. */
		s->resuming = true;
		s->phase = REFUSED;
	}
	return s;
}

static void make_reject(relay_stream *s)
{
	kp_wire_msg m = {.type = KP_WIRE_REJECT};
	bool limited = s->got.type == KP_RELAY_REFUSED && s->got.reason == KP_RELAY_RATE_LIMITED;

	/* A REJOIN over its address's budget is refused for now, not for
	 * good: the sharer comes back later, within its grace. */
	if (limited)
		m.u.reject.reason = KP_WIRE_REJECT_RATE_LIMITED;
	else if (s->resuming)
		m.u.reject.reason = KP_WIRE_REJECT_RESUME_REFUSED;
	else
		m.u.reject.reason = KP_WIRE_REJECT_BAD_CODE;
	m.u.reject.retry_after_s = s->got.retry_s;
	s->reject_len = kp_wire_encode(&m, 0, s->reject);
	s->reject_off = 0;
}

/* Takes one whole reply from the relay. */
static int took_reply(relay_stream *s)
{
	kp_relay_msg m;

	s->off = 0;
	if (!kp_relay_decode(s->msg, &m) ||
	    (m.type == KP_RELAY_CODE && !s->viewer) ||
	    (m.type != KP_RELAY_CODE && m.type != KP_RELAY_JOINED && m.type != KP_RELAY_REFUSED &&
	     m.type != KP_RELAY_TICKET)) {
		snprintf(s->error, sizeof(s->error), "the relay sent something that is not "
			 "a relay reply (is transport.relay the relay's address?)");
		s->phase = FAILED;
		return -EPROTO;
	}
	if (m.type == KP_RELAY_TICKET) {
		if (s->ticket) {
			memcpy(s->ticket->bytes, m.ticket, KP_RELAY_TICKET_SIZE);
			s->ticket->valid = s->got_ticket = true;
		}
		OPENSSL_cleanse(&m, sizeof(m));
		return KP_RELAY_TICKET;
	}
	s->got = m;
	if (m.type == KP_RELAY_CODE)
		return KP_RELAY_CODE;
	if (m.type == KP_RELAY_REFUSED) {
		snprintf(s->error, sizeof(s->error), "the relay refused: %s",
			 kp_relay_reason_text(m.reason));
		if (m.reason == KP_RELAY_NO_SESSION && s->ticket)
			OPENSSL_cleanse(s->ticket, sizeof(*s->ticket));
		/* The sharer reads a refused ticket as the viewer's refusal to
		 * resume: the session is over. */
		if (!s->viewer && m.reason == KP_RELAY_NO_SESSION) {
			make_reject(s);
			s->phase = REFUSED;
			return KP_RELAY_REFUSED;
		}
		/* The sharer reads it as the viewer's REJECT when it is about
		 * the code or the address's budget (of codes, or of re-joins:
		 * it comes back later); anything else fails the attempt. */
		if (!s->viewer && (m.reason == KP_RELAY_BAD_CODE ||
				   m.reason == KP_RELAY_RATE_LIMITED)) {
			make_reject(s);
			s->phase = REFUSED;
			return KP_RELAY_REFUSED;
		}
		s->phase = FAILED;
		return -ECONNREFUSED;
	}
	/* Joined without a ticket: the previous one is spent. */
	if (s->ticket && !s->got_ticket)
		OPENSSL_cleanse(s->ticket, sizeof(*s->ticket));
	s->inner = kt_tls_wrap_over(s->inner_tls, s->outer);
	if (!s->inner) {
		snprintf(s->error, sizeof(s->error), "out of memory");
		s->phase = FAILED;
		return -ENOMEM;
	}
	s->phase = INNER;
	return KP_RELAY_JOINED;
}

int kt_relay_advance(void *ctx, kp_relay_msg *got, short *wants)
{
	relay_stream *s = ctx;

	for (;;) {
		ssize_t n;
		switch (s->phase) {
		case SEND_REQUEST:
			n = kt_tls_io.write(s->outer, s->msg + s->off, KP_RELAY_MSG_SIZE - s->off,
					    wants);
			if (n < 0)
				return (int)n;
			s->off += (size_t)n;
			if (s->off == KP_RELAY_MSG_SIZE) {
				/* The request may hold a code. */
				OPENSSL_cleanse(s->msg, sizeof(s->msg));
				s->off = 0;
				s->phase = READ_REPLY;
			}
			break;
		case READ_REPLY:
			/* Exactly one message: what follows a JOINED is the
			 * other agent's, for the inner session. */
			n = kt_tls_io.read(s->outer, s->msg + s->off, KP_RELAY_MSG_SIZE - s->off,
					   wants);
			if (n == 0) {
				snprintf(s->error, sizeof(s->error), "the relay closed the link");
				return -ECONNRESET;
			}
			if (n < 0)
				return (int)n;
			s->off += (size_t)n;
			if (s->off == KP_RELAY_MSG_SIZE) {
				int ret = took_reply(s);
				if (ret == KP_RELAY_TICKET)
					break; /* its JOINED follows */
				if (got)
					*got = s->got;
				if (ret != KP_RELAY_REFUSED)
					return ret;
			}
			break;
		case INNER:
			return KP_RELAY_JOINED;
		case REFUSED:
			return KP_RELAY_REFUSED;
		case FAILED:
			return -EPROTO;
		}
	}
}

static ssize_t relay_read(void *ctx, void *buf, size_t len, short *wants)
{
	relay_stream *s = ctx;

	if (s->phase == SEND_REQUEST || s->phase == READ_REPLY) {
		int ret = kt_relay_advance(s, NULL, wants);
		if (ret == KP_RELAY_CODE) {
			snprintf(s->error, sizeof(s->error), "the relay offered a code to a sharer");
			return -EPROTO;
		}
		if (ret < 0)
			return ret;
	}
	if (s->phase == REFUSED) {
		if (s->reject_len == 0)
			make_reject(s);
		size_t n = s->reject_len - s->reject_off;
		n = n < len ? n : len;
		memcpy(buf, s->reject + s->reject_off, n);
		s->reject_off += n;
		return (ssize_t)n; /* 0 at the end: the link is closed */
	}
	if (s->phase == FAILED)
		return -EPROTO;
	return kt_tls_io.read(s->inner, buf, len, wants);
}

static ssize_t relay_write(void *ctx, const void *buf, size_t len, short *wants)
{
	relay_stream *s = ctx;

	if (s->phase == SEND_REQUEST || s->phase == READ_REPLY) {
		int ret = kt_relay_advance(s, NULL, wants);
		if (ret == KP_RELAY_CODE)
			return -EPROTO;
		if (ret < 0)
			return ret;
	}
	if (s->phase == REFUSED)
		return (ssize_t)len; /* the hello goes nowhere: nobody is joined */
	if (s->phase == FAILED)
		return -EPROTO;
	return kt_tls_io.write(s->inner, buf, len, wants);
}

static void relay_close(void *ctx, bool graceful)
{
	relay_stream *s = ctx;

	if (!s)
		return;
	/* The inner session reads through the outer one: it goes first. */
	kt_tls_io.close(s->inner, graceful);
	kt_tls_io.close(s->outer, graceful);
	OPENSSL_cleanse(s->msg, sizeof(s->msg));
	free(s);
}

static const char *relay_error(void *ctx)
{
	relay_stream *s = ctx;

	if (s->error[0])
		return s->error;
	if (s->inner)
		return kt_tls_io.error(s->inner);
	return kt_tls_io.error(s->outer);
}

bool kt_relay_refused_peer(void *ctx)
{
	relay_stream *s = ctx;

	return kt_tls_refused_peer(s->outer) || (s->inner && kt_tls_refused_peer(s->inner));
}

void *kt_relay_inner(void *ctx)
{
	return ((relay_stream *)ctx)->inner;
}

const kp_conn_io kt_relay_io = {
	.read = relay_read,
	.write = relay_write,
	.close = relay_close,
	.error = relay_error,
};
