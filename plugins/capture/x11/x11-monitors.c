/* SPDX-License-Identifier: MIT */
/* capture/x11: the shared area, from the root window and RandR monitors. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xcb/randr.h>

#define KYOYU_LOG_COMPONENT "capture/x11"
#include <kyoyu/kyoyu.h>

#include "x11-monitors.h"

static bool is_all(const char *monitor)
{
	return !monitor || !*monitor || strcmp(monitor, "all") == 0;
}

static bool is_primary(const char *monitor)
{
	return strcmp(monitor, "primary") == 0;
}

/* The active monitors now, or NULL when the connection is lost. */
static xcb_randr_get_monitors_reply_t *get_monitors(x11_display *d)
{
	return xcb_randr_get_monitors_reply(
		d->conn, xcb_randr_get_monitors(d->conn, d->root, 1), NULL);
}

/* "HDMI-1, left" into LIST, for messages. */
static void monitor_names(x11_display *d, xcb_randr_get_monitors_reply_t *mons,
			  char *list, size_t len)
{
	xcb_get_atom_name_cookie_t cookies[16];
	int n = 0;

	list[0] = '\0';
	for (xcb_randr_monitor_info_iterator_t it =
		     xcb_randr_get_monitors_monitors_iterator(mons);
	     it.rem && n < 16; xcb_randr_monitor_info_next(&it))
		cookies[n++] = xcb_get_atom_name(d->conn, it.data->name);
	for (int i = 0; i < n; i++) {
		xcb_get_atom_name_reply_t *r = xcb_get_atom_name_reply(d->conn, cookies[i], NULL);
		size_t used = strlen(list);
		if (r)
			snprintf(list + used, len - used, "%s%.*s", used ? ", " : "",
				 xcb_get_atom_name_name_length(r), xcb_get_atom_name_name(r));
		free(r);
	}
}

int x11_monitors_check(x11_display *d, const char *monitor)
{
	if (is_all(monitor))
		return 0;
	if (!d->has_randr) {
		kyoyu_error("capture.monitor = \"%s\" needs RandR 1.5, which X display "
			    "\"%s\" does not offer; use capture.monitor = \"all\"",
			    monitor, d->name);
		return -EINVAL;
	}
	x11_area area;
	int ret = x11_monitors_find(d, monitor, &area);
	if (ret)
		return ret;
	if (area.width && area.height)
		return 0;
	xcb_randr_get_monitors_reply_t *mons = get_monitors(d);
	char names[512] = "";
	if (mons)
		monitor_names(d, mons, names, sizeof(names));
	free(mons);
	kyoyu_error("capture.monitor = \"%s\": X display \"%s\" has no such monitor "
		    "(its monitors: %s); use one of them, \"primary\" or \"all\"",
		    monitor, d->name, *names ? names : "none");
	return -EINVAL;
}

void x11_monitors_watch(x11_display *d)
{
	uint32_t mask = XCB_EVENT_MASK_STRUCTURE_NOTIFY;

	xcb_change_window_attributes(d->conn, d->root, XCB_CW_EVENT_MASK, &mask);
	if (d->has_randr)
		xcb_randr_select_input(d->conn, d->root,
				       XCB_RANDR_NOTIFY_MASK_SCREEN_CHANGE |
					       XCB_RANDR_NOTIFY_MASK_CRTC_CHANGE |
					       XCB_RANDR_NOTIFY_MASK_OUTPUT_CHANGE);
}

bool x11_monitors_is_event(const x11_display *d, const xcb_generic_event_t *ev)
{
	uint8_t type = ev->response_type & 0x7f;

	if (type == XCB_CONFIGURE_NOTIFY)
		return ((const xcb_configure_notify_event_t *)ev)->window == d->root;
	return d->has_randr && (type == d->randr_event + XCB_RANDR_SCREEN_CHANGE_NOTIFY ||
				type == d->randr_event + XCB_RANDR_NOTIFY);
}

/* The monitor MONITOR names among MONS, or NULL. */
static const xcb_randr_monitor_info_t *pick(xcb_randr_get_monitors_reply_t *mons,
					    const char *monitor, xcb_atom_t name)
{
	const xcb_randr_monitor_info_t *first = NULL;

	for (xcb_randr_monitor_info_iterator_t it =
		     xcb_randr_get_monitors_monitors_iterator(mons);
	     it.rem; xcb_randr_monitor_info_next(&it)) {
		if (!first)
			first = it.data;
		if (is_primary(monitor) ? it.data->primary : it.data->name == name)
			return it.data;
	}
	/* Many desktops never set a primary monitor: the first one is it. */
	return is_primary(monitor) ? first : NULL;
}

static void clip_to_root(x11_area *a, uint32_t root_w, uint32_t root_h)
{
	int64_t x0 = a->x < 0 ? 0 : a->x, y0 = a->y < 0 ? 0 : a->y;
	int64_t x1 = (int64_t)a->x + a->width, y1 = (int64_t)a->y + a->height;

	if (x1 > root_w)
		x1 = root_w;
	if (y1 > root_h)
		y1 = root_h;
	if (x1 <= x0 || y1 <= y0) {
		*a = (x11_area){0, 0, 0, 0};
		return;
	}
	*a = (x11_area){(int32_t)x0, (int32_t)y0, (uint32_t)(x1 - x0), (uint32_t)(y1 - y0)};
}

int x11_monitors_find(x11_display *d, const char *monitor, x11_area *area)
{
	xcb_connection_t *c = d->conn;
	xcb_get_geometry_cookie_t gc = xcb_get_geometry(c, d->root);
	int ret = 0;

	*area = (x11_area){0, 0, 0, 0};
	if (is_all(monitor)) {
		xcb_get_geometry_reply_t *g = xcb_get_geometry_reply(c, gc, NULL);
		if (g)
			*area = (x11_area){0, 0, g->width, g->height};
		else
			ret = x11_display_check(d);
		free(g);
		return ret;
	}
	bool by_name = !is_primary(monitor);
	xcb_intern_atom_cookie_t ac = {0};
	if (by_name)
		ac = xcb_intern_atom(c, 1, (uint16_t)strlen(monitor), monitor);
	xcb_randr_get_monitors_cookie_t mc = xcb_randr_get_monitors(c, d->root, 1);
	xcb_get_geometry_reply_t *g = xcb_get_geometry_reply(c, gc, NULL);
	xcb_intern_atom_reply_t *atom = by_name ? xcb_intern_atom_reply(c, ac, NULL) : NULL;
	xcb_randr_get_monitors_reply_t *mons = xcb_randr_get_monitors_reply(c, mc, NULL);

	if (!g || (by_name && !atom) || !mons) {
		ret = x11_display_check(d);
		goto out_free_replies;
	}
	/* A name that is not even an atom yet names no monitor. */
	xcb_atom_t name = atom ? atom->atom : XCB_ATOM_NONE;
	const xcb_randr_monitor_info_t *m =
		by_name && name == XCB_ATOM_NONE ? NULL : pick(mons, monitor, name);
	if (m) {
		*area = (x11_area){m->x, m->y, m->width, m->height};
		clip_to_root(area, g->width, g->height);
	}
out_free_replies:
	free(g);
	free(atom);
	free(mons);
	return ret;
}
