/* Lines of text kept as textures. */
#include "config.h"

#include <string.h>

#define KYOYU_LOG_COMPONENT "ui/sdl"
#include <kyoyu/kyoyu.h>

#include "sdl-text.h"

bool sdl_text_set(sdl_text *t, SDL_Renderer *r, const char *words)
{
	if (t->valid && strcmp(t->words, words) == 0)
		return false;
	snprintf(t->words, sizeof(t->words), "%s", words);
	if (t->texture)
		SDL_DestroyTexture(t->texture);
	t->texture = NULL;
	t->w = t->h = 0;
	t->valid = true;
	if (!t->font || !*words)
		return true;
	SDL_Surface *surface = TTF_RenderUTF8_Blended(t->font, words, t->color);
	if (!surface) {
		kyoyu_warn("cannot draw text: %s", TTF_GetError());
		return true;
	}
	t->texture = SDL_CreateTextureFromSurface(r, surface);
	t->w = surface->w;
	t->h = surface->h;
	SDL_FreeSurface(surface);
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
