/* SPDX-License-Identifier: MIT */
/* Plugin option tables: defaults, typed and bounded assignment, help. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "settings.h"
#include "utf8.h"
#include "util.h"

static size_t field_size(uint32_t type)
{
	switch (type) {
	case KYOYU_OPT_BOOL:
		return sizeof(bool);
	case KYOYU_OPT_INT:
	case KYOYU_OPT_ENUM:
		return sizeof(int);
	case KYOYU_OPT_DOUBLE:
		return sizeof(double);
	case KYOYU_OPT_STRING:
		return sizeof(char *);
	default:
		return 0;
	}
}

static void *field(const kyoyu_option *opt, void *priv)
{
	return (char *)priv + opt->offset;
}

static size_t choice_count(const kyoyu_option *opt)
{
	size_t n = 0;
	while (opt->choices && opt->choices[n])
		n++;
	return n;
}

const kyoyu_option *kyoyu_options_find(const kyoyu_option *table, const char *key)
{
	for (const kyoyu_option *o = table; o && o->key; o++)
		if (strcmp(o->key, key) == 0)
			return o;
	return NULL;
}

static bool valid_key(const char *key)
{
	if (!*key)
		return false;
	for (const char *p = key; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
			return false;
	return true;
}

int kyoyu_options_validate(const kyoyu_option *table, size_t priv_size,
			   char *err, size_t errlen)
{
	for (const kyoyu_option *o = table; o && o->key; o++) {
		size_t size = field_size(o->type);
		if (!valid_key(o->key)) {
			seterr(err, errlen, "option key \"%s\" is not [a-z0-9_]+", o->key);
			return -EINVAL;
		}
		if (size == 0) {
			seterr(err, errlen, "option \"%s\" has unknown type %u", o->key,
			       (unsigned)o->type);
			return -EINVAL;
		}
		if (o->offset > priv_size || size > priv_size - o->offset) {
			seterr(err, errlen, "option \"%s\" lies outside the plugin's "
			       "private struct (%zu bytes)", o->key, priv_size);
			return -EINVAL;
		}
		if (kyoyu_options_find(table, o->key) != o) {
			seterr(err, errlen, "option \"%s\" is declared twice", o->key);
			return -EINVAL;
		}
		if (!o->help) {
			seterr(err, errlen, "option \"%s\" has no help text", o->key);
			return -EINVAL;
		}
		bool bounded = o->type == KYOYU_OPT_INT || o->type == KYOYU_OPT_DOUBLE;
		if (o->type == KYOYU_OPT_INT && (o->min < INT_MIN || o->max > INT_MAX)) {
			seterr(err, errlen, "option \"%s\": bounds %g..%g do not fit an int",
			       o->key, o->min, o->max);
			return -EINVAL;
		}
		if (bounded && !(o->min <= o->def && o->def <= o->max)) {
			seterr(err, errlen, "option \"%s\": default %g is outside %g..%g",
			       o->key, o->def, o->min, o->max);
			return -EINVAL;
		}
		if (o->type == KYOYU_OPT_STRING &&
		    (o->max < 0 || o->max != (double)(size_t)o->max ||
		     (o->max && o->def_string &&
		      (double)kyoyu_utf8_chars(o->def_string) > o->max))) {
			seterr(err, errlen, "option \"%s\": the longest value %g is not "
			       "a character count the default fits in", o->key, o->max);
			return -EINVAL;
		}
		if (o->type == KYOYU_OPT_ENUM &&
		    (choice_count(o) == 0 || o->def < 0 || o->def >= (double)choice_count(o))) {
			seterr(err, errlen, "option \"%s\": no choices, or default out of them",
			       o->key);
			return -EINVAL;
		}
	}
	return 0;
}

int kyoyu_options_defaults(const kyoyu_option *table, void *priv)
{
	for (const kyoyu_option *o = table; o && o->key; o++) {
		void *f = field(o, priv);
		switch (o->type) {
		case KYOYU_OPT_BOOL:
			*(bool *)f = o->def != 0;
			break;
		case KYOYU_OPT_INT:
		case KYOYU_OPT_ENUM:
			*(int *)f = (int)o->def;
			break;
		case KYOYU_OPT_DOUBLE:
			*(double *)f = o->def;
			break;
		case KYOYU_OPT_STRING: {
			char *copy = NULL;
			if (o->def_string && !(copy = strdup(o->def_string)))
				return -ENOMEM;
			free(*(char **)f);
			*(char **)f = copy;
			break;
		}
		}
	}
	return 0;
}

void kyoyu_options_free(const kyoyu_option *table, void *priv)
{
	for (const kyoyu_option *o = table; o && o->key; o++) {
		if (o->type == KYOYU_OPT_STRING) {
			free(*(char **)field(o, priv));
			*(char **)field(o, priv) = NULL;
		}
	}
}

static const char *type_word(uint32_t type)
{
	switch (type) {
	case KYOYU_OPT_BOOL:
		return "bool";
	case KYOYU_OPT_INT:
		return "int";
	case KYOYU_OPT_DOUBLE:
		return "double";
	case KYOYU_OPT_STRING:
		return "string";
	case KYOYU_OPT_ENUM:
		return "enum";
	default:
		return "?";
	}
}

/* Reads a number from a typed setting or command-line text. */
static int setting_number(const kyoyu_setting *s, bool integer, double *out)
{
	char *end;

	switch (s->type) {
	case KYOYU_VALUE_INT:
		*out = (double)s->i;
		return 0;
	case KYOYU_VALUE_DOUBLE:
		if (integer)
			return -EINVAL;
		*out = s->d;
		return 0;
	case KYOYU_VALUE_TEXT:
		errno = 0;
		if (integer) {
			long long v = strtoll(s->s, &end, 10);
			*out = (double)v;
		} else {
			*out = strtod(s->s, &end);
		}
		if (errno || end == s->s || *end || !isfinite(*out))
			return -EINVAL;
		return 0;
	default:
		return -EINVAL;
	}
}

static int apply_enum(const kyoyu_option *opt, void *priv,
		      const kyoyu_setting *s, const char *name, char *err,
		      size_t errlen)
{
	if (s->type == KYOYU_VALUE_STRING || s->type == KYOYU_VALUE_TEXT) {
		for (size_t i = 0; opt->choices[i]; i++) {
			if (strcmp(opt->choices[i], s->s) == 0) {
				*(int *)field(opt, priv) = (int)i;
				return 0;
			}
		}
	}
	char choices[256] = "";
	for (size_t i = 0; opt->choices[i]; i++) {
		size_t len = strlen(choices);
		snprintf(choices + len, sizeof(choices) - len, "%s\"%s\"",
			 i ? ", " : "", opt->choices[i]);
	}
	seterr(err, errlen, "%s: %s must be one of %s", s->origin, name, choices);
	return -EINVAL;
}

int kyoyu_options_apply(const kyoyu_option *opt, void *priv,
			const kyoyu_setting *s, char *err, size_t errlen)
{
	char name[140];
	double number;
	bool flag;

	kyoyu_setting_name(s, name, sizeof(name));
	switch (opt->type) {
	case KYOYU_OPT_BOOL:
		if (s->type == KYOYU_VALUE_BOOL) {
			*(bool *)field(opt, priv) = s->b;
			return 0;
		}
		if (s->type == KYOYU_VALUE_TEXT && kyoyu_parse_bool(s->s, &flag) == 0) {
			*(bool *)field(opt, priv) = flag;
			return 0;
		}
		break;
	case KYOYU_OPT_INT:
	case KYOYU_OPT_DOUBLE: {
		bool integer = opt->type == KYOYU_OPT_INT;
		if (setting_number(s, integer, &number) != 0)
			break;
		if (number < opt->min || number > opt->max) {
			char value[64];
			/* The value as written: a 64-bit integer stays exact. */
			if (s->type == KYOYU_VALUE_INT)
				snprintf(value, sizeof(value), "%lld", (long long)s->i);
			else if (s->type == KYOYU_VALUE_TEXT)
				snprintf(value, sizeof(value), "%s", s->s);
			else
				snprintf(value, sizeof(value), "%g", number);
			seterr(err, errlen, "%s: %s = %s is out of range %.*g..%.*g",
			       s->origin, name, value, integer ? 17 : 6, opt->min,
			       integer ? 17 : 6, opt->max);
			return -EINVAL;
		}
		if (integer)
			*(int *)field(opt, priv) = (int)number;
		else
			*(double *)field(opt, priv) = number;
		return 0;
	}
	case KYOYU_OPT_STRING:
		if (s->type == KYOYU_VALUE_STRING || s->type == KYOYU_VALUE_TEXT) {
			long chars = kyoyu_utf8_chars(s->s);
			if (chars < 0) {
				seterr(err, errlen, "%s: %s is not valid UTF-8 text; save the "
				       "file as UTF-8", s->origin, name);
				return -EINVAL;
			}
			if (opt->max > 0 && (double)chars > opt->max) {
				seterr(err, errlen, "%s: %s is %ld characters long, more than "
				       "the %g characters allowed", s->origin, name, chars,
				       opt->max);
				return -EINVAL;
			}
			char *copy = strdup(s->s);
			if (!copy)
				return -ENOMEM;
			free(*(char **)field(opt, priv));
			*(char **)field(opt, priv) = copy;
			return 0;
		}
		break;
	case KYOYU_OPT_ENUM:
		return apply_enum(opt, priv, s, name, err, errlen);
	}
	if (opt->type == KYOYU_OPT_INT || opt->type == KYOYU_OPT_DOUBLE)
		seterr(err, errlen, "%s: %s must be %s between %g and %g",
		       s->origin, name,
		       opt->type == KYOYU_OPT_INT ? "an integer" : "a number",
		       opt->min, opt->max);
	else
		seterr(err, errlen, "%s: %s must be a %s", s->origin, name,
		       opt->type == KYOYU_OPT_BOOL ? "boolean (true or false)" : "string");
	return -EINVAL;
}

void kyoyu_options_print(const kyoyu_option *table, void *file)
{
	FILE *out = file;

	if (!table || !table->key) {
		fprintf(out, "  (no options)\n");
		return;
	}
	for (const kyoyu_option *o = table; o->key; o++) {
		char range[96] = "";
		switch (o->type) {
		case KYOYU_OPT_BOOL:
			snprintf(range, sizeof(range), "default %s",
				 o->def ? "true" : "false");
			break;
		case KYOYU_OPT_INT:
			snprintf(range, sizeof(range), "%.0f..%.0f, default %.0f",
				 o->min, o->max, o->def);
			break;
		case KYOYU_OPT_DOUBLE:
			snprintf(range, sizeof(range), "%g..%g, default %g", o->min,
				 o->max, o->def);
			break;
		case KYOYU_OPT_STRING:
			snprintf(range, sizeof(range), "default \"%s\"",
				 o->def_string ? o->def_string : "");
			if (o->max)
				snprintf(range + strlen(range), sizeof(range) - strlen(range),
					 ", at most %.0f characters", o->max);
			break;
		case KYOYU_OPT_ENUM: {
			size_t len = 0;
			for (size_t i = 0; o->choices[i] && len < sizeof(range); i++)
				len += (size_t)snprintf(range + len, sizeof(range) - len,
							"%s%s", i ? "|" : "", o->choices[i]);
			if (len < sizeof(range))
				snprintf(range + len, sizeof(range) - len,
					 ", default %s", o->choices[(int)o->def]);
			break;
		}
		}
		fprintf(out, "  %-18s %-7s %s\n  %-18s         %s\n", o->key,
			type_word(o->type), o->help, "", range);
	}
}
