/* SPDX-License-Identifier: MIT */
/* kyoyu-plugin-check: capture, transport and ui plugins, run as stages.
 *
 * Each runs as the agent runs it: init(), start() on this thread, run() on
 * a stage thread of its own, while a fake session moves through its states
 * the way the core's does (the bus's gate opened just before SHARING is
 * announced and closed just before any other state is, a keyframe request
 * at each start of sharing), and fake peers post what a UI reads; then the
 * session ends, run() must return on its own within 3 s, and stop() and
 * fini() follow.  Once per role the kind runs in (a capture only on the
 * sharer) and per pixel format it lists, with host.frame_format set as the
 * core sets it.
 *
 *   capture: connecting, awaiting consent, sharing, paused, sharing again,
 *     ended.  Every picture is in the chosen format, its layout fits its
 *     buffer and its damage lies inside it; the first picture of each
 *     sharing period is flagged KYOYU_FRAME_KEY with damage covering all of
 *     it; while not sharing it posts no screen content (one picture in
 *     flight as the state changes is forgiven); a VIDEO_SIZE, when posted,
 *     gives the size of the pictures; a cursor shape fits its buffer.
 *   transport: the same session, with no peer: it starts and stops cleanly.
 *   ui: every state, and a code, a peer, consent, notices, stats, the
 *     shared area's size, pictures in its format, a cursor and the
 *     operator's pointer, as the role it runs in would see them.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bus-priv.h"
#include "plugin-check.h"
#include "stage-priv.h"

/* docs/plugin-abi.md: stages get 3 s to finish once the session ended. */
#define LINGER_MS 3000
/* How much longer a stage is waited for on a machine too busy for the 3 s
 * to mean anything (see linger_overloaded()). */
#define OVERLOAD_GRACE_MS 30000
/* A capture's first picture may take a while on a loaded machine. */
#define FIRST_PICTURE_US 5000000
/* How long a state is watched for what may not happen in it. */
#define WATCH_US 300000
#define UI_W 64
#define UI_H 48

typedef struct stage_run {
	checker *ck;
	const kyoyu_plugin *p;
	uint32_t role, format;
	kyoyu_bus *bus;
	kyoyu_inbox *sink; /* everything posted, the plugin's posts included */
	uint32_t state;    /* of the fake session */
	/* What the capture posted. */
	int pictures, periods;
	bool want_key;          /* the next picture begins a sharing period */
	bool bad_layout, bad_damage; /* reported once, not for every picture */
	uint32_t key_w, key_h;  /* of this period's key picture */
	uint32_t size_w, size_h; /* of this period's VIDEO_SIZE, or 0 */
	int video_sizes;
	uint64_t refused_base;  /* screen content refused when sharing stopped */
} stage_run;

static uint64_t refused_content(const stage_run *r)
{
	static const uint32_t types[] = {KYOYU_MSG_FRAME, KYOYU_MSG_CURSOR,
					 KYOYU_MSG_VIDEO_SIZE};
	uint64_t n = 0;

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		kyoyu_bus_type_stats st = {.size = sizeof(st)};
		kyoyu_bus_get_stats(r->bus, types[i], &st);
		n += st.refused;
	}
	return n;
}

/* ---- the fake session and peers ----------------------------------------- */

static void post(stage_run *r, kyoyu_msg *msg)
{
	if (!msg)
		check_fail(r->ck, "out of memory");
	else
		kyoyu_bus_post(r->bus, msg);
}

static void post_state(stage_run *r)
{
	kyoyu_msg *msg = kyoyu_msg_new(KYOYU_MSG_STATE);

	if (msg)
		msg->u.state = (kyoyu_state_info){.state = r->state, .role = r->role,
						  .reason = r->state == KYOYU_STATE_ENDED
								    ? KYOYU_END_LEFT : 0,
						  .now_us = kyoyu_now_us()};
	post(r, msg);
}

static void post_value(stage_run *r, uint32_t type, int64_t value, const char *text)
{
	kyoyu_msg *msg = kyoyu_msg_new((kyoyu_msg_type)type);

	if (msg) {
		msg->u.value = value;
		if (text && !(msg->buf = kyoyu_buffer_new_copy(text, strlen(text)))) {
			kyoyu_msg_unref(msg);
			msg = NULL;
		}
	}
	post(r, msg);
}

static void post_peer(stage_run *r, uint32_t event)
{
	static const char name[] = "kyoyu-plugin-check";
	kyoyu_msg *msg = kyoyu_msg_new(KYOYU_MSG_PEER);

	if (msg) {
		msg->u.peer = (kyoyu_peer_info){.event = event, .codec = KYOYU_CODEC_VP8};
		msg->buf = kyoyu_buffer_new_copy(name, sizeof(name) - 1);
	}
	post(r, msg);
}

/* What the sharing period needed, checked as it ends. */
static void end_period(stage_run *r)
{
	if (r->p->desc.kind != KYOYU_KIND_CAPTURE)
		return;
	if (r->want_key) {
		check_fail(r->ck, "no picture in the %s period of sharing: a capture posts a "
			   "complete picture flagged KYOYU_FRAME_KEY each time sharing starts",
			   r->periods == 1 ? "first" : "second");
		r->want_key = false;
	}
	if (r->size_w && (r->size_w != r->key_w || r->size_h != r->key_h))
		check_fail(r->ck, "VIDEO_SIZE said %ux%u, its pictures are %ux%u", r->size_w,
			   r->size_h, r->key_w, r->key_h);
	r->size_w = r->size_h = 0;
}

/* Moves the fake session to TO as the core's session does. */
static void move(stage_run *r, uint32_t to)
{
	uint32_t from = r->state;

	if (to == KYOYU_STATE_SHARING) {
		uint64_t refused = refused_content(r) - r->refused_base;
		if (refused > 1 && r->p->desc.kind == KYOYU_KIND_CAPTURE)
			check_fail(r->ck, "it posted %llu pictures or cursor messages while the "
				   "session was %s (the bus refused them): post nothing while "
				   "not sharing", (unsigned long long)refused,
				   r->periods ? kyoyu_state_name(from)
					      : "connecting and awaiting consent");
		/* On the sharer, content captured before this instant is refused. */
		int64_t since = r->role == KYOYU_ROLE_SHARER ? kyoyu_now_us() : INT64_MIN;
		kyoyu_bus_open_to(r->bus, KYOYU_MSG_SCREEN_CONTENT, since);
		r->state = to;
		post_state(r);
		kyoyu_bus_post_value(r->bus, KYOYU_MSG_KEYFRAME_REQUEST, 0);
		r->want_key = true;
		r->periods++;
		return;
	}
	if (from == KYOYU_STATE_SHARING) {
		kyoyu_bus_close_to(r->bus, KYOYU_MSG_SCREEN_CONTENT);
		r->refused_base = refused_content(r);
	}
	r->state = to;
	post_state(r);
}

/* What a UI of ROLE sees around a session, and pictures for one that shows
 * them.  INDEX counts the pictures. */
static void post_pictures(stage_run *r, int first, int count)
{
	if (r->p->desc.kind != KYOYU_KIND_UI || r->role != KYOYU_ROLE_VIEWER ||
	    !r->p->ops.stage.formats)
		return;
	for (int i = first; i < first + count; i++)
		post(r, check_picture_new(r->format, UI_W, UI_H, i, kyoyu_now_us()));
	kyoyu_msg *cursor = kyoyu_msg_new(KYOYU_MSG_CURSOR);
	if (cursor) {
		cursor->u.cursor = (kyoyu_cursor_info){.x = 10 + first, .y = 20, .visible = 1,
						       .serial = 1, .width = 8, .height = 8};
		if (!(cursor->buf = kyoyu_buffer_new(8 * 8 * 4))) {
			kyoyu_msg_unref(cursor);
			cursor = NULL;
		}
	}
	post(r, cursor);
}

static void post_ui_news(stage_run *r, uint32_t state)
{
	bool viewer = r->role == KYOYU_ROLE_VIEWER;

	if (r->p->desc.kind != KYOYU_KIND_UI)
		return;
	switch (state) {
	case KYOYU_STATE_CONNECTING:
		post_value(r, KYOYU_MSG_CODE, viewer ? KYOYU_CODE_ISSUED : KYOYU_CODE_NEEDED,
			   viewer ? "123-456-789" : NULL);
		post_peer(r, KYOYU_PEER_CONNECTED);
		if (!viewer) {
			kyoyu_msg *notice = kyoyu_msg_new(KYOYU_MSG_NOTICE);
			if (notice)
				notice->u.notice.kind = KYOYU_NOTICE_RECORDING;
			post(r, notice);
			/* Each question a UI may be asked. */
			post_value(r, KYOYU_MSG_CONSENT, KYOYU_CONSENT_ASK_RECORDED, NULL);
			post_value(r, KYOYU_MSG_CONSENT, KYOYU_CONSENT_ASK_UNRECORDED, NULL);
			post_value(r, KYOYU_MSG_CONSENT, KYOYU_CONSENT_ASK_RECORDING_OPTIONAL,
				   NULL);
		}
		break;
	case KYOYU_STATE_SHARING: {
		kyoyu_msg *size = kyoyu_msg_new(KYOYU_MSG_VIDEO_SIZE);
		if (size)
			size->u.size = (kyoyu_size_info){.width = UI_W, .height = UI_H};
		post(r, size);
		post_pictures(r, 0, 3);
		kyoyu_msg *pointer = kyoyu_msg_new(KYOYU_MSG_POINTER);
		if (pointer)
			pointer->u.pointer = (kyoyu_pointer_info){.x = 30, .y = 20, .visible = 1};
		post(r, pointer);
		kyoyu_msg *stats = kyoyu_msg_new(KYOYU_MSG_STATS);
		if (stats)
			stats->u.stats = (kyoyu_stats_info){.kbps = 300, .fps = 30, .rtt_ms = 20,
							    .bytes = 123456, .latency_us = 40000};
		post(r, stats);
		kyoyu_msg *warning = kyoyu_msg_new(KYOYU_MSG_NOTICE);
		if (warning)
			warning->u.notice = (kyoyu_notice_info){.kind = KYOYU_NOTICE_TIME_WARNING,
								.seconds = 60};
		post(r, warning);
		break;
	}
	case KYOYU_STATE_PAUSED:
		post_peer(r, KYOYU_PEER_LOST);
		post_peer(r, KYOYU_PEER_RESUMED);
		if (viewer) {
			post_value(r, KYOYU_MSG_CODE, KYOYU_CODE_EXPIRED, NULL);
			post_value(r, KYOYU_MSG_CODE, KYOYU_CODE_REFUSED,
				   "a customer is connected");
		}
		break;
	default:
		break;
	}
}

/* ---- what the plugin posts ------------------------------------------------ */

/* True when the rectangles of DAMAGE cover the whole W×H picture: each cell
 * between their edges is checked against every rectangle. */
static bool covers(const kyoyu_region *damage, int32_t w, int32_t h)
{
	int32_t xs[2 * KYOYU_REGION_MAX_RECTS + 2], ys[2 * KYOYU_REGION_MAX_RECTS + 2];
	size_t nx = 0, ny = 0;

	xs[nx++] = 0;
	xs[nx++] = w;
	ys[ny++] = 0;
	ys[ny++] = h;
	for (uint32_t i = 0; i < damage->n && i < KYOYU_REGION_MAX_RECTS; i++) {
		const kyoyu_rect *rc = &damage->rects[i];
		xs[nx++] = rc->x;
		xs[nx++] = rc->x + rc->w;
		ys[ny++] = rc->y;
		ys[ny++] = rc->y + rc->h;
	}
	for (size_t i = 0; i < nx; i++)
		for (size_t j = 0; j < ny; j++) {
			int32_t x = xs[i], y = ys[j];
			if (x < 0 || y < 0 || x >= w || y >= h)
				continue;
			bool in = false;
			for (uint32_t k = 0; k < damage->n && !in; k++) {
				const kyoyu_rect *rc = &damage->rects[k];
				in = x >= rc->x && x < rc->x + rc->w && y >= rc->y &&
				     y < rc->y + rc->h;
			}
			if (!in)
				return false;
		}
	return true;
}

/* The picture's planes lie inside its buffer, with rows at least as long as
 * the format needs. */
static bool layout_fits(stage_run *r, const kyoyu_msg *msg)
{
	const kyoyu_frame_info *info = &msg->u.frame;
	kyoyu_frame_info tight;
	size_t bytes = kyoyu_frame_layout(&tight, (kyoyu_pixfmt)info->format, info->width,
					  info->height);
	size_t size = msg->buf ? kyoyu_buffer_size(msg->buf) : 0;
	int planes = info->format == KYOYU_PIXFMT_BGRX ? 1 : 3;

	if (!bytes)
		return check_fail(r->ck, "a picture of %ux%u: each side must be 1 to 16384",
				  info->width, info->height);
	if (!msg->buf)
		return check_fail(r->ck, "a picture without a buffer");
	for (int i = 0; i < planes; i++) {
		size_t end = i + 1 < planes ? tight.offset[i + 1] : bytes;
		size_t rows = (end - tight.offset[i]) / tight.stride[i];
		size_t need = (size_t)info->offset[i] + (size_t)info->stride[i] * (rows - 1) +
			      tight.stride[i];
		if (info->stride[i] < tight.stride[i])
			return check_fail(r->ck, "plane %d of a %ux%u %s picture has rows of %u "
					  "bytes, fewer than the %u its width needs", i,
					  info->width, info->height,
					  check_format_name(info->format), info->stride[i],
					  tight.stride[i]);
		if (need > size)
			return check_fail(r->ck, "plane %d of a %ux%u %s picture ends at byte "
					  "%zu of a %zu-byte buffer", i, info->width,
					  info->height, check_format_name(info->format), need,
					  size);
	}
	if (info->format == KYOYU_PIXFMT_BGRX && (info->stride[0] % 4 || info->offset[0] % 4))
		return check_fail(r->ck, "a BGRX picture's rows must begin on whole pixels: "
				  "stride %u, offset %u", info->stride[0], info->offset[0]);
	return true;
}

static bool damage_inside(stage_run *r, const kyoyu_frame_info *info)
{
	const kyoyu_region *d = &info->damage;

	if (r->bad_damage)
		return false;
	if (d->n == 0)
		return check_fail(r->ck, "a picture with no damage: post a picture only when "
				  "something changed, with rectangles that cover it");
	if (d->n > KYOYU_REGION_MAX_RECTS)
		return check_fail(r->ck, "a picture with %u damage rectangles; a region holds "
				  "%d (kyoyu_region_add merges)", d->n, KYOYU_REGION_MAX_RECTS);
	for (uint32_t i = 0; i < d->n; i++) {
		kyoyu_rect rc = d->rects[i];
		if (rc.w <= 0 || rc.h <= 0 || rc.x < 0 || rc.y < 0 ||
		    rc.x > (int32_t)info->width - rc.w || rc.y > (int32_t)info->height - rc.h)
			return check_fail(r->ck, "damage %d,%d %dx%d lies outside its %ux%u "
					  "picture (kyoyu_region_clip keeps it inside)", rc.x,
					  rc.y, rc.w, rc.h, info->width, info->height);
	}
	return true;
}

static void inspect_picture(stage_run *r, const kyoyu_msg *msg)
{
	const kyoyu_frame_info *info = &msg->u.frame;
	const char *began = r->periods == 1 ? "started" : "resumed";
	bool key = r->want_key;

	r->pictures++;
	r->want_key = false;
	if (!r->bad_layout && info->format != r->format) {
		r->bad_layout = true;
		check_fail(r->ck, "a %s picture; the core chose %s frames "
			   "(kyoyu_host.frame_format)", check_format_name(info->format),
			   check_format_name(r->format));
	}
	if (!r->bad_layout && !layout_fits(r, msg))
		r->bad_layout = true;
	bool inside = !r->bad_layout && damage_inside(r, info);
	if (!r->bad_layout && !inside)
		r->bad_damage = true;
	if (!key)
		return;
	r->key_w = info->width;
	r->key_h = info->height;
	if (!(info->flags & KYOYU_FRAME_KEY))
		check_fail(r->ck, "the first picture after sharing %s is not flagged "
			   "KYOYU_FRAME_KEY", began);
	else if (inside && !covers(&info->damage, (int32_t)info->width, (int32_t)info->height))
		check_fail(r->ck, "the key picture after sharing %s has damage that does not "
			   "cover all of it (kyoyu_region_set_full)", began);
}

static void inspect(stage_run *r, const kyoyu_msg *msg)
{
	if (r->p->desc.kind != KYOYU_KIND_CAPTURE)
		return;
	switch (msg->type) {
	case KYOYU_MSG_FRAME:
		inspect_picture(r, msg);
		break;
	case KYOYU_MSG_VIDEO_SIZE:
		r->video_sizes++;
		r->size_w = msg->u.size.width;
		r->size_h = msg->u.size.height;
		break;
	case KYOYU_MSG_CURSOR: {
		const kyoyu_cursor_info *c = &msg->u.cursor;
		size_t need = (size_t)c->width * c->height * 4;
		if (msg->buf && (c->width == 0 || c->height == 0 || c->width > 1024 ||
				 c->height > 1024 || kyoyu_buffer_size(msg->buf) < need))
			check_fail(r->ck, "a %ux%u cursor shape in %zu bytes: a shape is 1 to 1024 "
				   "pixels a side, 4 bytes a pixel", c->width, c->height,
				   kyoyu_buffer_size(msg->buf));
		break;
	}
	default:
		break;
	}
}

/* Reads what was posted for DURATION_US, or until a capture's picture
 * arrives when UNTIL_PICTURE. */
static void watch(stage_run *r, int64_t duration_us, bool until_picture)
{
	int64_t until = kyoyu_now_us() + duration_us;

	for (int64_t now = kyoyu_now_us(); now < until; now = kyoyu_now_us()) {
		kyoyu_msg *msg;
		int wait = (int)((until - now + 999) / 1000);
		if (kyoyu_inbox_pop(r->sink, &msg, wait < 20 ? wait : 20) != 0)
			continue;
		bool picture = msg->type == KYOYU_MSG_FRAME;
		inspect(r, msg);
		kyoyu_msg_unref(msg);
		if (picture && until_picture)
			return;
	}
}

/* ---- one run ---------------------------------------------------------------- */

/* True when more threads want the CPUs than twice their number (the load
 * average of the last minute): a stage may then be starved for seconds
 * and miss the 3 s through no fault of its own, as under `make -j check`
 * beside other work.  *LOAD is set to the load average. */
static bool linger_overloaded(double *load)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	if (getloadavg(load, 1) != 1) {
		*load = 0;
		return false;
	}
	return *load > 2.0 * (double)(cpus > 0 ? cpus : 1);
}

/* Waits for run() to return after the session ended: within LINGER_MS, or
 * on an overloaded machine within OVERLOAD_GRACE_MS, said in a note. */
static void linger(checker *ck, kyoyu_stage *stage)
{
	int64_t ended_us = kyoyu_now_us();
	double load;

	if (kyoyu_stage_wait(stage, LINGER_MS))
		return;
	if (!linger_overloaded(&load)) {
		check_fail(ck, "run() did not return within %d ms of the session's end: when "
			   "the state becomes ENDED, finish and return", LINGER_MS);
		return;
	}
	if (!kyoyu_stage_wait(stage, OVERLOAD_GRACE_MS)) {
		check_fail(ck, "run() did not return within %d ms of the session's end (the "
			   "agent waits %d ms): when the state becomes ENDED, finish and "
			   "return", LINGER_MS + OVERLOAD_GRACE_MS, LINGER_MS);
		return;
	}
	check_note(ck, "run() returned %lld ms after the session's end, later than the "
		   "%d ms the agent waits; not failed, as this machine is overloaded "
		   "(load average %.1f): check again when it is quieter",
		   (long long)((kyoyu_now_us() - ended_us) / 1000), LINGER_MS, load);
}

static int run_plugin(void *ctx, kyoyu_stage *stage)
{
	kyoyu_instance *inst = ctx;
	return inst->plugin->ops.stage.run(inst->priv, stage);
}

/* Connecting, awaiting consent, sharing, paused, sharing, ended. */
static void session(stage_run *r)
{
	bool capture = r->p->desc.kind == KYOYU_KIND_CAPTURE;

	move(r, KYOYU_STATE_CONNECTING);
	post_ui_news(r, KYOYU_STATE_CONNECTING);
	watch(r, WATCH_US / 2, false);
	move(r, KYOYU_STATE_AWAITING_CONSENT);
	watch(r, WATCH_US / 2, false);
	for (int period = 0; period < 2; period++) {
		move(r, KYOYU_STATE_SHARING);
		post_ui_news(r, KYOYU_STATE_SHARING);
		if (capture)
			watch(r, FIRST_PICTURE_US, true);
		watch(r, WATCH_US, false);
		end_period(r);
		if (period == 0) {
			move(r, KYOYU_STATE_PAUSED);
			post_ui_news(r, KYOYU_STATE_PAUSED);
			watch(r, WATCH_US, false);
		}
	}
	move(r, KYOYU_STATE_ENDED);
	watch(r, WATCH_US / 10, false);
}

typedef struct stage_case_args {
	uint32_t role, format;
} stage_case_args;

static void stage_case(checker *ck, void *arg)
{
	uint32_t role = ((const stage_case_args *)arg)->role;
	uint32_t format = ((const stage_case_args *)arg)->format;
	const kyoyu_plugin *p = ck->plugin;
	const char *role_name = check_role_name(role);
	stage_run r = {.ck = ck, .p = p, .role = role, .format = format,
		       .state = KYOYU_STATE_IDLE};
	kyoyu_clock *clock = kyoyu_clock_new(1.0);
	kyoyu_instance *inst = NULL;
	kyoyu_stage *stage = NULL;
	static const uint32_t sharer_codecs[] = {KYOYU_CODEC_VP8, KYOYU_CODEC_NONE};
	static const uint32_t viewer_codecs[] = {KYOYU_CODEC_VP8, KYOYU_CODEC_VP9,
						 KYOYU_CODEC_H264, KYOYU_CODEC_NONE};

	check_begin(ck, "%s as %s with %s frames: life cycle%s", kyoyu_kind_name(p->desc.kind),
		    role_name, check_format_name(format),
		    p->desc.kind == KYOYU_KIND_CAPTURE ? "; pictures, key frames, nothing "
		    "while not sharing" : p->desc.kind == KYOYU_KIND_UI ? "; every state and "
		    "message a UI reads" : " without a peer");
	r.bus = kyoyu_bus_new();
	r.sink = r.bus ? kyoyu_bus_subscribe(r.bus, "sink", ~UINT64_C(0), 0) : NULL;
	if (!clock || !r.sink) {
		check_fail(ck, "out of memory");
		goto out;
	}
	/* Nothing on screen may travel before the session is sharing. */
	kyoyu_bus_close_to(r.bus, KYOYU_MSG_SCREEN_CONTENT);
	if (check_instantiate(ck, p, role, r.bus, clock,
			      role == KYOYU_ROLE_SHARER ? sharer_codecs : viewer_codecs,
			      &inst) != KYOYU_OK)
		goto out;
	/* Chosen after every plugin's init, before any start(). */
	inst->host.frame_format = format;
	stage = kyoyu_stage_new(r.bus, inst->label);
	if (!stage) {
		check_fail(ck, "out of memory");
		goto out_fini;
	}
	int ret = p->ops.stage.start(inst->priv, stage);
	if (ret) {
		check_fail(ck, "start() failed: %s (a plugin that cannot work here answers "
			   "KYOYU_SKIP from init)", strerror(-ret));
		goto out_fini;
	}
	if ((ret = kyoyu_stage_start(stage, run_plugin, inst))) {
		check_fail(ck, "no thread for the stage: %s", strerror(-ret));
		goto out_stop;
	}
	session(&r);
	linger(ck, stage);
	kyoyu_stage_request_stop(stage);
	ret = kyoyu_stage_join(stage);
	if (ret > 0)
		check_fail(ck, "run() returned %d, neither 0 nor a negative errno", ret);
	else if (ret < 0)
		check_fail(ck, "run() failed: %s (the session would end with reason "
			   "\"error\")", strerror(-ret));
	if (p->desc.kind == KYOYU_KIND_CAPTURE && check_ok(ck))
		check_note(ck, "%d pictures, a key picture at each of the 2 starts of sharing, "
			   "%d VIDEO_SIZE messages", r.pictures, r.video_sizes);
out_stop:
	if (p->ops.stage.stop)
		p->ops.stage.stop(inst->priv);
out_fini:
	kyoyu_stage_free(stage);
	kyoyu_instance_free(inst);
out:
	check_end(ck);
	kyoyu_inbox_free(r.sink);
	kyoyu_bus_free(r.bus);
	kyoyu_clock_free(clock);
}

void check_stage(checker *ck)
{
	static const uint32_t bgrx[] = {KYOYU_PIXFMT_BGRX, KYOYU_PIXFMT_NONE};
	const kyoyu_plugin *p = ck->plugin;
	/* A transport, or a UI that reads no frames, on a sharer capturing BGRX. */
	const uint32_t *formats = p->ops.stage.formats ? p->ops.stage.formats : bgrx;

	for (uint32_t role = KYOYU_ROLE_SHARER; role <= KYOYU_ROLE_VIEWER; role++) {
		/* The agent runs a capture on the sharer only. */
		if (p->desc.kind == KYOYU_KIND_CAPTURE && role != KYOYU_ROLE_SHARER)
			continue;
		for (const uint32_t *f = formats; *f != KYOYU_PIXFMT_NONE; f++) {
			stage_case_args args = {role, *f};
			check_in_child(ck, stage_case, &args);
		}
	}
}
