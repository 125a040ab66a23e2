/* SPDX-License-Identifier: MIT */
/* Keys and lines from standard input, without ever blocking the process.
 *
 * On a terminal, input is read key by key (no echo, no line editing by the
 * terminal; Ctrl-C still interrupts) and the terminal is restored at the
 * end.  Otherwise (a pipe, a file, /dev/null) input is read line by line,
 * and end of input just means no more input: the session goes on.  Opened
 * in start() and closed in stop() on the core's thread, read by the stage's
 * thread in between. */
#ifndef UI_TTY_INPUT_H
#define UI_TTY_INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <termios.h>

#define TTY_LINE_MAX 128

typedef struct tty_input {
	int fd;
	bool terminal; /* key by key */
	bool raw;      /* the terminal's settings were changed */
	bool closed;   /* end of input */
	struct termios saved;
	char line[TTY_LINE_MAX];
	size_t len;
	bool overflow; /* the current line is too long: it is dropped */
} tty_input;

/* Starts reading FD (standard input).  Returns 0. */
int tty_input_open(tty_input *in, int fd);

/* Gives the terminal its settings back. */
void tty_input_close(tty_input *in);

/* Reads what is there (call when FD polls readable).  Calls ON_KEY for each
 * key typed on a terminal, or ON_LINE for each complete line otherwise. */
void tty_input_read(tty_input *in, void (*on_key)(void *ctx, int key),
		    void (*on_line)(void *ctx, const char *line), void *ctx);

#endif
