#!/bin/sh
# SPDX-License-Identifier: MIT
# Bad input from the network ends that connection with a log line, never
# the viewer: garbage instead of TLS, a TLS handshake cut at several bytes,
# a silent peer, frames inside TLS with an oversized length, an unknown
# type, a wrong magic or cut short, and too many waiting connections from
# one address.  Afterwards the viewer still serves the real sharer.
. "$KYOYU_SRCDIR/tests/transport/lib.sh"

make_cert "$T/cert" || skip_all "--make-cert failed"
check "the viewer starts, with a 2 s handshake timeout" \
	start_viewer viewer "$T/cert" -o transport.handshake_timeout_s=2
alive() { kill -0 "$VIEWER_PID" 2>/dev/null; }
drops() { grep -c "dropped\|did not say hello" "$T/viewer.err"; }

printf 'GET / HTTP/1.1\r\nHost: kyoyu\r\n\r\n' | "$PROBE" send 127.0.0.1 "$PORT" >"$T/garbage.out"
check "plain-text garbage is hung up on" grep -q "closed by peer" "$T/garbage.out"
head -c 3000 /dev/urandom | "$PROBE" send 127.0.0.1 "$PORT" >"$T/random.out"
check "random bytes are hung up on" grep -q "closed by peer" "$T/random.out"

for cut in 1 5 11 100 -1; do
	"$PROBE" hello-cut 127.0.0.1 "$PORT" "$cut" >>"$T/cut.out"
done
note "$(tail -1 "$T/cut.out")"
check "TLS handshakes cut at bytes 1, 5, 11, 100 and one before the end are dropped" \
	wait_for 10 sh -c '[ $(grep -c "dropped" "$0") -ge 7 ]' "$T/viewer.err"

"$PROBE" silent 127.0.0.1 "$PORT" 6 >"$T/silent.out"
note "silent peer: $(cat "$T/silent.out")"
check "a silent peer is hung up on after the handshake timeout" sh -c \
	'ms=$(grep -o "after [0-9]* ms" "$0" | grep -o "[0-9]*"); [ "$ms" -ge 1500 ] && [ "$ms" -le 4500 ]' \
	"$T/silent.out"
check "with a log line saying so" grep -q "did not say hello within 2 s" "$T/viewer.err"

# Frames inside TLS that break the protocol.
inside() {
	printf "$1" | "$PROBE" tls-send 127.0.0.1 "$PORT" >"$T/inside.out" 2>&1
	grep -q "^after" "$T/inside.out"
}
before=$(drops)
inside '\377\377\377\377\001'
inside '\000\000\000\000\102'
inside '\000\000\000\036\001XXXX\001\000\001\001VP90123456789\000\000\000\000\000\000\000\000\000'
# (a frame cut short waits for its end until the handshake timeout)
inside '\000\000\000\036\001KYOY\001\000'
inside '\000\000\000\014\005\000\000\000\001\000\000\000\000\000\000\000\000'
check "an oversized length, an unknown type, a wrong magic, a cut frame and a PING before the hello are each dropped" \
	wait_for 10 sh -c '[ $(grep -c "dropped\|did not say hello" "$0") -ge $(($1 + 5)) ]' \
	"$T/viewer.err" "$before"
check "the log says what was wrong" sh -c \
	'grep -q "HELLO of 4294967295 bytes" "$0" && grep -q "unknown message type 0x42" "$0" &&
	 grep -q "without the kyoyu magic" "$0" && grep -q "unexpected PING" "$0"' "$T/viewer.err"

# Seventeen silent connections from one address (127.0.1.2), held for
# 1.5 s, less than the 2 s handshake timeout: 16 may wait per address, so
# each newcomer makes the oldest give way (docs/protocol.md, Admission).
"$KYOYU_BUILDDIR/tests/transport/kt-hostile" flood 127.0.0.1 "$PORT" 17 1 1.5 tcp-idle \
	>"$T/seventeen.out" 2>&1
note "17 from one address: $(tr '\n' ' ' <"$T/seventeen.out")"
check "the oldest of 17 waiting connections from one address gives way at once" \
	test "$(sed -n 's/^closed by the viewer //p' "$T/seventeen.out")" -ge 1
check "with a log line" wait_for 5 grep -q "gave way to a newer connection" "$T/viewer.err"

check "the viewer is still running" alive
customer_types "$CODE" >"$T/code"
start_sharer sharer "$T/code" -t 4
check "and still serves the real sharer with its code" \
	wait_for 30 has "$T/viewer.out" "The customer (.*) is connected"
reap "$SHARER_PID" 30
reap "$VIEWER_PID" 30
check "the viewer ends cleanly after all that (no sanitizer report)" sh -c \
	'[ $0 = 0 ] && ! grep -q "Sanitizer\|runtime error" "$1"' "$STATUS" "$T/viewer.err"
tap_done
