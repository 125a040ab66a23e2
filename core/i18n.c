/* SPDX-License-Identifier: MIT */
/* The language people read (see i18n.h).
 *
 * glibc's gettext looks up LANGUAGE (a list such as "ja:en") only while the
 * messages' locale is not "C" or "POSIX"; "C.UTF-8" (built into glibc since
 * 2.35) counts as not "C".  And when the environment names a locale that
 * is not installed, setlocale() fails and everything stays "C", so neither
 * LANG nor LANGUAGE is heeded.  Both cases are common where kyoyu runs (a
 * minimal system with only C, C.UTF-8 and POSIX): the language is then
 * asked for by name through LANGUAGE, with C.UTF-8 as the messages'
 * locale.  Only LC_CTYPE and LC_MESSAGES follow the environment: numbers
 * in the logs, the status of `kyoyu-agent ctl` and the configuration file
 * keep the C locale's decimal point. */
#include "config.h"

#include <errno.h>
#include <locale.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"

static bool is_c_locale(const char *name)
{
	return !name || !*name || strcmp(name, "C") == 0 || strcmp(name, "POSIX") == 0;
}

/* The locale the environment names for CATEGORY, as setlocale() reads it:
 * LC_ALL, then the category's own variable, then LANG. */
static const char *named_locale(const char *variable)
{
	const char *names[] = {"LC_ALL", variable, "LANG"};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const char *value = getenv(names[i]);
		if (value && *value)
			return value;
	}
	return NULL;
}

/* A UTF-8 locale that is no language: glibc's built-in C.UTF-8. */
static bool set_utf8_c_locale(int category)
{
	return setlocale(category, "C.UTF-8") || setlocale(category, "C.utf8");
}

void kyoyu_i18n_init(const char *localedir)
{
	if (!setlocale(LC_CTYPE, "") && !is_c_locale(named_locale("LC_CTYPE")))
		set_utf8_c_locale(LC_CTYPE);
#ifdef ENABLE_NLS
	if (!setlocale(LC_MESSAGES, "")) {
		const char *wanted = named_locale("LC_MESSAGES");
		const char *language = getenv("LANGUAGE");
		/* LANGUAGE, when set, outranks LANG for gettext anyway. */
		if (!is_c_locale(wanted) && set_utf8_c_locale(LC_MESSAGES) &&
		    (!language || !*language))
			setenv("LANGUAGE", wanted, 1);
	}
	bindtextdomain(KYOYU_TEXT_DOMAIN, localedir);
	bind_textdomain_codeset(KYOYU_TEXT_DOMAIN, "UTF-8");
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
	if (is_c_locale(setlocale(LC_MESSAGES, NULL)))
		set_utf8_c_locale(LC_MESSAGES);
	setenv("LANGUAGE", language, 1);
#endif
	return 0;
}
