/* SPDX-License-Identifier: MIT */
/* The encode stage: drives a codec plugin through send_frame/receive_packet.
 *
 * Frames arrive latest-wins; a frame that comes before the frame-rate cap
 * allows waits here, merging the damage of newer ones, so the encoder always
 * gets the newest picture with everything that changed since the last one.
 * When the screen stays still for topoff_ms, the last picture goes once more
 * flagged KYOYU_FRAME_REFINE so the codec can sharpen text, and again every
 * topoff_ms, at least MIN_TOPOFFS times and then while each top-off still
 * fills a good part of what the bitrate carries meanwhile (a codec whose
 * rate control held a top-off back sharpens further with the next; one
 * with nothing left makes a small one or none), at most MAX_TOPOFFS times;
 * after that an idle screen costs nothing until it changes.
 *
 * When the link is behind, pictures are skipped here, before the encoder,
 * never after it: a packet that was encoded is sent, because the pictures
 * after it refer to it.  The stage keeps a reference to the last packet it
 * posted; while another holder still has it (the transport has not taken
 * it from its inbox: the socket has no room), the next picture waits and
 * merges the damage of newer ones, so it carries everything that changed
 * when it goes.
 *
 * With codec.format = "auto" the stage times every changed picture it
 * encodes and, when codec-auto.c judges that this PC cannot keep up, goes
 * over to the cheaper codec once: the next picture opens the cheap encoder
 * and is a keyframe, its packets name the new codec (the transport sends
 * VIDEO_CONFIG first and the viewer's decode stage reopens), and a NOTICE
 * tells the customer.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define KYOYU_LOG_COMPONENT "encode"
#include <kyoyu/plugin.h>

#include "codec-auto.h"
#include "codecs.h"
#include "encode-stage.h"
#include "thread-owner.h"

/* Consecutive failures after which the session ends with an error. */
#define MAX_FAILURES 3
/* Keyframes asked for are made at most this often (4 a second): one costs
 * several ordinary pictures, and a viewer may ask with every packet. */
#define KEYFRAME_REQUEST_INTERVAL_US 250000
/* Top-offs of one still picture, at least and at most.  The first may be
 * small for want of bits: a codec's rate control repays with it what the
 * pictures before overspent (x264 after a scroll at 700 kbit/s: 5 KB of
 * the 52 KB its buffer holds), so two more follow in any case. */
#define MIN_TOPOFFS 3
/* x264's top-offs are held to its buffer (REFINE_PASSES in x264-plugin.c
 * goes as far): at 300 kbit/s eight of 5-9 KB ended 3 s after a scroll
 * with the page still unfinished.  Each goes only while the one before
 * filled a good part of the link. */
#define MAX_TOPOFFS 16
/* A top-off smaller than this share of what the bitrate carries in
 * topoff_ms sharpened what was left: no other follows. */
#define TOPOFF_MORE_SHARE 4
/* While the last packet waits for the link, it is looked at this often:
 * nothing on the bus says when the transport takes it. */
#define LINK_POLL_MS 5
/* The frame-rate cap lets a picture go up to a frame interval over this
 * early, as a cell-rate limit does (GCRA): the average stays at max_fps.
 * A capture paced at the same rate (capture/x11's slots) hands a picture
 * over a little before or after the stage's due time.  With the cap
 * counted strictly from each start, which comes a millisecond or two late
 * (poll() sleeps whole milliseconds), the stage ran slower than the
 * capture and their phases drifted apart: pictures waited 0 to 33 ms in
 * turn, 14 ms at the median of a scroll (live scene, bench/README.md). */
#define CAP_EARLY_SHARE 4

struct kyoyu_encode_stage {
	kyoyu_owner owner; /* the encode stage's thread calls the codec */
	kyoyu_instance *codec;
	const kyoyu_codec_ops *ops;
	kyoyu_instance *cheap; /* the codec to go over to, until it is used */
	bool cheap_decoded;    /* the viewer said it decodes cheap_codec */
	kyoyu_codec_auto judge;
	kyoyu_encode_settings settings;
	kyoyu_bus *bus;
	bool open;
	uint32_t width, height;
	bool refined, key_next; /* refined: no more top-offs of this picture */
	unsigned topoffs;       /* of this picture so far */
	uint64_t bytes_out;     /* the stage's own count of stats.bytes */
	kyoyu_msg *pending; /* waiting for the frame-rate cap, or NULL */
	kyoyu_msg *last;    /* the last picture encoded, for the top-off */
	kyoyu_msg *sent;    /* the last packet posted, until it is taken */
	bool held;          /* the picture due now waits for the link */
	/* When the next picture is due by the frame-rate cap; it may go an
	 * interval over CAP_EARLY_SHARE before. */
	int64_t next_due_us;
	/* When the encoder last finished: a top-off is due topoff_ms after
	 * it, so the link has that long to carry what it made however late
	 * the stage's thread ran. */
	int64_t last_encoded_us;
	int64_t last_request_us; /* the last keyframe request honoured */
	unsigned failures;
	pthread_mutex_t stats_lock;
	kyoyu_encode_stats stats;
};

kyoyu_encode_stage *kyoyu_encode_stage_new(kyoyu_instance *codec, kyoyu_instance *cheap,
					   const kyoyu_encode_settings *settings)
{
	kyoyu_encode_stage *st = calloc(1, sizeof(*st));

	if (!st)
		return NULL;
	kyoyu_owner_init(&st->owner);
	st->codec = codec;
	st->ops = &codec->plugin->ops.codec;
	st->settings = *settings;
	st->cheap = settings->cheap_codec ? cheap : NULL;
	kyoyu_codec_auto_init(&st->judge);
	if (st->settings.max_fps == 0)
		st->settings.max_fps = 30;
	pthread_mutex_init(&st->stats_lock, NULL);
	return st;
}

static void drop_frames(kyoyu_encode_stage *st)
{
	kyoyu_msg_unref(st->pending);
	kyoyu_msg_unref(st->last);
	kyoyu_msg_unref(st->sent);
	st->pending = st->last = st->sent = NULL;
	st->held = false;
}

/* True while the last packet posted has not been taken by every inbox it
 * went to: the link is behind, and encoding more would only queue it. */
static bool link_behind(kyoyu_encode_stage *st)
{
	if (st->sent && kyoyu_msg_is_writable(st->sent)) {
		kyoyu_msg_unref(st->sent);
		st->sent = NULL;
	}
	return st->sent != NULL;
}

static void close_encoder(kyoyu_encode_stage *st)
{
	if (st->open) {
		KYOYU_ASSERT_OWNER(&st->owner);
		st->ops->close(st->codec->priv);
	}
	st->open = false;
}

void kyoyu_encode_stage_free(kyoyu_encode_stage *st)
{
	if (!st)
		return;
	drop_frames(st);
	close_encoder(st);
	pthread_mutex_destroy(&st->stats_lock);
	free(st);
}

void kyoyu_encode_stage_get_stats(kyoyu_encode_stage *st, kyoyu_encode_stats *out)
{
	pthread_mutex_lock(&st->stats_lock);
	*out = st->stats;
	pthread_mutex_unlock(&st->stats_lock);
}

#define COUNT(field, n)                                                        \
	do {                                                                   \
		pthread_mutex_lock(&st->stats_lock);                           \
		st->stats.field += (n);                                        \
		pthread_mutex_unlock(&st->stats_lock);                         \
	} while (0)

static void fail(kyoyu_encode_stage *st, const char *what, int err)
{
	COUNT(errors, 1);
	kyoyu_error("%s: %s failed: %s", st->codec->label, what, strerror(-err));
	close_encoder(st);
	st->key_next = true;
	/* One ERROR is enough: the session ends on it. */
	if (++st->failures != MAX_FAILURES)
		return;
	kyoyu_msg *msg = kyoyu_msg_new(KYOYU_MSG_ERROR);
	if (!msg)
		return;
	msg->u.value = err;
	static const char text[] = "the video encoder keeps failing";
	msg->buf = kyoyu_buffer_new_copy(text, sizeof(text) - 1);
	kyoyu_bus_post(st->bus, msg);
}

static int open_encoder(kyoyu_encode_stage *st, uint32_t width, uint32_t height)
{
	kyoyu_encoder_config config = {
		.size = sizeof(config),
		.codec = st->settings.codec,
		.width = width,
		.height = height,
		.fps = st->settings.max_fps,
		.bitrate_kbps = st->settings.bitrate_kbps,
		.format = st->settings.format,
	};

	KYOYU_ASSERT_OWNER(&st->owner);
	close_encoder(st);
	int ret = st->ops->encoder_open(st->codec->priv, &config);
	if (ret) {
		fail(st, "opening the encoder", ret);
		return ret;
	}
	char text[5];
	kyoyu_info("%s encodes %s %ux%u (%s) at %u kbit/s, up to %u fps",
		   st->codec->label, kyoyu_codec_label(config.codec, text), width, height,
		   kyoyu_pixfmt_name(config.format), config.bitrate_kbps, config.fps);
	st->open = true;
	st->width = width;
	st->height = height;
	return 0;
}

/* Takes every packet the encoder has ready and posts it. */
static int drain_packets(kyoyu_encode_stage *st, int64_t capture_us)
{
	for (;;) {
		kyoyu_msg *pkt = NULL;
		int ret = st->ops->receive_packet(st->codec->priv, &pkt);
		if (ret == -EAGAIN || ret == KYOYU_EOF)
			return 0;
		if (ret) {
			kyoyu_msg_unref(pkt);
			return ret;
		}
		if (!pkt || pkt->type != KYOYU_MSG_PACKET || !pkt->buf ||
		    !kyoyu_msg_is_writable(pkt)) {
			kyoyu_error("%s returned no packet, or one without data, or one "
				    "it still holds", st->codec->label);
			kyoyu_msg_unref(pkt);
			continue;
		}
		if (!pkt->u.packet.capture_us)
			pkt->u.packet.capture_us = capture_us;
		pkt->time_us = pkt->u.packet.capture_us;
		pkt->u.packet.encoded_us = kyoyu_now_us();
		size_t bytes = kyoyu_buffer_size(pkt->buf);
		bool key = pkt->u.packet.flags & KYOYU_PACKET_KEYFRAME;
		kyoyu_msg_unref(st->sent);
		st->sent = kyoyu_msg_ref(pkt);
		kyoyu_bus_post(st->bus, pkt);
		pthread_mutex_lock(&st->stats_lock);
		st->stats.packets++;
		st->stats.bytes += bytes;
		st->bytes_out += bytes;
		st->stats.keyframes += key;
		pthread_mutex_unlock(&st->stats_lock);
	}
}

/* Goes over to the cheaper codec: the next picture opens its encoder and
 * is a keyframe.  The customer is told (the operator by the viewer's
 * transport, which sees the codec change). */
static void switch_to_cheap(kyoyu_encode_stage *st, int64_t interval_us)
{
	char from[5], to[5];

	kyoyu_info("this PC cannot keep up with %s (most pictures took over 80%% of the "
		   "%lld ms between pictures): going over to %s",
		   kyoyu_codec_label(st->settings.codec, from), (long long)interval_us / 1000,
		   kyoyu_codec_label(st->settings.cheap_codec, to));
	close_encoder(st);
	st->codec = st->cheap;
	st->ops = &st->cheap->plugin->ops.codec;
	st->cheap = NULL;
	st->settings.codec = st->settings.cheap_codec;
	st->key_next = true;
	COUNT(codec_switches, 1);
	kyoyu_msg *msg = kyoyu_msg_new(KYOYU_MSG_NOTICE);
	if (!msg)
		return;
	msg->u.notice.kind = KYOYU_NOTICE_CODEC_SWITCHED;
	const char *name = kyoyu_codec_label(st->settings.codec, to);
	msg->buf = kyoyu_buffer_new_copy(name, strlen(name));
	kyoyu_bus_post(st->bus, msg);
}

/* The time between pictures at the frame-rate cap. */
static int64_t frame_interval_us(const kyoyu_encode_stage *st)
{
	return 1000000 / st->settings.max_fps;
}

/* Times a changed picture's encoding for codec.format = "auto". */
static void judge_encode_time(kyoyu_encode_stage *st, int64_t began_us)
{
	int64_t now = kyoyu_now_us();
	int64_t interval_us = frame_interval_us(st);

	if (st->cheap && st->cheap_decoded &&
	    kyoyu_codec_auto_note(&st->judge, now, now - began_us, interval_us))
		switch_to_cheap(st, interval_us);
}

static void encode(kyoyu_encode_stage *st, kyoyu_msg *frame)
{
	const kyoyu_frame_info *info = &frame->u.frame;

	KYOYU_ASSERT_OWNER(&st->owner);
	if (!st->open || info->width != st->width || info->height != st->height) {
		if (open_encoder(st, info->width, info->height))
			return;
		frame->u.frame.flags |= KYOYU_FRAME_KEY;
		kyoyu_region_set_full(&frame->u.frame.damage, (int32_t)info->width,
				      (int32_t)info->height);
	}
	if (st->key_next) {
		frame->u.frame.flags |= KYOYU_FRAME_KEY;
		st->ops->request_keyframe(st->codec->priv);
		st->key_next = false;
	}
	int64_t began_us = kyoyu_now_us();
	int ret = st->ops->send_frame(st->codec->priv, frame);
	if (ret == -EAGAIN) {
		/* Output must be taken first; the contract allows one retry. */
		if ((ret = drain_packets(st, frame->time_us)) == 0)
			ret = st->ops->send_frame(st->codec->priv, frame);
	}
	if (ret == 0)
		ret = drain_packets(st, frame->time_us);
	if (ret) {
		fail(st, "encoding a frame", ret);
		return;
	}
	st->failures = 0;
	COUNT(frames_encoded, 1);
	if (!(frame->u.frame.flags & KYOYU_FRAME_REFINE))
		judge_encode_time(st, began_us);
}

static void take_frame(kyoyu_encode_stage *st, kyoyu_msg *msg)
{
	COUNT(frames_in, 1);
	if (st->pending) {
		if (!(msg = kyoyu_msg_writable(msg)))
			return; /* out of memory: the pending frame stays */
		kyoyu_frame_merge_damage(&msg->u.frame, &st->pending->u.frame);
		kyoyu_msg_unref(st->pending);
	}
	st->pending = msg;
}

/* A request (from the viewer through the transport, the transport after
 * a loss, the session, transport/record) within the interval of the last
 * one honoured is dropped, not kept for later: whoever still lacks a
 * keyframe then asks again. */
static void take_keyframe_request(kyoyu_encode_stage *st)
{
	int64_t now = kyoyu_now_us();

	if (st->last_request_us && now - st->last_request_us < KEYFRAME_REQUEST_INTERVAL_US)
		return;
	st->last_request_us = now;
	st->key_next = true;
}

static void on_state(kyoyu_encode_stage *st, const kyoyu_state_info *state)
{
	if (state->state == KYOYU_STATE_SHARING)
		return;
	/* Paused or not yet sharing: nothing old may be encoded later, and
	 * the next picture must stand on its own. */
	drop_frames(st);
	st->key_next = true;
}

static void handle(kyoyu_encode_stage *st, kyoyu_msg *msg)
{
	KYOYU_ASSERT_OWNER(&st->owner);
	switch (msg->type) {
	case KYOYU_MSG_FRAME:
		take_frame(st, msg);
		return; /* the stage keeps the reference */
	case KYOYU_MSG_KEYFRAME_REQUEST:
		take_keyframe_request(st);
		break;
	case KYOYU_MSG_BITRATE:
		if (msg->u.value > 0 && msg->u.value <= 100000) {
			st->settings.bitrate_kbps = (uint32_t)msg->u.value;
			if (st->open)
				st->ops->set_bitrate(st->codec->priv,
						     st->settings.bitrate_kbps);
		}
		break;
	case KYOYU_MSG_FRAMERATE:
		if (msg->u.value >= 1 && msg->u.value <= 240)
			st->settings.max_fps = (uint32_t)msg->u.value;
		break;
	case KYOYU_MSG_STATE:
		on_state(st, &msg->u.state);
		break;
	case KYOYU_MSG_PEER:
		if (msg->u.peer.event == KYOYU_PEER_DECODES && st->settings.cheap_codec &&
		    msg->u.peer.codec == st->settings.cheap_codec)
			st->cheap_decoded = true;
		break;
	default:
		break;
	}
	kyoyu_msg_unref(msg);
}

/* When the next picture is due: a capped frame, or the top-off of a still
 * picture; -1 when nothing is. */
static int64_t due_us(const kyoyu_encode_stage *st)
{
	if (st->pending) {
		int64_t early_us = frame_interval_us(st) / CAP_EARLY_SHARE;
		return st->next_due_us > early_us ? st->next_due_us - early_us : 0;
	}
	if (st->last && !st->refined && st->settings.topoff_ms)
		return st->last_encoded_us + (int64_t)st->settings.topoff_ms * 1000;
	return -1;
}

/* How long to wait for the next message: until a picture is due, a little
 * while when one is due but waits for the link, or for ever. */
static int wait_ms(const kyoyu_encode_stage *st, int64_t now)
{
	int64_t until = due_us(st);

	if (until < 0)
		return -1;
	if (until <= now)
		return st->held ? LINK_POLL_MS : 0;
	return (int)((until - now + 999) / 1000);
}

/* True when the picture due now may go; else it waits for the link (and
 * counts once as held). */
static bool link_ready(kyoyu_encode_stage *st)
{
	if (!link_behind(st)) {
		st->held = false;
		return true;
	}
	if (!st->held)
		COUNT(held_for_link, 1);
	st->held = true;
	return false;
}

static void work(kyoyu_encode_stage *st, int64_t now)
{
	int64_t due = due_us(st);

	if (due < 0 || now < due || !link_ready(st))
		return;
	if (st->pending) {
		kyoyu_msg_unref(st->last);
		st->last = kyoyu_msg_writable(st->pending);
		st->pending = NULL;
		st->refined = false;
		st->topoffs = 0;
		if (!st->last)
			return;
		encode(st, st->last);
		st->last_encoded_us = kyoyu_now_us();
		st->next_due_us = (now > st->next_due_us ? now : st->next_due_us) +
				  frame_interval_us(st);
		/* The top-off repeats this picture with nothing changed. */
		if ((st->last = kyoyu_msg_writable(st->last))) {
			kyoyu_region_clear(&st->last->u.frame.damage);
			st->last->u.frame.flags &= ~KYOYU_FRAME_KEY;
		}
		return;
	}
	if ((st->last = kyoyu_msg_writable(st->last))) {
		kyoyu_frame_info *info = &st->last->u.frame;
		info->flags |= KYOYU_FRAME_REFINE;
		kyoyu_region_set_full(&info->damage, (int32_t)info->width,
				      (int32_t)info->height);
		uint64_t before = st->bytes_out;
		encode(st, st->last);
		uint64_t bits = (st->bytes_out - before) * 8;
		st->last_encoded_us = kyoyu_now_us();
		st->topoffs++;
		st->refined = st->topoffs >= MAX_TOPOFFS ||
			      (st->topoffs >= MIN_TOPOFFS &&
			       bits * TOPOFF_MORE_SHARE <
				       (uint64_t)st->settings.bitrate_kbps * st->settings.topoff_ms);
		COUNT(refinements, 1);
		if ((st->last = kyoyu_msg_writable(st->last)))
			st->last->u.frame.flags &= ~KYOYU_FRAME_REFINE;
	}
}

int kyoyu_encode_stage_run(void *ctx, kyoyu_stage *kstage)
{
	kyoyu_encode_stage *st = ctx;
	kyoyu_inbox *inbox = kyoyu_stage_inbox(kstage);

	kyoyu_owner_hand_to(&st->owner, kstage);
	st->bus = kyoyu_stage_bus(kstage);
	kyoyu_inbox_set_mask(inbox, KYOYU_ENCODE_STAGE_MASK);
	for (;;) {
		kyoyu_msg *msg;
		int ret = kyoyu_inbox_pop(inbox, &msg, wait_ms(st, kyoyu_now_us()));
		if (ret == -ESHUTDOWN)
			break;
		if (ret == 0)
			handle(st, msg);
		work(st, kyoyu_now_us());
	}
	kyoyu_encode_stats s;
	kyoyu_encode_stage_get_stats(st, &s);
	if (s.frames_encoded)
		kyoyu_info("%s encoded %llu pictures (%llu keyframes, %llu top-offs) of %llu "
			   "taken; %llu waited for the link", st->codec->label,
			   (unsigned long long)s.frames_encoded, (unsigned long long)s.keyframes,
			   (unsigned long long)s.refinements, (unsigned long long)s.frames_in,
			   (unsigned long long)s.held_for_link);
	drop_frames(st);
	close_encoder(st);
	return 0;
}
