/* SPDX-License-Identifier: MIT */
/* Override-redirect, input-transparent windows (SHAPE + XFixes). */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <xcb/shape.h>
#include <xcb/xfixes.h>

#include "overlay-window.h"

static int mask_shift(uint32_t mask)
{
	int shift = 0;

	while (mask && !(mask & 1)) {
		mask >>= 1;
		shift++;
	}
	return shift;
}

static uint32_t scale_to_mask(uint8_t value, uint32_t mask)
{
	uint32_t max = mask >> mask_shift(mask);

	return ((uint32_t)value * max / 255) << mask_shift(mask);
}

uint32_t overlay_pixel(const xcb_screen_t *screen, uint8_t r, uint8_t g, uint8_t b)
{
	xcb_depth_iterator_t d = xcb_screen_allowed_depths_iterator(screen);

	for (; d.rem; xcb_depth_next(&d)) {
		xcb_visualtype_iterator_t v = xcb_depth_visuals_iterator(d.data);
		for (; v.rem; xcb_visualtype_next(&v)) {
			if (v.data->visual_id != screen->root_visual)
				continue;
			return scale_to_mask(r, v.data->red_mask) |
			       scale_to_mask(g, v.data->green_mask) |
			       scale_to_mask(b, v.data->blue_mask);
		}
	}
	/* No TrueColor description: black or white is all we can promise. */
	return (r + g + b) > 384 ? screen->white_pixel : screen->black_pixel;
}

/* Sets the window's shape to the polygon: a 1-bit mask drawn on the server. */
static void shape_polygon(xcb_connection_t *conn, overlay_window *win,
			  const xcb_point_t *outline, uint32_t points)
{
	xcb_pixmap_t mask = xcb_generate_id(conn);
	xcb_gcontext_t gc = xcb_generate_id(conn);
	xcb_rectangle_t all = {0, 0, win->width, win->height};

	xcb_create_pixmap(conn, 1, mask, win->id, win->width, win->height);
	uint32_t zero = 0, one = 1;
	xcb_create_gc(conn, gc, mask, XCB_GC_FOREGROUND, &zero);
	xcb_poly_fill_rectangle(conn, mask, gc, 1, &all);
	xcb_change_gc(conn, gc, XCB_GC_FOREGROUND, &one);
	xcb_fill_poly(conn, mask, gc, XCB_POLY_SHAPE_NONCONVEX, XCB_COORD_MODE_ORIGIN,
		      points, outline);
	xcb_poly_line(conn, XCB_COORD_MODE_ORIGIN, mask, gc, points, outline);
	xcb_shape_mask(conn, XCB_SHAPE_SO_SET, XCB_SHAPE_SK_BOUNDING, win->id, 0, 0, mask);
	xcb_free_gc(conn, gc);
	xcb_free_pixmap(conn, mask);
}

int overlay_window_create(xcb_connection_t *conn, const xcb_screen_t *screen,
			  overlay_window *win, const char *name, uint16_t width,
			  uint16_t height, uint32_t background,
			  const xcb_point_t *outline, uint32_t points)
{
	uint32_t values[] = {
		background,
		1, /* override-redirect: no window manager, never focused */
		XCB_EVENT_MASK_EXPOSURE | XCB_EVENT_MASK_VISIBILITY_CHANGE,
	};

	*win = (overlay_window){.id = xcb_generate_id(conn), .width = width, .height = height};
	xcb_void_cookie_t cookie = xcb_create_window_checked(
		conn, XCB_COPY_FROM_PARENT, win->id, screen->root, 0, 0, width, height, 0,
		XCB_WINDOW_CLASS_INPUT_OUTPUT, screen->root_visual,
		XCB_CW_BACK_PIXEL | XCB_CW_OVERRIDE_REDIRECT | XCB_CW_EVENT_MASK, values);
	xcb_generic_error_t *error = xcb_request_check(conn, cookie);
	if (error) {
		free(error);
		return -EIO;
	}
	xcb_change_property(conn, XCB_PROP_MODE_REPLACE, win->id, XCB_ATOM_WM_NAME,
			    XCB_ATOM_STRING, 8, (uint32_t)strlen(name), name);
	if (points)
		shape_polygon(conn, win, outline, points);
	/* An empty input region: the pointer passes through to what is below,
	 * so the window can never take a click, and so never the focus. */
	xcb_xfixes_region_t none = xcb_generate_id(conn);
	xcb_xfixes_create_region(conn, none, 0, NULL);
	xcb_xfixes_set_window_shape_region(conn, win->id, XCB_SHAPE_SK_INPUT, 0, 0, none);
	xcb_xfixes_destroy_region(conn, none);
	return 0;
}

void overlay_window_show_at(xcb_connection_t *conn, overlay_window *win, int16_t x,
			    int16_t y)
{
	uint32_t values[] = {(uint32_t)(int32_t)x, (uint32_t)(int32_t)y,
			     XCB_STACK_MODE_ABOVE};

	xcb_configure_window(conn, win->id,
			     XCB_CONFIG_WINDOW_X | XCB_CONFIG_WINDOW_Y |
				     XCB_CONFIG_WINDOW_STACK_MODE,
			     values);
	win->x = x;
	win->y = y;
	if (!win->mapped)
		xcb_map_window(conn, win->id);
	win->mapped = true;
}

void overlay_window_hide(xcb_connection_t *conn, overlay_window *win)
{
	if (win->mapped)
		xcb_unmap_window(conn, win->id);
	win->mapped = false;
}

void overlay_window_raise(xcb_connection_t *conn, const overlay_window *win)
{
	uint32_t above = XCB_STACK_MODE_ABOVE;

	if (win->mapped)
		xcb_configure_window(conn, win->id, XCB_CONFIG_WINDOW_STACK_MODE, &above);
}
