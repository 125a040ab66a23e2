/* transport/record: writes the encoded stream to a file, as sent (sharer)
 * or as received (viewer), without re-encoding.
 *
 * The file starts at the first keyframe; timestamps are the packets'
 * capture times, so paused stretches (when the bus carries no packets)
 * leave a gap, not frames.  After lost packets the recorder skips to the
 * next keyframe.  A change of picture size continues the same file where
 * the container allows it (Matroska, WebM, IVF, raw H.264: the keyframe
 * carries the new size); MP4 and a change of codec start a new file,
 * name-2.mp4, name-3.mp4...
 *
 * With as_peer = true it also stands in for the viewer: it announces a
 * peer ("file", not recording) as soon as the session is connecting, so a
 * sharer runs its real pipeline with no network, e.g. for benchmarks.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define KYOYU_LOG_COMPONENT "transport/record"
#include <kyoyu/kyoyu.h>

#include "record-muxer.h"

/* Keyframe requests while waiting for one, at most this often. */
#define KEYFRAME_REQUEST_INTERVAL_US 1000000
/* How often record_muxer_idle() runs when no packet comes. */
#define IDLE_CHECK_MS 100

typedef struct record {
	/* options */
	const char *path;
	bool as_peer;

	kyoyu_bus *bus;
	uint32_t role;
	uint32_t codec; /* the sharer's codec, announced as peer */
	record_muxer *mux;
	char base_path[PATH_MAX]; /* the first file; later segments derive from it */
	char file[PATH_MAX];      /* the file being written */
	unsigned segment;
	uint32_t width, height;
	int64_t first_us; /* capture time of the file's first packet */
	bool need_key, peer_posted;
	/* Viewer: the customer chose to share without recording (the
	 * session's STATE says it is not recorded): nothing is written. */
	bool unrecorded;
	int64_t last_request_us;
	uint64_t skipped, file_packets;
} record;

static const kyoyu_option options[] = {
	KYOYU_OPTION_STRING("path", record, path, NULL,
			    "the file to write; the extension picks the container "
			    "(.webm, .mkv, .mp4, .ivf, .h264).  Default: "
			    "kyoyu-DATE-TIME.webm (VP8/VP9) or .mkv (H.264) here"),
	KYOYU_OPTION_BOOL("as_peer", record, as_peer, 0,
			  "stand in for the viewer (sharer only): the session starts "
			  "sharing at once with no network, and the file is the output"),
	KYOYU_OPTION_END,
};

static int record_init(void *priv, const kyoyu_host *host)
{
	record *r = priv;

	if (r->as_peer && host->role != KYOYU_ROLE_SHARER) {
		kyoyu_error("as_peer stands in for the viewer, so it needs role = sharer");
		return -EINVAL;
	}
	r->bus = host->bus;
	r->role = host->role;
	r->codec = host->codecs ? host->codecs[0] : KYOYU_CODEC_NONE;
	r->need_key = true;
	return KYOYU_OK;
}

static int record_start(void *priv, kyoyu_stage *stage)
{
	kyoyu_inbox_set_mask(kyoyu_stage_inbox(stage), KYOYU_MSG_BIT(KYOYU_MSG_PACKET) |
			     KYOYU_MSG_BIT(KYOYU_MSG_STATE));
	return 0;
}

/* ---- file names --------------------------------------------------------- */

static bool exists(const char *path)
{
	return access(path, F_OK) == 0;
}

/* PATH with "-N" before its extension (N > 1), into OUT. */
static void numbered(const char *path, unsigned n, char *out, size_t len)
{
	const char *slash = strrchr(path, '/');
	const char *dot = strrchr(path, '.');

	if (!dot || (slash && dot < slash) || dot == (slash ? slash + 1 : path))
		dot = path + strlen(path);
	snprintf(out, len, "%.*s-%u%s", (int)(dot - path), path, n, dot);
}

/* The first file's name: the configured path, or a new one with the date
 * that replaces no existing file. */
static int choose_base_path(record *r, uint32_t codec)
{
	if (r->path && *r->path) {
		if ((size_t)snprintf(r->base_path, sizeof(r->base_path), "%s", r->path) >=
		    sizeof(r->base_path))
			return -ENAMETOOLONG;
		return 0;
	}
	char stamp[32], name[64];
	time_t now = time(NULL);
	struct tm tm;
	localtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
	snprintf(name, sizeof(name), "kyoyu-%s.%s", stamp,
		 codec == KYOYU_CODEC_H264 ? "mkv" : "webm");
	snprintf(r->base_path, sizeof(r->base_path), "%s", name);
	for (unsigned n = 2; exists(r->base_path) && n < 1000; n++)
		numbered(name, n, r->base_path, sizeof(r->base_path));
	return 0;
}

/* ---- the recording ------------------------------------------------------ */

static int finish_file(record *r)
{
	if (!r->mux)
		return 0;
	/* The last picture stayed on screen until now. */
	int ret = record_muxer_close(r->mux, kyoyu_now_us() - r->first_us);
	r->mux = NULL;
	if (ret == 0)
		kyoyu_info("recorded %llu frames to %s", (unsigned long long)r->file_packets,
			   r->file);
	return ret;
}

static int open_file(record *r, const kyoyu_msg *pkt)
{
	const kyoyu_packet_info *info = &pkt->u.packet;
	int ret;

	if (r->segment == 0 && (ret = choose_base_path(r, info->codec))) {
		kyoyu_error("record.path is too long");
		return ret;
	}
	r->segment++;
	if (r->segment == 1)
		snprintf(r->file, sizeof(r->file), "%s", r->base_path);
	else
		numbered(r->base_path, r->segment, r->file, sizeof(r->file));
	ret = record_muxer_open(r->file, info->codec, info->width, info->height,
				kyoyu_buffer_data(pkt->buf), kyoyu_buffer_size(pkt->buf),
				&r->mux);
	if (ret)
		return ret;
	r->width = info->width;
	r->height = info->height;
	r->first_us = info->capture_us;
	r->file_packets = 0;
	char codec[5];
	kyoyu_info("recording %s %ux%u to %s", kyoyu_fourcc_text(info->codec, codec),
		   info->width, info->height, r->file);
	return 0;
}

static void ask_for_keyframe(record *r)
{
	int64_t now = kyoyu_now_us();

	if (now - r->last_request_us < KEYFRAME_REQUEST_INTERVAL_US)
		return;
	r->last_request_us = now;
	kyoyu_bus_post_value(r->bus, KYOYU_MSG_KEYFRAME_REQUEST, 0);
}

/* Decides whether PKT continues the file, starts a new one, or must wait
 * for a keyframe; returns 0, 1 to skip it, or a negative errno. */
static int place(record *r, const kyoyu_msg *pkt)
{
	const kyoyu_packet_info *info = &pkt->u.packet;
	bool key = info->flags & KYOYU_PACKET_KEYFRAME;

	if (info->flags & KYOYU_PACKET_DISCONT)
		r->need_key = true;
	if (r->need_key && !key) {
		if (r->skipped++ % 100 == 0)
			kyoyu_debug("waiting for a keyframe; %llu packets skipped",
				    (unsigned long long)r->skipped);
		ask_for_keyframe(r);
		return 1;
	}
	if (!r->mux)
		return open_file(r, pkt);
	bool new_codec = info->codec != record_muxer_codec(r->mux);
	bool new_size = info->width != r->width || info->height != r->height;
	if (new_codec || (new_size && !record_muxer_takes_size_changes(r->mux))) {
		int ret = finish_file(r);
		return ret ? ret : open_file(r, pkt);
	}
	if (new_size) {
		kyoyu_info("the picture is now %ux%u; %s goes on (its keyframes carry "
			   "the size)", info->width, info->height, r->file);
		r->width = info->width;
		r->height = info->height;
	}
	return 0;
}

static int on_packet(record *r, const kyoyu_msg *pkt)
{
	const kyoyu_packet_info *info = &pkt->u.packet;
	size_t size = pkt->buf ? kyoyu_buffer_size(pkt->buf) : 0;
	char codec[5];

	if (size == 0 || record_muxer_codec_id(info->codec) == AV_CODEC_ID_NONE ||
	    info->width == 0 || info->height == 0 || info->width > 16384 ||
	    info->height > 16384) {
		kyoyu_warn("ignored a malformed packet (%zu bytes, codec %s, %ux%u)", size,
			   kyoyu_fourcc_text(info->codec, codec), info->width, info->height);
		return 0;
	}
	int ret = place(r, pkt);
	if (ret)
		return ret > 0 ? 0 : ret;
	bool key = info->flags & KYOYU_PACKET_KEYFRAME;
	ret = record_muxer_write(r->mux, kyoyu_buffer_data(pkt->buf), size,
				 info->capture_us - r->first_us, key);
	if (ret)
		return ret;
	r->need_key = false;
	r->file_packets++;
	return 0;
}

/* Returns 0, or -ENOMEM: with no peer the session could only wait. */
static int announce_peer(record *r)
{
	kyoyu_msg *msg = kyoyu_msg_new(KYOYU_MSG_PEER);
	static const char name[] = "file";

	if (!msg) {
		kyoyu_error("out of memory: cannot stand in for the viewer");
		return -ENOMEM;
	}
	msg->u.peer = (kyoyu_peer_info){.event = KYOYU_PEER_CONNECTED, .codec = r->codec};
	msg->buf = kyoyu_buffer_new_copy(name, sizeof(name) - 1);
	kyoyu_bus_post(r->bus, msg);
	r->peer_posted = true;
	return 0;
}

static int record_run(void *priv, kyoyu_stage *stage)
{
	record *r = priv;
	kyoyu_inbox *inbox = kyoyu_stage_inbox(stage);
	int ret = 0;

	while (ret == 0) {
		kyoyu_msg *msg;
		int popped = kyoyu_inbox_pop(inbox, &msg, IDLE_CHECK_MS);
		if (popped == -ESHUTDOWN)
			break;
		/* A crash or kill -9 loses at most the last second. */
		if (r->mux && (ret = record_muxer_idle(r->mux)) != 0) {
			if (popped == 0)
				kyoyu_msg_unref(msg);
			break;
		}
		if (popped)
			continue;
		if (msg->type == KYOYU_MSG_PACKET) {
			if (!r->unrecorded)
				ret = on_packet(r, msg);
		} else if (msg->type == KYOYU_MSG_STATE) {
			/* The session listens for peers once it is connecting. */
			if (msg->u.state.state == KYOYU_STATE_CONNECTING && r->as_peer &&
			    !r->peer_posted)
				ret = announce_peer(r);
			if (msg->u.state.state == KYOYU_STATE_PAUSED)
				r->need_key = true; /* the encoder restarts with one */
			if (msg->u.state.state == KYOYU_STATE_SHARING && r->role == KYOYU_ROLE_VIEWER &&
			    !msg->u.state.recording && !r->unrecorded) {
				kyoyu_info("the customer shares without recording: nothing is "
					   "written");
				r->unrecorded = true;
			}
			if (msg->u.state.state == KYOYU_STATE_ENDED) {
				kyoyu_msg_unref(msg);
				break;
			}
		}
		kyoyu_msg_unref(msg);
	}
	int closed = finish_file(r);
	if (!r->segment && r->as_peer)
		kyoyu_info("nothing was recorded: no keyframe arrived");
	return ret ? ret : closed;
}

static void record_stop(void *priv)
{
	record *r = priv;

	/* run() returned without closing only if it was never started. */
	finish_file(r);
}

static const kyoyu_stage_ops ops = {
	.size = sizeof(kyoyu_stage_ops),
	.start = record_start,
	.run = record_run,
	.stop = record_stop,
};

static const kyoyu_plugin_descriptor descriptor = {
	KYOYU_PLUGIN_HEADER,
	.kind = KYOYU_KIND_TRANSPORT,
	.name = "record",
	.version = PACKAGE_VERSION,
	.license = "MIT",
	.description = "writes the video as sent or received to WebM/MKV/MP4 "
		       "(libavformat, no re-encoding); can stand in for the viewer",
	.priv_size = sizeof(record),
	.options = options,
	.init = record_init,
	.ops = &ops,
};

KYOYU_PLUGIN_DEFINE(kyoyu_transport_record, descriptor)
