/* SPDX-License-Identifier: MIT */
/* Drives real codec plugins (loaded from the build tree) the way the core's
 * encode and decode stages do, for the codec tests. */
#ifndef KYOYU_TEST_CODEC_HARNESS_H
#define KYOYU_TEST_CODEC_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <kyoyu/plugin.h>

#include "instance.h"
#include "loader.h"
#include "settings.h"

#define HARNESS_MAX_PACKETS 4

typedef struct codec_harness {
	kyoyu_loader loader;
	kyoyu_settings settings;
	kyoyu_host host;
	kyoyu_instance *enc, *dec;
	uint32_t codec;
} codec_harness;

/* The packets one frame produced (owned; release with packets_release). */
typedef struct packet_list {
	size_t n;
	kyoyu_msg *msg[HARNESS_MAX_PACKETS];
} packet_list;

/* Loads ENCODER and DECODER (plugin names) with the codec-group SETTINGS
 * ("key=value" strings, NULL-terminated, may be NULL).  False when one of
 * them was not built; asserts on any other failure.  Close it either way. */
bool harness_open(codec_harness *h, uint32_t codec, const char *encoder,
		  const char *decoder, const char *const *settings);
void harness_close(codec_harness *h);

/* encoder_open() for BGRX pictures of WIDTH × HEIGHT at KBPS; returns its
 * result. */
int harness_encoder_open(codec_harness *h, uint32_t width, uint32_t height,
			 uint32_t kbps);
/* The same with pictures due FPS times a second (harness_encoder_open: 30). */
int harness_encoder_open_fps(codec_harness *h, uint32_t width, uint32_t height,
			     uint32_t kbps, uint32_t fps);
/* decoder_open() for the harness's codec giving FORMAT pictures; returns
 * its result. */
int harness_decoder_open_as(codec_harness *h, uint32_t format);
/* decoder_open() for BGRX pictures, what every UI shows; asserts. */
void harness_decoder_open(codec_harness *h);

/* A new BGRX frame message holding a copy of PIXELS (WIDTH*4 bytes a row);
 * the caller releases it. */
kyoyu_msg *harness_frame(const uint8_t *pixels, uint32_t width, uint32_t height,
			 const kyoyu_region *damage, uint32_t flags, int64_t time_us);

/* send_frame + every receive_packet, like the encode stage; asserts that the
 * codec left FRAME as it was and handed over packets it does not hold.
 * Returns 0 or the codec's error. */
int harness_encode(codec_harness *h, const kyoyu_msg *frame, packet_list *out);
void packets_release(packet_list *list);
size_t packets_bytes(const packet_list *list);

/* send_packet + receive_frame; *FRAME gets the last picture (the caller
 * releases it), or NULL when none came out.  Returns 0 or the codec's
 * error. */
int harness_decode(codec_harness *h, const kyoyu_msg *packet, kyoyu_msg **frame);

/* PSNR in dB of the BT.601 luma of two BGRX pictures of the same size (99
 * when identical).  Luma is what keeps text readable, and unlike RGB it
 * is not capped by 4:2:0 chroma subsampling, so it shows what the codec
 * itself loses. */
double psnr_luma(const uint8_t *a, size_t stride_a, const uint8_t *b, size_t stride_b,
		 uint32_t width, uint32_t height);

#endif
