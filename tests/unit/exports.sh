#!/bin/sh
# SPDX-License-Identifier: MIT
# libkyoyu exports exactly the functions the installed headers declare
# (core/include/kyoyu/*.h), as core/libkyoyu.sym lists them, and nothing a
# header of the core's own (core/*.h) declares: the bus's gate, the stages'
# threads, the loader, the settings and the session stay out of a plugin's
# reach.  The headers are read through the C preprocessor (comments and
# macros gone); the library through `nm -D --defined-only`.  Prints TAP and
# names every difference.
set -u
builddir=${KYOYU_BUILDDIR:?run me from make check}
srcdir=${KYOYU_SRCDIR:?}
cc=${KYOYU_CC:-cc}
. "$srcdir/tests/tap.sh"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/kyoyu-exports.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

# The kyoyu_ functions (and variables) declared at file scope of the
# preprocessed C on stdin, one a line: no typedef, no static inline, nothing
# inside braces.
declared() {
	awk '
	function flush(stmt,    name) {
		if (stmt ~ /^[ \t]*(typedef|static)[ \t]/)
			return
		if (match(stmt, /kyoyu_[A-Za-z0-9_]*[ \t]*\(/)) {
			name = substr(stmt, RSTART, RLENGTH - 1)
			sub(/[ \t]+$/, "", name)
			print name
		} else if (stmt ~ /^[ \t]*extern[ \t]/ &&
			   match(stmt, /kyoyu_[A-Za-z0-9_]*[ \t]*(\[[^]]*\])?[ \t]*$/)) {
			name = substr(stmt, RSTART, RLENGTH)
			sub(/[ \t[].*$/, "", name)
			print name
		}
	}
	{
		for (i = 1; i <= length($0); i++) {
			c = substr($0, i, 1)
			if (c == "{") {
				depth++
				stmt = ""
			} else if (c == "}") {
				depth--
				stmt = ""
			} else if (depth == 0 && c == ";") {
				flush(stmt)
				stmt = ""
			} else if (depth == 0) {
				stmt = stmt c
			}
		}
		stmt = stmt " "
	}'
}

# declarations_of HEADER...: what the headers declare, sorted.  Their
# #include lines go first, so only their own declarations are read.
declarations_of() {
	for h in "$@"; do
		sed '/^[ \t]*#[ \t]*include/d' "$h" | $cc -E -P -x c - || return 1
	done | declared | LC_ALL=C sort -u
}

# names FILE: its lines as one comma-separated list, for a message.
names() { paste -s -d, "$1" | sed 's/,/, /g'; }

lib=$builddir/core/.libs/$(sed -n "s/^dlname='\(.*\)'/\1/p" "$builddir/core/libkyoyu.la")
if [ ! -f "$lib" ]; then
	skip_all "no shared libkyoyu in $builddir/core/.libs"
fi

declarations_of "$srcdir"/core/include/kyoyu/*.h >"$tmp/public" ||
	{ not_ok "the installed headers go through the preprocessor ($cc -E)"; tap_done; exit; }
declarations_of "$srcdir"/core/*.h >"$tmp/core"
nm -D --defined-only "$lib" | awk '{ print $NF }' | LC_ALL=C sort -u >"$tmp/exported"
grep -v '^[ \t]*$' "$srcdir/core/libkyoyu.sym" | LC_ALL=C sort -u >"$tmp/listed"

# A parser that found nothing would make every comparison below pass.
count=$(wc -l <"$tmp/public")
if [ "$count" -ge 40 ]; then
	ok "the installed headers declare $count functions"
else
	not_ok "the installed headers declare $count functions; the header parser of this test lost its way"
fi

LC_ALL=C comm -23 "$tmp/public" "$tmp/exported" >"$tmp/missing"
if [ -s "$tmp/missing" ]; then
	not_ok "libkyoyu exports every function <kyoyu/*.h> declares"
	note "declared but not exported by $lib: $(names "$tmp/missing")"
	note "add them to core/libkyoyu.sym, or define them in libkyoyu's sources"
else
	ok "libkyoyu exports every function <kyoyu/*.h> declares"
fi

LC_ALL=C comm -13 "$tmp/public" "$tmp/exported" >"$tmp/extra"
if [ -s "$tmp/extra" ]; then
	not_ok "libkyoyu exports nothing <kyoyu/*.h> does not declare"
	note "exported by $lib but declared in no installed header: $(names "$tmp/extra")"
	note "declare them in core/include/kyoyu/, or take them out of core/libkyoyu.sym"
else
	ok "libkyoyu exports nothing <kyoyu/*.h> does not declare"
fi

LC_ALL=C comm -3 "$tmp/public" "$tmp/listed" >"$tmp/unlisted"
if [ -s "$tmp/unlisted" ]; then
	not_ok "core/libkyoyu.sym lists exactly what <kyoyu/*.h> declares"
	LC_ALL=C comm -23 "$tmp/public" "$tmp/listed" >"$tmp/a"
	LC_ALL=C comm -13 "$tmp/public" "$tmp/listed" >"$tmp/b"
	[ -s "$tmp/a" ] && note "declared, not listed: $(names "$tmp/a")"
	[ -s "$tmp/b" ] && note "listed, not declared: $(names "$tmp/b")"
else
	ok "core/libkyoyu.sym lists exactly what <kyoyu/*.h> declares"
fi

# The core's own functions: declared in core/*.h and not public.
LC_ALL=C comm -23 "$tmp/core" "$tmp/public" >"$tmp/private"
LC_ALL=C comm -12 "$tmp/private" "$tmp/exported" >"$tmp/leaked"
if [ ! -s "$tmp/private" ]; then
	not_ok "no function of the core's own headers (core/*.h) is exported: none found to check"
elif [ -s "$tmp/leaked" ]; then
	not_ok "no function of the core's own headers (core/*.h) is exported"
	note "core-private but exported by $lib: $(names "$tmp/leaked")"
else
	ok "none of the $(wc -l <"$tmp/private") functions of the core's own headers (core/*.h) is exported"
fi

tap_done
