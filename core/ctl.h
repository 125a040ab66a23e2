/* SPDX-License-Identifier: MIT */
/* The control socket of a running agent, and `kyoyu-agent ctl ...`.
 *
 * The agent listens on a Unix stream socket only its own user may use: the
 * socket is mode 0600 in a directory of mode 0700 (by default
 * $XDG_RUNTIME_DIR/kyoyu/<role>.sock, or /tmp/kyoyu-<uid>/<role>.sock), and
 * every connection's peer credentials must name the agent's own user.  On
 * Windows (10 1803 and later, AF_UNIX too) it is
 * %LOCALAPPDATA%\kyoyu\<role>.sock, whose file's access list admits the
 * agent's user alone (ctl-listen-win32.c).
 *
 * One request per connection: a command word and a newline, at most
 * KYOYU_CTL_REQUEST_MAX bytes.  The reply is "ok\n" followed by the result,
 * or "error: <what happened and what to do>\n"; then the agent closes.
 *
 *   sharer: pause, resume, leave, status, sessions
 *   viewer: end, new-code, status, sessions
 *
 * Threads: kyoyu_ctl_new() and kyoyu_ctl_free() run on the core's thread
 * while no stage runs; kyoyu_ctl_run() is the "ctl" stage's thread, which
 * accepts, reads, posts bus requests and answers one client at a time. */
#ifndef KYOYU_CTL_H
#define KYOYU_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <kyoyu/bus.h>

#include "history.h"
#include "session.h"
#include "settings.h"

/* A request longer than this (newline included) is refused. */
#define KYOYU_CTL_REQUEST_MAX 64
/* The longest answer: `sessions` lists up to KYOYU_HISTORY_MAX sessions. */
#define KYOYU_CTL_ANSWER_MAX 65536

typedef struct kyoyu_ctl kyoyu_ctl;

/* The longest socket path (a Unix socket's address on both systems). */
#define KYOYU_CTL_PATH_MAX 108

/* ---- ctl-listen-posix.c / ctl-listen-win32.c: where the socket is made
 * and who may use it, the part that differs between systems. */

typedef struct kyoyu_ctl_listener {
	int fd;				/* listening; -1 when closed */
	char path[KYOYU_CTL_PATH_MAX];	/* set before kyoyu_ctl_listen */
	unsigned long long dev, ino;	/* of the socket file made, to remove only ours */
} kyoyu_ctl_listener;

/* Listens on L->path, made so that only this user can connect; with
 * PRIVATE_FOLDER, its folder (the default path's) is made or checked
 * private too.  Returns 0, or -errno with ERR saying why and what to do. */
int kyoyu_ctl_listen(kyoyu_ctl_listener *l, bool private_folder, char *err, size_t errlen);

/* Closes the socket and removes its file, unless another agent's replaced it. */
void kyoyu_ctl_unlisten(kyoyu_ctl_listener *l);

/* True when the peer of the accepted socket FD runs as this user. */
bool kyoyu_ctl_peer_is_user(int fd);

/* Writes the default socket path for ROLE into BUF.  Returns 0, or
 * -ENAMETOOLONG when it does not fit a socket address. */
int kyoyu_ctl_default_path(uint32_t role, char *buf, size_t len);

/* Opens the control socket from ctl.socket ("none" turns it off) or the
 * default path.  *OUT is NULL when there is none: turned off, or the default
 * place is unusable (warned; the session can run without it).  A configured
 * path that cannot be used is an error: returns -errno with ERR filled.
 * Core thread, before any stage starts. */
int kyoyu_ctl_new(const kyoyu_settings *settings, uint32_t role, kyoyu_bus *bus,
		  kyoyu_session *session, kyoyu_history *history, kyoyu_ctl **out,
		  char *err, size_t errlen);

/* The console's next session: the ctl stage is stopped meanwhile.  NULL
 * CTL is ignored. */
void kyoyu_ctl_set_session(kyoyu_ctl *ctl, kyoyu_session *session);

/* Closes the socket and removes its file.  NULL is ignored.  Core thread,
 * after the ctl stage stopped. */
void kyoyu_ctl_free(kyoyu_ctl *ctl);

/* Stage function (thread "ctl"): serves requests until the stage stops. */
int kyoyu_ctl_run(void *ctl, kyoyu_stage *stage);

/* `kyoyu-agent ctl COMMAND [--socket PATH] [--role ROLE] [-c FILE]`: sends
 * one request and prints the answer.  ARGV[0] is "ctl".  Returns the exit
 * status: 0 done, 1 refused or failed, 2 bad usage. */
int kyoyu_ctl_main(int argc, char **argv);

#endif
