#!/bin/sh
# SPDX-License-Identifier: MIT
# Guessing cannot lock the customer out (docs/protocol.md, "Why guessing
# cannot find a code"): five wrong guesses sent together, then guesses from
# 256 rotating addresses (4 /24s that are not the customer's), leave the
# code alive, and the customer's right code gets in.  HELLOs with random
# codes go over real TLS 1.3 from tests/transport/kt-hostile.
#
# The long form also spends a code's whole budget (1000 wrong guesses) and
# checks the operator is told it was attacked and holds a fresh code that
# works:
#   KYOYU_HOSTILE_LONG=1 make check TESTS=tests/transport/tls-guessing.sh
. "$KYOYU_SRCDIR/tests/transport/lib.sh"

HOSTILE="$KYOYU_BUILDDIR/tests/transport/kt-hostile"
make_cert "$T/cert" || skip_all "--make-cert failed"
figure() { sed -n "s/^$2 //p" "$1"; }

# customer NAME: the right CODE, typed into a sharer; true once it shares.
customer() {
	customer_types "$CODE" >"$T/$1.in"
	start_sharer "$1" "$T/$1.in" -o transport.connect_timeout_s=10
	wait_for 30 has "$T/$1.out" "Your screen is now shared"
}
end_round() {
	key e
	reap "$SHARER_PID"
	reap "$VIEWER_PID"
	exec 8>&-
}

check "a viewer with a 200 ms reply delay" start_viewer five "$T/cert" \
	-o transport.reject_delay_ms=200
"$HOSTILE" guess 127.0.0.1 "$PORT" 1 5 5 >"$T/five.guess" 2>&1
note "five guesses at once: $(tr '\n' ' ' <"$T/five.guess")"
check "five wrong guesses sent together are all answered \"bad code\"" \
	test "$(figure "$T/five.guess" "bad code")" = 5
check "the code survives them" sh -c '! grep -q "no longer works" "$0"' "$T/five.out"
check "and the customer's right code shares" customer five-c
end_round

check "a viewer for 256 rotating addresses" start_viewer rot "$T/cert" \
	-o transport.reject_delay_ms=200
t0=$(date +%s)
"$HOSTILE" guess 127.0.0.1 "$PORT" 256 600 32 >"$T/rot.guess" 2>&1
secs=$(($(date +%s) - t0 + 1))
note "600 guesses from 256 addresses in ${secs} s: $(tr '\n' ' ' <"$T/rot.guess")"
bad=$(figure "$T/rot.guess" "bad code")
limited=$(figure "$T/rot.guess" "rate limited")
# Each /24 may spend 40 at once and 40 more a minute: 4 /24s.
check "at most 40 guesses per /24, and 40 a minute more, were compared" \
	test "${bad:-999}" -le $((160 + 160 * secs / 60 + 4))
check "and every other one was refused unchecked (rate limited)" \
	test $((${bad:-0} + ${limited:-0})) -eq 600
check "the code survives them" sh -c '! grep -q "no longer works" "$0"' "$T/rot.out"
check "and the customer's right code shares" customer rot-c
end_round

if [ -n "$KYOYU_HOSTILE_LONG" ]; then
	check "a viewer allowing 1000 attempts a minute per address" start_viewer all \
		"$T/cert" -o transport.reject_delay_ms=100 -o transport.attempts_per_minute=1000
	FIRST=$CODE
	"$HOSTILE" guess 127.0.0.1 "$PORT" 256 1100 32 >"$T/all.guess" 2>&1
	note "1100 guesses from 256 addresses: $(tr '\n' ' ' <"$T/all.guess")"
	check "the operator is told the code was attacked, with figures" \
		wait_for 10 has "$T/all.out" "Someone tried to guess the code (1000 wrong guesses from [0-9]* addresses)"
	check "and a fresh code is shown" \
		wait_for 10 sh -c '[ $(grep -c "Read this code" "$0") -ge 2 ]' "$T/all.out"
	CODE=$(grep -o '[0-9]\{3\}-[0-9]\{3\}-[0-9]\{3\}' "$T/all.out" | tail -1)
	check "that differs from the attacked one" test "$CODE" != "$FIRST"
	check "and works" customer all-c
	end_round
fi
check "no code appears in any log" sh -c '
	for f in "$0"/*.err; do
		grep -E -q "[0-9]{3}-[0-9]{3}-[0-9]{3}" "$f" && exit 1
	done; exit 0' "$T"
tap_done
