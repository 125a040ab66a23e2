/* SPDX-License-Identifier: MIT */
/* The session's facts beside each recording, as JSON. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <kyoyu/kyoyu.h>

#include "record-facts.h"

/* A JSON string: quotes, backslashes and control characters escaped; the
 * bytes are UTF-8 already (names from the network are checked by the
 * transport, the rest is ours). */
static void put_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", out); /* a consent notice's lines */
		else if (c < 0x20 || c == 0x7f)
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

/* A time as "2026-12-06T11:20:01+09:00", or null. */
static void put_time(FILE *out, time_t t)
{
	struct tm tm;
	char text[40];

	if (!t || !localtime_r(&t, &tm) || !strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%S%z", &tm)) {
		fputs("null", out);
		return;
	}
	/* strftime's +0900 as RFC 3339's +09:00. */
	size_t n = strlen(text);
	fprintf(out, "\"%.*s:%s\"", (int)(n - 2), text, text + n - 2);
}

static const char *consent_name(uint32_t consent)
{
	switch (consent) {
	case KYOYU_CONSENT_GRANTED:
		return "granted";
	case KYOYU_CONSENT_GRANTED_UNRECORDED:
		return "granted without recording";
	case KYOYU_CONSENT_DECLINED:
		return "declined";
	default:
		return "";
	}
}

static void put_facts(FILE *out, const record_facts *f, const char *recording)
{
	const char *slash = strrchr(recording, '/');

	fputs("{\n  \"recording\": ", out);
	put_string(out, slash ? slash + 1 : recording);
	fputs(",\n  \"operator\": ", out);
	put_string(out, f->operator_name);
	fputs(",\n  \"operator_organisation\": ", out);
	put_string(out, f->operator_org);
	fputs(",\n  \"operator_account\": ", out);
	put_string(out, f->operator_account);
	fputs(",\n  \"customer\": ", out);
	put_string(out, f->customer);
	fputs(",\n  \"customer_organisation\": ", out);
	put_string(out, f->customer_org);
	fputs(",\n  \"connected\": ", out);
	put_time(out, f->connected);
	fputs(",\n  \"consent\": {\"answer\": ", out);
	put_string(out, consent_name(f->consent));
	fputs(", \"at\": ", out);
	put_time(out, f->consent_at);
	fputs(",\n              \"language\": ", out);
	put_string(out, f->consent_language);
	fputs(",\n              \"notice\": ", out);
	put_string(out, f->consent_notice);
	fputs("},\n  \"start\": ", out);
	put_time(out, f->start);
	fputs(",\n  \"pauses\": [", out);
	for (unsigned i = 0; i < f->n_pauses; i++) {
		fputs(i ? ", {\"paused\": " : "{\"paused\": ", out);
		put_time(out, f->pauses[i].paused);
		fputs(", \"resumed\": ", out);
		put_time(out, f->pauses[i].resumed);
		fputc('}', out);
	}
	fprintf(out, "],\n  \"pauses_not_listed\": %u", f->pauses_dropped);
	fputs(",\n  \"end\": ", out);
	put_time(out, f->end);
	fputs(",\n  \"end_reason\": ", out);
	put_string(out, f->end ? kyoyu_end_reason_name(f->reason) : "");
	fputs(",\n  \"recording_stopped\": ", out);
	put_string(out, !f->recording_stopped      ? ""
			: f->recording_stopped == ENOSPC ? "the disk is full"
							 : strerror(f->recording_stopped));
	fputs("\n}\n", out);
}

int record_facts_write(const record_facts *f, const char *recording)
{
	char path[PATH_MAX], tmp[PATH_MAX];
	int ret = 0;

	if (snprintf(path, sizeof(path), "%s.json", recording) >= (int)sizeof(path) ||
	    snprintf(tmp, sizeof(tmp), "%s.json.new", recording) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -errno;
	FILE *out = fdopen(fd, "w");
	if (!out) {
		ret = -errno;
		close(fd);
		goto out_unlink;
	}
	put_facts(out, f, recording);
	if (fflush(out) != 0 || fsync(fd) != 0)
		ret = -errno;
	if (fclose(out) != 0 && !ret)
		ret = -errno;
	if (!ret && rename(tmp, path) != 0)
		ret = -errno;
	if (!ret)
		return 0;
out_unlink:
	unlink(tmp);
	return ret;
}
