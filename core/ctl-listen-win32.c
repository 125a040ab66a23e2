/* SPDX-License-Identifier: MIT */
/* The control socket's place on Windows: a Unix socket (Windows 10 1803
 * and later) whose file admits this user alone (see ctl.h). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <winsock2.h>
#include <afunix.h>
#include <windows.h>
#include <aclapi.h>

#include <kyoyu/plugin.h>

#include "ctl.h"
#include "os.h"
#include "util.h"

/* True when an agent answers on PATH. */
static bool answers(const char *path)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	int probe = kyoyu_os_unix_socket(false);

	if (probe < 0)
		return false;
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path);
	bool live = connect((SOCKET)probe, (const struct sockaddr *)&addr, sizeof(addr)) == 0;
	kyoyu_os_socket_close(probe);
	return live;
}

/* The folder of the default path, made if missing.  Inside
 * %LOCALAPPDATA% it inherits the user's own access list: the user, the
 * system and the administrators. */
static int make_folder(const char *path, char *err, size_t errlen)
{
	char dir[KYOYU_CTL_PATH_MAX];

	snprintf(dir, sizeof(dir), "%s", path);
	char *sep = strrchr(dir, '\\');
	if (!sep)
		return 0;
	*sep = '\0';
	if (!CreateDirectoryA(dir, NULL) && GetLastError() != ERROR_ALREADY_EXISTS) {
		seterr(err, errlen, "cannot create %s (Windows error %lu)", dir,
		       (unsigned long)GetLastError());
		return -EACCES;
	}
	return 0;
}

/* Replaces the access list of the socket file PATH with one entry: this
 * user, full access.  Connecting to a Unix socket on Windows needs write
 * access to its file, so no other user can connect. */
static int restrict_to_user(const char *path, char *err, size_t errlen)
{
	HANDLE token = NULL;
	union {
		TOKEN_USER user;
		char bytes[256];
	} who;
	union {
		ACL acl;
		char bytes[256];
	} dacl;
	DWORD len, status = ERROR_SUCCESS;

	if (!OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &token) ||
	    !GetTokenInformation(token, TokenUser, &who, sizeof(who), &len) ||
	    !InitializeAcl(&dacl.acl, sizeof(dacl), ACL_REVISION) ||
	    !AddAccessAllowedAce(&dacl.acl, ACL_REVISION, GENERIC_ALL, who.user.User.Sid))
		status = GetLastError();
	else
		status = SetNamedSecurityInfoA((char *)path, SE_FILE_OBJECT,
					       DACL_SECURITY_INFORMATION |
						       PROTECTED_DACL_SECURITY_INFORMATION,
					       NULL, NULL, &dacl.acl, NULL);
	if (token)
		CloseHandle(token);
	if (status != ERROR_SUCCESS) {
		seterr(err, errlen, "cannot make %s private to this user (Windows error %lu): "
		       "set ctl.socket to a path in your own folder, or ctl.socket = \"none\"",
		       path, (unsigned long)status);
		return -EACCES;
	}
	return 0;
}

int kyoyu_ctl_listen(kyoyu_ctl_listener *l, bool private_folder, char *err, size_t errlen)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	int ret;

	if (strlen(l->path) >= sizeof(addr.sun_path)) {
		seterr(err, errlen, "ctl.socket \"%s\" is too long for a socket path", l->path);
		return -ENAMETOOLONG;
	}
	memcpy(addr.sun_path, l->path, strlen(l->path) + 1);
	if (private_folder && (ret = make_folder(l->path, err, errlen)))
		return ret;
	if (GetFileAttributesA(l->path) != INVALID_FILE_ATTRIBUTES) {
		if (answers(l->path)) {
			seterr(err, errlen, "another kyoyu-agent already listens on %s: set "
			       "ctl.socket to another path", l->path);
			return -EADDRINUSE;
		}
		/* Left by an agent that died. */
		DeleteFileA(l->path);
	}
	l->fd = kyoyu_os_unix_socket(true);
	if (l->fd < 0) {
		seterr(err, errlen, "cannot create the control socket: %s", strerror(errno));
		return -errno;
	}
	/* Nobody can connect before listen(): the file is narrowed first. */
	if (bind((SOCKET)l->fd, (const struct sockaddr *)&addr, sizeof(addr)) != 0) {
		ret = -kyoyu_os_socket_errno();
		seterr(err, errlen, "cannot listen on %s: %s", l->path, strerror(-ret));
		goto out_close;
	}
	if ((ret = restrict_to_user(l->path, err, errlen)))
		goto out_remove;
	if (listen((SOCKET)l->fd, 8) != 0) {
		ret = -kyoyu_os_socket_errno();
		seterr(err, errlen, "cannot listen on %s: %s", l->path, strerror(-ret));
		goto out_remove;
	}
	return 0;

out_remove:
	DeleteFileA(l->path);
out_close:
	kyoyu_os_socket_close(l->fd);
	l->fd = -1;
	return ret;
}

void kyoyu_ctl_unlisten(kyoyu_ctl_listener *l)
{
	if (l->fd < 0)
		return;
	kyoyu_os_socket_close(l->fd);
	l->fd = -1;
	/* Another agent may have taken the path over since: leave its socket. */
	if (!answers(l->path))
		DeleteFileA(l->path);
}

/* The socket file admits this user alone (restrict_to_user): whoever is
 * connected passed Windows' access check as this user. */
bool kyoyu_ctl_peer_is_user(int fd)
{
	(void)fd;
	return true;
}
