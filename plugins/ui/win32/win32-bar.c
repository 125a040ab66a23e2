/* SPDX-License-Identifier: MIT */
/* The sharing bar (win32-bar.h): a borderless topmost window that does not
 * activate, dragged by any part that is not a button. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "customer-words.h"
#include "win32-bar.h"
#include "win32-look.h"

/* At 96 dpi: the bar's least width (room for 44 characters of the status
 * line, as ui/gtk's) and the most it grows to so that the status line and
 * the banners stay on one line, its padding, the buttons' height. */
#define BAR_WIDTH 460
#define BAR_MAX_WIDTH 720
#define PAD 8
#define BUTTON_HEIGHT 28
#define BUTTON_MIN_WIDTH 80
/* Away from the top edge of the screen. */
#define TOP_MARGIN 4

struct customer_bar {
	customer_session *session;
	char language[16];
	HWND window, warning, news, status, time_left, pause, stop;
	HBRUSH red, amber, banner;
	ui_win32_fonts fonts;
	char *asker;
	bool paused, lost, warned, told;
	bool placed;       /* put at the top centre since it was last shown */
	int banner_height; /* of the banners' band at the top, or 0 */
};

static void describe(ui_win32_bar *b)
{
	char words[CUSTOMER_WORDS_MAX];

	customer_words_bar_status(b->lost, b->paused, b->asker, words, sizeof(words));
	ui_win32_set_text(b->status, words);
	wchar_t *label = ui_win32_mnemonic(
		customer_words(b->paused ? CUSTOMER_RESUME : CUSTOMER_PAUSE));
	SetWindowTextW(b->pause, label ? label : L"");
	free(label);
}

/* The width LABEL's words need on one line, in the bar's font. */
static int one_line_width(ui_win32_bar *b, HWND label)
{
	int n = GetWindowTextLengthW(label);
	wchar_t *text = calloc((size_t)n + 1, sizeof(wchar_t));
	int w = 0;

	if (text) {
		GetWindowTextW(label, text, n + 1);
		/* A little room: the label's own drawing must not wrap what was
		 * measured on one line. */
		w = ui_win32_label_width(b->window, b->fonts.bold, text) +
		    ui_win32_scale(4, b->fonts.dpi);
	}
	free(text);
	return w;
}

static int text_height(ui_win32_bar *b, HWND label, HFONT font, int width)
{
	int n = GetWindowTextLengthW(label);
	wchar_t *text = calloc((size_t)n + 1, sizeof(wchar_t));
	int h = 0;

	if (text) {
		GetWindowTextW(label, text, n + 1);
		h = ui_win32_text_height(b->window, font, text, width);
	}
	free(text);
	return h;
}

static int button_width(ui_win32_bar *b, HWND button)
{
	wchar_t text[128];
	UINT dpi = b->fonts.dpi;

	GetWindowTextW(button, text, 128);
	int w = ui_win32_text_width(b->window, b->fonts.bold, text) + ui_win32_scale(24, dpi);
	return w < ui_win32_scale(BUTTON_MIN_WIDTH, dpi)
		       ? ui_win32_scale(BUTTON_MIN_WIDTH, dpi)
		       : w;
}

/* How wide the bar's lines are: BAR_WIDTH's, wider where that keeps the
 * status line or a banner on one line, up to BAR_MAX_WIDTH (or the
 * screen); always wide enough for the time left and the buttons. */
static int inner_width(ui_win32_bar *b, HWND banners[2], const bool shown[2])
{
	UINT dpi = b->fonts.dpi;
	int pad = ui_win32_scale(PAD, dpi);
	int inner = ui_win32_scale(BAR_WIDTH, dpi) - 2 * pad;
	int most = ui_win32_widest(BAR_MAX_WIDTH, dpi) - 2 * pad;
	int lines[] = {one_line_width(b, b->status), shown[0] ? one_line_width(b, banners[0]) : 0,
		       shown[1] ? one_line_width(b, banners[1]) : 0};

	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		if (lines[i] > inner && lines[i] <= most)
			inner = lines[i];
	int row = one_line_width(b, b->time_left) + 2 * pad + button_width(b, b->pause) +
		  button_width(b, b->stop);
	return row > inner ? row : inner;
}

/* Banners on top, then who sees the screen (at most two lines' room),
 * then the time left with the buttons on its right. */
static void layout(ui_win32_bar *b)
{
	UINT dpi = b->fonts.dpi;
	HWND banners[] = {b->warning, b->news};
	bool shown[] = {b->warned, b->told};
	int pad = ui_win32_scale(PAD, dpi), inner = inner_width(b, banners, shown);
	int width = inner + 2 * pad, y = 0;

	for (size_t i = 0; i < 2; i++) {
		ShowWindow(banners[i], shown[i] ? SW_SHOWNA : SW_HIDE);
		if (!shown[i])
			continue;
		int h = text_height(b, banners[i], b->fonts.bold, inner);
		MoveWindow(banners[i], pad, y + pad / 2, inner, h, FALSE);
		y += h + pad;
	}
	b->banner_height = y;
	y += pad;
	/* Two lines' room whatever it says, so the bar keeps its size when
	 * paused; a longer name is cut after two lines. */
	int h = ui_win32_text_height(b->window, b->fonts.bold, L"A\nA", inner);
	MoveWindow(b->status, pad, y, inner, h, FALSE);
	y += h + pad / 2;
	int bh = ui_win32_scale(BUTTON_HEIGHT, dpi), x = width - pad;
	int stop_w = button_width(b, b->stop), pause_w = button_width(b, b->pause);
	x -= stop_w;
	MoveWindow(b->stop, x, y, stop_w, bh, FALSE);
	x -= pad + pause_w;
	MoveWindow(b->pause, x, y, pause_w, bh, FALSE);
	int th = ui_win32_text_height(b->window, b->fonts.bold, L"0", inner);
	MoveWindow(b->time_left, pad, y + (bh - th) / 2, x - 2 * pad, th, FALSE);
	y += bh + pad;

	RECT frame = {0, 0, width, y};
	AdjustWindowRectExForDpi(&frame, (DWORD)GetWindowLongW(b->window, GWL_STYLE), FALSE,
				 (DWORD)GetWindowLongW(b->window, GWL_EXSTYLE), dpi);
	int fw = frame.right - frame.left, fh = frame.bottom - frame.top;
	UINT flags = SWP_NOZORDER | SWP_NOACTIVATE;
	int left = 0, top = 0;
	if (!b->placed) {
		RECT work;
		SystemParametersInfoW(SPI_GETWORKAREA, 0, &work, 0);
		left = work.left + (work.right - work.left - fw) / 2;
		top = work.top + ui_win32_scale(TOP_MARGIN, dpi);
		b->placed = true;
	} else {
		/* Wider or narrower about its middle, where the customer left it. */
		RECT now;
		GetWindowRect(b->window, &now);
		left = now.left + (now.right - now.left - fw) / 2;
		top = now.top;
		ui_win32_keep_on_screen(&left, &top, fw, fh);
	}
	SetWindowPos(b->window, NULL, left, top, fw, fh, flags);
	InvalidateRect(b->window, NULL, TRUE);
}

static void apply_fonts(ui_win32_bar *b)
{
	HWND bold[] = {b->warning, b->news, b->status, b->time_left, b->pause, b->stop};

	for (size_t i = 0; i < sizeof(bold) / sizeof(bold[0]); i++)
		SendMessageW(bold[i], WM_SETFONT, (WPARAM)b->fonts.bold, FALSE);
}

/* Red while shared, amber while paused; the banners in pale amber. */
static LRESULT colour(ui_win32_bar *b, HWND label, HDC dc)
{
	if (label == b->warning || label == b->news) {
		SetTextColor(dc, UI_WIN32_DARK);
		SetBkColor(dc, UI_WIN32_BANNER);
		return (LRESULT)b->banner;
	}
	SetTextColor(dc, b->paused ? UI_WIN32_DARK : UI_WIN32_WHITE);
	SetBkColor(dc, b->paused ? UI_WIN32_AMBER : UI_WIN32_RED);
	return (LRESULT)(b->paused ? b->amber : b->red);
}

static LRESULT CALLBACK bar_proc(HWND window, UINT message, WPARAM wparam, LPARAM lparam)
{
	ui_win32_bar *b = (ui_win32_bar *)GetWindowLongPtrW(window, GWLP_USERDATA);

	if (!b)
		return DefWindowProcW(window, message, wparam, lparam);
	switch (message) {
	case WM_COMMAND:
		/* The state on the bus says when it happened; the bar follows it. */
		if (LOWORD(wparam) == UI_WIN32_BAR_ID_PAUSE)
			(b->paused ? customer_session_resume : customer_session_pause)(b->session);
		else if (LOWORD(wparam) == UI_WIN32_BAR_ID_STOP)
			customer_session_stop(b->session);
		return 0;
	case WM_CTLCOLORSTATIC:
		return colour(b, (HWND)lparam, (HDC)wparam);
	case WM_ERASEBKGND: {
		RECT all;
		GetClientRect(window, &all);
		FillRect((HDC)wparam, &all, b->paused ? b->amber : b->red);
		all.bottom = b->banner_height;
		FillRect((HDC)wparam, &all, b->banner);
		return 1;
	}
	case WM_NCHITTEST: {
		/* The whole bar is a handle: dragging it moves it out of the way. */
		LRESULT hit = DefWindowProcW(window, message, wparam, lparam);
		return hit == HTCLIENT ? HTCAPTION : hit;
	}
	case WM_MOUSEACTIVATE:
		return MA_NOACTIVATE;
	case WM_CLOSE:
		/* Closing the bar (Alt+F4) stops sharing, as Stop does: a person
		 * who closes it does not expect to be still shared. */
		customer_session_stop(b->session);
		return 0;
	case WM_DPICHANGED:
		ui_win32_fonts_free(&b->fonts);
		ui_win32_fonts_make(&b->fonts, HIWORD(wparam), b->language);
		apply_fonts(b);
		layout(b);
		return 0;
	default:
		return DefWindowProcW(window, message, wparam, lparam);
	}
}

static HWND add_control(ui_win32_bar *b, const wchar_t *kind, DWORD style, int id)
{
	return CreateWindowExW(0, kind, L"", WS_CHILD | WS_VISIBLE | style, 0, 0, 10, 10,
			       b->window, (HMENU)(INT_PTR)id, ui_win32_module(), NULL);
}

ui_win32_bar *ui_win32_bar_new(customer_session *session, const char *language)
{
	ui_win32_bar *b = calloc(1, sizeof(*b));

	if (!b)
		return NULL;
	b->session = session;
	strncpy(b->language, language, sizeof(b->language) - 1);
	b->red = CreateSolidBrush(UI_WIN32_RED);
	b->amber = CreateSolidBrush(UI_WIN32_AMBER);
	b->banner = CreateSolidBrush(UI_WIN32_BANNER);
	if (!ui_win32_register_class(UI_WIN32_BAR_CLASS, bar_proc, NULL))
		goto out_free;
	wchar_t *title = ui_win32_wide(customer_words(CUSTOMER_BAR_TITLE));
	/* WS_EX_NOACTIVATE: pressing Pause leaves the focus where the
	 * customer was typing.  It is in the taskbar all the same, so it can
	 * be found. */
	b->window = CreateWindowExW(WS_EX_TOPMOST | WS_EX_NOACTIVATE | WS_EX_APPWINDOW,
				    UI_WIN32_BAR_CLASS, title ? title : L"kyoyu",
				    WS_POPUP | WS_BORDER, 0, 0, 100, 100, NULL, NULL,
				    ui_win32_module(), NULL);
	free(title);
	if (!b->window)
		goto out_free;
	ui_win32_fonts_make(&b->fonts, ui_win32_dpi(b->window), b->language);
	b->warning = add_control(b, L"STATIC", SS_LEFT | SS_NOPREFIX,
				 UI_WIN32_BAR_ID_WARNING);
	b->news = add_control(b, L"STATIC", SS_LEFT | SS_NOPREFIX, UI_WIN32_BAR_ID_NEWS);
	b->status = add_control(b, L"STATIC", SS_LEFT | SS_NOPREFIX, UI_WIN32_BAR_ID_STATUS);
	b->time_left = add_control(b, L"STATIC", SS_LEFT | SS_NOPREFIX, UI_WIN32_BAR_ID_TIME);
	b->pause = add_control(b, L"BUTTON", BS_PUSHBUTTON, UI_WIN32_BAR_ID_PAUSE);
	b->stop = add_control(b, L"BUTTON", BS_PUSHBUTTON, UI_WIN32_BAR_ID_STOP);
	wchar_t *stop = ui_win32_mnemonic(customer_words(CUSTOMER_STOP));
	SetWindowTextW(b->stop, stop ? stop : L"");
	free(stop);
	apply_fonts(b);
	SetWindowLongPtrW(b->window, GWLP_USERDATA, (LONG_PTR)b);
	return b;

out_free:
	ui_win32_bar_free(b);
	return NULL;
}

void ui_win32_bar_free(ui_win32_bar *b)
{
	if (!b)
		return;
	if (b->window) {
		SetWindowLongPtrW(b->window, GWLP_USERDATA, 0);
		DestroyWindow(b->window);
	}
	ui_win32_fonts_free(&b->fonts);
	DeleteObject(b->red);
	DeleteObject(b->amber);
	DeleteObject(b->banner);
	free(b->asker);
	free(b);
}

void ui_win32_bar_show(ui_win32_bar *b, const char *asker)
{
	free(b->asker);
	b->asker = asker ? strdup(asker) : NULL;
	b->placed = false;
	describe(b);
	layout(b);
	ShowWindow(b->window, SW_SHOWNOACTIVATE);
	SetWindowPos(b->window, HWND_TOPMOST, 0, 0, 0, 0,
		     SWP_NOMOVE | SWP_NOSIZE | SWP_NOACTIVATE);
}

void ui_win32_bar_hide(ui_win32_bar *b)
{
	ShowWindow(b->window, SW_HIDE);
}

/* After the colour changed: the labels and the background again. */
static void repaint(ui_win32_bar *b)
{
	RedrawWindow(b->window, NULL, NULL, RDW_ERASE | RDW_INVALIDATE | RDW_ALLCHILDREN);
}

void ui_win32_bar_set_paused(ui_win32_bar *b, bool paused)
{
	bool changed = b->paused != paused;

	b->paused = paused;
	describe(b);
	if (changed) {
		layout(b);
		repaint(b);
	}
}

void ui_win32_bar_set_link_lost(ui_win32_bar *b, bool lost)
{
	b->lost = lost;
	describe(b);
	repaint(b);
}

void ui_win32_bar_set_time_left(ui_win32_bar *b, int64_t seconds)
{
	char words[CUSTOMER_WORDS_MAX];

	customer_words_time_left(seconds, words, sizeof(words));
	ui_win32_set_text(b->time_left, words);
}

void ui_win32_bar_warn(ui_win32_bar *b, const char *words)
{
	bool first = !b->warned;

	ui_win32_set_text(b->warning, words);
	b->warned = true;
	if (first)
		layout(b);
}

void ui_win32_bar_tell(ui_win32_bar *b, const char *words)
{
	if (words)
		ui_win32_set_text(b->news, words);
	b->told = words != NULL;
	layout(b);
}
