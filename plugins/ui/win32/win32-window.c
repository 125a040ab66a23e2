/* SPDX-License-Identifier: MIT */
/* The customer's window (win32-window.h): one top-level window whose
 * controls are shown, filled and laid out for one page at a time. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "code-entry.h"
#include "customer-words.h"
#include "win32-look.h"
#include "win32-window.h"

/* The window's width at 96 dpi, as ui/gtk's: the least, and the most it
 * grows to so that a label stays on one line (a title whose last kana
 * would stand alone on a line of its own); its padding and the space
 * between lines. */
#define WINDOW_WIDTH 480
#define WINDOW_MAX_WIDTH 720
#define PAD 24
#define GAP 12
#define BUTTON_HEIGHT 32
#define BUTTON_MIN_WIDTH 96
/* Room beyond a label's measured width: the static control's own drawing
 * must not wrap what DrawText measured on one line. */
#define LABEL_SLACK 4

/* The labels, in the order they stand on a page; the code's field comes
 * after UI_WIN32_ID_TEXT. */
#define FIRST_LABEL UI_WIN32_ID_TITLE
#define LABELS (UI_WIN32_ID_HINT - UI_WIN32_ID_TITLE + 1)
#define LABEL(w, id) ((w)->label[(id)-FIRST_LABEL])

/* The buttons, in the order they stand in the row, right-aligned. */
static const struct {
	int id;
	customer_text words;
} buttons[] = {
	{UI_WIN32_ID_CONNECT, CUSTOMER_CONNECT},
	{UI_WIN32_ID_DECLINE, CUSTOMER_DECLINE},
	{UI_WIN32_ID_ALLOW_UNRECORDED, CUSTOMER_ALLOW_UNRECORDED},
	{UI_WIN32_ID_ALLOW, CUSTOMER_ALLOW},
	{UI_WIN32_ID_CLOSE, CUSTOMER_CLOSE},
};
#define BUTTONS (sizeof(buttons) / sizeof(buttons[0]))

typedef enum page { PAGE_WAITING, PAGE_CODE, PAGE_QUESTION, PAGE_END } page;

struct customer_window {
	customer_session *session;
	char language[16];
	HWND window, code;
	HWND label[LABELS];
	HWND button[BUTTONS];
	bool label_shown[LABELS], button_shown[BUTTONS], code_shown;
	ui_win32_fonts fonts;
	page page;
	bool placed;       /* centred on the screen once */
	bool reformatting; /* the field's text is being set from here */
};

/* ---- building and laying out ---------------------------------------------- */

static HFONT label_font(const ui_win32_window *w, int id)
{
	if (id == UI_WIN32_ID_TITLE)
		return w->fonts.title;
	if (id == UI_WIN32_ID_RECORDED)
		return w->fonts.bold;
	return w->fonts.body;
}

static void apply_fonts(ui_win32_window *w)
{
	for (int i = 0; i < LABELS; i++)
		SendMessageW(w->label[i], WM_SETFONT, (WPARAM)label_font(w, FIRST_LABEL + i),
			     FALSE);
	for (size_t i = 0; i < BUTTONS; i++)
		SendMessageW(w->button[i], WM_SETFONT, (WPARAM)w->fonts.body, FALSE);
	SendMessageW(w->code, WM_SETFONT, (WPARAM)w->fonts.code, FALSE);
}

static int button_index(int id)
{
	for (size_t i = 0; i < BUTTONS; i++)
		if (buttons[i].id == id)
			return (int)i;
	return -1;
}

/* CONTROL's text (free()), or NULL. */
static wchar_t *text_of(HWND control)
{
	int n = GetWindowTextLengthW(control);
	wchar_t *text = calloc((size_t)n + 1, sizeof(wchar_t));

	if (text)
		GetWindowTextW(control, text, n + 1);
	return text;
}

/* The width of button I, fit to its words. */
static int button_width(const ui_win32_window *w, size_t i)
{
	UINT dpi = w->fonts.dpi;
	wchar_t *text = text_of(w->button[i]);
	int bw = text ? ui_win32_text_width(w->window, w->fonts.body, text) : 0;

	free(text);
	bw += ui_win32_scale(32, dpi);
	return bw < ui_win32_scale(BUTTON_MIN_WIDTH, dpi) ? ui_win32_scale(BUTTON_MIN_WIDTH, dpi)
							   : bw;
}

/* How wide the page's lines are: WINDOW_WIDTH's, wider where that keeps a
 * shown label on one line, up to WINDOW_MAX_WIDTH (or the screen); a
 * longer label wraps.  Always wide enough for the buttons' row. */
static int inner_width(const ui_win32_window *w)
{
	UINT dpi = w->fonts.dpi;
	int pad = ui_win32_scale(PAD, dpi), gap = ui_win32_scale(GAP, dpi);
	int inner = ui_win32_scale(WINDOW_WIDTH, dpi) - 2 * pad;
	int most = ui_win32_widest(WINDOW_MAX_WIDTH, dpi) - 2 * pad;
	int row = -gap;

	for (int i = 0; i < LABELS; i++) {
		wchar_t *text = w->label_shown[i] ? text_of(w->label[i]) : NULL;
		if (!text)
			continue;
		int one_line = ui_win32_label_width(w->window, label_font(w, FIRST_LABEL + i),
						    text) +
			       ui_win32_scale(LABEL_SLACK, dpi);
		free(text);
		if (one_line > inner && one_line <= most)
			inner = one_line;
	}
	for (size_t i = 0; i < BUTTONS; i++)
		if (w->button_shown[i])
			row += button_width(w, i) + gap;
	return row > inner ? row : inner;
}

/* Places the shown controls top to bottom and sizes the window to them. */
static void layout(ui_win32_window *w)
{
	UINT dpi = w->fonts.dpi;
	int pad = ui_win32_scale(PAD, dpi), gap = ui_win32_scale(GAP, dpi);
	int inner = inner_width(w), width = inner + 2 * pad;
	int y = pad;

	for (int i = 0; i < LABELS; i++) {
		int id = FIRST_LABEL + i;
		if (w->label_shown[i]) {
			wchar_t *text = text_of(w->label[i]);
			int h = text ? ui_win32_text_height(w->window, label_font(w, id), text,
							    inner)
				     : 0;
			free(text);
			MoveWindow(w->label[i], pad, y, inner, h, FALSE);
			y += h + gap;
		}
		ShowWindow(w->label[i], w->label_shown[i] ? SW_SHOWNA : SW_HIDE);
		if (id == UI_WIN32_ID_TEXT && w->code_shown) {
			int h = ui_win32_text_height(w->window, w->fonts.code, L"0", inner) +
				ui_win32_scale(12, dpi);
			MoveWindow(w->code, pad, y, inner, h, FALSE);
			y += h + gap;
		}
	}
	ShowWindow(w->code, w->code_shown ? SW_SHOWNA : SW_HIDE);
	/* The buttons' row, right-aligned, the last one rightmost. */
	int x = width - pad, bh = ui_win32_scale(BUTTON_HEIGHT, dpi);
	y += ui_win32_scale(6, dpi);
	for (int i = (int)BUTTONS - 1; i >= 0; i--) {
		ShowWindow(w->button[i], w->button_shown[i] ? SW_SHOWNA : SW_HIDE);
		if (!w->button_shown[i])
			continue;
		int bw = button_width(w, (size_t)i);
		x -= bw;
		MoveWindow(w->button[i], x, y, bw, bh, FALSE);
		x -= gap;
	}
	y += bh + pad;

	RECT frame = {0, 0, width, y};
	DWORD style = (DWORD)GetWindowLongW(w->window, GWL_STYLE);
	DWORD ex = (DWORD)GetWindowLongW(w->window, GWL_EXSTYLE);
	AdjustWindowRectExForDpi(&frame, style, FALSE, ex, dpi);
	int fw = frame.right - frame.left, fh = frame.bottom - frame.top;
	UINT flags = SWP_NOZORDER | SWP_NOACTIVATE;
	int left = 0, top = 0;
	if (!w->placed) {
		/* The first time: the middle of the screen's work area. */
		RECT work;
		SystemParametersInfoW(SPI_GETWORKAREA, 0, &work, 0);
		left = work.left + (work.right - work.left - fw) / 2;
		top = work.top + (work.bottom - work.top - fh) / 3;
		w->placed = true;
	} else {
		/* Wider or narrower about its middle, and never off the screen
		 * (a page wider than the last must not run past its edge). */
		RECT now;
		GetWindowRect(w->window, &now);
		left = now.left + (now.right - now.left - fw) / 2;
		top = now.top;
		ui_win32_keep_on_screen(&left, &top, fw, fh);
	}
	SetWindowPos(w->window, NULL, left, top, fw, fh, flags);
	InvalidateRect(w->window, NULL, TRUE);
}

/* The label ID says TEXT; NULL or "" hides it. */
static void set_label(ui_win32_window *w, int id, const char *text)
{
	int i = id - FIRST_LABEL;

	w->label_shown[i] = text && *text;
	ui_win32_set_text(w->label[i], w->label_shown[i] ? text : "");
}

/* Empties the page: no label, no field, no button. */
static void clear_page(ui_win32_window *w)
{
	for (int i = 0; i < LABELS; i++)
		set_label(w, FIRST_LABEL + i, NULL);
	for (size_t i = 0; i < BUTTONS; i++)
		w->button_shown[i] = false;
	w->code_shown = false;
}

static void show_button(ui_win32_window *w, int id)
{
	w->button_shown[button_index(id)] = true;
}

static void show_page(ui_win32_window *w, page p)
{
	w->page = p;
	layout(w);
	ShowWindow(w->window, SW_SHOWNORMAL);
	SetForegroundWindow(w->window);
}

/* ---- the code --------------------------------------------------------------- */

/* The field's text as UTF-8 (free()), or NULL; with the digits before the
 * cursor in *BEFORE when BEFORE is not NULL. */
static char *field_text(ui_win32_window *w, size_t *before)
{
	int n = GetWindowTextLengthW(w->code);
	wchar_t *text = calloc((size_t)n + 1, sizeof(wchar_t));
	char *utf8 = NULL;

	if (!text)
		return NULL;
	GetWindowTextW(w->code, text, n + 1);
	utf8 = ui_win32_utf8(text);
	if (before) {
		DWORD start = 0;
		SendMessageW(w->code, EM_GETSEL, (WPARAM)&start, 0);
		if (start > (DWORD)n)
			start = (DWORD)n;
		text[start] = 0;
		char *prefix = ui_win32_utf8(text);
		ui_code code;
		ui_code_read(prefix ? prefix : "", &code);
		*before = code.n;
		ui_code_clear(&code);
		if (prefix)
			SecureZeroMemory(prefix, strlen(prefix));
		free(prefix);
	}
	SecureZeroMemory(text, ((size_t)n + 1) * sizeof(wchar_t));
	free(text);
	return utf8;
}

static void forget(char *text)
{
	if (text)
		SecureZeroMemory(text, strlen(text));
	free(text);
}

/* WORDS under the field, or no line at all for "". */
static void hint(ui_win32_window *w, const char *words)
{
	bool was = w->label_shown[UI_WIN32_ID_HINT - FIRST_LABEL];

	set_label(w, UI_WIN32_ID_HINT, words);
	if (was != (*words != 0) || *words)
		layout(w);
}

/* After a change of the field: keep the digits, grouped as they are read
 * out, with the cursor after as many digits as before, and say why
 * anything else did not go in. */
static void regroup(ui_win32_window *w)
{
	size_t before = 0;
	char *now = field_text(w, &before);
	char text[UI_CODE_TEXT_MAX];
	ui_code code;

	if (!now)
		return;
	ui_code_read(now, &code);
	ui_code_format(&code, text);
	if (strcmp(text, now) != 0) {
		DWORD at = (DWORD)ui_code_position(before);
		w->reformatting = true;
		ui_win32_set_text(w->code, text);
		SendMessageW(w->code, EM_SETSEL, at, at);
		w->reformatting = false;
	}
	if (code.stray)
		hint(w, customer_words(CUSTOMER_CODE_STRAY));
	else if (code.too_long)
		hint(w, customer_words(CUSTOMER_CODE_TOO_LONG));
	else
		hint(w, "");
	ui_code_clear(&code);
	SecureZeroMemory(text, sizeof(text));
	forget(now);
}

static void submit_code(ui_win32_window *w)
{
	char *now = field_text(w, NULL);
	ui_code code;

	ui_code_read(now ? now : "", &code);
	forget(now);
	if (code.n != UI_CODE_DIGITS) {
		hint(w, customer_words(CUSTOMER_CODE_INCOMPLETE));
		ui_code_clear(&code);
		return;
	}
	ui_win32_window_wait(w, customer_words(CUSTOMER_CONNECTING));
	customer_session_code(w->session, code.digits);
	ui_code_clear(&code);
}

/* ---- the window's messages ------------------------------------------------- */

/* The question's words as the page shows them, its lines apart by "\n",
 * for the record of the customer's answer; free(). */
static char *question_words(const ui_win32_window *w)
{
	size_t len = 0, cap = 1;
	char *words;

	/* Each shown line of the question, and a "\n" between. */
	for (int i = 0; i < LABELS; i++)
		cap += w->label_shown[i] ? (size_t)GetWindowTextLengthW(w->label[i]) * 3 + 1
					 : 0;
	words = calloc(cap, 1);
	for (int i = 0; words && i < LABELS; i++) {
		if (!w->label_shown[i])
			continue;
		int n = GetWindowTextLengthW(w->label[i]);
		wchar_t *text = calloc((size_t)n + 1, sizeof(wchar_t));
		char *line = text && GetWindowTextW(w->label[i], text, n + 1) >= 0
				     ? ui_win32_utf8(text)
				     : NULL;
		size_t k = line ? strlen(line) : 0;
		if (k && len + k + 2 <= cap) {
			if (len)
				words[len++] = '\n';
			memcpy(words + len, line, k);
			len += k;
		}
		free(line);
		free(text);
	}
	return words;
}

static void answer(ui_win32_window *w, customer_answer a)
{
	ui_win32_window_wait(w, customer_words(a == CUSTOMER_ANSWER_DECLINE ? CUSTOMER_ENDING
									    : CUSTOMER_STARTING));
	char *asked = question_words(w);
	customer_session_answer(w->session, a, asked);
	free(asked);
}

static void on_command(ui_win32_window *w, int id, int event)
{
	switch (id) {
	case UI_WIN32_ID_CODE:
		if (event == EN_CHANGE && !w->reformatting)
			regroup(w);
		break;
	case UI_WIN32_ID_CONNECT: /* the button, or Enter anywhere on the page */
		if (w->page == PAGE_CODE)
			submit_code(w);
		break;
	case UI_WIN32_ID_DECLINE:
		if (w->page == PAGE_QUESTION)
			answer(w, CUSTOMER_ANSWER_DECLINE);
		break;
	case UI_WIN32_ID_ALLOW:
		if (w->page == PAGE_QUESTION)
			answer(w, CUSTOMER_ANSWER_ALLOW);
		break;
	case UI_WIN32_ID_ALLOW_UNRECORDED:
		if (w->page == PAGE_QUESTION)
			answer(w, CUSTOMER_ANSWER_ALLOW_UNRECORDED);
		break;
	case UI_WIN32_ID_CLOSE:
		customer_session_close(w->session);
		break;
	default:
		break;
	}
}

static LRESULT label_colour(HWND label, HDC dc)
{
	int id = GetDlgCtrlID(label);

	SetTextColor(dc, id == UI_WIN32_ID_VERIFIED ? UI_WIN32_VERIFIED
			 : id == UI_WIN32_ID_PROBLEM || id == UI_WIN32_ID_HINT
				 ? UI_WIN32_HINT
				 : GetSysColor(COLOR_WINDOWTEXT));
	SetBkColor(dc, GetSysColor(COLOR_WINDOW));
	return (LRESULT)GetSysColorBrush(COLOR_WINDOW);
}

static void on_dpi_changed(ui_win32_window *w, UINT dpi, const RECT *suggested)
{
	ui_win32_fonts_free(&w->fonts);
	ui_win32_fonts_make(&w->fonts, dpi, w->language);
	apply_fonts(w);
	SetWindowPos(w->window, NULL, suggested->left, suggested->top, 0, 0,
		     SWP_NOZORDER | SWP_NOACTIVATE | SWP_NOSIZE);
	layout(w);
}

static LRESULT CALLBACK window_proc(HWND window, UINT message, WPARAM wparam, LPARAM lparam)
{
	ui_win32_window *w = (ui_win32_window *)GetWindowLongPtrW(window, GWLP_USERDATA);

	if (!w)
		return DefWindowProcW(window, message, wparam, lparam);
	switch (message) {
	case WM_COMMAND:
		on_command(w, LOWORD(wparam), HIWORD(wparam));
		return 0;
	case WM_CTLCOLORSTATIC:
		return label_colour((HWND)lparam, (HDC)wparam);
	case WM_CLOSE:
		/* The owner decides when it goes. */
		customer_session_close(w->session);
		return 0;
	case WM_DPICHANGED:
		on_dpi_changed(w, HIWORD(wparam), (const RECT *)lparam);
		return 0;
	default:
		return DefWindowProcW(window, message, wparam, lparam);
	}
}

ui_win32_window *ui_win32_window_new(customer_session *session, const char *language)
{
	ui_win32_window *w = calloc(1, sizeof(*w));
	HINSTANCE module = ui_win32_module();

	if (!w)
		return NULL;
	w->session = session;
	strncpy(w->language, language, sizeof(w->language) - 1);
	if (!ui_win32_register_class(UI_WIN32_WINDOW_CLASS, window_proc,
				     GetSysColorBrush(COLOR_WINDOW)))
		goto out_free;
	wchar_t *title = ui_win32_wide(customer_words(CUSTOMER_WINDOW_TITLE));
	w->window = CreateWindowExW(WS_EX_CONTROLPARENT, UI_WIN32_WINDOW_CLASS,
				    title ? title : L"kyoyu",
				    WS_OVERLAPPED | WS_CAPTION | WS_SYSMENU | WS_MINIMIZEBOX,
				    CW_USEDEFAULT, CW_USEDEFAULT, 100, 100, NULL, NULL,
				    module, NULL);
	free(title);
	if (!w->window)
		goto out_free;
	ui_win32_fonts_make(&w->fonts, ui_win32_dpi(w->window), w->language);
	for (int i = 0; i < LABELS; i++)
		/* SS_NOPREFIX: an "&" in a name is shown, not taken for a key. */
		w->label[i] = CreateWindowExW(0, L"STATIC", L"",
					      WS_CHILD | SS_LEFT | SS_NOPREFIX |
						      SS_EDITCONTROL,
					      0, 0, 10, 10, w->window,
					      (HMENU)(INT_PTR)(FIRST_LABEL + i), module,
					      NULL);
	w->code = CreateWindowExW(WS_EX_CLIENTEDGE, L"EDIT", L"",
				  WS_CHILD | WS_TABSTOP | ES_CENTER | ES_AUTOHSCROLL, 0, 0,
				  10, 10, w->window, (HMENU)(INT_PTR)UI_WIN32_ID_CODE, module,
				  NULL);
	for (size_t i = 0; i < BUTTONS; i++) {
		wchar_t *label = ui_win32_mnemonic(customer_words(buttons[i].words));
		DWORD style = WS_CHILD | WS_TABSTOP |
			      (buttons[i].id == UI_WIN32_ID_CONNECT ? BS_DEFPUSHBUTTON
								    : BS_PUSHBUTTON);
		w->button[i] = CreateWindowExW(0, L"BUTTON", label ? label : L"", style, 0, 0,
					       10, 10, w->window,
					       (HMENU)(INT_PTR)buttons[i].id, module, NULL);
		free(label);
	}
	apply_fonts(w);
	SetWindowLongPtrW(w->window, GWLP_USERDATA, (LONG_PTR)w);
	return w;

out_free:
	free(w);
	return NULL;
}

void ui_win32_window_free(ui_win32_window *w)
{
	if (!w)
		return;
	/* The field may still hold a code. */
	w->reformatting = true;
	SetWindowTextW(w->code, L"");
	SetWindowLongPtrW(w->window, GWLP_USERDATA, 0);
	DestroyWindow(w->window);
	ui_win32_fonts_free(&w->fonts);
	free(w);
}

HWND ui_win32_window_handle(const ui_win32_window *w)
{
	return w->window;
}

void ui_win32_window_wait(ui_win32_window *w, const char *words)
{
	clear_page(w);
	set_label(w, UI_WIN32_ID_TEXT, words);
	show_page(w, PAGE_WAITING);
}

void ui_win32_window_ask_code(ui_win32_window *w, unsigned failures)
{
	clear_page(w);
	set_label(w, UI_WIN32_ID_TITLE, customer_words(CUSTOMER_CODE_TITLE));
	set_label(w, UI_WIN32_ID_TEXT, customer_words(CUSTOMER_CODE_EXAMPLE));
	set_label(w, UI_WIN32_ID_PROBLEM, customer_words_code_problem(failures));
	w->code_shown = true;
	show_button(w, UI_WIN32_ID_CONNECT);
	if (failures >= CUSTOMER_FAILURES_BEFORE_NEW_CODE) {
		w->reformatting = true;
		SetWindowTextW(w->code, L"");
		w->reformatting = false;
	}
	show_page(w, PAGE_CODE);
	SetFocus(w->code);
	SendMessageW(w->code, EM_SETSEL, 0, -1);
}

void ui_win32_window_ask_consent(ui_win32_window *w, const char *asker, const char *verified,
				 customer_question question)
{
	char title[CUSTOMER_WORDS_MAX];

	clear_page(w);
	customer_words_question(asker, question != CUSTOMER_ASK_UNRECORDED, title,
				sizeof(title));
	set_label(w, UI_WIN32_ID_TITLE, title);
	set_label(w, UI_WIN32_ID_VERIFIED, verified);
	set_label(w, UI_WIN32_ID_TEXT, customer_words(CUSTOMER_ONLY_SEE));
	if (question == CUSTOMER_ASK_RECORDED)
		set_label(w, UI_WIN32_ID_RECORDED, customer_words(CUSTOMER_RECORDED));
	else if (question == CUSTOMER_ASK_RECORDING_OPTIONAL)
		set_label(w, UI_WIN32_ID_RECORDED,
			  customer_words(CUSTOMER_RECORDING_OPTIONAL));
	set_label(w, UI_WIN32_ID_MORE, customer_words(CUSTOMER_NOTHING_UNTIL_AGREED));
	show_button(w, UI_WIN32_ID_DECLINE);
	if (question == CUSTOMER_ASK_RECORDING_OPTIONAL)
		show_button(w, UI_WIN32_ID_ALLOW_UNRECORDED);
	show_button(w, UI_WIN32_ID_ALLOW);
	show_page(w, PAGE_QUESTION);
	SetFocus(w->button[button_index(UI_WIN32_ID_ALLOW)]);
}

void ui_win32_window_show_end(ui_win32_window *w, const char *why, bool shared,
			      const char *detail)
{
	clear_page(w);
	set_label(w, UI_WIN32_ID_TITLE, customer_words(CUSTOMER_ENDED_TITLE));
	set_label(w, UI_WIN32_ID_TEXT, why);
	set_label(w, UI_WIN32_ID_MORE, customer_words_after(shared));
	set_label(w, UI_WIN32_ID_HINT, detail);
	show_button(w, UI_WIN32_ID_CLOSE);
	/* The code is of no use any more. */
	w->reformatting = true;
	SetWindowTextW(w->code, L"");
	w->reformatting = false;
	show_page(w, PAGE_END);
	SetFocus(w->button[button_index(UI_WIN32_ID_CLOSE)]);
}

void ui_win32_window_hide(ui_win32_window *w)
{
	ShowWindow(w->window, SW_HIDE);
}
