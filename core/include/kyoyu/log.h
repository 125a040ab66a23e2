/* SPDX-License-Identifier: MIT */
/* kyoyu — logging for the core and for plugins.
 *
 * One macro records file, line and function with a component prefix, so a
 * line reads "[codec/vpx] keyframe requested by viewer".  Define
 * KYOYU_LOG_COMPONENT (e.g. "codec/vpx") before including this header.
 * Never pass a connection code, key material or pixels to these macros.
 */
#ifndef KYOYU_LOG_H
#define KYOYU_LOG_H

#include <stdarg.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum kyoyu_log_level {
	KYOYU_LOG_ERROR = 0,
	KYOYU_LOG_WARN = 1,
	KYOYU_LOG_INFO = 2,
	KYOYU_LOG_DEBUG = 3,
} kyoyu_log_level;

#ifndef KYOYU_LOG_COMPONENT
#define KYOYU_LOG_COMPONENT "kyoyu"
#endif

/* printf-style checking of kyoyu's formats.  On Windows kyoyu formats with
 * mingw-w64's C99 printf (%zu, %lld), GCC's gnu_printf, not msvcrt's. */
#ifdef __MINGW32__
#define KYOYU_PRINTF_FORMAT(fmt, args) __attribute__((format(gnu_printf, fmt, args)))
#else
#define KYOYU_PRINTF_FORMAT(fmt, args) __attribute__((format(printf, fmt, args)))
#endif

/* Writes one line to stderr when LEVEL is enabled.  Thread-safe. */
void kyoyu_log(kyoyu_log_level level, const char *component, const char *file,
	       int line, const char *func, const char *fmt, ...)
	KYOYU_PRINTF_FORMAT(6, 7);

/* True when messages of LEVEL are printed; lets callers skip costly formatting. */
int kyoyu_log_enabled(kyoyu_log_level level);

#define KYOYU_LOG_AT(level, ...)                                               \
	do {                                                                   \
		if (kyoyu_log_enabled(level))                                  \
			kyoyu_log(level, KYOYU_LOG_COMPONENT, __FILE__,        \
				  __LINE__, __func__, __VA_ARGS__);            \
	} while (0)

#define kyoyu_error(...) KYOYU_LOG_AT(KYOYU_LOG_ERROR, __VA_ARGS__)
#define kyoyu_warn(...) KYOYU_LOG_AT(KYOYU_LOG_WARN, __VA_ARGS__)
#define kyoyu_info(...) KYOYU_LOG_AT(KYOYU_LOG_INFO, __VA_ARGS__)
#define kyoyu_debug(...) KYOYU_LOG_AT(KYOYU_LOG_DEBUG, __VA_ARGS__)

#ifdef __cplusplus
}
#endif

#endif
