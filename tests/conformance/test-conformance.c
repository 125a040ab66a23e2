/* Conformance: every plugin built in the build tree's plugins/ folder (and
 * every plugin linked into the program) goes through its life cycle, as
 * GStreamer's states test does for its elements.
 *
 *   capture, transport, ui: describe → init → start → run on a real stage
 *     thread while the session connects and shares → the session ends →
 *     run() must return on its own within 3 s → stop → fini, once per role.
 *     init() answering KYOYU_SKIP (no display, wrong role) passes, logged.
 *   codec: for each codec it encodes, encoder_open at 64x48, send three
 *     frames (the first a keyframe), receive packets (the first must be a
 *     keyframe), drain; decode them back with each built plugin that decodes
 *     that codec and expect 64x48 pictures; close.
 *   policy: init, allow() every legal move, tick() through a session.
 *
 * Settings for a plugin that needs them (a TLS transport needs a
 * certificate, say) go in tests/conformance/<kind>-<name>.cfg, libconfig
 * syntax, holding the keys of the plugin's own option table at top level,
 * e.g. tests/conformance/transport-tls.cfg:
 *     cert_file = "${KYOYU_SRCDIR}/tests/conformance/data/test.pem";
 * ${KYOYU_SRCDIR}, ${KYOYU_BUILDDIR} and ${TMPDIR} in string values are
 * replaced by those folders.  Add your file to EXTRA_DIST in
 * tests/conformance/Makefile.inc.  A plugin appears here by being built:
 * nothing else needs registering.
 */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include <kyoyu/plugin.h>

#include "bus-priv.h"
#include "config-file.h"
#include "instance.h"
#include "loader.h"
#include "settings.h"
#include "stage-priv.h"

#define FRAME_W 64
#define FRAME_H 48
/* docs/plugin-abi.md: stages get 3 s to finish once the session ended. */
#define LINGER_MS 3000
/* A plugin whose test takes longer than this hangs. */
#define CHILD_TIMEOUT_S 300

static kyoyu_loader loader;

typedef struct subject {
	const kyoyu_plugin *plugin; /* NULL when the file was refused */
	char path[1024];
	char why[1024];
	char name[160];
} subject;

/* ---- per-plugin settings ------------------------------------------------ */

static const char *env_or(const char *name, const char *fallback)
{
	const char *v = getenv(name);
	return v && *v ? v : fallback;
}

/* Replaces ${VAR} for the few folders the test knows, in place. */
static int expand(char **value)
{
	static const struct {
		const char *token, *env, *fallback;
	} vars[] = {
		{"${KYOYU_SRCDIR}", "KYOYU_SRCDIR", KYOYU_TEST_SRCDIR},
		{"${KYOYU_BUILDDIR}", "KYOYU_BUILDDIR", KYOYU_TEST_BUILDDIR},
		{"${TMPDIR}", "TMPDIR", "/tmp"},
	};

	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
		char *at = strstr(*value, vars[i].token);
		if (!at)
			continue;
		const char *with = env_or(vars[i].env, vars[i].fallback);
		size_t len = strlen(*value) - strlen(vars[i].token) + strlen(with) + 1;
		char *out = malloc(len);
		if (!out)
			return -ENOMEM;
		snprintf(out, len, "%.*s%s%s", (int)(at - *value), *value, with,
			 at + strlen(vars[i].token));
		free(*value);
		*value = out;
		i--; /* the same token may appear again */
	}
	return 0;
}

/* Loads tests/conformance/<kind>-<name>.cfg when there is one. */
static void load_settings(const kyoyu_plugin *p, kyoyu_settings *set)
{
	char path[2048], err[1024] = "";
	struct stat st;

	kyoyu_settings_init(set);
	snprintf(path, sizeof(path), "%s/tests/conformance/%s-%s.cfg",
		 env_or("KYOYU_SRCDIR", KYOYU_TEST_SRCDIR), kyoyu_kind_name(p->desc.kind),
		 p->desc.name);
	if (stat(path, &st) != 0)
		return;
	if (kyoyu_config_load(path, set, err, sizeof(err)))
		fail_msg("%s", err);
	for (kyoyu_setting *s = set->first; s; s = s->next)
		if (s->type == KYOYU_VALUE_STRING && expand(&s->s))
			fail_msg("out of memory");
	print_message("# %s: settings from %s\n", p->module, path);
}

static const uint32_t all_codecs[] = {KYOYU_CODEC_VP8, KYOYU_CODEC_VP9, KYOYU_CODEC_H264,
				      KYOYU_CODEC_NONE};

/* An instance for ROLE on BUS, or NULL when init() answered SKIP. */
static kyoyu_instance *instantiate(const kyoyu_plugin *p, uint32_t role, kyoyu_bus *bus,
				   const kyoyu_clock *clock, const uint32_t *codecs)
{
	kyoyu_settings set;
	kyoyu_instance *inst = NULL;
	char err[2048] = "";

	load_settings(p, &set);
	kyoyu_host host = {.size = sizeof(host), .role = role, .bus = bus, .clock = clock,
			   .codecs = codecs};
	int ret = kyoyu_instance_new(p, &host, &set, "", &inst, err, sizeof(err));
	kyoyu_settings_clear(&set);
	if (ret == KYOYU_SKIP) {
		print_message("# %s: init() answered SKIP as %s: does not apply here\n",
			      p->module, role == KYOYU_ROLE_SHARER ? "sharer" : "viewer");
		return NULL;
	}
	if (ret != KYOYU_OK)
		fail_msg("%s: init failed as %s: %s", p->module,
			 role == KYOYU_ROLE_SHARER ? "sharer" : "viewer", err);
	return inst;
}

/* ---- stage kinds --------------------------------------------------------- */

static int run_plugin(void *ctx, kyoyu_stage *stage)
{
	kyoyu_instance *inst = ctx;
	return inst->plugin->ops.stage.run(inst->priv, stage);
}

static void post_state(kyoyu_bus *bus, uint32_t role, uint32_t state, uint32_t reason)
{
	kyoyu_msg msg = kyoyu_msg_make(KYOYU_MSG_STATE);

	msg.u.state = (kyoyu_state_info){.state = state, .reason = reason, .role = role,
					 .now_us = kyoyu_now_us()};
	kyoyu_bus_post(bus, &msg);
}

static void stage_life_cycle(const kyoyu_plugin *p, uint32_t role)
{
	const char *role_name = role == KYOYU_ROLE_SHARER ? "sharer" : "viewer";
	kyoyu_bus *bus = kyoyu_bus_new();
	kyoyu_clock *clock = kyoyu_clock_new(1.0);
	const uint32_t sharer_codecs[] = {KYOYU_CODEC_VP8, KYOYU_CODEC_NONE};
	/* Everything the plugin posts ends up here, and is thrown away. */
	kyoyu_inbox *sink = kyoyu_bus_subscribe(bus, "sink", ~UINT64_C(0), 0);

	kyoyu_instance *inst = instantiate(p, role, bus, clock,
					   role == KYOYU_ROLE_SHARER ? sharer_codecs : all_codecs);
	if (inst) {
		kyoyu_stage *stage = kyoyu_stage_new(bus, inst->label);
		int ret = p->ops.stage.start(inst->priv, stage);
		if (ret)
			fail_msg("%s: start() failed as %s: %s (a plugin that cannot work "
				 "here should answer KYOYU_SKIP from init)",
				 p->module, role_name, strerror(-ret));
		assert_int_equal(kyoyu_stage_start(stage, run_plugin, inst), 0);
		post_state(bus, role, KYOYU_STATE_CONNECTING, 0);
		post_state(bus, role, KYOYU_STATE_SHARING, 0);
		kyoyu_msg msg;
		for (int64_t until = kyoyu_now_us() + 300000; kyoyu_now_us() < until;)
			if (kyoyu_inbox_pop(sink, &msg, 20) == 0)
				kyoyu_msg_release(&msg);
		post_state(bus, role, KYOYU_STATE_ENDED, KYOYU_END_LEFT);
		bool returned = kyoyu_stage_wait(stage, LINGER_MS);
		kyoyu_stage_request_stop(stage);
		ret = kyoyu_stage_join(stage);
		if (p->ops.stage.stop)
			p->ops.stage.stop(inst->priv);
		kyoyu_stage_free(stage);
		kyoyu_instance_free(inst);
		if (!returned)
			fail_msg("%s: run() did not return within %d ms of the session's "
				 "end as %s", p->module, LINGER_MS, role_name);
		if (ret > 0)
			fail_msg("%s: run() returned %d, neither 0 nor a negative errno",
				 p->module, ret);
		if (ret < 0)
			print_message("# %s: run() returned %s as %s\n", p->module,
				      strerror(-ret), role_name);
	}
	kyoyu_inbox_free(sink);
	kyoyu_bus_free(bus);
	kyoyu_clock_free(clock);
}

/* ---- codecs -------------------------------------------------------------- */

#define MAX_PACKETS 64

typedef struct packets {
	kyoyu_msg msg[MAX_PACKETS];
	int n;
} packets;

static void packets_clear(packets *pk)
{
	for (int i = 0; i < pk->n; i++)
		kyoyu_msg_release(&pk->msg[i]);
	pk->n = 0;
}

static kyoyu_msg make_frame(int index)
{
	kyoyu_msg msg = kyoyu_msg_make(KYOYU_MSG_FRAME);
	size_t bytes = kyoyu_frame_layout(&msg.u.frame, KYOYU_PIXFMT_BGRX, FRAME_W, FRAME_H);
	uint8_t *px;

	msg.buf = kyoyu_buffer_new(bytes);
	px = kyoyu_buffer_data(msg.buf);
	/* A gradient with a moving bar: something for an encoder to chew. */
	for (int y = 0; y < FRAME_H; y++)
		for (int x = 0; x < FRAME_W; x++) {
			uint8_t *p = px + (size_t)y * msg.u.frame.stride[0] + (size_t)x * 4;
			bool bar = x / 8 == index;
			p[0] = bar ? 255 : (uint8_t)(x * 4);
			p[1] = bar ? 255 : (uint8_t)(y * 5);
			p[2] = (uint8_t)(128 + index * 30);
			p[3] = 0;
		}
	if (index == 0) {
		msg.u.frame.flags = KYOYU_FRAME_KEY;
		kyoyu_region_set_full(&msg.u.frame.damage, FRAME_W, FRAME_H);
	} else {
		kyoyu_region_add(&msg.u.frame.damage, (kyoyu_rect){0, 0, FRAME_W, FRAME_H});
	}
	return msg;
}

/* Takes packets until the encoder says EAGAIN (or EOF when DRAINING). */
static void receive_packets(const kyoyu_plugin *p, void *priv, packets *pk, bool draining)
{
	for (int guard = 0; guard < 1000; guard++) {
		kyoyu_msg pkt;
		memset(&pkt, 0, sizeof(pkt));
		int ret = p->ops.codec.receive_packet(priv, &pkt);
		if (ret == -EAGAIN && !draining)
			return;
		if (ret == KYOYU_EOF && draining)
			return;
		if (ret)
			fail_msg("%s: receive_packet() returned %s%s", p->module, strerror(-ret),
				 draining ? " while draining (expected a packet or KYOYU_EOF)" : "");
		if (!pkt.buf || kyoyu_buffer_size(pkt.buf) == 0)
			fail_msg("%s: receive_packet() gave a packet with no data", p->module);
		if (pk->n < MAX_PACKETS)
			pk->msg[pk->n++] = pkt;
		else
			kyoyu_msg_release(&pkt);
	}
	fail_msg("%s: receive_packet() never ran dry", p->module);
}

/* Encodes three frames of CODEC with P and fills PK. */
static void encode_with(const kyoyu_plugin *p, uint32_t codec, packets *pk)
{
	kyoyu_bus *bus = kyoyu_bus_new();
	const uint32_t codecs[] = {codec, KYOYU_CODEC_NONE};
	kyoyu_instance *inst = instantiate(p, KYOYU_ROLE_SHARER, bus, NULL, codecs);

	if (inst) {
		kyoyu_encoder_config config = {.size = sizeof(config), .codec = codec,
					       .width = FRAME_W, .height = FRAME_H, .fps = 30,
					       .bitrate_kbps = 300};
		int ret = p->ops.codec.encoder_open(inst->priv, &config);
		if (ret)
			fail_msg("%s: encoder_open(%s, %dx%d) failed: %s", p->module,
				 kyoyu_codec_name(codec), FRAME_W, FRAME_H, strerror(-ret));
		for (int i = 0; i < 3; i++) {
			kyoyu_msg frame = make_frame(i);
			ret = p->ops.codec.send_frame(inst->priv, &frame);
			if (ret == -EAGAIN) {
				int before = pk->n;
				receive_packets(p, inst->priv, pk, false);
				if (pk->n == before)
					fail_msg("%s: send_frame() and receive_packet() both "
						 "said EAGAIN", p->module);
				ret = p->ops.codec.send_frame(inst->priv, &frame);
			}
			kyoyu_msg_release(&frame);
			if (ret)
				fail_msg("%s: send_frame() failed: %s", p->module, strerror(-ret));
			receive_packets(p, inst->priv, pk, false);
		}
		assert_int_equal(p->ops.codec.send_frame(inst->priv, NULL), 0);
		receive_packets(p, inst->priv, pk, true);
		p->ops.codec.close(inst->priv);
		kyoyu_instance_free(inst);
		if (pk->n == 0)
			fail_msg("%s: three frames and a drain gave no packet", p->module);
		if (!(pk->msg[0].u.packet.flags & KYOYU_PACKET_KEYFRAME))
			fail_msg("%s: the first packet of a stream is not flagged "
				 "KYOYU_PACKET_KEYFRAME", p->module);
		for (int i = 0; i < pk->n; i++) {
			pk->msg[i].type = KYOYU_MSG_PACKET;
			pk->msg[i].u.packet.codec = codec;
		}
		print_message("# %s: %s encoded into %d packets\n", p->module,
			      kyoyu_codec_name(codec), pk->n);
	}
	kyoyu_bus_free(bus);
}

static int receive_frames(const kyoyu_plugin *p, void *priv, bool draining)
{
	int frames = 0;

	for (int guard = 0; guard < 1000; guard++) {
		kyoyu_msg frame;
		memset(&frame, 0, sizeof(frame));
		int ret = p->ops.codec.receive_frame(priv, &frame);
		if ((ret == -EAGAIN && !draining) || (ret == KYOYU_EOF && draining))
			return frames;
		if (ret)
			fail_msg("%s: receive_frame() returned %s", p->module, strerror(-ret));
		if (!frame.buf || frame.u.frame.width != FRAME_W ||
		    frame.u.frame.height != FRAME_H)
			fail_msg("%s: decoded a %ux%u picture (with%s data), expected %dx%d",
				 p->module, frame.u.frame.width, frame.u.frame.height,
				 frame.buf ? "" : "out", FRAME_W, FRAME_H);
		kyoyu_msg_release(&frame);
		frames++;
	}
	fail_msg("%s: receive_frame() never ran dry", p->module);
	return frames;
}

static void decode_with(const kyoyu_plugin *p, uint32_t codec, const packets *pk)
{
	kyoyu_bus *bus = kyoyu_bus_new();
	kyoyu_instance *inst = instantiate(p, KYOYU_ROLE_VIEWER, bus, NULL, all_codecs);
	int frames = 0;

	if (inst) {
		int ret = p->ops.codec.decoder_open(inst->priv, codec);
		if (ret)
			fail_msg("%s: decoder_open(%s) failed: %s", p->module,
				 kyoyu_codec_name(codec), strerror(-ret));
		for (int i = 0; i < pk->n; i++) {
			ret = p->ops.codec.send_packet(inst->priv, &pk->msg[i]);
			if (ret == -EAGAIN) {
				frames += receive_frames(p, inst->priv, false);
				ret = p->ops.codec.send_packet(inst->priv, &pk->msg[i]);
			}
			if (ret)
				fail_msg("%s: send_packet() failed on packet %d: %s", p->module,
					 i, strerror(-ret));
			frames += receive_frames(p, inst->priv, false);
		}
		assert_int_equal(p->ops.codec.send_packet(inst->priv, NULL), 0);
		frames += receive_frames(p, inst->priv, true);
		p->ops.codec.close(inst->priv);
		kyoyu_instance_free(inst);
		if (pk->n && frames == 0)
			fail_msg("%s: %d %s packets decoded into no picture", p->module, pk->n,
				 kyoyu_codec_name(codec));
		print_message("# %s: decoded %d %s pictures\n", p->module, frames,
			      kyoyu_codec_name(codec));
	}
	kyoyu_bus_free(bus);
}

static bool listed(const uint32_t *list, uint32_t codec)
{
	for (; list && *list; list++)
		if (*list == codec)
			return true;
	return false;
}

/* Another loaded plugin that encodes CODEC, to feed a decoder-only one. */
static const kyoyu_plugin *encoder_for(uint32_t codec)
{
	kyoyu_plugin *lists[] = {loader.preloaded, loader.loaded};
	for (size_t i = 0; i < 2; i++)
		for (kyoyu_plugin *p = lists[i]; p; p = p->next)
			if (p->desc.kind == KYOYU_KIND_CODEC && listed(p->ops.codec.encodes, codec))
				return p;
	return NULL;
}

static void codec_life_cycle(const kyoyu_plugin *p)
{
	for (const uint32_t *c = all_codecs; *c; c++) {
		bool enc = listed(p->ops.codec.encodes, *c);
		bool dec = listed(p->ops.codec.decodes, *c);
		packets pk = {.n = 0};
		if (!enc && !dec)
			continue;
		const kyoyu_plugin *source = enc ? p : encoder_for(*c);
		if (source)
			encode_with(source, *c, &pk);
		else
			print_message("# %s: no built plugin encodes %s; decoder opened and "
				      "drained only\n", p->module, kyoyu_codec_name(*c));
		if (dec)
			decode_with(p, *c, &pk);
		packets_clear(&pk);
	}
}

/* ---- policy -------------------------------------------------------------- */

static void policy_life_cycle(const kyoyu_plugin *p)
{
	kyoyu_bus *bus = kyoyu_bus_new();
	kyoyu_clock *clock = kyoyu_clock_new_manual(1000000000);
	static const uint32_t path[] = {KYOYU_STATE_CONNECTING, KYOYU_STATE_AWAITING_CONSENT,
					KYOYU_STATE_SHARING, KYOYU_STATE_PAUSED,
					KYOYU_STATE_SHARING, KYOYU_STATE_ENDED};

	for (uint32_t role = KYOYU_ROLE_SHARER; role <= KYOYU_ROLE_VIEWER; role++) {
		kyoyu_instance *inst = instantiate(p, role, bus, clock, all_codecs);
		if (!inst)
			continue;
		kyoyu_session_view view = {.size = sizeof(view), .role = role,
					   .state = KYOYU_STATE_IDLE};
		for (size_t i = 0; i < sizeof(path) / sizeof(path[0]); i++) {
			int ret = p->ops.policy.allow(inst->priv, &view, path[i], KYOYU_END_LEFT);
			if (ret != 0 && ret != -EPERM)
				fail_msg("%s: allow() returned %d, neither 0 nor -EPERM",
					 p->module, ret);
			/* Ending must always be possible. */
			if (path[i] == KYOYU_STATE_ENDED && ret != 0)
				fail_msg("%s: allow() refused to end the session", p->module);
			if (ret == 0)
				view.state = path[i];
			if (view.state == KYOYU_STATE_AWAITING_CONSENT)
				view.connected_us = view.last_activity_us = view.now_us;
			for (int t = 0; t < 8 && view.state != KYOYU_STATE_ENDED; t++) {
				kyoyu_policy_verdict verdict = {0};
				kyoyu_clock_advance(clock, 250000);
				view.now_us = kyoyu_clock_now(clock);
				p->ops.policy.tick(inst->priv, &view, &verdict);
				if (verdict.action > KYOYU_POLICY_END)
					fail_msg("%s: tick() gave unknown action %u", p->module,
						 verdict.action);
			}
		}
		kyoyu_instance_free(inst);
	}
	kyoyu_bus_free(bus);
	kyoyu_clock_free(clock);
}

/* ---- the test of one plugin ------------------------------------------------ */

static void test_plugin_life_cycle(void **state)
{
	const subject *s = *state;
	const kyoyu_plugin *p = s->plugin;

	if (!p)
		fail_msg("%s was built but the loader refuses it: %s", s->path, s->why);
	/* describe: the loader checked the descriptor; its copy is complete. */
	assert_non_null(p->desc.init);
	switch (p->desc.kind) {
	case KYOYU_KIND_CODEC:
		codec_life_cycle(p);
		break;
	case KYOYU_KIND_POLICY:
		policy_life_cycle(p);
		break;
	default:
		stage_life_cycle(p, KYOYU_ROLE_SHARER);
		stage_life_cycle(p, KYOYU_ROLE_VIEWER);
		break;
	}
}

#define MAX_SUBJECTS 64

static subject subjects[MAX_SUBJECTS];
static size_t n_subjects;

static void collect(void *ctx, const char *path, const kyoyu_plugin *plugin, const char *why)
{
	(void)ctx;
	if (n_subjects == MAX_SUBJECTS)
		return;
	subject *s = &subjects[n_subjects++];
	s->plugin = plugin;
	snprintf(s->path, sizeof(s->path), "%s", path);
	snprintf(s->why, sizeof(s->why), "%s", why ? why : "");
	if (plugin)
		snprintf(s->name, sizeof(s->name), "%s/%s%s", kyoyu_kind_name(plugin->desc.kind),
			 plugin->desc.name, strcmp(path, "(linked in)") ? "" : " (linked in)");
	else
		snprintf(s->name, sizeof(s->name), "%s", path);
}

/* Runs one plugin's test in a child process, so a crash, a hang or a
 * sanitizer report (leaks are checked when the child exits) is charged to
 * that plugin and the others still run.  The child's own cmocka report goes
 * to stderr, the log; this process prints the TAP line. */
static bool run_isolated(subject *s)
{
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid < 0) {
		fprintf(stderr, "fork: %s\n", strerror(errno));
		return false;
	}
	if (pid == 0) {
		dup2(STDERR_FILENO, STDOUT_FILENO);
		alarm(CHILD_TIMEOUT_S);
		struct CMUnitTest test = {s->name, test_plugin_life_cycle, NULL, NULL, s};
		int failed = _cmocka_run_group_tests(s->name, &test, 1, NULL, NULL);
		kyoyu_loader_fini(&loader);
		exit(failed ? 1 : 0);
	}
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return true;
	if (WIFSIGNALED(status))
		fprintf(stderr, "# %s: the test process died of signal %d (%s); a crash, "
			"a sanitizer report or a hang past %d s: see above\n", s->name,
			WTERMSIG(status), strsignal(WTERMSIG(status)), CHILD_TIMEOUT_S);
	else
		fprintf(stderr, "# %s: the test process exited with status %d (a failed "
			"check, or 23 for a sanitizer report): see above\n", s->name,
			WEXITSTATUS(status));
	return false;
}

int main(void)
{
	char *dirs[] = {KYOYU_BUILD_PLUGIN_DIR, NULL};

	/* Without a display in the environment the run is headless, and
	 * stays so: some libraries (SDL) fall back to ":0", which on a shared
	 * machine may be another test's Xvfb.  An empty DISPLAY opens nothing. */
	if (!getenv("DISPLAY") && !getenv("WAYLAND_DISPLAY"))
		setenv("DISPLAY", "", 1);
	if (kyoyu_loader_init(&loader, dirs)) {
		fprintf(stderr, "cannot start the plugin loader\n");
		return 1;
	}
	kyoyu_loader_scan(&loader, collect, NULL);
	if (n_subjects == 0) {
		/* policy/default and capture/testsrc have no dependency: an
		 * empty build tree means the test looks in the wrong place. */
		fprintf(stderr, "no plugin found in %s\n", KYOYU_BUILD_PLUGIN_DIR);
		return 1;
	}
	/* KYOYU_CONFORMANCE_ONLY=codec/vpx,ui/sdl runs only those, for a
	 * plugin author at work. */
	const char *only = getenv("KYOYU_CONFORMANCE_ONLY");
	subject *chosen[MAX_SUBJECTS];
	size_t n = 0;
	for (size_t i = 0; i < n_subjects; i++) {
		const char *name = subjects[i].name;
		const char *at = only ? strstr(only, name) : NULL;
		size_t len = strcspn(name, " ");
		if (!only || (at && (!at[len] || at[len] == ',')))
			chosen[n++] = &subjects[i];
	}
	printf("1..%zu\n", n);
	int failed = 0;
	for (size_t i = 0; i < n; i++) {
		bool ok = run_isolated(chosen[i]);
		printf("%sok %zu - %s\n", ok ? "" : "not ", i + 1, chosen[i]->name);
		failed += !ok;
	}
	kyoyu_loader_fini(&loader);
	return failed ? 1 : 0;
}
