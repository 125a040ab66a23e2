/* SPDX-License-Identifier: MIT */
/* ui/win32: the customer's side of a session on Windows, in native Win32
 * windows, as ui/gtk is on Linux: a small window asks for the code the
 * support person reads out, then names who asks to see the screen (and
 * whether it is recorded) with Allow and Decline: nothing is shared before
 * Allow.  While the screen is shared a small bar stays above every window:
 * who sees the screen, the time left, Pause/Resume and Stop, and a banner
 * when the time is nearly up.  At the end the window says why in plain
 * words and stays until the customer closes it (kyoyu_stage_stay_after_end).
 * The operator's arrow is drawn here too (win32-arrow.h): on Windows one
 * plugin is the whole of the customer's screen.
 *
 * Every word comes from plugins/ui/common/customer-words.h, shared with
 * ui/gtk, through gettext (po/); what to show for each thing the session
 * says, and what the buttons post, is the controller's
 * (plugins/ui/common/customer-session.h), shared with ui/gtk too.  This
 * file draws and runs the windows' message loop.
 *
 * Threads: the windows are made, used and destroyed on the stage's thread,
 * whose message loop also waits for the inbox: its socket signals an event
 * (WSAEventSelect) that MsgWaitForMultipleObjectsEx waits on beside the
 * window messages.  init() only checks the role.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>

/* Winsock 2 before windows.h, which would bring the old winsock.h. */
#include <winsock2.h>

#include <windows.h>

#define KYOYU_LOG_COMPONENT "ui/win32"
#include <kyoyu/kyoyu.h>

#include "customer-session.h"
#include "customer-words.h"
#include "win32-arrow.h"
#include "win32-bar.h"
#include "win32-window.h"

typedef struct ui {
	const kyoyu_host *host;

	customer_session *session;
	ui_win32_window *window;
	ui_win32_bar *bar;
	ui_win32_arrow *arrow;
	bool quit;
} ui;

/* What the controller draws with: the window, the bar and the operator's
 * arrow (on Windows one plugin is the whole of the customer's screen). */
static const customer_view view = {
	.show_wait = ui_win32_window_wait,
	.show_code_page = ui_win32_window_ask_code,
	.show_question = ui_win32_window_ask_consent,
	.show_end = ui_win32_window_show_end,
	.hide_window = ui_win32_window_hide,
	.show_bar = ui_win32_bar_show,
	.hide_bar = ui_win32_bar_hide,
	.bar_paused = ui_win32_bar_set_paused,
	.bar_link_lost = ui_win32_bar_set_link_lost,
	.bar_time_left = ui_win32_bar_set_time_left,
	.bar_warn = ui_win32_bar_warn,
	.bar_tell = ui_win32_bar_tell,
	.show_arrow = ui_win32_arrow_show_at,
	.hide_arrow = ui_win32_arrow_hide,
};

/* ---- the plugin ---------------------------------------------------------- */

static int ui_init(void *priv, const kyoyu_host *host)
{
	ui *u = priv;

	if (host->role != KYOYU_ROLE_SHARER)
		return KYOYU_SKIP; /* the operator's window is on Linux (ui/sdl) */
	u->host = host;
	return KYOYU_OK;
}

static int ui_start(void *priv, kyoyu_stage *stage)
{
	customer_session_listen(stage, &view);
	return 0;
}

static int make_windows(ui *u)
{
	/* Sizes in real pixels on a scaled screen, and the arrow placed in the
	 * same pixels capture/gdi sends. */
	SetThreadDpiAwarenessContext(DPI_AWARENESS_CONTEXT_PER_MONITOR_AWARE_V2);
	u->session = customer_session_new(u->host->bus, u->host->clock, &view);
	if (!u->session)
		return -ENOMEM;
	const char *language = customer_session_language(u->session);
	u->window = ui_win32_window_new(u->session, language);
	u->bar = ui_win32_bar_new(u->session, language);
	if (!u->window || !u->bar) {
		kyoyu_error("Windows would not make the customer's window (error %lu)",
			    (unsigned long)GetLastError());
		return -ENOMEM;
	}
	/* The arrow is a help, not a condition of sharing. */
	u->arrow = ui_win32_arrow_new();
	if (!u->arrow)
		kyoyu_warn("Windows would not make the operator's arrow (error %lu): the "
			   "customer will not see where the operator points",
			   (unsigned long)GetLastError());
	customer_session_show_on(u->session, u->window, u->bar, u->arrow);
	return 0;
}

/* Window messages, with the window's dialog keys: Tab between the
 * controls, Enter for Connect, Alt and a button's letter. */
static void read_window_messages(ui *u)
{
	MSG m;

	while (PeekMessageW(&m, NULL, 0, 0, PM_REMOVE)) {
		if (m.message == WM_QUIT) {
			u->quit = true;
			continue;
		}
		if (IsDialogMessageW(ui_win32_window_handle(u->window), &m))
			continue;
		TranslateMessage(&m);
		DispatchMessageW(&m);
	}
}

static int ui_run(void *priv, kyoyu_stage *stage)
{
	ui *u = priv;
	int fd = kyoyu_inbox_fd(kyoyu_stage_inbox(stage));

	if (fd < 0) {
		kyoyu_error("no socket left to wait on the bus");
		return -EMFILE;
	}
	HANDLE inbox_event = CreateEventW(NULL, FALSE, FALSE, NULL);
	if (!inbox_event || WSAEventSelect((SOCKET)fd, inbox_event, FD_READ) != 0) {
		kyoyu_error("cannot wait on the bus and the windows together (error %d)",
			    WSAGetLastError());
		if (inbox_event)
			CloseHandle(inbox_event);
		return -EIO;
	}
	int ret = make_windows(u);
	if (ret == 0)
		customer_session_begin(u->session);
	ULONGLONG next_second = GetTickCount64() + 1000;
	/* The event may have been set before WSAEventSelect: read once first. */
	bool running = ret == 0 && customer_session_read_inbox(u->session, stage);
	while (running && !u->quit && !customer_session_finished(u->session)) {
		ULONGLONG now = GetTickCount64();
		DWORD wait = now >= next_second ? 0 : (DWORD)(next_second - now);
		DWORD woke = MsgWaitForMultipleObjectsEx(1, &inbox_event, wait, QS_ALLINPUT,
							 MWMO_INPUTAVAILABLE);
		if (woke == WAIT_OBJECT_0)
			running = customer_session_read_inbox(u->session, stage);
		read_window_messages(u);
		if (GetTickCount64() >= next_second) {
			next_second += 1000;
			customer_session_tick(u->session);
		}
	}
	WSAEventSelect((SOCKET)fd, NULL, 0);
	CloseHandle(inbox_event);
	ui_win32_arrow_free(u->arrow);
	ui_win32_bar_free(u->bar);
	ui_win32_window_free(u->window);
	customer_session_free(u->session);
	u->arrow = NULL;
	u->bar = NULL;
	u->window = NULL;
	u->session = NULL;
	return ret;
}

static const kyoyu_stage_ops ops = {
	.size = sizeof(kyoyu_stage_ops),
	.start = ui_start,
	.run = ui_run,
	.stop = NULL,
	.formats = NULL, /* it shows words and an arrow, not pictures */
};

static const kyoyu_plugin_descriptor descriptor = {
	KYOYU_PLUGIN_HEADER,
	.kind = KYOYU_KIND_UI,
	.name = "win32",
	.version = PACKAGE_VERSION,
	.license = "MIT",
	.description = "the customer's window on Windows: the code, Allow or Decline, a bar "
		       "to pause and stop, the operator's arrow",
	.priv_size = sizeof(ui),
	.options = NULL,
	.init = ui_init,
	.ops = &ops,
};

KYOYU_PLUGIN_DEFINE(kyoyu_ui_win32, descriptor)
