/* The frame bus: typed messages fanned out to bounded inboxes.
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
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#define KYOYU_LOG_COMPONENT "bus"
#include <kyoyu/bus.h>
#include <kyoyu/clock.h>
#include <kyoyu/log.h>

#include "bus-priv.h"

#define CONTROL_DEPTH 128
#define DEFAULT_PACKET_DEPTH 64

struct kyoyu_bus {
	pthread_mutex_t lock;
	kyoyu_inbox *inboxes;
	uint64_t closed_mask;
	int64_t open_since_us;
	uint32_t seq;
	kyoyu_bus_type_stats stats[KYOYU_MSG_TYPE_COUNT];
};

/* A bounded ring of messages. */
typedef struct ring {
	kyoyu_msg *slots;
	unsigned depth, head, count;
} ring;

struct kyoyu_inbox {
	kyoyu_bus *bus;
	kyoyu_inbox *next;
	char name[48];
	uint64_t mask; /* guarded by bus->lock */

	pthread_mutex_t lock;
	pthread_cond_t cond;
	int wake_fd;    /* eventfd: readable while not empty or shut down */
	bool wake_set;
	bool shutdown;

	ring control;
	ring packets;
	bool packet_lost; /* the next packet delivered is marked DISCONT */
	bool has_frame, has_cursor, has_pointer;
	kyoyu_msg frame, cursor, pointer;
	kyoyu_inbox_stats stats;
};

kyoyu_msg kyoyu_msg_make(kyoyu_msg_type type)
{
	kyoyu_msg msg;

	memset(&msg, 0, sizeof(msg));
	msg.type = type;
	msg.time_us = kyoyu_now_us();
	return msg;
}

void kyoyu_msg_release(kyoyu_msg *msg)
{
	kyoyu_buffer_unref(msg->buf);
	msg->buf = NULL;
}

/* ---- rings ------------------------------------------------------------- */

static bool ring_init(ring *r, unsigned depth)
{
	r->slots = calloc(depth, sizeof(*r->slots));
	r->depth = depth;
	r->head = r->count = 0;
	return r->slots != NULL;
}

static bool ring_push(ring *r, const kyoyu_msg *msg)
{
	if (r->count == r->depth)
		return false;
	r->slots[(r->head + r->count++) % r->depth] = *msg;
	return true;
}

static bool ring_pop(ring *r, kyoyu_msg *msg)
{
	if (r->count == 0)
		return false;
	*msg = r->slots[r->head];
	r->head = (r->head + 1) % r->depth;
	r->count--;
	return true;
}

/* Drops the messages whose type is in MASK, keeping the order of the rest. */
static unsigned ring_drop(ring *r, uint64_t mask)
{
	unsigned kept = 0, dropped = 0;

	for (unsigned i = 0; i < r->count; i++) {
		kyoyu_msg *m = &r->slots[(r->head + i) % r->depth];
		if (mask & KYOYU_MSG_BIT(m->type)) {
			kyoyu_msg_release(m);
			dropped++;
		} else {
			r->slots[(r->head + kept++) % r->depth] = *m;
		}
	}
	r->count = kept;
	return dropped;
}

/* ---- inbox internals (inbox->lock held) -------------------------------- */

static bool inbox_empty(const kyoyu_inbox *in)
{
	return in->control.count == 0 && in->packets.count == 0 &&
	       !in->has_frame && !in->has_cursor && !in->has_pointer;
}

static void inbox_wake(kyoyu_inbox *in)
{
	if (!in->wake_set) {
		uint64_t one = 1;
		ssize_t ignored = write(in->wake_fd, &one, sizeof(one));
		(void)ignored;
		in->wake_set = true;
	}
	pthread_cond_broadcast(&in->cond);
}

static void inbox_unwake_if_empty(kyoyu_inbox *in)
{
	if (in->wake_set && !in->shutdown && inbox_empty(in)) {
		uint64_t value;
		ssize_t ignored = read(in->wake_fd, &value, sizeof(value));
		(void)ignored;
		in->wake_set = false;
	}
}

/* A newer frame replaces an unread one; what the old one changed still has
 * to reach the consumer, so its damage joins the new frame's. */
static void deliver_frame(kyoyu_inbox *in, kyoyu_msg *msg)
{
	if (in->has_frame) {
		const kyoyu_frame_info *old = &in->frame.u.frame;
		kyoyu_frame_info *cur = &msg->u.frame;
		if (old->width == cur->width && old->height == cur->height)
			kyoyu_region_union(&cur->damage, &old->damage);
		else
			kyoyu_region_set_full(&cur->damage, (int32_t)cur->width,
					      (int32_t)cur->height);
		cur->flags |= old->flags & KYOYU_FRAME_KEY;
		kyoyu_msg_release(&in->frame);
		in->stats.frames_merged++;
	}
	in->frame = *msg;
	in->has_frame = true;
}

/* The newest position wins, but a shape not yet read must survive. */
static void deliver_cursor(kyoyu_inbox *in, kyoyu_msg *msg)
{
	if (in->has_cursor) {
		if (!msg->buf && in->cursor.buf) {
			kyoyu_cursor_info *c = &msg->u.cursor;
			const kyoyu_cursor_info *old = &in->cursor.u.cursor;
			msg->buf = in->cursor.buf;
			in->cursor.buf = NULL;
			c->serial = old->serial;
			c->width = old->width;
			c->height = old->height;
			c->hot_x = old->hot_x;
			c->hot_y = old->hot_y;
		}
		kyoyu_msg_release(&in->cursor);
	}
	in->cursor = *msg;
	in->has_cursor = true;
}

static void deliver_packet(kyoyu_inbox *in, kyoyu_msg *msg)
{
	if (in->packet_lost)
		msg->u.packet.flags |= KYOYU_PACKET_DISCONT;
	if (ring_push(&in->packets, msg)) {
		in->packet_lost = false;
		return;
	}
	in->packet_lost = true;
	in->stats.packets_dropped++;
	kyoyu_msg_release(msg);
}

/* Takes over the reference in MSG. */
static void inbox_deliver(kyoyu_inbox *in, kyoyu_msg *msg)
{
	pthread_mutex_lock(&in->lock);
	if (in->shutdown) {
		kyoyu_msg_release(msg);
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
		if (in->has_pointer)
			kyoyu_msg_release(&in->pointer);
		in->pointer = *msg;
		in->has_pointer = true;
		break;
	case KYOYU_MSG_PACKET:
		deliver_packet(in, msg);
		break;
	default:
		if (!ring_push(&in->control, msg)) {
			if (in->stats.control_dropped++ % 64 == 0)
				kyoyu_warn("inbox \"%s\" is full: dropped a %s message; "
					   "its stage is not reading",
					   in->name, kyoyu_msg_type_name(msg->type));
			kyoyu_msg_release(msg);
		}
		break;
	}
	inbox_wake(in);
	pthread_mutex_unlock(&in->lock);
}

static unsigned inbox_drop(kyoyu_inbox *in, uint64_t mask)
{
	unsigned dropped = 0;

	pthread_mutex_lock(&in->lock);
	if ((mask & KYOYU_MSG_BIT(KYOYU_MSG_FRAME)) && in->has_frame) {
		kyoyu_msg_release(&in->frame);
		in->has_frame = false;
		dropped++;
	}
	if ((mask & KYOYU_MSG_BIT(KYOYU_MSG_CURSOR)) && in->has_cursor) {
		kyoyu_msg_release(&in->cursor);
		in->has_cursor = false;
		dropped++;
	}
	if ((mask & KYOYU_MSG_BIT(KYOYU_MSG_POINTER)) && in->has_pointer) {
		kyoyu_msg_release(&in->pointer);
		in->has_pointer = false;
		dropped++;
	}
	dropped += ring_drop(&in->packets, mask);
	dropped += ring_drop(&in->control, mask);
	inbox_unwake_if_empty(in);
	pthread_mutex_unlock(&in->lock);
	return dropped;
}

/* ---- bus --------------------------------------------------------------- */

kyoyu_bus *kyoyu_bus_new(void)
{
	kyoyu_bus *bus = calloc(1, sizeof(*bus));

	if (bus)
		pthread_mutex_init(&bus->lock, NULL);
	return bus;
}

void kyoyu_bus_free(kyoyu_bus *bus)
{
	if (!bus)
		return;
	if (bus->inboxes)
		kyoyu_error("bus freed while inbox \"%s\" is subscribed",
			    bus->inboxes->name);
	pthread_mutex_destroy(&bus->lock);
	free(bus);
}

static bool refused(const kyoyu_bus *bus, const kyoyu_msg *msg)
{
	uint64_t bit = KYOYU_MSG_BIT(msg->type);

	if (bus->closed_mask & bit)
		return true;
	return (KYOYU_MSG_SCREEN_CONTENT & bit) && msg->time_us < bus->open_since_us;
}

int kyoyu_bus_post(kyoyu_bus *bus, kyoyu_msg *msg)
{
	if (msg->type >= KYOYU_MSG_TYPE_COUNT) {
		kyoyu_msg_release(msg);
		return -EINVAL;
	}
	pthread_mutex_lock(&bus->lock);
	kyoyu_bus_type_stats *stats = &bus->stats[msg->type];
	if (refused(bus, msg)) {
		stats->refused++;
		pthread_mutex_unlock(&bus->lock);
		kyoyu_msg_release(msg);
		return -EPERM;
	}
	msg->seq = ++bus->seq;
	stats->posted++;
	stats->bytes += msg->buf ? kyoyu_buffer_size(msg->buf) : 0;
	stats->last_us = kyoyu_now_us();
	for (kyoyu_inbox *in = bus->inboxes; in; in = in->next) {
		if (!(in->mask & KYOYU_MSG_BIT(msg->type)))
			continue;
		kyoyu_msg copy = *msg;
		if (copy.buf)
			kyoyu_buffer_ref(copy.buf);
		inbox_deliver(in, &copy);
	}
	pthread_mutex_unlock(&bus->lock);
	kyoyu_msg_release(msg);
	return 0;
}

int kyoyu_bus_post_value(kyoyu_bus *bus, kyoyu_msg_type type, int64_t value)
{
	kyoyu_msg msg = kyoyu_msg_make(type);

	msg.u.value = value;
	return kyoyu_bus_post(bus, &msg);
}

unsigned kyoyu_bus_close_to(kyoyu_bus *bus, uint64_t mask)
{
	unsigned dropped = 0;

	pthread_mutex_lock(&bus->lock);
	bus->closed_mask |= mask;
	for (kyoyu_inbox *in = bus->inboxes; in; in = in->next)
		dropped += inbox_drop(in, mask);
	pthread_mutex_unlock(&bus->lock);
	return dropped;
}

void kyoyu_bus_open_to(kyoyu_bus *bus, uint64_t mask, int64_t since_us)
{
	pthread_mutex_lock(&bus->lock);
	bus->closed_mask &= ~mask;
	bus->open_since_us = since_us;
	pthread_mutex_unlock(&bus->lock);
}

void kyoyu_bus_get_stats(const kyoyu_bus *bus, uint32_t type,
			 kyoyu_bus_type_stats *stats)
{
	memset(stats, 0, sizeof(*stats));
	if (type >= KYOYU_MSG_TYPE_COUNT)
		return;
	pthread_mutex_lock((pthread_mutex_t *)&bus->lock);
	*stats = bus->stats[type];
	pthread_mutex_unlock((pthread_mutex_t *)&bus->lock);
}

/* ---- inbox ------------------------------------------------------------- */

kyoyu_inbox *kyoyu_bus_subscribe(kyoyu_bus *bus, const char *name,
				 uint64_t mask, unsigned packet_depth)
{
	kyoyu_inbox *in = calloc(1, sizeof(*in));

	if (!in)
		return NULL;
	in->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (in->wake_fd < 0)
		goto out_free_inbox;
	if (!ring_init(&in->control, CONTROL_DEPTH))
		goto out_close_fd;
	if (!ring_init(&in->packets, packet_depth ? packet_depth : DEFAULT_PACKET_DEPTH))
		goto out_free_control;
	pthread_condattr_t attr;
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
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
out_close_fd:
	close(in->wake_fd);
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

	inbox_drop(inbox, ~UINT64_C(0));
	free(inbox->control.slots);
	free(inbox->packets.slots);
	close(inbox->wake_fd);
	pthread_cond_destroy(&inbox->cond);
	pthread_mutex_destroy(&inbox->lock);
	free(inbox);
}

/* Whether the oldest message in R was posted before sequence number SEQ
 * (the numbers wrap). */
static bool posted_before(const ring *r, uint32_t seq)
{
	return r->count && (int32_t)(r->slots[r->head].seq - seq) < 0;
}

static bool take_next(kyoyu_inbox *in, kyoyu_msg *msg)
{
	if (ring_pop(&in->control, msg))
		return true;
	if (in->has_pointer) {
		*msg = in->pointer;
		in->has_pointer = false;
		return true;
	}
	if (in->has_cursor) {
		*msg = in->cursor;
		in->has_cursor = false;
		return true;
	}
	/* A stage that takes both (ui/headless) sees a picture's packet
	 * before the picture decoded from it: the older of the two first. */
	if (in->has_frame && !posted_before(&in->packets, in->frame.seq)) {
		*msg = in->frame;
		in->has_frame = false;
		return true;
	}
	return ring_pop(&in->packets, msg);
}

static struct timespec deadline_after(int timeout_ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += timeout_ms / 1000;
	ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	return ts;
}

int kyoyu_inbox_pop(kyoyu_inbox *inbox, kyoyu_msg *msg, int timeout_ms)
{
	struct timespec deadline = deadline_after(timeout_ms > 0 ? timeout_ms : 0);
	int ret = 0;

	pthread_mutex_lock(&inbox->lock);
	for (;;) {
		if (inbox->shutdown) {
			ret = -ESHUTDOWN;
			break;
		}
		if (take_next(inbox, msg))
			break;
		if (timeout_ms == 0) {
			ret = -EAGAIN;
			break;
		}
		if (timeout_ms < 0) {
			pthread_cond_wait(&inbox->cond, &inbox->lock);
		} else if (pthread_cond_timedwait(&inbox->cond, &inbox->lock,
						  &deadline) == ETIMEDOUT) {
			ret = take_next(inbox, msg) ? 0 : -EAGAIN;
			break;
		}
	}
	inbox_unwake_if_empty(inbox);
	pthread_mutex_unlock(&inbox->lock);
	return ret;
}

int kyoyu_inbox_fd(const kyoyu_inbox *inbox)
{
	return inbox->wake_fd;
}

void kyoyu_inbox_shutdown(kyoyu_inbox *inbox)
{
	pthread_mutex_lock(&inbox->lock);
	inbox->shutdown = true;
	inbox_wake(inbox);
	pthread_mutex_unlock(&inbox->lock);
}

void kyoyu_inbox_get_stats(const kyoyu_inbox *inbox, kyoyu_inbox_stats *stats)
{
	pthread_mutex_lock((pthread_mutex_t *)&inbox->lock);
	*stats = inbox->stats;
	pthread_mutex_unlock((pthread_mutex_t *)&inbox->lock);
}
