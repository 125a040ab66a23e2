/* SPDX-License-Identifier: MIT */
/* codec.format = "auto": whether the sharer's PC keeps up with the codec it
 * encodes, judged from how long each picture took to encode against the
 * frame interval, and so whether it should go over to the cheaper codec. */
#ifndef KYOYU_CODEC_AUTO_H
#define KYOYU_CODEC_AUTO_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/* codec.format = "auto" starts with FIRST and may go over to CHEAP: VP9
 * reads best, and x264 (superfast, zerolatency) costs 0.6 of its CPU a
 * picture; VP8 costs as much as VP9 here (bench/README.md, Codecs). */
#define KYOYU_CODEC_AUTO "auto"
#define KYOYU_CODEC_AUTO_FIRST "vp9"
#define KYOYU_CODEC_AUTO_CHEAP "h264"

/* The codec the sharer starts with for codec.format FORMAT. */
static inline const char *kyoyu_codec_auto_first(const char *format)
{
	return format && !strcmp(format, KYOYU_CODEC_AUTO) ? KYOYU_CODEC_AUTO_FIRST : format;
}

/* Pictures judged at once: 1 s at up to 256 fps. */
#define KYOYU_CODEC_AUTO_WINDOW 256

typedef struct kyoyu_codec_auto {
	struct {
		int64_t at_us;     /* when the encoder finished it */
		int64_t encode_us; /* how long it took */
	} seen[KYOYU_CODEC_AUTO_WINDOW];
	unsigned first, count;   /* the ring of the last pictures */
	int64_t slow_since_us;   /* when the window last became slow, or 0 */
	bool switched;
} kyoyu_codec_auto;

void kyoyu_codec_auto_init(kyoyu_codec_auto *a);

/* Notes a changed picture (not a top-off) that took ENCODE_US to encode,
 * finished at NOW_US, with INTERVAL_US between pictures at the frame rate
 * asked for.  True once, when the switch to the cheaper codec is due. */
bool kyoyu_codec_auto_note(kyoyu_codec_auto *a, int64_t now_us, int64_t encode_us,
			   int64_t interval_us);

#endif
