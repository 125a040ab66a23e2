/* SPDX-License-Identifier: MIT */
/* The X11 side of the customer's windows, through GDK's X11 surface and
 * Xlib (the connection is GDK's own, used on its thread). */
#include "config.h"

#include <X11/Xlib.h>
#include <gdk/x11/gdkx.h>

#include "gtk-x11.h"

/* EWMH's values in a _NET_WM_STATE message. */
#define NET_WM_STATE_ADD 1
#define SOURCE_APPLICATION 1

static GdkSurface *x11_surface(GtkWindow *window)
{
	GdkSurface *surface = gtk_native_get_surface(GTK_NATIVE(window));

	return surface && GDK_IS_X11_SURFACE(surface) ? surface : NULL;
}

/* EWMH ("_NET_WM_STATE"): a mapped window's state belongs to the window
 * manager, and a client asks for a change with a client message to the
 * root window.  Writing the property before mapping does not do: GDK
 * writes its own _NET_WM_STATE when it maps a window, and GTK 4 has no
 * keep-above of its own.  This is kyoyu's one XSendEvent, allowed by
 * tests/e2e/no-remote-input.sh for this file only: a request about the
 * bar itself, read by the window manager, never a key or a click. */
bool ui_gtk_x11_keep_above(GtkWindow *window)
{
	GdkSurface *surface = x11_surface(window);

	if (!surface)
		return false;
	Display *dpy = gdk_x11_display_get_xdisplay(gdk_surface_get_display(surface));
	XEvent ev = {0};
	ev.xclient.type = ClientMessage;
	ev.xclient.window = gdk_x11_surface_get_xid(surface);
	ev.xclient.message_type = XInternAtom(dpy, "_NET_WM_STATE", False);
	ev.xclient.format = 32;
	ev.xclient.data.l[0] = NET_WM_STATE_ADD;
	ev.xclient.data.l[1] = (long)XInternAtom(dpy, "_NET_WM_STATE_ABOVE", False);
	ev.xclient.data.l[2] = (long)XInternAtom(dpy, "_NET_WM_STATE_STICKY", False);
	ev.xclient.data.l[3] = SOURCE_APPLICATION;
	XSendEvent(dpy, DefaultRootWindow(dpy), False,
		   SubstructureRedirectMask | SubstructureNotifyMask, &ev);
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
