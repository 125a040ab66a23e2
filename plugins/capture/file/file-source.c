/* SPDX-License-Identifier: MIT */
/* capture/file: demuxing and decoding with libavformat/libavcodec.
 *
 * Pictures already in BGRX (bgr0, bgra: lossless screen recordings) are
 * handed out straight from the decoder's reference-counted frames; anything
 * else goes through libswscale into two buffers used in turn.  Either way
 * the previous picture stays available for the damage computation.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/imgutils.h>
#include <libswscale/swscale.h>

#define KYOYU_LOG_COMPONENT "capture/file"
#include <kyoyu/kyoyu.h>

#include "file-source.h"

struct capture_file_source {
	char *path;
	AVFormatContext *fmt;
	AVCodecContext *dec;
	AVPacket *pkt;
	AVFrame *next, *cur, *prev; /* decoder frames (BGRX path) */
	int stream;
	AVRational time_base;
	int64_t start_pts, last_pts_us, frame_us;
	bool eof_sent; /* the decoder was told the file ended */
	/* Conversion path for other pixel formats. */
	struct SwsContext *sws;
	uint8_t *conv[2];
	size_t conv_stride;
	int conv_w, conv_h, conv_cur, conv_prev; /* indexes into conv, -1: none */
	uint64_t bad_packets;
};

static const char *av_text(int err, char *buf, size_t len)
{
	if (av_strerror(err, buf, len) < 0)
		snprintf(buf, len, "error %d", err);
	return buf;
}

static int av_to_errno(int err)
{
	return err < 0 && err > -4096 ? err : -EIO;
}

void capture_file_source_close(capture_file_source *src)
{
	if (!src)
		return;
	av_frame_free(&src->next);
	av_frame_free(&src->cur);
	av_frame_free(&src->prev);
	av_packet_free(&src->pkt);
	avcodec_free_context(&src->dec);
	avformat_close_input(&src->fmt);
	sws_freeContext(src->sws);
	free(src->conv[0]);
	free(src->conv[1]);
	free(src->path);
	free(src);
}

static int open_decoder(capture_file_source *src, int threads)
{
	AVStream *st = src->fmt->streams[src->stream];
	const AVCodec *codec = avcodec_find_decoder(st->codecpar->codec_id);
	char text[128];

	if (!codec) {
		kyoyu_error("%s: no decoder for its %s video in this libavcodec", src->path,
			    avcodec_get_name(st->codecpar->codec_id));
		return -ENOTSUP;
	}
	src->dec = avcodec_alloc_context3(codec);
	if (!src->dec)
		return -ENOMEM;
	int ret = avcodec_parameters_to_context(src->dec, st->codecpar);
	if (ret >= 0) {
		src->dec->thread_count = threads;
		ret = avcodec_open2(src->dec, codec, NULL);
	}
	if (ret < 0) {
		kyoyu_error("%s: cannot start its %s decoder: %s", src->path, codec->name,
			    av_text(ret, text, sizeof(text)));
		return av_to_errno(ret);
	}
	src->time_base = st->time_base;
	AVRational rate = st->avg_frame_rate.num > 0 ? st->avg_frame_rate : st->r_frame_rate;
	src->frame_us = rate.num > 0 ? av_rescale(1000000, rate.den, rate.num) : 40000;
	return 0;
}

int capture_file_source_open(const char *path, int threads, capture_file_source **out)
{
	capture_file_source *src = calloc(1, sizeof(*src));
	char text[128];
	int ret;

	*out = NULL;
	if (!src || !(src->path = strdup(path))) {
		free(src);
		return -ENOMEM;
	}
	src->conv_cur = src->conv_prev = -1;
	src->start_pts = AV_NOPTS_VALUE;
	ret = avformat_open_input(&src->fmt, path, NULL, NULL);
	if (ret < 0) {
		kyoyu_error("cannot open capture.path \"%s\": %s", path,
			    av_text(ret, text, sizeof(text)));
		ret = av_to_errno(ret);
		goto out_close;
	}
	if ((ret = avformat_find_stream_info(src->fmt, NULL)) < 0) {
		kyoyu_error("%s: cannot read its streams: %s", path,
			    av_text(ret, text, sizeof(text)));
		ret = av_to_errno(ret);
		goto out_close;
	}
	src->stream = av_find_best_stream(src->fmt, AVMEDIA_TYPE_VIDEO, -1, -1, NULL, 0);
	if (src->stream < 0) {
		kyoyu_error("%s has no video stream to play", path);
		ret = -EINVAL;
		goto out_close;
	}
	if ((ret = open_decoder(src, threads)))
		goto out_close;
	src->pkt = av_packet_alloc();
	src->next = av_frame_alloc();
	src->cur = av_frame_alloc();
	src->prev = av_frame_alloc();
	if (!src->pkt || !src->next || !src->cur || !src->prev) {
		ret = -ENOMEM;
		goto out_close;
	}
	*out = src;
	return 0;

out_close:
	capture_file_source_close(src);
	return ret;
}

/* The next decoded frame into src->next: 0, KYOYU_EOF or an error. */
static int decode_next(capture_file_source *src)
{
	char text[128];

	for (;;) {
		int ret = avcodec_receive_frame(src->dec, src->next);
		if (ret == 0)
			return 0;
		if (ret == AVERROR_EOF)
			return KYOYU_EOF;
		if (ret != AVERROR(EAGAIN)) {
			kyoyu_error("%s: decoding failed: %s", src->path,
				    av_text(ret, text, sizeof(text)));
			return av_to_errno(ret);
		}
		if (src->eof_sent)
			return KYOYU_EOF;
		ret = av_read_frame(src->fmt, src->pkt);
		if (ret == AVERROR_EOF) {
			src->eof_sent = true;
			avcodec_send_packet(src->dec, NULL);
			continue;
		}
		if (ret < 0) {
			kyoyu_error("%s: reading failed: %s", src->path,
				    av_text(ret, text, sizeof(text)));
			return av_to_errno(ret);
		}
		if (src->pkt->stream_index == src->stream) {
			ret = avcodec_send_packet(src->dec, src->pkt);
			if (ret < 0 && ret != AVERROR(EAGAIN) && src->bad_packets++ % 100 == 0)
				kyoyu_warn("%s: skipped an undecodable packet (%s)", src->path,
					   av_text(ret, text, sizeof(text)));
		}
		av_packet_unref(src->pkt);
	}
}

static bool is_bgrx(int format)
{
	return format == AV_PIX_FMT_BGR0 || format == AV_PIX_FMT_BGRA;
}

/* Converts src->cur into the next conversion buffer. */
static int convert(capture_file_source *src, capture_file_picture *pic)
{
	AVFrame *f = src->cur;

	if (f->width != src->conv_w || f->height != src->conv_h) {
		free(src->conv[0]);
		free(src->conv[1]);
		src->conv_stride = (size_t)f->width * 4;
		src->conv[0] = malloc(src->conv_stride * (size_t)f->height);
		src->conv[1] = malloc(src->conv_stride * (size_t)f->height);
		src->conv_w = f->width;
		src->conv_h = f->height;
		src->conv_cur = src->conv_prev = -1;
		if (!src->conv[0] || !src->conv[1])
			return -ENOMEM;
	}
	src->sws = sws_getCachedContext(src->sws, f->width, f->height, f->format, f->width,
					f->height, AV_PIX_FMT_BGR0, SWS_BICUBIC, NULL, NULL,
					NULL);
	if (!src->sws) {
		kyoyu_error("%s: cannot convert %s pictures to BGRX", src->path,
			    av_get_pix_fmt_name(f->format) ? av_get_pix_fmt_name(f->format) : "?");
		return -ENOTSUP;
	}
	int next = src->conv_cur < 0 ? 0 : src->conv_cur ^ 1;
	uint8_t *dst[4] = {src->conv[next]};
	int dst_stride[4] = {(int)src->conv_stride};
	sws_scale(src->sws, (const uint8_t *const *)f->data, f->linesize, 0, f->height, dst,
		  dst_stride);
	pic->data = dst[0];
	pic->stride = src->conv_stride;
	src->conv_prev = src->conv_cur;
	src->conv_cur = next;
	return 0;
}

int capture_file_source_next(capture_file_source *src, capture_file_picture *pic)
{
	int ret = decode_next(src);
	if (ret)
		return ret;
	/* What was current becomes the previous picture. */
	av_frame_unref(src->prev);
	av_frame_move_ref(src->prev, src->cur);
	av_frame_move_ref(src->cur, src->next);
	AVFrame *f = src->cur;
	if (f->width <= 0 || f->height <= 0 || f->width > 16384 || f->height > 16384) {
		kyoyu_error("%s: a %dx%d picture is beyond what kyoyu shares", src->path,
			    f->width, f->height);
		return -EINVAL;
	}
	int64_t pts = f->best_effort_timestamp;
	if (pts == AV_NOPTS_VALUE) {
		pic->pts_us = src->last_pts_us + src->frame_us;
	} else {
		if (src->start_pts == AV_NOPTS_VALUE)
			src->start_pts = pts;
		pic->pts_us = av_rescale_q(pts - src->start_pts, src->time_base,
					   (AVRational){1, 1000000});
	}
	src->last_pts_us = pic->pts_us;
	pic->width = (uint32_t)f->width;
	pic->height = (uint32_t)f->height;
	if (is_bgrx(f->format)) {
		pic->data = f->data[0];
		pic->stride = (size_t)f->linesize[0];
		return 0;
	}
	return convert(src, pic);
}

int capture_file_source_rewind(capture_file_source *src)
{
	char text[128];
	int ret = av_seek_frame(src->fmt, src->stream, src->fmt->streams[src->stream]->start_time
				== AV_NOPTS_VALUE ? 0 : src->fmt->streams[src->stream]->start_time,
				AVSEEK_FLAG_BACKWARD);
	if (ret < 0) {
		kyoyu_error("%s: cannot go back to the start: %s", src->path,
			    av_text(ret, text, sizeof(text)));
		return av_to_errno(ret);
	}
	avcodec_flush_buffers(src->dec);
	src->eof_sent = false;
	return 0;
}

int64_t capture_file_source_frame_us(const capture_file_source *src)
{
	return src->frame_us;
}

const uint8_t *capture_file_source_previous(const capture_file_source *src, size_t *stride)
{
	const AVFrame *p = src->prev, *c = src->cur;

	if (!p->data[0] || p->width != c->width || p->height != c->height)
		return NULL;
	if (is_bgrx(p->format) && is_bgrx(c->format)) {
		*stride = (size_t)p->linesize[0];
		return p->data[0];
	}
	if (src->conv_prev < 0 || is_bgrx(c->format) || is_bgrx(p->format))
		return NULL;
	*stride = src->conv_stride;
	return src->conv[src->conv_prev];
}
