/* Conformance: every plugin built in the build tree's plugins/ folder (and
 * every plugin linked into the program) goes through its life cycle, as
 * GStreamer's states test does for its elements.
 *
 *   capture, transport, ui: describe → init → start → run on a real stage
 *     thread while the session connects and shares → the session ends →
 *     run() must return on its own within 3 s → stop → fini, once per role
 *     and once per pixel format it lists (kyoyu_host.frame_format set as
 *     the core would before start); a capture's pictures must be in that
 *     format.  init() answering KYOYU_SKIP (no display, wrong role) passes,
 *     logged.
 *   codec: for each codec it declares and each pixel format it takes,
 *     encoder_open at 64x48, send three frames (the first a keyframe),
 *     receive packets (the first must be a keyframe), drain; decode them
 *     back into each pixel format it gives, with each built plugin that
 *     decodes that codec, and expect 64x48 pictures of that format; close.
 *     Frames sent must come back unchanged, and every packet or picture
 *     handed over must be a new message the codec no longer holds.
 *   policy: init, allow() every legal move, tick() through a session.
 *
 * Settings for a plugin that needs them (a TLS transport needs a
 * certificate, say) go in tests/conformance/<kind>-<name>.cfg, libconfig
 * syntax, holding the keys of the plugin's own option table at top level,
 * e.g. tests/conformance/transport-tls.cfg:
 *     cert_file = "${KYOYU_SRCDIR}/tests/conformance/data/test.pem";
 * ${KYOYU_SRCDIR}, ${KYOYU_BUILDDIR} and ${TMPDIR} in string values are
 * replaced by those folders.  Add your file to EXTRA_DIST in
 * tests/conformance/Makefile.inc.  A plugin appears here by being built:
 * nothing else needs registering.
 */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include <kyoyu/plugin.h>

#include "bus-priv.h"
#include "config-file.h"
#include "instance.h"
#include "loader.h"
#include "settings.h"
#include "stage-priv.h"

#define FRAME_W 64
#define FRAME_H 48
/* docs/plugin-abi.md: stages get 3 s to finish once the session ended. */
#define LINGER_MS 3000
/* A plugin whose test takes longer than this hangs. */
#define CHILD_TIMEOUT_S 300

static kyoyu_loader loader;

typedef struct subject {
	const kyoyu_plugin *plugin; /* NULL when the file was refused */
	char path[1024];
	char why[1024];
	char name[160];
} subject;

/* ---- per-plugin settings ------------------------------------------------ */

static const char *env_or(const char *name, const char *fallback)
{
	const char *v = getenv(name);
	return v && *v ? v : fallback;
}

/* Replaces ${VAR} for the few folders the test knows, in place. */
static int expand(char **value)
{
	static const struct {
		const char *token, *env, *fallback;
	} vars[] = {
		{"${KYOYU_SRCDIR}", "KYOYU_SRCDIR", KYOYU_TEST_SRCDIR},
		{"${KYOYU_BUILDDIR}", "KYOYU_BUILDDIR", KYOYU_TEST_BUILDDIR},
		{"${TMPDIR}", "TMPDIR", "/tmp"},
	};

	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
		char *at = strstr(*value, vars[i].token);
		if (!at)
			continue;
		const char *with = env_or(vars[i].env, vars[i].fallback);
		size_t len = strlen(*value) - strlen(vars[i].token) + strlen(with) + 1;
		char *out = malloc(len);
		if (!out)
			return -ENOMEM;
		snprintf(out, len, "%.*s%s%s", (int)(at - *value), *value, with,
			 at + strlen(vars[i].token));
		free(*value);
		*value = out;
		i--; /* the same token may appear again */
	}
	return 0;
}

/* Loads tests/conformance/<kind>-<name>.cfg when there is one. */
static void load_settings(const kyoyu_plugin *p, kyoyu_settings *set)
{
	char path[2048], err[1024] = "";
	struct stat st;

	kyoyu_settings_init(set);
	snprintf(path, sizeof(path), "%s/tests/conformance/%s-%s.cfg",
		 env_or("KYOYU_SRCDIR", KYOYU_TEST_SRCDIR), kyoyu_kind_name(p->desc.kind),
		 p->desc.name);
	if (stat(path, &st) != 0)
		return;
	if (kyoyu_config_load(path, set, err, sizeof(err)))
		fail_msg("%s", err);
	for (kyoyu_setting *s = set->first; s; s = s->next)
		if (s->type == KYOYU_VALUE_STRING && expand(&s->s))
			fail_msg("out of memory");
	print_message("# %s: settings from %s\n", p->module, path);
}

/* What a viewer with kyoyu's own decoders tells its stages it decodes. */
static const uint32_t viewer_codecs[] = {KYOYU_CODEC_VP8, KYOYU_CODEC_VP9, KYOYU_CODEC_H264,
					 KYOYU_CODEC_NONE};

static const char *pixfmt_label(uint32_t format)
{
	const char *name = kyoyu_pixfmt_name(format);
	return name ? name : "none";
}

/* An instance for ROLE on BUS, or NULL when init() answered SKIP. */
static kyoyu_instance *instantiate(const kyoyu_plugin *p, uint32_t role, kyoyu_bus *bus,
				   const kyoyu_clock *clock, const uint32_t *codecs)
{
	kyoyu_settings set;
	kyoyu_instance *inst = NULL;
	char err[2048] = "";

	load_settings(p, &set);
	kyoyu_host host = {.size = sizeof(host), .role = role, .bus = bus, .clock = clock,
			   .codecs = codecs};
	int ret = kyoyu_instance_new(p, &host, &set, "", &inst, err, sizeof(err));
	kyoyu_settings_clear(&set);
	if (ret == KYOYU_SKIP) {
		print_message("# %s: init() answered SKIP as %s: does not apply here\n",
			      p->module, role == KYOYU_ROLE_SHARER ? "sharer" : "viewer");
		return NULL;
	}
	if (ret != KYOYU_OK)
		fail_msg("%s: init failed as %s: %s", p->module,
			 role == KYOYU_ROLE_SHARER ? "sharer" : "viewer", err);
	return inst;
}

/* ---- stage kinds --------------------------------------------------------- */

static int run_plugin(void *ctx, kyoyu_stage *stage)
{
	kyoyu_instance *inst = ctx;
	return inst->plugin->ops.stage.run(inst->priv, stage);
}

static void post_state(kyoyu_bus *bus, uint32_t role, uint32_t state, uint32_t reason)
{
	kyoyu_msg *msg = kyoyu_msg_new(KYOYU_MSG_STATE);

	assert_non_null(msg);
	msg->u.state = (kyoyu_state_info){.state = state, .reason = reason, .role = role,
					  .now_us = kyoyu_now_us()};
	kyoyu_bus_post(bus, msg);
}

/* The life cycle with FORMAT as the frames the core chose. */
static void stage_life_cycle_as(const kyoyu_plugin *p, uint32_t role, uint32_t format)
{
	const char *role_name = role == KYOYU_ROLE_SHARER ? "sharer" : "viewer";
	kyoyu_bus *bus = kyoyu_bus_new();
	kyoyu_clock *clock = kyoyu_clock_new(1.0);
	const uint32_t sharer_codecs[] = {KYOYU_CODEC_VP8, KYOYU_CODEC_NONE};
	/* Everything the plugin posts ends up here, and is thrown away. */
	kyoyu_inbox *sink = kyoyu_bus_subscribe(bus, "sink", ~UINT64_C(0), 0);

	kyoyu_instance *inst = instantiate(p, role, bus, clock,
					   role == KYOYU_ROLE_SHARER ? sharer_codecs
								     : viewer_codecs);
	if (inst) {
		/* Chosen after every plugin's init, before any start(). */
		inst->host.frame_format = format;
		kyoyu_stage *stage = kyoyu_stage_new(bus, inst->label);
		int ret = p->ops.stage.start(inst->priv, stage);
		if (ret)
			fail_msg("%s: start() failed as %s with %s frames: %s (a plugin that "
				 "cannot work here should answer KYOYU_SKIP from init)",
				 p->module, role_name, pixfmt_label(format), strerror(-ret));
		assert_int_equal(kyoyu_stage_start(stage, run_plugin, inst), 0);
		post_state(bus, role, KYOYU_STATE_CONNECTING, 0);
		post_state(bus, role, KYOYU_STATE_SHARING, 0);
		int frames = 0, wrong = 0;
		uint32_t wrong_format = KYOYU_PIXFMT_NONE;
		for (int64_t until = kyoyu_now_us() + 300000; kyoyu_now_us() < until;) {
			kyoyu_msg *msg;
			if (kyoyu_inbox_pop(sink, &msg, 20) != 0)
				continue;
			if (msg->type == KYOYU_MSG_FRAME) {
				frames++;
				if (msg->u.frame.format != format) {
					wrong++;
					wrong_format = msg->u.frame.format;
				}
			}
			kyoyu_msg_unref(msg);
		}
		post_state(bus, role, KYOYU_STATE_ENDED, KYOYU_END_LEFT);
		bool returned = kyoyu_stage_wait(stage, LINGER_MS);
		kyoyu_stage_request_stop(stage);
		ret = kyoyu_stage_join(stage);
		if (p->ops.stage.stop)
			p->ops.stage.stop(inst->priv);
		kyoyu_stage_free(stage);
		kyoyu_instance_free(inst);
		if (!returned)
			fail_msg("%s: run() did not return within %d ms of the session's "
				 "end as %s", p->module, LINGER_MS, role_name);
		if (ret > 0)
			fail_msg("%s: run() returned %d, neither 0 nor a negative errno",
				 p->module, ret);
		if (ret < 0)
			print_message("# %s: run() returned %s as %s\n", p->module,
				      strerror(-ret), role_name);
		if (wrong)
			fail_msg("%s: %d of %d pictures posted as %s were %s, not the %s "
				 "frames the core chose (kyoyu_host.frame_format)", p->module,
				 wrong, frames, role_name, pixfmt_label(wrong_format),
				 pixfmt_label(format));
		if (frames)
			print_message("# %s: %d %s pictures as %s\n", p->module, frames,
				      pixfmt_label(format), role_name);
	}
	kyoyu_inbox_free(sink);
	kyoyu_bus_free(bus);
	kyoyu_clock_free(clock);
}

/* Once for each format the plugin lists; BGRX for one that lists none (a
 * transport, a UI that reads no frames), as on a sharer that captures BGRX. */
static void stage_life_cycle(const kyoyu_plugin *p, uint32_t role)
{
	static const uint32_t bgrx[] = {KYOYU_PIXFMT_BGRX, KYOYU_PIXFMT_NONE};
	const uint32_t *formats = p->ops.stage.formats ? p->ops.stage.formats : bgrx;

	for (const uint32_t *f = formats; *f != KYOYU_PIXFMT_NONE; f++)
		stage_life_cycle_as(p, role, *f);
}

/* ---- codecs -------------------------------------------------------------- */

#define MAX_PACKETS 64

typedef struct packets {
	kyoyu_msg *msg[MAX_PACKETS];
	int n;
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

/* A FRAME_W × FRAME_H picture in FORMAT: a gradient with a moving bar,
 * something for an encoder to chew. */
static kyoyu_msg *make_frame(int index, uint32_t format)
{
	kyoyu_msg *msg = kyoyu_msg_new(KYOYU_MSG_FRAME);

	assert_non_null(msg);
	kyoyu_frame_info *info = &msg->u.frame;
	size_t bytes = kyoyu_frame_layout(info, (kyoyu_pixfmt)format, FRAME_W, FRAME_H);
	assert_true(bytes > 0);
	msg->buf = kyoyu_buffer_new(bytes);
	assert_non_null(msg->buf);
	uint8_t *px = kyoyu_buffer_data(msg->buf);
	for (int y = 0; y < FRAME_H; y++)
		for (int x = 0; x < FRAME_W; x++) {
			bool bar = x / 8 == index;
			if (format == KYOYU_PIXFMT_BGRX) {
				uint8_t *p = px + (size_t)y * info->stride[0] + (size_t)x * 4;
				p[0] = bar ? 255 : (uint8_t)(x * 4);
				p[1] = bar ? 255 : (uint8_t)(y * 5);
				p[2] = (uint8_t)(128 + index * 30);
				p[3] = 0;
			} else {
				px[info->offset[0] + (size_t)y * info->stride[0] + (size_t)x] =
					bar ? 235 : (uint8_t)(16 + x * 3);
			}
		}
	/* Planar formats: the chroma planes a flat colour that moves. */
	for (int plane = 1; format != KYOYU_PIXFMT_BGRX && plane < 3; plane++)
		memset(px + info->offset[plane], 128 + (plane == 1 ? index * 20 : -index * 20),
		       (plane == 1 ? info->offset[2] : bytes) - info->offset[plane]);
	if (index == 0) {
		info->flags = KYOYU_FRAME_KEY;
		kyoyu_region_set_full(&info->damage, FRAME_W, FRAME_H);
	} else {
		kyoyu_region_add(&info->damage, (kyoyu_rect){0, 0, FRAME_W, FRAME_H});
	}
	return msg;
}

/* A message a codec hands over must be new: the caller holds it alone. */
static void check_handed_over(const kyoyu_plugin *p, const char *fn, const kyoyu_msg *msg,
			      uint32_t type)
{
	if (!msg)
		fail_msg("%s: %s() returned 0 and no message", p->module, fn);
	if (msg->type != type)
		fail_msg("%s: %s() gave a %s message, not a %s", p->module, fn,
			 kyoyu_msg_type_name(msg->type), kyoyu_msg_type_name(type));
	if (!msg->buf || kyoyu_buffer_size(msg->buf) == 0)
		fail_msg("%s: %s() gave a %s with no data", p->module, fn,
			 kyoyu_msg_type_name(type));
	if (!kyoyu_msg_is_writable(msg))
		fail_msg("%s: %s() gave a message it still holds a reference to; hand "
			 "over a new one (kyoyu_msg_new)", p->module, fn);
}

/* Takes packets of CODEC until the encoder says EAGAIN (or EOF when
 * DRAINING). */
static void receive_packets(const kyoyu_plugin *p, void *priv, uint32_t codec, packets *pk,
			    bool draining)
{
	for (int guard = 0; guard < 1000; guard++) {
		kyoyu_msg *pkt = NULL;
		int ret = p->ops.codec.receive_packet(priv, &pkt);
		if ((ret == -EAGAIN && !draining) || (ret == KYOYU_EOF && draining)) {
			kyoyu_msg_unref(pkt);
			return;
		}
		if (ret)
			fail_msg("%s: receive_packet() returned %s%s", p->module, strerror(-ret),
				 draining ? " while draining (expected a packet or KYOYU_EOF)" : "");
		check_handed_over(p, "receive_packet", pkt, KYOYU_MSG_PACKET);
		if (pkt->u.packet.codec != codec) {
			char want[5], got[5];
			fail_msg("%s: receive_packet() gave a packet of codec %s while "
				 "encoding %s", p->module, kyoyu_fourcc_text(pkt->u.packet.codec, got),
				 kyoyu_fourcc_text(codec, want));
		}
		if (pk->n < MAX_PACKETS)
			pk->msg[pk->n++] = pkt;
		else
			kyoyu_msg_unref(pkt);
	}
	fail_msg("%s: receive_packet() never ran dry", p->module);
}

/* send_frame(FRAME); the codec may keep it, but must not change it. */
static int send_frame(const kyoyu_plugin *p, void *priv, const kyoyu_msg *frame)
{
	kyoyu_frame_info before = frame->u.frame;
	int64_t time_us = frame->time_us;
	kyoyu_buffer *buf = frame->buf;

	int ret = p->ops.codec.send_frame(priv, frame);
	if (memcmp(&before, &frame->u.frame, sizeof(before)) != 0 ||
	    time_us != frame->time_us || buf != frame->buf)
		fail_msg("%s: send_frame() changed the frame it was given; it is shared "
			 "and read-only", p->module);
	return ret;
}

/* Encodes three FORMAT frames of CODEC with P and fills PK. */
static void encode_with(const kyoyu_plugin *p, uint32_t codec, uint32_t format, packets *pk)
{
	kyoyu_bus *bus = kyoyu_bus_new();
	const uint32_t codecs[] = {codec, KYOYU_CODEC_NONE};
	kyoyu_instance *inst = instantiate(p, KYOYU_ROLE_SHARER, bus, NULL, codecs);
	char label[32];

	if (inst) {
		kyoyu_encoder_config config = {.size = sizeof(config), .codec = codec,
					       .width = FRAME_W, .height = FRAME_H, .fps = 30,
					       .bitrate_kbps = 300, .format = format};
		int ret = p->ops.codec.encoder_open(inst->priv, &config);
		if (ret)
			fail_msg("%s: encoder_open(%s, %dx%d %s) failed: %s", p->module,
				 codec_label(p, codec, label), FRAME_W, FRAME_H,
				 pixfmt_label(format), strerror(-ret));
		for (int i = 0; i < 3; i++) {
			kyoyu_msg *frame = make_frame(i, format);
			ret = send_frame(p, inst->priv, frame);
			if (ret == -EAGAIN) {
				int before = pk->n;
				receive_packets(p, inst->priv, codec, pk, false);
				if (pk->n == before)
					fail_msg("%s: send_frame() and receive_packet() both "
						 "said EAGAIN", p->module);
				ret = send_frame(p, inst->priv, frame);
			}
			kyoyu_msg_unref(frame);
			if (ret)
				fail_msg("%s: send_frame() failed: %s", p->module, strerror(-ret));
			receive_packets(p, inst->priv, codec, pk, false);
		}
		assert_int_equal(p->ops.codec.send_frame(inst->priv, NULL), 0);
		receive_packets(p, inst->priv, codec, pk, true);
		p->ops.codec.close(inst->priv);
		kyoyu_instance_free(inst);
		if (pk->n == 0)
			fail_msg("%s: three frames and a drain gave no packet", p->module);
		if (!(pk->msg[0]->u.packet.flags & KYOYU_PACKET_KEYFRAME))
			fail_msg("%s: the first packet of a stream is not flagged "
				 "KYOYU_PACKET_KEYFRAME", p->module);
		print_message("# %s: %s from %s pictures encoded into %d packets\n", p->module,
			      codec_label(p, codec, label), pixfmt_label(format), pk->n);
	}
	kyoyu_bus_free(bus);
}

static int receive_frames(const kyoyu_plugin *p, void *priv, uint32_t format, bool draining)
{
	int frames = 0;

	for (int guard = 0; guard < 1000; guard++) {
		kyoyu_msg *frame = NULL;
		int ret = p->ops.codec.receive_frame(priv, &frame);
		if ((ret == -EAGAIN && !draining) || (ret == KYOYU_EOF && draining)) {
			kyoyu_msg_unref(frame);
			return frames;
		}
		if (ret)
			fail_msg("%s: receive_frame() returned %s", p->module, strerror(-ret));
		check_handed_over(p, "receive_frame", frame, KYOYU_MSG_FRAME);
		const kyoyu_frame_info *info = &frame->u.frame;
		kyoyu_frame_info want;
		size_t bytes = kyoyu_frame_layout(&want, (kyoyu_pixfmt)info->format, info->width,
						  info->height);
		if (info->format != format || info->width != FRAME_W || info->height != FRAME_H)
			fail_msg("%s: decoded a %ux%u %s picture, expected %dx%d %s", p->module,
				 info->width, info->height, pixfmt_label(info->format), FRAME_W,
				 FRAME_H, pixfmt_label(format));
		if (kyoyu_buffer_size(frame->buf) < bytes)
			fail_msg("%s: decoded a picture into %zu bytes, %zu short of its layout",
				 p->module, kyoyu_buffer_size(frame->buf),
				 bytes - kyoyu_buffer_size(frame->buf));
		kyoyu_msg_unref(frame);
		frames++;
	}
	fail_msg("%s: receive_frame() never ran dry", p->module);
	return frames;
}

/* Decodes PK into FORMAT pictures with P. */
static void decode_with(const kyoyu_plugin *p, uint32_t codec, uint32_t format,
			const packets *pk)
{
	kyoyu_bus *bus = kyoyu_bus_new();
	kyoyu_instance *inst = instantiate(p, KYOYU_ROLE_VIEWER, bus, NULL, viewer_codecs);
	int frames = 0;
	char label[32];

	if (inst) {
		kyoyu_decoder_config config = {.size = sizeof(config), .codec = codec,
					       .format = format};
		int ret = p->ops.codec.decoder_open(inst->priv, &config);
		if (ret)
			fail_msg("%s: decoder_open(%s, %s) failed: %s", p->module,
				 codec_label(p, codec, label), pixfmt_label(format),
				 strerror(-ret));
		for (int i = 0; i < pk->n; i++) {
			ret = p->ops.codec.send_packet(inst->priv, pk->msg[i]);
			if (ret == -EAGAIN) {
				frames += receive_frames(p, inst->priv, format, false);
				ret = p->ops.codec.send_packet(inst->priv, pk->msg[i]);
			}
			if (ret)
				fail_msg("%s: send_packet() failed on packet %d: %s", p->module,
					 i, strerror(-ret));
			frames += receive_frames(p, inst->priv, format, false);
		}
		assert_int_equal(p->ops.codec.send_packet(inst->priv, NULL), 0);
		frames += receive_frames(p, inst->priv, format, true);
		p->ops.codec.close(inst->priv);
		kyoyu_instance_free(inst);
		if (pk->n && frames == 0)
			fail_msg("%s: %d %s packets decoded into no picture", p->module, pk->n,
				 codec_label(p, codec, label));
		print_message("# %s: decoded %d %s pictures as %s\n", p->module, frames,
			      codec_label(p, codec, label), pixfmt_label(format));
	}
	kyoyu_bus_free(bus);
}

/* Another loaded plugin that encodes CODEC, to feed a decoder-only one. */
static const kyoyu_plugin *encoder_for(uint32_t codec)
{
	kyoyu_plugin *lists[] = {loader.preloaded, loader.loaded};
	for (size_t i = 0; i < 2; i++)
		for (kyoyu_plugin *p = lists[i]; p; p = p->next)
			if (p->desc.kind == KYOYU_KIND_CODEC && listed(p->ops.codec.encodes, codec))
				return p;
	return NULL;
}

/* CODEC encoded by P (each format it takes) or, for a decoder only, by
 * another built plugin, then decoded by P into each format it gives. */
static void codec_life_cycle_of(const kyoyu_plugin *p, uint32_t codec)
{
	bool enc = listed(p->ops.codec.encodes, codec);
	bool dec = listed(p->ops.codec.decodes, codec);
	const kyoyu_plugin *source = enc ? p : encoder_for(codec);
	const uint32_t *in = source ? source->ops.codec.encoder_formats : NULL;
	char label[32];

	if (!source) {
		packets none = {.n = 0};
		print_message("# %s: no built plugin encodes %s; decoder opened and drained "
			      "only\n", p->module, codec_label(p, codec, label));
		for (const uint32_t *out = p->ops.codec.decoder_formats; *out != KYOYU_PIXFMT_NONE;
		     out++)
			decode_with(p, codec, *out, &none);
		return;
	}
	for (const uint32_t *f = in; *f != KYOYU_PIXFMT_NONE; f++) {
		packets pk = {.n = 0};
		encode_with(source, codec, *f, &pk);
		for (const uint32_t *out = p->ops.codec.decoder_formats;
		     dec && *out != KYOYU_PIXFMT_NONE; out++)
			decode_with(p, codec, *out, &pk);
		packets_clear(&pk);
		if (!enc)
			break; /* a decoder only is fed from its source's best format */
	}
}

static void codec_life_cycle(const kyoyu_plugin *p)
{
	for (const kyoyu_codec_desc *d = p->ops.codec.encodes;
	     d && d->fourcc != KYOYU_CODEC_NONE; d++)
		codec_life_cycle_of(p, d->fourcc);
	/* What it only decodes. */
	for (const kyoyu_codec_desc *d = p->ops.codec.decodes;
	     d && d->fourcc != KYOYU_CODEC_NONE; d++)
		if (!listed(p->ops.codec.encodes, d->fourcc))
			codec_life_cycle_of(p, d->fourcc);
}

/* ---- policy -------------------------------------------------------------- */

static void policy_life_cycle(const kyoyu_plugin *p)
{
	kyoyu_bus *bus = kyoyu_bus_new();
	kyoyu_clock *clock = kyoyu_clock_new_manual(1000000000);
	static const uint32_t path[] = {KYOYU_STATE_CONNECTING, KYOYU_STATE_AWAITING_CONSENT,
					KYOYU_STATE_SHARING, KYOYU_STATE_PAUSED,
					KYOYU_STATE_SHARING, KYOYU_STATE_ENDED};

	for (uint32_t role = KYOYU_ROLE_SHARER; role <= KYOYU_ROLE_VIEWER; role++) {
		kyoyu_instance *inst = instantiate(p, role, bus, clock, viewer_codecs);
		if (!inst)
			continue;
		kyoyu_session_view view = {.size = sizeof(view), .role = role,
					   .state = KYOYU_STATE_IDLE};
		for (size_t i = 0; i < sizeof(path) / sizeof(path[0]); i++) {
			int ret = p->ops.policy.allow(inst->priv, &view, path[i], KYOYU_END_LEFT);
			if (ret != 0 && ret != -EPERM)
				fail_msg("%s: allow() returned %d, neither 0 nor -EPERM",
					 p->module, ret);
			/* Ending must always be possible. */
			if (path[i] == KYOYU_STATE_ENDED && ret != 0)
				fail_msg("%s: allow() refused to end the session", p->module);
			if (ret == 0)
				view.state = path[i];
			if (view.state == KYOYU_STATE_AWAITING_CONSENT)
				view.connected_us = view.last_activity_us = view.now_us;
			if (view.state == KYOYU_STATE_SHARING && !view.sharing_since_us)
				view.sharing_since_us = view.now_us;
			for (int t = 0; t < 8 && view.state != KYOYU_STATE_ENDED; t++) {
				kyoyu_policy_verdict verdict = {.size = sizeof(verdict)};
				kyoyu_clock_advance(clock, 250000);
				view.now_us = kyoyu_clock_now(clock);
				p->ops.policy.tick(inst->priv, &view, &verdict);
				if (verdict.action > KYOYU_POLICY_END)
					fail_msg("%s: tick() gave unknown action %u", p->module,
						 verdict.action);
			}
		}
		kyoyu_instance_free(inst);
	}
	kyoyu_bus_free(bus);
	kyoyu_clock_free(clock);
}

/* ---- the test of one plugin ------------------------------------------------ */

static void test_plugin_life_cycle(void **state)
{
	const subject *s = *state;
	const kyoyu_plugin *p = s->plugin;

	if (!p)
		fail_msg("%s was built but the loader refuses it: %s", s->path, s->why);
	/* describe: the loader checked the descriptor; its copy is complete. */
	assert_non_null(p->desc.init);
	switch (p->desc.kind) {
	case KYOYU_KIND_CODEC:
		codec_life_cycle(p);
		break;
	case KYOYU_KIND_POLICY:
		policy_life_cycle(p);
		break;
	default:
		stage_life_cycle(p, KYOYU_ROLE_SHARER);
		stage_life_cycle(p, KYOYU_ROLE_VIEWER);
		break;
	}
}

#define MAX_SUBJECTS 64

static subject subjects[MAX_SUBJECTS];
static size_t n_subjects;

static void collect(void *ctx, const char *path, const kyoyu_plugin *plugin, const char *why)
{
	(void)ctx;
	if (n_subjects == MAX_SUBJECTS)
		return;
	subject *s = &subjects[n_subjects++];
	s->plugin = plugin;
	snprintf(s->path, sizeof(s->path), "%s", path);
	snprintf(s->why, sizeof(s->why), "%s", why ? why : "");
	if (plugin)
		snprintf(s->name, sizeof(s->name), "%s/%s%s", kyoyu_kind_name(plugin->desc.kind),
			 plugin->desc.name, strcmp(path, "(linked in)") ? "" : " (linked in)");
	else
		snprintf(s->name, sizeof(s->name), "%s", path);
}

/* Runs one plugin's test in a child process, so a crash, a hang or a
 * sanitizer report (leaks are checked when the child exits) is charged to
 * that plugin and the others still run.  The child's own cmocka report goes
 * to stderr, the log; this process prints the TAP line. */
static bool run_isolated(subject *s)
{
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid < 0) {
		fprintf(stderr, "fork: %s\n", strerror(errno));
		return false;
	}
	if (pid == 0) {
		dup2(STDERR_FILENO, STDOUT_FILENO);
		alarm(CHILD_TIMEOUT_S);
		struct CMUnitTest test = {s->name, test_plugin_life_cycle, NULL, NULL, s};
		int failed = _cmocka_run_group_tests(s->name, &test, 1, NULL, NULL);
		kyoyu_loader_fini(&loader);
		exit(failed ? 1 : 0);
	}
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return true;
	if (WIFSIGNALED(status))
		fprintf(stderr, "# %s: the test process died of signal %d (%s); a crash, "
			"a sanitizer report or a hang past %d s: see above\n", s->name,
			WTERMSIG(status), strsignal(WTERMSIG(status)), CHILD_TIMEOUT_S);
	else
		fprintf(stderr, "# %s: the test process exited with status %d (a failed "
			"check, or 23 for a sanitizer report): see above\n", s->name,
			WEXITSTATUS(status));
	return false;
}

int main(void)
{
	char *dirs[] = {KYOYU_BUILD_PLUGIN_DIR, NULL};

	/* Without a display in the environment the run is headless, and
	 * stays so: some libraries (SDL) fall back to ":0", which on a shared
	 * machine may be another test's Xvfb.  An empty DISPLAY opens nothing. */
	if (!getenv("DISPLAY") && !getenv("WAYLAND_DISPLAY"))
		setenv("DISPLAY", "", 1);
	if (kyoyu_loader_init(&loader, dirs)) {
		fprintf(stderr, "cannot start the plugin loader\n");
		return 1;
	}
	kyoyu_loader_scan(&loader, collect, NULL);
	if (n_subjects == 0) {
		/* policy/default and capture/testsrc have no dependency: an
		 * empty build tree means the test looks in the wrong place. */
		fprintf(stderr, "no plugin found in %s\n", KYOYU_BUILD_PLUGIN_DIR);
		return 1;
	}
	/* KYOYU_CONFORMANCE_ONLY=codec/vpx,ui/sdl runs only those, for a
	 * plugin author at work. */
	const char *only = getenv("KYOYU_CONFORMANCE_ONLY");
	subject *chosen[MAX_SUBJECTS];
	size_t n = 0;
	for (size_t i = 0; i < n_subjects; i++) {
		const char *name = subjects[i].name;
		const char *at = only ? strstr(only, name) : NULL;
		size_t len = strcspn(name, " ");
		if (!only || (at && (!at[len] || at[len] == ',')))
			chosen[n++] = &subjects[i];
	}
	printf("1..%zu\n", n);
	int failed = 0;
	for (size_t i = 0; i < n; i++) {
		bool ok = run_isolated(chosen[i]);
		printf("%sok %zu - %s\n", ok ? "" : "not ", i + 1, chosen[i]->name);
		failed += !ok;
	}
	kyoyu_loader_fini(&loader);
	return failed ? 1 : 0;
}
