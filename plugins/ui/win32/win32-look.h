/* SPDX-License-Identifier: MIT */
/* What ui/win32's windows share: UTF-8 words turned into Windows' UTF-16,
 * fonts that show the customer's language, sizes for the screen's DPI, the
 * colours, and keeping a window out of the shared picture.  On the thread
 * that runs the windows (the stage's). */
#ifndef UI_WIN32_LOOK_H
#define UI_WIN32_LOOK_H

#include <stdbool.h>

#include <windows.h>

/* The colours ui/gtk's style sheet gives the same things. */
#define UI_WIN32_RED RGB(0xc6, 0x28, 0x28)    /* the bar while shared */
#define UI_WIN32_AMBER RGB(0xf9, 0xa8, 0x25)  /* the bar while paused */
#define UI_WIN32_BANNER RGB(0xff, 0xe0, 0x82) /* the warning banners */
#define UI_WIN32_DARK RGB(0x20, 0x20, 0x20)
#define UI_WIN32_WHITE RGB(0xff, 0xff, 0xff)
#define UI_WIN32_HINT RGB(0xb7, 0x1c, 0x1c)     /* what is wrong with a code */
#define UI_WIN32_VERIFIED RGB(0x1b, 0x5e, 0x20) /* how the name was verified */

/* UTF-8 TEXT as a new UTF-16 string (free()), or NULL when out of memory.
 * Invalid UTF-8 shows as U+FFFD. */
wchar_t *ui_win32_wide(const char *text);

/* UTF-16 TEXT as a new UTF-8 string (free()), or NULL. */
char *ui_win32_utf8(const wchar_t *text);

/* A button's label (UTF-8, its mnemonic marked GTK's way, "_Allow") as
 * Windows marks it ("&Allow"; a real "&" doubled); free(). */
wchar_t *ui_win32_mnemonic(const char *label);

/* Sets WINDOW's text to UTF-8 TEXT. */
void ui_win32_set_text(HWND window, const char *text);

/* The fonts of one DPI, for the messages' language. */
typedef struct ui_win32_fonts {
	UINT dpi;
	HFONT body, bold, title, code;
} ui_win32_fonts;

/* Makes FONTS for DPI: a Japanese face when LANGUAGE is "ja" (Yu Gothic
 * UI, Meiryo UI, MS UI Gothic, or any face with Japanese characters), else
 * the system's message font (Windows links it to a CJK face for a Japanese
 * name in English words). */
void ui_win32_fonts_make(ui_win32_fonts *fonts, UINT dpi, const char *language);
void ui_win32_fonts_free(ui_win32_fonts *fonts);

/* PIXELS at 96 dpi, at DPI. */
int ui_win32_scale(int pixels, UINT dpi);

/* The DPI WINDOW is shown at (96 where Windows cannot say). */
UINT ui_win32_dpi(HWND window);

/* The height of TEXT (UTF-16) in FONT, wrapped at WIDTH pixels. */
int ui_win32_text_height(HWND window, HFONT font, const wchar_t *text, int width);
/* The width of TEXT on one line in FONT. */
int ui_win32_text_width(HWND window, HFONT font, const wchar_t *text);
/* The width TEXT needs in FONT not to wrap: its longest line, as a label
 * shows it (an "&" drawn, not taken for a key). */
int ui_win32_label_width(HWND window, HFONT font, const wchar_t *text);
/* How wide a window may grow, in pixels at DPI: MOST at 96 dpi, and less
 * on a screen whose work area is narrower. */
int ui_win32_widest(int most, UINT dpi);
/* Moves *LEFT and *TOP so that a window of W x H pixels lies on the
 * screen's work area (its top left corner first, if it is larger). */
void ui_win32_keep_on_screen(int *left, int *top, int w, int h);

/* Keeps WINDOW out of screen captures (WDA_EXCLUDEFROMCAPTURE, Windows 10
 * version 2004 and later).  False where Windows cannot: WHAT ("the
 * operator's arrow") then shows in the shared picture, and the log says so
 * once. */
bool ui_win32_exclude_from_capture(HWND window, const char *what);

/* The module (this DLL) whose window classes these are. */
HINSTANCE ui_win32_module(void);

/* Registers window class NAME with PROC, once per process; false when
 * Windows refuses. */
bool ui_win32_register_class(const wchar_t *name, WNDPROC proc, HBRUSH background);

#endif
