/* SPDX-License-Identifier: MIT */
/* `kyoyu-agent ctl COMMAND`: finds the running agent's control socket,
 * sends one request and prints the answer (protocol in ctl.h). */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <kyoyu/plugin.h>

#include "config-file.h"
#include "ctl.h"
#include "os.h"

/* Longer than any wait of the agent's (new-code waits 5 s). */
#define ANSWER_TIMEOUT_MS 10000
#define ANSWER_MAX KYOYU_CTL_ANSWER_MAX

static const struct {
	const char *name;
	uint32_t role; /* the role it is for; 0: both */
	const char *help;
} commands[] = {
	{"pause", KYOYU_ROLE_SHARER, "stop sending the screen until resume"},
	{"resume", KYOYU_ROLE_SHARER, "send the screen again"},
	{"leave", KYOYU_ROLE_SHARER, "end the session (the customer leaves)"},
	{"end", KYOYU_ROLE_VIEWER, "end the session (the operator ends it)"},
	{"new-code", KYOYU_ROLE_VIEWER, "issue another one-time code and print it"},
	{"status", 0, "state, peer, time left, codec, bitrate, fps, round trip"},
	{"sessions", 0, "the sessions this agent ran: start, end, customer, reason, "
			"recording file (tab-separated)"},
};

static void usage(FILE *out)
{
	fprintf(out, "Usage: kyoyu-agent ctl COMMAND [--socket PATH] [--role sharer|viewer] "
		     "[-c FILE]\nControl the kyoyu-agent running as this user.\n\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-9s %-8s %s\n", commands[i].name,
			commands[i].role == KYOYU_ROLE_SHARER   ? "sharer"
			: commands[i].role == KYOYU_ROLE_VIEWER ? "viewer"
								: "both",
			commands[i].help);
	fprintf(out, "\n  -s, --socket PATH   the agent's control socket (its ctl.socket)\n"
		     "  -r, --role ROLE     which agent: sharer or viewer (for status)\n"
		     "  -c, --config FILE   read ctl.socket and role from the agent's config\n");
}

static int parse_role(const char *name, uint32_t *role)
{
	if (strcmp(name, "sharer") == 0)
		*role = KYOYU_ROLE_SHARER;
	else if (strcmp(name, "viewer") == 0)
		*role = KYOYU_ROLE_VIEWER;
	else
		return -EINVAL;
	return 0;
}

/* Which socket: --socket, the config's ctl.socket, or the default path of
 * the role (for status without a role: the one agent that runs). */
static int find_socket(const char *config, const char *role_arg, uint32_t cmd_role,
		       char *path, size_t len)
{
	kyoyu_settings settings;
	char err[1024] = "";
	uint32_t role = cmd_role;
	int ret = 0;

	kyoyu_settings_init(&settings);
	if (config && kyoyu_config_load(config, &settings, err, sizeof(err)))
		goto out_err;
	const char *configured = kyoyu_settings_string(&settings, "ctl", "socket", NULL,
						       err, sizeof(err));
	const char *config_role = kyoyu_settings_string(&settings, "", "role", NULL, err,
							sizeof(err));
	if (*err)
		goto out_err;
	if (configured) {
		snprintf(path, len, "%s", configured);
		goto out;
	}
	const char *name = role_arg ? role_arg : config_role;
	if (name && parse_role(name, &role)) {
		snprintf(err, sizeof(err), "role \"%s\" is neither sharer nor viewer", name);
		goto out_err;
	}
	if (role) {
		ret = kyoyu_ctl_default_path(role, path, len);
		goto out;
	}
	char sharer[256], viewer[256];
	struct stat st;
	kyoyu_ctl_default_path(KYOYU_ROLE_SHARER, sharer, sizeof(sharer));
	kyoyu_ctl_default_path(KYOYU_ROLE_VIEWER, viewer, sizeof(viewer));
	bool have_sharer = stat(sharer, &st) == 0, have_viewer = stat(viewer, &st) == 0;
	if (have_sharer && have_viewer) {
		snprintf(err, sizeof(err), "a sharer and a viewer both run here: add "
		         "--role sharer or --role viewer");
		goto out_err;
	}
	snprintf(path, len, "%s", have_viewer ? viewer : sharer);
	goto out;

out_err:
	fprintf(stderr, "kyoyu-agent ctl: %s\n", err);
	ret = -EINVAL;
out:
	kyoyu_settings_clear(&settings);
	return ret;
}

static int connect_to(const char *path)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};

	if (strlen(path) >= sizeof(addr.sun_path)) {
		fprintf(stderr, "kyoyu-agent ctl: socket path too long: %s\n", path);
		return -1;
	}
	memcpy(addr.sun_path, path, strlen(path) + 1);
	int fd = kyoyu_os_unix_socket(false);
	if (fd < 0) {
		fprintf(stderr, "kyoyu-agent ctl: cannot make a socket: %s\n", strerror(errno));
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0)
		return fd;
	int e = kyoyu_os_socket_errno();
	kyoyu_os_socket_close(fd);
	if (e == ENOENT)
		fprintf(stderr, "kyoyu-agent ctl: no agent is running here (no control "
				"socket %s); is it started, and with another ctl.socket?\n", path);
	else if (e == ECONNREFUSED)
		fprintf(stderr, "kyoyu-agent ctl: nothing listens on %s (the agent "
				"stopped)\n", path);
	else if (e == EACCES || e == EPERM)
		fprintf(stderr, "kyoyu-agent ctl: permission denied on %s: only the "
				"user running the agent may control it\n", path);
	else
		fprintf(stderr, "kyoyu-agent ctl: cannot connect to %s: %s\n", path,
			strerror(e));
	return -1;
}

/* Sends CMD and prints the answer: the result on stdout, an error on stderr. */
static int ask(int fd, const char *cmd)
{
	char line[KYOYU_CTL_REQUEST_MAX], answer[ANSWER_MAX + 1];
	size_t n = 0;

	int len = snprintf(line, sizeof(line), "%s\n", cmd);
	/* An agent that refuses us answers and closes before reading: the
	 * answer is still there to read when the send fails. */
	if (send(fd, line, (size_t)len, KYOYU_OS_MSG_NOSIGNAL) == len)
		shutdown(fd, SHUT_WR);
	while (n < ANSWER_MAX) {
		struct pollfd p = {fd, POLLIN, 0};
		if (kyoyu_os_poll(&p, 1, ANSWER_TIMEOUT_MS) <= 0) {
			fprintf(stderr, "kyoyu-agent ctl: no answer within %d s\n",
				ANSWER_TIMEOUT_MS / 1000);
			return 1;
		}
		ssize_t got = recv(fd, answer + n, ANSWER_MAX - n, 0);
		if (got < 0 && kyoyu_os_socket_errno() == EINTR)
			continue;
		if (got <= 0)
			break;
		n += (size_t)got;
	}
	answer[n] = '\0';
	if (strncmp(answer, "ok\n", 3) == 0) {
		fputs(answer + 3, stdout);
		return 0;
	}
	if (strncmp(answer, "error: ", 7) == 0)
		fprintf(stderr, "kyoyu-agent ctl: %s", answer + 7);
	else
		fprintf(stderr, "kyoyu-agent ctl: the agent gave no answer\n");
	return 1;
}

int kyoyu_ctl_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"socket", required_argument, NULL, 's'},
		{"role", required_argument, NULL, 'r'},
		{"config", required_argument, NULL, 'c'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *socket_arg = NULL, *role_arg = NULL, *config = NULL;
	char path[256];
	int opt;

	while ((opt = getopt_long(argc, argv, "s:r:c:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 's':
			socket_arg = optarg;
			break;
		case 'r':
			role_arg = optarg;
			break;
		case 'c':
			config = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind + 1 != argc) {
		fprintf(stderr, "kyoyu-agent ctl: %s\n", optind == argc
				? "which command?" : "one command at a time");
		usage(stderr);
		return 2;
	}
	const char *cmd = argv[optind];
	size_t i = 0, n = sizeof(commands) / sizeof(commands[0]);
	while (i < n && strcmp(commands[i].name, cmd) != 0)
		i++;
	if (i == n) {
		fprintf(stderr, "kyoyu-agent ctl: unknown command \"%s\"\n", cmd);
		usage(stderr);
		return 2;
	}
	if (socket_arg)
		snprintf(path, sizeof(path), "%s", socket_arg);
	else if (find_socket(config, role_arg, commands[i].role, path, sizeof(path)))
		return 1;
	int fd = connect_to(path);
	if (fd < 0)
		return 1;
	int status = ask(fd, cmd);
	kyoyu_os_socket_close(fd);
	return status;
}
