/* SPDX-License-Identifier: MIT */
/* core/os.h on Windows (mingw-w64): Winsock, console control events,
 * LoadLibrary and the PE export table, the user's display language. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <io.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <winsock2.h>
#include <windows.h>

#include "os.h"

static INIT_ONCE winsock_once = INIT_ONCE_STATIC_INIT;
static int winsock_status = -ENOSYS;

static BOOL CALLBACK start_winsock(PINIT_ONCE once, void *param, void **context)
{
	WSADATA data;

	winsock_status = WSAStartup(MAKEWORD(2, 2), &data) == 0 ? 0 : -ENOSYS;
	return TRUE;
}

/* Once per process, whoever asks first: the agent at its start, the bus
 * when a test uses it without the agent. */
int kyoyu_os_init(void)
{
	InitOnceExecuteOnce(&winsock_once, start_winsock, NULL, NULL);
	return winsock_status;
}

int kyoyu_os_poll(struct pollfd *fds, unsigned n, int timeout_ms)
{
	/* WSAPoll skips no entry, so an unused one is a socket that never
	 * polls ready: the caller passes N covering only live ones. */
	int ret = WSAPoll(fds, n, timeout_ms);

	if (ret == SOCKET_ERROR) {
		errno = WSAGetLastError() == WSAEINTR ? EINTR : EINVAL;
		return -1;
	}
	return ret;
}

/* A socket as an int: SOCKET is pointer-sized, but Windows hands out
 * small handle values, and the bus's API (kyoyu_inbox_fd) is an int. */
static int socket_as_int(SOCKET s)
{
	if (s == INVALID_SOCKET)
		return -1;
	if (s > INT32_MAX) {
		closesocket(s);
		WSASetLastError(WSAEMFILE);
		return -1;
	}
	/* Not inherited by the processes this one starts. */
	SetHandleInformation((HANDLE)s, HANDLE_FLAG_INHERIT, 0);
	return (int)s;
}

int kyoyu_os_socket_errno(void)
{
	switch (WSAGetLastError()) {
	case WSAEINTR: return EINTR;
	case WSAEWOULDBLOCK: return EAGAIN;
	case WSAEACCES: return EACCES;
	case WSAECONNREFUSED: return ECONNREFUSED;
	case WSAEADDRINUSE: return EADDRINUSE;
	case WSAENETDOWN: return ENETDOWN;
	case WSAECONNRESET: return ECONNRESET;
	case WSAECONNABORTED: return ECONNABORTED;
	case WSAETIMEDOUT: return ETIMEDOUT;
	case WSAEMFILE: return EMFILE;
	case WSAENOBUFS: return ENOBUFS;
	case WSAEAFNOSUPPORT: return EAFNOSUPPORT;
	case WSAENAMETOOLONG: return ENAMETOOLONG;
	case WSAEINVAL: return EINVAL;
	default: return EIO;
	}
}

int kyoyu_os_unix_socket(bool nonblocking)
{
	if (kyoyu_os_init() != 0) {
		errno = ENOSYS;
		return -1;
	}
	int fd = socket_as_int(socket(AF_UNIX, SOCK_STREAM, 0));
	u_long on = 1;

	if (fd >= 0 && nonblocking && ioctlsocket((SOCKET)fd, FIONBIO, &on) != 0) {
		closesocket((SOCKET)fd);
		fd = -1;
	}
	if (fd < 0)
		errno = kyoyu_os_socket_errno();
	return fd;
}

int kyoyu_os_accept(int fd)
{
	int got = socket_as_int(accept((SOCKET)fd, NULL, NULL));

	if (got < 0)
		errno = kyoyu_os_socket_errno();
	return got;
}

void kyoyu_os_socket_close(int fd)
{
	closesocket((SOCKET)fd);
}

/* Windows polls sockets only: a loopback UDP socket connected to itself
 * is readable while the byte it sent to itself is unread. */
int kyoyu_os_wake_open(void)
{
	struct sockaddr_in addr = {.sin_family = AF_INET};
	int addrlen = sizeof(addr);
	u_long nonblocking = 1;

	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (kyoyu_os_init() != 0)
		return -1;
	int fd = socket_as_int(socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP));
	if (fd < 0)
		return -1;
	SOCKET s = (SOCKET)fd;
	if (bind(s, (struct sockaddr *)&addr, sizeof(addr)) != 0 ||
	    getsockname(s, (struct sockaddr *)&addr, &addrlen) != 0 ||
	    connect(s, (struct sockaddr *)&addr, addrlen) != 0 ||
	    ioctlsocket(s, FIONBIO, &nonblocking) != 0) {
		closesocket(s);
		return -1;
	}
	return fd;
}

void kyoyu_os_wake_set(int fd)
{
	char one = 1;
	send((SOCKET)fd, &one, 1, 0);
}

void kyoyu_os_wake_clear(int fd)
{
	char byte;
	recv((SOCKET)fd, &byte, 1, 0);
}

void kyoyu_os_wake_close(int fd)
{
	closesocket((SOCKET)fd);
}

/* The wake-up the console control handler sets; the handler runs on a
 * thread Windows starts for it. */
static volatile LONG interrupts_fd = -1;

static BOOL WINAPI on_console_event(DWORD event)
{
	int fd = (int)interrupts_fd;

	if (fd < 0)
		return FALSE;
	/* Ctrl-C, Ctrl-Break, the console window closing, log-off, shutdown:
	 * an end request, as SIGINT and SIGTERM are on Linux. */
	kyoyu_os_wake_set(fd);
	return TRUE;
}

int kyoyu_os_interrupts_open(void)
{
	int fd = kyoyu_os_wake_open();

	if (fd < 0)
		return -1;
	InterlockedExchange(&interrupts_fd, fd);
	if (!SetConsoleCtrlHandler(on_console_event, TRUE)) {
		InterlockedExchange(&interrupts_fd, -1);
		kyoyu_os_wake_close(fd);
		return -1;
	}
	return fd;
}

bool kyoyu_os_interrupted(int fd)
{
	char byte;

	return fd >= 0 && recv((SOCKET)fd, &byte, 1, 0) == 1;
}

void kyoyu_os_interrupts_close(int fd)
{
	if (fd < 0)
		return;
	SetConsoleCtrlHandler(on_console_event, FALSE);
	InterlockedExchange(&interrupts_fd, -1);
	kyoyu_os_wake_close(fd);
}

int kyoyu_os_run_apart(int (*fn)(void *ctx, char *err, size_t errlen), void *ctx,
		       char *err, size_t errlen)
{
	return fn(ctx, err, errlen);
}

/* PATH with backslashes: LoadLibraryEx's altered search path (a DLL's own
 * folder for the DLLs it imports) needs a Windows path. */
static void windows_path(const char *path, char *out, size_t len)
{
	snprintf(out, len, "%s", path);
	for (char *p = out; *p; p++)
		if (*p == '/')
			*p = '\\';
}

static void system_message(DWORD code, char *text, size_t len)
{
	DWORD n = FormatMessageA(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS,
				 NULL, code, MAKELANGID(LANG_ENGLISH, SUBLANG_DEFAULT), text,
				 (DWORD)len, NULL);
	/* Without the line break Windows ends its messages with. */
	while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == '\r' || text[n - 1] == ' '))
		text[--n] = '\0';
	if (n == 0)
		snprintf(text, len, "Windows error %lu", (unsigned long)code);
}

int kyoyu_os_module_pin(const char *path, char *reason, size_t len)
{
	char win[MAX_PATH];
	HMODULE module, pinned;

	windows_path(path, win, sizeof(win));
	module = LoadLibraryExA(win, NULL, LOAD_WITH_ALTERED_SEARCH_PATH);
	if (!module) {
		system_message(GetLastError(), reason, len);
		return -1;
	}
	/* Pinned, the module stays loaded whatever FreeLibrary is called. */
	if (!GetModuleHandleExA(GET_MODULE_HANDLE_EX_FLAG_PIN, win, &pinned)) {
		system_message(GetLastError(), reason, len);
		FreeLibrary(module);
		return -1;
	}
	FreeLibrary(module);
	return 0;
}

/* Found among the names of the module's PE export table. */
void *kyoyu_os_module_symbol_ending(const char *path, const char *suffix, char *symbol,
				   size_t len)
{
	const size_t suffix_len = strlen(suffix);
	char win[MAX_PATH];
	HMODULE module;

	windows_path(path, win, sizeof(win));
	if (!GetModuleHandleExA(GET_MODULE_HANDLE_EX_FLAG_UNCHANGED_REFCOUNT, win, &module))
		return NULL;
	const unsigned char *base = (const unsigned char *)module;
	const IMAGE_DOS_HEADER *dos = (const IMAGE_DOS_HEADER *)base;
	const IMAGE_NT_HEADERS *nt = (const IMAGE_NT_HEADERS *)(base + dos->e_lfanew);
	const IMAGE_DATA_DIRECTORY *dir =
		&nt->OptionalHeader.DataDirectory[IMAGE_DIRECTORY_ENTRY_EXPORT];
	if (dir->VirtualAddress == 0 || dir->Size == 0)
		return NULL;
	const IMAGE_EXPORT_DIRECTORY *exports =
		(const IMAGE_EXPORT_DIRECTORY *)(base + dir->VirtualAddress);
	const DWORD *names = (const DWORD *)(base + exports->AddressOfNames);
	for (DWORD i = 0; i < exports->NumberOfNames; i++) {
		const char *name = (const char *)(base + names[i]);
		size_t n = strlen(name);
		if (n <= suffix_len || n >= len ||
		    memcmp(name + n - suffix_len, suffix, suffix_len) != 0)
			continue;
		FARPROC found = GetProcAddress(module, name);
		if (!found)
			continue;
		snprintf(symbol, len, "%s", name);
		void *address;
		memcpy(&address, &found, sizeof(address));
		return address;
	}
	return NULL;
}

int kyoyu_os_runtime_dir(char *buf, size_t len)
{
	/* The user's own local application data, which only the user (and
	 * the system's administrators) may open. */
	const char *local = getenv("LOCALAPPDATA");
	int n;

	if (!local || !local[0])
		return -ENOENT;
	n = snprintf(buf, len, "%s\\kyoyu", local);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

void kyoyu_os_wipe(void *buf, size_t len)
{
	SecureZeroMemory(buf, len);
}

int kyoyu_os_open_read(const char *path)
{
	return _open(path, _O_RDONLY | _O_BINARY | _O_NOINHERIT);
}

int kyoyu_os_program_path(char *buf, size_t len)
{
	DWORD n = GetModuleFileNameA(NULL, buf, (DWORD)len);

	if (n == 0 || n >= len)
		return -1;
	/* The rest of kyoyu writes paths with '/', which Windows takes too. */
	for (char *p = buf; *p; p++)
		if (*p == '\\')
			*p = '/';
	return 0;
}

int kyoyu_os_installed_plugin_dir(const char *compiled, char *buf, size_t len)
{
	(void)compiled;
	if (kyoyu_os_program_path(buf, len) != 0)
		return -ENOENT;
	char *slash = strrchr(buf, '/');
	if (slash)
		*slash = '\0';
	return 0;
}

int kyoyu_os_installed_locale_dir(const char *compiled, char *buf, size_t len)
{
	size_t n;

	if (kyoyu_os_installed_plugin_dir(compiled, buf, len) != 0)
		return -ENOENT;
	n = strlen(buf);
	return snprintf(buf + n, len - n, "/share/locale") < (int)(len - n) ? 0
									   : -ENAMETOOLONG;
}

/* Sets the environment variable NAME of this process to VALUE, where
 * libintl (libintl-8.dll, on the same C runtime) reads it. */
static void put_env(const char *name, const char *value)
{
	char assignment[64];

	if (snprintf(assignment, sizeof(assignment), "%s=%s", name, value) <
	    (int)sizeof(assignment))
		_putenv(assignment);
}

/* The language the user reads Windows in, when kyoyu has a catalogue for
 * it; English otherwise. */
static const char *display_language(void)
{
	return PRIMARYLANGID(GetUserDefaultUILanguage()) == LANG_JAPANESE ? "ja" : "en";
}

/* libintl on Windows reads the environment itself (LC_ALL, LC_MESSAGES,
 * LANG, then LANGUAGE); when none is set, as on most Windows PCs, it would
 * take the thread's locale, which is the regional format (a PC may show
 * Japanese dates and speak English).  The character type stays the C
 * locale's: kyoyu's strings are UTF-8, which no locale of msvcrt is. */
void kyoyu_os_locale_init(void)
{
	const char *names[] = {"LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const char *value = getenv(names[i]);
		if (value && *value)
			return;
	}
	put_env("LANGUAGE", display_language());
}

void kyoyu_os_locale_speak(const char *language)
{
	/* libintl ignores LANGUAGE while the locale the environment names
	 * (LC_ALL, LC_MESSAGES, LANG: the first set) is "C". */
	const char *names[] = {"LC_ALL", "LC_MESSAGES", "LANG"};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const char *value = getenv(names[i]);
		if (!value || !*value)
			continue;
		if (strcmp(value, "C") == 0)
			put_env(names[i], "C.UTF-8");
		break;
	}
	put_env("LANGUAGE", language);
}

void *kyoyu_os_aligned_alloc(size_t align, size_t size)
{
	return _aligned_malloc(size, align);
}

void kyoyu_os_aligned_free(void *mem)
{
	_aligned_free(mem);
}
