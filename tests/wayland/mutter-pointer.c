/* SPDX-License-Identifier: MIT */
/* kyoyu-mutter-pointer: moves mutter's pointer through its own
 * org.gnome.Mutter.RemoteDesktop D-Bus API, so that a headless GNOME
 * session has a pointer whose moves the screen cast reports.  A test tool:
 * kyoyu itself goes through the portal, which would ask the person.
 *
 *   kyoyu-mutter-pointer [-k] DX,DY...
 *
 * Each DX,DY is one relative motion, sent in order; "moved N" is printed
 * once all were accepted.  With -k the virtual pointer stays until standard
 * input closes (mutter removes the device, and hides the pointer, when the
 * remote-desktop session ends). */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <gio/gio.h>

#define RD_NAME "org.gnome.Mutter.RemoteDesktop"

static GVariant *call(GDBusConnection *bus, const char *path, const char *iface,
		      const char *method, GVariant *args, const GVariantType *reply,
		      GError **err)
{
	return g_dbus_connection_call_sync(bus, RD_NAME, path, iface, method, args, reply,
					   G_DBUS_CALL_FLAGS_NONE, 5000, NULL, err);
}

static int fail(const char *what, GError *err)
{
	fprintf(stderr, "kyoyu-mutter-pointer: %s: %s\n", what, err->message);
	g_error_free(err);
	return 1;
}

int main(int argc, char **argv)
{
	const char *session_iface = RD_NAME ".Session";
	GDBusConnection *bus;
	GError *err = NULL;
	GVariant *reply;
	char *session;
	bool keep = false;
	int first = 1, moves = 0;
	char c;

	if (argc > 1 && !strcmp(argv[1], "-k"))
		keep = true, first = 2;
	if (first >= argc) {
		fprintf(stderr, "usage: %s [-k] DX,DY...\n", argv[0]);
		return 2;
	}

	bus = g_bus_get_sync(G_BUS_TYPE_SESSION, NULL, &err);
	if (!bus)
		return fail("no D-Bus session bus", err);
	reply = call(bus, "/org/gnome/Mutter/RemoteDesktop", RD_NAME, "CreateSession",
		     NULL, G_VARIANT_TYPE("(o)"), &err);
	if (!reply)
		return fail("CreateSession (is mutter the compositor?)", err);
	g_variant_get(reply, "(o)", &session);
	g_variant_unref(reply);
	reply = call(bus, session, session_iface, "Start", NULL, NULL, &err);
	if (!reply)
		return fail("Start", err);
	g_variant_unref(reply);

	for (int i = first; i < argc; i++) {
		double dx, dy;

		if (sscanf(argv[i], "%lf,%lf", &dx, &dy) != 2) {
			fprintf(stderr, "kyoyu-mutter-pointer: \"%s\" is not DX,DY\n",
				argv[i]);
			return 2;
		}
		reply = call(bus, session, session_iface, "NotifyPointerMotionRelative",
			     g_variant_new("(dd)", dx, dy), NULL, &err);
		if (!reply)
			return fail("NotifyPointerMotionRelative", err);
		g_variant_unref(reply);
		moves++;
	}
	printf("moved %d\n", moves);
	fflush(stdout);
	while (keep && read(0, &c, 1) > 0)
		;
	reply = call(bus, session, session_iface, "Stop", NULL, NULL, NULL);
	if (reply)
		g_variant_unref(reply);
	g_free(session);
	g_object_unref(bus);
	return 0;
}
