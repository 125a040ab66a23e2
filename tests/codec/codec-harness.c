/* SPDX-License-Identifier: MIT */
/* The codec test harness: loader, instances, encode/decode loops, PSNR. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "codec-harness.h"

static kyoyu_instance *instantiate(codec_harness *h, const char *name)
{
	kyoyu_plugin *plugin;
	kyoyu_instance *inst;
	char err[1024] = "";

	int ret = kyoyu_loader_find(&h->loader, KYOYU_KIND_CODEC, name, &plugin, err,
				    sizeof(err));
	if (ret == -ENOENT)
		return NULL; /* not built (configure --disable-codec-...) */
	if (ret)
		fail_msg("cannot load codec plugin %s: %s", name, err);
	if (kyoyu_instance_new(plugin, &h->host, &h->settings, "codec", &inst, err,
			       sizeof(err)) != KYOYU_OK)
		fail_msg("cannot start codec plugin %s: %s", name, err);
	return inst;
}

bool harness_open(codec_harness *h, uint32_t codec, const char *encoder,
		  const char *decoder, const char *const *settings)
{
	char *const dirs[] = {(char *)KYOYU_BUILD_PLUGIN_DIR, NULL};
	char err[256];

	memset(h, 0, sizeof(*h));
	h->codec = codec;
	assert_int_equal(kyoyu_loader_init(&h->loader, dirs), 0);
	kyoyu_settings_init(&h->settings);
	for (const char *const *s = settings; s && *s; s++) {
		char arg[128];
		snprintf(arg, sizeof(arg), "codec.%s", *s);
		if (kyoyu_settings_put_arg(&h->settings, arg, err, sizeof(err)))
			fail_msg("bad test setting %s: %s", arg, err);
	}
	h->host = (kyoyu_host){.size = sizeof(kyoyu_host), .role = KYOYU_ROLE_SHARER};
	if (encoder && !(h->enc = instantiate(h, encoder)))
		return false;
	if (decoder && !(h->dec = instantiate(h, decoder)))
		return false;
	return true;
}

void harness_close(codec_harness *h)
{
	if (h->enc)
		h->enc->plugin->ops.codec.close(h->enc->priv);
	if (h->dec)
		h->dec->plugin->ops.codec.close(h->dec->priv);
	kyoyu_instance_free(h->enc);
	kyoyu_instance_free(h->dec);
	kyoyu_settings_clear(&h->settings);
	kyoyu_loader_fini(&h->loader);
}

int harness_encoder_open(codec_harness *h, uint32_t width, uint32_t height,
			 uint32_t kbps)
{
	return harness_encoder_open_fps(h, width, height, kbps, 30);
}

int harness_encoder_open_fps(codec_harness *h, uint32_t width, uint32_t height,
			     uint32_t kbps, uint32_t fps)
{
	kyoyu_encoder_config config = {
		.size = sizeof(config),
		.codec = h->codec,
		.width = width,
		.height = height,
		.fps = fps,
		.bitrate_kbps = kbps,
		.format = KYOYU_PIXFMT_BGRX,
	};
	return h->enc->plugin->ops.codec.encoder_open(h->enc->priv, &config);
}

int harness_decoder_open_as(codec_harness *h, uint32_t format)
{
	kyoyu_decoder_config config = {
		.size = sizeof(config),
		.codec = h->codec,
		.format = format,
	};
	return h->dec->plugin->ops.codec.decoder_open(h->dec->priv, &config);
}

void harness_decoder_open(codec_harness *h)
{
	assert_int_equal(harness_decoder_open_as(h, KYOYU_PIXFMT_BGRX), 0);
}

kyoyu_msg *harness_frame(const uint8_t *pixels, uint32_t width, uint32_t height,
			 const kyoyu_region *damage, uint32_t flags, int64_t time_us)
{
	kyoyu_msg *msg = kyoyu_msg_new(KYOYU_MSG_FRAME);

	assert_non_null(msg);
	size_t bytes = kyoyu_frame_layout(&msg->u.frame, KYOYU_PIXFMT_BGRX, width, height);
	assert_true(bytes > 0);
	msg->buf = kyoyu_buffer_new_copy(pixels, bytes);
	assert_non_null(msg->buf);
	msg->time_us = time_us;
	msg->u.frame.flags = flags;
	if (damage)
		msg->u.frame.damage = *damage;
	else
		kyoyu_region_set_full(&msg->u.frame.damage, (int32_t)width, (int32_t)height);
	return msg;
}

/* What the core's stages check of a message a codec hands over: the type
 * asked for, data, and no reference left with the codec. */
static void check_handed_over(const kyoyu_msg *msg, uint32_t type)
{
	assert_non_null(msg);
	assert_int_equal(msg->type, type);
	assert_non_null(msg->buf);
	assert_true(kyoyu_msg_is_writable(msg));
}

static int take_packets(codec_harness *h, packet_list *out)
{
	const kyoyu_codec_ops *ops = &h->enc->plugin->ops.codec;

	for (;;) {
		kyoyu_msg *pkt = NULL;
		int ret = ops->receive_packet(h->enc->priv, &pkt);
		if (ret == -EAGAIN || ret == KYOYU_EOF) {
			assert_null(pkt);
			return 0;
		}
		if (ret) {
			assert_null(pkt);
			return ret;
		}
		check_handed_over(pkt, KYOYU_MSG_PACKET);
		assert_true(out->n < HARNESS_MAX_PACKETS);
		out->msg[out->n++] = pkt;
	}
}

int harness_encode(codec_harness *h, const kyoyu_msg *frame, packet_list *out)
{
	const kyoyu_codec_ops *ops = &h->enc->plugin->ops.codec;
	/* The codec may keep FRAME, never change it: others read it too. */
	kyoyu_frame_info before = frame->u.frame;
	int64_t time_us = frame->time_us;
	kyoyu_buffer *buf = frame->buf;

	memset(out, 0, sizeof(*out));
	int ret = ops->send_frame(h->enc->priv, frame);
	if (ret == -EAGAIN) {
		if ((ret = take_packets(h, out)) == 0)
			ret = ops->send_frame(h->enc->priv, frame);
	}
	if (ret == 0)
		ret = take_packets(h, out);
	assert_memory_equal(&frame->u.frame, &before, sizeof(before));
	assert_int_equal(frame->time_us, time_us);
	assert_ptr_equal(frame->buf, buf);
	return ret;
}

void packets_release(packet_list *list)
{
	for (size_t i = 0; i < list->n; i++)
		kyoyu_msg_unref(list->msg[i]);
	list->n = 0;
}

size_t packets_bytes(const packet_list *list)
{
	size_t bytes = 0;

	for (size_t i = 0; i < list->n; i++)
		bytes += kyoyu_buffer_size(list->msg[i]->buf);
	return bytes;
}

int harness_decode(codec_harness *h, const kyoyu_msg *packet, kyoyu_msg **frame)
{
	const kyoyu_codec_ops *ops = &h->dec->plugin->ops.codec;

	*frame = NULL;
	int ret = ops->send_packet(h->dec->priv, packet);
	if (ret)
		return ret;
	for (;;) {
		kyoyu_msg *out = NULL;
		ret = ops->receive_frame(h->dec->priv, &out);
		if (ret == -EAGAIN || ret == KYOYU_EOF) {
			assert_null(out);
			return 0;
		}
		if (ret) {
			assert_null(out);
			return ret;
		}
		check_handed_over(out, KYOYU_MSG_FRAME);
		kyoyu_msg_unref(*frame);
		*frame = out;
	}
}

/* BT.601 luma of a BGRX pixel, as the encoders' conversion computes it. */
static double luma(const uint8_t *p)
{
	return (66.0 * p[2] + 129.0 * p[1] + 25.0 * p[0]) / 256.0 + 16.0;
}

double psnr_luma(const uint8_t *a, size_t stride_a, const uint8_t *b, size_t stride_b,
		 uint32_t width, uint32_t height)
{
	double sse = 0;

	for (uint32_t y = 0; y < height; y++) {
		const uint8_t *pa = a + y * stride_a, *pb = b + y * stride_b;
		for (uint32_t x = 0; x < width; x++) {
			double d = luma(pa + 4 * x) - luma(pb + 4 * x);
			sse += d * d;
		}
	}
	if (sse < 1e-9)
		return 99;
	double mse = sse / ((double)width * height);
	return 10 * log10(255.0 * 255.0 / mse);
}
