/* SPDX-License-Identifier: MIT */
/* ui/gtk: the customer's side of a session in one small window (GTK 4).
 *
 * The window asks for the code the support person reads out, then names
 * who asks to see the screen (and whether it is recorded) with Allow and
 * Decline: nothing is shared before Allow.  While the screen is shared it
 * gives way to a small bar above every window: who sees the screen, the
 * time left, Pause/Resume and Stop, and a banner when the time is nearly
 * up.  At the end it says why in plain words and stays until the customer
 * closes it (kyoyu_stage_stay_after_end).
 *
 * What to show for each thing the session says, and what the buttons
 * post, is the controller's (plugins/ui/common/customer-session.h), shared
 * with ui/win32; this file draws and runs GTK's main loop.
 *
 * Threads: GTK is initialised, used and torn down on the stage's thread
 * only; its main loop runs there (run()), with the inbox's descriptor as
 * one more GLib source.  init() only checks that there is a display.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>

#include <X11/Xlib.h>
#include <glib-unix.h>
#include <gtk/gtk.h>

#define KYOYU_LOG_COMPONENT "ui/gtk"
#include <kyoyu/kyoyu.h>

#include "customer-session.h"
#include "customer-words.h"
#include "gtk-bar.h"
#include "gtk-style.h"
#include "gtk-window.h"

typedef struct ui {
	const kyoyu_host *host;
	kyoyu_stage *stage;

	customer_session *session;
	ui_gtk_window *window;
	ui_gtk_bar *bar;
	guint inbox_source, second_source; /* GLib source ids, or 0 */
	bool quit;
} ui;

/* What the controller draws with: GTK's window and bar, no arrow (on
 * Linux the operator's arrow is ui/x11-overlay's). */
static const customer_view view = {
	.show_wait = ui_gtk_window_wait,
	.show_code_page = ui_gtk_window_ask_code,
	.show_question = ui_gtk_window_ask_consent,
	.show_end = ui_gtk_window_show_end,
	.hide_window = ui_gtk_window_hide,
	.show_bar = ui_gtk_bar_show,
	.hide_bar = ui_gtk_bar_hide,
	.bar_paused = ui_gtk_bar_set_paused,
	.bar_link_lost = ui_gtk_bar_set_link_lost,
	.bar_time_left = ui_gtk_bar_set_time_left,
	.bar_warn = ui_gtk_bar_warn,
	.bar_tell = ui_gtk_bar_tell,
};

/* ---- GLib sources -------------------------------------------------------- */

static gboolean on_inbox(gint fd, GIOCondition condition, gpointer data)
{
	ui *u = data;

	if (!customer_session_read_inbox(u->session, u->stage)) {
		u->quit = true; /* the agent stops this stage */
		u->inbox_source = 0;
		return G_SOURCE_REMOVE;
	}
	return G_SOURCE_CONTINUE;
}

static gboolean on_second(gpointer data)
{
	ui *u = data;

	customer_session_tick(u->session);
	return G_SOURCE_CONTINUE;
}

/* ---- the plugin ---------------------------------------------------------- */

static int ui_init(void *priv, const kyoyu_host *host)
{
	ui *u = priv;

	if (host->role != KYOYU_ROLE_SHARER)
		return KYOYU_SKIP; /* the operator has ui/sdl */
	/* A quick look from this thread; GTK itself starts on the stage's. */
	Display *dpy = XOpenDisplay(NULL);
	if (!dpy) {
		kyoyu_info("no X display for the window");
		return KYOYU_SKIP;
	}
	XCloseDisplay(dpy);
	u->host = host;
	return KYOYU_OK;
}

static int ui_start(void *priv, kyoyu_stage *stage)
{
	customer_session_listen(stage, &view);
	return 0;
}

static int start_gtk(ui *u)
{
	/* The bar's keep-above exists on X11 only. */
	gdk_set_allowed_backends("x11");
	/* The agent chose the locale before any stage ran; a stage thread must
	 * not change it under the others. */
	gtk_disable_setlocale();
	if (!gtk_init_check()) {
		kyoyu_error("GTK cannot open the display %s", g_getenv("DISPLAY"));
		return -ENODEV;
	}
	u->session = customer_session_new(u->host->bus, u->host->clock, &view);
	if (!u->session)
		return -ENOMEM;
	ui_gtk_style_install();
	u->window = ui_gtk_window_new(u->session);
	u->bar = ui_gtk_bar_new(u->session);
	if (!u->window || !u->bar)
		return -ENOMEM;
	customer_session_show_on(u->session, u->window, u->bar, NULL);
	return 0;
}

static int ui_run(void *priv, kyoyu_stage *stage)
{
	ui *u = priv;
	int fd = kyoyu_inbox_fd(kyoyu_stage_inbox(stage));

	if (fd < 0) {
		kyoyu_error("no file descriptor left to wait on the bus; raise the limit "
			    "(ulimit -n)");
		return -EMFILE;
	}
	GMainContext *context = g_main_context_default();
	if (!g_main_context_acquire(context)) {
		kyoyu_error("another thread of this process runs GLib's main loop: the "
			    "window cannot run beside it");
		return -EBUSY;
	}
	u->stage = stage;
	int ret = start_gtk(u);
	if (ret == 0) {
		u->inbox_source = g_unix_fd_add(fd, G_IO_IN, on_inbox, u);
		u->second_source = g_timeout_add_seconds(1, on_second, u);
		customer_session_begin(u->session);
	}
	while (ret == 0 && !u->quit && !customer_session_finished(u->session))
		g_main_context_iteration(context, TRUE);
	if (u->inbox_source)
		g_source_remove(u->inbox_source);
	if (u->second_source)
		g_source_remove(u->second_source);
	u->inbox_source = u->second_source = 0;
	ui_gtk_bar_free(u->bar);
	ui_gtk_window_free(u->window);
	customer_session_free(u->session);
	u->bar = NULL;
	u->window = NULL;
	u->session = NULL;
	/* Let GTK carry out the destruction before the thread goes. */
	while (g_main_context_pending(context))
		g_main_context_iteration(context, FALSE);
	g_main_context_release(context);
	return ret;
}

static const kyoyu_stage_ops ops = {
	.size = sizeof(kyoyu_stage_ops),
	.start = ui_start,
	.run = ui_run,
	.stop = NULL,
	.formats = NULL, /* it shows words, not pictures */
};

static const kyoyu_plugin_descriptor descriptor = {
	KYOYU_PLUGIN_HEADER,
	.kind = KYOYU_KIND_UI,
	.name = "gtk",
	.version = PACKAGE_VERSION,
	.license = "MIT",
	.description = "the customer's window: the code, Allow or Decline, a bar to pause "
		       "and stop",
	.priv_size = sizeof(ui),
	.options = NULL,
	.init = ui_init,
	.ops = &ops,
};

KYOYU_PLUGIN_DEFINE(kyoyu_ui_gtk, descriptor)
