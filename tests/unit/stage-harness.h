/* SPDX-License-Identifier: MIT */
/* A bus, the fake codec and a core stage around it, for the encode and
 * decode stage tests.  The test thread posts what capture or the network
 * would, and reads what the stage posts from its own inbox. */
#ifndef KYOYU_TESTS_STAGE_HARNESS_H
#define KYOYU_TESTS_STAGE_HARNESS_H

#include <kyoyu/plugin.h>

#include "../plugins/fake-codec.h"
#include "bus-priv.h"
#include "instance.h"
#include "loader.h"
#include "stage-priv.h"
#include "test-util.h"

typedef struct harness {
	kyoyu_loader loader;
	kyoyu_bus *bus;
	kyoyu_instance *codec;
	fake_codec *fake; /* the codec's private struct */
	kyoyu_stage *stage;
	kyoyu_inbox *out; /* what the stage posts */
} harness;

/* Loads the fake codec with the "codec.key=value" settings of ARGS. */
static inline harness *harness_new(const char *const *args, uint64_t out_mask)
{
	static char *dirs[] = {KYOYU_TEST_PLUGIN_DIR, NULL};
	harness *h = calloc(1, sizeof(*h));
	kyoyu_settings set;
	kyoyu_plugin *plugin;
	char err[1024] = "";

	assert_int_equal(kyoyu_loader_init(&h->loader, dirs), 0);
	h->bus = kyoyu_bus_new();
	kyoyu_settings_init(&set);
	for (; args && *args; args++)
		assert_int_equal(kyoyu_settings_put_arg(&set, *args, err, sizeof(err)), 0);
	if (kyoyu_loader_find(&h->loader, KYOYU_KIND_CODEC, "fake", &plugin, err,
			      sizeof(err)))
		fail_msg("%s", err);
	kyoyu_host host = {.size = sizeof(host), .role = KYOYU_ROLE_SHARER, .bus = h->bus};
	if (kyoyu_instance_new(plugin, &host, &set, "codec", &h->codec, err, sizeof(err)))
		fail_msg("%s", err);
	kyoyu_settings_clear(&set);
	h->fake = h->codec->priv;
	h->out = kyoyu_bus_subscribe(h->bus, "test", out_mask, 256);
	h->stage = kyoyu_stage_new(h->bus, "stage");
	return h;
}

/* Subscribes the stage's inbox to MASK now (the stage does the same when
 * its thread starts) and starts FN(CTX) on the stage. */
static inline void harness_start(harness *h, uint64_t mask, kyoyu_stage_fn fn, void *ctx)
{
	kyoyu_inbox_set_mask(kyoyu_stage_inbox(h->stage), mask);
	assert_int_equal(kyoyu_stage_start(h->stage, fn, ctx), 0);
}

/* Stops the stage; the caller then frees its own stage object. */
static inline void harness_stop(harness *h)
{
	kyoyu_stage_free(h->stage);
	h->stage = NULL;
}

static inline void harness_free(harness *h)
{
	kyoyu_stage_free(h->stage);
	kyoyu_inbox_free(h->out);
	kyoyu_instance_free(h->codec);
	kyoyu_bus_free(h->bus);
	kyoyu_loader_fini(&h->loader);
	free(h);
}

/* Waits up to SECONDS for the next message the stage posted; the caller
 * releases *MSG. */
static inline bool harness_next(harness *h, kyoyu_msg **msg, double seconds)
{
	return kyoyu_inbox_pop(h->out, msg, (int)(seconds * 1000)) == 0;
}

/* A snapshot of what the fake codec logged for frame I. */
static inline fake_codec_frame harness_frame(harness *h, int i)
{
	fake_codec_frame f;

	pthread_mutex_lock(&h->fake->lock);
	assert_true(i < h->fake->n_log);
	f = h->fake->log[i];
	pthread_mutex_unlock(&h->fake->lock);
	return f;
}

#endif
