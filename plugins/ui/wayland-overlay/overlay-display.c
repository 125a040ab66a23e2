/* SPDX-License-Identifier: MIT */
/* The Wayland connection and its globals (see overlay-display.h). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "overlay-display.h"
#include "wlr-layer-shell-unstable-v1-client-protocol.h"
#include "xdg-output-unstable-v1-client-protocol.h"

static void xdg_position(void *data, struct zxdg_output_v1 *xdg, int32_t x, int32_t y)
{
	overlay_output *o = data;

	(void)xdg;
	o->x = x;
	o->y = y;
}

static void xdg_size(void *data, struct zxdg_output_v1 *xdg, int32_t width, int32_t height)
{
	overlay_output *o = data;

	(void)xdg;
	o->width = width;
	o->height = height;
}

static void xdg_done(void *data, struct zxdg_output_v1 *xdg)
{
	(void)data, (void)xdg;
}

static void xdg_name(void *data, struct zxdg_output_v1 *xdg, const char *name)
{
	(void)data, (void)xdg, (void)name;
}

static const struct zxdg_output_v1_listener xdg_listener = {
	xdg_position, xdg_size, xdg_done, xdg_name, xdg_name,
};

static void output_geometry(void *data, struct wl_output *output, int32_t x, int32_t y,
			    int32_t mm_w, int32_t mm_h, int32_t subpixel, const char *make,
			    const char *model, int32_t transform)
{
	(void)data, (void)output, (void)x, (void)y, (void)mm_w, (void)mm_h;
	(void)subpixel, (void)make, (void)model, (void)transform;
}

static void output_mode(void *data, struct wl_output *output, uint32_t flags,
			int32_t width, int32_t height, int32_t refresh)
{
	(void)data, (void)output, (void)flags, (void)width, (void)height, (void)refresh;
}

static void output_done(void *data, struct wl_output *output)
{
	(void)data, (void)output;
}

static void output_scale(void *data, struct wl_output *output, int32_t factor)
{
	overlay_output *o = data;

	(void)output;
	o->scale = factor > 0 ? factor : 1;
}

static void output_name(void *data, struct wl_output *output, const char *name)
{
	(void)data, (void)output, (void)name;
}

static const struct wl_output_listener output_listener = {
	output_geometry, output_mode, output_done, output_scale, output_name, output_name,
};

static void describe_output(overlay_display *d, overlay_output *o)
{
	if (!d->xdg_outputs || o->xdg)
		return;
	o->xdg = zxdg_output_manager_v1_get_xdg_output(d->xdg_outputs, o->output);
	zxdg_output_v1_add_listener(o->xdg, &xdg_listener, o);
}

static void add_output(overlay_display *d, struct wl_registry *registry, uint32_t global,
		       uint32_t version)
{
	for (int i = 0; i < OVERLAY_MAX_OUTPUTS; i++) {
		overlay_output *o = &d->outputs[i];
		if (o->global)
			continue;
		/* Version 2 brings the scale. */
		*o = (overlay_output){.global = global, .scale = 1};
		o->output = wl_registry_bind(registry, global, &wl_output_interface,
					     version < 2 ? version : 2);
		wl_output_add_listener(o->output, &output_listener, o);
		describe_output(d, o);
		return;
	}
}

static void forget_output(overlay_output *o)
{
	if (o->xdg)
		zxdg_output_v1_destroy(o->xdg);
	if (o->output)
		wl_output_destroy(o->output);
	*o = (overlay_output){0};
}

static void registry_global(void *data, struct wl_registry *registry, uint32_t global,
			    const char *iface, uint32_t version)
{
	overlay_display *d = data;

	if (!strcmp(iface, wl_compositor_interface.name) && !d->compositor)
		d->compositor = wl_registry_bind(registry, global, &wl_compositor_interface,
						 version < 4 ? version : 4);
	else if (!strcmp(iface, wl_shm_interface.name) && !d->shm)
		d->shm = wl_registry_bind(registry, global, &wl_shm_interface, 1);
	else if (!strcmp(iface, zwlr_layer_shell_v1_interface.name) && !d->layer_shell)
		d->layer_shell = wl_registry_bind(registry, global,
						  &zwlr_layer_shell_v1_interface,
						  version < 3 ? version : 3);
	else if (!strcmp(iface, zxdg_output_manager_v1_interface.name) && !d->xdg_outputs) {
		d->xdg_outputs = wl_registry_bind(registry, global,
						  &zxdg_output_manager_v1_interface,
						  version < 2 ? version : 2);
		for (int i = 0; i < OVERLAY_MAX_OUTPUTS; i++)
			if (d->outputs[i].global)
				describe_output(d, &d->outputs[i]);
	} else if (!strcmp(iface, wl_output_interface.name))
		add_output(d, registry, global, version);
}

static void registry_global_remove(void *data, struct wl_registry *registry,
				   uint32_t global)
{
	overlay_display *d = data;

	(void)registry;
	for (int i = 0; i < OVERLAY_MAX_OUTPUTS; i++)
		if (d->outputs[i].global == global)
			forget_output(&d->outputs[i]);
}

static const struct wl_registry_listener registry_listener = {
	registry_global, registry_global_remove,
};

int overlay_display_connect(overlay_display *d, char *why, size_t whylen)
{
	memset(d, 0, sizeof(*d));
	d->display = wl_display_connect(NULL);
	if (!d->display) {
		snprintf(why, whylen, "no Wayland display to draw on");
		return -ENOTSUP;
	}
	d->registry = wl_display_get_registry(d->display);
	wl_registry_add_listener(d->registry, &registry_listener, d);
	/* The globals, then what the bound outputs say about themselves. */
	if (wl_display_roundtrip(d->display) < 0 || wl_display_roundtrip(d->display) < 0) {
		snprintf(why, whylen, "the Wayland display did not answer");
		goto out_close;
	}
	if (!d->layer_shell) {
		snprintf(why, whylen,
			 "this desktop offers no layer-shell (GNOME does not), so no "
			 "Wayland window can stay above the others; ui/x11-overlay draws "
			 "the badge and the arrow through Xwayland instead");
		goto out_close;
	}
	if (!d->compositor || !d->shm) {
		snprintf(why, whylen, "the Wayland display offers no wl_compositor or wl_shm");
		goto out_close;
	}
	return 0;

out_close:
	overlay_display_close(d);
	return -ENOTSUP;
}

void overlay_display_close(overlay_display *d)
{
	if (!d->display)
		return;
	for (int i = 0; i < OVERLAY_MAX_OUTPUTS; i++)
		forget_output(&d->outputs[i]);
	if (d->xdg_outputs)
		zxdg_output_manager_v1_destroy(d->xdg_outputs);
	/* Version 3 has the request that says so; before, it just goes. */
	if (d->layer_shell && zwlr_layer_shell_v1_get_version(d->layer_shell) >= 3)
		zwlr_layer_shell_v1_destroy(d->layer_shell);
	else if (d->layer_shell)
		wl_proxy_destroy((struct wl_proxy *)d->layer_shell);
	if (d->shm)
		wl_shm_destroy(d->shm);
	if (d->compositor)
		wl_compositor_destroy(d->compositor);
	wl_registry_destroy(d->registry);
	wl_display_disconnect(d->display);
	memset(d, 0, sizeof(*d));
}

const overlay_output *overlay_display_output_at(const overlay_display *d, int64_t x,
						int64_t y)
{
	const overlay_output *first = NULL;

	for (int i = 0; i < OVERLAY_MAX_OUTPUTS; i++) {
		const overlay_output *o = &d->outputs[i];
		if (!o->global)
			continue;
		if (!first)
			first = o;
		if (x >= o->x && y >= o->y && x < (int64_t)o->x + o->width &&
		    y < (int64_t)o->y + o->height)
			return o;
	}
	return first;
}
