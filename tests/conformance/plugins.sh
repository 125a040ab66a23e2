#!/bin/sh
# SPDX-License-Identifier: MIT
# Conformance: kyoyu-plugin-check on every plugin built in plugins/ (as
# GStreamer's states test runs every element), then on plugins that break
# the contract on purpose and on a library that is no plugin, which it must
# refuse with the reason.  One TAP case per run, the tool's report as
# comments.
#
# A plugin that needs settings to start has tests/conformance/<kind>-<name>.opts:
# one KEY=VALUE a line, passed as -o KEY=VALUE, "#" lines ignored, and
# ${KYOYU_SRCDIR}, ${KYOYU_BUILDDIR} and ${TMPDIR} replaced; add it to
# CONFORMANCE_OPTS in tests/conformance/Makefile.inc.  A plugin appears
# here by being built: nothing else needs registering.
# KYOYU_CONFORMANCE_ONLY=codec/vpx,ui/sdl checks only those built plugins.
set -u
builddir=${KYOYU_BUILDDIR:?run me from make check}
srcdir=${KYOYU_SRCDIR:?}
. "$srcdir/tests/tap.sh"
tool=$builddir/kyoyu-plugin-check
tmp=$(mktemp -d "${TMPDIR:-/tmp}/kyoyu-conformance.XXXXXX")
xvfb=""
trap '[ -n "$xvfb" ] && kill "$xvfb" 2>/dev/null; rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM
TMPDIR=$tmp
export TMPDIR

[ -x "$tool" ] || skip_all "kyoyu-plugin-check is not built"

# run TARGET [ARGS...]: the tool's report in $tmp/out, its stderr in
# $tmp/err, its exit status in $status.
run() {
	target=$1
	shift
	"$tool" --plugin-path "$builddir/plugins" "$@" "$target" >"$tmp/out" 2>"$tmp/err"
	status=$?
}

# show: the report as TAP comments, and the end of stderr.
show() {
	sed 's/^/# /' "$tmp/out"
	[ -s "$tmp/err" ] && tail -n 15 "$tmp/err" | sed 's/^/# stderr: /'
}

# The -o arguments of tests/conformance/KIND-NAME.opts, one a line.
opts_of() {
	file=$srcdir/tests/conformance/$1.opts
	[ -f "$file" ] || return 0
	grep -v '^[ 	]*\(#\|$\)' "$file" | sed \
		-e "s|\${KYOYU_SRCDIR}|$srcdir|g" \
		-e "s|\${KYOYU_BUILDDIR}|$builddir|g" \
		-e "s|\${TMPDIR}|$tmp|g"
}

# expect_refusal NAME TARGET TEXT...: the tool exits 1 and its report
# holds every TEXT.
expect_refusal() {
	name=$1 target=$2
	shift 2
	run "$target"
	missing=""
	for text in "$@"; do
		grep -qF -- "$text" "$tmp/out" || missing="$missing \"$text\""
	done
	if [ "$status" = 1 ] && [ -z "$missing" ]; then
		ok "$name"
	else
		not_ok "$name"
		note "exit status $status (expected 1); missing from the report:$missing"
		show
	fi
}

# ---- every built plugin ----------------------------------------------------
checked=0
for la in "$builddir"/plugins/kyoyu-*.la; do
	[ -f "$la" ] || continue
	module=$(basename "$la" .la)
	kind_name=${module#kyoyu-}
	kind=${kind_name%%-*}
	label=$kind/${kind_name#*-}
	if [ -n "${KYOYU_CONFORMANCE_ONLY:-}" ]; then
		case ",$KYOYU_CONFORMANCE_ONLY," in *",$label,"*) ;; *) continue ;; esac
	fi
	# With --enable-static-plugins the .la is an archive linked into the
	# tool: it is checked by name.
	if grep -q "^dlname=''" "$la"; then
		target=$label
		label="$label (linked in)"
	else
		target=$la
	fi
	set --
	while IFS= read -r opt; do
		[ -n "$opt" ] && set -- "$@" -o "$opt"
	done <<EOF
$(opts_of "$kind_name")
EOF
	run "$target" "$@"
	checked=$((checked + 1))
	if [ "$status" = 0 ] && grep -q "conforms to plugin ABI" "$tmp/out"; then
		ok "$label conforms"
		grep '^#\|SKIP' "$tmp/out" | grep -v '^#   ' | sed 's/^/# /'
	else
		not_ok "$label conforms (kyoyu-plugin-check exit status $status)"
		show
	fi
done
# policy/default and capture/testsrc have no dependency: finding none
# means looking in the wrong place.
if [ -z "${KYOYU_CONFORMANCE_ONLY:-}" ] && [ "$checked" -eq 0 ]; then
	not_ok "plugins are built in $builddir/plugins"
fi

[ -n "${KYOYU_CONFORMANCE_ONLY:-}" ] && { tap_done; exit; }

# ---- what it must refuse -----------------------------------------------------
plugins=$builddir/tests/plugins
lib=$builddir/core/.libs/$(sed -n "s/^dlname='\(.*\)'/\1/p" "$builddir/core/libkyoyu.la")

expect_refusal "a library that is not a plugin is refused: $(basename "$lib")" "$lib" \
	"not ok 1 - load" "it is not a kyoyu plugin: it exports no kyoyu_plugin_describe"
expect_refusal "a plugin calling the core's own gate is refused at load" \
	"$plugins/kyoyu-capture-private.la" \
	"it calls kyoyu_bus_open_to, which is not part of plugin ABI"
expect_refusal "a capture breaking the bus contract is named for each breach" \
	"$plugins/kyoyu-capture-rude.la" \
	"not ok 4 - capture as sharer with bgrx frames" \
	"while the session was connecting and awaiting consent" \
	"while the session was paused" \
	"the first picture after sharing started is not flagged KYOYU_FRAME_KEY" \
	"the first picture after sharing resumed is not flagged KYOYU_FRAME_KEY" \
	"damage 62,46 4x4 lies outside its 64x48 picture" \
	"capture/rude does not conform: 1 of 4 checks failed"
expect_refusal "a codec deaf to keyframe requests, without capture times, is refused" \
	"$plugins/kyoyu-codec-deaf.la" \
	"no packet of that frame or a later one is a keyframe" \
	"the capture time of no frame sent" \
	"codec/deaf does not conform: 3 of 6 checks failed"
# ASan turns the SIGSEGV into its report and an abort, or an exit status.
run "$plugins/kyoyu-capture-crash.la"
if [ "$status" = 1 ] && grep -q "^not ok 4 - capture as sharer" "$tmp/out" &&
	grep -Eq "crashed here: signal|ended here with exit status" "$tmp/out"; then
	ok "a plugin that crashes is reported with the check it crashed in"
else
	not_ok "a plugin that crashes is reported with the check it crashed in"
	show
fi
run "$plugins/kyoyu-capture-good.la" -o fps=20 -o capture.width=32 -o nosuch=1
if [ "$status" = 1 ] && grep -q 'capture.fps = 20' "$tmp/out" &&
	grep -q 'capture.width = 32' "$tmp/out" &&
	grep -q 'capture/good has no option "nosuch"' "$tmp/out"; then
	ok "-o sets the plugin's options, with or without the group; an unknown key fails"
else
	not_ok "-o sets the plugin's options, with or without the group; an unknown key fails"
	show
fi
run "$plugins/kyoyu-capture-good.la" -o codec.fps=20
if [ "$status" = 1 ] && grep -q 'reads its options from the group "capture"; write capture.fps' "$tmp/err"; then
	ok "-o with another plugin kind's group is refused, naming the right one"
else
	not_ok "-o with another plugin kind's group is refused, naming the right one"
	show
fi

# ---- on a real display: what skipped above for want of one ------------------
# Last, as it changes the environment.
# expect_on_display LABEL ROLE [ARGS...]: plugins/kyoyu-LABEL conforms, and
# its cases as ROLE ran (no SKIP).
expect_on_display() {
	label=$1 role=$2
	la=$builddir/plugins/kyoyu-$(echo "$label" | tr / -).la
	shift 2
	if [ ! -f "$la" ] || grep -q "^dlname=''" "$la"; then
		skip "$label is not built as a module"
		return
	fi
	run "$la" "$@"
	if [ "$status" = 0 ] && ! grep -q "as $role .*# SKIP" "$tmp/out"; then
		ok "$label conforms as $role on a real X display"
	else
		not_ok "$label conforms as $role on a real X display (exit status $status)"
		show
	fi
}

if command -v Xvfb >/dev/null; then
	Xvfb -displayfd 3 -screen 0 640x480x24 -nolisten tcp 3>"$tmp/display" \
		2>"$tmp/xvfb.log" &
	xvfb=$!
	if wait_for 20 test -s "$tmp/display"; then
		DISPLAY=:$(cat "$tmp/display")
		export DISPLAY
		expect_on_display capture/x11 sharer -o display="$DISPLAY"
		expect_on_display ui/x11-overlay sharer
		# SDL's own libraries (libX11, D-Bus) leak at exit, as
		# tests/e2e/ui-sdl.sh knows.
		ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 SDL_RENDER_DRIVER=software
		export ASAN_OPTIONS SDL_RENDER_DRIVER
		expect_on_display ui/sdl viewer
	else
		not_ok "Xvfb starts for the display plugins"
		sed 's/^/# /' "$tmp/xvfb.log"
	fi
fi

tap_done
