/* SPDX-License-Identifier: MIT */
/* The language people read (see i18n.h).  How the environment names a
 * language, and what the system says when it names none, differ between
 * Linux and Windows: kyoyu_os_locale_init and kyoyu_os_locale_speak in
 * core/os-posix.c and core/os-win32.c. */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "i18n.h"
#include "os.h"

void kyoyu_i18n_init(const char *localedir)
{
	kyoyu_os_console_init();
	kyoyu_os_locale_init();
#ifdef ENABLE_NLS
	bindtextdomain(KYOYU_TEXT_DOMAIN, localedir);
	bind_textdomain_codeset(KYOYU_TEXT_DOMAIN, "UTF-8");
#else
	(void)localedir;
#endif
}

/* True when WORD is one of the space-separated words of LIST. */
static bool listed(const char *list, const char *word)
{
	size_t len = strlen(word);

	for (const char *p = list; *p;) {
		size_t n = strcspn(p, " ");
		if (n == len && strncmp(p, word, len) == 0)
			return true;
		p += n;
		p += strspn(p, " ");
	}
	return false;
}

int kyoyu_i18n_set_language(const char *language, char *err, size_t errlen)
{
	/* English is the language of the sources: it needs no catalogue. */
	if (!listed(KYOYU_LANGUAGES, language) && strcmp(language, "en") != 0) {
		snprintf(err, errlen, "ui.language \"%s\" is not a language kyoyu speaks "
			 "(%s)", language, KYOYU_LANGUAGES);
		return -EINVAL;
	}
#ifdef ENABLE_NLS
	kyoyu_os_locale_speak(language);
#endif
	return 0;
}
