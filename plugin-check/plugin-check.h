/* SPDX-License-Identifier: MIT */
/* kyoyu-plugin-check: what the checks share.
 *
 * The checks of one plugin run in a child process (see main.c) and print
 * TAP: one case per check, its reasons and notes as "#" lines after it.  The
 * report's counters and the case under way live in memory shared with the
 * parent, which can then say in which case a plugin crashed or hung.
 */
#ifndef KYOYU_PLUGIN_CHECK_H
#define KYOYU_PLUGIN_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <kyoyu/plugin.h>

#include "instance.h"
#include "loader.h"
#include "settings.h"

/* Counters and the case under way, shared with the parent process. */
typedef struct check_report {
	int cases, failed, skipped;
	bool finished;      /* the summary and the plan are printed */
	bool open;          /* a case has begun and not ended */
	bool case_failed;
	char title[256];    /* of the case under way */
	char skip_why[256]; /* set when it did not apply */
	char lines[8192];   /* its reasons and notes, one a line */
	size_t used;
} check_report;

typedef struct checker {
	kyoyu_loader loader;      /* the plugin and its partners (codecs) */
	const kyoyu_plugin *plugin;
	kyoyu_settings settings;  /* -o KEY=VALUE, in the plugin's group */
	const char *group;        /* "capture", "codec", ...; "session" for a policy */
	check_report *report;
} checker;

/* ---- the report (report.c) ---------------------------------------------- */

/* Begins a case titled by FMT. */
void check_begin(checker *ck, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Records why the case fails; returns false, for `return check_fail(...)`. */
bool check_fail(checker *ck, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Records a line that explains a passing case. */
void check_note(checker *ck, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* True while the case under way has not failed. */
bool check_ok(const checker *ck);

/* Marks the case skipped, saying why: it passes unless it also failed. */
void check_skip(checker *ck, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Prints the case's TAP line and its lines; returns whether it passed. */
bool check_end(checker *ck);

/* Fails the case under way (or, when none is, one named after the last)
 * with how a process running checks ended: STATUS from waitpid, HUNG when
 * it was killed after TIMEOUT_S. */
void check_child_ended(checker *ck, int status, bool hung, unsigned timeout_s);

/* Runs FN(CK, ARG) in a child process, as the agent runs one session per
 * process: a library that cannot start twice, a crash or a leak found at
 * exit stays with the case it belongs to. */
void check_in_child(checker *ck, void (*fn)(checker *ck, void *arg), void *arg);

/* ---- the plugin (subject.c) --------------------------------------------- */

/* "sharer" or "viewer". */
const char *check_role_name(uint32_t role);

/* "bgrx", ...; "none" for KYOYU_PIXFMT_NONE. */
const char *check_format_name(uint32_t format);

/* The descriptor's texts and the option table: the checks the loader does
 * not make, and the -o values given. */
void check_descriptor(checker *ck);
void check_options(checker *ck);

/* An instance of P (the plugin checked, or a codec feeding it) for ROLE on
 * BUS, made as the agent makes one: the options' defaults, the -o values
 * (the plugin checked only), init().  Returns KYOYU_OK with *OUT,
 * KYOYU_SKIP with the case marked skipped, or a negative errno with the
 * case failed. */
int check_instantiate(checker *ck, const kyoyu_plugin *p, uint32_t role, kyoyu_bus *bus,
		      const kyoyu_clock *clock, const uint32_t *codecs, kyoyu_instance **out);

/* A WIDTH×HEIGHT picture of FORMAT captured at TIME_US: a gradient with a
 * bar in column INDEX (of 8 pixels), damaged where the bar moved; the first
 * (INDEX 0) flagged KYOYU_FRAME_KEY with full damage.  NULL when out of
 * memory (picture.c). */
kyoyu_msg *check_picture_new(uint32_t format, uint32_t width, uint32_t height, int index,
			     int64_t time_us);

/* ---- the kinds ------------------------------------------------------------ */

/* capture, transport, ui: their life cycle and bus contract (check-stage.c). */
void check_stage(checker *ck);

/* codec: a round trip per codec and pixel format (check-codec.c). */
void check_codec(checker *ck);

/* policy: allow() and tick() through sessions (check-policy.c). */
void check_policy(checker *ck);

#endif
