/* SPDX-License-Identifier: MIT */
/* The control socket's place on Linux: a Unix socket of mode 0600 in a
 * folder of mode 0700, and the peer's credentials checked (see ctl.h). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <kyoyu/plugin.h>

#include "ctl.h"
#include "os.h"
#include "util.h"

/* Makes the folder of the default path private, or refuses one that
 * someone else could have prepared (a shared /tmp). */
static int private_dir(const char *path, char *err, size_t errlen)
{
	char dir[KYOYU_CTL_PATH_MAX];
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
	int probe = kyoyu_os_unix_socket(false);
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

int kyoyu_ctl_listen(kyoyu_ctl_listener *l, bool private_folder, char *err, size_t errlen)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	struct stat st;
	int ret;

	if (strlen(l->path) >= sizeof(addr.sun_path)) {
		seterr(err, errlen, "ctl.socket \"%s\" is too long for a socket path",
		       l->path);
		return -ENAMETOOLONG;
	}
	memcpy(addr.sun_path, l->path, strlen(l->path) + 1);
	if (private_folder && (ret = private_dir(l->path, err, errlen)))
		return ret;
	if ((ret = clear_path(&addr, err, errlen)))
		return ret;
	l->fd = kyoyu_os_unix_socket(true);
	if (l->fd < 0) {
		seterr(err, errlen, "cannot create the control socket: %s", strerror(errno));
		return -errno;
	}
	if ((ret = bind_and_listen(l->fd, &addr, &st, err, errlen))) {
		close(l->fd);
		l->fd = -1;
		return ret;
	}
	l->dev = st.st_dev;
	l->ino = st.st_ino;
	return 0;
}

void kyoyu_ctl_unlisten(kyoyu_ctl_listener *l)
{
	struct stat st;

	if (l->fd >= 0)
		close(l->fd);
	l->fd = -1;
	/* Another agent may have taken the path over since: leave its socket. */
	if (lstat(l->path, &st) == 0 && st.st_dev == l->dev && st.st_ino == l->ino)
		unlink(l->path);
}

/* The kernel's word on who connected. */
bool kyoyu_ctl_peer_is_user(int fd)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	return getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0 &&
	       cred.uid == geteuid();
}
