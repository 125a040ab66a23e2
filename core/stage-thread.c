/* SPDX-License-Identifier: MIT */
/* Stages: a thread, an inbox and a stop flag.  The core's side: creating,
 * starting, naming, stopping and freeing them.  Not in libkyoyu. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <kyoyu/bus.h>

#include "stage-priv.h"
#include "util.h"

kyoyu_stage *kyoyu_stage_new(kyoyu_bus *bus, const char *name)
{
	kyoyu_stage *stage = calloc(1, sizeof(*stage));

	if (!stage)
		return NULL;
	stage->bus = bus;
	snprintf(stage->name, sizeof(stage->name), "%s", name);
	stage->inbox = kyoyu_bus_subscribe(bus, name, 0, 0);
	if (!stage->inbox) {
		free(stage);
		return NULL;
	}
	atomic_init(&stage->stopping, false);
	atomic_init(&stage->running, false);
	atomic_init(&stage->stays_after_end, false);
	pthread_mutex_init(&stage->lock, NULL);
	pthread_condattr_t attr;
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, KYOYU_OS_COND_CLOCK);
	pthread_cond_init(&stage->done_cond, &attr);
	pthread_condattr_destroy(&attr);
	return stage;
}

void kyoyu_stage_thread_name(const char *name, char out[16])
{
	const char *slash = strchr(name, '/');

	if (slash && strncmp(name, "capture/", 8) == 0)
		snprintf(out, 16, "ky-capture");
	else
		snprintf(out, 16, "ky-%s", slash ? slash + 1 : name);
}

static void *stage_thread(void *arg)
{
	kyoyu_stage *stage = arg;
	char name[16];

	/* Seen in top -H, gdb and perf: which stage burns the CPU. */
	kyoyu_stage_thread_name(stage->name, name);
	pthread_setname_np(pthread_self(), name);
	stage->self = pthread_self();
	atomic_store(&stage->running, true);
	int result = stage->fn(stage->ctx, stage);
	atomic_store(&stage->running, false);
	pthread_mutex_lock(&stage->lock);
	stage->result = result;
	stage->done = true;
	pthread_cond_broadcast(&stage->done_cond);
	pthread_mutex_unlock(&stage->lock);
	return NULL;
}

int kyoyu_stage_start(kyoyu_stage *stage, kyoyu_stage_fn fn, void *ctx)
{
	if (stage->started)
		return -EALREADY;
	stage->fn = fn;
	stage->ctx = ctx;
	int err = pthread_create(&stage->thread, NULL, stage_thread, stage);
	if (err)
		return -err;
	stage->started = true;
	return 0;
}

void kyoyu_stage_request_stop(kyoyu_stage *stage)
{
	atomic_store(&stage->stopping, true);
	kyoyu_inbox_shutdown(stage->inbox);
}

bool kyoyu_stage_wait(kyoyu_stage *stage, int timeout_ms)
{
	struct timespec deadline = deadline_after(timeout_ms);

	pthread_mutex_lock(&stage->lock);
	while (stage->started && !stage->done &&
	       pthread_cond_timedwait(&stage->done_cond, &stage->lock, &deadline) == 0)
		;
	bool done = !stage->started || stage->done;
	pthread_mutex_unlock(&stage->lock);
	return done;
}

int kyoyu_stage_join(kyoyu_stage *stage)
{
	if (!stage->started)
		return 0;
	if (!stage->joined) {
		pthread_join(stage->thread, NULL);
		stage->joined = true;
	}
	return stage->result;
}

void kyoyu_stage_free(kyoyu_stage *stage)
{
	if (!stage)
		return;
	kyoyu_stage_request_stop(stage);
	kyoyu_stage_join(stage);
	kyoyu_inbox_free(stage->inbox);
	pthread_cond_destroy(&stage->done_cond);
	pthread_mutex_destroy(&stage->lock);
	free(stage);
}
