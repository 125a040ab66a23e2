/* Checking a whole configuration without keeping what the check loads. */
#ifndef KYOYU_CONFIG_CHECK_H
#define KYOYU_CONFIG_CHECK_H

#include <stddef.h>

#include "settings.h"

/* kyoyu_slots_check() of SETTINGS against the plugins in DIRS, done in a
 * child process: it loads every plugin any slot names, for both roles, and
 * a loaded plugin stays mapped for good (see pin_shared_object), so in the
 * agent itself the libraries of plugins it will not run (libavcodec and its
 * hundred dependencies in a sharer) would cost some 28 MB of memory for the
 * whole session.  Returns 0, or nonzero with ERR saying what is wrong. */
int kyoyu_config_check_apart(char *const *dirs, kyoyu_settings *settings, char *err,
			     size_t errlen);

#endif
