/* SPDX-License-Identifier: MIT */
/* transport/record: where a recording goes.  record.path is a template
 * (strftime fields and %i, the recording's id), a recording never replaces
 * a file, and the files are the operator's alone (0600, in directories
 * created 0700). */
#ifndef KYOYU_TRANSPORT_RECORD_PATH_H
#define KYOYU_TRANSPORT_RECORD_PATH_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Characters in a recording id (%i): hexadecimal digits. */
#define RECORD_ID_LEN 8

/* Checks TEMPLATE: every '%' starts a field this module knows (%i, %%, and
 * strftime's date and time fields, listed in the message).  Returns 0, or
 * -EINVAL with the reason in ERR. */
int record_path_check(const char *template, char *err, size_t errlen);

/* TEMPLATE with %i replaced by ID and the strftime fields by TM, into OUT.
 * Returns 0, -EINVAL (see record_path_check) or -ENAMETOOLONG. */
int record_path_expand(const char *template, const char *id, const struct tm *tm,
		       char *out, size_t len, char *err, size_t errlen);

/* Makes sure FILE's directory can take a recording: creates the missing
 * directories (0700), checks that the process may write there and that
 * at least MIN_FREE_MB MiB are free.  Returns 0, or a negative errno with
 * the reason and the fix in ERR. */
int record_path_prepare_dir(const char *file, int64_t min_free_mb, char *err,
			    size_t errlen);

/* Creates WANTED as an empty file of mode 0600 — or, when a file of that
 * name exists, WANTED with "-2", "-3"... before its extension — and puts
 * the name created into OUT.  Returns 0 or a negative errno. */
int record_path_claim(const char *wanted, char *out, size_t len);

/* PATH with "-N" before its extension, into OUT (for N > 1). */
void record_path_numbered(const char *path, unsigned n, char *out, size_t len);

#endif
