/* SPDX-License-Identifier: MIT */
/* What ui/sdl's window says: the status line, the banner, the end, and the
 * code panel between sessions, from the state in sdl-ui.h. */
#ifndef KYOYU_SDL_WORDS_H
#define KYOYU_SDL_WORDS_H

#include <stdbool.h>
#include <stddef.h>

#include "sdl-ui.h"

/* No customer is connected: the window shows the code to read out. */
bool sdl_words_waiting(const sdl_ui *ui);

/* The status line: customer, state, recording, time left, rate, help. */
void sdl_words_status(const sdl_ui *ui, char *buf, size_t len);

/* The banner over the picture while there is nothing to show ("" none). */
const char *sdl_words_banner(const sdl_ui *ui);

/* Why the session ended, as the end of "The session has ended: %s." */
const char *sdl_words_end(const sdl_ui *ui);

/* Why the recording stopped (ERROR an errno), as the end of a sentence. */
const char *sdl_words_recording_stopped(int error);

/* How long the code still works, or why there is none; *WARN when that is
 * bad news. */
void sdl_words_code(const sdl_ui *ui, char *buf, size_t len, bool *warn);

/* How the last session ended, for the panel between sessions ("" none). */
void sdl_words_last(const sdl_ui *ui, char *buf, size_t len);

#endif
