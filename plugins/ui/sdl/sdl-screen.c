/* SPDX-License-Identifier: MIT */
/* The picture and cursor textures of the viewer's window. */
#include "config.h"

#include <errno.h>

#define KYOYU_LOG_COMPONENT "ui/sdl"
#include <kyoyu/kyoyu.h>

#include "sdl-screen.h"

/* Largest cursor shape accepted (X cursors are 64×64 at most in practice). */
#define CURSOR_MAX 256

void sdl_screen_clear(sdl_screen *s)
{
	if (s->picture)
		SDL_DestroyTexture(s->picture);
	if (s->cursor)
		SDL_DestroyTexture(s->cursor);
	*s = (sdl_screen){.picture = NULL};
}

/* True when every plane of FRAME lies inside its buffer. */
static bool frame_fits(const kyoyu_frame_info *f, size_t size)
{
	unsigned planes = f->format == KYOYU_PIXFMT_I420 ? 3 : 1;

	for (unsigned i = 0; i < planes; i++) {
		uint64_t rows = i == 0 ? f->height : (f->height + 1) / 2;
		uint64_t row_bytes = f->format == KYOYU_PIXFMT_BGRX ? (uint64_t)f->width * 4
				     : i == 0 ? f->width : (f->width + 1) / 2;
		if (f->stride[i] < row_bytes ||
		    (uint64_t)f->offset[i] + (uint64_t)f->stride[i] * (rows - 1) + row_bytes > size)
			return false;
	}
	return true;
}

static int make_picture(sdl_screen *s, SDL_Renderer *r, const kyoyu_frame_info *f)
{
	Uint32 format = f->format == KYOYU_PIXFMT_I420 ? SDL_PIXELFORMAT_IYUV
						       : SDL_PIXELFORMAT_XRGB8888;

	if (s->picture)
		SDL_DestroyTexture(s->picture);
	s->picture = SDL_CreateTexture(r, format, SDL_TEXTUREACCESS_STREAMING,
				       (int)f->width, (int)f->height);
	if (!s->picture) {
		kyoyu_error("cannot make a %ux%u texture: %s", f->width, f->height,
			    SDL_GetError());
		s->width = s->height = 0;
		return -ENOMEM;
	}
	s->format = f->format;
	s->width = f->width;
	s->height = f->height;
	kyoyu_info("showing a %ux%u %s picture", f->width, f->height,
		   f->format == KYOYU_PIXFMT_I420 ? "I420" : "BGRX");
	return 0;
}

static void update_rect(sdl_screen *s, const kyoyu_frame_info *f, const uint8_t *data,
			kyoyu_rect r)
{
	if (f->format == KYOYU_PIXFMT_I420) {
		/* Chroma is shared by 2×2 pixels: widen to even edges. */
		int32_t x0 = r.x & ~1, y0 = r.y & ~1;
		int32_t x1 = r.x + r.w + 1 > (int32_t)f->width ? (int32_t)f->width
							       : (r.x + r.w + 1) & ~1;
		int32_t y1 = r.y + r.h + 1 > (int32_t)f->height ? (int32_t)f->height
								: (r.y + r.h + 1) & ~1;
		SDL_Rect rect = {x0, y0, x1 - x0, y1 - y0};
		SDL_UpdateYUVTexture(s->picture, &rect,
				     data + f->offset[0] + (size_t)y0 * f->stride[0] + (size_t)x0,
				     (int)f->stride[0],
				     data + f->offset[1] + (size_t)(y0 / 2) * f->stride[1] +
					     (size_t)(x0 / 2),
				     (int)f->stride[1],
				     data + f->offset[2] + (size_t)(y0 / 2) * f->stride[2] +
					     (size_t)(x0 / 2),
				     (int)f->stride[2]);
	} else {
		SDL_Rect rect = {r.x, r.y, r.w, r.h};
		SDL_UpdateTexture(s->picture, &rect,
				  data + f->offset[0] + (size_t)r.y * f->stride[0] +
					  (size_t)r.x * 4,
				  (int)f->stride[0]);
	}
}

int sdl_screen_update(sdl_screen *s, SDL_Renderer *r, const kyoyu_msg *msg)
{
	const kyoyu_frame_info *f = &msg->u.frame;
	kyoyu_region damage = f->damage;

	if ((f->format != KYOYU_PIXFMT_BGRX && f->format != KYOYU_PIXFMT_I420) ||
	    f->width == 0 || f->height == 0 || f->width > 16384 || f->height > 16384 ||
	    !msg->buf || !frame_fits(f, kyoyu_buffer_size(msg->buf)))
		return -EINVAL;
	/* A new texture, a key picture, or a decoder that left the damage empty
	 * (it does not track changes): take the whole picture. */
	if (!s->picture || s->width != f->width || s->height != f->height ||
	    s->format != f->format) {
		int ret = make_picture(s, r, f);
		if (ret)
			return ret;
		kyoyu_region_set_full(&damage, (int32_t)f->width, (int32_t)f->height);
	} else if ((f->flags & KYOYU_FRAME_KEY) || damage.n == 0) {
		kyoyu_region_set_full(&damage, (int32_t)f->width, (int32_t)f->height);
	}
	kyoyu_region_clip(&damage, (int32_t)f->width, (int32_t)f->height);
	const uint8_t *data = kyoyu_buffer_data(msg->buf);
	for (uint32_t i = 0; i < damage.n; i++)
		update_rect(s, f, data, damage.rects[i]);
	return 0;
}

int sdl_screen_set_cursor(sdl_screen *s, SDL_Renderer *r, const kyoyu_msg *msg)
{
	const kyoyu_cursor_info *c = &msg->u.cursor;

	s->cursor_x = c->x;
	s->cursor_y = c->y;
	s->cursor_visible = c->visible != 0;
	if (!msg->buf)
		return 0;
	if (c->width == 0 || c->height == 0 || c->width > CURSOR_MAX ||
	    c->height > CURSOR_MAX || c->hot_x >= c->width || c->hot_y >= c->height ||
	    kyoyu_buffer_size(msg->buf) < (size_t)c->width * c->height * 4)
		return -EINVAL;
	if (!s->cursor || s->cursor_w != c->width || s->cursor_h != c->height) {
		if (s->cursor)
			SDL_DestroyTexture(s->cursor);
		/* BGRA bytes are ARGB8888 on a little-endian machine. */
		s->cursor = SDL_CreateTexture(r, SDL_PIXELFORMAT_ARGB8888,
					      SDL_TEXTUREACCESS_STATIC, (int)c->width,
					      (int)c->height);
		if (!s->cursor)
			return -ENOMEM;
		SDL_SetTextureBlendMode(s->cursor, SDL_BLENDMODE_BLEND);
		s->cursor_w = c->width;
		s->cursor_h = c->height;
	}
	s->hot_x = c->hot_x;
	s->hot_y = c->hot_y;
	SDL_UpdateTexture(s->cursor, NULL, kyoyu_buffer_data(msg->buf), (int)c->width * 4);
	return 0;
}

void sdl_screen_layout(sdl_screen *s, SDL_Rect area)
{
	if (!s->width || !s->height || area.w <= 0 || area.h <= 0) {
		s->fit = (SDL_Rect){0, 0, 0, 0};
		return;
	}
	/* The largest rectangle of the picture's aspect inside AREA. */
	int w = area.w, h = (int)((int64_t)area.w * s->height / s->width);
	if (h > area.h) {
		h = area.h;
		w = (int)((int64_t)area.h * s->width / s->height);
	}
	s->fit = (SDL_Rect){area.x + (area.w - w) / 2, area.y + (area.h - h) / 2, w, h};
}

void sdl_screen_draw(const sdl_screen *s, SDL_Renderer *r, bool dim)
{
	if (!s->picture || s->fit.w <= 0)
		return;
	SDL_RenderCopy(r, s->picture, NULL, &s->fit);
	if (s->cursor && s->cursor_visible) {
		double scale = (double)s->fit.w / s->width;
		SDL_Rect dst = {
			s->fit.x + (int)((s->cursor_x - (int32_t)s->hot_x) * scale),
			s->fit.y + (int)((s->cursor_y - (int32_t)s->hot_y) * scale),
			/* Never smaller than half size, so the cursor stays visible
			 * when a big screen is shown small. */
			(int)(s->cursor_w * (scale < 0.5 ? 0.5 : scale)),
			(int)(s->cursor_h * (scale < 0.5 ? 0.5 : scale)),
		};
		SDL_RenderSetClipRect(r, &s->fit);
		SDL_RenderCopy(r, s->cursor, NULL, &dst);
		SDL_RenderSetClipRect(r, NULL);
	}
	if (dim) {
		SDL_SetRenderDrawBlendMode(r, SDL_BLENDMODE_BLEND);
		SDL_SetRenderDrawColor(r, 0, 0, 0, 150);
		SDL_RenderFillRect(r, &s->fit);
		SDL_SetRenderDrawBlendMode(r, SDL_BLENDMODE_NONE);
	}
}

bool sdl_screen_contains(const sdl_screen *s, int wx, int wy)
{
	return s->picture && s->fit.w > 0 && wx >= s->fit.x && wy >= s->fit.y &&
	       wx < s->fit.x + s->fit.w && wy < s->fit.y + s->fit.h;
}

bool sdl_screen_to_shared(const sdl_screen *s, int wx, int wy, int32_t *sx, int32_t *sy)
{
	if (!s->picture || s->fit.w <= 0 || s->fit.h <= 0)
		return false;
	int64_t x = (int64_t)(wx - s->fit.x) * s->width / s->fit.w;
	int64_t y = (int64_t)(wy - s->fit.y) * s->height / s->fit.h;
	*sx = (int32_t)(x < 0 ? 0 : x >= s->width ? s->width - 1 : x);
	*sy = (int32_t)(y < 0 ? 0 : y >= s->height ? s->height - 1 : y);
	return true;
}
