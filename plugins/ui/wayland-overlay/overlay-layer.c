/* SPDX-License-Identifier: MIT */
/* Layer-shell surfaces on the overlay layer (see overlay-layer.h). */
#include "config.h"

#include <string.h>

#include "overlay-layer.h"
#include "wlr-layer-shell-unstable-v1-client-protocol.h"

static void attach(overlay_layer *l)
{
	const overlay_picture *pic = l->picture;

	wl_surface_set_buffer_scale(l->surface, pic->scale);
	wl_surface_attach(l->surface, pic->buffer, 0, 0);
	wl_surface_damage(l->surface, 0, 0, pic->width, pic->height);
	wl_surface_commit(l->surface);
}

static void layer_configure(void *data, struct zwlr_layer_surface_v1 *layer,
			    uint32_t serial, uint32_t width, uint32_t height)
{
	overlay_layer *l = data;

	(void)width, (void)height; /* the size asked for: it was ours */
	zwlr_layer_surface_v1_ack_configure(layer, serial);
	l->configured = true;
	attach(l);
}

static void layer_closed(void *data, struct zwlr_layer_surface_v1 *layer)
{
	overlay_layer *l = data;

	(void)layer;
	/* Its output went away: the next show() makes a new one. */
	overlay_layer_hide(l);
}

static const struct zwlr_layer_surface_v1_listener layer_listener = {
	layer_configure, layer_closed,
};

void overlay_layer_init(overlay_layer *l, overlay_display *display, const char *purpose)
{
	*l = (overlay_layer){.display = display, .purpose = purpose};
}

static void create(overlay_layer *l, const overlay_output *output)
{
	overlay_display *d = l->display;

	l->surface = wl_compositor_create_surface(d->compositor);
	/* An empty input region: the pointer passes through to what is below. */
	struct wl_region *none = wl_compositor_create_region(d->compositor);
	wl_surface_set_input_region(l->surface, none);
	wl_region_destroy(none);
	l->layer = zwlr_layer_shell_v1_get_layer_surface(d->layer_shell, l->surface,
							 output->output,
							 ZWLR_LAYER_SHELL_V1_LAYER_OVERLAY,
							 l->purpose);
	zwlr_layer_surface_v1_add_listener(l->layer, &layer_listener, l);
	zwlr_layer_surface_v1_set_keyboard_interactivity(
		l->layer, ZWLR_LAYER_SURFACE_V1_KEYBOARD_INTERACTIVITY_NONE);
	/* Placed where we say, never moved aside for a panel. */
	zwlr_layer_surface_v1_set_exclusive_zone(l->layer, -1);
	l->output = output->output;
	l->configured = false;
}

void overlay_layer_show(overlay_layer *l, const overlay_output *output, uint32_t anchor,
			const int32_t margin[4], const overlay_picture *picture)
{
	if (l->surface && l->output != output->output)
		overlay_layer_hide(l);
	if (!l->surface)
		create(l, output);
	l->picture = picture;
	zwlr_layer_surface_v1_set_anchor(l->layer, anchor);
	zwlr_layer_surface_v1_set_size(l->layer, (uint32_t)picture->width,
				       (uint32_t)picture->height);
	zwlr_layer_surface_v1_set_margin(l->layer, margin[0], margin[1], margin[2], margin[3]);
	/* Until the first configure, a commit without a buffer asks for one.
	 * After it, the new picture comes with its size at once (the picture
	 * before may be freed as soon as we return). */
	if (l->configured)
		attach(l);
	else
		wl_surface_commit(l->surface);
}

void overlay_layer_hide(overlay_layer *l)
{
	if (l->layer)
		zwlr_layer_surface_v1_destroy(l->layer);
	if (l->surface)
		wl_surface_destroy(l->surface);
	l->layer = NULL;
	l->surface = NULL;
	l->output = NULL;
	l->picture = NULL;
	l->configured = false;
}
