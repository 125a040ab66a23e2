/* SPDX-License-Identifier: MIT */
/* The fonts of the viewer's window, found through fontconfig: a sans-serif
 * face for the messages' language, and one for Japanese that draws every
 * character the first lacks (a customer's name in kanji in an English
 * window).  SDL_ttf draws one face at a time, so sdl-text.c splits text
 * into runs, each drawn with the first face that has its characters.
 * ui/sdl thread. */
#ifndef KYOYU_UI_SDL_FONTS_H
#define KYOYU_UI_SDL_FONTS_H

#include <SDL_ttf.h>

#define SDL_FONTS_MAX 2

typedef struct sdl_fonts {
	TTF_Font *face[SDL_FONTS_MAX]; /* first choice first */
	int n;
} sdl_fonts;

/* Opens the faces at SIZE points: the font file PATH when it is set (the
 * ui.font option), else fontconfig's first proportional sans-serif for
 * LANGUAGE ("ja", "en"); then fontconfig's Japanese face when it is
 * another file.  Returns 0, or
 * -ENOENT when no face opens (logged with what to install). */
int sdl_fonts_open(sdl_fonts *fonts, const char *path, const char *language, int size);

void sdl_fonts_close(sdl_fonts *fonts);

/* The face that draws the character CP: the first that has it, else the
 * first. */
TTF_Font *sdl_fonts_for(const sdl_fonts *fonts, uint32_t cp);

/* The tallest line of the faces, in pixels. */
int sdl_fonts_line_skip(const sdl_fonts *fonts);

#endif
