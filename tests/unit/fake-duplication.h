/* SPDX-License-Identifier: MIT */
/* The test double of dxgi-duplication.h (fake-duplication.c). */
#ifndef KYOYU_TESTS_FAKE_DUPLICATION_H
#define KYOYU_TESTS_FAKE_DUPLICATION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "plugins/capture/dxgi/dxgi-duplication.h"

#define FAKE_DXGI_EVENTS 16

typedef struct fake_dxgi_event {
	int result; /* DXGI_ACQUIRED, DXGI_NOTHING_NEW, DXGI_ACCESS_LOST or -errno */
	dxgi_frame frame;
} fake_dxgi_event;

typedef struct fake_dxgi_state {
	/* Set by the test. */
	int open_result; /* 0, or what dxgi_duplication_open returns */
	dxgi_output output;
	const uint8_t *image; /* unrotated, BGRX */
	size_t image_stride;
	fake_dxgi_event events[FAKE_DXGI_EVENTS];
	size_t n_events;
	dxgi_pointer_shape shape;
	int map_error; /* 0, or what dxgi_duplication_map returns */
	/* Kept by the fake. */
	size_t next;
	char monitor[64];
	bool open, acquired, mapped;
	unsigned opens, closes, acquires, maps;
	size_t mapped_rects; /* N of the last map: 0 is the whole image */
} fake_dxgi_state;

extern fake_dxgi_state fake_dxgi;

#endif
