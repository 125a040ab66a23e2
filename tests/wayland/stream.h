/* SPDX-License-Identifier: MIT */
/* Receiving one screen-cast PipeWire node, on the GLib main context: the
 * PipeWire loop's fd is a GLib source, so the portal's D-Bus signals and
 * the stream's buffers are handled on one thread in arrival order. */
#ifndef KYOYU_TESTS_WAYLAND_STREAM_H
#define KYOYU_TESTS_WAYLAND_STREAM_H

#include <stdbool.h>
#include <stdint.h>

#include <spa/buffer/meta.h>

#define STREAM_MAX_DAMAGE 16

/* One buffer as the probe sees it. PIXELS is NULL for a buffer that carries
 * only metadata (a cursor move) or that could not be mapped. */
typedef struct stream_frame {
	const uint8_t *pixels;
	uint32_t width, height, stride;
	uint32_t spa_format;      /* enum spa_video_format */
	uint32_t data_type;       /* enum spa_data_type of datas[0] */
	uint64_t modifier;        /* DRM modifier for a DMA-BUF */
	bool has_modifier;
	bool corrupted;           /* header or chunk flag */
	bool has_damage_meta;     /* the producer filled SPA_META_VideoDamage */
	unsigned n_damage;
	struct spa_meta_region damage[STREAM_MAX_DAMAGE];
	bool has_crop;            /* SPA_META_VideoCrop with a region */
	struct spa_meta_region crop;
	bool cursor_slot;         /* the buffer carries SPA_META_Cursor at all */
	bool has_cursor_meta;     /* ... with a valid id (0: pointer hidden) */
	int cursor_x, cursor_y;
	bool cursor_bitmap;       /* a new pointer shape came with it */
} stream_frame;

typedef struct stream_events {
	void (*frame)(void *data, const stream_frame *frame);
	/* Every change of the stream's state, for the record (may be NULL). */
	void (*state)(void *data, const char *state);
	/* The stream stopped: the node went away or PipeWire reported an error. */
	void (*ended)(void *data, const char *state, const char *error);
} stream_events;

typedef struct stream stream;

/* Connects to the PipeWire remote FD (taken over: the stream closes it) and
 * to NODE. Offers shared memory and, when WITH_DMABUF, DMA-BUF with the
 * linear modifier. Returns NULL with *ERROR set (g_free it). */
stream *stream_new(int fd, uint32_t node, bool with_dmabuf,
		   const stream_events *events, void *data, char **error);

/* The negotiated format as text ("BGRx 1280x720"), or "" before it. */
const char *stream_format(const stream *s);

void stream_free(stream *s);

/* 0xRRGGBB of the pixel at PIXEL in SPA_FORMAT, or -1 for a format the
 * probe does not read. */
long stream_pixel_rgb(uint32_t spa_format, const uint8_t *pixel);

#endif
