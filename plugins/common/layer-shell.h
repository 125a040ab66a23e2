/* SPDX-License-Identifier: MIT */
/* Shared by ui/x11-overlay and ui/wayland-overlay: whether the Wayland
 * desktop of WAYLAND_DISPLAY offers layer-shell (zwlr_layer_shell_v1: sway,
 * KDE, other wlroots desktops; not GNOME).  Where it does, ui/wayland-overlay
 * draws the badge and the arrow, and ui/x11-overlay steps aside so that the
 * default UI list (tty,wayland-overlay,x11-overlay) shows one of each.
 * Header-only (static inline); needs wayland-client. */
#ifndef KYOYU_COMMON_LAYER_SHELL_H
#define KYOYU_COMMON_LAYER_SHELL_H

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <wayland-client.h>

static void layer_shell_global(void *data, struct wl_registry *registry, uint32_t name,
			       const char *iface, uint32_t version)
{
	(void)registry, (void)name, (void)version;
	if (!strcmp(iface, "zwlr_layer_shell_v1"))
		*(bool *)data = true;
}

static void layer_shell_global_remove(void *data, struct wl_registry *registry,
				      uint32_t name)
{
	(void)data, (void)registry, (void)name;
}

static inline bool wayland_has_layer_shell(void)
{
	static const struct wl_registry_listener listener = {
		layer_shell_global, layer_shell_global_remove,
	};
	const char *name = getenv("WAYLAND_DISPLAY");
	bool found = false;

	if (!name || !*name)
		return false;
	struct wl_display *display = wl_display_connect(NULL);
	if (!display)
		return false;
	struct wl_registry *registry = wl_display_get_registry(display);
	wl_registry_add_listener(registry, &listener, &found);
	wl_display_roundtrip(display);
	wl_registry_destroy(registry);
	wl_display_disconnect(display);
	return found;
}

#endif
