/* SPDX-License-Identifier: MIT */
/* kyoyu-relay: the desk's one address for operators and customers
 * (docs/relay.md).  Options as the agent's: a libconfig file (-c), single
 * keys on the command line (-o group.key=value), --check-config. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <libconfig.h>

#define KYOYU_LOG_COMPONENT "relay"
#include <kyoyu/host.h>
#include <kyoyu/kyoyu.h>

#include "server.h"

#define MAX_REDIS 8

typedef enum kind { STRING, INT, URLS, LEVEL } kind;

typedef struct setting {
	const char *name; /* group.key */
	kind kind;
	size_t offset;
	int min, max;
	const char *help;
} setting;

typedef struct options {
	relay_config cfg;
	const char *redis[MAX_REDIS];
	int level;
	/* Copies the settings point to, freed at exit. */
	char *owned[2 * (MAX_REDIS + 16)];
	size_t n_owned;
} options;

/* Keeps COPY (NULL: out of memory) to be freed at exit. */
static char *own(options *o, char *copy)
{
	if (copy && o->n_owned == sizeof(o->owned) / sizeof(o->owned[0])) {
		free(copy);
		return NULL;
	}
	if (copy)
		o->owned[o->n_owned++] = copy;
	return copy;
}

static void free_owned(options *o)
{
	for (size_t i = 0; i < o->n_owned; i++)
		free(o->owned[i]);
}

#define AT(field) offsetof(options, field)

static const setting settings[] = {
	{"relay.listen", STRING, AT(cfg.listen), 0, 0, "address to listen on"},
	{"relay.port", INT, AT(cfg.port), 0, 65535, "the one TCP port (0: any free one, logged)"},
	{"relay.cert", STRING, AT(cfg.cert), 0, 0, "the relay's certificate (PEM chain)"},
	{"relay.key", STRING, AT(cfg.key), 0, 0, "the relay's private key (PEM)"},
	{"relay.ca", STRING, AT(cfg.ca), 0, 0,
	 "the desk CA (PEM) that signs operator certificates"},
	{"relay.crl", STRING, AT(cfg.crl), 0, 0,
	 "the desk's revoked operators (PEM CRL from kyoyu-agent --revoke-operator), read "
	 "again when it changes"},
	{"relay.redis", URLS, AT(redis), 0, 0,
	 "\"redis://HOST:PORT\", or a list tried in turn (a Cluster's masters), or "
	 "\"sentinel://HOST:PORT/MASTER\" for each Sentinel"},
	{"relay.code_ttl_s", INT, AT(cfg.code_ttl_s), 10, 86400, "a code works for this long"},
	{"relay.attempts_per_minute", INT, AT(cfg.attempts_per_minute), 1, 100000,
	 "code attempts per address and minute, over all nodes"},
	{"relay.rejoins_per_minute", INT, AT(cfg.rejoins_per_minute), 1, 100000,
	 "customers' re-join tickets per address and minute, over all nodes"},
	{"relay.reject_delay_ms", INT, AT(cfg.reject_delay_ms), 0, 10000,
	 "a refused code is answered after this delay, whatever the reason"},
	{"relay.handshake_timeout_s", INT, AT(cfg.handshake_timeout_s), 1, 120,
	 "TLS and the request must be done within this time"},
	{"relay.max_links", INT, AT(cfg.max_links), 4, 1000000, "links open at once"},
	{"relay.node_address", STRING, AT(cfg.node_address), 0, 0,
	 "HOST:PORT where the other relay nodes reach this one (default: relay.listen, "
	 "or the host name, and relay.port)"},
	{"relay.metrics_port", INT, AT(cfg.metrics_port), -1, 65535,
	 "serve counters in Prometheus' text format on this port (-1: off, 0: any free one, "
	 "logged)"},
	{"relay.metrics_listen", STRING, AT(cfg.metrics_listen), 0, 0,
	 "address for the counters (keep it local or private)"},
	{"relay.dump", STRING, AT(cfg.dump), 0, 0,
	 "for audits: write every forwarded byte, as the relay sees it, to this file"},
	{"log.level", LEVEL, AT(level), 0, 0, "error, warn, info or debug"},
};
#define N_SETTINGS (sizeof(settings) / sizeof(settings[0]))

static const char *const level_names[] = {"error", "warn", "info", "debug"};

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: kyoyu-relay [-c FILE] [-o group.key=value]... [--check-config]\n"
		"The desk's relay: operators' viewers and customers' sharers both dial out to\n"
		"it; it joins them and forwards their end-to-end encrypted session.\n\n"
		"  -c, --config FILE   read the configuration from FILE\n"
		"  -o group.key=value  set one key (after the file)\n"
		"      --check-config  read everything, say what is wrong, and exit\n"
		"      --version       print the version\n"
		"  -h, --help          show this help\n\nKeys:\n");
	for (size_t i = 0; i < N_SETTINGS; i++)
		fprintf(out, "  %-26s %s\n", settings[i].name, settings[i].help);
}

static const setting *find(const char *name, size_t len)
{
	for (size_t i = 0; i < N_SETTINGS; i++)
		if (strlen(settings[i].name) == len && strncmp(settings[i].name, name, len) == 0)
			return &settings[i];
	return NULL;
}

/* Sets ST from TEXT (from -o: strings as they are, or in quotes). */
static int set_text(options *o, const setting *st, const char *text, const char *origin)
{
	char *p = (char *)o + st->offset;
	size_t len = strlen(text);

	if (st->kind != INT && len >= 2 && text[0] == '"' && text[len - 1] == '"') {
		text = own(o, strndup(text + 1, len - 2));
		if (!text)
			return -ENOMEM;
	}
	switch (st->kind) {
	case STRING:
		*(const char **)p = text;
		return 0;
	case INT: {
		char *end;
		errno = 0;
		long v = strtol(text, &end, 10);
		if (errno || end == text || *end || v < st->min || v > st->max) {
			fprintf(stderr, "kyoyu-relay: %s: %s must be a whole number from %d to %d, "
				"not \"%s\"\n", origin, st->name, st->min, st->max, text);
			return -EINVAL;
		}
		*(int *)p = (int)v;
		return 0;
	}
	case URLS:
		o->cfg.n_redis = 0;
		for (const char *at = text; *at && o->cfg.n_redis < MAX_REDIS;) {
			size_t n = strcspn(at, ", ");
			if (n && !(o->redis[o->cfg.n_redis++] = own(o, strndup(at, n))))
				return -ENOMEM;
			at += n;
			at += strspn(at, ", ");
		}
		return 0;
	case LEVEL:
		for (int i = 0; i < 4; i++) {
			if (strcmp(text, level_names[i]) == 0) {
				o->level = i;
				return 0;
			}
		}
		fprintf(stderr, "kyoyu-relay: %s: log.level must be error, warn, info or debug, "
			"not \"%s\"\n", origin, text);
		return -EINVAL;
	}
	return -EINVAL;
}

/* Copies one setting of the file (strings are duplicated: the file's
 * configuration is freed after reading). */
static int take(options *o, const setting *st, config_setting_t *cs, const char *path)
{
	char origin[PATH_MAX + 32], num[32];

	snprintf(origin, sizeof(origin), "%s:%u", path, config_setting_source_line(cs));
	int type = config_setting_type(cs);
	if (st->kind == URLS && (type == CONFIG_TYPE_LIST || type == CONFIG_TYPE_ARRAY)) {
		o->cfg.n_redis = 0;
		for (int i = 0; i < config_setting_length(cs) && i < MAX_REDIS; i++) {
			const char *url = config_setting_get_string_elem(cs, i);
			if (!url) {
				fprintf(stderr, "kyoyu-relay: %s: relay.redis must list strings\n",
					origin);
				return -EINVAL;
			}
			if (!(o->redis[o->cfg.n_redis++] = own(o, strdup(url))))
				return -ENOMEM;
		}
		return 0;
	}
	if (st->kind == INT) {
		if (type != CONFIG_TYPE_INT && type != CONFIG_TYPE_INT64) {
			fprintf(stderr, "kyoyu-relay: %s: %s must be a number\n", origin, st->name);
			return -EINVAL;
		}
		snprintf(num, sizeof(num), "%lld", config_setting_get_int64(cs));
		return set_text(o, st, num, origin);
	}
	if (type != CONFIG_TYPE_STRING) {
		fprintf(stderr, "kyoyu-relay: %s: %s must be a string in quotes\n", origin,
			st->name);
		return -EINVAL;
	}
	char *copy = own(o, strdup(config_setting_get_string(cs)));
	return copy ? set_text(o, st, copy, origin) : -ENOMEM;
}

static int read_file(options *o, const char *path)
{
	config_t cfg;
	int ret = 0;

	config_init(&cfg);
	if (config_read_file(&cfg, path) != CONFIG_TRUE) {
		if (config_error_type(&cfg) == CONFIG_ERR_FILE_IO)
			fprintf(stderr, "kyoyu-relay: cannot read %s\n", path);
		else
			fprintf(stderr, "kyoyu-relay: %s:%d: %s\n", path, config_error_line(&cfg),
				config_error_text(&cfg));
		config_destroy(&cfg);
		return -EINVAL;
	}
	config_setting_t *root = config_root_setting(&cfg);
	for (int g = 0; ret == 0 && g < config_setting_length(root); g++) {
		config_setting_t *group = config_setting_get_elem(root, (unsigned)g);
		for (int k = 0; ret == 0 && k < config_setting_length(group); k++) {
			config_setting_t *cs = config_setting_get_elem(group, (unsigned)k);
			char name[128];
			snprintf(name, sizeof(name), "%s.%s", config_setting_name(group),
				 config_setting_name(cs) ? config_setting_name(cs) : "");
			const setting *st = config_setting_is_group(group) ? find(name, strlen(name))
									    : NULL;
			if (!st) {
				fprintf(stderr, "kyoyu-relay: %s:%u: unknown key %s (kyoyu-relay "
					"--help lists them)\n", path,
					config_setting_source_line(cs), name);
				ret = -EINVAL;
			} else {
				ret = take(o, st, cs, path);
			}
		}
		if (!config_setting_is_group(group)) {
			fprintf(stderr, "kyoyu-relay: %s:%u: %s is not a group of keys\n", path,
				config_setting_source_line(group), config_setting_name(group));
			ret = -EINVAL;
		}
	}
	config_destroy(&cfg);
	return ret;
}

static int override(options *o, const char *arg)
{
	const char *eq = strchr(arg, '=');
	const setting *st = eq ? find(arg, (size_t)(eq - arg)) : NULL;

	if (!eq) {
		fprintf(stderr, "kyoyu-relay: -o needs group.key=value, not \"%s\"\n", arg);
		return -EINVAL;
	}
	if (!st) {
		fprintf(stderr, "kyoyu-relay: -o %s: unknown key %.*s (kyoyu-relay --help lists "
			"them)\n", arg, (int)(eq - arg), arg);
		return -EINVAL;
	}
	return set_text(o, st, eq + 1, "-o");
}

/* Each link holds a descriptor: the soft limit goes up to the hard one. */
static void raise_file_limit(int want)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t)want + 32) {
		rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > (rlim_t)want + 32
				      ? (rlim_t)want + 32 : rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
	stopping = 1;
}

int main(int argc, char **argv)
{
	enum { OPT_CHECK = 256, OPT_VERSION };
	static const struct option longopts[] = {
		{"config", required_argument, NULL, 'c'},
		{"check-config", no_argument, NULL, OPT_CHECK},
		{"version", no_argument, NULL, OPT_VERSION},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	options o = {
		.cfg = {.listen = "0.0.0.0", .port = 7448, .code_ttl_s = 600,
			.attempts_per_minute = 10, .rejoins_per_minute = 60,
			.reject_delay_ms = 1000,
			.handshake_timeout_s = 10, .max_links = 4096,
			.metrics_listen = "127.0.0.1", .metrics_port = -1},
		.level = KYOYU_LOG_INFO,
	};
	const char *file = NULL, *overrides[64];
	size_t n_overrides = 0;
	bool check = false;
	int c;

	while ((c = getopt_long(argc, argv, "c:o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			file = optarg;
			break;
		case 'o':
			if (n_overrides == sizeof(overrides) / sizeof(overrides[0])) {
				fprintf(stderr, "kyoyu-relay: too many -o\n");
				return 2;
			}
			overrides[n_overrides++] = optarg;
			break;
		case OPT_CHECK:
			check = true;
			break;
		case OPT_VERSION:
			printf("kyoyu-relay %s\n", PACKAGE_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			fprintf(stderr, "Try 'kyoyu-relay --help'.\n");
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "kyoyu-relay: unexpected argument \"%s\"\nTry 'kyoyu-relay "
			"--help'.\n", argv[optind]);
		return 2;
	}
	int ret = file ? read_file(&o, file) : 0;
	for (size_t i = 0; ret == 0 && i < n_overrides; i++)
		ret = override(&o, overrides[i]);
	if (ret)
		goto out_free;
	o.cfg.redis = o.redis;
	kyoyu_log_set_level((kyoyu_log_level)o.level);

	char err[512] = "";
	relay_server *server = relay_server_new(&o.cfg, err, sizeof(err));
	if (!server) {
		fprintf(stderr, "kyoyu-relay: %s\n", err);
		ret = -EINVAL;
		goto out_free;
	}
	if (check) {
		relay_server_free(server);
		printf("kyoyu-relay: the configuration is valid\n");
		goto out_free;
	}
	struct sigaction sa = {.sa_handler = on_signal};
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	raise_file_limit(o.cfg.max_links);
	ret = relay_server_run(server, &stopping);
	relay_server_free(server);
	if (ret == 0)
		kyoyu_info("kyoyu-relay stopped");
out_free:
	free_owned(&o);
	return ret ? 1 : 0;
}
