#!/bin/sh
# SPDX-License-Identifier: MIT
# A goodbye that arrives: a sharer that leaves while its video fills a slow
# uplink (kt-netprobe's throttling proxy, 600 kbit/s) tells the viewer why
# at once.  Its BYE goes ahead of the video still waiting, the rest of the
# picture on its way is not sent, and the connection is not reset under
# it: the operator reads "left" within about a second, never "link lost".
. "$KYOYU_SRCDIR/tests/transport/lib.sh"

make_cert "$T/cert" || skip_all "--make-cert failed"
slow_uplink_session
left=$(date +%s%N)
"$KYOYU_AGENT" ctl leave --socket "$T/sharer.sock" >"$T/leave.out" 2>&1
check "the customer leaves" grep -qx "session ended (left)" "$T/leave.out"
wait_for 10 has "$T/viewer.out" "session ended"
heard=$(date +%s%N)
ms=$(( (heard - left) / 1000000 ))
note "the viewer heard the end $ms ms after the customer left: $(grep -o 'session ended (.*)' "$T/viewer.out")"
check "the viewer reads the customer's reason, not a lost link" \
	grep -q "session ended (left)" "$T/viewer.out"
check "within about a second (${ms} ms)" test "$ms" -le 1200
check "the viewer never took it for a lost link" sh -c '! grep -qi "lost the link\|link lost" "$0"' \
	"$T/viewer.err"
reap "$SHARER_PID" 10
check "the sharer ends cleanly" test "$STATUS" = 0
reap "$VIEWER_PID" 10
check "and so does the viewer" test "$STATUS" = 0
tap_done
