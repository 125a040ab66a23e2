/* SPDX-License-Identifier: MIT */
/* The Wayland side of ui/wayland-overlay: the connection, the globals it
 * needs (wl_compositor, wl_shm, zwlr_layer_shell_v1) and the desktop's
 * outputs with their logical place (xdg_output) and scale (wl_output).
 * Connected in init() on the core's thread, then used by the stage's
 * thread alone. */
#ifndef KYOYU_WAYLAND_OVERLAY_DISPLAY_H
#define KYOYU_WAYLAND_OVERLAY_DISPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <wayland-client.h>

#define OVERLAY_MAX_OUTPUTS 16

typedef struct overlay_output {
	uint32_t global;  /* the registry's name for it; 0: slot free */
	struct wl_output *output;
	struct zxdg_output_v1 *xdg;
	int32_t x, y;          /* logical position on the desktop */
	int32_t width, height; /* logical size, 0 until xdg_output says */
	int32_t scale;         /* wl_output.scale, 1 until it says */
} overlay_output;

typedef struct overlay_display {
	struct wl_display *display;
	struct wl_registry *registry;
	struct wl_compositor *compositor;
	struct wl_shm *shm;
	struct zwlr_layer_shell_v1 *layer_shell;
	struct zxdg_output_manager_v1 *xdg_outputs;
	overlay_output outputs[OVERLAY_MAX_OUTPUTS];
} overlay_display;

/* Connects to the desktop of WAYLAND_DISPLAY and learns its outputs.
 * Returns 0, or -ENOTSUP with a sentence for a person in WHY when there is
 * no Wayland display or it offers no layer-shell (GNOME). */
int overlay_display_connect(overlay_display *d, char *why, size_t whylen);

void overlay_display_close(overlay_display *d);

/* The output whose logical area holds X,Y (desktop coordinates), else the
 * first output, else NULL. */
const overlay_output *overlay_display_output_at(const overlay_display *d, int64_t x,
						int64_t y);

#endif
