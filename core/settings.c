/* SPDX-License-Identifier: MIT */
/* The settings store: group.key = value, with origins, overridable. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "settings.h"
#include "util.h"

void kyoyu_strv_free(char **strv)
{
	if (!strv)
		return;
	for (char **p = strv; *p; p++)
		free(*p);
	free(strv);
}

static void setting_free_value(kyoyu_setting *s)
{
	free(s->s);
	s->s = NULL;
	kyoyu_strv_free(s->list);
	s->list = NULL;
}

void kyoyu_settings_init(kyoyu_settings *settings)
{
	settings->first = NULL;
}

void kyoyu_settings_clear(kyoyu_settings *settings)
{
	while (settings->first) {
		kyoyu_setting *next = settings->first->next;
		setting_free_value(settings->first);
		free(settings->first->group);
		free(settings->first->key);
		free(settings->first->origin);
		free(settings->first);
		settings->first = next;
	}
}

static kyoyu_setting *find(const kyoyu_settings *settings, const char *group,
			   const char *key)
{
	for (kyoyu_setting *s = settings->first; s; s = s->next)
		if (strcmp(s->group, group) == 0 && strcmp(s->key, key) == 0)
			return s;
	return NULL;
}

kyoyu_setting *kyoyu_settings_put(kyoyu_settings *settings, const char *group,
				  const char *key, const char *origin)
{
	kyoyu_setting *s = find(settings, group, key);
	char *new_origin = strdup(origin);

	if (!new_origin)
		return NULL;
	if (s) {
		setting_free_value(s);
		free(s->origin);
		s->origin = new_origin;
		s->used = false;
		return s;
	}
	s = calloc(1, sizeof(*s));
	if (!s || !(s->group = strdup(group)) || !(s->key = strdup(key))) {
		if (s)
			free(s->group);
		free(s);
		free(new_origin);
		return NULL;
	}
	s->origin = new_origin;
	kyoyu_setting **tail = &settings->first;
	while (*tail)
		tail = &(*tail)->next;
	*tail = s;
	return s;
}

int kyoyu_settings_put_arg(kyoyu_settings *settings, const char *arg,
			   char *err, size_t errlen)
{
	const char *eq = strchr(arg, '=');
	const char *dot = memchr(arg, '.', eq ? (size_t)(eq - arg) : 0);

	if (!eq || !dot || dot == arg || dot + 1 == eq) {
		seterr(err, errlen, "\"%s\" is not of the form group.key=value "
		       "(for example codec.bitrate_kbps=800)", arg);
		return -EINVAL;
	}
	char group[64], key[64];
	size_t glen = (size_t)(dot - arg), klen = (size_t)(eq - dot - 1);
	if (glen >= sizeof(group) || klen >= sizeof(key)) {
		seterr(err, errlen, "\"%.*s\": name too long", (int)(eq - arg), arg);
		return -EINVAL;
	}
	memcpy(group, arg, glen);
	group[glen] = '\0';
	memcpy(key, dot + 1, klen);
	key[klen] = '\0';
	kyoyu_setting *s = kyoyu_settings_put(settings, group, key, "command line");
	if (!s || !(s->s = strdup(eq + 1)))
		return -ENOMEM;
	s->type = KYOYU_VALUE_TEXT;
	return 0;
}

kyoyu_setting *kyoyu_settings_get(const kyoyu_settings *settings,
				  const char *group, const char *key)
{
	kyoyu_setting *s = find(settings, group, key);

	if (s)
		s->used = true;
	return s;
}

const char *kyoyu_setting_name(const kyoyu_setting *s, char *buf, size_t len)
{
	if (s->group[0])
		snprintf(buf, len, "%s.%s", s->group, s->key);
	else
		snprintf(buf, len, "%s", s->key);
	return buf;
}

const char *kyoyu_settings_string(const kyoyu_settings *settings,
				  const char *group, const char *key,
				  const char *fallback, char *err, size_t errlen)
{
	kyoyu_setting *s = kyoyu_settings_get(settings, group, key);
	char name[140];

	if (!s)
		return fallback;
	if (s->type == KYOYU_VALUE_STRING || s->type == KYOYU_VALUE_TEXT)
		return s->s;
	seterr(err, errlen, "%s: %s must be a string", s->origin,
	       kyoyu_setting_name(s, name, sizeof(name)));
	return NULL;
}

int kyoyu_settings_int(const kyoyu_settings *settings, const char *group,
		       const char *key, int64_t min, int64_t max, int64_t *out,
		       char *err, size_t errlen)
{
	kyoyu_setting *s = kyoyu_settings_get(settings, group, key);
	char name[140];
	int64_t value;
	char *end;

	if (!s)
		return 0;
	kyoyu_setting_name(s, name, sizeof(name));
	if (s->type == KYOYU_VALUE_INT) {
		value = s->i;
	} else if (s->type == KYOYU_VALUE_TEXT) {
		errno = 0;
		value = strtoll(s->s, &end, 10);
		if (errno || end == s->s || *end) {
			seterr(err, errlen, "%s: %s must be an integer, not \"%s\"",
			       s->origin, name, s->s);
			return -EINVAL;
		}
	} else {
		seterr(err, errlen, "%s: %s must be an integer", s->origin, name);
		return -EINVAL;
	}
	if (value < min || value > max) {
		seterr(err, errlen, "%s: %s = %lld is out of range %lld..%lld",
		       s->origin, name, (long long)value, (long long)min,
		       (long long)max);
		return -EINVAL;
	}
	*out = value;
	return 0;
}

int kyoyu_parse_bool(const char *text, bool *out)
{
	static const char *const yes[] = {"true", "yes", "on", "1"};
	static const char *const no[] = {"false", "no", "off", "0"};

	for (size_t i = 0; i < 4; i++) {
		if (strcmp(text, yes[i]) == 0)
			return *out = true, 0;
		if (strcmp(text, no[i]) == 0)
			return *out = false, 0;
	}
	return -EINVAL;
}

int kyoyu_settings_bool(const kyoyu_settings *settings, const char *group,
			const char *key, bool *out, char *err, size_t errlen)
{
	kyoyu_setting *s = kyoyu_settings_get(settings, group, key);
	char name[140];

	if (!s)
		return 0;
	if (s->type == KYOYU_VALUE_BOOL) {
		*out = s->b;
		return 0;
	}
	if (s->type == KYOYU_VALUE_TEXT && kyoyu_parse_bool(s->s, out) == 0)
		return 0;
	seterr(err, errlen, "%s: %s must be true or false", s->origin,
	       kyoyu_setting_name(s, name, sizeof(name)));
	return -EINVAL;
}

static char **strv_split(const char *text, char sep)
{
	size_t n = 1;
	for (const char *p = text; *p; p++)
		n += *p == sep;
	char **strv = calloc(n + 1, sizeof(*strv));
	if (!strv)
		return NULL;
	size_t i = 0;
	for (const char *start = text;; start++) {
		const char *end = strchr(start, sep);
		size_t len = end ? (size_t)(end - start) : strlen(start);
		if (len && !(strv[i++] = copy_n(start, len))) {
			kyoyu_strv_free(strv);
			return NULL;
		}
		if (!end)
			break;
		start = end;
	}
	return strv;
}

static char **strv_copy(char *const *src)
{
	size_t n = 0;
	while (src[n])
		n++;
	char **strv = calloc(n + 1, sizeof(*strv));
	if (!strv)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (!(strv[i] = strdup(src[i]))) {
			kyoyu_strv_free(strv);
			return NULL;
		}
	}
	return strv;
}

int kyoyu_settings_strv(const kyoyu_settings *settings, const char *group,
			const char *key, char ***out, char *err, size_t errlen)
{
	kyoyu_setting *s = kyoyu_settings_get(settings, group, key);
	char name[140];

	*out = NULL;
	if (!s)
		return 0;
	switch (s->type) {
	case KYOYU_VALUE_LIST:
		*out = strv_copy(s->list);
		break;
	case KYOYU_VALUE_STRING: {
		char *one[] = {s->s, NULL};
		*out = strv_copy(one);
		break;
	}
	case KYOYU_VALUE_TEXT:
		/* On the command line a list is comma-separated. */
		*out = strv_split(s->s, ',');
		break;
	default:
		seterr(err, errlen, "%s: %s must be a string or a list of strings",
		       s->origin, kyoyu_setting_name(s, name, sizeof(name)));
		return -EINVAL;
	}
	return *out ? 0 : -ENOMEM;
}
