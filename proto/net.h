/* SPDX-License-Identifier: MIT */
/* What differs between the systems proto/ and transport/tls run on, behind
 * one header: proto/net-posix.c (Linux) and proto/net-win32.c (Windows,
 * Winsock).  TCP sockets as ints, poll, the errors they give as errno
 * values, and the little else the transport asks of the system (the
 * default name, how many connections may wait).  Everything else in proto/
 * and transport/tls is the same source on both.
 *
 * Every function returns 0 or a count, or a negative errno (never
 * Winsock's own codes); none sets errno. */
#ifndef KP_NET_H
#define KP_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#ifdef _WIN32
/* Without wincrypt.h, whose X509_NAME and others are macros that break
 * OpenSSL's headers in the same file. */
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <winsock2.h>
#include <ws2tcpip.h>
/* Windows reports a closed peer as POLLHUP; there is no half-close event. */
#define POLLRDHUP 0
/* No disk quotas among mingw-w64's errno values: a full disk is ENOSPC. */
#define EDQUOT ENOSPC
#else
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#endif

/* Once per user of the sockets (a plugin's init, a program's start):
 * Winsock's WSAStartup on Windows, counted, undone by kp_net_fini.  Returns
 * 0 or -ENOSYS. */
int kp_net_init(void);
void kp_net_fini(void);

/* Once on each thread that writes to sockets, before it does: a peer that
 * vanishes must cost an error code, not the process (SIGPIPE is blocked on
 * Linux, where OpenSSL's writes could raise it; Windows has none). */
void kp_net_thread_init(void);

/* poll(2); WSAPoll on Windows.  Returns the number of ready entries, or a
 * negative errno (-EINTR included). */
int kp_net_poll(struct pollfd *fds, size_t n, int timeout_ms);

/* A TCP socket of FAMILY, non-blocking, not inherited by child processes.
 * Returns it (>= 0) or a negative errno. */
int kp_net_socket(int family);

/* Starts connecting FD: 0 when connected at once, -EINPROGRESS while it
 * goes on (the socket then polls writable once it is done, and
 * kp_net_connect_result says how it went), or another negative errno. */
int kp_net_connect(int fd, const struct sockaddr *addr, socklen_t len);

/* How the connection FD started went: 0, or the negative errno it failed
 * with. */
int kp_net_connect_result(int fd);

/* Binds FD to ADDR (letting a new viewer take the port of one that just
 * ended) and listens.  Returns 0 or a negative errno. */
int kp_net_listen(int fd, const struct sockaddr *addr, socklen_t len);

/* Accepts a connection on the listening FD: non-blocking, not inherited.
 * Returns it (its address in ADDR) or a negative errno (-EAGAIN when none
 * waits). */
int kp_net_accept(int fd, struct sockaddr_storage *addr, socklen_t *len);

/* recv and send without blocking (and without SIGPIPE).  Return the bytes
 * moved (0 from recv: the peer closed), or a negative errno, -EAGAIN when
 * the socket is not ready. */
ssize_t kp_net_recv(int fd, void *buf, size_t len);
ssize_t kp_net_send(int fd, const void *buf, size_t len);

/* Says no more will be sent (a FIN after what is queued). */
void kp_net_shutdown_write(int fd);

void kp_net_close(int fd);

/* The error of the last failed socket call on this thread, as a negative
 * errno: what OpenSSL's socket layer leaves behind (errno on Linux,
 * WSAGetLastError on Windows).  0 when there is none. */
int kp_net_last_error(void);

/* The text of the errno ERR (positive) in English, socket errors included
 * (which the C library of Windows does not know). */
const char *kp_net_strerror(int err);

/* Latency first: no Nagle, and little unsent data kept by the system (the
 * sender's queue stays in the sender, where it can drop). */
void kp_net_tune_latency(int fd);

/* TCP keepalives on FD: the first after IDLE_S silent seconds, then every
 * INTVL_S, the link dropped after CNT unanswered (Windows: its own count,
 * 10). */
void kp_net_keepalive(int fd, int idle_s, int intvl_s, int cnt);

/* The name shown on the other side by default: "user@host", UTF-8. */
void kp_net_default_name(char *out, size_t len);

/* How many connections may wait for admission, at most WANT, keeping
 * RESERVE descriptors for everything else (Linux raises its limit of open
 * files towards what that needs; Windows has no such limit on sockets). */
size_t kp_net_connection_slots(size_t want, size_t reserve);

#endif
