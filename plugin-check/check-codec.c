/* SPDX-License-Identifier: MIT */
/* kyoyu-plugin-check: a codec, with FFmpeg's send/receive contract.
 *
 * For each codec it encodes and each pixel format it takes: open at 64x48,
 * send five frames (the first flagged KEY, a keyframe requested before the
 * fourth), receive packets whenever send_frame() says EAGAIN and after each
 * frame, drain.  The first packet and one made after the request must be
 * keyframes, every packet must carry the capture time of a frame sent, and
 * the frames sent must come back unchanged.  Each codec it decodes is then
 * decoded back into each pixel format it gives (fed by the plugin itself,
 * or by another plugin on the search path that encodes it), giving 64x48
 * pictures of that format.  Every packet or picture handed over must be a
 * new message the codec no longer holds.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus-priv.h"
#include "plugin-check.h"

#define FRAME_W 64
#define FRAME_H 48
#define FRAMES 5
/* A keyframe is requested before this frame. */
#define REQUEST_AT 3
#define MAX_PACKETS 64

typedef struct packets {
	kyoyu_msg *msg[MAX_PACKETS];
	int n;
	int64_t sent_us[FRAMES]; /* the frames' capture times */
} packets;

static void packets_clear(packets *pk)
{
	for (int i = 0; i < pk->n; i++)
		kyoyu_msg_unref(pk->msg[i]);
	pk->n = 0;
}

/* The entry for CODEC in LIST, or NULL. */
static const kyoyu_codec_desc *listed(const kyoyu_codec_desc *list, uint32_t codec)
{
	for (; list && list->fourcc != KYOYU_CODEC_NONE; list++)
		if (list->fourcc == codec)
			return list;
	return NULL;
}

/* "vp9 (VP90)" into TEXT, from P's own lists. */
static const char *codec_label(const kyoyu_plugin *p, uint32_t codec, char text[32])
{
	const kyoyu_codec_desc *d = listed(p->ops.codec.encodes, codec);
	char fourcc[5];

	if (!d)
		d = listed(p->ops.codec.decodes, codec);
	snprintf(text, 32, "%s (%s)", d ? d->name : "?", kyoyu_fourcc_text(codec, fourcc));
	return text;
}

/* A message a codec hands over must be new: the caller holds it alone. */
static bool handed_over(checker *ck, const kyoyu_plugin *p, const char *fn,
			const kyoyu_msg *msg, uint32_t type)
{
	if (!msg)
		return check_fail(ck, "%s: %s() returned 0 and no message", p->module, fn);
	if (msg->type != type)
		return check_fail(ck, "%s: %s() gave a %s message, not a %s", p->module, fn,
				  kyoyu_msg_type_name(msg->type), kyoyu_msg_type_name(type));
	if (!msg->buf || kyoyu_buffer_size(msg->buf) == 0)
		return check_fail(ck, "%s: %s() gave a %s with no data", p->module, fn,
				  kyoyu_msg_type_name(type));
	if (!kyoyu_msg_is_writable(msg))
		return check_fail(ck, "%s: %s() gave a message it still holds a reference "
				  "to; hand over a new one (kyoyu_msg_new)", p->module, fn);
	return true;
}

/* Takes packets of CODEC until the encoder says EAGAIN (or KYOYU_EOF when
 * DRAINING). */
static bool receive_packets(checker *ck, const kyoyu_plugin *p, void *priv, uint32_t codec,
			    packets *pk, bool draining)
{
	for (int guard = 0; guard < 1000; guard++) {
		kyoyu_msg *pkt = NULL;
		int ret = p->ops.codec.receive_packet(priv, &pkt);
		if ((ret == -EAGAIN && !draining) || (ret == KYOYU_EOF && draining)) {
			kyoyu_msg_unref(pkt);
			return true;
		}
		if (ret) {
			kyoyu_msg_unref(pkt);
			return check_fail(ck, "%s: receive_packet() returned %s%s", p->module,
					  strerror(-ret), draining ? " while draining (expected "
					  "a packet or KYOYU_EOF)" : "");
		}
		if (!handed_over(ck, p, "receive_packet", pkt, KYOYU_MSG_PACKET)) {
			kyoyu_msg_unref(pkt);
			return false;
		}
		if (pkt->u.packet.codec != codec) {
			char want[5], got[5];
			check_fail(ck, "%s: receive_packet() gave a packet of codec %s while "
				   "encoding %s", p->module,
				   kyoyu_fourcc_text(pkt->u.packet.codec, got),
				   kyoyu_fourcc_text(codec, want));
			kyoyu_msg_unref(pkt);
			return false;
		}
		if (pk->n < MAX_PACKETS)
			pk->msg[pk->n++] = pkt;
		else
			kyoyu_msg_unref(pkt);
	}
	return check_fail(ck, "%s: receive_packet() gave 1000 packets for %d frames and "
			  "never ran dry", p->module, FRAMES);
}

/* send_frame(FRAME); the codec may keep it, but must not change it. */
static int send_frame(checker *ck, const kyoyu_plugin *p, void *priv, const kyoyu_msg *frame)
{
	kyoyu_frame_info before = frame->u.frame;
	int64_t time_us = frame->time_us;
	kyoyu_buffer *buf = frame->buf;

	int ret = p->ops.codec.send_frame(priv, frame);
	if (memcmp(&before, &frame->u.frame, sizeof(before)) != 0 ||
	    time_us != frame->time_us || buf != frame->buf)
		check_fail(ck, "%s: send_frame() changed the frame it was given; it is "
			   "shared and read-only", p->module);
	return ret;
}

/* Sends frame INDEX, receiving packets first when the encoder asks. */
static bool encode_frame(checker *ck, const kyoyu_plugin *p, void *priv, uint32_t codec,
			 uint32_t format, int index, packets *pk)
{
	kyoyu_msg *frame = check_picture_new(format, FRAME_W, FRAME_H, index, pk->sent_us[index]);
	if (!frame)
		return check_fail(ck, "out of memory");
	int ret = send_frame(ck, p, priv, frame);
	if (ret == -EAGAIN) {
		int before = pk->n;
		if (!receive_packets(ck, p, priv, codec, pk, false)) {
			kyoyu_msg_unref(frame);
			return false;
		}
		if (pk->n == before) {
			kyoyu_msg_unref(frame);
			return check_fail(ck, "%s: send_frame() and receive_packet() both said "
					  "EAGAIN", p->module);
		}
		ret = send_frame(ck, p, priv, frame);
	}
	kyoyu_msg_unref(frame);
	if (ret)
		return check_fail(ck, "%s: send_frame() of frame %d failed: %s", p->module,
				  index, strerror(-ret));
	return check_ok(ck) && receive_packets(ck, p, priv, codec, pk, false);
}

/* The stream's keyframes: the first packet, and one of a frame sent after
 * the request; every packet the capture time of a frame sent. */
static bool check_stream(checker *ck, const kyoyu_plugin *p, const packets *pk)
{
	bool requested_key = false;

	if (pk->n == 0)
		return check_fail(ck, "%s: %d frames and a drain gave no packet", p->module,
				  FRAMES);
	if (!(pk->msg[0]->u.packet.flags & KYOYU_PACKET_KEYFRAME))
		check_fail(ck, "%s: the first packet of a stream is not flagged "
			   "KYOYU_PACKET_KEYFRAME", p->module);
	for (int i = 0, bad = 0; i < pk->n; i++) {
		const kyoyu_packet_info *info = &pk->msg[i]->u.packet;
		int frame = -1;
		for (int f = 0; f < FRAMES; f++)
			if (info->capture_us == pk->sent_us[f])
				frame = f;
		if (frame < 0 && !bad++)
			check_fail(ck, "%s: packet %d carries capture_us %lld, the capture time "
				   "of no frame sent: set u.packet.capture_us from the frame's "
				   "time_us", p->module, i, (long long)info->capture_us);
		if (frame >= REQUEST_AT && (info->flags & KYOYU_PACKET_KEYFRAME))
			requested_key = true;
	}
	if (!requested_key)
		check_fail(ck, "%s: request_keyframe() before frame %d, and no packet of that "
			   "frame or a later one is a keyframe", p->module, REQUEST_AT);
	return check_ok(ck);
}

/* Encodes FRAMES frames of CODEC from FORMAT pictures with P into PK. */
static bool encode_with(checker *ck, const kyoyu_plugin *p, uint32_t codec, uint32_t format,
			packets *pk)
{
	kyoyu_bus *bus = kyoyu_bus_new();
	const uint32_t codecs[] = {codec, KYOYU_CODEC_NONE};
	kyoyu_instance *inst = NULL;
	char label[32];
	int ret;

	if (!bus)
		return check_fail(ck, "out of memory");
	if (check_instantiate(ck, p, KYOYU_ROLE_SHARER, bus, NULL, codecs, &inst) != KYOYU_OK)
		goto out;
	kyoyu_encoder_config config = {.size = sizeof(config), .codec = codec, .width = FRAME_W,
				       .height = FRAME_H, .fps = 30, .bitrate_kbps = 300,
				       .format = format};
	if ((ret = p->ops.codec.encoder_open(inst->priv, &config))) {
		check_fail(ck, "%s: encoder_open(%s, %dx%d %s) failed: %s", p->module,
			   codec_label(p, codec, label), FRAME_W, FRAME_H,
			   check_format_name(format), strerror(-ret));
		goto out;
	}
	int64_t base = kyoyu_now_us();
	for (int i = 0; i < FRAMES; i++)
		pk->sent_us[i] = base + i * 33333;
	for (int i = 0; i < FRAMES && check_ok(ck); i++) {
		if (i == REQUEST_AT && (ret = p->ops.codec.request_keyframe(inst->priv)))
			check_fail(ck, "%s: request_keyframe() failed: %s", p->module,
				   strerror(-ret));
		else
			encode_frame(ck, p, inst->priv, codec, format, i, pk);
	}
	if (check_ok(ck) && (ret = p->ops.codec.send_frame(inst->priv, NULL)))
		check_fail(ck, "%s: send_frame(NULL), the drain, failed: %s", p->module,
			   strerror(-ret));
	if (check_ok(ck) && receive_packets(ck, p, inst->priv, codec, pk, true))
		check_stream(ck, p, pk);
	p->ops.codec.close(inst->priv);
	if (check_ok(ck))
		check_note(ck, "%s: %d %s pictures encoded into %d packets", p->module, FRAMES,
			   check_format_name(format), pk->n);
out:
	kyoyu_instance_free(inst);
	kyoyu_bus_free(bus);
	return check_ok(ck);
}

/* Takes pictures until the decoder says EAGAIN (or KYOYU_EOF when
 * DRAINING); adds their number to *FRAMES. */
static bool receive_frames(checker *ck, const kyoyu_plugin *p, void *priv, uint32_t format,
			   bool draining, int *frames)
{
	for (int guard = 0; guard < 1000; guard++) {
		kyoyu_msg *frame = NULL;
		int ret = p->ops.codec.receive_frame(priv, &frame);
		if ((ret == -EAGAIN && !draining) || (ret == KYOYU_EOF && draining)) {
			kyoyu_msg_unref(frame);
			return true;
		}
		if (ret) {
			kyoyu_msg_unref(frame);
			return check_fail(ck, "%s: receive_frame() returned %s%s", p->module,
					  strerror(-ret), draining ? " while draining (expected "
					  "a picture or KYOYU_EOF)" : "");
		}
		if (!handed_over(ck, p, "receive_frame", frame, KYOYU_MSG_FRAME)) {
			kyoyu_msg_unref(frame);
			return false;
		}
		const kyoyu_frame_info *info = &frame->u.frame;
		kyoyu_frame_info want;
		size_t bytes = kyoyu_frame_layout(&want, (kyoyu_pixfmt)info->format, info->width,
						  info->height);
		size_t size = kyoyu_buffer_size(frame->buf);
		kyoyu_msg_unref(frame);
		if (info->format != format || info->width != FRAME_W || info->height != FRAME_H)
			return check_fail(ck, "%s: decoded a %ux%u %s picture, expected %dx%d %s",
					  p->module, info->width, info->height,
					  check_format_name(info->format), FRAME_W, FRAME_H,
					  check_format_name(format));
		if (size < bytes)
			return check_fail(ck, "%s: decoded a picture into %zu bytes, %zu short of "
					  "its layout", p->module, size, bytes - size);
		++*frames;
	}
	return check_fail(ck, "%s: receive_frame() never ran dry", p->module);
}

/* Decodes PK into FORMAT pictures with P. */
static bool decode_with(checker *ck, const kyoyu_plugin *p, uint32_t codec, uint32_t format,
			const packets *pk)
{
	static const uint32_t codecs[] = {KYOYU_CODEC_VP8, KYOYU_CODEC_VP9, KYOYU_CODEC_H264,
					  KYOYU_CODEC_NONE};
	kyoyu_bus *bus = kyoyu_bus_new();
	kyoyu_instance *inst = NULL;
	int frames = 0, ret;
	char label[32];

	if (!bus)
		return check_fail(ck, "out of memory");
	if (check_instantiate(ck, p, KYOYU_ROLE_VIEWER, bus, NULL, codecs, &inst) != KYOYU_OK)
		goto out;
	kyoyu_decoder_config config = {.size = sizeof(config), .codec = codec, .format = format};
	if ((ret = p->ops.codec.decoder_open(inst->priv, &config))) {
		check_fail(ck, "%s: decoder_open(%s, %s) failed: %s", p->module,
			   codec_label(p, codec, label), check_format_name(format), strerror(-ret));
		goto out;
	}
	for (int i = 0; i < pk->n && check_ok(ck); i++) {
		ret = p->ops.codec.send_packet(inst->priv, pk->msg[i]);
		if (ret == -EAGAIN && receive_frames(ck, p, inst->priv, format, false, &frames))
			ret = p->ops.codec.send_packet(inst->priv, pk->msg[i]);
		if (check_ok(ck) && ret)
			check_fail(ck, "%s: send_packet() failed on packet %d: %s", p->module, i,
				   strerror(-ret));
		if (check_ok(ck))
			receive_frames(ck, p, inst->priv, format, false, &frames);
	}
	if (check_ok(ck) && (ret = p->ops.codec.send_packet(inst->priv, NULL)))
		check_fail(ck, "%s: send_packet(NULL), the drain, failed: %s", p->module,
			   strerror(-ret));
	if (check_ok(ck))
		receive_frames(ck, p, inst->priv, format, true, &frames);
	p->ops.codec.close(inst->priv);
	if (check_ok(ck) && pk->n && frames == 0)
		check_fail(ck, "%s: %d %s packets decoded into no picture", p->module, pk->n,
			   codec_label(p, codec, label));
	else if (check_ok(ck))
		check_note(ck, "%s: decoded %d pictures as %s", p->module, frames,
			   check_format_name(format));
out:
	kyoyu_instance_free(inst);
	kyoyu_bus_free(bus);
	return check_ok(ck);
}

/* Loads every codec plugin on the search path, so that a decoder has an
 * encoder to feed it. */
static void load_codec_plugins(checker *ck)
{
	char err[1024];
	kyoyu_plugin *p;

	for (char **dir = ck->loader.dirs; *dir; dir++) {
		DIR *d = opendir(*dir);
		struct dirent *e;
		while (d && (e = readdir(d))) {
			char name[64];
			if (sscanf(e->d_name, "kyoyu-codec-%63[a-z0-9_-].%*s", name) == 1)
				kyoyu_loader_find(&ck->loader, KYOYU_KIND_CODEC, name, &p, err,
						  sizeof(err));
		}
		if (d)
			closedir(d);
	}
}

/* Another plugin that encodes CODEC, to feed a plugin that only decodes it. */
static const kyoyu_plugin *encoder_for(checker *ck, uint32_t codec)
{
	load_codec_plugins(ck);
	kyoyu_plugin *lists[] = {ck->loader.preloaded, ck->loader.loaded};
	for (size_t i = 0; i < 2; i++)
		for (kyoyu_plugin *p = lists[i]; p; p = p->next)
			if (p->desc.kind == KYOYU_KIND_CODEC && listed(p->ops.codec.encodes, codec))
				return p;
	return NULL;
}

/* Decodes PK (from SOURCE) into every format P gives. */
static void decode_all(checker *ck, const kyoyu_plugin *p, uint32_t codec, const packets *pk)
{
	for (const uint32_t *out = p->ops.codec.decoder_formats;
	     *out != KYOYU_PIXFMT_NONE && check_ok(ck); out++)
		decode_with(ck, p, codec, *out, pk);
}

/* CODEC encoded by P from each format it takes and decoded back when P
 * decodes it too. */
static void encoder_cases(checker *ck, uint32_t codec)
{
	const kyoyu_plugin *p = ck->plugin;
	bool dec = listed(p->ops.codec.decodes, codec);
	char label[32];

	for (const uint32_t *f = p->ops.codec.encoder_formats; *f != KYOYU_PIXFMT_NONE; f++) {
		packets pk = {.n = 0};
		check_begin(ck, "encode %s from %s pictures: a keyframe first and on request, "
			    "capture times, drain%s", codec_label(p, codec, label),
			    check_format_name(*f), dec ? "; decode it back" : "");
		if (encode_with(ck, p, codec, *f, &pk) && dec)
			decode_all(ck, p, codec, &pk);
		packets_clear(&pk);
		check_end(ck);
	}
}

/* CODEC, which P decodes only, fed by another plugin when one is found. */
static void decoder_case(checker *ck, uint32_t codec)
{
	const kyoyu_plugin *p = ck->plugin;
	const kyoyu_plugin *source = encoder_for(ck, codec);
	packets pk = {.n = 0};
	char label[32];

	check_begin(ck, "decode %s into each format it gives%s%s", codec_label(p, codec, label),
		    source ? ", fed by " : "", source ? source->module : "");
	if (!source)
		check_note(ck, "no plugin on the search path encodes %s: the decoder is "
			   "opened and drained only (--plugin-path names more folders)", label);
	else
		encode_with(ck, source, codec, source->ops.codec.encoder_formats[0], &pk);
	if (check_ok(ck))
		decode_all(ck, p, codec, &pk);
	packets_clear(&pk);
	check_end(ck);
}

void check_codec(checker *ck)
{
	const kyoyu_plugin *p = ck->plugin;

	for (const kyoyu_codec_desc *d = p->ops.codec.encodes;
	     d && d->fourcc != KYOYU_CODEC_NONE; d++)
		encoder_cases(ck, d->fourcc);
	for (const kyoyu_codec_desc *d = p->ops.codec.decodes;
	     d && d->fourcc != KYOYU_CODEC_NONE; d++)
		if (!listed(p->ops.codec.encodes, d->fourcc))
			decoder_case(ck, d->fourcc);
}
