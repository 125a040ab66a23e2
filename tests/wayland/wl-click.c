/* SPDX-License-Identifier: MIT */
/* kyoyu-wl-click: clicks on a wlroots desktop (sway) through a virtual
 * pointer, as a person's mouse would, for the tests.
 *
 *   kyoyu-wl-click WIDTH HEIGHT
 *
 * Adds a virtual pointer to the desktop (WIDTH×HEIGHT its layout), prints
 * "ready", then reads lines "click X Y" on its standard input: moves the
 * pointer to X,Y, presses and releases the left button, and prints
 * "clicked X Y" once the desktop has handled it.  Ends at the end of its
 * input.  The pointer stays for the whole run: clients get their
 * wl_pointer once, when it appears. */
#include <linux/input-event-codes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <wayland-client.h>

#include "wlr-virtual-pointer-unstable-v1-client-protocol.h"

static struct zwlr_virtual_pointer_manager_v1 *manager;

static void registry_global(void *data, struct wl_registry *registry, uint32_t name,
			    const char *iface, uint32_t version)
{
	(void)data, (void)version;
	if (!strcmp(iface, zwlr_virtual_pointer_manager_v1_interface.name))
		manager = wl_registry_bind(registry, name,
					   &zwlr_virtual_pointer_manager_v1_interface, 1);
}

static void registry_global_remove(void *data, struct wl_registry *registry,
				   uint32_t name)
{
	(void)data, (void)registry, (void)name;
}

static const struct wl_registry_listener registry_listener = {
	registry_global, registry_global_remove,
};

int main(int argc, char **argv)
{
	char line[128];
	unsigned x, y, time = 0;

	if (argc != 3) {
		fprintf(stderr, "usage: kyoyu-wl-click WIDTH HEIGHT\n");
		return 2;
	}
	unsigned width = (unsigned)atoi(argv[1]), height = (unsigned)atoi(argv[2]);
	struct wl_display *display = wl_display_connect(NULL);
	if (!display) {
		fprintf(stderr, "kyoyu-wl-click: no Wayland display (WAYLAND_DISPLAY)\n");
		return 1;
	}
	struct wl_registry *registry = wl_display_get_registry(display);
	wl_registry_add_listener(registry, &registry_listener, NULL);
	wl_display_roundtrip(display);
	if (!manager) {
		fprintf(stderr, "kyoyu-wl-click: this desktop offers no virtual pointer "
				"(zwlr_virtual_pointer_manager_v1)\n");
		return 1;
	}
	struct zwlr_virtual_pointer_v1 *pointer =
		zwlr_virtual_pointer_manager_v1_create_virtual_pointer(manager, NULL);
	wl_display_roundtrip(display);
	printf("ready\n");
	fflush(stdout);
	while (fgets(line, sizeof(line), stdin)) {
		if (sscanf(line, "click %u %u", &x, &y) != 2 || x >= width || y >= height) {
			fprintf(stderr, "kyoyu-wl-click: not understood: %s", line);
			continue;
		}
		zwlr_virtual_pointer_v1_motion_absolute(pointer, time++, x, y, width, height);
		zwlr_virtual_pointer_v1_frame(pointer);
		zwlr_virtual_pointer_v1_button(pointer, time++, BTN_LEFT,
					       WL_POINTER_BUTTON_STATE_PRESSED);
		zwlr_virtual_pointer_v1_frame(pointer);
		zwlr_virtual_pointer_v1_button(pointer, time++, BTN_LEFT,
					       WL_POINTER_BUTTON_STATE_RELEASED);
		zwlr_virtual_pointer_v1_frame(pointer);
		if (wl_display_roundtrip(display) < 0)
			return 1;
		printf("clicked %u %u\n", x, y);
		fflush(stdout);
	}
	zwlr_virtual_pointer_v1_destroy(pointer);
	zwlr_virtual_pointer_manager_v1_destroy(manager);
	wl_registry_destroy(registry);
	wl_display_disconnect(display);
	return 0;
}
