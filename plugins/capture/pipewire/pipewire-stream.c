/* SPDX-License-Identifier: MIT */
/* capture/pipewire: the screen-cast PipeWire stream (see pipewire-stream.h). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <glib-unix.h>
#include <glib.h>
#include <linux/dma-buf.h>
#include <pipewire/pipewire.h>
#include <spa/buffer/meta.h>
#include <spa/debug/types.h>
#include <spa/param/video/format-utils.h>
#include <spa/param/video/type-info.h>

#define KYOYU_LOG_COMPONENT "capture/pipewire"
#include <kyoyu/kyoyu.h>

#include "pipewire-stream.h"
#include "pipewire-words.h"

#define DRM_MOD_LINEAR 0ull
/* Room for the pointer's metadata with a W×H shape.  mutter 43 asks for
 * exactly 384×384, and PipeWire silently leaves out a meta whose size
 * ranges do not meet, so ours must reach that far. */
#define CURSOR_META_SIZE(w, h)                                                 \
	((int)(sizeof(struct spa_meta_cursor) + sizeof(struct spa_meta_bitmap) +  \
	       (size_t)(w) * (h) * 4))
/* mutter ends a cast by pausing the stream, and when its portal back end
 * dies Session.Closed never follows; a renegotiation (a new size) pauses
 * it only for a moment.  Paused this long after streaming, it has ended. */
#define PAUSED_GRACE_MS 1000
/* kyoyu_frame_layout's limit. */
#define MAX_SIDE 16384

/* A DMA-BUF buffer PipeWire did not map: mapped once when it is added. */
typedef struct dmabuf_map {
	void *base;
	size_t size;
	int error; /* mmap's errno when it failed */
} dmabuf_map;

struct pipewire_stream {
	struct pw_loop *loop;
	struct pw_context *context;
	struct pw_core *core;
	struct pw_stream *pw;
	struct spa_hook core_listener, stream_listener;
	GMainContext *main_context;
	GSource *loop_source, *paused_timer;
	bool initialised, entered;
	bool streamed; /* reached STREAMING once */
	bool done;     /* ended() was called, or we are being freed */
	bool dmabuf; /* the buffers are DMA-BUFs */
	struct spa_video_info_raw info; /* negotiated; format 0 before */
	int max_fps;
	uint64_t bad_buffers;
	const pipewire_stream_events *events;
	void *data;
};

/* Tells the capture once that the stream is over; DETAIL goes to the log. */
static void end(pipewire_stream *s, int error, const char *why, const char *detail)
{
	if (s->done)
		return;
	s->done = true;
	kyoyu_error("the PipeWire stream ended: %s", detail);
	s->events->ended(s->data, error, why);
}

/* ---- negotiation --------------------------------------------------------- */

/* What we read: 4 bytes a pixel with blue first, any size, as often as the
 * producer likes up to MAX_FPS; with DMABUF, as a linear DMA-BUF. */
static const struct spa_pod *format_param(struct spa_pod_builder *b, int max_fps,
					  bool dmabuf)
{
	struct spa_pod_frame object, choice;
	uint64_t linear = DRM_MOD_LINEAR;

	spa_pod_builder_push_object(b, &object, SPA_TYPE_OBJECT_Format,
				    SPA_PARAM_EnumFormat);
	spa_pod_builder_add(
		b, SPA_FORMAT_mediaType, SPA_POD_Id(SPA_MEDIA_TYPE_video),
		SPA_FORMAT_mediaSubtype, SPA_POD_Id(SPA_MEDIA_SUBTYPE_raw),
		SPA_FORMAT_VIDEO_format,
		SPA_POD_CHOICE_ENUM_Id(3, SPA_VIDEO_FORMAT_BGRx, SPA_VIDEO_FORMAT_BGRx,
				       SPA_VIDEO_FORMAT_BGRA),
		SPA_FORMAT_VIDEO_size,
		SPA_POD_CHOICE_RANGE_Rectangle(&SPA_RECTANGLE(1920, 1080),
					       &SPA_RECTANGLE(1, 1),
					       &SPA_RECTANGLE(MAX_SIDE, MAX_SIDE)),
		SPA_FORMAT_VIDEO_framerate,
		SPA_POD_CHOICE_RANGE_Fraction(&SPA_FRACTION(0, 1), &SPA_FRACTION(0, 1),
					      &SPA_FRACTION(1000, 1)),
		SPA_FORMAT_VIDEO_maxFramerate,
		SPA_POD_CHOICE_RANGE_Fraction(&SPA_FRACTION((uint32_t)max_fps, 1),
					      &SPA_FRACTION(1, 1),
					      &SPA_FRACTION((uint32_t)max_fps, 1)),
		0);
	if (dmabuf) {
		/* The producer picks the modifier; we can only read a linear
		 * one, through mmap. */
		spa_pod_builder_prop(b, SPA_FORMAT_VIDEO_modifier,
				     SPA_POD_PROP_FLAG_MANDATORY | SPA_POD_PROP_FLAG_DONT_FIXATE);
		spa_pod_builder_push_choice(b, &choice, SPA_CHOICE_Enum, 0);
		spa_pod_builder_long(b, (int64_t)linear);
		spa_pod_builder_long(b, (int64_t)linear);
		spa_pod_builder_pop(b, &choice);
	}
	return spa_pod_builder_pop(b, &object);
}

/* Once the format is fixed: the buffers and the metadata we want.
 *
 * As many buffers as the desktop offers (mutter: 16, which pipewiresrc
 * takes too).  A buffer we give back goes home only with the next
 * picture's cycle, one per cycle, so each one our main loop gives back
 * late stays with us a while; with 4, mutter 43 painting 1080p on a busy
 * machine was often left with none free and dropped the picture (bench/
 * capture-wayland full: 42, 63 and 56 pictures in 8 s to kyoyu against
 * 116, 144 and 165 to pipewiresrc; with 16, 162, 207 and 210 against 159,
 * 205 and 201). */
static void ask_for_buffers(pipewire_stream *s)
{
	uint8_t storage[1024];
	struct spa_pod_builder b = SPA_POD_BUILDER_INIT(storage, sizeof(storage));
	const struct spa_pod *params[4];
	int types = s->dmabuf ? 1 << SPA_DATA_DmaBuf
			      : 1 << SPA_DATA_MemFd | 1 << SPA_DATA_MemPtr;

	params[0] = spa_pod_builder_add_object(
		&b, SPA_TYPE_OBJECT_ParamBuffers, SPA_PARAM_Buffers,
		SPA_PARAM_BUFFERS_buffers, SPA_POD_CHOICE_RANGE_Int(16, 2, 16),
		SPA_PARAM_BUFFERS_blocks, SPA_POD_Int(1), SPA_PARAM_BUFFERS_dataType,
		SPA_POD_CHOICE_FLAGS_Int(types));
	params[1] = spa_pod_builder_add_object(
		&b, SPA_TYPE_OBJECT_ParamMeta, SPA_PARAM_Meta, SPA_PARAM_META_type,
		SPA_POD_Id(SPA_META_Header), SPA_PARAM_META_size,
		SPA_POD_Int(sizeof(struct spa_meta_header)));
	params[2] = spa_pod_builder_add_object(
		&b, SPA_TYPE_OBJECT_ParamMeta, SPA_PARAM_Meta, SPA_PARAM_META_type,
		SPA_POD_Id(SPA_META_VideoDamage), SPA_PARAM_META_size,
		SPA_POD_CHOICE_RANGE_Int(
			sizeof(struct spa_meta_region) * KYOYU_REGION_MAX_RECTS,
			sizeof(struct spa_meta_region),
			sizeof(struct spa_meta_region) * KYOYU_REGION_MAX_RECTS));
	params[3] = spa_pod_builder_add_object(
		&b, SPA_TYPE_OBJECT_ParamMeta, SPA_PARAM_Meta, SPA_PARAM_META_type,
		SPA_POD_Id(SPA_META_Cursor), SPA_PARAM_META_size,
		SPA_POD_CHOICE_RANGE_Int(CURSOR_META_SIZE(64, 64), CURSOR_META_SIZE(1, 1),
					 CURSOR_META_SIZE(1024, 1024)));
	pw_stream_update_params(s->pw, params, 4);
}

static const char *format_name(uint32_t format)
{
	const char *name = spa_debug_type_find_short_name(spa_type_video_format, format);

	return name ? name : "unknown";
}

static void on_param_changed(void *data, uint32_t id, const struct spa_pod *param)
{
	pipewire_stream *s = data;
	struct spa_video_info_raw info;
	uint32_t media_type, media_subtype;
	char detail[160];

	if (id != SPA_PARAM_Format || !param || s->done)
		return;
	if (spa_format_parse(param, &media_type, &media_subtype) < 0 ||
	    media_type != SPA_MEDIA_TYPE_video || media_subtype != SPA_MEDIA_SUBTYPE_raw ||
	    spa_format_video_raw_parse(param, &info) < 0) {
		end(s, -EPROTO, PIPEWIRE_SAY_UNREADABLE, "a format that is not raw video");
		return;
	}
	uint32_t w = info.size.width, h = info.size.height;
	if (info.format != SPA_VIDEO_FORMAT_BGRx && info.format != SPA_VIDEO_FORMAT_BGRA) {
		snprintf(detail, sizeof(detail), "pictures in %s, not BGRx or BGRA",
			 format_name(info.format));
		end(s, -EPROTO, PIPEWIRE_SAY_UNREADABLE, detail);
		return;
	}
	if (w == 0 || h == 0 || w > MAX_SIDE || h > MAX_SIDE) {
		snprintf(detail, sizeof(detail), "pictures of %ux%u", w, h);
		end(s, -EPROTO, PIPEWIRE_SAY_UNREADABLE, detail);
		return;
	}
	s->dmabuf = (info.flags & SPA_VIDEO_FLAG_MODIFIER) != 0;
	if (s->dmabuf && info.modifier != DRM_MOD_LINEAR) {
		snprintf(detail, sizeof(detail),
			 "DMA-BUF buffers with modifier 0x%llx, which the CPU cannot "
			 "read (capture.dmabuf = false asks for shared memory)",
			 (unsigned long long)info.modifier);
		end(s, -EPROTO, PIPEWIRE_SAY_UNREADABLE, detail);
		return;
	}
	kyoyu_info("the desktop sends %ux%u %s pictures in %s, at most %u a second", w, h,
		   format_name(info.format), s->dmabuf ? "linear DMA-BUF" : "shared memory",
		   info.max_framerate.denom
			   ? info.max_framerate.num / info.max_framerate.denom
			   : (unsigned)s->max_fps);
	s->info = info;
	ask_for_buffers(s);
	s->events->resized(s->data, w, h);
}

/* ---- buffers ------------------------------------------------------------- */

static void on_add_buffer(void *data, struct pw_buffer *b)
{
	struct spa_data *d = &b->buffer->datas[0];

	if (b->buffer->n_datas < 1 || d->type != SPA_DATA_DmaBuf || d->data)
		return;
	dmabuf_map *m = g_new0(dmabuf_map, 1);
	m->size = (size_t)d->maxsize + d->mapoffset;
	m->base = mmap(NULL, m->size, PROT_READ, MAP_SHARED, (int)d->fd, 0);
	if (m->base == MAP_FAILED) {
		m->base = NULL;
		m->error = errno;
	}
	b->user_data = m;
}

static void on_remove_buffer(void *data, struct pw_buffer *b)
{
	dmabuf_map *m = b->user_data;

	if (m && m->base)
		munmap(m->base, m->size);
	g_free(m);
	b->user_data = NULL;
}

static void read_cursor(const struct spa_buffer *buf, pipewire_cursor_meta *c)
{
	struct spa_meta *meta = spa_buffer_find_meta(buf, SPA_META_Cursor);

	if (!meta || meta->size < sizeof(struct spa_meta_cursor))
		return;
	const struct spa_meta_cursor *mc = meta->data;
	c->present = true;
	if (!spa_meta_cursor_is_valid(mc))
		return; /* hidden, or on another screen */
	c->visible = true;
	c->x = mc->position.x;
	c->y = mc->position.y;
	/* Offset 0: the shape did not change. */
	if (mc->bitmap_offset < sizeof(*mc) ||
	    mc->bitmap_offset > meta->size - sizeof(struct spa_meta_bitmap))
		return;
	const struct spa_meta_bitmap *bm =
		SPA_PTROFF(mc, mc->bitmap_offset, const struct spa_meta_bitmap);
	if (bm->format == SPA_VIDEO_FORMAT_UNKNOWN)
		return; /* no new shape either */
	c->new_shape = true;
	c->hot_x = mc->hotspot.x;
	c->hot_y = mc->hotspot.y;
	if (bm->offset == 0 || bm->size.width == 0 || bm->size.height == 0)
		return; /* an empty shape: nothing to draw */
	uint64_t w = bm->size.width, h = bm->size.height;
	uint64_t end_of_pixels = (uint64_t)mc->bitmap_offset + bm->offset +
				 (uint64_t)bm->stride * (h - 1) + w * 4;
	if (bm->offset < sizeof(*bm) || bm->stride < 0 || (uint64_t)bm->stride < w * 4 ||
	    end_of_pixels > meta->size) {
		kyoyu_debug("a pointer shape of %llux%llu that does not fit its metadata "
			    "was left out", (unsigned long long)w, (unsigned long long)h);
		c->new_shape = false;
		return;
	}
	c->bitmap = SPA_PTROFF(bm, bm->offset, const uint8_t);
	c->format = bm->format;
	c->width = bm->size.width;
	c->height = bm->size.height;
	c->stride = (uint32_t)bm->stride;
}

static void read_damage(const struct spa_buffer *buf, pipewire_buffer *out)
{
	struct spa_meta *meta = spa_buffer_find_meta(buf, SPA_META_VideoDamage);
	struct spa_meta_region *r;

	if (!meta)
		return;
	spa_meta_for_each(r, meta) {
		if (!spa_meta_region_is_valid(r))
			break;
		out->has_damage = true;
		kyoyu_region_add(&out->damage,
				 (kyoyu_rect){r->region.position.x, r->region.position.y,
					      (int32_t)r->region.size.width,
					      (int32_t)r->region.size.height});
	}
	kyoyu_region_clip(&out->damage, (int32_t)out->width, (int32_t)out->height);
}

/* Where the picture of D lies, checked against the memory it claims;
 * NULL when it does not fit (counted and logged now and then). */
static const uint8_t *locate_picture(pipewire_stream *s, const struct spa_data *d,
				     const uint8_t *base, pipewire_buffer *out)
{
	uint64_t w = s->info.size.width, h = s->info.size.height;
	int32_t stride = d->chunk->stride;

	if (stride > 0 && (uint64_t)stride >= w * 4 &&
	    (uint64_t)d->chunk->offset + (uint64_t)stride * (h - 1) + w * 4 <= d->maxsize) {
		out->stride = (size_t)stride;
		return base + d->chunk->offset;
	}
	if (s->bad_buffers++ % 100 == 0)
		kyoyu_warn("a %llux%llu picture with stride %d at offset %u does not fit its "
			   "%u-byte buffer; left out (%llu so far)", (unsigned long long)w,
			   (unsigned long long)h, stride, d->chunk->offset, d->maxsize,
			   (unsigned long long)s->bad_buffers);
	return NULL;
}

/* DMA_BUF_IOCTL_SYNC around the CPU's reads, so that it sees what the GPU
 * wrote. */
static void dmabuf_sync(const struct spa_data *d, uint64_t flags)
{
	struct dma_buf_sync sync = {flags | DMA_BUF_SYNC_READ};

	ioctl((int)d->fd, DMA_BUF_IOCTL_SYNC, &sync);
}

static void take_buffer(pipewire_stream *s, struct pw_buffer *b)
{
	struct spa_buffer *buf = b->buffer;
	struct spa_meta_header *header =
		spa_buffer_find_meta_data(buf, SPA_META_Header, sizeof(*header));
	pipewire_buffer out = {.width = s->info.size.width, .height = s->info.size.height};
	const struct spa_data *d = buf->n_datas > 0 ? &buf->datas[0] : NULL;
	bool synced = false;

	read_cursor(buf, &out.cursor);
	/* mutter marks a buffer that carries only a pointer move corrupted,
	 * with no bytes: there is no picture in it, and that is no error. */
	bool picture = d && d->chunk->size > 0 &&
		       !(d->chunk->flags & SPA_CHUNK_FLAG_CORRUPTED) &&
		       !(header && (header->flags & SPA_META_HEADER_FLAG_CORRUPTED));
	if (picture && d->data) {
		out.pixels = locate_picture(s, d, d->data, &out);
	} else if (picture && d->type == SPA_DATA_DmaBuf) {
		const dmabuf_map *m = b->user_data;
		if (!m || !m->base) {
			char detail[192];
			snprintf(detail, sizeof(detail),
				 "a linear DMA-BUF buffer that cannot be mapped (%s); "
				 "capture.dmabuf = false asks for shared memory",
				 m ? strerror(m->error) : "not a DMA-BUF");
			end(s, m ? -m->error : -EINVAL, PIPEWIRE_SAY_UNREADABLE, detail);
			return;
		}
		dmabuf_sync(d, DMA_BUF_SYNC_START);
		synced = true;
		out.pixels = locate_picture(s, d, (const uint8_t *)m->base + d->mapoffset,
					    &out);
	}
	if (out.pixels)
		read_damage(buf, &out);
	if (out.pixels || out.cursor.present)
		s->events->buffer(s->data, &out);
	if (synced)
		dmabuf_sync(d, DMA_BUF_SYNC_END);
}

static void on_process(void *data)
{
	pipewire_stream *s = data;
	struct pw_buffer *b;

	/* Every queued buffer in turn: each may carry a pointer shape. */
	while (!s->done && (b = pw_stream_dequeue_buffer(s->pw))) {
		take_buffer(s, b);
		pw_stream_queue_buffer(s->pw, b);
	}
}

/* ---- the stream's life --------------------------------------------------- */

static gboolean on_paused_too_long(gpointer data)
{
	pipewire_stream *s = data;

	g_source_unref(s->paused_timer);
	s->paused_timer = NULL;
	end(s, -ECONNRESET, PIPEWIRE_SAY_STOPPED, "paused by the desktop after streaming");
	return G_SOURCE_REMOVE;
}

static void stop_paused_timer(pipewire_stream *s)
{
	if (!s->paused_timer)
		return;
	g_source_destroy(s->paused_timer);
	g_source_unref(s->paused_timer);
	s->paused_timer = NULL;
}

static void on_state_changed(void *data, enum pw_stream_state old,
			     enum pw_stream_state state, const char *error)
{
	pipewire_stream *s = data;
	char detail[256];

	if (s->done)
		return;
	kyoyu_debug("stream %s -> %s", pw_stream_state_as_string(old),
		    pw_stream_state_as_string(state));
	switch (state) {
	case PW_STREAM_STATE_STREAMING:
		s->streamed = true;
		stop_paused_timer(s);
		break;
	case PW_STREAM_STATE_PAUSED:
		if (s->streamed && !s->paused_timer) {
			s->paused_timer = g_timeout_source_new(PAUSED_GRACE_MS);
			g_source_set_callback(s->paused_timer, on_paused_too_long, s, NULL);
			g_source_attach(s->paused_timer, s->main_context);
		}
		break;
	case PW_STREAM_STATE_UNCONNECTED:
		end(s, -ECONNRESET, s->streamed ? PIPEWIRE_SAY_STOPPED : PIPEWIRE_SAY_NOT_STARTED,
		    "disconnected");
		break;
	case PW_STREAM_STATE_ERROR:
		snprintf(detail, sizeof(detail), "error: %s", error ? error : "unknown");
		/* Before the first picture, a failed negotiation: we take BGRx
		 * and BGRA only. */
		end(s, -EIO,
		    s->streamed	       ? PIPEWIRE_SAY_BROKEN
		    : s->info.format == 0 && error && strstr(error, "format")
					? PIPEWIRE_SAY_UNREADABLE
					: PIPEWIRE_SAY_NOT_STARTED,
		    detail);
		break;
	default:
		break;
	}
}

static const struct pw_stream_events stream_events = {
	PW_VERSION_STREAM_EVENTS,
	.state_changed = on_state_changed,
	.param_changed = on_param_changed,
	.add_buffer = on_add_buffer,
	.remove_buffer = on_remove_buffer,
	.process = on_process,
};

static void on_core_error(void *data, uint32_t id, int seq, int res, const char *message)
{
	pipewire_stream *s = data;
	char detail[256];

	if (id != PW_ID_CORE) {
		kyoyu_debug("PipeWire object %u: %s", id, message ? message : strerror(-res));
		return;
	}
	snprintf(detail, sizeof(detail), "PipeWire: %s",
		 message ? message : strerror(-res));
	end(s, res < 0 ? res : -EIO,
	    s->streamed ? PIPEWIRE_SAY_BROKEN : PIPEWIRE_SAY_NOT_STARTED, detail);
}

static const struct pw_core_events core_events = {
	PW_VERSION_CORE_EVENTS,
	.error = on_core_error,
};

static gboolean on_loop_ready(gint fd, GIOCondition condition, gpointer data)
{
	pipewire_stream *s = data;

	pw_loop_iterate(s->loop, 0);
	return G_SOURCE_CONTINUE;
}

pipewire_stream *pipewire_stream_new(int fd, uint32_t node, int max_fps, bool dmabuf,
				     const pipewire_stream_events *events, void *data,
				     char *err, size_t errlen)
{
	pipewire_stream *s = g_new0(pipewire_stream, 1);
	uint8_t storage[1024];
	struct spa_pod_builder b = SPA_POD_BUILDER_INIT(storage, sizeof(storage));
	const struct spa_pod *params[2];
	uint32_t n = 0;

	pw_init(NULL, NULL);
	s->initialised = true;
	s->main_context = g_main_context_ref_thread_default();
	s->events = events;
	s->data = data;
	s->max_fps = max_fps;
	s->loop = pw_loop_new(NULL);
	s->context = s->loop ? pw_context_new(s->loop, NULL, 0) : NULL;
	if (!s->context) {
		kyoyu_error("cannot set up PipeWire: %s", strerror(errno));
		close(fd);
		goto out_free;
	}
	pw_loop_enter(s->loop);
	s->entered = true;
	/* Takes the descriptor over, even when it fails. */
	s->core = pw_context_connect_fd(s->context, fd, NULL, 0);
	if (!s->core) {
		kyoyu_error("cannot use the PipeWire remote the portal gave: %s",
			    strerror(errno));
		goto out_free;
	}
	pw_core_add_listener(s->core, &s->core_listener, &core_events, s);
	s->pw = pw_stream_new(s->core, "kyoyu",
			      pw_properties_new(PW_KEY_MEDIA_TYPE, "Video",
						PW_KEY_MEDIA_CATEGORY, "Capture",
						PW_KEY_MEDIA_ROLE, "Screen", NULL));
	if (!s->pw) {
		kyoyu_error("cannot create a PipeWire stream: %s", strerror(errno));
		goto out_free;
	}
	pw_stream_add_listener(s->pw, &s->stream_listener, &stream_events, s);
	params[n++] = format_param(&b, max_fps, false);
	if (dmabuf)
		params[n++] = format_param(&b, max_fps, true);
	int ret = pw_stream_connect(s->pw, PW_DIRECTION_INPUT, node,
				    PW_STREAM_FLAG_AUTOCONNECT | PW_STREAM_FLAG_MAP_BUFFERS,
				    params, n);
	if (ret < 0) {
		kyoyu_error("cannot connect to PipeWire node %u: %s", node, strerror(-ret));
		goto out_free;
	}
	s->loop_source = g_unix_fd_source_new(pw_loop_get_fd(s->loop), G_IO_IN);
	g_source_set_callback(s->loop_source, (GSourceFunc)(void (*)(void))on_loop_ready,
			      s, NULL);
	g_source_attach(s->loop_source, s->main_context);
	return s;

out_free:
	snprintf(err, errlen, "%s", PIPEWIRE_SAY_NOT_STARTED);
	pipewire_stream_free(s);
	return NULL;
}

void pipewire_stream_free(pipewire_stream *s)
{
	if (!s)
		return;
	/* Our own teardown is not the stream ending: no events from here. */
	s->done = true;
	stop_paused_timer(s);
	if (s->loop_source) {
		g_source_destroy(s->loop_source);
		g_source_unref(s->loop_source);
	}
	if (s->pw)
		pw_stream_destroy(s->pw);
	if (s->core)
		pw_core_disconnect(s->core);
	if (s->context)
		pw_context_destroy(s->context);
	if (s->entered)
		pw_loop_leave(s->loop);
	if (s->loop)
		pw_loop_destroy(s->loop);
	if (s->initialised)
		pw_deinit();
	g_main_context_unref(s->main_context);
	g_free(s);
}
