/* SPDX-License-Identifier: MIT */
/* Plugin instances: options into the private struct, init and fini. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KYOYU_LOG_COMPONENT "core"
#include <kyoyu/plugin.h>

#include "instance.h"

static int apply_group(const kyoyu_instance *inst, const kyoyu_settings *settings,
		       const char *group, char *err, size_t errlen)
{
	const kyoyu_option *table = inst->plugin->desc.options;

	for (kyoyu_setting *s = settings ? settings->first : NULL; s; s = s->next) {
		if (!group || strcmp(s->group, group) != 0)
			continue;
		const kyoyu_option *opt = kyoyu_options_find(table, s->key);
		if (!opt)
			continue; /* a core key, or another plugin's */
		s->used = true;
		int ret = kyoyu_options_apply(opt, inst->priv, s, err, errlen);
		if (ret)
			return ret;
	}
	return 0;
}

int kyoyu_instance_new(const kyoyu_plugin *plugin, const kyoyu_host *host,
		       const kyoyu_settings *settings, const char *group,
		       kyoyu_instance **out, char *err, size_t errlen)
{
	const kyoyu_plugin_descriptor *d = &plugin->desc;
	kyoyu_instance *inst = calloc(1, sizeof(*inst));
	int ret = -ENOMEM;

	*out = NULL;
	if (!inst)
		return -ENOMEM;
	inst->plugin = plugin;
	inst->host = *host;
	inst->host.size = sizeof(inst->host);
	snprintf(inst->label, sizeof(inst->label), "%s/%s", kyoyu_kind_name(d->kind),
		 d->name);
	/* Never zero bytes: the plugin always gets a pointer it may keep. */
	inst->priv = calloc(1, d->priv_size ? d->priv_size : 1);
	if (!inst->priv)
		goto out_free_instance;
	ret = kyoyu_options_defaults(d->options, inst->priv);
	if (ret == 0)
		ret = apply_group(inst, settings, group, err, errlen);
	if (ret)
		goto out_free_options;

	ret = d->init(inst->priv, &inst->host);
	if (ret == KYOYU_SKIP) {
		kyoyu_info("%s does not apply here; skipped", inst->label);
		goto out_free_options;
	}
	if (ret < 0) {
		snprintf(err, errlen, "%s failed to start: %s", inst->label,
			 strerror(-ret));
		goto out_free_options;
	}
	if (ret != KYOYU_OK) {
		snprintf(err, errlen, "%s: init returned %d, which is neither OK, "
			 "SKIP nor a negative errno", inst->label, ret);
		if (d->fini)
			d->fini(inst->priv);
		ret = -EPROTO;
		goto out_free_options;
	}
	*out = inst;
	return KYOYU_OK;

out_free_options:
	kyoyu_options_free(d->options, inst->priv);
	free(inst->priv);
out_free_instance:
	free(inst);
	return ret;
}

void kyoyu_instance_free(kyoyu_instance *inst)
{
	if (!inst)
		return;
	if (inst->plugin->desc.fini)
		inst->plugin->desc.fini(inst->priv);
	kyoyu_options_free(inst->plugin->desc.options, inst->priv);
	free(inst->priv);
	free(inst);
}
