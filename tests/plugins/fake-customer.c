/* SPDX-License-Identifier: MIT */
/* ui/customer: a customer who answers the question asked before anything is
 * shared, with ui.answer ("yes" or "no"), for the tests that run a sharer
 * with no person at it (the pipeline on fakes, a file as the peer).  The
 * tests of the question itself use the real UIs (ui/tty, ui/gtk).  With
 * ui.reads_end_ms, it stays after the end as a window would
 * (kyoyu_stage_stay_after_end) and "closes" that long after the end.
 *
 * Where the sharer has no UI of its own yet (Windows, under Wine, whose
 * control socket does not work there either) it is also the customer who
 * types the code (ui.code, when the transport asks) and pauses: ui.pause_at_ms
 * after sharing starts, for ui.pause_ms (tests/win64/session-wine.sh). */
#include "config.h"

#include <errno.h>
#include <string.h>

#define KYOYU_LOG_COMPONENT "ui/customer"
#include <kyoyu/kyoyu.h>

enum { ANSWER_YES, ANSWER_NO };
static const char *const answers[] = {"yes", "no", NULL};

typedef struct customer {
	int answer;
	int reads_end_ms;
	const char *code;
	int pause_at_ms, pause_ms;
	kyoyu_bus *bus;
} customer;

static const kyoyu_option options[] = {
	KYOYU_OPTION_ENUM("answer", customer, answer, ANSWER_YES, answers,
			  "what the customer answers when asked to share"),
	KYOYU_OPTION_INT("reads_end_ms", customer, reads_end_ms, 0, 0, 60000,
			 "stay after the end this long, then close (0: do not stay)"),
	KYOYU_OPTION_STRING("code", customer, code, NULL,
			    "the connection code typed when the transport asks for one"),
	KYOYU_OPTION_INT("pause_at_ms", customer, pause_at_ms, 0, 0, 3600000,
			 "pause this long after sharing first starts (0: never)"),
	KYOYU_OPTION_INT("pause_ms", customer, pause_ms, 10000, 1, 3600000,
			 "and resume this long after pausing"),
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
						       KYOYU_MSG_BIT(KYOYU_MSG_STATE) |
						       KYOYU_MSG_BIT(KYOYU_MSG_CODE));
	return 0;
}

static void type_code(customer *c)
{
	kyoyu_msg *msg = kyoyu_msg_new(KYOYU_MSG_CODE);

	if (!msg)
		return;
	msg->buf = kyoyu_buffer_new_copy(c->code, strlen(c->code));
	msg->u.value = KYOYU_CODE_ENTERED;
	kyoyu_bus_post(c->bus, msg);
}

/* The timeout for the next pop: until AT (0: none), in ms. */
static int ms_until(int64_t at)
{
	if (at == 0)
		return -1;
	int64_t left = at - kyoyu_now_us();
	return left <= 0 ? 0 : (int)(left / 1000) + 1;
}

static int customer_run(void *priv, kyoyu_stage *stage)
{
	customer *c = priv;
	kyoyu_inbox *inbox = kyoyu_stage_inbox(stage);
	bool ended = false, shared = false, typed = false;
	int64_t pause_at = 0, resume_at = 0;

	while (!ended) {
		kyoyu_msg *msg;
		int ret = kyoyu_inbox_pop(inbox, &msg, ms_until(pause_at ? pause_at : resume_at));
		if (ret == -ESHUTDOWN)
			break;
		int64_t now = kyoyu_now_us();
		if (pause_at && now >= pause_at) {
			kyoyu_info("the customer pauses for %d ms", c->pause_ms);
			kyoyu_bus_post_value(c->bus, KYOYU_MSG_PAUSE, 0);
			pause_at = 0;
			resume_at = now + (int64_t)c->pause_ms * 1000;
		} else if (resume_at && now >= resume_at) {
			kyoyu_info("the customer resumes");
			kyoyu_bus_post_value(c->bus, KYOYU_MSG_RESUME, 0);
			resume_at = 0;
		}
		if (ret)
			continue;
		/* Once: a code refused once is refused again. */
		if (msg->type == KYOYU_MSG_CODE && msg->u.value == KYOYU_CODE_NEEDED && c->code &&
		    !typed) {
			type_code(c);
			typed = true;
		}
		if (msg->type == KYOYU_MSG_STATE && msg->u.state.state == KYOYU_STATE_SHARING &&
		    !shared) {
			shared = true;
			if (c->pause_at_ms)
				pause_at = kyoyu_now_us() + (int64_t)c->pause_at_ms * 1000;
		}
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
