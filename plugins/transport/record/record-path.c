/* SPDX-License-Identifier: MIT */
/* transport/record: where a recording goes (see record-path.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "plugins/common/seterr.h"
#include "record-path.h"

/* The strftime fields a template may use: dates and times, nothing that
 * depends on the locale's wording beyond names of days and months. */
static const char time_fields[] = "aAbBdeFHIjmMpSTuVwyYzZ";

/* A recording that runs out of names has a wrong template (no %i, no time). */
#define MAX_SUFFIX 999

int record_path_check(const char *template, char *err, size_t errlen)
{
	for (const char *p = template; *p; p++) {
		if (*p != '%')
			continue;
		p++;
		if (*p == 'i' || *p == '%' || (*p && strchr(time_fields, *p)))
			continue;
		char field[3] = {'%', *p, '\0'};
		seterr(err, errlen, "record.path \"%s\": %s is not a field kyoyu knows; use "
		       "%%i (the recording's id), %%%% (a %% sign) or a date and time "
		       "field: %%Y %%m %%d %%H %%M %%S %%F %%T %%j %%a %%b...", template,
		       *p ? field : "a % at the end");
		return -EINVAL;
	}
	return 0;
}

int record_path_expand(const char *template, const char *id, const struct tm *tm,
		       char *out, size_t len, char *err, size_t errlen)
{
	char format[PATH_MAX];
	size_t n = 0;
	int ret = record_path_check(template, err, errlen);

	if (ret)
		return ret;
	for (const char *p = template; *p; p++) {
		const char *add = p[0] == '%' && p[1] == 'i' ? id : NULL;
		size_t add_len = add ? strlen(add) : (p[0] == '%' ? 2 : 1);
		if (n + add_len >= sizeof(format))
			goto too_long;
		memcpy(format + n, add ? add : p, add_len);
		n += add_len;
		p += p[0] == '%'; /* past the field's letter */
	}
	format[n] = '\0';
	/* strftime() says 0 for a result that does not fit; the template is
	 * never empty here (the caller gives a default). */
	if (n && strftime(out, len, format, tm) > 0)
		return 0;
too_long:
	seterr(err, errlen, "record.path \"%s\" makes a file name longer than the system "
	       "allows: choose a shorter one", template);
	return -ENAMETOOLONG;
}

/* mkdir -p DIR with mode 0700 for what it creates. */
static int make_dirs(char *dir)
{
	for (char *slash = dir + 1;; slash++) {
		if (*slash != '/' && *slash != '\0')
			continue;
		char saved = *slash;
		*slash = '\0';
		int failed = mkdir(dir, 0700) != 0 && errno != EEXIST;
		*slash = saved;
		if (failed)
			return -errno;
		if (saved == '\0')
			return 0;
	}
}

int record_path_prepare_dir(const char *file, int64_t min_free_mb, char *err,
			    size_t errlen)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(file, '/');
	struct stat st;
	struct statvfs fs;

	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == file)
		snprintf(dir, sizeof(dir), "/");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - file), file);

	int ret = make_dirs(dir);
	if (ret == 0 && stat(dir, &st) != 0)
		ret = -errno;
	if (ret) {
		seterr(err, errlen, "recordings go to %s, which cannot be created (%s): "
		       "create it, or set record.path to a folder this user can write", dir,
		       strerror(-ret));
		return ret;
	}
	if (!S_ISDIR(st.st_mode)) {
		seterr(err, errlen, "recordings go to %s, which is not a folder: set "
		       "record.path to a folder", dir);
		return -ENOTDIR;
	}
	if (access(dir, W_OK | X_OK) != 0) {
		seterr(err, errlen, "recordings go to %s, where this user may not write: give "
		       "the user write access, or set record.path to another folder", dir);
		return -EACCES;
	}
	if (statvfs(dir, &fs) != 0) {
		seterr(err, errlen, "cannot tell how much room is left in %s (%s)", dir,
		       strerror(errno));
		return -EIO;
	}
	int64_t free_mb = (int64_t)((uint64_t)fs.f_bavail * fs.f_frsize >> 20);
	if (free_mb < min_free_mb) {
		seterr(err, errlen, "the disk holding %s is almost full (%lld MiB free, %lld "
		       "needed): free some room, or lower record.min_free_mb", dir,
		       (long long)free_mb, (long long)min_free_mb);
		return -ENOSPC;
	}
	return 0;
}

void record_path_numbered(const char *path, unsigned n, char *out, size_t len)
{
	const char *slash = strrchr(path, '/');
	const char *dot = strrchr(path, '.');

	if (!dot || (slash && dot < slash) || dot == (slash ? slash + 1 : path))
		dot = path + strlen(path);
	snprintf(out, len, "%.*s-%u%s", (int)(dot - path), path, n, dot);
}

int record_path_claim(const char *wanted, char *out, size_t len)
{
	for (unsigned n = 1; n <= MAX_SUFFIX; n++) {
		if (n == 1)
			snprintf(out, len, "%s", wanted);
		else
			record_path_numbered(wanted, n, out, len);
		/* O_EXCL: a file that appeared since is never replaced. */
		int fd = open(out, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd >= 0) {
			close(fd);
			return 0;
		}
		if (errno != EEXIST)
			return -errno;
	}
	return -EEXIST;
}
