/* SPDX-License-Identifier: MIT */
/* capture/x11: MIT-SHM segments, memory both we and the X server map.
 *
 * A segment is created 0600 and marked for removal at once, so no other
 * user can attach it and it disappears with its last user (us or the
 * server).  The server's side and ours end separately: the server's with
 * x11_shm_detach() on the capture's thread while the connection lives, ours
 * with x11_shm_unmap() once nobody reads the pixels any more, which may be
 * later and on another thread (an encoder still holding the last frame).
 */
#ifndef X11_SHM_H
#define X11_SHM_H

#include <stddef.h>
#include <stdint.h>

#include "x11-display.h"

typedef struct x11_shm {
	uint32_t seg;  /* xcb_shm_seg_t, 0 when not attached */
	uint8_t *addr; /* our mapping, or NULL */
	size_t size;
} x11_shm;

/* Creates a segment of BYTES bytes, maps it and has DISPLAY's server attach
 * it.  Returns 0, or a negative errno after logging why (the server cannot
 * attach: a remote display, or one running as another user). */
int x11_shm_attach(x11_display *display, size_t bytes, x11_shm *shm);

/* The server lets go of the segment (no-op when not attached or when the
 * connection is gone); our mapping stays. */
void x11_shm_detach(x11_display *display, x11_shm *shm);

/* Unmaps our side (no-op on a zeroed one).  Any thread. */
void x11_shm_unmap(x11_shm *shm);

#endif
