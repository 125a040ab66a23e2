/* SPDX-License-Identifier: MIT */
/* kyoyu-plugin-check FILE.so: does a plugin keep the plugin ABI?
 *
 * It loads the plugin as the agent does, checks its descriptor and options,
 * and runs it against a real bus with fake peers through the contract of
 * its kind (docs/plugin-abi.md).  The checks run in a child process, so a
 * plugin that crashes or hangs is reported with the check it was in.
 * Prints TAP; exits 0 when the plugin conforms, 1 with reasons when it does
 * not or is no plugin at all.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <kyoyu/host.h>

#include "plugin-check.h"

#define DEFAULT_TIMEOUT_S 120

typedef struct check_args {
	const char *target;     /* FILE.so, or KIND/NAME */
	const char *plugin_path;
	char **sets;            /* -o KEY=VALUE, as given */
	size_t n_sets;
	unsigned timeout_s;
	int verbosity;
} check_args;

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: kyoyu-plugin-check [OPTION]... FILE.so\n"
		"       kyoyu-plugin-check [OPTION]... KIND/NAME\n"
		"Check that a kyoyu plugin keeps the plugin ABI: it loads, its descriptor and\n"
		"options are sound, and it keeps the contract of its kind on a real bus with\n"
		"fake peers.  A capture posts pictures in the format the core chose, a key\n"
		"picture each time sharing starts and nothing while paused; a codec passes a\n"
		"round trip with the send/receive contract, a drain and a keyframe on request;\n"
		"a UI survives every state message; a transport starts and stops cleanly\n"
		"without a peer; a policy answers allow() and tick() through a session.\n"
		"KIND/NAME checks a plugin on the search path (or linked into this program).\n\n"
		"  -o, --set KEY=VALUE     set an option of the plugin (also GROUP.KEY=VALUE,\n"
		"                          as kyoyu-agent takes it); repeatable\n"
		"      --plugin-path DIRS  colon-separated folders searched for other plugins\n"
		"                          (a decoder is fed by a plugin that encodes)\n"
		"      --timeout SECONDS   give up on a plugin that hangs (default %d)\n"
		"  -v, --verbose           show the plugin's log lines (twice: debug)\n"
		"      --version           print the version and plugin ABI\n"
		"  -h, --help              show this help\n\n"
		"Prints TAP.  Exit status: 0 when the plugin conforms; 1 with the reasons\n"
		"when it does not, or is not a kyoyu plugin.  See docs/plugin-abi.md.\n",
		DEFAULT_TIMEOUT_S);
}

/* --plugin-path, KYOYU_PLUGIN_PATH, the folder of the file checked, and
 * the folder kyoyu installs plugins into. */
static int search_path(const check_args *args, char ***dirs)
{
	const char *env = getenv("KYOYU_PLUGIN_PATH");
	const char *slash = strrchr(args->target, '/');
	size_t n = 0;
	int ret = 0;

	*dirs = calloc(1, sizeof(char *));
	if (!*dirs)
		return -ENOMEM;
	if (args->plugin_path)
		ret = kyoyu_loader_push_dirs(dirs, &n, args->plugin_path);
	if (ret == 0 && env && *env)
		ret = kyoyu_loader_push_dirs(dirs, &n, env);
	struct stat st;
	if (ret == 0 && slash && stat(args->target, &st) == 0) {
		char *dir = strndup(args->target, (size_t)(slash - args->target));
		ret = dir ? kyoyu_loader_push_dirs(dirs, &n, *dir ? dir : "/") : -ENOMEM;
		free(dir);
	}
	if (ret == 0)
		ret = kyoyu_loader_push_dirs(dirs, &n, KYOYU_PLUGIN_DIR);
	return ret;
}

/* Loads the plugin checked: a file, or KIND/NAME found by the loader. */
static int load(checker *ck, const char *target, char *err, size_t errlen)
{
	struct stat st;
	kyoyu_plugin *p = NULL;
	const char *slash = strchr(target, '/');
	int ret;

	if (stat(target, &st) == 0 || !slash || strchr(slash + 1, '/')) {
		ret = kyoyu_loader_open_file(&ck->loader, target, &p, err, errlen);
	} else {
		ret = -ENOENT;
		for (uint32_t kind = KYOYU_KIND_CAPTURE; kind <= KYOYU_KIND_UI; kind++) {
			const char *name = kyoyu_kind_name(kind);
			if (strlen(name) == (size_t)(slash - target) &&
			    strncmp(name, target, strlen(name)) == 0)
				ret = kyoyu_loader_find(&ck->loader, kind, slash + 1, &p, err,
							errlen);
		}
		if (ret == -ENOENT && !*err)
			snprintf(err, errlen, "no file %s, and \"%.*s\" is no plugin kind "
				 "(capture, codec, transport, policy, ui)", target,
				 (int)(slash - target), target);
	}
	ck->plugin = p;
	return ret;
}

/* The -o values in the plugin's group, "KEY=VALUE" or "GROUP.KEY=VALUE". */
static int store_sets(checker *ck, const check_args *args, char *err, size_t errlen)
{
	for (size_t i = 0; i < args->n_sets; i++) {
		const char *arg = args->sets[i];
		const char *eq = strchr(arg, '=');
		const char *dot = eq ? memchr(arg, '.', (size_t)(eq - arg)) : NULL;
		if (dot && ((size_t)(dot - arg) != strlen(ck->group) ||
			    strncmp(arg, ck->group, (size_t)(dot - arg)) != 0)) {
			snprintf(err, errlen, "-o %s: this plugin reads its options from the "
				 "group \"%s\"; write %s.%s or just %s", arg, ck->group,
				 ck->group, dot + 1, dot + 1);
			return -EINVAL;
		}
		char full[1024];
		snprintf(full, sizeof(full), "%s.%s", ck->group, dot ? dot + 1 : arg);
		int ret = kyoyu_settings_put_arg(&ck->settings, full, err, errlen);
		if (ret)
			return ret;
	}
	return 0;
}

/* The checks, in the child process.  Returns its exit status. */
static int check_plugin(const check_args *args, check_report *report)
{
	checker ck = {.report = report};
	const kyoyu_plugin_descriptor *d = NULL;
	char err[2048] = "";
	char **dirs = NULL;
	int status = 1;

	kyoyu_settings_init(&ck.settings);
	if (search_path(args, &dirs) || kyoyu_loader_init(&ck.loader, dirs)) {
		fprintf(stderr, "kyoyu-plugin-check: cannot start the plugin loader\n");
		kyoyu_strv_free(dirs);
		return 1;
	}
	kyoyu_strv_free(dirs);
	check_begin(&ck, "load %s", args->target);
	if (load(&ck, args->target, err, sizeof(err))) {
		check_fail(&ck, "%s", err);
		check_end(&ck);
		goto out_summary;
	}
	d = &ck.plugin->desc;
	ck.group = d->kind == KYOYU_KIND_POLICY ? "session" : kyoyu_kind_name(d->kind);
	check_note(&ck, "%s/%s from %s", kyoyu_kind_name(d->kind), d->name, ck.plugin->path);
	check_end(&ck);
	if (store_sets(&ck, args, err, sizeof(err))) {
		fprintf(stderr, "kyoyu-plugin-check: %s\n", err);
		goto out;
	}
	check_descriptor(&ck);
	check_options(&ck);
	switch (d->kind) {
	case KYOYU_KIND_CODEC:
		check_codec(&ck);
		break;
	case KYOYU_KIND_POLICY:
		check_policy(&ck);
		break;
	default:
		check_stage(&ck);
		break;
	}
out_summary:
	if (report->failed == 0 && d) {
		printf("# %s/%s conforms to plugin ABI %d.%d: %d checks passed",
		       kyoyu_kind_name(d->kind), d->name, KYOYU_ABI_MAJOR, KYOYU_ABI_MINOR,
		       report->cases - report->skipped);
		if (report->skipped)
			printf(", %d skipped (see SKIP above: they did not apply here)",
			       report->skipped);
		printf("\n");
		status = 0;
	} else if (d) {
		printf("# %s/%s does not conform: %d of %d checks failed (see \"not ok\" "
		       "above)\n", kyoyu_kind_name(d->kind), d->name, report->failed,
		       report->cases);
	} else {
		printf("# %s is not a plugin this kyoyu can load\n", args->target);
	}
	printf("1..%d\n", report->cases);
	report->finished = true;
out:
	fflush(stdout);
	kyoyu_settings_clear(&ck.settings);
	kyoyu_loader_fini(&ck.loader);
	return status;
}

/* Waits for the checks' process PID; after TIMEOUT_S, kills its whole
 * process group (it runs each stage's checks in a process of its own) and
 * sets *HUNG.  Returns its status from waitpid. */
static int wait_checks(pid_t pid, unsigned timeout_s, bool *hung)
{
	int64_t deadline = kyoyu_now_us() + (int64_t)timeout_s * 1000000;
	int status = 0;

	*hung = false;
	for (;;) {
		pid_t got = waitpid(pid, &status, WNOHANG);
		if (got == pid || (got < 0 && errno != EINTR))
			return status;
		if (kyoyu_now_us() >= deadline) {
			kill(-pid, SIGKILL);
			*hung = true;
			while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
				;
			return status;
		}
		usleep(20000);
	}
}

static int parse_args(int argc, char **argv, check_args *args)
{
	enum { OPT_PLUGIN_PATH = 256, OPT_TIMEOUT, OPT_VERSION };
	static const struct option longopts[] = {
		{"set", required_argument, NULL, 'o'},
		{"plugin-path", required_argument, NULL, OPT_PLUGIN_PATH},
		{"timeout", required_argument, NULL, OPT_TIMEOUT},
		{"verbose", no_argument, NULL, 'v'},
		{"version", no_argument, NULL, OPT_VERSION},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int opt;
	char *end;

	args->timeout_s = DEFAULT_TIMEOUT_S;
	while ((opt = getopt_long(argc, argv, "o:vh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'o':
			if (!strchr(optarg, '=')) {
				fprintf(stderr, "kyoyu-plugin-check: \"%s\" is not of the form "
					"KEY=VALUE (for example -o fps=10)\n", optarg);
				return 1;
			}
			args->sets[args->n_sets++] = optarg;
			break;
		case OPT_PLUGIN_PATH:
			args->plugin_path = optarg;
			break;
		case OPT_TIMEOUT: {
			unsigned long s = strtoul(optarg, &end, 10);
			if (*end || s == 0 || s > 3600) {
				fprintf(stderr, "kyoyu-plugin-check: --timeout wants 1 to 3600 "
					"seconds, not \"%s\"\n", optarg);
				return 1;
			}
			args->timeout_s = (unsigned)s;
			break;
		}
		case 'v':
			args->verbosity++;
			break;
		case OPT_VERSION:
			printf("kyoyu-plugin-check %s (plugin ABI %d.%d)\n", PACKAGE_VERSION,
			       KYOYU_ABI_MAJOR, KYOYU_ABI_MINOR);
			exit(0);
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return 1;
		}
	}
	if (optind + 1 != argc) {
		fprintf(stderr, "kyoyu-plugin-check: %s\n", optind == argc
			? "which plugin? give the path of its .so" : "one plugin at a time");
		usage(stderr);
		return 1;
	}
	args->target = argv[optind];
	return 0;
}

int main(int argc, char **argv)
{
	check_args args = {.sets = calloc((size_t)argc, sizeof(char *))};

	if (!args.sets || parse_args(argc, argv, &args)) {
		free(args.sets);
		return 1;
	}
	/* Plugin log lines are for a plugin's author at work: -v. */
	int level = KYOYU_LOG_WARN + args.verbosity;
	kyoyu_log_set_level(level > KYOYU_LOG_DEBUG ? KYOYU_LOG_DEBUG : (kyoyu_log_level)level);
	/* Without a display in the environment the checks are headless, and
	 * stay so: some libraries (SDL) fall back to ":0", which may be
	 * anyone's.  An empty DISPLAY opens nothing. */
	if (!getenv("DISPLAY") && !getenv("WAYLAND_DISPLAY"))
		setenv("DISPLAY", "", 1);
	check_report *report = mmap(NULL, sizeof(*report), PROT_READ | PROT_WRITE,
				    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (report == MAP_FAILED) {
		perror("kyoyu-plugin-check: mmap");
		free(args.sets);
		return 1;
	}
	memset(report, 0, sizeof(*report));
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0) {
		perror("kyoyu-plugin-check: fork");
		free(args.sets);
		return 1;
	}
	if (pid == 0) {
		/* Its own process group, which a timeout kills whole. */
		setpgid(0, 0);
		int status = check_plugin(&args, report);
		free(args.sets);
		exit(status);
	}
	setpgid(pid, pid);
	bool hung;
	int status = wait_checks(pid, args.timeout_s, &hung);
	free(args.sets);
	if (!report->finished && (hung || WIFSIGNALED(status) || WEXITSTATUS(status) != 1 ||
				  report->open)) {
		checker ck = {.report = report};
		check_child_ended(&ck, status, hung, args.timeout_s);
		printf("# %s does not conform: %d of %d checks failed\n1..%d\n", args.target,
		       report->failed, report->cases, report->cases);
		return 1;
	}
	if (WIFSIGNALED(status) || WEXITSTATUS(status) > 1) {
		/* After the report: LeakSanitizer, at exit. */
		printf("# ... but the check process then ended with %s %d: a sanitizer's "
		       "report (a leak?) is on stderr\n", WIFSIGNALED(status) ? "signal"
		       : "exit status", WIFSIGNALED(status) ? WTERMSIG(status)
		       : WEXITSTATUS(status));
		return 1;
	}
	return WEXITSTATUS(status) == 0 ? 0 : 1;
}
