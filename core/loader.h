/* SPDX-License-Identifier: MIT */
/* The plugin loader (libltdl): finds kyoyu-<kind>-<name> modules on the
 * search path, checks their descriptors, and keeps them loaded for the whole
 * run (plugins are never unloaded mid-session). */
#ifndef KYOYU_LOADER_H
#define KYOYU_LOADER_H

#include <stdbool.h>
#include <stddef.h>

#include <kyoyu/plugin.h>

typedef struct kyoyu_plugin {
	char *path;   /* the file it came from, or "(linked in)" */
	char *module; /* "kyoyu-capture-x11" */
	void *handle; /* lt_dlhandle */
	/* Copies zero-extended to this core's sizes: callbacks a plugin built
	 * for an older minor does not have read as NULL. */
	kyoyu_plugin_descriptor desc;
	union {
		kyoyu_stage_ops stage;
		kyoyu_codec_ops codec;
		kyoyu_policy_ops policy;
	} ops;
	struct kyoyu_plugin *next;
} kyoyu_plugin;

typedef struct kyoyu_loader {
	char **dirs; /* search path, first wins; owned */
	kyoyu_plugin *loaded;
	kyoyu_plugin *preloaded; /* linked into the binary (dlpreopen) */
} kyoyu_loader;

/* Starts libltdl with the search path DIRS (NULL-terminated, copied). */
/* Appends each folder of the ':'-separated LIST to the NULL-terminated
 * array *DIRS of *N entries (grown as needed).  Returns 0 or -ENOMEM. */
int kyoyu_loader_push_dirs(char ***dirs, size_t *n, const char *list);

int kyoyu_loader_init(kyoyu_loader *loader, char *const *dirs);

/* Unloads every plugin; call only after every instance is gone. */
void kyoyu_loader_fini(kyoyu_loader *loader);

/* Finds and loads kyoyu-KIND-NAME (KIND from kyoyu_kind_name): the first
 * directory on the search path that holds it wins.  Loading the same plugin
 * again returns the same *OUT.  Returns 0, -ENOENT when no directory holds
 * it, or another negative errno when it was refused; ERR says which paths
 * were tried and why. */
int kyoyu_loader_find(kyoyu_loader *loader, uint32_t kind, const char *name,
		      kyoyu_plugin **out, char *err, size_t errlen);

/* True when KIND/NAME is one of kyoyu's own plugins, built or not: configure
 * has an --enable-KIND-NAME for it. */
bool kyoyu_loader_is_own_plugin(uint32_t kind, const char *name);

/* Loads one file (a .la or .so path) and checks it. */
int kyoyu_loader_open_file(kyoyu_loader *loader, const char *path,
			   kyoyu_plugin **out, char *err, size_t errlen);

/* Calls VISIT for every plugin the search path offers, first occurrence of
 * each module only: PLUGIN is NULL for a refused file, with WHY. */
typedef void (*kyoyu_loader_visit)(void *ctx, const char *path,
				   const kyoyu_plugin *plugin, const char *why);
void kyoyu_loader_scan(kyoyu_loader *loader, kyoyu_loader_visit visit, void *ctx);

#endif
