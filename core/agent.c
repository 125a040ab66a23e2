/* SPDX-License-Identifier: MIT */
/* kyoyu-agent: the command line, the plugin search path, and the run. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef HAVE_SYS_PRCTL_H
#include <sys/prctl.h>
#endif

#define KYOYU_LOG_COMPONENT "agent"
#include <kyoyu/host.h>
#include <kyoyu/plugin.h>

#include "config-check.h"
#include "config-file.h"
#include "ctl.h"
#include "i18n.h"
#ifdef KYOYU_MAKE_CERT
#include "make-cert.h"
#endif
#include "loader.h"
#include "os.h"
#include "pipeline.h"
#include "settings.h"
#include "slots.h"

typedef struct agent_args {
	const char *config;
	const char *check_config;
	const char *help_plugin;
	const char *plugin_path;
	const char *make_cert, *cert_org, *cert_name;
	const char *make_ca, *issue_operator, *revoke_operator; /* the CA's folder */
	double duration;
	int verbosity;
	bool list_plugins;
} agent_args;

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: kyoyu-agent [OPTION]...\n"
		"       kyoyu-agent ctl pause|resume|leave|end|new-code|status|sessions\n"
		"                       [--socket PATH]\n"
		"Share a screen with a support operator, or view a customer's screen.\n\n"
		"  -c, --config FILE         read the configuration from FILE\n"
		"  -o, --set GROUP.KEY=VALUE override one setting (repeatable; wins over -c)\n"
		"  -r, --role sharer|viewer  same as -o role=...\n"
		"      --plugin-path DIRS    colon-separated folders searched first for plugins\n"
		"  -t, --duration SECONDS    end the session after SECONDS (one session:\n"
		"                            same as -o session.once=true)\n"
		"  -v, --verbose             more log lines (twice: debug)\n"
		"  -q, --quiet               errors only\n"
		"      --check-config FILE   check FILE (and -o settings) and exit\n"
		"      --list-plugins        list every loadable plugin, and refused files\n"
		"      --help-plugin NAME    describe plugin NAME (or KIND/NAME) and its options\n"
		"      --make-cert DIR       write a viewer certificate and key to DIR and\n"
		"                            print the pin for the sharers' configuration\n"
		"        --org TEXT          with --make-cert: the organisation the customer\n"
		"                            is shown (UTF-8, at most 64 characters)\n"
		"        --name TEXT         with --make-cert: the person or team the customer\n"
		"                            is shown (default: this computer's name)\n"
		"      --make-ca DIR --org TEXT\n"
		"                            make a desk's CA in DIR, for operators who\n"
		"                            reach customers through kyoyu-relay\n"
		"      --issue-operator CA_DIR OUT_DIR --name TEXT\n"
		"                            write an operator's certificate signed by that CA\n"
		"      --revoke-operator CA_DIR CERT\n"
		"                            add CERT to the CA's revocation list (crl.pem)\n"
		"      --version             print the version and plugin ABI\n"
		"  -h, --help                show this help\n\n");
	kyoyu_slots_print(out);
	fprintf(out, "\nkyoyu.cfg(5) and docs/config.md describe every key.\n");
}

/* The last '/' of PATH (or '\\', Windows' own), or NULL. */
static char *last_separator(char *path)
{
	char *slash = strrchr(path, '/'), *backslash = strrchr(path, '\\');

	if (!slash || !backslash)
		return slash ? slash : backslash;
	return backslash > slash ? backslash : slash;
}

/* The build tree this binary was built in when it runs from there (make
 * check, scripts/demo), whose plugins and catalogues are not installed:
 * then fills DIR and returns true.  Found from the executable's own path,
 * never a path compiled in, so that a packaged binary carries no trace of
 * where it was built (reproducible builds).  libtool runs an uninstalled
 * program from BUILDDIR/.libs; BUILDDIR holds config.status and plugins/,
 * which no installed program's folder does. */
static bool running_from_build_tree(char *dir, size_t size)
{
	char probe[PATH_MAX + 32];
	char *slash;

	if (kyoyu_os_program_path(dir, size) != 0)
		return false;
	/* The program's folder; libtool's .libs stands for the build tree. */
	if (!(slash = last_separator(dir)))
		return false;
	*slash = '\0';
	slash = last_separator(dir);
	if (slash && strcmp(slash + 1, ".libs") == 0)
		*slash = '\0';
	snprintf(probe, sizeof(probe), "%s/config.status", dir);
	if (access(probe, F_OK) != 0)
		return false;
	snprintf(probe, sizeof(probe), "%s/plugins", dir);
	return access(probe, F_OK) == 0;
}

/* --plugin-path, KYOYU_PLUGIN_PATH, plugins.path, the build tree, the
 * install folder: the first that holds a plugin wins. */
static int search_path(const agent_args *args, kyoyu_settings *settings,
		       char ***dirs, char *err, size_t errlen)
{
	size_t n = 0;
	char **config_dirs = NULL;
	const char *env = getenv("KYOYU_PLUGIN_PATH");
	char build_dir[PATH_MAX];
	int ret = 0;

	*dirs = calloc(1, sizeof(char *));
	if (!*dirs)
		return -ENOMEM;
	if (args->plugin_path)
		ret = kyoyu_loader_push_dirs(dirs, &n, args->plugin_path);
	if (ret == 0 && env && *env)
		ret = kyoyu_loader_push_dirs(dirs, &n, env);
	if (ret == 0)
		ret = kyoyu_settings_strv(settings, "plugins", "path", &config_dirs, err,
					  errlen);
	for (char **d = config_dirs; ret == 0 && d && *d; d++)
		ret = kyoyu_loader_push_dirs(dirs, &n, *d);
	kyoyu_strv_free(config_dirs);
	if (ret == 0 && running_from_build_tree(build_dir, sizeof(build_dir) - 8)) {
		strcat(build_dir, "/plugins");
		ret = kyoyu_loader_push_dirs(dirs, &n, build_dir);
	}
	char installed[PATH_MAX];
	if (ret == 0 &&
	    kyoyu_os_installed_plugin_dir(KYOYU_PLUGIN_DIR, installed, sizeof(installed)) == 0)
		ret = kyoyu_loader_push_dirs(dirs, &n, installed);
	return ret;
}

/* KYOYU_LOCALEDIR, the build tree's catalogues (make check, scripts/demo),
 * or the installed ones (on Windows beside kyoyu-agent.exe). */
static const char *locale_dir(void)
{
	static char dir[PATH_MAX];
	const char *env = getenv("KYOYU_LOCALEDIR");

	if (env && *env)
		return env;
	if (running_from_build_tree(dir, sizeof(dir) - 8)) {
		strcat(dir, "/locale");
		return dir;
	}
	if (kyoyu_os_installed_locale_dir(KYOYU_LOCALE_DIR, dir,
					  sizeof(dir)) != 0)
		return KYOYU_LOCALE_DIR;
	return dir;
}

/* ui.language, on either side, wins over the environment. */
static int apply_language(kyoyu_settings *settings, char *err, size_t errlen)
{
	const char *language = kyoyu_settings_string(settings, "ui", "language", "", err,
						     errlen);

	if (!language)
		return -EINVAL;
	return *language ? kyoyu_i18n_set_language(language, err, errlen) : 0;
}

static int parse_role(kyoyu_settings *settings, uint32_t *role, char *err,
		      size_t errlen)
{
	const char *name = kyoyu_settings_string(settings, "", "role", "sharer", err,
						 errlen);
	if (!name)
		return -EINVAL;
	if (strcmp(name, "sharer") == 0)
		*role = KYOYU_ROLE_SHARER;
	else if (strcmp(name, "viewer") == 0)
		*role = KYOYU_ROLE_VIEWER;
	else {
		snprintf(err, errlen, "role \"%s\" is neither sharer nor viewer", name);
		return -EINVAL;
	}
	return 0;
}

/* The customer's side logs warnings and errors only by default: its log
 * lines share the customer's terminal with ui/tty's status line, and say
 * nothing the customer needs. */
static int apply_log_level(kyoyu_settings *settings, uint32_t role, int verbosity,
			   char *err, size_t errlen)
{
	static const char *const names[] = {"error", "warning", "info", "debug"};
	const char *name = kyoyu_settings_string(settings, "log", "level",
						 role == KYOYU_ROLE_SHARER ? "warning" : "info",
						 err, errlen);
	int level = -1;

	if (!name)
		return -EINVAL;
	for (int i = 0; i < 4; i++)
		if (strcmp(name, names[i]) == 0)
			level = i;
	if (level < 0) {
		snprintf(err, errlen, "log.level \"%s\" is not error, warning, info or debug",
			 name);
		return -EINVAL;
	}
	/* -v and -q move from what the file asks for. */
	level += verbosity;
	level = level < 0 ? 0 : level > KYOYU_LOG_DEBUG ? KYOYU_LOG_DEBUG : level;
	kyoyu_log_set_level((kyoyu_log_level)level);
	return 0;
}

static void print_codecs(const char *what, const kyoyu_codec_desc *list)
{
	char text[5];

	if (!list || !list->fourcc)
		return;
	printf("  %s:", what);
	for (; list->fourcc; list++)
		printf(" %s (%s)", list->name, kyoyu_fourcc_text(list->fourcc, text));
	printf("\n");
}

static void print_formats(const char *what, const uint32_t *list)
{
	if (!list || !*list)
		return;
	printf("  %s:", what);
	for (; *list; list++)
		printf(" %s", kyoyu_pixfmt_name(*list));
	printf("\n");
}

static void visit_listed(void *ctx, const char *path, const kyoyu_plugin *p,
			 const char *why)
{
	int *refused = ctx;

	if (!p) {
		printf("refused   %s\n          %s\n", path, why);
		++*refused;
		return;
	}
	printf("%-9s %-12s %-8s %s\n          %s\n", kyoyu_kind_name(p->desc.kind),
	       p->desc.name, p->desc.version, p->desc.description, path);
}

static int list_plugins(kyoyu_loader *loader)
{
	int refused = 0;

	printf("%-9s %-12s %-8s %s\n", "KIND", "NAME", "VERSION", "DESCRIPTION");
	kyoyu_loader_scan(loader, visit_listed, &refused);
	printf("search path:");
	for (char **d = loader->dirs; *d; d++)
		printf(" %s", *d);
	printf("\n");
	return 0;
}

/* Why no kind has a plugin NAME, when none of kyoyu's own is called so. */
static void explain_unknown_name(const kyoyu_loader *loader, const char *name, char *err,
				 size_t errlen)
{
	size_t len = (size_t)snprintf(err, errlen, "no plugin \"%s\" of any kind found in",
				      name);

	for (char **dir = loader->dirs; *dir && len < errlen; dir++)
		len += (size_t)snprintf(err + len, errlen - len, "%s %s",
					dir == loader->dirs ? "" : ",", *dir);
	if (len < errlen)
		snprintf(err + len, errlen - len, "; kyoyu-agent --list-plugins shows "
			 "what is there");
}

static int help_plugin(kyoyu_loader *loader, const char *spec)
{
	char err[2048] = "";
	kyoyu_plugin *p = NULL;
	const char *slash = strchr(spec, '/');
	const char *name = slash ? slash + 1 : spec;
	/* What the message explains, best first: a refused file, a plugin of
	 * kyoyu's own that is not built (sdl: --enable-ui-sdl), the kind asked
	 * for. */
	enum explanation { NONE, ASKED, OWN, REFUSED } explained = NONE;

	for (uint32_t kind = KYOYU_KIND_CAPTURE; !p && kind <= KYOYU_KIND_UI; kind++) {
		const char *kname = kyoyu_kind_name(kind);
		if (slash && (strncmp(spec, kname, (size_t)(slash - spec)) != 0 ||
			      strlen(kname) != (size_t)(slash - spec)))
			continue;
		char e[1024];
		int ret = kyoyu_loader_find(loader, kind, name, &p, e, sizeof(e));
		enum explanation why = ret != -ENOENT ? REFUSED
			  : kyoyu_loader_is_own_plugin(kind, name) ? OWN
			  : slash ? ASKED : NONE;
		if (ret != 0 && why > explained) {
			snprintf(err, sizeof(err), "%s", e);
			explained = why;
		}
	}
	if (!p) {
		if (explained == NONE)
			explain_unknown_name(loader, name, err, sizeof(err));
		fprintf(stderr, "kyoyu-agent: %s\n", err);
		return 1;
	}
	const kyoyu_plugin_descriptor *d = &p->desc;
	const char *group = d->kind == KYOYU_KIND_POLICY ? "session"
								 : kyoyu_kind_name(d->kind);
	printf("%s/%s %s — %s\n", kyoyu_kind_name(d->kind), d->name, d->version,
	       d->description);
	printf("  license: %s\n  file:    %s\n  ABI:     %u.%u (this kyoyu: %d.%d)\n",
	       d->license, p->path, d->abi_major, d->abi_minor, KYOYU_ABI_MAJOR,
	       KYOYU_ABI_MINOR);
	if (d->kind == KYOYU_KIND_CODEC) {
		print_codecs("encodes", p->ops.codec.encodes);
		print_formats("takes", p->ops.codec.encoder_formats);
		print_codecs("decodes", p->ops.codec.decodes);
		print_formats("gives", p->ops.codec.decoder_formats);
	} else if (d->kind == KYOYU_KIND_CAPTURE) {
		print_formats("posts", p->ops.stage.formats);
	} else if (d->kind == KYOYU_KIND_UI) {
		print_formats("shows", p->ops.stage.formats);
	}
	printf("\nOptions (keys of the config group \"%s\"):\n", group);
	kyoyu_options_print(d->options, stdout);
	return 0;
}

static int run(kyoyu_loader *loader, kyoyu_settings *settings, uint32_t role,
	       double duration)
{
	kyoyu_pipeline *pl;
	kyoyu_run_summary sum;
	char err[2048] = "";

#ifdef PR_SET_THP_DISABLE
	/* The sharer runs on the customer's PC.  Encoders ask for transparent
	 * huge pages for their picture buffers (x264 does), which rounds each
	 * up to whole 2 MiB pages: on the 1080p live bench with H.264 that was
	 * 8 MB more peak memory, for no CPU time saved. */
	if (role == KYOYU_ROLE_SHARER)
		prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0);
#endif
	int ret = kyoyu_pipeline_new(loader, settings, role, &pl, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "kyoyu-agent: %s\n", err);
		return 1;
	}
	ret = kyoyu_pipeline_run(pl, duration, &sum);
	kyoyu_pipeline_free(pl);
	double kbps = sum.seconds > 0 ? (double)sum.bytes * 8 / 1000 / sum.seconds : 0;
	char latency[96] = "";
	if (sum.latency_p50_us >= 0)
		snprintf(latency, sizeof(latency), ", capture-to-decoded latency "
			 "p50 %.1f ms, p99 %.1f ms", sum.latency_p50_us / 1000.0,
			 sum.latency_p99_us / 1000.0);
	/* For engineers and scripts, in English.  On the customer's terminal
	 * ui/tty has already said, in their language, how it ended. */
	if (role == KYOYU_ROLE_SHARER && isatty(STDOUT_FILENO) &&
	    !kyoyu_log_enabled(KYOYU_LOG_INFO))
		return ret ? 1 : 0;
	printf("kyoyu: session ended (%s) after %.1f s: %llu %s frames, %llu packets, "
	       "%.0f kbit/s, %llu stale frames merged%s\n",
	       kyoyu_end_reason_name(sum.reason), sum.seconds, (unsigned long long)sum.frames,
	       role == KYOYU_ROLE_SHARER ? "captured" : "decoded",
	       (unsigned long long)sum.packets, kbps,
	       (unsigned long long)sum.frames_merged, latency);
	return ret ? 1 : 0;
}

int main(int argc, char **argv)
{
	enum { OPT_PLUGIN_PATH = 256, OPT_CHECK, OPT_LIST, OPT_HELP_PLUGIN, OPT_VERSION,
	       OPT_MAKE_CERT, OPT_ORG, OPT_NAME, OPT_MAKE_CA, OPT_ISSUE, OPT_REVOKE };
	static const struct option longopts[] = {
		{"config", required_argument, NULL, 'c'},
		{"set", required_argument, NULL, 'o'},
		{"role", required_argument, NULL, 'r'},
		{"plugin-path", required_argument, NULL, OPT_PLUGIN_PATH},
		{"duration", required_argument, NULL, 't'},
		{"verbose", no_argument, NULL, 'v'},
		{"quiet", no_argument, NULL, 'q'},
		{"check-config", required_argument, NULL, OPT_CHECK},
		{"list-plugins", no_argument, NULL, OPT_LIST},
		{"help-plugin", required_argument, NULL, OPT_HELP_PLUGIN},
		{"version", no_argument, NULL, OPT_VERSION},
		{"make-cert", required_argument, NULL, OPT_MAKE_CERT},
		{"make-ca", required_argument, NULL, OPT_MAKE_CA},
		{"issue-operator", required_argument, NULL, OPT_ISSUE},
		{"revoke-operator", required_argument, NULL, OPT_REVOKE},
		{"org", required_argument, NULL, OPT_ORG},
		{"name", required_argument, NULL, OPT_NAME},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	agent_args args = {0};
	kyoyu_settings overrides, settings;
	char err[2048] = "";
	char *end;
	int opt, status = 1;

	if (kyoyu_os_init() != 0) {
		fprintf(stderr, "kyoyu-agent: the system's sockets cannot start (Winsock 2.2 "
				"is missing)\n");
		return 1;
	}
	/* `kyoyu-agent ctl ...` talks to a running agent and has its own options. */
	if (argc > 1 && strcmp(argv[1], "ctl") == 0)
		return kyoyu_ctl_main(argc - 1, argv + 1);
	kyoyu_i18n_init(locale_dir());
	kyoyu_settings_init(&overrides);
	kyoyu_settings_init(&settings);
	while ((opt = getopt_long(argc, argv, "c:o:r:t:vqh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			args.config = optarg;
			break;
		case 'o':
			if (kyoyu_settings_put_arg(&overrides, optarg, err, sizeof(err))) {
				fprintf(stderr, "kyoyu-agent: %s\n", err);
				goto out_usage;
			}
			break;
		case 'r': {
			kyoyu_setting *s = kyoyu_settings_put(&overrides, "", "role",
							      "command line");
			if (!s || !(s->s = strdup(optarg)))
				goto out;
			s->type = KYOYU_VALUE_TEXT;
			break;
		}
		case OPT_PLUGIN_PATH:
			args.plugin_path = optarg;
			break;
		case 't':
			args.duration = strtod(optarg, &end);
			if (*end || args.duration <= 0) {
				fprintf(stderr, "kyoyu-agent: --duration wants a number of "
						"seconds, not \"%s\"\n", optarg);
				goto out_usage;
			}
			break;
		case 'v':
			args.verbosity++;
			break;
		case 'q':
			args.verbosity -= 2;
			break;
		case OPT_CHECK:
			args.check_config = optarg;
			break;
		case OPT_LIST:
			args.list_plugins = true;
			break;
		case OPT_HELP_PLUGIN:
			args.help_plugin = optarg;
			break;
		case OPT_MAKE_CERT:
			args.make_cert = optarg;
			break;
		case OPT_MAKE_CA:
			args.make_ca = optarg;
			break;
		case OPT_ISSUE:
			args.issue_operator = optarg;
			break;
		case OPT_REVOKE:
			args.revoke_operator = optarg;
			break;
		case OPT_ORG:
			args.cert_org = optarg;
			break;
		case OPT_NAME:
			args.cert_name = optarg;
			break;
		case OPT_VERSION:
			printf("kyoyu-agent %s (plugin ABI %d.%d)\n", PACKAGE_VERSION,
			       KYOYU_ABI_MAJOR, KYOYU_ABI_MINOR);
			status = 0;
			goto out;
		case 'h':
			usage(stdout);
			status = 0;
			goto out;
		default:
			goto out_usage;
		}
	}
	/* A time limit is for scripts: one session, not a console. */
	if (args.duration > 0) {
		kyoyu_setting *s = kyoyu_settings_put(&overrides, "session", "once", "-t");
		if (!s || !(s->s = strdup("true")))
			goto out;
		s->type = KYOYU_VALUE_TEXT;
	}
	/* --issue-operator and --revoke-operator take a second path. */
	const char *second = args.issue_operator || args.revoke_operator ? argv[optind] : NULL;
	if (second)
		optind++;
	if (optind < argc) {
		fprintf(stderr, "kyoyu-agent: unexpected argument \"%s\"\n", argv[optind]);
		goto out_usage;
	}
	if (!!args.make_cert + !!args.make_ca + !!args.issue_operator + !!args.revoke_operator >
	    1) {
		fprintf(stderr, "kyoyu-agent: one of --make-cert, --make-ca, --issue-operator and "
				"--revoke-operator at a time\n");
		goto out_usage;
	}
	if ((args.cert_org && !args.make_cert && !args.make_ca) ||
	    (args.cert_name && !args.make_cert && !args.issue_operator)) {
		fprintf(stderr, "kyoyu-agent: --org and --name go with --make-cert DIR (--org "
				"also with --make-ca, --name with --issue-operator)\n");
		goto out_usage;
	}
	if ((args.issue_operator || args.revoke_operator) && !second) {
		fprintf(stderr, "kyoyu-agent: %s\n", args.issue_operator
			? "--issue-operator CA_DIR OUT_DIR: where should the operator's "
			  "certificate go?"
			: "--revoke-operator CA_DIR CERT: which operator certificate?");
		goto out_usage;
	}
	if (args.make_ca || args.issue_operator || args.revoke_operator) {
#ifdef KYOYU_MAKE_CERT
		status = args.make_ca ? kyoyu_make_ca(args.make_ca, args.cert_org)
			 : args.issue_operator
				 ? kyoyu_issue_operator(args.issue_operator, second, args.cert_name)
				 : kyoyu_revoke_operator(args.revoke_operator, second);
#else
		fprintf(stderr, "kyoyu-agent: this build has no desk CA tools: run them on "
				"the desk's Linux machine (kyoyu built with libssl-dev)\n");
#endif
		goto out;
	}
	if (args.make_cert) {
#ifdef KYOYU_MAKE_CERT
		status = kyoyu_make_cert(args.make_cert, args.cert_org, args.cert_name);
#else
		fprintf(stderr, "kyoyu-agent: this build has no --make-cert: run it on "
				"the viewer's Linux machine (kyoyu built with libssl-dev)\n");
#endif
		goto out;
	}

	const char *file = args.check_config ? args.check_config : args.config;
	if (file && kyoyu_config_load(file, &settings, err, sizeof(err))) {
		fprintf(stderr, "kyoyu-agent: %s\n", err);
		goto out;
	}
	for (kyoyu_setting *o = overrides.first; o; o = o->next) {
		kyoyu_setting *s = kyoyu_settings_put(&settings, o->group, o->key, o->origin);
		if (!s || !(s->s = strdup(o->s)))
			goto out;
		s->type = KYOYU_VALUE_TEXT;
	}
	uint32_t role;
	if (parse_role(&settings, &role, err, sizeof(err)) ||
	    apply_log_level(&settings, role, args.verbosity, err, sizeof(err)) ||
	    apply_language(&settings, err, sizeof(err))) {
		fprintf(stderr, "kyoyu-agent: %s\n", err);
		goto out;
	}

	char **dirs;
	if (search_path(&args, &settings, &dirs, err, sizeof(err))) {
		fprintf(stderr, "kyoyu-agent: %s\n", *err ? err : "out of memory");
		goto out;
	}
	/* A run checks apart, so that only the plugins it starts stay loaded. */
	bool run_now = !args.list_plugins && !args.help_plugin && !args.check_config;
	if (run_now && kyoyu_config_check_apart(dirs, &settings, err, sizeof(err))) {
		fprintf(stderr, "kyoyu-agent: %s\n", err);
		kyoyu_strv_free(dirs);
		goto out;
	}
	kyoyu_loader loader;
	int ret = kyoyu_loader_init(&loader, dirs);
	kyoyu_strv_free(dirs);
	if (ret) {
		fprintf(stderr, "kyoyu-agent: cannot start the plugin loader\n");
		goto out;
	}
	if (args.list_plugins) {
		status = list_plugins(&loader);
	} else if (args.help_plugin) {
		status = help_plugin(&loader, args.help_plugin);
	} else if (run_now) {
		status = run(&loader, &settings, role, args.duration);
	} else if (kyoyu_config_check(&loader, &settings, err, sizeof(err))) {
		fprintf(stderr, "kyoyu-agent: %s\n", err);
	} else {
		printf("%s: OK (role %s)\n", args.check_config,
		       role == KYOYU_ROLE_SHARER ? "sharer" : "viewer");
		status = 0;
	}
	kyoyu_loader_fini(&loader);
	goto out;

out_usage:
	fprintf(stderr, "Try 'kyoyu-agent --help'.\n");
	status = 2;
out:
	kyoyu_settings_clear(&overrides);
	kyoyu_settings_clear(&settings);
	return status;
}
