/* SPDX-License-Identifier: MIT */
/* A Windows program that makes one real call into each library that
 * scripts/cross-win64-deps cross-builds, and checks the answer: it proves
 * the DLLs load under Wine (or Windows) and work, before kyoyu itself is
 * ported.  One line per library on stdout; the exit status is the number
 * of libraries that failed.
 *
 * Built and run by tests/win64/deps-wine.sh. */
#include <stdio.h>
#include <string.h>

#include <libconfig.h>
#include <libyuv.h>
#include <ltdl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdint.h>
#include <vpx/vp8cx.h>
#include <vpx/vpx_encoder.h>
#include <x264.h>

#define SIDE 64 /* frame width and height for the two encoders */

static int check_openssl(void)
{
	static const unsigned char abc_sha256[32] = {
		0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40,
		0xde, 0x5d, 0xae, 0x22, 0x23, 0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17,
		0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad};
	unsigned char md[32], rnd[16];
	unsigned int len = 0;
	int ok = EVP_Digest("abc", 3, md, &len, EVP_sha256(), NULL) == 1 && len == 32 &&
		 memcmp(md, abc_sha256, 32) == 0 && RAND_bytes(rnd, sizeof rnd) == 1;

	printf("openssl: %s, SHA-256 and RAND_bytes %s\n", OpenSSL_version(OPENSSL_VERSION),
	       ok ? "work" : "FAILED");
	return !ok;
}

/* Encodes one grey frame with VP9 and counts the bytes that come out. */
static int check_libvpx(void)
{
	vpx_codec_ctx_t ctx;
	vpx_codec_enc_cfg_t cfg;
	vpx_image_t *img;
	const vpx_codec_cx_pkt_t *pkt;
	vpx_codec_iter_t iter = NULL;
	size_t bytes = 0;
	int ok = 0;

	if (vpx_codec_enc_config_default(vpx_codec_vp9_cx(), &cfg, 0))
		goto out;
	cfg.g_w = SIDE;
	cfg.g_h = SIDE;
	img = vpx_img_alloc(NULL, VPX_IMG_FMT_I420, SIDE, SIDE, 16);
	if (!img)
		goto out;
	memset(img->img_data, 128, SIDE * SIDE * 3 / 2);
	if (vpx_codec_enc_init(&ctx, vpx_codec_vp9_cx(), &cfg, 0))
		goto out_free_image;
	if (vpx_codec_encode(&ctx, img, 0, 1, 0, VPX_DL_REALTIME) == VPX_CODEC_OK &&
	    vpx_codec_encode(&ctx, NULL, 0, 1, 0, VPX_DL_REALTIME) == VPX_CODEC_OK)
		while ((pkt = vpx_codec_get_cx_data(&ctx, &iter)))
			if (pkt->kind == VPX_CODEC_CX_FRAME_PKT)
				bytes += pkt->data.frame.sz;
	ok = bytes > 0;
	vpx_codec_destroy(&ctx);
out_free_image:
	vpx_img_free(img);
out:
	printf("libvpx: %s, one VP9 frame: %zu bytes%s\n", vpx_codec_version_str(), bytes,
	       ok ? "" : " FAILED");
	return !ok;
}

/* Encodes one grey frame with x264 and counts the bytes that come out. */
static int check_x264(void)
{
	x264_param_t param;
	x264_picture_t pic, out;
	x264_nal_t *nal;
	x264_t *enc;
	int nnal, bytes = 0, ok = 0;

	if (x264_param_default_preset(&param, "ultrafast", "zerolatency") < 0)
		goto out;
	param.i_width = SIDE;
	param.i_height = SIDE;
	param.i_csp = X264_CSP_I420;
	if (x264_picture_alloc(&pic, X264_CSP_I420, SIDE, SIDE) < 0)
		goto out;
	memset(pic.img.plane[0], 128, SIDE * SIDE * 3 / 2);
	enc = x264_encoder_open(&param);
	if (!enc)
		goto out_free_picture;
	bytes = x264_encoder_encode(enc, &nal, &nnal, &pic, &out);
	ok = bytes > 0;
	x264_encoder_close(enc);
out_free_picture:
	x264_picture_clean(&pic);
out:
	printf("x264: build %d, one H.264 frame: %d bytes%s\n", X264_BUILD, bytes,
	       ok ? "" : " FAILED");
	return !ok;
}

static int check_libconfig(void)
{
	config_t cfg;
	int value = 0, ok;

	config_init(&cfg);
	ok = config_read_string(&cfg, "codec = { quality = 42; };") == CONFIG_TRUE &&
	     config_lookup_int(&cfg, "codec.quality", &value) == CONFIG_TRUE && value == 42;
	config_destroy(&cfg);
	printf("libconfig: %d.%d.%d, parsed a group %s\n", LIBCONFIG_VER_MAJOR,
	       LIBCONFIG_VER_MINOR, LIBCONFIG_VER_REVISION, ok ? "right" : "WRONG");
	return !ok;
}

/* Loads libcrypto's DLL by its base name, as kyoyu's loader loads plugins. */
static int check_libltdl(void)
{
	const char *(*version)(int) = NULL;
	lt_dlhandle dll = NULL;
	int ok = 0;

	if (lt_dlinit() != 0)
		goto out;
	dll = lt_dlopenext("libcrypto-3-x64");
	if (dll)
		version = (const char *(*)(int))lt_dlsym(dll, "OpenSSL_version");
	ok = version && strcmp(version(OPENSSL_VERSION), OpenSSL_version(OPENSSL_VERSION)) == 0;
	if (dll)
		lt_dlclose(dll);
	lt_dlexit();
out:
	printf("libltdl: lt_dlopenext and lt_dlsym of libcrypto %s%s%s\n",
	       ok ? "work" : "FAILED: ", ok ? "" : lt_dlerror() ? lt_dlerror() : "", "");
	return !ok;
}

/* White in BGRA becomes luma 235 in limited-range BT.601. */
static int check_libyuv(void)
{
	uint8_t argb[4 * 4 * 4], y[16], u[4], v[4];
	int ok;

	memset(argb, 255, sizeof argb);
	ok = ARGBToI420(argb, 16, y, 4, u, 2, v, 2, 4, 4) == 0 && y[0] == 235 && y[15] == 235;
	printf("libyuv: ARGBToI420 of white gives luma %d (%s)\n", y[0],
	       ok ? "right" : "WRONG, expected 235");
	return !ok;
}

int main(void)
{
	int failed = check_openssl() + check_libvpx() + check_x264() + check_libconfig() +
		     check_libltdl() + check_libyuv();

	fflush(stdout);
	return failed;
}
