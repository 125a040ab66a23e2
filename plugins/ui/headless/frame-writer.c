/* SPDX-License-Identifier: MIT */
/* ui/headless: decoded pictures into NUT files on a writer thread. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/error.h>
#include <libavutil/imgutils.h>
#include <libavutil/pixdesc.h>

#define KYOYU_LOG_COMPONENT "ui/headless"
#include <kyoyu/kyoyu.h>

#include "frame-writer.h"

/* Pictures waiting for the disk: about half a second at 30 a second.  A
 * 1080p BGRX picture is 8 MB, so the queue holds at most 64 MB. */
#define QUEUE_DEPTH 8

typedef struct queued {
	kyoyu_buffer *buf;
	kyoyu_frame_info info;
	int64_t pts_us;
} queued;

struct frame_writer {
	char *path;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	queued queue[QUEUE_DEPTH]; /* guarded by lock */
	unsigned head, count;      /* guarded by lock */
	bool finishing;            /* guarded by lock */
	frame_writer_stats stats;  /* guarded by lock */

	/* The writer thread's own. */
	AVIOContext *first_pb; /* PATH, opened at start to catch errors early */
	AVFormatContext *file;
	uint32_t format, width, height;
	int64_t last_pts;
	bool failed;
};

static enum AVPixelFormat av_format_of(uint32_t format)
{
	switch (format) {
	case KYOYU_PIXFMT_BGRX:
		return AV_PIX_FMT_BGR0;
	case KYOYU_PIXFMT_I420:
		return AV_PIX_FMT_YUV420P;
	case KYOYU_PIXFMT_I444:
		return AV_PIX_FMT_YUV444P;
	default:
		return AV_PIX_FMT_NONE;
	}
}

static const char *av_text(int err, char *buf, size_t len)
{
	if (av_strerror(err, buf, len) < 0)
		snprintf(buf, len, "error %d", err);
	return buf;
}

/* Plane P of INFO: bytes of one row and number of rows. */
static void plane_size(const kyoyu_frame_info *info, enum AVPixelFormat fmt, int p,
		       size_t *row_bytes, uint32_t *rows)
{
	const AVPixFmtDescriptor *desc = av_pix_fmt_desc_get(fmt);
	int linesize[4];

	av_image_fill_linesizes(linesize, fmt, (int)info->width);
	*row_bytes = (size_t)linesize[p];
	*rows = p == 0 ? info->height
		       : (uint32_t)AV_CEIL_RSHIFT((int)info->height, desc->log2_chroma_h);
}

/* True when every plane of INFO lies inside SIZE bytes. */
static bool fits_buffer(const kyoyu_frame_info *info, size_t size)
{
	enum AVPixelFormat fmt = av_format_of(info->format);

	if (fmt == AV_PIX_FMT_NONE || info->width == 0 || info->height == 0 ||
	    info->width > 16384 || info->height > 16384)
		return false;
	for (int p = 0; p < av_pix_fmt_count_planes(fmt); p++) {
		size_t row_bytes;
		uint32_t rows;
		plane_size(info, fmt, p, &row_bytes, &rows);
		if (info->stride[p] < row_bytes)
			return false;
		uint64_t end = (uint64_t)info->offset[p] +
			       (uint64_t)info->stride[p] * (rows - 1) + row_bytes;
		if (end > size)
			return false;
	}
	return true;
}

/* True when the planes follow each other without padding, as a raw video
 * packet lays them out: the buffer can then be written as it is. */
static bool is_packed(const kyoyu_frame_info *info)
{
	enum AVPixelFormat fmt = av_format_of(info->format);
	uint64_t offset = 0;

	for (int p = 0; p < av_pix_fmt_count_planes(fmt); p++) {
		size_t row_bytes;
		uint32_t rows;
		plane_size(info, fmt, p, &row_bytes, &rows);
		if (info->offset[p] != offset || info->stride[p] != row_bytes)
			return false;
		offset += (uint64_t)row_bytes * rows;
	}
	return true;
}

/* ---- files --------------------------------------------------------------- */

/* The name of file INDEX: PATH itself, then "<name>-INDEX<.ext>". */
static char *file_name(const char *path, unsigned index)
{
	if (index == 0)
		return strdup(path);
	const char *slash = strrchr(path, '/');
	const char *dot = strrchr(path, '.');
	if (!dot || (slash && dot < slash) || dot == (slash ? slash + 1 : path))
		dot = path + strlen(path);
	size_t len = strlen(path) + 16;
	char *name = malloc(len);
	if (name)
		snprintf(name, len, "%.*s-%u%s", (int)(dot - path), path, index, dot);
	return name;
}

static void close_file(frame_writer *w)
{
	char text[128];

	if (!w->file)
		return;
	int ret = av_write_trailer(w->file);
	if (ret < 0)
		kyoyu_warn("could not finish %s: %s", w->file->url, av_text(ret, text, sizeof(text)));
	avio_closep(&w->file->pb);
	avformat_free_context(w->file);
	w->file = NULL;
}

/* Opens the next file for pictures like INFO. */
static int open_file(frame_writer *w, const kyoyu_frame_info *info)
{
	char text[128];
	unsigned index = w->stats.files;
	char *name = file_name(w->path, index);
	AVFormatContext *file = NULL;
	int ret;

	if (!name)
		return -ENOMEM;
	ret = avformat_alloc_output_context2(&file, NULL, "nut", name);
	if (ret < 0)
		goto out_free_name;
	AVStream *st = avformat_new_stream(file, NULL);
	if (!st) {
		ret = AVERROR(ENOMEM);
		goto out_free_file;
	}
	st->time_base = (AVRational){1, 1000000};
	st->codecpar->codec_type = AVMEDIA_TYPE_VIDEO;
	st->codecpar->codec_id = AV_CODEC_ID_RAWVIDEO;
	st->codecpar->format = av_format_of(info->format);
	/* Raw video in NUT names its layout by tag; without one a reader
	 * guesses wrong. */
	st->codecpar->codec_tag = avcodec_pix_fmt_to_codec_tag(av_format_of(info->format));
	st->codecpar->width = (int)info->width;
	st->codecpar->height = (int)info->height;
	if (index == 0) {
		file->pb = w->first_pb;
		w->first_pb = NULL;
	} else if ((ret = avio_open(&file->pb, name, AVIO_FLAG_WRITE)) < 0) {
		goto out_free_file;
	}
	if ((ret = avformat_write_header(file, NULL)) < 0)
		goto out_close_pb;
	if (index > 0)
		kyoyu_info("the picture is now %ux%u: writing to %s", info->width,
			   info->height, name);
	free(name);
	w->file = file;
	w->format = info->format;
	w->width = info->width;
	w->height = info->height;
	w->last_pts = INT64_MIN;
	pthread_mutex_lock(&w->lock);
	w->stats.files++;
	pthread_mutex_unlock(&w->lock);
	return 0;

out_close_pb:
	avio_closep(&file->pb);
out_free_file:
	avformat_free_context(file);
out_free_name:
	kyoyu_error("cannot write decoded pictures to %s: %s; no more are written",
		    name, av_text(ret, text, sizeof(text)));
	free(name);
	return ret;
}

static void free_kyoyu_buffer(void *opaque, uint8_t *data)
{
	kyoyu_buffer_unref(opaque);
}

/* A raw video packet of Q's picture; takes over Q's buffer reference. */
static int make_packet(queued *q, AVPacket *pkt)
{
	enum AVPixelFormat fmt = av_format_of(q->info.format);
	int size = av_image_get_buffer_size(fmt, (int)q->info.width, (int)q->info.height, 1);

	if (size < 0)
		return size;
	if (is_packed(&q->info)) {
		/* The decoder's buffer is the packet: no copy. */
		pkt->buf = av_buffer_create(kyoyu_buffer_data(q->buf), (size_t)size,
					    free_kyoyu_buffer, q->buf, AV_BUFFER_FLAG_READONLY);
		if (!pkt->buf)
			return AVERROR(ENOMEM);
		q->buf = NULL;
		pkt->data = pkt->buf->data;
		pkt->size = size;
		return 0;
	}
	int ret = av_new_packet(pkt, size);
	if (ret < 0)
		return ret;
	const uint8_t *base = kyoyu_buffer_data(q->buf);
	const uint8_t *planes[4] = {NULL};
	int strides[4] = {0};
	for (int p = 0; p < av_pix_fmt_count_planes(fmt); p++) {
		planes[p] = base + q->info.offset[p];
		strides[p] = (int)q->info.stride[p];
	}
	ret = av_image_copy_to_buffer(pkt->data, size, planes, strides, fmt,
				      (int)q->info.width, (int)q->info.height, 1);
	kyoyu_buffer_unref(q->buf);
	q->buf = NULL;
	return ret < 0 ? ret : 0;
}

/* Writes one queued picture; releases its buffer.  Returns true when it
 * is in the file. */
static bool write_picture(frame_writer *w, queued *q)
{
	char text[128];
	AVPacket *pkt = NULL;
	int ret;

	if (w->failed)
		goto out_release;
	if (w->file && (q->info.format != w->format || q->info.width != w->width ||
			q->info.height != w->height))
		close_file(w);
	if (!w->file && open_file(w, &q->info) < 0) {
		w->failed = true;
		goto out_release;
	}
	ret = (pkt = av_packet_alloc()) ? make_packet(q, pkt) : AVERROR(ENOMEM);
	if (ret < 0) {
		kyoyu_warn("dropped a decoded picture: %s", av_text(ret, text, sizeof(text)));
		goto out_release;
	}
	AVStream *st = w->file->streams[0];
	int64_t pts = av_rescale_q(q->pts_us, (AVRational){1, 1000000}, st->time_base);
	/* A muxer takes strictly increasing times only. */
	if (w->last_pts != INT64_MIN && pts <= w->last_pts)
		pts = w->last_pts + 1;
	w->last_pts = pts;
	pkt->pts = pkt->dts = pts;
	pkt->stream_index = 0;
	pkt->flags |= AV_PKT_FLAG_KEY;
	ret = av_write_frame(w->file, pkt);
	av_packet_free(&pkt);
	if (ret < 0) {
		kyoyu_error("cannot write to %s: %s; no more pictures are written",
			    w->file->url, av_text(ret, text, sizeof(text)));
		w->failed = true;
		goto out_release;
	}
	return true;

out_release:
	av_packet_free(&pkt);
	kyoyu_buffer_unref(q->buf);
	q->buf = NULL;
	return false;
}

static void *writer_main(void *arg)
{
	frame_writer *w = arg;

	pthread_mutex_lock(&w->lock);
	for (;;) {
		while (w->count == 0 && !w->finishing)
			pthread_cond_wait(&w->wake, &w->lock);
		if (w->count == 0)
			break;
		queued q = w->queue[w->head];
		w->head = (w->head + 1) % QUEUE_DEPTH;
		w->count--;
		pthread_mutex_unlock(&w->lock);
		bool written = write_picture(w, &q);
		pthread_mutex_lock(&w->lock);
		if (written)
			w->stats.written++;
		else
			w->stats.dropped++;
	}
	pthread_mutex_unlock(&w->lock);
	close_file(w);
	return NULL;
}

/* ---- the stage thread's side --------------------------------------------- */

int frame_writer_start(const char *path, frame_writer **out)
{
	char text[128];
	frame_writer *w = calloc(1, sizeof(*w));
	int ret;

	*out = NULL;
	if (!w || !(w->path = strdup(path))) {
		ret = -ENOMEM;
		goto out_free;
	}
	ret = avio_open(&w->first_pb, path, AVIO_FLAG_WRITE);
	if (ret < 0) {
		kyoyu_error("cannot write decoded pictures to %s: %s; check ui.frames",
			    path, av_text(ret, text, sizeof(text)));
		ret = -EIO;
		goto out_free;
	}
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->wake, NULL);
	ret = -pthread_create(&w->thread, NULL, writer_main, w);
	if (ret)
		goto out_destroy;
	*out = w;
	return 0;

out_destroy:
	pthread_cond_destroy(&w->wake);
	pthread_mutex_destroy(&w->lock);
	avio_closep(&w->first_pb);
out_free:
	if (w)
		free(w->path);
	free(w);
	return ret;
}

int frame_writer_push(frame_writer *w, const kyoyu_msg *frame, int64_t pts_us)
{
	if (!frame->buf || !fits_buffer(&frame->u.frame, kyoyu_buffer_size(frame->buf)))
		return -EINVAL;
	pthread_mutex_lock(&w->lock);
	if (w->count == QUEUE_DEPTH) {
		w->stats.dropped++;
		pthread_mutex_unlock(&w->lock);
		return -ENOBUFS;
	}
	queued *q = &w->queue[(w->head + w->count) % QUEUE_DEPTH];
	q->buf = kyoyu_buffer_ref(frame->buf);
	q->info = frame->u.frame;
	q->pts_us = pts_us;
	w->count++;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
	return 0;
}

void frame_writer_finish(frame_writer *w, frame_writer_stats *stats)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->lock);
	w->finishing = true;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	if (stats)
		*stats = w->stats;
	avio_closep(&w->first_pb); /* no picture ever came */
	pthread_cond_destroy(&w->wake);
	pthread_mutex_destroy(&w->lock);
	free(w->path);
	free(w);
}
