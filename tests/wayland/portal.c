/* SPDX-License-Identifier: MIT */
/* The ScreenCast portal handshake; see portal.h.  Every portal method
 * answers at once with a Request object and later with that object's
 * Response signal, so each call subscribes to the Request's path *before*
 * calling (its path is known from our unique name and the handle_token),
 * then waits on the main context for the signal. */
#include "portal.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <gio/gunixfdlist.h>

#define PORTAL_BUS_NAME "org.freedesktop.portal.Desktop"
#define PORTAL_PATH "/org/freedesktop/portal/desktop"
#define SCREENCAST_IFACE "org.freedesktop.portal.ScreenCast"

typedef struct request_wait {
	bool answered, timed_out;
	uint32_t response;
	GVariant *results;
} request_wait;

static void on_response(GDBusConnection *bus, const char *sender, const char *path,
			const char *iface, const char *signal, GVariant *params,
			gpointer data)
{
	request_wait *w = data;

	(void)bus, (void)sender, (void)path, (void)iface, (void)signal;
	if (w->answered)
		return;
	g_variant_get(params, "(u@a{sv})", &w->response, &w->results);
	w->answered = true;
}

static gboolean on_timeout(gpointer data)
{
	request_wait *w = data;

	w->timed_out = true;
	return G_SOURCE_REMOVE;
}

/* A fresh handle_token, and the Request path the portal will use for it. */
static char *request_path(GDBusConnection *bus, char *token, size_t size)
{
	static unsigned counter;
	char *sender = g_strdup(g_dbus_connection_get_unique_name(bus) + 1);
	char *path;

	snprintf(token, size, "kyoyu_%d_%u", (int)getpid(), ++counter);
	g_strdelimit(sender, ".", '_');
	path = g_strdup_printf("%s/request/%s/%s", PORTAL_PATH, sender, token);
	g_free(sender);
	return path;
}

static const char *response_meaning(uint32_t response)
{
	switch (response) {
	case 1:
		return "the person at the desktop cancelled it";
	case 2:
		return "the desktop ended it (see the portal back end's log)";
	default:
		return "unknown response";
	}
}

/* Calls METHOD with PARAMS (floating; its options must carry TOKEN as
 * handle_token) and waits for the Response.  Returns its results. */
static GVariant *request(portal_screencast *sc, const char *method, GVariant *params,
			 const char *path, int timeout_ms, char **error)
{
	request_wait w = { 0 };
	GError *gerr = NULL;
	GVariant *reply;
	unsigned sub, timer;

	sub = g_dbus_connection_signal_subscribe(sc->bus, PORTAL_BUS_NAME,
						 "org.freedesktop.portal.Request",
						 "Response", path, NULL,
						 G_DBUS_SIGNAL_FLAGS_NONE,
						 on_response, &w, NULL);
	reply = g_dbus_connection_call_sync(sc->bus, PORTAL_BUS_NAME, PORTAL_PATH,
					    SCREENCAST_IFACE, method, params,
					    G_VARIANT_TYPE("(o)"),
					    G_DBUS_CALL_FLAGS_NONE, timeout_ms, NULL, &gerr);
	if (!reply) {
		*error = g_strdup_printf("ScreenCast.%s failed: %s", method,
					 gerr->message);
		g_error_free(gerr);
		goto out_unsubscribe;
	}
	g_variant_unref(reply);

	timer = g_timeout_add(timeout_ms, on_timeout, &w);
	while (!w.answered && !w.timed_out)
		g_main_context_iteration(NULL, TRUE);
	if (!w.timed_out)
		g_source_remove(timer);

	if (!w.answered)
		*error = g_strdup_printf("ScreenCast.%s: no answer from the portal in "
					 "%d ms (is its back end running? see its log)",
					 method, timeout_ms);
	else if (w.response != 0)
		*error = g_strdup_printf("ScreenCast.%s refused: response %u, %s", method,
					 w.response, response_meaning(w.response));
out_unsubscribe:
	g_dbus_connection_signal_unsubscribe(sc->bus, sub);
	if (*error && w.results) {
		g_variant_unref(w.results);
		w.results = NULL;
	}
	return w.results;
}

static uint32_t property_u32(portal_screencast *sc, const char *name)
{
	GVariant *reply, *value;
	uint32_t v = 0;

	reply = g_dbus_connection_call_sync(sc->bus, PORTAL_BUS_NAME, PORTAL_PATH,
					    "org.freedesktop.DBus.Properties", "Get",
					    g_variant_new("(ss)", SCREENCAST_IFACE, name),
					    G_VARIANT_TYPE("(v)"), G_DBUS_CALL_FLAGS_NONE,
					    -1, NULL, NULL);
	if (!reply)
		return 0;
	g_variant_get(reply, "(v)", &value);
	if (g_variant_is_of_type(value, G_VARIANT_TYPE_UINT32))
		v = g_variant_get_uint32(value);
	g_variant_unref(value);
	g_variant_unref(reply);
	return v;
}

static int create_session(portal_screencast *sc, int timeout_ms, char **error)
{
	char token[64], session_token[80];
	char *path = request_path(sc->bus, token, sizeof token);
	GVariantBuilder opts;
	GVariant *results;

	snprintf(session_token, sizeof session_token, "%s_session", token);
	g_variant_builder_init(&opts, G_VARIANT_TYPE_VARDICT);
	g_variant_builder_add(&opts, "{sv}", "handle_token", g_variant_new_string(token));
	g_variant_builder_add(&opts, "{sv}", "session_handle_token",
			      g_variant_new_string(session_token));
	results = request(sc, "CreateSession", g_variant_new("(a{sv})", &opts), path,
			  timeout_ms, error);
	g_free(path);
	if (!results)
		return -1;
	if (!g_variant_lookup(results, "session_handle", "s", &sc->session))
		*error = g_strdup("ScreenCast.CreateSession answered without a session");
	g_variant_unref(results);
	return sc->session ? 0 : -1;
}

static int select_sources(portal_screencast *sc, uint32_t cursor_mode,
			  const char *restore_token, uint32_t persist_mode,
			  int timeout_ms, char **error)
{
	char token[64];
	char *path = request_path(sc->bus, token, sizeof token);
	GVariantBuilder opts;
	GVariant *results;

	g_variant_builder_init(&opts, G_VARIANT_TYPE_VARDICT);
	g_variant_builder_add(&opts, "{sv}", "handle_token", g_variant_new_string(token));
	g_variant_builder_add(&opts, "{sv}", "types", g_variant_new_uint32(1));
	g_variant_builder_add(&opts, "{sv}", "multiple", g_variant_new_boolean(FALSE));
	if (cursor_mode)
		g_variant_builder_add(&opts, "{sv}", "cursor_mode",
				      g_variant_new_uint32(cursor_mode));
	if (restore_token)
		g_variant_builder_add(&opts, "{sv}", "restore_token",
				      g_variant_new_string(restore_token));
	if (persist_mode)
		g_variant_builder_add(&opts, "{sv}", "persist_mode",
				      g_variant_new_uint32(persist_mode));
	results = request(sc, "SelectSources",
			  g_variant_new("(oa{sv})", sc->session, &opts), path,
			  timeout_ms, error);
	g_free(path);
	if (!results)
		return -1;
	g_variant_unref(results);
	return 0;
}

static int start(portal_screencast *sc, int timeout_ms, char **error)
{
	char token[64];
	char *path = request_path(sc->bus, token, sizeof token);
	GVariantBuilder opts;
	GVariant *results, *streams, *props;
	GVariantIter iter;
	int ret = -1;

	g_variant_builder_init(&opts, G_VARIANT_TYPE_VARDICT);
	g_variant_builder_add(&opts, "{sv}", "handle_token", g_variant_new_string(token));
	results = request(sc, "Start", g_variant_new("(osa{sv})", sc->session, "", &opts),
			  path, timeout_ms, error);
	g_free(path);
	if (!results)
		return -1;
	streams = g_variant_lookup_value(results, "streams", G_VARIANT_TYPE("a(ua{sv})"));
	if (!streams || g_variant_iter_init(&iter, streams) == 0) {
		*error = g_strdup("ScreenCast.Start answered without a stream");
		goto out;
	}
	g_variant_iter_next(&iter, "(u@a{sv})", &sc->node, &props);
	g_variant_lookup(props, "size", "(ii)", &sc->width, &sc->height);
	g_variant_unref(props);
	g_variant_lookup(results, "restore_token", "s", &sc->restore_token);
	ret = 0;
out:
	if (streams)
		g_variant_unref(streams);
	g_variant_unref(results);
	return ret;
}

static int open_remote(portal_screencast *sc, int timeout_ms, char **error)
{
	GUnixFDList *fds = NULL;
	GError *gerr = NULL;
	GVariant *reply;
	int handle;

	reply = g_dbus_connection_call_with_unix_fd_list_sync(
		sc->bus, PORTAL_BUS_NAME, PORTAL_PATH, SCREENCAST_IFACE,
		"OpenPipeWireRemote", g_variant_new("(oa{sv})", sc->session, NULL),
		G_VARIANT_TYPE("(h)"), G_DBUS_CALL_FLAGS_NONE, timeout_ms, NULL, &fds,
		NULL, &gerr);
	if (!reply) {
		*error = g_strdup_printf("ScreenCast.OpenPipeWireRemote failed: %s",
					 gerr->message);
		g_error_free(gerr);
		return -1;
	}
	g_variant_get(reply, "(h)", &handle);
	g_variant_unref(reply);
	sc->pw_fd = g_unix_fd_list_get(fds, handle, &gerr);
	g_object_unref(fds);
	if (sc->pw_fd < 0) {
		*error = g_strdup_printf("OpenPipeWireRemote gave no usable fd: %s",
					 gerr->message);
		g_error_free(gerr);
		return -1;
	}
	return 0;
}

int portal_screencast_connect(portal_screencast *sc, char **error)
{
	GError *gerr = NULL;

	*error = NULL;
	memset(sc, 0, sizeof *sc);
	sc->pw_fd = -1;
	sc->bus = g_bus_get_sync(G_BUS_TYPE_SESSION, NULL, &gerr);
	if (!sc->bus) {
		*error = g_strdup_printf("no D-Bus session bus (%s); start the session "
					 "with scripts/wayland-session", gerr->message);
		g_error_free(gerr);
		return -1;
	}
	sc->version = property_u32(sc, "version");
	sc->cursor_modes = property_u32(sc, "AvailableCursorModes");
	sc->source_types = property_u32(sc, "AvailableSourceTypes");
	if (!sc->version) {
		*error = g_strdup("the portal has no ScreenCast interface: no "
				  "xdg-desktop-portal back end for XDG_CURRENT_DESKTOP "
				  "offers it (see xdg-desktop-portal's log)");
		return -1;
	}
	return 0;
}

int portal_screencast_start(portal_screencast *sc, uint32_t cursor_mode,
			    const char *restore_token, uint32_t persist_mode,
			    int timeout_ms, char **error)
{
	*error = NULL;
	if (cursor_mode && !(sc->cursor_modes & cursor_mode)) {
		*error = g_strdup_printf("the portal offers cursor modes 0x%x, not 0x%x",
					 sc->cursor_modes, cursor_mode);
		return -1;
	}
	if (create_session(sc, timeout_ms, error) < 0 ||
	    select_sources(sc, cursor_mode, restore_token, persist_mode, timeout_ms,
			   error) < 0 ||
	    start(sc, timeout_ms, error) < 0 || open_remote(sc, timeout_ms, error) < 0)
		return -1;
	return 0;
}

void portal_screencast_close(portal_screencast *sc)
{
	if (sc->session && sc->bus)
		g_dbus_connection_call_sync(sc->bus, PORTAL_BUS_NAME, sc->session,
					    "org.freedesktop.portal.Session", "Close",
					    NULL, NULL, G_DBUS_CALL_FLAGS_NONE, 2000,
					    NULL, NULL);
	if (sc->pw_fd >= 0)
		close(sc->pw_fd);
	sc->pw_fd = -1;
	g_free(sc->session);
	sc->session = NULL;
	g_free(sc->restore_token);
	sc->restore_token = NULL;
	g_clear_object(&sc->bus);
}
