#!/bin/sh
# SPDX-License-Identifier: MIT
# The operator's console through the relay: one viewer that stays up (no
# -t) serves two customers one after the other, each with a new code the
# relay issued, and records each session into a file of its own whose facts
# name the operator as the desk CA vouched for them (the inner TLS's
# certificate), with the question the customer read.
. "$KYOYU_SRCDIR/tests/transport/lib.sh"
. "$KYOYU_SRCDIR/tests/relay/lib.sh"

check "a desk CA, an operator certificate it signs, the relay's certificate" \
	make_desk "$T/desk"
check "a redis-server of our own on loopback" start_redis
check "kyoyu-relay listens on one port" start_relay relay "$T/desk"

# The console stays up while its window does: ui/sdl on an Xvfb of its own.
if [ ! -f "$KYOYU_BUILDDIR/plugins/kyoyu-ui-sdl.la" ] || ! command -v Xvfb >/dev/null; then
	skip_all "ui/sdl is not built, or Xvfb is missing: the console needs its window"
fi
start_xvfb() {
	Xvfb -displayfd 5 -screen 0 1024x768x24 -nolisten tcp 5>"$T/display" \
		2>"$T/xvfb.log" &
	PIDS="$PIDS $!"
	wait_for 20 test -s "$T/display"
}
check "an X display for the console's window" start_xvfb
REC="$T/recordings"
DISPLAY=:$(cat "$T/display")
export DISPLAY
ONE_SESSION=""
# SDL loads and unloads its X11 and D-Bus libraries itself, leaks that
# cannot be attributed or suppressed: the window's process runs without
# leak checks, as in tests/e2e/ui-sdl.sh.
ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 SDL_RENDER_DRIVER=software \
	start_relay_viewer console "$T/desk" 8 \
		-o ui.plugin=sdl,tty -o record.enabled=true \
		-o "record.path=$REC/%i.webm" -o record.min_free_mb=1
V=$VIEWER_PID
codes_said() { [ "$(grep -c 'Read this code' "$T/console.out")" -ge "$1" ]; }
# recorded N: N recordings in $REC have pictures in them.
recorded() { [ "$(find "$REC" -name '*.webm' -size +0 2>/dev/null | wc -l)" -ge "$1" ]; }
sharing() { "$KYOYU_AGENT" ctl status --socket "$T/console.sock" 2>/dev/null | grep -q '^state: sharing'; }

# customer N: types the console's current code, agrees, shares until the
# console records its pictures, then leaves.
customer() {
	n=$1
	code=$(code_of console)
	customer_types "$code" >"$T/c$n.in"
	start_relay_sharer "c$n" "$T/c$n.in" "$T/desk"
	check "customer $n joins the console with the relay's code and is asked" \
		wait_for 30 has "$T/c$n.out" "would like to see your screen"
	check "customer $n: the console sees the screen" \
		wait_for 30 sharing
	# Sharing starts before the first picture is recorded: leave only
	# once this session's recording holds something.
	check "customer $n: and records it" wait_for 30 recorded "$n"
	"$KYOYU_AGENT" ctl leave --socket "$T/c$n.sock" >/dev/null 2>&1
	reap "$SHARER_PID"
	check "customer $n leaves; their agent exits cleanly" test "$STATUS" = 0
}

check "the console is given a code through the relay" wait_for 30 codes_said 1
customer 1
check "after the first session the console asks the relay for the next code" \
	wait_for 30 codes_said 2
check "and stays up" kill -0 "$V"
customer 2
check "it gets a third code for the next customer" wait_for 30 codes_said 3

"$KYOYU_AGENT" ctl sessions --socket "$T/console.sock" >"$T/sessions" 2>&1
sed 's/^/# /' "$T/sessions"
check "ctl sessions lists the two" test "$(grep -c '	' "$T/sessions")" = 2
files=$(cut -f5 "$T/sessions" | grep webm)
check "two distinct recordings" test "$(echo "$files" | sort -u | wc -l)" = 2
for f in $files; do
	b=$(basename "$f")
	check "$b: the operator as the desk CA vouches for them" \
		grep -q '"operator": "Ayumi Operator"' "$f.json"
	check "$b: the question the customer read, in English" sh -c \
		'grep -q "\"language\": \"en\"" "$0" &&
		 grep -q "\"notice\": \"The support team would like to see your screen" "$0"' \
		"$f.json"
done

kill -TERM "$V"
reap "$V"
check "SIGTERM closes the console with status 0" test "$STATUS" = 0
exec 8>&-
tap_done
