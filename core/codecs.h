/* SPDX-License-Identifier: MIT */
/* Codecs as the core knows them: the FourCC and name every loaded codec
 * plugin declared (kyoyu_codec_desc), so a new codec needs no edit here. */
#ifndef KYOYU_CODECS_H
#define KYOYU_CODECS_H

#include <kyoyu/plugin.h>

/* The longest codec name, in bytes (the loader refuses longer ones). */
#define KYOYU_CODEC_LABEL_MAX 16

/* The entry for FOURCC in LIST (ended by KYOYU_CODEC_DESC_END), or NULL. */
const kyoyu_codec_desc *kyoyu_codec_list_get(const kyoyu_codec_desc *list,
					     uint32_t fourcc);

/* The entry named NAME in LIST, or NULL. */
const kyoyu_codec_desc *kyoyu_codec_list_find(const kyoyu_codec_desc *list,
					      const char *name);

/* Remembers the codecs of LIST (a checked plugin's) for kyoyu_codec_label.
 * Any thread. */
void kyoyu_codecs_register(const kyoyu_codec_desc *list);

/* The name a loaded plugin gave FOURCC ("vp9"), else its four characters
 * ("AV01"), written into TEXT when needed; returns one of the two. */
const char *kyoyu_codec_label(uint32_t fourcc, char text[5]);

/* The FourCC of a loaded codec from what kyoyu_codec_label gives for it,
 * its name or its four characters (the sharer's and the viewer's NOTICE
 * CODEC_SWITCHED say it each way); KYOYU_CODEC_NONE when no loaded plugin
 * declared it.  Any thread. */
uint32_t kyoyu_codec_from_label(const char *label);

#endif
