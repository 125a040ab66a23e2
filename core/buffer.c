/* SPDX-License-Identifier: MIT */
/* Reference-counted buffers and the pools that recycle them. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <kyoyu/frame.h>

#include "os.h"

/* Pixel rows are handed to SIMD code (libyuv, encoders): align the data. */
#define BUFFER_ALIGN 64

struct kyoyu_buffer {
	atomic_uint refs;
	kyoyu_pool *pool; /* NULL for a buffer of its own */
	size_t size;
	size_t capacity;
	kyoyu_buffer *next_free;
	unsigned char *data;
	/* A wrapped buffer: DATA is its owner's, given back with this. */
	kyoyu_buffer_release_fn release;
	void *release_opaque;
};

struct kyoyu_pool {
	pthread_mutex_t lock;
	/* One for the owner plus one for every buffer out of the pool. */
	atomic_uint refs;
	size_t buffer_size;
	unsigned max_buffers;
	unsigned allocated;
	kyoyu_buffer *free_list;
};

static size_t header_size(void)
{
	return (sizeof(kyoyu_buffer) + BUFFER_ALIGN - 1) & ~(size_t)(BUFFER_ALIGN - 1);
}

static kyoyu_buffer *buffer_alloc(size_t capacity)
{
	void *mem;

	if (capacity > SIZE_MAX - header_size() - BUFFER_ALIGN)
		return NULL;
	if (!(mem = kyoyu_os_aligned_alloc(BUFFER_ALIGN, header_size() + capacity)))
		return NULL;
	kyoyu_buffer *buffer = mem;
	atomic_init(&buffer->refs, 1);
	buffer->pool = NULL;
	buffer->size = capacity;
	buffer->capacity = capacity;
	buffer->next_free = NULL;
	buffer->data = (unsigned char *)mem + header_size();
	buffer->release = NULL;
	buffer->release_opaque = NULL;
	return buffer;
}

kyoyu_buffer *kyoyu_buffer_new(size_t size)
{
	kyoyu_buffer *buffer = buffer_alloc(size);

	if (buffer)
		memset(buffer->data, 0, size);
	return buffer;
}

kyoyu_buffer *kyoyu_buffer_new_copy(const void *data, size_t size)
{
	kyoyu_buffer *buffer = buffer_alloc(size);

	if (buffer && size)
		memcpy(buffer->data, data, size);
	return buffer;
}

kyoyu_buffer *kyoyu_buffer_new_wrapped(void *data, size_t size,
				       kyoyu_buffer_release_fn release, void *opaque)
{
	kyoyu_buffer *buffer = buffer_alloc(0);

	if (!buffer)
		return NULL;
	buffer->data = data;
	buffer->size = size;
	buffer->capacity = size;
	buffer->release = release;
	buffer->release_opaque = opaque;
	return buffer;
}

kyoyu_buffer *kyoyu_buffer_ref(kyoyu_buffer *buffer)
{
	atomic_fetch_add_explicit(&buffer->refs, 1, memory_order_relaxed);
	return buffer;
}

static void pool_release(kyoyu_pool *pool)
{
	if (atomic_fetch_sub_explicit(&pool->refs, 1, memory_order_acq_rel) != 1)
		return;
	while (pool->free_list) {
		kyoyu_buffer *next = pool->free_list->next_free;
		kyoyu_os_aligned_free(pool->free_list);
		pool->free_list = next;
	}
	pthread_mutex_destroy(&pool->lock);
	free(pool);
}

void kyoyu_buffer_unref(kyoyu_buffer *buffer)
{
	if (!buffer)
		return;
	if (atomic_fetch_sub_explicit(&buffer->refs, 1, memory_order_acq_rel) != 1)
		return;
	kyoyu_pool *pool = buffer->pool;
	if (!pool) {
		if (buffer->release)
			buffer->release(buffer->release_opaque);
		kyoyu_os_aligned_free(buffer);
		return;
	}
	pthread_mutex_lock(&pool->lock);
	buffer->next_free = pool->free_list;
	pool->free_list = buffer;
	pthread_mutex_unlock(&pool->lock);
	pool_release(pool);
}

void *kyoyu_buffer_data(const kyoyu_buffer *buffer)
{
	return buffer->data;
}

size_t kyoyu_buffer_size(const kyoyu_buffer *buffer)
{
	return buffer->size;
}

size_t kyoyu_buffer_capacity(const kyoyu_buffer *buffer)
{
	return buffer->capacity;
}

int kyoyu_buffer_set_size(kyoyu_buffer *buffer, size_t size)
{
	if (size > buffer->capacity)
		return -EINVAL;
	buffer->size = size;
	return 0;
}

bool kyoyu_buffer_is_writable(const kyoyu_buffer *buffer)
{
	return atomic_load_explicit(&buffer->refs, memory_order_acquire) == 1;
}

kyoyu_pool *kyoyu_pool_new(size_t buffer_size, unsigned max_buffers)
{
	if (max_buffers == 0)
		return NULL;
	kyoyu_pool *pool = calloc(1, sizeof(*pool));
	if (!pool)
		return NULL;
	pthread_mutex_init(&pool->lock, NULL);
	atomic_init(&pool->refs, 1);
	pool->buffer_size = buffer_size;
	pool->max_buffers = max_buffers;
	return pool;
}

void kyoyu_pool_unref(kyoyu_pool *pool)
{
	if (pool)
		pool_release(pool);
}

kyoyu_buffer *kyoyu_pool_acquire(kyoyu_pool *pool)
{
	kyoyu_buffer *buffer = NULL;

	pthread_mutex_lock(&pool->lock);
	if (pool->free_list) {
		buffer = pool->free_list;
		pool->free_list = buffer->next_free;
	} else if (pool->allocated < pool->max_buffers) {
		buffer = buffer_alloc(pool->buffer_size);
		if (buffer) {
			buffer->pool = pool;
			pool->allocated++;
		}
	}
	pthread_mutex_unlock(&pool->lock);
	if (!buffer)
		return NULL;
	atomic_fetch_add_explicit(&pool->refs, 1, memory_order_relaxed);
	atomic_store_explicit(&buffer->refs, 1, memory_order_relaxed);
	buffer->next_free = NULL;
	buffer->size = buffer->capacity;
	return buffer;
}

size_t kyoyu_pool_buffer_size(const kyoyu_pool *pool)
{
	return pool->buffer_size;
}
