/* SPDX-License-Identifier: MIT */
/* The X11 side of the customer's windows, through GDK's X11 surface and
 * Xlib (the connection is GDK's own, used on its thread). */
#include "config.h"

#include <X11/Xatom.h>
#include <X11/Xlib.h>
#include <gdk/x11/gdkx.h>

#include "gtk-x11.h"

static GdkSurface *x11_surface(GtkWindow *window)
{
	GdkSurface *surface = gtk_native_get_surface(GTK_NATIVE(window));

	return surface && GDK_IS_X11_SURFACE(surface) ? surface : NULL;
}

/* Written on the window before it is mapped, where the window manager
 * reads it when it maps the window (EWMH, "_NET_WM_STATE").  Once mapped
 * the state would have to be asked for with an event sent to the root
 * window, and kyoyu sends X events to no one (tests/e2e/no-remote-input.sh). */
bool ui_gtk_x11_keep_above(GtkWindow *window)
{
	GdkSurface *surface = x11_surface(window);

	if (!surface)
		return false;
	Display *dpy = gdk_x11_display_get_xdisplay(gdk_surface_get_display(surface));
	Window xid = gdk_x11_surface_get_xid(surface);
	Atom state = XInternAtom(dpy, "_NET_WM_STATE", False);
	Atom wanted[2] = {XInternAtom(dpy, "_NET_WM_STATE_ABOVE", False),
			  XInternAtom(dpy, "_NET_WM_STATE_STICKY", False)};

	XChangeProperty(dpy, xid, state, XA_ATOM, 32, PropModeReplace,
			(unsigned char *)wanted, 2);
	XRaiseWindow(dpy, xid);
	XFlush(dpy);
	return true;
}

void ui_gtk_x11_place_top_centre(GtkWindow *window)
{
	GdkSurface *surface = x11_surface(window);

	if (!surface)
		return;
	GdkDisplay *display = gdk_surface_get_display(surface);
	GdkMonitor *monitor = gdk_display_get_monitor_at_surface(display, surface);
	GdkRectangle area = {0, 0, 0, 0};
	if (monitor)
		gdk_monitor_get_geometry(monitor, &area);
	int width = gdk_surface_get_width(surface);
	int x = area.x + (area.width > width ? (area.width - width) / 2 : 0);
	Display *dpy = gdk_x11_display_get_xdisplay(display);
	XMoveWindow(dpy, gdk_x11_surface_get_xid(surface), x, area.y);
	XFlush(dpy);
}

void ui_gtk_x11_name_window(GtkWindow *window, const char *role)
{
	GdkSurface *surface = x11_surface(window);

	if (surface)
		gdk_x11_surface_set_utf8_property(surface, "_KYOYU_WINDOW", role);
}
