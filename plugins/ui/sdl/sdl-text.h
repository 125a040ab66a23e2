/* SPDX-License-Identifier: MIT */
/* Text for the viewer's window (SDL2_ttf): a line of text kept as a
 * texture, rendered again only when its words change.  A line may mix
 * scripts (an English status line with a Japanese name): each run of
 * characters is drawn with the first face of the fonts that has them, on
 * one baseline.  ui/sdl thread. */
#ifndef KYOYU_UI_SDL_TEXT_H
#define KYOYU_UI_SDL_TEXT_H

#include <stdbool.h>

#include <SDL.h>
#include <SDL_ttf.h>

#include "sdl-fonts.h"

#define SDL_TEXT_MAX 512 /* bytes of UTF-8, cut on a character boundary */

typedef struct sdl_text {
	const sdl_fonts *fonts; /* not owned */
	SDL_Color color;
	char words[SDL_TEXT_MAX];
	SDL_Texture *texture;
	int w, h;
	bool valid; /* texture matches words */
} sdl_text;

/* Sets the words (UTF-8) shown; the texture is made again only when they
 * changed.  Returns true when they changed. */
bool sdl_text_set(sdl_text *text, SDL_Renderer *renderer, const char *words);

/* Draws the text with its top-left corner at X,Y. */
void sdl_text_draw(const sdl_text *text, SDL_Renderer *renderer, int x, int y);

void sdl_text_clear(sdl_text *text);

#endif
