/* SPDX-License-Identifier: MIT */
/* Settings, option tables and the config file: good values, unknown keys,
 * bad types, ranges, enums, lists, nesting, command-line overrides; and
 * what a hostile or mistaken file gets: 64-bit numbers, over-long strings,
 * folders, FIFOs, devices, huge files, too many settings. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <cmocka.h>

#include <kyoyu/plugin.h>

#include "config-check.h"
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
	const char *code;
} sample;

static const char *const modes[] = {"fast", "good", "best", NULL};

static const kyoyu_option sample_options[] = {
	KYOYU_OPTION_BOOL("flag", sample, flag, 1, "a switch"),
	KYOYU_OPTION_INT("count", sample, count, 5, 1, 10, "how many"),
	KYOYU_OPTION_DOUBLE("ratio", sample, ratio, 0.5, 0, 1, "how much"),
	KYOYU_OPTION_STRING("label", sample, label, "hello", "a name"),
	KYOYU_OPTION_ENUM("mode", sample, mode, 1, modes, "how"),
	KYOYU_OPTION_TEXT("code", sample, code, "ab", 4, "a short name"),
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

static void test_options_refuse_over_long_string(void **state)
{
	kyoyu_settings set;
	sample s;
	char err[256] = "";

	(void)state;
	expect_refused("g.code=abcde", "command line: g.code is 5 characters long, more "
		       "than the 4 characters allowed");
	memset(&s, 0, sizeof(s));
	kyoyu_options_defaults(sample_options, &s);
	kyoyu_settings_init(&set);
	assert_int_equal(apply(&s, text_setting(&set, "g.code=abcd"), err, sizeof(err)), 0);
	assert_string_equal(s.code, "abcd");
	kyoyu_settings_clear(&set);
	kyoyu_options_free(sample_options, &s);
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
	static const kyoyu_option long_default[] = {
		KYOYU_OPTION_TEXT("code", sample, code, "abcde", 4, "h"),
		KYOYU_OPTION_END};
	static const kyoyu_option fractional_limit[] = {
		KYOYU_OPTION_TEXT("code", sample, code, NULL, 2.5, "h"),
		KYOYU_OPTION_END};
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
		{long_default, sizeof(sample), "the default fits in"},
		{fractional_limit, sizeof(sample), "not a character count"},
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


/* ---- hostile or mistaken files ----------------------------------------- */

/* The setting GROUP.KEY of TEXT loaded as a file; fails the test when the
 * file is refused. */
static kyoyu_setting *load_one(kyoyu_settings *set, const char *text, const char *group,
			       const char *key)
{
	char err[1024] = "";
	char *path = write_temp_file("agent.cfg", text);

	kyoyu_settings_init(set);
	if (kyoyu_config_load(path, set, err, sizeof(err)) != 0)
		fail_msg("\"%s\" refused: %s", text, err);
	remove_temp_file(path);
	kyoyu_setting *s = kyoyu_settings_get(set, group, key);
	assert_non_null(s);
	return s;
}

static void test_config_integer_wider_than_32_bits_is_read_whole(void **state)
{
	static const struct {
		const char *text;
		int64_t value;
	} cases[] = {
		/* libconfig 1.5 alone reads these as 0, 7447, 7447, 2147483647. */
		{"g = { count = 4294967296; };", 4294967296LL},
		{"g = { count = 4294974743; };", 4294974743LL},
		{"g = { count = 0x100001D17; };", 4294974743LL},
		{"g = { count = -2147483649; };", -2147483649LL},
		{"g = { count = 0x80000000; };", 2147483648LL},
		{"g = { count = 4294967296L; };", 4294967296LL},
		{"g = { count = 2147483647; };", 2147483647},
		{"g = { count = -2147483648; };", -2147483647LL - 1},
		{"g = { count = 9223372036854775807; };", INT64_MAX},
	};
	kyoyu_settings set;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		kyoyu_setting *s = load_one(&set, cases[i].text, "g", "count");
		assert_int_equal(s->type, KYOYU_VALUE_INT);
		if (s->i != cases[i].value)
			fail_msg("\"%s\" read as %lld", cases[i].text, (long long)s->i);
		kyoyu_settings_clear(&set);
	}
}

static void test_config_integer_range_checked_as_from_command_line(void **state)
{
	static const char *const values[] = {"4294967296", "4294967301", "-4294967295",
					     "9223372036854775807"};
	kyoyu_settings set, args;
	char text[128], arg[64], from_file[256], from_args[256];
	sample smp;

	(void)state;
	memset(&smp, 0, sizeof(smp));
	kyoyu_options_defaults(sample_options, &smp);
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		snprintf(text, sizeof(text), "g = { count = %s; };", values[i]);
		snprintf(arg, sizeof(arg), "g.count=%s", values[i]);
		kyoyu_setting *s = load_one(&set, text, "g", "count");
		assert_int_equal(apply(&smp, s, from_file, sizeof(from_file)), -EINVAL);
		kyoyu_settings_init(&args);
		assert_int_equal(apply(&smp, text_setting(&args, arg), from_args,
				       sizeof(from_args)), -EINVAL);
		/* The same words after the origin ("agent.cfg:1" or "command line"). */
		const char *file_words = strstr(from_file, ": g.count");
		const char *arg_words = strstr(from_args, ": g.count");
		assert_non_null(file_words);
		assert_non_null(arg_words);
		assert_string_equal(file_words, arg_words);
		char expected[128];
		snprintf(expected, sizeof(expected), "g.count = %s is out of range 1..10",
			 values[i]);
		assert_non_null(strstr(from_file, expected));
		assert_int_equal(smp.count, 5);
		kyoyu_settings_clear(&args);
		kyoyu_settings_clear(&set);
	}
	kyoyu_options_free(sample_options, &smp);
}

static void test_config_integer_wider_than_64_bits_refused(void **state)
{
	(void)state;
	expect_config_error("g = {\n  count = 99999999999999999999;\n};\n", 2,
			    "99999999999999999999 does not fit a 64-bit integer");
	expect_config_error("g = {\n  count = 0xFFFFFFFFFFFFFFFFL;\n};\n", 2,
			    "0xFFFFFFFFFFFFFFFFL does not fit a 64-bit integer");
}

static void test_config_numbers_in_names_strings_and_comments_left_alone(void **state)
{
	kyoyu_settings set;
	kyoyu_setting *s;

	(void)state;
	s = load_one(&set, "g = { label = \"4294967296 \\\" 4294967296\"; };", "g", "label");
	assert_string_equal(s->s, "4294967296 \" 4294967296");
	kyoyu_settings_clear(&set);
	s = load_one(&set, "# 4294967296\ng = { /* 4294967296 */ x4294967296 = 1.5e10; "
		     "// 4294967296\n};\n", "g", "x4294967296");
	assert_int_equal(s->type, KYOYU_VALUE_DOUBLE);
	assert_true(s->d == 1.5e10);
	kyoyu_settings_clear(&set);
	s = load_one(&set, "g = { count-4294967296 = 7; };", "g", "count-4294967296");
	assert_int_equal(s->i, 7);
	kyoyu_settings_clear(&set);
}

/* Loads PATH, which must be refused at once with EXPECTED in the message. */
static void expect_path_refused(const char *path, const char *expected)
{
	kyoyu_settings set;
	char err[1024] = "";

	kyoyu_settings_init(&set);
	int64_t start = kyoyu_now_us();
	assert_int_equal(kyoyu_config_load(path, &set, err, sizeof(err)), -EINVAL);
	if (!strstr(err, expected) || !strstr(err, path))
		fail_msg("%s: expected \"%s\" in \"%s\"", path, expected, err);
	/* A FIFO with no writer used to block for ever. */
	assert_true(kyoyu_now_us() - start < 2000000);
	assert_null(set.first);
}

static void test_config_folder_fifo_and_device_refused_at_once(void **state)
{
	char *path = write_temp_file("agent.cfg", "");

	(void)state;
	assert_non_null(path);
	unlink(path);
	assert_int_equal(mkdir(path, 0700), 0);
	expect_path_refused(path, "is a folder, not a configuration file: give the path "
			    "of a regular file");
	rmdir(path);
	assert_int_equal(mkfifo(path, 0600), 0);
	expect_path_refused(path, "is a named pipe (FIFO), not a configuration file");
	remove_temp_file(path);
	expect_path_refused("/dev/null", "is a device, not a configuration file");
	expect_path_refused("/dev/zero", "is a device, not a configuration file");
}

/* A file of SIZE bytes: a comment line, except what TEXT puts first. */
static char *write_sized_file(const char *text, size_t size)
{
	char *path = write_temp_file("big.cfg", "");
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fputc('#', f);
	for (size_t n = strlen(text) + 2; n < size; n++)
		fputc('x', f);
	fputc('\n', f);
	fclose(f);
	return path;
}

static void test_config_file_over_1_mb_refused(void **state)
{
	kyoyu_settings set;
	char err[1024] = "";
	char *path;

	(void)state;
	kyoyu_settings_init(&set);
	path = write_sized_file("", 1 << 20);
	assert_int_equal(kyoyu_config_load(path, &set, err, sizeof(err)), 0);
	remove_temp_file(path);
	path = write_sized_file("", (1 << 20) + 1);
	expect_path_refused(path, "is 1048577 bytes; a configuration file holds at most "
			    "1 MB, 1048576 bytes");
	remove_temp_file(path);
}

static void test_config_include_refused(void **state)
{
	(void)state;
	expect_config_error("role = \"viewer\";\n  @include \"other.cfg\"\n", 2,
			    "@include is not supported");
}

static void test_config_nul_byte_refused(void **state)
{
	static const char text[] = "role = \"viewer\";\n\0ui = { plugin = \"x\"; };\n";
	char *path = write_temp_file("agent.cfg", "");
	FILE *f = fopen(path, "w");

	(void)state;
	fwrite(text, 1, sizeof(text) - 1, f);
	fclose(f);
	expect_path_refused(path, ":2: a NUL byte: this is not a text file");
	remove_temp_file(path);
}

/* Writes PREFIX, then COUNT times UNIT (joined by SEP), then SUFFIX. */
static char *write_repeated(const char *prefix, const char *unit, const char *sep,
			    size_t count, const char *suffix)
{
	char *path = write_temp_file("big.cfg", "");
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(prefix, f);
	for (size_t i = 0; i < count; i++) {
		fputs(unit, f);
		if (i + 1 < count)
			fputs(sep, f);
	}
	fputs(suffix, f);
	fclose(f);
	return path;
}

/* Loads PATH and returns the seconds it took; it must load when OK, else
 * be refused with EXPECTED in the message. */
static double cpu_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The CPU time the load took: unlike the clock on the wall, it does not
 * grow when other tests crowd the machine. */
static double load_seconds(const char *path, bool ok, const char *expected)
{
	kyoyu_settings set;
	char err[1024] = "";

	kyoyu_settings_init(&set);
	double start = cpu_seconds();
	int ret = kyoyu_config_load(path, &set, err, sizeof(err));
	double seconds = cpu_seconds() - start;
	if (ok && ret != 0)
		fail_msg("%s refused: %s", path, err);
	if (!ok && (ret != -EINVAL || !strstr(err, expected)))
		fail_msg("%s: expected \"%s\" in \"%s\"", path, expected, err);
	kyoyu_settings_clear(&set);
	return seconds;
}

static void test_config_too_many_values_or_long_strings_refused(void **state)
{
	const size_t mb = 1 << 20;
	const struct {
		char *path;
		const char *why;
	} cases[] = {
		/* Each took 13 s to 192 s under ASan before; 1 MB of keys took
		 * 75 s even without it. */
		{write_repeated("", "k = 1;\n", "", 1001, ""),
		 ":1001: more than 1000 settings and list entries; kyoyu knows fewer "
		 "than 100 keys"},
		{write_repeated("", "unknown = 1;\n", "", mb / 13, ""),
		 ":1001: more than 1000 settings and list entries"},
		{write_repeated("g = {\n l = [", "\"a\"", ",\n", 1001, "]; };\n"),
		 ":1000: more than 1000 settings and list entries"},
		{write_repeated("g = { s = \"", "x", "", 8192 - 1, "\"; };\n"),
		 ":1: a string of more than 8192 bytes; no setting takes one that long"},
		{write_repeated("g = { s = \"", "\\n", "", mb / 2 - 32, "\"; };\n"),
		 ":1: a string of more than 8192 bytes"},
		{write_repeated("g = { s = ", "\"ab\"", "\n", mb / 5 - 32, "; };\n"),
		 ":2049: a string of more than 8192 bytes"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		double seconds = load_seconds(cases[i].path, false, cases[i].why);
		if (seconds > 2.0)
			fail_msg("case %zu took %.2f s to refuse", i, seconds);
		remove_temp_file(cases[i].path);
	}
	/* 8192 bytes, quotes included, is the longest string. */
	char *path = write_repeated("g = { s = \"", "x", "", 8192 - 2, "\"; };\n");
	load_seconds(path, true, NULL);
	remove_temp_file(path);
}

static void test_config_largest_files_load_in_linear_time(void **state)
{
	/* The worst shapes of an accepted file, each just under 1 MB.  Before,
	 * libconfig read the file through a FILE * and rescanned a long token
	 * from its start every 8 KB: a 1 MB comment line took 0.6 s, 4 MB 10 s. */
	const size_t mb = 1 << 20;
	char long_string[8192 + 1], escapes[8192 + 1];
	memset(long_string, 'x', sizeof(long_string) - 1);
	long_string[0] = long_string[8191] = '"';
	long_string[8192] = '\0';
	escapes[0] = escapes[8191] = '"';
	for (size_t i = 1; i < 8191; i += 2)
		memcpy(escapes + i, "\\n", 2);
	escapes[8192] = '\0';
	/* 1000 keys, each searched for among the earlier ones by libconfig. */
	static char keys[1000 * 16];
	for (size_t i = 0, len = 0; i < 1000; i++)
		len += (size_t)snprintf(keys + len, sizeof(keys) - len, "k%zu = 1;\n", i);
	const struct {
		char *path;
		const char *why; /* NULL: loads */
	} cases[] = {
		{write_sized_file("", mb), NULL},
		{write_repeated("/*", "x", "", mb - 16, "*/\n"), NULL},
		{write_repeated("g = { l = [", long_string, ",", mb / 8200, "]; };\n"), NULL},
		{write_repeated("g = { l = [", escapes, ",", mb / 8200, "]; };\n"), NULL},
		{write_temp_file("keys.cfg", keys), NULL},
		{write_repeated("g = { l = [", "2147483648", ",", 999, "]; };\n"),
		 "g.l must be a list of strings"},
	};
	/* Generous for ASan: each takes under 0.1 s of CPU. */
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		double seconds = load_seconds(cases[i].path, !cases[i].why, cases[i].why);
		if (seconds > 2.0)
			fail_msg("case %zu took %.2f s", i, seconds);
		remove_temp_file(cases[i].path);
	}
	(void)state;
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
		ret = kyoyu_config_check(&loader, &set, err, errlen);
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

static void test_config_check_reads_core_keys_as_the_start_does(void **state)
{
	(void)state;
	expect_slots_check("record = {\n  enabled = 5;\n};\n", 2,
			   "record.enabled must be true or false");
	expect_slots_check("codec = {\n  bitrate_kbps = 800.5;\n};\n", 2,
			   "codec.bitrate_kbps must be an integer");
	expect_slots_check("codec = {\n  bitrate_kbps = 4294967346;\n};\n", 2,
			   "codec.bitrate_kbps = 4294967346 is out of range 50..100000");
	expect_slots_check("codec = {\n  max_fps = 0;\n};\n", 2,
			   "codec.max_fps = 0 is out of range 1..120");
	expect_slots_check("codec = {\n  topoff_ms = \"300\";\n};\n", 2,
			   "codec.topoff_ms must be an integer");
	expect_slots_check("codec = {\n  format = \"vp7\";\n};\n", 2,
			   "codec.format \"vp7\": no codec plugin here encodes it");
	expect_slots_check("ctl = {\n  socket = 5;\n};\n", 2, "ctl.socket must be a string");
	char text[400];
	snprintf(text, sizeof(text), "ctl = {\n  socket = \"/tmp/%0200d\";\n};\n", 0);
	expect_slots_check(text, 2, "ctl.socket is 205 bytes long; a socket path holds "
			   "at most 107");
	expect_slots_check("record = { enabled = false; };\ncodec = { bitrate_kbps = 50; "
			   "max_fps = 120; topoff_ms = 0; format = \"h264\"; };\n", 0, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_options_defaults_fill_the_struct),
		cmocka_unit_test(test_options_accept_good_command_line_values),
		cmocka_unit_test(test_options_refuse_out_of_range),
		cmocka_unit_test(test_options_refuse_bad_types),
		cmocka_unit_test(test_options_refuse_over_long_string),
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
		cmocka_unit_test(test_config_integer_wider_than_32_bits_is_read_whole),
		cmocka_unit_test(test_config_integer_range_checked_as_from_command_line),
		cmocka_unit_test(test_config_integer_wider_than_64_bits_refused),
		cmocka_unit_test(test_config_numbers_in_names_strings_and_comments_left_alone),
		cmocka_unit_test(test_config_folder_fifo_and_device_refused_at_once),
		cmocka_unit_test(test_config_file_over_1_mb_refused),
		cmocka_unit_test(test_config_too_many_values_or_long_strings_refused),
		cmocka_unit_test(test_config_include_refused),
		cmocka_unit_test(test_config_nul_byte_refused),
		cmocka_unit_test(test_config_largest_files_load_in_linear_time),
		cmocka_unit_test(test_slots_check_accepts_plugin_options),
		cmocka_unit_test(test_slots_check_unknown_key_names_file_and_line),
		cmocka_unit_test(test_slots_check_out_of_range_names_file_and_line),
		cmocka_unit_test(test_slots_check_bad_type_names_file_and_line),
		cmocka_unit_test(test_slots_check_unknown_group),
		cmocka_unit_test(test_slots_check_missing_named_plugin),
		cmocka_unit_test(test_config_check_reads_core_keys_as_the_start_does),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
