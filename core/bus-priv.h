/* SPDX-License-Identifier: MIT */
/* The core's side of the frame bus: creating it, and its gate for screen
 * content.  Plugins never see these: libkyoyu exports none of them (the
 * functions live in the agent's own core, core/bus-gate.c), so no plugin
 * can reopen what a pause closed.
 *
 * The bus itself is defined here because both halves use it: libkyoyu's
 * post and pop read the gate, the core's gate functions write it. */
#ifndef KYOYU_BUS_PRIV_H
#define KYOYU_BUS_PRIV_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include <kyoyu/bus.h>

/* The bus's own per-type counters (kyoyu_bus_type_stats without its size). */
typedef struct bus_type_counts {
	uint64_t posted, refused, bytes;
	int64_t last_us;
} bus_type_counts;

struct kyoyu_bus {
	pthread_mutex_t lock; /* inboxes, seq, counts; taken before an inbox's */
	kyoyu_inbox *inboxes;
	uint32_t seq;
	bus_type_counts counts[KYOYU_MSG_TYPE_COUNT];
	/* The gate.  Written by the core only; read by post (under the lock)
	 * and again by pop, so what was queued before a pause never leaves
	 * an inbox after it. */
	_Atomic uint64_t closed_mask;
	_Atomic int64_t open_since_us;
};

/* True when the gate refuses MSG right now. */
static inline bool kyoyu_bus_gate_refuses(const kyoyu_bus *bus, const kyoyu_msg *msg)
{
	uint64_t bit = KYOYU_MSG_BIT(msg->type);

	if (atomic_load(&((kyoyu_bus *)bus)->closed_mask) & bit)
		return true;
	return (KYOYU_MSG_SCREEN_CONTENT & bit) &&
	       msg->time_us < atomic_load(&((kyoyu_bus *)bus)->open_since_us);
}

/* A new bus, open to every type.  NULL when out of memory. */
kyoyu_bus *kyoyu_bus_new(void);

/* Frees the bus; every inbox must have been freed first. */
void kyoyu_bus_free(kyoyu_bus *bus);

/* Refuses the types in MASK from now on, on post and on pop: what is
 * already queued in an inbox is dropped when its stage next reads. */
void kyoyu_bus_close_to(kyoyu_bus *bus, uint64_t mask);

/* Accepts the types in MASK again, but screen content captured before
 * SINCE_US is still refused: a frame grabbed before a pause and encoded
 * after the resume must not leave. */
void kyoyu_bus_open_to(kyoyu_bus *bus, uint64_t mask, int64_t since_us);

#endif
