/* SPDX-License-Identifier: MIT */
/* The fake transport's private struct, shared with the tests that read it.
 *
 * kyoyu-transport-fake stands for the network: as soon as it runs it posts
 * PEER CONNECTED (with the codec the host names, and "recording" when its
 * option says so), then counts every packet the sharer would have sent.
 * It returns from run() when the session ends.
 */
#ifndef KYOYU_TESTS_FAKE_TRANSPORT_H
#define KYOYU_TESTS_FAKE_TRANSPORT_H

#include <stdatomic.h>
#include <stdbool.h>

#include <kyoyu/kyoyu.h>

typedef struct fake_transport {
	bool recording; /* option: the viewer records this session */

	kyoyu_bus *bus;
	uint32_t codec;
	atomic_int packets, keyframes, refines, disconts;
	atomic_int first_flags;    /* flags of the first packet, or -1 */
	atomic_int last_state;     /* the last kyoyu_state it saw */
	atomic_int ended_reason;   /* kyoyu_end_reason once ended */
} fake_transport;

#endif
