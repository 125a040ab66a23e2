/* SPDX-License-Identifier: MIT */
/* The fake codec's private struct, shared with the tests that drive it.
 *
 * kyoyu-codec-fake "encodes" by passing the frame's pixels through as the
 * packet (the same buffer, by reference) and "decodes" by passing them back,
 * so the encode and decode stages can be tested with no real codec.  Like a
 * real encoder with its reference picture, it keeps the last frame it was
 * sent until the next one or close, and counts it in frames_changed if
 * anybody changed that message meanwhile: the caller must not.  A test
 * reaches this struct through its instance (kyoyu_instance.priv) to make the
 * next calls fail and to read what the codec saw.  The counters are atomic:
 * the stage thread writes them while the test thread reads.
 */
#ifndef KYOYU_TESTS_FAKE_CODEC_H
#define KYOYU_TESTS_FAKE_CODEC_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include <kyoyu/kyoyu.h>

/* How many frames the codec remembers for the tests. */
#define FAKE_CODEC_LOG 256

typedef struct fake_codec_frame {
	uint32_t flags;          /* KYOYU_FRAME_* as received */
	uint32_t width, height;
	kyoyu_region damage;
	uint32_t packet_flags;   /* KYOYU_PACKET_* it produced */
} fake_codec_frame;

typedef struct fake_codec {
	/* option: packets per frame, so receive_packet is called repeatedly */
	int packets_per_frame;

	/* hooks: each makes that many of the next calls fail with -EIO */
	atomic_int fail_opens, fail_sends, fail_packets;

	/* what happened */
	atomic_int encoder_opens, decoder_opens, closes;
	atomic_int frames_sent, packets_sent, keyframe_requests, bitrate_kbps;
	atomic_int decoded;
	atomic_int frames_changed; /* kept frames changed behind the codec's back */

	pthread_mutex_t lock; /* guards log and n_log */
	fake_codec_frame log[FAKE_CODEC_LOG];
	int n_log;

	/* internal state (stage thread only) */
	bool encoding, decoding, draining, key_requested;
	uint32_t codec, width, height;
	kyoyu_msg *frame;              /* the last frame sent (a reference) */
	kyoyu_frame_info frame_info;   /* what it said when it was sent */
	int64_t frame_time_us;
	kyoyu_packet_info packet_info; /* what its packets say */
	kyoyu_msg *packet;             /* the packet sent, not yet decoded */
	int pending_left;              /* outputs still to hand out */
} fake_codec;

#endif
