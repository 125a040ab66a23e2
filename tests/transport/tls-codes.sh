#!/bin/sh
# SPDX-License-Identifier: MIT
# One-time connection codes, seen from the network: a wrong, a revoked and
# an expired code get the same bytes back after the same delay; five wrong
# codes leave the code alive; attempts are rate limited per address; a second
# attempt while a session runs is told "busy".  The HELLO frames are made by
# hand (docs/protocol.md) and sent over real TLS 1.3 with kt-netprobe.
. "$KYOYU_SRCDIR/tests/transport/lib.sh"

make_cert "$T/cert" || skip_all "--make-cert failed"

# try DIGITS: sends a HELLO with DIGITS; sets REPLY (hex) and DELAY (ms).
try() {
	hello_frame "$1" | "$PROBE" tls-send 127.0.0.1 "$PORT" >"$T/try.out" 2>&1
	REPLY=$(sed -n 's/^reply: *//p' "$T/try.out")
	DELAY=$(sed -n 's/^after \(-*[0-9]*\) ms/\1/p' "$T/try.out")
}
BAD_CODE="00 00 00 03 03 01 00 00"
near() { [ "$1" -ge $(($2 - 150)) ] && [ "$1" -le $(($2 + 400)) ]; }

check "a viewer with codes that expire after 4 s and a 600 ms reply delay" \
	start_viewer viewer "$T/cert" -o transport.code_ttl_s=4 -o transport.reject_delay_ms=600
FIRST=$CODE
try 000000000
check "a wrong code gets REJECT \"bad code\"" test "$REPLY" = "$BAD_CODE"
wrong_delay=$DELAY

key n
check "a new code is shown when the operator asks (key n)" \
	wait_for 10 sh -c '[ $(grep -c "Read this code" "$0") -ge 2 ]' "$T/viewer.out"
CODE=$(grep -o '[0-9]\{3\}-[0-9]\{3\}-[0-9]\{3\}' "$T/viewer.out" | tail -1)
try "$(digits_of "$FIRST")"
check "the revoked code gets the very same bytes" test "$REPLY" = "$BAD_CODE"
revoked_delay=$DELAY

check "the code expires and the operator is told" \
	wait_for 10 has "$T/viewer.out" "The code no longer works"
try "$(digits_of "$CODE")"
check "the expired code gets the very same bytes" test "$REPLY" = "$BAD_CODE"
expired_delay=$DELAY
note "reply after: wrong ${wrong_delay} ms, revoked ${revoked_delay} ms, expired ${expired_delay} ms"
check "and all three come after the same delay (600 ms)" sh -c '
	for d in "$@"; do
		[ "$d" -ge 450 ] && [ "$d" -le 1000 ] || exit 1
	done' sh "$wrong_delay" "$revoked_delay" "$expired_delay"
check "within 150 ms of each other" sh -c '
	max=$1 min=$1
	for d in "$@"; do [ "$d" -gt $max ] && max=$d; [ "$d" -lt $min ] && min=$d; done
	[ $((max - min)) -le 150 ]' sh "$wrong_delay" "$revoked_delay" "$expired_delay"
key e
reap "$VIEWER_PID"

# Five wrong codes no longer kill the code: the customer's sixth, right,
# gets in (docs/protocol.md, "Why guessing cannot find a code").
check "a viewer for the wrong-attempts test" start_viewer five "$T/cert" \
	-o transport.reject_delay_ms=100
{
	for i in 1 2 3 4 5; do echo "00000000$i"; done
	customer_types "$CODE"
} >"$T/six"
start_sharer six "$T/six" -o transport.connect_timeout_s=5
check "after five typos the sixth code, right, connects" \
	wait_for 30 has "$T/five.out" "The customer (.*) is connected"
check "the customer was told five times that the code did not work" \
	sh -c '[ $(grep -c "That code did not work" "$0") -eq 5 ]' "$T/six.out"
check "the viewer refused those five" \
	sh -c '[ $(grep -c "gave a wrong, used or expired code" "$0") -eq 5 ]' "$T/five.err"
check "and the operator was never told the code stopped working" \
	sh -c '! grep -q "The code no longer works" "$0"' "$T/five.out"
try "$(digits_of "$CODE")"
check "the same code again, while the session runs, is told busy" \
	test "$REPLY" = "00 00 00 03 03 02 00 00"
key e
reap "$SHARER_PID"
reap "$VIEWER_PID"

# Per-address rate limit: the third attempt within the minute is refused
# without being checked, with a time to wait.
check "a viewer allowing 2 attempts a minute" start_viewer limited "$T/cert" \
	-o transport.attempts_per_minute=2 -o transport.reject_delay_ms=100
try 000000001
try 000000002
try "$(digits_of "$CODE")"
check "the third attempt is rate limited with a time to wait" \
	sh -c 'case "$0" in "00 00 00 03 03 05 00 "[0-9a-f][0-9a-f]) [ "$0" != "00 00 00 03 03 05 00 00" ];; *) false;; esac' \
	"$REPLY"
check "and did not count against the code (not dead)" \
	sh -c '! grep -q "The code no longer works" "$0"' "$T/limited.out"
key e
reap "$VIEWER_PID"
check "no code appears in any log" sh -c '
	for f in "$0"/*.err; do
		grep -E -q "[0-9]{3}-[0-9]{3}-[0-9]{3}" "$f" && exit 1
	done; exit 0' "$T"
tap_done
