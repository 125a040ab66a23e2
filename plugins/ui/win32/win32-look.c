/* SPDX-License-Identifier: MIT */
/* ui/win32's text, fonts, sizes and capture exclusion (win32-look.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#define KYOYU_LOG_COMPONENT "ui/win32"
#include <kyoyu/kyoyu.h>

#include "win32-look.h"

/* Point sizes, as ui/gtk's style sheet has them for the title and the code. */
#define BODY_PT 11
#define TITLE_PT 15
#define CODE_PT 26

wchar_t *ui_win32_wide(const char *text)
{
	int n = MultiByteToWideChar(CP_UTF8, 0, text, -1, NULL, 0);
	wchar_t *wide = n > 0 ? malloc((size_t)n * sizeof(wchar_t)) : NULL;

	if (wide && MultiByteToWideChar(CP_UTF8, 0, text, -1, wide, n) != n) {
		free(wide);
		return NULL;
	}
	return wide;
}

char *ui_win32_utf8(const wchar_t *text)
{
	int n = WideCharToMultiByte(CP_UTF8, 0, text, -1, NULL, 0, NULL, NULL);
	char *utf8 = n > 0 ? malloc((size_t)n) : NULL;

	if (utf8 && WideCharToMultiByte(CP_UTF8, 0, text, -1, utf8, n, NULL, NULL) != n) {
		free(utf8);
		return NULL;
	}
	return utf8;
}

wchar_t *ui_win32_mnemonic(const char *label)
{
	wchar_t *wide = ui_win32_wide(label);
	size_t n = wide ? wcslen(wide) : 0;
	wchar_t *out = wide ? malloc((2 * n + 1) * sizeof(wchar_t)) : NULL;
	size_t o = 0;

	if (!out) {
		free(wide);
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		if (wide[i] == L'&')
			out[o++] = L'&';
		out[o++] = wide[i] == L'_' ? L'&' : wide[i];
	}
	out[o] = 0;
	free(wide);
	return out;
}

void ui_win32_set_text(HWND window, const char *text)
{
	wchar_t *wide = ui_win32_wide(text);

	SetWindowTextW(window, wide ? wide : L"");
	free(wide);
}

int ui_win32_scale(int pixels, UINT dpi)
{
	return MulDiv(pixels, (int)dpi, 96);
}

UINT ui_win32_dpi(HWND window)
{
	UINT dpi = window ? GetDpiForWindow(window) : GetDpiForSystem();

	return dpi ? dpi : 96;
}

/* ---- fonts ---------------------------------------------------------------- */

typedef struct face_search {
	const wchar_t *name; /* wanted, or NULL: any face with Japanese */
	wchar_t found[LF_FACESIZE];
} face_search;

static int CALLBACK on_face(const LOGFONTW *font, const TEXTMETRICW *metric, DWORD type,
			    LPARAM data)
{
	face_search *search = (face_search *)data;

	/* "@Face" is the same face set for vertical writing. */
	if (font->lfFaceName[0] == L'@')
		return 1;
	wcsncpy(search->found, font->lfFaceName, LF_FACESIZE - 1);
	search->found[LF_FACESIZE - 1] = 0;
	return 0;
}

/* Whether Windows has face NAME (or, NAME NULL, any face with Japanese
 * characters); its name in FOUND. */
static bool find_face(HDC dc, const wchar_t *name, face_search *search)
{
	LOGFONTW want = {.lfCharSet = name ? DEFAULT_CHARSET : SHIFTJIS_CHARSET};

	search->name = name;
	search->found[0] = 0;
	if (name)
		wcsncpy(want.lfFaceName, name, LF_FACESIZE - 1);
	EnumFontFamiliesExW(dc, &want, on_face, (LPARAM)search, 0);
	return search->found[0] != 0;
}

/* The face for LANGUAGE's words into FACE (LF_FACESIZE). */
static void choose_face(const char *language, wchar_t *face)
{
	static const wchar_t *const japanese[] = {L"Yu Gothic UI", L"Meiryo UI",
						  L"MS UI Gothic", L"Meiryo",
						  L"Yu Gothic",    NULL};
	NONCLIENTMETRICSW metrics = {.cbSize = sizeof(metrics)};
	face_search search;

	wcscpy(face, L"Segoe UI");
	if (SystemParametersInfoW(SPI_GETNONCLIENTMETRICS, sizeof(metrics), &metrics, 0))
		wcsncpy(face, metrics.lfMessageFont.lfFaceName, LF_FACESIZE - 1);
	if (strcmp(language, "ja") != 0)
		return;
	HDC dc = GetDC(NULL);
	bool found = false;
	for (size_t i = 0; japanese[i] && !found; i++)
		found = find_face(dc, japanese[i], &search);
	if (!found)
		found = find_face(dc, NULL, &search);
	ReleaseDC(NULL, dc);
	if (found)
		wcsncpy(face, search.found, LF_FACESIZE - 1);
	else
		kyoyu_warn(
			"no font with Japanese characters is installed: Japanese words may "
			"show as boxes");
}

static HFONT make_font(const wchar_t *face, int points, int weight, UINT dpi)
{
	LOGFONTW font = {
		.lfHeight = -MulDiv(points, (int)dpi, 72),
		.lfWeight = weight,
		.lfCharSet = DEFAULT_CHARSET,
		.lfQuality = CLEARTYPE_QUALITY,
	};

	wcsncpy(font.lfFaceName, face, LF_FACESIZE - 1);
	return CreateFontIndirectW(&font);
}

void ui_win32_fonts_make(ui_win32_fonts *fonts, UINT dpi, const char *language)
{
	wchar_t face[LF_FACESIZE] = {0};

	choose_face(language, face);
	fonts->dpi = dpi;
	fonts->body = make_font(face, BODY_PT, FW_NORMAL, dpi);
	fonts->bold = make_font(face, BODY_PT, FW_BOLD, dpi);
	fonts->title = make_font(face, TITLE_PT, FW_BOLD, dpi);
	/* The code is digits and dashes: the text face, large. */
	fonts->code = make_font(face, CODE_PT, FW_NORMAL, dpi);
}

void ui_win32_fonts_free(ui_win32_fonts *fonts)
{
	HFONT all[] = {fonts->body, fonts->bold, fonts->title, fonts->code};

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (all[i])
			DeleteObject(all[i]);
	memset(fonts, 0, sizeof(*fonts));
}

int ui_win32_text_height(HWND window, HFONT font, const wchar_t *text, int width)
{
	HDC dc = GetDC(window);
	HGDIOBJ old = SelectObject(dc, font);
	RECT r = {0, 0, width, 0};

	DrawTextW(dc, text, -1, &r,
		  DT_CALCRECT | DT_WORDBREAK | DT_NOPREFIX | DT_EDITCONTROL);
	SelectObject(dc, old);
	ReleaseDC(window, dc);
	return r.bottom - r.top;
}

int ui_win32_text_width(HWND window, HFONT font, const wchar_t *text)
{
	HDC dc = GetDC(window);
	HGDIOBJ old = SelectObject(dc, font);
	RECT r = {0, 0, 0, 0};

	DrawTextW(dc, text, -1, &r, DT_CALCRECT | DT_SINGLELINE);
	SelectObject(dc, old);
	ReleaseDC(window, dc);
	return r.right - r.left;
}

int ui_win32_label_width(HWND window, HFONT font, const wchar_t *text)
{
	HDC dc = GetDC(window);
	HGDIOBJ old = SelectObject(dc, font);
	RECT r = {0, 0, 0, 0};

	DrawTextW(dc, text, -1, &r, DT_CALCRECT | DT_NOPREFIX | DT_EXPANDTABS);
	SelectObject(dc, old);
	ReleaseDC(window, dc);
	return r.right - r.left;
}

int ui_win32_widest(int most, UINT dpi)
{
	RECT work;
	int widest = ui_win32_scale(most, dpi);

	/* A frame's room on either side of the screen. */
	if (SystemParametersInfoW(SPI_GETWORKAREA, 0, &work, 0) &&
	    work.right - work.left - ui_win32_scale(32, dpi) < widest)
		widest = work.right - work.left - ui_win32_scale(32, dpi);
	return widest;
}

void ui_win32_keep_on_screen(int *left, int *top, int w, int h)
{
	RECT work;

	if (!SystemParametersInfoW(SPI_GETWORKAREA, 0, &work, 0))
		return;
	if (*left + w > work.right)
		*left = work.right - w;
	if (*top + h > work.bottom)
		*top = work.bottom - h;
	if (*left < work.left)
		*left = work.left;
	if (*top < work.top)
		*top = work.top;
}

/* ---- windows -------------------------------------------------------------- */

bool ui_win32_exclude_from_capture(HWND window, const char *what)
{
	/* Loaded by name: the call is older than the value, and a build that
	 * names neither keeps loading on any Windows 10. */
	typedef BOOL(WINAPI * set_affinity_fn)(HWND, DWORD);
	static bool told;
	const DWORD exclude = 0x11; /* WDA_EXCLUDEFROMCAPTURE */
	HMODULE user32 = GetModuleHandleW(L"user32.dll");
	set_affinity_fn set_affinity =
		user32 ? (set_affinity_fn)(void (*)(
				 void))GetProcAddress(user32, "SetWindowDisplayAffinity")
		       : NULL;

	if (set_affinity && set_affinity(window, exclude))
		return true;
	if (!told)
		kyoyu_info("this Windows cannot keep a window out of screen captures (it "
			   "needs Windows 10 version 2004): %s shows in the shared picture",
			   what);
	told = true;
	return false;
}

HINSTANCE ui_win32_module(void)
{
	HMODULE module = NULL;

	GetModuleHandleExW(GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS |
				   GET_MODULE_HANDLE_EX_FLAG_UNCHANGED_REFCOUNT,
			   (LPCWSTR)(void *)ui_win32_module, &module);
	return module;
}

bool ui_win32_register_class(const wchar_t *name, WNDPROC proc, HBRUSH background)
{
	WNDCLASSEXW wc = {
		.cbSize = sizeof(wc),
		.lpfnWndProc = proc,
		.hInstance = ui_win32_module(),
		.hCursor = LoadCursorW(NULL, (LPCWSTR)IDC_ARROW),
		.hbrBackground = background,
		.lpszClassName = name,
	};

	return RegisterClassExW(&wc) || GetLastError() == ERROR_CLASS_ALREADY_EXISTS;
}
