/* SPDX-License-Identifier: MIT */
/* What the "being shared" badge says, for both overlays (ui/x11-overlay and
 * ui/wayland-overlay): one wording, one translation, whichever desktop
 * draws it.  Needs i18n.h's _() (include it first). */
#ifndef KYOYU_PLUGIN_BADGE_WORDS_H
#define KYOYU_PLUGIN_BADGE_WORDS_H

#include <stdbool.h>
#include <stdint.h>

#include <kyoyu/kyoyu.h>

/* The badge's words in session state STATE, or NULL when it shows none.
 * The same state gives the same pointer (gettext's), so a caller may
 * compare pointers to see whether anything changed. */
static inline const char *badge_words(uint32_t state, bool recording_stopped)
{
	if (state == KYOYU_STATE_SHARING && recording_stopped)
		/* TRANSLATORS: the badge once the support person's
		 * recording stopped (a full disk); the sharing goes on. */
		return _("Your screen is being shared (recording stopped)");
	if (state == KYOYU_STATE_SHARING)
		return _("Your screen is being shared");
	if (state == KYOYU_STATE_PAUSED)
		return _("Sharing paused");
	return NULL;
}

#endif
