/* Stages: one thread each, started and stopped by the core. */
#ifndef KYOYU_STAGE_PRIV_H
#define KYOYU_STAGE_PRIV_H

#include <kyoyu/bus.h>

typedef int (*kyoyu_stage_fn)(void *ctx, kyoyu_stage *stage);

/* A stage named NAME ("codec/vpx") with an inbox subscribed to nothing.
 * NULL when out of memory. */
kyoyu_stage *kyoyu_stage_new(kyoyu_bus *bus, const char *name);

/* Runs FN(CTX, stage) on a new thread.  Returns 0 or a negative errno. */
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

#endif
