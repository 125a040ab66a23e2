/* Settings, option tables and the config file: good values, unknown keys,
 * bad types, ranges, enums, lists, nesting, command-line overrides. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <kyoyu/plugin.h>

#include "config-file.h"
#include "loader.h"
#include "settings.h"
#include "slots.h"
#include "test-util.h"

typedef struct sample {
	bool flag;
	int count;
	double ratio;
	const char *label;
	int mode;
} sample;

static const char *const modes[] = {"fast", "good", "best", NULL};

static const kyoyu_option sample_options[] = {
	KYOYU_OPTION_BOOL("flag", sample, flag, 1, "a switch"),
	KYOYU_OPTION_INT("count", sample, count, 5, 1, 10, "how many"),
	KYOYU_OPTION_DOUBLE("ratio", sample, ratio, 0.5, 0, 1, "how much"),
	KYOYU_OPTION_STRING("label", sample, label, "hello", "a name"),
	KYOYU_OPTION_ENUM("mode", sample, mode, 1, modes, "how"),
	KYOYU_OPTION_END,
};

/* Applies SETTING to a sample through its option. */
static int apply(sample *out, const kyoyu_setting *s, char *err, size_t len)
{
	const kyoyu_option *opt = kyoyu_options_find(sample_options, s->key);

	assert_non_null(opt);
	return kyoyu_options_apply(opt, out, s, err, len);
}

static kyoyu_setting *text_setting(kyoyu_settings *set, const char *arg)
{
	char err[256];

	assert_int_equal(kyoyu_settings_put_arg(set, arg, err, sizeof(err)), 0);
	return set->first;
}

static void test_options_defaults_fill_the_struct(void **state)
{
	sample s;

	(void)state;
	memset(&s, 0, sizeof(s));
	assert_int_equal(kyoyu_options_defaults(sample_options, &s), 0);
	assert_true(s.flag);
	assert_int_equal(s.count, 5);
	assert_true(s.ratio == 0.5);
	assert_string_equal(s.label, "hello");
	assert_int_equal(s.mode, 1);
	kyoyu_options_free(sample_options, &s);
	assert_null(s.label);
}

static void test_options_accept_good_command_line_values(void **state)
{
	static const char *const args[] = {"g.flag=off", "g.count=10", "g.ratio=0.25",
					   "g.label=world", "g.mode=best"};
	sample s;
	char err[256] = "";

	(void)state;
	memset(&s, 0, sizeof(s));
	kyoyu_options_defaults(sample_options, &s);
	for (size_t i = 0; i < sizeof(args) / sizeof(args[0]); i++) {
		kyoyu_settings set;
		kyoyu_settings_init(&set);
		assert_int_equal(apply(&s, text_setting(&set, args[i]), err, sizeof(err)), 0);
		kyoyu_settings_clear(&set);
	}
	assert_false(s.flag);
	assert_int_equal(s.count, 10);
	assert_true(s.ratio == 0.25);
	assert_string_equal(s.label, "world");
	assert_int_equal(s.mode, 2);
	kyoyu_options_free(sample_options, &s);
}

static void expect_refused(const char *arg, const char *expected)
{
	kyoyu_settings set;
	sample s;
	char err[256] = "";

	memset(&s, 0, sizeof(s));
	kyoyu_options_defaults(sample_options, &s);
	kyoyu_settings_init(&set);
	assert_int_equal(apply(&s, text_setting(&set, arg), err, sizeof(err)), -EINVAL);
	if (!strstr(err, expected))
		fail_msg("\"%s\": expected \"%s\" in \"%s\"", arg, expected, err);
	/* A refused value leaves the default in place. */
	assert_int_equal(s.count, 5);
	kyoyu_settings_clear(&set);
	kyoyu_options_free(sample_options, &s);
}

static void test_options_refuse_out_of_range(void **state)
{
	(void)state;
	expect_refused("g.count=11", "command line: g.count = 11 is out of range 1..10");
	expect_refused("g.count=0", "out of range 1..10");
	expect_refused("g.ratio=1.5", "g.ratio = 1.5 is out of range 0..1");
}

static void test_options_refuse_bad_types(void **state)
{
	(void)state;
	expect_refused("g.count=many", "g.count must be an integer between 1 and 10");
	expect_refused("g.count=3.5", "must be an integer");
	expect_refused("g.count=", "must be an integer");
	expect_refused("g.count=99999999999999999999", "must be an integer");
	expect_refused("g.ratio=nan", "must be a number");
	expect_refused("g.flag=maybe", "g.flag must be a boolean");
}

static void test_options_enum_lists_its_choices(void **state)
{
	(void)state;
	expect_refused("g.mode=fastest", "g.mode must be one of \"fast\", \"good\", \"best\"");
}

/* KYOYU_OPTION_TEXT: the limit counts characters, not bytes, and a string
 * that is not UTF-8 is refused (options.h). */
static void test_options_text_limit_counts_characters(void **state)
{
	static const kyoyu_option table[] = {
		KYOYU_OPTION_TEXT("label", sample, label, NULL, 3, "a short name"),
		KYOYU_OPTION_END,
	};
	static const struct {
		const char *arg;
		int ret;
		const char *why;
	} cases[] = {
		{"g.label=abc", 0, NULL},
		/* Three characters in nine bytes. */
		{"g.label=\xe5\x85\xb1\xe6\x9c\x89\xe3\x81\x99", 0, NULL},
		{"g.label=abcd", -EINVAL, "g.label"},
		{"g.label=\xe5\x85\xb1\xe6\x9c\x89\xe3\x81\x99!", -EINVAL, "3 characters"},
		{"g.label=ab\xff", -EINVAL, "UTF-8"},
		{"g.label=\xe5\x85", -EINVAL, "UTF-8"},
	};
	char err[256];

	(void)state;
	assert_int_equal(kyoyu_options_validate(table, sizeof(sample), err, sizeof(err)), 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		kyoyu_settings set;
		sample out = {0};
		err[0] = '\0';
		kyoyu_settings_init(&set);
		int ret = kyoyu_options_apply(&table[0], &out, text_setting(&set, cases[i].arg),
					      err, sizeof(err));
		if (ret != cases[i].ret)
			fail_msg("case %zu: %d, expected %d (%s)", i, ret, cases[i].ret, err);
		if (cases[i].why && !strstr(err, cases[i].why))
			fail_msg("case %zu: expected \"%s\" in \"%s\"", i, cases[i].why, err);
		kyoyu_settings_clear(&set);
		kyoyu_options_free(table, &out);
	}
}

static void test_options_validate_refuses_bad_tables(void **state)
{
	static const kyoyu_option bad_type[] = {
		{"x", 42, 0, "help", 0, 0, 0, NULL, NULL, {NULL, NULL}}, KYOYU_OPTION_END};
	static const kyoyu_option bad_key[] = {
		KYOYU_OPTION_INT("Count", sample, count, 1, 0, 2, "h"), KYOYU_OPTION_END};
	static const kyoyu_option duplicate[] = {
		KYOYU_OPTION_INT("count", sample, count, 1, 0, 2, "h"),
		KYOYU_OPTION_BOOL("count", sample, flag, 0, "h"), KYOYU_OPTION_END};
	static const kyoyu_option outside[] = {
		KYOYU_OPTION_DOUBLE("ratio", sample, ratio, 0, 0, 1, "h"), KYOYU_OPTION_END};
	static const kyoyu_option bad_default[] = {
		KYOYU_OPTION_INT("count", sample, count, 20, 0, 10, "h"), KYOYU_OPTION_END};
	static const kyoyu_option no_choices[] = {
		KYOYU_OPTION_ENUM("mode", sample, mode, 0, NULL, "h"), KYOYU_OPTION_END};
	static const kyoyu_option enum_default[] = {
		KYOYU_OPTION_ENUM("mode", sample, mode, 3, modes, "h"), KYOYU_OPTION_END};
	static const kyoyu_option no_help[] = {
		KYOYU_OPTION_INT("count", sample, count, 1, 0, 2, NULL), KYOYU_OPTION_END};
	static const struct {
		const kyoyu_option *table;
		size_t priv_size;
		const char *why;
	} cases[] = {
		{bad_type, sizeof(sample), "unknown type 42"},
		{bad_key, sizeof(sample), "\"Count\" is not [a-z0-9_]+"},
		{duplicate, sizeof(sample), "\"count\" is declared twice"},
		{outside, offsetof(sample, ratio) + 4, "lies outside the plugin's private struct"},
		{bad_default, sizeof(sample), "default 20 is outside 0..10"},
		{no_choices, sizeof(sample), "no choices"},
		{enum_default, sizeof(sample), "default out of them"},
		{no_help, sizeof(sample), "has no help text"},
	};
	char err[256];

	(void)state;
	assert_int_equal(kyoyu_options_validate(sample_options, sizeof(sample), err,
						sizeof(err)), 0);
	assert_int_equal(kyoyu_options_validate(NULL, 0, err, sizeof(err)), 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err[0] = '\0';
		assert_int_equal(kyoyu_options_validate(cases[i].table, cases[i].priv_size,
							err, sizeof(err)), -EINVAL);
		if (!strstr(err, cases[i].why))
			fail_msg("case %zu: expected \"%s\" in \"%s\"", i, cases[i].why, err);
	}
}

static void test_settings_put_arg_rejects_malformed(void **state)
{
	static const char *const bad[] = {"nodot=1", "a.=1", ".b=1", "a.b", "=1",
					  "a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r.s.t.u.v.w.x.y"
					  "z.a.b.c.d.e.f.g.h.i.j.k=1"};
	kyoyu_settings set;
	char err[256];

	(void)state;
	kyoyu_settings_init(&set);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_equal(kyoyu_settings_put_arg(&set, bad[i], err, sizeof(err)),
				 -EINVAL);
		assert_true(strlen(err) > 0);
	}
	assert_null(set.first);
	/* A value may itself contain '=' and '.'. */
	assert_int_equal(kyoyu_settings_put_arg(&set, "plugins.path=/a.b=c", err,
						sizeof(err)), 0);
	assert_string_equal(kyoyu_settings_string(&set, "plugins", "path", NULL, err,
						  sizeof(err)), "/a.b=c");
	kyoyu_settings_clear(&set);
}

static const char good_config[] =
	"# a sharer on the synthetic desktop\n"
	"role = \"sharer\";\n"
	"capture = {\n"
	"  plugin = \"testsrc\";\n"
	"  width = 320;\n"
	"  cursor = false;\n"
	"};\n"
	"codec = { bitrate_kbps = 800; scale = 0.75; };\n"
	"ui = { plugin = [\"tty\", \"sdl\"]; };\n";

static void test_config_good_file_fills_settings(void **state)
{
	kyoyu_settings set;
	char err[512] = "";
	char *path = write_temp_file("agent.cfg", good_config);
	int64_t width = 0;
	bool cursor = true;
	char **uis;

	(void)state;
	kyoyu_settings_init(&set);
	assert_int_equal(kyoyu_config_load(path, &set, err, sizeof(err)), 0);
	assert_string_equal(kyoyu_settings_string(&set, "", "role", NULL, err, sizeof(err)),
			    "sharer");
	assert_int_equal(kyoyu_settings_int(&set, "capture", "width", 1, 1000, &width, err,
					    sizeof(err)), 0);
	assert_int_equal(width, 320);
	assert_int_equal(kyoyu_settings_bool(&set, "capture", "cursor", &cursor, err,
					     sizeof(err)), 0);
	assert_false(cursor);
	kyoyu_setting *scale = kyoyu_settings_get(&set, "codec", "scale");
	assert_int_equal(scale->type, KYOYU_VALUE_DOUBLE);
	assert_true(scale->d == 0.75);
	assert_int_equal(kyoyu_settings_strv(&set, "ui", "plugin", &uis, err, sizeof(err)), 0);
	assert_string_equal(uis[0], "tty");
	assert_string_equal(uis[1], "sdl");
	assert_null(uis[2]);
	kyoyu_strv_free(uis);
	/* Every value remembers where it came from. */
	char origin[4200];
	snprintf(origin, sizeof(origin), "%s:5", path);
	assert_string_equal(kyoyu_settings_get(&set, "capture", "width")->origin, origin);
	kyoyu_settings_clear(&set);
	remove_temp_file(path);
}

static void test_config_command_line_override_wins(void **state)
{
	kyoyu_settings set;
	char err[512] = "";
	char *path = write_temp_file("agent.cfg", good_config);
	int64_t width = 0;

	(void)state;
	kyoyu_settings_init(&set);
	assert_int_equal(kyoyu_config_load(path, &set, err, sizeof(err)), 0);
	assert_int_equal(kyoyu_settings_put_arg(&set, "capture.width=640", err, sizeof(err)),
			 0);
	assert_int_equal(kyoyu_settings_int(&set, "capture", "width", 1, 1000, &width, err,
					    sizeof(err)), 0);
	assert_int_equal(width, 640);
	kyoyu_setting *s = kyoyu_settings_get(&set, "capture", "width");
	assert_string_equal(s->origin, "command line");
	/* Replaced in place, not duplicated. */
	int count = 0;
	for (kyoyu_setting *p = set.first; p; p = p->next)
		count += strcmp(p->group, "capture") == 0 && strcmp(p->key, "width") == 0;
	assert_int_equal(count, 1);
	/* On the command line, a list is comma-separated. */
	char **uis;
	kyoyu_settings_put_arg(&set, "ui.plugin=tty,,x11-overlay", err, sizeof(err));
	assert_int_equal(kyoyu_settings_strv(&set, "ui", "plugin", &uis, err, sizeof(err)), 0);
	assert_string_equal(uis[0], "tty");
	assert_string_equal(uis[1], "x11-overlay");
	assert_null(uis[2]);
	kyoyu_strv_free(uis);
	kyoyu_settings_clear(&set);
	remove_temp_file(path);
}

static void expect_config_error(const char *text, int line, const char *expected)
{
	kyoyu_settings set;
	char err[1024] = "";
	char *path = write_temp_file("bad.cfg", text);
	char where[4200];

	kyoyu_settings_init(&set);
	assert_int_equal(kyoyu_config_load(path, &set, err, sizeof(err)), -EINVAL);
	snprintf(where, sizeof(where), "%s:%d", path, line);
	if (!strstr(err, where) || !strstr(err, expected))
		fail_msg("expected \"%s\" and \"%s\" in \"%s\"", where, expected, err);
	kyoyu_settings_clear(&set);
	remove_temp_file(path);
}

static void test_config_syntax_error_names_file_and_line(void **state)
{
	(void)state;
	expect_config_error("capture = {\n  width = 320;\n  height = = 200;\n};\n", 3,
			    "syntax error");
}

static void test_config_nested_group_refused(void **state)
{
	(void)state;
	expect_config_error("capture = {\n  width = 320;\n  inner = { x = 1; };\n};\n", 3,
			    "capture.inner: groups nest one level only");
}

static void test_config_list_of_numbers_refused(void **state)
{
	(void)state;
	expect_config_error("ui = {\n  plugin = [1, 2];\n};\n", 2,
			    "ui.plugin must be a list of strings");
}

static void test_config_missing_file_says_so(void **state)
{
	kyoyu_settings set;
	char err[512] = "";

	(void)state;
	kyoyu_settings_init(&set);
	assert_int_equal(kyoyu_config_load("/nonexistent/agent.cfg", &set, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "/nonexistent/agent.cfg: cannot read the file"));
}

static void test_settings_wrong_type_names_origin(void **state)
{
	kyoyu_settings set;
	char err[512] = "";
	char *path = write_temp_file("agent.cfg", "capture = {\n  width = \"wide\";\n};\n");
	int64_t width = 7;
	bool b;

	(void)state;
	kyoyu_settings_init(&set);
	assert_int_equal(kyoyu_config_load(path, &set, err, sizeof(err)), 0);
	assert_int_equal(kyoyu_settings_int(&set, "capture", "width", 1, 10, &width, err,
					    sizeof(err)), -EINVAL);
	assert_int_equal(width, 7);
	assert_non_null(strstr(err, ":2: capture.width must be an integer"));
	assert_int_equal(kyoyu_settings_bool(&set, "capture", "width", &b, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "capture.width must be true or false"));
	kyoyu_settings_clear(&set);
	remove_temp_file(path);
}

/* ---- the whole configuration against the slots and their plugins ------ */

static int check_config(const char *text, char *err, size_t errlen, char **path_out)
{
	char *dirs[] = {KYOYU_BUILD_PLUGIN_DIR, NULL};
	kyoyu_loader loader;
	kyoyu_settings set;
	char *path = write_temp_file("agent.cfg", text);

	kyoyu_settings_init(&set);
	assert_int_equal(kyoyu_loader_init(&loader, dirs), 0);
	int ret = kyoyu_config_load(path, &set, err, errlen);
	if (ret == 0)
		ret = kyoyu_slots_check(&loader, &set, err, errlen);
	kyoyu_loader_fini(&loader);
	kyoyu_settings_clear(&set);
	*path_out = path;
	return ret;
}

static void expect_slots_check(const char *text, int line, const char *expected)
{
	char err[2048] = "", where[4200], *path;

	int ret = check_config(text, err, sizeof(err), &path);
	if (!expected) {
		if (ret)
			fail_msg("expected the configuration to pass, got \"%s\"", err);
	} else {
		assert_int_equal(ret, -EINVAL);
		snprintf(where, sizeof(where), "%s:%d", path, line);
		if (!strstr(err, where) || !strstr(err, expected))
			fail_msg("expected \"%s\" and \"%s\" in \"%s\"", where, expected, err);
	}
	remove_temp_file(path);
}

static void test_slots_check_accepts_plugin_options(void **state)
{
	(void)state;
	expect_slots_check("session = {\n  policy = \"default\";\n  max_minutes = 30;\n};\n"
		     "codec = { bitrate_kbps = 900; };\nlog = { level = \"debug\"; };\n",
		     0, NULL);
}

static void test_slots_check_unknown_key_names_file_and_line(void **state)
{
	(void)state;
	expect_slots_check("session = {\n  max_minutes = 30;\n  bogus = 1;\n};\n", 3,
		     "unknown key session.bogus");
}

static void test_slots_check_out_of_range_names_file_and_line(void **state)
{
	(void)state;
	expect_slots_check("\nsession = {\n  max_minutes = 0;\n};\n", 3,
		     "session.max_minutes = 0 is out of range 1..1440");
}

static void test_slots_check_bad_type_names_file_and_line(void **state)
{
	(void)state;
	expect_slots_check("session = {\n  warn_minutes = \"five\";\n};\n", 2,
		     "session.warn_minutes must be an integer");
}

static void test_slots_check_unknown_group(void **state)
{
	(void)state;
	expect_slots_check("role = \"sharer\";\ncaptur = { width = 3; };\n", 2,
		     "unknown group \"captur\"");
}

static void test_slots_check_missing_named_plugin(void **state)
{
	(void)state;
	expect_slots_check("capture = {\n  plugin = \"nosuch\";\n};\n", 2,
		     "no plugin \"nosuch\" (kyoyu-capture-nosuch) found");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_options_defaults_fill_the_struct),
		cmocka_unit_test(test_options_accept_good_command_line_values),
		cmocka_unit_test(test_options_refuse_out_of_range),
		cmocka_unit_test(test_options_refuse_bad_types),
		cmocka_unit_test(test_options_enum_lists_its_choices),
		cmocka_unit_test(test_options_text_limit_counts_characters),
		cmocka_unit_test(test_options_validate_refuses_bad_tables),
		cmocka_unit_test(test_settings_put_arg_rejects_malformed),
		cmocka_unit_test(test_config_good_file_fills_settings),
		cmocka_unit_test(test_config_command_line_override_wins),
		cmocka_unit_test(test_config_syntax_error_names_file_and_line),
		cmocka_unit_test(test_config_nested_group_refused),
		cmocka_unit_test(test_config_list_of_numbers_refused),
		cmocka_unit_test(test_config_missing_file_says_so),
		cmocka_unit_test(test_settings_wrong_type_names_origin),
		cmocka_unit_test(test_slots_check_accepts_plugin_options),
		cmocka_unit_test(test_slots_check_unknown_key_names_file_and_line),
		cmocka_unit_test(test_slots_check_out_of_range_names_file_and_line),
		cmocka_unit_test(test_slots_check_bad_type_names_file_and_line),
		cmocka_unit_test(test_slots_check_unknown_group),
		cmocka_unit_test(test_slots_check_missing_named_plugin),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
