#!/bin/sh
# SPDX-License-Identifier: MIT
# The manuals stay true and clean: every option each program's --help
# lists is in its page, each page names the version the programs print,
# and groff, mandoc and lexgrog (man-db's whatis parser) read every page
# without a warning.  kyoyu.cfg(5)'s keys: tests/unit/config-docs.sh.
: "${KYOYU_AGENT:?run from make check}" "${KYOYU_SRCDIR:?}" "${KYOYU_BUILDDIR:?}"
. "$KYOYU_SRCDIR/tests/tap.sh"
MAN=$KYOYU_SRCDIR/docs/man

# The long options a program's --help lists, each in its page as \-\-name.
options_in_page() {
	program=$1 page=$2
	missing=""
	for opt in $("$program" --help | grep -o -- '--[a-z][a-z-]*' | sort -u); do
		grep -qF -- "$(echo "$opt" | sed 's/-/\\-/g')" "$page" || missing="$missing $opt"
	done
	if [ -z "$missing" ]; then
		ok "$(basename "$page") has every option of $(basename "$program") --help"
	else
		not_ok "$(basename "$page") has every option of $(basename "$program") --help (missing:$missing)"
	fi
}

lexgrog_quiet() { lexgrog "$1" >/dev/null; }

pages="$MAN/kyoyu-agent.1 $MAN/kyoyu-plugin-check.1 $KYOYU_BUILDDIR/docs/man/kyoyu.cfg.5"
options_in_page "$KYOYU_AGENT" "$MAN/kyoyu-agent.1"
options_in_page "$KYOYU_BUILDDIR/kyoyu-plugin-check" "$MAN/kyoyu-plugin-check.1"
if [ -x "$KYOYU_BUILDDIR/kyoyu-relay" ]; then
	options_in_page "$KYOYU_BUILDDIR/kyoyu-relay" "$MAN/kyoyu-relay.8"
	pages="$pages $MAN/kyoyu-relay.8"
else
	skip "kyoyu-relay is not built (libhiredis-dev)"
fi

version=$("$KYOYU_AGENT" --version | awk '{ print $2 }')
for page in $pages; do
	name=$(basename "$page")
	check "$name names kyoyu $version" grep -q "^\.TH .* \"kyoyu $version\"" "$page"
	out=$(LC_ALL=C.UTF-8 groff -wall -man -Tutf8 -z "$page" 2>&1)
	if [ -z "$out" ]; then ok "groff -wall reads $name without a warning"
	else note "$out"; not_ok "groff -wall reads $name without a warning"; fi
	if command -v mandoc >/dev/null 2>&1; then
		out=$(mandoc -T lint -W warning "$page" 2>&1)
		if [ -z "$out" ]; then ok "mandoc -T lint finds nothing in $name"
		else note "$out"; not_ok "mandoc -T lint finds nothing in $name"; fi
	else
		skip "mandoc is not installed"
	fi
	check "lexgrog finds the NAME line of $name" lexgrog_quiet "$page"
done
tap_done
