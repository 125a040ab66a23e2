/* SPDX-License-Identifier: MIT */
/* Private Xvfb servers and X clients for the x11 tests. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "xvfb.h"

/* Xvfb under a loaded, sanitized build can take a while to come up. */
#define START_TIMEOUT_MS 20000

bool program_available(const char *program)
{
	const char *path = getenv("PATH");
	char buf[PATH_MAX];

	if (!path)
		path = "/usr/bin:/bin";
	for (const char *p = path; *p;) {
		size_t len = strcspn(p, ":");
		snprintf(buf, sizeof(buf), "%.*s/%s", (int)len, p, program);
		if (len && access(buf, X_OK) == 0)
			return true;
		p += len + (p[len] == ':');
	}
	return false;
}

int xvfb_start(xvfb *x, const char *geometry)
{
	int fds[2];
	char fd_arg[16], number[16] = "";

	memset(x, 0, sizeof(*x));
	if (!program_available("Xvfb"))
		return -ENOENT;
	if (pipe2(fds, O_CLOEXEC) < 0)
		return -errno;
	snprintf(fd_arg, sizeof(fd_arg), "%d", fds[1]);
	x->pid = fork();
	if (x->pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return -errno;
	}
	if (x->pid == 0) {
		/* The server writes its display number here: keep it open. */
		fcntl(fds[1], F_SETFD, 0);
		/* A test that crashes takes its server with it. */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		int null = open("/dev/null", O_WRONLY);
		if (null >= 0) {
			dup2(null, STDOUT_FILENO);
			dup2(null, STDERR_FILENO);
		}
		/* -noreset: RandR changes survive the last client leaving. */
		execlp("Xvfb", "Xvfb", "-displayfd", fd_arg, "-screen", "0", geometry,
		       "-nolisten", "tcp", "-noreset", (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	struct pollfd pfd = {fds[0], POLLIN, 0};
	size_t used = 0;
	while (used < sizeof(number) - 1 && poll(&pfd, 1, START_TIMEOUT_MS) > 0) {
		ssize_t n = read(fds[0], number + used, sizeof(number) - 1 - used);
		if (n <= 0)
			break;
		used += (size_t)n;
		if (memchr(number, '\n', used))
			break;
	}
	close(fds[0]);
	number[used] = '\0';
	number[strcspn(number, "\n")] = '\0';
	if (!*number) {
		xvfb_stop(x);
		return -EIO;
	}
	snprintf(x->display, sizeof(x->display), ":%s", number);
	return 0;
}

void xvfb_stop(xvfb *x)
{
	stop_process(x->pid);
	x->pid = 0;
}

pid_t spawn_on(const char *display, char *const argv[])
{
	pid_t pid = fork();

	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		setenv("DISPLAY", display, 1);
		int null = open("/dev/null", O_RDWR);
		if (null >= 0) {
			dup2(null, STDIN_FILENO);
			dup2(null, STDOUT_FILENO);
			dup2(null, STDERR_FILENO);
		}
		execvp(argv[0], argv);
		_exit(127);
	}
	return pid;
}

int run_on(const char *display, char *const argv[])
{
	int status;
	pid_t pid = spawn_on(display, argv);

	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void stop_process(pid_t pid)
{
	if (pid <= 0)
		return;
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
}
