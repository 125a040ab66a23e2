/* SPDX-License-Identifier: MIT */
/* capture/x11: connecting to the X server and checking what it offers. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xcb/damage.h>
#include <xcb/randr.h>
#include <xcb/shm.h>
#include <xcb/xfixes.h>

#define KYOYU_LOG_COMPONENT "capture/x11"
#include <kyoyu/kyoyu.h>

#include "x11-display.h"

static xcb_screen_t *screen_of(xcb_connection_t *conn, int number)
{
	xcb_screen_iterator_t it = xcb_setup_roots_iterator(xcb_get_setup(conn));

	for (; it.rem; xcb_screen_next(&it), number--)
		if (number == 0)
			return it.data;
	return NULL;
}

static const char *connect_error(int code)
{
	switch (code) {
	case XCB_CONN_CLOSED_PARSE_ERR:
		return "the display name is not valid (expected \":0\" or \"host:0\")";
	case XCB_CONN_CLOSED_INVALID_SCREEN:
		return "the display has no such screen";
	case XCB_CONN_CLOSED_MEM_INSUFFICIENT:
		return "out of memory";
	default:
		return "no X server answers there, or it refused this user "
		       "(check DISPLAY and XAUTHORITY)";
	}
}

/* The pixel layout is what the frame bus calls BGRX: 32 bits per pixel,
 * blue in the lowest byte, stored least significant byte first. */
static bool root_is_bgrx(xcb_connection_t *conn, const xcb_screen_t *screen)
{
	const xcb_setup_t *setup = xcb_get_setup(conn);
	bool bpp32 = false;

	if (setup->image_byte_order != XCB_IMAGE_ORDER_LSB_FIRST)
		return false;
	if (screen->root_depth != 24 && screen->root_depth != 32)
		return false;
	for (xcb_format_iterator_t f = xcb_setup_pixmap_formats_iterator(setup); f.rem;
	     xcb_format_next(&f))
		if (f.data->depth == screen->root_depth)
			bpp32 = f.data->bits_per_pixel == 32;
	if (!bpp32)
		return false;
	for (xcb_depth_iterator_t d = xcb_screen_allowed_depths_iterator(screen); d.rem;
	     xcb_depth_next(&d)) {
		for (xcb_visualtype_iterator_t v = xcb_depth_visuals_iterator(d.data); v.rem;
		     xcb_visualtype_next(&v)) {
			const xcb_visualtype_t *vt = v.data;
			if (vt->visual_id == screen->root_visual)
				return vt->_class == XCB_VISUAL_CLASS_TRUE_COLOR &&
				       vt->red_mask == 0xff0000 && vt->green_mask == 0xff00 &&
				       vt->blue_mask == 0xff;
		}
	}
	return false;
}

static bool extension_present(xcb_connection_t *conn, xcb_extension_t *ext,
			      uint8_t *first_event)
{
	const xcb_query_extension_reply_t *r = xcb_get_extension_data(conn, ext);

	if (!r || !r->present)
		return false;
	if (first_event)
		*first_event = r->first_event;
	return true;
}

/* Asks for the versions this plugin speaks; the server answers with what
 * it will speak, which must be at least MAJOR.MINOR. */
static bool versions_ok(x11_display *d)
{
	xcb_connection_t *c = d->conn;
	xcb_damage_query_version_cookie_t dc = xcb_damage_query_version(c, 1, 1);
	xcb_xfixes_query_version_cookie_t fc = xcb_xfixes_query_version(c, 5, 0);
	xcb_damage_query_version_reply_t *dr = xcb_damage_query_version_reply(c, dc, NULL);
	xcb_xfixes_query_version_reply_t *fr = xcb_xfixes_query_version_reply(c, fc, NULL);
	bool ok = true;

	if (!dr || (dr->major_version == 1 && dr->minor_version < 1)) {
		kyoyu_error("X display \"%s\" offers DAMAGE older than 1.1; capture/x11 "
			    "needs it to grab only what changed", d->name);
		ok = false;
	}
	if (ok && (!fr || fr->major_version < 2)) {
		kyoyu_error("X display \"%s\" offers XFIXES older than 2.0; capture/x11 "
			    "needs it for damage regions and the cursor", d->name);
		ok = false;
	}
	free(dr);
	free(fr);
	if (!ok || !d->has_randr)
		return ok;
	xcb_randr_query_version_reply_t *rr =
		xcb_randr_query_version_reply(c, xcb_randr_query_version(c, 1, 5), NULL);
	d->has_randr = rr && (rr->major_version > 1 || rr->minor_version >= 5);
	free(rr);
	return true;
}

/* Xwayland names its RandR outputs XWAYLAND0, XWAYLAND1...; from 23.1 on
 * it also has an extension of that name (Debian 12's 22.1 has none). */
static bool is_xwayland(x11_display *d)
{
	static const char name[] = "XWAYLAND";
	const int name_len = (int)sizeof(name) - 1;
	xcb_connection_t *c = d->conn;
	xcb_query_extension_reply_t *ext = xcb_query_extension_reply(
		c, xcb_query_extension(c, (uint16_t)name_len, name), NULL);
	bool found = ext && ext->present;

	free(ext);
	if (found || !d->has_randr)
		return found;
	xcb_randr_get_screen_resources_current_reply_t *res =
		xcb_randr_get_screen_resources_current_reply(
			c, xcb_randr_get_screen_resources_current(c, d->root), NULL);
	if (!res)
		return false;
	const xcb_randr_output_t *outputs = xcb_randr_get_screen_resources_current_outputs(res);
	int n = xcb_randr_get_screen_resources_current_outputs_length(res);
	for (int i = 0; i < n && !found; i++) {
		xcb_randr_get_output_info_reply_t *o = xcb_randr_get_output_info_reply(
			c, xcb_randr_get_output_info(c, outputs[i], res->config_timestamp),
			NULL);
		found = o && xcb_randr_get_output_info_name_length(o) >= name_len &&
			memcmp(xcb_randr_get_output_info_name(o), name, (size_t)name_len) == 0;
		free(o);
	}
	free(res);
	return found;
}

int x11_display_open(x11_display *d, const char *name)
{
	const char *env = getenv("DISPLAY");
	int number = 0;

	memset(d, 0, sizeof(*d));
	if (!name || !*name)
		name = env;
	if (!name || !*name) {
		kyoyu_info("no X display to capture (DISPLAY is not set); set it, or "
			   "capture.display, to share an X desktop");
		return KYOYU_SKIP;
	}
	snprintf(d->name, sizeof(d->name), "%s", name);
	d->conn = xcb_connect(name, &number);
	int code = xcb_connection_has_error(d->conn);
	if (code) {
		kyoyu_error("cannot connect to X display \"%s\": %s", d->name,
			    connect_error(code));
		x11_display_close(d);
		return code == XCB_CONN_CLOSED_PARSE_ERR ? -EINVAL : -ECONNREFUSED;
	}
	xcb_screen_t *screen = screen_of(d->conn, number);
	if (!screen) {
		kyoyu_error("X display \"%s\" has no screen %d", d->name, number);
		x11_display_close(d);
		return -ENODEV;
	}
	if (!root_is_bgrx(d->conn, screen)) {
		kyoyu_error("X display \"%s\" has a %u-bit root window that is not "
			    "32-bit-per-pixel TrueColor; capture/x11 grabs 24- or 32-bit "
			    "colour only (start the X server with -depth 24)",
			    d->name, screen->root_depth);
		x11_display_close(d);
		return -EOPNOTSUPP;
	}
	d->root = screen->root;

	xcb_prefetch_extension_data(d->conn, &xcb_damage_id);
	xcb_prefetch_extension_data(d->conn, &xcb_xfixes_id);
	xcb_prefetch_extension_data(d->conn, &xcb_shm_id);
	xcb_prefetch_extension_data(d->conn, &xcb_randr_id);
	const char *missing = !extension_present(d->conn, &xcb_damage_id, &d->damage_event)
				      ? "DAMAGE"
			      : !extension_present(d->conn, &xcb_xfixes_id, &d->xfixes_event)
				      ? "XFIXES"
				      : NULL;
	if (missing) {
		kyoyu_error("X display \"%s\" lacks the %s extension, which capture/x11 "
			    "needs; use a full X server (Xorg, Xvfb) or capture.plugin = "
			    "testsrc", d->name, missing);
		x11_display_close(d);
		return -EOPNOTSUPP;
	}
	d->has_shm = extension_present(d->conn, &xcb_shm_id, NULL);
	d->has_randr = extension_present(d->conn, &xcb_randr_id, &d->randr_event);
	if (!versions_ok(d)) {
		x11_display_close(d);
		return -EOPNOTSUPP;
	}
	/* Never a partial screen shown as "your screen is shared". */
	if (is_xwayland(d)) {
		kyoyu_info("X display \"%s\" is Xwayland, part of a Wayland desktop: "
			   "an X11 capture there sees the windows of X programs only, "
			   "never the whole screen, so capture/x11 does not apply "
			   "(capture/pipewire shares a Wayland screen)", d->name);
		x11_display_close(d);
		return KYOYU_SKIP;
	}
	return KYOYU_OK;
}

void x11_display_close(x11_display *d)
{
	if (d->conn)
		xcb_disconnect(d->conn);
	d->conn = NULL;
}

int x11_display_check(x11_display *d)
{
	if (!xcb_connection_has_error(d->conn))
		return 0;
	kyoyu_error("lost the connection to X display \"%s\" (did the X server "
		    "exit?)", d->name);
	return -EPIPE;
}

int x11_display_sync(x11_display *d)
{
	free(xcb_get_input_focus_reply(d->conn, xcb_get_input_focus(d->conn), NULL));
	return x11_display_check(d);
}
