/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "gdi-grab.h"

void gdi_grab_screen_size(uint32_t *width, uint32_t *height)
{
	int w = GetSystemMetrics(SM_CXSCREEN), h = GetSystemMetrics(SM_CYSCREEN);

	*width = w > 0 && h > 0 ? (uint32_t)w : 0;
	*height = w > 0 && h > 0 ? (uint32_t)h : 0;
}

int gdi_grab_open(gdi_grab *g, uint32_t width, uint32_t height)
{
	/* Negative height: rows top-down, as kyoyu's frames are. */
	BITMAPINFO bmi = {.bmiHeader = {.biSize = sizeof(BITMAPINFOHEADER),
					.biWidth = (LONG)width,
					.biHeight = -(LONG)height,
					.biPlanes = 1,
					.biBitCount = 32,
					.biCompression = BI_RGB}};
	void *bits = NULL;

	memset(g, 0, sizeof(*g));
	g->screen = GetDC(NULL);
	if (!g->screen)
		return -EIO;
	g->memory = CreateCompatibleDC(g->screen);
	g->bitmap = g->memory ? CreateDIBSection(g->screen, &bmi, DIB_RGB_COLORS, &bits, NULL, 0)
			      : NULL;
	if (!g->bitmap) {
		gdi_grab_close(g);
		return -ENOMEM;
	}
	g->old_bitmap = SelectObject(g->memory, g->bitmap);
	g->pixels = bits;
	g->width = width;
	g->height = height;
	g->stride = (size_t)width * 4;
	return 0;
}

int gdi_grab_screen(gdi_grab *g)
{
	/* CAPTUREBLT: layered windows too (tooltips, menus, other programs'
	 * overlays), as the person sees them. */
	if (!BitBlt(g->memory, 0, 0, (int)g->width, (int)g->height, g->screen, 0, 0,
		    SRCCOPY | CAPTUREBLT))
		return -EIO;
	/* The bits are read directly: GDI's queue must have drawn them. */
	GdiFlush();
	return 0;
}

void gdi_grab_close(gdi_grab *g)
{
	if (g->old_bitmap)
		SelectObject(g->memory, g->old_bitmap);
	if (g->bitmap)
		DeleteObject(g->bitmap);
	if (g->memory)
		DeleteDC(g->memory);
	if (g->screen)
		ReleaseDC(NULL, g->screen);
	memset(g, 0, sizeof(*g));
}
