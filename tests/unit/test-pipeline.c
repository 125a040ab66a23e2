/* SPDX-License-Identifier: MIT */
/* The whole sharer pipeline on fakes: testsrc captures, the fake codec
 * "encodes", the fake transport connects at once, the fake customer says
 * yes when asked.  Nothing on screen may leave before the session shares. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <kyoyu/plugin.h>

#include "loader.h"
#include "pipeline.h"
#include "settings.h"

static int run_sharer(const char *const *extra, double seconds, kyoyu_run_summary *sum,
		      char *err, size_t errlen)
{
	static char *dirs[] = {KYOYU_TEST_PLUGIN_DIR, KYOYU_BUILD_PLUGIN_DIR, NULL};
	static const char *const base[] = {
		"capture.plugin=testsrc", "capture.width=160", "capture.height=120",
		"capture.fps=30",         "codec.plugin=fake", "codec.format=vp8",
		"transport.plugin=fake",  "ui.plugin=customer", NULL};
	kyoyu_loader loader;
	kyoyu_settings set;
	kyoyu_pipeline *pl;

	assert_int_equal(kyoyu_loader_init(&loader, dirs), 0);
	kyoyu_settings_init(&set);
	for (const char *const *a = base; *a; a++)
		assert_int_equal(kyoyu_settings_put_arg(&set, *a, err, errlen), 0);
	for (const char *const *a = extra; a && *a; a++)
		assert_int_equal(kyoyu_settings_put_arg(&set, *a, err, errlen), 0);
	int ret = kyoyu_pipeline_new(&loader, &set, KYOYU_ROLE_SHARER, &pl, err, errlen);
	if (ret == 0) {
		ret = kyoyu_pipeline_run(pl, seconds, sum);
		kyoyu_pipeline_free(pl);
	}
	kyoyu_settings_clear(&set);
	kyoyu_loader_fini(&loader);
	return ret;
}

static void test_pipeline_shares_until_the_time_limit(void **state)
{
	kyoyu_run_summary sum;
	char err[2048] = "";

	(void)state;
	if (run_sharer(NULL, 1.5, &sum, err, sizeof(err)))
		fail_msg("%s", err);
	/* The time limit ends it as if the customer left. */
	assert_string_equal(kyoyu_end_reason_name(sum.reason), "left");
	assert_true(sum.seconds >= 1.4);
	assert_true(sum.frames > 0);
	assert_true(sum.packets > 0);
	/* The fake codec's packets are the pixels. */
	assert_true(sum.bytes >= sum.packets * 160 * 120 * 4);
}

static void test_pipeline_sends_nothing_before_consent(void **state)
{
	static const char *const recording[] = {"transport.recording=true",
						"ui.answer=no", NULL};
	static const char *const unanswered[] = {"ui.plugin=none", NULL};
	kyoyu_run_summary sum;
	char err[2048] = "";

	(void)state;
	if (run_sharer(recording, 1.0, &sum, err, sizeof(err)))
		fail_msg("%s", err);
	/* The viewer records and the customer said no: no picture was
	 * accepted, and the session ended for that reason, not at the 1 s
	 * limit. */
	assert_int_equal(sum.frames, 0);
	assert_int_equal(sum.packets, 0);
	assert_string_equal(kyoyu_end_reason_name(sum.reason), "consent declined");
	/* Not recorded, and nobody answers: nothing either. */
	if (run_sharer(unanswered, 1.0, &sum, err, sizeof(err)))
		fail_msg("%s", err);
	assert_int_equal(sum.frames, 0);
	assert_int_equal(sum.packets, 0);
	assert_string_equal(kyoyu_end_reason_name(sum.reason), "left");
}

static void test_pipeline_waits_for_a_ui_that_stays_after_the_end(void **state)
{
	static const char *const reader[] = {"ui.reads_end_ms=4500", NULL};
	kyoyu_run_summary sum;
	char err[2048] = "";

	(void)state;
	if (run_sharer(reader, 0.5, &sum, err, sizeof(err)))
		fail_msg("%s", err);
	/* Ended at 0.5 s; the customer read the end for 4.5 s more, and the
	 * agent waited for them, not only its 3 s linger. */
	assert_string_equal(kyoyu_end_reason_name(sum.reason), "left");
	assert_true(sum.seconds >= 4.9);
}

static void test_pipeline_reports_a_missing_plugin(void **state)
{
	static const char *const missing[] = {"capture.plugin=nosuch", NULL};
	kyoyu_run_summary sum;
	char err[2048] = "";

	(void)state;
	assert_int_equal(run_sharer(missing, 1.0, &sum, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "no plugin \"nosuch\""));
}

static void test_pipeline_needs_an_encoder_for_the_format(void **state)
{
	static const char *const bad[] = {"codec.format=theora", NULL};
	kyoyu_run_summary sum;
	char err[2048] = "";

	(void)state;
	/* Codecs are whatever the codec plugins declare: none here has it. */
	assert_int_equal(run_sharer(bad, 1.0, &sum, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "codec.format \"theora\": no codec plugin here encodes it"));
	assert_non_null(strstr(err, "--list-plugins"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pipeline_shares_until_the_time_limit),
		cmocka_unit_test(test_pipeline_sends_nothing_before_consent),
		cmocka_unit_test(test_pipeline_waits_for_a_ui_that_stays_after_the_end),
		cmocka_unit_test(test_pipeline_reports_a_missing_plugin),
		cmocka_unit_test(test_pipeline_needs_an_encoder_for_the_format),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
