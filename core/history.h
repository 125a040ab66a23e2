/* SPDX-License-Identifier: MIT */
/* The sessions this agent ran, newest last: what `kyoyu-agent ctl sessions`
 * lists on the operator's console.  Kept in memory only, for the life of
 * the agent; the recordings (and their .json facts) are the lasting record.
 *
 * Threads: the core's main thread adds, the ctl stage lists; a lock guards
 * the entries. */
#ifndef KYOYU_CORE_HISTORY_H
#define KYOYU_CORE_HISTORY_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <kyoyu/bus.h>

/* The oldest entry gives way beyond this many. */
#define KYOYU_HISTORY_MAX 64

typedef struct kyoyu_history_entry {
	time_t start, end;  /* the customer connected (else the session began); ended */
	uint32_t reason;    /* kyoyu_end_reason */
	char customer[KYOYU_PEER_TEXT_MAX + 1]; /* empty: nobody connected */
	char file[1024];    /* the recording, or empty */
	int recording_stopped; /* the recording stopped before the end */
} kyoyu_history_entry;

typedef struct kyoyu_history kyoyu_history;

kyoyu_history *kyoyu_history_new(void);
void kyoyu_history_free(kyoyu_history *history);

/* Appends a copy of ENTRY. */
void kyoyu_history_add(kyoyu_history *history, const kyoyu_history_entry *entry);

/* Writes one line per session, oldest first, into BUF (LEN bytes, always
 * NUL-terminated): start, end, customer, reason, recording file, separated
 * by tabs, "-" for what is missing.  Returns the number of sessions. */
size_t kyoyu_history_format(kyoyu_history *history, char *buf, size_t len);

#endif
