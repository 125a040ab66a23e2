/* SPDX-License-Identifier: MIT */
/* ui/customer: a customer who answers the question asked before anything is
 * shared, with ui.answer ("yes" or "no"), for the tests that run a sharer
 * with no person at it (the pipeline on fakes, a file as the peer).  The
 * tests of the question itself use the real UIs (ui/tty, ui/gtk).  With
 * ui.reads_end_ms, it stays after the end as a window would
 * (kyoyu_stage_stay_after_end) and "closes" that long after the end. */
#include "config.h"

#include <errno.h>

#define KYOYU_LOG_COMPONENT "ui/customer"
#include <kyoyu/kyoyu.h>

enum { ANSWER_YES, ANSWER_NO };
static const char *const answers[] = {"yes", "no", NULL};

typedef struct customer {
	int answer;
	int reads_end_ms;
	kyoyu_bus *bus;
} customer;

static const kyoyu_option options[] = {
	KYOYU_OPTION_ENUM("answer", customer, answer, ANSWER_YES, answers,
			  "what the customer answers when asked to share"),
	KYOYU_OPTION_INT("reads_end_ms", customer, reads_end_ms, 0, 0, 60000,
			 "stay after the end this long, then close (0: do not stay)"),
	KYOYU_OPTION_END,
};

static int customer_init(void *priv, const kyoyu_host *host)
{
	customer *c = priv;

	if (host->role != KYOYU_ROLE_SHARER)
		return KYOYU_SKIP;
	c->bus = host->bus;
	return KYOYU_OK;
}

static int customer_start(void *priv, kyoyu_stage *stage)
{
	customer *c = priv;

	if (c->reads_end_ms)
		kyoyu_stage_stay_after_end(stage);
	kyoyu_inbox_set_mask(kyoyu_stage_inbox(stage), KYOYU_MSG_BIT(KYOYU_MSG_CONSENT) |
						       KYOYU_MSG_BIT(KYOYU_MSG_STATE));
	return 0;
}

static int customer_run(void *priv, kyoyu_stage *stage)
{
	customer *c = priv;
	kyoyu_inbox *inbox = kyoyu_stage_inbox(stage);
	bool ended = false;

	while (!ended) {
		kyoyu_msg *msg;
		int ret = kyoyu_inbox_pop(inbox, &msg, -1);
		if (ret == -ESHUTDOWN)
			break;
		if (ret)
			continue;
		if (msg->type == KYOYU_MSG_CONSENT &&
		    (msg->u.value == KYOYU_CONSENT_ASK_RECORDED ||
		     msg->u.value == KYOYU_CONSENT_ASK_UNRECORDED))
			kyoyu_bus_post_value(c->bus, KYOYU_MSG_CONSENT,
					     c->answer == ANSWER_YES ? KYOYU_CONSENT_GRANTED
								     : KYOYU_CONSENT_DECLINED);
		ended = msg->type == KYOYU_MSG_STATE && msg->u.state.state == KYOYU_STATE_ENDED;
		kyoyu_msg_unref(msg);
	}
	/* Reading how it ended; a stop request cuts that short, as it would
	 * close a window. */
	int64_t closes_at = kyoyu_now_us() + (int64_t)c->reads_end_ms * 1000;
	while (ended && kyoyu_now_us() < closes_at) {
		kyoyu_msg *msg;
		int ret = kyoyu_inbox_pop(inbox, &msg,
					  (int)((closes_at - kyoyu_now_us()) / 1000) + 1);
		if (ret == -ESHUTDOWN) {
			kyoyu_info("stopped before the customer closed the window");
			break;
		}
		if (ret == 0)
			kyoyu_msg_unref(msg);
	}
	return 0;
}

static const kyoyu_stage_ops ops = {
	.size = sizeof(kyoyu_stage_ops),
	.start = customer_start,
	.run = customer_run,
	.formats = NULL,
};

static const kyoyu_plugin_descriptor descriptor = {
	KYOYU_PLUGIN_HEADER,
	.kind = KYOYU_KIND_UI,
	.name = "customer",
	.version = PACKAGE_VERSION,
	.license = "MIT",
	.description = "a customer who answers the question before sharing (tests)",
	.priv_size = sizeof(customer),
	.options = options,
	.init = customer_init,
	.ops = &ops,
};

KYOYU_PLUGIN_DEFINE(kyoyu_ui_customer, descriptor)
