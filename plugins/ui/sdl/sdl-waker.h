/* SPDX-License-Identifier: MIT */
/* ui/sdl's waker: a small thread that sleeps on the bus inbox's descriptor
 * and pushes one SDL event when messages wait, so the stage thread blocks
 * in SDL_WaitEvent alone and reacts at once to either the bus or the
 * window.  One event per batch: the inbox's descriptor stays readable
 * until the stage thread drained it, which it then says (rearm). */
#ifndef KYOYU_SDL_WAKER_H
#define KYOYU_SDL_WAKER_H

#include <pthread.h>
#include <stdbool.h>

#include <SDL.h>

typedef struct sdl_waker {
	pthread_t thread;
	int inbox_fd, quit_fd;
	Uint32 event;
	pthread_mutex_t lock;
	pthread_cond_t drained;
	bool pending, quit, running;
} sdl_waker;

/* Starts waking for INBOX_FD; W->event is the SDL event type it pushes.
 * Returns 0 or a negative errno. */
int sdl_waker_start(sdl_waker *w, int inbox_fd);

/* The stage thread read everything: the waker may wake it again. */
void sdl_waker_rearm(sdl_waker *w);

/* Stops the thread (nothing when it never started). */
void sdl_waker_stop(sdl_waker *w);

#endif
