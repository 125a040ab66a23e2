/* SPDX-License-Identifier: MIT */
/* capture/x11: rectangles of the screen into a picture, through MIT-SHM
 * when the server can attach our segments, else through GetImage. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <xcb/shm.h>

#define KYOYU_LOG_COMPONENT "capture/x11"
#include <kyoyu/kyoyu.h>

#include "x11-grab.h"

#define ALL_PLANES (~0u)

/* One ShmGetImage: RECT (picture coordinates) into segment SEG at OFFSET,
 * its rows back to back; STAGED: copy it into the picture afterwards. */
typedef struct shm_request {
	kyoyu_rect rect;
	uint32_t seg;
	size_t offset;
	bool staged;
} shm_request;

void x11_grab_setup(x11_grab *g, x11_display *display, bool want_shm, size_t bytes)
{
	bool first = g->display == NULL;

	x11_grab_release(g);
	g->display = display;
	g->shm_wanted = want_shm;
	if (want_shm && display->has_shm && !g->shm_failed &&
	    x11_shm_attach(display, bytes, &g->staging) != 0)
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

bool x11_grab_uses_shm(const x11_grab *g)
{
	return g->staging.addr != NULL;
}

void x11_grab_release(x11_grab *g)
{
	x11_shm_detach(g->display, &g->staging);
	x11_shm_unmap(&g->staging);
}

const char *x11_grab_method(const x11_grab *g)
{
	return x11_grab_uses_shm(g) ? "MIT-SHM" : "GetImage";
}

static void copy_rows(const x11_grab_target *dst, kyoyu_rect r, const uint8_t *src)
{
	size_t row = (size_t)r.w * 4;

	for (int32_t y = 0; y < r.h; y++)
		memcpy(dst->addr + (size_t)(r.y + y) * dst->stride + (size_t)r.x * 4,
		       src + (size_t)y * row, row);
}

static uint64_t rect_bytes(kyoyu_rect r)
{
	return (uint64_t)r.w * (uint64_t)r.h * 4;
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

static int grab_shm(x11_grab *g, const shm_request *req, uint32_t n, int32_t ox,
		    int32_t oy, const x11_grab_target *dst)
{
	xcb_connection_t *conn = g->display->conn;
	xcb_shm_get_image_cookie_t cookies[KYOYU_REGION_MAX_RECTS];
	int ret = 0;

	for (uint32_t i = 0; i < n; i++) {
		kyoyu_rect r = req[i].rect;
		cookies[i] = xcb_shm_get_image(conn, g->display->root, (int16_t)(r.x + ox),
					       (int16_t)(r.y + oy), (uint16_t)r.w,
					       (uint16_t)r.h, ALL_PLANES,
					       XCB_IMAGE_FORMAT_Z_PIXMAP, req[i].seg,
					       (uint32_t)req[i].offset);
		g->bytes += rect_bytes(r);
	}
	for (uint32_t i = 0; i < n; i++) {
		xcb_generic_error_t *err = NULL;
		xcb_shm_get_image_reply_t *reply =
			xcb_shm_get_image_reply(conn, cookies[i], &err);
		if (!reply || reply->size < rect_bytes(req[i].rect)) {
			if (ret == 0)
				ret = reply_error(g, err);
			else
				free(err);
		} else if (ret == 0 && req[i].staged) {
			copy_rows(dst, req[i].rect, g->staging.addr + req[i].offset);
			g->copied += rect_bytes(req[i].rect);
		}
		free(reply);
	}
	return ret;
}

static int grab_socket(x11_grab *g, const kyoyu_rect *rects, uint32_t n, int32_t ox,
		       int32_t oy, const x11_grab_target *dst)
{
	xcb_connection_t *conn = g->display->conn;
	xcb_get_image_cookie_t cookies[KYOYU_REGION_MAX_RECTS];
	int ret = 0;

	for (uint32_t i = 0; i < n; i++) {
		cookies[i] = xcb_get_image(conn, XCB_IMAGE_FORMAT_Z_PIXMAP, g->display->root,
					   (int16_t)(rects[i].x + ox),
					   (int16_t)(rects[i].y + oy), (uint16_t)rects[i].w,
					   (uint16_t)rects[i].h, ALL_PLANES);
		g->bytes += rect_bytes(rects[i]);
	}
	for (uint32_t i = 0; i < n; i++) {
		xcb_generic_error_t *err = NULL;
		xcb_get_image_reply_t *reply = xcb_get_image_reply(conn, cookies[i], &err);
		if (!reply ||
		    (uint64_t)xcb_get_image_data_length(reply) < rect_bytes(rects[i])) {
			if (ret == 0)
				ret = reply_error(g, err);
			else
				free(err);
		} else if (ret == 0) {
			copy_rows(dst, rects[i], xcb_get_image_data(reply));
		}
		free(reply);
	}
	return ret;
}

/* Adds rows Y to Y+H to BANDS (sorted by y, none touching another), merging
 * it with those it overlaps or touches. */
static void add_band(kyoyu_rect *bands, uint32_t *n, int32_t y, int32_t h, int32_t width)
{
	int32_t top = y, bottom = y + h;
	uint32_t kept = 0;
	kyoyu_rect merged[KYOYU_REGION_MAX_RECTS + 1];

	for (uint32_t i = 0; i < *n; i++) {
		int32_t t = bands[i].y, b = bands[i].y + bands[i].h;
		if (b < top || t > bottom) {
			merged[kept++] = bands[i];
		} else {
			top = t < top ? t : top;
			bottom = b > bottom ? b : bottom;
		}
	}
	uint32_t at = 0;
	while (at < kept && merged[at].y < top)
		at++;
	memmove(&merged[at + 1], &merged[at], (kept - at) * sizeof(merged[0]));
	merged[at] = (kyoyu_rect){0, top, width, bottom - top};
	*n = kept + 1;
	memcpy(bands, merged, *n * sizeof(merged[0]));
}

static bool inside_band(kyoyu_rect r, const kyoyu_rect *bands, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		if (r.y >= bands[i].y && r.y + r.h <= bands[i].y + bands[i].h)
			return true;
	return false;
}

/* Plans the grabs of RECTS into DST: whole rows straight into DST's own
 * segment when it has one, the rest through staging.  Returns how many
 * requests REQ holds (at most KYOYU_REGION_MAX_RECTS). */
static uint32_t plan_shm(const x11_grab *g, const kyoyu_rect *rects, uint32_t n,
			 const x11_grab_target *dst, shm_request *req)
{
	int32_t width = (int32_t)dst->width;
	kyoyu_rect bands[KYOYU_REGION_MAX_RECTS], narrow[KYOYU_REGION_MAX_RECTS];
	uint32_t n_bands = 0, n_narrow = 0, out = 0;
	uint64_t staged = 0;

	for (uint32_t i = 0; i < n; i++) {
		if (dst->shm_seg && rects[i].w * 2 >= width)
			add_band(bands, &n_bands, rects[i].y, rects[i].h, width);
		else
			narrow[n_narrow++] = rects[i];
	}
	/* Rows already coming whole need nothing more. */
	uint32_t kept = 0;
	for (uint32_t i = 0; i < n_narrow; i++)
		if (!inside_band(narrow[i], bands, n_bands)) {
			narrow[kept++] = narrow[i];
			staged += rect_bytes(narrow[i]);
		}
	n_narrow = kept;
	/* Overlapping rectangles can add up to more than the staging segment
	 * holds; their bounding box never does. */
	if (staged > g->staging.size) {
		kyoyu_region all = {.n = n_narrow};
		memcpy(all.rects, narrow, n_narrow * sizeof(narrow[0]));
		narrow[0] = kyoyu_region_bounds(&all);
		n_narrow = 1;
		if (dst->shm_seg && narrow[0].w * 2 >= width) {
			add_band(bands, &n_bands, narrow[0].y, narrow[0].h, width);
			n_narrow = 0;
		}
	}
	for (uint32_t i = 0; i < n_bands; i++)
		req[out++] = (shm_request){bands[i], dst->shm_seg,
					   (size_t)bands[i].y * dst->stride, false};
	size_t offset = 0;
	for (uint32_t i = 0; i < n_narrow; i++) {
		req[out++] = (shm_request){narrow[i], g->staging.seg, offset, true};
		offset += rect_bytes(narrow[i]);
	}
	return out;
}

int x11_grab_region(x11_grab *g, const kyoyu_region *region, int32_t ox, int32_t oy,
		    const x11_grab_target *dst)
{
	uint32_t n = region->n < KYOYU_REGION_MAX_RECTS ? region->n : KYOYU_REGION_MAX_RECTS;

	if (n == 0)
		return 0;
	if (!x11_grab_uses_shm(g))
		return grab_socket(g, region->rects, n, ox, oy, dst);
	shm_request req[KYOYU_REGION_MAX_RECTS];
	uint32_t planned = plan_shm(g, region->rects, n, dst, req);
	return grab_shm(g, req, planned, ox, oy, dst);
}

uint32_t x11_grab_whole_ask(x11_grab *g, int32_t ox, int32_t oy, uint32_t height,
			    const x11_grab_target *dst)
{
	kyoyu_rect whole = {0, 0, (int32_t)dst->width, (int32_t)height};

	g->bytes += rect_bytes(whole);
	return xcb_shm_get_image(g->display->conn, g->display->root, (int16_t)ox,
				 (int16_t)oy, (uint16_t)whole.w, (uint16_t)whole.h,
				 ALL_PLANES, XCB_IMAGE_FORMAT_Z_PIXMAP, dst->shm_seg, 0)
		.sequence;
}

int x11_grab_whole_wait(x11_grab *g, uint32_t asked, uint32_t height,
			const x11_grab_target *dst)
{
	xcb_shm_get_image_cookie_t cookie = {asked};
	xcb_generic_error_t *err = NULL;
	xcb_shm_get_image_reply_t *reply =
		xcb_shm_get_image_reply(g->display->conn, cookie, &err);
	kyoyu_rect whole = {0, 0, (int32_t)dst->width, (int32_t)height};
	int ret = 0;

	if (!reply || reply->size < rect_bytes(whole))
		ret = reply_error(g, err);
	free(reply);
	return ret;
}
