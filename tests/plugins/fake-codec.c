/* SPDX-License-Identifier: MIT */
/* codec/fake: pixels in, the same pixels out as "packets", and back.
 * See fake-codec.h for how the tests steer it.
 *
 * Built again as kyoyu-codec-deaf (FAKE_CODEC_DEAF), which breaks the codec
 * contract kyoyu-plugin-check checks: it ignores request_keyframe() and
 * stamps its packets with no capture time. */
#include "config.h"

#include <errno.h>
#include <string.h>

#define KYOYU_LOG_COMPONENT "codec/fake"
#include <kyoyu/kyoyu.h>

#include "fake-codec.h"

static const kyoyu_option options[] = {
	KYOYU_OPTION_INT("packets_per_frame", fake_codec, packets_per_frame, 1, 1, 4,
			 "packets produced for each frame"),
	KYOYU_OPTION_END,
};

static const kyoyu_codec_desc codecs[] = {
	KYOYU_CODEC_DESC(KYOYU_CODEC_VP8, "vp8"),
	KYOYU_CODEC_DESC(KYOYU_CODEC_VP9, "vp9"),
	KYOYU_CODEC_DESC(KYOYU_CODEC_H264, "h264"),
	KYOYU_CODEC_DESC_END,
};

/* The packets are the BGRX pixels themselves, both ways. */
static const uint32_t formats[] = {KYOYU_PIXFMT_BGRX, KYOYU_PIXFMT_NONE};

/* True (and one failure used up) when the test asked for a failure. */
static bool take_failure(atomic_int *hook)
{
	int left = atomic_load(hook);
	while (left > 0) {
		if (atomic_compare_exchange_weak(hook, &left, left - 1))
			return true;
	}
	return false;
}

static int fake_init(void *priv, const kyoyu_host *host)
{
	fake_codec *c = priv;

	(void)host;
	pthread_mutex_init(&c->lock, NULL);
	return KYOYU_OK;
}

/* Lets go of the kept frame, noting whether anybody changed it while the
 * codec held it. */
static void drop_frame(fake_codec *c)
{
	if (!c->frame)
		return;
	if (memcmp(&c->frame->u.frame, &c->frame_info, sizeof(c->frame_info)) != 0 ||
	    c->frame->time_us != c->frame_time_us)
		atomic_fetch_add(&c->frames_changed, 1);
	kyoyu_msg_unref(c->frame);
	c->frame = NULL;
}

static void drop_packet(fake_codec *c)
{
	kyoyu_msg_unref(c->packet);
	c->packet = NULL;
}

static void fake_close(void *priv)
{
	fake_codec *c = priv;

	drop_frame(c);
	drop_packet(c);
	c->pending_left = 0;
	c->encoding = c->decoding = c->draining = c->key_requested = false;
	atomic_fetch_add(&c->closes, 1);
}

static void fake_fini(void *priv)
{
	fake_codec *c = priv;

	drop_frame(c);
	drop_packet(c);
	pthread_mutex_destroy(&c->lock);
}

static int fake_encoder_open(void *priv, const kyoyu_encoder_config *config)
{
	fake_codec *c = priv;

	if (take_failure(&c->fail_opens))
		return -EIO;
	if (config->width == 0 || config->height == 0)
		return -EINVAL;
	if (config->format != KYOYU_PIXFMT_BGRX)
		return -ENOTSUP;
	c->encoding = true;
	c->draining = false;
	c->key_requested = true; /* the first packet of a stream is a keyframe */
	c->codec = config->codec;
	c->width = config->width;
	c->height = config->height;
	atomic_store(&c->bitrate_kbps, (int)config->bitrate_kbps);
	atomic_fetch_add(&c->encoder_opens, 1);
	return 0;
}

static void log_frame(fake_codec *c, const kyoyu_msg *frame, uint32_t packet_flags)
{
	pthread_mutex_lock(&c->lock);
	if (c->n_log < FAKE_CODEC_LOG) {
		c->log[c->n_log++] = (fake_codec_frame){
			.flags = frame->u.frame.flags,
			.width = frame->u.frame.width,
			.height = frame->u.frame.height,
			.damage = frame->u.frame.damage,
			.packet_flags = packet_flags,
		};
	}
	pthread_mutex_unlock(&c->lock);
}

static int fake_send_frame(void *priv, const kyoyu_msg *frame)
{
	fake_codec *c = priv;

	if (!c->encoding || c->draining)
		return -EINVAL;
	if (!frame) {
		c->draining = true;
		return 0;
	}
	if (c->pending_left)
		return -EAGAIN;
	if (take_failure(&c->fail_sends))
		return -EIO;
	if (!frame->buf || frame->u.frame.format != KYOYU_PIXFMT_BGRX ||
	    frame->u.frame.width != c->width || frame->u.frame.height != c->height)
		return -EINVAL;
	drop_frame(c);
	c->frame = kyoyu_msg_ref((kyoyu_msg *)frame);
	c->frame_info = frame->u.frame;
	c->frame_time_us = frame->time_us;
	c->pending_left = c->packets_per_frame;
	uint32_t flags = 0;
	if (c->key_requested || (frame->u.frame.flags & KYOYU_FRAME_KEY))
		flags |= KYOYU_PACKET_KEYFRAME;
	if (frame->u.frame.flags & KYOYU_FRAME_REFINE)
		flags |= KYOYU_PACKET_REFINE;
	c->key_requested = false;
	c->packet_info = (kyoyu_packet_info){
		.codec = c->codec,
		.flags = flags,
		.width = c->width,
		.height = c->height,
#ifndef FAKE_CODEC_DEAF
		.capture_us = frame->time_us,
#endif
	};
	log_frame(c, frame, flags);
	atomic_fetch_add(&c->frames_sent, 1);
	return 0;
}

static int fake_receive_packet(void *priv, kyoyu_msg **packet)
{
	fake_codec *c = priv;

	*packet = NULL;
	if (!c->pending_left)
		return c->draining ? KYOYU_EOF : -EAGAIN;
	if (take_failure(&c->fail_packets))
		return -EIO;
	kyoyu_msg *msg = kyoyu_msg_new(KYOYU_MSG_PACKET);
	if (!msg)
		return -ENOMEM;
	msg->u.packet = c->packet_info;
	msg->buf = kyoyu_buffer_ref(c->frame->buf);
	*packet = msg;
	c->pending_left--;
	atomic_fetch_add(&c->packets_sent, 1);
	return 0;
}

static int fake_request_keyframe(void *priv)
{
	fake_codec *c = priv;

#ifndef FAKE_CODEC_DEAF
	c->key_requested = true;
#endif
	atomic_fetch_add(&c->keyframe_requests, 1);
	return 0;
}

static int fake_set_bitrate(void *priv, uint32_t kbps)
{
	fake_codec *c = priv;

	atomic_store(&c->bitrate_kbps, (int)kbps);
	return 0;
}

static int fake_decoder_open(void *priv, const kyoyu_decoder_config *config)
{
	fake_codec *c = priv;

	if (take_failure(&c->fail_opens))
		return -EIO;
	if (config->format != KYOYU_PIXFMT_BGRX)
		return -ENOTSUP;
	c->decoding = true;
	c->draining = false;
	c->codec = config->codec;
	atomic_fetch_add(&c->decoder_opens, 1);
	return 0;
}

static int fake_send_packet(void *priv, const kyoyu_msg *packet)
{
	fake_codec *c = priv;

	if (!c->decoding || c->draining)
		return -EINVAL;
	if (!packet) {
		c->draining = true;
		return 0;
	}
	if (c->pending_left)
		return -EAGAIN;
	if (take_failure(&c->fail_sends))
		return -EIO;
	kyoyu_frame_info info;
	size_t bytes = kyoyu_frame_layout(&info, KYOYU_PIXFMT_BGRX, packet->u.packet.width,
					  packet->u.packet.height);
	if (!packet->buf || bytes == 0 || kyoyu_buffer_size(packet->buf) < bytes)
		return -EINVAL;
	drop_packet(c);
	c->packet = kyoyu_msg_ref((kyoyu_msg *)packet);
	c->pending_left = 1;
	return 0;
}

/* The picture of the pending packet: its pixels, by reference. */
static int fake_receive_frame(void *priv, kyoyu_msg **frame)
{
	fake_codec *c = priv;

	*frame = NULL;
	if (!c->pending_left)
		return c->draining ? KYOYU_EOF : -EAGAIN;
	const kyoyu_packet_info *p = &c->packet->u.packet;
	kyoyu_msg *msg = kyoyu_msg_new(KYOYU_MSG_FRAME);
	if (!msg)
		return -ENOMEM;
	kyoyu_frame_info *info = &msg->u.frame;
	kyoyu_frame_layout(info, KYOYU_PIXFMT_BGRX, p->width, p->height);
	if (p->flags & KYOYU_PACKET_KEYFRAME)
		info->flags |= KYOYU_FRAME_KEY;
	kyoyu_region_set_full(&info->damage, (int32_t)info->width, (int32_t)info->height);
	msg->buf = kyoyu_buffer_ref(c->packet->buf);
	drop_packet(c);
	c->pending_left = 0;
	atomic_fetch_add(&c->decoded, 1);
	*frame = msg;
	return 0;
}

static const kyoyu_codec_ops ops = {
	.size = sizeof(kyoyu_codec_ops),
	.encodes = codecs,
	.decodes = codecs,
	.encoder_formats = formats,
	.decoder_formats = formats,
	.encoder_open = fake_encoder_open,
	.send_frame = fake_send_frame,
	.receive_packet = fake_receive_packet,
	.request_keyframe = fake_request_keyframe,
	.set_bitrate = fake_set_bitrate,
	.decoder_open = fake_decoder_open,
	.send_packet = fake_send_packet,
	.receive_frame = fake_receive_frame,
	.close = fake_close,
};

static const kyoyu_plugin_descriptor descriptor = {
	KYOYU_PLUGIN_HEADER,
	.kind = KYOYU_KIND_CODEC,
#ifdef FAKE_CODEC_DEAF
	.name = "deaf",
#else
	.name = "fake",
#endif
	.version = "0.0",
	.license = "MIT",
	.description = "passes pixels through as packets, for tests",
	.priv_size = sizeof(fake_codec),
	.options = options,
	.init = fake_init,
	.fini = fake_fini,
	.ops = &ops,
};

#ifdef FAKE_CODEC_DEAF
KYOYU_PLUGIN_DEFINE(kyoyu_codec_deaf, descriptor)
#else
KYOYU_PLUGIN_DEFINE(kyoyu_codec_fake, descriptor)
#endif
