/* SPDX-License-Identifier: MIT */
/* kyoyu — what travels on the frame bus: buffers, frames, packets, damage.
 *
 * A kyoyu_buffer is a small header with an atomic reference count that points
 * at its memory; it is writable only while you hold the only reference.  A
 * buffer taken from a kyoyu_pool returns to the pool on its last unref, so a
 * 1080p frame is not allocated per frame.  Frame and packet metadata travel by
 * value in the bus message next to the buffer.
 */
#ifndef KYOYU_FRAME_H
#define KYOYU_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- damage ----------------------------------------------------------- */

typedef struct kyoyu_rect {
	int32_t x, y, w, h;
} kyoyu_rect;

/* At most this many rectangles are kept; more are merged, never lost. */
#define KYOYU_REGION_MAX_RECTS 16

/* The part of a picture that changed.  Rectangles may overlap; their union is
 * what changed.  n == 0 means "nothing changed". */
typedef struct kyoyu_region {
	uint32_t n;
	kyoyu_rect rects[KYOYU_REGION_MAX_RECTS];
} kyoyu_region;

void kyoyu_region_clear(kyoyu_region *region);

/* Adds RECT (empty rects are ignored).  When the region is full, the two
 * rectangles whose bounding box wastes least area are merged first, so the
 * union still covers everything that changed. */
void kyoyu_region_add(kyoyu_region *region, kyoyu_rect rect);

/* Adds every rectangle of SRC to DST. */
void kyoyu_region_union(kyoyu_region *dst, const kyoyu_region *src);

/* Clips every rectangle to 0,0–WIDTH,HEIGHT and drops the empty ones. */
void kyoyu_region_clip(kyoyu_region *region, int32_t width, int32_t height);

/* The bounding box of the region ({0,0,0,0} when empty). */
kyoyu_rect kyoyu_region_bounds(const kyoyu_region *region);

/* Sum of the rectangles' areas (an upper bound of the union's area). */
uint64_t kyoyu_region_area(const kyoyu_region *region);

/* Sets the region to the whole WIDTH×HEIGHT picture. */
void kyoyu_region_set_full(kyoyu_region *region, int32_t width, int32_t height);

/* ---- buffers ---------------------------------------------------------- */

typedef struct kyoyu_buffer kyoyu_buffer;
typedef struct kyoyu_pool kyoyu_pool;

/* A new buffer of SIZE bytes (zeroed), reference count 1, or NULL when out of
 * memory.  The caller owns the returned reference. */
kyoyu_buffer *kyoyu_buffer_new(size_t size);

/* A new buffer holding a copy of DATA. */
kyoyu_buffer *kyoyu_buffer_new_copy(const void *data, size_t size);

/* Called once, on whichever thread drops a wrapped buffer's last reference
 * (kyoyu_buffer_new_wrapped), with the OPAQUE given there. */
typedef void (*kyoyu_buffer_release_fn)(void *opaque);

/* A buffer over SIZE bytes at DATA that the caller allocated and keeps
 * valid until RELEASE(OPAQUE) is called: memory another process writes
 * into (a shared memory segment the X server fills), or a mapping.  The
 * reference count starts at 1 and works as for any buffer; the last unref
 * calls RELEASE, which may run on any thread, and frees only the header.
 * NULL (and RELEASE not called) when out of memory.  Since plugin ABI 1.1. */
kyoyu_buffer *kyoyu_buffer_new_wrapped(void *data, size_t size,
				       kyoyu_buffer_release_fn release, void *opaque);

/* Takes one more reference; returns BUFFER. Any thread. */
kyoyu_buffer *kyoyu_buffer_ref(kyoyu_buffer *buffer);

/* Drops one reference (NULL is ignored).  The last one returns the memory to
 * its pool, gives it back to its owner (a wrapped buffer), or frees it. Any
 * thread. */
void kyoyu_buffer_unref(kyoyu_buffer *buffer);

void *kyoyu_buffer_data(const kyoyu_buffer *buffer);

/* Bytes in use: at most the capacity; set by the producer. */
size_t kyoyu_buffer_size(const kyoyu_buffer *buffer);
size_t kyoyu_buffer_capacity(const kyoyu_buffer *buffer);

/* Sets the bytes in use; fails with -EINVAL beyond the capacity. */
int kyoyu_buffer_set_size(kyoyu_buffer *buffer, size_t size);

/* True when the caller holds the only reference, so it may write. */
bool kyoyu_buffer_is_writable(const kyoyu_buffer *buffer);

/* A pool of at most MAX_BUFFERS buffers of BUFFER_SIZE bytes each.  The
 * caller owns the pool reference; buffers keep the pool alive until they
 * return, so kyoyu_pool_unref() may come before the last buffer's unref. */
kyoyu_pool *kyoyu_pool_new(size_t buffer_size, unsigned max_buffers);
void kyoyu_pool_unref(kyoyu_pool *pool);

/* A free buffer (size == capacity, contents as last left) with reference
 * count 1, or NULL when all MAX_BUFFERS are in use: the producer then drops
 * its frame and counts it instead of growing without bound. Any thread. */
kyoyu_buffer *kyoyu_pool_acquire(kyoyu_pool *pool);

size_t kyoyu_pool_buffer_size(const kyoyu_pool *pool);

/* ---- raw frames ------------------------------------------------------- */

/* Pixel formats.  Capture plugins and decoders say which they give, encoders
 * and UIs which they take (kyoyu_stage_ops.formats, kyoyu_codec_ops); the
 * core picks one both ends handle, so nobody configures it.  Values are
 * only ever added. */
typedef enum kyoyu_pixfmt {
	KYOYU_PIXFMT_NONE = 0,
	/* 32 bits per pixel, bytes B, G, R, unused: X11's 24-bit depth. */
	KYOYU_PIXFMT_BGRX = 1,
	KYOYU_PIXFMT_I420 = 2,
	KYOYU_PIXFMT_I444 = 3,
} kyoyu_pixfmt;

/* "bgrx", "i420", "i444"; NULL for KYOYU_PIXFMT_NONE or an unknown one. */
const char *kyoyu_pixfmt_name(uint32_t format);

/* The encoder should refine this unchanged picture at high quality. */
#define KYOYU_FRAME_REFINE (1u << 0)
/* The picture replaces everything before it (new size, resume, first). */
#define KYOYU_FRAME_KEY (1u << 1)

/* A picture's layout.  Plugins keep these on the stack (kyoyu_frame_layout),
 * so the struct keeps its 1.0 size: new fields take reserved words. */
typedef struct kyoyu_frame_info {
	uint32_t format; /* kyoyu_pixfmt */
	uint32_t width, height;
	uint32_t stride[3]; /* bytes per row of each plane, at least the width's */
	uint32_t offset[3]; /* byte offset of each plane in the buffer */
	uint32_t flags;     /* KYOYU_FRAME_* */
	kyoyu_region damage;
	uint32_t reserved[8];
} kyoyu_frame_info;

/* NEWER replaces OLDER before anyone read OLDER: what OLDER changed must
 * still reach the reader, so its damage joins NEWER's (all of NEWER when
 * the size changed), and a KYOYU_FRAME_KEY of OLDER carries over. */
void kyoyu_frame_merge_damage(kyoyu_frame_info *newer, const kyoyu_frame_info *older);

/* Fills INFO for a WIDTH×HEIGHT picture of FORMAT with tightly packed planes
 * and returns the bytes it needs, or 0 for an unknown format or a size over
 * 16384 on a side. */
size_t kyoyu_frame_layout(kyoyu_frame_info *info, kyoyu_pixfmt format,
			  uint32_t width, uint32_t height);

/* ---- encoded packets -------------------------------------------------- */

/* A codec is named on the bus and on the wire by a FourCC, the four
 * characters of its AVI/Matroska tag ('V','P','9','0' for VP9), so a plugin
 * for a new codec needs no number handed out by anyone: it declares the
 * FourCC and the name people write in codec.format (kyoyu_codec_desc). */
#define KYOYU_FOURCC(a, b, c, d)                                               \
	((uint32_t)(uint8_t)(a) | ((uint32_t)(uint8_t)(b) << 8) |              \
	 ((uint32_t)(uint8_t)(c) << 16) | ((uint32_t)(uint8_t)(d) << 24))

#define KYOYU_CODEC_NONE 0u
/* The codecs kyoyu's own plugins implement, for convenience. */
#define KYOYU_CODEC_VP8 KYOYU_FOURCC('V', 'P', '8', '0')
#define KYOYU_CODEC_VP9 KYOYU_FOURCC('V', 'P', '9', '0')
#define KYOYU_CODEC_H264 KYOYU_FOURCC('H', '2', '6', '4')

/* Writes FOURCC as four printable characters and a NUL into TEXT ("VP90";
 * a byte that is not printable ASCII shows as '?'); returns TEXT. */
char *kyoyu_fourcc_text(uint32_t fourcc, char text[5]);

#define KYOYU_PACKET_KEYFRAME (1u << 0)
/* Packets before this one were lost on the way: wait for a keyframe. */
#define KYOYU_PACKET_DISCONT (1u << 1)
/* A high-quality refinement of a still picture. */
#define KYOYU_PACKET_REFINE (1u << 2)

typedef struct kyoyu_packet_info {
	uint32_t codec; /* FourCC, see KYOYU_FOURCC */
	uint32_t flags; /* KYOYU_PACKET_* */
	uint32_t width, height;
	/* When its picture was captured, on this machine's monotonic clock
	 * (estimated from the sender's clock when it came over the network). */
	int64_t capture_us;
	int64_t encoded_us; /* when the encoder finished it, same clock */
} kyoyu_packet_info;

#ifdef __cplusplus
}
#endif

#endif
