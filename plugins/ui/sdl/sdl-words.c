/* SPDX-License-Identifier: MIT */
/* The words of ui/sdl's window (sdl-words.h), in kyoyu's catalogues. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <kyoyu/kyoyu.h>

#include "../../common/i18n.h"
#include "sdl-words.h"

/* No customer is connected: the window shows the code to read out. */
bool sdl_words_waiting(const sdl_ui *ui)
{
	return ui->state == KYOYU_STATE_IDLE || ui->state == KYOYU_STATE_CONNECTING ||
	       (ui->state == KYOYU_STATE_ENDED && ui->console);
}

/* The state in a word or two, for the status line. */
static const char *state_words(const sdl_ui *ui)
{
	if (ui->state == KYOYU_STATE_PAUSED)
		/* TRANSLATORS: on the status line, in capitals where the
		 * language has them: the customer paused. */
		return _("PAUSED");
	if (ui->link_lost)
		return _("connection lost");
	switch (ui->state) {
	case KYOYU_STATE_IDLE:
	case KYOYU_STATE_CONNECTING:
		return _("waiting");
	case KYOYU_STATE_AWAITING_CONSENT:
		return _("asking the customer");
	case KYOYU_STATE_SHARING:
		return _("sharing");
	default:
		return _("ended");
	}
}

void sdl_words_status(const sdl_ui *ui, char *buf, size_t len)
{
	size_t n = 0;
#define ADD(...)                                                               \
	do {                                                                   \
		if (n < len)                                                   \
			n += (size_t)snprintf(buf + n, len - n, __VA_ARGS__);  \
	} while (0)

	ADD("%s", ui->peer[0] ? ui->peer : _("no customer yet"));
	ADD("  ·  %s", state_words(ui));
	if (ui->recording && ui->recording_stopped)
		/* TRANSLATORS: on the status line: the disk filled, the
		 * session goes on unrecorded. */
		ADD("  ·  %s", _("RECORDING STOPPED"));
	else if (ui->recording)
		ADD("  ·  %s", _("recording"));
	if (ui->ends_at_us && ui->state != KYOYU_STATE_ENDED) {
		int64_t left = (ui->ends_at_us - kyoyu_clock_now(ui->clock)) / 1000000;
		left = left < 0 ? 0 : left;
		ADD("  ·  ");
		/* TRANSLATORS: minutes:seconds left before the time limit. */
		ADD(_("%lld:%02lld left"), (long long)(left / 60), (long long)(left % 60));
	}
	if (ui->state == KYOYU_STATE_SHARING) {
		ADD("  ·  %u kbit/s  ·  %u fps", ui->stats.kbps, ui->stats.fps);
		if (ui->stats.latency_us > 0) {
			ADD("  ·  ");
			ADD(_("latency %lld ms"), (long long)(ui->stats.latency_us / 1000));
		} else if (ui->stats.rtt_ms) {
			ADD("  ·  ");
			ADD(_("round trip %u ms"), ui->stats.rtt_ms);
		}
	}
	if (sdl_words_waiting(ui))
		/* TRANSLATORS: how to use the window between customers; N
		 * stays the key. */
		ADD("  ·  %s", _("N for a new code, close the window to quit"));
	else
		/* TRANSLATORS: how to use the window; Esc stays the key. */
		ADD("  ·  %s", _("hold the left button to point, Esc to end"));
#undef ADD
}

const char *sdl_words_banner(const sdl_ui *ui)
{
	switch (ui->state) {
	case KYOYU_STATE_IDLE:
	case KYOYU_STATE_CONNECTING:
		return _("Waiting for the customer to connect…");
	case KYOYU_STATE_AWAITING_CONSENT:
		return ui->recording ? _("Waiting for the customer to accept the recording…")
				     : _("Waiting for the customer to allow sharing…");
	case KYOYU_STATE_PAUSED:
		return _("Paused by the customer");
	case KYOYU_STATE_SHARING:
		if (ui->link_lost)
			return _("Connection lost: waiting for the customer to come back…");
		return ui->screen.picture ? "" : _("Waiting for the first picture…");
	default:
		return "";
	}
}

/* Why the session ended, as the end of "The session has ended: %s." */
const char *sdl_words_end(const sdl_ui *ui)
{
	switch (ui->reason) {
	case KYOYU_END_LEFT:
		return _("the customer stopped sharing");
	case KYOYU_END_OPERATOR:
		return _("you ended it");
	case KYOYU_END_TIME_CAP:
		return _("the time limit was reached");
	case KYOYU_END_IDLE:
		return _("nothing happened for a long time");
	case KYOYU_END_CONSENT_DECLINED:
		return ui->recording ? _("the customer did not agree to the recording")
				     : _("the customer did not allow sharing");
	case KYOYU_END_LINK_LOST:
		return _("the connection was lost and did not come back");
	case KYOYU_END_REJECTED:
		return _("the connection was refused");
	default:
		return _("something went wrong (see the messages above)");
	}
}

/* Why the recording stopped, as the end of a sentence. */
const char *sdl_words_recording_stopped(int error)
{
	return error == ENOSPC || error == EDQUOT ? _("the disk is full")
						  : _("the file could not be written");
}

/* How long the code still works, or why there is none; *WARN when that is
 * bad news. */
void sdl_words_code(const sdl_ui *ui, char *buf, size_t len, bool *warn)
{
	*warn = false;
	switch (ui->code_event) {
	case KYOYU_CODE_ISSUED: {
		int64_t left = ui->code_expires_us
				       ? (ui->code_expires_us - kyoyu_now_us()) / 1000000
				       : -1;
		if (left < 0 && ui->code_expires_us) {
			*warn = true;
			snprintf(buf, len, "%s", _("This code expired. Press N for a new one."));
		} else if (left >= 0) {
			/* TRANSLATORS: %d:%02d is minutes:seconds. */
			snprintf(buf, len, _("Read it to the customer: it works once, for %d:%02d "
					     "more."), (int)(left / 60), (int)(left % 60));
		} else {
			snprintf(buf, len, "%s", _("Read it to the customer: it works once."));
		}
		return;
	}
	case KYOYU_CODE_EXPIRED:
		*warn = true;
		snprintf(buf, len, "%s", _("This code expired. Press N for a new one."));
		return;
	case KYOYU_CODE_ATTACKED:
		*warn = true;
		snprintf(buf, len, "%s", _("Too many wrong tries: that code was retired. A new "
					   "one follows."));
		return;
	case KYOYU_CODE_REFUSED:
		/* Why (the relay's words, a customer connected) is in the
		 * terminal: it may not fit in this line. */
		*warn = true;
		snprintf(buf, len, "%s", _("No new code was given: the terminal says why. "
					   "Press N to try again."));
		return;
	default:
		snprintf(buf, len, "%s", _("A new code is on its way…"));
		return;
	}
}

/* How the last session ended, for the panel between sessions. */
void sdl_words_last(const sdl_ui *ui, char *buf, size_t len)
{
	sdl_ui last = *ui;
	size_t n;

	buf[0] = '\0';
	if (!ui->had_session)
		return;
	last.reason = ui->last_reason;
	last.recording = ui->last_recording;
	if (ui->last_peer[0])
		/* TRANSLATORS: %1$s is the customer's name, %2$s how the
		 * session ended ("the customer stopped sharing"). */
		snprintf(buf, len, _("Last session, with %1$s: %2$s."), ui->last_peer,
			 sdl_words_end(&last));
	else
		snprintf(buf, len, _("Last session: %s."), sdl_words_end(&last));
	n = strlen(buf);
	if (ui->last_recording_stopped && n < len)
		snprintf(buf + n, len - n, " %s", _("Its recording stopped early."));
}
