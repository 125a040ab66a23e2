/* SPDX-License-Identifier: MIT */
/* UTF-8 checks for text from files and the command line: lengths people
 * read are counted in characters, never bytes. */
#ifndef KYOYU_UTF8_H
#define KYOYU_UTF8_H

#include <stddef.h>

/* The number of characters in the NUL-terminated TEXT, or -1 when it is
 * not valid UTF-8 (overlong forms, surrogates and values past U+10FFFF
 * included). */
long kyoyu_utf8_chars(const char *text);

#endif
