/* The core's side of the frame bus: creating it and closing it to screen
 * content.  Plugins never see these. */
#ifndef KYOYU_BUS_PRIV_H
#define KYOYU_BUS_PRIV_H

#include <kyoyu/bus.h>

/* A new bus, open to every type.  NULL when out of memory. */
kyoyu_bus *kyoyu_bus_new(void);

/* Frees the bus; every inbox must have been freed first. */
void kyoyu_bus_free(kyoyu_bus *bus);

/* Refuses the types in MASK from now on and drops those already waiting in
 * any inbox.  Returns the number of messages dropped. */
unsigned kyoyu_bus_close_to(kyoyu_bus *bus, uint64_t mask);

/* Accepts the types in MASK again, but screen content captured before
 * SINCE_US is still refused: a frame grabbed before a pause and encoded
 * after the resume must not leave. */
void kyoyu_bus_open_to(kyoyu_bus *bus, uint64_t mask, int64_t since_us);

#endif
