/* SPDX-License-Identifier: MIT */
/* Shared by kyoyu's own plugins: every string a person reads goes through
 * gettext in kyoyu's text domain (po/ja.po, po/en.po).  The core binds the
 * domain and chooses the language (LANG/LC_MESSAGES, or ui.language) before
 * any plugin starts; a plugin only marks and looks up its strings.
 *
 *   _("Sharing your screen")   translated now
 *   N_("Paused")               marked for translation, looked up later with _()
 *
 * Put a comment starting with TRANSLATORS: right above a string whose
 * context is not obvious; xgettext copies it into the catalogues. */
#ifndef KYOYU_PLUGIN_I18N_H
#define KYOYU_PLUGIN_I18N_H

#define KYOYU_TEXT_DOMAIN "kyoyu"

/* ENABLE_NLS (config.h): built with the catalogues.  Without them
 * (--disable-nls) the strings stay English.  On Windows libintl is a DLL
 * of its own (libintl-8.dll), so the domain the core binds is the one every
 * plugin looks up. */
#ifdef ENABLE_NLS
#include <libintl.h>
#define _(text) dgettext(KYOYU_TEXT_DOMAIN, text)
#else
#define _(text) (text)
#define dgettext(domain, text) ((void)(domain), (const char *)(text))
#define dngettext(domain, one, many, n) ((void)(domain), (n) == 1 ? (one) : (many))
#endif
#define N_(text) (text)

#endif
