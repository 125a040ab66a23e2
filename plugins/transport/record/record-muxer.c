/* SPDX-License-Identifier: MIT */
/* transport/record: writing encoded packets into a container with
 * libavformat, without re-encoding.
 *
 * H.264 travels as Annex B with SPS/PPS on every keyframe.  Matroska and MP4
 * want the parameter sets in the track header: they are taken from the
 * first keyframe, and libavformat turns both header and packets into the
 * length-prefixed form those containers use.
 *
 * A recording outlives the process that writes it (a crash, kill -9) with
 * at most its last second lost.  What a muxer keeps in memory is what a
 * killed process loses: a Matroska cluster (libavformat closes one every
 * 5 s or 5 MB), an MP4's whole index (written at the end), the 32 KB I/O
 * buffer, and the packet held here for its duration.  So:
 * - a packet is held at most HOLD_MAX_US of real time (record_muxer_idle);
 * - at most SYNC_EVERY_US after a packet is written, the file is brought
 *   up to date (sync_file): the Matroska cluster is closed, the MP4
 *   fragment finished (MP4 is written fragmented: an empty index up front,
 *   then self-contained fragments), and the I/O buffer written out.
 * Written data is the kernel's and survives the process; surviving a power
 * cut would take an fsync, which this does not pay for.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/opt.h>

#define KYOYU_LOG_COMPONENT "transport/record"
#include <kyoyu/kyoyu.h>

#include "record-muxer.h"

/* With record_muxer_idle() every 100 ms, a picture reaches the file at
 * most 250 + 100 ms (held) + 250 + 100 ms (written, not yet synced) after
 * it arrived: 0.7 s, under the second a crash may cost. */
#define HOLD_MAX_US 250000
#define SYNC_EVERY_US 250000

struct record_muxer {
	AVFormatContext *fmt;
	AVStream *st;
	/* Written when the next one comes, which gives it its duration (MP4's
	 * edit list would hide a last frame without one), or after
	 * HOLD_MAX_US on a still screen. */
	AVPacket *pkt;
	bool pending;
	int64_t pending_since_us; /* kyoyu_now_us() when it came */
	int64_t unsynced_since_us; /* the oldest write not in the file yet; 0: none */
	uint32_t codec;
	char *path;
	bool header_written, size_changes, mp4;
	bool written_early; /* the last packet went out with a guessed duration */
	int64_t last_pts; /* in the stream's time base */
	/* The file's size when it was last brought up to date: it ends there
	 * with a whole cluster or fragment, readable to its end. */
	int64_t whole_size;
};

static const char *av_text(int err, char *buf, size_t len)
{
	if (av_strerror(err, buf, len) < 0)
		snprintf(buf, len, "error %d", err);
	return buf;
}

enum AVCodecID record_muxer_codec_id(uint32_t codec)
{
	/* kyoyu's FourCCs are the AVI tags libavformat knows its codecs by,
	 * so a new codec plugin needs no change here. */
	const struct AVCodecTag *const tags[] = {avformat_get_riff_video_tags(), NULL};

	/* The table gives tag 0 to raw video: not a codec of kyoyu's. */
	if (codec == KYOYU_CODEC_NONE)
		return AV_CODEC_ID_NONE;
	return av_codec_get_id(tags, codec);
}

/* The next NAL unit of the Annex B stream DATA at or after *POS: its bytes
 * are [*START, *END).  False when there is none. */
static bool next_nal(const uint8_t *data, size_t size, size_t *pos, size_t *start,
		     size_t *end)
{
	size_t i = *pos;

	while (i + 3 <= size && !(data[i] == 0 && data[i + 1] == 0 && data[i + 2] == 1))
		i++;
	if (i + 3 > size)
		return false;
	*start = i + 3;
	/* A unit ends where 00 00 00 or 00 00 01 begins: emulation prevention
	 * keeps both out of its payload. */
	size_t j = *start;
	while (j + 3 <= size && !(data[j] == 0 && data[j + 1] == 0 && data[j + 2] <= 1))
		j++;
	*end = j + 3 <= size ? j : size;
	*pos = *end;
	return true;
}

/* Copies the SPS and PPS units of an Annex B access unit, each behind a
 * four-byte start code, into a new padded buffer (av_free).  Returns its
 * size, or 0 when there are none. */
static size_t h264_parameter_sets(const uint8_t *data, size_t size, uint8_t **out)
{
	size_t total = 0, pos = 0, start, end;
	/* Each unit gains at most one byte of start code. */
	uint8_t *buf = av_mallocz(2 * size + 4 + AV_INPUT_BUFFER_PADDING_SIZE);

	*out = NULL;
	if (!buf)
		return 0;
	while (next_nal(data, size, &pos, &start, &end)) {
		unsigned type = start < end ? data[start] & 0x1f : 0;
		if (type != 7 && type != 8)
			continue;
		memcpy(buf + total, "\0\0\0\1", 4);
		memcpy(buf + total + 4, data + start, end - start);
		total += 4 + (end - start);
	}
	if (!total) {
		av_free(buf);
		return 0;
	}
	*out = buf;
	return total;
}

static void free_muxer(record_muxer *m)
{
	if (!m)
		return;
	if (m->fmt && m->fmt->pb)
		avio_closep(&m->fmt->pb);
	avformat_free_context(m->fmt);
	av_packet_free(&m->pkt);
	free(m->path);
	free(m);
}

int record_muxer_open(const char *path, uint32_t codec, uint32_t width, uint32_t height,
		      const uint8_t *key, size_t key_size, record_muxer **out)
{
	record_muxer *m = calloc(1, sizeof(*m));
	enum AVCodecID id = record_muxer_codec_id(codec);
	char text[128];
	int ret;

	*out = NULL;
	if (!m || !(m->path = strdup(path)) || !(m->pkt = av_packet_alloc())) {
		free_muxer(m);
		return -ENOMEM;
	}
	m->codec = codec;
	ret = avformat_alloc_output_context2(&m->fmt, NULL, NULL, path);
	if (ret < 0 || !m->fmt) {
		kyoyu_error("record: no container for \"%s\"; name the file .webm, .mkv, "
			    ".mp4, .ivf or .h264", path);
		free_muxer(m);
		return -EINVAL;
	}
	const char *name = m->fmt->oformat->name;
	m->mp4 = strstr(name, "mp4") || strstr(name, "mov");
	/* MP4's sample description holds one picture size. */
	m->size_changes = !m->mp4;
	if (avformat_query_codec(m->fmt->oformat, id, FF_COMPLIANCE_NORMAL) != 1) {
		kyoyu_error("record: a %s file cannot hold %s video; use %s", name,
			    avcodec_get_name(id),
			    id == AV_CODEC_ID_H264 ? ".mkv or .mp4" : ".webm or .mkv");
		free_muxer(m);
		return -EINVAL;
	}
	m->st = avformat_new_stream(m->fmt, NULL);
	if (!m->st) {
		free_muxer(m);
		return -ENOMEM;
	}
	AVCodecParameters *par = m->st->codecpar;
	par->codec_type = AVMEDIA_TYPE_VIDEO;
	par->codec_id = id;
	par->width = (int)width;
	par->height = (int)height;
	par->format = AV_PIX_FMT_YUV420P;
	m->st->time_base = (AVRational){1, 1000};
	if (id == AV_CODEC_ID_H264 && strcmp(name, "h264") != 0) {
		uint8_t *extra;
		size_t n = h264_parameter_sets(key, key_size, &extra);
		if (!n) {
			kyoyu_error("record: the first H.264 keyframe carries no SPS/PPS; "
				    "cannot write %s", path);
			free_muxer(m);
			return -EINVAL;
		}
		par->extradata = extra;
		par->extradata_size = (int)n;
	}
	if (!(m->fmt->oformat->flags & AVFMT_NOFILE)) {
		ret = avio_open(&m->fmt->pb, path, AVIO_FLAG_WRITE);
		if (ret < 0) {
			kyoyu_error("record: cannot create %s: %s", path,
				    av_text(ret, text, sizeof(text)));
			free_muxer(m);
			return ret > -4096 ? ret : -EIO;
		}
	}
	AVDictionary *opts = NULL;
	/* Fragmented: the index up front is empty, each fragment carries its
	 * own, and a fragment ends when sync_file asks (frag_custom); a plain
	 * MP4 killed before its end has no index at all and nothing plays. */
	if (m->mp4)
		av_dict_set(&opts, "movflags", "frag_custom+empty_moov+default_base_moof", 0);
	ret = avformat_write_header(m->fmt, &opts);
	av_dict_free(&opts);
	if (ret < 0) {
		kyoyu_error("record: cannot start %s: %s", path, av_text(ret, text, sizeof(text)));
		free_muxer(m);
		unlink(path);
		return -EIO;
	}
	m->header_written = true;
	m->last_pts = AV_NOPTS_VALUE;
	*out = m;
	return 0;
}

/* Brings the file up to date with what was written: the muxer's own
 * buffer (a Matroska cluster, an MP4 fragment) closed, the I/O buffer
 * written out. */
static int sync_file(record_muxer *m)
{
	char text[128];
	int ret = 0;

	m->unsynced_since_us = 0;
	if (m->fmt->oformat->flags & AVFMT_ALLOW_FLUSH)
		ret = av_write_frame(m->fmt, NULL);
	if (ret >= 0 && m->fmt->pb) {
		avio_flush(m->fmt->pb);
		ret = m->fmt->pb->error;
		if (ret >= 0)
			m->whole_size = avio_tell(m->fmt->pb);
	}
	if (ret < 0) {
		kyoyu_error("record: writing %s failed: %s", m->path,
			    av_text(ret, text, sizeof(text)));
		return ret > -4096 ? ret : -EIO;
	}
	return 0;
}

/* Writes the held packet, shown for DURATION (stream time base). */
static int flush_pending(record_muxer *m, int64_t duration)
{
	char text[128];

	if (!m->pending)
		return 0;
	m->pending = false;
	m->pkt->duration = duration > 0 ? duration : 1;
	/* An MP4 fragment's first picture is placed where the previous one's
	 * duration ends, unless the fragment is marked discontinuous: after a
	 * guessed duration, its own time must count. */
	if (m->mp4 && m->written_early)
		av_opt_set(m->fmt->priv_data, "movflags", "+frag_discont", 0);
	m->written_early = false;
	int ret = av_interleaved_write_frame(m->fmt, m->pkt);
	av_packet_unref(m->pkt);
	if (ret < 0) {
		kyoyu_error("record: writing %s failed: %s", m->path,
			    av_text(ret, text, sizeof(text)));
		return ret > -4096 ? ret : -EIO;
	}
	int64_t now = kyoyu_now_us();
	if (!m->unsynced_since_us)
		m->unsynced_since_us = now;
	return now - m->unsynced_since_us >= SYNC_EVERY_US ? sync_file(m) : 0;
}

int record_muxer_idle(record_muxer *m)
{
	int64_t now = kyoyu_now_us();
	int ret = 0;

	/* A still screen sends nothing that would give the held picture its
	 * duration.  Write it with one tick: a longer guess could overlap the
	 * next picture, whose time is not known yet; players show a picture
	 * until the next.  The file then ends at its last picture, not at the
	 * session's end. */
	bool still = m->pending && now - m->pending_since_us >= HOLD_MAX_US;
	if (still && (ret = flush_pending(m, 1)) != 0)
		return ret;
	m->written_early |= still;
	/* On a still screen nothing more is coming to share a cluster with. */
	if (m->unsynced_since_us && (still || now - m->unsynced_since_us >= SYNC_EVERY_US))
		ret = sync_file(m);
	return ret;
}

int record_muxer_write(record_muxer *m, const uint8_t *data, size_t size, int64_t pts_us,
		       bool key)
{
	if (size == 0 || size > INT32_MAX - AV_INPUT_BUFFER_PADDING_SIZE)
		return -EINVAL;
	int64_t pts = av_rescale_q(pts_us, (AVRational){1, 1000000}, m->st->time_base);
	/* Two packets in one tick of the time base, or a clock step back:
	 * keep the order. */
	if (m->last_pts != AV_NOPTS_VALUE && pts <= m->last_pts)
		pts = m->last_pts + 1;
	int ret = flush_pending(m, m->last_pts == AV_NOPTS_VALUE ? 0 : pts - m->last_pts);
	if (ret)
		return ret;
	if (av_new_packet(m->pkt, (int)size) < 0)
		return -ENOMEM;
	memcpy(m->pkt->data, data, size);
	m->last_pts = pts;
	m->pkt->pts = m->pkt->dts = pts;
	m->pkt->stream_index = m->st->index;
	if (key)
		m->pkt->flags |= AV_PKT_FLAG_KEY;
	m->pending = true;
	m->pending_since_us = kyoyu_now_us();
	return 0;
}

int record_muxer_close(record_muxer *m, int64_t end_us)
{
	char text[128];
	int ret = 0;

	if (!m)
		return 0;
	if (m->pending) {
		int64_t end = av_rescale_q(end_us, (AVRational){1, 1000000}, m->st->time_base);
		int64_t frame = av_rescale_q(33333, (AVRational){1, 1000000}, m->st->time_base);
		ret = flush_pending(m, end - m->last_pts > frame ? end - m->last_pts : frame);
	}
	if (m->header_written && ret == 0 && (ret = av_write_trailer(m->fmt)) < 0)
		kyoyu_error("record: finishing %s failed: %s", m->path,
			    av_text(ret, text, sizeof(text)));
	if (m->fmt->pb) {
		int closed = avio_closep(&m->fmt->pb);
		if (closed < 0 && ret >= 0) {
			kyoyu_error("record: closing %s failed: %s", m->path,
				    av_text(closed, text, sizeof(text)));
			ret = closed;
		}
	}
	free_muxer(m);
	return ret < 0 ? (ret > -4096 ? ret : -EIO) : 0;
}

int64_t record_muxer_abandon(record_muxer *m)
{
	int64_t size = m->whole_size;

	/* Closing writes out the I/O buffer, all or part of it: the cut
	 * comes after. */
	if (m->fmt->pb)
		avio_closep(&m->fmt->pb);
	if (truncate(m->path, size) != 0)
		kyoyu_warn("record: cannot cut %s at its last whole picture: %s", m->path,
			   strerror(errno));
	free_muxer(m);
	return size;
}

bool record_muxer_takes_size_changes(const record_muxer *m)
{
	return m->size_changes;
}

uint32_t record_muxer_codec(const record_muxer *m)
{
	return m->codec;
}
