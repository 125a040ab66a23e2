/* SPDX-License-Identifier: MIT */
/* The configuration file, read with libconfig into the settings store. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <libconfig.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config-file.h"
#include "os.h"

/* The complete example, every key with its comment, is under 3 KB: a file
 * past 1 MB is the wrong file (a recording, a log), said at once; the
 * message says "1 MB". */
#define CONFIG_MAX_BYTES (1 << 20)
/* kyoyu knows fewer than 100 keys, and a value longer than a path is no
 * value of kyoyu's; libconfig's cost is quadratic past these (see
 * prepare_text). */
#define CONFIG_MAX_VALUES 1000
#define CONFIG_MAX_STRING 8192

static int put_scalar(kyoyu_settings *settings, const char *group,
		      config_setting_t *cs, const char *origin, char *err,
		      size_t errlen)
{
	const char *key = config_setting_name(cs);
	kyoyu_setting *s;

	switch (config_setting_type(cs)) {
	case CONFIG_TYPE_BOOL:
		if (!(s = kyoyu_settings_put(settings, group, key, origin)))
			return -ENOMEM;
		s->type = KYOYU_VALUE_BOOL;
		s->b = config_setting_get_bool(cs);
		return 0;
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		if (!(s = kyoyu_settings_put(settings, group, key, origin)))
			return -ENOMEM;
		s->type = KYOYU_VALUE_INT;
		s->i = config_setting_get_int64(cs);
		return 0;
	case CONFIG_TYPE_FLOAT:
		if (!(s = kyoyu_settings_put(settings, group, key, origin)))
			return -ENOMEM;
		s->type = KYOYU_VALUE_DOUBLE;
		s->d = config_setting_get_float(cs);
		return 0;
	case CONFIG_TYPE_STRING:
		if (!(s = kyoyu_settings_put(settings, group, key, origin)) ||
		    !(s->s = strdup(config_setting_get_string(cs))))
			return -ENOMEM;
		s->type = KYOYU_VALUE_STRING;
		return 0;
	case CONFIG_TYPE_ARRAY:
	case CONFIG_TYPE_LIST: {
		int n = config_setting_length(cs);
		for (int i = 0; i < n; i++) {
			if (config_setting_type(config_setting_get_elem(cs, (unsigned)i)) !=
			    CONFIG_TYPE_STRING) {
				snprintf(err, errlen, "%s: %s%s%s must be a list of strings",
					 origin, group, *group ? "." : "", key);
				return -EINVAL;
			}
		}
		if (!(s = kyoyu_settings_put(settings, group, key, origin)) ||
		    !(s->list = calloc((size_t)n + 1, sizeof(char *))))
			return -ENOMEM;
		s->type = KYOYU_VALUE_LIST;
		for (int i = 0; i < n; i++)
			if (!(s->list[i] = strdup(config_setting_get_string_elem(cs, i))))
				return -ENOMEM;
		return 0;
	}
	default:
		snprintf(err, errlen, "%s: %s%s%s: groups nest one level only "
			 "(write %s.%s = value inside group %s)", origin, group,
			 *group ? "." : "", key, group, key, group);
		return -EINVAL;
	}
}

static void origin_of(config_setting_t *cs, const char *path, char *buf, size_t len)
{
	const char *file = config_setting_source_file(cs);
	snprintf(buf, len, "%s:%u", file ? file : path, config_setting_source_line(cs));
}

/* What a path names, when it is not a regular file. */
static const char *file_kind(mode_t mode)
{
	if (S_ISDIR(mode))
		return "a folder";
	if (S_ISFIFO(mode))
		return "a named pipe (FIFO)";
	if (S_ISCHR(mode) || S_ISBLK(mode))
		return "a device";
	if (S_ISSOCK(mode))
		return "a socket";
	return "not a regular file";
}

static int refuse_kind(const char *path, mode_t mode, char *err, size_t errlen)
{
	snprintf(err, errlen, "%s is %s, not a configuration file: give the path of "
		 "a regular file (kyoyu-agent -c FILE)", path, file_kind(mode));
	return -EINVAL;
}

/* Reads PATH whole into *TEXT (NUL-terminated).  Only a regular file of at
 * most CONFIG_MAX_BYTES: it is opened without blocking, so a FIFO or a
 * device is refused at once instead of waiting for a writer or reading for
 * ever. */
static int read_whole_file(const char *path, char **text, size_t *len, char *err,
			   size_t errlen)
{
	struct stat st;
	int fd = kyoyu_os_open_read(path);
	int ret = -EINVAL;
	char *buf = NULL;
	size_t got = 0;

	*text = NULL;
	if (fd < 0) {
		int open_errno = errno;
		/* A socket cannot be opened at all: say what it is. */
		if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
			return refuse_kind(path, st.st_mode, err, errlen);
		snprintf(err, errlen, "%s: cannot read the file: %s", path,
			 strerror(open_errno));
		return -EINVAL;
	}
	if (fstat(fd, &st) != 0) {
		snprintf(err, errlen, "%s: cannot read the file: %s", path, strerror(errno));
		goto out_close;
	}
	if (!S_ISREG(st.st_mode)) {
		ret = refuse_kind(path, st.st_mode, err, errlen);
		goto out_close;
	}
	if (st.st_size > CONFIG_MAX_BYTES)
		goto out_too_big;
	/* One byte more than the limit tells a file that grew since fstat. */
	buf = malloc(CONFIG_MAX_BYTES + 2);
	if (!buf) {
		ret = -ENOMEM;
		goto out_close;
	}
	while (got <= CONFIG_MAX_BYTES) {
		ssize_t n = read(fd, buf + got, CONFIG_MAX_BYTES + 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(err, errlen, "%s: cannot read the file: %s", path,
				 strerror(errno));
			free(buf);
			goto out_close;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	if (got > CONFIG_MAX_BYTES) {
		free(buf);
		st.st_size = (off_t)got;
		goto out_too_big;
	}
	buf[got] = '\0';
	*text = buf;
	*len = got;
	ret = 0;
	goto out_close;

out_too_big:
	snprintf(err, errlen, "%s is %s%lld bytes; a configuration file holds at most "
		 "1 MB, %d bytes (the complete example with every key is 3 KB): is it "
		 "the right file?", path, got > CONFIG_MAX_BYTES ? "over " : "",
		 (long long)st.st_size, CONFIG_MAX_BYTES);
out_close:
	close(fd);
	return ret;
}

static bool is_name_start(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '*';
}

static bool is_name_char(char c)
{
	return is_name_start(c) || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_hex_digit(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

typedef enum number_width {
	NUMBER_FITS,
	NUMBER_NEEDS_L, /* an integer without L that does not fit 32 bits */
	NUMBER_TOO_WIDE, /* an integer that does not fit 64 bits */
} number_width;

static bool exponent_at(const char *text, size_t i)
{
	return (text[i] == 'e' || text[i] == 'E') &&
	       (is_digit(text[i + 1]) ||
		((text[i + 1] == '+' || text[i + 1] == '-') && is_digit(text[i + 2])));
}

/* The end of the number starting at TEXT + I, as libconfig's scanner takes
 * it (the longest of integer, hex and float, with an optional L or LL), and
 * whether it reads it whole. */
static size_t number_end(const char *text, size_t i, number_width *width)
{
	bool hex = text[i] == '0' && (text[i + 1] == 'x' || text[i + 1] == 'X') &&
		   is_hex_digit(text[i + 2]);
	size_t start = i;

	*width = NUMBER_FITS;
	if (hex) {
		for (i += 2; is_hex_digit(text[i]); i++)
			;
	} else {
		if (text[i] == '+' || text[i] == '-')
			i++;
		while (is_digit(text[i]))
			i++;
		if (text[i] == '.' || exponent_at(text, i)) {
			if (text[i] == '.')
				for (i++; is_digit(text[i]); i++)
					;
			if (exponent_at(text, i))
				for (i += 2; is_digit(text[i]); i++)
					;
			return i;
		}
	}
	/* Without L, libconfig keeps an int: atoi(), or strtoul() for hex.
	 * With L, a long long: atoll(), or strtoull() for hex. */
	errno = 0;
	unsigned long long magnitude = hex ? strtoull(text + start, NULL, 16) : 0;
	long long value = hex ? 0 : strtoll(text + start, NULL, 10);
	bool fits64 = errno != ERANGE && (!hex || magnitude <= INT64_MAX);
	bool fits32 = hex ? magnitude <= INT32_MAX : value >= INT32_MIN && value <= INT32_MAX;
	if (!fits64)
		*width = NUMBER_TOO_WIDE;
	else if (text[i] != 'L' && !fits32)
		*width = NUMBER_NEEDS_L;
	if (text[i] == 'L')
		return text[i + 1] == 'L' ? i + 2 : i + 1;
	return i;
}

typedef enum token_kind {
	TOKEN_SPACE, /* white space or a comment */
	TOKEN_STRING,
	TOKEN_NUMBER,
	TOKEN_SEPARATOR, /* '=' or ':' after a name, ',' between list entries */
	TOKEN_INCLUDE,
	TOKEN_OTHER,
} token_kind;

/* The token at TEXT + I, cut as libconfig's scanner cuts it (as finely as
 * prepare_text needs), and where it ends.  TEXT[LEN] is NUL. */
static token_kind next_token(const char *text, size_t len, size_t i, bool line_start,
			     size_t *end, number_width *width)
{
	char c = text[i];

	*end = i + 1;
	if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f')
		return TOKEN_SPACE;
	if (c == '#' || (c == '/' && text[i + 1] == '/')) {
		while (*end < len && text[*end] != '\n')
			++*end;
		return TOKEN_SPACE;
	}
	if (c == '/' && text[i + 1] == '*') {
		const char *close = strstr(text + i + 2, "*/");
		*end = close ? (size_t)(close - text) + 2 : len;
		return TOKEN_SPACE;
	}
	if (c == '"') {
		while (*end < len && text[*end] != '"')
			*end += text[*end] == '\\' && *end + 1 < len ? 2 : 1;
		*end = *end < len ? *end + 1 : len;
		return TOKEN_STRING;
	}
	if (is_name_start(c)) {
		while (is_name_char(text[*end]))
			++*end;
		return TOKEN_OTHER;
	}
	if (is_digit(c) || c == '.' || ((c == '+' || c == '-') && is_digit(text[i + 1]))) {
		*end = number_end(text, i, width);
		return TOKEN_NUMBER;
	}
	if (c == '=' || c == ':' || c == ',')
		return TOKEN_SEPARATOR;
	if (c == '@' && line_start && strncmp(text + i, "@include", 8) == 0)
		return TOKEN_INCLUDE;
	return TOKEN_OTHER;
}

/* Prepares TEXT for libconfig 1.5 (Debian 12's), into *OUT, so that what it
 * reads is what the file says, in time linear in the file's size:
 * - an integer without the L suffix that does not fit 32 bits gets one: its
 *   scanner would truncate it (4294967296 reads as 0, 4294974743 as 7447),
 *   and the value must reach the range checks whole, as from -o; one that
 *   does not fit 64 bits is refused;
 * - each setting costs a search of its group for a duplicate, and lists and
 *   strings grow by realloc() in small steps (64 bytes, 16 entries): with an
 *   allocator that copies, as ASan's does, 1 MB of keys, list entries or
 *   string escapes took 13 to 192 s.  More than CONFIG_MAX_VALUES settings
 *   and list entries, and strings longer than CONFIG_MAX_STRING, are refused;
 * - @include would open another file behind these checks: refused.
 * Strings and comments are skipped as libconfig's scanner skips them. */
static int prepare_text(const char *path, const char *text, size_t len, char **out,
			char *err, size_t errlen)
{
	/* An integer too wide for 32 bits has at least 10 characters, so at
	 * most one L is added per 10 bytes. */
	char *buf = malloc(len + len / 10 + 2);
	size_t o = 0, values = 0, string_run = 0, end;
	token_kind last = TOKEN_OTHER;
	unsigned line = 1;
	bool line_start = true;

	*out = NULL;
	if (!buf)
		return -ENOMEM;
	for (size_t i = 0; i < len; i = end) {
		number_width width = NUMBER_FITS;
		token_kind kind = next_token(text, len, i, line_start, &end, &width);

		if (width == NUMBER_TOO_WIDE) {
			snprintf(err, errlen, "%s:%u: %.*s does not fit a 64-bit integer",
				 path, line, (int)(end - i), text + i);
			goto out_refused;
		}
		/* Adjacent strings are one: "a" "b" is "ab". */
		if (kind == TOKEN_STRING)
			string_run = (last == TOKEN_STRING ? string_run : 0) + end - i;
		if (kind == TOKEN_STRING && string_run > CONFIG_MAX_STRING) {
			snprintf(err, errlen, "%s:%u: a string of more than %d bytes; no "
				 "setting takes one that long (a path holds at most 4096)",
				 path, line, CONFIG_MAX_STRING);
			goto out_refused;
		}
		if (kind == TOKEN_SEPARATOR && ++values > CONFIG_MAX_VALUES) {
			snprintf(err, errlen, "%s:%u: more than %d settings and list "
				 "entries; kyoyu knows fewer than 100 keys: is it the "
				 "right file?", path, line, CONFIG_MAX_VALUES);
			goto out_refused;
		}
		if (kind == TOKEN_INCLUDE) {
			snprintf(err, errlen, "%s:%u: @include is not supported: kyoyu "
				 "reads its configuration from one file (copy the settings "
				 "into it)", path, line);
			goto out_refused;
		}
		last = kind == TOKEN_SPACE ? last : kind;
		for (size_t k = i; k < end; k++) {
			line += text[k] == '\n';
			line_start = text[k] == '\n' ||
				     (line_start && (text[k] == ' ' || text[k] == '\t'));
		}
		memcpy(buf + o, text + i, end - i);
		o += end - i;
		if (width == NUMBER_NEEDS_L)
			buf[o++] = 'L';
	}
	buf[o] = '\0';
	*out = buf;
	return 0;

out_refused:
	free(buf);
	return -EINVAL;
}

int kyoyu_config_load(const char *path, kyoyu_settings *settings, char *err,
		      size_t errlen)
{
	config_t cfg;
	char *text, *prepared;
	size_t len;
	char origin[512];

	int ret = read_whole_file(path, &text, &len, err, errlen);
	if (ret)
		goto out_error;
	/* libconfig stops at a NUL; what follows would be ignored unseen. */
	const char *nul = memchr(text, '\0', len);
	if (nul) {
		unsigned line = 1;
		for (const char *p = text; p < nul; p++)
			line += *p == '\n';
		snprintf(err, errlen, "%s:%u: a NUL byte: this is not a text file; is it "
			 "the right file?", path, line);
		free(text);
		return -EINVAL;
	}
	ret = prepare_text(path, text, len, &prepared, err, errlen);
	free(text);
	if (ret)
		goto out_error;
	config_init(&cfg);
	/* From memory: reading a FILE *, libconfig 1.5's scanner rescans a long
	 * token from its start every 8 KB (a 4 MB comment took 10 s). */
	int parsed = config_read_string(&cfg, prepared);
	free(prepared);
	if (!parsed) {
		snprintf(err, errlen, "%s:%d: %s", path, config_error_line(&cfg),
			 config_error_text(&cfg));
		ret = -EINVAL;
		goto out_destroy;
	}
	config_setting_t *root = config_root_setting(&cfg);
	for (int i = 0; ret == 0 && i < config_setting_length(root); i++) {
		config_setting_t *top = config_setting_get_elem(root, (unsigned)i);
		origin_of(top, path, origin, sizeof(origin));
		if (config_setting_type(top) != CONFIG_TYPE_GROUP) {
			ret = put_scalar(settings, "", top, origin, err, errlen);
			continue;
		}
		const char *group = config_setting_name(top);
		for (int j = 0; ret == 0 && j < config_setting_length(top); j++) {
			config_setting_t *cs = config_setting_get_elem(top, (unsigned)j);
			origin_of(cs, path, origin, sizeof(origin));
			ret = put_scalar(settings, group, cs, origin, err, errlen);
		}
	}
out_destroy:
	config_destroy(&cfg);
out_error:
	if (ret == -ENOMEM)
		snprintf(err, errlen, "%s: out of memory", path);
	return ret;
}
