# SPDX-License-Identifier: MIT
# Shared by the tests/e2e shell tests: TAP counting, a private Xvfb, agent
# processes and their clean-up.  Sourced with KYOYU_AGENT, KYOYU_BUILDDIR
# and KYOYU_SRCDIR set by the harness.

: "${KYOYU_AGENT:?run from make check}" "${KYOYU_BUILDDIR:?}" "${KYOYU_SRCDIR:?}"
. "$KYOYU_SRCDIR/tests/tap.sh"
E2E_TMP=$(mktemp -d /tmp/kyoyu-e2e.XXXXXX)
E2E_PIDS=""
E2E_PLUGIN_PATH="$KYOYU_BUILDDIR/tests/e2e:$KYOYU_BUILDDIR/tests/plugins"

e2e_cleanup() {
	for pid in $E2E_PIDS; do
		kill "$pid" 2>/dev/null
	done
	for pid in $E2E_PIDS; do
		wait "$pid" 2>/dev/null
	done
	rm -rf "$E2E_TMP"
}
trap e2e_cleanup EXIT
trap 'exit 1' INT TERM

# A codec that stands in for the real ones: the fake pass-through from
# tests/plugins, else any real one that is built.
e2e_codec() {
	if [ -f "$KYOYU_BUILDDIR/tests/plugins/kyoyu-codec-fake.la" ]; then
		echo fake
	elif [ -f "$KYOYU_BUILDDIR/plugins/kyoyu-codec-vpx.la" ]; then
		echo vpx
	else
		return 1
	fi
}

# viewer_window PID: the X id of the viewer's window on $DISPLAY, by its
# title or, failing that (a title search came back empty under a loaded
# parallel make check), by the viewer's process id PID.
viewer_window() {
	{ xdotool search --name '^kyoyu' 2>/dev/null ||
		xdotool search --pid "$1" 2>/dev/null; } | head -1
}

# start_xvfb WIDTH HEIGHT: a private X server; sets DISPLAY.
start_xvfb() {
	command -v Xvfb >/dev/null || return 1
	Xvfb -displayfd 3 -screen 0 "${1}x${2}x24" -nolisten tcp \
		3>"$E2E_TMP/display" 2>"$E2E_TMP/xvfb.log" &
	E2E_PIDS="$E2E_PIDS $!"
	wait_for 20 test -s "$E2E_TMP/display" || return 1
	DISPLAY=:$(cat "$E2E_TMP/display")
	export DISPLAY
}

# tell_peer LINE: writes LINE to the control FIFO of transport/e2epeer
# ($E2E_TMP/fifo).  Fails after 10 s instead of hanging in open() when no
# agent reads it any more (it ended, or died).
tell_peer() {
	timeout 10 sh -c 'echo "$1" >"$2"' tell_peer "$1" "$E2E_TMP/fifo"
}

# start_agent NAME ARGS...: runs kyoyu-agent in the background, its output
# in $E2E_TMP/NAME.log; its pid in $AGENT_PID.
start_agent() {
	name=$1
	shift
	"$KYOYU_AGENT" --plugin-path "$E2E_PLUGIN_PATH" "$@" >"$E2E_TMP/$name.log" 2>&1 &
	AGENT_PID=$!
	E2E_PIDS="$E2E_PIDS $AGENT_PID"
}

# stopped PID: true once the process has exited.
stopped() { ! kill -0 "$1" 2>/dev/null; }

# state_is SOCKET STATE: the agent behind SOCKET says it is in STATE.
state_is() {
	"$KYOYU_AGENT" ctl status --socket "$1" 2>/dev/null | grep -q "^state: $2"
}
