/* SPDX-License-Identifier: MIT */
/* The control socket's server side: a core stage that answers one request
 * per connection (see ctl.h for the protocol and who may connect). */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define KYOYU_LOG_COMPONENT "ctl"
#include <kyoyu/plugin.h>

#include "codecs.h"
#include "ctl.h"
#include "history.h"
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
	int fd;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	dev_t dev; /* of the socket file we bound, to remove only ours */
	ino_t ino;
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
	const char *runtime = getenv("XDG_RUNTIME_DIR");
	int n;

	if (runtime && runtime[0] == '/')
		n = snprintf(buf, len, "%s/kyoyu/%s.sock", runtime, role_name(role));
	else
		n = snprintf(buf, len, "/tmp/kyoyu-%u/%s.sock", (unsigned)geteuid(),
			     role_name(role));
	if (n < 0 || (size_t)n >= len ||
	    (size_t)n >= sizeof(((struct sockaddr_un *)0)->sun_path))
		return -ENAMETOOLONG;
	return 0;
}

/* Makes the folder of the default path private, or refuses one that
 * someone else could have prepared (a shared /tmp). */
static int private_dir(const char *path, char *err, size_t errlen)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct stat st;

	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		seterr(err, errlen, "cannot create %s: %s", dir, strerror(errno));
		return -errno;
	}
	if (lstat(dir, &st) != 0) {
		seterr(err, errlen, "cannot check %s: %s", dir, strerror(errno));
		return -errno;
	}
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 077)) {
		seterr(err, errlen, "%s is not a private folder of this user (owner %u, "
		       "mode %03o): remove it, or set ctl.socket", dir,
		       (unsigned)st.st_uid, (unsigned)(st.st_mode & 0777));
		return -EPERM;
	}
	return 0;
}

/* Clears a stale socket left by an agent that died; refuses to touch
 * anything else, or a socket another agent still answers on. */
static int clear_path(const struct sockaddr_un *addr, char *err, size_t errlen)
{
	struct stat st;

	if (lstat(addr->sun_path, &st) != 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode)) {
		seterr(err, errlen, "%s exists and is not a socket: remove it, or set "
		       "ctl.socket", addr->sun_path);
		return -EEXIST;
	}
	int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (probe < 0)
		return -errno;
	int live = connect(probe, (const struct sockaddr *)addr, sizeof(*addr)) == 0;
	close(probe);
	if (live) {
		seterr(err, errlen, "another kyoyu-agent already listens on %s: set "
		       "ctl.socket to another path", addr->sun_path);
		return -EADDRINUSE;
	}
	unlink(addr->sun_path);
	return 0;
}

/* The folder beside the socket's path where it is made (mkdtemp). */
#define STAGING ".kyXXXXXX"

/* Makes FD listen on ADDR, mode 0600 from the first instant another user
 * could reach it, without the process-wide umask: plugins' threads run by
 * now, and a file one of them created meanwhile would get the socket's
 * mode.  The socket is bound in a new folder beside the path, which
 * mkdtemp() makes 0700 so no one else can reach in; it is narrowed to 0600
 * and listening there, and only then linked to its name, which thus appears
 * private and answering.  link() fails instead of replacing a socket that
 * another agent put there since clear_path().  ST receives the socket's
 * file status. */
static int bind_and_listen(int fd, const struct sockaddr_un *addr, struct stat *st,
			   char *err, size_t errlen)
{
	const char *path = addr->sun_path;
	const char *slash = strrchr(path, '/');
	struct sockaddr_un staged = {.sun_family = AF_UNIX};
	char dir[sizeof(staged.sun_path)];
	int n = snprintf(dir, sizeof(dir), "%.*s" STAGING,
			 slash ? (int)(slash - path) + 1 : 0, path);
	int ret = 0;

	if (n < 0 || (size_t)n + sizeof("/s") > sizeof(staged.sun_path)) {
		seterr(err, errlen, "the control socket %s is in a folder whose path is "
		       "too long (at most %zu bytes): set ctl.socket to a shorter path",
		       path, sizeof(dir) - sizeof(STAGING "/s"));
		return -ENAMETOOLONG;
	}
	if (!mkdtemp(dir)) {
		ret = -errno;
		seterr(err, errlen, "cannot create a folder beside %s: %s", path,
		       strerror(errno));
		return ret;
	}
	memcpy(staged.sun_path, dir, (size_t)n);
	memcpy(staged.sun_path + n, "/s", sizeof("/s"));
	if (bind(fd, (const struct sockaddr *)&staged, sizeof(staged)) != 0 ||
	    chmod(staged.sun_path, 0600) != 0 || listen(fd, 8) != 0 ||
	    lstat(staged.sun_path, st) != 0 || link(staged.sun_path, path) != 0) {
		ret = -errno;
		if (errno == EEXIST)
			seterr(err, errlen, "another kyoyu-agent took %s just now: set "
			       "ctl.socket to another path", path);
		else
			seterr(err, errlen, "cannot listen on %s: %s", path, strerror(errno));
	}
	unlink(staged.sun_path);
	rmdir(dir);
	return ret;
}

static int open_socket(kyoyu_ctl *ctl, bool private_folder, char *err, size_t errlen)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	struct stat st;
	int ret;

	if (strlen(ctl->path) >= sizeof(addr.sun_path)) {
		seterr(err, errlen, "ctl.socket \"%s\" is too long for a socket path",
		       ctl->path);
		return -ENAMETOOLONG;
	}
	memcpy(addr.sun_path, ctl->path, strlen(ctl->path) + 1);
	if (private_folder && (ret = private_dir(ctl->path, err, errlen)))
		return ret;
	if ((ret = clear_path(&addr, err, errlen)))
		return ret;
	ctl->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (ctl->fd < 0) {
		seterr(err, errlen, "cannot create the control socket: %s", strerror(errno));
		return -errno;
	}
	if ((ret = bind_and_listen(ctl->fd, &addr, &st, err, errlen))) {
		close(ctl->fd);
		ctl->fd = -1;
		return ret;
	}
	ctl->dev = st.st_dev;
	ctl->ino = st.st_ino;
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
	ctl->fd = -1;
	ctl->role = role;
	ctl->bus = bus;
	ctl->session = session;
	ctl->history = history;
	int ret = 0;
	if (!path)
		ret = kyoyu_ctl_default_path(role, ctl->path, sizeof(ctl->path));
	else if (strlen(path) < sizeof(ctl->path))
		memcpy(ctl->path, path, strlen(path) + 1);
	else
		ret = -ENAMETOOLONG;
	if (ret == -ENAMETOOLONG)
		seterr(err, errlen, "the control socket path \"%s\" is too long (at most "
		       "%zu bytes)", path ? path : ctl->path, sizeof(ctl->path) - 1);
	if (ret == 0)
		ret = open_socket(ctl, !path, err, errlen);
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
	kyoyu_info("control socket: %s", ctl->path);
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
	struct stat st;

	if (!ctl)
		return;
	if (ctl->fd >= 0)
		close(ctl->fd);
	/* Another agent may have taken the path over since: leave its socket. */
	if (lstat(ctl->path, &st) == 0 && st.st_dev == ctl->dev && st.st_ino == ctl->ino)
		unlink(ctl->path);
	free(ctl);
}

/* ---- answering ----------------------------------------------------------- */

typedef struct reply {
	/* A status with two names of 64 characters; the list of sessions. */
	char text[KYOYU_CTL_ANSWER_MAX];
	size_t len;
} reply;

static void say(reply *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
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
			explicit_bzero(code, sizeof(code));
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
		if (left <= 0 || poll(&p, 1, (int)left) <= 0) {
			say(r, "error: no complete request within %d s; send one command "
			    "and a newline\n", READ_TIMEOUT_MS / 1000);
			return -ETIMEDOUT;
		}
		ssize_t got = recv(fd, cmd + n, len - 1 - n, MSG_DONTWAIT);
		if (got < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (got < 0)
			return -errno;
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

/* The kernel's word on who connected: only this agent's user is served. */
static bool same_user(int fd)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	return getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0 &&
	       cred.uid == geteuid();
}

static void serve(kyoyu_ctl *ctl, int fd)
{
	char cmd[KYOYU_CTL_REQUEST_MAX];
	reply r = {.len = 0};

	if (!same_user(fd)) {
		kyoyu_warn("refused a control connection from another user");
		say(&r, "error: permission denied\n");
	} else if (read_request(fd, cmd, sizeof(cmd), &r) == 0) {
		kyoyu_info("ctl: %s", cmd);
		dispatch(ctl, cmd, &r);
	}
	/* The client may be gone already: no SIGPIPE, nothing to retry. */
	if (r.len && send(fd, r.text, r.len, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
		kyoyu_debug("could not answer a control client: %s", strerror(errno));
	explicit_bzero(r.text, sizeof(r.text));
	close(fd);
}

int kyoyu_ctl_run(void *ctx, kyoyu_stage *stage)
{
	kyoyu_ctl *ctl = ctx;

	ctl->inbox = kyoyu_stage_inbox(stage);
	kyoyu_inbox_set_mask(ctl->inbox, KYOYU_MSG_BIT(KYOYU_MSG_STATE) |
						 KYOYU_MSG_BIT(KYOYU_MSG_CODE));
	while (!kyoyu_stage_stopping(stage)) {
		struct pollfd fds[2] = {{ctl->fd, POLLIN, 0},
					{kyoyu_inbox_fd(ctl->inbox), POLLIN, 0}};
		if (poll(fds, 2, -1) < 0 && errno != EINTR)
			return -errno;
		if (fds[1].revents)
			drain(ctl);
		if (!(fds[0].revents & POLLIN))
			continue;
		int fd = accept4(ctl->fd, NULL, NULL, SOCK_CLOEXEC);
		if (fd >= 0)
			serve(ctl, fd);
	}
	return 0;
}
