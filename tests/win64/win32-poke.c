/* SPDX-License-Identifier: MIT */
/* win32-poke: what the Wine test of ui/win32 (tests/win64/ui-win32-wine.sh)
 * asks of the customer's windows, found by their class and their
 * controls' ids (plugins/ui/win32/win32-window.h, win32-bar.h) whatever
 * the language:
 *
 *   win32-poke.exe wait CLASS ID SECONDS   until control ID of the shown
 *                                         window CLASS is shown (exit 1: not)
 *   win32-poke.exe gone CLASS SECONDS      until no window CLASS is shown
 *   win32-poke.exe text CLASS ID           prints the control's words (UTF-8)
 *   win32-poke.exe rect CLASS ID           prints its middle "X Y" on the
 *                                         screen, then the window's client
 *                                         area "X Y W H"
 *   win32-poke.exe type CLASS ID TEXT      gives it TEXT as typed characters
 *                                         (WM_CHAR, as an input method does)
 *   win32-poke.exe press CLASS ID          presses the button (BM_CLICK)
 *   win32-poke.exe window CLASS            prints where the shown window is,
 *                                         "X Y W H" (exit 1: not shown)
 *   win32-poke.exe style CLASS             prints its extended style (hex)
 *
 * CLASS is "customer" (kyoyu-customer), "bar" (kyoyu-sharing-bar) or
 * "arrow" (kyoyu-operator-arrow). */
#include <stdio.h>
#include <stdlib.h>
#include <wchar.h>

#include <windows.h>

#include <shellapi.h>

static HWND find(const wchar_t *which)
{
	const wchar_t *cls = wcscmp(which, L"bar") == 0     ? L"kyoyu-sharing-bar"
			     : wcscmp(which, L"arrow") == 0 ? L"kyoyu-operator-arrow"
							    : L"kyoyu-customer";
	HWND w = FindWindowW(cls, NULL);

	return w && IsWindowVisible(w) ? w : NULL;
}

static HWND control(const wchar_t *which, const wchar_t *id)
{
	HWND w = find(which);
	HWND c = w ? GetDlgItem(w, _wtoi(id)) : NULL;

	return c && IsWindowVisible(c) ? c : NULL;
}

static int print_utf8(const wchar_t *text)
{
	char out[4096];
	int n = WideCharToMultiByte(CP_UTF8, 0, text, -1, out, sizeof(out), NULL, NULL);

	if (n <= 0)
		return 1;
	/* Bytes as they are: the test reads UTF-8. */
	fwrite(out, 1, (size_t)n - 1, stdout);
	fputc('\n', stdout);
	return 0;
}

int main(void)
{
	int argc;
	wchar_t **argv = CommandLineToArgvW(GetCommandLineW(), &argc);

	if (!argv || argc < 3) {
		fprintf(stderr,
			"usage: win32-poke.exe wait|gone|text|rect|type|press CLASS ...\n");
		return 2;
	}
	const wchar_t *cmd = argv[1], *cls = argv[2];
	if (wcscmp(cmd, L"wait") == 0 && argc == 5) {
		for (int i = _wtoi(argv[4]) * 10; i > 0 && !control(cls, argv[3]); i--)
			Sleep(100);
		return control(cls, argv[3]) ? 0 : 1;
	}
	if (wcscmp(cmd, L"gone") == 0 && argc == 4) {
		for (int i = _wtoi(argv[3]) * 10; i > 0 && find(cls); i--)
			Sleep(100);
		return find(cls) ? 1 : 0;
	}
	if (wcscmp(cmd, L"style") == 0) {
		HWND w = find(cls);
		if (!w)
			return 1;
		printf("%lx\n", (unsigned long)GetWindowLongW(w, GWL_EXSTYLE));
		return 0;
	}
	if (wcscmp(cmd, L"window") == 0) {
		HWND w = find(cls);
		RECT r;
		if (!w || !GetWindowRect(w, &r))
			return 1;
		printf("%ld %ld %ld %ld\n", r.left, r.top, r.right - r.left,
		       r.bottom - r.top);
		return 0;
	}
	HWND c = argc >= 4 ? control(cls, argv[3]) : NULL;
	if (!c) {
		fprintf(stderr, "win32-poke: no control %ls shown in window %ls\n",
			argc >= 4 ? argv[3] : L"?", cls);
		return 1;
	}
	if (wcscmp(cmd, L"text") == 0) {
		wchar_t text[2048] = {0};
		/* WM_GETTEXT: GetWindowText gives another process's controls
		 * only the text they were made with. */
		SendMessageW(c, WM_GETTEXT, 2048, (LPARAM)text);
		return print_utf8(text);
	}
	if (wcscmp(cmd, L"rect") == 0) {
		RECT r, client;
		HWND root = GetAncestor(c, GA_ROOT);
		POINT origin = {0, 0};
		GetWindowRect(c, &r);
		GetClientRect(root, &client);
		ClientToScreen(root, &origin);
		printf("%ld %ld %ld %ld %ld %ld\n", (r.left + r.right) / 2,
		       (r.top + r.bottom) / 2, origin.x, origin.y, client.right,
		       client.bottom);
		return 0;
	}
	if (wcscmp(cmd, L"type") == 0 && argc == 5) {
		for (const wchar_t *p = argv[4]; *p; p++) {
			SendMessageW(c, WM_CHAR, *p, 1);
			Sleep(20);
		}
		return 0;
	}
	if (wcscmp(cmd, L"press") == 0) {
		SendMessageW(c, BM_CLICK, 0, 0);
		return 0;
	}
	fprintf(stderr, "win32-poke: unknown command or arguments\n");
	return 2;
}
