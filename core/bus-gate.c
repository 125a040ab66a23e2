/* SPDX-License-Identifier: MIT */
/* The core's half of the frame bus: creating it and working its gate.
 * Linked into the agent (and the tests), never into libkyoyu, so a plugin
 * cannot call any of it: the session alone decides when screen content
 * may move. */
#include "config.h"

#include <stdlib.h>

#define KYOYU_LOG_COMPONENT "bus"
#include <kyoyu/log.h>

#include "bus-priv.h"

kyoyu_bus *kyoyu_bus_new(void)
{
	kyoyu_bus *bus = calloc(1, sizeof(*bus));

	if (!bus)
		return NULL;
	pthread_mutex_init(&bus->lock, NULL);
	atomic_init(&bus->closed_mask, 0);
	atomic_init(&bus->open_since_us, INT64_MIN);
	return bus;
}

void kyoyu_bus_free(kyoyu_bus *bus)
{
	if (!bus)
		return;
	if (bus->inboxes)
		kyoyu_error("bus freed while an inbox is subscribed");
	pthread_mutex_destroy(&bus->lock);
	free(bus);
}

void kyoyu_bus_close_to(kyoyu_bus *bus, uint64_t mask)
{
	atomic_fetch_or(&bus->closed_mask, mask);
}

void kyoyu_bus_open_to(kyoyu_bus *bus, uint64_t mask, int64_t since_us)
{
	/* The time first: a pop between the two stores must not pass content
	 * from before SINCE_US through a gate already open. */
	atomic_store(&bus->open_since_us, since_us);
	atomic_fetch_and(&bus->closed_mask, ~mask);
}
