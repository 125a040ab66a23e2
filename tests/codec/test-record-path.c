/* SPDX-License-Identifier: MIT */
/* Where transport/record puts a recording: record.path's template, a name
 * that replaces no file, files 0600 in folders created 0700, a folder that
 * cannot take a recording refused with the reason. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "plugins/transport/record/record-path.h"

static char dir[] = "/tmp/kyoyu-record-path-XXXXXX";

static const struct tm morning = {
	.tm_year = 126, .tm_mon = 11, .tm_mday = 6, .tm_hour = 9, .tm_min = 5, .tm_sec = 7,
};

static mode_t mode_of(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return st.st_mode & 07777;
}

static void test_template_fills_date_time_and_id(void **state)
{
	char out[PATH_MAX], err[512];

	(void)state;
	assert_int_equal(record_path_expand("/rec/%Y%m%d-%H%M%S-%i.webm", "0badcafe", &morning,
					    out, sizeof(out), err, sizeof(err)), 0);
	assert_string_equal(out, "/rec/20261206-090507-0badcafe.webm");
	assert_int_equal(record_path_expand("%F/100%%-%i.mkv", "12345678", &morning, out,
					    sizeof(out), err, sizeof(err)), 0);
	assert_string_equal(out, "2026-12-06/100%-12345678.mkv");
}

static void test_unknown_field_is_refused_with_the_known_ones(void **state)
{
	char out[PATH_MAX], err[512];

	(void)state;
	assert_int_equal(record_path_expand("/rec/%q.webm", "0badcafe", &morning, out,
					    sizeof(out), err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "%q is not a field kyoyu knows"));
	assert_non_null(strstr(err, "%i (the recording's id)"));
	assert_int_equal(record_path_check("/rec/50%", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "a % at the end"));
}

static void test_too_long_a_name_is_refused(void **state)
{
	char out[64], err[512];

	(void)state;
	assert_int_equal(record_path_expand("/a/very/long/folder/name/that/does/not/fit/in/"
					    "sixty-four/bytes/%i.webm", "0badcafe",
					    &morning, out, sizeof(out), err, sizeof(err)),
			 -ENAMETOOLONG);
	assert_non_null(strstr(err, "choose a shorter one"));
}

static void test_claim_never_replaces_a_file(void **state)
{
	char wanted[PATH_MAX], got[PATH_MAX];

	(void)state;
	snprintf(wanted, sizeof(wanted), "%s/session.webm", dir);
	assert_int_equal(record_path_claim(wanted, got, sizeof(got)), 0);
	assert_string_equal(got, wanted);
	FILE *f = fopen(got, "w");
	assert_non_null(f);
	fputs("the first customer's session", f);
	fclose(f);

	assert_int_equal(record_path_claim(wanted, got, sizeof(got)), 0);
	char second[PATH_MAX];
	snprintf(second, sizeof(second), "%s/session-2.webm", dir);
	assert_string_equal(got, second);
	assert_int_equal(record_path_claim(wanted, got, sizeof(got)), 0);
	assert_non_null(strstr(got, "/session-3.webm"));

	struct stat st;
	assert_int_equal(stat(wanted, &st), 0);
	assert_int_equal(st.st_size, strlen("the first customer's session"));
	assert_int_equal(mode_of(second), 0600);
}

static void test_missing_folders_are_made_private(void **state)
{
	char file[PATH_MAX], sub[PATH_MAX], err[512];

	(void)state;
	umask(022);
	snprintf(file, sizeof(file), "%s/desk/2026-12/s.webm", dir);
	assert_int_equal(record_path_prepare_dir(file, 0, err, sizeof(err)), 0);
	snprintf(sub, sizeof(sub), "%s/desk", dir);
	assert_int_equal(mode_of(sub), 0700);
	snprintf(sub, sizeof(sub), "%s/desk/2026-12", dir);
	assert_int_equal(mode_of(sub), 0700);
}

static void test_unusable_folders_are_refused_with_the_fix(void **state)
{
	char file[PATH_MAX], err[PATH_MAX + 256];

	(void)state;
	snprintf(file, sizeof(file), "%s/plain", dir);
	FILE *f = fopen(file, "w");
	assert_non_null(f);
	fclose(f);
	snprintf(file, sizeof(file), "%s/plain/s.webm", dir);
	assert_true(record_path_prepare_dir(file, 0, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, "which is not a folder"));

	snprintf(file, sizeof(file), "%s/s.webm", dir);
	assert_int_equal(record_path_prepare_dir(file, INT64_C(1) << 40, err, sizeof(err)),
			 -ENOSPC);
	assert_non_null(strstr(err, "almost full"));
	assert_non_null(strstr(err, "record.min_free_mb"));

	if (geteuid() != 0) { /* root writes anywhere */
		char locked[PATH_MAX - 16];
		snprintf(locked, sizeof(locked), "%s/locked", dir);
		assert_int_equal(mkdir(locked, 0500), 0);
		snprintf(file, sizeof(file), "%s/s.webm", locked);
		assert_int_equal(record_path_prepare_dir(file, 0, err, sizeof(err)), -EACCES);
		assert_non_null(strstr(err, "may not write"));
	}
}

static int make_dir(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
}

static int remove_dir(void **state)
{
	char cmd[2 * sizeof(dir) + 32];

	(void)state;
	snprintf(cmd, sizeof(cmd), "chmod -R u+w %s; rm -rf %s", dir, dir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_template_fills_date_time_and_id),
		cmocka_unit_test(test_unknown_field_is_refused_with_the_known_ones),
		cmocka_unit_test(test_too_long_a_name_is_refused),
		cmocka_unit_test(test_claim_never_replaces_a_file),
		cmocka_unit_test(test_missing_folders_are_made_private),
		cmocka_unit_test(test_unusable_folders_are_refused_with_the_fix),
	};
	return cmocka_run_group_tests(tests, make_dir, remove_dir);
}
