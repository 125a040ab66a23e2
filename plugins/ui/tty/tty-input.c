/* SPDX-License-Identifier: MIT */
/* Keys and lines from standard input, without blocking. */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "tty-input.h"

int tty_input_open(tty_input *in, int fd)
{
	memset(in, 0, sizeof(*in));
	in->fd = fd;
	in->terminal = isatty(fd);
	if (in->terminal && tcgetattr(fd, &in->saved) == 0) {
		struct termios t = in->saved;
		/* Keys arrive one at a time; the terminal still turns Ctrl-C into
		 * an interrupt, which ends the session cleanly. */
		t.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
		t.c_cc[VMIN] = 1;
		t.c_cc[VTIME] = 0;
		in->raw = tcsetattr(fd, TCSANOW, &t) == 0;
	}
	in->terminal = in->raw;
	return 0;
}

void tty_input_close(tty_input *in)
{
	if (in->raw)
		tcsetattr(in->fd, TCSANOW, &in->saved);
	in->raw = false;
}

static void take_line_byte(tty_input *in, char c, void (*on_line)(void *, const char *),
			   void *ctx)
{
	if (c == '\n') {
		if (!in->overflow) {
			if (in->len && in->line[in->len - 1] == '\r')
				in->len--;
			in->line[in->len] = '\0';
			on_line(ctx, in->line);
		}
		memset(in->line, 0, sizeof(in->line)); /* it may have held a code */
		in->len = 0;
		in->overflow = false;
		return;
	}
	if (in->len + 1 >= sizeof(in->line)) {
		in->overflow = true;
		return;
	}
	in->line[in->len++] = c;
}

void tty_input_read(tty_input *in, void (*on_key)(void *ctx, int key),
		    void (*on_line)(void *ctx, const char *line), void *ctx)
{
	char buf[256];

	if (in->closed)
		return;
	/* Only what poll() said is there: a second read could block. */
	ssize_t n = read(in->fd, buf, sizeof(buf));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		in->closed = true;
		if (!in->terminal && in->len && !in->overflow)
			take_line_byte(in, '\n', on_line, ctx);
		return;
	}
	for (ssize_t i = 0; i < n; i++) {
		if (in->terminal)
			on_key(ctx, (unsigned char)buf[i]);
		else
			take_line_byte(in, buf[i], on_line, ctx);
	}
	memset(buf, 0, sizeof(buf));
}
