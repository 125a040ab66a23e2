/* SPDX-License-Identifier: MIT */
/* Fake capture plugins (and one UI) for the loader tests.
 *
 * One source, built several times with different -D flags, so every module
 * is a real shared object that differs from the good one in exactly the way
 * its name says:
 *   kyoyu-capture-good       valid: posts a small picture each tick while sharing
 *   kyoyu-capture-abi2       built for plugin ABI major 2
 *   kyoyu-capture-newminor   built for a minor newer than this core's
 *   kyoyu-capture-norun      its stage ops lack the required run()
 *   kyoyu-capture-nodescribe exports no describe function
 *   kyoyu-capture-misnamed   its descriptor calls it "someone-else"
 *   kyoyu-capture-badoffset  an option whose field lies outside priv_size
 *   kyoyu-capture-dupkey     an option table declaring one key twice
 *   kyoyu-capture-noformats  its stage ops list no pixel format it posts
 *   kyoyu-ui-shortops        a UI (which may list no formats) whose stage ops'
 *                            size stops before stop(), with garbage where
 *                            stop() would be: the core must read it, and the
 *                            formats after it, as NULL (zero-extension)
 *   kyoyu-capture-unresolved needs a function no kyoyu provides (bind-now)
 *   kyoyu-capture-private    calls the bus's gate, which is the core's own and
 *                            not exported by libkyoyu
 *   kyoyu-capture-rude       loads, but breaks the capture contract that
 *                            kyoyu-plugin-check checks: it posts while not
 *                            sharing, never flags a key picture, and damages
 *                            a corner beyond the picture
 *   kyoyu-capture-crash      dies of SIGSEGV when sharing starts
 * FAKE_MODULE is the module name with '-' as '_', FAKE_NAME the name the
 * descriptor gives, FAKE_KIND its kind when not a capture.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>

#define KYOYU_LOG_COMPONENT "capture/fake"
#include <kyoyu/kyoyu.h>

#ifndef FAKE_ABI_MAJOR
#define FAKE_ABI_MAJOR KYOYU_ABI_MAJOR
#endif
#ifndef FAKE_ABI_MINOR
#define FAKE_ABI_MINOR KYOYU_ABI_MINOR
#endif
#ifndef FAKE_KIND
#define FAKE_KIND KYOYU_KIND_CAPTURE
#endif

typedef struct fake_capture {
	int width, height, fps;
	bool skip, fail;
	kyoyu_bus *bus;
	bool sharing, send_key;
	uint32_t counter;
} fake_capture;

static const kyoyu_option options[] = {
	KYOYU_OPTION_INT("width", fake_capture, width, 64, 16, 4096, "picture width"),
	KYOYU_OPTION_INT("height", fake_capture, height, 48, 16, 4096, "picture height"),
	KYOYU_OPTION_INT("fps", fake_capture, fps, 50, 1, 200, "pictures per second"),
	KYOYU_OPTION_BOOL("skip", fake_capture, skip, 0, "init() answers KYOYU_SKIP"),
	KYOYU_OPTION_BOOL("fail", fake_capture, fail, 0, "init() fails with -ENODEV"),
#ifdef FAKE_BAD_OFFSET
	{"beyond", KYOYU_OPT_INT, sizeof(fake_capture), "lies past the struct", 0, 0, 1,
	 NULL, NULL, {NULL, NULL}},
#endif
#ifdef FAKE_DUP_KEY
	KYOYU_OPTION_INT("fps", fake_capture, counter, 1, 0, 10, "fps again"),
#endif
	KYOYU_OPTION_END,
};

#ifdef FAKE_UNRESOLVED
/* No kyoyu has this: with -Wl,-z,now the module must fail to load. */
int kyoyu_function_from_a_future_core(void);
#endif

#ifdef FAKE_PRIVATE
/* Declared in core/bus-priv.h, defined in the agent's core: a plugin that
 * reopens the gate a pause closed must not even load. */
void kyoyu_bus_open_to(kyoyu_bus *bus, uint64_t mask, int64_t since_us);
#endif

static int fake_init(void *priv, const kyoyu_host *host)
{
	fake_capture *f = priv;

#ifdef FAKE_UNRESOLVED
	if (host->size == 0)
		return kyoyu_function_from_a_future_core();
#endif
#ifdef FAKE_PRIVATE
	if (host->size == 0)
		kyoyu_bus_open_to(host->bus, KYOYU_MSG_SCREEN_CONTENT, 0);
#endif
	f->bus = host->bus;
	if (f->fail)
		return -ENODEV;
	return f->skip ? KYOYU_SKIP : KYOYU_OK;
}

static int fake_start(void *priv, kyoyu_stage *stage)
{
	kyoyu_inbox_set_mask(kyoyu_stage_inbox(stage), KYOYU_MSG_BIT(KYOYU_MSG_STATE));
	return 0;
}

#ifndef FAKE_NO_RUN
/* A picture whose first pixel counts the frames, damaged where it changed. */
static void post_picture(fake_capture *f)
{
	kyoyu_msg *msg = kyoyu_msg_new(KYOYU_MSG_FRAME);

	if (!msg)
		return;
	size_t bytes = kyoyu_frame_layout(&msg->u.frame, KYOYU_PIXFMT_BGRX,
					  (uint32_t)f->width, (uint32_t)f->height);
	msg->buf = kyoyu_buffer_new(bytes);
	if (!msg->buf) {
		kyoyu_msg_unref(msg);
		return;
	}
	f->counter++;
	memcpy(kyoyu_buffer_data(msg->buf), &f->counter, sizeof(f->counter));
#ifdef FAKE_RUDE
	kyoyu_region_add(&msg->u.frame.damage,
			 (kyoyu_rect){f->width - 2, f->height - 2, 4, 4});
	f->send_key = false;
#else
	kyoyu_region_add(&msg->u.frame.damage, (kyoyu_rect){0, 0, 1, 1});
#endif
	if (f->send_key) {
		msg->u.frame.flags |= KYOYU_FRAME_KEY;
		kyoyu_region_set_full(&msg->u.frame.damage, f->width, f->height);
		f->send_key = false;
	}
	kyoyu_bus_post(f->bus, msg);
}

static int fake_run(void *priv, kyoyu_stage *stage)
{
	fake_capture *f = priv;
	kyoyu_inbox *inbox = kyoyu_stage_inbox(stage);

	for (;;) {
		kyoyu_msg *msg;
		int ret = kyoyu_inbox_pop(inbox, &msg, 1000 / f->fps);
		if (ret == -ESHUTDOWN)
			return 0;
		if (ret == 0) {
			bool sharing = msg->u.state.state == KYOYU_STATE_SHARING;
			bool ended = msg->u.state.state == KYOYU_STATE_ENDED;
			f->send_key |= sharing && !f->sharing;
#ifdef FAKE_CRASH
			if (sharing)
				raise(SIGSEGV);
#endif
			f->sharing = sharing;
			kyoyu_msg_unref(msg);
			if (ended)
				return 0;
			continue;
		}
#ifdef FAKE_RUDE
		post_picture(f);
#else
		if (f->sharing)
			post_picture(f);
#endif
	}
}
#endif

#ifdef FAKE_SHORT_OPS
static const uint32_t garbage_formats[] = {0xdeadbeef, 0xdeadbeef};

/* Laid out as kyoyu_stage_ops, but its size says it ends before stop(), as
 * a plugin built before stop() existed would: what follows is garbage the
 * core must not take for a callback or a list. */
static const kyoyu_stage_ops short_ops = {
	.size = offsetof(kyoyu_stage_ops, stop),
	.start = fake_start,
	.run = fake_run,
	.stop = (void (*)(void *))(uintptr_t)0xdeadbeef,
	.formats = garbage_formats,
};
#define FAKE_OPS (&short_ops)
#else
static void fake_stop(void *priv)
{
	(void)priv;
}


#ifndef FAKE_NO_FORMATS
static const uint32_t formats[] = {KYOYU_PIXFMT_BGRX, KYOYU_PIXFMT_NONE};
#endif

static const kyoyu_stage_ops ops = {
	.size = sizeof(kyoyu_stage_ops),
	.start = fake_start,
#ifndef FAKE_NO_RUN
	.run = fake_run,
#endif
	.stop = fake_stop,
#ifndef FAKE_NO_FORMATS
	.formats = formats,
#endif
};
#define FAKE_OPS (&ops)
#endif

static const kyoyu_plugin_descriptor descriptor = {
	.abi_major = FAKE_ABI_MAJOR,
	.abi_minor = FAKE_ABI_MINOR,
	.size = sizeof(kyoyu_plugin_descriptor),
	.kind = FAKE_KIND,
	.name = FAKE_NAME,
	.version = "0.0",
	.license = "MIT",
	.description = "a fake capture for the loader tests",
	.priv_size = sizeof(fake_capture),
	.options = options,
	.init = fake_init,
	.ops = FAKE_OPS,
};

#ifndef FAKE_NO_DESCRIBE
/* One more level, so FAKE_MODULE is expanded before KYOYU_PLUGIN_DEFINE
 * pastes it into the symbol name. */
#define DEFINE_PLUGIN(module, desc) KYOYU_PLUGIN_DEFINE(module, desc)
DEFINE_PLUGIN(FAKE_MODULE, descriptor)
#else
/* Something to export, but not what the loader looks for. */
__attribute__((visibility("default"))) const kyoyu_plugin_descriptor *
FAKE_MODULE(void);
const kyoyu_plugin_descriptor *FAKE_MODULE(void)
{
	return &descriptor;
}
#endif
