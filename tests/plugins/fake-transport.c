/* SPDX-License-Identifier: MIT */
/* transport/fake: a peer that connects at once and swallows packets.
 * See fake-transport.h. */
#include "config.h"

#include <errno.h>
#include <string.h>

#define KYOYU_LOG_COMPONENT "transport/fake"
#include <kyoyu/kyoyu.h>

#include "fake-transport.h"

static const kyoyu_option options[] = {
	KYOYU_OPTION_BOOL("recording", fake_transport, recording, 0,
			  "announce that the viewer records the session"),
	KYOYU_OPTION_END,
};

static int fake_init(void *priv, const kyoyu_host *host)
{
	fake_transport *t = priv;

	t->bus = host->bus;
	t->codec = host->codecs ? host->codecs[0] : KYOYU_CODEC_NONE;
	atomic_store(&t->first_flags, -1);
	return KYOYU_OK;
}

static int fake_start(void *priv, kyoyu_stage *stage)
{
	(void)priv;
	kyoyu_inbox_set_mask(kyoyu_stage_inbox(stage), KYOYU_MSG_BIT(KYOYU_MSG_PACKET) |
						       KYOYU_MSG_BIT(KYOYU_MSG_STATE));
	return 0;
}

static void count_packet(fake_transport *t, const kyoyu_packet_info *p)
{
	int none = -1;

	atomic_compare_exchange_strong(&t->first_flags, &none, (int)p->flags);
	atomic_fetch_add(&t->packets, 1);
	if (p->flags & KYOYU_PACKET_KEYFRAME)
		atomic_fetch_add(&t->keyframes, 1);
	if (p->flags & KYOYU_PACKET_REFINE)
		atomic_fetch_add(&t->refines, 1);
	if (p->flags & KYOYU_PACKET_DISCONT)
		atomic_fetch_add(&t->disconts, 1);
}

static int fake_run(void *priv, kyoyu_stage *stage)
{
	fake_transport *t = priv;
	kyoyu_inbox *inbox = kyoyu_stage_inbox(stage);
	static const char peer[] = "fake peer";

	kyoyu_msg *msg = kyoyu_msg_new(KYOYU_MSG_PEER);
	if (!msg)
		return -ENOMEM;
	msg->u.peer = (kyoyu_peer_info){
		.event = KYOYU_PEER_CONNECTED,
		.codec = t->codec,
		.recording = t->recording,
	};
	msg->buf = kyoyu_buffer_new_copy(peer, sizeof(peer) - 1);
	kyoyu_bus_post(t->bus, msg);
	for (;;) {
		int ret = kyoyu_inbox_pop(inbox, &msg, -1);
		if (ret == -ESHUTDOWN)
			return 0;
		if (ret)
			continue;
		bool ended = false;
		if (msg->type == KYOYU_MSG_PACKET) {
			count_packet(t, &msg->u.packet);
		} else if (msg->type == KYOYU_MSG_STATE) {
			atomic_store(&t->last_state, (int)msg->u.state.state);
			if (msg->u.state.state == KYOYU_STATE_ENDED) {
				atomic_store(&t->ended_reason, (int)msg->u.state.reason);
				ended = true;
			}
		}
		kyoyu_msg_unref(msg);
		if (ended)
			return 0;
	}
}

static const kyoyu_stage_ops ops = {
	.size = sizeof(kyoyu_stage_ops),
	.start = fake_start,
	.run = fake_run,
};

static const kyoyu_plugin_descriptor descriptor = {
	KYOYU_PLUGIN_HEADER,
	.kind = KYOYU_KIND_TRANSPORT,
	.name = "fake",
	.version = "0.0",
	.license = "MIT",
	.description = "connects at once and counts packets, for tests",
	.priv_size = sizeof(fake_transport),
	.options = options,
	.init = fake_init,
	.ops = &ops,
};

KYOYU_PLUGIN_DEFINE(kyoyu_transport_fake, descriptor)
