/* SPDX-License-Identifier: MIT */
/* capture/x11: the pictures frames are posted in, memory the X server
 * grabs into directly.
 *
 * A small, bounded set of slots, each a whole picture in a shared memory
 * segment (in ordinary memory when MIT-SHM is off or failed).  A slot goes
 * out as a kyoyu_buffer wrapping its memory and is free again only once the
 * last reference to that buffer is dropped, on whatever thread: until then
 * an encoder, an inbox or a UI may still read it, and nothing writes into
 * it.  A free slot keeps the pixels it last held, so the capture can bring
 * it up to date with only what changed since.  Segments are made when first
 * needed, at most MAX of them, and outlive x11_pictures_release() until the
 * last buffer comes back.
 */
#ifndef X11_PICTURES_H
#define X11_PICTURES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <kyoyu/frame.h>

#include "x11-display.h"

#define X11_PICTURES_MAX 8

typedef struct x11_pictures x11_pictures;

/* A slot out of the pool. */
typedef struct x11_picture {
	kyoyu_buffer *buffer; /* over the slot's memory; the caller's reference */
	unsigned index;       /* which slot, below the pool's MAX */
	uint32_t shm_seg;     /* the segment as DISPLAY's server knows it; 0: none */
} x11_picture;

/* A pool of at most MAX (≤ X11_PICTURES_MAX) pictures of BYTES bytes for
 * DISPLAY, in shared memory when SHM.  NULL when out of memory. */
x11_pictures *x11_pictures_new(x11_display *display, size_t bytes, unsigned max, bool shm);

/* Takes a free slot: of those made already, the one whose RANK (indexed by
 * slot) is highest, else a new one.  Returns 0, -EBUSY when every slot is
 * out (the encoder is behind), or -ENOMEM.  The capture's thread only. */
int x11_pictures_acquire(x11_pictures *pictures, const uint64_t rank[], x11_picture *out);

/* True while every picture made so far, and the next one, is shared
 * memory the server can grab into (false after the first failure). */
bool x11_pictures_shared(const x11_pictures *pictures);

/* The server lets go of every segment, and the pool goes once the last
 * buffer is back (NULL is ignored).  The capture's thread, while the
 * connection lives. */
void x11_pictures_release(x11_pictures *pictures);

#endif
