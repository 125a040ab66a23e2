/* SPDX-License-Identifier: MIT */
/* Checking a whole configuration as a start would, and doing it apart so
 * that the agent keeps nothing the check loads. */
#ifndef KYOYU_CONFIG_CHECK_H
#define KYOYU_CONFIG_CHECK_H

#include <stddef.h>

#include "loader.h"
#include "settings.h"

/* Checks SETTINGS as a start would: the core's own keys (types, bounds,
 * lengths), then kyoyu_slots_check() against the plugins of LOADER.
 * Returns 0, or -EINVAL with ERR naming where the bad value is. */
int kyoyu_config_check(kyoyu_loader *loader, kyoyu_settings *settings, char *err,
		       size_t errlen);

/* kyoyu_config_check() of SETTINGS against the plugins in DIRS, done in a
 * child process (kyoyu_os_run_apart; on Windows, without fork, in this
 * one): it loads every plugin any slot names, for both roles, and
 * a loaded plugin stays mapped for good (see pin_shared_object), so in the
 * agent itself the libraries of plugins it will not run (libavcodec and its
 * hundred dependencies in a sharer) would cost some 28 MB of memory for the
 * whole session.  Returns 0, or nonzero with ERR saying what is wrong. */
int kyoyu_config_check_apart(char *const *dirs, kyoyu_settings *settings, char *err,
			     size_t errlen);

#endif
