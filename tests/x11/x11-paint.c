/* SPDX-License-Identifier: MIT */
/* A small X client that draws known pictures and changes the layout. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xcb/randr.h>

#include "x11-paint.h"

/* Rows per PutImage, well under the core protocol's 256 KiB request. */
#define BAND_BYTES (200 * 1024)

int x11_paint_open(x11_paint *p, const char *display)
{
	memset(p, 0, sizeof(*p));
	p->conn = xcb_connect(display, NULL);
	if (xcb_connection_has_error(p->conn)) {
		xcb_disconnect(p->conn);
		p->conn = NULL;
		return -ECONNREFUSED;
	}
	p->screen = xcb_setup_roots_iterator(xcb_get_setup(p->conn)).data;
	p->gc = xcb_generate_id(p->conn);
	/* ClipByChildren: drawing on the root leaves windows above it alone. */
	uint32_t values[] = {0, XCB_SUBWINDOW_MODE_CLIP_BY_CHILDREN};
	xcb_create_gc(p->conn, p->gc, p->screen->root,
		      XCB_GC_FOREGROUND | XCB_GC_SUBWINDOW_MODE, values);
	free(xcb_randr_query_version_reply(p->conn, xcb_randr_query_version(p->conn, 1, 5),
					   NULL));
	return 0;
}

void x11_paint_close(x11_paint *p)
{
	if (p->conn)
		xcb_disconnect(p->conn);
	p->conn = NULL;
}

void x11_paint_sync(x11_paint *p)
{
	free(xcb_get_input_focus_reply(p->conn, xcb_get_input_focus(p->conn), NULL));
}

uint32_t x11_pattern_pixel(uint32_t seed, int32_t x, int32_t y)
{
	uint32_t h = seed * 0x9e3779b9u ^ (uint32_t)x * 0x85ebca6bu ^ (uint32_t)y * 0xc2b2ae35u;

	h ^= h >> 16;
	h *= 0x7feb352du;
	h ^= h >> 15;
	return h & 0x00ffffffu;
}

void x11_paint_pattern(x11_paint *p, xcb_drawable_t drawable, int32_t x, int32_t y,
		       uint32_t w, uint32_t h, uint32_t seed)
{
	uint32_t band = BAND_BYTES / (w * 4);
	uint32_t *rows = malloc((size_t)w * 4 * (band ? band : 1));

	if (!band)
		band = 1;
	for (uint32_t y0 = 0; rows && y0 < h; y0 += band) {
		uint32_t n = h - y0 < band ? h - y0 : band;
		for (uint32_t r = 0; r < n; r++)
			for (uint32_t c = 0; c < w; c++)
				rows[(size_t)r * w + c] = x11_pattern_pixel(
					seed, x + (int32_t)c, y + (int32_t)(y0 + r));
		xcb_put_image(p->conn, XCB_IMAGE_FORMAT_Z_PIXMAP, drawable, p->gc,
			      (uint16_t)w, (uint16_t)n, (int16_t)x, (int16_t)(y + (int32_t)y0),
			      0, p->screen->root_depth, (uint32_t)((size_t)w * n * 4),
			      (const uint8_t *)rows);
	}
	free(rows);
	x11_paint_sync(p);
}

void x11_paint_fill(x11_paint *p, xcb_drawable_t drawable, int32_t x, int32_t y,
		    uint32_t w, uint32_t h, uint32_t rgb)
{
	xcb_rectangle_t r = {(int16_t)x, (int16_t)y, (uint16_t)w, (uint16_t)h};

	xcb_change_gc(p->conn, p->gc, XCB_GC_FOREGROUND, &rgb);
	xcb_poly_fill_rectangle(p->conn, drawable, p->gc, 1, &r);
	x11_paint_sync(p);
}

xcb_window_t x11_paint_window(x11_paint *p, int32_t x, int32_t y, uint32_t w, uint32_t h,
			      uint32_t rgb)
{
	xcb_window_t win = xcb_generate_id(p->conn);
	uint32_t values[] = {rgb, 1};

	xcb_create_window(p->conn, XCB_COPY_FROM_PARENT, win, p->screen->root, (int16_t)x,
			  (int16_t)y, (uint16_t)w, (uint16_t)h, 0,
			  XCB_WINDOW_CLASS_INPUT_OUTPUT, XCB_COPY_FROM_PARENT,
			  XCB_CW_BACK_PIXEL | XCB_CW_OVERRIDE_REDIRECT, values);
	xcb_map_window(p->conn, win);
	x11_paint_sync(p);
	return win;
}

void x11_paint_warp(x11_paint *p, int32_t x, int32_t y)
{
	xcb_warp_pointer(p->conn, XCB_NONE, p->screen->root, 0, 0, 0, 0, (int16_t)x,
			 (int16_t)y);
	x11_paint_sync(p);
}

/* The mode of W × H the server knows, or a new one added to OUTPUT. */
static xcb_randr_mode_t mode_for(x11_paint *p, xcb_randr_get_screen_resources_current_reply_t *res,
				 xcb_randr_output_t output, uint32_t w, uint32_t h)
{
	xcb_randr_mode_info_t *modes = xcb_randr_get_screen_resources_current_modes(res);
	int n = xcb_randr_get_screen_resources_current_modes_length(res);
	char name[32];

	for (int i = 0; i < n; i++)
		if (modes[i].width == w && modes[i].height == h)
			return modes[i].id;
	snprintf(name, sizeof(name), "%ux%u", w, h);
	xcb_randr_mode_info_t info = {.width = (uint16_t)w, .height = (uint16_t)h,
				      .name_len = (uint16_t)strlen(name)};
	xcb_randr_create_mode_reply_t *made = xcb_randr_create_mode_reply(
		p->conn, xcb_randr_create_mode(p->conn, p->screen->root, info,
					       (uint32_t)strlen(name), name), NULL);
	if (!made)
		return XCB_NONE;
	xcb_randr_mode_t mode = made->mode;
	free(made);
	xcb_randr_add_output_mode(p->conn, output, mode);
	return mode;
}

int x11_paint_screen_size(x11_paint *p, uint32_t w, uint32_t h)
{
	xcb_connection_t *c = p->conn;
	xcb_randr_get_screen_resources_current_reply_t *res =
		xcb_randr_get_screen_resources_current_reply(
			c, xcb_randr_get_screen_resources_current(c, p->screen->root), NULL);
	int ret = -EIO;

	if (!res || !xcb_randr_get_screen_resources_current_outputs_length(res) ||
	    !xcb_randr_get_screen_resources_current_crtcs_length(res))
		goto out_free_resources;
	xcb_randr_output_t output = xcb_randr_get_screen_resources_current_outputs(res)[0];
	xcb_randr_crtc_t crtc = xcb_randr_get_screen_resources_current_crtcs(res)[0];
	xcb_randr_mode_t mode = mode_for(p, res, output, w, h);
	if (mode == XCB_NONE)
		goto out_free_resources;
	/* The CRTC goes off while the screen changes size, as xrandr does. */
	free(xcb_randr_set_crtc_config_reply(
		c, xcb_randr_set_crtc_config(c, crtc, XCB_CURRENT_TIME, res->config_timestamp,
					     0, 0, XCB_NONE, XCB_RANDR_ROTATION_ROTATE_0, 0,
					     NULL), NULL));
	xcb_randr_set_screen_size(c, p->screen->root, (uint16_t)w, (uint16_t)h,
				  w * 254 / 960, h * 254 / 960);
	xcb_randr_set_crtc_config_reply_t *set = xcb_randr_set_crtc_config_reply(
		c, xcb_randr_set_crtc_config(c, crtc, XCB_CURRENT_TIME, XCB_CURRENT_TIME, 0, 0,
					     mode, XCB_RANDR_ROTATION_ROTATE_0, 1, &output),
		NULL);
	ret = set && set->status == XCB_RANDR_SET_CONFIG_SUCCESS ? 0 : -EIO;
	free(set);
	x11_paint_sync(p);
out_free_resources:
	free(res);
	return ret;
}
