/* SPDX-License-Identifier: MIT */
/* The codec plugins, through their real libraries, on testsrc's synthetic
 * desktop: round trips with PSNR floors, keyframes on request, bitrate
 * changes, resolution changes, tiny/odd/huge sizes, what damage saves,
 * the top-off, bad input, and streams an independent decoder (ffprobe)
 * reads to the last frame. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "codec-harness.h"
#include "plugins/capture/testsrc/testsrc-scene.h"

#define FPS 30
#define TICK_US (1000000 / FPS)

typedef struct codec_case {
	const char *label;
	uint32_t codec;
	const char *encoder, *decoder;
	const char *settings[3];
	/* Luma PSNR floor of the desktop round trip at 1 Mbit/s. */
	double min_mean_psnr;
	/* The least gain of a top-off of a coarse 720p picture at 300 kbit/s.
	 * x264's VBV holds it to its buffer (600 ms of the bitrate) and
	 * raises the forced quantizer back (see x264-plugin.c): +2.7 to
	 * +2.8 dB, where it had +0.3 when credited one frame interval. */
	double min_topoff_gain;
	/* The same after the top-offs the encode stage would send (up to 4
	 * here): x264's go on from where its VBV held the first. */
	double min_topoffs_gain;
	/* The least share of the bitrate's worth spent on pictures at uneven
	 * gaps.  VP9 and VP8 spent 108-117 %; x264 70-74 %, as at even gaps. */
	double min_uneven_spend;
	/* The most one typed character may cost at 1.5 Mbit/s.  x264 also
	 * re-codes blocks its reference holds coarser than the frame's
	 * quantizer, within the frame's budget (1500/30 kbit). */
	size_t max_typed_bytes;
	/* VP8 and VP9 code every block changed since the last top-off at
	 * refine_q in the next: a top-off after it, nothing having changed,
	 * makes no packet. */
	bool refines_at_once;
} codec_case;

static const codec_case cases[] = {
	{"vp8", KYOYU_CODEC_VP8, "vpx", "vpx", {NULL}, 38, 8, 8, 0.85, 800, true},
	{"vp9", KYOYU_CODEC_VP9, "vpx", "vpx", {NULL}, 40, 8, 8, 0.85, 800, true},
	{"vp9_444", KYOYU_CODEC_VP9, "vpx", "vpx", {"chroma=444", NULL}, 40, 8, 8, 0.85, 800,
	 true},
	{"h264", KYOYU_CODEC_H264, "x264", "avcodec", {NULL}, 40, 1.5, 8, 0.6, 6250, false},
	{"h264_refresh", KYOYU_CODEC_H264, "x264", "avcodec", {"intra_refresh=true", NULL},
	 40, 1.5, 8, 0.6, 6250, false},
};

typedef struct fixture {
	const codec_case *c;
	bool built; /* its plugins were built */
	codec_harness h;
	testsrc_scene scene;
	bool has_scene;
	int64_t time_us;
} fixture;

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->c = *state;
	f->built = harness_open(&f->h, f->c->codec, f->c->encoder, f->c->decoder,
				f->c->settings);
	f->time_us = 1000000;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;

	if (f->has_scene)
		testsrc_scene_fini(&f->scene);
	harness_close(&f->h);
	free(f);
	return 0;
}

static void scene_start(fixture *f, uint32_t w, uint32_t h, testsrc_pattern pattern)
{
	if (f->has_scene)
		testsrc_scene_fini(&f->scene);
	assert_int_equal(testsrc_scene_init(&f->scene, w, h, FPS, pattern), 0);
	f->has_scene = true;
}

/* Encodes the scene as it is now with DAMAGE (NULL: all) and FLAGS. */
static int encode_scene(fixture *f, const kyoyu_region *damage, uint32_t flags,
			packet_list *out)
{
	kyoyu_msg *frame = harness_frame(f->scene.canvas, f->scene.width, f->scene.height,
					 damage, flags, f->time_us);
	f->time_us += TICK_US;
	int ret = harness_encode(&f->h, frame, out);
	kyoyu_msg_unref(frame);
	return ret;
}

/* Decodes every packet of LIST into *LAST (the last picture, or NULL);
 * checks its format and size against the scene. */
static void decode_last(fixture *f, packet_list *list, kyoyu_msg **last)
{
	*last = NULL;
	for (size_t i = 0; i < list->n; i++) {
		kyoyu_msg *out;
		assert_int_equal(harness_decode(&f->h, list->msg[i], &out), 0);
		if (!out)
			continue;
		assert_int_equal(out->u.frame.format, KYOYU_PIXFMT_BGRX);
		assert_int_equal(out->u.frame.width, f->scene.width);
		assert_int_equal(out->u.frame.height, f->scene.height);
		kyoyu_msg_unref(*last);
		*last = out;
	}
}

/* Decodes LIST; the luma PSNR of the last picture against the scene, or
 * -1 when nothing came out. */
static double decode_and_compare(fixture *f, packet_list *list)
{
	kyoyu_msg *out;

	decode_last(f, list, &out);
	if (!out)
		return -1;
	double psnr = psnr_luma(kyoyu_buffer_data(out->buf), out->u.frame.stride[0],
				f->scene.canvas, f->scene.width * 4, f->scene.width,
				f->scene.height);
	kyoyu_msg_unref(out);
	return psnr;
}

/* Advances the scene one tick; true when something changed. */
static bool scene_tick(fixture *f, uint64_t tick, kyoyu_region *damage)
{
	kyoyu_region_clear(damage);
	testsrc_scene_advance(&f->scene, tick, damage);
	return damage->n > 0;
}

/* ---- tests ------------------------------------------------------------ */

static void test_roundtrip_keeps_quality(void **state)
{
	fixture *f = *state;

	if (!f->built)
		skip();
	packet_list pk;
	kyoyu_region damage;
	double sum = 0;
	int frames = 0;

	scene_start(f, 640, 360, TESTSRC_DESKTOP);
	assert_int_equal(harness_encoder_open(&f->h, 640, 360, 1000), 0);
	harness_decoder_open(&f->h);
	assert_int_equal(encode_scene(f, NULL, KYOYU_FRAME_KEY, &pk), 0);
	assert_int_equal(pk.n, 1);
	assert_true(pk.msg[0]->u.packet.flags & KYOYU_PACKET_KEYFRAME);
	assert_int_equal(pk.msg[0]->u.packet.codec, f->c->codec);
	assert_int_equal(pk.msg[0]->u.packet.capture_us, f->time_us - TICK_US);
	double first = decode_and_compare(f, &pk);
	packets_release(&pk);
	/* Typing (the first 3 s of the cycle), then scrolling. */
	for (uint64_t tick = 1; tick <= 120; tick++) {
		if (!scene_tick(f, tick, &damage))
			continue;
		assert_int_equal(encode_scene(f, &damage, 0, &pk), 0);
		assert_int_equal(pk.n, 1);
		assert_false(pk.msg[0]->u.packet.flags & KYOYU_PACKET_KEYFRAME);
		double psnr = decode_and_compare(f, &pk);
		assert_true(psnr > 0);
		sum += psnr;
		frames++;
		packets_release(&pk);
	}
	assert_true(frames > 30);
	double mean = sum / frames;
	print_message("%s: keyframe %.1f dB, then %d frames at %.1f dB on average\n",
		      f->c->label, first, frames, mean);
	assert_true(mean >= f->c->min_mean_psnr);
}

static void test_topoff_sharpens_a_still_picture(void **state)
{
	fixture *f = *state;

	if (!f->built)
		skip();
	packet_list pk;
	kyoyu_region damage;
	double last = 0;

	/* A starved bitrate leaves the scrolled page coarse. */
	scene_start(f, 1280, 720, TESTSRC_DESKTOP);
	assert_int_equal(harness_encoder_open(&f->h, 1280, 720, 300), 0);
	harness_decoder_open(&f->h);
	assert_int_equal(encode_scene(f, NULL, KYOYU_FRAME_KEY, &pk), 0);
	decode_and_compare(f, &pk);
	packets_release(&pk);
	/* Typing then scrolling; the first 3 s are one frame, as when the
	 * encoder is slow and the bus merges what it missed. */
	kyoyu_region missed;
	kyoyu_region_clear(&missed);
	for (uint64_t tick = 1; tick <= 150; tick++) {
		scene_tick(f, tick, &damage);
		kyoyu_region_union(&missed, &damage);
		if (tick < 90 || missed.n == 0)
			continue;
		assert_int_equal(encode_scene(f, &missed, 0, &pk), 0);
		kyoyu_region_clear(&missed);
		last = decode_and_compare(f, &pk);
		packets_release(&pk);
	}
	/* The encode stage tops off after topoff_ms (300) of stillness, and
	 * the codec gives the top-off the bits of that time. */
	nanosleep(&(struct timespec){0, 300000000}, NULL);
	assert_int_equal(encode_scene(f, NULL, KYOYU_FRAME_REFINE, &pk), 0);
	/* x264 sends an empty picture before it (see x264-plugin.c). */
	assert_true(pk.n >= 1 && pk.n <= 2);
	for (size_t i = 0; i < pk.n; i++) {
		assert_true(pk.msg[i]->u.packet.flags & KYOYU_PACKET_REFINE);
		assert_false(pk.msg[i]->u.packet.flags & KYOYU_PACKET_KEYFRAME);
	}
	size_t bytes = packets_bytes(&pk);
	double refined = decode_and_compare(f, &pk);
	packets_release(&pk);
	print_message("%s: still picture at %.1f dB, after a %zu-byte top-off %.1f dB\n",
		      f->c->label, last, bytes, refined);
	/* The encode stage tops off again while a top-off fills a quarter of
	 * what the bitrate carries meanwhile (300 ms at 300 kbit/s: 2.8 KB). */
	double sharpest = refined;
	for (int k = 2; k <= 4 && bytes * 4 * 8 >= 300u * 300u; k++) {
		nanosleep(&(struct timespec){0, 300000000}, NULL);
		assert_int_equal(encode_scene(f, NULL, KYOYU_FRAME_REFINE, &pk), 0);
		bytes = packets_bytes(&pk);
		if (f->c->refines_at_once)
			assert_int_equal(pk.n, 0);
		else
			sharpest = decode_and_compare(f, &pk);
		packets_release(&pk);
		print_message("%s: top-off %d: %zu bytes, %.1f dB\n", f->c->label, k, bytes,
			      sharpest);
	}
	assert_true(sharpest >= last + f->c->min_topoffs_gain);
	assert_true(refined >= last + f->c->min_topoff_gain);
}

/* A picture that spent the bits it was given (here the keyframe, which
 * x264 sizes to its VBV buffer) leaves the rate control nothing: the first
 * top-off after it must still get the time the screen stood still.  x264
 * gave it 1.2 KB of the 22.5 KB its buffer holds at 300 kbit/s, +0.0 dB;
 * 14.3 KB, +3.5 dB, since an empty picture goes first (x264-plugin.c's
 * encode_credit). */
static void test_first_topoff_after_a_costly_picture_gets_the_still_time(void **state)
{
	fixture *f = *state;

	if (!f->built)
		skip();
	packet_list pk;

	scene_start(f, 1280, 720, TESTSRC_DESKTOP);
	assert_int_equal(harness_encoder_open(&f->h, 1280, 720, 300), 0);
	harness_decoder_open(&f->h);
	assert_int_equal(encode_scene(f, NULL, KYOYU_FRAME_KEY, &pk), 0);
	double key = decode_and_compare(f, &pk);
	packets_release(&pk);
	nanosleep(&(struct timespec){0, 300000000}, NULL);
	assert_int_equal(encode_scene(f, NULL, KYOYU_FRAME_REFINE, &pk), 0);
	size_t bytes = packets_bytes(&pk);
	double refined = decode_and_compare(f, &pk);
	packets_release(&pk);
	print_message("%s: keyframe %.1f dB, the first top-off %zu bytes, %.1f dB\n",
		      f->c->label, key, bytes, refined);
	/* Half of what 600 ms (x264's buffer_ms) of 300 kbit/s carries. */
	assert_true(bytes * 8 >= 300u * 600u / 2);
	assert_true(refined > key);
}

/* Bytes of pictures 6 to 15 of the moving scene, captured the N_GAPS gaps
 * of GAPS_US apart in turn, from a new 720p encoder at 500 kbit/s (the
 * first five let its rate control settle). */
static size_t moving_bytes_apart(fixture *f, const int64_t *gaps_us, size_t n_gaps)
{
	packet_list pk;
	kyoyu_region damage;
	size_t bytes = 0;

	scene_start(f, 1280, 720, TESTSRC_FULL);
	assert_int_equal(harness_encoder_open(&f->h, 1280, 720, 500), 0);
	assert_int_equal(encode_scene(f, NULL, KYOYU_FRAME_KEY, &pk), 0);
	packets_release(&pk);
	for (uint64_t tick = 1; tick <= 15; tick++) {
		scene_tick(f, tick, &damage);
		f->time_us += gaps_us[tick % n_gaps] - TICK_US;
		assert_int_equal(encode_scene(f, &damage, 0, &pk), 0);
		if (tick > 5)
			bytes += packets_bytes(&pk);
		packets_release(&pk);
	}
	return bytes;
}

static size_t moving_bytes(fixture *f, int64_t gap_us)
{
	return moving_bytes_apart(f, &gap_us, 1);
}

/* Pictures come when the screen changes, not at a frame rate: one that
 * comes 200 ms after the one before may use 200 ms of the bitrate, where
 * an encoder told of a fixed 33-ms interval would starve it. */
static void test_bits_follow_the_time_between_pictures(void **state)
{
	fixture *f = *state;

	if (!f->built)
		skip();
	size_t at_30fps = moving_bytes(f, TICK_US);
	size_t at_5fps = moving_bytes(f, 200000);
	print_message("%s: 10 moving pictures at 500 kbit/s: %zu bytes 33 ms apart, %zu "
		      "bytes 200 ms apart (%.1fx; the budget is 4.5x: at most 150 ms a picture)\n", f->c->label, at_30fps,
		      at_5fps, (double)at_5fps / (double)at_30fps);
	/* libvpx follows the timestamps (2.9-3.2x before the durations were
	 * given too); x264 with a fixed frame rate gave 1.0x.  VP8's real-time
	 * mode picks its speed from the wall clock, so on a crowded machine it
	 * spends less: 1.9x was seen beside a loaded make check. */
	assert_true(2 * at_5fps >= 3 * at_30fps);
}

/* A scroll's pictures come unevenly (the encoder's and the link's pace):
 * at gaps of 33 and 133 ms in turn, the pictures get the bitrate's worth
 * of their time.  libvpx told each picture's gap as its duration planned
 * twice the gap less the one before (30 fps when that was 0 or less), and
 * VP9 spent 72 % of it here (bench/README.md, issue 17's fourth session). */
static void test_uneven_gaps_use_the_budget(void **state)
{
	fixture *f = *state;

	if (!f->built)
		skip();
	const int64_t gaps_us[] = {TICK_US, 4 * TICK_US};
	size_t bytes = moving_bytes_apart(f, gaps_us, 2);
	/* The ten pictures counted: five gaps of each. */
	double budget = 500e3 / 8 * 5 * (double)(gaps_us[0] + gaps_us[1]) / 1e6;
	double spent = (double)bytes / budget;
	print_message("%s: 10 moving pictures at 500 kbit/s, 33 and 133 ms apart in turn: "
		      "%zu bytes, %.0f %% of the bitrate's worth\n", f->c->label, bytes,
		      spent * 100);
	assert_true(spent >= f->c->min_uneven_spend);
	assert_true(spent <= 1.5); /* rc_overshoot_pct, and x264's VBV */
}

/* Pictures of the scene typing then scrolling at 1.5 Mbit/s, due FPS times
 * a second, then four top-offs; every packet decodes at the scene's size
 * (decode_last).  *MOVING gets the lowest PSNR of a picture during the
 * motion, *SHARP the PSNR after the top-offs; the packets are appended to
 * PACKETS (*N, at most MAX). */
static void scroll_and_top_off(fixture *f, uint32_t fps, double *moving, double *sharp,
			       kyoyu_msg **packets, size_t *n, size_t max)
{
	packet_list pk;
	kyoyu_region damage;

	scene_start(f, 1280, 720, TESTSRC_DESKTOP);
	assert_int_equal(harness_encoder_open_fps(&f->h, 1280, 720, 1500, fps), 0);
	harness_decoder_open(&f->h);
	for (uint64_t tick = 0; tick <= 150; tick++) {
		if (tick > 0 && !scene_tick(f, tick, &damage))
			continue;
		uint32_t flags = tick ? 0 : KYOYU_FRAME_KEY;
		assert_int_equal(encode_scene(f, tick ? &damage : NULL, flags, &pk), 0);
		double psnr = decode_and_compare(f, &pk);
		if (tick == 0 || psnr < *moving)
			*moving = psnr;
		for (size_t i = 0; i < pk.n; i++) {
			assert_true(*n < max);
			packets[(*n)++] = pk.msg[i];
		}
	}
	for (int k = 0; k < 4; k++) {
		f->time_us += 300000;
		assert_int_equal(encode_scene(f, NULL, KYOYU_FRAME_REFINE, &pk), 0);
		*sharp = decode_and_compare(f, &pk);
		for (size_t i = 0; i < pk.n; i++) {
			assert_true(*n < max);
			packets[(*n)++] = pk.msg[i];
		}
	}
	f->h.enc->plugin->ops.codec.close(f->h.enc->priv);
	f->h.dec->plugin->ops.codec.close(f->h.dec->priv);
}

static void write_stream(const char *path, uint32_t codec, uint32_t w, uint32_t h,
			 kyoyu_msg *const *packets, size_t n);

/* How many of the N pictures of PACKETS (VP9) ffprobe reads at half of
 * 1280x720; asserts that the others are at full size, the first and last
 * among them. */
static size_t half_size_pictures(kyoyu_msg *const *packets, size_t n)
{
	char path[] = "/tmp/kyoyu-codec-XXXXXX", cmd[256], line[64];
	int fd = mkstemp(path);
	size_t half = 0, read = 0;

	assert_true(fd >= 0);
	close(fd);
	write_stream(path, KYOYU_CODEC_VP9, 1280, 720, packets, n);
	snprintf(cmd, sizeof(cmd), "ffprobe -v error -f ivf -show_entries frame=width,height "
		 "-of csv=p=0 %s 2>&1", path);
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	while (fgets(line, sizeof(line), p)) {
		unsigned w = 0, h = 0;
		if (sscanf(line, "%u,%u", &w, &h) != 2)
			fail_msg("ffprobe said: %s", line);
		bool is_half = w == 640 && h == 360;
		if (!is_half && (w != 1280 || h != 720))
			fail_msg("picture %zu is %ux%u", read, w, h);
		if (is_half && (read == 0 || read == n - 1))
			fail_msg("picture %zu of %zu is at half size", read, n);
		half += is_half;
		read++;
	}
	pclose(p);
	unlink(path);
	assert_int_equal(read, n);
	return half;
}

/* A PC that cannot keep up: pictures due 1000 times a second, which no
 * 720p picture of motion is encoded within.  VP9 then codes the rest of
 * each motion at half size (an independent decoder, ffprobe, sees it),
 * blurred but whole; the viewer still gets the screen's size, and the
 * top-offs at full size bring the whole screen back as sharp as without
 * halving.  With the option off (the default) nothing is halved, nor in
 * 4:4:4, which libvpx cannot scale (vpx-encoder.c: its half-size pictures
 * were green but for a quarter of the screen, 13 dB). */
static void test_motion_is_halved_while_behind(void **state)
{
	fixture *f = *state;

	if (!f->built)
		skip();
	if (f->c->codec != KYOYU_CODEC_VP9 || system("ffprobe -version >/dev/null 2>&1") != 0)
		skip();
	enum { MAX = 400 };
	kyoyu_msg **packets = calloc(MAX, sizeof(*packets));
	size_t n = 0;
	double plain, halved, plain_moving, halved_moving;
	bool i444 = false;

	assert_non_null(packets);
	scroll_and_top_off(f, 1000, &plain_moving, &plain, packets, &n, MAX);
	assert_int_equal(half_size_pictures(packets, n), 0);
	for (size_t i = 0; i < n; i++)
		kyoyu_msg_unref(packets[i]);

	const char *settings[4] = {NULL};
	size_t k = 0;
	for (const char *const *s = f->c->settings; *s; s++) {
		i444 |= strcmp(*s, "chroma=444") == 0;
		settings[k++] = *s;
	}
	settings[k] = "halve_when_behind=true";
	harness_close(&f->h);
	assert_true(harness_open(&f->h, f->c->codec, f->c->encoder, f->c->decoder, settings));
	n = 0;
	scroll_and_top_off(f, 1000, &halved_moving, &halved, packets, &n, MAX);
	size_t half = half_size_pictures(packets, n);
	for (size_t i = 0; i < n; i++)
		kyoyu_msg_unref(packets[i]);
	free(packets);
	print_message("%s: %zu of %zu pictures at half size, the worst moving one %.1f dB; "
		      "after the top-offs %.1f dB (%.1f and %.1f without halving)\n",
		      f->c->label, half, n, halved_moving, halved, plain_moving, plain);
	if (i444) {
		assert_int_equal(half, 0);
	} else {
		assert_true(half >= 10);
		/* Text at half size: 21.4 dB against the scene at full size. */
		assert_true(halved_moving >= 18);
	}
	/* The top-offs refine the whole screen instead of what changed:
	 * 0.7-1.0 dB short of 52-57 dB after four. */
	assert_true(halved >= plain - 1.5);
}

/* True when the Annex B packet holds a NAL unit of TYPE. */
static bool has_nal(const kyoyu_msg *pkt, unsigned type)
{
	const uint8_t *d = kyoyu_buffer_data(pkt->buf);
	size_t n = kyoyu_buffer_size(pkt->buf);

	for (size_t i = 0; i + 3 < n; i++)
		if (d[i] == 0 && d[i + 1] == 0 && d[i + 2] == 1 && (d[i + 3] & 0x1f) == type)
			return true;
	return false;
}

static void test_keyframe_on_request(void **state)
{
	fixture *f = *state;

	if (!f->built)
		skip();
	packet_list pk;
	kyoyu_region damage;
	const kyoyu_codec_ops *ops = &f->h.enc->plugin->ops.codec;
	/* What each frame asks for, and whether its packet is a keyframe. */
	enum { PLAIN, REQUEST, FLAG } asks[] = {FLAG, PLAIN, PLAIN, REQUEST, PLAIN, FLAG, PLAIN};

	scene_start(f, 320, 240, TESTSRC_FULL);
	assert_int_equal(harness_encoder_open(&f->h, 320, 240, 800), 0);
	for (size_t i = 0; i < sizeof(asks) / sizeof(asks[0]); i++) {
		scene_tick(f, i + 1, &damage);
		if (asks[i] == REQUEST)
			assert_int_equal(ops->request_keyframe(f->h.enc->priv), 0);
		assert_int_equal(encode_scene(f, &damage, asks[i] == FLAG ? KYOYU_FRAME_KEY : 0,
					      &pk), 0);
		assert_int_equal(pk.n, 1);
		bool key = pk.msg[0]->u.packet.flags & KYOYU_PACKET_KEYFRAME;
		if (key != (asks[i] != PLAIN))
			fail_msg("frame %zu: keyframe %d, expected %d", i, key, asks[i] != PLAIN);
		/* An H.264 keyframe stands alone: SPS and PPS come with it. */
		if (key && f->c->codec == KYOYU_CODEC_H264) {
			assert_true(has_nal(pk.msg[0], 7));
			assert_true(has_nal(pk.msg[0], 8));
			assert_true(has_nal(pk.msg[0], 5));
		}
		packets_release(&pk);
	}
}

/* Bytes of frames FROM..TO (1-based ticks) of a scene that changes fully. */
static size_t encode_full_motion(fixture *f, uint64_t from, uint64_t to, uint64_t count_from)
{
	packet_list pk;
	kyoyu_region damage;
	size_t bytes = 0;

	for (uint64_t tick = from; tick <= to; tick++) {
		scene_tick(f, tick, &damage);
		assert_int_equal(encode_scene(f, &damage, 0, &pk), 0);
		if (tick >= count_from)
			bytes += packets_bytes(&pk);
		packets_release(&pk);
	}
	return bytes;
}

static void test_bitrate_change_takes_effect(void **state)
{
	fixture *f = *state;

	if (!f->built)
		skip();
	packet_list pk;
	const kyoyu_codec_ops *ops = &f->h.enc->plugin->ops.codec;

	scene_start(f, 640, 360, TESTSRC_FULL);
	assert_int_equal(harness_encoder_open(&f->h, 640, 360, 2000), 0);
	assert_int_equal(encode_scene(f, NULL, KYOYU_FRAME_KEY, &pk), 0);
	packets_release(&pk);
	size_t high = encode_full_motion(f, 1, 90, 31);
	assert_int_equal(ops->set_bitrate(f->h.enc->priv, 400), 0);
	size_t low = encode_full_motion(f, 91, 180, 121);
	/* 60 frames are two seconds. */
	double high_kbps = (double)high * 8 / 2000, low_kbps = (double)low * 8 / 2000;
	print_message("%s: %.0f kbit/s at a 2000 target, %.0f kbit/s at 400\n",
		      f->c->label, high_kbps, low_kbps);
	assert_true(high_kbps > 1000 && high_kbps < 3000);
	assert_true(low_kbps > 150 && low_kbps < 650);
}

static void roundtrip_at(fixture *f, uint32_t w, uint32_t h, uint32_t kbps,
			 double min_psnr)
{
	packet_list pk;
	kyoyu_region damage;

	scene_start(f, w, h, TESTSRC_FULL);
	f->h.enc->plugin->ops.codec.close(f->h.enc->priv);
	int ret = harness_encoder_open(&f->h, w, h, kbps);
	if (ret)
		fail_msg("%s: cannot open a %ux%u encoder: %d", f->c->label, w, h, ret);
	assert_int_equal(encode_scene(f, NULL, KYOYU_FRAME_KEY, &pk), 0);
	assert_int_equal(pk.n, 1);
	assert_int_equal(pk.msg[0]->u.packet.width, w);
	assert_int_equal(pk.msg[0]->u.packet.height, h);
	double key = decode_and_compare(f, &pk);
	packets_release(&pk);
	scene_tick(f, 1, &damage);
	assert_int_equal(encode_scene(f, &damage, 0, &pk), 0);
	double next = decode_and_compare(f, &pk);
	packets_release(&pk);
	if (key < min_psnr || next < min_psnr)
		fail_msg("%s %ux%u: PSNR %.1f then %.1f dB, below %.1f", f->c->label, w, h,
			 key, next, min_psnr);
}

static void test_resolution_changes_mid_stream(void **state)
{
	fixture *f = *state;

	if (!f->built)
		skip();

	/* One decoder for the whole stream, as on the viewer. */
	harness_decoder_open(&f->h);
	roundtrip_at(f, 640, 360, 1500, 25);
	roundtrip_at(f, 800, 600, 1500, 25);
	roundtrip_at(f, 321, 241, 1500, 25);
	roundtrip_at(f, 640, 360, 1500, 25);
}

static void test_tiny_and_odd_sizes(void **state)
{
	fixture *f = *state;

	if (!f->built)
		skip();
	static const uint32_t sizes[][2] = {{1, 1}, {2, 2}, {3, 5}, {17, 9}, {33, 17},
					    {641, 479}};

	harness_decoder_open(&f->h);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		roundtrip_at(f, sizes[i][0], sizes[i][1], 1500, 20);
}

static void test_huge_picture(void **state)
{
	fixture *f = *state;

	if (!f->built)
		skip();

	harness_decoder_open(&f->h);
	/* A 4K keyframe needs a bitrate to match. */
	roundtrip_at(f, 3840, 2160, 8000, 25);
}

static void test_unchanged_area_costs_almost_nothing(void **state)
{
	fixture *f = *state;

	if (!f->built)
		skip();
	packet_list pk;
	kyoyu_region damage;

	scene_start(f, 1280, 720, TESTSRC_DESKTOP);
	assert_int_equal(harness_encoder_open(&f->h, 1280, 720, 1500), 0);
	harness_decoder_open(&f->h);
	assert_int_equal(encode_scene(f, NULL, KYOYU_FRAME_KEY, &pk), 0);
	size_t key = packets_bytes(&pk);
	double key_psnr = decode_and_compare(f, &pk);
	packets_release(&pk);
	assert_int_equal(encode_scene(f, NULL, KYOYU_FRAME_REFINE, &pk), 0);
	size_t refine = packets_bytes(&pk);
	double refine_psnr = decode_and_compare(f, &pk);
	packets_release(&pk);
	print_message("%s: keyframe %.1f dB, top-off %zu bytes %.1f dB\n", f->c->label,
		      key_psnr, refine, refine_psnr);

	/* One typed character: a 6×9 cell of a 1280×720 screen. */
	uint64_t tick = 1;
	while (!scene_tick(f, tick, &damage))
		tick++;
	assert_true(kyoyu_region_area(&damage) < 200);
	assert_int_equal(encode_scene(f, &damage, 0, &pk), 0);
	size_t typed = packets_bytes(&pk);
	double psnr = decode_and_compare(f, &pk);
	packets_release(&pk);
	print_message("%s: keyframe %zu bytes, one typed character %zu bytes, %.1f dB\n",
		      f->c->label, key, typed, psnr);
	assert_true(typed <= f->c->max_typed_bytes);

	/* Pixels outside the damage are never read: a change the capture did
	 * not report (a white 16×16 square on the dark task bar) does not
	 * reach the viewer. */
	kyoyu_msg *after;
	const size_t stride = 1280 * 4, at = 700 * stride + 1200 * 4;
	uint8_t saved[16][16 * 4];
	for (int y = 0; y < 16; y++) {
		memcpy(saved[y], f->scene.canvas + at + y * stride, sizeof(saved[y]));
		memset(f->scene.canvas + at + y * stride, 0xff, sizeof(saved[y]));
	}
	while (!scene_tick(f, ++tick, &damage))
		;
	assert_int_equal(encode_scene(f, &damage, 0, &pk), 0);
	for (int y = 0; y < 16; y++)
		memcpy(f->scene.canvas + at + y * stride, saved[y], sizeof(saved[y]));
	decode_last(f, &pk, &after);
	packets_release(&pk);
	assert_non_null(after);
	const uint8_t *shown = (const uint8_t *)kyoyu_buffer_data(after->buf) + at;
	double worst = psnr_luma(shown, after->u.frame.stride[0], f->scene.canvas + at,
				 stride, 16, 16);
	kyoyu_msg_unref(after);
	print_message("%s: an unreported change left the area at %.1f dB\n", f->c->label,
		      worst);
	assert_true(worst > 25);
}

static void test_bad_input_is_an_error_not_a_crash(void **state)
{
	fixture *f = *state;

	if (!f->built)
		skip();
	packet_list pk;
	const kyoyu_codec_ops *enc = &f->h.enc->plugin->ops.codec;
	const kyoyu_codec_ops *dec = &f->h.dec->plugin->ops.codec;

	scene_start(f, 64, 48, TESTSRC_DESKTOP);
	/* Out of range. */
	assert_true(harness_encoder_open(&f->h, 0, 48, 500) < 0);
	assert_true(harness_encoder_open(&f->h, 20000, 48, 500) < 0);
	assert_true(enc->send_frame(f->h.enc->priv, NULL) < 0); /* nothing open */
	/* A pixel format the encoder does not take (encoder_formats). */
	kyoyu_encoder_config i420 = {.size = sizeof(i420), .codec = f->c->codec, .width = 64,
				     .height = 48, .fps = 30, .bitrate_kbps = 500,
				     .format = KYOYU_PIXFMT_I420};
	assert_int_equal(enc->encoder_open(f->h.enc->priv, &i420), -ENOTSUP);
	assert_int_equal(harness_encoder_open(&f->h, 64, 48, 500), 0);
	/* A frame of another size. */
	kyoyu_msg *frame = harness_frame(f->scene.canvas, 32, 48, NULL, 0, f->time_us);
	assert_true(harness_encode(&f->h, frame, &pk) < 0);
	kyoyu_msg_unref(frame);
	/* A frame whose buffer is too small for its picture. */
	frame = harness_frame(f->scene.canvas, 64, 48, NULL, 0, f->time_us);
	kyoyu_buffer_unref(frame->buf);
	frame->buf = kyoyu_buffer_new(100);
	assert_true(harness_encode(&f->h, frame, &pk) < 0);
	kyoyu_msg_unref(frame);
	/* A frame in another format than the encoder was opened for, with
	 * bytes enough for either. */
	frame = harness_frame(f->scene.canvas, 64, 48, NULL, 0, f->time_us);
	kyoyu_frame_layout(&frame->u.frame, KYOYU_PIXFMT_I420, 64, 48);
	kyoyu_region_set_full(&frame->u.frame.damage, 64, 48);
	assert_true(harness_encode(&f->h, frame, &pk) < 0);
	kyoyu_msg_unref(frame);
	/* It still works afterwards. */
	assert_int_equal(encode_scene(f, NULL, KYOYU_FRAME_KEY, &pk), 0);
	assert_int_equal(pk.n, 1);
	packets_release(&pk);

	/* The decoder: a format it cannot give, then empty and garbage
	 * packets. */
	assert_int_equal(harness_decoder_open_as(&f->h, KYOYU_PIXFMT_I444), -ENOTSUP);
	assert_int_equal(harness_decoder_open_as(&f->h, 77), -ENOTSUP);
	harness_decoder_open(&f->h);
	kyoyu_msg *bad = kyoyu_msg_new(KYOYU_MSG_PACKET);
	assert_non_null(bad);
	bad->u.packet = (kyoyu_packet_info){.codec = f->c->codec, .width = 64, .height = 48};
	bad->buf = kyoyu_buffer_new(0);
	assert_true(dec->send_packet(f->h.dec->priv, bad) < 0);
	kyoyu_buffer_unref(bad->buf);
	bad->buf = kyoyu_buffer_new(4096);
	uint8_t *junk = kyoyu_buffer_data(bad->buf);
	uint32_t seed = 12345;
	for (size_t i = 0; i < 4096; i++) {
		seed = seed * 1103515245u + 12345u;
		junk[i] = (uint8_t)(seed >> 16);
	}
	kyoyu_msg *out;
	int ret = harness_decode(&f->h, bad, &out);
	/* Either refused, or nothing that claims to be the picture. */
	assert_true(ret < 0 || out == NULL || out->u.frame.width != 0);
	kyoyu_msg_unref(out);
	kyoyu_msg_unref(bad);
}

static void test_decoder_hands_out_i420_when_asked(void **state)
{
	fixture *f = *state;

	if (!f->built)
		skip();
	codec_harness dec;
	packet_list pk;
	kyoyu_msg *out;

	/* The core asks for I420 at open when every window can show it. */
	assert_true(harness_open(&dec, f->c->codec, NULL, f->c->decoder, NULL));
	assert_int_equal(harness_decoder_open_as(&dec, KYOYU_PIXFMT_I420), 0);
	scene_start(f, 321, 241, TESTSRC_DESKTOP);
	assert_int_equal(harness_encoder_open(&f->h, 321, 241, 1000), 0);
	assert_int_equal(encode_scene(f, NULL, KYOYU_FRAME_KEY, &pk), 0);
	assert_int_equal(harness_decode(&dec, pk.msg[0], &out), 0);
	packets_release(&pk);
	assert_non_null(out);
	const kyoyu_frame_info *info = &out->u.frame;
	assert_int_equal(info->format, KYOYU_PIXFMT_I420);
	assert_int_equal(info->width, 321);
	assert_int_equal(info->height, 241);
	assert_true(info->flags & KYOYU_FRAME_KEY);
	kyoyu_frame_info want;
	assert_int_equal(kyoyu_buffer_size(out->buf),
			 kyoyu_frame_layout(&want, KYOYU_PIXFMT_I420, 321, 241));
	assert_memory_equal(info->offset, want.offset, sizeof(want.offset));
	/* The luma plane is the picture's: its mean is close to the source's. */
	const uint8_t *y = kyoyu_buffer_data(out->buf);
	double got = 0, expect = 0;
	for (uint32_t row = 0; row < 241; row++) {
		for (uint32_t x = 0; x < 321; x++) {
			const uint8_t *p = f->scene.canvas + ((size_t)row * 321 + x) * 4;
			got += y[(size_t)row * info->stride[0] + x];
			expect += (66.0 * p[2] + 129.0 * p[1] + 25.0 * p[0]) / 256.0 + 16.0;
		}
	}
	assert_true(got / expect > 0.97 && got / expect < 1.03);
	kyoyu_msg_unref(out);
	harness_close(&dec);
}

/* What the plugins declare is what the core negotiates with: the codec
 * under its name, BGRX into the encoder, I420 (cheapest) then BGRX out of
 * the decoder. */
static void test_declares_codec_and_pixel_formats(void **state)
{
	fixture *f = *state;

	if (!f->built)
		skip();
	const kyoyu_codec_ops *enc = &f->h.enc->plugin->ops.codec;
	const kyoyu_codec_ops *dec = &f->h.dec->plugin->ops.codec;
	const char *name = f->c->codec == KYOYU_CODEC_H264  ? "h264"
			   : f->c->codec == KYOYU_CODEC_VP9 ? "vp9"
							    : "vp8";
	const kyoyu_codec_desc *lists[] = {enc->encodes, dec->decodes};

	for (size_t l = 0; l < 2; l++) {
		const kyoyu_codec_desc *d = lists[l];
		assert_non_null(d);
		while (d->fourcc != KYOYU_CODEC_NONE && d->fourcc != f->c->codec)
			d++;
		assert_int_equal(d->fourcc, f->c->codec);
		assert_string_equal(d->name, name);
	}
	assert_non_null(enc->encoder_formats);
	assert_int_equal(enc->encoder_formats[0], KYOYU_PIXFMT_BGRX);
	assert_int_equal(enc->encoder_formats[1], KYOYU_PIXFMT_NONE);
	assert_non_null(dec->decoder_formats);
	assert_int_equal(dec->decoder_formats[0], KYOYU_PIXFMT_I420);
	assert_int_equal(dec->decoder_formats[1], KYOYU_PIXFMT_BGRX);
	assert_int_equal(dec->decoder_formats[2], KYOYU_PIXFMT_NONE);
}

/* ---- an independent decoder reads the stream ------------------------- */

static void put_le16(FILE *fp, uint16_t v)
{
	fputc(v & 0xff, fp);
	fputc(v >> 8, fp);
}

static void put_le32(FILE *fp, uint32_t v)
{
	put_le16(fp, (uint16_t)(v & 0xffff));
	put_le16(fp, (uint16_t)(v >> 16));
}

/* Writes PACKETS as IVF (VP8/VP9) or an Annex B byte stream (H.264). */
static void write_stream(const char *path, uint32_t codec, uint32_t w, uint32_t h,
			 kyoyu_msg *const *packets, size_t n)
{
	FILE *fp = fopen(path, "wb");

	assert_non_null(fp);
	if (codec != KYOYU_CODEC_H264) {
		fwrite("DKIF", 1, 4, fp);
		put_le16(fp, 0);
		put_le16(fp, 32);
		fwrite(codec == KYOYU_CODEC_VP8 ? "VP80" : "VP90", 1, 4, fp);
		put_le16(fp, (uint16_t)w);
		put_le16(fp, (uint16_t)h);
		put_le32(fp, FPS);
		put_le32(fp, 1);
		put_le32(fp, (uint32_t)n);
		put_le32(fp, 0);
	}
	for (size_t i = 0; i < n; i++) {
		size_t size = kyoyu_buffer_size(packets[i]->buf);
		if (codec != KYOYU_CODEC_H264) {
			put_le32(fp, (uint32_t)size);
			put_le32(fp, (uint32_t)i);
			put_le32(fp, 0);
		}
		fwrite(kyoyu_buffer_data(packets[i]->buf), 1, size, fp);
	}
	assert_int_equal(fclose(fp), 0);
}

static void test_stream_is_read_to_the_last_frame_by_ffprobe(void **state)
{
	fixture *f = *state;

	if (!f->built)
		skip();
	enum { MAX = 200 };
	kyoyu_msg **packets = calloc(MAX, sizeof(*packets));
	size_t n = 0;
	packet_list pk;
	kyoyu_region damage;
	char path[] = "/tmp/kyoyu-codec-XXXXXX";

	if (system("ffprobe -version >/dev/null 2>&1") != 0)
		skip();
	assert_non_null(packets);
	scene_start(f, 640, 360, TESTSRC_DESKTOP);
	assert_int_equal(harness_encoder_open(&f->h, 640, 360, 1000), 0);
	for (uint64_t tick = 0; tick <= 150 && n + HARNESS_MAX_PACKETS < MAX; tick++) {
		bool changed = tick == 0 || scene_tick(f, tick, &damage);
		if (!changed)
			continue;
		assert_int_equal(encode_scene(f, tick ? &damage : NULL,
					      tick ? 0 : KYOYU_FRAME_KEY, &pk), 0);
		for (size_t i = 0; i < pk.n; i++)
			packets[n++] = pk.msg[i];
	}
	assert_int_equal(encode_scene(f, NULL, KYOYU_FRAME_REFINE, &pk), 0);
	for (size_t i = 0; i < pk.n; i++)
		packets[n++] = pk.msg[i];

	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	write_stream(path, f->c->codec, 640, 360, packets, n);
	char cmd[512], line[256] = "", extra[256] = "";
	snprintf(cmd, sizeof(cmd), "ffprobe -v error %s -count_frames -select_streams v:0 "
		 "-show_entries stream=nb_read_frames,width,height -of csv=p=0 %s 2>&1",
		 f->c->codec == KYOYU_CODEC_H264 ? "-f h264" : "-f ivf", path);
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	if (!fgets(line, sizeof(line), p))
		line[0] = '\0';
	if (!fgets(extra, sizeof(extra), p))
		extra[0] = '\0';
	pclose(p);
	unlink(path);
	for (size_t i = 0; i < n; i++)
		kyoyu_msg_unref(packets[i]);
	free(packets);

	unsigned w = 0, h = 0, frames = 0;
	if (sscanf(line, "%u,%u,%u", &w, &h, &frames) != 3 || extra[0])
		fail_msg("ffprobe said: %s%s", line, extra);
	print_message("%s: %zu packets written, ffprobe read %u frames of %ux%u\n",
		      f->c->label, n, frames, w, h);
	/* x264's odd-size padding aside, the size is the picture's. */
	assert_int_equal(w, 640);
	assert_int_equal(h, 360);
	assert_int_equal(frames, n);
}

/* ---- the table of tests × codecs ------------------------------------- */

typedef struct named_test {
	const char *name;
	CMUnitTestFunction fn;
} named_test;

static const named_test tests[] = {
	{"roundtrip_keeps_quality", test_roundtrip_keeps_quality},
	{"topoff_sharpens_a_still_picture", test_topoff_sharpens_a_still_picture},
	{"first_topoff_after_a_costly_picture_gets_the_still_time",
	 test_first_topoff_after_a_costly_picture_gets_the_still_time},
	{"bits_follow_the_time_between_pictures", test_bits_follow_the_time_between_pictures},
	{"uneven_gaps_use_the_budget", test_uneven_gaps_use_the_budget},
	{"motion_is_halved_while_behind", test_motion_is_halved_while_behind},
	{"keyframe_on_request", test_keyframe_on_request},
	{"bitrate_change_takes_effect", test_bitrate_change_takes_effect},
	{"resolution_changes_mid_stream", test_resolution_changes_mid_stream},
	{"tiny_and_odd_sizes", test_tiny_and_odd_sizes},
	{"huge_picture", test_huge_picture},
	{"unchanged_area_costs_almost_nothing", test_unchanged_area_costs_almost_nothing},
	{"bad_input_is_an_error_not_a_crash", test_bad_input_is_an_error_not_a_crash},
	{"decoder_hands_out_i420_when_asked", test_decoder_hands_out_i420_when_asked},
	{"declares_codec_and_pixel_formats", test_declares_codec_and_pixel_formats},
	{"stream_is_read_to_the_last_frame_by_ffprobe",
	 test_stream_is_read_to_the_last_frame_by_ffprobe},
};

int main(void)
{
	enum { N_CASES = sizeof(cases) / sizeof(cases[0]),
	       N_TESTS = sizeof(tests) / sizeof(tests[0]) };
	static struct CMUnitTest all[N_CASES * N_TESTS];
	static char names[N_CASES * N_TESTS][96];
	size_t n = 0;

	for (size_t c = 0; c < N_CASES; c++) {
		for (size_t t = 0; t < N_TESTS; t++, n++) {
			snprintf(names[n], sizeof(names[n]), "%s_%s", cases[c].label,
				 tests[t].name);
			all[n] = (struct CMUnitTest){names[n], tests[t].fn, setup, teardown,
						     (void *)&cases[c]};
		}
	}
	return _cmocka_run_group_tests("codecs", all, n, NULL, NULL);
}
