/* SPDX-License-Identifier: MIT */
/* Stages: one thread each, started, named and stopped by the core.
 *
 * The struct is shared by libkyoyu (the accessors a plugin calls) and the
 * agent's core (core/stage-thread.c, which creates and runs stages); the
 * functions below are the core's and libkyoyu does not export them. */
#ifndef KYOYU_STAGE_PRIV_H
#define KYOYU_STAGE_PRIV_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include <kyoyu/bus.h>

typedef int (*kyoyu_stage_fn)(void *ctx, kyoyu_stage *stage);

struct kyoyu_stage {
	kyoyu_bus *bus;
	kyoyu_inbox *inbox;
	char name[48];
	atomic_bool stopping;
	atomic_bool running; /* FN is on the stack of SELF */
	atomic_bool stays_after_end;
	pthread_t self;      /* written by the stage's thread before RUNNING */
	bool started, joined;
	pthread_t thread;
	kyoyu_stage_fn fn;
	void *ctx;
	int result;
	pthread_mutex_t lock;
	pthread_cond_t done_cond;
	bool done; /* FN returned */
};

/* A stage named NAME ("codec/vpx") with an inbox subscribed to nothing.
 * NULL when out of memory. */
kyoyu_stage *kyoyu_stage_new(kyoyu_bus *bus, const char *name);

/* Runs FN(CTX, stage) on a new thread named after the stage ("ky-capture",
 * "ky-tls").  Returns 0 or a negative errno.  The core's main thread. */
int kyoyu_stage_start(kyoyu_stage *stage, kyoyu_stage_fn fn, void *ctx);

/* Asks the stage to stop: kyoyu_stage_stopping() turns true and its inbox
 * shuts down, waking it.  Any thread; returns at once. */
void kyoyu_stage_request_stop(kyoyu_stage *stage);

/* Waits up to TIMEOUT_MS for FN to return on its own; true once it has. */
bool kyoyu_stage_wait(kyoyu_stage *stage, int timeout_ms);

/* Waits for the stage's thread and returns what FN returned (0 when the
 * stage never started). */
int kyoyu_stage_join(kyoyu_stage *stage);

/* Stops and joins if needed, then frees the stage and its inbox. */
void kyoyu_stage_free(kyoyu_stage *stage);

/* The thread name for the stage NAME: "ky-capture" for any capture,
 * "ky-<name>" for "<kind>/<name>", "ky-<name>" for the core's own. */
void kyoyu_stage_thread_name(const char *name, char out[16]);

#endif
