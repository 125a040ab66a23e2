/* SPDX-License-Identifier: MIT */
/* The sessions this agent ran, for `kyoyu-agent ctl sessions`. */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kyoyu/session.h>

#include "history.h"

struct kyoyu_history {
	pthread_mutex_t lock;
	kyoyu_history_entry entries[KYOYU_HISTORY_MAX]; /* a ring */
	size_t first, count;
};

kyoyu_history *kyoyu_history_new(void)
{
	kyoyu_history *h = calloc(1, sizeof(*h));

	if (h)
		pthread_mutex_init(&h->lock, NULL);
	return h;
}

void kyoyu_history_free(kyoyu_history *h)
{
	if (!h)
		return;
	pthread_mutex_destroy(&h->lock);
	free(h);
}

void kyoyu_history_add(kyoyu_history *h, const kyoyu_history_entry *entry)
{
	pthread_mutex_lock(&h->lock);
	if (h->count == KYOYU_HISTORY_MAX) {
		h->first = (h->first + 1) % KYOYU_HISTORY_MAX;
		h->count--;
	}
	h->entries[(h->first + h->count) % KYOYU_HISTORY_MAX] = *entry;
	h->count++;
	pthread_mutex_unlock(&h->lock);
}

/* A local time as 2026-12-06T11:20:01+0900, or "-". */
static const char *time_text(time_t t, char *buf, size_t len)
{
	struct tm tm;

	if (!t || !localtime_r(&t, &tm) || !strftime(buf, len, "%Y-%m-%dT%H:%M:%S%z", &tm))
		return "-";
	return buf;
}

/* A field of one line: no tab or line break may come from a name. */
static void field(char *dst, size_t len, const char *src)
{
	size_t i = 0;

	if (!*src)
		src = "-";
	for (; src[i] && i + 1 < len; i++)
		dst[i] = ((unsigned char)src[i] < 0x20 || src[i] == 0x7f) ? ' ' : src[i];
	dst[i] = '\0';
}

size_t kyoyu_history_format(kyoyu_history *h, char *buf, size_t len)
{
	size_t used = 0, n;

	buf[0] = '\0';
	pthread_mutex_lock(&h->lock);
	n = h->count;
	for (size_t i = 0; i < n && used + 1 < len; i++) {
		const kyoyu_history_entry *e = &h->entries[(h->first + i) % KYOYU_HISTORY_MAX];
		char start[32], end[32], customer[sizeof(e->customer)], file[sizeof(e->file)];
		field(customer, sizeof(customer), e->customer);
		field(file, sizeof(file), e->file);
		int wrote = snprintf(buf + used, len - used, "%s\t%s\t%s\t%s\t%s%s\n",
				     time_text(e->start, start, sizeof(start)),
				     time_text(e->end, end, sizeof(end)), customer,
				     kyoyu_end_reason_name(e->reason), file,
				     e->recording_stopped ? " (recording stopped early)" : "");
		if (wrote < 0)
			break;
		used += (size_t)wrote;
	}
	pthread_mutex_unlock(&h->lock);
	if (used >= len)
		buf[len - 1] = '\0';
	return n;
}
