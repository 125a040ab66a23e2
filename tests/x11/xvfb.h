/* SPDX-License-Identifier: MIT */
/* Private X servers and X clients for the x11 tests: an Xvfb on a free
 * display number, and helper programs (xdotool, xterm) run against it. */
#ifndef KYOYU_TESTS_XVFB_H
#define KYOYU_TESTS_XVFB_H

#include <stdbool.h>
#include <sys/types.h>

typedef struct xvfb {
	pid_t pid;
	char display[16]; /* ":N" */
} xvfb;

/* True when PROGRAM is on $PATH. */
bool program_available(const char *program);

/* Starts Xvfb with one screen of GEOMETRY ("1920x1080x24") on a display
 * number it picks itself (-displayfd), and waits until it accepts clients.
 * Returns 0, -ENOENT when Xvfb is not installed, or another negative errno. */
int xvfb_start(xvfb *x, const char *geometry);

/* Terminates the server and waits for it. */
void xvfb_stop(xvfb *x);

/* Runs ARGV (NULL-terminated) with DISPLAY set; returns its pid, or -1. */
pid_t spawn_on(const char *display, char *const argv[]);

/* Runs ARGV with DISPLAY set and waits: its exit status, or -1. */
int run_on(const char *display, char *const argv[]);

/* Terminates and reaps a process started by spawn_on(). */
void stop_process(pid_t pid);

#endif
