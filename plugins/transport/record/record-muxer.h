/* SPDX-License-Identifier: MIT */
/* transport/record: one output file written through libavformat. */
#ifndef KYOYU_TRANSPORT_RECORD_MUXER_H
#define KYOYU_TRANSPORT_RECORD_MUXER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libavcodec/codec_id.h>

typedef struct record_muxer record_muxer;

/* The libavformat codec of the kyoyu codec FourCC CODEC, looked up in
 * libavformat's own table of AVI tags; AV_CODEC_ID_NONE when it knows none
 * (a file cannot hold that codec). */
enum AVCodecID record_muxer_codec_id(uint32_t codec);

/* Opens PATH, its container chosen by the extension (.webm, .mkv, .mp4,
 * .mov, .ivf, .h264), for a CODEC stream of WIDTH × HEIGHT that starts with
 * the keyframe KEY (whose SPS/PPS become the H.264 stream's header).  Logs
 * why and returns a negative errno when it cannot. */
int record_muxer_open(const char *path, uint32_t codec, uint32_t width, uint32_t height,
		      const uint8_t *key, size_t key_size, record_muxer **out);

/* Writes one packet at PTS_US (microseconds from the file's start; kept
 * strictly increasing here).  Each packet is held until the next one gives
 * it a duration, or until record_muxer_idle() finds it held too long.
 * Returns 0 or a negative errno (logged). */
int record_muxer_write(record_muxer *m, const uint8_t *data, size_t size, int64_t pts_us,
		       bool key);

/* Call at least every 100 ms, packets or not: writes a packet held for
 * 250 ms and brings the file up to date, so that a process killed at any
 * moment leaves every picture older than a second readable.  Returns 0 or
 * a negative errno (logged). */
int record_muxer_idle(record_muxer *m);

/* Writes the last packet if it is still held, shown until END_US (same
 * clock as the pts, at least one frame), finishes the file (index,
 * duration) and frees M.  Returns 0 or a negative errno (logged). */
int record_muxer_close(record_muxer *m, int64_t end_us);

/* After a failed write (a full disk): closes the file without writing
 * more, cuts it where it was last brought up to date (a whole cluster or
 * fragment: players read it to its end, at most a second short) and frees
 * M.  Returns the file's size. */
int64_t record_muxer_abandon(record_muxer *m);

/* True when the container can carry a change of picture size in the same
 * file (Matroska, WebM, IVF and raw H.264 can; MP4 cannot). */
bool record_muxer_takes_size_changes(const record_muxer *m);

/* The codec and size the file was opened for. */
uint32_t record_muxer_codec(const record_muxer *m);

#endif
