/* SPDX-License-Identifier: MIT */
/* The language people read: the locale from the environment, where the
 * catalogues are, and ui.language.  The core's own people-facing strings
 * use _() and N_() of plugins/common/i18n.h, as the plugins do.  Main
 * thread, before any plugin starts. */
#ifndef KYOYU_CORE_I18N_H
#define KYOYU_CORE_I18N_H

#include <stddef.h>

#include "../plugins/common/i18n.h"

/* Takes the messages' language and the character type from the environment
 * (LC_ALL, LC_MESSAGES, LANG; then LANGUAGE, as gettext reads it) and
 * binds kyoyu's text domain to LOCALEDIR (LANG/LC_MESSAGES/kyoyu.mo), its
 * messages in UTF-8 whatever the locale's character set.  When the
 * environment names a locale this system lacks (LANG=ja_JP.UTF-8 on a
 * minimal install), the language is still the one it names. */
void kyoyu_i18n_init(const char *localedir);

/* Speaks LANGUAGE, one of KYOYU_LANGUAGES ("ja", "en"), whatever the
 * environment says: the value of ui.language.  Returns 0, or -EINVAL with
 * ERR saying which values there are. */
int kyoyu_i18n_set_language(const char *language, char *err, size_t errlen);

#endif
