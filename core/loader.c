/* SPDX-License-Identifier: MIT */
/* The plugin loader: libltdl, descriptor checks, search path. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <ltdl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define KYOYU_LOG_COMPONENT "loader"
#include <kyoyu/plugin.h>

#include "codecs.h"
#include "loader.h"
#include "os.h"
#include "settings.h"
#include "util.h"

/* The smallest descriptor and ops structs of ABI 1.0: anything shorter
 * cannot hold the required fields.  Optional callbacks past the last
 * required one (stage_ops.stop) read as NULL when a plugin's struct ends
 * before them, like any callback appended later. */
#define MIN_DESCRIPTOR_SIZE (offsetof(kyoyu_plugin_descriptor, ops) + sizeof(void *))
#define MIN_STAGE_OPS_SIZE (offsetof(kyoyu_stage_ops, run) + sizeof(void *))
#define MIN_CODEC_OPS_SIZE (offsetof(kyoyu_codec_ops, close) + sizeof(void *))
#define MIN_POLICY_OPS_SIZE (offsetof(kyoyu_policy_ops, tick) + sizeof(void *))

typedef struct required {
	const char *name;
	size_t offset;
} required;

/* Braced initialisers in macros, which clang-format takes for blocks. */
/* clang-format off */
#define REQ(type, field) { #field, offsetof(type, field) }
/* clang-format on */

static const required stage_required[] = {
	REQ(kyoyu_stage_ops, start), REQ(kyoyu_stage_ops, run), {NULL, 0}};
static const required encoder_required[] = {
	REQ(kyoyu_codec_ops, encoder_open), REQ(kyoyu_codec_ops, send_frame),
	REQ(kyoyu_codec_ops, receive_packet), REQ(kyoyu_codec_ops, request_keyframe),
	REQ(kyoyu_codec_ops, set_bitrate), REQ(kyoyu_codec_ops, close), {NULL, 0}};
static const required decoder_required[] = {
	REQ(kyoyu_codec_ops, decoder_open), REQ(kyoyu_codec_ops, send_packet),
	REQ(kyoyu_codec_ops, receive_frame), REQ(kyoyu_codec_ops, close), {NULL, 0}};
static const required policy_required[] = {
	REQ(kyoyu_policy_ops, allow), REQ(kyoyu_policy_ops, tick), {NULL, 0}};

static const char *missing_callback(const void *ops, const required *list)
{
	for (const required *r = list; r->name; r++) {
		void *fn;
		memcpy(&fn, (const char *)ops + r->offset, sizeof(fn));
		if (!fn)
			return r->name;
	}
	return NULL;
}

/* Lists a plugin hands over are read to their end: bounded, so a missing
 * terminator is an error, not a run off the end of its data. */
#define MAX_LIST 16

static bool has_codecs(const kyoyu_codec_desc *list)
{
	return list && list[0].fourcc != KYOYU_CODEC_NONE;
}

/* A codec list must end within MAX_LIST entries, with printable FourCCs and
 * lower-case names. */
static int check_codec_list(const kyoyu_codec_desc *list, const char *what,
			    char *err, size_t errlen)
{
	if (!list)
		return 0;
	for (size_t i = 0; list && i <= MAX_LIST; i++) {
		const kyoyu_codec_desc *d = &list[i];
		char text[5];
		if (d->fourcc == KYOYU_CODEC_NONE)
			return 0;
		if (strchr(kyoyu_fourcc_text(d->fourcc, text), '?')) {
			seterr(err, errlen, "its %s list has a FourCC that is not four "
			       "printable characters (0x%08x)", what, d->fourcc);
			return -EINVAL;
		}
		if (!d->name || !d->name[0] || strlen(d->name) > KYOYU_CODEC_LABEL_MAX ||
		    strspn(d->name, "abcdefghijklmnopqrstuvwxyz0123456789_-") != strlen(d->name)) {
			seterr(err, errlen, "its %s list names %s \"%s\": a codec name is "
			       "1 to 16 characters of a-z, 0-9, '_' and '-'", what, text,
			       d->name ? d->name : "(null)");
			return -EINVAL;
		}
	}
	seterr(err, errlen, "its %s list has no end within %d entries (end it with "
	       "KYOYU_CODEC_DESC_END)", what, MAX_LIST);
	return -EINVAL;
}

/* A format list must end within MAX_LIST entries and name known formats. */
static int check_format_list(const uint32_t *list, const char *what, char *err,
			     size_t errlen)
{
	for (size_t i = 0; list && i <= MAX_LIST; i++) {
		if (list[i] == KYOYU_PIXFMT_NONE)
			return i == 0 ? -ENODATA : 0;
		if (!kyoyu_pixfmt_name(list[i])) {
			seterr(err, errlen, "its %s list names the unknown pixel format %u",
			       what, list[i]);
			return -EINVAL;
		}
	}
	if (!list)
		return -ENODATA;
	seterr(err, errlen, "its %s list has no end within %d entries (end it with "
	       "KYOYU_PIXFMT_NONE)", what, MAX_LIST);
	return -EINVAL;
}

/* The codec kind's lists: what it encodes and decodes, and the pixel
 * formats each side takes or gives. */
static int check_codec_ops(const kyoyu_codec_ops *ops, char *err, size_t errlen)
{
	int ret;

	if ((ret = check_codec_list(ops->encodes, "encodes", err, errlen)) ||
	    (ret = check_codec_list(ops->decodes, "decodes", err, errlen)))
		return ret;
	if (!has_codecs(ops->encodes) && !has_codecs(ops->decodes)) {
		seterr(err, errlen, "its codec ops list no codec to encode or decode");
		return -EINVAL;
	}
	if (has_codecs(ops->encodes) &&
	    (ret = check_format_list(ops->encoder_formats, "encoder_formats", err, errlen))) {
		if (ret == -ENODATA)
			seterr(err, errlen, "it encodes but lists no pixel format it takes "
			       "(codec_ops.encoder_formats)");
		return -EINVAL;
	}
	if (has_codecs(ops->decodes) &&
	    (ret = check_format_list(ops->decoder_formats, "decoder_formats", err, errlen))) {
		if (ret == -ENODATA)
			seterr(err, errlen, "it decodes but lists no pixel format it gives "
			       "(codec_ops.decoder_formats)");
		return -EINVAL;
	}
	return 0;
}

/* Captures say what they post; a UI's list is optional (NULL: no frames). */
static int check_stage_formats(uint32_t kind, const kyoyu_stage_ops *ops, char *err,
			       size_t errlen)
{
	if (kind != KYOYU_KIND_CAPTURE && kind != KYOYU_KIND_UI)
		return 0;
	int ret = check_format_list(ops->formats, "formats", err, errlen);
	if (ret == -ENODATA && kind == KYOYU_KIND_UI && !ops->formats)
		return 0;
	if (ret == -ENODATA)
		seterr(err, errlen, "it lists no pixel format it %s (stage_ops.formats)",
		       kind == KYOYU_KIND_CAPTURE ? "posts" : "shows");
	return ret ? -EINVAL : 0;
}

/* Copies the plugin's ops (SIZE bytes as it declares) into the zeroed union
 * and checks the required callbacks of its kind. */
static int copy_ops(kyoyu_plugin *p, char *err, size_t errlen)
{
	uint32_t declared;
	size_t ours, min;

	memcpy(&declared, p->desc.ops, sizeof(declared));
	switch (p->desc.kind) {
	case KYOYU_KIND_CAPTURE:
	case KYOYU_KIND_TRANSPORT:
	case KYOYU_KIND_UI:
		ours = sizeof(p->ops.stage);
		min = MIN_STAGE_OPS_SIZE;
		break;
	case KYOYU_KIND_CODEC:
		ours = sizeof(p->ops.codec);
		min = MIN_CODEC_OPS_SIZE;
		break;
	default:
		ours = sizeof(p->ops.policy);
		min = MIN_POLICY_OPS_SIZE;
		break;
	}
	if (declared < min) {
		seterr(err, errlen, "its %s ops struct is %u bytes, smaller than "
		       "ABI %d.0's %zu", kyoyu_kind_name(p->desc.kind), declared,
		       KYOYU_ABI_MAJOR, min);
		return -EINVAL;
	}
	memset(&p->ops, 0, sizeof(p->ops));
	memcpy(&p->ops, p->desc.ops, declared < ours ? declared : ours);

	const char *missing = NULL;
	switch (p->desc.kind) {
	case KYOYU_KIND_CODEC:
		if (check_codec_ops(&p->ops.codec, err, errlen))
			return -EINVAL;
		if (has_codecs(p->ops.codec.encodes))
			missing = missing_callback(&p->ops.codec, encoder_required);
		if (!missing && has_codecs(p->ops.codec.decodes))
			missing = missing_callback(&p->ops.codec, decoder_required);
		break;
	case KYOYU_KIND_POLICY:
		missing = missing_callback(&p->ops.policy, policy_required);
		break;
	default:
		if (check_stage_formats(p->desc.kind, &p->ops.stage, err, errlen))
			return -EINVAL;
		missing = missing_callback(&p->ops.stage, stage_required);
		break;
	}
	if (missing) {
		seterr(err, errlen, "it lacks the required callback %s_ops.%s",
		       kyoyu_kind_name(p->desc.kind), missing);
		return -EINVAL;
	}
	return 0;
}

/* The module name a file holds: "dir/kyoyu-capture-x11.la" gives
 * "kyoyu-capture-x11". */
static char *module_of(const char *path)
{
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	size_t len = strlen(base);
	const char *dot = strrchr(base, '.');
	if (dot && (strcmp(dot, ".la") == 0 || strcmp(dot, KYOYU_OS_MODULE_EXT) == 0 ||
		    strcmp(dot, ".a") == 0))
		len = (size_t)(dot - base);
	return copy_n(base, len);
}

/* Checks the descriptor against this core and against the file name. */
static int check_descriptor(kyoyu_plugin *p, const kyoyu_plugin_descriptor *d,
			    char *err, size_t errlen)
{
	if (d->abi_major != KYOYU_ABI_MAJOR) {
		seterr(err, errlen, "it was built for plugin ABI %u.%u, this kyoyu "
		       "speaks %d.%d: rebuild it against kyoyu's %d.x headers",
		       d->abi_major, d->abi_minor, KYOYU_ABI_MAJOR, KYOYU_ABI_MINOR,
		       KYOYU_ABI_MAJOR);
		return -EPROTO;
	}
	if (d->abi_minor > KYOYU_ABI_MINOR) {
		seterr(err, errlen, "it was built for plugin ABI %u.%u, newer than "
		       "this kyoyu's %d.%d: upgrade kyoyu or rebuild the plugin",
		       d->abi_major, d->abi_minor, KYOYU_ABI_MAJOR, KYOYU_ABI_MINOR);
		return -EPROTO;
	}
	if (d->size < MIN_DESCRIPTOR_SIZE) {
		seterr(err, errlen, "its descriptor is %u bytes, smaller than ABI "
		       "%d.0's %zu", d->size, KYOYU_ABI_MAJOR, MIN_DESCRIPTOR_SIZE);
		return -EPROTO;
	}
	memset(&p->desc, 0, sizeof(p->desc));
	memcpy(&p->desc, d, d->size < sizeof(p->desc) ? d->size : sizeof(p->desc));

	const kyoyu_plugin_descriptor *c = &p->desc;
	const char *kind = kyoyu_kind_name(c->kind);
	if (!kind) {
		seterr(err, errlen, "its kind %u is unknown", c->kind);
		return -EINVAL;
	}
	if (!c->name || !c->version || !c->license || !c->description) {
		seterr(err, errlen, "its descriptor lacks a %s", !c->name ? "name" :
		       !c->version ? "version" : !c->license ? "license" : "description");
		return -EINVAL;
	}
	char expected[160];
	snprintf(expected, sizeof(expected), "kyoyu-%s-%s", kind, c->name);
	if (p->module && strcmp(expected, p->module) != 0) {
		seterr(err, errlen, "it calls itself %s/%s, so its file must be "
		       "named %s", kind, c->name, expected);
		return -EINVAL;
	}
	if (!c->init) {
		seterr(err, errlen, "it lacks the required callback init");
		return -EINVAL;
	}
	if (!c->ops) {
		seterr(err, errlen, "it has no %s ops", kind);
		return -EINVAL;
	}
	if (c->priv_size > (64u << 20)) {
		seterr(err, errlen, "it asks for %zu bytes of private data", c->priv_size);
		return -EINVAL;
	}
	int ret = kyoyu_options_validate(c->options, c->priv_size, err, errlen);
	if (ret)
		return ret;
	if ((ret = copy_ops(p, err, errlen)))
		return ret;
	if (c->kind == KYOYU_KIND_CODEC) {
		kyoyu_codecs_register(p->ops.codec.encodes);
		kyoyu_codecs_register(p->ops.codec.decodes);
	}
	return 0;
}

static void plugin_free(kyoyu_plugin *p)
{
	if (!p)
		return;
	if (p->handle)
		lt_dlclose(p->handle);
	free(p->path);
	free(p->module);
	free(p);
}

static void explain_no_describe(const char *path, const char *module, char *why,
				size_t len);

/* Wraps an open handle into a checked plugin; closes it on failure. */
static int adopt_handle(lt_dlhandle handle, const char *path, const char *module,
			kyoyu_plugin **out, char *err, size_t errlen)
{
	typedef const kyoyu_plugin_descriptor *(*describe_fn)(void);
	kyoyu_plugin *p = calloc(1, sizeof(*p));
	char why[400];

	if (!p) {
		lt_dlclose(handle);
		return -ENOMEM;
	}
	p->handle = handle;
	p->path = strdup(path);
	p->module = strdup(module);
	if (!p->path || !p->module) {
		plugin_free(p);
		return -ENOMEM;
	}
	/* lt_dlsym tries <module>_LTX_kyoyu_plugin_describe first. */
	describe_fn describe;
	void *sym = lt_dlsym(handle, KYOYU_PLUGIN_DESCRIBE_SYMBOL);
	memcpy(&describe, &sym, sizeof(describe));
	const kyoyu_plugin_descriptor *d = describe ? describe() : NULL;
	int ret = -EINVAL;
	if (!describe)
		explain_no_describe(path, module, why, sizeof(why));
	else if (!d)
		snprintf(why, sizeof(why), "its %s returned NULL",
			 KYOYU_PLUGIN_DESCRIBE_SYMBOL);
	else
		ret = check_descriptor(p, d, why, sizeof(why));
	if (ret) {
		seterr(err, errlen, "refused %s: %s", path, why);
		plugin_free(p);
		return ret;
	}
	*out = p;
	return 0;
}

/* The shared object behind PATH: PATH itself, or the dlname a libtool .la
 * names (beside it, or in .libs/ in a build tree).  Empty when unknown. */
static void shared_object_of(const char *path, char *so, size_t len)
{
	const char *dot = strrchr(path, '.');
	char line[512], dlname[256] = "";
	struct stat st;

	so[0] = '\0';
	if (!dot || strcmp(dot, ".la") != 0) {
		snprintf(so, len, "%s", path);
		return;
	}
	FILE *la = fopen(path, "r");
	if (!la)
		return;
	while (fgets(line, sizeof(line), la))
		if (sscanf(line, "dlname='%255[^']'", dlname) == 1)
			break;
	fclose(la);
	if (!dlname[0])
		return;
	const char *slash = strrchr(path, '/');
	int dirlen = slash ? (int)(slash - path) : 1;
	const char *dir = slash ? path : ".";
	snprintf(so, len, "%.*s/.libs/%s", dirlen, dir, dlname);
	if (stat(so, &st) != 0)
		snprintf(so, len, "%.*s/%s", dirlen, dir, dlname);
}

/* The describe function a shared object exports under another module's
 * name (<module>_LTX_kyoyu_plugin_describe); NULL when it has none.  The
 * object is mapped already (pin_shared_object). */
static void *describe_of_other_module(const char *path, char *symbol, size_t len)
{
	char so[4096];

	shared_object_of(path, so, sizeof(so));
	return so[0] ? kyoyu_os_module_symbol_ending(so, "_LTX_" KYOYU_PLUGIN_DESCRIBE_SYMBOL,
						     symbol, len)
		     : NULL;
}

/* Why a module exports no describe function under its file's name: it was
 * renamed (libltdl looks the function up by the file name, so the file name
 * is the module's), or it is no plugin at all. */
static void explain_no_describe(const char *path, const char *module, char *why,
				size_t len)
{
	typedef const kyoyu_plugin_descriptor *(*describe_fn)(void);
	char symbol[256];
	describe_fn describe;
	void *sym = describe_of_other_module(path, symbol, sizeof(symbol));

	if (!sym) {
		snprintf(why, len, "it is not a kyoyu plugin: it exports no %s (declare "
			 "it with KYOYU_PLUGIN_DEFINE)", KYOYU_PLUGIN_DESCRIBE_SYMBOL);
		return;
	}
	memcpy(&describe, &sym, sizeof(describe));
	const kyoyu_plugin_descriptor *d = describe();
	const char *kind = d && d->abi_major == KYOYU_ABI_MAJOR &&
				   d->size >= MIN_DESCRIPTOR_SIZE && d->name
			   ? kyoyu_kind_name(d->kind) : NULL;
	const char *base = strrchr(path, '/');
	const char *ext = strrchr(base ? base : path, '.');
	if (kind)
		snprintf(why, len, "its file is named %s, but it holds the plugin %s/%s "
			 "(it exports %s): rename it kyoyu-%s-%s%s", module, kind, d->name,
			 symbol, kind, d->name, ext ? ext : "");
	else
		snprintf(why, len, "its file is named %s, but it holds the module %.*s "
			 "(it exports %s): give it that module's name, with '-' for '_'",
			 module, (int)(strlen(symbol) - strlen("_LTX_" KYOYU_PLUGIN_DESCRIBE_SYMBOL)),
			 symbol, symbol);
}

/* The kyoyu_ function the dynamic linker could not find, from its "NAME:
 * undefined symbol: SYMBOL[, version V]", into SYMBOL; false for any other
 * failure (a missing library, a symbol of another library). */
static bool missing_kyoyu_symbol(const char *reason, char *symbol, size_t len)
{
	static const char marker[] = "undefined symbol: ";
	const char *at = strstr(reason, marker);

	if (!at)
		return false;
	at += sizeof(marker) - 1;
	if (strncmp(at, "kyoyu_", 6) != 0)
		return false;
	snprintf(symbol, len, "%.*s", (int)strcspn(at, ", \n"), at);
	return true;
}

/* Maps the shared object behind PATH for good (RTLD_NODELETE) and binds
 * it now, before libltdl opens it.  Plugins are never unloaded, not even by
 * kyoyu_loader_fini(): a library a plugin pulls in may keep threads, atexit
 * handlers or allocations that must not outlive its code, and libltdl's own
 * resident flag would leak its handles instead.  Returns 0, or -ENOEXEC with
 * ERR saying why in the dynamic linker's own words ("invalid ELF header",
 * "undefined symbol: x"), which say far more than libltdl's "file not
 * found", or naming the kyoyu_ function the plugin calls that libkyoyu does
 * not export (the core's own, or one of a newer kyoyu).  A .la without a
 * shared object (a module linked into the program) is left to libltdl. */
static int pin_shared_object(const char *path, char *err, size_t errlen)
{
	char so[4096], symbol[128], reason[1024];

	shared_object_of(path, so, sizeof(so));
	if (!so[0])
		return 0;
	if (kyoyu_os_module_pin(so, reason, sizeof(reason)) != 0) {
		if (missing_kyoyu_symbol(reason, symbol, sizeof(symbol)))
			seterr(err, errlen, "refused %s: it calls %s, which is not part of "
			       "plugin ABI %d.%d (only what <kyoyu/*.h> declares is)", path,
			       symbol, KYOYU_ABI_MAJOR, KYOYU_ABI_MINOR);
		else
			seterr(err, errlen, "cannot load %s: %s", path, reason);
		return -ENOEXEC;
	}
	return 0;
}

static int open_path(const char *path, kyoyu_plugin **out, char *err, size_t errlen)
{
	lt_dladvise advise;
	char *module = module_of(path);

	if (!module)
		return -ENOMEM;
	if (pin_shared_object(path, err, errlen)) {
		free(module);
		return -ENOEXEC;
	}
	/* Not lt_dladvise_resident(): libltdl never frees the handle of a
	 * resident module; pin_shared_object() keeps the code mapped. */
	if (lt_dladvise_init(&advise) || lt_dladvise_local(&advise)) {
		seterr(err, errlen, "libltdl: %s", lt_dlerror());
		free(module);
		return -EIO;
	}
	lt_dlhandle handle = lt_dlopenadvise(path, advise);
	lt_dladvise_destroy(&advise);
	int ret;
	if (!handle) {
		seterr(err, errlen, "cannot load %s: %s", path, lt_dlerror());
		ret = -ENOEXEC;
	} else {
		ret = adopt_handle(handle, path, module, out, err, errlen);
	}
	free(module);
	return ret;
}

#ifdef KYOYU_STATIC_PLUGINS
static int collect_preloaded(lt_dlhandle handle);
/* lt_dlpreload_open's callback takes no context. */
static kyoyu_loader *preload_target;
#endif

int kyoyu_loader_push_dirs(char ***dirs, size_t *n, const char *list)
{
	char *copy = strdup(list), *save = NULL;

	if (!copy)
		return -ENOMEM;
	for (char *tok = strtok_r(copy, KYOYU_OS_PATH_LIST_SEP, &save); tok;
	     tok = strtok_r(NULL, KYOYU_OS_PATH_LIST_SEP, &save)) {
		char **bigger = realloc(*dirs, (*n + 2) * sizeof(char *));
		if (!bigger || !(bigger[*n] = strdup(tok))) {
			*dirs = bigger ? bigger : *dirs;
			free(copy);
			return -ENOMEM;
		}
		*dirs = bigger;
		(*dirs)[++*n] = NULL;
	}
	free(copy);
	return 0;
}

int kyoyu_loader_init(kyoyu_loader *loader, char *const *dirs)
{
	size_t n = 0;

	memset(loader, 0, sizeof(*loader));
	while (dirs && dirs[n])
		n++;
	loader->dirs = calloc(n + 1, sizeof(char *));
	if (!loader->dirs)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		if (!(loader->dirs[i] = strdup(dirs[i])))
			return -ENOMEM;
#ifdef KYOYU_STATIC_PLUGINS
	LTDL_SET_PRELOADED_SYMBOLS();
#endif
	if (lt_dlinit() != 0) {
		kyoyu_error("libltdl failed to start: %s", lt_dlerror());
		return -EIO;
	}
#ifdef KYOYU_STATIC_PLUGINS
	preload_target = loader;
	lt_dlpreload_open("@PROGRAM@", collect_preloaded);
	preload_target = NULL;
#endif
	return 0;
}

#ifdef KYOYU_STATIC_PLUGINS
/* Keeps every plugin linked into the binary, refusing what fails its checks. */
static int collect_preloaded(lt_dlhandle handle)
{
	const lt_dlinfo *info = lt_dlgetinfo(handle);
	char err[512];
	kyoyu_plugin *p;

	/* info->name is canonicalised ("kyoyu_capture_testsrc"); the file
	 * name libtool recorded ("kyoyu-capture-testsrc.a") is the module's. */
	const char *file = info ? info->filename : NULL;
	const char *base = file ? strrchr(file, '/') : NULL;
	base = base ? base + 1 : file;
	if (!base || strncmp(base, "kyoyu-", 6) != 0)
		return 0;
	char *module = module_of(base);
	if (!module)
		return 0;
	if (adopt_handle(handle, "(linked in)", module, &p, err, sizeof(err)) == 0) {
		p->next = preload_target->preloaded;
		preload_target->preloaded = p;
	} else {
		kyoyu_warn("%s", err);
	}
	free(module);
	return 0;
}
#endif

void kyoyu_loader_fini(kyoyu_loader *loader)
{
	kyoyu_plugin *lists[] = {loader->loaded, loader->preloaded};
	for (size_t i = 0; i < 2; i++) {
		while (lists[i]) {
			kyoyu_plugin *next = lists[i]->next;
			plugin_free(lists[i]);
			lists[i] = next;
		}
	}
	kyoyu_strv_free(loader->dirs);
	memset(loader, 0, sizeof(*loader));
	lt_dlexit();
}

static kyoyu_plugin *find_module(kyoyu_plugin *list, const char *module)
{
	for (kyoyu_plugin *p = list; p; p = p->next)
		if (strcmp(p->module, module) == 0)
			return p;
	return NULL;
}

/* The path of MODULE in DIR when a file for it exists there (.la first, as
 * the build tree and `make install` leave one beside the .so or .dll). */
static bool module_file(const char *dir, const char *module, char *path, size_t len)
{
	static const char *const exts[] = {".la", KYOYU_OS_MODULE_EXT};
	struct stat st;

	for (size_t i = 0; i < 2; i++) {
		snprintf(path, len, "%s/%s%s", dir, module, exts[i]);
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
			return true;
	}
	return false;
}

int kyoyu_loader_open_file(kyoyu_loader *loader, const char *path,
			   kyoyu_plugin **out, char *err, size_t errlen)
{
	kyoyu_plugin *p;
	int ret = open_path(path, &p, err, errlen);

	if (ret)
		return ret;
	p->next = loader->loaded;
	loader->loaded = p;
	*out = p;
	return 0;
}

int kyoyu_loader_find(kyoyu_loader *loader, uint32_t kind, const char *name,
		      kyoyu_plugin **out, char *err, size_t errlen)
{
	char module[160], path[4096];
	const char *kind_name = kyoyu_kind_name(kind);

	if (!kind_name || !name || !*name || strchr(name, '/')) {
		seterr(err, errlen, "\"%s\" is not a plugin name", name ? name : "");
		return -EINVAL;
	}
	snprintf(module, sizeof(module), "kyoyu-%s-%s", kind_name, name);
	kyoyu_plugin *p = find_module(loader->loaded, module);
	if (!p)
		p = find_module(loader->preloaded, module);
	if (p) {
		*out = p;
		return 0;
	}
	for (char **dir = loader->dirs; *dir; dir++) {
		if (module_file(*dir, module, path, sizeof(path)))
			return kyoyu_loader_open_file(loader, path, out, err, errlen);
	}
	size_t len = (size_t)snprintf(err, errlen, "no plugin \"%s\" (%s) found in",
				      name, module);
	for (char **dir = loader->dirs; *dir && len < errlen; dir++)
		len += (size_t)snprintf(err + len, errlen - len, "%s %s",
					dir == loader->dirs ? "" : ",", *dir);
	if (len < errlen && kyoyu_loader_is_own_plugin(kind, name))
		snprintf(err + len, errlen - len, "; rebuild kyoyu with "
			 "--enable-%s-%s, or set --plugin-path", kind_name, name);
	else if (len < errlen)
		snprintf(err + len, errlen - len, "; it is not one of kyoyu's own plugins: "
			 "install its %s%s in one of those folders, or name its folder "
			 "with --plugin-path", module, KYOYU_OS_MODULE_EXT);
	return -ENOENT;
}

bool kyoyu_loader_is_own_plugin(uint32_t kind, const char *name)
{
	const char *kind_name = kyoyu_kind_name(kind);
	char entry[160];

	if (!kind_name || !name)
		return false;
	snprintf(entry, sizeof(entry), " %s/%s ", kind_name, name);
	return strstr(KYOYU_OWN_PLUGINS, entry) != NULL;
}

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted, de-duplicated module names of the plugin files in DIR. */
static char **modules_in(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return NULL;
	size_t n = 0, cap = 16;
	char **names = calloc(cap + 1, sizeof(char *));
	struct dirent *e;
	while (names && (e = readdir(d))) {
		const char *dot = strrchr(e->d_name, '.');
		if (strncmp(e->d_name, "kyoyu-", 6) != 0 || !dot ||
		    (strcmp(dot, ".la") != 0 && strcmp(dot, KYOYU_OS_MODULE_EXT) != 0))
			continue;
		if (n == cap) {
			char **bigger = realloc(names, (cap * 2 + 1) * sizeof(char *));
			if (!bigger)
				break;
			names = bigger;
			cap *= 2;
		}
		if ((names[n] = module_of(e->d_name)))
			n++;
	}
	closedir(d);
	if (!names)
		return NULL;
	names[n] = NULL;
	qsort(names, n, sizeof(char *), compare_names);
	size_t kept = 0;
	for (size_t i = 0; i < n; i++) {
		if (kept && strcmp(names[kept - 1], names[i]) == 0)
			free(names[i]);
		else
			names[kept++] = names[i];
	}
	names[kept] = NULL;
	return names;
}

static bool seen(char **list, size_t n, const char *module)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(list[i], module) == 0)
			return true;
	return false;
}

void kyoyu_loader_scan(kyoyu_loader *loader, kyoyu_loader_visit visit, void *ctx)
{
	char *done[512];
	size_t ndone = 0;
	char err[1024], path[4096];

	for (kyoyu_plugin *p = loader->preloaded; p; p = p->next) {
		visit(ctx, p->path, p, NULL);
		if (ndone < 512)
			done[ndone++] = p->module;
	}
	for (char **dir = loader->dirs; *dir; dir++) {
		char **modules = modules_in(*dir);
		for (char **m = modules; m && *m; m++) {
			if (seen(done, ndone, *m) || !module_file(*dir, *m, path, sizeof(path)))
				continue;
			kyoyu_plugin *p = find_module(loader->loaded, *m);
			if (p || kyoyu_loader_open_file(loader, path, &p, err, sizeof(err)) == 0) {
				visit(ctx, p->path, p, NULL);
				if (ndone < 512)
					done[ndone++] = p->module;
			} else {
				visit(ctx, path, NULL, err);
			}
		}
		kyoyu_strv_free(modules);
	}
}
