/* SPDX-License-Identifier: MIT */
/* kyoyu — for the program that hosts plugins (the agent, kyoyu-plugin-check,
 * an integrator's own test program): settings of libkyoyu that belong to the
 * whole process, not to one plugin.  A plugin has no use for these, and
 * nothing here can see or change a session: the bus's gate and the stages'
 * threads are the agent's own and not exported at all.
 * Not included by <kyoyu/kyoyu.h>. */
#ifndef KYOYU_HOST_H
#define KYOYU_HOST_H

#include <kyoyu/log.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Sets the most verbose level printed (default KYOYU_LOG_INFO). */
void kyoyu_log_set_level(kyoyu_log_level level);

#ifdef __cplusplus
}
#endif

#endif
