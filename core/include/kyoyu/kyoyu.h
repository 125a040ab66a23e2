/* SPDX-License-Identifier: MIT */
/* kyoyu — everything a plugin needs: #include <kyoyu/kyoyu.h> */
#ifndef KYOYU_KYOYU_H
#define KYOYU_KYOYU_H

#include <kyoyu/bus.h>
#include <kyoyu/clock.h>
#include <kyoyu/frame.h>
#include <kyoyu/log.h>
#include <kyoyu/options.h>
#include <kyoyu/plugin.h>
#include <kyoyu/session.h>

#endif
