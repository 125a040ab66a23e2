/* SPDX-License-Identifier: MIT */
/* core/os.h on Linux: eventfd, signalfd, fork, the dynamic linker. */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <locale.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "os.h"

int kyoyu_os_init(void)
{
	return 0;
}

int kyoyu_os_poll(struct pollfd *fds, unsigned n, int timeout_ms)
{
	return poll(fds, n, timeout_ms);
}

int kyoyu_os_unix_socket(bool nonblocking)
{
	return socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | (nonblocking ? SOCK_NONBLOCK : 0), 0);
}

int kyoyu_os_accept(int fd)
{
	return accept4(fd, NULL, NULL, SOCK_CLOEXEC);
}

void kyoyu_os_socket_close(int fd)
{
	close(fd);
}

int kyoyu_os_socket_errno(void)
{
	return errno;
}

int kyoyu_os_wake_open(void)
{
	return eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
}

void kyoyu_os_wake_set(int fd)
{
	uint64_t one = 1;
	ssize_t ignored = write(fd, &one, sizeof(one));
	(void)ignored;
}

void kyoyu_os_wake_clear(int fd)
{
	uint64_t value;
	ssize_t ignored = read(fd, &value, sizeof(value));
	(void)ignored;
}

void kyoyu_os_wake_close(int fd)
{
	close(fd);
}

/* The main thread's mask before interrupts_open blocked SIGINT and SIGTERM. */
static sigset_t interrupts_old_mask;

int kyoyu_os_interrupts_open(void)
{
	sigset_t mask;

	/* Only this thread takes SIGINT/SIGTERM; stages inherit the mask. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &mask, &interrupts_old_mask);
	return signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
}

bool kyoyu_os_interrupted(int fd)
{
	struct signalfd_siginfo si;

	return fd >= 0 && read(fd, &si, sizeof(si)) == sizeof(si);
}

void kyoyu_os_interrupts_close(int fd)
{
	if (fd >= 0)
		close(fd);
	pthread_sigmask(SIG_SETMASK, &interrupts_old_mask, NULL);
}

/* Everything the child said, up to ERRLEN - 1 bytes. */
static void read_all(int fd, char *err, size_t errlen)
{
	size_t len = 0;

	while (len + 1 < errlen) {
		ssize_t n = read(fd, err + len, errlen - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	err[len] = '\0';
}

int kyoyu_os_run_apart(int (*fn)(void *ctx, char *err, size_t errlen), void *ctx,
		       char *err, size_t errlen)
{
	int fds[2];

	if (pipe(fds))
		return fn(ctx, err, errlen);
	/* What is buffered would otherwise be written twice. */
	fflush(stdout);
	fflush(stderr);
	pid_t child = fork();
	if (child < 0) {
		close(fds[0]);
		close(fds[1]);
		return fn(ctx, err, errlen);
	}
	if (child == 0) {
		close(fds[0]);
		int ret = fn(ctx, err, errlen);
		if (ret) {
			size_t len = strlen(err);
			for (size_t off = 0; off < len;) {
				ssize_t n = write(fds[1], err + off, len - off);
				if (n <= 0)
					break;
				off += (size_t)n;
			}
		}
		/* _exit: the plugins' libraries' exit handlers belong to
		 * the parent's copy of them. */
		_exit(ret ? 1 : 0);
	}
	close(fds[1]);
	read_all(fds[0], err, errlen);
	close(fds[0]);
	int status;
	while (waitpid(child, &status, 0) < 0) {
		if (errno != EINTR) {
			snprintf(err, errlen, "cannot wait for the child: %s", strerror(errno));
			return -ECHILD;
		}
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFSIGNALED(status)) {
		snprintf(err, errlen, "crashed (signal %d, %s)", WTERMSIG(status),
			 strsignal(WTERMSIG(status)));
		return -ECHILD;
	}
	return -EINVAL;
}

int kyoyu_os_module_pin(const char *path, char *reason, size_t len)
{
	/* NODELETE: the object stays mapped after this reference goes. */
	void *handle = dlopen(path, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);

	if (!handle) {
		const char *why = dlerror();
		snprintf(reason, len, "%s", why ? why : "the dynamic linker refused it");
		return -1;
	}
	dlclose(handle);
	return 0;
}

/* Found in the object's dynamic string table and checked with dlsym. */
void *kyoyu_os_module_symbol_ending(const char *path, const char *suffix, char *symbol,
				   size_t len)
{
	const size_t suffix_len = strlen(suffix);
	struct link_map *map = NULL;
	const char *strtab = NULL;
	size_t strsz = 0;
	void *found = NULL;

	void *handle = dlopen(path, RTLD_NOW | RTLD_LOCAL | RTLD_NOLOAD);
	if (!handle)
		return NULL;
	if (dlinfo(handle, RTLD_DI_LINKMAP, &map) == 0 && map) {
		for (const ElfW(Dyn) *d = map->l_ld; d->d_tag != DT_NULL; d++) {
			if (d->d_tag == DT_STRTAB)
				strtab = (const char *)d->d_un.d_ptr;
			else if (d->d_tag == DT_STRSZ)
				strsz = d->d_un.d_val;
		}
		/* glibc relocates these addresses in place; other C libraries
		 * leave them relative to where the object was loaded. */
		if (strtab && (uintptr_t)strtab < (uintptr_t)map->l_addr)
			strtab += map->l_addr;
	}
	for (size_t at = 0; strtab && at < strsz && !found;) {
		const char *name = strtab + at;
		size_t n = strnlen(name, strsz - at);
		if (n > suffix_len && memcmp(name + n - suffix_len, suffix, suffix_len) == 0 &&
		    n < len && (found = dlsym(handle, name)))
			snprintf(symbol, len, "%s", name);
		at += n + 1;
	}
	dlclose(handle);
	return found;
}

int kyoyu_os_runtime_dir(char *buf, size_t len)
{
	const char *runtime = getenv("XDG_RUNTIME_DIR");
	int n;

	if (runtime && runtime[0] == '/')
		n = snprintf(buf, len, "%s/kyoyu", runtime);
	else
		n = snprintf(buf, len, "/tmp/kyoyu-%u", (unsigned)geteuid());
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

void kyoyu_os_wipe(void *buf, size_t len)
{
	explicit_bzero(buf, len);
}

int kyoyu_os_open_read(const char *path)
{
	return open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
}

int kyoyu_os_program_path(char *buf, size_t len)
{
	ssize_t n = readlink("/proc/self/exe", buf, len - 1);

	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return 0;
}

int kyoyu_os_installed_plugin_dir(const char *compiled, char *buf, size_t len)
{
	return snprintf(buf, len, "%s", compiled) < (int)len ? 0 : -ENAMETOOLONG;
}

int kyoyu_os_installed_locale_dir(const char *compiled, char *buf, size_t len)
{
	return snprintf(buf, len, "%s", compiled) < (int)len ? 0 : -ENAMETOOLONG;
}

void kyoyu_os_console_init(void)
{
}

/* glibc's gettext looks up LANGUAGE (a list such as "ja:en") only while the
 * messages' locale is not "C" or "POSIX"; "C.UTF-8" (built into glibc since
 * 2.35) counts as not "C".  And when the environment names a locale that
 * is not installed, setlocale() fails and everything stays "C", so neither
 * LANG nor LANGUAGE is heeded.  Both cases are common where kyoyu runs (a
 * minimal system with only C, C.UTF-8 and POSIX): the language is then
 * asked for by name through LANGUAGE, with C.UTF-8 as the messages'
 * locale.  Only LC_CTYPE and LC_MESSAGES follow the environment: numbers
 * in the logs, the status of `kyoyu-agent ctl` and the configuration file
 * keep the C locale's decimal point. */

static bool is_c_locale(const char *name)
{
	return !name || !*name || strcmp(name, "C") == 0 || strcmp(name, "POSIX") == 0;
}

/* The locale the environment names for CATEGORY, as setlocale() reads it:
 * LC_ALL, then the category's own variable, then LANG. */
static const char *named_locale(const char *variable)
{
	const char *names[] = {"LC_ALL", variable, "LANG"};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const char *value = getenv(names[i]);
		if (value && *value)
			return value;
	}
	return NULL;
}

/* A UTF-8 locale that is no language: glibc's built-in C.UTF-8. */
static bool set_utf8_c_locale(int category)
{
	return setlocale(category, "C.UTF-8") || setlocale(category, "C.utf8");
}

void kyoyu_os_locale_init(void)
{
	if (!setlocale(LC_CTYPE, "") && !is_c_locale(named_locale("LC_CTYPE")))
		set_utf8_c_locale(LC_CTYPE);
#ifdef ENABLE_NLS
	if (!setlocale(LC_MESSAGES, "")) {
		const char *wanted = named_locale("LC_MESSAGES");
		const char *language = getenv("LANGUAGE");
		/* LANGUAGE, when set, outranks LANG for gettext anyway. */
		if (!is_c_locale(wanted) && set_utf8_c_locale(LC_MESSAGES) &&
		    (!language || !*language))
			setenv("LANGUAGE", wanted, 1);
	}
#endif
}

void kyoyu_os_locale_speak(const char *language)
{
	if (is_c_locale(setlocale(LC_MESSAGES, NULL)))
		set_utf8_c_locale(LC_MESSAGES);
	setenv("LANGUAGE", language, 1);
}

void *kyoyu_os_aligned_alloc(size_t align, size_t size)
{
	void *mem;

	return posix_memalign(&mem, align, size) == 0 ? mem : NULL;
}

void kyoyu_os_aligned_free(void *mem)
{
	free(mem);
}
