/* SPDX-License-Identifier: MIT */
/* kyoyu — plugin options.
 *
 * A plugin never sees the configuration file.  It declares a table of
 * options, each with a key, a type, the offset of its field in the plugin's
 * private struct, a default, bounds and one line of help.  The core fills the
 * private struct from the plugin's config group before init(), rejects
 * unknown keys and values out of range, and prints the table for
 * `kyoyu-agent --help-plugin NAME`.
 */
#ifndef KYOYU_OPTIONS_H
#define KYOYU_OPTIONS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum kyoyu_option_type {
	KYOYU_OPT_END = 0,    /* terminates the table */
	KYOYU_OPT_BOOL = 1,   /* field is bool */
	KYOYU_OPT_INT = 2,    /* field is int; bounded by min/max */
	KYOYU_OPT_DOUBLE = 3, /* field is double; bounded by min/max */
	KYOYU_OPT_STRING = 4, /* field is const char *, owned by the core
				 and valid until fini(); valid UTF-8, at most
				 max characters when max > 0 */
	KYOYU_OPT_ENUM = 5,   /* field is int: index into choices */
} kyoyu_option_type;

/* One entry of a plugin's table.  Tables are arrays, so the entry keeps
 * its 1.0 size for good: new fields take the reserved words, which the
 * macros below leave zero. */
typedef struct kyoyu_option {
	const char *key; /* lower-case, [a-z0-9_] */
	uint32_t type;   /* kyoyu_option_type */
	size_t offset;   /* offsetof(private struct, field) */
	const char *help;
	double def;      /* default for BOOL (0/1), INT, DOUBLE, ENUM (index) */
	double min, max; /* inclusive bounds for INT and DOUBLE; max characters
			    for STRING (0: no limit) */
	const char *def_string;     /* default for STRING (may be NULL) */
	const char *const *choices; /* NULL-terminated names for ENUM */
	const void *reserved[2];
} kyoyu_option;

/* Braced initialisers in macros, which clang-format takes for blocks. */
/* clang-format off */
#define KYOYU_OPTION_BOOL(key, type, field, def, help)                         \
	{ key, KYOYU_OPT_BOOL, offsetof(type, field), help, (def), 0, 1, NULL, NULL, { NULL, NULL } }
#define KYOYU_OPTION_INT(key, type, field, def, min, max, help)                \
	{ key, KYOYU_OPT_INT, offsetof(type, field), help, (def), (min), (max), NULL, NULL, { NULL, NULL } }
#define KYOYU_OPTION_DOUBLE(key, type, field, def, min, max, help)             \
	{ key, KYOYU_OPT_DOUBLE, offsetof(type, field), help, (def), (min), (max), NULL, NULL, { NULL, NULL } }
#define KYOYU_OPTION_STRING(key, type, field, def, help)                       \
	{ key, KYOYU_OPT_STRING, offsetof(type, field), help, 0, 0, 0, (def), NULL, { NULL, NULL } }
/* A string of at most MAX_CHARS characters (not bytes). */
#define KYOYU_OPTION_TEXT(key, type, field, def, max_chars, help)              \
	{ key, KYOYU_OPT_STRING, offsetof(type, field), help, 0, 0, (max_chars), (def), NULL, { NULL, NULL } }
#define KYOYU_OPTION_ENUM(key, type, field, def, choices, help)                \
	{ key, KYOYU_OPT_ENUM, offsetof(type, field), help, (def), 0, 0, NULL, (choices), { NULL, NULL } }
#define KYOYU_OPTION_END { NULL, KYOYU_OPT_END, 0, NULL, 0, 0, 0, NULL, NULL, { NULL, NULL } }
/* clang-format on */

#ifdef __cplusplus
}
#endif

#endif
