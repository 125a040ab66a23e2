#!/bin/sh
# SPDX-License-Identifier: MIT
# A goodbye that arrives: a sharer that leaves while its video fills a slow
# uplink (kt-netprobe's throttling proxy, 600 kbit/s) tells the viewer why
# at once.  Its BYE goes ahead of the video still waiting, the rest of the
# picture on its way is not sent, and the connection is not reset under
# it: the operator reads "left" within about a second, never "link lost".
. "$KYOYU_SRCDIR/tests/transport/lib.sh"

make_cert "$T/cert" || skip_all "--make-cert failed"
check "the viewer starts" start_viewer viewer "$T/cert" -o ui.stats_every_s=1
"$PROBE" proxy "$T/proxy.port" 127.0.0.1 "$PORT" 600 2>"$T/proxy.log" &
PIDS="$PIDS $!"
check "a 600 kbit/s uplink stands in the link" wait_for 10 test -s "$T/proxy.port"
PORT=$(cat "$T/proxy.port")
customer_types "$CODE" >"$T/code"
# A large screen that changes all the time, asked of the encoder at ten
# times the link: its pictures are tens of kilobytes, each takes the link
# a good part of a second.
start_sharer sharer "$T/code" -o capture.pattern=full -o capture.width=1280 \
	-o capture.height=720 -o codec.bitrate_kbps=6000
check "the sharer connects through it" wait_for 30 has "$T/viewer.out" "The customer (.*) is connected"
check "video fills the link" wait_for 20 has "$T/sharer.err" "the link is not keeping up"
sleep 3
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
