/* SPDX-License-Identifier: MIT */
/* capture/pipewire: asking the desktop for the screen through
 * xdg-desktop-portal's ScreenCast interface (D-Bus).
 *
 * The handshake is CreateSession, SelectSources (one monitor, the pointer
 * as metadata, nothing remembered), Start (where the desktop asks the
 * person which screen to share, unless a restore token names an earlier
 * answer) and OpenPipeWireRemote, which hands over the PipeWire socket the
 * stream comes through.  Every step is asynchronous on the GMainContext
 * that is the thread default when pipewire_portal_new() runs: the stage's
 * own, which also serves the bus and PipeWire, so the stage keeps reading
 * its inbox while the person makes up their mind.  GDBus does the socket
 * I/O on its own worker thread; no callback runs there.
 */
#ifndef KYOYU_CAPTURE_PIPEWIRE_PORTAL_H
#define KYOYU_CAPTURE_PIPEWIRE_PORTAL_H

#include <stdbool.h>
#include <stdint.h>

/* The portal's cursor modes, a bit mask in AvailableCursorModes. */
#define PIPEWIRE_PORTAL_CURSOR_HIDDEN 1u
#define PIPEWIRE_PORTAL_CURSOR_EMBEDDED 2u
#define PIPEWIRE_PORTAL_CURSOR_METADATA 4u

typedef struct pipewire_portal pipewire_portal;

/* What Start and OpenPipeWireRemote gave. */
typedef struct pipewire_portal_stream {
	int fd;                 /* the PipeWire remote; the receiver owns it */
	uint32_t node;          /* the stream's PipeWire node */
	int32_t x, y;           /* the monitor's place in the desktop, if told */
	uint32_t width, height; /* its size in the desktop's units, 0 if not told */
} pipewire_portal_stream;

typedef struct pipewire_portal_events {
	/* The desktop shares: open the stream.  Called once. */
	void (*started)(void *data, const pipewire_portal_stream *stream);
	/* The handshake failed, or the desktop closed the session: WHY is a
	 * sentence for the person at the desktop.  Called at most once; no
	 * event follows. */
	void (*ended)(void *data, int error, const char *why);
} pipewire_portal_events;

/* Whether the session bus offers the ScreenCast portal: KYOYU_OK with the
 * cursor modes it offers, or KYOYU_SKIP (logged at info, with what is
 * missing).  Blocking, for init(). */
int pipewire_portal_probe(uint32_t *cursor_modes);

/* Connects to the session bus on the calling thread's default main context
 * and starts the handshake.  CURSOR_MODE is one of the modes offered;
 * RESTORE_TOKEN (or NULL) names a permission stored earlier, so the desktop
 * shares without asking.  Returns NULL with ERR filled (a sentence for the
 * person) when the bus cannot be reached. */
pipewire_portal *pipewire_portal_new(uint32_t cursor_mode, const char *restore_token,
				     const pipewire_portal_events *events, void *data,
				     char *err, size_t errlen);

/* Ends the screen cast (Session.Close) and frees everything; no event is
 * called from here on.  Calls still under way come back cancelled first:
 * this iterates the main context until they have, so free the context's
 * other sources before.  NULL is ignored. */
void pipewire_portal_free(pipewire_portal *portal);

#endif
