/* SPDX-License-Identifier: MIT */
/* ui/sdl's state, shared by its files: the window, what the bus said of the
 * session, the code, and the operator's arrow.  Private to the plugin. */
#ifndef KYOYU_SDL_UI_H
#define KYOYU_SDL_UI_H

#include <stdbool.h>
#include <stdint.h>

#include <SDL.h>

#include <kyoyu/kyoyu.h>

#include "sdl-console.h"
#include "sdl-fonts.h"
#include "sdl-screen.h"
#include "sdl-text.h"
#include "sdl-waker.h"

typedef struct sdl_ui {
	/* options */
	int width, height, font_size, pointer_hz;
	const char *font_path;

	kyoyu_bus *bus;
	const kyoyu_clock *clock;
	kyoyu_stage *stage; /* SDL is used on its thread only */
	kyoyu_inbox *inbox;
	SDL_Window *window;
	SDL_Renderer *renderer;
	sdl_fonts fonts, big_fonts;
	sdl_screen screen;
	sdl_text status, banner, notice;
	sdl_console panel;
	sdl_waker waker;
	bool dirty; /* the window needs drawing */
	int64_t drawn_second; /* of the session clock, for the time left */

	/* the session as the bus tells it */
	uint32_t state, reason, recording;
	int64_t ends_at_us;
	char peer[64 * 4 + 1]; /* 64 characters of UTF-8 */
	bool link_lost;
	kyoyu_stats_info stats;
	int recording_stopped; /* 0, or the errno that stopped the recording */
	/* The customer's PC could not keep up and the video went over to this
	 * codec (NOTICE CODEC_SWITCHED); said until switched_until_us. */
	char switched_to[16];
	int64_t switched_until_us; /* kyoyu_now_us() clock */

	/* the code to read out (never logged) */
	bool console; /* stay up across sessions */
	char code[16];
	int64_t code_expires_us; /* kyoyu_now_us() clock; 0: not said */
	uint32_t code_event;     /* the last kyoyu_code_event, 0 before any */

	/* how the last session ended, for the panel between sessions */
	bool had_session;
	uint32_t last_reason, last_recording;
	int last_recording_stopped;
	char last_peer[64 * 4 + 1];

	/* ending asks first: Esc, E or closing the window, then Enter or Y */
	bool confirming, quit_after_end;

	/* the operator's arrow */
	bool dragging, pointer_shown, pointer_pending;
	int32_t pointer_x, pointer_y;
	int64_t pointer_sent_us;
	bool end_requested;
} sdl_ui;

#endif
