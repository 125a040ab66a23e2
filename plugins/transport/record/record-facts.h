/* SPDX-License-Identifier: MIT */
/* The session's facts beside each recording, in NAME.json: who, when, the
 * pauses, the consent and how it ended (docs/ui.md, "What a recording
 * carries").  A sidecar rather than Matroska tags: the end, the pauses and
 * the reason are known only at the end, when a file cut by a full disk may
 * take nothing more; MP4, IVF and raw H.264 have no place for them; and a
 * plain JSON file is read by anything.  It is written when the recording
 * starts and again (a new file renamed over it, so it is never half
 * written) at every change, mode 0600 beside the recording. */
#ifndef KYOYU_RECORD_FACTS_H
#define KYOYU_RECORD_FACTS_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include <kyoyu/kyoyu.h>

#define RECORD_FACTS_MAX_PAUSES 64
#define RECORD_FACTS_TEXT 257 /* 64 characters of UTF-8 and a NUL */

typedef struct record_facts {
	char operator_account[RECORD_FACTS_TEXT]; /* user@host of the console */
	/* Whom the customer was shown: the console's certificate (CN, O). */
	char operator_name[RECORD_FACTS_TEXT];
	char operator_org[RECORD_FACTS_TEXT];
	char customer[RECORD_FACTS_TEXT];        /* as the customer's agent says */
	char customer_org[RECORD_FACTS_TEXT];
	time_t connected, consent_at, start, end; /* 0: not (yet) */
	uint32_t consent; /* kyoyu_consent of the answer, 0 before it */
	/* The question as the customer read it, as their agent says (empty
	 * from one older than protocol 1.3). */
	char consent_language[KYOYU_CONSENT_LANGUAGE_MAX + 1];
	char consent_notice[KYOYU_CONSENT_NOTICE_MAX + 1];
	uint32_t reason;  /* kyoyu_end_reason once ended */
	struct {
		time_t paused, resumed; /* resumed 0: still paused, or ended */
	} pauses[RECORD_FACTS_MAX_PAUSES];
	unsigned n_pauses, pauses_dropped;
	int recording_stopped; /* errno that stopped the recording, or 0 */
} record_facts;

/* Writes FACTS to RECORDING.json.  Returns 0 or a negative errno. */
int record_facts_write(const record_facts *facts, const char *recording);

#endif
