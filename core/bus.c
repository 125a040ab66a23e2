/* SPDX-License-Identifier: MIT */
/* The frame bus: typed messages fanned out to bounded inboxes.
 *
 * A posted message is shared by reference with every subscribed inbox and
 * is read-only from then on.  What one inbox has to change in it — the
 * damage of frames it merged, the cursor shape an unread message carried,
 * a packet's DISCONT mark — is kept in the inbox beside the reference and
 * applied when the stage pops it, on a copy if others still hold it.
 *
 * Lock order: bus->lock, then inbox->lock.  Posting never waits on a
 * consumer: each inbox keeps a latest-wins slot for frames, cursor and
 * pointer, and bounded FIFOs for packets and control messages.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define KYOYU_LOG_COMPONENT "bus"
#include <kyoyu/bus.h>
#include <kyoyu/clock.h>
#include <kyoyu/log.h>

#include "bus-priv.h"
#include "os.h"
#include "util.h"

#define CONTROL_DEPTH 128
#define DEFAULT_PACKET_DEPTH 64

/* A queued reference and the flags this inbox adds to it when popped. */
typedef struct slot {
	kyoyu_msg *msg;
	uint32_t add_flags;
} slot;

/* A bounded ring of queued messages. */
typedef struct ring {
	slot *slots;
	unsigned depth, head, count;
} ring;

/* The latest unread frame, and what the frames it replaced still owe:
 * DEBT has the frame's size, their damage and their KEY flag. */
typedef struct frame_slot {
	kyoyu_msg *msg;
	bool merged;
	kyoyu_frame_info debt;
} frame_slot;

/* The latest unread cursor, and the newest unread shape it lacks. */
typedef struct cursor_slot {
	kyoyu_msg *msg;
	kyoyu_msg *shape; /* a replaced message whose shape was not read */
} cursor_slot;

struct kyoyu_inbox {
	kyoyu_bus *bus;
	kyoyu_inbox *next;
	char name[48];
	uint64_t mask; /* guarded by bus->lock */

	pthread_mutex_t lock;
	pthread_cond_t cond;
	unsigned waiters;
	int wake_fd; /* kyoyu_os_wake once asked for: readable while not empty */
	bool wake_set;
	bool shutdown;

	ring control;
	bool keyframe_request_queued; /* one waits unread in control */
	ring packets;
	bool packet_lost; /* the next packet delivered is marked DISCONT */
	frame_slot frame;
	cursor_slot cursor;
	kyoyu_msg *pointer;
	kyoyu_inbox_stats stats;
};

/* ---- rings ------------------------------------------------------------- */

static bool ring_init(ring *r, unsigned depth)
{
	r->slots = calloc(depth, sizeof(*r->slots));
	r->depth = depth;
	r->head = r->count = 0;
	return r->slots != NULL;
}

static bool ring_push(ring *r, kyoyu_msg *msg, uint32_t add_flags)
{
	if (r->count == r->depth)
		return false;
	r->slots[(r->head + r->count++) % r->depth] = (slot){msg, add_flags};
	return true;
}

static bool ring_pop(ring *r, slot *out)
{
	if (r->count == 0)
		return false;
	*out = r->slots[r->head];
	r->head = (r->head + 1) % r->depth;
	r->count--;
	return true;
}

static void ring_clear(ring *r)
{
	slot s;

	while (ring_pop(r, &s))
		kyoyu_msg_unref(s.msg);
}

/* ---- inbox internals (inbox->lock held) -------------------------------- */

static bool inbox_empty(const kyoyu_inbox *in)
{
	return in->control.count == 0 && in->packets.count == 0 && !in->frame.msg &&
	       !in->cursor.msg && !in->pointer;
}

/* Makes the wake-up descriptor readable.  Returns whether a thread waits
 * in kyoyu_inbox_pop(), to be woken by wake_waiter() once the lock is let
 * go. */
static bool inbox_wake(kyoyu_inbox *in)
{
	if (in->wake_fd >= 0 && !in->wake_set) {
		kyoyu_os_wake_set(in->wake_fd);
		in->wake_set = true;
	}
	return in->waiters > 0;
}

/* Signalled after inbox->lock is released, not while holding it: a waiter
 * woken under the lock runs only to block on that lock at once, two more
 * context switches a message.  Nothing is lost by it: the waiter counted
 * in WAITERS was already asleep in pthread_cond_wait() when the lock was
 * taken to deliver, so it is still there to receive the signal; one that
 * comes later looks at the inbox under the lock before it sleeps.  One
 * signal, not a broadcast: a delivery makes at most one message more to
 * take, and an inbox has one reader, its stage's thread.
 *
 * The inbox must outlive the signal, though its lock is no longer held and
 * its reader may pop the last message and return at once: the caller
 * (kyoyu_bus_post) still holds bus->lock, and kyoyu_inbox_free() takes
 * bus->lock to unlink the inbox before it destroys the condition variable
 * and frees it, so the inbox stays whole until the post lets bus->lock
 * go. */
static void wake_waiter(kyoyu_inbox *in)
{
	pthread_cond_signal(&in->cond);
}

static void inbox_unwake_if_empty(kyoyu_inbox *in)
{
	if (in->wake_set && !in->shutdown && inbox_empty(in)) {
		kyoyu_os_wake_clear(in->wake_fd);
		in->wake_set = false;
	}
}

/* A newer frame replaces an unread one; what the old one changed still has
 * to reach the consumer, so its damage is owed to the new one. */
static void deliver_frame(kyoyu_inbox *in, kyoyu_msg *msg)
{
	frame_slot *f = &in->frame;

	if (f->msg) {
		kyoyu_frame_info older = f->msg->u.frame;
		if (f->merged)
			kyoyu_frame_merge_damage(&older, &f->debt);
		memset(&f->debt, 0, sizeof(f->debt));
		f->debt.width = msg->u.frame.width;
		f->debt.height = msg->u.frame.height;
		kyoyu_frame_merge_damage(&f->debt, &older);
		f->merged = true;
		kyoyu_msg_unref(f->msg);
		in->stats.frames_merged++;
	}
	f->msg = msg;
}

/* The newest position wins, but a shape not yet read must survive. */
static void deliver_cursor(kyoyu_inbox *in, kyoyu_msg *msg)
{
	cursor_slot *c = &in->cursor;

	if (c->msg) {
		if (c->msg->buf) {
			kyoyu_msg_unref(c->shape);
			c->shape = c->msg;
		} else {
			kyoyu_msg_unref(c->msg);
		}
	}
	if (msg->buf) {
		/* This one brings its own shape: an older one is moot. */
		kyoyu_msg_unref(c->shape);
		c->shape = NULL;
	}
	c->msg = msg;
}

static void deliver_packet(kyoyu_inbox *in, kyoyu_msg *msg)
{
	uint32_t add = in->packet_lost ? KYOYU_PACKET_DISCONT : 0;

	if (ring_push(&in->packets, msg, add)) {
		in->packet_lost = false;
		return;
	}
	in->packet_lost = true;
	in->stats.packets_dropped++;
	kyoyu_msg_unref(msg);
}

/* Takes over the reference MSG.  Called with bus->lock held, which keeps
 * IN alive until the waiter is woken (wake_waiter). */
static void inbox_deliver(kyoyu_inbox *in, kyoyu_msg *msg)
{
	pthread_mutex_lock(&in->lock);
	if (in->shutdown) {
		kyoyu_msg_unref(msg);
		pthread_mutex_unlock(&in->lock);
		return;
	}
	in->stats.received++;
	switch (msg->type) {
	case KYOYU_MSG_FRAME:
		deliver_frame(in, msg);
		break;
	case KYOYU_MSG_CURSOR:
		deliver_cursor(in, msg);
		break;
	case KYOYU_MSG_POINTER:
		kyoyu_msg_unref(in->pointer);
		in->pointer = msg;
		break;
	case KYOYU_MSG_PACKET:
		deliver_packet(in, msg);
		break;
	default:
		/* A keyframe request adds nothing to one still unread: a burst
		 * of them (a viewer flooding, a sender dropping many packets)
		 * takes one slot, not the FIFO the stage's STATE needs. */
		if (msg->type == KYOYU_MSG_KEYFRAME_REQUEST && in->keyframe_request_queued) {
			kyoyu_msg_unref(msg);
			break;
		}
		if (!ring_push(&in->control, msg, 0)) {
			if (in->stats.control_dropped++ % 64 == 0)
				kyoyu_warn("inbox \"%s\" is full: dropped a %s message; "
					   "its stage is not reading",
					   in->name, kyoyu_msg_type_name(msg->type));
			kyoyu_msg_unref(msg);
		} else if (msg->type == KYOYU_MSG_KEYFRAME_REQUEST) {
			in->keyframe_request_queued = true;
		}
		break;
	}
	bool waiting = inbox_wake(in);
	pthread_mutex_unlock(&in->lock);
	if (waiting)
		wake_waiter(in);
}

static void inbox_clear(kyoyu_inbox *in)
{
	ring_clear(&in->control);
	ring_clear(&in->packets);
	kyoyu_msg_unref(in->frame.msg);
	kyoyu_msg_unref(in->cursor.msg);
	kyoyu_msg_unref(in->cursor.shape);
	kyoyu_msg_unref(in->pointer);
	memset(&in->frame, 0, sizeof(in->frame));
	memset(&in->cursor, 0, sizeof(in->cursor));
	in->pointer = NULL;
}

/* ---- posting ----------------------------------------------------------- */

int kyoyu_bus_post(kyoyu_bus *bus, kyoyu_msg *msg)
{
	if (!msg)
		return -EINVAL;
	if (msg->type >= KYOYU_MSG_TYPE_COUNT) {
		kyoyu_msg_unref(msg);
		return -EINVAL;
	}
	pthread_mutex_lock(&bus->lock);
	bus_type_counts *counts = &bus->counts[msg->type];
	if (kyoyu_bus_gate_refuses(bus, msg)) {
		counts->refused++;
		pthread_mutex_unlock(&bus->lock);
		kyoyu_msg_unref(msg);
		return -EPERM;
	}
	/* The bus writes the sequence number while the poster still holds
	 * the only reference. */
	msg->seq = ++bus->seq;
	counts->posted++;
	counts->bytes += msg->buf ? kyoyu_buffer_size(msg->buf) : 0;
	counts->last_us = kyoyu_now_us();
	for (kyoyu_inbox *in = bus->inboxes; in; in = in->next)
		if (in->mask & KYOYU_MSG_BIT(msg->type))
			inbox_deliver(in, kyoyu_msg_ref(msg));
	pthread_mutex_unlock(&bus->lock);
	kyoyu_msg_unref(msg);
	return 0;
}

int kyoyu_bus_post_value(kyoyu_bus *bus, kyoyu_msg_type type, int64_t value)
{
	kyoyu_msg *msg = kyoyu_msg_new(type);

	if (!msg)
		return -ENOMEM;
	msg->u.value = value;
	return kyoyu_bus_post(bus, msg);
}

void kyoyu_bus_get_stats(const kyoyu_bus *bus, uint32_t type,
			 kyoyu_bus_type_stats *stats)
{
	kyoyu_bus_type_stats out = {.size = sizeof(out)};
	size_t size = stats->size < sizeof(out) ? stats->size : sizeof(out);

	if (type < KYOYU_MSG_TYPE_COUNT) {
		pthread_mutex_lock((pthread_mutex_t *)&bus->lock);
		const bus_type_counts *c = &bus->counts[type];
		out.posted = c->posted;
		out.refused = c->refused;
		out.bytes = c->bytes;
		out.last_us = c->last_us;
		pthread_mutex_unlock((pthread_mutex_t *)&bus->lock);
	}
	out.size = (uint32_t)size;
	memcpy(stats, &out, size);
}

/* ---- inbox ------------------------------------------------------------- */

kyoyu_inbox *kyoyu_bus_subscribe(kyoyu_bus *bus, const char *name,
				 uint64_t mask, unsigned packet_depth)
{
	kyoyu_inbox *in = calloc(1, sizeof(*in));

	if (!in)
		return NULL;
	in->wake_fd = -1;
	if (!ring_init(&in->control, CONTROL_DEPTH))
		goto out_free_inbox;
	if (!ring_init(&in->packets, packet_depth ? packet_depth : DEFAULT_PACKET_DEPTH))
		goto out_free_control;
	pthread_condattr_t attr;
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, KYOYU_OS_COND_CLOCK);
	pthread_cond_init(&in->cond, &attr);
	pthread_condattr_destroy(&attr);
	pthread_mutex_init(&in->lock, NULL);
	snprintf(in->name, sizeof(in->name), "%s", name ? name : "?");
	in->bus = bus;

	pthread_mutex_lock(&bus->lock);
	in->mask = mask;
	in->next = bus->inboxes;
	bus->inboxes = in;
	pthread_mutex_unlock(&bus->lock);
	return in;

out_free_control:
	free(in->control.slots);
out_free_inbox:
	free(in);
	return NULL;
}

void kyoyu_inbox_set_mask(kyoyu_inbox *inbox, uint64_t mask)
{
	pthread_mutex_lock(&inbox->bus->lock);
	inbox->mask = mask;
	pthread_mutex_unlock(&inbox->bus->lock);
}

void kyoyu_inbox_free(kyoyu_inbox *inbox)
{
	if (!inbox)
		return;
	kyoyu_bus *bus = inbox->bus;
	pthread_mutex_lock(&bus->lock);
	for (kyoyu_inbox **p = &bus->inboxes; *p; p = &(*p)->next) {
		if (*p == inbox) {
			*p = inbox->next;
			break;
		}
	}
	pthread_mutex_unlock(&bus->lock);

	inbox_clear(inbox);
	free(inbox->control.slots);
	free(inbox->packets.slots);
	if (inbox->wake_fd >= 0)
		kyoyu_os_wake_close(inbox->wake_fd);
	pthread_cond_destroy(&inbox->cond);
	pthread_mutex_destroy(&inbox->lock);
	free(inbox);
}

/* ---- popping (inbox->lock held) ---------------------------------------- */

/* MSG with this inbox's changes applied: in place when the caller's
 * reference is the only one, else on a copy.  Out of memory, the shared
 * message goes out as it is and the loss is logged: the consumer's next
 * keyframe repairs it. */
static kyoyu_msg *amend(kyoyu_msg *msg, void (*change)(kyoyu_msg *, const void *),
			const void *arg)
{
	if (!kyoyu_msg_is_writable(msg)) {
		kyoyu_msg *copy = kyoyu_msg_copy(msg);
		if (!copy) {
			kyoyu_error("out of memory: a %s message goes out without "
				    "what was merged into it", kyoyu_msg_type_name(msg->type));
			return msg;
		}
		kyoyu_msg_unref(msg);
		msg = copy;
	}
	change(msg, arg);
	return msg;
}

static void add_frame_debt(kyoyu_msg *msg, const void *arg)
{
	kyoyu_frame_merge_damage(&msg->u.frame, arg);
}

static void add_shape(kyoyu_msg *msg, const void *arg)
{
	const kyoyu_msg *shape = arg;
	kyoyu_cursor_info *c = &msg->u.cursor;
	const kyoyu_cursor_info *old = &shape->u.cursor;

	msg->buf = kyoyu_buffer_ref(shape->buf);
	c->serial = old->serial;
	c->width = old->width;
	c->height = old->height;
	c->hot_x = old->hot_x;
	c->hot_y = old->hot_y;
}

static void add_packet_flags(kyoyu_msg *msg, const void *arg)
{
	msg->u.packet.flags |= *(const uint32_t *)arg;
}

static kyoyu_msg *take_frame(kyoyu_inbox *in)
{
	frame_slot f = in->frame;

	memset(&in->frame, 0, sizeof(in->frame));
	return f.merged ? amend(f.msg, add_frame_debt, &f.debt) : f.msg;
}

static kyoyu_msg *take_cursor(kyoyu_inbox *in)
{
	cursor_slot c = in->cursor;

	memset(&in->cursor, 0, sizeof(in->cursor));
	if (!c.shape)
		return c.msg;
	kyoyu_msg *msg = amend(c.msg, add_shape, c.shape);
	kyoyu_msg_unref(c.shape);
	return msg;
}

/* Whether the oldest message in R was posted before sequence number SEQ
 * (the numbers wrap). */
static bool posted_before(const ring *r, uint32_t seq)
{
	return r->count && (int32_t)(r->slots[r->head].msg->seq - seq) < 0;
}

static kyoyu_msg *take_any(kyoyu_inbox *in)
{
	slot s;

	if (ring_pop(&in->control, &s)) {
		if (s.msg->type == KYOYU_MSG_KEYFRAME_REQUEST)
			in->keyframe_request_queued = false;
		return s.msg;
	}
	if (in->pointer) {
		kyoyu_msg *msg = in->pointer;
		in->pointer = NULL;
		return msg;
	}
	if (in->cursor.msg)
		return take_cursor(in);
	/* A stage that takes both (ui/headless) sees a picture's packet
	 * before the picture decoded from it: the older of the two first. */
	if (in->frame.msg && !posted_before(&in->packets, in->frame.msg->seq))
		return take_frame(in);
	if (!ring_pop(&in->packets, &s))
		return NULL;
	return s.add_flags ? amend(s.msg, add_packet_flags, &s.add_flags) : s.msg;
}

/* The next message the gate still lets through: screen content queued
 * before a pause is dropped here, not handed out after it. */
static kyoyu_msg *take_next(kyoyu_inbox *in)
{
	kyoyu_msg *msg;

	while ((msg = take_any(in)) && kyoyu_bus_gate_refuses(in->bus, msg)) {
		in->stats.gated++;
		kyoyu_msg_unref(msg);
	}
	return msg;
}

int kyoyu_inbox_pop(kyoyu_inbox *inbox, kyoyu_msg **msg, int timeout_ms)
{
	struct timespec deadline;
	int ret = 0;

	*msg = NULL;
	if (timeout_ms > 0)
		deadline = deadline_after(timeout_ms);
	pthread_mutex_lock(&inbox->lock);
	for (;;) {
		if (inbox->shutdown) {
			ret = -ESHUTDOWN;
			break;
		}
		if ((*msg = take_next(inbox)))
			break;
		if (timeout_ms == 0) {
			ret = -EAGAIN;
			break;
		}
		inbox->waiters++;
		int waited = timeout_ms < 0
				     ? pthread_cond_wait(&inbox->cond, &inbox->lock)
				     : pthread_cond_timedwait(&inbox->cond, &inbox->lock,
							      &deadline);
		inbox->waiters--;
		if (waited == ETIMEDOUT) {
			*msg = inbox->shutdown ? NULL : take_next(inbox);
			ret = *msg ? 0 : inbox->shutdown ? -ESHUTDOWN : -EAGAIN;
			break;
		}
	}
	inbox_unwake_if_empty(inbox);
	pthread_mutex_unlock(&inbox->lock);
	return ret;
}

int kyoyu_inbox_fd(kyoyu_inbox *inbox)
{
	pthread_mutex_lock(&inbox->lock);
	if (inbox->wake_fd < 0) {
		inbox->wake_fd = kyoyu_os_wake_open();
		if (inbox->wake_fd >= 0 && (!inbox_empty(inbox) || inbox->shutdown)) {
			inbox->wake_set = false;
			inbox_wake(inbox); /* not empty, or shut down: nobody sleeps */
		}
	}
	int fd = inbox->wake_fd;
	pthread_mutex_unlock(&inbox->lock);
	return fd;
}

void kyoyu_inbox_shutdown(kyoyu_inbox *inbox)
{
	pthread_mutex_lock(&inbox->lock);
	inbox->shutdown = true;
	inbox_wake(inbox);
	/* Under the lock: the owner may free the inbox as soon as it has
	 * shut it down, and nothing else keeps it alive here. */
	pthread_cond_broadcast(&inbox->cond);
	pthread_mutex_unlock(&inbox->lock);
}

void kyoyu_inbox_get_stats(const kyoyu_inbox *inbox, kyoyu_inbox_stats *stats)
{
	size_t size = stats->size < sizeof(*stats) ? stats->size : sizeof(*stats);
	kyoyu_inbox_stats out;

	pthread_mutex_lock((pthread_mutex_t *)&inbox->lock);
	out = inbox->stats;
	pthread_mutex_unlock((pthread_mutex_t *)&inbox->lock);
	out.size = (uint32_t)size;
	memcpy(stats, &out, size);
}
