/* SPDX-License-Identifier: MIT */
/* ui/e2ebgrx: a viewer UI that shows BGRX pictures only, for the
 * end-to-end tests.
 *
 * The core gives every UI of a viewer the same pictures, in the first
 * format of the decoders that every UI shows, so a UI that takes BGRX only
 * stands for a window that cannot show YUV and makes the core choose BGRX
 * for the others too: the tests run ui/sdl and ui/headless with it to see
 * their BGRX path even with a decoder that prefers I420.  It counts the
 * pictures it gets and, when the session ends, logs how many there were and
 * how many were not BGRX (there must be none).
 */
#include "config.h"

#include <errno.h>

#define KYOYU_LOG_COMPONENT "ui/e2ebgrx"
#include <kyoyu/kyoyu.h>

typedef struct bgrx_ui {
	kyoyu_inbox *inbox;
	uint64_t pictures, not_bgrx;
} bgrx_ui;

static const uint32_t formats[] = {KYOYU_PIXFMT_BGRX, KYOYU_PIXFMT_NONE};

static int bgrx_ui_init(void *priv, const kyoyu_host *host)
{
	(void)priv;
	return host->role == KYOYU_ROLE_VIEWER ? KYOYU_OK : KYOYU_SKIP;
}

static int bgrx_ui_start(void *priv, kyoyu_stage *stage)
{
	bgrx_ui *u = priv;

	u->inbox = kyoyu_stage_inbox(stage);
	kyoyu_inbox_set_mask(u->inbox,
			     KYOYU_MSG_BIT(KYOYU_MSG_FRAME) | KYOYU_MSG_BIT(KYOYU_MSG_STATE));
	return 0;
}

static int bgrx_ui_run(void *priv, kyoyu_stage *stage)
{
	bgrx_ui *u = priv;
	bool ended = false;

	(void)stage;
	while (!ended) {
		kyoyu_msg *msg;
		int ret = kyoyu_inbox_pop(u->inbox, &msg, -1);
		if (ret == -ESHUTDOWN)
			break;
		if (ret)
			continue;
		if (msg->type == KYOYU_MSG_FRAME) {
			u->pictures++;
			if (msg->u.frame.format != KYOYU_PIXFMT_BGRX && u->not_bgrx++ == 0)
				kyoyu_warn("got a picture in format %u, not BGRX",
					   msg->u.frame.format);
		}
		ended = msg->type == KYOYU_MSG_STATE && msg->u.state.state == KYOYU_STATE_ENDED;
		kyoyu_msg_unref(msg);
	}
	kyoyu_info("%llu pictures, %llu of them not BGRX", (unsigned long long)u->pictures,
		   (unsigned long long)u->not_bgrx);
	return 0;
}

static const kyoyu_stage_ops ops = {
	.size = sizeof(kyoyu_stage_ops),
	.start = bgrx_ui_start,
	.run = bgrx_ui_run,
	.formats = formats,
};

static const kyoyu_plugin_descriptor descriptor = {
	KYOYU_PLUGIN_HEADER,
	.kind = KYOYU_KIND_UI,
	.name = "e2ebgrx",
	.version = "0.0",
	.license = "MIT",
	.description = "a viewer UI that shows BGRX only, so the core chooses BGRX (tests)",
	.priv_size = sizeof(bgrx_ui),
	.init = bgrx_ui_init,
	.ops = &ops,
};

KYOYU_PLUGIN_DEFINE(kyoyu_ui_e2ebgrx, descriptor)
