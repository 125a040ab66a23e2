/* SPDX-License-Identifier: MIT */
/* capture/pipewire: the current picture, and the frames posted from it.
 *
 * PipeWire lends a buffer only for the time of a callback, so the latest
 * picture is kept in memory of our own, updated where it changed: where
 * the producer's damage says, or else where it differs from the previous
 * picture (capture/common/frame-diff.h).  Frames are posted in pool
 * buffers, which always hold a whole picture because an encoder may read
 * any of it: a buffer coming back from the encoder is brought up to date
 * with only the damage it missed since it last held a picture.
 */
#ifndef KYOYU_CAPTURE_PIPEWIRE_PICTURE_H
#define KYOYU_CAPTURE_PIPEWIRE_PICTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <kyoyu/kyoyu.h>

#define PIPEWIRE_PICTURE_POOL 4
/* Damage of this many past frames is kept to bring a returning buffer up
 * to date; an older one is refreshed whole. */
#define PIPEWIRE_PICTURE_HISTORY 8

typedef struct pipewire_held {
	kyoyu_buffer *buffer; /* identity only; never dereferenced here */
	uint64_t version;     /* the frame it holds; 0: unknown */
} pipewire_held;

typedef struct pipewire_picture {
	uint32_t width, height;
	uint8_t *pixels; /* the latest picture, BGRX, tightly packed */
	bool whole;      /* PIXELS holds a whole picture of this size */
	kyoyu_pool *pool;
	uint64_t version; /* of the last frame posted; 0: none yet */
	kyoyu_region history[PIPEWIRE_PICTURE_HISTORY]; /* frame v's: [v % H] */
	pipewire_held held[PIPEWIRE_PICTURE_POOL];
} pipewire_picture;

/* Makes room for WIDTH×HEIGHT pictures; what was there is forgotten (the
 * next picture taken is a whole new one).  Returns 0 or -ENOMEM. */
int pipewire_picture_resize(pipewire_picture *pic, uint32_t width, uint32_t height);

/* Frees the memory and drops the pool (buffers still out return to it). */
void pipewire_picture_release(pipewire_picture *pic);

/* Takes PIXELS (BGRx or BGRA, of the picture's size, STRIDE bytes a row),
 * GIVEN the producer's damage or NULL to compare with the previous picture,
 * and adds what changed to DAMAGE: everything for the first picture. */
void pipewire_picture_take(pipewire_picture *pic, const uint8_t *pixels, size_t stride,
			   const kyoyu_region *given, kyoyu_region *damage);

/* A FRAME message of the current picture in a pool buffer, with DAMAGE
 * (what changed since the last frame) and, with KEY, flagged a key frame.
 * NULL with *ERROR -ENOBUFS when every buffer is still in use (the encoder
 * is behind: post the damage later) or -ENOMEM. */
kyoyu_msg *pipewire_picture_frame(pipewire_picture *pic, const kyoyu_region *damage,
				  bool key, int *error);

#endif
