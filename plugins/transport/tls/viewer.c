/* SPDX-License-Identifier: MIT */
/* The viewer's side: admission, codes, one session, the grace window. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#define KYOYU_LOG_COMPONENT "transport/tls"
#include <kyoyu/kyoyu.h>

#include "plugins/common/i18n.h"
#include "proto/tally.h"
#include "viewer.h"

/* What an outsider can make happen at will is logged in full a few times
 * every 10 s and otherwise counted, so a flood cannot flood the log
 * (proto/tally.h); sessions and errors are always logged. */
#define TALLIED(level, tally, addr, now, ...)                                     \
	do {                                                                     \
		if (kp_tally_note((tally), (addr), (now)))                       \
			level(__VA_ARGS__);                                       \
	} while (0)

/* How long a reject may take to go out before the socket is just closed. */
#define CLOSE_GRACE_US 2000000
/* How many connections of crowded networks are read in one turn of the
 * loop (each may cost a TLS handshake's crypto): what else is ready waits
 * for the next turn, which begins with the networks that are not crowded. */
#define CROWD_READS_PER_TURN 8
/* How long the goodbye may take at the end of the session: behind what a
 * slow link still holds, within the core's 3 s for stages to finish. */
#define BYE_GRACE_US 2500000

typedef struct pending {
	kt_viewer *viewer;
	kp_conn *conn;
	char address[48];
	kp_source source;
	size_t index;  /* in kt_viewer.pending */
	int poll_slot; /* in kt_viewer.polled, -1 when not polled */
	int64_t deadline_us; /* for the hello, the delayed reply, or the close */
	bool started;        /* its network let it start the handshake */
	bool have_hello, replying, closing;
	kp_wire_hello hello;
	kp_wire_msg reply;
} pending;

struct kt_viewer {
	kyoyu_bus *bus;
	kt_viewer_config cfg;
	char name[KP_WIRE_NAME_TEXT_SIZE];
	kp_codebook codes;
	bool code_shown; /* the operator holds a code that still works */
	uint32_t state;  /* the local session's */
	uint32_t end_reason;
	kp_admission *admission;
	pending **pending;
	size_t n_pending, max_pending;
	/* Which connection each descriptor handed to poll() belongs to; NULL
	 * once it left, so a descriptor number reused since is not mistaken
	 * for it. */
	pending **polled;
	size_t n_polled;
	kp_tally refused; /* answered with a REJECT */
	kp_tally dropped; /* closed before their hello was answered */

	kp_peer *peer;   /* the session, once a sharer got in */
	kyoyu_msg *limits; /* the session's own cap, kept for the peer to come */
	uint8_t token[KP_WIRE_TOKEN_SIZE];
	uint32_t codec;
	bool lost;
	int64_t lost_until_us;
	int64_t bye_deadline_us;
	bool hung_up; /* the goodbye has left; waiting for the sharer to close */
	bool done;
};

kt_viewer *kt_viewer_new(kyoyu_bus *bus, const kt_viewer_config *cfg)
{
	kt_viewer *v = calloc(1, sizeof(*v));

	if (!v)
		return NULL;
	v->bus = bus;
	v->cfg = *cfg;
	snprintf(v->name, sizeof(v->name), "%s", cfg->name ? cfg->name : "");
	v->cfg.name = v->name;
	v->max_pending = cfg->max_pending ? cfg->max_pending : KT_VIEWER_MAX_PENDING;
	if (v->max_pending < 2)
		v->max_pending = 2;
	if (v->max_pending > KT_VIEWER_MAX_PENDING)
		v->max_pending = KT_VIEWER_MAX_PENDING;
	v->admission = kp_admission_new(v->max_pending);
	v->pending = calloc(v->max_pending, sizeof(*v->pending));
	v->polled = calloc(v->max_pending, sizeof(*v->polled));
	if (!v->admission || !v->pending || !v->polled) {
		kt_viewer_free(v);
		return NULL;
	}
	kp_codes_init(&v->codes, cfg->code_ttl_us, cfg->attempts_per_minute);
	kp_tally_init(&v->refused, "refused connections");
	kp_tally_init(&v->dropped, "connections dropped before their hello");
	return v;
}

static void pending_free(pending *p, bool graceful)
{
	kp_conn_free(p->conn, graceful);
	OPENSSL_cleanse(p->hello.secret, sizeof(p->hello.secret));
	free(p);
}

static void remove_pending(kt_viewer *v, size_t i)
{
	pending *p = v->pending[i];

	kp_admission_remove(v->admission, p);
	if (p->poll_slot >= 0)
		v->polled[p->poll_slot] = NULL;
	v->pending[i] = v->pending[--v->n_pending];
	v->pending[i]->index = i;
}

void kt_viewer_free(kt_viewer *v)
{
	if (!v)
		return;
	for (size_t i = 0; i < v->n_pending; i++)
		pending_free(v->pending[i], false);
	free(v->pending);
	free(v->polled);
	kp_admission_free(v->admission);
	kp_peer_free(v->peer);
	kyoyu_msg_unref(v->limits);
	kp_codes_fini(&v->codes);
	OPENSSL_cleanse(v->token, sizeof(v->token));
	free(v);
}

static void post_code(kt_viewer *v, uint32_t event, const char *text)
{
	kyoyu_msg *msg = kyoyu_msg_new(KYOYU_MSG_CODE);

	if (!msg) {
		kyoyu_error("out of memory: the operator was not told about the code");
		return;
	}
	msg->u.code.event = event;
	if (event == KYOYU_CODE_ISSUED)
		msg->u.code.expires_us = kp_codes_expiry(&v->codes);
	if (text)
		msg->buf = kyoyu_buffer_new_copy(text, strlen(text));
	kyoyu_bus_post(v->bus, msg);
}

static int issue_code(kt_viewer *v, int64_t now)
{
	char text[KP_CODES_TEXT_SIZE];

	if (v->cfg.want_code) {
		/* The old code dies with the relay's link that held it. */
		kp_codes_revoke(&v->codes);
		v->code_shown = false;
		return v->cfg.want_code(v->cfg.want_code_ctx);
	}
	if (kp_codes_issue(&v->codes, now, text)) {
		kyoyu_error("the system's random number generator failed: no code issued");
		return -EIO;
	}
	v->code_shown = true;
	post_code(v, KYOYU_CODE_ISSUED, text);
	OPENSSL_cleanse(text, sizeof(text));
	kyoyu_info("issued a connection code; it works once, for %lld s",
		   (long long)(v->cfg.code_ttl_us / 1000000));
	return 0;
}

int kt_viewer_start(kt_viewer *v, int64_t now)
{
	return issue_code(v, now);
}

void kt_viewer_install_code(kt_viewer *v, const char digits[KP_WIRE_CODE_DIGITS],
			    int64_t now)
{
	kp_codes_install(&v->codes, digits, now);
	v->code_shown = true;
}

void kt_viewer_show_code(kt_viewer *v, const char digits[KP_WIRE_CODE_DIGITS], int64_t now)
{
	char text[KP_CODES_TEXT_SIZE];

	kp_codes_install(&v->codes, digits, now);
	v->code_shown = true;
	kp_codes_format(digits, text);
	post_code(v, KYOYU_CODE_ISSUED, text);
	OPENSSL_cleanse(text, sizeof(text));
	kyoyu_info("the relay issued a connection code; it works once, for %lld s",
		   (long long)(v->cfg.code_ttl_us / 1000000));
}

void kt_viewer_code_refused(kt_viewer *v, const char *text)
{
	post_code(v, KYOYU_CODE_REFUSED, text);
}

bool kt_viewer_busy(const kt_viewer *v)
{
	return v->peer != NULL;
}

bool kt_viewer_lost(const kt_viewer *v)
{
	return v->lost && !v->done;
}

bool kt_viewer_done(const kt_viewer *v)
{
	return v->done;
}

void kt_viewer_adopt(kt_viewer *v, kp_conn *conn, const char *address, int64_t now)
{
	kp_source source;
	pending *victim;

	if (v->done || v->state == KYOYU_STATE_ENDED) {
		kp_conn_free(conn, false);
		return;
	}
	kp_source_parse(address, &source);
	/* Nobody is turned away for want of a slot: the oldest waiting
	 * connection of the busiest address or network gives way. */
	while ((victim = kp_admission_make_way(v->admission, &source))) {
		TALLIED(kyoyu_info, &v->dropped, victim->address, now,
			"%s gave way to a newer connection (waiting too long, with "
			"others from its network)", kp_conn_addr(victim->conn));
		remove_pending(v, victim->index);
		pending_free(victim, false);
	}
	pending *p = calloc(1, sizeof(*p));
	if (!p) {
		kp_conn_free(conn, false);
		return;
	}
	p->viewer = v;
	p->conn = conn;
	p->source = source;
	p->poll_slot = -1;
	snprintf(p->address, sizeof(p->address), "%s", address);
	p->deadline_us = now + v->cfg.handshake_timeout_us;
	kp_conn_allow(conn, KP_WIRE_BIT(KP_WIRE_HELLO));
	kp_admission_add(v->admission, &source, p, now);
	p->index = v->n_pending;
	v->pending[v->n_pending++] = p;
	kyoyu_debug("connection from %s", kp_conn_addr(conn));
}

/* ---- admission --------------------------------------------------------- */

/* kp_conn_handler for a connection that has not said hello yet. */
static int on_hello(void *ctx, kp_wire_msg *msg)
{
	pending *p = ctx;

	p->hello = msg->u.hello;
	p->have_hello = true;
	kp_wire_msg_clear(msg);
	kp_conn_allow(p->conn, 0); /* nothing else may come before the answer */
	return 1;
}

static void reply_at(pending *p, uint8_t reason, uint16_t retry_s, int64_t at)
{
	p->replying = true;
	p->deadline_us = at;
	memset(&p->reply, 0, sizeof(p->reply));
	p->reply.type = KP_WIRE_REJECT;
	p->reply.u.reject.reason = reason;
	p->reply.u.reject.retry_after_s = retry_s;
}

static uint32_t agreed_codec(const kt_viewer *v, const kp_wire_hello *h)
{
	for (unsigned i = 0; i < h->n_codecs; i++)
		for (const uint32_t *c = v->cfg.codecs; c && *c; c++)
			if (*c == h->codecs[i])
				return *c;
	return KYOYU_CODEC_NONE;
}

static int send_welcome(kt_viewer *v, pending *p, bool resumed, int64_t now)
{
	kp_wire_msg m = {.type = KP_WIRE_WELCOME};
	kp_wire_welcome *w = &m.u.welcome;

	w->major = KP_WIRE_MAJOR;
	w->minor = KP_WIRE_MINOR < p->hello.minor ? KP_WIRE_MINOR : p->hello.minor;
	w->codec = v->codec;
	w->flags = (v->cfg.recording ? KP_WIRE_WELCOME_RECORDING : 0) |
		   (resumed ? KP_WIRE_WELCOME_RESUMED : 0);
	/* A 1.0 sharer knows no such choice: it is asked about recording. */
	if (v->cfg.recording && v->cfg.recording_optional && w->minor >= 1)
		w->flags |= KP_WIRE_WELCOME_RECORDING_OPTIONAL;
	w->grace_s = (uint16_t)(v->cfg.grace_us / 1000000);
	memcpy(w->token, v->token, sizeof(w->token));
	w->clock_us = now;
	w->name_len = (uint8_t)kp_wire_name_cut(v->name, strlen(v->name), KP_WIRE_NAME_MAX);
	memcpy(w->name, v->name, w->name_len);
	int ret = kp_conn_send(p->conn, &m);
	OPENSSL_cleanse(w->token, sizeof(w->token));
	return ret;
}

/* What the hello of P and our welcome to it agreed. */
static kp_peer_link link_of(const kt_viewer *v, const pending *p, bool resumed)
{
	uint8_t minor = KP_WIRE_MINOR < p->hello.minor ? KP_WIRE_MINOR : p->hello.minor;

	kp_peer_link link = {
		.codec = v->codec,
		.minor = minor,
		.recording = v->cfg.recording,
		.recording_optional = v->cfg.recording_optional,
		.resumed = resumed,
		.peer_clock_us = p->hello.clock_us,
	};
	for (unsigned i = 0; i < p->hello.n_codecs; i++) {
		uint32_t c = p->hello.codecs[i];
		bool known = c == v->codec;
		for (unsigned k = 0; k < link.n_also; k++)
			known |= link.also[k] == c;
		for (const uint32_t *d = v->cfg.codecs; !known && d && *d; d++)
			if (*d == c && link.n_also < KP_WIRE_MAX_CODECS - 1)
				link.also[link.n_also++] = c;
	}
	return link;
}

/* The code was right: this connection becomes the session. */
static void admit(kt_viewer *v, size_t i, uint32_t codec, int64_t now)
{
	pending *p = v->pending[i];
	char text[5];

	kp_peer_config pc = v->cfg.peer;
	pc.state = v->state;
	v->peer = kp_peer_new(v->bus, &pc);
	if (!v->peer || RAND_bytes(v->token, sizeof(v->token)) != 1) {
		kyoyu_error("cannot start the session (out of memory or no randomness)");
		kp_peer_free(v->peer);
		v->peer = NULL;
		remove_pending(v, i);
		pending_free(p, false);
		return;
	}
	v->codec = codec;
	if (send_welcome(v, p, false, now)) {
		kyoyu_error("cannot welcome %s", kp_conn_addr(p->conn));
		kp_peer_free(v->peer);
		v->peer = NULL;
		remove_pending(v, i);
		pending_free(p, false);
		return;
	}
	kyoyu_info("%s connected with the right code: session starts (%s%s)",
		   kp_conn_addr(p->conn), kyoyu_fourcc_text(codec, text),
		   v->cfg.recording ? ", recorded if the customer agrees" : "");
	kp_peer_link link = link_of(v, p, false);
	kp_peer_attach(v->peer, p->conn, &link, now);
	/* The customer's own words: nothing vouches for a sharer's name. */
	kp_peer_identity who = {.name = p->hello.name, .own_name = v->cfg.shown_name,
				.own_org = v->cfg.shown_org};
	kp_peer_post_event(v->peer, KYOYU_PEER_CONNECTED, 0, &who);
	/* The session told its cap before anyone connected. */
	if (v->limits)
		kp_peer_on_bus(v->peer, kyoyu_msg_ref(v->limits));
	p->conn = NULL;
	remove_pending(v, i);
	pending_free(p, false);
	v->code_shown = false;
}

/* The session's own sharer came back with its token. */
static void take_back(kt_viewer *v, size_t i, int64_t now)
{
	pending *p = v->pending[i];

	if (send_welcome(v, p, true, now)) {
		remove_pending(v, i);
		pending_free(p, false);
		return;
	}
	kp_conn *old = kp_peer_detach(v->peer);
	kp_conn_free(old, false);
	kyoyu_info("%s came back: the session goes on", kp_conn_addr(p->conn));
	kp_peer_link link = link_of(v, p, true);
	kp_peer_attach(v->peer, p->conn, &link, now);
	kp_peer_post_event(v->peer, KYOYU_PEER_RESUMED, 0, NULL);
	v->lost = false;
	p->conn = NULL;
	remove_pending(v, i);
	pending_free(p, false);
}

static void decide(kt_viewer *v, size_t i, int64_t now)
{
	pending *p = v->pending[i];
	const kp_wire_hello *h = &p->hello;
	int64_t later = now + v->cfg.reject_delay_us;
	uint32_t codec = agreed_codec(v, h);
	uint32_t retry_s;
	char text[5];

	if (h->major != KP_WIRE_MAJOR) {
		TALLIED(kyoyu_warn, &v->refused, p->address, now, "%s speaks protocol %u.%u, this viewer %d.%d: refused",
			   kp_conn_addr(p->conn), h->major, h->minor, KP_WIRE_MAJOR, KP_WIRE_MINOR);
		reply_at(p, KP_WIRE_REJECT_VERSION, 0, now);
		return;
	}
	if (h->auth == KP_WIRE_AUTH_TOKEN) {
		bool ok = v->peer && !kp_peer_ended(v->peer) &&
			  CRYPTO_memcmp(h->secret, v->token, KP_WIRE_TOKEN_SIZE) == 0;
		if (ok) {
			take_back(v, i, now);
			return;
		}
		TALLIED(kyoyu_warn, &v->refused, p->address, now,
			"%s tried to resume a session that is not this one: refused",
			   kp_conn_addr(p->conn));
		reply_at(p, KP_WIRE_REJECT_RESUME_REFUSED, 0, later);
		return;
	}
	if (v->peer) {
		TALLIED(kyoyu_info, &v->refused, p->address, now,
			"%s tried to connect while a session runs: told busy",
			   kp_conn_addr(p->conn));
		reply_at(p, KP_WIRE_REJECT_BUSY, 0, now);
		return;
	}
	if (!codec) {
		TALLIED(kyoyu_warn, &v->refused, p->address, now,
			"%s sends %s video, which this viewer cannot decode: refused "
			   "(build the viewer with that codec's plugin)", kp_conn_addr(p->conn),
			   kyoyu_fourcc_text(h->codecs[0], text));
		reply_at(p, KP_WIRE_REJECT_CODEC, 0, now);
		return;
	}
	switch (kp_codes_check(&v->codes, h->secret, p->address, now, &retry_s)) {
	case KP_CODE_OK:
		admit(v, i, codec, now);
		return;
	case KP_CODE_LIMITED:
		TALLIED(kyoyu_warn, &v->refused, p->address, now,
			"%s tries codes too fast: refused for %u s", kp_conn_addr(p->conn),
			   retry_s);
		reply_at(p, KP_WIRE_REJECT_RATE_LIMITED,
			 (uint16_t)(retry_s > KP_WIRE_MAX_RETRY_S ? KP_WIRE_MAX_RETRY_S : retry_s),
			 later);
		return;
	default:
		TALLIED(kyoyu_warn, &v->refused, p->address, now,
			"%s gave a wrong, used or expired code: refused", kp_conn_addr(p->conn));
		reply_at(p, KP_WIRE_REJECT_BAD_CODE, 0, later);
		return;
	}
}

/* ---- the session's link ------------------------------------------------- */

static void link_failed(kt_viewer *v, int64_t now)
{
	kp_peer *peer = v->peer;

	if (kp_peer_link_down_for_good(peer, "the customer's agent sent something this "
					     "viewer does not understand"))
		return;
	kyoyu_warn("lost the link to the customer (%s); waiting %lld s for it to come back",
		   kp_conn_why(kp_peer_conn(peer)), (long long)(v->cfg.grace_us / 1000000));
	kp_conn_free(kp_peer_detach(peer), false);
	v->lost = true;
	v->lost_until_us = now + v->cfg.grace_us;
	kp_peer_post_event(peer, KYOYU_PEER_LOST, 0, NULL);
}

/* ---- the bus ----------------------------------------------------------- */

static void end_everything(kt_viewer *v, uint32_t reason, int64_t now)
{
	v->state = KYOYU_STATE_ENDED;
	v->end_reason = reason;
	for (size_t i = 0; i < v->n_pending; i++) {
		kp_admission_remove(v->admission, v->pending[i]);
		pending_free(v->pending[i], false);
	}
	v->n_pending = 0;
	for (size_t k = 0; k < v->n_polled; k++)
		v->polled[k] = NULL;
	kp_codes_revoke(&v->codes);
	v->code_shown = false;
	v->bye_deadline_us = now + BYE_GRACE_US;
	if (!v->peer || !kp_peer_conn(v->peer))
		v->done = true;
}

void kt_viewer_on_bus(kt_viewer *v, kyoyu_msg *msg)
{
	int64_t now = kyoyu_now_us();

	if (msg->type == KYOYU_MSG_CODE) {
		if (msg->u.value == KYOYU_CODE_REQUEST_NEW) {
			if (v->peer)
				post_code(v, KYOYU_CODE_REFUSED,
					  N_("a customer is connected; a new code is issued "
					     "only while none is"));
			else if (v->state != KYOYU_STATE_ENDED)
				issue_code(v, now);
		}
		kyoyu_msg_unref(msg);
		return;
	}
	if (msg->type == KYOYU_MSG_STATE) {
		v->state = msg->u.state.state;
		if (v->state == KYOYU_STATE_ENDED)
			end_everything(v, msg->u.state.reason, now);
	}
	if (msg->type == KYOYU_MSG_LIMITS) {
		kyoyu_msg_unref(v->limits);
		v->limits = kyoyu_msg_ref(msg);
	}
	if (v->peer)
		kp_peer_on_bus(v->peer, msg);
	else
		kyoyu_msg_unref(msg);
}

/* ---- polling ----------------------------------------------------------- */

static void wake_at(int64_t at, int64_t now, int *timeout_ms)
{
	int64_t ms = at <= now ? 0 : (at - now + 999) / 1000;
	if (*timeout_ms < 0 || ms < *timeout_ms)
		*timeout_ms = (int)ms;
}

/* The session's end, as the sharer's: the goodbye goes out behind what the
 * link still holds; once it has left, the viewer hangs up and reads on (and
 * throws away) the video still on its way until the sharer closes.  Closing
 * with the sharer's bytes unread, or arriving after, makes the kernel reset
 * the connection, and a reset throws away the goodbye it has not delivered:
 * the customer would read "link lost" instead of the operator's reason. */
static void finish_link(kt_viewer *v, int64_t now)
{
	kp_conn *link = v->peer ? kp_peer_conn(v->peer) : NULL;

	if (!link || now >= v->bye_deadline_us) {
		v->done = true;
		if (link)
			kp_conn_free(kp_peer_detach(v->peer), !v->hung_up);
	} else if (!v->hung_up && !kp_conn_busy(link)) {
		kp_conn_hang_up(link);
		v->hung_up = true;
	}
}

/* What P waits for, and when it must be looked at again. */
static struct pollfd poll_pending(kt_viewer *v, pending *p, int64_t now, int *timeout_ms)
{
	if (!p->started)
		p->started = kp_admission_may_start(v->admission, &p->source, now);
	/* Nothing is read before its network lets it start (the TLS
	 * handshake is the costly part), nor after the hello until the
	 * answer is out. */
	short ev = !p->started ? 0
		   : p->have_hello ? (kp_conn_busy(p->conn) ? POLLOUT : 0)
				   : kp_conn_events(p->conn, false);
	if (!p->started)
		wake_at(now + 1000000 / KP_ADMISSION_STARTS_PER_S, now, timeout_ms);
	p->poll_slot = (int)v->n_polled;
	v->polled[v->n_polled++] = p;
	wake_at(p->deadline_us, now, timeout_ms);
	return (struct pollfd){kp_conn_fd(p->conn), ev, 0};
}

size_t kt_viewer_prepare(kt_viewer *v, struct pollfd *pfds, size_t max, int *timeout_ms,
			 int64_t now)
{
	size_t n = 0;

	kp_tally *tallies[] = {&v->refused, &v->dropped};
	char line[160];
	for (size_t i = 0; i < sizeof(tallies) / sizeof(tallies[0]); i++) {
		if (kp_tally_summary(tallies[i], now, line, sizeof(line)))
			kyoyu_warn("%s", line);
		if (kp_tally_due(tallies[i]) >= 0)
			wake_at(kp_tally_due(tallies[i]), now, timeout_ms);
	}
	unsigned wrong, sources;
	if (kp_codes_attacked(&v->codes, &wrong, &sources)) {
		char what[96];
		snprintf(what, sizeof(what), "%u wrong guesses from %u addresses", wrong, sources);
		kyoyu_warn("the connection code was attacked (%s) and no longer works; a "
			   "fresh one is issued: read that one to the customer", what);
		post_code(v, KYOYU_CODE_ATTACKED, what);
		v->code_shown = false;
		if (!v->peer && v->state != KYOYU_STATE_ENDED)
			issue_code(v, now);
	}
	if (v->code_shown && !kp_codes_alive(&v->codes, now)) {
		v->code_shown = false;
		kyoyu_warn("the connection code expired; ask for a new one");
		post_code(v, KYOYU_CODE_EXPIRED, NULL);
	}
	if (v->code_shown)
		wake_at(kp_codes_expiry(&v->codes), now, timeout_ms);
	v->n_polled = 0;
	/* Connections are handled in the order they are polled: first those
	 * of networks that are not crowded (where a customer usually is
	 * alone), then the crowds, so a flood's handshakes never make the
	 * customer's wait for a turn. */
	for (int crowds = 0; crowds < 2; crowds++) {
		for (size_t i = 0; i < v->n_pending && n < max; i++) {
			pending *p = v->pending[i];
			if (kp_admission_crowded(v->admission, &p->source) != crowds)
				continue;
			pfds[n++] = poll_pending(v, p, now, timeout_ms);
		}
	}
	if (v->state == KYOYU_STATE_ENDED && !v->done)
		finish_link(v, now);
	if (v->peer && kp_peer_conn(v->peer) && !v->hung_up && n < max) {
		int ret = kp_peer_prepare(v->peer, pfds + n, max - n, timeout_ms, now);
		if (ret < 0)
			link_failed(v, now);
		else
			n += (size_t)ret;
	}
	if (v->lost && !v->done) {
		if (now >= v->lost_until_us) {
			kyoyu_warn("the customer did not come back within %lld s: the session ends",
				   (long long)(v->cfg.grace_us / 1000000));
			v->lost = false;
			kp_peer_post_event(v->peer, KYOYU_PEER_GONE, KYOYU_END_LINK_LOST, NULL);
		} else {
			wake_at(v->lost_until_us, now, timeout_ms);
		}
	}
	if (v->state == KYOYU_STATE_ENDED && !v->done) {
		wake_at(v->bye_deadline_us, now, timeout_ms);
		if (v->hung_up && n < max)
			pfds[n++] = (struct pollfd){kp_conn_fd(kp_peer_conn(v->peer)), POLLIN, 0};
	}
	if (v->done)
		*timeout_ms = 0;
	return n;
}

/* One waiting connection: read its hello, send its answer when due. */
static bool handle_pending(kt_viewer *v, size_t i, short revents, int64_t now)
{
	pending *p = v->pending[i];

	if (p->closing) {
		if (kp_conn_flush(p->conn, now) < 0 || !kp_conn_busy(p->conn) ||
		    now >= p->deadline_us)
			return false;
		return true;
	}
	if (p->replying) {
		if (now < p->deadline_us)
			return true;
		p->replying = false;
		p->closing = true;
		p->deadline_us = now + CLOSE_GRACE_US;
		if (kp_conn_send(p->conn, &p->reply) || kp_conn_flush(p->conn, now) < 0)
			return false;
		return kp_conn_busy(p->conn);
	}
	if (!p->have_hello && (revents || kp_conn_more_to_read(p->conn))) {
		int ret = kp_conn_read(p->conn, on_hello, p, now);
		if (ret == 0 && !p->have_hello)
			ret = kp_conn_flush(p->conn, now);
		if (ret < 0) {
			TALLIED(kyoyu_info, &v->dropped, p->address, now, "dropped %s",
				kp_conn_why(p->conn));
			return false;
		}
	}
	if (p->have_hello) {
		decide(v, i, now);
		return true;
	}
	if (now >= p->deadline_us) {
		TALLIED(kyoyu_info, &v->dropped, p->address, now,
			"%s did not say hello within %lld s: dropped", kp_conn_addr(p->conn),
			   (long long)(v->cfg.handshake_timeout_us / 1000000));
		return false;
	}
	return true;
}

void kt_viewer_handle(kt_viewer *v, const struct pollfd *pfds, size_t n, int64_t now)
{
	/* The waiting connections come first, in the order of v->polled;
	 * handling one may admit it, drop it or reorder v->pending. */
	size_t crowd_reads = 0;
	for (size_t k = 0; k < n && k < v->n_polled; k++) {
		pending *p = v->polled[k];
		if (!p)
			continue;
		p->poll_slot = -1;
		v->polled[k] = NULL;
		/* A crowd's ready connections beyond this turn's share stay
		 * ready for the next turn: the customer's are handled first
		 * in every turn, and turns stay short. */
		if (pfds[k].revents && kp_admission_crowded(v->admission, &p->source) &&
		    ++crowd_reads > CROWD_READS_PER_TURN)
			continue;
		if (!handle_pending(v, p->index, pfds[k].revents, now) && p->index < v->n_pending &&
		    v->pending[p->index] == p) {
			remove_pending(v, p->index);
			pending_free(p, p->closing);
		}
	}
	for (size_t k = v->n_polled; k < n; k++) {
		kp_conn *session = v->peer ? kp_peer_conn(v->peer) : NULL;
		/* (A SOCKET, unsigned, on Windows.) */
		if (!session || (int)pfds[k].fd != kp_conn_fd(session))
			continue;
		if (v->hung_up) {
			/* Until the sharer closes: then it is freed, and done. */
			if (pfds[k].revents && kp_conn_discard_input(session) != 0)
				kp_conn_free(kp_peer_detach(v->peer), false);
		} else if (kp_peer_handle(v->peer, pfds[k].revents, now) < 0) {
			link_failed(v, now);
		}
	}
	v->n_polled = 0;
}
