/* SPDX-License-Identifier: MIT */
/* The slots of a pipeline: each config group names the plugin(s) that fill
 * it, with a default per role, and may hold keys of the core's own. */
#ifndef KYOYU_SLOTS_H
#define KYOYU_SLOTS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "loader.h"
#include "settings.h"

#define KYOYU_ROLE_BIT(role) (1u << (role))

typedef struct kyoyu_slot {
	const char *group;  /* config group: "capture" */
	const char *key;    /* the key naming its plugins: "plugin" */
	uint32_t kind;      /* kyoyu_kind */
	uint32_t roles;     /* KYOYU_ROLE_BIT of the roles that use it */
	bool all;           /* start every listed plugin that applies */
	bool optional;      /* may end up empty */
	const char *sharer_default; /* comma-separated plugin names */
	/* The sharer's default on a Wayland session (WAYLAND_DISPLAY set), or
	 * NULL for the same as elsewhere. */
	const char *sharer_wayland_default;
	const char *viewer_default;
	const char *const *core_keys; /* other keys the core reads */
	const char *help;
	/* A bool key of the group without which the slot's plugins do not
	 * run ("enabled" for record), or NULL: they always do. */
	const char *switch_key;
} kyoyu_slot;

/* Every slot, ending with a zeroed entry. */
extern const kyoyu_slot kyoyu_slots[];

const kyoyu_slot *kyoyu_slot_find(const char *group);

/* The plugin names for SLOT in ROLE, configured or the default for this
 * role and session (Wayland or not), as a
 * NULL-terminated list the caller frees with kyoyu_strv_free().  *CONFIGURED
 * tells whether they came from the settings (then a missing plugin is an
 * error, not a quiet fallback). */
int kyoyu_slot_plugins(const kyoyu_slot *slot, const kyoyu_settings *settings,
		       uint32_t role, char ***names, bool *configured, char *err,
		       size_t errlen);

/* Checks every group and key of SETTINGS: known groups, the core's keys,
 * and each slot's plugin options against the plugins it names (loaded but
 * not started; values checked for type and range).  Returns 0 or -EINVAL
 * with ERR naming where the bad key is. */
int kyoyu_slots_check(kyoyu_loader *loader, kyoyu_settings *settings, char *err,
		      size_t errlen);

void kyoyu_slots_print(FILE *out);

#endif
