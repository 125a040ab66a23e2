/* SPDX-License-Identifier: MIT */
/* capture/pipewire: the ScreenCast portal handshake (see pipewire-portal.h).
 *
 * Every portal method answers at once with the path of a Request object,
 * and later with that object's Response signal.  The path is known in
 * advance (our unique name and the handle_token we pass), so the signal is
 * subscribed before the call: a quick desktop cannot answer before we
 * listen.  One request is under way at a time.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <gio/gio.h>
#include <gio/gunixfdlist.h>

#define KYOYU_LOG_COMPONENT "capture/pipewire"
#include <kyoyu/kyoyu.h>

#include "pipewire-portal.h"
#include "pipewire-words.h"

#define PORTAL_NAME "org.freedesktop.portal.Desktop"
#define PORTAL_PATH "/org/freedesktop/portal/desktop"
#define SCREENCAST "org.freedesktop.portal.ScreenCast"
/* The portal's source types and persist modes. */
#define SOURCE_MONITOR 1u
#define PERSIST_NONE 0u
/* A step the desktop answers without asking anyone. */
#define STEP_TIMEOUT_MS 30000
/* Property reads in init(); the first may start the portal (activation). */
#define PROBE_TIMEOUT_MS 10000

typedef enum portal_step {
	STEP_CREATE_SESSION,
	STEP_SELECT_SOURCES,
	STEP_START,
	STEP_OPEN_REMOTE,
	STEP_SHARING,
} portal_step;

static const char *const step_names[] = {
	"CreateSession", "SelectSources", "Start", "OpenPipeWireRemote", "sharing",
};

struct pipewire_portal {
	GDBusConnection *bus;
	GMainContext *context;
	GCancellable *cancel;
	char *sender;     /* our unique name as request paths spell it: 1_42 */
	char *session;    /* the session's object path */
	uint32_t cursor_mode;
	char *restore_token;
	portal_step step;
	unsigned response_sub, closed_sub;
	char *request_path;
	GSource *timeout;
	unsigned pending; /* calls whose callback has not run yet */
	unsigned tokens;
	bool done;        /* ended() was called, or we are being freed */
	pipewire_portal_stream stream;
	const pipewire_portal_events *events;
	void *data;
};

/* ---- probing, from init() ------------------------------------------------ */

static GVariant *get_property(GDBusConnection *bus, const char *name, GError **err)
{
	GVariant *reply = g_dbus_connection_call_sync(
		bus, PORTAL_NAME, PORTAL_PATH, "org.freedesktop.DBus.Properties", "Get",
		g_variant_new("(ss)", SCREENCAST, name), G_VARIANT_TYPE("(v)"),
		G_DBUS_CALL_FLAGS_NONE, PROBE_TIMEOUT_MS, NULL, err);
	GVariant *value = NULL;

	if (reply) {
		g_variant_get(reply, "(v)", &value);
		g_variant_unref(reply);
	}
	return value;
}

/* A connection of our own (not GLib's shared one), so that nothing else
 * in the process sees our subscriptions and closing it ends our session. */
static GDBusConnection *connect_bus(GError **err)
{
	char *address = g_dbus_address_get_for_bus_sync(G_BUS_TYPE_SESSION, NULL, err);
	GDBusConnection *bus = NULL;

	if (address)
		bus = g_dbus_connection_new_for_address_sync(
			address,
			G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
				G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
			NULL, NULL, err);
	g_free(address);
	return bus;
}

/* Without either, GLib would try to autolaunch a bus of its own. */
static bool session_bus_known(void)
{
	const char *address = g_getenv("DBUS_SESSION_BUS_ADDRESS");
	char *path = g_build_filename(g_get_user_runtime_dir(), "bus", NULL);
	bool known = (address && *address) || g_file_test(path, G_FILE_TEST_EXISTS);

	g_free(path);
	return known;
}

int pipewire_portal_probe(uint32_t *cursor_modes)
{
	/* A context of our own, so the connection's last events are dispatched
	 * here and not left on a default context nobody iterates. */
	GMainContext *context = g_main_context_new();
	GError *err = NULL;
	int ret = KYOYU_SKIP;

	g_main_context_push_thread_default(context);
	GDBusConnection *bus = session_bus_known() ? connect_bus(&err) : NULL;
	if (!bus) {
		if (!err)
			g_set_error_literal(&err, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
					    "DBUS_SESSION_BUS_ADDRESS is not set");
		kyoyu_info("no D-Bus session bus (%s); capture/pipewire asks the desktop "
			   "for the screen over it, so it does not apply here",
			   err->message);
		goto out_context;
	}
	GVariant *version = get_property(bus, "version", &err);
	if (!version || !g_variant_is_of_type(version, G_VARIANT_TYPE_UINT32)) {
		kyoyu_info("the desktop offers no ScreenCast portal (%s); capture/pipewire "
			   "needs xdg-desktop-portal with this desktop's back end "
			   "(xdg-desktop-portal-gnome, -kde or -wlr), so it does not apply "
			   "here", err ? err->message : "no version");
		goto out_version;
	}
	GVariant *modes = get_property(bus, "AvailableCursorModes", NULL);
	*cursor_modes = modes && g_variant_is_of_type(modes, G_VARIANT_TYPE_UINT32)
				? g_variant_get_uint32(modes)
				: 0;
	kyoyu_debug("ScreenCast portal version %u, cursor modes 0x%x",
		    g_variant_get_uint32(version), *cursor_modes);
	if (modes)
		g_variant_unref(modes);
	ret = KYOYU_OK;
out_version:
	if (version)
		g_variant_unref(version);
	g_dbus_connection_close_sync(bus, NULL, NULL);
	g_object_unref(bus);
out_context:
	g_clear_error(&err);
	while (g_main_context_iteration(context, FALSE))
		;
	g_main_context_pop_thread_default(context);
	g_main_context_unref(context);
	return ret;
}

/* ---- the end ------------------------------------------------------------- */

static void stop_waiting(pipewire_portal *p)
{
	if (p->response_sub)
		g_dbus_connection_signal_unsubscribe(p->bus, p->response_sub);
	p->response_sub = 0;
	g_clear_pointer(&p->request_path, g_free);
	if (p->timeout) {
		g_source_destroy(p->timeout);
		g_source_unref(p->timeout);
		p->timeout = NULL;
	}
}

/* Tells the capture once that it is over; DETAIL goes to the log. */
static void end(pipewire_portal *p, int error, const char *why, const char *detail)
{
	if (p->done)
		return;
	p->done = true;
	stop_waiting(p);
	if (detail)
		kyoyu_error("%s: %s", step_names[p->step], detail);
	p->events->ended(p->data, error, why);
}

static const char *response_meaning(uint32_t response)
{
	return response == 1 ? "the person cancelled it"
			     : "the desktop ended it (see its portal back end's log)";
}

/* ---- requests ------------------------------------------------------------ */

static void on_response(GDBusConnection *bus, const char *sender, const char *path,
			const char *iface, const char *signal, GVariant *params,
			gpointer data);

static gboolean on_step_timeout(gpointer data)
{
	pipewire_portal *p = data;
	char detail[96];

	snprintf(detail, sizeof(detail), "no answer in %d s", STEP_TIMEOUT_MS / 1000);
	end(p, -ETIMEDOUT, PIPEWIRE_SAY_SILENT, detail);
	return G_SOURCE_REMOVE;
}

/* Listens for the Response at PATH (replacing an earlier subscription). */
static void wait_at(pipewire_portal *p, const char *path)
{
	if (p->response_sub)
		g_dbus_connection_signal_unsubscribe(p->bus, p->response_sub);
	g_free(p->request_path);
	p->request_path = g_strdup(path);
	p->response_sub = g_dbus_connection_signal_subscribe(
		p->bus, PORTAL_NAME, "org.freedesktop.portal.Request", "Response", path,
		NULL, G_DBUS_SIGNAL_FLAGS_NONE, on_response, p, NULL);
}

static void on_request_sent(GObject *source, GAsyncResult *result, gpointer data)
{
	pipewire_portal *p = data;
	GError *err = NULL;
	GVariant *reply = g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), result,
							&err);

	p->pending--;
	if (!reply) {
		if (!p->done)
			end(p, -EIO, PIPEWIRE_SAY_NOT_STARTED, err->message);
		g_error_free(err);
		return;
	}
	const char *handle;
	g_variant_get(reply, "(&o)", &handle);
	/* Portals before 0.9 chose the path themselves. */
	if (!p->done && g_strcmp0(handle, p->request_path) != 0)
		wait_at(p, handle);
	g_variant_unref(reply);
}

/* Calls METHOD of the ScreenCast interface with OPTIONS (a{sv}, to which
 * the handle_token is added), after the session's path when there is a
 * session, and after an empty parent window for Start; then waits for the
 * Response, with TIMEOUT at most STEP_TIMEOUT_MS. */
static void request(pipewire_portal *p, portal_step step, GVariantBuilder *options,
		    bool timeout)
{
	const char *method = step_names[step];
	char token[32];

	p->step = step;
	snprintf(token, sizeof(token), "kyoyu%u", ++p->tokens);
	char *path = g_strdup_printf(PORTAL_PATH "/request/%s/%s", p->sender, token);
	g_variant_builder_add(options, "{sv}", "handle_token", g_variant_new_string(token));
	wait_at(p, path);
	g_free(path);
	if (timeout) {
		p->timeout = g_timeout_source_new(STEP_TIMEOUT_MS);
		g_source_set_callback(p->timeout, on_step_timeout, p, NULL);
		g_source_attach(p->timeout, p->context);
	}
	GVariant *args = step == STEP_CREATE_SESSION ? g_variant_new("(a{sv})", options)
			 : step == STEP_START
				 ? g_variant_new("(osa{sv})", p->session, "", options)
				 : g_variant_new("(oa{sv})", p->session, options);
	p->pending++;
	g_dbus_connection_call(p->bus, PORTAL_NAME, PORTAL_PATH, SCREENCAST, method, args,
			       G_VARIANT_TYPE("(o)"), G_DBUS_CALL_FLAGS_NONE, -1, p->cancel,
			       on_request_sent, p);
}

static void on_session_closed(GDBusConnection *bus, const char *sender, const char *path,
			      const char *iface, const char *signal, GVariant *params,
			      gpointer data)
{
	pipewire_portal *p = data;

	kyoyu_info("the desktop closed the screen-cast session");
	/* Closed by the desktop: nothing left for us to close. */
	g_clear_pointer(&p->session, g_free);
	end(p, -ECONNRESET, PIPEWIRE_SAY_STOPPED, NULL);
}

static void create_session(pipewire_portal *p)
{
	GVariantBuilder options;
	char token[32];

	snprintf(token, sizeof(token), "kyoyu%d", (int)getpid());
	g_variant_builder_init(&options, G_VARIANT_TYPE_VARDICT);
	g_variant_builder_add(&options, "{sv}", "session_handle_token",
			      g_variant_new_string(token));
	request(p, STEP_CREATE_SESSION, &options, true);
}

static void select_sources(pipewire_portal *p)
{
	GVariantBuilder options;

	g_variant_builder_init(&options, G_VARIANT_TYPE_VARDICT);
	g_variant_builder_add(&options, "{sv}", "types", g_variant_new_uint32(SOURCE_MONITOR));
	g_variant_builder_add(&options, "{sv}", "multiple", g_variant_new_boolean(FALSE));
	g_variant_builder_add(&options, "{sv}", "cursor_mode",
			      g_variant_new_uint32(p->cursor_mode));
	/* Each session is agreed to on its own: the desktop is not asked to
	 * remember the choice for later ones. */
	g_variant_builder_add(&options, "{sv}", "persist_mode",
			      g_variant_new_uint32(PERSIST_NONE));
	if (p->restore_token)
		g_variant_builder_add(&options, "{sv}", "restore_token",
				      g_variant_new_string(p->restore_token));
	request(p, STEP_SELECT_SOURCES, &options, true);
}

static void start(pipewire_portal *p)
{
	GVariantBuilder options;

	kyoyu_info("asking the desktop for the screen%s",
		   p->restore_token ? " with a stored permission"
				    : "; it may ask which screen to share");
	g_variant_builder_init(&options, G_VARIANT_TYPE_VARDICT);
	/* No time limit: the person may take a while to choose. */
	request(p, STEP_START, &options, false);
}

static void on_remote_opened(GObject *source, GAsyncResult *result, gpointer data)
{
	pipewire_portal *p = data;
	GUnixFDList *fds = NULL;
	GError *err = NULL;
	GVariant *reply = g_dbus_connection_call_with_unix_fd_list_finish(
		G_DBUS_CONNECTION(source), &fds, result, &err);
	int fd = -1;

	p->pending--;
	if (reply) {
		int32_t handle;
		g_variant_get(reply, "(h)", &handle);
		g_variant_unref(reply);
		fd = fds ? g_unix_fd_list_get(fds, handle, &err) : -1;
	}
	g_clear_object(&fds);
	if (p->done) {
		if (fd >= 0)
			close(fd);
	} else if (fd < 0) {
		end(p, -EIO, PIPEWIRE_SAY_NOT_STARTED, err ? err->message : "no descriptor");
	} else {
		p->step = STEP_SHARING;
		p->stream.fd = fd;
		p->events->started(p->data, &p->stream);
	}
	g_clear_error(&err);
}

static void open_remote(pipewire_portal *p)
{
	GVariantBuilder options;

	p->step = STEP_OPEN_REMOTE;
	g_variant_builder_init(&options, G_VARIANT_TYPE_VARDICT);
	p->pending++;
	g_dbus_connection_call_with_unix_fd_list(
		p->bus, PORTAL_NAME, PORTAL_PATH, SCREENCAST, "OpenPipeWireRemote",
		g_variant_new("(oa{sv})", p->session, &options), G_VARIANT_TYPE("(h)"),
		G_DBUS_CALL_FLAGS_NONE, -1, NULL, p->cancel, on_remote_opened, p);
}

/* Start's answer: the first stream's node and where its monitor lies. */
static bool read_streams(pipewire_portal *p, GVariant *results)
{
	GVariant *streams = g_variant_lookup_value(results, "streams",
						   G_VARIANT_TYPE("a(ua{sv})"));
	GVariant *props = NULL;
	int32_t a, b;

	if (!streams || g_variant_n_children(streams) == 0) {
		if (streams)
			g_variant_unref(streams);
		return false;
	}
	if (g_variant_n_children(streams) > 1)
		kyoyu_warn("the desktop shares %zu screens; kyoyu shows the first",
			   g_variant_n_children(streams));
	g_variant_get_child(streams, 0, "(u@a{sv})", &p->stream.node, &props);
	if (g_variant_lookup(props, "position", "(ii)", &a, &b)) {
		p->stream.x = a;
		p->stream.y = b;
	}
	if (g_variant_lookup(props, "size", "(ii)", &a, &b) && a > 0 && b > 0) {
		p->stream.width = (uint32_t)a;
		p->stream.height = (uint32_t)b;
	}
	g_variant_unref(props);
	g_variant_unref(streams);
	return true;
}

static void on_response(GDBusConnection *bus, const char *sender, const char *path,
			const char *iface, const char *signal, GVariant *params,
			gpointer data)
{
	pipewire_portal *p = data;
	GVariant *results;
	uint32_t response;
	char detail[160];

	if (p->done || !g_variant_is_of_type(params, G_VARIANT_TYPE("(ua{sv})")))
		return;
	stop_waiting(p);
	g_variant_get(params, "(u@a{sv})", &response, &results);
	if (response != 0) {
		snprintf(detail, sizeof(detail), "refused (response %u: %s)", response,
			 response_meaning(response));
		end(p, response == 1 ? -ECANCELED : -EPERM,
		    response == 1 ? PIPEWIRE_SAY_DECLINED : PIPEWIRE_SAY_NOT_STARTED, detail);
		goto out;
	}
	switch (p->step) {
	case STEP_CREATE_SESSION:
		if (!g_variant_lookup(results, "session_handle", "s", &p->session)) {
			end(p, -EPROTO, PIPEWIRE_SAY_NOT_STARTED, "answered without a session");
			break;
		}
		p->closed_sub = g_dbus_connection_signal_subscribe(
			p->bus, PORTAL_NAME, "org.freedesktop.portal.Session", "Closed",
			p->session, NULL, G_DBUS_SIGNAL_FLAGS_NONE, on_session_closed, p,
			NULL);
		select_sources(p);
		break;
	case STEP_SELECT_SOURCES:
		start(p);
		break;
	case STEP_START:
		if (!read_streams(p, results)) {
			end(p, -EPROTO, PIPEWIRE_SAY_NOT_STARTED, "answered without a stream");
			break;
		}
		kyoyu_info("the desktop shares a screen: PipeWire node %u, %ux%u at %+d%+d",
			   p->stream.node, p->stream.width, p->stream.height, p->stream.x,
			   p->stream.y);
		open_remote(p);
		break;
	default:
		break;
	}
out:
	g_variant_unref(results);
}

/* ---- life cycle ---------------------------------------------------------- */

pipewire_portal *pipewire_portal_new(uint32_t cursor_mode, const char *restore_token,
				     const pipewire_portal_events *events, void *data,
				     char *err, size_t errlen)
{
	pipewire_portal *p = g_new0(pipewire_portal, 1);
	GError *gerr = NULL;

	p->context = g_main_context_ref_thread_default();
	p->bus = connect_bus(&gerr);
	if (!p->bus) {
		kyoyu_error("cannot connect to the D-Bus session bus: %s", gerr->message);
		snprintf(err, errlen, "%s", PIPEWIRE_SAY_UNREACHABLE);
		g_error_free(gerr);
		g_main_context_unref(p->context);
		g_free(p);
		return NULL;
	}
	p->sender = g_strdup(g_dbus_connection_get_unique_name(p->bus) + 1);
	g_strdelimit(p->sender, ".", '_');
	p->cancel = g_cancellable_new();
	p->cursor_mode = cursor_mode;
	p->restore_token = g_strdup(restore_token);
	p->events = events;
	p->data = data;
	create_session(p);
	return p;
}

void pipewire_portal_free(pipewire_portal *p)
{
	if (!p)
		return;
	p->done = true;
	stop_waiting(p);
	if (p->closed_sub)
		g_dbus_connection_signal_unsubscribe(p->bus, p->closed_sub);
	g_cancellable_cancel(p->cancel);
	/* A cancelled call still calls back once, on this context. */
	while (p->pending)
		g_main_context_iteration(p->context, TRUE);
	if (p->session)
		/* No callback: sent without waiting for a reply. */
		g_dbus_connection_call(p->bus, PORTAL_NAME, p->session,
				       "org.freedesktop.portal.Session", "Close", NULL, NULL,
				       G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL, NULL);
	g_dbus_connection_flush_sync(p->bus, NULL, NULL);
	g_dbus_connection_close_sync(p->bus, NULL, NULL);
	g_object_unref(p->bus);
	g_object_unref(p->cancel);
	g_main_context_unref(p->context);
	g_free(p->sender);
	g_free(p->session);
	if (p->restore_token)
		memset(p->restore_token, 0, strlen(p->restore_token));
	g_free(p->restore_token);
	g_free(p);
}
