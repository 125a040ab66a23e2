/* SPDX-License-Identifier: MIT */
/* The loader: a good plugin loads; every broken one is refused with a
 * message naming the file and the reason, and the core carries on. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <kyoyu/plugin.h>

#include "bus-priv.h"
#include "instance.h"
#include "loader.h"
#include "settings.h"
#include "test-util.h"

#define PLUGIN(name) KYOYU_TEST_PLUGIN_DIR "/kyoyu-capture-" name ".la"

static int setup(void **state)
{
	static char *dirs[] = {KYOYU_TEST_PLUGIN_DIR, NULL};
	kyoyu_loader *loader = calloc(1, sizeof(*loader));

	*state = loader;
	return kyoyu_loader_init(loader, dirs);
}

static int teardown(void **state)
{
	kyoyu_loader_fini(*state);
	free(*state);
	return 0;
}

/* Opens PATH, expects it refused with RET and every string of WHY (NULL-
 * terminated) in the message, which always names the file. */
static void expect_refused(kyoyu_loader *loader, const char *path, int ret, ...)
{
	kyoyu_plugin *p = NULL;
	char err[1024] = "";
	va_list ap;

	assert_int_equal(kyoyu_loader_open_file(loader, path, &p, err, sizeof(err)), ret);
	assert_null(p);
	if (!strstr(err, path))
		fail_msg("the message does not name %s: \"%s\"", path, err);
	va_start(ap, ret);
	for (const char *why; (why = va_arg(ap, const char *));)
		if (!strstr(err, why))
			fail_msg("expected \"%s\" in \"%s\"", why, err);
	va_end(ap);
	/* Nothing refused stays loaded. */
	assert_null(loader->loaded);
}

static void test_loader_loads_good_plugin(void **state)
{
	kyoyu_loader *loader = *state;
	kyoyu_plugin *p = NULL, *again = NULL;
	char err[1024] = "";

	assert_int_equal(kyoyu_loader_open_file(loader, PLUGIN("good"), &p, err,
						sizeof(err)), 0);
	assert_non_null(p);
	assert_string_equal(p->desc.name, "good");
	assert_int_equal(p->desc.kind, KYOYU_KIND_CAPTURE);
	assert_string_equal(p->module, "kyoyu-capture-good");
	assert_string_equal(p->path, PLUGIN("good"));
	assert_non_null(p->ops.stage.start);
	assert_non_null(p->ops.stage.run);
	assert_non_null(p->ops.stage.stop);
	assert_non_null(p->ops.stage.formats);
	assert_int_equal(p->ops.stage.formats[0], KYOYU_PIXFMT_BGRX);
	assert_int_equal(p->ops.stage.formats[1], KYOYU_PIXFMT_NONE);
	/* Found by name on the search path: the same plugin, not a second copy. */
	assert_int_equal(kyoyu_loader_find(loader, KYOYU_KIND_CAPTURE, "good", &again, err,
					   sizeof(err)), 0);
	assert_ptr_equal(again, p);
}

static void test_loader_finds_codec_and_transport_by_name(void **state)
{
	kyoyu_loader *loader = *state;
	kyoyu_plugin *codec, *transport;
	char err[1024] = "";

	assert_int_equal(kyoyu_loader_find(loader, KYOYU_KIND_CODEC, "fake", &codec, err,
					   sizeof(err)), 0);
	assert_non_null(codec->ops.codec.receive_packet);
	assert_int_equal(codec->ops.codec.encodes[0].fourcc, KYOYU_CODEC_VP8);
	assert_string_equal(codec->ops.codec.encodes[0].name, "vp8");
	assert_int_equal(codec->ops.codec.decodes[2].fourcc, KYOYU_CODEC_H264);
	assert_int_equal(codec->ops.codec.decodes[3].fourcc, KYOYU_CODEC_NONE);
	assert_int_equal(codec->ops.codec.encoder_formats[0], KYOYU_PIXFMT_BGRX);
	assert_int_equal(codec->ops.codec.decoder_formats[0], KYOYU_PIXFMT_BGRX);
	assert_int_equal(kyoyu_loader_find(loader, KYOYU_KIND_TRANSPORT, "fake", &transport,
					   err, sizeof(err)), 0);
	assert_ptr_not_equal(codec, transport);
}

static void test_loader_refuses_abi_major_mismatch(void **state)
{
	expect_refused(*state, PLUGIN("abi2"), -EPROTO, "built for plugin ABI 2.2",
		       "this kyoyu speaks 1.2", NULL);
}

static void test_loader_refuses_newer_minor(void **state)
{
	expect_refused(*state, PLUGIN("newminor"), -EPROTO, "built for plugin ABI 1.3",
		       "newer than this kyoyu's 1.2", NULL);
}

static void test_loader_names_missing_callback(void **state)
{
	expect_refused(*state, PLUGIN("norun"), -EINVAL,
		       "lacks the required callback capture_ops.run", NULL);
}

static void test_loader_refuses_capture_without_formats(void **state)
{
	expect_refused(*state, PLUGIN("noformats"), -EINVAL,
		       "lists no pixel format it posts (stage_ops.formats)", NULL);
}

static void test_loader_refuses_module_without_describe(void **state)
{
	expect_refused(*state, PLUGIN("nodescribe"), -EINVAL,
		       "exports no kyoyu_plugin_describe", "KYOYU_PLUGIN_DEFINE", NULL);
}

static void test_loader_refuses_unresolved_symbol_at_load(void **state)
{
	expect_refused(*state, PLUGIN("unresolved"), -ENOEXEC, "refused",
		       "it calls kyoyu_function_from_a_future_core, which is not part of "
		       "plugin ABI 1.2", NULL);
}

static void test_loader_refuses_plugin_calling_the_cores_own_function(void **state)
{
	/* The test program has the gate linked in, as the agent has: only
	 * libkyoyu's exports may resolve a plugin's calls. */
	expect_refused(*state, PLUGIN("private"), -ENOEXEC,
		       "it calls kyoyu_bus_open_to, which is not part of plugin ABI 1.2 "
		       "(only what <kyoyu/*.h> declares is)", NULL);
}

static void test_loader_refuses_renamed_file_naming_its_module(void **state)
{
	/* kyoyu-capture-good, copied under another plugin's name. */
	char *path = copy_temp_file("kyoyu-capture-renamed.so",
				    KYOYU_TEST_PLUGIN_DIR "/.libs/kyoyu-capture-good.so");

	assert_non_null(path);
	expect_refused(*state, path, -EINVAL,
		       "its file is named kyoyu-capture-renamed, but it holds the plugin "
		       "capture/good (it exports kyoyu_capture_good_LTX_kyoyu_plugin_describe)"
		       ": rename it kyoyu-capture-good.so", NULL);
	remove_temp_file(path);
}

static void test_loader_refuses_name_mismatch(void **state)
{
	expect_refused(*state, PLUGIN("misnamed"), -EINVAL,
		       "calls itself capture/someone-else",
		       "must be named kyoyu-capture-someone-else", NULL);
}

static void test_loader_refuses_option_outside_priv(void **state)
{
	expect_refused(*state, PLUGIN("badoffset"), -EINVAL,
		       "option \"beyond\" lies outside the plugin's private struct", NULL);
}

static void test_loader_refuses_duplicate_option_key(void **state)
{
	expect_refused(*state, PLUGIN("dupkey"), -EINVAL, "option \"fps\" is declared twice",
		       NULL);
}

static void test_loader_refuses_non_plugin_file(void **state)
{
	char *path = write_temp_file("kyoyu-capture-junk.so",
				     "This is a text file, not a shared object.\n"
				     "It is long enough to hold an ELF header, but it is not one.\n");

	expect_refused(*state, path, -ENOEXEC, "cannot load", "invalid ELF header", NULL);
	remove_temp_file(path);
}

static void test_loader_refuses_missing_file(void **state)
{
	expect_refused(*state, "/nonexistent/kyoyu-capture-x.so", -ENOEXEC, "cannot load",
		       "No such file", NULL);
}

static void test_loader_zero_extends_smaller_ops(void **state)
{
	kyoyu_loader *loader = *state;
	kyoyu_plugin *p;
	char err[1024] = "";

	/* A UI, which may list no formats, so the truncation alone decides. */
	assert_int_equal(kyoyu_loader_open_file(loader, KYOYU_TEST_PLUGIN_DIR
						"/kyoyu-ui-shortops.la", &p, err,
						sizeof(err)), 0);
	assert_int_equal(p->desc.kind, KYOYU_KIND_UI);
	assert_non_null(p->ops.stage.run);
	/* Its struct ends before stop(): the garbage behind it is not read. */
	assert_int_equal(p->ops.stage.size, offsetof(kyoyu_stage_ops, stop));
	assert_null(p->ops.stage.stop);
	assert_null(p->ops.stage.formats);
}

static void test_loader_explains_plugin_not_found(void **state)
{
	kyoyu_plugin *p = NULL;
	char err[1024] = "";

	assert_int_equal(kyoyu_loader_find(*state, KYOYU_KIND_CODEC, "nosuch", &p, err,
					   sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "no plugin \"nosuch\" (kyoyu-codec-nosuch) found in "
				    KYOYU_TEST_PLUGIN_DIR));
	/* No configure option builds it: say where to put it instead. */
	assert_null(strstr(err, "--enable-"));
	assert_non_null(strstr(err, "it is not one of kyoyu's own plugins: install its "
				    "kyoyu-codec-nosuch.so in one of those folders"));
	/* One of kyoyu's own, not on this search path: how to build it. */
	assert_int_equal(kyoyu_loader_find(*state, KYOYU_KIND_UI, "sdl", &p, err,
					   sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "rebuild kyoyu with --enable-ui-sdl"));
	assert_true(kyoyu_loader_is_own_plugin(KYOYU_KIND_CODEC, "x264"));
	assert_false(kyoyu_loader_is_own_plugin(KYOYU_KIND_CAPTURE, "x264"));
	assert_false(kyoyu_loader_is_own_plugin(KYOYU_KIND_UI, "x11"));
	assert_int_equal(kyoyu_loader_find(*state, KYOYU_KIND_CODEC, "../x", &p, err,
					   sizeof(err)), -EINVAL);
	assert_int_equal(kyoyu_loader_find(*state, 99, "x", &p, err, sizeof(err)), -EINVAL);
}

typedef struct scan_result {
	int good, refused;
	char why[16][1024];
	char path[16][512];
} scan_result;

static void visit(void *ctx, const char *path, const kyoyu_plugin *plugin, const char *why)
{
	scan_result *r = ctx;

	if (plugin) {
		r->good++;
		return;
	}
	assert_true(r->refused < 16);
	snprintf(r->path[r->refused], sizeof(r->path[0]), "%s", path);
	snprintf(r->why[r->refused++], sizeof(r->why[0]), "%s", why);
}

static void test_loader_scan_lists_good_and_refused(void **state)
{
	scan_result r = {0};

	kyoyu_loader_scan(*state, visit, &r);
	/* good, ui/shortops, codec/fake, transport/fake, ui/customer, and the
	 * ones that load but break their kind's contract for kyoyu-plugin-check:
	 * capture/rude, capture/crash, codec/deaf; and plugins linked in. */
	int preloaded = 0;
	for (kyoyu_plugin *p = ((kyoyu_loader *)*state)->preloaded; p; p = p->next)
		preloaded++;
	assert_int_equal(r.good, 8 + preloaded);
	/* abi2, newminor, norun, nodescribe, misnamed, badoffset, dupkey,
	 * noformats, unresolved, private: each with its file and a reason. */
	assert_int_equal(r.refused, 10);
	for (int i = 0; i < r.refused; i++) {
		assert_non_null(strstr(r.path[i], KYOYU_TEST_PLUGIN_DIR "/kyoyu-capture-"));
		assert_non_null(strstr(r.why[i], r.path[i]));
	}
}

/* ---- instances: options into the private struct, init's answers ------- */

static kyoyu_plugin *good_plugin(kyoyu_loader *loader)
{
	kyoyu_plugin *p;
	char err[1024];

	assert_int_equal(kyoyu_loader_find(loader, KYOYU_KIND_CAPTURE, "good", &p, err,
					   sizeof(err)), 0);
	return p;
}

static int new_instance(kyoyu_loader *loader, const char *const *args,
			kyoyu_instance **out, char *err, size_t errlen)
{
	kyoyu_settings set;
	kyoyu_bus *bus = kyoyu_bus_new();
	kyoyu_host host = {.size = sizeof(host), .role = KYOYU_ROLE_SHARER, .bus = bus};

	kyoyu_settings_init(&set);
	for (; args && *args; args++)
		assert_int_equal(kyoyu_settings_put_arg(&set, *args, err, errlen), 0);
	int ret = kyoyu_instance_new(good_plugin(loader), &host, &set, "capture", out, err,
				     errlen);
	/* The instance copied the host; the bus must outlive it in real use,
	 * but these instances never touch it after init. */
	kyoyu_settings_clear(&set);
	kyoyu_bus_free(bus);
	return ret;
}

static void test_instance_gets_defaults_and_settings(void **state)
{
	static const char *const args[] = {"capture.width=100", "other.width=7", NULL};
	kyoyu_instance *inst;
	char err[512] = "";

	assert_int_equal(new_instance(*state, args, &inst, err, sizeof(err)), KYOYU_OK);
	/* width and height lead the fake capture's private struct. */
	const int *fields = inst->priv;
	assert_int_equal(fields[0], 100);
	assert_int_equal(fields[1], 48);
	assert_string_equal(inst->label, "capture/good");
	kyoyu_instance_free(inst);
}

static void test_instance_reports_bad_value_before_init(void **state)
{
	static const char *const args[] = {"capture.width=1", NULL};
	kyoyu_instance *inst;
	char err[512] = "";

	assert_int_equal(new_instance(*state, args, &inst, err, sizeof(err)), -EINVAL);
	assert_null(inst);
	assert_non_null(strstr(err, "command line: capture.width = 1 is out of range 16..4096"));
}

static void test_instance_skip_is_not_an_error(void **state)
{
	static const char *const args[] = {"capture.skip=true", NULL};
	kyoyu_instance *inst;
	char err[512] = "";

	assert_int_equal(new_instance(*state, args, &inst, err, sizeof(err)), KYOYU_SKIP);
	assert_null(inst);
	assert_string_equal(err, "");
}

static void test_instance_init_failure_names_plugin_and_reason(void **state)
{
	static const char *const args[] = {"capture.fail=yes", NULL};
	kyoyu_instance *inst;
	char err[512] = "";

	assert_int_equal(new_instance(*state, args, &inst, err, sizeof(err)), -ENODEV);
	assert_null(inst);
	assert_non_null(strstr(err, "capture/good failed to start: No such device"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
		T(test_loader_loads_good_plugin),
		T(test_loader_finds_codec_and_transport_by_name),
		T(test_loader_refuses_abi_major_mismatch),
		T(test_loader_refuses_newer_minor),
		T(test_loader_names_missing_callback),
		T(test_loader_refuses_capture_without_formats),
		T(test_loader_refuses_module_without_describe),
		T(test_loader_refuses_unresolved_symbol_at_load),
		T(test_loader_refuses_plugin_calling_the_cores_own_function),
		T(test_loader_refuses_renamed_file_naming_its_module),
		T(test_loader_refuses_name_mismatch),
		T(test_loader_refuses_option_outside_priv),
		T(test_loader_refuses_duplicate_option_key),
		T(test_loader_refuses_non_plugin_file),
		T(test_loader_refuses_missing_file),
		T(test_loader_zero_extends_smaller_ops),
		T(test_loader_explains_plugin_not_found),
		T(test_loader_scan_lists_good_and_refused),
		T(test_instance_gets_defaults_and_settings),
		T(test_instance_reports_bad_value_before_init),
		T(test_instance_skip_is_not_an_error),
		T(test_instance_init_failure_names_plugin_and_reason),
#undef T
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
