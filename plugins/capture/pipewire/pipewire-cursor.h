/* SPDX-License-Identifier: MIT */
/* capture/pipewire: the pointer from SPA_META_Cursor, as CURSOR messages.
 *
 * The desktop sends the pointer's shape once and again only when it
 * changes, so the last one is kept here to be sent on every start of
 * sharing.
 */
#ifndef KYOYU_CAPTURE_PIPEWIRE_CURSOR_H
#define KYOYU_CAPTURE_PIPEWIRE_CURSOR_H

#include <stdbool.h>
#include <stdint.h>

#include <kyoyu/kyoyu.h>

#include "pipewire-stream.h"

typedef struct pipewire_cursor {
	bool known;   /* a position came */
	bool visible;
	int32_t x, y; /* the hot spot */
	kyoyu_buffer *shape; /* BGRA, straight alpha; NULL: none yet */
	uint32_t width, height, hot_x, hot_y;
	uint32_t serial;    /* counts the shapes */
	bool shape_unsent;  /* the shape has not gone out since it changed */
	bool moved;         /* position or visibility not sent yet */
} pipewire_cursor;

/* Takes one buffer's pointer metadata. */
void pipewire_cursor_take(pipewire_cursor *cursor, const pipewire_cursor_meta *meta);

/* Everything is to be sent again (a start of sharing). */
void pipewire_cursor_resend(pipewire_cursor *cursor);

/* A CURSOR message with what has not been sent, or NULL when nothing is
 * owed (or memory ran out: it is owed again next time). */
kyoyu_msg *pipewire_cursor_message(pipewire_cursor *cursor);

void pipewire_cursor_release(pipewire_cursor *cursor);

#endif
