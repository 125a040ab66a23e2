/* SPDX-License-Identifier: MIT */
/* libkyoyu-proto's peer is the transport thread's: a peer made for a stage
 * is used quietly on that stage's thread and aborts, with the function's
 * name and the stage's, from any other (debug builds); a peer made for no
 * stage (the relay, tests, the fuzzer) is not checked.  The aborts happen
 * in forked children. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <kyoyu/kyoyu.h>

#include "bus-priv.h"
#include "proto/peer.h"
#include "stage-priv.h"
#include "tests/unit/test-util.h"

typedef struct fixture {
	kyoyu_bus *bus;
	kyoyu_inbox *events; /* the PEER messages the peer posted */
	kyoyu_stage *stage;  /* "transport/test" */
	kp_peer *peer;       /* made for the stage */
	atomic_int posted;   /* by the stage's run() */
} fixture;

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->bus = kyoyu_bus_new();
	f->events = kyoyu_bus_subscribe(f->bus, "test", KYOYU_MSG_BIT(KYOYU_MSG_PEER), 0);
	f->stage = kyoyu_stage_new(f->bus, "transport/test");
	f->peer = kp_peer_new(f->bus, &(kp_peer_config){.role = KYOYU_ROLE_VIEWER,
							 .stage = f->stage});
	assert_non_null(f->peer);
	atomic_init(&f->posted, 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;

	kp_peer_free(f->peer);
	kyoyu_stage_free(f->stage);
	kyoyu_inbox_free(f->events);
	kyoyu_bus_free(f->bus);
	free(f);
	return 0;
}

static int post_from_stage(void *ctx, kyoyu_stage *stage)
{
	fixture *f = ctx;

	kp_peer_post_event(f->peer, KYOYU_PEER_CONNECTED, 0, NULL);
	atomic_fetch_add(&f->posted, 1);
	return 0;
}

static void test_peer_runs_quietly_on_its_stage(void **state)
{
	fixture *f = *state;
	kyoyu_msg *msg;

	assert_int_equal(kyoyu_stage_start(f->stage, post_from_stage, f), 0);
	assert_int_equal(kyoyu_stage_join(f->stage), 0);
	assert_int_equal(atomic_load(&f->posted), 1);
	assert_int_equal(kyoyu_inbox_pop(f->events, &msg, 0), 0);
	assert_int_equal(msg->u.peer.event, KYOYU_PEER_CONNECTED);
	kyoyu_msg_unref(msg);
}

static void post_from_main_thread(void *arg)
{
	fixture *f = arg;

	kp_peer_post_event(f->peer, KYOYU_PEER_CONNECTED, 0, NULL);
}

static void test_peer_aborts_off_its_stage(void **state)
{
	static const char *const said[] = {"kp_peer_post_event ran on thread \"",
					   "outside the thread of transport/test", NULL};

	SKIP_WITHOUT_ASSERTIONS();
	assert_aborts_saying(post_from_main_thread, *state, said);
}

static void test_peer_of_no_stage_is_not_checked(void **state)
{
	fixture *f = *state;
	kp_peer *free_peer = kp_peer_new(f->bus, &(kp_peer_config){.role = KYOYU_ROLE_VIEWER});
	kyoyu_msg *msg;

	assert_non_null(free_peer);
	kp_peer_post_event(free_peer, KYOYU_PEER_LOST, 0, NULL);
	assert_int_equal(kyoyu_inbox_pop(f->events, &msg, 0), 0);
	assert_int_equal(msg->u.peer.event, KYOYU_PEER_LOST);
	kyoyu_msg_unref(msg);
	kp_peer_free(free_peer);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
		T(test_peer_runs_quietly_on_its_stage),
		T(test_peer_aborts_off_its_stage),
		T(test_peer_of_no_stage_is_not_checked),
#undef T
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
