/* SPDX-License-Identifier: MIT */
/* proto/net.h on Linux: BSD sockets as they are. */
#include "config.h"

#include <errno.h>
#include <netinet/tcp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#define KYOYU_LOG_COMPONENT "proto"
#include <kyoyu/kyoyu.h>

#include "net.h"

/* Unsent bytes the kernel may hold before the socket stops polling
 * writable. */
#define NOTSENT_LOWAT 16384

int kp_net_init(void)
{
	return 0;
}

void kp_net_fini(void)
{
}

void kp_net_thread_init(void)
{
	sigset_t pipe_mask;

	sigemptyset(&pipe_mask);
	sigaddset(&pipe_mask, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_mask, NULL);
}

int kp_net_poll(struct pollfd *fds, size_t n, int timeout_ms)
{
	int ret = poll(fds, n, timeout_ms);
	return ret < 0 ? -errno : ret;
}

int kp_net_socket(int family)
{
	int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	return fd < 0 ? -errno : fd;
}

int kp_net_connect(int fd, const struct sockaddr *addr, socklen_t len)
{
	return connect(fd, addr, len) == 0 ? 0 : -errno;
}

int kp_net_connect_result(int fd)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
		return -errno;
	return -err;
}

int kp_net_listen(int fd, const struct sockaddr *addr, socklen_t len)
{
	int one = 1;

	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    bind(fd, addr, len) != 0 || listen(fd, SOMAXCONN) != 0)
		return -errno;
	return 0;
}

int kp_net_accept(int fd, struct sockaddr_storage *addr, socklen_t *len)
{
	int got = accept4(fd, (struct sockaddr *)addr, len, SOCK_NONBLOCK | SOCK_CLOEXEC);
	return got < 0 ? -errno : got;
}

ssize_t kp_net_recv(int fd, void *buf, size_t len)
{
	ssize_t n = recv(fd, buf, len, MSG_DONTWAIT);
	return n >= 0 ? n : errno == EWOULDBLOCK ? -EAGAIN : -errno;
}

ssize_t kp_net_send(int fd, const void *buf, size_t len)
{
	ssize_t n = send(fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);
	return n >= 0 ? n : errno == EWOULDBLOCK ? -EAGAIN : -errno;
}

void kp_net_shutdown_write(int fd)
{
	shutdown(fd, SHUT_WR);
}

void kp_net_close(int fd)
{
	close(fd);
}

int kp_net_last_error(void)
{
	return -errno;
}

const char *kp_net_strerror(int err)
{
	return strerror(err);
}

void kp_net_tune_latency(int fd)
{
	int one = 1, lowat = NOTSENT_LOWAT;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(fd, IPPROTO_TCP, TCP_NOTSENT_LOWAT, &lowat, sizeof(lowat));
}

void kp_net_keepalive(int fd, int idle_s, int intvl_s, int cnt)
{
	int one = 1;

	setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle_s, sizeof(idle_s));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl_s, sizeof(intvl_s));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt));
}

void kp_net_default_name(char *out, size_t len)
{
	char host[64] = "";
	struct passwd *pw = getpwuid(getuid());

	if (gethostname(host, sizeof(host) - 1) != 0)
		snprintf(host, sizeof(host), "unknown");
	snprintf(out, len, "%s@%s", pw && pw->pw_name ? pw->pw_name : "user", host);
}

/* Every waiting connection holds a descriptor: the limit of open files is
 * raised towards its hard limit, and what it still lacks comes off the
 * slots. */
size_t kp_net_connection_slots(size_t want, size_t reserve)
{
	struct rlimit rl;
	rlim_t need = want + reserve;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return 16;
	if (rl.rlim_cur < need && rl.rlim_cur != RLIM_INFINITY) {
		rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > need ? need
										 : rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
		getrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= need)
		return want;
	if (rl.rlim_cur < reserve + 16) {
		kyoyu_warn("only %llu files may be open: few connections can wait to be "
			   "admitted (raise ulimit -n)", (unsigned long long)rl.rlim_cur);
		return 16;
	}
	return (size_t)(rl.rlim_cur - reserve);
}
