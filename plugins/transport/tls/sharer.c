/* SPDX-License-Identifier: MIT */
/* The sharer's side: the code, the connection, the hello, coming back. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#define KYOYU_LOG_COMPONENT "transport/tls"
#include <kyoyu/kyoyu.h>

#include "plugins/common/i18n.h"
#include "proto/codes.h"
#include "proto/net.h"
#include "sharer.h"

/* How long the goodbye may take, and the viewer to close after it. */
#define BYE_GRACE_US 2500000
#define FIRST_RETRY_US 500000
#define RETRY_US 1000000
/* Coming back refused for now (the relay's re-joins per address) without
 * a time to wait: the waits double from the first to the last. */
#define LIMITED_FIRST_WAIT_US 2000000
#define LIMITED_LAST_WAIT_US 30000000

typedef enum phase {
	WAIT_CODE,  /* for the customer to type the code */
	CONNECTING, /* TCP */
	GREETING,   /* TLS, hello, waiting for the welcome */
	LINKED,
	LOST,       /* waiting to try again within the grace window */
	ENDING,     /* the session is over or about to be; nothing to connect */
} phase;

struct kt_sharer {
	kyoyu_bus *bus;
	kt_sharer_config cfg;
	char name[KP_WIRE_NAME_TEXT_SIZE];
	char target[300];
	kt_connector con;
	phase phase;

	char code[KP_WIRE_CODE_DIGITS];
	bool have_code;
	int64_t allowed_at_us; /* after "rate limited" */

	int fd;                /* while CONNECTING */
	int64_t attempt_us;    /* when this attempt began */
	kp_conn *greeting;     /* while GREETING */
	int64_t deadline_us;
	bool got_reject, bad_welcome;
	kp_wire_welcome welcome;
	uint8_t reject_reason;
	uint16_t retry_s;

	kp_peer *peer;
	bool resuming;
	uint8_t token[KP_WIRE_TOKEN_SIZE];
	int64_t grace_us, lost_until_us, next_attempt_us;
	int64_t limited_wait_us; /* the last wait when coming back was refused for now */

	uint32_t state; /* the local session's */
	int64_t bye_deadline_us;
	bool hung_up; /* the goodbye has left; waiting for the viewer to close */
	bool done;
};

kt_sharer *kt_sharer_new(kyoyu_bus *bus, const kt_sharer_config *cfg,
			 const kt_connector *connector)
{
	kt_sharer *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->bus = bus;
	s->cfg = *cfg;
	snprintf(s->name, sizeof(s->name), "%s", cfg->name ? cfg->name : "");
	snprintf(s->target, sizeof(s->target), "%s", cfg->target ? cfg->target : "?");
	s->cfg.name = s->name;
	s->cfg.target = s->target;
	s->con = *connector;
	s->fd = -1;
	s->peer = kp_peer_new(bus, &cfg->peer);
	if (!s->peer) {
		free(s);
		return NULL;
	}
	return s;
}

static void drop_attempt(kt_sharer *s, bool graceful)
{
	if (s->fd >= 0)
		kp_net_close(s->fd);
	s->fd = -1;
	kp_conn_free(s->greeting, graceful);
	s->greeting = NULL;
	s->got_reject = s->bad_welcome = false;
}

void kt_sharer_free(kt_sharer *s)
{
	if (!s)
		return;
	drop_attempt(s, false);
	kp_peer_free(s->peer);
	OPENSSL_cleanse(s->code, sizeof(s->code));
	OPENSSL_cleanse(s->token, sizeof(s->token));
	free(s);
}

bool kt_sharer_done(const kt_sharer *s)
{
	return s->done;
}

static void post_code_needed(kt_sharer *s)
{
	kyoyu_bus_post_value(s->bus, KYOYU_MSG_CODE, KYOYU_CODE_NEEDED);
}

void kt_sharer_start(kt_sharer *s, int64_t now)
{
	s->phase = WAIT_CODE;
	post_code_needed(s);
}

/* Ends the session with an error the customer can read: TEXT is marked
 * with N_() and the customer's window translates it. */
static void give_up(kt_sharer *s, const char *text)
{
	kyoyu_msg *msg = kyoyu_msg_new(KYOYU_MSG_ERROR);

	s->phase = ENDING;
	if (!msg) {
		/* The session must still end: without the customer's text. */
		kyoyu_error("out of memory: ending the session without its reason");
		kyoyu_bus_post_value(s->bus, KYOYU_MSG_END, KYOYU_END_ERROR);
		return;
	}
	msg->u.value = -ECONNREFUSED;
	msg->buf = kyoyu_buffer_new_copy(text, strlen(text));
	kyoyu_bus_post(s->bus, msg);
}

static void end_with(kt_sharer *s, uint32_t reason)
{
	kyoyu_bus_post_value(s->bus, KYOYU_MSG_END, reason);
	s->phase = ENDING;
}

static void begin_connect(kt_sharer *s, int64_t now)
{
	char err[256] = "";

	s->deadline_us = now + s->cfg.connect_timeout_us;
	s->attempt_us = now;
	if (!s->resuming && s->con.code)
		s->con.code(s->con.ctx, s->code);
	int ret = s->con.open(s->con.ctx, &s->fd, err, sizeof(err));
	if (ret) {
		s->fd = -1;
		if (s->resuming) {
			kyoyu_warn("cannot reach the viewer at %s again yet: %s", s->target, err);
			s->phase = LOST;
			s->next_attempt_us = now + RETRY_US;
			return;
		}
		kyoyu_error("cannot reach the viewer at %s: %s", s->target, err);
		give_up(s, N_("Could not reach the support team. Check the network and try again."));
		return;
	}
	s->phase = CONNECTING;
}

static void attempt_failed(kt_sharer *s, const char *reason, bool refused, int64_t now)
{
	char why[256];

	/* REASON may live in the connection about to be freed. */
	snprintf(why, sizeof(why), "%s", reason);
	drop_attempt(s, false);
	if (refused) {
		/* Fail closed: never a second try against the wrong viewer. */
		kyoyu_error("%s", why);
		give_up(s, N_("Could not verify the identity of the support team's computer, "
			      "so nothing was sent. Please contact your support team."));
		return;
	}
	if (s->resuming) {
		kyoyu_warn("cannot reach the viewer at %s again yet: %s", s->target, why);
		s->phase = LOST;
		s->next_attempt_us = now + RETRY_US;
		return;
	}
	kyoyu_error("cannot connect to the viewer at %s: %s", s->target, why);
	give_up(s, N_("Could not reach the support team. Check the network and try again."));
}

static void send_hello(kt_sharer *s, int64_t now)
{
	kp_wire_msg m = {.type = KP_WIRE_HELLO};
	kp_wire_hello *h = &m.u.hello;

	h->major = KP_WIRE_MAJOR;
	h->minor = KP_WIRE_MINOR;
	h->n_codecs = s->cfg.n_codecs;
	memcpy(h->codecs, s->cfg.codecs, sizeof(h->codecs));
	if (s->resuming) {
		h->auth = KP_WIRE_AUTH_TOKEN;
		memcpy(h->secret, s->token, KP_WIRE_TOKEN_SIZE);
	} else {
		h->auth = KP_WIRE_AUTH_CODE;
		memcpy(h->secret, s->code, KP_WIRE_CODE_DIGITS);
		/* A code is tried once; a new attempt needs the customer again. */
		OPENSSL_cleanse(s->code, sizeof(s->code));
		s->have_code = false;
	}
	h->clock_us = now;
	h->name_len = (uint8_t)kp_wire_name_cut(s->name, strlen(s->name), KP_WIRE_NAME_MAX);
	memcpy(h->name, s->name, h->name_len);
	kp_conn_send(s->greeting, &m);
	OPENSSL_cleanse(h->secret, sizeof(h->secret));
}

/* True when the welcome answers the hello; else says why in the
 * greeting connection. */
static bool welcome_ok(kt_sharer *s)
{
	const kp_wire_welcome *w = &s->welcome;
	bool resumed = w->flags & KP_WIRE_WELCOME_RESUMED;
	char codec[5];

	bool offered = false;
	for (unsigned i = 0; i < s->cfg.n_codecs; i++)
		offered |= w->codec == s->cfg.codecs[i];
	if (w->major == KP_WIRE_MAJOR && offered && resumed == s->resuming)
		return true;
	kp_conn_set_why(s->greeting, "the viewer at %.100s answered with protocol %u.%u, "
			"codec %s, resumed %d: not what was asked", s->target, w->major,
			w->minor, kyoyu_fourcc_text(w->codec, codec), resumed);
	return false;
}

/* The welcome is right: the connection carries the session from now on. */
static void welcomed(kt_sharer *s, int64_t now)
{
	const kp_wire_welcome *w = &s->welcome;
	kp_conn *conn = s->greeting;
	kp_peer_link link = {
		.codec = w->codec,
		.minor = w->minor,
		.recording = w->flags & KP_WIRE_WELCOME_RECORDING,
		.recording_optional = w->flags & KP_WIRE_WELCOME_RECORDING_OPTIONAL,
		.resumed = s->resuming,
		.peer_clock_us = w->clock_us,
	};
	kt_identity id = {.verified = 0};
	char codec[5];

	s->greeting = NULL;
	if (!s->resuming) {
		memcpy(s->token, w->token, sizeof(s->token));
		s->grace_us = (int64_t)w->grace_s * 1000000;
	}
	OPENSSL_cleanse(s->welcome.token, sizeof(s->welcome.token));
	if (s->con.identity)
		s->con.identity(s->con.ctx, conn, &id);
	kp_peer_attach(s->peer, conn, &link, now);
	if (s->resuming) {
		s->limited_wait_us = 0;
		kyoyu_info("back in touch with the viewer: the session goes on");
		kp_peer_post_event(s->peer, KYOYU_PEER_RESUMED, 0, NULL);
	} else {
		/* The customer is shown the certificate's names, never the
		 * welcome's: any viewer can call itself anything. */
		kyoyu_info("connected to %s%s%s%s at %s in %lld ms (%s%s); it calls itself "
			   "\"%s\"", id.name[0] ? id.name : "the viewer",
			   id.org[0] ? " (" : "", id.org, id.org[0] ? ")" : "", s->target,
			   (long long)((now - s->attempt_us) / 1000),
			   kyoyu_fourcc_text(w->codec, codec),
			   link.recording ? ", the viewer wants to record" : "", w->name);
		kp_peer_identity who = {.name = id.name, .org = id.org, .issuer = id.issuer,
					.verified = id.verified};
		kp_peer_post_event(s->peer, KYOYU_PEER_CONNECTED, 0, &who);
	}
	s->phase = LINKED;
}

/* kp_conn_handler from the hello on.  What follows the welcome in the same
 * read (a ping) already belongs to the session. */
static int on_greeting(void *ctx, kp_wire_msg *m)
{
	kt_sharer *s = ctx;

	if (s->phase == LINKED)
		return kp_peer_on_wire(s->peer, m);
	if (m->type == KP_WIRE_WELCOME) {
		s->welcome = m->u.welcome;
		kp_wire_msg_clear(m);
		if (!welcome_ok(s)) {
			s->bad_welcome = true;
			return -EPROTO;
		}
		welcomed(s, kyoyu_now_us());
		return 0;
	}
	s->reject_reason = m->u.reject.reason;
	s->retry_s = m->u.reject.retry_after_s;
	s->got_reject = true;
	kp_wire_msg_clear(m);
	return 1;
}

static void tell_reconnecting(kt_sharer *s, int64_t wait_us)
{
	kyoyu_msg *msg = kyoyu_msg_new(KYOYU_MSG_NOTICE);

	if (!msg)
		return; /* the customer still sees the link as lost */
	msg->u.notice.kind = KYOYU_NOTICE_RECONNECTING;
	msg->u.notice.seconds = (int32_t)((wait_us + 999999) / 1000000);
	kyoyu_bus_post(s->bus, msg);
}

/* Coming back was refused for now (too many re-joins from this address):
 * the next try waits as long as the relay said (RETRY_S), or, when it did
 * not say, a wait that doubles each time; within the grace, or the
 * session ends now rather than at a try bound to be refused. */
static void resume_later(kt_sharer *s, uint16_t retry_s, int64_t now)
{
	int64_t wait_us = (int64_t)retry_s * 1000000;

	if (!retry_s) {
		wait_us = s->limited_wait_us ? 2 * s->limited_wait_us : LIMITED_FIRST_WAIT_US;
		if (wait_us > LIMITED_LAST_WAIT_US)
			wait_us = LIMITED_LAST_WAIT_US;
	}
	s->limited_wait_us = wait_us;
	if (now + wait_us >= s->lost_until_us) {
		kyoyu_warn("the relay refuses to let this computer back in for %lld s, past the "
			   "%lld s left of the session's grace: the session ends",
			   (long long)(wait_us / 1000000),
			   (long long)((s->lost_until_us - now) / 1000000));
		kp_peer_post_event(s->peer, KYOYU_PEER_GONE, KYOYU_END_LINK_LOST, NULL);
		s->phase = ENDING;
		return;
	}
	kyoyu_warn("the relay refuses to let this computer back in for now (too many "
		   "reconnections from its address): trying again in %lld s, within the %lld s "
		   "left of the session's grace", (long long)((wait_us + 999999) / 1000000),
		   (long long)((s->lost_until_us - now) / 1000000));
	tell_reconnecting(s, wait_us);
	s->phase = LOST;
	s->next_attempt_us = now + wait_us;
}

static void rejected(kt_sharer *s, int64_t now)
{
	uint8_t reason = s->reject_reason;

	drop_attempt(s, true);
	switch (reason) {
	case KP_WIRE_REJECT_BAD_CODE:
		kyoyu_warn("the viewer did not accept the code");
		s->phase = WAIT_CODE;
		post_code_needed(s);
		break;
	case KP_WIRE_REJECT_RATE_LIMITED:
		if (s->resuming) {
			resume_later(s, s->retry_s, now);
			break;
		}
		kyoyu_warn("too many attempts from this computer: the next one is possible "
			   "in %u s", s->retry_s);
		s->allowed_at_us = now + (int64_t)s->retry_s * 1000000;
		s->phase = WAIT_CODE;
		post_code_needed(s);
		break;
	case KP_WIRE_REJECT_BUSY:
		kyoyu_error("the support person is already in another session");
		end_with(s, KYOYU_END_REJECTED);
		break;
	case KP_WIRE_REJECT_RESUME_REFUSED:
		kyoyu_warn("the viewer no longer knows this session");
		kp_peer_post_event(s->peer, KYOYU_PEER_GONE, KYOYU_END_LINK_LOST, NULL);
		s->phase = ENDING;
		break;
	default:
		kyoyu_error("the viewer refused this agent (%s): update kyoyu on one side",
			    reason == KP_WIRE_REJECT_VERSION ? "protocol version"
							     : "no video format in common");
		end_with(s, KYOYU_END_REJECTED);
		break;
	}
}

static void link_lost(kt_sharer *s, int64_t now)
{
	kp_peer *peer = s->peer;

	if (kp_peer_link_down_for_good(peer, N_("The support team's computer sent something "
						"this computer does not understand.")))
		return;
	kyoyu_warn("lost the link to the viewer (%s); trying to get back for %lld s",
		   kp_conn_why(kp_peer_conn(peer)), (long long)(s->grace_us / 1000000));
	kp_conn_free(kp_peer_detach(peer), false);
	kp_peer_post_event(peer, KYOYU_PEER_LOST, 0, NULL);
	s->resuming = true;
	s->phase = LOST;
	s->lost_until_us = now + s->grace_us;
	s->next_attempt_us = now + FIRST_RETRY_US;
}

void kt_sharer_on_bus(kt_sharer *s, kyoyu_msg *msg)
{
	int64_t now = kyoyu_now_us();

	if (msg->type == KYOYU_MSG_CODE) {
		if (msg->u.value == KYOYU_CODE_ENTERED && s->phase == WAIT_CODE && msg->buf) {
			if (kp_codes_parse(kyoyu_buffer_data(msg->buf),
					   kyoyu_buffer_size(msg->buf), s->code)) {
				s->have_code = true;
			} else {
				kyoyu_warn("that is not a 9-digit connection code");
				post_code_needed(s);
			}
		}
		kyoyu_msg_unref(msg);
		return;
	}
	if (msg->type == KYOYU_MSG_STATE) {
		s->state = msg->u.state.state;
		if (s->state == KYOYU_STATE_ENDED) {
			drop_attempt(s, false);
			s->phase = ENDING;
			s->bye_deadline_us = now + BYE_GRACE_US;
		}
	}
	kp_peer_on_bus(s->peer, msg);
}

static void wake_at(int64_t at, int64_t now, int *timeout_ms)
{
	int64_t ms = at <= now ? 0 : (at - now + 999) / 1000;
	if (*timeout_ms < 0 || ms < *timeout_ms)
		*timeout_ms = (int)ms;
}

/* Timers of the phases that wait for time rather than for a socket. */
static void run_timers(kt_sharer *s, int *timeout_ms, int64_t now)
{
	if (s->phase == WAIT_CODE && s->have_code) {
		if (now >= s->allowed_at_us)
			begin_connect(s, now);
		else
			wake_at(s->allowed_at_us, now, timeout_ms);
	}
	if (s->phase == LOST) {
		if (now >= s->lost_until_us) {
			kyoyu_warn("the viewer could not be reached again within %lld s: the "
				   "session ends", (long long)(s->grace_us / 1000000));
			kp_peer_post_event(s->peer, KYOYU_PEER_GONE, KYOYU_END_LINK_LOST, NULL);
			s->phase = ENDING;
		} else if (now >= s->next_attempt_us) {
			begin_connect(s, now);
		} else {
			wake_at(s->next_attempt_us < s->lost_until_us ? s->next_attempt_us
								       : s->lost_until_us,
				now, timeout_ms);
		}
	}
	if ((s->phase == CONNECTING || s->phase == GREETING) && now >= s->deadline_us) {
		char why[96];
		snprintf(why, sizeof(why), "no answer within %lld s",
			 (long long)(s->cfg.connect_timeout_us / 1000000));
		attempt_failed(s, why, false, now);
	}
}

size_t kt_sharer_prepare(kt_sharer *s, struct pollfd *pfds, size_t max, int *timeout_ms,
			 int64_t now)
{
	kp_conn *link = kp_peer_conn(s->peer);
	size_t n = 0;
	int ret;

	run_timers(s, timeout_ms, now);
	if (max == 0)
		return 0;
	switch (s->phase) {
	case CONNECTING:
		wake_at(s->deadline_us, now, timeout_ms);
		pfds[n++] = (struct pollfd){s->fd, POLLOUT, 0};
		break;
	case GREETING:
		wake_at(s->deadline_us, now, timeout_ms);
		if (kp_conn_flush(s->greeting, now) < 0) {
			attempt_failed(s, kp_conn_why(s->greeting),
				       s->con.refused && s->con.refused(s->con.ctx, s->greeting),
				       now);
			return 0;
		}
		pfds[n++] = (struct pollfd){kp_conn_fd(s->greeting),
					    kp_conn_events(s->greeting, false), 0};
		break;
	case LINKED:
		ret = kp_peer_prepare(s->peer, pfds, max, timeout_ms, now);
		if (ret < 0) {
			link_lost(s, now);
			return 0;
		}
		return (size_t)ret;
	case ENDING:
		if (s->done || s->state != KYOYU_STATE_ENDED)
			return 0;
		if (!link || now >= s->bye_deadline_us) {
			kp_conn_free(kp_peer_detach(s->peer), !s->hung_up);
			s->done = true;
			*timeout_ms = 0;
			return 0;
		}
		if (!s->hung_up && kp_conn_flush(link, now) < 0) {
			kp_conn_free(kp_peer_detach(s->peer), false);
			return 0;
		}
		if (!s->hung_up && !kp_conn_busy(link)) {
			/* The goodbye has left: the viewer closes when it reads
			 * it, and until then what it sends is read and thrown
			 * away, so that no reset overtakes the goodbye. */
			kp_conn_hang_up(link);
			s->hung_up = true;
		}
		wake_at(s->bye_deadline_us, now, timeout_ms);
		pfds[0] = (struct pollfd){kp_conn_fd(link), s->hung_up ? POLLIN : POLLOUT, 0};
		return 1;
	default:
		break;
	}
	/* Without a link the peer drops what the encoder makes meanwhile. */
	ret = kp_peer_prepare(s->peer, pfds + n, max - n, timeout_ms, now);
	return n + (ret > 0 ? (size_t)ret : 0);
}

static void handle_connecting(kt_sharer *s, int64_t now)
{
	int err = kp_net_connect_result(s->fd);
	char why[256] = "";

	if (err) {
		attempt_failed(s, kp_net_strerror(-err), false, now);
		return;
	}
	int fd = s->fd;
	s->fd = -1;
	s->greeting = s->con.wrap(s->con.ctx, fd, why, sizeof(why));
	if (!s->greeting) {
		attempt_failed(s, why, false, now);
		return;
	}
	kp_conn_allow(s->greeting, KP_WIRE_BIT(KP_WIRE_WELCOME) | KP_WIRE_BIT(KP_WIRE_REJECT));
	s->phase = GREETING;
	send_hello(s, now);
	if (kp_conn_flush(s->greeting, now) < 0)
		attempt_failed(s, kp_conn_why(s->greeting),
			       s->con.refused && s->con.refused(s->con.ctx, s->greeting), now);
}

static void handle_greeting(kt_sharer *s, short revents, int64_t now)
{
	kp_conn *c = s->greeting;
	int ret = kp_conn_read(c, on_greeting, s, now);

	if (s->phase == LINKED) {
		if (ret < 0 || kp_conn_flush(c, now) < 0)
			link_lost(s, now);
		return;
	}
	if (ret == 0 && !s->got_reject)
		ret = kp_conn_flush(c, now);
	if (ret < 0) {
		attempt_failed(s, kp_conn_why(c),
			       s->bad_welcome || (s->con.refused && s->con.refused(s->con.ctx, c)),
			       now);
		return;
	}
	if (s->got_reject)
		rejected(s, now);
}

void kt_sharer_handle(kt_sharer *s, const struct pollfd *pfds, size_t n, int64_t now)
{
	if (n == 0)
		return;
	switch (s->phase) {
	case CONNECTING:
		if (pfds[0].revents)
			handle_connecting(s, now);
		break;
	case GREETING:
		if (pfds[0].revents || kp_conn_more_to_read(s->greeting))
			handle_greeting(s, pfds[0].revents, now);
		break;
	case LINKED:
		if (kp_peer_handle(s->peer, pfds[0].revents, now) < 0)
			link_lost(s, now);
		break;
	case ENDING:
		if (!kp_peer_conn(s->peer))
			break;
		if (s->hung_up ? kp_conn_discard_input(kp_peer_conn(s->peer)) != 0
			       : kp_conn_flush(kp_peer_conn(s->peer), now) < 0) {
			kp_conn_free(kp_peer_detach(s->peer), false);
		}
		break;
	default:
		break;
	}
}
