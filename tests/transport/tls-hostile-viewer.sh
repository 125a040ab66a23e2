#!/bin/sh
# SPDX-License-Identifier: MIT
# The customer's agent against a hostile viewer: a real sharer (tty UI, test
# desktop) connects to tests/transport/kt-bad-viewer, which holds the
# viewer's own certificate (the pin matches) and welcomes it properly, then
# misbehaves:
#   1. floods of pointers, pings, keyframe requests, reports and limits
#      (10 550 frames) before the customer answers, while sharing and while
#      paused; the customer then stops;
#   2. an oversized POINTER (1 MiB claimed) while sharing;
#   3. a POINTER out of range (-100000, 0) while sharing;
#   4. an oversized CONSENT (300 bytes claimed) before the answer;
#   5. a CONSENT "granted" of its own (a sharer's message) before the answer.
# The sharer never crashes (no sanitizer report), sends no picture before
# the customer's yes nor while paused, and ends in every case, within
# seconds, telling the customer why.
. "$KYOYU_SRCDIR/tests/transport/lib.sh"

BAD="$KYOYU_BUILDDIR/tests/transport/kt-bad-viewer"
make_cert "$T/cert" || skip_all "--make-cert failed"

# What the sharer's screen content looks like on the wire.
SCREEN='^rx \(VIDEO\|VIDEO_CONFIG\|CURSOR\|CURSOR_SHAPE\) '

# bad_viewer NAME: kt-bad-viewer taking commands on descriptor 7; sets PORT.
bad_viewer() {
	mkfifo "$T/$1.cmd"
	"$BAD" "$T/$1.port" "$T/cert" "$T/$1.log" <"$T/$1.cmd" 2>"$T/$1.bad.err" &
	PIDS="$PIDS $!"
	exec 7>"$T/$1.cmd"
	wait_for 20 test -s "$T/$1.port" || return 1
	PORT=$(cat "$T/$1.port")
}
# customer NAME: a sharer for bad_viewer NAME, its keys on descriptor 9;
# types a code and waits for the question before anything is shared.
customer() {
	mkfifo "$T/$1.in"
	start_sharer "$1" "$T/$1.in"
	exec 9>"$T/$1.in"
	wait_for 30 has "$T/$1.out" "Type the 9-digit code" || return 1
	echo 123456789 >&9
	wait_for 20 has "$T/$1.log" '^welcomed' &&
		wait_for 20 has "$T/$1.out" "Allow?"
}
cmd() { echo "$1" >&7; }
# sent NAME COMMAND: the bad viewer has sent it all.
sent() { wait_for 60 has "$T/$1.log" "^sent $2"; }
screen_lines() { grep -c "$SCREEN" "$1" || true; }
# lines_after FILE PATTERN: what FILE says after the last line matching PATTERN.
lines_after() { awk -v p="$2" '$0 ~ p { buf = ""; next } { buf = buf $0 "\n" } END { printf "%s", buf }' "$1"; }
# ends NAME: the sharer exits within 20 s; sets STATUS.
ends() {
	exec 9>&-
	reap "$SHARER_PID" 20
	exec 7>&-
	[ "$STATUS" -ne 124 ]
}
# pongs_after FILE PATTERN: a PONG came after the last line matching PATTERN.
pongs_after() {
	[ "$(awk -v p="$2" '$0 ~ p { n = 0; seen = 1; next } seen && /^rx PONG/ { n++ }
		END { print n + 0 }' "$1")" -ge 1 ]
}
no_sanitizer_report() { ! grep -q 'AddressSanitizer\|runtime error\|LeakSanitizer' "$1"; }

# 1. Floods before the answer, while sharing and while paused.
if bad_viewer floods && customer floods; then
	for f in "pointer 3000" "ping 2000" "keyframe 500" "report 500" "limits 50"; do
		cmd "flood $f"
	done
	sent floods "flood limits"
	check "floods before the customer's answer: nothing of the screen is sent" \
		test "$(screen_lines "$T/floods.log")" -eq 0
	check "floods before the answer: the question is still there, nothing shared" \
		sh -c '! grep -q "now shared" "$0"' "$T/floods.out"
	echo y >&9
	wait_for 20 has "$T/floods.out" "now shared" && wait_for 20 has "$T/floods.log" '^rx VIDEO '
	check "after the customer's yes the screen is shared (despite the floods)" \
		has "$T/floods.log" '^rx VIDEO '
	cmd "flood pointer 3000"
	cmd "flood ping 2000"
	sent floods "flood ping 2000"
	echo p >&9
	wait_for 20 has "$T/floods.log" '^rx PAUSED'
	cmd "flood keyframe 500"
	cmd "flood pointer 1000"
	# A barrier: once the sharer answered these, it has read all the above.
	cmd "flood ping 20"
	wait_for 30 pongs_after "$T/floods.log" '^sent flood ping 20'
	check "while paused nothing of the screen is sent, floods or not" \
		test -z "$(lines_after "$T/floods.log" '^rx PAUSED' | grep "$SCREEN")"
	echo q >&9
	ends floods
	check "the customer stops: the sharer ends within 20 s and says goodbye" \
		sh -c '[ "$0" -ne 124 ] && grep -q "^rx BYE" "$1"' "$STATUS" "$T/floods.log"
	check "the customer is told the session ended" has "$T/floods.out" "The session has ended"
	check "no sanitizer report after the floods" no_sanitizer_report "$T/floods.err"
	note "floods: the viewer received $(grep -c '^rx PONG' "$T/floods.log") PONG, $(screen_lines "$T/floods.log") screen frames, $(grep -c '^rx PAUSED' "$T/floods.log") PAUSED"
else
	not_ok "the sharer reached the bad viewer's question (floods)"
fi

# scenario NAME WHEN COMMAND: the bad viewer sends COMMAND before the
# customer's answer (WHEN=before) or while sharing (WHEN=sharing); the
# sharer must end, tell the customer, and never crash.
scenario() {
	name=$1 when=$2 what=$3
	if ! bad_viewer "$name" || ! customer "$name"; then
		not_ok "the sharer reached the bad viewer's question ($name)"
		return
	fi
	if [ "$when" = sharing ]; then
		echo y >&9
		wait_for 20 has "$T/$name.log" '^rx VIDEO '
	fi
	before=$(screen_lines "$T/$name.log")
	cmd "$what"
	wait_for 20 finished "$SHARER_PID"
	ends "$name"
	if [ "$when" = before ]; then at="before the answer"; else at="while sharing"; fi
	check "$what ($at): the sharer ends within 20 s" test "$STATUS" -ne 124
	check "$what: the customer is told the session ended, and why" sh -c \
		'grep -q "does not understand" "$0" && grep -q "The session has ended" "$0"' \
		"$T/$name.out"
	if [ "$when" = before ]; then
		check "$what: nothing of the screen was ever sent" test "$(screen_lines "$T/$name.log")" -eq 0
	else
		check "$what: sharing stopped (the sharer closed)" has "$T/$name.log" '^closed'
	fi
	check "$what: no sanitizer report" no_sanitizer_report "$T/$name.err"
	note "$name: $before screen frames before, $(screen_lines "$T/$name.log") at the end; exit status $STATUS"
}
scenario pointer sharing "oversized pointer 1048576"
scenario pointer-range sharing "wrong pointer"
scenario consent before "oversized consent 300"
scenario own-consent before "wrong consent"
tap_done
