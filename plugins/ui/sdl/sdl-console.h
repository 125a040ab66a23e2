/* SPDX-License-Identifier: MIT */
/* The operator's console in the viewer's window: between two customers,
 * the code to read out (large), how long it still works, a New code button
 * and how the last session ended; during a session, the question that
 * confirms ending it.  It draws and answers where a click landed; ui-sdl.c
 * keeps the state and acts.  ui/sdl thread. */
#ifndef KYOYU_UI_SDL_CONSOLE_H
#define KYOYU_UI_SDL_CONSOLE_H

#include <stdbool.h>
#include <stdint.h>

#include <SDL.h>

#include "sdl-fonts.h"
#include "sdl-text.h"

typedef struct sdl_console {
	sdl_fonts huge; /* the code's size */
	sdl_text title, code, expiry, button, hint, last;
	sdl_text question, yes, no;
	SDL_Rect button_box, code_box, yes_box, no_box;
} sdl_console;

/* What the panel between sessions says; texts in the reader's language. */
typedef struct sdl_console_view {
	const char *title, *button, *hint; /* the panel's fixed words */
	const char *code;    /* "123-456-789", or "" while none is live */
	const char *expiry;  /* how long it works, or why there is none */
	bool warn;           /* EXPIRY is bad news (expired, attacked) */
	const char *last;    /* how the last session ended, or "" */
} sdl_console_view;

/* Opens the code's font (4× SIZE) and prepares the texts drawn with
 * NORMAL and BIG, which stay the caller's.  Returns 0 or -ENOENT. */
int sdl_console_open(sdl_console *console, const sdl_fonts *normal, const sdl_fonts *big,
		     const char *font_path, const char *language, int size);
void sdl_console_close(sdl_console *console);

/* The panel between sessions, centred in AREA. */
void sdl_console_draw_waiting(sdl_console *console, SDL_Renderer *renderer,
			      const sdl_console_view *view, SDL_Rect area);

/* The question before a session ends, over the picture in AREA: QUESTION,
 * and two buttons, YES (ends it) and NO (goes back). */
void sdl_console_draw_confirm(sdl_console *console, SDL_Renderer *renderer,
			      const char *question, const char *yes, const char *no,
			      SDL_Rect area);

typedef enum sdl_console_hit {
	SDL_CONSOLE_HIT_NONE,
	SDL_CONSOLE_HIT_NEW_CODE,
	SDL_CONSOLE_HIT_CODE,
	SDL_CONSOLE_HIT_YES,
	SDL_CONSOLE_HIT_NO,
} sdl_console_hit;

/* What was drawn last at window pixel X,Y; CONFIRMING picks the panel. */
sdl_console_hit sdl_console_hit_test(const sdl_console *console, bool confirming, int x,
				     int y);

#endif
