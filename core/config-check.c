/* SPDX-License-Identifier: MIT */
/* The configuration check, run in a child process (see config-check.h). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <kyoyu/frame.h>

#include "codecs.h"
#include "codec-auto.h"
#include "config-check.h"
#include "loader.h"
#include "os.h"
#include "slots.h"

/* The core's own keys, read with the readers and bounds the pipeline and
 * the control socket use at start, so that what the start would refuse is
 * refused here (record.enabled = 5, a bitrate of 800.5, a socket path too
 * long for an address).  role, log.level and plugins.path are read before
 * any check, by the agent itself. */
static int check_core_keys(const kyoyu_settings *settings, char *err, size_t errlen)
{
	int64_t number;
	bool flag;

	if (kyoyu_settings_int(settings, "codec", "bitrate_kbps", KYOYU_BITRATE_KBPS_MIN,
			       KYOYU_BITRATE_KBPS_MAX, &number, err, errlen) ||
	    kyoyu_settings_int(settings, "codec", "max_fps", KYOYU_MAX_FPS_MIN,
			       KYOYU_MAX_FPS_MAX, &number, err, errlen) ||
	    kyoyu_settings_int(settings, "codec", "topoff_ms", KYOYU_TOPOFF_MS_MIN,
			       KYOYU_TOPOFF_MS_MAX, &number, err, errlen) ||
	    kyoyu_settings_bool(settings, "record", "enabled", &flag, err, errlen) ||
	    kyoyu_settings_bool(settings, "session", "once", &flag, err, errlen))
		return -EINVAL;
	const char *format = kyoyu_settings_string(settings, "codec", "format", "vp9", err,
						   errlen);
	if (!format)
		return -EINVAL;
	kyoyu_setting *socket = kyoyu_settings_get(settings, "ctl", "socket");
	const char *path = kyoyu_settings_string(settings, "ctl", "socket", NULL, err,
						 errlen);
	if (socket && !path)
		return -EINVAL;
	size_t path_max = sizeof(((struct sockaddr_un *)0)->sun_path) - 1;
	if (path && strlen(path) > path_max) {
		snprintf(err, errlen, "%s: ctl.socket is %zu bytes long; a socket path holds "
			 "at most %zu (choose a shorter one)", socket->origin, strlen(path),
			 path_max);
		return -EINVAL;
	}
	return 0;
}

/* What the codec plugins on the search path encode, for codec.format. */
typedef struct encodable {
	const char *wanted;
	bool found;
	char names[256]; /* "vp8, vp9, h264" */
} encodable;

static void note_encodes(void *ctx, const char *path, const kyoyu_plugin *p,
			 const char *why)
{
	encodable *e = ctx;

	if (!p || p->desc.kind != KYOYU_KIND_CODEC)
		return;
	for (const kyoyu_codec_desc *c = p->ops.codec.encodes; c && c->fourcc; c++) {
		e->found |= strcmp(c->name, e->wanted) == 0;
		if (!strstr(e->names, c->name))
			snprintf(e->names + strlen(e->names), sizeof(e->names) - strlen(e->names),
				 "%s%s", e->names[0] ? ", " : "", c->name);
	}
}

/* codec.format names a codec some codec plugin here encodes. */
static int check_codec_format(kyoyu_loader *loader, const kyoyu_settings *settings,
			      char *err, size_t errlen)
{
	encodable e = {.wanted = kyoyu_codec_auto_first(
			       kyoyu_settings_string(settings, "codec", "format", "vp9", err,
						     errlen))};
	if (!e.wanted)
		return -EINVAL;
	kyoyu_loader_scan(loader, note_encodes, &e);
	if (e.found)
		return 0;
	const kyoyu_setting *s = kyoyu_settings_get(settings, "codec", "format");
	snprintf(err, errlen, "%s: codec.format \"%s\": no codec plugin here encodes it "
		 "(these do: %s)", s ? s->origin : "default", e.wanted,
		 e.names[0] ? e.names : "none; build kyoyu with codec/vpx or codec/x264");
	return -EINVAL;
}

/* On the sharer, one of the plugins codec.plugin lists must load and encode
 * codec.format: h264 with codec/x264 not built, or a list without it, fail
 * here rather than when the customer starts. */
static int check_sharer_encoder(kyoyu_loader *loader, const kyoyu_settings *settings,
				char *err, size_t errlen)
{
	const char *role = kyoyu_settings_string(settings, "", "role", "sharer", err, errlen);
	const char *format = kyoyu_codec_auto_first(
		kyoyu_settings_string(settings, "codec", "format", "vp9", err, errlen));
	const kyoyu_setting *origin = kyoyu_settings_get(settings, "codec", "format");
	char **names, why[1024] = "", listed[256] = "";
	bool configured, found = false;

	if (!role || !format)
		return -EINVAL;
	if (strcmp(role, "sharer") != 0)
		return 0;
	int ret = kyoyu_slot_plugins(kyoyu_slot_find("codec"), settings, KYOYU_ROLE_SHARER,
				     &names, &configured, err, errlen);
	if (ret)
		return ret;
	for (char **name = names; *name && !found; name++) {
		kyoyu_plugin *p;
		char e[900];
		snprintf(listed + strlen(listed), sizeof(listed) - strlen(listed), "%s%s",
			 name == names ? "" : ", ", *name);
		if (kyoyu_loader_find(loader, KYOYU_KIND_CODEC, *name, &p, e, sizeof(e)) != 0) {
			/* The first plugin that cannot load says why. */
			if (!why[0])
				snprintf(why, sizeof(why), "; %s", e);
			continue;
		}
		found = kyoyu_codec_list_find(p->ops.codec.encodes, format) != NULL;
	}
	kyoyu_strv_free(names);
	if (found)
		return 0;
	snprintf(err, errlen, "%s: codec.format \"%s\": none of the codec plugins the sharer "
		 "uses (%s) encodes it here%s; choose another codec.format, or add the plugin "
		 "that encodes it to codec.plugin", origin ? origin->origin : "default", format,
		 listed, why);
	return -EINVAL;
}

int kyoyu_config_check(kyoyu_loader *loader, kyoyu_settings *settings, char *err,
		       size_t errlen)
{
	int ret = check_core_keys(settings, err, errlen);

	if (!ret)
		ret = check_codec_format(loader, settings, err, errlen);
	/* After the slots: a codec.plugin that is not there is said first. */
	if (!ret)
		ret = kyoyu_slots_check(loader, settings, err, errlen);
	return ret ? ret : check_sharer_encoder(loader, settings, err, errlen);
}

/* What kyoyu_os_run_apart runs. */
typedef struct check_job {
	char *const *dirs;
	kyoyu_settings *settings;
} check_job;

static int check_here(void *ctx, char *err, size_t errlen)
{
	check_job *job = ctx;
	kyoyu_loader loader;

	if (kyoyu_loader_init(&loader, job->dirs)) {
		snprintf(err, errlen, "cannot start the plugin loader");
		return -EIO;
	}
	int ret = kyoyu_config_check(&loader, job->settings, err, errlen);
	kyoyu_loader_fini(&loader);
	return ret;
}

int kyoyu_config_check_apart(char *const *dirs, kyoyu_settings *settings, char *err,
			     size_t errlen)
{
	check_job job = {dirs, settings};
	int ret = kyoyu_os_run_apart(check_here, &job, err, errlen);

	if (ret == -ECHILD) {
		char how[256];
		snprintf(how, sizeof(how), "%s", err);
		snprintf(err, errlen, "checking the configuration %s while loading the "
			 "plugins; try kyoyu-agent --check-config FILE or --list-plugins", how);
		return -EINVAL;
	}
	if (ret && !err[0])
		snprintf(err, errlen, "checking the configuration failed");
	return ret ? -EINVAL : 0;
}
