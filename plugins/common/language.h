/* SPDX-License-Identifier: MIT */
/* Shared by kyoyu's UI plugins that draw text: the language kyoyu's
 * messages are shown in, as gettext chose it (the core's ui.language or the
 * environment; plugins/common/i18n.h).  Fonts are picked for it: the same
 * kanji have Japanese and Chinese forms, and a Japanese face draws the
 * Japanese ones.  Header-only (static inline). */
#ifndef KYOYU_COMMON_LANGUAGE_H
#define KYOYU_COMMON_LANGUAGE_H

#include <stdio.h>
#include <string.h>

#include "i18n.h"

/* Writes the messages' language ("ja", "en") into OUT of LEN bytes: the
 * "Language:" of the catalogue gettext uses for kyoyu, or "en" when it uses
 * none (the English of the sources).  gettext("") is a catalogue's header. */
static inline void i18n_language(char *out, size_t len)
{
	const char *header = dgettext(KYOYU_TEXT_DOMAIN, "");
	const char *at = strncmp(header, "Language: ", 10) == 0 ? header
							      : strstr(header, "\nLanguage: ");
	size_t n = 0;

	if (at) {
		at += *at == '\n' ? 11 : 10;
		n = strcspn(at, "\n");
	}
	if (n)
		snprintf(out, len, "%.*s", (int)n, at);
	else
		snprintf(out, len, "en");
}

#endif
