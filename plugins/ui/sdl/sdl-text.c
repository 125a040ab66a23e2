/* SPDX-License-Identifier: MIT */
/* Lines of text kept as textures, each run in the face that draws it. */
#include "config.h"

#include <string.h>

#define KYOYU_LOG_COMPONENT "ui/sdl"
#include <kyoyu/kyoyu.h>

#include "../../common/utf8-text.h"
#include "sdl-text.h"

#define MAX_RUNS 32

typedef struct run {
	TTF_Font *face;
	SDL_Surface *surface;
} run;

/* Renders the runs of WORDS into RUNS; returns how many.  A line with more
 * changes of face than MAX_RUNS draws the rest in the last run's face. */
static int render_runs(const sdl_text *t, const char *words, run *runs)
{
	char piece[SDL_TEXT_MAX];
	size_t n = strlen(words);
	int count = 0;

	for (size_t i = 0; i < n && count < MAX_RUNS;) {
		uint32_t cp;
		size_t k = utf8_text_decode(words + i, n - i, &cp);
		TTF_Font *face = sdl_fonts_for(t->fonts, k ? cp : '?');
		size_t end = i + (k ? k : 1);
		/* The run goes on while the same face draws the next character. */
		while (end < n) {
			size_t m = utf8_text_decode(words + end, n - end, &cp);
			if ((sdl_fonts_for(t->fonts, m ? cp : '?') != face && count + 1 < MAX_RUNS))
				break;
			end += m ? m : 1;
		}
		memcpy(piece, words + i, end - i);
		piece[end - i] = '\0';
		SDL_Surface *s = TTF_RenderUTF8_Blended(face, piece, t->color);
		if (!s) {
			kyoyu_warn("cannot draw text: %s", TTF_GetError());
		} else {
			runs[count].face = face;
			runs[count++].surface = s;
		}
		i = end;
	}
	return count;
}

/* The runs side by side on one baseline, in one surface. */
static SDL_Surface *join_runs(run *runs, int count)
{
	int width = 0, ascent = 0, height = 0;

	for (int i = 0; i < count; i++) {
		width += runs[i].surface->w;
		if (TTF_FontAscent(runs[i].face) > ascent)
			ascent = TTF_FontAscent(runs[i].face);
	}
	for (int i = 0; i < count; i++) {
		int bottom = ascent - TTF_FontAscent(runs[i].face) + runs[i].surface->h;
		height = bottom > height ? bottom : height;
	}
	SDL_Surface *line = SDL_CreateRGBSurfaceWithFormat(0, width, height, 32,
							   SDL_PIXELFORMAT_ARGB8888);
	if (!line)
		return NULL;
	SDL_FillRect(line, NULL, SDL_MapRGBA(line->format, 0, 0, 0, 0));
	int x = 0;
	for (int i = 0; i < count; i++) {
		SDL_Rect at = {x, ascent - TTF_FontAscent(runs[i].face), 0, 0};
		/* Copied as they are, alpha included: the line is blended once,
		 * when its texture is drawn. */
		SDL_SetSurfaceBlendMode(runs[i].surface, SDL_BLENDMODE_NONE);
		SDL_BlitSurface(runs[i].surface, NULL, line, &at);
		x += runs[i].surface->w;
	}
	return line;
}

bool sdl_text_set(sdl_text *t, SDL_Renderer *r, const char *words)
{
	run runs[MAX_RUNS];

	if (t->valid && strcmp(t->words, words) == 0)
		return false;
	utf8_text_sanitize(t->words, sizeof(t->words), words, strlen(words));
	if (t->texture)
		SDL_DestroyTexture(t->texture);
	t->texture = NULL;
	t->w = t->h = 0;
	t->valid = true;
	if (!t->fonts || !t->fonts->n || !*t->words)
		return true;
	int count = render_runs(t, t->words, runs);
	if (count == 0)
		return true;
	SDL_Surface *line = count == 1 ? runs[0].surface : join_runs(runs, count);
	if (line) {
		t->texture = SDL_CreateTextureFromSurface(r, line);
		t->w = line->w;
		t->h = line->h;
	}
	if (line && count != 1)
		SDL_FreeSurface(line);
	for (int i = 0; i < count; i++)
		SDL_FreeSurface(runs[i].surface);
	return true;
}

void sdl_text_draw(const sdl_text *t, SDL_Renderer *r, int x, int y)
{
	if (!t->texture)
		return;
	SDL_Rect dst = {x, y, t->w, t->h};
	SDL_RenderCopy(r, t->texture, NULL, &dst);
}

void sdl_text_clear(sdl_text *t)
{
	if (t->texture)
		SDL_DestroyTexture(t->texture);
	t->texture = NULL;
	t->words[0] = '\0';
	t->w = t->h = 0;
	t->valid = false;
}
