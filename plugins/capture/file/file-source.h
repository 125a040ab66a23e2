/* SPDX-License-Identifier: MIT */
/* capture/file: a video file decoded into BGRX pictures, one at a time. */
#ifndef KYOYU_CAPTURE_FILE_SOURCE_H
#define KYOYU_CAPTURE_FILE_SOURCE_H

#include <stddef.h>
#include <stdint.h>

typedef struct capture_file_source capture_file_source;

/* A decoded picture, valid until the next capture_file_source_next(). */
typedef struct capture_file_picture {
	const uint8_t *data; /* BGRX */
	size_t stride;
	uint32_t width, height;
	int64_t pts_us; /* from the start of the file */
} capture_file_picture;

/* Opens PATH with THREADS decoder threads (0: libavcodec's choice).
 * Logs why and returns a negative errno when it cannot be played. */
int capture_file_source_open(const char *path, int threads, capture_file_source **out);
void capture_file_source_close(capture_file_source *src);

/* Decodes the next picture into *PIC.  Returns 0, KYOYU_EOF at the end of
 * the file, or a negative errno (logged).  Undecodable packets are skipped
 * with a warning. */
int capture_file_source_next(capture_file_source *src, capture_file_picture *pic);

/* Goes back to the first picture. */
int capture_file_source_rewind(capture_file_source *src);

/* The nominal duration of one picture (from the stream's frame rate). */
int64_t capture_file_source_frame_us(const capture_file_source *src);

/* The picture before the last one returned (same size), or NULL: what the
 * damage of the last one is computed against. */
const uint8_t *capture_file_source_previous(const capture_file_source *src, size_t *stride);

#endif
