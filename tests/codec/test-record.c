/* SPDX-License-Identifier: MIT */
/* transport/record on its own stage thread, fed real encoded packets over
 * a real bus, its files read back by ffprobe: every frame, the capture
 * timestamps (a pause leaves a gap, not frames), each codec in each
 * container, a size change mid-stream, the wait for a keyframe; and what a
 * recording process killed with SIGKILL leaves readable (at most the last
 * second lost). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
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
	/* The full-disk test's tmpfs holds 64 KiB. */
	assert_int_equal(kyoyu_settings_put_arg(&r->settings, "transport.min_free_mb=0", err,
						sizeof(err)), 0);
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

/* ---- a crash mid-recording ---------------------------------------------- */

#define CRASH_FPS 15

/* The child process (this program run with --record-until-killed): records
 * CODEC to PATH through the plugin, a picture encoded and posted every
 * 1/CRASH_FPS s of real time for ACTIVE_MS, then nothing (a still
 * screen), writing each packet's capture time to descriptor 3 once posted,
 * until it is killed. */
static int record_until_killed(uint32_t codec, const char *enc, const char *path,
			       int64_t active_ms)
{
	const uint32_t w = 320, hgt = 240;
	testsrc_scene scene;
	kyoyu_region damage;
	codec_harness h;
	packet_list pk;
	recorder r;

	if (!harness_open(&h, codec, enc, NULL, NULL) ||
	    harness_encoder_open(&h, w, hgt, 800) != 0 ||
	    testsrc_scene_init(&scene, w, hgt, CRASH_FPS, TESTSRC_FULL) != 0)
		return 1;
	recorder_start(&r, path);
	int64_t start = kyoyu_now_us();
	for (uint64_t i = 0; kyoyu_now_us() - start < active_ms * 1000; i++) {
		int64_t due = start + (int64_t)i * 1000000 / CRASH_FPS;
		if (due > kyoyu_now_us())
			usleep((useconds_t)(due - kyoyu_now_us()));
		kyoyu_region_clear(&damage);
		testsrc_scene_advance(&scene, i + 1, &damage);
		int64_t now = kyoyu_now_us();
		kyoyu_msg *frame = harness_frame(scene.canvas, w, hgt, i ? &damage : NULL,
						 i ? 0 : KYOYU_FRAME_KEY, now);
		if (!frame || harness_encode(&h, frame, &pk) != 0)
			return 1;
		kyoyu_msg_unref(frame);
		for (size_t k = 0; k < pk.n; k++) {
			pk.msg[k]->u.packet.capture_us = now;
			pk.msg[k]->time_us = now;
			if (kyoyu_bus_post(r.bus, pk.msg[k]) != 0)
				return 1;
			if (write(3, &now, sizeof(now)) != sizeof(now))
				return 1;
		}
	}
	for (;;)
		pause();
}

/* What a killed recording left: frames ffprobe decodes, and the time of the
 * last (seconds from the first). */
static void probe_count(const char *path, int *frames, double *last)
{
	char cmd[700], line[256];

	*frames = 0;
	*last = -1;
	snprintf(cmd, sizeof(cmd), "ffprobe -v error -select_streams v:0 -show_entries "
		 "frame=pts_time -of csv=p=0 '%s' 2>/dev/null", path);
	FILE *fp = popen(cmd, "r");
	assert_non_null(fp);
	while (fgets(line, sizeof(line), fp)) {
		if (line[strspn(line, " \r\n")] == '\0')
			continue;
		++*frames;
		if (strncmp(line, "N/A", 3) != 0)
			*last = atof(line);
	}
	pclose(fp);
}

/* Five pictures, a still screen until the recorder has written the last of
 * them early (nothing came to give it its duration), five more: every
 * picture keeps its capture time. */
static void record_still_screen(uint32_t codec, const char *enc, const char *ext)
{
	codec_harness h;
	kyoyu_msg *packets[MAX_FRAMES];
	int64_t times[10];
	char path[512];
	recorder r;
	probed p;

	if (!have_ffprobe())
		skip();
	if (!harness_open(&h, codec, enc, NULL, NULL)) {
		harness_close(&h);
		skip();
	}
	size_t n = encode_run(&h, 320, 240, 10, packets);
	snprintf(path, sizeof(path), "%s/still.%s", dir, ext);
	recorder_start(&r, path);
	for (size_t i = 0; i < n; i++) {
		/* Two pictures within the file's millisecond tick would be kept
		 * in order one tick apart, not at their own times. */
		usleep(3000);
		times[i] = kyoyu_now_us();
		post(&r, packets[i], times[i], 0);
		if (i != 4)
			continue;
		int64_t give_up = kyoyu_now_us() + 10000000;
		int frames;
		double last;
		do {
			usleep(50000);
			probe_count(path, &frames, &last);
		} while (frames < 5 && kyoyu_now_us() < give_up);
		assert_int_equal(frames, 5);
	}
	recorder_finish(&r);
	release_all(packets, n);
	harness_close(&h);
	probe(path, &p);
	assert_int_equal(p.frames, (int)n);
	for (int i = 0; i < p.frames; i++) {
		double want = (double)(times[i] - times[0]) / 1e6;
		if (p.pts[i] < want - 0.0015 || p.pts[i] > want + 0.0015)
			fail_msg("%s picture %d at %.3f s, expected %.3f s", path, i, p.pts[i],
				 want);
	}
	unlink(path);
}

static void test_still_screen_keeps_every_picture_time_webm(void **state)
{
	(void)state;
	record_still_screen(KYOYU_CODEC_VP9, "vpx", "webm");
}

static void test_still_screen_keeps_every_picture_time_mp4(void **state)
{
	(void)state;
	record_still_screen(KYOYU_CODEC_H264, "x264", "mp4");
}

/* A recording child process, killed with SIGKILL mid-recording. */
typedef struct crash {
	uint32_t codec;
	const char *enc, *ext;
	int active_ms, kill_ms; /* pictures flow for ACTIVE_MS; the kill comes
				   KILL_MS after the first */
	char path[512];
	pid_t child;
	int fd; /* its reports; -1 once read to the end */
	int64_t posted[1024]; /* capture times of the packets it posted */
	size_t n;
	int64_t kill_at, killed_us;
} crash;

static void crash_start(crash *c)
{
	char codec_arg[16], active_arg[16];
	int fds[2];

	snprintf(c->path, sizeof(c->path), "%s/crash-%d.%s", dir, c->active_ms, c->ext);
	snprintf(codec_arg, sizeof(codec_arg), "%u", c->codec);
	snprintf(active_arg, sizeof(active_arg), "%d", c->active_ms);
	assert_int_equal(pipe(fds), 0);
	c->child = fork();
	assert_true(c->child >= 0);
	if (c->child == 0) {
		dup2(fds[1], 3);
		execl("/proc/self/exe", "test-record", "--record-until-killed", codec_arg,
		      c->enc, c->path, active_arg, (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	c->fd = fds[0];
	c->n = 0;
	c->kill_at = c->killed_us = 0;
}

/* Reads what C reported; kills it when its time has come. */
static void crash_poll(crash *c)
{
	if (c->fd >= 0) {
		int64_t t;
		ssize_t got = read(c->fd, &t, sizeof(t));
		if (got == sizeof(t) && c->n < sizeof(c->posted) / sizeof(c->posted[0])) {
			if (c->n == 0)
				c->kill_at = t + (int64_t)c->kill_ms * 1000;
			c->posted[c->n++] = t;
		} else if (got == 0 || (got < 0 && errno != EAGAIN)) {
			close(c->fd);
			c->fd = -1;
		}
	}
	if (!c->killed_us && c->kill_at && kyoyu_now_us() >= c->kill_at) {
		kill(c->child, SIGKILL);
		c->killed_us = kyoyu_now_us();
	}
}

/* Every picture posted a second or more before the kill must be readable;
 * prints how much video the kill cost. */
static void crash_check(crash *c)
{
	int status, frames;
	double last;

	waitpid(c->child, &status, 0);
	if (!WIFSIGNALED(status) || c->n == 0)
		fail_msg("%s: the recording child ended on its own (status %d) after %zu "
			 "packets", c->path, status, c->n);
	probe_count(c->path, &frames, &last);
	size_t owed = 0; /* posted at least a second before the kill */
	while (owed < c->n && c->posted[owed] <= c->killed_us - 1000000)
		owed++;
	/* Raw H.264 has no timestamps: the pictures are counted instead. */
	bool raw = last < 0 && frames > 0;
	double owed_last = owed ? (double)(c->posted[owed - 1] - c->posted[0]) / 1e6 : 0;
	double readable_last = raw ? (double)(c->posted[frames - 1] - c->posted[0]) / 1e6
				   : last;
	double posted_last = (double)(c->posted[c->n - 1] - c->posted[0]) / 1e6;
	double lost = frames ? posted_last - readable_last : posted_last;
	print_message("%s: killed %.2f s after the first picture, %.2f s after the last; "
		      "%d of %zu pictures readable: %.2f s of video lost\n", c->path,
		      (double)(c->killed_us - c->posted[0]) / 1e6,
		      (double)(c->killed_us - c->posted[c->n - 1]) / 1e6, frames, c->n,
		      lost > 0 ? lost : 0.0);
	if (frames < (int)owed)
		fail_msg("%s: %d pictures readable, %zu were posted a second or more before "
			 "the kill", c->path, frames, owed);
	if (owed && readable_last < owed_last - 0.002)
		fail_msg("%s: the last readable picture is at %.3f s, the last owed at %.3f s",
			 c->path, readable_last, owed_last);
	unlink(c->path);
}

/* Runs the N cases at once, each killed at its time, then checks them. */
static void crash_run(crash *cases, size_t n)
{
	codec_harness h;
	size_t started = 0;

	for (size_t i = 0; i < n; i++) {
		bool built = harness_open(&h, cases[i].codec, cases[i].enc, NULL, NULL);
		harness_close(&h);
		if (built) {
			crash_start(&cases[i]);
			fcntl(cases[i].fd, F_SETFL, O_NONBLOCK);
			started++;
		} else {
			cases[i].child = 0;
		}
	}
	if (!started)
		skip();
	int64_t give_up = kyoyu_now_us() + 60000000;
	for (bool waiting = true; waiting && kyoyu_now_us() < give_up;) {
		waiting = false;
		for (size_t i = 0; i < n; i++) {
			if (!cases[i].child)
				continue;
			crash_poll(&cases[i]);
			waiting |= !cases[i].killed_us;
		}
		usleep(2000);
	}
	for (size_t i = 0; i < n; i++) {
		if (!cases[i].child)
			continue;
		if (!cases[i].killed_us) {
			kill(cases[i].child, SIGKILL);
			cases[i].killed_us = kyoyu_now_us();
		}
		/* What was posted before the kill and not read yet. */
		fcntl(cases[i].fd, F_SETFL, 0);
		while (cases[i].fd >= 0)
			crash_poll(&cases[i]);
	}
	for (size_t i = 0; i < n; i++)
		if (cases[i].child)
			crash_check(&cases[i]);
}

static void test_kill_9_loses_at_most_a_second(void **state)
{
	/* Pictures flowing up to the kill, in every container. */
	crash cases[] = {
		{.codec = KYOYU_CODEC_VP9, .enc = "vpx", .ext = "webm"},
		{.codec = KYOYU_CODEC_H264, .enc = "x264", .ext = "mkv"},
		{.codec = KYOYU_CODEC_H264, .enc = "x264", .ext = "mp4"},
		{.codec = KYOYU_CODEC_VP8, .enc = "vpx", .ext = "ivf"},
		{.codec = KYOYU_CODEC_H264, .enc = "x264", .ext = "h264"},
	};

	(void)state;
	if (!have_ffprobe())
		skip();
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cases[i].active_ms = 60000;
		cases[i].kill_ms = 2500;
	}
	crash_run(cases, sizeof(cases) / sizeof(cases[0]));
}

static void test_kill_9_keeps_the_last_picture_of_a_still_screen(void **state)
{
	/* A second of pictures, then a still screen: nothing comes after the
	 * last picture to push it out of the muxer. */
	crash cases[] = {
		{.codec = KYOYU_CODEC_VP9, .enc = "vpx", .ext = "webm"},
		{.codec = KYOYU_CODEC_VP9, .enc = "vpx", .ext = "mkv"},
		{.codec = KYOYU_CODEC_H264, .enc = "x264", .ext = "mp4"},
		{.codec = KYOYU_CODEC_VP8, .enc = "vpx", .ext = "ivf"},
	};

	(void)state;
	if (!have_ffprobe())
		skip();
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cases[i].active_ms = 1000;
		cases[i].kill_ms = 2500;
	}
	crash_run(cases, sizeof(cases) / sizeof(cases[0]));
}

/* A disk that fills mid-session: the file is cut at its last whole
 * picture (ffprobe reads it to the end without a complaint), the UIs are
 * told on the bus, and the recorder goes on running: the session does not
 * end for it.  Root only (a 64 KiB tmpfs is the full disk). */
static void test_full_disk_stops_the_recording_not_the_session(void **state)
{
	char small[600], cmd[700], path[640];
	codec_harness h;
	kyoyu_msg *packets[MAX_FRAMES];
	recorder r;
	probed p;

	(void)state;
	if (!have_ffprobe() || geteuid() != 0)
		skip();
	snprintf(small, sizeof(small), "%s/small", dir);
	assert_int_equal(mkdir(small, 0700), 0);
	snprintf(cmd, sizeof(cmd), "mount -t tmpfs -o size=64k kyoyu-full '%s'", small);
	if (system(cmd) != 0) {
		rmdir(small);
		skip();
	}
	assert_true(harness_open(&h, KYOYU_CODEC_VP9, "vpx", NULL, NULL));
	size_t n = encode_run(&h, 320, 240, 40, packets);
	snprintf(path, sizeof(path), "%s/session.webm", small);
	recorder_start(&r, path);
	kyoyu_inbox *watch = kyoyu_bus_subscribe(r.bus, "test", KYOYU_MSG_BIT(KYOYU_MSG_NOTICE),
						 0);
	assert_non_null(watch);
	/* At the pace of a screen that changes all the time: the file is
	 * brought up to date every 250 ms of real time. */
	for (size_t i = 0; i < n; i++) {
		post(&r, packets[i], 1000000 + (int64_t)i * 40000, 0);
		usleep(40000);
	}
	kyoyu_msg *notice = NULL;
	/* The file's name (NOTICE RECORDING) comes first, when it opens. */
	do {
		kyoyu_msg_unref(notice);
		assert_int_equal(kyoyu_inbox_pop(watch, &notice, 5000), 0);
	} while (notice->u.notice.kind == KYOYU_NOTICE_RECORDING);
	assert_int_equal(notice->u.notice.kind, KYOYU_NOTICE_RECORDING_STOPPED);
	assert_int_equal(notice->u.notice.error, ENOSPC);
	kyoyu_msg_unref(notice);
	assert_false(kyoyu_stage_wait(r.stage, 300));
	probe(path, &p);
	print_message("%s: %d of %zu pictures readable when the disk filled\n", path,
		      p.frames, n);
	assert_true(p.frames >= 3);
	assert_true(p.frames < (int)n);
	kyoyu_inbox_free(watch);
	recorder_finish(&r);
	release_all(packets, n);
	harness_close(&h);
	snprintf(cmd, sizeof(cmd), "umount '%s'", small);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(rmdir(small), 0);
}

static int make_dir(void **state)
{
	return mkdtemp(dir) ? 0 : -1;
}

static int remove_dir(void **state)
{
	/* The session's facts the recorder keeps beside each file. */
	char facts[sizeof(dir) + 32];
	snprintf(facts, sizeof(facts), "rm -f '%s'/*.json", dir);
	if (system(facts) != 0)
		return -1;
	return rmdir(dir);
}

int main(int argc, char **argv)
{
	if (argc == 6 && strcmp(argv[1], "--record-until-killed") == 0)
		return record_until_killed((uint32_t)atoi(argv[2]), argv[3], argv[4],
					   atoll(argv[5]));
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vp8_every_frame_and_timestamp),
		cmocka_unit_test(test_vp9_every_frame_and_timestamp),
		cmocka_unit_test(test_h264_every_frame_and_timestamp),
		cmocka_unit_test(test_size_change_continues_webm),
		cmocka_unit_test(test_size_change_starts_a_new_mp4),
		cmocka_unit_test(test_waits_for_a_keyframe_after_a_loss),
		cmocka_unit_test(test_still_screen_keeps_every_picture_time_webm),
		cmocka_unit_test(test_still_screen_keeps_every_picture_time_mp4),
		cmocka_unit_test(test_kill_9_loses_at_most_a_second),
		cmocka_unit_test(test_kill_9_keeps_the_last_picture_of_a_still_screen),
		cmocka_unit_test(test_full_disk_stops_the_recording_not_the_session),
	};
	return cmocka_run_group_tests_name("transport/record", tests, make_dir, remove_dir);
}
