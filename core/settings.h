/* SPDX-License-Identifier: MIT */
/* The agent's settings: every "group.key = value" from the config file and
 * the command line, with where each came from, before any plugin reads them.
 * Values from the command line override those from the file. */
#ifndef KYOYU_SETTINGS_H
#define KYOYU_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <kyoyu/options.h>

typedef enum kyoyu_value_type {
	KYOYU_VALUE_BOOL,
	KYOYU_VALUE_INT,
	KYOYU_VALUE_DOUBLE,
	KYOYU_VALUE_STRING,
	KYOYU_VALUE_LIST, /* of strings */
	KYOYU_VALUE_TEXT, /* from the command line: typed when read */
} kyoyu_value_type;

typedef struct kyoyu_setting {
	char *group; /* "" for top-level keys */
	char *key;
	kyoyu_value_type type;
	bool b;
	int64_t i;
	double d;
	char *s;       /* STRING and TEXT */
	char **list;   /* LIST: NULL-terminated */
	char *origin;  /* "agent.cfg:12" or "command line" */
	bool used;     /* read by the core or a plugin */
	struct kyoyu_setting *next;
} kyoyu_setting;

typedef struct kyoyu_settings {
	kyoyu_setting *first;
} kyoyu_settings;

void kyoyu_settings_init(kyoyu_settings *settings);
void kyoyu_settings_clear(kyoyu_settings *settings);

/* Adds or replaces GROUP.KEY.  The setting takes ownership of nothing: the
 * strings are copied.  Returns the new setting, or NULL when out of memory. */
kyoyu_setting *kyoyu_settings_put(kyoyu_settings *settings, const char *group,
				  const char *key, const char *origin);

/* Parses "group.key=value" from the command line into SETTINGS. */
int kyoyu_settings_put_arg(kyoyu_settings *settings, const char *arg,
			   char *err, size_t errlen);

/* The setting GROUP.KEY, or NULL.  Marks it used. */
kyoyu_setting *kyoyu_settings_get(const kyoyu_settings *settings,
				  const char *group, const char *key);

/* Reads a string (STRING or TEXT).  Returns FALLBACK when absent, NULL with
 * ERR filled when present with another type. */
const char *kyoyu_settings_string(const kyoyu_settings *settings,
				  const char *group, const char *key,
				  const char *fallback, char *err, size_t errlen);

/* Reads an integer in MIN..MAX into *OUT (left alone when absent).
 * Returns 0 or -EINVAL with ERR filled. */
int kyoyu_settings_int(const kyoyu_settings *settings, const char *group,
		       const char *key, int64_t min, int64_t max, int64_t *out,
		       char *err, size_t errlen);

int kyoyu_settings_bool(const kyoyu_settings *settings, const char *group,
			const char *key, bool *out, char *err, size_t errlen);

/* Reads a string or a list of strings as a NULL-terminated list (a copy the
 * caller frees with kyoyu_strv_free).  *OUT is NULL when absent. */
int kyoyu_settings_strv(const kyoyu_settings *settings, const char *group,
			const char *key, char ***out, char *err, size_t errlen);

void kyoyu_strv_free(char **strv);

/* "true", "yes", "on", "1" / "false", "no", "off", "0".  0 or -EINVAL. */
int kyoyu_parse_bool(const char *text, bool *out);

/* "group.key" of S into BUF. */
const char *kyoyu_setting_name(const kyoyu_setting *s, char *buf, size_t len);

/* Bounds of the core's own integer keys (docs/config.md), read at start by
 * the pipeline and checked by --check-config: one definition for both. */
#define KYOYU_BITRATE_KBPS_MIN 50
#define KYOYU_BITRATE_KBPS_MAX 100000
#define KYOYU_MAX_FPS_MIN 1
#define KYOYU_MAX_FPS_MAX 120
#define KYOYU_TOPOFF_MS_MIN 0
#define KYOYU_TOPOFF_MS_MAX 60000

/* ---- plugin options ---------------------------------------------------- */

/* Sets every option of TABLE in PRIV to its default. */
int kyoyu_options_defaults(const kyoyu_option *table, void *priv);

/* Stores setting S into the option OPT of PRIV, checking type and bounds.
 * Returns 0, or -EINVAL with ERR naming origin, key and what was expected. */
int kyoyu_options_apply(const kyoyu_option *opt, void *priv,
			const kyoyu_setting *s, char *err, size_t errlen);

/* The option named KEY in TABLE, or NULL. */
const kyoyu_option *kyoyu_options_find(const kyoyu_option *table, const char *key);

/* Frees the strings the core stored in PRIV. */
void kyoyu_options_free(const kyoyu_option *table, void *priv);

/* Checks a plugin's table: known types, unique keys, fields inside
 * PRIV_SIZE, sane defaults.  Returns 0 or -EINVAL with ERR filled. */
int kyoyu_options_validate(const kyoyu_option *table, size_t priv_size,
			   char *err, size_t errlen);

/* Writes the table as `--help-plugin` shows it. */
void kyoyu_options_print(const kyoyu_option *table, void *file);

#endif
