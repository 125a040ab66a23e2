/* transport/record on its own stage thread, fed real encoded packets over
 * a real bus, its files read back by ffprobe: every frame, the capture
 * timestamps (a pause leaves a gap, not frames), each codec in each
 * container, a size change mid-stream, the wait for a keyframe. */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "bus-priv.h"
#include "codec-harness.h"
#include "plugins/capture/testsrc/testsrc-scene.h"
#include "stage-priv.h"

#define MAX_FRAMES 64

/* The record plugin running as a stage on its own bus. */
typedef struct recorder {
	kyoyu_loader loader;
	kyoyu_settings settings;
	kyoyu_bus *bus;
	kyoyu_host host;
	uint32_t codecs[2];
	kyoyu_instance *inst;
	kyoyu_stage *stage;
} recorder;

/* What ffprobe read back. */
typedef struct probed {
	int frames;
	double pts[MAX_FRAMES + 8];
	unsigned width[MAX_FRAMES + 8], height[MAX_FRAMES + 8];
} probed;

static char dir[] = "/tmp/kyoyu-record-XXXXXX";

static int run_stage(void *ctx, kyoyu_stage *stage)
{
	kyoyu_instance *inst = ctx;
	return inst->plugin->ops.stage.run(inst->priv, stage);
}

static void recorder_start(recorder *r, const char *path)
{
	char *const dirs[] = {(char *)KYOYU_BUILD_PLUGIN_DIR, NULL};
	char err[1024] = "", arg[600];
	kyoyu_plugin *plugin;

	memset(r, 0, sizeof(*r));
	assert_int_equal(kyoyu_loader_init(&r->loader, dirs), 0);
	if (kyoyu_loader_find(&r->loader, KYOYU_KIND_TRANSPORT, "record", &plugin, err,
			      sizeof(err)))
		fail_msg("cannot load transport/record: %s", err);
	kyoyu_settings_init(&r->settings);
	snprintf(arg, sizeof(arg), "transport.path=%s", path);
	assert_int_equal(kyoyu_settings_put_arg(&r->settings, arg, err, sizeof(err)), 0);
	r->bus = kyoyu_bus_new();
	assert_non_null(r->bus);
	r->codecs[0] = KYOYU_CODEC_VP9;
	r->host = (kyoyu_host){.size = sizeof(kyoyu_host), .role = KYOYU_ROLE_VIEWER,
			       .bus = r->bus, .codecs = r->codecs};
	if (kyoyu_instance_new(plugin, &r->host, &r->settings, "transport", &r->inst, err,
			       sizeof(err)) != KYOYU_OK)
		fail_msg("cannot start transport/record: %s", err);
	r->stage = kyoyu_stage_new(r->bus, "transport/record");
	assert_non_null(r->stage);
	assert_int_equal(plugin->ops.stage.start(r->inst->priv, r->stage), 0);
	assert_int_equal(kyoyu_stage_start(r->stage, run_stage, r->inst), 0);
}

/* Ends the session; the recorder must finish its file and return. */
static void recorder_finish(recorder *r)
{
	kyoyu_msg *end = kyoyu_msg_new(KYOYU_MSG_STATE);

	assert_non_null(end);
	end->u.state.state = KYOYU_STATE_ENDED;
	end->u.state.reason = KYOYU_END_LEFT;
	kyoyu_bus_post(r->bus, end);
	assert_true(kyoyu_stage_wait(r->stage, 5000));
	assert_int_equal(kyoyu_stage_join(r->stage), 0);
	if (r->inst->plugin->ops.stage.stop)
		r->inst->plugin->ops.stage.stop(r->inst->priv);
	kyoyu_stage_free(r->stage);
	kyoyu_instance_free(r->inst);
	kyoyu_bus_free(r->bus);
	kyoyu_settings_clear(&r->settings);
	kyoyu_loader_fini(&r->loader);
}

/* Waits until the recorder has taken everything posted to it: its inbox
 * hands out control messages first, so the end of the session posted while
 * packets wait would overtake them.  The test thread asks for the inbox's
 * descriptor, which only tells whether something waits. */
static void wait_taken(recorder *r)
{
	struct pollfd waiting = {kyoyu_inbox_fd(kyoyu_stage_inbox(r->stage)), POLLIN, 0};

	assert_true(waiting.fd >= 0);
	for (int64_t until = kyoyu_now_us() + 10000000; kyoyu_now_us() < until;) {
		if (poll(&waiting, 1, 0) == 0)
			return;
		usleep(1000);
	}
	fail_msg("the recorder took nothing for 10 s");
}

/* Posts a copy of PKT (its bytes shared) with its capture time set to
 * TIME_US and FLAGS added; PKT stays the caller's, as it was. */
static void post(recorder *r, const kyoyu_msg *pkt, int64_t time_us, uint32_t flags)
{
	kyoyu_msg *copy = kyoyu_msg_copy(pkt);

	assert_non_null(copy);
	copy->u.packet.capture_us = time_us;
	copy->time_us = time_us;
	copy->u.packet.flags |= flags;
	assert_int_equal(kyoyu_bus_post(r->bus, copy), 0);
	wait_taken(r);
}

/* Encodes the scene at W × H: a keyframe then COUNT-1 changed frames, whose
 * packets go to OUT (released with release_all). */
static size_t encode_run(codec_harness *h, uint32_t w, uint32_t hgt, int count,
			 kyoyu_msg **out)
{
	testsrc_scene scene;
	kyoyu_region damage;
	packet_list pk;
	size_t n = 0;

	assert_int_equal(testsrc_scene_init(&scene, w, hgt, 30, TESTSRC_FULL), 0);
	h->enc->plugin->ops.codec.close(h->enc->priv);
	assert_int_equal(harness_encoder_open(h, w, hgt, 800), 0);
	for (int i = 0; i < count; i++) {
		kyoyu_region_clear(&damage);
		testsrc_scene_advance(&scene, (uint64_t)i + 1, &damage);
		kyoyu_msg *frame = harness_frame(scene.canvas, w, hgt, i ? &damage : NULL,
						 i ? 0 : KYOYU_FRAME_KEY, 1000000 + i * 33333);
		assert_int_equal(harness_encode(h, frame, &pk), 0);
		kyoyu_msg_unref(frame);
		assert_int_equal(pk.n, 1);
		out[n++] = pk.msg[0];
	}
	testsrc_scene_fini(&scene);
	return n;
}

static void release_all(kyoyu_msg **packets, size_t n)
{
	for (size_t i = 0; i < n; i++)
		kyoyu_msg_unref(packets[i]);
}

static void probe(const char *path, probed *p)
{
	char cmd[700], line[256];

	memset(p, 0, sizeof(*p));
	snprintf(cmd, sizeof(cmd), "ffprobe -v error -select_streams v:0 -show_entries "
		 "frame=pts_time,width,height -of csv=p=0 '%s' 2>&1", path);
	FILE *fp = popen(cmd, "r");
	assert_non_null(fp);
	while (fgets(line, sizeof(line), fp)) {
		double pts;
		unsigned w, h;
		if (line[strspn(line, " \r\n")] == '\0')
			continue; /* an empty side-data section (H.264 SEI) */
		/* The field order follows ffprobe's frame section. */
		/* A raw stream has no timestamps: "N/A". */
		if (strncmp(line, "N/A,", 4) == 0 && sscanf(line + 4, "%u,%u", &w, &h) == 2)
			pts = -1;
		else if (sscanf(line, "%lf,%u,%u", &pts, &w, &h) != 3)
			pts = -2;
		if (pts == -2 || p->frames >= MAX_FRAMES + 8) {
			pclose(fp);
			fail_msg("ffprobe on %s said: %s", path, line);
		}
		p->pts[p->frames] = pts;
		p->width[p->frames] = w;
		p->height[p->frames] = h;
		p->frames++;
	}
	assert_int_equal(pclose(fp), 0);
}

static bool have_ffprobe(void)
{
	return system("ffprobe -version >/dev/null 2>&1") == 0;
}

/* ---- tests ------------------------------------------------------------ */

static void record_codec(uint32_t codec, const char *enc, const char *dec,
			 const char *const *exts)
{
	codec_harness h;
	kyoyu_msg *packets[MAX_FRAMES];

	if (!have_ffprobe())
		skip();
	if (!harness_open(&h, codec, enc, dec, NULL)) {
		harness_close(&h);
		skip();
	}
	/* Two runs of six, each opening with a keyframe: the second is the
	 * encoder restarting after a pause. */
	size_t n = encode_run(&h, 320, 240, 6, packets);
	n += encode_run(&h, 320, 240, 6, packets + n);
	for (const char *const *ext = exts; *ext; ext++) {
		char path[512];
		recorder r;
		probed p;
		snprintf(path, sizeof(path), "%s/stream.%s", dir, *ext);
		recorder_start(&r, path);
		/* Six frames, a pause of 5 s (the bus carries nothing), six more. */
		for (size_t i = 0; i < n; i++)
			post(&r, packets[i], 1000000 + (int64_t)i * 33333 + (i >= 6 ? 5000000 : 0),
			     0);
		recorder_finish(&r);
		probe(path, &p);
		print_message("%s: %d frames, the last at %.3f s\n", path, p.frames,
			      p.frames ? p.pts[p.frames - 1] : -1.0);
		if (strcmp(*ext, "h264") == 0) {
			/* A raw stream has no timestamps of its own. */
			assert_int_equal(p.frames, (int)n);
			unlink(path);
			continue;
		}
		assert_int_equal(p.frames, (int)n);
		for (int i = 0; i < p.frames; i++) {
			double want = (i * 33333 + (i >= 6 ? 5000000 : 0)) / 1e6;
			if (p.pts[i] < want - 0.0015 || p.pts[i] > want + 0.0015)
				fail_msg("%s frame %d at %.3f s, expected %.3f s", path, i,
					 p.pts[i], want);
			assert_int_equal(p.width[i], 320);
			assert_int_equal(p.height[i], 240);
		}
		unlink(path);
	}
	release_all(packets, n);
	harness_close(&h);
}

static void test_vp8_every_frame_and_timestamp(void **state)
{
	static const char *const exts[] = {"webm", "mkv", "ivf", NULL};
	record_codec(KYOYU_CODEC_VP8, "vpx", NULL, exts);
}

static void test_vp9_every_frame_and_timestamp(void **state)
{
	static const char *const exts[] = {"webm", "mkv", "ivf", NULL};
	record_codec(KYOYU_CODEC_VP9, "vpx", NULL, exts);
}

static void test_h264_every_frame_and_timestamp(void **state)
{
	static const char *const exts[] = {"mkv", "mp4", "h264", NULL};
	record_codec(KYOYU_CODEC_H264, "x264", NULL, exts);
}

/* Posts a run at 320x240 then one at 400x300 (the encoder reopened, as
 * the core does on a size change). */
static void record_size_change(uint32_t codec, const char *enc, const char *path)
{
	codec_harness h;
	kyoyu_msg *packets[MAX_FRAMES];
	recorder r;

	assert_true(harness_open(&h, codec, enc, NULL, NULL));
	size_t n = encode_run(&h, 320, 240, 5, packets);
	n += encode_run(&h, 400, 300, 5, packets + n);
	recorder_start(&r, path);
	for (size_t i = 0; i < n; i++)
		post(&r, packets[i], 1000000 + (int64_t)i * 40000, 0);
	recorder_finish(&r);
	release_all(packets, n);
	harness_close(&h);
}

static void test_size_change_continues_webm(void **state)
{
	char path[512];
	probed p;

	if (!have_ffprobe())
		skip();
	snprintf(path, sizeof(path), "%s/resize.webm", dir);
	record_size_change(KYOYU_CODEC_VP8, "vpx", path);
	probe(path, &p);
	assert_int_equal(p.frames, 10);
	assert_int_equal(p.width[4], 320);
	assert_int_equal(p.width[5], 400);
	assert_int_equal(p.height[9], 300);
	unlink(path);
}

static void test_size_change_starts_a_new_mp4(void **state)
{
	char path[512], second[512];
	probed p;

	if (!have_ffprobe())
		skip();
	snprintf(path, sizeof(path), "%s/resize.mp4", dir);
	snprintf(second, sizeof(second), "%s/resize-2.mp4", dir);
	record_size_change(KYOYU_CODEC_H264, "x264", path);
	probe(path, &p);
	assert_int_equal(p.frames, 5);
	assert_int_equal(p.width[0], 320);
	probe(second, &p);
	assert_int_equal(p.frames, 5);
	assert_int_equal(p.width[0], 400);
	assert_true(p.pts[0] < 0.001); /* each file starts at zero */
	unlink(path);
	unlink(second);
}

static void test_waits_for_a_keyframe_after_a_loss(void **state)
{
	codec_harness h;
	kyoyu_msg *packets[MAX_FRAMES];
	recorder r;
	char path[512];
	probed p;

	if (!have_ffprobe())
		skip();
	assert_true(harness_open(&h, KYOYU_CODEC_VP9, "vpx", NULL, NULL));
	size_t n = encode_run(&h, 320, 240, 4, packets);
	n += encode_run(&h, 320, 240, 4, packets + n);
	snprintf(path, sizeof(path), "%s/loss.webm", dir);
	recorder_start(&r, path);
	/* Not a keyframe: nothing to start the file with. */
	post(&r, packets[5], 900000, 0);
	for (size_t i = 0; i < 3; i++)
		post(&r, packets[i], 1000000 + (int64_t)i * 40000, 0);
	/* The one before this was lost on the way: wait for a keyframe. */
	post(&r, packets[3], 1120000, KYOYU_PACKET_DISCONT);
	for (size_t i = 4; i < n; i++)
		post(&r, packets[i], 1160000 + (int64_t)(i - 4) * 40000, 0);
	recorder_finish(&r);
	release_all(packets, n);
	harness_close(&h);
	probe(path, &p);
	/* The first run up to the loss, then the whole second run. */
	assert_int_equal(p.frames, 7);
	unlink(path);
}

static int make_dir(void **state)
{
	return mkdtemp(dir) ? 0 : -1;
}

static int remove_dir(void **state)
{
	return rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vp8_every_frame_and_timestamp),
		cmocka_unit_test(test_vp9_every_frame_and_timestamp),
		cmocka_unit_test(test_h264_every_frame_and_timestamp),
		cmocka_unit_test(test_size_change_continues_webm),
		cmocka_unit_test(test_size_change_starts_a_new_mp4),
		cmocka_unit_test(test_waits_for_a_keyframe_after_a_loss),
	};
	return cmocka_run_group_tests_name("transport/record", tests, make_dir, remove_dir);
}
