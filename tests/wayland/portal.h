/* SPDX-License-Identifier: MIT */
/* The ScreenCast portal handshake (org.freedesktop.portal.ScreenCast):
 * CreateSession, SelectSources, Start, OpenPipeWireRemote, as a client
 * that is not sandboxed sees it.  Blocking calls on the GLib main context of
 * the calling thread; each waits for the portal's Request.Response signal. */
#ifndef KYOYU_TESTS_WAYLAND_PORTAL_H
#define KYOYU_TESTS_WAYLAND_PORTAL_H

#include <stdint.h>

#include <gio/gio.h>

/* The portal's cursor modes (a bit mask in AvailableCursorModes). */
enum {
	PORTAL_CURSOR_HIDDEN = 1,
	PORTAL_CURSOR_EMBEDDED = 2,
	PORTAL_CURSOR_METADATA = 4,
};

typedef struct portal_screencast {
	GDBusConnection *bus;
	char *session;          /* the session's object path */
	uint32_t node;          /* the PipeWire node of the first stream */
	int width, height;      /* the stream's "size", 0 when not given */
	int pw_fd;              /* from OpenPipeWireRemote; owned, -1 when closed */
	uint32_t cursor_modes;  /* AvailableCursorModes */
	uint32_t source_types;  /* AvailableSourceTypes */
	uint32_t version;       /* the interface's version property */
	char *restore_token;    /* a new token from Start, or NULL */
} portal_screencast;

/* Connects to the session bus and reads the portal's ScreenCast
 * properties.  Returns 0, or -1 with a message a person can act on in
 * *ERROR (free with g_free); call portal_screencast_close either way. */
int portal_screencast_connect(portal_screencast *sc, char **error);

/* Runs the handshake for one monitor with CURSOR_MODE (0: the portal's
 * default), each step waiting up to TIMEOUT_MS.  RESTORE_TOKEN (or NULL)
 * names an earlier permission, so that the desktop shares without asking;
 * PERSIST_MODE (0 none, 1 while we run, 2 until revoked) asks for a new
 * one, which Start returns in SC->restore_token.  Fills the session, node,
 * size and fd of SC and returns 0, or returns -1 with *ERROR set. */
int portal_screencast_start(portal_screencast *sc, uint32_t cursor_mode,
			    const char *restore_token, uint32_t persist_mode,
			    int timeout_ms, char **error);

/* Calls Session.Close, closes the PipeWire fd, frees the strings. */
void portal_screencast_close(portal_screencast *sc);

#endif
