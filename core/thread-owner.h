/* SPDX-License-Identifier: MIT */
/* Which thread may use an object of the core, checked in debug builds as
 * PulseAudio's pa_assert_ctl_context() checks its main loop's thread.
 *
 * An object belongs first to the thread that made it: the agent's main
 * thread, which builds the pipeline, starts and stops the stages and makes
 * the session's first move.  A stage may take it over at the top of its
 * run function (kyoyu_owner_hand_to); from then on only that stage's thread
 * may use it, also after the stage stopped.  A function bound to the owner
 * says so with KYOYU_ASSERT_OWNER(&obj->owner): called from any other
 * thread it logs the function, the thread it ran on and the owner, and
 * aborts.  With NDEBUG the check compiles to nothing.  Not installed. */
#ifndef KYOYU_THREAD_OWNER_H
#define KYOYU_THREAD_OWNER_H

#include <pthread.h>
#include <stdatomic.h>

#include <kyoyu/bus.h>

typedef struct kyoyu_owner {
	pthread_t maker;
	_Atomic(kyoyu_stage *) stage; /* the stage that took over, or NULL */
} kyoyu_owner;

/* The calling thread owns OWNER. */
static inline void kyoyu_owner_init(kyoyu_owner *owner)
{
	owner->maker = pthread_self();
	atomic_init(&owner->stage, NULL);
}

/* STAGE's thread owns OWNER from now on.  Called by that thread. */
static inline void kyoyu_owner_hand_to(kyoyu_owner *owner, kyoyu_stage *stage)
{
	atomic_store(&owner->stage, stage);
}

static inline void kyoyu_owner_check(kyoyu_owner *owner, const char *func)
{
	kyoyu_stage *stage = atomic_load(&owner->stage);

	if (stage)
		kyoyu_assert_thread_failed_if(!kyoyu_stage_is_current(stage), func,
					      kyoyu_stage_name(stage));
	else
		kyoyu_assert_thread_failed_if(!pthread_equal(owner->maker, pthread_self()),
					      func, "its maker (the main thread)");
}

#ifdef NDEBUG
#define KYOYU_ASSERT_OWNER(owner) ((void)(owner))
#else
#define KYOYU_ASSERT_OWNER(owner) kyoyu_owner_check(owner, __func__)
#endif

#endif
