/* SPDX-License-Identifier: MIT */
/* capture/pipewire: what the person at the desktop reads when sharing
 * cannot start or stops (the text of the ERROR message that ends the
 * session).  Each says what happened and what to do; the technical detail
 * goes to the log. */
#ifndef KYOYU_CAPTURE_PIPEWIRE_WORDS_H
#define KYOYU_CAPTURE_PIPEWIRE_WORDS_H

#define PIPEWIRE_SAY_UNREACHABLE                                               \
	"Your desktop's screen-sharing service cannot be reached, so the "     \
	"session ends. Start kyoyu from your desktop session; if it keeps "    \
	"failing, tell your support team."
#define PIPEWIRE_SAY_SILENT                                                    \
	"Your desktop's screen-sharing service did not answer, so the "        \
	"session ends. Try again; if it keeps failing, tell your support team."
#define PIPEWIRE_SAY_NOT_STARTED                                               \
	"Your desktop did not start sharing the screen, so the session ends. " \
	"Try again; if it keeps failing, tell your support team."
#define PIPEWIRE_SAY_DECLINED                                                  \
	"You did not choose a screen to share, so the session ends. Start "    \
	"again and pick a screen when your desktop asks."
#define PIPEWIRE_SAY_STOPPED                                                   \
	"Your desktop stopped sharing the screen (its own stop button, or the " \
	"screen changed), so the session ends. Start a new session to share "  \
	"again."
#define PIPEWIRE_SAY_BROKEN                                                    \
	"The screen stream from your desktop broke off, so the session ends. " \
	"Start a new session to share again."
#define PIPEWIRE_SAY_UNREADABLE                                                \
	"Your desktop sends the screen in a form kyoyu cannot read, so the "   \
	"session ends. Tell your support team (the details are in kyoyu's "   \
	"log)."

#endif
