/* SPDX-License-Identifier: MIT */
/* The codecs the loaded plugins declared, by FourCC and name. */
#include "config.h"

#include <pthread.h>
#include <string.h>

#include "codecs.h"

/* More distinct codecs than any build carries. */
#define MAX_KNOWN 32

static pthread_mutex_t known_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
	uint32_t fourcc;
	char name[KYOYU_CODEC_LABEL_MAX + 1];
} known[MAX_KNOWN];
static unsigned n_known;

const kyoyu_codec_desc *kyoyu_codec_list_get(const kyoyu_codec_desc *list,
					     uint32_t fourcc)
{
	for (; list && list->fourcc != KYOYU_CODEC_NONE; list++)
		if (list->fourcc == fourcc)
			return list;
	return NULL;
}

const kyoyu_codec_desc *kyoyu_codec_list_find(const kyoyu_codec_desc *list,
					      const char *name)
{
	for (; list && name && list->fourcc != KYOYU_CODEC_NONE; list++)
		if (strcmp(list->name, name) == 0)
			return list;
	return NULL;
}

void kyoyu_codecs_register(const kyoyu_codec_desc *list)
{
	pthread_mutex_lock(&known_lock);
	for (; list && list->fourcc != KYOYU_CODEC_NONE; list++) {
		unsigned i = 0;
		while (i < n_known && known[i].fourcc != list->fourcc)
			i++;
		if (i == n_known && n_known < MAX_KNOWN) {
			known[i].fourcc = list->fourcc;
			/* The loader checked: at most 16 characters. */
			strncpy(known[i].name, list->name, sizeof(known[i].name) - 1);
			n_known++;
		}
	}
	pthread_mutex_unlock(&known_lock);
}

const char *kyoyu_codec_label(uint32_t fourcc, char text[5])
{
	const char *name = NULL;

	pthread_mutex_lock(&known_lock);
	for (unsigned i = 0; i < n_known && !name; i++)
		if (known[i].fourcc == fourcc)
			name = known[i].name;
	pthread_mutex_unlock(&known_lock);
	return name ? name : kyoyu_fourcc_text(fourcc, text);
}

uint32_t kyoyu_codec_from_label(const char *label)
{
	uint32_t fourcc = KYOYU_CODEC_NONE;
	char text[5];

	pthread_mutex_lock(&known_lock);
	for (unsigned i = 0; i < n_known && !fourcc; i++)
		if (strcmp(known[i].name, label) == 0 ||
		    strcmp(kyoyu_fourcc_text(known[i].fourcc, text), label) == 0)
			fourcc = known[i].fourcc;
	pthread_mutex_unlock(&known_lock);
	return fourcc;
}
