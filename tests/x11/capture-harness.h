/* SPDX-License-Identifier: MIT */
/* A capture plugin on a real frame bus, as the agent would run it: loaded
 * from the build tree, initialised with "capture.key=value" settings,
 * started on its own stage, moved in and out of sharing the way the
 * session does it (gate first, then STATE), and read through a sink inbox
 * subscribed to what capture posts.  Shared by the x11 tests and the
 * capture benchmark's frame counter; it never asserts, it returns errors. */
#ifndef KYOYU_TESTS_CAPTURE_HARNESS_H
#define KYOYU_TESTS_CAPTURE_HARNESS_H

#include <stdbool.h>
#include <stddef.h>

#include <kyoyu/plugin.h>

#include "instance.h"
#include "loader.h"

/* What the sink receives: everything a capture plugin posts. */
#define CAPTURE_SINK_MASK                                                      \
	(KYOYU_MSG_BIT(KYOYU_MSG_FRAME) | KYOYU_MSG_BIT(KYOYU_MSG_CURSOR) |    \
	 KYOYU_MSG_BIT(KYOYU_MSG_VIDEO_SIZE) | KYOYU_MSG_BIT(KYOYU_MSG_ERROR))

typedef struct capture_harness {
	kyoyu_loader loader;
	bool loader_ready;
	kyoyu_bus *bus;
	kyoyu_instance *capture;
	kyoyu_stage *stage;
	bool started;
	kyoyu_inbox *sink;
} capture_harness;

/* Loads capture/NAME from PLUGIN_DIR and initialises it with ARGS
 * ("capture.fps=10", NULL-terminated, may be NULL).  Returns KYOYU_OK,
 * KYOYU_SKIP (the plugin declined), or a negative errno with ERR filled.
 * Call capture_harness_close() in every case. */
int capture_harness_open(capture_harness *h, const char *plugin_dir, const char *name,
			 const char *const *args, char *err, size_t errlen);

/* The plugin's start(), then its run() on the stage's thread.  Like the
 * core facing an encoder that takes any format, it sets host->frame_format
 * to the capture's first format, unless the caller already set
 * h->capture->host.frame_format. */
int capture_harness_start(capture_harness *h);

/* Moves the pretend session to STATE: opens or closes the bus to screen
 * content as the session does, then posts STATE.  Returns 0, or -ENOMEM
 * when there was no memory for the message. */
int capture_harness_set_state(capture_harness *h, uint32_t state);

/* The next message capture posted, waiting up to TIMEOUT_MS: *MSG holds a
 * reference the caller drops with kyoyu_msg_unref().  Returns 0 or
 * -EAGAIN. */
int capture_harness_next(capture_harness *h, kyoyu_msg **msg, int timeout_ms);

/* Stops the stage (the plugin's stop()), then frees everything. */
void capture_harness_close(capture_harness *h);

#endif
