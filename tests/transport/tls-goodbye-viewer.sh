#!/bin/sh
# SPDX-License-Identifier: MIT
# The viewer's goodbye arrives too: the operator ends the session while the
# customer's video fills a slow uplink (kt-netprobe's throttling proxy,
# 600 kbit/s), so the viewer still has video on its way to it when it says
# BYE.  Closing at once would make its kernel reset the connection under
# the goodbye; it hangs up and reads on until the sharer closes, and the
# customer reads "the support person ended it", never a lost link.
. "$KYOYU_SRCDIR/tests/transport/lib.sh"

make_cert "$T/cert" || skip_all "--make-cert failed"
slow_uplink_session
ended=$(date +%s%N)
"$KYOYU_AGENT" ctl end --socket "$T/viewer.sock" >"$T/end.out" 2>&1
check "the operator ends it" grep -qx "session ended (ended by operator)" "$T/end.out"
wait_for 10 has "$T/sharer.out" "The session has ended"
heard=$(date +%s%N)
ms=$(( (heard - ended) / 1000000 ))
note "the proxy: $(tr '\n' ';' <"$T/proxy.log")"
note "the customer heard the end $ms ms after the operator ended it: $(grep -o 'The session has ended.*' "$T/sharer.out")"
check "the customer reads that the support person ended it, not a lost link" \
	has "$T/sharer.out" "The session has ended: the support person ended it"
check "within about a second (${ms} ms)" test "$ms" -le 1200
check "the viewer did not reset the link under its goodbye" sh -c '! grep "the server.s side reset" "$0"' \
	"$T/proxy.log"
check "the sharer never took it for a lost link" sh -c '! grep -qi "lost the link\|link lost\|link was lost" "$0"' \
	"$T/sharer.err"
reap "$VIEWER_PID" 10
check "the viewer ends cleanly" test "$STATUS" = 0
reap "$SHARER_PID" 10
check "and so does the sharer" test "$STATUS" = 0
tap_done
