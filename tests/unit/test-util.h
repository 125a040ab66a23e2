/* SPDX-License-Identifier: MIT */
/* Small helpers shared by the unit tests. */
#ifndef KYOYU_TESTS_UTIL_H
#define KYOYU_TESTS_UTIL_H

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <kyoyu/clock.h>

/* Writes TEXT to a new temporary file and returns its path (free it, and
 * unlink the file, when done). */
static inline char *write_temp_file(const char *name, const char *text)
{
	const char *tmp = getenv("TMPDIR");
	char *path = malloc(4096);

	snprintf(path, 4096, "%s/kyoyu-test-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(path)) {
		free(path);
		return NULL;
	}
	strcat(path, "/");
	strcat(path, name);
	FILE *f = fopen(path, "w");
	if (!f) {
		free(path);
		return NULL;
	}
	fputs(text, f);
	fclose(f);
	return path;
}

/* Copies the file FROM to a new temporary file NAME and returns its path,
 * for remove_temp_file(); NULL when FROM cannot be read. */
static inline char *copy_temp_file(const char *name, const char *from)
{
	FILE *in = fopen(from, "rb");
	char *path = in ? write_temp_file(name, "") : NULL;
	FILE *out = path ? fopen(path, "wb") : NULL;
	char chunk[65536];
	size_t n;

	while (out && (n = fread(chunk, 1, sizeof(chunk), in)) > 0)
		fwrite(chunk, 1, n, out);
	if (in)
		fclose(in);
	if (out)
		fclose(out);
	return path;
}

/* Removes a file made by write_temp_file() and its folder. */
static inline void remove_temp_file(char *path)
{
	if (!path)
		return;
	unlink(path);
	char *slash = strrchr(path, '/');
	*slash = '\0';
	rmdir(path);
	free(path);
}

/* Polls COND every 2 ms for up to SECONDS; true once it held.  The machine
 * is shared and slow under sanitizers: callers give generous limits. */
#define WAIT_UNTIL(cond, seconds)                                              \
	({                                                                     \
		int64_t deadline_ = kyoyu_now_us() + (int64_t)((seconds) * 1e6); \
		bool ok_;                                                      \
		while (!(ok_ = (cond)) && kyoyu_now_us() < deadline_)          \
			usleep(2000);                                          \
		ok_;                                                           \
	})

/* A test of a debug-build assertion skips when NDEBUG compiled it out. */
#ifdef NDEBUG
#define SKIP_WITHOUT_ASSERTIONS() skip()
#else
#define SKIP_WITHOUT_ASSERTIONS() ((void)0)
#endif

/* Runs FN(ARG) in a child process and checks that it aborts (SIGABRT)
 * with a message on stderr holding every string of NEEDLES (NULL-ended):
 * for the debug-build assertions, whose abort must not end the test.  The
 * child has 20 s; it writes no core file.  Include cmocka.h first. */
static inline void assert_aborts_saying(void (*fn)(void *), void *arg,
					const char *const *needles)
{
	char text[4096];
	size_t len = 0;
	int fds[2], status;

	assert_int_equal(pipe(fds), 0);
	fflush(NULL); /* the child must not write the TAP lines again */
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct rlimit no_core = {0, 0};
		setrlimit(RLIMIT_CORE, &no_core);
		dup2(fds[1], STDERR_FILENO);
		close(fds[0]);
		close(fds[1]);
		alarm(20);
		fn(arg);
		_exit(0);
	}
	close(fds[1]);
	while (len + 1 < sizeof(text)) {
		ssize_t n = read(fds[0], text + len, sizeof(text) - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	text[len] = '\0';
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGABRT)
		fail_msg("the child did not abort (%s %d); it said: %s",
			 WIFSIGNALED(status) ? "signal" : "exit status",
			 WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status), text);
	for (; *needles; needles++)
		if (!strstr(text, *needles))
			fail_msg("the abort message lacks \"%s\": %s", *needles, text);
}

#endif
