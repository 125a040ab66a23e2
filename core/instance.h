/* SPDX-License-Identifier: MIT */
/* A plugin instance: the plugin's private struct, filled with its options,
 * initialised, and finished again. */
#ifndef KYOYU_INSTANCE_H
#define KYOYU_INSTANCE_H

#include <stddef.h>

#include "loader.h"
#include "settings.h"

typedef struct kyoyu_instance {
	const kyoyu_plugin *plugin;
	void *priv;
	kyoyu_host host;
	char label[96]; /* "capture/x11" */
} kyoyu_instance;

/* Creates an instance of PLUGIN: defaults, then the settings of GROUP whose
 * keys the plugin declares, then init().  Returns KYOYU_OK with *OUT set,
 * KYOYU_SKIP (logged at info; *OUT NULL) or a negative errno with ERR. */
int kyoyu_instance_new(const kyoyu_plugin *plugin, const kyoyu_host *host,
		       const kyoyu_settings *settings, const char *group,
		       kyoyu_instance **out, char *err, size_t errlen);

/* fini(), then frees the option strings and the private struct. */
void kyoyu_instance_free(kyoyu_instance *instance);

#endif
