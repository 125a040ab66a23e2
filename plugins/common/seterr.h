/* SPDX-License-Identifier: MIT */
/* Shared by the core (core/util.h) and kyoyu's own plugins: how a function
 * tells its caller what went wrong and what to do, in a buffer the caller
 * gives.  Header-only (static inline), so each module keeps its own copy
 * and nothing is added to libkyoyu's ABI. */
#ifndef KYOYU_PLUGIN_SETERR_H
#define KYOYU_PLUGIN_SETERR_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#include <kyoyu/log.h>

/* Writes the message FMT into ERR, cut to ERRLEN bytes. */
static inline void seterr(char *err, size_t errlen, const char *fmt, ...)
	KYOYU_PRINTF_FORMAT(3, 4);
static inline void seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

#endif
