/* SPDX-License-Identifier: MIT */
/* What a plugin may ask of its stage: its bus, its inbox, whether it should
 * stop, whether it outlives the session, and whether the caller runs on the
 * stage's thread.  The core
 * creates and runs stages in core/stage-thread.c. */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>

#define KYOYU_LOG_COMPONENT "core"
#include <kyoyu/bus.h>
#include <kyoyu/log.h>

#include "stage-priv.h"

kyoyu_bus *kyoyu_stage_bus(const kyoyu_stage *stage)
{
	return stage->bus;
}

kyoyu_inbox *kyoyu_stage_inbox(const kyoyu_stage *stage)
{
	return stage->inbox;
}

bool kyoyu_stage_stopping(const kyoyu_stage *stage)
{
	return atomic_load(&((kyoyu_stage *)stage)->stopping);
}

const char *kyoyu_stage_name(const kyoyu_stage *stage)
{
	return stage->name;
}

void kyoyu_stage_stay_after_end(kyoyu_stage *stage)
{
	atomic_store(&stage->stays_after_end, true);
}

bool kyoyu_stage_stays_after_end(const kyoyu_stage *stage)
{
	return atomic_load(&((kyoyu_stage *)stage)->stays_after_end);
}

bool kyoyu_stage_is_current(const kyoyu_stage *stage)
{
	return atomic_load(&((kyoyu_stage *)stage)->running) &&
	       pthread_equal(stage->self, pthread_self());
}

void kyoyu_assert_thread_failed_if(bool failed, const char *func, const char *where)
{
	char thread[16] = "?";

	if (!failed)
		return;
	pthread_getname_np(pthread_self(), thread, sizeof(thread));
	kyoyu_error("%s ran on thread \"%s\", outside the thread of %s: a thread "
		    "rule was broken (docs/plugin-abi.md, \"Threads\")", func, thread, where);
	abort();
}
