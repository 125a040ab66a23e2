/* SPDX-License-Identifier: MIT */
/* bench/vpx-floor: the memory libvpx's VP9 encoder needs by itself at a
 * size, with the settings the sharer gives it (plugins/codec/vpx), so that
 * the sharer's peak RSS can be judged against the library's own floor
 * (make bench/vpx-floor).
 *
 *   ffmpeg -i ../shared/bench/shop-1080p.mkv -f rawvideo -pix_fmt yuv420p - |
 *       /usr/bin/time -f %M bench/vpx-floor 1920 1080 1500 2
 *
 * stdin: raw I420 pictures of WIDTHxHEIGHT, encoded at 30 fps in CBR at
 * KBPS with THREADS threads, the output thrown away.  Prints the peak RSS
 * once the encoder is set up and at the end (getrusage, MB); run under
 * /usr/bin/time for the same figure bench/e2e reports for the sharer. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>

#include <vpx/vp8cx.h>
#include <vpx/vpx_encoder.h>

static double peak_mb(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss / 1024.0;
}

static void die(vpx_codec_ctx_t *ctx, const char *what)
{
	fprintf(stderr, "vpx-floor: %s: %s\n", what, vpx_codec_error(ctx));
	exit(1);
}

int main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: vpx-floor WIDTH HEIGHT KBPS THREADS < i420\n");
		return 2;
	}
	unsigned w = (unsigned)atoi(argv[1]), h = (unsigned)atoi(argv[2]);
	unsigned kbps = (unsigned)atoi(argv[3]), threads = (unsigned)atoi(argv[4]);
	vpx_codec_enc_cfg_t cfg;
	vpx_codec_ctx_t ctx;
	vpx_image_t img;

	if (w < 16 || h < 16 || w > 8192 || h > 8192 || kbps == 0 || threads == 0) {
		fprintf(stderr, "vpx-floor: WIDTH and HEIGHT 16-8192, KBPS and THREADS above 0\n");
		return 2;
	}
	if (vpx_codec_enc_config_default(vpx_codec_vp9_cx(), &cfg, 0) != VPX_CODEC_OK)
		return 1;
	/* As plugins/codec/vpx/vpx-encoder.c sets them for VP9. */
	cfg.g_w = w;
	cfg.g_h = h;
	cfg.g_threads = threads;
	cfg.g_timebase.num = 1;
	cfg.g_timebase.den = 1000000;
	cfg.g_lag_in_frames = 0;
	cfg.g_error_resilient = 0;
	cfg.rc_end_usage = VPX_CBR;
	cfg.rc_target_bitrate = kbps;
	cfg.rc_min_quantizer = 4;
	cfg.rc_max_quantizer = 52;
	cfg.rc_buf_sz = cfg.rc_buf_initial_sz = 300;
	cfg.rc_buf_optimal_sz = 180;
	cfg.rc_dropframe_thresh = 0;
	cfg.kf_mode = VPX_KF_DISABLED;
	if (vpx_codec_enc_init(&ctx, vpx_codec_vp9_cx(), &cfg, 0) != VPX_CODEC_OK)
		die(&ctx, "setting up the encoder");
	vpx_codec_control(&ctx, VP8E_SET_CPUUSED, 8);
	vpx_codec_control(&ctx, VP9E_SET_TUNE_CONTENT, VP9E_CONTENT_SCREEN);
	vpx_codec_control(&ctx, VP9E_SET_AQ_MODE, 3);
	vpx_codec_control(&ctx, VP9E_SET_ROW_MT, threads > 1);
	vpx_codec_control(&ctx, VP9E_SET_TILE_COLUMNS, threads >= 4 ? 2 : threads >= 2 ? 1 : 0);
	if (!vpx_img_alloc(&img, VPX_IMG_FMT_I420, w, h, 32))
		return 1;
	printf("set up: %.1f MB\n", peak_mb());

	int64_t pts = 0;
	int pictures = 0;
	for (;;) {
		int short_read = 0;
		for (unsigned row = 0; row < h && !short_read; row++)
			short_read = fread(img.planes[0] + row * img.stride[0], 1, w, stdin) != w;
		for (int p = 1; p <= 2 && !short_read; p++)
			for (unsigned row = 0; row < (h + 1) / 2 && !short_read; row++)
				short_read = fread(img.planes[p] + row * img.stride[p], 1,
						   (w + 1) / 2, stdin) != (w + 1) / 2;
		if (short_read)
			break;
		if (vpx_codec_encode(&ctx, &img, pts, 33333, 0, VPX_DL_REALTIME) != VPX_CODEC_OK)
			die(&ctx, "encoding");
		vpx_codec_iter_t iter = NULL;
		while (vpx_codec_get_cx_data(&ctx, &iter))
			;
		pts += 33333;
		pictures++;
	}
	printf("%d pictures: %.1f MB\n", pictures, peak_mb());
	vpx_img_free(&img);
	vpx_codec_destroy(&ctx);
	return 0;
}
