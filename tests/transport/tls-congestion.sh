#!/bin/sh
# SPDX-License-Identifier: MIT
# Latency before throughput: through a 150 kbit/s uplink (kt-netprobe's
# throttling proxy), a sharer asked for 1500 kbit/s of a screen that changes
# all the time lowers its bitrate by itself and keeps the delay bounded
# instead of queueing seconds of video; the picture keeps moving.
. "$KYOYU_SRCDIR/tests/transport/lib.sh"

make_cert "$T/cert" || skip_all "--make-cert failed"
check "the viewer starts" start_viewer viewer "$T/cert" -o ui.stats_every_s=1
"$PROBE" proxy "$T/proxy.port" 127.0.0.1 "$PORT" 150 2>"$T/proxy.log" &
PIDS="$PIDS $!"
check "a 150 kbit/s uplink stands in the link" wait_for 10 test -s "$T/proxy.port"
PORT=$(cat "$T/proxy.port")
customer_types "$CODE" >"$T/code"
start_sharer sharer "$T/code" -o capture.pattern=full -o codec.bitrate_kbps=1500
check "the sharer connects through it" wait_for 30 has "$T/viewer.out" "The customer (.*) is connected"
check "the sharer notices and asks its encoder for less" \
	wait_for 20 has "$T/sharer.err" "the link is not keeping up: asking the encoder for"
sleep 20
key e
reap "$SHARER_PID" 20
check "the operator's end reaches the sharer at once (the other way is not slow)" \
	sh -c '[ $0 = 0 ] && grep -q "session ended (ended by operator)" "$1"' "$STATUS" "$T/sharer.out"
note "sharer: $(grep -o 'asking the encoder for [0-9]* kbit/s' "$T/sharer.err" | tr '\n' ';')"
grep "Link:" "$T/viewer.out" | sed 's/.*Link: \([0-9]*\) kbit\/s, \([0-9]*\) fps.*latency \([0-9]*\) ms.*/\1 \2 \3/' \
	>"$T/link"
note "viewer, each second (kbit/s fps latency-ms): $(tr '\n' ';' <"$T/link")"
# The second half of the run: after the first cuts.
lines=$(wc -l <"$T/link")
tail -n $((lines / 2)) "$T/link" >"$T/late"
median=$(cut -d' ' -f3 "$T/late" | sort -n | sed -n "$(( ($(wc -l <"$T/late") + 1) / 2 ))p")
note "median of the per-second latencies in the second half: ${median:-?} ms"
check "the delay stays bounded (median under a second, not growing with time)" \
	test "${median:-99999}" -lt 1000
check "the picture keeps moving" sh -c '[ $(awk "\$2 > 0" "$0" | wc -l) -ge $(($1 / 2)) ]' \
	"$T/late" "$(wc -l <"$T/late")"
check "the bitrate fits the link" sh -c \
	'[ $(cut -d" " -f1 "$0" | sort -n | sed -n "$(( ($(wc -l <"$0") + 1) / 2 ))p") -le 250 ]' "$T/late"
reap "$VIEWER_PID"
check "and the viewer ends cleanly" test "$STATUS" = 0
tap_done
