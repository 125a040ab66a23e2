/* SPDX-License-Identifier: MIT */
/* capture/x11: rectangles of the screen into a picture, through MIT-SHM
 * when the server can attach our segment, else through GetImage. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>

#include <xcb/shm.h>

#define KYOYU_LOG_COMPONENT "capture/x11"
#include <kyoyu/kyoyu.h>

#include "x11-grab.h"

#define ALL_PLANES (~0u)

/* A private segment: 0600, and removed at once so that it disappears with
 * its last user (us or the server) and nobody else can attach it later. */
static int attach_segment(x11_grab *g, size_t bytes)
{
	xcb_connection_t *conn = g->display->conn;
	int id = shmget(IPC_PRIVATE, bytes, IPC_CREAT | 0600);

	if (id < 0) {
		kyoyu_warn("cannot create a %zu-byte shared memory segment: %s", bytes,
			   strerror(errno));
		return -errno;
	}
	void *addr = shmat(id, NULL, 0);
	int saved = errno;
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
			   "display, or an X server running as another user)",
			   g->display->name);
		return -EACCES;
	}
	g->shm_seg = seg;
	g->shm_addr = addr;
	g->shm_size = bytes;
	return 0;
}

void x11_grab_setup(x11_grab *g, x11_display *display, bool want_shm, size_t bytes)
{
	bool first = g->display == NULL;

	x11_grab_release(g);
	g->display = display;
	g->shm_wanted = want_shm;
	if (want_shm && display->has_shm && !g->shm_failed &&
	    attach_segment(g, bytes) != 0)
		g->shm_failed = true;
	if (!first)
		return;
	if (!want_shm)
		kyoyu_info("MIT-SHM turned off (capture.shm = false): grabbing with "
			   "GetImage");
	else if (!display->has_shm)
		kyoyu_info("X display \"%s\" does not offer MIT-SHM (a remote display?): "
			   "grabbing with GetImage, which is slower", display->name);
	else if (g->shm_failed)
		kyoyu_info("MIT-SHM unusable: grabbing with GetImage, which is slower");
}

void x11_grab_release(x11_grab *g)
{
	if (g->shm_addr) {
		if (g->display && g->display->conn)
			xcb_shm_detach(g->display->conn, g->shm_seg);
		shmdt(g->shm_addr);
	}
	g->shm_addr = NULL;
	g->shm_seg = 0;
	g->shm_size = 0;
}

const char *x11_grab_method(const x11_grab *g)
{
	return g->shm_addr ? "MIT-SHM" : "GetImage";
}

static void copy_rows(uint8_t *dst, size_t stride, kyoyu_rect r, const uint8_t *src)
{
	size_t row = (size_t)r.w * 4;

	for (int32_t y = 0; y < r.h; y++)
		memcpy(dst + (size_t)(r.y + y) * stride + (size_t)r.x * 4,
		       src + (size_t)y * row, row);
}

/* An X error here means a rectangle fell outside the root window: the
 * screen shrank under us.  No reply and no error means the connection is
 * gone. */
static int reply_error(x11_grab *g, xcb_generic_error_t *err)
{
	if (err) {
		free(err);
		return -EAGAIN;
	}
	int ret = x11_display_check(g->display);
	return ret ? ret : -EAGAIN;
}

static int grab_shm(x11_grab *g, const kyoyu_rect *rects, uint32_t n, int32_t ox,
		    int32_t oy, uint8_t *dst, size_t stride)
{
	xcb_connection_t *conn = g->display->conn;
	xcb_shm_get_image_cookie_t cookies[KYOYU_REGION_MAX_RECTS];
	size_t offsets[KYOYU_REGION_MAX_RECTS], offset = 0;
	int ret = 0;

	for (uint32_t i = 0; i < n; i++) {
		offsets[i] = offset;
		cookies[i] = xcb_shm_get_image(conn, g->display->root,
					       (int16_t)(rects[i].x + ox),
					       (int16_t)(rects[i].y + oy),
					       (uint16_t)rects[i].w, (uint16_t)rects[i].h,
					       ALL_PLANES, XCB_IMAGE_FORMAT_Z_PIXMAP,
					       g->shm_seg, (uint32_t)offset);
		offset += (size_t)rects[i].w * (size_t)rects[i].h * 4;
	}
	for (uint32_t i = 0; i < n; i++) {
		xcb_generic_error_t *err = NULL;
		xcb_shm_get_image_reply_t *reply =
			xcb_shm_get_image_reply(conn, cookies[i], &err);
		size_t want = (size_t)rects[i].w * (size_t)rects[i].h * 4;
		if (!reply || reply->size < want) {
			if (ret == 0)
				ret = reply_error(g, err);
			else
				free(err);
		} else if (ret == 0) {
			copy_rows(dst, stride, rects[i], g->shm_addr + offsets[i]);
		}
		free(reply);
	}
	return ret;
}

static int grab_socket(x11_grab *g, const kyoyu_rect *rects, uint32_t n, int32_t ox,
		       int32_t oy, uint8_t *dst, size_t stride)
{
	xcb_connection_t *conn = g->display->conn;
	xcb_get_image_cookie_t cookies[KYOYU_REGION_MAX_RECTS];
	int ret = 0;

	for (uint32_t i = 0; i < n; i++)
		cookies[i] = xcb_get_image(conn, XCB_IMAGE_FORMAT_Z_PIXMAP, g->display->root,
					   (int16_t)(rects[i].x + ox),
					   (int16_t)(rects[i].y + oy), (uint16_t)rects[i].w,
					   (uint16_t)rects[i].h, ALL_PLANES);
	for (uint32_t i = 0; i < n; i++) {
		xcb_generic_error_t *err = NULL;
		xcb_get_image_reply_t *reply = xcb_get_image_reply(conn, cookies[i], &err);
		size_t want = (size_t)rects[i].w * (size_t)rects[i].h * 4;
		if (!reply || (size_t)xcb_get_image_data_length(reply) < want) {
			if (ret == 0)
				ret = reply_error(g, err);
			else
				free(err);
		} else if (ret == 0) {
			copy_rows(dst, stride, rects[i], xcb_get_image_data(reply));
		}
		free(reply);
	}
	return ret;
}

int x11_grab_region(x11_grab *g, const kyoyu_region *region, int32_t ox, int32_t oy,
		    uint8_t *dst, size_t stride)
{
	kyoyu_rect rects[KYOYU_REGION_MAX_RECTS];
	uint32_t n = region->n < KYOYU_REGION_MAX_RECTS ? region->n : KYOYU_REGION_MAX_RECTS;
	uint64_t bytes = 0;

	if (n == 0)
		return 0;
	memcpy(rects, region->rects, n * sizeof(rects[0]));
	for (uint32_t i = 0; i < n; i++)
		bytes += (uint64_t)rects[i].w * (uint64_t)rects[i].h * 4;
	/* Overlapping rectangles can add up to more than the staging segment
	 * holds; their bounding box never does. */
	if (g->shm_addr && bytes > g->shm_size) {
		rects[0] = kyoyu_region_bounds(region);
		n = 1;
		bytes = (uint64_t)rects[0].w * (uint64_t)rects[0].h * 4;
	}
	g->bytes += bytes;
	return g->shm_addr ? grab_shm(g, rects, n, ox, oy, dst, stride)
			   : grab_socket(g, rects, n, ox, oy, dst, stride);
}
