/* SPDX-License-Identifier: MIT */
/* capture/gdi against a real Windows desktop (Wine's, on Xvfb, when
 * tests/win64/agent-wine.sh runs it): this program opens a window, paints
 * known pixels into it with GDI, and reads what the plugin, loaded from the
 * build tree onto a real frame bus, posts.  Under Wine the screen's DC shows
 * Wine's own windows and black elsewhere, so the checks look at the
 * window's pixels and at the damage, never at the rest of the screen. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <windows.h>

#include <cmocka.h>

#include <kyoyu/plugin.h>

#include "capture-harness.h"

/* The window, in screen pixels. */
#define WIN_X 40
#define WIN_Y 30
#define WIN_W 200
#define WIN_H 120
/* Generous: the machine is shared and Wine is slow to start. */
#define WAIT_MS 10000

#define MAGENTA RGB(0xff, 0x00, 0xff)
#define GREEN RGB(0x00, 0xff, 0x00)
#define BLUE RGB(0x00, 0x00, 0xff)

static HWND window;
static capture_harness harness;
static uint32_t screen_w, screen_h;

static LRESULT CALLBACK window_proc(HWND hwnd, UINT msg, WPARAM wp, LPARAM lp)
{
	if (msg == WM_PAINT) {
		/* The whole window magenta: what the first test expects. */
		PAINTSTRUCT ps;
		HDC dc = BeginPaint(hwnd, &ps);
		HBRUSH brush = CreateSolidBrush(MAGENTA);
		RECT all = {0, 0, WIN_W, WIN_H};
		FillRect(dc, &all, brush);
		DeleteObject(brush);
		EndPaint(hwnd, &ps);
		return 0;
	}
	return DefWindowProcW(hwnd, msg, wp, lp);
}

static void pump_messages(void)
{
	MSG m;

	while (PeekMessageW(&m, NULL, 0, 0, PM_REMOVE)) {
		TranslateMessage(&m);
		DispatchMessageW(&m);
	}
}

/* Waits, handling the window's messages (Wine shows what a window painted
 * from its message loop), until the screen's pixel at X, Y is COLOUR. */
static bool screen_shows(int x, int y, COLORREF colour)
{
	HDC screen = GetDC(NULL);
	bool shown = false;

	for (int waited = 0; !shown && waited < WAIT_MS; waited += 20) {
		pump_messages();
		shown = GetPixel(screen, x, y) == colour;
		if (!shown)
			Sleep(20);
	}
	ReleaseDC(NULL, screen);
	return shown;
}

/* Paints W × H of COLOUR at X, Y of the screen (inside the window) and
 * waits until the screen shows it. */
static void paint(int x, int y, int w, int h, COLORREF colour)
{
	HDC dc = GetDC(window);
	HBRUSH brush = CreateSolidBrush(colour);
	RECT r = {x - WIN_X, y - WIN_Y, x - WIN_X + w, y - WIN_Y + h};

	FillRect(dc, &r, brush);
	DeleteObject(brush);
	ReleaseDC(window, dc);
	GdiFlush();
	assert_true(screen_shows(x + w - 1, y + h - 1, colour));
}

/* The pixel at X, Y of a BGRX frame, as a COLORREF (0x00BBGGRR). */
static COLORREF pixel(const kyoyu_msg *frame, int x, int y)
{
	const uint8_t *p = (const uint8_t *)kyoyu_buffer_data(frame->buf) +
			   (size_t)y * frame->u.frame.stride[0] + (size_t)x * 4;
	return RGB(p[2], p[1], p[0]);
}

/* How many pixels of the rectangle differ from COLOUR. */
static int wrong_pixels(const kyoyu_msg *frame, int x, int y, int w, int h, COLORREF colour)
{
	int wrong = 0;

	for (int j = y; j < y + h; j++)
		for (int i = x; i < x + w; i++)
			wrong += pixel(frame, i, j) != colour;
	return wrong;
}

/* The next frame within WAIT_MS; other messages go to ON_OTHER (may be
 * NULL).  The caller unrefs it. */
static kyoyu_msg *next_frame(void (*on_other)(const kyoyu_msg *))
{
	for (int waited = 0; waited < WAIT_MS; waited += 100) {
		kyoyu_msg *m;
		if (capture_harness_next(&harness, &m, 100) != 0)
			continue;
		if (m->type == KYOYU_MSG_ERROR)
			fail_msg("capture/gdi posted an error: %s", strerror((int)-m->u.value));
		if (m->type == KYOYU_MSG_FRAME)
			return m;
		if (on_other)
			on_other(m);
		kyoyu_msg_unref(m);
	}
	fail_msg("no frame within %d ms", WAIT_MS);
	return NULL;
}

/* The frames posted in MS milliseconds (cursor and size messages do not
 * count). */
static int frames_within(int ms)
{
	int frames = 0;
	int64_t until = kyoyu_now_us() + (int64_t)ms * 1000;

	while (kyoyu_now_us() < until) {
		kyoyu_msg *m;
		if (capture_harness_next(&harness, &m, 50) == 0) {
			frames += m->type == KYOYU_MSG_FRAME;
			kyoyu_msg_unref(m);
		}
	}
	return frames;
}

static int group_setup(void **state)
{
	WNDCLASSW wc = {.lpfnWndProc = window_proc,
			.hInstance = GetModuleHandleW(NULL),
			.hCursor = LoadCursorW(NULL, (LPCWSTR)IDC_ARROW),
			.lpszClassName = L"kyoyu-gdi-test"};
	char err[1024] = "";
	const char *const args[] = {"capture.fps=10", NULL};

	if (!RegisterClassW(&wc))
		return -1;
	/* On top, never taking the focus, no frame: only the painted pixels. */
	window = CreateWindowExW(WS_EX_TOPMOST | WS_EX_TOOLWINDOW | WS_EX_NOACTIVATE,
				 wc.lpszClassName, L"kyoyu gdi test", WS_POPUP | WS_VISIBLE,
				 WIN_X, WIN_Y, WIN_W, WIN_H, NULL, NULL, wc.hInstance, NULL);
	if (!window)
		return -1;
	ShowWindow(window, SW_SHOWNOACTIVATE);
	UpdateWindow(window);
	if (!screen_shows(WIN_X + WIN_W / 2, WIN_Y + WIN_H / 2, MAGENTA)) {
		fprintf(stderr, "# the window never showed on the screen\n");
		return -1;
	}
	screen_w = (uint32_t)GetSystemMetrics(SM_CXSCREEN);
	screen_h = (uint32_t)GetSystemMetrics(SM_CYSCREEN);
	if (capture_harness_open(&harness, KYOYU_BUILD_PLUGIN_DIR, "gdi", args, err,
				 sizeof(err)) != KYOYU_OK ||
	    capture_harness_start(&harness) != 0) {
		fprintf(stderr, "# capture/gdi did not start: %s\n", err);
		return -1;
	}
	return 0;
}

static int group_teardown(void **state)
{
	capture_harness_close(&harness);
	if (window)
		DestroyWindow(window);
	return 0;
}

static kyoyu_size_info size_seen;
static int sizes_seen;

static void note_size(const kyoyu_msg *m)
{
	if (m->type == KYOYU_MSG_VIDEO_SIZE) {
		size_seen = m->u.size;
		sizes_seen++;
	}
}

static void test_gdi_capture_first_frame_holds_exactly_what_the_window_painted(void **state)
{
	assert_int_equal(capture_harness_set_state(&harness, KYOYU_STATE_SHARING), 0);
	kyoyu_msg *m = next_frame(note_size);

	assert_true(m->u.frame.flags & KYOYU_FRAME_KEY);
	assert_int_equal(m->u.frame.width, screen_w);
	assert_int_equal(m->u.frame.height, screen_h);
	assert_int_equal(sizes_seen, 1);
	assert_int_equal(size_seen.width, screen_w);
	assert_int_equal(size_seen.height, screen_h);
	assert_int_equal(wrong_pixels(m, WIN_X, WIN_Y, WIN_W, WIN_H, MAGENTA), 0);
	/* The frame is the screen, not a picture of magenta: just outside
	 * the window it is not. */
	assert_int_not_equal(pixel(m, WIN_X - 1, WIN_Y - 1), MAGENTA);
	assert_int_not_equal(pixel(m, WIN_X + WIN_W, WIN_Y + WIN_H), MAGENTA);
	kyoyu_msg_unref(m);
}

static void test_gdi_capture_damage_is_exactly_the_painted_rectangle(void **state)
{
	paint(60, 50, 30, 40, GREEN);
	kyoyu_msg *m = next_frame(NULL);
	kyoyu_rect b = kyoyu_region_bounds(&m->u.frame.damage);
	int64_t area = 0;

	for (uint32_t i = 0; i < m->u.frame.damage.n; i++)
		area += (int64_t)m->u.frame.damage.rects[i].w * m->u.frame.damage.rects[i].h;
	print_message("# damage: %u rectangles, bounds %dx%d at %d,%d, %lld pixels\n",
		      m->u.frame.damage.n, b.w, b.h, b.x, b.y, (long long)area);
	assert_false(m->u.frame.flags & KYOYU_FRAME_KEY);
	assert_int_equal(b.x, 60);
	assert_int_equal(b.y, 50);
	assert_int_equal(b.w, 30);
	assert_int_equal(b.h, 40);
	assert_int_equal(area, 30 * 40);
	assert_int_equal(wrong_pixels(m, 60, 50, 30, 40, GREEN), 0);
	/* The buffer holds the whole picture, the rest of the window too. */
	assert_int_equal(wrong_pixels(m, WIN_X, WIN_Y, WIN_W, 20, MAGENTA), 0);
	kyoyu_msg_unref(m);
}

static void test_gdi_capture_still_screen_posts_nothing(void **state)
{
	assert_int_equal(frames_within(1500), 0);
}

static void test_gdi_capture_pointer_moves_as_cursor_events(void **state)
{
	kyoyu_cursor_info last = {0}, shape = {0};
	int cursors = 0, shapes = 0;

	assert_true(SetCursorPos(150, 100));
	for (int waited = 0; waited < WAIT_MS && !(last.x == 150 && last.y == 100 && shapes);
	     waited += 50) {
		kyoyu_msg *m;
		/* The window's messages set its class's cursor (WM_SETCURSOR). */
		pump_messages();
		if (capture_harness_next(&harness, &m, 50) != 0)
			continue;
		if (m->type == KYOYU_MSG_CURSOR) {
			cursors++;
			shapes += m->buf != NULL;
			last = m->u.cursor;
			if (m->buf) {
				shape = m->u.cursor;
				print_message("# cursor shape %ux%u, hot spot %u,%u\n",
					      shape.width, shape.height, shape.hot_x, shape.hot_y);
			}
		}
		kyoyu_msg_unref(m);
	}
	print_message("# %d cursor messages, %d with a shape; last at %d,%d\n", cursors,
		      shapes, last.x, last.y);
	assert_int_equal(last.x, 150);
	assert_int_equal(last.y, 100);
	assert_true(last.visible);
	/* The arrow over the window: a shape of a plausible size. */
	assert_true(shapes >= 1);
	assert_in_range(shape.width, 16, 256);
	assert_in_range(shape.height, 16, 256);
}

static void test_gdi_capture_paused_posts_nothing_and_resumes_with_a_key_frame(void **state)
{
	assert_int_equal(capture_harness_set_state(&harness, KYOYU_STATE_PAUSED), 0);
	frames_within(300); /* what was under way when it paused */
	paint(100, 70, 20, 20, BLUE);
	assert_int_equal(frames_within(1500), 0);
	assert_int_equal(capture_harness_set_state(&harness, KYOYU_STATE_SHARING), 0);
	kyoyu_msg *m = next_frame(NULL);
	assert_true(m->u.frame.flags & KYOYU_FRAME_KEY);
	assert_int_equal(wrong_pixels(m, 100, 70, 20, 20, BLUE), 0);
	assert_int_equal(wrong_pixels(m, 60, 50, 30, 20, GREEN), 0);
	kyoyu_msg_unref(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gdi_capture_first_frame_holds_exactly_what_the_window_painted),
		cmocka_unit_test(test_gdi_capture_damage_is_exactly_the_painted_rectangle),
		cmocka_unit_test(test_gdi_capture_still_screen_posts_nothing),
		cmocka_unit_test(test_gdi_capture_pointer_moves_as_cursor_events),
		cmocka_unit_test(test_gdi_capture_paused_posts_nothing_and_resumes_with_a_key_frame),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
