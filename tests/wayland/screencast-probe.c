/* SPDX-License-Identifier: MIT */
/* kyoyu-screencast-probe: asks the desktop for the screen through the
 * ScreenCast portal, receives the PipeWire stream and checks what arrives,
 * without any of kyoyu's own code: it proves that a Wayland session (the one
 * scripts/wayland-session starts, or a person's desktop) delivers a stream
 * the capture/pipewire plugin can use.
 *
 *   kyoyu-screencast-probe [-e RRGGBB] [-t SECONDS] [-s SECONDS] [-x COMMAND]
 *                          [-w SECONDS] [-c hidden|embedded|metadata] [-d]
 *                          [-r TOKEN] [-p MODE] [-W] [-v] [-g COMMAND]
 *
 *   -e  the whole screen must show this colour: waits for a frame that does
 *   -t  how long to wait for that frame (default 10 s)
 *   -s  then the screen stays still this long: counts the buffers that come
 *   -x  then runs COMMAND (sh -c) and reports the frames of the next -w
 *       seconds (default 2): their damage and where they differ from -e
 *   -c  the cursor mode to ask for (default: metadata when offered)
 *   -d  offer DMA-BUF (linear modifier) besides shared memory
 *   -r  the restore token of an earlier permission (GNOME asks the person
 *       at the desktop otherwise; scripts/wayland-session grant makes one)
 *   -p  persist mode to ask for: 0 none, 1 transient, 2 persistent; the
 *       new token is printed
 *   -W  at the end wait (up to -t seconds) for the portal to close the
 *       session instead of closing it ourselves
 *   -v  one line per buffer
 *   -g  instead of receiving the stream, run COMMAND (sh -c) with the
 *       PipeWire remote's descriptor in $KYOYU_PW_FD and the node in
 *       $KYOYU_PW_NODE, until it ends (or SIGTERM, or the desktop ends the
 *       cast): another program's grab through the portal, for bench/capture
 *       (gst-launch-1.0 pipewiresrc fd=$KYOYU_PW_FD path=$KYOYU_PW_NODE ...)
 *
 * Reports on stdout, one fact a line; exits 0 when every check asked for
 * held, 1 when one failed, 2 on a usage error. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib-unix.h>
#include <glib.h>
#include <spa/param/video/format.h>
#include <spa/buffer/buffer.h>

#include "portal.h"
#include "stream.h"

enum phase { WAIT_MATCH, STILL, AFTER_COMMAND, WAIT_CLOSE, CLOSING, DONE };

typedef struct probe {
	/* options */
	long expect;            /* 0xRRGGBB, -1: any picture matches */
	double timeout, still, watch;
	const char *command, *restore_token, *remote_command;
	pid_t child;
	uint32_t cursor_mode, persist_mode;
	bool dmabuf, wait_close, verbose;

	portal_screencast sc;
	stream *stream;
	GMainLoop *loop;
	unsigned timer, closed_sub;
	enum phase phase;
	int64_t t0, phase_start;
	bool failed, session_closed, stream_ended, streaming;

	/* what arrived */
	unsigned buffers, pictures, empty, corrupted;
	unsigned by_type[8];
	unsigned with_damage, with_cursor, cursor_bitmaps;
	unsigned phase_buffers, phase_pictures;
} probe;

static double since(int64_t t)
{
	return (double)(g_get_monotonic_time() - t) / 1e6;
}

static const char *data_type_name(uint32_t t)
{
	switch (t) {
	case SPA_DATA_MemPtr:
		return "MemPtr";
	case SPA_DATA_MemFd:
		return "MemFd";
	case SPA_DATA_DmaBuf:
		return "DmaBuf";
	default:
		return "other";
	}
}

/* How many pixels differ from EXPECT, and the box around them. */
typedef struct diff {
	uint64_t count;
	uint32_t x0, y0, x1, y1;
	long first;             /* colour of the first differing pixel */
} diff;

static void compare(const stream_frame *f, long expect, diff *d)
{
	memset(d, 0, sizeof *d);
	d->x0 = d->y0 = UINT32_MAX;
	d->first = -1;
	for (uint32_t y = 0; y < f->height; y++) {
		const uint8_t *row = f->pixels + (size_t)y * f->stride;
		for (uint32_t x = 0; x < f->width; x++) {
			long rgb = stream_pixel_rgb(f->spa_format, row + 4 * x);
			if (rgb == expect)
				continue;
			if (!d->count++)
				d->first = rgb;
			d->x0 = MIN(d->x0, x), d->y0 = MIN(d->y0, y);
			d->x1 = MAX(d->x1, x + 1), d->y1 = MAX(d->y1, y + 1);
		}
	}
}

static void print_frame(probe *p, const stream_frame *f, const diff *d)
{
	printf("buffer %u at %.3f s: %s", p->buffers, since(p->t0),
	       data_type_name(f->data_type));
	if (!f->pixels)
		printf(" no picture%s", f->corrupted ? " (corrupted)" : "");
	else
		printf(" %ux%u stride %u", f->width, f->height, f->stride);
	if (f->has_damage_meta) {
		printf(" damage");
		for (unsigned i = 0; i < f->n_damage; i++)
			printf(" %d,%d+%ux%u", f->damage[i].region.position.x,
			       f->damage[i].region.position.y,
			       f->damage[i].region.size.width,
			       f->damage[i].region.size.height);
	}
	if (f->has_crop)
		printf(" crop %d,%d+%ux%u", f->crop.region.position.x,
		       f->crop.region.position.y, f->crop.region.size.width,
		       f->crop.region.size.height);
	if (f->has_cursor_meta)
		printf(" cursor %d,%d%s", f->cursor_x, f->cursor_y,
		       f->cursor_bitmap ? " +shape" : "");
	else if (f->cursor_slot)
		printf(" cursor hidden");
	if (d && p->expect >= 0) {
		if (!d->count)
			printf(" all %06lx", p->expect);
		else
			printf(" %llu px differ from %06lx (first %06lx) in %u,%u+%ux%u",
			       (unsigned long long)d->count, p->expect, d->first, d->x0,
			       d->y0, d->x1 - d->x0, d->y1 - d->y0);
	}
	printf("\n");
}

static void finish(probe *p, bool failed)
{
	p->failed |= failed;
	p->phase = DONE;
	g_main_loop_quit(p->loop);
}

static gboolean on_phase_timeout(gpointer data);

static void enter_phase(probe *p, enum phase phase, double seconds)
{
	p->phase = phase;
	p->phase_start = g_get_monotonic_time();
	p->phase_buffers = p->phase_pictures = 0;
	if (p->timer)
		g_source_remove(p->timer);
	p->timer = g_timeout_add((guint)(seconds * 1000), on_phase_timeout, p);
}

static void after_match(probe *p)
{
	GError *err = NULL;

	if (p->still > 0 && p->phase < STILL) {
		enter_phase(p, STILL, p->still);
		return;
	}
	if (p->command && p->phase < AFTER_COMMAND) {
		printf("command: %s\n", p->command);
		fflush(stdout);
		if (!g_spawn_command_line_async(p->command, &err)) {
			printf("command failed: %s\n", err->message);
			g_error_free(err);
			finish(p, true);
			return;
		}
		enter_phase(p, AFTER_COMMAND, p->watch);
		return;
	}
	if (p->wait_close && p->phase < WAIT_CLOSE) {
		printf("waiting for the portal to close the session\n");
		fflush(stdout);
		enter_phase(p, WAIT_CLOSE, p->timeout);
		return;
	}
	finish(p, false);
}

static gboolean on_phase_timeout(gpointer data)
{
	probe *p = data;

	p->timer = 0;
	switch (p->phase) {
	case WAIT_MATCH:
		printf("FAIL no matching frame in %.1f s (%u buffers, %u pictures)\n",
		       p->timeout, p->buffers, p->pictures);
		finish(p, true);
		break;
	case STILL:
		printf("still: %u buffers (%u with a picture) in %.1f s\n",
		       p->phase_buffers, p->phase_pictures, p->still);
		if (p->phase_pictures)
			p->failed = true, printf("FAIL a still screen sent pictures\n");
		after_match(p);
		break;
	case AFTER_COMMAND:
		printf("after command: %u buffers (%u with a picture) in %.1f s\n",
		       p->phase_buffers, p->phase_pictures, p->watch);
		after_match(p);
		break;
	case WAIT_CLOSE:
		printf("FAIL the portal did not close the session in %.1f s\n", p->timeout);
		finish(p, true);
		break;
	case CLOSING:
		printf("closing: %s never came\n", p->session_closed
			       ? "the end of the PipeWire stream" : "Session.Closed");
		finish(p, false);
		break;
	case DONE:
		break;
	}
	return G_SOURCE_REMOVE;
}

static void on_frame(void *data, const stream_frame *f)
{
	probe *p = data;
	diff d;
	bool show;

	p->buffers++;
	p->phase_buffers++;
	p->by_type[MIN(f->data_type, 7u)]++;
	p->with_damage += f->has_damage_meta;
	p->with_cursor += f->has_cursor_meta;
	p->cursor_bitmaps += f->cursor_bitmap;
	p->corrupted += f->corrupted;
	if (!f->pixels) {
		p->empty++;
		if (p->verbose || p->phase == AFTER_COMMAND)
			print_frame(p, f, NULL);
		return;
	}
	p->pictures++;
	p->phase_pictures++;
	if (p->expect >= 0)
		compare(f, p->expect, &d);
	show = p->verbose || p->phase == AFTER_COMMAND || p->phase == STILL ||
	       (p->phase == WAIT_MATCH && (p->expect < 0 || !d.count));
	if (show)
		print_frame(p, f, p->expect >= 0 ? &d : NULL);
	if (p->phase == WAIT_MATCH && (p->expect < 0 || !d.count)) {
		printf("match: first matching picture %.3f s after the stream opened "
		       "(buffer %u)\n", since(p->phase_start), p->buffers);
		fflush(stdout);
		after_match(p);
	}
}

/* The desktop ending the cast shows as two events, the portal's
 * Session.Closed and the PipeWire stream's end, in either order: with -W,
 * once the first picture matched, both are expected; wait a little for the
 * second to report the order. */
static void on_closing(probe *p)
{
	bool expected = p->wait_close && p->phase > WAIT_MATCH && p->phase != DONE;

	if (!expected) {
		printf("FAIL the cast ended unasked\n");
		finish(p, true);
	} else if (p->session_closed && p->stream_ended) {
		finish(p, false);
	} else if (p->phase != CLOSING) {
		enter_phase(p, CLOSING, 2);
	}
}

static void on_state(void *data, const char *state)
{
	probe *p = data;

	printf("stream state at %.3f s: %s\n", since(p->t0), state);
	/* mutter 43 ending a cast pauses the stream (its node goes away) but
	 * never unconnects it: only Session.Closed says it is over for good. */
	if (!strcmp(state, "paused") && p->streaming && p->wait_close) {
		p->stream_ended = true;
		on_closing(p);
	}
	p->streaming = !strcmp(state, "streaming");
}

static void on_ended(void *data, const char *state, const char *error)
{
	probe *p = data;

	printf("stream ended at %.3f s: %s%s%s\n", since(p->t0), state,
	       error ? ": " : "", error ? error : "");
	p->stream_ended = true;
	on_closing(p);
}

static void on_session_closed(GDBusConnection *bus, const char *sender, const char *path,
			      const char *iface, const char *signal, GVariant *params,
			      gpointer data)
{
	probe *p = data;

	(void)bus, (void)sender, (void)path, (void)iface, (void)signal, (void)params;
	printf("portal: Session.Closed at %.3f s\n", since(p->t0));
	p->session_closed = true;
	if (p->remote_command)
		finish(p, false);
	else
		on_closing(p);
}

/* -g: the command ended, or we were told to end. */
static void on_child_exit(GPid pid, gint status, gpointer data)
{
	probe *p = data;

	(void)pid;
	printf("command ended: status %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	p->child = 0;
	finish(p, !WIFEXITED(status) || WEXITSTATUS(status) != 0);
}

static gboolean on_terminate(gpointer data)
{
	probe *p = data;

	finish(p, false);
	return G_SOURCE_REMOVE;
}

/* -g: runs the command with the remote's descriptor, until it ends. */
static void run_with_remote(probe *p)
{
	char fd[16], node[16];

	snprintf(fd, sizeof fd, "%d", p->sc.pw_fd);
	snprintf(node, sizeof node, "%u", p->sc.node);
	g_setenv("KYOYU_PW_FD", fd, TRUE);
	g_setenv("KYOYU_PW_NODE", node, TRUE);
	/* GLib hands out descriptors closed on exec; this one must survive. */
	fcntl(p->sc.pw_fd, F_SETFD, 0);
	printf("command: %s\n", p->remote_command);
	fflush(stdout);
	p->child = fork();
	if (p->child == 0) {
		execl("/bin/sh", "sh", "-c", p->remote_command, (char *)NULL);
		_exit(127);
	}
	if (p->child < 0) {
		printf("FAIL cannot run the command: %s\n", strerror(errno));
		p->failed = true;
		return;
	}
	g_child_watch_add(p->child, on_child_exit, p);
	g_unix_signal_add(SIGTERM, on_terminate, p);
	g_unix_signal_add(SIGINT, on_terminate, p);
	g_main_loop_run(p->loop);
	if (p->child > 0) {
		kill(p->child, SIGTERM);
		waitpid(p->child, NULL, 0);
	}
}

static uint32_t parse_cursor_mode(const char *s)
{
	if (!strcmp(s, "hidden"))
		return PORTAL_CURSOR_HIDDEN;
	if (!strcmp(s, "embedded"))
		return PORTAL_CURSOR_EMBEDDED;
	if (!strcmp(s, "metadata"))
		return PORTAL_CURSOR_METADATA;
	return 0;
}

static int usage(const char *argv0)
{
	fprintf(stderr,
		"usage: %s [-e RRGGBB] [-t SECONDS] [-s SECONDS] [-x COMMAND] "
		"[-w SECONDS] [-c hidden|embedded|metadata] [-d] [-r TOKEN] "
		"[-p MODE] [-W] [-v] [-g COMMAND]\n",
		argv0);
	return 2;
}

static void print_summary(probe *p)
{
	printf("summary: %u buffers, %u pictures, %u without a picture, %u corrupted;",
	       p->buffers, p->pictures, p->empty, p->corrupted);
	for (uint32_t t = 0; t < 8; t++)
		if (p->by_type[t])
			printf(" %s %u", data_type_name(t), p->by_type[t]);
	printf("; damage meta on %u, cursor meta on %u (%u shapes)\n", p->with_damage,
	       p->with_cursor, p->cursor_bitmaps);
}

int main(int argc, char **argv)
{
	static const stream_events events = { on_frame, on_state, on_ended };
	probe p = { .expect = -1, .timeout = 10, .watch = 2 };
	const char *cursor = NULL;
	char *error = NULL;
	int opt;

	while ((opt = getopt(argc, argv, "e:t:s:x:w:c:dr:p:Wvg:")) != -1) {
		switch (opt) {
		case 'e':
			p.expect = strtol(optarg, NULL, 16);
			break;
		case 't':
			p.timeout = strtod(optarg, NULL);
			break;
		case 's':
			p.still = strtod(optarg, NULL);
			break;
		case 'x':
			p.command = optarg;
			break;
		case 'w':
			p.watch = strtod(optarg, NULL);
			break;
		case 'c':
			cursor = optarg;
			if (!(p.cursor_mode = parse_cursor_mode(optarg)))
				return usage(argv[0]);
			break;
		case 'd':
			p.dmabuf = true;
			break;
		case 'r':
			p.restore_token = optarg;
			break;
		case 'p':
			p.persist_mode = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		case 'g':
			p.remote_command = optarg;
			break;
		case 'W':
			p.wait_close = true;
			break;
		case 'v':
			p.verbose = true;
			break;
		default:
			return usage(argv[0]);
		}
	}
	if (p.timeout <= 0 || p.still < 0 || p.watch <= 0)
		return usage(argv[0]);

	p.loop = g_main_loop_new(NULL, FALSE);
	if (portal_screencast_connect(&p.sc, &error) < 0)
		goto out_fail;
	printf("portal: ScreenCast version %u, cursor modes 0x%x, source types 0x%x\n",
	       p.sc.version, p.sc.cursor_modes, p.sc.source_types);
	if (!cursor && (p.sc.cursor_modes & PORTAL_CURSOR_METADATA))
		p.cursor_mode = PORTAL_CURSOR_METADATA;

	p.t0 = g_get_monotonic_time();
	if (portal_screencast_start(&p.sc, p.cursor_mode, p.restore_token,
				    p.persist_mode, (int)(p.timeout * 1000), &error) < 0)
		goto out_fail;
	printf("portal: session %s, node %u, size %dx%d, cursor mode %u, "
	       "handshake %.3f s\n", p.sc.session, p.sc.node, p.sc.width, p.sc.height,
	       p.cursor_mode, since(p.t0));
	if (p.sc.restore_token)
		printf("portal: restore token %s\n", p.sc.restore_token);
	p.closed_sub = g_dbus_connection_signal_subscribe(
		p.sc.bus, NULL, "org.freedesktop.portal.Session", "Closed", p.sc.session,
		NULL, G_DBUS_SIGNAL_FLAGS_NONE, on_session_closed, &p, NULL);

	p.t0 = g_get_monotonic_time();
	if (p.remote_command) {
		run_with_remote(&p);
		goto out_close;
	}
	p.stream = stream_new(p.sc.pw_fd, p.sc.node, p.dmabuf, &events, &p, &error);
	p.sc.pw_fd = -1;        /* the stream owns it now */
	if (!p.stream)
		goto out_fail;
	enter_phase(&p, WAIT_MATCH, p.timeout);
	g_main_loop_run(p.loop);
	printf("format: %s\n", stream_format(p.stream));
	print_summary(&p);
	goto out_close;

out_fail:
	printf("FAIL %s\n", error);
	g_free(error);
	p.failed = true;
out_close:
	if (p.timer)
		g_source_remove(p.timer);
	stream_free(p.stream);
	if (p.closed_sub)
		g_dbus_connection_signal_unsubscribe(p.sc.bus, p.closed_sub);
	portal_screencast_close(&p.sc);
	g_main_loop_unref(p.loop);
	printf("%s\n", p.failed ? "result: FAIL" : "result: ok");
	return p.failed ? 1 : 0;
}
