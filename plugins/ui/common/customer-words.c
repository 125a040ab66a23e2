/* SPDX-License-Identifier: MIT */
/* The customer's windows' words (customer-words.h). */
#include "config.h"

#include <errno.h>
#include <stdio.h>

#include <kyoyu/kyoyu.h>

#include "../../common/i18n.h"
#include "customer-words.h"

static const char *const texts[CUSTOMER_TEXTS] = {
	/* TRANSLATORS: the title of the customer's window. */
	[CUSTOMER_WINDOW_TITLE] = N_("Screen sharing with support"),
	/* TRANSLATORS: the title of the small bar shown while sharing, which a
	 * taskbar may show. */
	[CUSTOMER_BAR_TITLE] = N_("Sharing your screen"),
	[CUSTOMER_GETTING_READY] = N_("Getting ready…"),
	[CUSTOMER_CODE_TITLE] = N_("Type the code the support person reads to you"),
	[CUSTOMER_CODE_EXAMPLE] = N_("It has 9 digits, like 123-456-789."),
	[CUSTOMER_CODE_STRAY] = N_("Only the digits of the code go here."),
	[CUSTOMER_CODE_TOO_LONG] = N_("The code has 9 digits: the rest was left out."),
	[CUSTOMER_CODE_INCOMPLETE] = N_("The code has 9 digits. Please type all of them."),
	[CUSTOMER_CONNECTING] = N_("Connecting to the support team…"),
	[CUSTOMER_CONNECT] = N_("_Connect"),
	[CUSTOMER_ONLY_SEE] = N_(
		"They will only see your screen: they cannot click or type on "
		"your computer. You can pause or stop at any time."),
	[CUSTOMER_RECORDED] = N_(
		"The session will be recorded: what your screen shows is saved "
		"by the support team."),
	[CUSTOMER_RECORDING_OPTIONAL] = N_(
		"The support team would like to record the session, "
		"but you may share without recording."),
	[CUSTOMER_NOTHING_UNTIL_AGREED] = N_("Nothing is shared until you agree."),
	[CUSTOMER_DECLINE] = N_("_Decline"),
	[CUSTOMER_ALLOW_UNRECORDED] = N_("Share _without recording"),
	[CUSTOMER_ALLOW] = N_("_Allow"),
	[CUSTOMER_STARTING] = N_("Starting to share…"),
	[CUSTOMER_ENDING] = N_("Ending the session…"),
	[CUSTOMER_ENDED_TITLE] = N_("The session has ended"),
	[CUSTOMER_CLOSE] = N_("_Close"),
	[CUSTOMER_PAUSE] = N_("_Pause"),
	[CUSTOMER_RESUME] = N_("_Resume"),
	[CUSTOMER_STOP] = N_("_Stop"),
	/* TRANSLATORS: codec.format = "auto" went over to a cheaper codec. */
	[CUSTOMER_CODEC_SWITCHED] = N_(
		"This computer could not keep up with sending the screen, so it is "
		"now sent in a lighter way. Text may look a little less sharp."),
};

const char *customer_words(customer_text which)
{
	return which < CUSTOMER_TEXTS ? _(texts[which]) : "";
}

const char *customer_words_end(uint32_t reason)
{
	switch (reason) {
	case KYOYU_END_LEFT:
		return _("You stopped sharing.");
	case KYOYU_END_OPERATOR:
		return _("The support person ended the session.");
	case KYOYU_END_TIME_CAP:
		return _("The time for this session is over.");
	case KYOYU_END_IDLE:
		return _("The session ended because nothing happened for a long time.");
	case KYOYU_END_CONSENT_DECLINED:
		return _("You declined, so your screen was not shared.");
	case KYOYU_END_LINK_LOST:
		return _("The connection was lost and did not come back.");
	case KYOYU_END_REJECTED:
		return _("The support team could not take the connection. Please call them "
			 "again.");
	default:
		return _("Something went wrong, so the session ended. Please tell the "
			 "support person.");
	}
}

const char *customer_words_after(bool shared)
{
	return shared ? _("Your screen is no longer shared.") : _("Nothing was shared.");
}

const char *customer_words_code_problem(unsigned failures)
{
	if (failures >= CUSTOMER_FAILURES_BEFORE_NEW_CODE)
		return _(
			"That did not work several times. Please ask the support person for a "
			"new code, then type the new one here.");
	if (failures > 0)
		return _(
			"That code did not work. Check it with the support person and type it "
			"again.");
	return "";
}

const char *customer_words_recording_stopped(int error)
{
	/* Whoever recorded (the support team's console, which tells the
	 * customer over the link, or this computer), the customer learns that
	 * the sharing goes on unrecorded. */
	return error == ENOSPC
		       ? _("The recording stopped: the disk is full. Your screen is "
			   "still shared, but nothing more is recorded.")
		       : _("The recording stopped: its file could not be written. Your "
			   "screen is still shared, but nothing more is recorded.");
}

bool customer_words_asker(const char *name, const char *organisation, char *out, size_t len)
{
	if (!name || !*name) {
		snprintf(out, len, "%s", "");
		return false;
	}
	if (!organisation || !*organisation)
		snprintf(out, len, "%s", name);
	else
		/* TRANSLATORS: the support person's name, then their organisation:
		 * "Aiko Tanaka (Example Support)". */
		snprintf(out, len, _("%s (%s)"), name, organisation);
	return true;
}

void customer_words_verified(bool by_pin, const char *issuer, char *out, size_t len)
{
	if (by_pin)
		snprintf(out, len, "%s",
			 _("Verified by the key this computer was set up with."));
	else
		/* TRANSLATORS: the name of a certificate authority. */
		snprintf(out, len, _("Verified by %s, which this computer trusts."),
			 issuer && *issuer ? issuer : _("a certificate authority"));
}

void customer_words_question(const char *asker, bool recorded, char *out, size_t len)
{
	if (asker && *asker)
		/* TRANSLATORS: %s is who asks: the support person's name, and
		 * their organisation in brackets when the certificate names one. */
		snprintf(out, len,
			 recorded ? _("%s asks to see and record your screen")
				  : _("%s asks to see your screen"),
			 asker);
	else
		snprintf(out, len, "%s",
			 recorded ? _("The support team asks to see and record your screen")
				  : _("The support team asks to see your screen"));
}

void customer_words_bar_status(bool lost, bool paused, const char *asker, char *out,
			       size_t len)
{
	if (lost)
		snprintf(out, len, "%s", _("Connection lost: trying to reconnect…"));
	else if (paused)
		snprintf(out, len, "%s", _("Paused: nothing on your screen is sent"));
	else if (asker && *asker)
		/* TRANSLATORS: %s is the support person's name. */
		snprintf(out, len, _("Sharing your screen with %s"), asker);
	else
		snprintf(out, len, "%s", _("Sharing your screen with the support team"));
}

void customer_words_time_left(int64_t seconds, char *out, size_t len)
{
	char clock[32];

	if (seconds < 0) {
		snprintf(out, len, "%s", "");
		return;
	}
	if (seconds >= 3600)
		snprintf(clock, sizeof(clock), "%d:%02d:%02d", (int)(seconds / 3600),
			 (int)(seconds / 60 % 60), (int)(seconds % 60));
	else
		snprintf(clock, sizeof(clock), "%02d:%02d", (int)(seconds / 60),
			 (int)(seconds % 60));
	/* TRANSLATORS: %s is the time left before the session ends, "12:34". */
	snprintf(out, len, _("%s left"), clock);
}

void customer_words_warning(int64_t seconds, char *out, size_t len)
{
	if (seconds >= 60) {
		unsigned long minutes = (unsigned long)(seconds + 30) / 60;
		snprintf(out, len,
			 dngettext(KYOYU_TEXT_DOMAIN, "The session ends in about %d minute.",
				   "The session ends in about %d minutes.", minutes),
			 (int)minutes);
	} else {
		snprintf(out, len,
			 dngettext(KYOYU_TEXT_DOMAIN, "The session ends in %d second.",
				   "The session ends in %d seconds.", (unsigned long)seconds),
			 (int)seconds);
	}
}

void customer_words_reconnecting(int64_t seconds, char *out, size_t len)
{
	unsigned long n = seconds < 1 ? 1 : (unsigned long)seconds;

	/* TRANSLATORS: the link to the support team dropped, and the
	 * support team's server asked this computer to wait before
	 * reconnecting (too many reconnections in a minute). */
	snprintf(out, len,
		 dngettext(KYOYU_TEXT_DOMAIN,
			   "The connection is still interrupted. The support team's server "
			   "asked this computer to wait, so it reconnects by itself in %d "
			   "second. Please keep this window open.",
			   "The connection is still interrupted. The support team's server "
			   "asked this computer to wait, so it reconnects by itself in %d "
			   "seconds. Please keep this window open.",
			   n),
		 (int)n);
}
