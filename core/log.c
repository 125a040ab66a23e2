/* SPDX-License-Identifier: MIT */
/* Log lines on stderr: "  12.345 [codec/vpx] warning: message". */
#include "config.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <kyoyu/clock.h>
#include <kyoyu/host.h>
#include <kyoyu/log.h>

static atomic_int current_level = KYOYU_LOG_INFO;
static _Atomic int64_t start_us;

void kyoyu_log_set_level(kyoyu_log_level level)
{
	atomic_store(&current_level, level);
}

int kyoyu_log_enabled(kyoyu_log_level level)
{
	return (int)level <= atomic_load_explicit(&current_level, memory_order_relaxed);
}

static const char *level_word(kyoyu_log_level level)
{
	switch (level) {
	case KYOYU_LOG_ERROR:
		return "error: ";
	case KYOYU_LOG_WARN:
		return "warning: ";
	default:
		return "";
	}
}

/* Appends to TEXT (capacity CAP, one byte kept for the newline) and returns
 * the new length, never more than CAP - 1. */
static size_t append(char *text, size_t len, size_t cap, const char *fmt, va_list ap)
{
	if (len >= cap - 1)
		return len;
	int n = vsnprintf(text + len, cap - 1 - len, fmt, ap);
	if (n < 0)
		return len;
	len += (size_t)n;
	return len < cap - 1 ? len : cap - 2;
}

static size_t appendf(char *text, size_t len, size_t cap, const char *fmt, ...)
	KYOYU_PRINTF_FORMAT(4, 5);
static size_t appendf(char *text, size_t len, size_t cap, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	len = append(text, len, cap, fmt, ap);
	va_end(ap);
	return len;
}

void kyoyu_log(kyoyu_log_level level, const char *component, const char *file,
	       int line, const char *func, const char *fmt, ...)
{
	char text[1024];
	int64_t now = kyoyu_now_us();
	int64_t expected = 0;

	if (!kyoyu_log_enabled(level))
		return;
	atomic_compare_exchange_strong(&start_us, &expected, now);
	int64_t since = now - atomic_load(&start_us);
	size_t len = appendf(text, 0, sizeof(text), "%4lld.%03lld [%s] %s",
			     (long long)(since / 1000000),
			     (long long)(since / 1000 % 1000), component,
			     level_word(level));
	va_list ap;
	va_start(ap, fmt);
	len = append(text, len, sizeof(text), fmt, ap);
	va_end(ap);
	if (kyoyu_log_enabled(KYOYU_LOG_DEBUG)) {
		const char *base = strrchr(file, '/');
		len = appendf(text, len, sizeof(text), " (%s:%d %s)",
			      base ? base + 1 : file, line, func);
	}
	text[len++] = '\n';
	/* One write per line keeps lines from different threads whole. */
	ssize_t ignored = write(STDERR_FILENO, text, len);
	(void)ignored;
}
