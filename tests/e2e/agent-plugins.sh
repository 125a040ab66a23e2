#!/bin/sh
# SPDX-License-Identifier: MIT
# A running agent keeps only the plugins it runs.  Checking the whole
# configuration loads every plugin any slot names (both roles' defaults),
# and a loaded plugin is never unloaded, so the check runs in a child
# process: a sharer would otherwise carry the viewer's libavcodec and its
# dependencies (some 28 MB) for the whole session.  The check itself must
# still cover the plugins the agent does not run.
. "$KYOYU_SRCDIR/tests/transport/lib.sh"

[ -f "$KYOYU_BUILDDIR/plugins/kyoyu-capture-testsrc.la" ] ||
	skip_all "kyoyu-capture-testsrc is not built"
[ -f "$KYOYU_BUILDDIR/plugins/kyoyu-transport-tls.la" ] ||
	skip_all "kyoyu-transport-tls is not built"
make_cert "$T/cert" || skip_all "--make-cert failed"

# The kyoyu modules PID has mapped, one name a line, sorted.
modules_of() {
	grep -o 'kyoyu-[a-z0-9]*-[a-z0-9_-]*\.so' "/proc/$1/maps" | sed 's/\.so$//' | sort -u
}

if grep -q '^#define KYOYU_STATIC_PLUGINS' "$KYOYU_BUILDDIR/config.h"; then
	# Linked into the agent: there is no module file to map or not.
	for i in 1 2 3; do skip "plugins are linked into the agent (--enable-static-plugins)"; done
else
	start_viewer viewer "$T/cert"
	customer_types "$CODE" >"$T/code"
	start_sharer sharer "$T/code"
	wait_for 30 has "$T/sharer.err" "connected to" ||
		note "the sharer did not connect: $(tail -3 "$T/sharer.err")"
	modules_of "$SHARER_PID" >"$T/sharer.modules"
	note "sharer modules: $(tr '\n' ' ' <"$T/sharer.modules")"
	printf '%s\n' kyoyu-capture-testsrc "kyoyu-codec-$CODEC" kyoyu-policy-default \
		kyoyu-transport-tls kyoyu-ui-tty | sort >"$T/expected"
	check "a sharer has mapped exactly the five plugins it runs" \
		cmp -s "$T/expected" "$T/sharer.modules"
	modules_of "$VIEWER_PID" >"$T/viewer.modules"
	check "the viewer has not mapped the sharer's capture plugin" \
		sh -c '! grep -q "^kyoyu-capture-" "$0"' "$T/viewer.modules"
	key e
	reap "$SHARER_PID" 30
	check "the sharer ends cleanly when the operator ends the session" test "$STATUS" = 0
	reap "$VIEWER_PID" 30
fi

# A sharer's configuration with a bad value for a viewer's plugin is still
# refused before anything starts.
if [ -f "$KYOYU_BUILDDIR/plugins/kyoyu-ui-sdl.la" ]; then
	"$KYOYU_AGENT" -r sharer -o capture.plugin=testsrc -o ui.font_size=200 -t 5 \
		</dev/null >"$T/bad.out" 2>"$T/bad.err"
	STATUS=$?
	check "a bad ui/sdl value is refused by a sharer, which does not run ui/sdl" \
		test "$STATUS" = 1
	check "the message names the key, its value and the range" \
		has "$T/bad.err" "ui.font_size = 200 is out of range 8..64"
else
	skip "ui/sdl is not built"
	skip "ui/sdl is not built"
fi
"$KYOYU_AGENT" -r sharer -o capture.plugin=testsrc -o codec.nonsense=1 -t 5 \
	</dev/null >"$T/unknown.out" 2>"$T/unknown.err"
STATUS=$?
check "an unknown key is refused the same way" test "$STATUS" = 1
check "the message says no plugin knows it" \
	has "$T/unknown.err" "unknown key codec.nonsense: neither the core nor the codec plugins"
check "nothing started: no session line" sh -c '! grep -q "session" "$0"' "$T/unknown.err"
tap_done
