/* SPDX-License-Identifier: MIT */
/* The words of the "being shared" badge, drawn with Pango on cairo-xcb:
 * any script fontconfig has a font for (Japanese included), antialiased,
 * in the messages' language.  (X core fonts, which it used before, are
 * Latin-1.)  Created in start(), then used from the overlay's thread only. */
#ifndef KYOYU_OVERLAY_BADGE_H
#define KYOYU_OVERLAY_BADGE_H

#include <stdint.h>

#include <cairo.h>
#include <pango/pangocairo.h>
#include <xcb/xcb.h>

typedef struct overlay_badge {
	cairo_surface_t *surface; /* the badge window's */
	PangoFontMap *fonts;
	PangoContext *context;
	PangoLayout *layout;
	uint16_t width, height; /* of the window, padding included */
} overlay_badge;

typedef struct overlay_rgb {
	uint8_t r, g, b;
} overlay_rgb;

/* Prepares to draw into WINDOW (of SCREEN's root visual) with the Pango
 * font description FONT ("Sans Bold 13") for text in LANGUAGE ("ja").
 * Returns 0, or -ENOMEM / -EIO. */
int overlay_badge_init(overlay_badge *badge, xcb_connection_t *conn,
		       const xcb_screen_t *screen, xcb_window_t window, const char *font,
		       const char *language);

/* Lays out WORDS (UTF-8) with PAD pixels around them; the window must be
 * resized to badge->width × badge->height before painting. */
void overlay_badge_set_words(overlay_badge *badge, const char *words, int pad);

/* Paints the background and the words laid out last. */
void overlay_badge_paint(overlay_badge *badge, overlay_rgb background, overlay_rgb text,
			 int pad);

void overlay_badge_fini(overlay_badge *badge);

#endif
