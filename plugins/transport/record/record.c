/* SPDX-License-Identifier: MIT */
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
 * record.path is a template (record-path.h): a recording never replaces a
 * file and is readable by the operator's user only.  Its folder is checked
 * when the agent starts, before any customer is asked to be recorded.  A
 * disk that fills mid-session cuts the file at its last whole picture; the
 * session goes on unrecorded and the people are told.
 *
 * With as_peer = true it also stands in for the viewer: it announces a
 * peer ("file", not recording) as soon as the session is connecting, so a
 * sharer runs its real pipeline with no network, e.g. for benchmarks.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#define KYOYU_LOG_COMPONENT "transport/record"
#include <kyoyu/kyoyu.h>

#include "record-facts.h"
#include "record-muxer.h"
#include "record-path.h"

/* Keyframe requests while waiting for one, at most this often. */
#define KEYFRAME_REQUEST_INTERVAL_US 1000000
/* How often record_muxer_idle() runs when no packet comes. */
#define IDLE_CHECK_MS 100

typedef struct record {
	/* options */
	const char *path;
	int64_t min_free_mb;
	bool as_peer;

	kyoyu_bus *bus;
	uint32_t role;
	uint32_t codec; /* the sharer's codec, announced as peer */
	record_muxer *mux;
	char id[RECORD_ID_LEN + 1]; /* %i in record.path */
	bool given_up;            /* the file could not be written: not recording */
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
	record_facts facts; /* beside the file, as FILE.json */
	uint32_t state;
} record;

static const kyoyu_option options[] = {
	KYOYU_OPTION_STRING("path", record, path, NULL,
			    "the file to write, a template: %i is the recording's id, "
			    "%Y %m %d %H %M %S... the date and time it starts; the "
			    "extension picks the container (.webm, .mkv, .mp4, .ivf, "
			    ".h264).  An existing file is never replaced (name-2.webm).  "
			    "Default: kyoyu-%Y%m%d-%H%M%S-%i.webm (VP8/VP9) or .mkv "
			    "(H.264) here"),
	KYOYU_OPTION_INT("min_free_mb", record, min_free_mb, 500, 0, 1 << 20,
			 "MiB that must be free on the recordings' disk for the agent "
			 "to start (a 40-minute session at 1.5 Mbit/s takes 450)"),
	KYOYU_OPTION_BOOL("as_peer", record, as_peer, 0,
			  "stand in for the viewer (sharer only): the session starts "
			  "sharing at once with no network, and the file is the output"),
	KYOYU_OPTION_END,
};

/* %i: random, so that ids say nothing and never repeat in practice. */
static int make_id(record *r)
{
	uint8_t bytes[RECORD_ID_LEN / 2];

	if (getrandom(bytes, sizeof(bytes), 0) != (ssize_t)sizeof(bytes)) {
		kyoyu_error("cannot make a recording id: %s", strerror(errno));
		return -1;
	}
	for (size_t i = 0; i < sizeof(bytes); i++)
		snprintf(r->id + 2 * i, 3, "%02x", bytes[i]);
	return 0;
}

/* record.path expanded for the time NOW and a stream of CODEC, or the
 * reason it cannot be into ERR. */
static int expand_path(record *r, uint32_t codec, time_t now, char *out, size_t len,
		       char *err, size_t errlen)
{
	const char *template = r->path && *r->path ? r->path
			       : codec == KYOYU_CODEC_H264 ? "kyoyu-%Y%m%d-%H%M%S-%i.mkv"
							   : "kyoyu-%Y%m%d-%H%M%S-%i.webm";
	struct tm tm;

	localtime_r(&now, &tm);
	return record_path_expand(template, r->id, &tm, out, len, err, errlen);
}

/* The folder must take a recording before a customer is asked to be
 * recorded, not after: at start, and for --check-config. */
static int record_check(void *priv, const kyoyu_host *host, char *err, size_t errlen)
{
	record *r = priv;

	(void)host;
	char file[PATH_MAX];
	int ret = expand_path(r, r->codec, time(NULL), file, sizeof(file), err, errlen);

	return ret ? ret : record_path_prepare_dir(file, r->min_free_mb, err, errlen);
}

/* user@host of whoever runs this agent: the operator's account. */
static void note_operator(record_facts *f)
{
	struct passwd pw, *found = NULL;
	char buf[1024], host[HOST_NAME_MAX + 1] = "";

	getpwuid_r(geteuid(), &pw, buf, sizeof(buf), &found);
	gethostname(host, sizeof(host) - 1);
	snprintf(f->operator_account, sizeof(f->operator_account), "%.64s@%.64s",
		 found ? found->pw_name : "?", host);
}

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
	note_operator(&r->facts);
	if (make_id(r))
		return -EIO;
	char err[PATH_MAX + 256];
	int ret = record_check(r, host, err, sizeof(err));
	if (ret)
		kyoyu_error("%s", err);
	return ret;
}

static int record_start(void *priv, kyoyu_stage *stage)
{
	kyoyu_inbox_set_mask(kyoyu_stage_inbox(stage), KYOYU_MSG_BIT(KYOYU_MSG_PACKET) |
			     KYOYU_MSG_BIT(KYOYU_MSG_STATE) | KYOYU_MSG_BIT(KYOYU_MSG_PEER) |
			     KYOYU_MSG_BIT(KYOYU_MSG_CONSENT));
	return 0;
}

/* ---- the session's facts ------------------------------------------------ */

/* Rewrites FILE.json after a change; a failure is logged, never fatal. */
static void save_facts(record *r)
{
	if (!r->file[0] || r->given_up)
		return;
	int ret = record_facts_write(&r->facts, r->file);
	if (ret)
		kyoyu_warn("cannot write the session's facts beside %s: %s", r->file,
			   strerror(-ret));
}

static void note_peer(record *r, const kyoyu_msg *msg)
{
	if (msg->u.peer.event != KYOYU_PEER_CONNECTED)
		return;
	r->facts.connected = time(NULL);
	kyoyu_peer_text(msg, KYOYU_PEER_TEXT_NAME, r->facts.customer, sizeof(r->facts.customer));
	kyoyu_peer_text(msg, KYOYU_PEER_TEXT_ORG, r->facts.customer_org,
			sizeof(r->facts.customer_org));
	kyoyu_peer_text(msg, KYOYU_PEER_TEXT_OWN_NAME, r->facts.operator_name,
			sizeof(r->facts.operator_name));
	kyoyu_peer_text(msg, KYOYU_PEER_TEXT_OWN_ORG, r->facts.operator_org,
			sizeof(r->facts.operator_org));
}

static void note_state(record *r, const kyoyu_state_info *st)
{
	record_facts *f = &r->facts;
	time_t now = time(NULL);

	if (st->state == KYOYU_STATE_SHARING && !f->start)
		f->start = now;
	if (st->state == KYOYU_STATE_PAUSED && r->state != KYOYU_STATE_PAUSED) {
		if (f->n_pauses < RECORD_FACTS_MAX_PAUSES)
			f->pauses[f->n_pauses++].paused = now;
		else
			f->pauses_dropped++;
	}
	if (st->state == KYOYU_STATE_SHARING && r->state == KYOYU_STATE_PAUSED &&
	    f->n_pauses && !f->pauses[f->n_pauses - 1].resumed && !f->pauses_dropped)
		f->pauses[f->n_pauses - 1].resumed = now;
	if (st->state == KYOYU_STATE_ENDED) {
		f->end = now;
		f->reason = st->reason;
	}
	if (st->state != r->state)
		save_facts(r);
	r->state = st->state;
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

	char wanted[PATH_MAX], err[PATH_MAX + 256];

	if (r->segment == 0) {
		/* The template's date may name a folder that is new today. */
		if ((ret = expand_path(r, info->codec, time(NULL), r->base_path,
				       sizeof(r->base_path), err, sizeof(err))) != 0 ||
		    (ret = record_path_prepare_dir(r->base_path, 0, err, sizeof(err))) != 0) {
			kyoyu_error("%s", err);
			return ret;
		}
	}
	r->segment++;
	if (r->segment == 1)
		snprintf(wanted, sizeof(wanted), "%s", r->base_path);
	else
		record_path_numbered(r->base_path, r->segment, wanted, sizeof(wanted));
	if ((ret = record_path_claim(wanted, r->file, sizeof(r->file))) != 0) {
		kyoyu_error("cannot create a recording named like %s: %s", wanted,
			    strerror(-ret));
		return ret;
	}
	ret = record_muxer_open(r->file, info->codec, info->width, info->height,
				kyoyu_buffer_data(pkt->buf), kyoyu_buffer_size(pkt->buf),
				&r->mux);
	if (ret) {
		unlink(r->file);
		return ret;
	}
	r->width = info->width;
	r->height = info->height;
	r->first_us = info->capture_us;
	r->file_packets = 0;
	char codec[5];
	kyoyu_info("recording %s %ux%u to %s", kyoyu_fourcc_text(info->codec, codec),
		   info->width, info->height, r->file);
	/* The operator's list of sessions names the file. */
	kyoyu_msg *msg = kyoyu_msg_new(KYOYU_MSG_NOTICE);
	if (msg) {
		msg->u.notice.kind = KYOYU_NOTICE_RECORDING;
		msg->buf = kyoyu_buffer_new_copy(r->file, strlen(r->file));
		kyoyu_bus_post(r->bus, msg);
	}
	save_facts(r);
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

/* The file cannot be written (a full disk, most often): ERR.  Ending the
 * session would cost the customer the help they are getting; it goes on
 * unrecorded, the file cut at its last whole picture, and the UIs say so.
 * Standing in for the viewer, the file is the session's only output:
 * returns ERR, which ends it; otherwise 0. */
static int give_up(record *r, int err)
{
	if (r->as_peer)
		return err;
	if (r->mux) {
		int64_t size = record_muxer_abandon(r->mux);
		r->mux = NULL;
		if (size == 0)
			unlink(r->file);
		kyoyu_error("the recording stopped: %s could not be written; it keeps its "
			    "first %lld bytes, which play to the end.  The session goes on "
			    "without recording", r->file, (long long)size);
	} else {
		kyoyu_error("the session goes on without recording: no file could be made");
	}
	/* The facts say why the file ends early, if the disk takes them. */
	r->facts.recording_stopped = err < 0 ? -err : EIO;
	save_facts(r);
	r->given_up = true;
	kyoyu_msg *msg = kyoyu_msg_new(KYOYU_MSG_NOTICE);
	if (msg) {
		msg->u.notice.kind = KYOYU_NOTICE_RECORDING_STOPPED;
		msg->u.notice.error = err < 0 ? -err : 0;
		kyoyu_bus_post(r->bus, msg);
	}
	return 0;
}

static int on_packet(record *r, const kyoyu_msg *pkt)
{
	const kyoyu_packet_info *info = &pkt->u.packet;
	size_t size = pkt->buf ? kyoyu_buffer_size(pkt->buf) : 0;
	char codec[5];

	if (r->given_up)
		return 0;
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
		if (r->mux && (ret = record_muxer_idle(r->mux)) != 0 &&
		    (ret = give_up(r, ret)) != 0) {
			if (popped == 0)
				kyoyu_msg_unref(msg);
			break;
		}
		if (popped)
			continue;
		if (msg->type == KYOYU_MSG_PACKET) {
			if (!r->unrecorded && (ret = on_packet(r, msg)) != 0)
				ret = give_up(r, ret);
		} else if (msg->type == KYOYU_MSG_PEER) {
			note_peer(r, msg);
		} else if (msg->type == KYOYU_MSG_CONSENT) {
			/* The customer's answer, as the viewer received it. */
			if (msg->u.value == KYOYU_CONSENT_GRANTED ||
			    msg->u.value == KYOYU_CONSENT_GRANTED_UNRECORDED ||
			    msg->u.value == KYOYU_CONSENT_DECLINED) {
				r->facts.consent = (uint32_t)msg->u.value;
				r->facts.consent_at = time(NULL);
				kyoyu_consent_text(msg, KYOYU_CONSENT_TEXT_LANGUAGE,
						   r->facts.consent_language,
						   sizeof(r->facts.consent_language));
				kyoyu_consent_text(msg, KYOYU_CONSENT_TEXT_NOTICE,
						   r->facts.consent_notice,
						   sizeof(r->facts.consent_notice));
			}
		} else if (msg->type == KYOYU_MSG_STATE) {
			note_state(r, &msg->u.state);
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
	.check = record_check,
};

KYOYU_PLUGIN_DEFINE(kyoyu_transport_record, descriptor)
