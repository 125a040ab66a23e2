/* SPDX-License-Identifier: MIT */
/* ui/headless: decoded pictures into a file, on a thread of their own.
 *
 * Pictures go into a NUT file (libavformat) as raw video in the format the
 * decoder made (I420 as yuv420p, BGRX as bgr0, I444 as yuv444p), with
 * timestamps in microseconds, so ffmpeg can line them up with the source.  A bounded queue
 * between the stage thread and the writer keeps a slow disk from delaying
 * the stage: when it is full the picture is dropped and counted.  When the
 * picture size changes, the pictures that follow go to a new file,
 * "<name>-1.nut", "<name>-2.nut", ... (a raw stream has one size).
 */
#ifndef KYOYU_UI_HEADLESS_FRAME_WRITER_H
#define KYOYU_UI_HEADLESS_FRAME_WRITER_H

#include <stdint.h>

#include <kyoyu/bus.h>

typedef struct frame_writer frame_writer;

typedef struct frame_writer_stats {
	uint64_t written; /* pictures in the files */
	uint64_t dropped; /* the queue was full, or a write failed */
	unsigned files;   /* files opened (a new one per picture size) */
} frame_writer_stats;

/* A writer to PATH (created or truncated when the first picture comes) and
 * its thread.  Returns 0 with *OUT set, or a negative errno.  From start(),
 * on the core's thread. */
int frame_writer_start(const char *path, frame_writer **out);

/* Queues the picture of FRAME (a KYOYU_MSG_FRAME) with timestamp PTS_US:
 * takes one more reference to its buffer.  Returns 0, -ENOBUFS when the
 * queue is full (dropped and counted) or -EINVAL when the frame does not
 * describe its buffer.  Stage thread. */
int frame_writer_push(frame_writer *writer, const kyoyu_msg *frame, int64_t pts_us);

/* Writes what is queued, closes the file, ends the thread and frees the
 * writer (NULL is ignored); fills STATS when not NULL.  At the end of run()
 * on the stage's thread, or from stop() when run() never ran. */
void frame_writer_finish(frame_writer *writer, frame_writer_stats *stats);

#endif
