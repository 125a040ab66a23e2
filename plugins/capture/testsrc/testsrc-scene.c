/* SPDX-License-Identifier: MIT */
/* The synthetic desktop: a browser window that scrolls, a terminal that is
 * typed into, and a pointer, on a 10-second cycle with idle stretches. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "testsrc-scene.h"

#define LINE_HEIGHT 18
#define GLYPH_W 6
#define GLYPH_H 9
#define TITLE_H 24

typedef struct rect {
	int32_t x, y, w, h;
} rect;

static uint32_t hash32(uint32_t x)
{
	x ^= x >> 16;
	x *= 0x7feb352dU;
	x ^= x >> 15;
	x *= 0x846ca68bU;
	x ^= x >> 16;
	return x;
}

static rect browser_window(const testsrc_scene *s)
{
	return (rect){(int32_t)(s->width / 20), (int32_t)(s->height / 16),
		      (int32_t)(s->width * 6 / 10), (int32_t)(s->height * 8 / 10)};
}

static rect terminal_window(const testsrc_scene *s)
{
	return (rect){(int32_t)(s->width * 68 / 100), (int32_t)(s->height * 3 / 10),
		      (int32_t)(s->width * 28 / 100), (int32_t)(s->height * 4 / 10)};
}

static rect content_of(rect win)
{
	return (rect){win.x + 1, win.y + TITLE_H, win.w - 2, win.h - TITLE_H - 1};
}

/* Clips R to the canvas. */
static rect clip(const testsrc_scene *s, rect r)
{
	int32_t x1 = r.x + r.w, y1 = r.y + r.h;
	if (r.x < 0)
		r.x = 0;
	if (r.y < 0)
		r.y = 0;
	if (x1 > (int32_t)s->width)
		x1 = (int32_t)s->width;
	if (y1 > (int32_t)s->height)
		y1 = (int32_t)s->height;
	r.w = x1 > r.x ? x1 - r.x : 0;
	r.h = y1 > r.y ? y1 - r.y : 0;
	return r;
}

static void fill(testsrc_scene *s, rect r, uint32_t bgrx)
{
	r = clip(s, r);
	for (int32_t y = r.y; y < r.y + r.h; y++) {
		uint32_t *row = (uint32_t *)(s->canvas + (size_t)y * s->width * 4);
		for (int32_t x = r.x; x < r.x + r.w; x++)
			row[x] = bgrx;
	}
}

/* A letter-like 5×7 glyph for CODE, drawn inside LIMIT only. */
static void glyph(testsrc_scene *s, int32_t x, int32_t y, uint32_t code,
		  uint32_t bgrx, rect limit)
{
	uint32_t bits = hash32(code * 2654435761U + 17);
	limit = clip(s, limit);
	for (int32_t gy = 0; gy < 7; gy++) {
		for (int32_t gx = 0; gx < 5; gx++) {
			/* Mirror-symmetric strokes read more like type than noise. */
			int32_t bx = gx < 3 ? gx : 4 - gx;
			if (!((bits >> (gy * 3 + bx)) & 1))
				continue;
			int32_t px = x + gx, py = y + gy;
			if (px < limit.x || py < limit.y || px >= limit.x + limit.w ||
			    py >= limit.y + limit.h)
				continue;
			((uint32_t *)(s->canvas + (size_t)py * s->width * 4))[px] = bgrx;
		}
	}
}

/* The characters of line LINE of the browser page: words of 2–9 letters. */
static void text_line(testsrc_scene *s, rect area, int32_t y, uint32_t line,
		      uint32_t bgrx)
{
	int32_t x = area.x + 8;
	uint32_t seed = hash32(line + 1);
	uint32_t words = 3 + seed % 12;
	for (uint32_t w = 0; w < words && x < area.x + area.w - 8; w++) {
		uint32_t len = 2 + hash32(seed + w) % 8;
		for (uint32_t c = 0; c < len; c++, x += GLYPH_W)
			glyph(s, x, y, hash32(seed * 31 + w * 7 + c), bgrx, area);
		x += GLYPH_W;
	}
}

static void draw_window_frame(testsrc_scene *s, rect win, uint32_t title, uint32_t body)
{
	fill(s, win, 0x00505050);
	fill(s, (rect){win.x + 1, win.y + 1, win.w - 2, TITLE_H - 1}, title);
	for (uint32_t c = 0; c < 14; c++)
		glyph(s, win.x + 10 + (int32_t)c * GLYPH_W, win.y + 8, 900 + c, 0x00ffffff, win);
	fill(s, content_of(win), body);
}

static void draw_browser_content(testsrc_scene *s)
{
	rect area = content_of(browser_window(s));
	fill(s, area, 0x00f8f8f8);
	int32_t first = s->scroll / LINE_HEIGHT;
	for (int32_t i = first; i <= first + area.h / LINE_HEIGHT + 1; i++) {
		int32_t y = area.y + 4 + i * LINE_HEIGHT - s->scroll;
		text_line(s, area, y, (uint32_t)i, i % 7 == 0 ? 0x00a04010 : 0x00202020);
	}
}

/* The cell of typed character N in the terminal, or w == 0 when the
 * terminal is full (then it is cleared). */
static rect terminal_cell(const testsrc_scene *s, uint32_t n)
{
	rect area = content_of(terminal_window(s));
	int32_t cols = (area.w - 16) / GLYPH_W, rows = (area.h - 8) / LINE_HEIGHT;
	if (cols <= 0 || rows <= 0 || (int32_t)n >= cols * rows)
		return (rect){0, 0, 0, 0};
	return (rect){area.x + 8 + ((int32_t)n % cols) * GLYPH_W,
		      area.y + 4 + ((int32_t)n / cols) * LINE_HEIGHT, GLYPH_W, GLYPH_H};
}

static void draw_desktop(testsrc_scene *s, uint32_t hue)
{
	for (uint32_t y = 0; y < s->height; y++) {
		uint32_t b = 120 + (y * 100 / s->height + hue) % 136, g = 60 + y * 40 / s->height;
		fill(s, (rect){0, (int32_t)y, (int32_t)s->width, 1}, (b) | (g << 8) | (30u << 16));
	}
	fill(s, (rect){0, (int32_t)s->height - 32, (int32_t)s->width, 32}, 0x00303030);
	draw_window_frame(s, browser_window(s), 0x00a05020, 0x00f8f8f8);
	draw_window_frame(s, terminal_window(s), 0x00404040, 0x00101010);
	draw_browser_content(s);
}

int testsrc_scene_init(testsrc_scene *s, uint32_t width, uint32_t height,
		       uint32_t fps, testsrc_pattern pattern)
{
	memset(s, 0, sizeof(*s));
	s->canvas = malloc((size_t)width * height * 4);
	if (!s->canvas)
		return -ENOMEM;
	s->width = width;
	s->height = height;
	s->fps = fps;
	s->pattern = pattern;
	draw_desktop(s, 0);
	return 0;
}

void testsrc_scene_fini(testsrc_scene *s)
{
	free(s->canvas);
	s->canvas = NULL;
}

/* Milliseconds into the 10-second cycle at TICK. */
static uint32_t cycle_ms(const testsrc_scene *s, uint64_t tick)
{
	return (uint32_t)((tick * 1000 / s->fps) % 10000);
}

static void add(kyoyu_region *damage, const testsrc_scene *s, rect r)
{
	r = clip(s, r);
	kyoyu_region_add(damage, (kyoyu_rect){r.x, r.y, r.w, r.h});
}

static void type_one(testsrc_scene *s, kyoyu_region *damage)
{
	rect cell = terminal_cell(s, s->typed);
	if (cell.w == 0) {
		rect area = content_of(terminal_window(s));
		fill(s, area, 0x00101010);
		add(damage, s, area);
		s->typed = 0;
		cell = terminal_cell(s, 0);
		if (cell.w == 0)
			return;
	}
	glyph(s, cell.x, cell.y, s->typed * 13 + 5, 0x0060ff60,
	      content_of(terminal_window(s)));
	add(damage, s, cell);
	s->typed++;
}

/* Applies what happens at TICK (one step after drawn_tick). */
static void step(testsrc_scene *s, uint64_t tick, kyoyu_region *damage)
{
	uint32_t ms = cycle_ms(s, tick), prev = cycle_ms(s, tick - 1);

	switch (s->pattern) {
	case TESTSRC_STATIC:
		return;
	case TESTSRC_FULL:
		draw_desktop(s, (uint32_t)tick);
		s->scroll += 3;
		draw_browser_content(s);
		add(damage, s, (rect){0, 0, (int32_t)s->width, (int32_t)s->height});
		return;
	case TESTSRC_DESKTOP:
		/* 0–3 s: a key every 100 ms; 3–5 s: scrolling; then quiet. */
		if (ms < 3000 && ms / 100 != prev / 100)
			type_one(s, damage);
		if (ms >= 3000 && ms < 5000) {
			s->scroll += 4;
			draw_browser_content(s);
			add(damage, s, content_of(browser_window(s)));
		}
		return;
	}
}

void testsrc_scene_advance(testsrc_scene *s, uint64_t tick, kyoyu_region *damage)
{
	while (s->drawn_tick < tick)
		step(s, ++s->drawn_tick, damage);
}

void testsrc_scene_pointer(const testsrc_scene *s, uint64_t tick, int32_t *x,
			   int32_t *y)
{
	uint32_t ms = cycle_ms(s, tick);
	/* The pointer glides during 5–6 s, and rests elsewhere. */
	uint32_t t = ms < 5000 ? 0 : ms >= 6000 ? 1000 : ms - 5000;
	*x = (int32_t)(s->width / 4 + (uint64_t)s->width / 2 * t / 1000);
	*y = (int32_t)(s->height / 3 + (uint64_t)s->height / 3 * t / 1000);
}

void testsrc_cursor_shape(uint8_t *bgrx)
{
	for (int y = 0; y < 16; y++) {
		for (int x = 0; x < 16; x++) {
			uint8_t *p = bgrx + (y * 16 + x) * 4;
			bool inside = x <= y && x < 11 - (y > 10 ? (y - 10) * 2 : 0);
			bool edge = inside && (x == 0 || x == y || y == 15 || x == 10);
			uint8_t v = edge ? 0 : 255;
			p[0] = p[1] = p[2] = v;
			p[3] = inside ? 255 : 0; /* alpha in the X byte of the shape */
		}
	}
}
