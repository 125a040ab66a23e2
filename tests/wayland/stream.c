/* SPDX-License-Identifier: MIT */
/* Receiving one screen-cast PipeWire node; see stream.h. */
#include "stream.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <glib-unix.h>
#include <glib.h>
#include <linux/dma-buf.h>
#include <sys/ioctl.h>

#include <pipewire/pipewire.h>
#include <spa/debug/types.h>
#include <spa/param/video/format-utils.h>
#include <spa/param/video/type-info.h>

#ifndef DRM_FORMAT_MOD_LINEAR
#define DRM_FORMAT_MOD_LINEAR 0ULL
#endif

/* Room for an ARGB pointer of W x H.  The range offered must reach what the
 * producer fixes: mutter 43 asks for exactly 384x384, and a meta whose sizes
 * do not intersect is silently left out of the buffers. */
#define CURSOR_META_SIZE(w, h)                                           \
	(sizeof(struct spa_meta_cursor) + sizeof(struct spa_meta_bitmap) + \
	 (w) * (h) * 4)

struct stream {
	struct pw_loop *loop;
	struct pw_context *context;
	struct pw_core *core;
	struct pw_stream *pw;
	struct spa_hook core_listener, stream_listener;
	unsigned source;
	bool with_dmabuf, ended, entered;
	struct spa_video_info_raw info;
	uint64_t modifier;
	bool has_modifier;
	char format_text[64];
	const stream_events *events;
	void *data;
};

static const uint32_t formats[] = {
	SPA_VIDEO_FORMAT_BGRx, SPA_VIDEO_FORMAT_BGRA, SPA_VIDEO_FORMAT_RGBx,
	SPA_VIDEO_FORMAT_RGBA, SPA_VIDEO_FORMAT_xRGB, SPA_VIDEO_FORMAT_ARGB,
	SPA_VIDEO_FORMAT_xBGR, SPA_VIDEO_FORMAT_ABGR,
};

long stream_pixel_rgb(uint32_t spa_format, const uint8_t *p)
{
	switch (spa_format) {
	case SPA_VIDEO_FORMAT_BGRx:
	case SPA_VIDEO_FORMAT_BGRA:
		return (long)p[2] << 16 | p[1] << 8 | p[0];
	case SPA_VIDEO_FORMAT_RGBx:
	case SPA_VIDEO_FORMAT_RGBA:
		return (long)p[0] << 16 | p[1] << 8 | p[2];
	case SPA_VIDEO_FORMAT_xRGB:
	case SPA_VIDEO_FORMAT_ARGB:
		return (long)p[1] << 16 | p[2] << 8 | p[3];
	case SPA_VIDEO_FORMAT_xBGR:
	case SPA_VIDEO_FORMAT_ABGR:
		return (long)p[3] << 16 | p[2] << 8 | p[1];
	default:
		return -1;
	}
}

static const struct spa_pod *format_param(struct spa_pod_builder *b, bool dmabuf)
{
	struct spa_pod_frame f;
	uint64_t linear = DRM_FORMAT_MOD_LINEAR;

	spa_pod_builder_push_object(b, &f, SPA_TYPE_OBJECT_Format, SPA_PARAM_EnumFormat);
	spa_pod_builder_add(b, SPA_FORMAT_mediaType, SPA_POD_Id(SPA_MEDIA_TYPE_video),
			    SPA_FORMAT_mediaSubtype, SPA_POD_Id(SPA_MEDIA_SUBTYPE_raw), 0);
	spa_pod_builder_prop(b, SPA_FORMAT_VIDEO_format, 0);
	spa_pod_builder_push_choice(b, &(struct spa_pod_frame){ 0 }, SPA_CHOICE_Enum, 0);
	/* An Enum choice repeats its default first. */
	spa_pod_builder_id(b, formats[0]);
	for (size_t i = 0; i < SPA_N_ELEMENTS(formats); i++)
		spa_pod_builder_id(b, formats[i]);
	spa_pod_builder_pop(b, b->state.frame);
	if (dmabuf)
		spa_pod_builder_add(b, SPA_FORMAT_VIDEO_modifier,
				    SPA_POD_CHOICE_ENUM_Long(2, linear, linear), 0);
	spa_pod_builder_add(
		b, SPA_FORMAT_VIDEO_size,
		SPA_POD_CHOICE_RANGE_Rectangle(&SPA_RECTANGLE(1280, 720),
					       &SPA_RECTANGLE(1, 1),
					       &SPA_RECTANGLE(8192, 8192)),
		SPA_FORMAT_VIDEO_framerate,
		SPA_POD_CHOICE_RANGE_Fraction(&SPA_FRACTION(30, 1), &SPA_FRACTION(0, 1),
					      &SPA_FRACTION(1000, 1)),
		0);
	return spa_pod_builder_pop(b, &f);
}

static void on_param_changed(void *data, uint32_t id, const struct spa_pod *param)
{
	stream *s = data;
	uint8_t buffer[1536];
	struct spa_pod_builder b = SPA_POD_BUILDER_INIT(buffer, sizeof buffer);
	const struct spa_pod *params[5];
	const struct spa_pod_prop *mod;
	uint32_t data_types;

	if (id != SPA_PARAM_Format || !param)
		return;
	if (spa_format_video_raw_parse(param, &s->info) < 0)
		return;
	mod = spa_pod_find_prop(param, NULL, SPA_FORMAT_VIDEO_modifier);
	s->has_modifier = mod && spa_pod_get_long(&mod->value, (int64_t *)&s->modifier) == 0;
	snprintf(s->format_text, sizeof s->format_text, "%s %ux%u%s",
		 spa_debug_type_find_short_name(spa_type_video_format, s->info.format),
		 s->info.size.width, s->info.size.height,
		 s->has_modifier ? " (DMA-BUF)" : "");

	data_types = s->has_modifier ? 1u << SPA_DATA_DmaBuf
				     : 1u << SPA_DATA_MemFd | 1u << SPA_DATA_MemPtr;
	params[0] = spa_pod_builder_add_object(
		&b, SPA_TYPE_OBJECT_ParamBuffers, SPA_PARAM_Buffers,
		SPA_PARAM_BUFFERS_buffers, SPA_POD_CHOICE_RANGE_Int(4, 2, 16),
		SPA_PARAM_BUFFERS_blocks, SPA_POD_Int(1),
		SPA_PARAM_BUFFERS_dataType, SPA_POD_CHOICE_FLAGS_Int(data_types));
	params[1] = spa_pod_builder_add_object(
		&b, SPA_TYPE_OBJECT_ParamMeta, SPA_PARAM_Meta, SPA_PARAM_META_type,
		SPA_POD_Id(SPA_META_Header), SPA_PARAM_META_size,
		SPA_POD_Int(sizeof(struct spa_meta_header)));
	params[2] = spa_pod_builder_add_object(
		&b, SPA_TYPE_OBJECT_ParamMeta, SPA_PARAM_Meta, SPA_PARAM_META_type,
		SPA_POD_Id(SPA_META_VideoDamage), SPA_PARAM_META_size,
		SPA_POD_CHOICE_RANGE_Int(sizeof(struct spa_meta_region) * STREAM_MAX_DAMAGE,
					 sizeof(struct spa_meta_region),
					 sizeof(struct spa_meta_region) * STREAM_MAX_DAMAGE));
	params[3] = spa_pod_builder_add_object(
		&b, SPA_TYPE_OBJECT_ParamMeta, SPA_PARAM_Meta, SPA_PARAM_META_type,
		SPA_POD_Id(SPA_META_Cursor), SPA_PARAM_META_size,
		SPA_POD_CHOICE_RANGE_Int(CURSOR_META_SIZE(384, 384), CURSOR_META_SIZE(1, 1),
					 CURSOR_META_SIZE(1024, 1024)));
	params[4] = spa_pod_builder_add_object(
		&b, SPA_TYPE_OBJECT_ParamMeta, SPA_PARAM_Meta, SPA_PARAM_META_type,
		SPA_POD_Id(SPA_META_VideoCrop), SPA_PARAM_META_size,
		SPA_POD_Int(sizeof(struct spa_meta_region)));
	pw_stream_update_params(s->pw, params, 5);
}

static void read_metadata(struct spa_buffer *buf, stream_frame *f)
{
	struct spa_meta_header *h;
	struct spa_meta_cursor *c;
	struct spa_meta *damage;
	struct spa_meta_region *r, *crop;

	h = spa_buffer_find_meta_data(buf, SPA_META_Header, sizeof *h);
	if (h && (h->flags & SPA_META_HEADER_FLAG_CORRUPTED))
		f->corrupted = true;

	damage = spa_buffer_find_meta(buf, SPA_META_VideoDamage);
	if (damage) {
		spa_meta_for_each(r, damage) {
			if (!spa_meta_region_is_valid(r))
				break;
			f->has_damage_meta = true;
			if (f->n_damage < STREAM_MAX_DAMAGE)
				f->damage[f->n_damage++] = *r;
		}
	}

	crop = spa_buffer_find_meta_data(buf, SPA_META_VideoCrop, sizeof *crop);
	if (crop && spa_meta_region_is_valid(crop)) {
		f->has_crop = true;
		f->crop = *crop;
	}

	c = spa_buffer_find_meta_data(buf, SPA_META_Cursor, sizeof *c);
	f->cursor_slot = c != NULL;
	if (c && spa_meta_cursor_is_valid(c)) {
		f->has_cursor_meta = true;
		f->cursor_x = c->position.x;
		f->cursor_y = c->position.y;
		f->cursor_bitmap = c->bitmap_offset != 0;
	}
}

/* A DMA-BUF with the linear modifier reads like shared memory once mapped;
 * the sync ioctls make the CPU's view coherent with the GPU's writes. */
static const uint8_t *map_dmabuf(struct spa_data *d, size_t *len)
{
	struct dma_buf_sync sync = { DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ };
	void *p;

	*len = d->maxsize + d->mapoffset;
	p = mmap(NULL, *len, PROT_READ, MAP_SHARED, (int)d->fd, 0);
	if (p == MAP_FAILED)
		return NULL;
	ioctl((int)d->fd, DMA_BUF_IOCTL_SYNC, &sync);
	return (const uint8_t *)p + d->mapoffset;
}

static void unmap_dmabuf(struct spa_data *d, const uint8_t *p, size_t len)
{
	struct dma_buf_sync sync = { DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ };

	ioctl((int)d->fd, DMA_BUF_IOCTL_SYNC, &sync);
	munmap((void *)(p - d->mapoffset), len);
}

static void on_process(void *data)
{
	stream *s = data;
	struct pw_buffer *b;
	struct spa_buffer *buf;
	struct spa_data *d;
	stream_frame f = { 0 };
	const uint8_t *mapped = NULL;
	size_t mapped_len = 0;

	b = pw_stream_dequeue_buffer(s->pw);
	if (!b)
		return;
	buf = b->buffer;
	d = &buf->datas[0];

	f.width = s->info.size.width;
	f.height = s->info.size.height;
	f.spa_format = s->info.format;
	f.data_type = d->type;
	f.modifier = s->modifier;
	f.has_modifier = s->has_modifier;
	f.stride = (uint32_t)d->chunk->stride;
	if (d->chunk->flags & SPA_CHUNK_FLAG_CORRUPTED)
		f.corrupted = true;
	read_metadata(buf, &f);

	if (d->chunk->size > 0 && !f.corrupted) {
		if (d->data)
			f.pixels = (const uint8_t *)d->data + d->chunk->offset;
		else if (d->type == SPA_DATA_DmaBuf)
			f.pixels = mapped = map_dmabuf(d, &mapped_len);
	}
	s->events->frame(s->data, &f);
	if (mapped)
		unmap_dmabuf(d, mapped, mapped_len);
	pw_stream_queue_buffer(s->pw, b);
}

static void on_state_changed(void *data, enum pw_stream_state old,
			     enum pw_stream_state state, const char *error)
{
	stream *s = data;

	(void)old;
	if (s->events->state && !s->ended)
		s->events->state(s->data, pw_stream_state_as_string(state));
	if ((state == PW_STREAM_STATE_UNCONNECTED || state == PW_STREAM_STATE_ERROR) &&
	    !s->ended) {
		s->ended = true;
		s->events->ended(s->data, pw_stream_state_as_string(state), error);
	}
}

static const struct pw_stream_events stream_events_pw = {
	PW_VERSION_STREAM_EVENTS,
	.state_changed = on_state_changed,
	.param_changed = on_param_changed,
	.process = on_process,
};

static void on_core_error(void *data, uint32_t id, int seq, int res, const char *message)
{
	stream *s = data;

	(void)seq;
	if (id == PW_ID_CORE && !s->ended) {
		s->ended = true;
		s->events->ended(s->data, "core error", message ? message : strerror(-res));
	}
}

static const struct pw_core_events core_events = {
	PW_VERSION_CORE_EVENTS,
	.error = on_core_error,
};

static gboolean on_loop_ready(int fd, GIOCondition cond, gpointer data)
{
	stream *s = data;

	(void)fd, (void)cond;
	pw_loop_iterate(s->loop, 0);
	return G_SOURCE_CONTINUE;
}

stream *stream_new(int fd, uint32_t node, bool with_dmabuf,
		   const stream_events *events, void *data, char **error)
{
	uint8_t buffer[2048];
	struct spa_pod_builder b = SPA_POD_BUILDER_INIT(buffer, sizeof buffer);
	const struct spa_pod *params[2];
	uint32_t n = 0;
	stream *s;

	pw_init(NULL, NULL);
	s = g_new0(stream, 1);
	s->events = events;
	s->data = data;
	s->with_dmabuf = with_dmabuf;
	s->loop = pw_loop_new(NULL);
	s->context = s->loop ? pw_context_new(s->loop, NULL, 0) : NULL;
	if (!s->context) {
		*error = g_strdup_printf("PipeWire: cannot create a context: %s",
					 strerror(errno));
		close(fd);
		goto out_free;
	}
	pw_loop_enter(s->loop);
	s->entered = true;
	s->core = pw_context_connect_fd(s->context, fd, NULL, 0);
	if (!s->core) {
		*error = g_strdup_printf("PipeWire: cannot use the portal's remote: %s",
					 strerror(errno));
		goto out_free;
	}
	pw_core_add_listener(s->core, &s->core_listener, &core_events, s);

	s->pw = pw_stream_new(s->core, "kyoyu-screencast-probe",
			      pw_properties_new(PW_KEY_MEDIA_TYPE, "Video",
						PW_KEY_MEDIA_CATEGORY, "Capture",
						PW_KEY_MEDIA_ROLE, "Screen", NULL));
	if (!s->pw) {
		*error = g_strdup_printf("PipeWire: cannot create a stream: %s",
					 strerror(errno));
		goto out_free;
	}
	pw_stream_add_listener(s->pw, &s->stream_listener, &stream_events_pw, s);

	if (with_dmabuf)
		params[n++] = format_param(&b, true);
	params[n++] = format_param(&b, false);
	if (pw_stream_connect(s->pw, PW_DIRECTION_INPUT, node,
			      PW_STREAM_FLAG_AUTOCONNECT | PW_STREAM_FLAG_MAP_BUFFERS,
			      params, n) < 0) {
		*error = g_strdup_printf("PipeWire: cannot connect to node %u: %s", node,
					 strerror(errno));
		goto out_free;
	}
	s->source = g_unix_fd_add(pw_loop_get_fd(s->loop), G_IO_IN, on_loop_ready, s);
	return s;

out_free:
	stream_free(s);
	return NULL;
}

const char *stream_format(const stream *s)
{
	return s->format_text;
}

void stream_free(stream *s)
{
	if (!s)
		return;
	if (s->source)
		g_source_remove(s->source);
	/* Our own teardown is not the stream ending: no callbacks from here. */
	s->ended = true;
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
	g_free(s);
}
