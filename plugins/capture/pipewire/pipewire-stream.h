/* SPDX-License-Identifier: MIT */
/* capture/pipewire: receiving the screen-cast PipeWire stream.
 *
 * A pw_loop of our own runs inside the GMainContext that is the thread
 * default when pipewire_stream_new() runs (its descriptor is a GLib
 * source), so PipeWire's callbacks, the portal's signals and the bus all
 * arrive on the capture's stage thread, one at a time, with no thread of
 * PipeWire's.  Buffers are shared memory (what GNOME sends without a GPU)
 * or linear DMA-BUF read through mmap; the picture is BGRx or BGRA.
 */
#ifndef KYOYU_CAPTURE_PIPEWIRE_STREAM_H
#define KYOYU_CAPTURE_PIPEWIRE_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <kyoyu/frame.h>

/* The pointer as one buffer's SPA_META_Cursor tells it. */
typedef struct pipewire_cursor_meta {
	bool present;  /* the buffer carries pointer metadata at all */
	bool visible;  /* shown on this screen */
	int32_t x, y;  /* the hot spot, in picture pixels */
	bool new_shape;
	/* With new_shape: WIDTH×HEIGHT pixels of 4 bytes in the order FORMAT
	 * (an spa_video_format), STRIDE bytes a row, inside the buffer's
	 * metadata; NULL for an empty (invisible) shape. */
	const uint8_t *bitmap;
	uint32_t format, width, height, stride;
	int32_t hot_x, hot_y;
} pipewire_cursor_meta;

/* One buffer of the stream. */
typedef struct pipewire_buffer {
	/* The picture, BGRx or BGRA: WIDTH×HEIGHT pixels, STRIDE bytes a row;
	 * NULL when the buffer carries none (a pointer move alone). */
	const uint8_t *pixels;
	size_t stride;
	uint32_t width, height;
	/* What changed since the previous picture, when the producer says
	 * (SPA_META_VideoDamage); else the capture compares pictures. */
	bool has_damage;
	kyoyu_region damage;
	pipewire_cursor_meta cursor;
} pipewire_buffer;

typedef struct pipewire_stream_events {
	/* The picture's size: once negotiated, and on every change. */
	void (*resized)(void *data, uint32_t width, uint32_t height);
	/* A buffer, valid during the call only. */
	void (*buffer)(void *data, const pipewire_buffer *buffer);
	/* The stream is over: WHY is a sentence for the person at the desktop
	 * (the detail was logged).  Called at most once; no event follows. */
	void (*ended)(void *data, int error, const char *why);
} pipewire_stream_events;

typedef struct pipewire_stream pipewire_stream;

/* Connects to NODE through the PipeWire remote FD (taken over, closed in
 * every case), asking for at most MAX_FPS pictures a second, with the
 * pointer's metadata, and, when DMABUF, accepting linear DMA-BUF buffers
 * besides shared memory.  Returns NULL with ERR filled (a sentence for the
 * person) when PipeWire cannot be set up. */
pipewire_stream *pipewire_stream_new(int fd, uint32_t node, int max_fps, bool dmabuf,
				     const pipewire_stream_events *events, void *data,
				     char *err, size_t errlen);

/* Disconnects and frees; no event is called from here on.  NULL is ignored. */
void pipewire_stream_free(pipewire_stream *stream);

#endif
