/* SPDX-License-Identifier: MIT */
/* The operator's arrow (win32-arrow.h): a layered window cut to its shape. */
#include "config.h"

#include <stdlib.h>

#include "win32-arrow.h"
#include "win32-look.h"

/* The classic arrow, twice the size of a 16×24 cursor, its tip at 0,0 (as
 * ui/x11-overlay draws it), at 96 dpi. */
static const POINT outline[] = {{0, 0},   {0, 34},  {8, 26}, {14, 40},
				{20, 37}, {14, 24}, {24, 24}};
#define CORNERS (sizeof(outline) / sizeof(outline[0]))
#define ARROW_W 25
#define ARROW_H 41
/* Room around it for the white edge's outer half. */
#define INSET 2

#define CLASS_NAME L"kyoyu-operator-arrow"

struct customer_arrow {
	HWND window;
	UINT dpi;
};

/* The arrow's corners at DPI, in the window's pixels. */
static void corners(UINT dpi, POINT points[CORNERS])
{
	int inset = ui_win32_scale(INSET, dpi);

	for (size_t i = 0; i < CORNERS; i++) {
		points[i].x = inset + ui_win32_scale(outline[i].x, dpi);
		points[i].y = inset + ui_win32_scale(outline[i].y, dpi);
	}
}

static HPEN edge_pen(UINT dpi)
{
	return CreatePen(PS_SOLID, ui_win32_scale(3, dpi), UI_WIN32_WHITE);
}

/* The window is cut to the arrow and its edge (SetWindowRgn), so nothing
 * around it is drawn: Windows and Wine alike show what is below. */
static void cut_to_arrow(HWND window, UINT dpi)
{
	POINT points[CORNERS];
	HDC dc = GetDC(window);
	HPEN edge = edge_pen(dpi);
	HGDIOBJ old = SelectObject(dc, edge);

	corners(dpi, points);
	BeginPath(dc);
	Polygon(dc, points, CORNERS);
	EndPath(dc);
	WidenPath(dc);
	HRGN outline_region = PathToRegion(dc);
	HRGN region = CreatePolygonRgn(points, CORNERS, WINDING);
	if (outline_region && region)
		CombineRgn(region, region, outline_region, RGN_OR);
	if (outline_region)
		DeleteObject(outline_region);
	SelectObject(dc, old);
	DeleteObject(edge);
	ReleaseDC(window, dc);
	/* The window owns the region from here on. */
	if (region && !SetWindowRgn(window, region, FALSE))
		DeleteObject(region);
}

static void paint(HWND window, UINT dpi)
{
	PAINTSTRUCT ps;
	HDC dc = BeginPaint(window, &ps);
	POINT points[CORNERS];

	corners(dpi, points);
	HBRUSH fill = CreateSolidBrush(RGB(0xff, 0x3b, 0x30));
	HPEN edge = edge_pen(dpi);
	HGDIOBJ old_brush = SelectObject(dc, fill), old_pen = SelectObject(dc, edge);
	Polygon(dc, points, CORNERS);
	SelectObject(dc, old_brush);
	SelectObject(dc, old_pen);
	DeleteObject(fill);
	DeleteObject(edge);
	EndPaint(window, &ps);
}

static LRESULT CALLBACK arrow_proc(HWND window, UINT message, WPARAM wparam, LPARAM lparam)
{
	ui_win32_arrow *a = (ui_win32_arrow *)GetWindowLongPtrW(window, GWLP_USERDATA);

	switch (message) {
	case WM_PAINT:
		paint(window, a ? a->dpi : 96);
		return 0;
	case WM_NCHITTEST:
		/* Clicks go to whatever is below. */
		return HTTRANSPARENT;
	case WM_MOUSEACTIVATE:
		return MA_NOACTIVATE;
	default:
		return DefWindowProcW(window, message, wparam, lparam);
	}
}

ui_win32_arrow *ui_win32_arrow_new(void)
{
	ui_win32_arrow *a = calloc(1, sizeof(*a));

	if (!a || !ui_win32_register_class(CLASS_NAME, arrow_proc, NULL)) {
		free(a);
		return NULL;
	}
	a->dpi = ui_win32_dpi(NULL);
	/* WS_EX_TRANSPARENT with WS_EX_LAYERED: every click and the wheel
	 * pass through to the window below; WS_EX_NOACTIVATE: never the
	 * focus; WS_EX_TOOLWINDOW: no taskbar button, no Alt+Tab entry. */
	a->window = CreateWindowExW(WS_EX_TRANSPARENT | WS_EX_LAYERED | WS_EX_TOPMOST |
					    WS_EX_NOACTIVATE | WS_EX_TOOLWINDOW,
				    CLASS_NAME, L"kyoyu operator pointer", WS_POPUP, 0, 0,
				    ui_win32_scale(ARROW_W + 2 * INSET, a->dpi),
				    ui_win32_scale(ARROW_H + 2 * INSET, a->dpi), NULL, NULL,
				    ui_win32_module(), NULL);
	if (!a->window) {
		free(a);
		return NULL;
	}
	SetWindowLongPtrW(a->window, GWLP_USERDATA, (LONG_PTR)a);
	/* Layered (opaque) for WS_EX_TRANSPARENT to let clicks through. */
	SetLayeredWindowAttributes(a->window, 0, 255, LWA_ALPHA);
	cut_to_arrow(a->window, a->dpi);
	ui_win32_exclude_from_capture(a->window, "the operator's arrow");
	return a;
}

void ui_win32_arrow_free(ui_win32_arrow *a)
{
	if (!a)
		return;
	DestroyWindow(a->window);
	free(a);
}

void ui_win32_arrow_show_at(ui_win32_arrow *a, int x, int y)
{
	int inset = ui_win32_scale(INSET, a->dpi);

	SetWindowPos(a->window, HWND_TOPMOST, x - inset, y - inset, 0, 0,
		     SWP_NOSIZE | SWP_NOACTIVATE | SWP_SHOWWINDOW);
}

void ui_win32_arrow_hide(ui_win32_arrow *a)
{
	ShowWindow(a->window, SW_HIDE);
}

HWND ui_win32_arrow_window(const ui_win32_arrow *a)
{
	return a->window;
}
