/* SPDX-License-Identifier: MIT */
/* ctl-raw [--hold MS] SOCKET: sends standard input as it is to a control
 * socket and prints the answer, for the tests that feed the agent garbage.
 * With --hold, the sending side stays open for MS milliseconds (a client
 * that never finishes its request). */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	char buf[65536];
	int hold_ms = 0;

	if (argc == 4 && strcmp(argv[1], "--hold") == 0) {
		hold_ms = atoi(argv[2]);
		argv += 2;
		argc -= 2;
	}
	if (argc != 2 || strlen(argv[1]) >= sizeof(addr.sun_path)) {
		fprintf(stderr, "usage: ctl-raw [--hold MS] SOCKET < request\n");
		return 2;
	}
	strcpy(addr.sun_path, argv[1]);
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0) {
		perror("ctl-raw: connect");
		return 1;
	}
	size_t n = fread(buf, 1, sizeof(buf), stdin);
	if (n && send(fd, buf, n, MSG_NOSIGNAL) < 0)
		perror("ctl-raw: send"); /* the agent may close early: still read */
	if (hold_ms) {
		struct pollfd p = {fd, POLLIN, 0};
		poll(&p, 1, hold_ms);
	}
	shutdown(fd, SHUT_WR);
	ssize_t got;
	while ((got = recv(fd, buf, sizeof(buf), 0)) > 0)
		fwrite(buf, 1, (size_t)got, stdout);
	close(fd);
	return 0;
}
