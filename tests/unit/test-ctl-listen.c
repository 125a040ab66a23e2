/* SPDX-License-Identifier: MIT */
/* Where the control socket is made and who may connect: ctl-listen-posix.c
 * on Linux, ctl-listen-win32.c on Windows (run under Wine by
 * tests/win64/agent-wine.sh), the same cases for both. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "ctl.h"
#include "os.h"

/* A folder of this test's own under the temporary folder, not made yet. */
static char folder[KYOYU_CTL_PATH_MAX];

static int make_name(void **state)
{
	const char *tmp = getenv("TMPDIR");

	(void)state;
	if (!tmp || !*tmp)
		tmp = getenv("TEMP"); /* Windows */
	if (!tmp || !*tmp)
		tmp = "/tmp";
	int n = snprintf(folder, sizeof(folder), "%s" KYOYU_OS_DIR_SEP "kyoyu-ctl-%ld", tmp,
			 (long)getpid());
	return n > 0 && (size_t)n < sizeof(folder) ? 0 : -1;
}

static int remove_folder(void **state)
{
	(void)state;
	rmdir(folder);
	return 0;
}

/* Skips the case where the system has no Unix sockets: Wine 8 answers
 * WSAEAFNOSUPPORT (Windows has them since 10 1803). */
static void skip_without_unix_sockets(void)
{
	int fd = kyoyu_os_unix_socket(false);

	if (fd < 0 && errno == EAFNOSUPPORT) {
		print_message("# this system has no AF_UNIX sockets\n");
		skip();
	}
	if (fd >= 0)
		kyoyu_os_socket_close(fd);
}

static void set_path(kyoyu_ctl_listener *l, const char *name)
{
	skip_without_unix_sockets();
	l->fd = -1;
	int n = snprintf(l->path, sizeof(l->path), "%s" KYOYU_OS_DIR_SEP "%s", folder, name);
	assert_true(n > 0 && (size_t)n < sizeof(l->path));
}

/* A client connected to PATH, or -1. */
static int connect_to(const char *path)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	int fd = kyoyu_os_unix_socket(false);

	if (fd < 0)
		return -1;
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path);
	if (connect(fd, (const struct sockaddr *)&addr, sizeof(addr)) != 0) {
		kyoyu_os_socket_close(fd);
		return -1;
	}
	return fd;
}

static bool exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

static void test_ctl_listen_serves_this_user_and_removes_its_file(void **state)
{
	kyoyu_ctl_listener l;
	char err[512] = "";

	(void)state;
	set_path(&l, "sharer.sock");
	assert_int_equal(kyoyu_ctl_listen(&l, true, err, sizeof(err)), 0);
	assert_true(l.fd >= 0);
	assert_true(exists(l.path));

	int client = connect_to(l.path);
	assert_true(client >= 0);
	struct pollfd p = {l.fd, POLLIN, 0};
	assert_int_equal(kyoyu_os_poll(&p, 1, 5000), 1);
	int served = kyoyu_os_accept(l.fd);
	assert_true(served >= 0);
	assert_true(kyoyu_ctl_peer_is_user(served));

	/* One request line and its answer, as ctl.c exchanges them. */
	assert_int_equal(send(client, "status\n", 7, KYOYU_OS_MSG_NOSIGNAL), 7);
	char got[16] = "";
	p = (struct pollfd){served, POLLIN, 0};
	assert_int_equal(kyoyu_os_poll(&p, 1, 5000), 1);
	assert_int_equal(recv(served, got, sizeof(got) - 1, 0), 7);
	assert_string_equal(got, "status\n");
	kyoyu_os_socket_close(served);
	kyoyu_os_socket_close(client);

	kyoyu_ctl_unlisten(&l);
	assert_int_equal(l.fd, -1);
	assert_false(exists(l.path));
}

static void test_ctl_listen_refuses_a_path_another_agent_answers_on(void **state)
{
	kyoyu_ctl_listener first, second;
	char err[512] = "";

	(void)state;
	set_path(&first, "viewer.sock");
	set_path(&second, "viewer.sock");
	assert_int_equal(kyoyu_ctl_listen(&first, true, err, sizeof(err)), 0);
	assert_int_equal(kyoyu_ctl_listen(&second, true, err, sizeof(err)), -EADDRINUSE);
	assert_non_null(strstr(err, "another kyoyu-agent already listens on"));
	/* The refused one leaves the first one's socket alone. */
	int client = connect_to(first.path);
	assert_true(client >= 0);
	kyoyu_os_socket_close(client);
	kyoyu_ctl_unlisten(&first);
	assert_false(exists(first.path));
}

static void test_ctl_listen_replaces_a_socket_nobody_answers_on(void **state)
{
	kyoyu_ctl_listener dead, next;
	char err[512] = "";

	(void)state;
	set_path(&dead, "sharer.sock");
	set_path(&next, "sharer.sock");
	assert_int_equal(kyoyu_ctl_listen(&dead, true, err, sizeof(err)), 0);
	/* An agent that died: its socket closed, its file left behind. */
	kyoyu_os_socket_close(dead.fd);
	assert_true(exists(dead.path));
	assert_int_equal(kyoyu_ctl_listen(&next, true, err, sizeof(err)), 0);
	int client = connect_to(next.path);
	assert_true(client >= 0);
	kyoyu_os_socket_close(client);
	kyoyu_ctl_unlisten(&next);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ctl_listen_serves_this_user_and_removes_its_file),
		cmocka_unit_test(test_ctl_listen_refuses_a_path_another_agent_answers_on),
		cmocka_unit_test(test_ctl_listen_replaces_a_socket_nobody_answers_on),
	};

	return cmocka_run_group_tests(tests, make_name, remove_folder);
}
