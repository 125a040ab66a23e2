/* SPDX-License-Identifier: MIT */
/* capture/x11: the pictures frames are posted in, memory the X server
 * grabs into directly. */
#include "config.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>

#define KYOYU_LOG_COMPONENT "capture/x11"
#include <kyoyu/kyoyu.h>

#include "x11-pictures.h"
#include "x11-shm.h"

/* As the core's own buffers: rows go to SIMD code. */
#define PICTURE_ALIGN 64

typedef struct slot {
	x11_pictures *pool;
	/* Set by the capture's thread when it hands the slot out, cleared by
	 * whichever thread drops the last reference to its buffer. */
	atomic_bool out;
	bool made;
	x11_shm shm;   /* shm.addr NULL: the picture is in HEAP */
	void *heap;
} slot;

struct x11_pictures {
	/* One for the capture plus one for every buffer out. */
	atomic_uint refs;
	x11_display *display;
	size_t bytes;
	unsigned max;
	bool shm; /* make new slots in shared memory */
	slot slots[X11_PICTURES_MAX];
};

x11_pictures *x11_pictures_new(x11_display *display, size_t bytes, unsigned max, bool shm)
{
	x11_pictures *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	atomic_init(&p->refs, 1);
	p->display = display;
	p->bytes = bytes;
	p->max = max < X11_PICTURES_MAX ? max : X11_PICTURES_MAX;
	p->shm = shm;
	for (unsigned i = 0; i < X11_PICTURES_MAX; i++) {
		p->slots[i].pool = p;
		atomic_init(&p->slots[i].out, false);
	}
	return p;
}

static void pictures_unref(x11_pictures *p)
{
	if (atomic_fetch_sub_explicit(&p->refs, 1, memory_order_acq_rel) != 1)
		return;
	for (unsigned i = 0; i < p->max; i++) {
		x11_shm_unmap(&p->slots[i].shm);
		free(p->slots[i].heap);
	}
	free(p);
}

/* The buffer's last reference is gone: nobody reads the slot any more. */
static void slot_returned(void *opaque)
{
	slot *s = opaque;
	x11_pictures *p = s->pool;

	atomic_store_explicit(&s->out, false, memory_order_release);
	pictures_unref(p);
}

static int make_slot(x11_pictures *p, slot *s)
{
	if (p->shm && x11_shm_attach(p->display, p->bytes, &s->shm) != 0) {
		/* This slot, and those after it, go through the staging copy. */
		kyoyu_warn("pictures now in ordinary memory: grabbing them costs a copy more");
		p->shm = false;
	}
	if (!s->shm.addr &&
	    posix_memalign(&s->heap, PICTURE_ALIGN,
			   (p->bytes + PICTURE_ALIGN - 1) & ~(size_t)(PICTURE_ALIGN - 1)))
		return -ENOMEM;
	s->made = true;
	return 0;
}

int x11_pictures_acquire(x11_pictures *p, const uint64_t rank[], x11_picture *out)
{
	slot *best = NULL, *unmade = NULL;
	unsigned best_i = 0;

	for (unsigned i = 0; i < p->max; i++) {
		slot *s = &p->slots[i];
		if (!s->made) {
			if (!unmade)
				unmade = s;
			continue;
		}
		/* Acquire: every read of the holder that let it go came first. */
		if (atomic_load_explicit(&s->out, memory_order_acquire))
			continue;
		if (!best || rank[i] > rank[best_i]) {
			best = s;
			best_i = i;
		}
	}
	if (!best && unmade) {
		int ret = make_slot(p, unmade);
		if (ret)
			return ret;
		best = unmade;
		best_i = (unsigned)(unmade - p->slots);
	}
	if (!best)
		return -EBUSY;
	void *data = best->shm.addr ? (void *)best->shm.addr : best->heap;
	atomic_store_explicit(&best->out, true, memory_order_relaxed);
	atomic_fetch_add_explicit(&p->refs, 1, memory_order_relaxed);
	out->buffer = kyoyu_buffer_new_wrapped(data, p->bytes, slot_returned, best);
	if (!out->buffer) {
		slot_returned(best);
		return -ENOMEM;
	}
	out->index = best_i;
	out->shm_seg = best->shm.seg;
	return 0;
}

bool x11_pictures_shared(const x11_pictures *p)
{
	return p->shm;
}

void x11_pictures_release(x11_pictures *p)
{
	if (!p)
		return;
	for (unsigned i = 0; i < p->max; i++)
		x11_shm_detach(p->display, &p->slots[i].shm);
	pictures_unref(p);
}
