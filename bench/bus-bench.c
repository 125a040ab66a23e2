/* SPDX-License-Identifier: MIT */
/* bench/bus-bench: what a message costs on the frame bus, and how many heap
 * allocations.
 *
 * "cost" rows: one thread posts a message and pops it from every inbox, so
 * the figure is the bus's own work per message (ns), with no contention;
 * "cost+fd" the same with every inbox's wake-up descriptor in use, as for a
 * stage that polls sockets too.
 * "threads" rows: consumers on threads of their own pop as fast as they can
 * while one producer posts; inboxes drop what overflows, as in a session.
 * Their last column is the voluntary context switches (a thread blocking;
 * all threads, getrusage) per message posted: a consumer asleep at each
 * post costs at least one, and more when it wakes only to wait for a lock.
 * Three traffic shapes:
 *   control  one producer, STATS messages to 4 inboxes (fan-out);
 *   packets  one producer, PACKET messages with a shared 1 KiB buffer to 2
 *            inboxes (the sharer's transport and recorder);
 *   frames   one producer, latest-wins FRAME messages to 2 inboxes.
 * "paced" row: one FRAME at a time to one consumer, the next posted only
 * once it was taken, so the consumer is asleep at every post, as a sink
 * is between a capture's frames.
 * Allocations are counted by this program's own malloc family, which the
 * dynamic linker binds libkyoyu's calls to as well.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <kyoyu/host.h>
#include <kyoyu/kyoyu.h>

#include "bus-priv.h"

extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *ptr, size_t size);
extern void *__libc_memalign(size_t align, size_t size);

static atomic_ulong allocations;

void *malloc(size_t size)
{
	atomic_fetch_add_explicit(&allocations, 1, memory_order_relaxed);
	return __libc_malloc(size);
}

void *calloc(size_t n, size_t size)
{
	atomic_fetch_add_explicit(&allocations, 1, memory_order_relaxed);
	return __libc_calloc(n, size);
}

void *realloc(void *ptr, size_t size)
{
	atomic_fetch_add_explicit(&allocations, 1, memory_order_relaxed);
	return __libc_realloc(ptr, size);
}

int posix_memalign(void **out, size_t align, size_t size)
{
	atomic_fetch_add_explicit(&allocations, 1, memory_order_relaxed);
	*out = __libc_memalign(align, size);
	return *out ? 0 : ENOMEM;
}

typedef struct consumer {
	kyoyu_inbox *inbox;
	pthread_t thread;
	atomic_ulong received;
} consumer;

static void *consume(void *arg)
{
	consumer *c = arg;
	kyoyu_msg *msg;

	while (kyoyu_inbox_pop(c->inbox, &msg, -1) == 0) {
		kyoyu_msg_unref(msg);
		atomic_fetch_add(&c->received, 1);
	}
	return NULL;
}

static double seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Voluntary context switches of every thread of this process so far (the
 * paced producer's sched_yield() counts as involuntary, if at all). */
static long context_switches(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_nvcsw;
}

static void post_one(kyoyu_bus *bus, kyoyu_msg_type type, kyoyu_buffer *shared,
		     unsigned long i)
{
	kyoyu_msg *msg = kyoyu_msg_new(type);

	if (!msg)
		abort();
	switch (type) {
	case KYOYU_MSG_PACKET:
		msg->u.packet.codec = KYOYU_CODEC_VP9;
		msg->u.packet.capture_us = msg->time_us;
		msg->buf = kyoyu_buffer_ref(shared);
		break;
	case KYOYU_MSG_FRAME:
		kyoyu_frame_layout(&msg->u.frame, KYOYU_PIXFMT_BGRX, 64, 64);
		kyoyu_region_add(&msg->u.frame.damage,
				 (kyoyu_rect){(int32_t)(i % 48), 0, 16, 16});
		msg->buf = kyoyu_buffer_ref(shared);
		break;
	default:
		msg->u.stats.bytes = i;
		break;
	}
	kyoyu_bus_post(bus, msg);
}

static void run(const char *name, kyoyu_msg_type type, unsigned n_consumers,
		unsigned long count, bool paced)
{
	kyoyu_bus *bus = kyoyu_bus_new();
	consumer consumers[4];
	kyoyu_buffer *shared = kyoyu_buffer_new(type == KYOYU_MSG_FRAME ? 64 * 64 * 4 : 1024);

	for (unsigned i = 0; i < n_consumers; i++) {
		consumers[i].inbox = kyoyu_bus_subscribe(bus, name, KYOYU_MSG_BIT(type), 0);
		atomic_init(&consumers[i].received, 0);
		pthread_create(&consumers[i].thread, NULL, consume, &consumers[i]);
	}
	unsigned long before = atomic_load(&allocations);
	long switches = context_switches();
	double start = seconds();
	for (unsigned long i = 0; i < count; i++) {
		post_one(bus, type, shared, i);
		while (paced && atomic_load(&consumers[0].received) <= i)
			sched_yield();
	}
	double elapsed = seconds() - start;
	unsigned long allocs = atomic_load(&allocations) - before;

	unsigned long delivered = 0;
	for (unsigned i = 0; i < n_consumers; i++) {
		kyoyu_inbox_shutdown(consumers[i].inbox);
		pthread_join(consumers[i].thread, NULL);
		delivered += atomic_load(&consumers[i].received);
		kyoyu_inbox_free(consumers[i].inbox);
	}
	switches = context_switches() - switches;
	kyoyu_buffer_unref(shared);
	kyoyu_bus_free(bus);
	printf("%-8s %-8s %8u %12.0f %12.0f %10.3f %9.3f\n", paced ? "paced" : "threads",
	       name, n_consumers, (double)count / elapsed, (double)delivered / elapsed,
	       (double)allocs / (double)count, (double)switches / (double)count);
}

/* Posts COUNT messages to N_INBOXES inboxes, popping each right away.
 * POLLED: each inbox has a wake-up descriptor, as a stage that polls
 * sockets too (transport, ui) has. */
static void cost(const char *name, kyoyu_msg_type type, unsigned n_inboxes,
		 bool polled, unsigned long count)
{
	kyoyu_bus *bus = kyoyu_bus_new();
	kyoyu_inbox *inboxes[4];
	kyoyu_buffer *shared = kyoyu_buffer_new(type == KYOYU_MSG_FRAME ? 64 * 64 * 4 : 1024);
	kyoyu_msg *msg;

	for (unsigned i = 0; i < n_inboxes; i++) {
		inboxes[i] = kyoyu_bus_subscribe(bus, name, KYOYU_MSG_BIT(type), 0);
		if (polled)
			kyoyu_inbox_fd(inboxes[i]);
	}
	unsigned long before = atomic_load(&allocations);
	double start = seconds();
	for (unsigned long i = 0; i < count; i++) {
		post_one(bus, type, shared, i);
		for (unsigned k = 0; k < n_inboxes; k++)
			if (kyoyu_inbox_pop(inboxes[k], &msg, 0) == 0)
				kyoyu_msg_unref(msg);
	}
	double elapsed = seconds() - start;
	unsigned long allocs = atomic_load(&allocations) - before;

	for (unsigned i = 0; i < n_inboxes; i++)
		kyoyu_inbox_free(inboxes[i]);
	kyoyu_buffer_unref(shared);
	kyoyu_bus_free(bus);
	printf("%-8s %-8s %8u %12.0f %12s %10.3f %9s\n", polled ? "cost+fd" : "cost", name,
	       n_inboxes, elapsed * 1e9 / (double)count, "-", (double)allocs / (double)count,
	       "-");
}

int main(int argc, char **argv)
{
	unsigned long count = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000000;

	/* The threads rows overflow inboxes on purpose. */
	kyoyu_log_set_level(KYOYU_LOG_ERROR);
	
	printf("# %lu messages each\n", count);
	printf("%-8s %-8s %8s %12s %12s %10s %9s\n", "mode", "traffic", "inboxes",
	       "ns/msg|posted/s", "delivered/s", "allocs/msg", "csw/msg");
	for (int polled = 0; polled <= 1; polled++) {
		cost("control", KYOYU_MSG_STATS, 1, polled, count);
		cost("control", KYOYU_MSG_STATS, 4, polled, count);
		cost("packets", KYOYU_MSG_PACKET, 2, polled, count);
		cost("frames", KYOYU_MSG_FRAME, 2, polled, count);
	}
	run("control", KYOYU_MSG_STATS, 4, count, false);
	run("packets", KYOYU_MSG_PACKET, 2, count, false);
	run("frames", KYOYU_MSG_FRAME, 2, count, false);
	run("frames", KYOYU_MSG_FRAME, 1, count / 10, true);
	return 0;
}
