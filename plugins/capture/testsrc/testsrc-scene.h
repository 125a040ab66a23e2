/* SPDX-License-Identifier: MIT */
/* The synthetic desktop drawn by capture/testsrc: a function of the tick
 * number only, so every run shows exactly the same pictures. */
#ifndef TESTSRC_SCENE_H
#define TESTSRC_SCENE_H

#include <stdint.h>

#include <kyoyu/frame.h>

typedef enum testsrc_pattern {
	TESTSRC_DESKTOP = 0, /* typing, scrolling, pointer, idle: a 10 s cycle */
	TESTSRC_STATIC = 1,  /* one picture, then nothing changes */
	TESTSRC_FULL = 2,    /* the whole screen changes every tick */
} testsrc_pattern;

typedef struct testsrc_scene {
	uint32_t width, height, fps;
	testsrc_pattern pattern;
	uint8_t *canvas; /* BGRX, width * 4 bytes per row */
	uint64_t drawn_tick; /* the tick the canvas shows */
	uint32_t typed;      /* characters typed in the terminal so far */
	int32_t scroll;      /* pixels the browser content has scrolled */
} testsrc_scene;

/* Draws tick 0 into a new canvas.  Returns 0 or -ENOMEM. */
int testsrc_scene_init(testsrc_scene *scene, uint32_t width, uint32_t height,
		       uint32_t fps, testsrc_pattern pattern);
void testsrc_scene_fini(testsrc_scene *scene);

/* Brings the canvas to TICK and adds what changed to DAMAGE. */
void testsrc_scene_advance(testsrc_scene *scene, uint64_t tick, kyoyu_region *damage);

/* Where the pointer is at TICK; false while it is hidden. */
void testsrc_scene_pointer(const testsrc_scene *scene, uint64_t tick, int32_t *x,
			   int32_t *y);

/* A 16×16 BGRX arrow for the cursor shape (hot spot 0,0). */
void testsrc_cursor_shape(uint8_t *bgrx16x16);

#endif
