/* SPDX-License-Identifier: MIT */
/* The slot table and the check of a whole configuration against it. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define KYOYU_LOG_COMPONENT "config"
#include <kyoyu/plugin.h>

#include "os.h"
#include "slots.h"
#include "util.h"

#define BOTH (KYOYU_ROLE_BIT(KYOYU_ROLE_SHARER) | KYOYU_ROLE_BIT(KYOYU_ROLE_VIEWER))
#define SHARER KYOYU_ROLE_BIT(KYOYU_ROLE_SHARER)

static const char *const no_keys[] = {NULL};
static const char *const codec_keys[] = {"format", "bitrate_kbps", "max_fps",
					 "topoff_ms", NULL};
static const char *const record_keys[] = {"enabled", "required", NULL};
/* once: the viewer runs one session and exits (for scripts), instead of
 * staying up as the operator's console. */
static const char *const session_keys[] = {"once", NULL};
/* Every UI speaks the same language: core/i18n.c sets it for all of them. */
static const char *const ui_keys[] = {"language", NULL};

/* On Wayland only the desktop may hand out the screen (the ScreenCast
 * portal): capture/x11 would see XWayland's windows alone, and steps aside
 * there itself.  The overlay: ui/wayland-overlay where the desktop has
 * layer-shell (ui/x11-overlay then steps aside), else ui/x11-overlay through
 * Xwayland (GNOME); docs/ui.md, "On a Wayland desktop". */
const kyoyu_slot kyoyu_slots[] = {
	/* Real screens only: a synthetic desktop shared instead of the
	 * customer's would tell them their screen is shared when it is not.
	 * capture/testsrc and capture/file are for tests, asked for by name. */
	{"capture", "plugin", KYOYU_KIND_CAPTURE, SHARER, false, false,
	 KYOYU_OS_SHARER_CAPTURE, "pipewire,x11", NULL, no_keys, "what the sharer shows",
	 NULL},
	{"codec", "plugin", KYOYU_KIND_CODEC, BOTH, false, false,
	 "vpx,x264", NULL, "vpx,avcodec", codec_keys,
	 "the sharer's encoder (the first that encodes codec.format); "
	 "every decoder on the viewer", NULL},
	{"transport", "plugin", KYOYU_KIND_TRANSPORT, BOTH, false, false,
	 "tls", NULL, "tls", no_keys, "the link between sharer and viewer", NULL},
	{"record", "plugin", KYOYU_KIND_TRANSPORT, BOTH, false, true,
	 "record", NULL, "record", record_keys,
	 "writes the session to a file when record.enabled is true", "enabled"},
	{"session", "policy", KYOYU_KIND_POLICY, BOTH, false, false,
	 "default", NULL, "default", session_keys,
	 "pause, caps, consent: the session policy; once = true: one session, then exit",
	 NULL},
	{"ui", "plugin", KYOYU_KIND_UI, BOTH, true, true,
	 KYOYU_OS_SHARER_UI, "tty,wayland-overlay,x11-overlay", "sdl,tty", ui_keys,
	 "every listed user interface that applies here is started", NULL},
	{NULL, NULL, 0, 0, false, false, NULL, NULL, NULL, NULL, NULL, NULL},
};

/* Groups the core reads for itself, with their keys. */
static const struct {
	const char *group;
	const char *const keys[4];
} core_groups[] = {
	{"", {"role", NULL}},
	{"plugins", {"path", NULL}},
	{"log", {"level", NULL}},
	{"ctl", {"socket", NULL}},
};

const kyoyu_slot *kyoyu_slot_find(const char *group)
{
	for (const kyoyu_slot *s = kyoyu_slots; s->group; s++)
		if (strcmp(s->group, group) == 0)
			return s;
	return NULL;
}

static char **split_commas(const char *text)
{
	kyoyu_settings tmp;
	char **out = NULL;
	char err[64];

	kyoyu_settings_init(&tmp);
	kyoyu_setting *s = kyoyu_settings_put(&tmp, "", "x", "default");
	if (s && (s->s = strdup(text))) {
		s->type = KYOYU_VALUE_TEXT;
		kyoyu_settings_strv(&tmp, "", "x", &out, err, sizeof(err));
	}
	kyoyu_settings_clear(&tmp);
	return out;
}

int kyoyu_slot_plugins(const kyoyu_slot *slot, const kyoyu_settings *settings,
		       uint32_t role, char ***names, bool *configured, char *err,
		       size_t errlen)
{
	int ret = kyoyu_settings_strv(settings, slot->group, slot->key, names, err,
				      errlen);
	if (ret)
		return ret;
	*configured = *names != NULL;
	if (*names)
		return 0;
	const char *wayland = getenv("WAYLAND_DISPLAY");
	const char *def = role == KYOYU_ROLE_VIEWER ? slot->viewer_default
			  : slot->sharer_wayland_default && wayland && *wayland
				  ? slot->sharer_wayland_default
				  : slot->sharer_default;
	*names = split_commas(def ? def : "");
	return *names ? 0 : -ENOMEM;
}

/* The role the configuration runs as (the agent has refused any other
 * value before the check). */
static uint32_t configured_role(const kyoyu_settings *settings)
{
	char err[16];
	const char *role = kyoyu_settings_string(settings, "", "role", "sharer", err,
						 sizeof(err));

	return role && strcmp(role, "viewer") == 0 ? KYOYU_ROLE_VIEWER : KYOYU_ROLE_SHARER;
}

/* Where the first of GROUP's settings that WHY names was set ("file:12"),
 * so that a plugin's sentence points at the line to fix; or NULL. */
static const char *named_origin(const kyoyu_settings *settings, const char *group,
				const char *why)
{
	for (const kyoyu_setting *s = settings->first; s; s = s->next) {
		char name[140];
		snprintf(name, sizeof(name), "%s.%s", group, s->key);
		if (strcmp(s->group, group) == 0 && strstr(why, name))
			return s->origin;
	}
	return NULL;
}

/* Whether the configuration sets up the slot's plugins: it has settings
 * in the group (a file with a few groups is checked for what it says, not
 * for what it leaves to another file or to -o), and the slot's switch is
 * not off. */
static bool slot_configured(const kyoyu_slot *slot, const kyoyu_settings *settings)
{
	bool any = false, on = false;
	char err[16];

	for (const kyoyu_setting *s = settings->first; s && !any; s = s->next)
		any = strcmp(s->group, slot->group) == 0;
	return any && (!slot->switch_key ||
		       (kyoyu_settings_bool(settings, slot->group, slot->switch_key, &on, err,
					    sizeof(err)) == 0 && on));
}

/* Type- and range-checks the settings of SLOT's group that PLUGIN
 * declares, in a scratch private struct, so --check-config catches bad
 * values too; then, when the plugin will run, asks it what else it would
 * refuse at start (its check()). */
static int check_values(const kyoyu_plugin *plugin, kyoyu_settings *settings,
			const kyoyu_slot *slot, uint32_t role, char *err, size_t errlen)
{
	const kyoyu_option *table = plugin->desc.options;
	const char *group = slot->group;
	void *scratch = calloc(1, plugin->desc.priv_size ? plugin->desc.priv_size : 1);
	int ret = 0;

	if (!scratch)
		return -ENOMEM;
	if (table)
		ret = kyoyu_options_defaults(table, scratch);
	for (kyoyu_setting *s = settings->first; s && ret == 0; s = s->next) {
		if (strcmp(s->group, group) != 0)
			continue;
		const kyoyu_option *opt = kyoyu_options_find(table, s->key);
		if (!opt)
			continue;
		s->used = true;
		ret = kyoyu_options_apply(opt, scratch, s, err, errlen);
	}
	if (ret == 0 && plugin->desc.check && slot_configured(slot, settings) &&
	    role == configured_role(settings)) {
		kyoyu_host host = {.size = sizeof(host), .role = role};
		char why[768] = "";
		if (plugin->desc.check(scratch, &host, why, sizeof(why)) != 0) {
			const char *origin = named_origin(settings, group, why);
			if (origin)
				seterr(err, errlen, "%s: %s", origin, why);
			else
				seterr(err, errlen, "%s.%s = \"%s\": %s", group, slot->key,
				       plugin->desc.name, why[0] ? why : "refused by the plugin");
			ret = -EINVAL;
		}
	}
	kyoyu_options_free(table, scratch);
	free(scratch);
	return ret;
}

/* Loads the plugins a slot names, for either role, and checks the group's
 * keys against them.  A plugin named only by default may be missing. */
static int check_slot(kyoyu_loader *loader, kyoyu_settings *settings,
		      const kyoyu_slot *slot, char *err, size_t errlen)
{
	static const uint32_t roles[] = {KYOYU_ROLE_SHARER, KYOYU_ROLE_VIEWER};

	for (const char *const *k = slot->core_keys; *k; k++)
		kyoyu_settings_get(settings, slot->group, *k);
	for (size_t r = 0; r < 2; r++) {
		if (!(slot->roles & KYOYU_ROLE_BIT(roles[r])))
			continue;
		char **names;
		bool configured;
		int ret = kyoyu_slot_plugins(slot, settings, roles[r], &names,
					     &configured, err, errlen);
		if (ret)
			return ret;
		for (char **n = names; ret == 0 && *n; n++) {
			kyoyu_plugin *p;
			char why[1024];
			if (strcmp(*n, "none") == 0)
				continue;
			int found = kyoyu_loader_find(loader, slot->kind, *n, &p, why,
						      sizeof(why));
			if (found == 0)
				ret = check_values(p, settings, slot, roles[r], err, errlen);
			else if (configured) {
				kyoyu_setting *s = kyoyu_settings_get(settings, slot->group,
								      slot->key);
				seterr(err, errlen, "%s: %s.%s: %s", s->origin,
				       slot->group, slot->key, why);
				ret = -EINVAL;
			}
		}
		kyoyu_strv_free(names);
		if (ret)
			return ret;
	}
	return 0;
}

int kyoyu_slots_check(kyoyu_loader *loader, kyoyu_settings *settings, char *err,
		      size_t errlen)
{
	for (const kyoyu_slot *slot = kyoyu_slots; slot->group; slot++) {
		int ret = check_slot(loader, settings, slot, err, errlen);
		if (ret)
			return ret;
	}
	for (size_t i = 0; i < sizeof(core_groups) / sizeof(core_groups[0]); i++)
		for (const char *const *k = core_groups[i].keys; *k; k++)
			kyoyu_settings_get(settings, core_groups[i].group, *k);

	for (kyoyu_setting *s = settings->first; s; s = s->next) {
		if (s->used)
			continue;
		char name[140];
		kyoyu_setting_name(s, name, sizeof(name));
		const kyoyu_slot *slot = kyoyu_slot_find(s->group);
		bool known_group = slot != NULL;
		for (size_t i = 0; i < sizeof(core_groups) / sizeof(core_groups[0]); i++)
			known_group |= strcmp(core_groups[i].group, s->group) == 0;
		if (!known_group)
			seterr(err, errlen, "%s: unknown group \"%s\" (known: capture, "
			       "codec, transport, record, session, ui, plugins, log, ctl)",
			       s->origin, s->group);
		else if (slot)
			seterr(err, errlen, "%s: unknown key %s: neither the core nor "
			       "the %s plugins named by %s.%s know it (see kyoyu-agent "
			       "--help-plugin NAME)", s->origin, name,
			       kyoyu_kind_name(slot->kind), slot->group, slot->key);
		else
			seterr(err, errlen, "%s: unknown key %s", s->origin, name);
		return -EINVAL;
	}
	return 0;
}

void kyoyu_slots_print(FILE *out)
{
	fprintf(out, "Config groups (one per slot; `plugin` names the plugin, or a "
		     "list tried in order):\n");
	for (const kyoyu_slot *s = kyoyu_slots; s->group; s++) {
		fprintf(out, "  %-10s %s = %s%s%s%s%s%s\n", s->group, s->key,
			s->sharer_default ? s->sharer_default : "",
			s->sharer_default && s->viewer_default ? " (sharer), " : "",
			s->viewer_default ? s->viewer_default : "",
			s->viewer_default ? " (viewer)" : " (sharer)",
			s->sharer_wayland_default ? "; on Wayland " : "",
			s->sharer_wayland_default ? s->sharer_wayland_default : "");
		fprintf(out, "  %-10s %s\n", "", s->help);
	}
	/* Every key the core reads itself, from the tables it checks files
	 * against: tests/unit/config-docs.sh holds docs/config.md (and so
	 * kyoyu.cfg(5)) to this line. */
	fprintf(out, "\nThe core's keys (the plugins' are in --help-plugin NAME):\n ");
	for (size_t i = 0; i < sizeof(core_groups) / sizeof(core_groups[0]); i++)
		for (const char *const *k = core_groups[i].keys; *k; k++)
			fprintf(out, " %s%s%s", core_groups[i].group,
				*core_groups[i].group ? "." : "", *k);
	for (const kyoyu_slot *s = kyoyu_slots; s->group; s++) {
		fprintf(out, " %s.%s", s->group, s->key);
		for (const char *const *k = s->core_keys; *k; k++)
			fprintf(out, " %s.%s", s->group, *k);
	}
	fprintf(out, "\n");
}
