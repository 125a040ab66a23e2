#!/bin/sh
# SPDX-License-Identifier: MIT
# A whole session over TLS 1.3 on loopback with real agents: a certificate
# from --make-cert, the code read from the viewer's terminal and typed into
# the sharer's, video, pause and resume, and the operator ending it.
. "$KYOYU_SRCDIR/tests/transport/lib.sh"

check "--make-cert writes a key only its owner can read" sh -c '
	"$0" --make-cert "$1/cert" >/dev/null &&
	[ "$(stat -c %a "$1/cert/viewer-key.pem")" = 600 ]' "$KYOYU_AGENT" "$T"
PIN=$(openssl x509 -in "$T/cert/viewer-cert.pem" -pubkey -noout |
	openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64)
PIN="sha256//$PIN"
check "--make-cert prints the pin openssl computes for its key" \
	sh -c '"$0" --make-cert "$1/cert2" | grep -q "pin = \"sha256//" &&
	! "$0" --make-cert "$1/cert" 2>/dev/null' "$KYOYU_AGENT" "$T"
check "--make-cert's certificate names localhost and 127.0.0.1" sh -c \
	'openssl x509 -in "$1/cert/viewer-cert.pem" -noout -ext subjectAltName |
	grep -q "DNS:localhost.*IP Address:127.0.0.1"' sh "$T"

check "the viewer listens and shows a 9-digit code" start_viewer viewer "$T/cert"
mkfifo "$T/sharer.in"
start_sharer sharer "$T/sharer.in"
exec 9>"$T/sharer.in"
# What the customer types; harmless once the sharer has gone.
customer() { (echo "$1" >&9) 2>/dev/null || true; }
check "the sharer asks the customer for the code" \
	wait_for 20 has "$T/sharer.out" "Type the 9-digit code"
customer "$CODE"
check "the code connects both sides" wait_for 20 has "$T/viewer.out" "The customer (.*) is connected"
check "the customer is asked before anything is shared, though nothing is recorded" \
	wait_for 20 has "$T/sharer.out" "would like to see your screen. Nothing is shared until you allow it"
check "the operator is told they wait for the answer" \
	wait_for 20 has "$T/viewer.out" "Waiting for the customer to allow sharing"
customer y
check "the customer is told the screen is shared" \
	wait_for 20 has "$T/sharer.out" "Your screen is now shared"
check "the operator is told the customer's screen shows" \
	wait_for 20 has "$T/viewer.out" "Viewing the customer's screen"
ms=$(grep -o 'connected to .* in [0-9]* ms' "$T/sharer.err" | grep -o '[0-9]* ms')
note "connect to welcome (TCP, TLS 1.3 handshake, hello, welcome): ${ms:-?}"
check "the link's figures reach the operator" wait_for 20 has "$T/viewer.out" "Link: [1-9]"

customer p
check "pausing is announced to the operator" wait_for 20 has "$T/viewer.out" "The customer paused sharing"
check "and told to the customer in plain words" \
	has "$T/sharer.out" "Paused: nothing on your screen is sent"
customer r
check "resuming is announced to the operator" \
	wait_for 20 has "$T/viewer.out" "The customer shares the screen again"
"$KYOYU_AGENT" ctl new-code --socket "$T/viewer.sock" >"$T/new-code.out" 2>&1
check "ctl new-code during the session is refused at once, saying why" sh -c \
	'[ $0 != 0 ] && grep -qx "kyoyu-agent ctl: a customer is connected; a new code is issued only while none is" "$1"' \
	"$?" "$T/new-code.out"
key n
check "so is the operator's key n" \
	wait_for 10 has "$T/viewer.out" "No new code: a customer is connected"
check "and the session goes on" sh -c '! grep -q "has ended" "$0"' "$T/viewer.out"
key e
check "the operator's end reaches the customer" \
	wait_for 20 has "$T/sharer.out" "The session has ended: the support person ended it"
check "the operator sees the same end" has "$T/viewer.out" "The session has ended: you ended it"
reap "$SHARER_PID"
check "the sharer exits cleanly" test "$STATUS" = 0
reap "$VIEWER_PID"
check "the viewer exits cleanly when the session is over" test "$STATUS" = 0
check "both agents report the same reason" sh -c \
	'grep -q "session ended (ended by operator)" "$0/sharer.out" &&
	 grep -q "session ended (ended by operator)" "$0/viewer.out"' "$T"
frames=$(grep -o '[0-9]* decoded frames' "$T/viewer.out" | cut -d' ' -f1)
note "the viewer decoded ${frames:-0} frames ($CODEC)"
check "video crossed the link and was decoded" test "${frames:-0}" -gt 0
digits=$(digits_of "$CODE")
check "the code appears in no log line" sh -c \
	'! grep -q -e "$0" -e "$1" "$2/viewer.err" "$2/sharer.err"' "$CODE" "$digits" "$T"
exec 8>&- 9>&-

# The time cap, each side on its own clock (sped up 30 times: the 6
# minutes take 12 s): both people are warned 5 minutes before, both sides
# count the time left down, and both end with the same words.
export KYOYU_CLOCK_RATE=30
check "a viewer capped at 6 minutes" start_viewer capped "$T/cert" -o session.max_minutes=6
customer_types "$CODE" >"$T/code"
start_sharer capped-sharer "$T/code" -o session.max_minutes=6
# time_left NAME: the agent's `ctl status` time left, in seconds.
time_left() {
	"$KYOYU_AGENT" ctl status --socket "$T/$1.sock" 2>/dev/null |
		awk -F'[ :]' '/^time left: [0-9]+:[0-9][0-9]$/ { print $4 * 60 + $5 }'
}
# counts_down NAME: two readings of the time left, the later one smaller,
# both within the cap.
counts_down() {
	a=$(time_left "$1")
	[ -n "$a" ] && [ "$a" -le 360 ] || return 1
	sleep 0.5
	b=$(time_left "$1")
	note "$1: time left $a s, then $b s"
	[ -n "$b" ] && [ "$b" -lt "$a" ]
}
check "the viewer's ctl status counts the time left down from 6:00" wait_for 10 counts_down capped
check "so does the sharer's" wait_for 10 counts_down capped-sharer
check "the operator is warned 5 minutes before the cap" \
	wait_for 20 has "$T/capped.out" "The session ends in about 5 minutes"
check "and so is the customer" \
	wait_for 20 has "$T/capped-sharer.out" "The session ends in about 5 minutes"
reap "$SHARER_PID" 40
sharer_status=$STATUS
reap "$VIEWER_PID" 40
unset KYOYU_CLOCK_RATE
check "the time cap ends both sides with the reason \"time cap\"" sh -c \
	'grep -q "session ended (time cap)" "$0/capped.out" &&
	 grep -q "session ended (time cap)" "$0/capped-sharer.out" &&
	 grep -q "the time limit was reached" "$0/capped-sharer.out"' "$T"
check "and both exit cleanly" test "$sharer_status" = 0 -a "$STATUS" = 0
tap_done
