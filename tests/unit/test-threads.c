/* SPDX-License-Identifier: MIT */
/* KYOYU_ASSERT_STAGE_THREAD as a plugin uses it: quiet on its stage's own
 * thread; anywhere else (the main thread, another stage, a stage that does
 * not run) an abort whose message names the function, the thread it ran
 * on and the stage it belongs to.  The aborts happen in forked children. */
#include "config.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <kyoyu/bus.h>

#include "bus-priv.h"
#include "stage-priv.h"
#include "test-util.h"

typedef struct fixture {
	kyoyu_bus *bus;
	kyoyu_stage *owner; /* "capture/test": bound_to_stage() belongs to it */
	atomic_int calls;   /* of bound_to_stage() on the owner's thread */
	atomic_bool running;
} fixture;

/* A function documented "capture thread only". */
static void bound_to_stage(kyoyu_stage *stage)
{
	KYOYU_ASSERT_STAGE_THREAD(stage);
}

/* The owner's run(): calls its bound function until asked to stop. */
static int owner_run(void *ctx, kyoyu_stage *stage)
{
	fixture *f = ctx;

	atomic_store(&f->running, true);
	while (!kyoyu_stage_stopping(stage)) {
		bound_to_stage(stage);
		atomic_fetch_add(&f->calls, 1);
		kyoyu_msg *msg;
		if (kyoyu_inbox_pop(kyoyu_stage_inbox(stage), &msg, 5) == 0)
			kyoyu_msg_unref(msg);
	}
	return 0;
}

/* Another stage's run(), breaking the rule. */
static int intruder_run(void *ctx, kyoyu_stage *stage)
{
	fixture *f = ctx;

	bound_to_stage(f->owner);
	return 0;
}

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));

	f->bus = kyoyu_bus_new();
	f->owner = kyoyu_stage_new(f->bus, "capture/test");
	atomic_init(&f->calls, 0);
	atomic_init(&f->running, false);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;

	kyoyu_stage_free(f->owner);
	kyoyu_bus_free(f->bus);
	free(f);
	return 0;
}

static void start_owner(fixture *f)
{
	assert_int_equal(kyoyu_stage_start(f->owner, owner_run, f), 0);
	assert_true(WAIT_UNTIL(atomic_load(&f->running), 10));
}

static void test_stage_bound_function_runs_quietly_on_its_stage(void **state)
{
	fixture *f = *state;

	start_owner(f);
	assert_true(WAIT_UNTIL(atomic_load(&f->calls) >= 3, 10));
	kyoyu_stage_request_stop(f->owner);
	assert_int_equal(kyoyu_stage_join(f->owner), 0);
}

static void call_from_main_thread(void *arg)
{
	fixture *f = arg;

	start_owner(f);
	bound_to_stage(f->owner);
}

static void test_stage_bound_function_aborts_on_the_main_thread(void **state)
{
	static const char *const said[] = {"bound_to_stage ran on thread \"",
					   "outside the thread of capture/test",
					   "docs/plugin-abi.md, \"Threads\"", NULL};

	SKIP_WITHOUT_ASSERTIONS();
	assert_aborts_saying(call_from_main_thread, *state, said);
}

static void call_from_another_stage(void *arg)
{
	fixture *f = arg;
	kyoyu_stage *intruder = kyoyu_stage_new(f->bus, "transport/intruder");

	start_owner(f);
	assert_int_equal(kyoyu_stage_start(intruder, intruder_run, f), 0);
	kyoyu_stage_join(intruder);
}

static void test_stage_bound_function_aborts_on_another_stage(void **state)
{
	static const char *const said[] = {"bound_to_stage ran on thread \"ky-intruder\"",
					   "outside the thread of capture/test", NULL};

	SKIP_WITHOUT_ASSERTIONS();
	assert_aborts_saying(call_from_another_stage, *state, said);
}

static void call_before_the_stage_runs(void *arg)
{
	fixture *f = arg;

	bound_to_stage(f->owner);
}

static void test_stage_bound_function_aborts_before_its_stage_runs(void **state)
{
	static const char *const said[] = {"bound_to_stage ran on thread",
					   "outside the thread of capture/test", NULL};

	SKIP_WITHOUT_ASSERTIONS();
	assert_aborts_saying(call_before_the_stage_runs, *state, said);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
		T(test_stage_bound_function_runs_quietly_on_its_stage),
		T(test_stage_bound_function_aborts_on_the_main_thread),
		T(test_stage_bound_function_aborts_on_another_stage),
		T(test_stage_bound_function_aborts_before_its_stage_runs),
#undef T
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
