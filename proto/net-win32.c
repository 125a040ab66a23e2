/* SPDX-License-Identifier: MIT */
/* proto/net.h on Windows (mingw-w64): Winsock.  A SOCKET is kept as an int,
 * as core/os-win32.c does: Windows hands out small handle values, and the
 * connection's API (and OpenSSL's SSL_set_fd) takes an int. */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <winsock2.h>
#include <mstcpip.h>
#include <windows.h>

#include "net.h"

/* Windows has no TCP_NOTSENT_LOWAT: a fixed send buffer (which turns off
 * Windows' growing it) bounds what waits in the system instead, in flight
 * included.  64 KiB is 0.26 s at 2 Mbit/s, and a full 100 Mbit/s link at
 * a 5 ms round trip. */
#define SEND_BUFFER 65536

/* A Winsock error as an errno value (mingw-w64's errno.h has the POSIX
 * socket ones). */
static int errno_of(int wsa)
{
	switch (wsa) {
	case 0: return 0;
	case WSAEINTR: return EINTR;
	case WSAEWOULDBLOCK: return EAGAIN;
	case WSAEINPROGRESS: return EINPROGRESS;
	case WSAEALREADY: return EALREADY;
	case WSAEACCES: return EACCES;
	case WSAEADDRINUSE: return EADDRINUSE;
	case WSAEADDRNOTAVAIL: return EADDRNOTAVAIL;
	case WSAEAFNOSUPPORT: return EAFNOSUPPORT;
	case WSAECONNREFUSED: return ECONNREFUSED;
	case WSAECONNRESET: return ECONNRESET;
	case WSAECONNABORTED: return ECONNABORTED;
	case WSAENETDOWN: return ENETDOWN;
	case WSAENETUNREACH: return ENETUNREACH;
	case WSAENETRESET: return ENETRESET;
	case WSAEHOSTUNREACH: return EHOSTUNREACH;
	case WSAETIMEDOUT: return ETIMEDOUT;
	case WSAEMFILE: return EMFILE;
	case WSAENOBUFS: return ENOBUFS;
	case WSAENOTCONN: return ENOTCONN;
	case WSAESHUTDOWN: return EPIPE;
	case WSAENOTSOCK: return ENOTSOCK;
	case WSAEINVAL: return EINVAL;
	case WSANOTINITIALISED: return ENOSYS;
	default: return EIO;
	}
}

static int last_error(void)
{
	return -errno_of(WSAGetLastError());
}

int kp_net_init(void)
{
	WSADATA data;

	return WSAStartup(MAKEWORD(2, 2), &data) == 0 ? 0 : -ENOSYS;
}

void kp_net_fini(void)
{
	WSACleanup();
}

void kp_net_thread_init(void)
{
	/* No SIGPIPE: a write to a closed connection fails with an error. */
}

int kp_net_poll(struct pollfd *fds, size_t n, int timeout_ms)
{
	int ret = WSAPoll(fds, (ULONG)n, timeout_ms);
	return ret == SOCKET_ERROR ? last_error() : ret;
}

static int as_int(SOCKET s)
{
	if (s == INVALID_SOCKET)
		return last_error();
	if (s > INT32_MAX) {
		closesocket(s);
		return -EMFILE;
	}
	return (int)s;
}

int kp_net_socket(int family)
{
	u_long on = 1;
	int fd = as_int(WSASocketW(family, SOCK_STREAM, IPPROTO_TCP, NULL, 0,
				   WSA_FLAG_OVERLAPPED | WSA_FLAG_NO_HANDLE_INHERIT));

	if (fd >= 0 && ioctlsocket((SOCKET)fd, FIONBIO, &on) != 0) {
		int err = last_error();
		closesocket((SOCKET)fd);
		return err;
	}
	return fd;
}

int kp_net_connect(int fd, const struct sockaddr *addr, socklen_t len)
{
	if (connect((SOCKET)fd, addr, len) == 0)
		return 0;
	/* A non-blocking connect under way is WSAEWOULDBLOCK on Windows. */
	int err = last_error();
	return err == -EAGAIN ? -EINPROGRESS : err;
}

int kp_net_connect_result(int fd)
{
	int err = 0;
	int len = sizeof(err);

	if (getsockopt((SOCKET)fd, SOL_SOCKET, SO_ERROR, (char *)&err, &len) != 0)
		return last_error();
	return -errno_of(err);
}

int kp_net_listen(int fd, const struct sockaddr *addr, socklen_t len)
{
	/* Windows lets a new listener have the port of a connection that
	 * just ended anyway; SO_REUSEADDR there would let another program
	 * take a port in use, so it is kept exclusive instead. */
	BOOL on = TRUE;

	if (setsockopt((SOCKET)fd, SOL_SOCKET, SO_EXCLUSIVEADDRUSE, (const char *)&on,
		       sizeof(on)) != 0 ||
	    bind((SOCKET)fd, addr, len) != 0 || listen((SOCKET)fd, SOMAXCONN) != 0)
		return last_error();
	return 0;
}

int kp_net_accept(int fd, struct sockaddr_storage *addr, socklen_t *len)
{
	/* Accepted from a non-blocking socket, it is non-blocking too. */
	int got = as_int(accept((SOCKET)fd, (struct sockaddr *)addr, len));

	if (got >= 0)
		SetHandleInformation((HANDLE)(uintptr_t)got, HANDLE_FLAG_INHERIT, 0);
	return got;
}

ssize_t kp_net_recv(int fd, void *buf, size_t len)
{
	int n = recv((SOCKET)fd, buf, len > INT32_MAX ? INT32_MAX : (int)len, 0);
	return n >= 0 ? n : last_error();
}

ssize_t kp_net_send(int fd, const void *buf, size_t len)
{
	int n = send((SOCKET)fd, buf, len > INT32_MAX ? INT32_MAX : (int)len, 0);
	return n >= 0 ? n : last_error();
}

void kp_net_shutdown_write(int fd)
{
	shutdown((SOCKET)fd, SD_SEND);
}

void kp_net_close(int fd)
{
	closesocket((SOCKET)fd);
}

int kp_net_last_error(void)
{
	return last_error();
}

/* msvcrt's strerror knows none of the socket errors. */
const char *kp_net_strerror(int err)
{
	switch (err) {
	case EAGAIN: return "Resource temporarily unavailable";
	case EINPROGRESS: return "Operation now in progress";
	case EALREADY: return "Operation already in progress";
	case EADDRINUSE: return "Address already in use";
	case EADDRNOTAVAIL: return "Cannot assign requested address";
	case EAFNOSUPPORT: return "Address family not supported by protocol";
	case ECONNREFUSED: return "Connection refused";
	case ECONNRESET: return "Connection reset by peer";
	case ECONNABORTED: return "Software caused connection abort";
	case ENETDOWN: return "Network is down";
	case ENETUNREACH: return "Network is unreachable";
	case ENETRESET: return "Network dropped connection on reset";
	case EHOSTUNREACH: return "No route to host";
	case ETIMEDOUT: return "Connection timed out";
	case ENOBUFS: return "No buffer space available";
	case ENOTCONN: return "Transport endpoint is not connected";
	case ENOTSOCK: return "Socket operation on non-socket";
	case EPROTO: return "Protocol error";
	default: return strerror(err);
	}
}

void kp_net_tune_latency(int fd)
{
	BOOL on = TRUE;
	int size = SEND_BUFFER;

	setsockopt((SOCKET)fd, IPPROTO_TCP, TCP_NODELAY, (const char *)&on, sizeof(on));
	setsockopt((SOCKET)fd, SOL_SOCKET, SO_SNDBUF, (const char *)&size, sizeof(size));
}

void kp_net_keepalive(int fd, int idle_s, int intvl_s, int cnt)
{
	struct tcp_keepalive ka = {1, (u_long)idle_s * 1000, (u_long)intvl_s * 1000};
	DWORD got;

	(void)cnt;
	WSAIoctl((SOCKET)fd, SIO_KEEPALIVE_VALS, &ka, sizeof(ka), NULL, 0, &got, NULL, NULL);
}

/* A wide string in UTF-8 into OUT (LEN bytes); false when it does not fit. */
static bool utf8_of(const wchar_t *wide, char *out, int len)
{
	return WideCharToMultiByte(CP_UTF8, 0, wide, -1, out, len, NULL, NULL) > 0;
}

void kp_net_default_name(char *out, size_t len)
{
	wchar_t wide[256];
	DWORD n = 256;
	char user[256] = "user", host[256] = "unknown";

	if (!GetUserNameW(wide, &n) || !utf8_of(wide, user, sizeof(user)))
		snprintf(user, sizeof(user), "user");
	n = 256;
	if (!GetComputerNameExW(ComputerNameDnsHostname, wide, &n) ||
	    !utf8_of(wide, host, sizeof(host)))
		snprintf(host, sizeof(host), "unknown");
	snprintf(out, len, "%s@%s", user, host);
}

size_t kp_net_connection_slots(size_t want, size_t reserve)
{
	(void)reserve;
	return want;
}
