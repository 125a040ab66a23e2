/* SPDX-License-Identifier: MIT */
/* The pipeline: plugin instances for every slot, the core's stages, and the
 * order in which they start, run and stop. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define KYOYU_LOG_COMPONENT "core"
#include <kyoyu/plugin.h>

#include "bus-priv.h"
#include "codec-auto.h"
#include "codecs.h"
#include "ctl.h"
#include "decode-stage.h"
#include "encode-stage.h"
#include "history.h"
#include "i18n.h"
#include "instance.h"
#include "os.h"
#include "pipeline.h"
#include "slots.h"
#include "stage-priv.h"
#include "thread-owner.h"
#include "util.h"

#define MAX_INSTANCES 16
#define MAX_STAGES 16
/* How long stages may take to finish on their own once the session ended
 * (the transport says goodbye, the recorder closes its file). */
#define LINGER_MS 3000
/* How often the console looks whether its window was closed. */
#define CONSOLE_CHECK_MS 200

typedef struct stage_entry {
	kyoyu_stage *stage;
	kyoyu_instance *instance; /* NULL for the core's own stages */
	kyoyu_stage_fn fn;
	void *ctx;
	bool plugin_started; /* the plugin's start() succeeded */
	bool started;        /* its thread runs */
} stage_entry;

struct kyoyu_pipeline {
	kyoyu_owner owner; /* the main thread: it starts and stops everything */
	uint32_t role;
	kyoyu_loader *loader;
	kyoyu_settings *settings;
	kyoyu_bus *bus;
	kyoyu_clock *clock;
	kyoyu_host host;
	uint32_t codecs[8];
	char codec_name[32]; /* codec.format, on the sharer */
	bool codec_auto;     /* codec.format = "auto" */

	kyoyu_instance *instances[MAX_INSTANCES];
	size_t n_instances;
	kyoyu_instance *policy, *capture, *transport, *record;
	kyoyu_instance *decoders[MAX_INSTANCES + 1];
	size_t n_decoders;
	kyoyu_instance *encoder;
	kyoyu_instance *cheap_encoder; /* codec.format = "auto", or NULL */
	kyoyu_instance *uis[MAX_INSTANCES];
	size_t n_uis;

	kyoyu_session *session;
	kyoyu_history *history; /* the sessions this agent ran */
	kyoyu_ctl *ctl; /* NULL when there is no control socket */
	kyoyu_encode_stage *encode;
	kyoyu_decode_stage *decode;
	kyoyu_encode_settings encode_settings;
	stage_entry stages[MAX_STAGES];
	size_t n_stages;
};

static bool codec_listed(const uint32_t *list, uint32_t codec)
{
	for (; list && *list; list++)
		if (*list == codec)
			return true;
	return false;
}

static bool format_listed(const uint32_t *list, uint32_t format)
{
	for (; list && *list != KYOYU_PIXFMT_NONE; list++)
		if (*list == format)
			return true;
	return false;
}

/* "i420, bgrx" into BUF, for messages. */
static const char *format_list_text(const uint32_t *list, char *buf, size_t len)
{
	buf[0] = '\0';
	for (const uint32_t *f = list; f && *f != KYOYU_PIXFMT_NONE; f++)
		snprintf(buf + strlen(buf), len - strlen(buf), "%s%s", f == list ? "" : ", ",
			 kyoyu_pixfmt_name(*f));
	return buf[0] ? buf : "none";
}

/* Creates an instance of the plugin NAME for SLOT.  Returns KYOYU_OK,
 * KYOYU_SKIP (also for a default plugin that is not installed) or an error. */
static int instantiate(kyoyu_pipeline *pl, const kyoyu_slot *slot, const char *name,
		       bool configured, bool (*accept)(kyoyu_pipeline *, const kyoyu_plugin *),
		       kyoyu_instance **out, char *err, size_t errlen)
{
	kyoyu_plugin *plugin;

	*out = NULL;
	int ret = kyoyu_loader_find(pl->loader, slot->kind, name, &plugin, err, errlen);
	if (ret) {
		if (configured)
			return ret;
		kyoyu_debug("default %s plugin \"%s\" is not available: %s",
			    slot->group, name, err);
		return KYOYU_SKIP;
	}
	if (accept && !accept(pl, plugin))
		return KYOYU_SKIP;
	if (pl->n_instances == MAX_INSTANCES) {
		seterr(err, errlen, "too many plugin instances");
		return -E2BIG;
	}
	ret = kyoyu_instance_new(plugin, &pl->host, pl->settings, slot->group, out,
				 err, errlen);
	if (ret == KYOYU_OK)
		pl->instances[pl->n_instances++] = *out;
	return ret;
}

/* Fills SLOT for this role: the first plugin that applies, or every one
 * that applies for a slot marked `all`.  OUT receives up to MAX. */
static int fill_slot(kyoyu_pipeline *pl, const char *group,
		     bool (*accept)(kyoyu_pipeline *, const kyoyu_plugin *),
		     kyoyu_instance **out, size_t max, size_t *count, char *err,
		     size_t errlen)
{
	const kyoyu_slot *slot = kyoyu_slot_find(group);
	char **names;
	bool configured;
	size_t n = 0;

	int ret = kyoyu_slot_plugins(slot, pl->settings, pl->role, &names, &configured,
				     err, errlen);
	if (ret)
		return ret;
	for (char **name = names; *name && n < max; name++) {
		if (strcmp(*name, "none") == 0)
			break;
		kyoyu_instance *inst;
		ret = instantiate(pl, slot, *name, configured, accept, &inst, err, errlen);
		if (ret < 0)
			break;
		ret = 0;
		if (inst) {
			out[n++] = inst;
			if (!slot->all)
				break;
		}
	}
	if (ret == 0 && n == 0 && !slot->optional) {
		char list[256] = "";
		for (char **name = names; *name; name++)
			snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
				 name == names ? "" : ", ", *name);
		seterr(err, errlen, "no %s plugin applies here (tried: %s); kyoyu-agent -v "
		       "says why each stepped aside, --list-plugins what there is",
		       group, list);
		ret = -ENOENT;
	}
	kyoyu_strv_free(names);
	if (count)
		*count = n;
	return ret;
}

/* A codec plugin that encodes the codec named in codec.format: the first
 * one in the slot's list that does decides the FourCC. */
static bool encodes_format(kyoyu_pipeline *pl, const kyoyu_plugin *p)
{
	const kyoyu_codec_desc *d = kyoyu_codec_list_find(p->ops.codec.encodes,
							  pl->codec_name);
	if (d)
		pl->encode_settings.codec = d->fourcc;
	return d != NULL;
}

/* With codec.format = "auto": a codec plugin that encodes the cheaper
 * codec the sharer may go over to. */
static bool encodes_cheap(kyoyu_pipeline *pl, const kyoyu_plugin *p)
{
	const kyoyu_codec_desc *d = kyoyu_codec_list_find(p->ops.codec.encodes,
							  KYOYU_CODEC_AUTO_CHEAP);
	if (d)
		pl->encode_settings.cheap_codec = d->fourcc;
	return d != NULL;
}

static bool decodes_any(kyoyu_pipeline *pl, const kyoyu_plugin *p)
{
	return p->ops.codec.decodes && p->ops.codec.decodes[0].fourcc;
}

static int read_codec_settings(kyoyu_pipeline *pl, char *err, size_t errlen)
{
	const char *format = kyoyu_settings_string(pl->settings, "codec", "format",
						   "vp9", err, errlen);
	int64_t kbps = 1500, fps = 30, topoff = 300;

	if (!format)
		return -EINVAL;
	pl->codec_auto = strcmp(format, KYOYU_CODEC_AUTO) == 0;
	snprintf(pl->codec_name, sizeof(pl->codec_name), "%s", kyoyu_codec_auto_first(format));
	if (kyoyu_settings_int(pl->settings, "codec", "bitrate_kbps", KYOYU_BITRATE_KBPS_MIN,
			       KYOYU_BITRATE_KBPS_MAX, &kbps, err, errlen) ||
	    kyoyu_settings_int(pl->settings, "codec", "max_fps", KYOYU_MAX_FPS_MIN,
			       KYOYU_MAX_FPS_MAX, &fps, err, errlen) ||
	    kyoyu_settings_int(pl->settings, "codec", "topoff_ms", KYOYU_TOPOFF_MS_MIN,
			       KYOYU_TOPOFF_MS_MAX, &topoff, err, errlen))
		return -EINVAL;
	pl->encode_settings.bitrate_kbps = (uint32_t)kbps;
	pl->encode_settings.max_fps = (uint32_t)fps;
	pl->encode_settings.topoff_ms = (uint32_t)topoff;
	return 0;
}

static int add_stage(kyoyu_pipeline *pl, const char *name, kyoyu_instance *inst,
		     kyoyu_stage_fn fn, void *ctx)
{
	if (pl->n_stages == MAX_STAGES)
		return -E2BIG;
	kyoyu_stage *stage = kyoyu_stage_new(pl->bus, name);
	if (!stage)
		return -ENOMEM;
	pl->stages[pl->n_stages++] = (stage_entry){stage, inst, fn, ctx, false, false};
	return 0;
}

static int plugin_stage_fn(void *ctx, kyoyu_stage *stage)
{
	kyoyu_instance *inst = ctx;
	int ret = inst->plugin->ops.stage.run(inst->priv, stage);

	if (ret < 0 && !kyoyu_stage_stopping(stage)) {
		kyoyu_error("%s stopped with an error: %s", inst->label, strerror(-ret));
		kyoyu_bus_post_value(kyoyu_stage_bus(stage), KYOYU_MSG_ERROR, ret);
	}
	return ret;
}

/* The capture's first format that the encoder takes: what the capture
 * posts and the encoder is opened for. */
static int choose_capture_format(kyoyu_pipeline *pl, char *err, size_t errlen)
{
	const uint32_t *posts = pl->capture->plugin->ops.stage.formats;
	const uint32_t *takes = pl->encoder->plugin->ops.codec.encoder_formats;
	char a[64], b[64];

	for (const uint32_t *f = posts; f && *f != KYOYU_PIXFMT_NONE; f++) {
		if (format_listed(takes, *f)) {
			pl->host.frame_format = *f;
			pl->encode_settings.format = *f;
			kyoyu_debug("frames: %s (%s posts %s; %s takes %s)",
				    kyoyu_pixfmt_name(*f), pl->capture->label,
				    format_list_text(posts, a, sizeof(a)), pl->encoder->label,
				    format_list_text(takes, b, sizeof(b)));
			return 0;
		}
	}
	seterr(err, errlen, "%s posts %s pictures, and %s takes only %s: no pixel "
	       "format both handle", pl->capture->label, format_list_text(posts, a, sizeof(a)),
	       pl->encoder->label, format_list_text(takes, b, sizeof(b)));
	return -EINVAL;
}

/* A format every decoder gives and every UI that shows pictures takes, in
 * the order of the first such UI (it knows what it draws cheapest: an I420
 * texture on a GPU renderer), else of the first decoder. */
static int choose_decoder_format(kyoyu_pipeline *pl, size_t n_decoders, char *err,
				 size_t errlen)
{
	const uint32_t *first = pl->decoders[0]->plugin->ops.codec.decoder_formats;
	const uint32_t *order = first;
	char a[64], b[64];

	for (size_t i = 0; i < pl->n_uis; i++) {
		if (pl->uis[i]->plugin->ops.stage.formats) {
			order = pl->uis[i]->plugin->ops.stage.formats;
			break;
		}
	}
	for (const uint32_t *f = order; *f != KYOYU_PIXFMT_NONE; f++) {
		bool all = true;
		for (size_t i = 0; i < n_decoders && all; i++)
			all = format_listed(pl->decoders[i]->plugin->ops.codec.decoder_formats, *f);
		for (size_t i = 0; i < pl->n_uis && all; i++) {
			const uint32_t *shows = pl->uis[i]->plugin->ops.stage.formats;
			all = !shows || format_listed(shows, *f);
		}
		if (all) {
			pl->host.frame_format = *f;
			return 0;
		}
	}
	for (size_t i = 0; i < pl->n_uis; i++) {
		const uint32_t *shows = pl->uis[i]->plugin->ops.stage.formats;
		if (shows) {
			seterr(err, errlen, "%s shows only %s pictures, and %s gives %s: "
			       "no pixel format every decoder and window handle",
			       pl->uis[i]->label, format_list_text(shows, a, sizeof(a)),
			       pl->decoders[0]->label, format_list_text(first, b, sizeof(b)));
			return -EINVAL;
		}
	}
	seterr(err, errlen, "the decoders (%s first) give no pixel format in common",
	       pl->decoders[0]->label);
	return -EINVAL;
}

/* Puts the person's words before the engineer's details in ERR. */
static void say_first(char *err, size_t errlen, const char *words)
{
	char details[1024];

	snprintf(details, sizeof(details), "%s", err);
	seterr(err, errlen, "%s\n(%s)", words, details);
}

/* No real screen to capture: the sharer refuses rather than share anything
 * else, before it connects, so nothing leaves the machine. */
static int refuse_without_screen(char *err, size_t errlen, int ret)
{
	say_first(err, errlen,
		  _("kyoyu cannot see your screen, so nothing is shared. Start kyoyu "
		    "from your desktop and try again. If this message comes back, tell "
		    "the support person."));
	return ret;
}

/* codec.format = "auto": the encoder of the cheaper codec, offered to the
 * viewer second.  Without one (codec/x264 not built, or not listed) the
 * sharer keeps to the first codec, as with codec.format naming it. */
static int add_cheap_encoder(kyoyu_pipeline *pl, char *err, size_t errlen)
{
	size_t n;
	int ret = fill_slot(pl, "codec", encodes_cheap, &pl->cheap_encoder, 1, &n, err,
			    errlen);

	if (ret == -ENOENT) {
		kyoyu_info("codec.format \"auto\": no codec plugin listed encodes %s, so the "
			   "video stays %s however slow this PC is", KYOYU_CODEC_AUTO_CHEAP,
			   pl->codec_name);
		pl->encode_settings.cheap_codec = 0;
		return 0;
	}
	if (ret)
		return ret;
	if (!format_listed(pl->cheap_encoder->plugin->ops.codec.encoder_formats,
			   pl->encode_settings.format)) {
		kyoyu_info("codec.format \"auto\": %s does not take %s pictures, so the video "
			   "stays %s", pl->cheap_encoder->label,
			   kyoyu_pixfmt_name(pl->encode_settings.format), pl->codec_name);
		pl->cheap_encoder = NULL;
		pl->encode_settings.cheap_codec = 0;
		return 0;
	}
	pl->codecs[1] = pl->encode_settings.cheap_codec;
	return 0;
}

static int build_sharer(kyoyu_pipeline *pl, char *err, size_t errlen)
{
	size_t n;
	int ret = read_codec_settings(pl, err, errlen);

	if (ret)
		return ret;
	pl->host.bitrate_kbps = pl->encode_settings.bitrate_kbps;
	ret = fill_slot(pl, "codec", encodes_format, &pl->encoder, 1, &n, err, errlen);
	if (ret == -ENOENT)
		seterr(err, errlen, "codec.format \"%s\": no codec plugin here encodes it "
		       "(kyoyu-agent --list-plugins shows what each one encodes)",
		       pl->codec_name);
	if (ret)
		return ret;
	pl->codecs[0] = pl->encode_settings.codec;
	if ((ret = fill_slot(pl, "capture", NULL, &pl->capture, 1, &n, err, errlen)))
		return refuse_without_screen(err, errlen, ret);
	if ((ret = choose_capture_format(pl, err, errlen)))
		return ret;
	if (pl->codec_auto && (ret = add_cheap_encoder(pl, err, errlen)))
		return ret;
	pl->encode = kyoyu_encode_stage_new(pl->encoder, pl->cheap_encoder,
					    &pl->encode_settings);
	if (!pl->encode)
		return -ENOMEM;
	return 0;
}

static int build_viewer(kyoyu_pipeline *pl, char *err, size_t errlen)
{
	size_t n, k = 0;
	int ret = fill_slot(pl, "codec", decodes_any, pl->decoders, MAX_INSTANCES, &n,
			    err, errlen);

	/* Every listed decoder is wanted, not only the first. */
	if (ret == 0) {
		char **names;
		bool configured;
		const kyoyu_slot *slot = kyoyu_slot_find("codec");
		ret = kyoyu_slot_plugins(slot, pl->settings, pl->role, &names,
					 &configured, err, errlen);
		for (char **name = names; ret == 0 && names && *name; name++) {
			kyoyu_instance *inst;
			bool have = false;
			for (size_t i = 0; i < n; i++)
				have |= strcmp(pl->decoders[i]->plugin->desc.name, *name) == 0;
			if (have || strcmp(*name, "none") == 0)
				continue;
			ret = instantiate(pl, slot, *name, configured, decodes_any, &inst,
					  err, errlen);
			if (ret >= 0 && inst && n < MAX_INSTANCES)
				pl->decoders[n++] = inst;
			ret = ret < 0 ? ret : 0;
		}
		kyoyu_strv_free(names);
	}
	if (ret)
		return ret;
	for (size_t i = 0; i < n; i++)
		for (const kyoyu_codec_desc *c = pl->decoders[i]->plugin->ops.codec.decodes;
		     c->fourcc && k + 1 < sizeof(pl->codecs) / sizeof(pl->codecs[0]); c++)
			if (!codec_listed(pl->codecs, c->fourcc))
				pl->codecs[k++] = c->fourcc;
	pl->n_decoders = n;
	return 0;
}

/* On the viewer, a UI that shows pictures (a window) was listed but none
 * started: the operator would see nothing of the customer's screen, so the
 * viewer says so and stops instead of handing out a code. */
static int check_window(kyoyu_pipeline *pl, char *err, size_t errlen)
{
	const kyoyu_slot *slot = kyoyu_slot_find("ui");
	char **names;
	bool configured, asked = false;

	for (size_t i = 0; i < pl->n_uis; i++)
		if (pl->uis[i]->plugin->ops.stage.formats)
			return 0;
	int ret = kyoyu_slot_plugins(slot, pl->settings, pl->role, &names, &configured,
				     err, errlen);
	if (ret)
		return ret;
	for (char **name = names; *name && !asked; name++) {
		kyoyu_plugin *p;
		char why[1024];
		asked = kyoyu_loader_find(pl->loader, slot->kind, *name, &p, why,
					  sizeof(why)) == 0 &&
			p->ops.stage.formats;
		if (asked)
			seterr(err, errlen, "ui/%s does not apply here (see the log above)",
			       *name);
	}
	kyoyu_strv_free(names);
	if (!asked)
		return 0;
	say_first(err, errlen,
		  _("The window that shows the customer's screen cannot open: no display "
		    "was found. Start kyoyu from your desktop and try again."));
	return -ENODEV;
}

static int build_stages(kyoyu_pipeline *pl)
{
	int ret = add_stage(pl, "session", NULL, kyoyu_session_run, pl->session);

	/* Subscribed now, not when its thread gets going: a transport may
	 * announce its peer the moment it runs. */
	if (ret == 0)
		kyoyu_inbox_set_mask(kyoyu_stage_inbox(pl->stages[0].stage),
				     KYOYU_SESSION_MASK);

	if (ret == 0 && pl->ctl)
		ret = add_stage(pl, "ctl", NULL, kyoyu_ctl_run, pl->ctl);

	for (size_t i = 0; ret == 0 && i < pl->n_uis; i++)
		ret = add_stage(pl, pl->uis[i]->label, pl->uis[i], plugin_stage_fn,
				pl->uis[i]);
	/* The core's stages subscribe now too: a capture posts its first
	 * picture, a transport its first packet, the moment sharing starts. */
	if (ret == 0 && pl->encode && (ret = add_stage(pl, "encode", NULL,
						       kyoyu_encode_stage_run, pl->encode)) == 0)
		kyoyu_inbox_set_mask(kyoyu_stage_inbox(pl->stages[pl->n_stages - 1].stage),
				     KYOYU_ENCODE_STAGE_MASK);
	if (ret == 0 && pl->decode && (ret = add_stage(pl, "decode", NULL,
						       kyoyu_decode_stage_run, pl->decode)) == 0)
		kyoyu_inbox_set_mask(kyoyu_stage_inbox(pl->stages[pl->n_stages - 1].stage),
				     KYOYU_DECODE_STAGE_MASK);
	if (ret == 0 && pl->record)
		ret = add_stage(pl, pl->record->label, pl->record, plugin_stage_fn,
				pl->record);
	if (ret == 0 && pl->capture)
		ret = add_stage(pl, pl->capture->label, pl->capture, plugin_stage_fn,
				pl->capture);
	if (ret == 0)
		ret = add_stage(pl, pl->transport->label, pl->transport,
				plugin_stage_fn, pl->transport);
	return ret;
}

static int build(kyoyu_pipeline *pl, char *err, size_t errlen)
{
	size_t n;
	int ret;

	bool record = false, required = true, once = false;
	if (kyoyu_settings_bool(pl->settings, "record", "enabled", &record, err, errlen) ||
	    kyoyu_settings_bool(pl->settings, "record", "required", &required, err, errlen) ||
	    kyoyu_settings_bool(pl->settings, "session", "once", &once, err, errlen))
		return -EINVAL;
	pl->host.recording = record;
	/* The operator's window stays up between customers unless a script
	 * asked for one session (session.once, -t). */
	pl->host.console = pl->role == KYOYU_ROLE_VIEWER && !once;
	/* Only the viewer records what it receives; a sharer's own file is
	 * its own business. */
	pl->host.recording_optional = record && !required && pl->role == KYOYU_ROLE_VIEWER;
	if ((ret = fill_slot(pl, "session", NULL, &pl->policy, 1, &n, err, errlen)))
		return ret;
	ret = pl->role == KYOYU_ROLE_SHARER ? build_sharer(pl, err, errlen)
					    : build_viewer(pl, err, errlen);
	if (ret)
		return ret;
	if ((ret = fill_slot(pl, "transport", NULL, &pl->transport, 1, &n, err, errlen)))
		return ret;
	if (record && (ret = fill_slot(pl, "record", NULL, &pl->record, 1, &n, err,
				       errlen)))
		return ret;
	if (record && !pl->record) {
		seterr(err, errlen, "record.enabled is true but no record plugin applies");
		return -ENOENT;
	}
	if ((ret = fill_slot(pl, "ui", NULL, pl->uis, MAX_INSTANCES, &pl->n_uis, err,
			     errlen)))
		return ret;
	if (pl->role == KYOYU_ROLE_VIEWER) {
		if ((ret = check_window(pl, err, errlen)) ||
		    (ret = choose_decoder_format(pl, pl->n_decoders, err, errlen)))
			return ret;
		pl->decode = kyoyu_decode_stage_new(pl->decoders, pl->host.frame_format);
		if (!pl->decode)
			return -ENOMEM;
	}
	/* Instances keep a copy of the host: give them the format chosen
	 * after they were made, before any start(). */
	for (size_t i = 0; i < pl->n_instances; i++)
		pl->instances[i]->host.frame_format = pl->host.frame_format;
	pl->session = kyoyu_session_new(pl->bus, pl->clock, pl->role, pl->policy);
	if (!pl->session)
		return -ENOMEM;
	pl->history = kyoyu_history_new();
	if (!pl->history)
		return -ENOMEM;
	if ((ret = kyoyu_ctl_new(pl->settings, pl->role, pl->bus, pl->session, pl->history,
				 &pl->ctl, err, errlen)))
		return ret;
	return build_stages(pl);
}

int kyoyu_pipeline_new(kyoyu_loader *loader, kyoyu_settings *settings,
		       uint32_t role, kyoyu_pipeline **out, char *err, size_t errlen)
{
	kyoyu_pipeline *pl = calloc(1, sizeof(*pl));
	const char *rate = getenv("KYOYU_CLOCK_RATE");

	*out = NULL;
	if (!pl)
		return -ENOMEM;
	kyoyu_owner_init(&pl->owner);
	pl->role = role;
	pl->loader = loader;
	pl->settings = settings;
	pl->bus = kyoyu_bus_new();
	/* Tests speed up the session clock so a 40-minute cap takes seconds. */
	pl->clock = kyoyu_clock_new(rate ? strtod(rate, NULL) : 1.0);
	if (!pl->bus || !pl->clock) {
		kyoyu_pipeline_free(pl);
		return -ENOMEM;
	}
	pl->host = (kyoyu_host){
		.size = sizeof(kyoyu_host),
		.role = role,
		.bus = pl->bus,
		.clock = pl->clock,
		.codecs = pl->codecs,
	};
	int ret = build(pl, err, errlen);
	if (ret) {
		if (ret != -EINVAL && ret != -ENOENT && !*err)
			seterr(err, errlen, "cannot build the pipeline: %s", strerror(-ret));
		kyoyu_pipeline_free(pl);
		return ret;
	}
	*out = pl;
	return 0;
}

/* Every plugin subscribes its inbox in start() before any stage thread
 * runs, then the session moves to CONNECTING, then the threads start: no
 * stage misses the first state, and a peer announced at once finds the
 * session ready for it. */
static int start_stages(kyoyu_pipeline *pl)
{
	KYOYU_ASSERT_OWNER(&pl->owner);
	for (size_t i = 0; i < pl->n_stages; i++) {
		stage_entry *e = &pl->stages[i];
		if (!e->instance || e->plugin_started)
			continue;
		int ret = e->instance->plugin->ops.stage.start(e->instance->priv, e->stage);
		if (ret) {
			kyoyu_error("%s failed to start: %s", e->instance->label,
				    strerror(-ret));
			return ret;
		}
		e->plugin_started = true;
	}
	kyoyu_session_begin(pl->session);
	for (size_t i = 0; i < pl->n_stages; i++) {
		stage_entry *e = &pl->stages[i];
		if (e->started)
			continue; /* the console's window, from the first session */
		int ret = kyoyu_stage_start(e->stage, e->fn, e->ctx);
		if (ret) {
			kyoyu_error("cannot start a thread for %s: %s",
				    kyoyu_stage_name(e->stage), strerror(-ret));
			return ret;
		}
		e->started = true;
	}
	return 0;
}

/* Stops in the reverse order of starting: producers first, session last.
 * Without ALL, a stage that stays after the end keeps running. */
static void stop_stages(kyoyu_pipeline *pl, bool all)
{
	KYOYU_ASSERT_OWNER(&pl->owner);
	for (size_t i = pl->n_stages; i-- > 0;) {
		stage_entry *e = &pl->stages[i];
		if (!all && kyoyu_stage_stays_after_end(e->stage))
			continue;
		if (e->started) {
			kyoyu_stage_request_stop(e->stage);
			kyoyu_stage_join(e->stage);
			e->started = false;
		}
		if (e->plugin_started && e->instance->plugin->ops.stage.stop)
			e->instance->plugin->ops.stage.stop(e->instance->priv);
		e->plugin_started = false;
	}
}

static uint32_t interrupt_reason(uint32_t role)
{
	return role == KYOYU_ROLE_SHARER ? KYOYU_END_LEFT : KYOYU_END_OPERATOR;
}

/* True when a stage that stays after the end (the console's window) has
 * returned by itself: the operator closed it. */
static bool console_closed(kyoyu_pipeline *pl)
{
	for (size_t i = 0; i < pl->n_stages; i++) {
		stage_entry *e = &pl->stages[i];
		if (e->started && kyoyu_stage_stays_after_end(e->stage) &&
		    kyoyu_stage_wait(e->stage, 0))
			return true;
	}
	return false;
}

/* Notes in ENTRY what the list of sessions says about the one running:
 * when the customer came, the recording's file, whether it stopped. */
static void note_for_history(const kyoyu_msg *msg, kyoyu_history_entry *entry)
{
	if (msg->type == KYOYU_MSG_PEER && msg->u.peer.event == KYOYU_PEER_CONNECTED)
		entry->start = time(NULL);
	if (msg->type != KYOYU_MSG_NOTICE)
		return;
	if (msg->u.notice.kind == KYOYU_NOTICE_RECORDING_STOPPED)
		entry->recording_stopped = 1;
	if (msg->u.notice.kind == KYOYU_NOTICE_RECORDING && msg->buf &&
	    kyoyu_buffer_size(msg->buf) < sizeof(entry->file)) {
		memcpy(entry->file, kyoyu_buffer_data(msg->buf), kyoyu_buffer_size(msg->buf));
		entry->file[kyoyu_buffer_size(msg->buf)] = '\0';
	}
}

static void drain_main_inbox(kyoyu_inbox *inbox, kyoyu_history_entry *entry)
{
	kyoyu_msg *msg;

	while (kyoyu_inbox_pop(inbox, &msg, 0) == 0) {
		note_for_history(msg, entry);
		kyoyu_msg_unref(msg);
	}
}

/* Waits for the session to end, turning SIGINT/SIGTERM and the time limit
 * into an end request so every stage sees a clean end.  Returns true when
 * the agent must stop after this session (a signal, the time limit). */
static bool wait_for_end(kyoyu_pipeline *pl, kyoyu_inbox *inbox, int sigfd,
			 double max_seconds, kyoyu_history_entry *entry)
{
	int64_t deadline = max_seconds > 0 ? kyoyu_now_us() + (int64_t)(max_seconds * 1e6) : 0;
	bool end_requested = false;

	while (kyoyu_session_state(pl->session) != KYOYU_STATE_ENDED) {
		struct pollfd fds[2] = {{kyoyu_inbox_fd(inbox), POLLIN, 0},
					{sigfd, POLLIN, 0}};
		int timeout = pl->host.console ? CONSOLE_CHECK_MS : -1;
		if (deadline && !end_requested) {
			int64_t left = deadline - kyoyu_now_us();
			timeout = left > 0 ? (int)(left / 1000) + 1 : 0;
		}
		kyoyu_os_poll(fds, sigfd >= 0 ? 2 : 1, timeout);
		drain_main_inbox(inbox, entry);
		bool interrupted = (fds[1].revents & POLLIN) && kyoyu_os_interrupted(sigfd);
		bool timed_out = deadline && kyoyu_now_us() >= deadline;
		/* The operator closed the console's window. */
		bool closed = pl->host.console && console_closed(pl);
		if ((interrupted || timed_out || closed) && !end_requested) {
			kyoyu_info("%s: ending the session",
				   interrupted ? "interrupted"
				   : closed    ? "the console was closed"
					       : "time limit reached");
			kyoyu_bus_post_value(pl->bus, KYOYU_MSG_END, interrupt_reason(pl->role));
			end_requested = true;
		} else if (interrupted) {
			kyoyu_warn("interrupted again: stopping at once");
			break;
		}
	}
	return end_requested;
}

/* Gives stages that act on the end (goodbye, closing a file) a moment. */
static void linger(kyoyu_pipeline *pl)
{
	int64_t until = kyoyu_now_us() + LINGER_MS * 1000;

	for (size_t i = 0; i < pl->n_stages; i++) {
		stage_entry *e = &pl->stages[i];
		if (!e->started || !e->instance || kyoyu_stage_stays_after_end(e->stage))
			continue;
		int64_t left = until - kyoyu_now_us();
		kyoyu_stage_wait(e->stage, left > 0 ? (int)(left / 1000) : 0);
	}
}

/* The console goes on while a stage that stays after the end (the
 * operator's window) still runs. */
static bool console_goes_on(kyoyu_pipeline *pl)
{
	bool window = false;

	if (!pl->host.console)
		return false;
	for (size_t i = 0; i < pl->n_stages; i++)
		window |= pl->stages[i].started &&
			  kyoyu_stage_stays_after_end(pl->stages[i].stage);
	return window && !console_closed(pl);
}

/* A fresh instance of INST's plugin in its place, wherever the pipeline
 * holds it: a plugin's private state is one session's. */
static int renew_instance(kyoyu_pipeline *pl, kyoyu_instance **inst, const char *group,
			  char *err, size_t errlen)
{
	kyoyu_instance *old = *inst, *fresh;
	const kyoyu_plugin *plugin = old->plugin;

	kyoyu_instance_free(old);
	int ret = kyoyu_instance_new(plugin, &pl->host, pl->settings, group, &fresh, err,
				     errlen);
	if (ret == KYOYU_SKIP) {
		seterr(err, errlen, "%s/%s stepped aside for the next session",
		       kyoyu_kind_name(plugin->desc.kind), plugin->desc.name);
		ret = -ENOENT;
	}
	for (size_t i = 0; i < pl->n_instances; i++)
		if (pl->instances[i] == old)
			pl->instances[i] = ret == 0 ? fresh : NULL;
	for (size_t i = 0; i < pl->n_stages; i++) {
		stage_entry *e = &pl->stages[i];
		if (e->instance == old) {
			e->instance = ret == 0 ? fresh : NULL;
			e->ctx = e->instance;
		}
	}
	*inst = ret == 0 ? fresh : NULL;
	return ret;
}

/* Between two sessions of the console: everything but the window starts
 * afresh (a new session, its own transport with a new code, recorder,
 * policy and the other UIs), the window goes on showing the code and how
 * the last one ended.  The decoders stay: they are closed and opened for
 * each stream anyway. */
static int renew_session(kyoyu_pipeline *pl, char *err, size_t errlen)
{
	int ret = 0;

	KYOYU_ASSERT_OWNER(&pl->owner);
	kyoyu_session_free(pl->session);
	pl->session = NULL;
	if ((ret = renew_instance(pl, &pl->policy, "session", err, errlen)) ||
	    (ret = renew_instance(pl, &pl->transport, "transport", err, errlen)) ||
	    (pl->record && (ret = renew_instance(pl, &pl->record, "record", err, errlen))))
		return ret;
	/* UIs that showed only that session (ui/tty's code and questions). */
	for (size_t i = 0; i < pl->n_uis; i++) {
		bool running = false;
		for (size_t k = 0; k < pl->n_stages; k++)
			running |= pl->stages[k].instance == pl->uis[i] && pl->stages[k].started;
		if (!running && (ret = renew_instance(pl, &pl->uis[i], "ui", err, errlen)))
			return ret;
	}
	pl->session = kyoyu_session_new(pl->bus, pl->clock, pl->role, pl->policy);
	bool decodes = pl->decode != NULL;
	kyoyu_decode_stage_free(pl->decode);
	pl->decode = decodes ? kyoyu_decode_stage_new(pl->decoders, pl->host.frame_format)
			     : NULL;
	if (!pl->session || (decodes && !pl->decode))
		return -ENOMEM;
	kyoyu_ctl_set_session(pl->ctl, pl->session);
	for (size_t i = 0; i < pl->n_stages; i++) {
		stage_entry *e = &pl->stages[i];
		if (e->started)
			continue;
		char name[sizeof(e->stage->name)];
		snprintf(name, sizeof(name), "%s", kyoyu_stage_name(e->stage));
		kyoyu_stage_free(e->stage);
		if (!(e->stage = kyoyu_stage_new(pl->bus, name)))
			return -ENOMEM;
		if (e->fn == kyoyu_session_run) {
			e->ctx = pl->session;
			kyoyu_inbox_set_mask(kyoyu_stage_inbox(e->stage), KYOYU_SESSION_MASK);
		} else if (e->fn == kyoyu_decode_stage_run) {
			e->ctx = pl->decode;
			kyoyu_inbox_set_mask(kyoyu_stage_inbox(e->stage),
					     KYOYU_DECODE_STAGE_MASK);
		}
	}
	return 0;
}

/* The stages that show a person how the session ended run until the person
 * closes them, or until a signal says to stop. */
static void wait_for_people(kyoyu_pipeline *pl, int sigfd)
{
	for (size_t i = 0; i < pl->n_stages; i++) {
		stage_entry *e = &pl->stages[i];
		if (!e->started || !kyoyu_stage_stays_after_end(e->stage))
			continue;
		kyoyu_debug("%s shows how the session ended until it is closed",
			    kyoyu_stage_name(e->stage));
		while (!kyoyu_stage_wait(e->stage, 200))
			if (kyoyu_os_interrupted(sigfd))
				return;
	}
}

/* The session that ended, for `kyoyu-agent ctl sessions`. */
static void record_history(kyoyu_pipeline *pl, kyoyu_history_entry *entry)
{
	kyoyu_session_status st;

	kyoyu_session_get_status(pl->session, &st);
	entry->end = time(NULL);
	entry->reason = st.reason;
	snprintf(entry->customer, sizeof(entry->customer), "%s", st.peer);
	kyoyu_history_add(pl->history, entry);
	kyoyu_info("session over: customer %s, ended (%s), recording %s",
		   st.peer[0] ? st.peer : "-",
		   kyoyu_end_reason_name(st.reason), entry->file[0] ? entry->file : "-");
}

static void summarize(kyoyu_pipeline *pl, int64_t started_us, kyoyu_run_summary *sum)
{
	kyoyu_bus_type_stats frames = {.size = sizeof(frames)};
	kyoyu_bus_type_stats packets = {.size = sizeof(packets)};

	kyoyu_bus_get_stats(pl->bus, KYOYU_MSG_FRAME, &frames);
	kyoyu_bus_get_stats(pl->bus, KYOYU_MSG_PACKET, &packets);
	memset(sum, 0, sizeof(*sum));
	sum->reason = pl->session ? kyoyu_session_reason(pl->session) : KYOYU_END_ERROR;
	sum->seconds = (double)(kyoyu_now_us() - started_us) / 1e6;
	sum->frames = frames.posted;
	sum->packets = packets.posted;
	sum->bytes = packets.bytes;
	for (size_t i = 0; i < pl->n_stages; i++) {
		kyoyu_inbox_stats st = {.size = sizeof(st)};
		kyoyu_inbox_get_stats(kyoyu_stage_inbox(pl->stages[i].stage), &st);
		sum->frames_merged += st.frames_merged;
	}
	sum->latency_p50_us = sum->latency_p99_us = -1;
	if (pl->decode) {
		kyoyu_decode_stats ds;
		kyoyu_decode_stage_get_stats(pl->decode, &ds);
		sum->latency_p50_us = ds.latency_p50_us;
		sum->latency_p99_us = ds.latency_p99_us;
	}
}

int kyoyu_pipeline_run(kyoyu_pipeline *pl, double max_seconds,
		       kyoyu_run_summary *summary)
{
	int64_t started = kyoyu_now_us();
	/* Before the stages start: on Linux they inherit the blocked signals. */
	int sigfd = kyoyu_os_interrupts_open();
	/* The state, and what the list of sessions tells of each. */
	kyoyu_inbox *inbox = kyoyu_bus_subscribe(pl->bus, "main",
						 KYOYU_MSG_BIT(KYOYU_MSG_STATE) |
							 KYOYU_MSG_BIT(KYOYU_MSG_PEER) |
							 KYOYU_MSG_BIT(KYOYU_MSG_NOTICE), 0);
	int ret = inbox ? start_stages(pl) : -ENOMEM;
	bool quit = false;
	while (ret == 0) {
		kyoyu_history_entry entry = {.start = time(NULL)};
		quit = wait_for_end(pl, inbox, sigfd, max_seconds, &entry);
		linger(pl);
		stop_stages(pl, false);
		drain_main_inbox(inbox, &entry);
		record_history(pl, &entry);
		if (quit || kyoyu_session_state(pl->session) != KYOYU_STATE_ENDED ||
		    !console_goes_on(pl))
			break;
		char err[1024] = "";
		if ((ret = renew_session(pl, err, sizeof(err))) != 0) {
			kyoyu_error("the console cannot take another customer: %s",
				    *err ? err : strerror(-ret));
			break;
		}
		kyoyu_info("the console waits for the next customer");
		ret = start_stages(pl);
	}
	/* Not after a second interrupt: that one means now. */
	if (ret == 0 && !pl->host.console &&
	    kyoyu_session_state(pl->session) == KYOYU_STATE_ENDED)
		wait_for_people(pl, sigfd);
	stop_stages(pl, true);
	summarize(pl, started, summary);
	kyoyu_inbox_free(inbox);
	kyoyu_os_interrupts_close(sigfd);
	if (ret == 0 && summary->reason == KYOYU_END_ERROR)
		ret = -EIO;
	return ret;
}

void kyoyu_pipeline_free(kyoyu_pipeline *pl)
{
	if (!pl)
		return;
	stop_stages(pl, true);
	for (size_t i = 0; i < pl->n_stages; i++)
		kyoyu_stage_free(pl->stages[i].stage);
	kyoyu_encode_stage_free(pl->encode);
	kyoyu_decode_stage_free(pl->decode);
	kyoyu_ctl_free(pl->ctl);
	kyoyu_history_free(pl->history);
	for (size_t i = pl->n_instances; i-- > 0;)
		kyoyu_instance_free(pl->instances[i]);
	kyoyu_session_free(pl->session);
	kyoyu_bus_free(pl->bus);
	kyoyu_clock_free(pl->clock);
	free(pl);
}
