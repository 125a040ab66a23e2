/* SPDX-License-Identifier: MIT */
/* bench/codec-rate: how much of its bitrate a codec plugin spends on a
 * recording, picture by picture, without the link, the pacer or the CPU's
 * speed in the way (make bench/codec-rate; needs cmocka, as the codec
 * tests whose harness it uses).
 *
 *   ffmpeg -ss 4.5 -t 4 -i ../shared/bench/shop-1080p.mkv -f rawvideo \
 *       -pix_fmt bgr0 - | bench/codec-rate [-t] [-r] vp9 1050 17 4.5 4.9
 *
 * stdin: raw BGRX pictures of 1920x1080 at 30 fps, the first one at START
 * seconds.  The first is encoded as a keyframe; after it, at most FPS
 * pictures a second, each only when the screen changed since the picture
 * last encoded, with that change as its damage, stamped with its time in
 * the recording: as the sharer's encode stage hands them over while the
 * link keeps up.  -t adds the stage's top-offs (once the screen stood
 * still 300 ms, up to 3, 300 ms apart); -r plays the pictures at their own
 * pace, which the top-offs need (their clock is the wall clock's).
 *
 * One line a picture: its time, the time since the picture before (at
 * most 150 ms, as the encoders are told), its bytes, the bitrate's worth
 * of that time (its budget), the damaged share of the screen and the luma
 * PSNR of the decoded picture.  The last line sums bytes and budgets from
 * SKIP seconds on (leave out the keyframe). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <kyoyu/clock.h>
#include <kyoyu/host.h>

#include "plugins/capture/common/frame-diff.h"
#include "tests/codec/codec-harness.h"

#define WIDTH 1920
#define HEIGHT 1080
#define SOURCE_FPS 30
#define MAX_CREDIT_S 0.15 /* ENCODE_MAX_CREDIT_US */
#define TOPOFF_AFTER_S 0.3
#define TOPOFFS 3

typedef struct run {
	codec_harness h;
	uint32_t kbps;
	uint8_t *cur, *last; /* this source picture, the last one encoded */
	uint64_t bytes, budget;
	double psnr_sum;
	int pictures;
} run;

/* Encodes FRAME and decodes what came out; returns its bytes and, in
 * *PSNR, the decoded picture's luma PSNR against the source. */
static size_t encode_one(run *r, kyoyu_msg *frame, double *psnr)
{
	packet_list out;

	if (harness_encode(&r->h, frame, &out)) {
		fprintf(stderr, "codec-rate: the encoder failed\n");
		exit(1);
	}
	size_t bytes = packets_bytes(&out);
	for (size_t i = 0; i < out.n; i++) {
		kyoyu_msg *pic = NULL;
		if (harness_decode(&r->h, out.msg[i], &pic) == 0 && pic) {
			const kyoyu_frame_info *f = &pic->u.frame;
			*psnr = psnr_luma(r->cur, WIDTH * 4,
					  (const uint8_t *)kyoyu_buffer_data(pic->buf) +
						  f->offset[0],
					  f->stride[0], WIDTH, HEIGHT);
			kyoyu_msg_unref(pic);
		}
	}
	packets_release(&out);
	kyoyu_msg_unref(frame);
	return bytes;
}

static void wait_until(int64_t wall0, double since_start)
{
	int64_t due = wall0 + (int64_t)(since_start * 1e6), now = kyoyu_now_us();

	if (due > now)
		usleep((useconds_t)(due - now));
}

/* Reads TEXT, the argument NAME, into *OUT: a number from MIN to MAX. */
static bool number(const char *text, double min, double max, const char *name, double *out)
{
	char *end;

	*out = strtod(text, &end);
	if (end != text && !*end && *out >= min && *out <= max)
		return true;
	fprintf(stderr, "codec-rate: %s is a number from %g to %g, not \"%s\"\n", name, min,
		max, text);
	return false;
}

int main(int argc, char **argv)
{
	bool topoffs = false, realtime = false;
	int opt;

	while ((opt = getopt(argc, argv, "tr")) != -1) {
		if (opt == 't')
			topoffs = true;
		else if (opt == 'r')
			realtime = true;
		else
			return 2;
	}
	if (argc - optind != 5) {
		fprintf(stderr, "usage: %s [-t] [-r] vp9|vp8|h264 KBPS FPS START SKIP\n",
			argv[0]);
		return 2;
	}
	const char *codec = argv[optind];
	double kbps, fps, start, skip;
	if (!number(argv[optind + 1], 1, 100000, "KBPS", &kbps) ||
	    !number(argv[optind + 2], 0.1, SOURCE_FPS, "FPS", &fps) ||
	    !number(argv[optind + 3], 0, 86400, "START", &start) ||
	    !number(argv[optind + 4], 0, 86400, "SKIP", &skip))
		return 2;
	run r = {.kbps = (uint32_t)kbps};
	bool h264 = !strcmp(codec, "h264");
	uint32_t id = KYOYU_CODEC_VP9;
	if (h264)
		id = KYOYU_CODEC_H264;
	else if (!strcmp(codec, "vp8"))
		id = KYOYU_CODEC_VP8;
	else if (strcmp(codec, "vp9")) {
		fprintf(stderr, "codec-rate: the codec is vp8, vp9 or h264, not \"%s\"\n", codec);
		return 2;
	}

	kyoyu_log_set_level(KYOYU_LOG_WARN);
	if (!harness_open(&r.h, id, h264 ? "x264" : "vpx", h264 ? "avcodec" : "vpx", NULL) ||
	    harness_encoder_open(&r.h, WIDTH, HEIGHT, r.kbps)) {
		fprintf(stderr, "codec-rate: no %s encoder in this build\n", codec);
		return 1;
	}
	harness_decoder_open(&r.h);
	size_t size = (size_t)WIDTH * HEIGHT * 4;
	r.cur = malloc(size);
	r.last = malloc(size);
	if (!r.cur || !r.last)
		return 1;

	int64_t wall0 = kyoyu_now_us();
	double due = 0, last_t = 0, last_encoded = 0;
	int still_topoffs = 0;
	for (long n = 0; fread(r.cur, 1, size, stdin) == size; n++) {
		double t = start + (double)n / SOURCE_FPS;
		if (realtime)
			wait_until(wall0, t - start);
		double psnr = 0;
		if (n > 0 && memcmp(r.cur, r.last, size) == 0) {
			if (!topoffs || still_topoffs >= TOPOFFS ||
			    t - last_encoded < TOPOFF_AFTER_S)
				continue;
			kyoyu_msg *frame = harness_frame(r.last, WIDTH, HEIGHT, NULL,
							 KYOYU_FRAME_REFINE,
							 (int64_t)(t * 1e6));
			size_t bytes = encode_one(&r, frame, &psnr);
			printf("%8.3f top-off       %7zu bytes                          psnr %.2f\n",
			       t, bytes, psnr);
			still_topoffs++;
			last_encoded = t;
			continue;
		}
		if (n > 0 && t < due)
			continue;

		kyoyu_region damage;
		kyoyu_region_clear(&damage);
		if (n == 0)
			kyoyu_region_set_full(&damage, WIDTH, HEIGHT);
		else
			capture_frame_diff(r.last, WIDTH * 4, r.cur, WIDTH * 4, WIDTH, HEIGHT,
					   &damage);
		kyoyu_msg *frame = harness_frame(r.cur, WIDTH, HEIGHT, &damage,
						 n == 0 ? KYOYU_FRAME_KEY : 0,
						 (int64_t)(t * 1e6));
		size_t bytes = encode_one(&r, frame, &psnr);
		double gap = n == 0                      ? 0
			     : t - last_t > MAX_CREDIT_S ? MAX_CREDIT_S
							 : t - last_t;
		double budget = r.kbps * 1000.0 * gap / 8;
		printf("%8.3f gap %3.0f ms %7zu bytes budget %6.0f area %5.1f %% psnr %.2f\n",
		       t, gap * 1000, bytes, budget,
		       100.0 * (double)kyoyu_region_area(&damage) / (WIDTH * HEIGHT), psnr);
		if (t >= skip) {
			r.bytes += bytes;
			r.budget += (uint64_t)budget;
			r.psnr_sum += psnr;
			r.pictures++;
		}
		memcpy(r.last, r.cur, size);
		last_t = last_encoded = t;
		still_topoffs = 0;
		due = n == 0 || due + 1 / fps < t ? t + 1 / fps : due + 1 / fps;
	}
	printf("from %.2f s: %d pictures, %llu bytes of a budget of %llu (%.0f %%), "
	       "mean PSNR-Y %.2f dB\n",
	       skip, r.pictures, (unsigned long long)r.bytes, (unsigned long long)r.budget,
	       r.budget ? 100.0 * (double)r.bytes / (double)r.budget : 0,
	       r.pictures ? r.psnr_sum / r.pictures : 0);
	harness_close(&r.h);
	free(r.cur);
	free(r.last);
	return 0;
}
