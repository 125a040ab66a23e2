/* SPDX-License-Identifier: MIT */
/* gdi-paint: a Windows program that keeps a 200x120 window at 40,30 of the
 * screen changing, for the Wine session with capture/gdi
 * (tests/win64/session-wine.sh gdi): every 100 ms a band of it takes the
 * next of four colours.  Prints "ready" once the window is shown; ends
 * when its window is closed or after SECONDS (default 300).
 *
 *   gdi-paint.exe [SECONDS] */
#include <stdio.h>
#include <stdlib.h>

#include <windows.h>

#define WIN_X 40
#define WIN_Y 30
#define WIN_W 200
#define WIN_H 120
#define BAND_H 20

static const COLORREF colours[] = {RGB(0xff, 0x00, 0xff), RGB(0x00, 0xff, 0x00),
				   RGB(0x00, 0x00, 0xff), RGB(0xff, 0xff, 0x00)};
static unsigned ticks;

static void fill(HDC dc, int x, int y, int w, int h, COLORREF colour)
{
	HBRUSH brush = CreateSolidBrush(colour);
	RECT r = {x, y, x + w, y + h};

	FillRect(dc, &r, brush);
	DeleteObject(brush);
}

static LRESULT CALLBACK window_proc(HWND hwnd, UINT msg, WPARAM wp, LPARAM lp)
{
	switch (msg) {
	case WM_PAINT: {
		PAINTSTRUCT ps;
		HDC dc = BeginPaint(hwnd, &ps);
		fill(dc, 0, 0, WIN_W, WIN_H, colours[0]);
		EndPaint(hwnd, &ps);
		return 0;
	}
	case WM_TIMER: {
		/* One band of the window, the next colour. */
		HDC dc = GetDC(hwnd);
		int band = (int)(ticks % (WIN_H / BAND_H));
		fill(dc, 0, band * BAND_H, WIN_W, BAND_H, colours[(ticks / 6) % 4]);
		ReleaseDC(hwnd, dc);
		ticks++;
		return 0;
	}
	case WM_DESTROY:
		PostQuitMessage(0);
		return 0;
	default:
		return DefWindowProcW(hwnd, msg, wp, lp);
	}
}

int main(int argc, char **argv)
{
	WNDCLASSW wc = {.lpfnWndProc = window_proc,
			.hInstance = GetModuleHandleW(NULL),
			.hCursor = LoadCursorW(NULL, (LPCWSTR)IDC_ARROW),
			.lpszClassName = L"kyoyu-gdi-paint"};
	int seconds = argc > 1 ? atoi(argv[1]) : 300;
	MSG m;

	if (!RegisterClassW(&wc))
		return 1;
	HWND window = CreateWindowExW(WS_EX_TOPMOST | WS_EX_TOOLWINDOW | WS_EX_NOACTIVATE,
				      wc.lpszClassName, L"kyoyu gdi paint",
				      WS_POPUP | WS_VISIBLE, WIN_X, WIN_Y, WIN_W, WIN_H, NULL,
				      NULL, wc.hInstance, NULL);
	if (!window)
		return 1;
	ShowWindow(window, SW_SHOWNOACTIVATE);
	UpdateWindow(window);
	SetTimer(window, 1, 100, NULL);
	printf("ready\n");
	fflush(stdout);
	DWORD end = GetTickCount() + (DWORD)seconds * 1000;
	while ((LONG)(end - GetTickCount()) > 0) {
		while (PeekMessageW(&m, NULL, 0, 0, PM_REMOVE)) {
			if (m.message == WM_QUIT)
				return 0;
			DispatchMessageW(&m);
		}
		MsgWaitForMultipleObjects(0, NULL, FALSE, 100, QS_ALLINPUT);
	}
	return 0;
}
