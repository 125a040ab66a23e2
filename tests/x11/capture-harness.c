/* SPDX-License-Identifier: MIT */
/* A capture plugin on a real frame bus (see capture-harness.h). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "bus-priv.h"
#include "capture-harness.h"
#include "settings.h"
#include "stage-priv.h"

int capture_harness_open(capture_harness *h, const char *plugin_dir, const char *name,
			 const char *const *args, char *err, size_t errlen)
{
	char *dirs[] = {(char *)plugin_dir, NULL};
	kyoyu_settings settings;
	kyoyu_plugin *plugin;

	memset(h, 0, sizeof(*h));
	int ret = kyoyu_loader_init(&h->loader, dirs);
	if (ret) {
		snprintf(err, errlen, "the plugin loader failed to start");
		return ret;
	}
	h->loader_ready = true;
	h->bus = kyoyu_bus_new();
	if (!h->bus)
		return -ENOMEM;
	/* As the session does: nothing on screen travels before sharing. */
	kyoyu_bus_close_to(h->bus, KYOYU_MSG_SCREEN_CONTENT);
	ret = kyoyu_loader_find(&h->loader, KYOYU_KIND_CAPTURE, name, &plugin, err, errlen);
	if (ret)
		return ret;
	kyoyu_settings_init(&settings);
	for (; args && *args && ret == 0; args++)
		ret = kyoyu_settings_put_arg(&settings, *args, err, errlen);
	kyoyu_host host = {.size = sizeof(host), .role = KYOYU_ROLE_SHARER, .bus = h->bus};
	if (ret == 0)
		ret = kyoyu_instance_new(plugin, &host, &settings, "capture", &h->capture,
					 err, errlen);
	kyoyu_settings_clear(&settings);
	if (ret != KYOYU_OK)
		return ret;
	h->sink = kyoyu_bus_subscribe(h->bus, "sink", CAPTURE_SINK_MASK, 256);
	h->stage = kyoyu_stage_new(h->bus, h->capture->label);
	return h->sink && h->stage ? KYOYU_OK : -ENOMEM;
}

static int run_plugin(void *ctx, kyoyu_stage *stage)
{
	kyoyu_instance *inst = ctx;

	return inst->plugin->ops.stage.run(inst->priv, stage);
}

int capture_harness_start(capture_harness *h)
{
	kyoyu_host *host = &h->capture->host;

	/* The loader refused the plugin unless it lists a format. */
	if (host->frame_format == KYOYU_PIXFMT_NONE)
		host->frame_format = h->capture->plugin->ops.stage.formats[0];
	int ret = h->capture->plugin->ops.stage.start(h->capture->priv, h->stage);
	if (ret)
		return ret;
	ret = kyoyu_stage_start(h->stage, run_plugin, h->capture);
	if (ret) {
		if (h->capture->plugin->ops.stage.stop)
			h->capture->plugin->ops.stage.stop(h->capture->priv);
		return ret;
	}
	h->started = true;
	return 0;
}

int capture_harness_set_state(capture_harness *h, uint32_t state)
{
	if (state == KYOYU_STATE_SHARING)
		kyoyu_bus_open_to(h->bus, KYOYU_MSG_SCREEN_CONTENT, kyoyu_now_us());
	else
		kyoyu_bus_close_to(h->bus, KYOYU_MSG_SCREEN_CONTENT);
	kyoyu_msg *msg = kyoyu_msg_new(KYOYU_MSG_STATE);
	if (!msg)
		return -ENOMEM;
	msg->u.state = (kyoyu_state_info){.state = state, .role = KYOYU_ROLE_SHARER,
					  .now_us = msg->time_us};
	return kyoyu_bus_post(h->bus, msg);
}

int capture_harness_next(capture_harness *h, kyoyu_msg **msg, int timeout_ms)
{
	return kyoyu_inbox_pop(h->sink, msg, timeout_ms);
}

void capture_harness_close(capture_harness *h)
{
	if (h->stage) {
		kyoyu_stage_request_stop(h->stage);
		kyoyu_stage_join(h->stage);
	}
	if (h->started && h->capture->plugin->ops.stage.stop)
		h->capture->plugin->ops.stage.stop(h->capture->priv);
	kyoyu_stage_free(h->stage);
	kyoyu_inbox_free(h->sink);
	kyoyu_instance_free(h->capture);
	kyoyu_bus_free(h->bus);
	if (h->loader_ready)
		kyoyu_loader_fini(&h->loader);
	memset(h, 0, sizeof(*h));
}
