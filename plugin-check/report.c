/* SPDX-License-Identifier: MIT */
/* kyoyu-plugin-check: the report, in TAP.  Each check is a case: "ok N -
 * title" or "not ok N - title", then its reasons and notes as "#" lines. */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "plugin-check.h"

/* Appends one line to the case's lines; a full buffer cuts the last one. */
static void add_line(check_report *r, const char *fmt, va_list ap)
{
	size_t room = sizeof(r->lines) - r->used;

	if (room < 2)
		return;
	int n = vsnprintf(r->lines + r->used, room - 1, fmt, ap);
	if (n < 0)
		return;
	size_t len = (size_t)n < room - 2 ? (size_t)n : room - 2;
	r->lines[r->used + len] = '\n';
	r->used += len + 1;
	r->lines[r->used] = '\0';
}

void check_begin(checker *ck, const char *fmt, ...)
{
	check_report *r = ck->report;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->title, sizeof(r->title), fmt, ap);
	va_end(ap);
	r->open = true;
	r->case_failed = false;
	r->skip_why[0] = '\0';
	r->used = 0;
	r->lines[0] = '\0';
}

bool check_fail(checker *ck, const char *fmt, ...)
{
	va_list ap;

	ck->report->case_failed = true;
	va_start(ap, fmt);
	add_line(ck->report, fmt, ap);
	va_end(ap);
	return false;
}

void check_note(checker *ck, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	add_line(ck->report, fmt, ap);
	va_end(ap);
}

bool check_ok(const checker *ck)
{
	return !ck->report->case_failed;
}

/* Prints the case's lines as TAP comments. */
static void print_lines(const check_report *r)
{
	for (const char *line = r->lines; *line;) {
		size_t len = strcspn(line, "\n");
		printf("#   %.*s\n", (int)len, line);
		line += len + (line[len] == '\n');
	}
}

bool check_end(checker *ck)
{
	check_report *r = ck->report;
	bool ok = !r->case_failed;

	r->cases++;
	r->failed += !ok;
	if (ok && r->skip_why[0]) {
		r->skipped++;
		printf("ok %d - %s # SKIP %s\n", r->cases, r->title, r->skip_why);
	} else {
		printf("%sok %d - %s\n", ok ? "" : "not ", r->cases, r->title);
	}
	print_lines(r);
	fflush(stdout);
	r->open = false;
	return ok;
}

void check_skip(checker *ck, const char *fmt, ...)
{
	check_report *r = ck->report;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->skip_why, sizeof(r->skip_why), fmt, ap);
	va_end(ap);
}

void check_child_ended(checker *ck, int status, bool hung, unsigned timeout_s)
{
	check_report *r = ck->report;
	int sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;

	bool after = !r->open;

	if (after) {
		char last[sizeof(r->title)];
		snprintf(last, sizeof(last), "%s", r->title);
		check_begin(ck, "%s, as its process ended", last);
	}
	if (after && !hung)
		check_fail(ck, "after the case, the process ended with %s %d: a sanitizer's "
			   "report (a leak found at exit?) is on stderr",
			   sig ? "signal" : "exit status", sig ? sig : WEXITSTATUS(status));
	else if (hung)
		check_fail(ck, "no result within %u s: the plugin hangs here (--timeout sets "
			   "the limit)", timeout_s);
	else if (sig)
		check_fail(ck, "the plugin crashed here: signal %d (%s); a sanitizer's or the "
			   "C library's report, if any, is on stderr", sig, strsignal(sig));
	else
		check_fail(ck, "the process ended here with exit status %d: the plugin called "
			   "exit(), or a sanitizer found an error (its report is on stderr)",
			   WEXITSTATUS(status));
	check_end(ck);
}

void check_in_child(checker *ck, void (*fn)(checker *ck, void *arg), void *arg)
{
	int status;

	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid < 0) {
		check_fail(ck, "no process to run the check in: %s", strerror(errno));
		check_end(ck);
		return;
	}
	if (pid == 0) {
		fn(ck, arg);
		fflush(stdout);
		/* exit(), not _exit(): the plugin's libraries clean up, and a
		 * leak is found, as at the end of the agent. */
		exit(0);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || ck->report->open)
		check_child_ended(ck, status, false, 0);
}
