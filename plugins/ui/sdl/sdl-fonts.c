/* SPDX-License-Identifier: MIT */
/* The window's fonts through fontconfig (see sdl-fonts.h). */
#include "config.h"

#include <errno.h>
#include <string.h>

#include <fontconfig/fontconfig.h>

#define KYOYU_LOG_COMPONENT "ui/sdl"
#include <kyoyu/kyoyu.h>

#include "sdl-fonts.h"

/* Copies the file and face index of the font FONT into FILE of LEN bytes. */
static bool font_file(FcPattern *font, char *file, size_t len, int *index)
{
	FcChar8 *path;

	if (FcPatternGetString(font, FC_FILE, 0, &path) != FcResultMatch)
		return false;
	snprintf(file, len, "%s", (const char *)path);
	if (FcPatternGetInteger(font, FC_INDEX, 0, index) != FcResultMatch)
		*index = 0;
	return true;
}

/* A font with letters of one width (IPAGothic, fontconfig's first choice
 * for Japanese on Debian) spreads Latin words and figures out as a
 * terminal would. */
static bool proportional(FcPattern *font)
{
	int spacing;

	return FcPatternGetInteger(font, FC_SPACING, 0, &spacing) != FcResultMatch ||
	       spacing == FC_PROPORTIONAL;
}

/* The file and face index fontconfig matches for PATTERN ("sans-serif:
 * lang=ja"), into FILE of LEN bytes; with PROPORTIONAL, the best match
 * whose letters are not all of one width.  Returns false when none
 * matches. */
static bool match(const char *pattern, bool want_proportional, char *file, size_t len,
		  int *index)
{
	FcPattern *want = FcNameParse((const FcChar8 *)pattern);
	FcResult result;
	bool found = false;

	if (!want)
		return false;
	FcConfigSubstitute(NULL, want, FcMatchPattern);
	FcDefaultSubstitute(want);
	if (want_proportional) {
		FcFontSet *sorted = FcFontSort(NULL, want, FcTrue, NULL, &result);
		for (int i = 0; sorted && i < sorted->nfont && !found; i++)
			if (proportional(sorted->fonts[i]))
				found = font_file(sorted->fonts[i], file, len, index);
		if (sorted)
			FcFontSetDestroy(sorted);
	} else {
		FcPattern *got = FcFontMatch(NULL, want, &result);
		if (got) {
			found = font_file(got, file, len, index);
			FcPatternDestroy(got);
		}
	}
	FcPatternDestroy(want);
	return found;
}

static void add_face(sdl_fonts *fonts, const char *file, int index, int size)
{
	TTF_Font *face = TTF_OpenFontIndex(file, size, index);

	if (!face) {
		kyoyu_warn("cannot open the font %s: %s", file, TTF_GetError());
		return;
	}
	kyoyu_debug("font %d: %s (face %d)", fonts->n, file, index);
	fonts->face[fonts->n++] = face;
}

int sdl_fonts_open(sdl_fonts *fonts, const char *path, const char *language, int size)
{
	char first[1024] = "", japanese[1024] = "", pattern[64];
	int first_index = 0, japanese_index = 0;

	memset(fonts, 0, sizeof(*fonts));
	if (!FcInit()) {
		kyoyu_warn("fontconfig cannot start: only ui.font can be used");
	} else {
		snprintf(pattern, sizeof(pattern), "sans-serif:lang=%s", language);
		/* The first face draws the Latin words and figures (names,
		 * kbit/s, ms) in both languages: a proportional one. */
		if (!path || !*path)
			match(pattern, true, first, sizeof(first), &first_index);
		match("sans-serif:lang=ja", false, japanese, sizeof(japanese), &japanese_index);
	}
	if (path && *path)
		snprintf(first, sizeof(first), "%s", path);
	if (*first)
		add_face(fonts, first, first_index, size);
	/* The same file again would add nothing. */
	if (*japanese && (strcmp(japanese, first) != 0 || japanese_index != first_index))
		add_face(fonts, japanese, japanese_index, size);
	if (fonts->n == 0) {
		kyoyu_error("no font for the window: install fonts-dejavu-core and "
			    "fonts-ipafont-gothic, or set ui.font to a TrueType file");
		return -ENOENT;
	}
	return 0;
}

void sdl_fonts_close(sdl_fonts *fonts)
{
	for (int i = 0; i < fonts->n; i++)
		TTF_CloseFont(fonts->face[i]);
	fonts->n = 0;
}

TTF_Font *sdl_fonts_for(const sdl_fonts *fonts, uint32_t cp)
{
	for (int i = 0; i < fonts->n; i++)
		if (TTF_GlyphIsProvided32(fonts->face[i], cp))
			return fonts->face[i];
	return fonts->face[0];
}

int sdl_fonts_line_skip(const sdl_fonts *fonts)
{
	int skip = 0;

	for (int i = 0; i < fonts->n; i++)
		if (TTF_FontLineSkip(fonts->face[i]) > skip)
			skip = TTF_FontLineSkip(fonts->face[i]);
	return skip;
}
