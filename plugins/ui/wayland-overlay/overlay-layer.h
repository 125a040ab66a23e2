/* SPDX-License-Identifier: MIT */
/* One thing ui/wayland-overlay shows (the arrow, the badge): a layer-shell
 * surface on the `overlay` layer of one output, above every window, with
 * an empty input region (every click goes to the window below) and no
 * keyboard interactivity (never the focus).  Shown, it is placed by its
 * anchor and margins; moving it changes the margins and repaints nothing.
 * Hidden, the surface is destroyed: showing it again makes a new one.
 * Used from the overlay's thread only. */
#ifndef KYOYU_WAYLAND_OVERLAY_LAYER_H
#define KYOYU_WAYLAND_OVERLAY_LAYER_H

#include <stdbool.h>
#include <stdint.h>

#include "overlay-display.h"
#include "overlay-picture.h"

typedef struct overlay_layer {
	overlay_display *display;
	const char *purpose; /* the layer surface's namespace */
	struct wl_surface *surface;
	struct zwlr_layer_surface_v1 *layer;
	struct wl_output *output; /* where it is shown */
	const overlay_picture *picture;
	bool configured;
} overlay_layer;

void overlay_layer_init(overlay_layer *l, overlay_display *display, const char *purpose);

/* Shows PICTURE (which must live until replaced or hidden) on OUTPUT,
 * anchored by ANCHOR (zwlr_layer_surface_v1 anchor bits) at MARGIN logical
 * pixels (top, right, bottom, left) from the anchored edges. */
void overlay_layer_show(overlay_layer *l, const overlay_output *output, uint32_t anchor,
			const int32_t margin[4], const overlay_picture *picture);

void overlay_layer_hide(overlay_layer *l);

#endif
