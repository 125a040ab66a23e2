/* SPDX-License-Identifier: MIT */
/* Reading the agent's configuration file (libconfig lives only here). */
#ifndef KYOYU_CONFIG_FILE_H
#define KYOYU_CONFIG_FILE_H

#include <stddef.h>

#include "settings.h"

/* Parses PATH into SETTINGS: top-level keys, and keys of top-level groups.
 * Values are booleans, integers, floats, strings or lists of strings.
 * Returns 0, or -EINVAL with ERR naming the file, line and what is wrong. */
int kyoyu_config_load(const char *path, kyoyu_settings *settings, char *err,
		      size_t errlen);

#endif
