#!/bin/sh
# SPDX-License-Identifier: MIT
# The operator's view follows the sharer's last word: a hostile sharer with
# the right code sends 10 001 PAUSED/RESUMED frames, ending with PAUSED, as
# fast as TLS carries them; the viewer's terminal ends on "paused", having
# printed a bounded number of lines (docs/protocol.md, PAUSED).
. "$KYOYU_SRCDIR/tests/transport/lib.sh"

make_cert "$T/cert" || skip_all "--make-cert failed"
check "a viewer" start_viewer viewer "$T/cert"
{
	hello_frame "$(digits_of "$CODE")"
	# CONSENT granted: the customer allows sharing (nothing is shared before).
	printf '\000\000\000\001\007\002'
	i=0
	while [ $i -lt 5000 ]; do
		printf '\000\000\000\000\010\000\000\000\000\011'
		i=$((i + 1))
	done
	printf '\000\000\000\000\010'
} >"$T/flood"
check "10 001 frames after the hello and the consent: $(($(wc -c <"$T/flood") - 41)) bytes" \
	test "$(wc -c <"$T/flood")" = $((35 + 6 + 10001 * 5))
timeout 10 "$PROBE" tls-send 127.0.0.1 "$PORT" 35 <"$T/flood" >"$T/probe.out" 2>&1 &
PROBE_PID=$!
PIDS="$PIDS $PROBE_PID"
check "the hostile sharer gets in with the code" \
	wait_for 20 has "$T/viewer.out" "The customer.* is connected"
last() { grep "The customer paused sharing\|The customer shares the screen again" "$T/viewer.out" | tail -1; }
paused_last() { [ "$(last)" = "The customer paused sharing." ]; }
check "the operator's view ends on \"paused\"" wait_for 10 paused_last
sleep 1
check "and stays there" paused_last
n=$(grep -c "The customer paused sharing\|The customer shares the screen again" "$T/viewer.out")
note "pause/resume lines shown to the operator: $n"
check "after at most a few lines, not 10 001" test "$n" -le 50
key e
reap "$VIEWER_PID"
check "the viewer ends cleanly (no sanitizer report)" sh -c \
	'[ $0 = 0 ] && ! grep -q "Sanitizer\|runtime error" "$1"' "$STATUS" "$T/viewer.err"
tap_done
