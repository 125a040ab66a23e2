/* SPDX-License-Identifier: MIT */
/* Shared by the customer's windows (ui/gtk, ui/win32, and ui/tty for the
 * words it shares with them): every word they show, chosen and put together the same way whatever draws them, so that
 * one translation in po/ serves both.  The words come translated (_(),
 * plugins/common/i18n.h); labels with a mnemonic mark it GTK's way, "_A"
 * (ui/win32 turns it into "&A").  Texts from the network (names) come in
 * already fit to show (valid UTF-8, no control characters). */
#ifndef KYOYU_UI_CUSTOMER_WORDS_H
#define KYOYU_UI_CUSTOMER_WORDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Room for any sentence put together here: two names of at most 64
 * characters and the words around them. */
#define CUSTOMER_WORDS_MAX 1024

/* After this many codes that did not work, the customer is told to ask for
 * a new one: the viewer kills a code after 5 wrong tries and never says
 * which try was wrong, so retyping the same one soon stops helping. */
#define CUSTOMER_FAILURES_BEFORE_NEW_CODE 3

/* The fixed words of the windows. */
typedef enum customer_text {
	CUSTOMER_WINDOW_TITLE,
	CUSTOMER_BAR_TITLE,
	CUSTOMER_GETTING_READY,
	CUSTOMER_CODE_TITLE,
	CUSTOMER_CODE_EXAMPLE,
	CUSTOMER_CODE_STRAY,
	CUSTOMER_CODE_TOO_LONG,
	CUSTOMER_CODE_INCOMPLETE,
	CUSTOMER_CONNECTING,
	CUSTOMER_CONNECT,
	CUSTOMER_ONLY_SEE,
	CUSTOMER_RECORDED,
	CUSTOMER_RECORDING_OPTIONAL,
	CUSTOMER_NOTHING_UNTIL_AGREED,
	CUSTOMER_DECLINE,
	CUSTOMER_ALLOW_UNRECORDED,
	CUSTOMER_ALLOW,
	CUSTOMER_STARTING,
	CUSTOMER_ENDING,
	CUSTOMER_ENDED_TITLE,
	CUSTOMER_CLOSE,
	CUSTOMER_PAUSE,
	CUSTOMER_RESUME,
	CUSTOMER_STOP,
	CUSTOMER_CODEC_SWITCHED,
	CUSTOMER_TEXTS
} customer_text;

/* WHICH's words, translated. */
const char *customer_words(customer_text which);

/* How the session ended (a kyoyu_end_reason), in plain words. */
const char *customer_words_end(uint32_t reason);

/* Whether the screen was shown at all, for the last page. */
const char *customer_words_after(bool shared);

/* What the code page says after FAILURES codes did not work; "" for none. */
const char *customer_words_code_problem(unsigned failures);

/* The banner when the recording stopped; ERROR is the notice's errno. */
const char *customer_words_recording_stopped(int error);

/* "Name (Organisation)", or "Name", into OUT of LEN bytes; false (and
 * OUT "") when NAME is NULL or empty. */
bool customer_words_asker(const char *name, const char *organisation, char *out, size_t len);

/* How the name was verified: by the pinned key, or by ISSUER's certificate
 * (NULL: a certificate authority without a name). */
void customer_words_verified(bool by_pin, const char *issuer, char *out, size_t len);

/* The question's first line: ASKER (customer_words_asker's, or NULL: "the
 * support team") asks to see, or to see and record, the screen. */
void customer_words_question(const char *asker, bool recorded, char *out, size_t len);

/* The bar's line: the link lost, paused, or sharing with ASKER (or NULL). */
void customer_words_bar_status(bool lost, bool paused, const char *asker, char *out,
			       size_t len);

/* "12:34 left" ("1:02:03 left" past an hour) for SECONDS; "" when it is
 * negative (no cap known). */
void customer_words_time_left(int64_t seconds, char *out, size_t len);

/* The warning banner for SECONDS left: about so many minutes, then the
 * last seconds. */
void customer_words_warning(int64_t seconds, char *out, size_t len);

/* The banner while the link is lost and the next try to reconnect waits
 * SECONDS (KYOYU_NOTICE_RECONNECTING). */
void customer_words_reconnecting(int64_t seconds, char *out, size_t len);

#endif
