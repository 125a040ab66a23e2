/* SPDX-License-Identifier: MIT */
/* The X11 side of the customer's windows, through GDK's X11 surface and
 * Xlib (the connection is GDK's own, used on its thread). */
#include "config.h"

#include <X11/Xatom.h>
#include <X11/Xlib.h>
#include <gdk/x11/gdkx.h>

#include "gtk-x11.h"

#define NET_WM_STATE_ADD 1
#define SOURCE_APPLICATION 1

static GdkSurface *x11_surface(GtkWindow *window)
{
	GdkSurface *surface = gtk_native_get_surface(GTK_NATIVE(window));

	return surface && GDK_IS_X11_SURFACE(surface) ? surface : NULL;
}

/* True when an EWMH window manager runs: the root names a check window
 * that names itself (EWMH, "_NET_SUPPORTING_WM_CHECK"). */
static bool has_ewmh_manager(Display *dpy, Window root)
{
	Atom check = XInternAtom(dpy, "_NET_SUPPORTING_WM_CHECK", False);
	Atom type;
	int format;
	unsigned long n, after;
	unsigned char *data = NULL;
	bool found = false;

	if (XGetWindowProperty(dpy, root, check, 0, 1, False, XA_WINDOW, &type, &format, &n,
			       &after, &data) == Success &&
	    data && n == 1 && format == 32) {
		Window wm = *(Window *)data;
		XFree(data);
		data = NULL;
		/* The manager's window repeats the property: not a stale one. */
		gdk_x11_display_error_trap_push(gdk_display_get_default());
		if (XGetWindowProperty(dpy, wm, check, 0, 1, False, XA_WINDOW, &type, &format,
				       &n, &after, &data) == Success &&
		    data && n == 1)
			found = *(Window *)data == wm;
		gdk_x11_display_error_trap_pop_ignored(gdk_display_get_default());
	}
	if (data)
		XFree(data);
	return found;
}

bool ui_gtk_x11_keep_above(GtkWindow *window)
{
	GdkSurface *surface = x11_surface(window);

	if (!surface)
		return false;
	Display *dpy = gdk_x11_display_get_xdisplay(gdk_surface_get_display(surface));
	Window xid = gdk_x11_surface_get_xid(surface);
	Window root = DefaultRootWindow(dpy);
	Atom state = XInternAtom(dpy, "_NET_WM_STATE", False);
	Atom wanted[2] = {XInternAtom(dpy, "_NET_WM_STATE_ABOVE", False),
			  XInternAtom(dpy, "_NET_WM_STATE_STICKY", False)};

	if (has_ewmh_manager(dpy, root)) {
		/* A mapped window's state belongs to the manager: ask it. */
		XEvent ev = {0};
		ev.xclient.type = ClientMessage;
		ev.xclient.window = xid;
		ev.xclient.message_type = state;
		ev.xclient.format = 32;
		ev.xclient.data.l[0] = NET_WM_STATE_ADD;
		ev.xclient.data.l[1] = (long)wanted[0];
		ev.xclient.data.l[2] = (long)wanted[1];
		ev.xclient.data.l[3] = SOURCE_APPLICATION;
		XSendEvent(dpy, root, False, SubstructureRedirectMask | SubstructureNotifyMask,
			   &ev);
	} else {
		/* Nobody to ask: say it on the window, where a manager started
		 * later reads it, and be on top for now. */
		XChangeProperty(dpy, xid, state, XA_ATOM, 32, PropModeReplace,
				(unsigned char *)wanted, 2);
		XRaiseWindow(dpy, xid);
	}
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
