/* SPDX-License-Identifier: MIT */
/* What differs between the systems kyoyu's core runs on, behind one header:
 * core/os-posix.c (Linux) and core/os-win32.c (Windows, built with
 * mingw-w64).  Everything else in the core is the same source on both.
 * Not installed: plugins see none of this. */
#ifndef KYOYU_OS_H
#define KYOYU_OS_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#ifdef _WIN32
/* struct pollfd, WSAPoll and AF_UNIX (Windows 10 1803 and later) come
 * with Winsock; Windows has no SIGPIPE, and a socket accepted from a
 * non-blocking one is non-blocking already. */
#include <winsock2.h>
#include <afunix.h>
#define KYOYU_OS_MSG_NOSIGNAL 0
#define KYOYU_OS_MSG_DONTWAIT 0
#define SHUT_WR SD_SEND
/* winpthreads (mingw-w64 10) measures pthread_cond_timedwait's deadline
 * against the system time whatever clock the condition's attribute names:
 * a deadline on CLOCK_MONOTONIC would lie in the past at once.  Timed
 * waits follow a change of the system time there. */
#define KYOYU_OS_COND_CLOCK CLOCK_REALTIME
#define KYOYU_OS_DIR_SEP "\\"
/* What a shared module's file ends with. */
#define KYOYU_OS_MODULE_EXT ".dll"
/* Between the folders of a list (KYOYU_PLUGIN_PATH): C:\\ has a colon. */
#define KYOYU_OS_PATH_LIST_SEP ";"
/* Windows' stat() has no sockets. */
#define S_ISSOCK(mode) 0
/* The sharer's capture when none is named: DXGI Desktop Duplication, and
 * GDI where duplication is not available (capture/dxgi steps aside). */
#define KYOYU_OS_SHARER_CAPTURE "dxgi,gdi"
/* The sharer's user interfaces when none are named: the customer's window. */
#define KYOYU_OS_SHARER_UI "win32"
#else
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#define KYOYU_OS_MSG_NOSIGNAL MSG_NOSIGNAL
#define KYOYU_OS_MSG_DONTWAIT MSG_DONTWAIT
/* The clock of the condition variables' timed waits. */
#define KYOYU_OS_COND_CLOCK CLOCK_MONOTONIC
#define KYOYU_OS_DIR_SEP "/"
#define KYOYU_OS_MODULE_EXT ".so"
#define KYOYU_OS_PATH_LIST_SEP ":"
#define KYOYU_OS_SHARER_CAPTURE "x11"
#define KYOYU_OS_SHARER_UI "tty,x11-overlay"
#endif

/* Once per process, before any socket: Winsock's WSAStartup on Windows.
 * Returns 0 or a negative errno. */
int kyoyu_os_init(void);

/* poll(2), on sockets and on the descriptors below; WSAPoll on Windows,
 * where these are sockets too. */
int kyoyu_os_poll(struct pollfd *fds, unsigned n, int timeout_ms);

/* A Unix stream socket (not inherited by child processes), non-blocking
 * when asked; -1 with errno set on failure. */
int kyoyu_os_unix_socket(bool nonblocking);

/* accept(2) (not inherited by child processes); -1 with errno set. */
int kyoyu_os_accept(int fd);

/* Closes a socket (closesocket on Windows, where close does not). */
void kyoyu_os_socket_close(int fd);

/* The errno of the last failed socket call on this thread (Winsock's
 * WSAGetLastError, as an errno, on Windows). */
int kyoyu_os_socket_errno(void);

/* A wake-up for the bus: a descriptor that polls readable between set and
 * clear (an eventfd on Linux, a loopback UDP socket that sends to itself on
 * Windows).  Open returns it, or -1 when the system has none left; set and
 * clear are called under the inbox's lock, never twice in a row. */
int kyoyu_os_wake_open(void);
void kyoyu_os_wake_set(int fd);
void kyoyu_os_wake_clear(int fd);
void kyoyu_os_wake_close(int fd);

/* The request to stop (SIGINT or SIGTERM; on Windows Ctrl-C, Ctrl-Break or
 * the console closing) as a descriptor that polls readable once it came.
 * Open on the main thread before any stage starts (on Linux the threads
 * started later inherit the blocked signals); -1 when unavailable (the
 * agent then stops the default way).  interrupted() takes one request.
 * close() restores what open() changed. */
int kyoyu_os_interrupts_open(void);
bool kyoyu_os_interrupted(int fd);
void kyoyu_os_interrupts_close(int fd);

/* Runs FN(CTX, ERR, ERRLEN) where a crash or what it leaves loaded cannot
 * harm this process: in a child process on Linux (fork), in this process on
 * Windows, which has no fork (the plugins it loads stay loaded, as the
 * agent loads them anyway).  Returns FN's result (0 or a negative errno,
 * ERR saying why), or -ECHILD with ERR saying how the child died. */
int kyoyu_os_run_apart(int (*fn)(void *ctx, char *err, size_t errlen), void *ctx,
		       char *err, size_t errlen);

/* Maps the shared object PATH for the rest of the process (never
 * unloaded) and binds its symbols now.  Returns 0, or -1 with REASON in
 * the system's own words ("undefined symbol: x", "The specified module
 * could not be found."). */
int kyoyu_os_module_pin(const char *path, char *reason, size_t len);

/* The first symbol of the loaded shared object PATH whose name ends in
 * SUFFIX: its address, and its name in SYMBOL; NULL when there is none, or
 * the object is not loaded. */
void *kyoyu_os_module_symbol_ending(const char *path, const char *suffix, char *symbol,
				   size_t len);

/* Opens PATH to read it whole, without waiting on a FIFO or becoming a
 * terminal's process, not inherited by child processes; -1 with errno. */
int kyoyu_os_open_read(const char *path);

/* The full path of this program; 0, or -1 when the system does not say. */
int kyoyu_os_program_path(char *buf, size_t len);

/* Where the installed plugins are: the folder COMPILED (configure's
 * plugindir) on Linux; on Windows, where kyoyu is installed per user in
 * any folder, the folder of kyoyu-agent.exe, beside which they are. */
int kyoyu_os_installed_plugin_dir(const char *compiled, char *buf, size_t len);

/* Where the installed catalogues are (LANG/LC_MESSAGES/kyoyu.mo): the
 * folder COMPILED (configure's localedir) on Linux; on Windows, where
 * kyoyu is installed per user in any folder, share/locale in the folder of
 * kyoyu-agent.exe. */
int kyoyu_os_installed_locale_dir(const char *compiled, char *buf, size_t len);

/* Makes the console show what kyoyu writes (UTF-8) on stdout and stderr
 * right: nothing on Linux, where the terminal reads UTF-8; on Windows a
 * standard stream that is a console is relayed to it as UTF-16
 * (core/os-win32-console.c), whatever its code page.  Once, on the main
 * thread, before anything is written. */
void kyoyu_os_console_init(void);

/* The language of the messages and the character type, from the
 * environment: LC_ALL, LC_MESSAGES, LANG, then LANGUAGE, as gettext reads
 * them.  Where the environment names none, Linux speaks the C locale's
 * English and Windows the user's display language (Japanese or English).
 * Main thread, before kyoyu's text domain is bound. */
void kyoyu_os_locale_init(void);

/* Speaks LANGUAGE ("ja", "en") whatever the environment says (ui.language):
 * sets LANGUAGE, and makes gettext heed it where the environment's locale
 * is "C", which would make gettext ignore LANGUAGE.  Main thread. */
void kyoyu_os_locale_speak(const char *language);

/* SIZE bytes aligned to ALIGN (a power of two, a multiple of the size of
 * a pointer), freed with kyoyu_os_aligned_free (on Windows they come from
 * _aligned_malloc, which free() must not see); NULL when out of memory. */
void *kyoyu_os_aligned_alloc(size_t align, size_t size);
void kyoyu_os_aligned_free(void *mem);

/* Clears a secret from memory in a way the compiler keeps. */
void kyoyu_os_wipe(void *buf, size_t len);

/* The folder of this user's private runtime files (the control socket):
 * $XDG_RUNTIME_DIR/kyoyu, else /tmp/kyoyu-UID; %LOCALAPPDATA%\kyoyu on
 * Windows.  Returns 0, or -ENAMETOOLONG / -ENOENT. */
int kyoyu_os_runtime_dir(char *buf, size_t len);

#endif
