/* SPDX-License-Identifier: MIT */
/* The control socket's server side: a core stage that answers one request
 * per connection (see ctl.h for the protocol and who may connect). */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KYOYU_LOG_COMPONENT "ctl"
#include <kyoyu/plugin.h>

#include "codecs.h"
#include "ctl.h"
#include "history.h"
#include "os.h"
#include "util.h"

/* A client has this long to send its request; a slow one cannot hold up
 * the next for longer. */
#define READ_TIMEOUT_MS 1000
/* How long a request waits for the session to act on it. */
#define STATE_WAIT_MS 2000
/* How long new-code waits for the transport to issue the code. */
#define CODE_WAIT_MS 5000
/* A code longer than this is not a code: never echoed. */
#define CODE_MAX 32

struct kyoyu_ctl {
	kyoyu_ctl_listener listener;
	uint32_t role;
	kyoyu_bus *bus;
	kyoyu_session *session;
	kyoyu_history *history;
	kyoyu_inbox *inbox;
};

static const char *role_name(uint32_t role)
{
	return role == KYOYU_ROLE_VIEWER ? "viewer" : "sharer";
}

int kyoyu_ctl_default_path(uint32_t role, char *buf, size_t len)
{
	char dir[KYOYU_CTL_PATH_MAX];
	int ret = kyoyu_os_runtime_dir(dir, sizeof(dir));

	if (ret)
		return ret;
	int n = snprintf(buf, len, "%s" KYOYU_OS_DIR_SEP "%s.sock", dir,
			 role == KYOYU_ROLE_VIEWER ? "viewer" : "sharer");
	if (n < 0 || (size_t)n >= len || (size_t)n >= KYOYU_CTL_PATH_MAX)
		return -ENAMETOOLONG;
	return 0;
}

int kyoyu_ctl_new(const kyoyu_settings *settings, uint32_t role, kyoyu_bus *bus,
		  kyoyu_session *session, kyoyu_history *history, kyoyu_ctl **out,
		  char *err, size_t errlen)
{
	const char *path = kyoyu_settings_string(settings, "ctl", "socket", NULL, err,
						 errlen);
	kyoyu_setting *configured = kyoyu_settings_get(settings, "ctl", "socket");
	kyoyu_ctl *ctl;

	*out = NULL;
	if (configured && !path)
		return -EINVAL;
	if (path && strcmp(path, "none") == 0)
		return 0;
	if (!(ctl = calloc(1, sizeof(*ctl))))
		return -ENOMEM;
	ctl->listener.fd = -1;
	ctl->role = role;
	ctl->bus = bus;
	ctl->session = session;
	ctl->history = history;
	int ret = 0;
	if (!path)
		ret = kyoyu_ctl_default_path(role, ctl->listener.path,
					     sizeof(ctl->listener.path));
	else if (strlen(path) < sizeof(ctl->listener.path))
		memcpy(ctl->listener.path, path, strlen(path) + 1);
	else
		ret = -ENAMETOOLONG;
	if (ret == -ENAMETOOLONG)
		seterr(err, errlen, "the control socket path \"%s\" is too long (at most "
		       "%zu bytes)", path ? path : ctl->listener.path,
		       sizeof(ctl->listener.path) - 1);
	if (ret == 0)
		ret = kyoyu_ctl_listen(&ctl->listener, !path, err, errlen);
	if (ret && path) {
		char why[512];
		snprintf(why, sizeof(why), "%s", err);
		seterr(err, errlen, "%s: ctl.socket: %s", configured->origin, why);
		free(ctl);
		return ret;
	}
	if (ret) {
		kyoyu_warn("no control socket, `kyoyu-agent ctl` cannot reach this agent: %s",
			   err);
		*err = '\0';
		free(ctl);
		return 0;
	}
	kyoyu_info("control socket: %s", ctl->listener.path);
	*out = ctl;
	return 0;
}

void kyoyu_ctl_set_session(kyoyu_ctl *ctl, kyoyu_session *session)
{
	if (ctl)
		ctl->session = session;
}

void kyoyu_ctl_free(kyoyu_ctl *ctl)
{
	if (!ctl)
		return;
	kyoyu_ctl_unlisten(&ctl->listener);
	free(ctl);
}

/* ---- answering ----------------------------------------------------------- */

typedef struct reply {
	/* A status with two names of 64 characters; the list of sessions. */
	char text[KYOYU_CTL_ANSWER_MAX];
	size_t len;
} reply;

static void say(reply *r, const char *fmt, ...) KYOYU_PRINTF_FORMAT(2, 3);
static void say(reply *r, const char *fmt, ...)
{
	va_list ap;

	if (r->len >= sizeof(r->text))
		return;
	va_start(ap, fmt);
	int n = vsnprintf(r->text + r->len, sizeof(r->text) - r->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		r->len += (size_t)n;
	if (r->len > sizeof(r->text) - 1)
		r->len = sizeof(r->text) - 1;
}

/* Drops what queued up between requests so a wait sees only what follows. */
static void drain(kyoyu_ctl *ctl)
{
	kyoyu_msg *msg;

	while (kyoyu_inbox_pop(ctl->inbox, &msg, 0) == 0)
		kyoyu_msg_unref(msg);
}

static uint32_t current_state(kyoyu_ctl *ctl)
{
	kyoyu_session_status st;

	kyoyu_session_get_status(ctl->session, &st);
	return st.state;
}

/* Waits until the session is in state WANT; false after STATE_WAIT_MS, or
 * when the session ended instead. */
static bool wait_state(kyoyu_ctl *ctl, uint32_t want)
{
	int64_t deadline = kyoyu_now_us() + STATE_WAIT_MS * 1000;

	for (;;) {
		uint32_t state = current_state(ctl);
		if (state == want)
			return true;
		if (state == KYOYU_STATE_ENDED)
			return false;
		int64_t left = (deadline - kyoyu_now_us()) / 1000;
		if (left <= 0)
			return false;
		kyoyu_msg *msg;
		int ret = kyoyu_inbox_pop(ctl->inbox, &msg, (int)left);
		if (ret == -ESHUTDOWN)
			return current_state(ctl) == want;
		if (ret == 0)
			kyoyu_msg_unref(msg);
	}
}

static bool role_is(kyoyu_ctl *ctl, uint32_t role, const char *cmd, reply *r)
{
	if (ctl->role == role)
		return true;
	if (role == KYOYU_ROLE_SHARER)
		say(r, "error: \"%s\" is for the sharer, and this agent is the viewer "
		    "(the viewer uses end, new-code, status)\n", cmd);
	else
		say(r, "error: \"%s\" is for the viewer, and this agent is the sharer "
		    "(the sharer uses pause, resume, leave, status)\n", cmd);
	return false;
}

static void do_pause_resume(kyoyu_ctl *ctl, bool pause, reply *r)
{
	uint32_t from = pause ? KYOYU_STATE_SHARING : KYOYU_STATE_PAUSED;
	uint32_t to = pause ? KYOYU_STATE_PAUSED : KYOYU_STATE_SHARING;
	uint32_t state = current_state(ctl);

	if (state == to) {
		say(r, "ok\nalready %s\n", kyoyu_state_name(to));
		return;
	}
	if (state != from) {
		say(r, "error: nothing to %s: the session is %s\n",
		    pause ? "pause" : "resume", kyoyu_state_name(state));
		return;
	}
	drain(ctl);
	kyoyu_bus_post_value(ctl->bus, pause ? KYOYU_MSG_PAUSE : KYOYU_MSG_RESUME, 0);
	if (wait_state(ctl, to))
		say(r, "ok\n%s\n", pause ? "paused: nothing on the screen leaves this "
				    "machine until resume" : "sharing again");
	else
		say(r, "error: the session did not %s (it is %s); see the agent's log\n",
		    pause ? "pause" : "resume", kyoyu_state_name(current_state(ctl)));
}

static void do_end(kyoyu_ctl *ctl, uint32_t reason, reply *r)
{
	if (current_state(ctl) == KYOYU_STATE_ENDED) {
		say(r, "ok\nthe session had already ended\n");
		return;
	}
	drain(ctl);
	kyoyu_bus_post_value(ctl->bus, KYOYU_MSG_END, reason);
	if (wait_state(ctl, KYOYU_STATE_ENDED)) {
		kyoyu_session_status st;
		kyoyu_session_get_status(ctl->session, &st);
		say(r, "ok\nsession ended (%s)\n", kyoyu_end_reason_name(st.reason));
	} else {
		say(r, "error: the session did not end within %d s; see the agent's log\n",
		    STATE_WAIT_MS / 1000);
	}
}

/* A code from the transport is echoed only if it looks like one. */
static bool plausible_code(const kyoyu_buffer *buf, char *out, size_t outlen)
{
	size_t n = buf ? kyoyu_buffer_size(buf) : 0;
	const char *data = buf ? kyoyu_buffer_data(buf) : NULL;

	if (n == 0 || n > CODE_MAX || n >= outlen)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((data[i] >= '0' && data[i] <= '9') || data[i] == '-' || data[i] == ' '))
			return false;
	memcpy(out, data, n);
	out[n] = '\0';
	return true;
}

/* "error: WHY" with the transport's reason, printable and bounded. */
static void say_refusal(reply *r, const kyoyu_buffer *why)
{
	char text[160] = "the transport issues no code now";
	size_t n = why ? kyoyu_buffer_size(why) : 0;

	if (n > 0 && n < sizeof(text)) {
		const unsigned char *src = kyoyu_buffer_data(why);
		for (size_t i = 0; i < n; i++)
			text[i] = src[i] < 0x20 || src[i] >= 0x7f ? '?' : (char)src[i];
		text[n] = '\0';
	}
	say(r, "error: %s\n", text);
}

static void do_new_code(kyoyu_ctl *ctl, reply *r)
{
	int64_t deadline = kyoyu_now_us() + CODE_WAIT_MS * 1000;

	if (current_state(ctl) == KYOYU_STATE_ENDED) {
		say(r, "error: the session has ended; start the agent again\n");
		return;
	}
	drain(ctl);
	kyoyu_bus_post_value(ctl->bus, KYOYU_MSG_CODE, KYOYU_CODE_REQUEST_NEW);
	for (;;) {
		int64_t left = (deadline - kyoyu_now_us()) / 1000;
		kyoyu_msg *msg;
		if (left <= 0 || kyoyu_inbox_pop(ctl->inbox, &msg, (int)left) != 0)
			break;
		if (msg->type == KYOYU_MSG_CODE && msg->u.value == KYOYU_CODE_REFUSED) {
			say_refusal(r, msg->buf);
			kyoyu_msg_unref(msg);
			return;
		}
		char code[CODE_MAX + 1];
		bool issued = msg->type == KYOYU_MSG_CODE && msg->u.value == KYOYU_CODE_ISSUED;
		bool ok = issued && plausible_code(msg->buf, code, sizeof(code));
		kyoyu_msg_unref(msg);
		if (ok) {
			/* The only place besides the viewer's terminal a code shows. */
			say(r, "ok\n%s\n", code);
			kyoyu_os_wipe(code, sizeof(code));
			return;
		}
		if (issued) {
			say(r, "error: the transport issued a malformed code\n");
			return;
		}
	}
	say(r, "error: no new code within %d s: does the transport issue codes "
	    "(transport.plugin = tls)?\n", CODE_WAIT_MS / 1000);
}

/* Copies a name from the network for display: printable ASCII or UTF-8,
 * control characters replaced. */
static void printable(char *dst, size_t len, const char *src)
{
	size_t i = 0;

	for (; src[i] && i + 1 < len; i++)
		dst[i] = ((unsigned char)src[i] < 0x20 || src[i] == 0x7f) ? '?' : src[i];
	dst[i] = '\0';
}

/* How the peer's name was checked, in the words of ctl status. */
static const char *verified_words(uint32_t verified)
{
	switch (verified & (KYOYU_PEER_VERIFIED_PIN | KYOYU_PEER_VERIFIED_CA)) {
	case KYOYU_PEER_VERIFIED_PIN:
		return "pinned key";
	case KYOYU_PEER_VERIFIED_CA:
		return "certificate authority";
	case KYOYU_PEER_VERIFIED_PIN | KYOYU_PEER_VERIFIED_CA:
		return "pinned key and certificate authority";
	default:
		return "no (the peer's own words)";
	}
}

static void do_status(kyoyu_ctl *ctl, reply *r)
{
	kyoyu_session_status st;
	char peer[sizeof(st.peer)], org[sizeof(st.peer_org)];

	kyoyu_session_get_status(ctl->session, &st);
	printable(peer, sizeof(peer), st.peer);
	printable(org, sizeof(org), st.peer_org);
	say(r, "ok\nrole: %s\nstate: %s", role_name(st.role), kyoyu_state_name(st.state));
	if (st.state == KYOYU_STATE_ENDED)
		say(r, " (%s)", kyoyu_end_reason_name(st.reason));
	say(r, "\npeer: %s%s%s%s\n", peer[0] ? peer : "-", org[0] ? " (" : "", org,
	    org[0] ? ")" : "");
	if (peer[0])
		say(r, "verified: %s\n", verified_words(st.verified));
	if (st.ends_at_us && st.state != KYOYU_STATE_ENDED) {
		int64_t left = st.ends_at_us > st.now_us ? (st.ends_at_us - st.now_us) / 1000000 : 0;
		say(r, "time left: %lld:%02lld\n", (long long)(left / 60), (long long)(left % 60));
	} else {
		say(r, "time left: -\n");
	}
	char text[5];
	say(r, "codec: %s\nbitrate: %u kbit/s\nfps: %u\n",
	    st.codec ? kyoyu_codec_label(st.codec, text) : "-", st.stats.kbps, st.stats.fps);
	if (st.stats.rtt_ms)
		say(r, "rtt: %u ms\n", st.stats.rtt_ms);
	else
		say(r, "rtt: -\n");
	say(r, "recording: %s\n", st.recording ? "yes" : "no");
	/* What crossed the link so far, by the transport's count: a paused
	 * session must not move it, on either side. */
	say(r, "video: %llu bytes %s\n", (unsigned long long)st.stats.bytes,
	    st.role == KYOYU_ROLE_SHARER ? "sent" : "received");
}

/* The sessions this agent ran, oldest first, one line each. */
static void do_sessions(kyoyu_ctl *ctl, reply *r)
{
	say(r, "ok\n");
	kyoyu_history_format(ctl->history, r->text + r->len, sizeof(r->text) - r->len);
	r->len += strlen(r->text + r->len);
}

static void dispatch(kyoyu_ctl *ctl, const char *cmd, reply *r)
{
	if (strcmp(cmd, "status") == 0)
		do_status(ctl, r);
	else if (strcmp(cmd, "sessions") == 0)
		do_sessions(ctl, r);
	else if (strcmp(cmd, "pause") == 0 || strcmp(cmd, "resume") == 0) {
		if (role_is(ctl, KYOYU_ROLE_SHARER, cmd, r))
			do_pause_resume(ctl, cmd[0] == 'p', r);
	} else if (strcmp(cmd, "leave") == 0) {
		if (role_is(ctl, KYOYU_ROLE_SHARER, cmd, r))
			do_end(ctl, KYOYU_END_LEFT, r);
	} else if (strcmp(cmd, "end") == 0) {
		if (role_is(ctl, KYOYU_ROLE_VIEWER, cmd, r))
			do_end(ctl, KYOYU_END_OPERATOR, r);
	} else if (strcmp(cmd, "new-code") == 0) {
		if (role_is(ctl, KYOYU_ROLE_VIEWER, cmd, r))
			do_new_code(ctl, r);
	} else if (cmd[0] == '\0')
		say(r, "error: empty request; send one command and a newline\n");
	else
		say(r, "error: unknown command \"%s\"; the %s knows: %s\n", cmd,
		    role_name(ctl->role), ctl->role == KYOYU_ROLE_SHARER
						? "pause, resume, leave, status, sessions"
						: "end, new-code, status, sessions");
}

/* Reads one request line into CMD.  Returns 0, or -EMSGSIZE, -EINVAL or a
 * read error, with R filled for the client when there is one to answer. */
static int read_request(int fd, char *cmd, size_t len, reply *r)
{
	size_t n = 0;
	int64_t deadline = kyoyu_now_us() + READ_TIMEOUT_MS * 1000;

	for (;;) {
		int64_t left = (deadline - kyoyu_now_us()) / 1000;
		struct pollfd p = {fd, POLLIN, 0};
		if (left <= 0 || kyoyu_os_poll(&p, 1, (int)left) <= 0) {
			say(r, "error: no complete request within %d s; send one command "
			    "and a newline\n", READ_TIMEOUT_MS / 1000);
			return -ETIMEDOUT;
		}
		ssize_t got = recv(fd, cmd + n, len - 1 - n, KYOYU_OS_MSG_DONTWAIT);
		int e = got < 0 ? kyoyu_os_socket_errno() : 0;
		if (e == EAGAIN || e == EINTR)
			continue;
		if (got < 0)
			return -e;
		n += (size_t)got;
		char *nl = memchr(cmd, '\n', n);
		if (nl || got == 0) {
			if (nl)
				n = (size_t)(nl - cmd);
			if (n && cmd[n - 1] == '\r')
				n--;
			cmd[n] = '\0';
			break;
		}
		if (n == len - 1) {
			say(r, "error: request too long (at most %d bytes)\n",
			    KYOYU_CTL_REQUEST_MAX - 1);
			return -EMSGSIZE;
		}
	}
	for (size_t i = 0; i < n; i++) {
		if (cmd[i] < 0x21 || cmd[i] > 0x7e) {
			say(r, "error: a request is one command word in ASCII\n");
			return -EINVAL;
		}
	}
	return 0;
}

static void serve(kyoyu_ctl *ctl, int fd)
{
	char cmd[KYOYU_CTL_REQUEST_MAX];
	reply r = {.len = 0};

	if (!kyoyu_ctl_peer_is_user(fd)) {
		kyoyu_warn("refused a control connection from another user");
		say(&r, "error: permission denied\n");
	} else if (read_request(fd, cmd, sizeof(cmd), &r) == 0) {
		kyoyu_info("ctl: %s", cmd);
		dispatch(ctl, cmd, &r);
	}
	/* The client may be gone already: no SIGPIPE, nothing to retry. */
	if (r.len && send(fd, r.text, r.len, KYOYU_OS_MSG_NOSIGNAL | KYOYU_OS_MSG_DONTWAIT) < 0)
		kyoyu_debug("could not answer a control client: %s",
			    strerror(kyoyu_os_socket_errno()));
	kyoyu_os_wipe(r.text, sizeof(r.text));
	kyoyu_os_socket_close(fd);
}

int kyoyu_ctl_run(void *ctx, kyoyu_stage *stage)
{
	kyoyu_ctl *ctl = ctx;

	ctl->inbox = kyoyu_stage_inbox(stage);
	kyoyu_inbox_set_mask(ctl->inbox, KYOYU_MSG_BIT(KYOYU_MSG_STATE) |
						 KYOYU_MSG_BIT(KYOYU_MSG_CODE));
	while (!kyoyu_stage_stopping(stage)) {
		struct pollfd fds[2] = {{ctl->listener.fd, POLLIN, 0},
					{kyoyu_inbox_fd(ctl->inbox), POLLIN, 0}};
		if (kyoyu_os_poll(fds, 2, -1) < 0 && errno != EINTR)
			return -errno;
		if (fds[1].revents)
			drain(ctl);
		if (!(fds[0].revents & POLLIN))
			continue;
		int fd = kyoyu_os_accept(ctl->listener.fd);
		if (fd >= 0)
			serve(ctl, fd);
	}
	return 0;
}
