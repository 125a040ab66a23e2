/* codec/fake: pixels in, the same pixels out as "packets", and back.
 * See fake-codec.h for how the tests steer it. */
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

static const uint32_t codecs[] = {KYOYU_CODEC_VP8, KYOYU_CODEC_VP9, KYOYU_CODEC_H264,
				  KYOYU_CODEC_NONE};

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

static void fake_close(void *priv)
{
	fake_codec *c = priv;

	kyoyu_msg_release(&c->pending);
	c->pending_left = 0;
	c->encoding = c->decoding = c->draining = c->key_requested = false;
	atomic_fetch_add(&c->closes, 1);
}

static void fake_fini(void *priv)
{
	fake_codec *c = priv;

	kyoyu_msg_release(&c->pending);
	pthread_mutex_destroy(&c->lock);
}

static int fake_encoder_open(void *priv, const kyoyu_encoder_config *config)
{
	fake_codec *c = priv;

	if (take_failure(&c->fail_opens))
		return -EIO;
	if (config->width == 0 || config->height == 0)
		return -EINVAL;
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
	if (!frame->buf || frame->u.frame.width != c->width ||
	    frame->u.frame.height != c->height)
		return -EINVAL;
	kyoyu_msg_release(&c->pending);
	c->pending = *frame;
	c->pending.buf = kyoyu_buffer_ref(frame->buf);
	c->pending_left = c->packets_per_frame;
	uint32_t flags = 0;
	if (c->key_requested || (frame->u.frame.flags & KYOYU_FRAME_KEY))
		flags |= KYOYU_PACKET_KEYFRAME;
	if (frame->u.frame.flags & KYOYU_FRAME_REFINE)
		flags |= KYOYU_PACKET_REFINE;
	c->key_requested = false;
	c->pending.u.packet = (kyoyu_packet_info){
		.codec = c->codec,
		.flags = flags,
		.width = c->width,
		.height = c->height,
		.capture_us = frame->time_us,
	};
	log_frame(c, frame, flags);
	atomic_fetch_add(&c->frames_sent, 1);
	return 0;
}

static int fake_receive_packet(void *priv, kyoyu_msg *packet)
{
	fake_codec *c = priv;

	if (!c->pending_left)
		return c->draining ? KYOYU_EOF : -EAGAIN;
	if (take_failure(&c->fail_packets))
		return -EIO;
	*packet = kyoyu_msg_make(KYOYU_MSG_PACKET);
	packet->u.packet = c->pending.u.packet;
	packet->buf = kyoyu_buffer_ref(c->pending.buf);
	if (--c->pending_left == 0)
		kyoyu_msg_release(&c->pending);
	atomic_fetch_add(&c->packets_sent, 1);
	return 0;
}

static int fake_request_keyframe(void *priv)
{
	fake_codec *c = priv;

	c->key_requested = true;
	atomic_fetch_add(&c->keyframe_requests, 1);
	return 0;
}

static int fake_set_bitrate(void *priv, uint32_t kbps)
{
	fake_codec *c = priv;

	atomic_store(&c->bitrate_kbps, (int)kbps);
	return 0;
}

static int fake_decoder_open(void *priv, uint32_t codec)
{
	fake_codec *c = priv;

	if (take_failure(&c->fail_opens))
		return -EIO;
	c->decoding = true;
	c->draining = false;
	c->codec = codec;
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
	kyoyu_msg_release(&c->pending);
	c->pending = *packet;
	c->pending.buf = kyoyu_buffer_ref(packet->buf);
	c->pending.u.frame = info;
	if (packet->u.packet.flags & KYOYU_PACKET_KEYFRAME)
		c->pending.u.frame.flags |= KYOYU_FRAME_KEY;
	kyoyu_region_set_full(&c->pending.u.frame.damage, (int32_t)info.width,
			      (int32_t)info.height);
	c->pending_left = 1;
	return 0;
}

static int fake_receive_frame(void *priv, kyoyu_msg *frame)
{
	fake_codec *c = priv;

	if (!c->pending_left)
		return c->draining ? KYOYU_EOF : -EAGAIN;
	*frame = c->pending;
	frame->type = KYOYU_MSG_FRAME;
	c->pending.buf = NULL;
	c->pending_left = 0;
	atomic_fetch_add(&c->decoded, 1);
	return 0;
}

static const kyoyu_codec_ops ops = {
	.size = sizeof(kyoyu_codec_ops),
	.encodes = codecs,
	.decodes = codecs,
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
	.name = "fake",
	.version = "0.0",
	.license = "MIT",
	.description = "passes pixels through as packets, for tests",
	.priv_size = sizeof(fake_codec),
	.options = options,
	.init = fake_init,
	.fini = fake_fini,
	.ops = &ops,
};

KYOYU_PLUGIN_DEFINE(kyoyu_codec_fake, descriptor)
