/* SPDX-License-Identifier: MIT */
/* Bus messages: allocated by the core only, reference-counted, recycled.
 *
 * A plugin never learns sizeof(kyoyu_msg) at run time: it only holds
 * pointers, so fields appended to the struct in a later minor version cost
 * an older plugin nothing.  The count lives after the public struct, in the
 * core's own wrapper, where no plugin can read or write it by accident. */
#include "config.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <kyoyu/bus.h>
#include <kyoyu/clock.h>

/* Freed messages kept for reuse: a session posts a few hundred a second,
 * and this spares the allocator every one of them. */
#define MSG_CACHE_MAX 256

typedef struct msg_box {
	kyoyu_msg msg; /* first: a kyoyu_msg * is a msg_box * */
	atomic_uint refs;
	struct msg_box *next_free;
} msg_box;

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static msg_box *cache;
static unsigned cached;

static msg_box *box_of(const kyoyu_msg *msg)
{
	return (msg_box *)msg;
}

static msg_box *box_alloc(void)
{
	pthread_mutex_lock(&cache_lock);
	msg_box *box = cache;
	if (box) {
		cache = box->next_free;
		cached--;
	}
	pthread_mutex_unlock(&cache_lock);
	return box ? box : malloc(sizeof(*box));
}

static void box_free(msg_box *box)
{
	pthread_mutex_lock(&cache_lock);
	if (cached < MSG_CACHE_MAX) {
		box->next_free = cache;
		cache = box;
		cached++;
		box = NULL;
	}
	pthread_mutex_unlock(&cache_lock);
	free(box);
}

kyoyu_msg *kyoyu_msg_new(kyoyu_msg_type type)
{
	msg_box *box = box_alloc();

	if (!box)
		return NULL;
	memset(&box->msg, 0, sizeof(box->msg));
	box->msg.type = type;
	box->msg.time_us = kyoyu_now_us();
	atomic_init(&box->refs, 1);
	box->next_free = NULL;
	return &box->msg;
}

kyoyu_msg *kyoyu_msg_copy(const kyoyu_msg *msg)
{
	msg_box *box = box_alloc();

	if (!box)
		return NULL;
	box->msg = *msg;
	if (box->msg.buf)
		kyoyu_buffer_ref(box->msg.buf);
	atomic_init(&box->refs, 1);
	box->next_free = NULL;
	return &box->msg;
}

kyoyu_msg *kyoyu_msg_ref(kyoyu_msg *msg)
{
	atomic_fetch_add_explicit(&box_of(msg)->refs, 1, memory_order_relaxed);
	return msg;
}

void kyoyu_msg_unref(kyoyu_msg *msg)
{
	if (!msg)
		return;
	msg_box *box = box_of(msg);
	/* Release, and acquire on the last: every holder's reads of the
	 * message happen before it is recycled.  One acq_rel operation, as
	 * buffer.c has, rather than a release and a separate acquire fence,
	 * which ThreadSanitizer does not model (it reported the recycling as
	 * races); on x86 the two compile alike. */
	if (atomic_fetch_sub_explicit(&box->refs, 1, memory_order_acq_rel) != 1)
		return;
	kyoyu_buffer_unref(msg->buf);
	box_free(box);
}

bool kyoyu_msg_is_writable(const kyoyu_msg *msg)
{
	return atomic_load_explicit(&box_of(msg)->refs, memory_order_acquire) == 1;
}

kyoyu_msg *kyoyu_msg_writable(kyoyu_msg *msg)
{
	if (!msg || kyoyu_msg_is_writable(msg))
		return msg;
	kyoyu_msg *copy = kyoyu_msg_copy(msg);
	kyoyu_msg_unref(msg);
	return copy;
}
