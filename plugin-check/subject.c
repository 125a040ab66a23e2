/* SPDX-License-Identifier: MIT */
/* kyoyu-plugin-check: the plugin itself — its descriptor's texts, its
 * option table, and instances made the way the agent makes them. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plugin-check.h"
#include "utf8.h"

const char *check_role_name(uint32_t role)
{
	return role == KYOYU_ROLE_SHARER ? "sharer" : "viewer";
}

const char *check_format_name(uint32_t format)
{
	const char *name = kyoyu_pixfmt_name(format);
	return name ? name : "none";
}

/* True when TEXT is one line of printable UTF-8: no control characters. */
static bool one_line(const char *text)
{
	for (const unsigned char *p = (const unsigned char *)text; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return false;
	return kyoyu_utf8_chars(text) >= 0;
}

void check_descriptor(checker *ck)
{
	const kyoyu_plugin_descriptor *d = &ck->plugin->desc;

	check_begin(ck, "descriptor: %s/%s %s, license %s, plugin ABI %u.%u",
		    kyoyu_kind_name(d->kind), d->name, d->version, d->license, d->abi_major,
		    d->abi_minor);
	if (!*d->version || !one_line(d->version))
		check_fail(ck, "its version \"%s\" is not one line of text", d->version);
	if (!*d->license || strpbrk(d->license, "\n\t") || !one_line(d->license))
		check_fail(ck, "its license \"%s\" is not an SPDX identifier such as \"MIT\"",
			   d->license);
	if (!*d->description || !one_line(d->description))
		check_fail(ck, "its description is not one line of UTF-8 text: "
			   "kyoyu-agent --list-plugins prints it on one line");
	check_note(ck, "%s", d->description);
	check_end(ck);
}

/* Each option's help prints as one line, a string default fits its own
 * limit, and the table prints as --help-plugin prints it. */
static void check_table(checker *ck, const kyoyu_option *table)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	if (!out) {
		check_fail(ck, "out of memory");
		return;
	}
	kyoyu_options_print(table, out);
	fclose(out);
	for (const kyoyu_option *o = table; o && o->key; o++) {
		char line[96];
		if (!*o->help || !one_line(o->help))
			check_fail(ck, "option \"%s\": its help is not one line of UTF-8 text",
				   o->key);
		if (o->type == KYOYU_OPT_STRING && o->def_string) {
			long chars = kyoyu_utf8_chars(o->def_string);
			if (chars < 0)
				check_fail(ck, "option \"%s\": its default is not UTF-8", o->key);
			else if (o->max > 0 && (double)chars > o->max)
				check_fail(ck, "option \"%s\": its default is %ld characters, "
					   "more than its limit of %g", o->key, chars, o->max);
		}
		snprintf(line, sizeof(line), "\n  %s ", o->key);
		if (!text || (strncmp(text, line + 1, strlen(line + 1)) != 0 &&
			      !strstr(text, line)))
			check_fail(ck, "option \"%s\" is missing from the table --help-plugin "
				   "prints", o->key);
	}
	free(text);
}

/* The -o values, stored as the agent would store them: a typo or a value
 * out of range fails here, naming the key. */
static void check_values(checker *ck, const kyoyu_option *table)
{
	const kyoyu_plugin_descriptor *d = &ck->plugin->desc;
	void *priv = calloc(1, d->priv_size ? d->priv_size : 1);
	char err[512];

	if (!priv || kyoyu_options_defaults(table, priv)) {
		check_fail(ck, "out of memory");
		free(priv);
		return;
	}
	for (kyoyu_setting *s = ck->settings.first; s; s = s->next) {
		const kyoyu_option *opt = kyoyu_options_find(table, s->key);
		if (!opt)
			check_fail(ck, "-o %s=%s: %s/%s has no option \"%s\" (kyoyu-agent "
				   "--help-plugin lists its options)", s->key, s->s,
				   kyoyu_kind_name(d->kind), d->name, s->key);
		else if (kyoyu_options_apply(opt, priv, s, err, sizeof(err)))
			check_fail(ck, "%s", err);
		else
			check_note(ck, "%s.%s = %s", s->group, s->key, s->s);
	}
	kyoyu_options_free(table, priv);
	free(priv);
}

void check_options(checker *ck)
{
	const kyoyu_option *table = ck->plugin->desc.options;
	int n = 0;

	while (table && table[n].key)
		n++;
	check_begin(ck, "options: %d, with valid defaults and help; --help-plugin prints "
		    "them", n);
	check_table(ck, table);
	check_values(ck, table);
	check_end(ck);
}

int check_instantiate(checker *ck, const kyoyu_plugin *p, uint32_t role, kyoyu_bus *bus,
		      const kyoyu_clock *clock, const uint32_t *codecs, kyoyu_instance **out)
{
	kyoyu_host host = {.size = sizeof(host), .role = role, .bus = bus, .clock = clock,
			   .codecs = codecs};
	kyoyu_settings none = {NULL};
	char err[1024] = "";
	int ret = kyoyu_instance_new(p, &host, p == ck->plugin ? &ck->settings : &none,
				     ck->group, out, err, sizeof(err));

	if (ret == KYOYU_SKIP)
		check_skip(ck, "%s: init() answered KYOYU_SKIP as %s: it does not apply here",
			   p->module, check_role_name(role));
	else if (ret < 0)
		check_fail(ck, "init() as %s: %s", check_role_name(role), err);
	return ret;
}
