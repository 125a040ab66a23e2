/* The configuration file, read with libconfig into the settings store. */
#include "config.h"

#include <errno.h>
#include <libconfig.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config-file.h"

static int put_scalar(kyoyu_settings *settings, const char *group,
		      config_setting_t *cs, const char *origin, char *err,
		      size_t errlen)
{
	const char *key = config_setting_name(cs);
	kyoyu_setting *s;

	switch (config_setting_type(cs)) {
	case CONFIG_TYPE_BOOL:
		if (!(s = kyoyu_settings_put(settings, group, key, origin)))
			return -ENOMEM;
		s->type = KYOYU_VALUE_BOOL;
		s->b = config_setting_get_bool(cs);
		return 0;
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		if (!(s = kyoyu_settings_put(settings, group, key, origin)))
			return -ENOMEM;
		s->type = KYOYU_VALUE_INT;
		s->i = config_setting_get_int64(cs);
		return 0;
	case CONFIG_TYPE_FLOAT:
		if (!(s = kyoyu_settings_put(settings, group, key, origin)))
			return -ENOMEM;
		s->type = KYOYU_VALUE_DOUBLE;
		s->d = config_setting_get_float(cs);
		return 0;
	case CONFIG_TYPE_STRING:
		if (!(s = kyoyu_settings_put(settings, group, key, origin)) ||
		    !(s->s = strdup(config_setting_get_string(cs))))
			return -ENOMEM;
		s->type = KYOYU_VALUE_STRING;
		return 0;
	case CONFIG_TYPE_ARRAY:
	case CONFIG_TYPE_LIST: {
		int n = config_setting_length(cs);
		for (int i = 0; i < n; i++) {
			if (config_setting_type(config_setting_get_elem(cs, (unsigned)i)) !=
			    CONFIG_TYPE_STRING) {
				snprintf(err, errlen, "%s: %s%s%s must be a list of strings",
					 origin, group, *group ? "." : "", key);
				return -EINVAL;
			}
		}
		if (!(s = kyoyu_settings_put(settings, group, key, origin)) ||
		    !(s->list = calloc((size_t)n + 1, sizeof(char *))))
			return -ENOMEM;
		s->type = KYOYU_VALUE_LIST;
		for (int i = 0; i < n; i++)
			if (!(s->list[i] = strdup(config_setting_get_string_elem(cs, i))))
				return -ENOMEM;
		return 0;
	}
	default:
		snprintf(err, errlen, "%s: %s%s%s: groups nest one level only "
			 "(write %s.%s = value inside group %s)", origin, group,
			 *group ? "." : "", key, group, key, group);
		return -EINVAL;
	}
}

static void origin_of(config_setting_t *cs, const char *path, char *buf, size_t len)
{
	const char *file = config_setting_source_file(cs);
	snprintf(buf, len, "%s:%u", file ? file : path, config_setting_source_line(cs));
}

int kyoyu_config_load(const char *path, kyoyu_settings *settings, char *err,
		      size_t errlen)
{
	config_t cfg;
	int ret = 0;
	char origin[512];

	config_init(&cfg);
	/* A relative @include is relative to the including file's folder. */
	char *dir = strdup(path);
	if (!dir)
		return -ENOMEM;
	char *slash = strrchr(dir, '/');
	if (slash) {
		*slash = '\0';
		config_set_include_dir(&cfg, dir);
	}
	free(dir);
	if (!config_read_file(&cfg, path)) {
		if (config_error_type(&cfg) == CONFIG_ERR_FILE_IO)
			snprintf(err, errlen, "%s: cannot read the file: %s", path,
				 strerror(errno));
		else
			snprintf(err, errlen, "%s:%d: %s",
				 config_error_file(&cfg) ? config_error_file(&cfg) : path,
				 config_error_line(&cfg), config_error_text(&cfg));
		ret = -EINVAL;
		goto out_destroy;
	}
	config_setting_t *root = config_root_setting(&cfg);
	for (int i = 0; ret == 0 && i < config_setting_length(root); i++) {
		config_setting_t *top = config_setting_get_elem(root, (unsigned)i);
		origin_of(top, path, origin, sizeof(origin));
		if (config_setting_type(top) != CONFIG_TYPE_GROUP) {
			ret = put_scalar(settings, "", top, origin, err, errlen);
			continue;
		}
		const char *group = config_setting_name(top);
		for (int j = 0; ret == 0 && j < config_setting_length(top); j++) {
			config_setting_t *cs = config_setting_get_elem(top, (unsigned)j);
			origin_of(cs, path, origin, sizeof(origin));
			ret = put_scalar(settings, group, cs, origin, err, errlen);
		}
	}
	if (ret == -ENOMEM)
		snprintf(err, errlen, "%s: out of memory", path);
out_destroy:
	config_destroy(&cfg);
	return ret;
}
