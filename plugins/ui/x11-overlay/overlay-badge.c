/* SPDX-License-Identifier: MIT */
/* The badge's words with Pango on cairo-xcb (see overlay-badge.h). */
#include "config.h"

#include <errno.h>
#include <string.h>

#include <cairo-xcb.h>

#define KYOYU_LOG_COMPONENT "ui/x11-overlay"
#include <kyoyu/kyoyu.h>

#include "overlay-badge.h"

static xcb_visualtype_t *root_visual(const xcb_screen_t *screen)
{
	xcb_depth_iterator_t d = xcb_screen_allowed_depths_iterator(screen);

	for (; d.rem; xcb_depth_next(&d))
		for (xcb_visualtype_iterator_t v = xcb_depth_visuals_iterator(d.data); v.rem;
		     xcb_visualtype_next(&v))
			if (v.data->visual_id == screen->root_visual)
				return v.data;
	return NULL;
}

int overlay_badge_init(overlay_badge *b, xcb_connection_t *conn,
		       const xcb_screen_t *screen, xcb_window_t window, const char *font,
		       const char *language)
{
	xcb_visualtype_t *visual = root_visual(screen);

	memset(b, 0, sizeof(*b));
	if (!visual) {
		kyoyu_error("the X screen does not describe its root visual: no badge");
		return -EIO;
	}
	b->surface = cairo_xcb_surface_create(conn, window, visual, 1, 1);
	if (cairo_surface_status(b->surface) != CAIRO_STATUS_SUCCESS) {
		kyoyu_error("cannot draw on the badge: %s",
			    cairo_status_to_string(cairo_surface_status(b->surface)));
		overlay_badge_fini(b);
		return -EIO;
	}
	/* A font map of its own, not the thread's default: it is made here
	 * and used from the overlay's thread. */
	b->fonts = pango_cairo_font_map_new();
	b->context = b->fonts ? pango_font_map_create_context(b->fonts) : NULL;
	b->layout = b->context ? pango_layout_new(b->context) : NULL;
	if (!b->layout) {
		overlay_badge_fini(b);
		return -ENOMEM;
	}
	pango_context_set_language(b->context, pango_language_from_string(language));
	PangoFontDescription *desc = pango_font_description_from_string(font);
	pango_layout_set_font_description(b->layout, desc);
	pango_font_description_free(desc);
	return 0;
}

void overlay_badge_set_words(overlay_badge *b, const char *words, int pad)
{
	int w, h;

	pango_layout_set_text(b->layout, words, -1);
	pango_layout_get_pixel_size(b->layout, &w, &h);
	b->width = (uint16_t)(w + 2 * pad);
	b->height = (uint16_t)(h + 2 * pad);
	cairo_xcb_surface_set_size(b->surface, b->width, b->height);
}

void overlay_badge_paint(overlay_badge *b, overlay_rgb background, overlay_rgb text,
			 int pad)
{
	cairo_t *cr = cairo_create(b->surface);

	cairo_set_source_rgb(cr, background.r / 255.0, background.g / 255.0,
			     background.b / 255.0);
	cairo_paint(cr);
	cairo_set_source_rgb(cr, text.r / 255.0, text.g / 255.0, text.b / 255.0);
	cairo_move_to(cr, pad, pad);
	pango_cairo_update_context(cr, b->context);
	pango_layout_context_changed(b->layout);
	pango_cairo_show_layout(cr, b->layout);
	cairo_destroy(cr);
	cairo_surface_flush(b->surface);
}

void overlay_badge_fini(overlay_badge *b)
{
	if (b->layout)
		g_object_unref(b->layout);
	if (b->context)
		g_object_unref(b->context);
	if (b->fonts)
		g_object_unref(b->fonts);
	if (b->surface) {
		/* cairo keeps a device per X connection until it is finished:
		 * the connection is closed after the plugin stops. */
		cairo_device_t *device = cairo_device_reference(
			cairo_surface_get_device(b->surface));
		cairo_surface_finish(b->surface);
		cairo_surface_destroy(b->surface);
		if (device) {
			cairo_device_finish(device);
			cairo_device_destroy(device);
		}
	}
	memset(b, 0, sizeof(*b));
}
