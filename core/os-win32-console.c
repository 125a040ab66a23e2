/* SPDX-License-Identifier: MIT */
/* kyoyu_os_console_init (core/os.h) on Windows: kyoyu's words on a console.
 *
 * A console shows kyoyu's words (UTF-8, the catalogues' encoding) right
 * only when given UTF-16.  msvcrt turns bytes written to a console into
 * characters through a code page (Wine's msvcrt through the ANSI one,
 * whatever the console's), and a console set to UTF-8 (65001) shows a
 * character written in two calls as two wrong ones (unbuffered stderr
 * writes byte by byte).  So a standard stream that is a console becomes
 * a pipe, and a thread hands what comes out of it to WriteConsoleW, whole
 * characters only.  Into a pipe or a file the bytes go as they are. */
#include "config.h"

#include <fcntl.h>
#include <io.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* winsock2.h before windows.h: os.h includes it. */
#include <winsock2.h>
#include <windows.h>

#include "os.h"

struct console_relay {
	int fd;		/* 1 or 2: now the pipe's end to write */
	HANDLE console; /* the console it was */
	HANDLE pipe;	/* the pipe's end the thread reads */
	HANDLE thread;
};
static struct console_relay console_relays[2];

/* How many of the N bytes of TEXT are whole UTF-8 characters: all but a
 * character cut at the end, whose first bytes wait for the next read. */
static DWORD whole_utf8(const unsigned char *text, DWORD n)
{
	for (DWORD back = 1; back <= 4 && back <= n; back++) {
		unsigned char byte = text[n - back];
		if ((byte & 0xc0) == 0x80)
			continue;
		DWORD len = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
		return len > back ? n - back : n;
	}
	return n;
}

static DWORD WINAPI relay_to_console(void *arg)
{
	struct console_relay *relay = arg;
	enum { CHUNK = 4096 };
	unsigned char text[CHUNK + 4];
	WCHAR wide[CHUNK + 4];
	DWORD kept = 0, got, written;

	while (ReadFile(relay->pipe, text + kept, CHUNK, &got, NULL) && got > 0) {
		DWORD n = kept + got, whole = whole_utf8(text, n);
		int len = MultiByteToWideChar(CP_UTF8, 0, (const char *)text, (int)whole, wide,
					      CHUNK + 4);
		if (len > 0)
			WriteConsoleW(relay->console, wide, (DWORD)len, &written, NULL);
		kept = n - whole;
		memmove(text, text + whole, kept);
	}
	return 0;
}

/* Makes standard stream FD (STD, as GetStdHandle names it) a pipe relayed
 * to its console, when it is a console. */
static void relay_console(struct console_relay *relay, int fd, DWORD std)
{
	HANDLE stream = (HANDLE)_get_osfhandle(fd), self = GetCurrentProcess(), write_end;
	DWORD mode;
	int write_fd;

	if (stream == INVALID_HANDLE_VALUE || !GetConsoleMode(stream, &mode))
		return;
	/* Its own handle to the console: _dup2 closes the stream's. */
	if (!DuplicateHandle(self, stream, self, &relay->console, 0, FALSE,
			     DUPLICATE_SAME_ACCESS))
		return;
	if (!CreatePipe(&relay->pipe, &write_end, NULL, 0))
		goto out_close_console;
	write_fd = _open_osfhandle((intptr_t)write_end, _O_TEXT);
	if (write_fd < 0) {
		CloseHandle(write_end);
		goto out_close_pipe;
	}
	relay->thread = CreateThread(NULL, 0, relay_to_console, relay, 0, NULL);
	if (!relay->thread)
		goto out_close_write;
	fflush(fd == 1 ? stdout : stderr);
	if (_dup2(write_fd, fd) != 0) {
		_close(write_fd);
		WaitForSingleObject(relay->thread, INFINITE);
		CloseHandle(relay->thread);
		relay->thread = NULL;
		goto out_close_pipe;
	}
	_close(write_fd);
	SetStdHandle(std, (HANDLE)_get_osfhandle(fd));
	relay->fd = fd;
	return;

out_close_write:
	_close(write_fd);
out_close_pipe:
	CloseHandle(relay->pipe);
out_close_console:
	CloseHandle(relay->console);
}

/* At the exit: what is still buffered goes out, the pipes close and the
 * threads finish writing to the consoles. */
static void stop_console_relays(void)
{
	fflush(NULL);
	for (size_t i = 0; i < sizeof(console_relays) / sizeof(console_relays[0]); i++) {
		struct console_relay *relay = &console_relays[i];
		if (!relay->thread)
			continue;
		_close(relay->fd);
		WaitForSingleObject(relay->thread, 5000);
	}
}

void kyoyu_os_console_init(void)
{
	relay_console(&console_relays[0], 1, STD_OUTPUT_HANDLE);
	relay_console(&console_relays[1], 2, STD_ERROR_HANDLE);
	if (console_relays[0].thread || console_relays[1].thread)
		atexit(stop_console_relays);
}
