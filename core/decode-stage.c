/* SPDX-License-Identifier: MIT */
/* The decode stage: drives a codec plugin through send_packet/receive_frame.
 * After a lost packet or a decoder error it asks the sender for a keyframe
 * and skips what cannot be decoded until one arrives. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define KYOYU_LOG_COMPONENT "decode"
#include <kyoyu/plugin.h>

#include "codecs.h"
#include "decode-stage.h"
#include "latency.h"
#include "thread-owner.h"

/* Keyframe requests are repeated at most this often while waiting. */
#define KEYFRAME_REQUEST_INTERVAL_US 500000

struct kyoyu_decode_stage {
	kyoyu_owner owner; /* the decode stage's thread calls the codecs */
	kyoyu_instance *const *decoders;
	kyoyu_instance *active;
	uint32_t codec;
	uint32_t format; /* kyoyu_pixfmt the UIs get */
	kyoyu_bus *bus;
	bool need_keyframe;
	int64_t last_request_us;
	pthread_mutex_t stats_lock;
	kyoyu_decode_stats stats;
	kyoyu_latency latency; /* guarded by stats_lock */
};

kyoyu_decode_stage *kyoyu_decode_stage_new(kyoyu_instance *const *decoders,
					   uint32_t format)
{
	kyoyu_decode_stage *st = calloc(1, sizeof(*st));

	if (!st)
		return NULL;
	kyoyu_owner_init(&st->owner);
	st->decoders = decoders;
	st->format = format;
	st->need_keyframe = true;
	pthread_mutex_init(&st->stats_lock, NULL);
	return st;
}

static void close_decoder(kyoyu_decode_stage *st)
{
	if (st->active) {
		KYOYU_ASSERT_OWNER(&st->owner);
		st->active->plugin->ops.codec.close(st->active->priv);
	}
	st->active = NULL;
	st->codec = KYOYU_CODEC_NONE;
}

void kyoyu_decode_stage_free(kyoyu_decode_stage *st)
{
	if (!st)
		return;
	close_decoder(st);
	pthread_mutex_destroy(&st->stats_lock);
	free(st);
}

void kyoyu_decode_stage_get_stats(kyoyu_decode_stage *st, kyoyu_decode_stats *out)
{
	pthread_mutex_lock(&st->stats_lock);
	*out = st->stats;
	out->latency_p50_us = kyoyu_latency_percentile(&st->latency, 50);
	out->latency_p95_us = kyoyu_latency_percentile(&st->latency, 95);
	out->latency_p99_us = kyoyu_latency_percentile(&st->latency, 99);
	pthread_mutex_unlock(&st->stats_lock);
}

#define COUNT(field)                                                           \
	do {                                                                   \
		pthread_mutex_lock(&st->stats_lock);                           \
		st->stats.field++;                                             \
		pthread_mutex_unlock(&st->stats_lock);                         \
	} while (0)

static bool decodes(const kyoyu_instance *inst, uint32_t codec)
{
	return kyoyu_codec_list_get(inst->plugin->ops.codec.decodes, codec) != NULL;
}

static int open_decoder(kyoyu_decode_stage *st, uint32_t codec)
{
	kyoyu_decoder_config config = {
		.size = sizeof(config), .codec = codec, .format = st->format,
	};
	char text[5];

	KYOYU_ASSERT_OWNER(&st->owner);
	close_decoder(st);
	for (kyoyu_instance *const *d = st->decoders; d && *d; d++) {
		if (!decodes(*d, codec))
			continue;
		int ret = (*d)->plugin->ops.codec.decoder_open((*d)->priv, &config);
		if (ret) {
			kyoyu_error("%s cannot decode %s: %s", (*d)->label,
				    kyoyu_codec_label(codec, text), strerror(-ret));
			continue;
		}
		kyoyu_info("%s decodes the %s stream into %s pictures", (*d)->label,
			   kyoyu_codec_label(codec, text), kyoyu_pixfmt_name(st->format));
		st->active = *d;
		st->codec = codec;
		/* A fresh decoder knows no reference picture yet. */
		st->need_keyframe = true;
		return 0;
	}
	return -ENOTSUP;
}

static void request_keyframe(kyoyu_decode_stage *st)
{
	int64_t now = kyoyu_now_us();

	st->need_keyframe = true;
	if (now - st->last_request_us < KEYFRAME_REQUEST_INTERVAL_US)
		return;
	st->last_request_us = now;
	COUNT(keyframe_requests);
	kyoyu_bus_post_value(st->bus, KYOYU_MSG_KEYFRAME_REQUEST, 0);
}

static int drain_frames(kyoyu_decode_stage *st, const kyoyu_msg *pkt)
{
	const kyoyu_codec_ops *ops = &st->active->plugin->ops.codec;

	for (;;) {
		kyoyu_msg *frame = NULL;
		int ret = ops->receive_frame(st->active->priv, &frame);
		if (ret == -EAGAIN || ret == KYOYU_EOF)
			return 0;
		if (ret) {
			kyoyu_msg_unref(frame);
			return ret;
		}
		if (!frame || frame->type != KYOYU_MSG_FRAME || !frame->buf ||
		    frame->u.frame.format != st->format || !kyoyu_msg_is_writable(frame)) {
			kyoyu_error("%s gave no picture, or one without pixels, in "
				    "another format than it was opened for, or one it "
				    "still holds", st->active->label);
			kyoyu_msg_unref(frame);
			continue;
		}
		/* Displays measure capture-to-display latency from this. */
		frame->time_us = pkt->u.packet.capture_us ? pkt->u.packet.capture_us
							  : pkt->time_us;
		/* A refinement sharpens the picture before it and keeps its
		 * capture time: UIs must not take it for news. */
		if (pkt->u.packet.flags & KYOYU_PACKET_REFINE)
			frame->u.frame.flags |= KYOYU_FRAME_REFINE;
		int64_t latency = kyoyu_now_us() - frame->time_us;
		kyoyu_bus_post(st->bus, frame);
		pthread_mutex_lock(&st->stats_lock);
		st->stats.frames++;
		/* A refinement re-sends an old picture: its age is not latency. */
		if (!(pkt->u.packet.flags & KYOYU_PACKET_REFINE))
			kyoyu_latency_add(&st->latency, latency);
		pthread_mutex_unlock(&st->stats_lock);
	}
}

static void decode(kyoyu_decode_stage *st, const kyoyu_msg *pkt)
{
	const kyoyu_packet_info *info = &pkt->u.packet;
	bool key = info->flags & KYOYU_PACKET_KEYFRAME;

	KYOYU_ASSERT_OWNER(&st->owner);
	COUNT(packets);
	if (info->codec != st->codec && open_decoder(st, info->codec) != 0) {
		char text[5];
		if (st->codec != KYOYU_CODEC_NONE || st->stats.errors == 0)
			kyoyu_error("no decoder for %s: build kyoyu with the codec "
				    "plugin that decodes it",
				    kyoyu_codec_label(info->codec, text));
		COUNT(errors);
		return;
	}
	if (info->flags & KYOYU_PACKET_DISCONT)
		st->need_keyframe = true;
	if (st->need_keyframe && !key) {
		COUNT(skipped);
		request_keyframe(st);
		return;
	}
	const kyoyu_codec_ops *ops = &st->active->plugin->ops.codec;
	int ret = ops->send_packet(st->active->priv, pkt);
	if (ret == -EAGAIN && (ret = drain_frames(st, pkt)) == 0)
		ret = ops->send_packet(st->active->priv, pkt);
	if (ret == 0)
		ret = drain_frames(st, pkt);
	if (ret) {
		COUNT(errors);
		kyoyu_warn("%s could not decode a packet (%s); asking for a keyframe",
			   st->active->label, strerror(-ret));
		/* A fresh decoder cannot be confused by what came before. */
		uint32_t codec = st->codec;
		close_decoder(st);
		open_decoder(st, codec);
		request_keyframe(st);
		return;
	}
	if (key)
		st->need_keyframe = false;
}

int kyoyu_decode_stage_run(void *ctx, kyoyu_stage *kstage)
{
	kyoyu_decode_stage *st = ctx;
	kyoyu_inbox *inbox = kyoyu_stage_inbox(kstage);

	kyoyu_owner_hand_to(&st->owner, kstage);
	st->bus = kyoyu_stage_bus(kstage);
	kyoyu_inbox_set_mask(inbox, KYOYU_DECODE_STAGE_MASK);
	for (;;) {
		kyoyu_msg *msg;
		int ret = kyoyu_inbox_pop(inbox, &msg, -1);
		if (ret == -ESHUTDOWN)
			break;
		if (ret)
			continue;
		if (msg->type == KYOYU_MSG_PACKET)
			decode(st, msg);
		else if (msg->type == KYOYU_MSG_STATE &&
			 msg->u.state.state == KYOYU_STATE_PAUSED)
			st->need_keyframe = true;
		kyoyu_msg_unref(msg);
	}
	close_decoder(st);
	return 0;
}
