/* SPDX-License-Identifier: MIT */
/* capture/x11: MIT-SHM segments, memory both we and the X server map. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>

#include <xcb/shm.h>

#define KYOYU_LOG_COMPONENT "capture/x11"
#include <kyoyu/kyoyu.h>

#include "x11-shm.h"

int x11_shm_attach(x11_display *display, size_t bytes, x11_shm *shm)
{
	xcb_connection_t *conn = display->conn;
	int id = shmget(IPC_PRIVATE, bytes, IPC_CREAT | 0600);

	*shm = (x11_shm){0};
	if (id < 0) {
		int saved = errno;
		kyoyu_warn("cannot create a %zu-byte shared memory segment: %s", bytes,
			   strerror(saved));
		return -saved;
	}
	void *addr = shmat(id, NULL, 0);
	int saved = errno;
	/* Linux lets the server attach a segment marked for removal while
	 * we still have it mapped. */
	shmctl(id, IPC_RMID, NULL);
	if (addr == (void *)-1) {
		kyoyu_warn("cannot map a shared memory segment: %s", strerror(saved));
		return -saved;
	}
	uint32_t seg = xcb_generate_id(conn);
	xcb_generic_error_t *err =
		xcb_request_check(conn, xcb_shm_attach_checked(conn, seg, (uint32_t)id, 0));
	if (err) {
		free(err);
		shmdt(addr);
		kyoyu_warn("X display \"%s\" cannot attach our shared memory (a remote "
			   "display, or an X server running as another user)", display->name);
		return -EACCES;
	}
	*shm = (x11_shm){.seg = seg, .addr = addr, .size = bytes};
	return 0;
}

void x11_shm_detach(x11_display *display, x11_shm *shm)
{
	if (shm->seg && display && display->conn)
		xcb_shm_detach(display->conn, shm->seg);
	shm->seg = 0;
}

void x11_shm_unmap(x11_shm *shm)
{
	if (shm->addr)
		shmdt(shm->addr);
	*shm = (x11_shm){0};
}
