/* SPDX-License-Identifier: MIT */
/* ui/sdl's waker thread (sdl-waker.h). */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#define KYOYU_LOG_COMPONENT "ui/sdl"
#include <kyoyu/kyoyu.h>

#include "sdl-waker.h"

static void *waker_main(void *arg)
{
	sdl_waker *w = arg;

	for (;;) {
		struct pollfd fds[2] = {{w->inbox_fd, POLLIN, 0}, {w->quit_fd, POLLIN, 0}};
		if (poll(fds, 2, -1) < 0 && errno != EINTR)
			break;
		if (fds[1].revents)
			break;
		if (!(fds[0].revents & POLLIN))
			continue;
		/* One event per batch: wait until the stage thread drained the
		 * inbox, since its descriptor stays readable until then. */
		pthread_mutex_lock(&w->lock);
		if (!w->pending) {
			SDL_Event ev = {.type = w->event};
			w->pending = true;
			SDL_PushEvent(&ev);
		}
		while (w->pending && !w->quit)
			pthread_cond_wait(&w->drained, &w->lock);
		bool quit = w->quit;
		pthread_mutex_unlock(&w->lock);
		if (quit)
			break;
	}
	return NULL;
}

int sdl_waker_start(sdl_waker *w, int inbox_fd)
{
	w->inbox_fd = inbox_fd;
	w->event = SDL_RegisterEvents(1);
	w->quit_fd = eventfd(0, EFD_CLOEXEC);
	if (w->event == (Uint32)-1 || w->quit_fd < 0)
		return -ENOMEM;
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->drained, NULL);
	int ret = pthread_create(&w->thread, NULL, waker_main, w);
	if (ret) {
		close(w->quit_fd);
		return -ret;
	}
	w->running = true;
	return 0;
}

void sdl_waker_rearm(sdl_waker *w)
{
	pthread_mutex_lock(&w->lock);
	w->pending = false;
	pthread_cond_signal(&w->drained);
	pthread_mutex_unlock(&w->lock);
}

void sdl_waker_stop(sdl_waker *w)
{
	uint64_t one = 1;

	if (!w->running)
		return;
	pthread_mutex_lock(&w->lock);
	w->quit = true;
	pthread_cond_signal(&w->drained);
	pthread_mutex_unlock(&w->lock);
	if (write(w->quit_fd, &one, sizeof(one)) != sizeof(one))
		kyoyu_warn("cannot wake the bus waker: %s", strerror(errno));
	pthread_join(w->thread, NULL);
	close(w->quit_fd);
	pthread_cond_destroy(&w->drained);
	pthread_mutex_destroy(&w->lock);
	w->running = false;
}
