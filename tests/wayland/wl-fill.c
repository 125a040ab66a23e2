/* SPDX-License-Identifier: MIT */
/* kyoyu-wl-fill: a Wayland client that covers the screen with one colour, so
 * that a capture of it can be checked pixel by pixel.
 *
 *   kyoyu-wl-fill [-t CPS | -f FPS] RRGGBB [X,Y,W,H,RRGGBB]
 *
 * Opens one full-screen xdg_toplevel painted RRGGBB from wl_shm memory and
 * prints "ready WxH pid PID" once the compositor has shown it (its first frame
 * callback).  On SIGUSR1 it paints the rectangle given as second argument and
 * damages only that; on SIGUSR2 it paints the whole surface RRGGBB again.
 * Each repaint prints "painted" once shown.  SIGTERM or SIGINT end it.
 * For bench/capture: -t types CPS characters a second (8x16 blocks, line
 * after line, each damaged alone, printing nothing), -f repaints the whole
 * surface FPS times a second, each time in another grey from RRGGBB.
 *
 * Over its surface the pointer has a shape of its own, so that a screen cast
 * carries a known one: 16x16 pixels with the hot spot at 3,4, the top half
 * opaque red, the bottom-left quarter green at half opacity (premultiplied,
 * as wl_shm's ARGB8888 is), the rest clear.  "cursor set" is printed when
 * the pointer first enters.  A button pressed over it prints "press X Y"
 * (surface pixels), so that a test can tell where a click landed. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memfd_create */
#endif
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <wayland-client.h>

#include "xdg-shell-client-protocol.h"

typedef struct rect {
	int x, y, w, h;
	uint32_t rgb;
} rect;

typedef struct fill {
	struct wl_display *display;
	struct wl_compositor *compositor;
	struct wl_shm *shm;
	struct xdg_wm_base *wm_base;
	struct wl_seat *seat;
	struct wl_pointer *pointer;
	struct wl_surface *cursor_surface;
	struct wl_buffer *cursor_buffer;
	bool cursor_announced;
	wl_fixed_t pointer_x, pointer_y; /* where the pointer is over the surface */
	struct wl_surface *surface;
	struct xdg_surface *xdg_surface;
	struct xdg_toplevel *toplevel;
	struct wl_buffer *buffer;
	uint32_t *pixels;
	int width, height;
	size_t size;
	uint32_t background;
	rect spot;
	bool has_spot, configured, waiting_frame;
	int typed;      /* -t: characters typed so far */
	unsigned repaints; /* -f: how many times the whole surface was repainted */
	const char *shown_word;  /* printed at the next frame callback */
	bool frame_pending;      /* a commit waits for its frame callback */
} fill;

static void registry_global(void *data, struct wl_registry *registry, uint32_t name,
			    const char *iface, uint32_t version)
{
	fill *f = data;

	(void)version;
	if (!strcmp(iface, wl_compositor_interface.name))
		f->compositor = wl_registry_bind(registry, name, &wl_compositor_interface, 4);
	else if (!strcmp(iface, wl_shm_interface.name))
		f->shm = wl_registry_bind(registry, name, &wl_shm_interface, 1);
	else if (!strcmp(iface, xdg_wm_base_interface.name))
		f->wm_base = wl_registry_bind(registry, name, &xdg_wm_base_interface, 1);
	else if (!strcmp(iface, wl_seat_interface.name) && !f->seat)
		f->seat = wl_registry_bind(registry, name, &wl_seat_interface, 1);
}

static void registry_global_remove(void *data, struct wl_registry *registry,
				   uint32_t name)
{
	(void)data, (void)registry, (void)name;
}

static const struct wl_registry_listener registry_listener = {
	registry_global, registry_global_remove,
};

static void wm_base_ping(void *data, struct xdg_wm_base *wm_base, uint32_t serial)
{
	(void)data;
	xdg_wm_base_pong(wm_base, serial);
}

static const struct xdg_wm_base_listener wm_base_listener = { wm_base_ping };

/* ---- the pointer's shape ------------------------------------------------- */

#define CURSOR_SIDE 16
#define CURSOR_HOT_X 3
#define CURSOR_HOT_Y 4

static uint32_t cursor_pixel(int x, int y)
{
	if (y < CURSOR_SIDE / 2)
		return 0xffff0000u;               /* opaque red */
	return x < CURSOR_SIDE / 2 ? 0x80008000u /* green, alpha 0x80, premultiplied */
				   : 0;
}

static int make_cursor(fill *f)
{
	int stride = CURSOR_SIDE * 4, size = stride * CURSOR_SIDE;
	int fd = memfd_create("kyoyu-wl-fill-cursor", MFD_CLOEXEC);
	uint32_t *pixels;

	if (fd < 0 || ftruncate(fd, size) < 0)
		goto out_close;
	pixels = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (pixels == MAP_FAILED)
		goto out_close;
	for (int y = 0; y < CURSOR_SIDE; y++)
		for (int x = 0; x < CURSOR_SIDE; x++)
			pixels[y * CURSOR_SIDE + x] = cursor_pixel(x, y);
	munmap(pixels, (size_t)size);
	struct wl_shm_pool *pool = wl_shm_create_pool(f->shm, fd, size);
	f->cursor_buffer = wl_shm_pool_create_buffer(pool, 0, CURSOR_SIDE, CURSOR_SIDE, stride,
						     WL_SHM_FORMAT_ARGB8888);
	wl_shm_pool_destroy(pool);
	close(fd);
	f->cursor_surface = wl_compositor_create_surface(f->compositor);
	wl_surface_attach(f->cursor_surface, f->cursor_buffer, 0, 0);
	wl_surface_damage(f->cursor_surface, 0, 0, CURSOR_SIDE, CURSOR_SIDE);
	wl_surface_commit(f->cursor_surface);
	return 0;
out_close:
	if (fd >= 0)
		close(fd);
	return -1;
}

static void pointer_enter(void *data, struct wl_pointer *pointer, uint32_t serial,
			  struct wl_surface *surface, wl_fixed_t x, wl_fixed_t y)
{
	fill *f = data;

	(void)surface;
	f->pointer_x = x;
	f->pointer_y = y;
	wl_pointer_set_cursor(pointer, serial, f->cursor_surface, CURSOR_HOT_X, CURSOR_HOT_Y);
	if (!f->cursor_announced) {
		printf("cursor set\n");
		fflush(stdout);
		f->cursor_announced = true;
	}
}

static void pointer_leave(void *data, struct wl_pointer *pointer, uint32_t serial,
			  struct wl_surface *surface)
{
	(void)data, (void)pointer, (void)serial, (void)surface;
}

static void pointer_motion(void *data, struct wl_pointer *pointer, uint32_t time,
			   wl_fixed_t x, wl_fixed_t y)
{
	fill *f = data;

	(void)pointer, (void)time;
	f->pointer_x = x;
	f->pointer_y = y;
}

static void pointer_button(void *data, struct wl_pointer *pointer, uint32_t serial,
			   uint32_t time, uint32_t button, uint32_t state)
{
	fill *f = data;

	(void)pointer, (void)serial, (void)time, (void)button;
	if (state != WL_POINTER_BUTTON_STATE_PRESSED)
		return;
	printf("press %d %d\n", wl_fixed_to_int(f->pointer_x), wl_fixed_to_int(f->pointer_y));
	fflush(stdout);
}

static void pointer_axis(void *data, struct wl_pointer *pointer, uint32_t time,
			 uint32_t axis, wl_fixed_t value)
{
	(void)data, (void)pointer, (void)time, (void)axis, (void)value;
}

/* wl_pointer version 1: the later events never come. */
static const struct wl_pointer_listener pointer_listener = {
	.enter = pointer_enter,
	.leave = pointer_leave,
	.motion = pointer_motion,
	.button = pointer_button,
	.axis = pointer_axis,
};

static void seat_capabilities(void *data, struct wl_seat *seat, uint32_t caps)
{
	fill *f = data;

	/* Headless, the seat has a pointer only once a virtual one is added. */
	if ((caps & WL_SEAT_CAPABILITY_POINTER) && !f->pointer) {
		f->pointer = wl_seat_get_pointer(seat);
		wl_pointer_add_listener(f->pointer, &pointer_listener, f);
		printf("pointer\n");
		fflush(stdout);
	} else if (!(caps & WL_SEAT_CAPABILITY_POINTER) && f->pointer) {
		/* The virtual pointer went: the next one comes with a new object. */
		wl_pointer_destroy(f->pointer);
		f->pointer = NULL;
	}
}

/* wl_seat version 1: no name event. */
static const struct wl_seat_listener seat_listener = { .capabilities = seat_capabilities };

/* ---- the picture ---------------------------------------------------------- */

static void paint_rect(fill *f, const rect *r)
{
	for (int y = r->y; y < r->y + r->h && y < f->height; y++)
		for (int x = r->x; x < r->x + r->w && x < f->width; x++)
			f->pixels[(size_t)y * f->width + x] = 0xff000000u | r->rgb;
}

static void frame_done(void *data, struct wl_callback *cb, uint32_t time);
static const struct wl_callback_listener frame_listener = { frame_done };

/* Attaches the buffer with damage R and asks to hear when it is shown. */
static void commit(fill *f, const rect *r, const char *word)
{
	struct wl_callback *cb = wl_surface_frame(f->surface);

	wl_callback_add_listener(cb, &frame_listener, f);
	f->frame_pending = true;
	wl_surface_attach(f->surface, f->buffer, 0, 0);
	wl_surface_damage_buffer(f->surface, r->x, r->y, r->w, r->h);
	wl_surface_commit(f->surface);
	f->shown_word = word;
}

static void frame_done(void *data, struct wl_callback *cb, uint32_t time)
{
	fill *f = data;

	(void)time;
	wl_callback_destroy(cb);
	f->frame_pending = false;
	if (f->shown_word) {
		if (!strcmp(f->shown_word, "ready"))
			printf("ready %dx%d pid %d\n", f->width, f->height, (int)getpid());
		else
			printf("%s\n", f->shown_word);
		fflush(stdout);
		f->shown_word = NULL;
	}
}

static int make_buffer(fill *f)
{
	struct wl_shm_pool *pool;
	int fd, stride = f->width * 4;

	f->size = (size_t)stride * f->height;
	fd = memfd_create("kyoyu-wl-fill", MFD_CLOEXEC);
	if (fd < 0 || ftruncate(fd, (off_t)f->size) < 0)
		return -1;
	f->pixels = mmap(NULL, f->size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (f->pixels == MAP_FAILED) {
		close(fd);
		return -1;
	}
	pool = wl_shm_create_pool(f->shm, fd, (int32_t)f->size);
	f->buffer = wl_shm_pool_create_buffer(pool, 0, f->width, f->height, stride,
					      WL_SHM_FORMAT_XRGB8888);
	wl_shm_pool_destroy(pool);
	close(fd);
	return 0;
}

static void xdg_surface_configure(void *data, struct xdg_surface *surface,
				  uint32_t serial)
{
	fill *f = data;
	rect all;

	xdg_surface_ack_configure(surface, serial);
	if (f->configured)
		return;
	f->configured = true;
	if (make_buffer(f) < 0) {
		fprintf(stderr, "kyoyu-wl-fill: no shared memory for a %dx%d buffer: %s\n",
			f->width, f->height, strerror(errno));
		exit(1);
	}
	all = (rect){ 0, 0, f->width, f->height, f->background };
	paint_rect(f, &all);
	commit(f, &all, "ready");
}

static const struct xdg_surface_listener xdg_surface_listener = {
	xdg_surface_configure,
};

static void toplevel_configure(void *data, struct xdg_toplevel *toplevel, int32_t w,
			       int32_t h, struct wl_array *states)
{
	fill *f = data;

	(void)toplevel, (void)states;
	/* The first configure of a fullscreen toplevel carries the output's size;
	 * later resizes are not followed: the checks want one known picture. */
	if (!f->configured && w > 0 && h > 0)
		f->width = w, f->height = h;
}

static void toplevel_close(void *data, struct xdg_toplevel *toplevel)
{
	(void)data, (void)toplevel;
	exit(0);
}

/* xdg_wm_base version 1: configure_bounds and wm_capabilities never come. */
static const struct xdg_toplevel_listener toplevel_listener = {
	.configure = toplevel_configure,
	.close = toplevel_close,
};

static int parse_rgb(const char *s, uint32_t *rgb)
{
	char *end;
	unsigned long v = strtoul(s, &end, 16);

	if (end - s != 6 || *end)
		return -1;
	*rgb = (uint32_t)v;
	return 0;
}

static int parse_rect(const char *s, rect *r)
{
	char colour[8];

	if (sscanf(s, "%d,%d,%d,%d,%7s", &r->x, &r->y, &r->w, &r->h, colour) != 5 ||
	    r->x < 0 || r->y < 0 || r->w <= 0 || r->h <= 0)
		return -1;
	return parse_rgb(colour, &r->rgb);
}

/* Signals arrive on a signalfd, so repaints happen on the Wayland thread. */
static int handle_signal(fill *f, int sfd)
{
	struct signalfd_siginfo si;
	rect all = { 0, 0, f->width, f->height, f->background };

	if (read(sfd, &si, sizeof si) != sizeof si)
		return 0;
	if (si.ssi_signo == SIGUSR1 && f->has_spot) {
		paint_rect(f, &f->spot);
		commit(f, &f->spot, "painted");
	} else if (si.ssi_signo == SIGUSR2) {
		paint_rect(f, &all);
		commit(f, &all, "painted");
	} else if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT) {
		return -1;
	}
	return 0;
}

/* -t: one more character, an 8x16 block, in the next place of a text of
 * 100 columns and 30 lines; -f: the whole surface in another colour. */
static void tick(fill *f, bool typing)
{
	rect r;

	if (!f->configured || f->shown_word)
		return; /* not shown yet: "ready" comes first */
	/* The last picture is not on the screen yet: the compositor is
	 * behind, and would merge this one with it anyway.  Committing
	 * regardless fills the connection's buffer while it does not read,
	 * and libwayland then drops the client ("Error sending request:
	 * Resource temporarily unavailable"), as a loaded mutter did. */
	if (f->frame_pending)
		return;
	if (typing) {
		int col = f->typed % 100, line = f->typed / 100 % 30;
		r = (rect){ 40 + col * 10, 40 + line * 20, 8, 16, f->background ^ 0xffffff };
		if (col == 0) {
			/* A new line: clear it first, as a terminal scrolling would. */
			rect blank = { 40, r.y, 1000, 16, f->background };
			paint_rect(f, &blank);
			r.w = 1000;
		}
		f->typed++;
		paint_rect(f, &(rect){ 40 + col * 10, r.y, 8, 16, r.rgb });
	} else {
		/* A grey level of its own for each of 255 repaints in a row: a
		 * grabber that gets only some of them (the desktop merges what
		 * comes too fast) still sees each one it gets change. */
		f->repaints++;
		r = (rect){ 0, 0, f->width, f->height,
			    f->background ^ (f->repaints % 255 + 1) * 0x010101 };
		paint_rect(f, &r);
	}
	commit(f, &r, NULL);
}

/* Every proxy, so that a leak checker finds nothing at the end. */
static void destroy(fill *f)
{
	if (f->pointer)
		wl_pointer_destroy(f->pointer);
	if (f->seat)
		wl_seat_destroy(f->seat);
	if (f->cursor_surface)
		wl_surface_destroy(f->cursor_surface);
	if (f->cursor_buffer)
		wl_buffer_destroy(f->cursor_buffer);
	if (f->buffer)
		wl_buffer_destroy(f->buffer);
	if (f->pixels)
		munmap(f->pixels, f->size);
	xdg_toplevel_destroy(f->toplevel);
	xdg_surface_destroy(f->xdg_surface);
	wl_surface_destroy(f->surface);
	xdg_wm_base_destroy(f->wm_base);
	wl_shm_destroy(f->shm);
	wl_compositor_destroy(f->compositor);
}

int main(int argc, char **argv)
{
	fill f = { .width = 1280, .height = 720 };
	struct wl_registry *registry;
	struct pollfd fds[3];
	sigset_t mask;
	int opt, rate = 0;
	bool typing = false;

	while ((opt = getopt(argc, argv, "t:f:")) != -1) {
		if (opt != 't' && opt != 'f')
			goto usage;
		typing = opt == 't';
		rate = atoi(optarg);
		if (rate < 1 || rate > 1000)
			goto usage;
	}
	argc -= optind - 1;
	argv += optind - 1;
	if (argc < 2 || argc > 3 || parse_rgb(argv[1], &f.background) < 0 ||
	    (argc == 3 && parse_rect(argv[2], &f.spot) < 0))
		goto usage;
	f.has_spot = argc == 3;

	f.display = wl_display_connect(NULL);
	if (!f.display) {
		fprintf(stderr, "kyoyu-wl-fill: cannot connect to the Wayland display "
				"\"%s\": is WAYLAND_DISPLAY set (scripts/wayland-session)?\n",
			getenv("WAYLAND_DISPLAY") ? getenv("WAYLAND_DISPLAY") : "");
		return 1;
	}
	registry = wl_display_get_registry(f.display);
	wl_registry_add_listener(registry, &registry_listener, &f);
	wl_display_roundtrip(f.display);
	if (!f.compositor || !f.shm || !f.wm_base) {
		fprintf(stderr, "kyoyu-wl-fill: the compositor lacks wl_compositor, "
				"wl_shm or xdg_wm_base\n");
		return 1;
	}
	xdg_wm_base_add_listener(f.wm_base, &wm_base_listener, &f);
	if (f.seat) {
		if (make_cursor(&f) < 0) {
			fprintf(stderr, "kyoyu-wl-fill: no shared memory for the pointer: %s\n",
				strerror(errno));
			return 1;
		}
		wl_seat_add_listener(f.seat, &seat_listener, &f);
	}

	f.surface = wl_compositor_create_surface(f.compositor);
	f.xdg_surface = xdg_wm_base_get_xdg_surface(f.wm_base, f.surface);
	xdg_surface_add_listener(f.xdg_surface, &xdg_surface_listener, &f);
	f.toplevel = xdg_surface_get_toplevel(f.xdg_surface);
	xdg_toplevel_add_listener(f.toplevel, &toplevel_listener, &f);
	xdg_toplevel_set_title(f.toplevel, "kyoyu-wl-fill");
	xdg_toplevel_set_fullscreen(f.toplevel, NULL);
	wl_surface_commit(f.surface);

	sigemptyset(&mask);
	sigaddset(&mask, SIGUSR1);
	sigaddset(&mask, SIGUSR2);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	fds[0] = (struct pollfd){ .fd = wl_display_get_fd(f.display), .events = POLLIN };
	fds[1] = (struct pollfd){ .fd = signalfd(-1, &mask, SFD_CLOEXEC), .events = POLLIN };
	fds[2] = (struct pollfd){ .fd = -1, .events = POLLIN };
	if (rate) {
		long ns = 1000000000L / rate;
		struct itimerspec every = { { ns / 1000000000L, ns % 1000000000L },
					    { ns / 1000000000L, ns % 1000000000L } };
		fds[2].fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
		timerfd_settime(fds[2].fd, 0, &every, NULL);
	}

	for (;;) {
		/* Once the compositor is gone, dispatching fails and events
		 * stay queued: prepare_read would then fail for ever (and
		 * spin, deaf to SIGTERM). */
		bool gone = false;
		while (!gone && wl_display_prepare_read(f.display) != 0)
			gone = wl_display_dispatch_pending(f.display) < 0;
		if (gone)
			break;
		wl_display_flush(f.display);
		if (poll(fds, 3, -1) < 0 && errno != EINTR) {
			wl_display_cancel_read(f.display);
			break;
		}
		if (fds[0].revents & POLLIN) {
			if (wl_display_read_events(f.display) < 0)
				break;
		} else {
			wl_display_cancel_read(f.display);
		}
		if (fds[0].revents & (POLLERR | POLLHUP))
			break;
		wl_display_dispatch_pending(f.display);
		if ((fds[1].revents & POLLIN) && handle_signal(&f, fds[1].fd) < 0)
			break;
		uint64_t ticks;
		if ((fds[2].revents & POLLIN) &&
		    read(fds[2].fd, &ticks, sizeof ticks) == sizeof ticks)
			tick(&f, typing);
	}
	destroy(&f);
	wl_registry_destroy(registry);
	wl_display_disconnect(f.display);
	return 0;
usage:
	fprintf(stderr, "usage: %s [-t CPS | -f FPS] RRGGBB [X,Y,W,H,RRGGBB]\n", argv[0]);
	return 2;
}
