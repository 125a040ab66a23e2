/* Small helpers shared by the unit tests. */
#ifndef KYOYU_TESTS_UTIL_H
#define KYOYU_TESTS_UTIL_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

#endif
