/* SPDX-License-Identifier: MIT */
/* What ui/wayland-overlay shows, drawn with cairo into wl_shm buffers: the
 * operator's arrow, and the "being shared" badge whose words Pango lays out
 * (any script fontconfig has a font for, Japanese included).  Pictures are
 * drawn at the output's scale: WIDTH×HEIGHT logical pixels, SCALE times as
 * many in the buffer.  Used from the overlay's thread only. */
#ifndef KYOYU_WAYLAND_OVERLAY_PICTURE_H
#define KYOYU_WAYLAND_OVERLAY_PICTURE_H

#include <stdint.h>

#include <pango/pangocairo.h>
#include <wayland-client.h>

typedef struct overlay_picture {
	struct wl_buffer *buffer; /* NULL: no picture */
	int32_t width, height;    /* logical pixels */
	int32_t scale;
} overlay_picture;

typedef struct overlay_rgb {
	uint8_t r, g, b;
} overlay_rgb;

typedef struct overlay_words {
	PangoFontMap *fonts;
	PangoContext *context;
	PangoLayout *layout;
} overlay_words;

/* The arrow's tip is at the picture's 0,0. */
int overlay_picture_arrow(overlay_picture *pic, struct wl_shm *shm, int32_t scale);

/* WORDS (UTF-8) in TEXT on BACKGROUND, PAD logical pixels around them. */
int overlay_picture_badge(overlay_picture *pic, struct wl_shm *shm, int32_t scale,
			  overlay_words *fonts, const char *words, overlay_rgb background,
			  overlay_rgb text, int pad);

void overlay_picture_free(overlay_picture *pic);

/* Pango's font map, context and layout for FONT ("Sans Bold 13") and text in
 * LANGUAGE ("ja").  Returns 0 or -ENOMEM. */
int overlay_words_init(overlay_words *w, const char *font, const char *language);
void overlay_words_fini(overlay_words *w);

#endif
