/* SPDX-License-Identifier: MIT */
/* The shared screen as the viewer's window shows it: the picture in a
 * texture of the decoder's own pixel format (BGRX or I420, so no colour
 * conversion happens here), the sharer's cursor, and the rectangle the
 * picture is scaled into.  Everything here runs on the ui/sdl thread. */
#ifndef KYOYU_UI_SDL_SCREEN_H
#define KYOYU_UI_SDL_SCREEN_H

#include <stdbool.h>
#include <stdint.h>

#include <SDL.h>
#include <kyoyu/kyoyu.h>

typedef struct sdl_screen {
	SDL_Texture *picture;
	uint32_t format; /* kyoyu_pixfmt of the texture */
	uint32_t width, height;
	SDL_Rect fit; /* where the picture is drawn, aspect kept */

	SDL_Texture *cursor;
	uint32_t cursor_w, cursor_h, hot_x, hot_y;
	int32_t cursor_x, cursor_y; /* hot spot in shared-screen pixels */
	bool cursor_visible;
} sdl_screen;

/* Copies the damaged part of FRAME (a KYOYU_MSG_FRAME) into the picture,
 * making a new texture when the size or format changed.  Returns 0, or
 * -EINVAL for a frame that does not describe its buffer (it is ignored),
 * or -ENOMEM when SDL cannot make the texture. */
int sdl_screen_update(sdl_screen *screen, SDL_Renderer *renderer, const kyoyu_msg *frame);

/* Takes a CURSOR message: position, visibility and, when it carries one,
 * a new BGRA shape.  Returns 0 or -EINVAL for a shape that does not fit. */
int sdl_screen_set_cursor(sdl_screen *screen, SDL_Renderer *renderer,
			  const kyoyu_msg *cursor);

/* Fits the picture into the AREA of the window, keeping its aspect. */
void sdl_screen_layout(sdl_screen *screen, SDL_Rect area);

/* Draws the picture and the cursor; DIM darkens them (paused). */
void sdl_screen_draw(const sdl_screen *screen, SDL_Renderer *renderer, bool dim);

/* True when window pixel WX,WY lies on the picture. */
bool sdl_screen_contains(const sdl_screen *screen, int wx, int wy);

/* Maps window pixel WX,WY to shared-screen pixels, clamped to the picture
 * (a drag may leave it).  False, SX and SY untouched, without a picture. */
bool sdl_screen_to_shared(const sdl_screen *screen, int wx, int wy, int32_t *sx,
			  int32_t *sy);

void sdl_screen_clear(sdl_screen *screen);

#endif
