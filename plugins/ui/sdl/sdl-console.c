/* SPDX-License-Identifier: MIT */
/* The operator's console panels: the code between sessions, the question
 * before one ends. */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "sdl-console.h"

#define GAP 14
#define BUTTON_PAD 12

int sdl_console_open(sdl_console *c, const sdl_fonts *normal, const sdl_fonts *big,
		     const char *font_path, const char *language, int size)
{
	static const SDL_Color white = {255, 255, 255, 255}, grey = {190, 190, 196, 255};

	if (sdl_fonts_open(&c->huge, font_path, language, size * 4))
		return -ENOENT;
	c->title = (sdl_text){.fonts = big, .color = grey};
	c->code = (sdl_text){.fonts = &c->huge, .color = white};
	c->expiry = (sdl_text){.fonts = normal, .color = grey};
	c->button = (sdl_text){.fonts = big, .color = white};
	c->hint = (sdl_text){.fonts = normal, .color = grey};
	c->last = (sdl_text){.fonts = normal, .color = white};
	c->question = (sdl_text){.fonts = big, .color = white};
	c->yes = (sdl_text){.fonts = big, .color = white};
	c->no = (sdl_text){.fonts = big, .color = white};
	return 0;
}

void sdl_console_close(sdl_console *c)
{
	sdl_text *texts[] = {&c->title, &c->code, &c->expiry, &c->button, &c->hint,
			     &c->last, &c->question, &c->yes, &c->no};

	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		sdl_text_clear(texts[i]);
	sdl_fonts_close(&c->huge);
}

/* Draws TEXT centred on X at Y (when it has words); returns its height. */
static int centred(sdl_text *text, SDL_Renderer *r, int x, int y)
{
	if (!text->texture)
		return 0;
	sdl_text_draw(text, r, x - text->w / 2, y);
	return text->h;
}

/* A filled button around TEXT centred on X at Y; returns its box. */
static SDL_Rect button(sdl_text *text, SDL_Renderer *r, int x, int y, SDL_Color fill)
{
	SDL_Rect box = {x - text->w / 2 - BUTTON_PAD, y, text->w + 2 * BUTTON_PAD,
			text->h + BUTTON_PAD};

	SDL_SetRenderDrawColor(r, fill.r, fill.g, fill.b, 255);
	SDL_RenderFillRect(r, &box);
	SDL_SetRenderDrawColor(r, 235, 235, 235, 255);
	SDL_RenderDrawRect(r, &box);
	sdl_text_draw(text, r, box.x + BUTTON_PAD, y + BUTTON_PAD / 2);
	return box;
}

void sdl_console_draw_waiting(sdl_console *c, SDL_Renderer *r, const sdl_console_view *v,
			      SDL_Rect area)
{
	SDL_Color color = v->warn ? (SDL_Color){255, 190, 60, 255}
				  : (SDL_Color){190, 190, 196, 255};
	if (memcmp(&color, &c->expiry.color, sizeof(color)) != 0) {
		c->expiry.color = color;
		c->expiry.valid = false; /* drawn again in the new colour */
	}
	sdl_text_set(&c->title, r, v->title);
	sdl_text_set(&c->button, r, v->button);
	sdl_text_set(&c->hint, r, v->hint);
	sdl_text_set(&c->code, r, v->code[0] ? v->code : "– – –");
	sdl_text_set(&c->expiry, r, v->expiry);
	sdl_text_set(&c->last, r, v->last);

	int height = c->title.h + c->code.h + c->expiry.h + c->button.h + BUTTON_PAD +
		     c->hint.h + c->last.h + 6 * GAP;
	int x = area.x + area.w / 2;
	int y = area.y + (area.h - height) / 2;
	y += centred(&c->title, r, x, y) + GAP;
	c->code_box = (SDL_Rect){x - c->code.w / 2, y, c->code.w, c->code.h};
	y += centred(&c->code, r, x, y) + GAP;
	y += centred(&c->expiry, r, x, y) + GAP;
	c->button_box = button(&c->button, r, x, y, (SDL_Color){40, 90, 160, 255});
	y += c->button_box.h + GAP;
	y += centred(&c->hint, r, x, y) + 2 * GAP;
	if (v->last[0]) {
		SDL_Rect rule = {x - 200, y - GAP, 400, 1};
		SDL_SetRenderDrawColor(r, 90, 90, 100, 255);
		SDL_RenderFillRect(r, &rule);
		centred(&c->last, r, x, y);
	}
}

void sdl_console_draw_confirm(sdl_console *c, SDL_Renderer *r, const char *question,
			      const char *yes, const char *no, SDL_Rect area)
{
	sdl_text_set(&c->question, r, question);
	sdl_text_set(&c->yes, r, yes);
	sdl_text_set(&c->no, r, no);
	int bw = c->yes.w + c->no.w + 4 * BUTTON_PAD + 3 * GAP;
	int w = (c->question.w > bw ? c->question.w : bw) + 4 * GAP;
	int h = c->question.h + c->yes.h + BUTTON_PAD + 5 * GAP;
	SDL_Rect box = {area.x + (area.w - w) / 2, area.y + (area.h - h) / 2, w, h};
	SDL_SetRenderDrawColor(r, 60, 60, 70, 255);
	SDL_RenderFillRect(r, &box);
	SDL_SetRenderDrawColor(r, 200, 120, 0, 255);
	SDL_RenderDrawRect(r, &box);
	int x = box.x + w / 2, y = box.y + 2 * GAP;
	y += centred(&c->question, r, x, y) + 2 * GAP;
	int left = x - bw / 2 + GAP;
	c->yes_box = button(&c->yes, r, left + c->yes.w / 2 + BUTTON_PAD, y,
			    (SDL_Color){170, 40, 40, 255});
	c->no_box = button(&c->no, r, c->yes_box.x + c->yes_box.w + GAP + c->no.w / 2 +
				       BUTTON_PAD, y, (SDL_Color){70, 70, 80, 255});
}

static bool inside(SDL_Rect box, int x, int y)
{
	SDL_Point p = {x, y};

	return box.w > 0 && SDL_PointInRect(&p, &box);
}

sdl_console_hit sdl_console_hit_test(const sdl_console *c, bool confirming, int x, int y)
{
	if (confirming)
		return inside(c->yes_box, x, y)  ? SDL_CONSOLE_HIT_YES
		       : inside(c->no_box, x, y) ? SDL_CONSOLE_HIT_NO
						 : SDL_CONSOLE_HIT_NONE;
	return inside(c->button_box, x, y) ? SDL_CONSOLE_HIT_NEW_CODE
	       : inside(c->code_box, x, y) ? SDL_CONSOLE_HIT_CODE
					   : SDL_CONSOLE_HIT_NONE;
}
