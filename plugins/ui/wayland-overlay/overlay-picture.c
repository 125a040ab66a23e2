/* SPDX-License-Identifier: MIT */
/* The arrow and the badge in wl_shm buffers (see overlay-picture.h). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memfd_create */
#endif
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "overlay-picture.h"

/* The classic arrow, twice the size of a 16×24 cursor (as ui/x11-overlay
 * draws it); its tip is at 0,0. */
static const struct {
	double x, y;
} arrow_outline[] = {
	{0, 0}, {0, 34}, {8, 26}, {14, 40}, {20, 37}, {14, 24}, {24, 24},
};
#define ARROW_W 26
#define ARROW_H 42

typedef void painter(cairo_t *cr, const void *what);

/* A WIDTH×HEIGHT (logical) picture at SCALE painted by PAINT, in a buffer
 * the compositor maps from a memfd of its own. */
static int draw(overlay_picture *pic, struct wl_shm *shm, int32_t width, int32_t height,
		int32_t scale, painter *paint, const void *what)
{
	int32_t w = width * scale, h = height * scale;
	int stride = cairo_format_stride_for_width(CAIRO_FORMAT_ARGB32, w);
	size_t size = (size_t)stride * (size_t)h;
	int ret = -ENOMEM;

	memset(pic, 0, sizeof(*pic));
	int fd = memfd_create("kyoyu-overlay", MFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)size) < 0) {
		ret = -errno;
		goto out_close;
	}
	void *pixels = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (pixels == MAP_FAILED) {
		ret = -errno;
		goto out_close;
	}
	/* cairo's ARGB32 is wl_shm's ARGB8888: native-endian, premultiplied. */
	cairo_surface_t *surface = cairo_image_surface_create_for_data(
		pixels, CAIRO_FORMAT_ARGB32, w, h, stride);
	cairo_t *cr = cairo_create(surface);
	cairo_scale(cr, scale, scale);
	paint(cr, what);
	ret = cairo_status(cr) == CAIRO_STATUS_SUCCESS ? 0 : -ENOMEM;
	cairo_destroy(cr);
	cairo_surface_finish(surface);
	cairo_surface_destroy(surface);
	munmap(pixels, size);
	if (ret)
		goto out_close;
	struct wl_shm_pool *pool = wl_shm_create_pool(shm, fd, (int32_t)size);
	pic->buffer = wl_shm_pool_create_buffer(pool, 0, w, h, stride, WL_SHM_FORMAT_ARGB8888);
	wl_shm_pool_destroy(pool);
	pic->width = width;
	pic->height = height;
	pic->scale = scale;
out_close:
	close(fd);
	return ret;
}

static void paint_arrow(cairo_t *cr, const void *what)
{
	(void)what;
	cairo_set_operator(cr, CAIRO_OPERATOR_SOURCE);
	cairo_set_source_rgba(cr, 0, 0, 0, 0);
	cairo_paint(cr);
	cairo_set_operator(cr, CAIRO_OPERATOR_OVER);
	/* Half a pixel in, so that the white edge's inner half covers whole
	 * pixels and the tip stays at 0,0. */
	cairo_translate(cr, 0.5, 0.5);
	cairo_move_to(cr, arrow_outline[0].x, arrow_outline[0].y);
	for (size_t i = 1; i < sizeof(arrow_outline) / sizeof(arrow_outline[0]); i++)
		cairo_line_to(cr, arrow_outline[i].x, arrow_outline[i].y);
	cairo_close_path(cr);
	cairo_set_source_rgb(cr, 0xff / 255.0, 0x3b / 255.0, 0x30 / 255.0);
	cairo_fill_preserve(cr);
	cairo_set_source_rgb(cr, 1, 1, 1);
	cairo_set_line_width(cr, 1.5);
	cairo_stroke(cr);
}

int overlay_picture_arrow(overlay_picture *pic, struct wl_shm *shm, int32_t scale)
{
	return draw(pic, shm, ARROW_W, ARROW_H, scale, paint_arrow, NULL);
}

typedef struct badge_look {
	PangoLayout *layout;
	overlay_rgb background, text;
	int pad;
} badge_look;

static void paint_badge(cairo_t *cr, const void *what)
{
	const badge_look *look = what;

	cairo_set_source_rgb(cr, look->background.r / 255.0, look->background.g / 255.0,
			     look->background.b / 255.0);
	cairo_paint(cr);
	cairo_set_source_rgb(cr, look->text.r / 255.0, look->text.g / 255.0,
			     look->text.b / 255.0);
	cairo_move_to(cr, look->pad, look->pad);
	pango_cairo_update_layout(cr, look->layout);
	pango_cairo_show_layout(cr, look->layout);
}

int overlay_picture_badge(overlay_picture *pic, struct wl_shm *shm, int32_t scale,
			  overlay_words *fonts, const char *words, overlay_rgb background,
			  overlay_rgb text, int pad)
{
	badge_look look = {fonts->layout, background, text, pad};
	int w, h;

	pango_layout_set_text(fonts->layout, words, -1);
	pango_layout_get_pixel_size(fonts->layout, &w, &h);
	return draw(pic, shm, w + 2 * pad, h + 2 * pad, scale, paint_badge, &look);
}

void overlay_picture_free(overlay_picture *pic)
{
	if (pic->buffer)
		wl_buffer_destroy(pic->buffer);
	memset(pic, 0, sizeof(*pic));
}

int overlay_words_init(overlay_words *w, const char *font, const char *language)
{
	memset(w, 0, sizeof(*w));
	/* A font map of its own, not the thread's default: it is made here
	 * and used from the overlay's thread. */
	w->fonts = pango_cairo_font_map_new();
	w->context = w->fonts ? pango_font_map_create_context(w->fonts) : NULL;
	w->layout = w->context ? pango_layout_new(w->context) : NULL;
	if (!w->layout) {
		overlay_words_fini(w);
		return -ENOMEM;
	}
	pango_context_set_language(w->context, pango_language_from_string(language));
	PangoFontDescription *desc = pango_font_description_from_string(font);
	pango_layout_set_font_description(w->layout, desc);
	pango_font_description_free(desc);
	return 0;
}

void overlay_words_fini(overlay_words *w)
{
	if (w->layout)
		g_object_unref(w->layout);
	if (w->context)
		g_object_unref(w->context);
	if (w->fonts)
		g_object_unref(w->fonts);
	memset(w, 0, sizeof(*w));
}
