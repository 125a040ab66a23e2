/* The configuration check, run in a child process (see config-check.h). */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config-check.h"
#include "loader.h"
#include "slots.h"

static int check_here(char *const *dirs, kyoyu_settings *settings, char *err,
		      size_t errlen)
{
	kyoyu_loader loader;

	if (kyoyu_loader_init(&loader, dirs)) {
		snprintf(err, errlen, "cannot start the plugin loader");
		return -EIO;
	}
	int ret = kyoyu_slots_check(&loader, settings, err, errlen);
	kyoyu_loader_fini(&loader);
	return ret;
}

/* Everything the child said, up to ERRLEN - 1 bytes. */
static void read_all(int fd, char *err, size_t errlen)
{
	size_t len = 0;

	while (len + 1 < errlen) {
		ssize_t n = read(fd, err + len, errlen - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	err[len] = '\0';
}

int kyoyu_config_check_apart(char *const *dirs, kyoyu_settings *settings, char *err,
			     size_t errlen)
{
	int fds[2];

	if (pipe(fds))
		return check_here(dirs, settings, err, errlen);
	/* What is buffered would otherwise be written twice. */
	fflush(stdout);
	fflush(stderr);
	pid_t child = fork();
	if (child < 0) {
		close(fds[0]);
		close(fds[1]);
		return check_here(dirs, settings, err, errlen);
	}
	if (child == 0) {
		close(fds[0]);
		int ret = check_here(dirs, settings, err, errlen);
		if (ret) {
			size_t len = strlen(err);
			for (size_t off = 0; off < len;) {
				ssize_t n = write(fds[1], err + off, len - off);
				if (n <= 0)
					break;
				off += (size_t)n;
			}
		}
		/* _exit: the plugins' libraries' exit handlers belong to
		 * the parent's copy of them. */
		_exit(ret ? 1 : 0);
	}
	close(fds[1]);
	read_all(fds[0], err, errlen);
	close(fds[0]);
	int status;
	while (waitpid(child, &status, 0) < 0) {
		if (errno != EINTR) {
			snprintf(err, errlen, "checking the configuration: %s", strerror(errno));
			return -ECHILD;
		}
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFSIGNALED(status))
		snprintf(err, errlen, "checking the configuration crashed (signal %d, "
			 "%s) while loading the plugins; try kyoyu-agent --check-config "
			 "FILE or --list-plugins", WTERMSIG(status), strsignal(WTERMSIG(status)));
	else if (!err[0])
		snprintf(err, errlen, "checking the configuration failed");
	return -EINVAL;
}
