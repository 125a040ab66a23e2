#!/bin/sh
# SPDX-License-Identifier: MIT
# What kyoyu-relay and the agents refuse: hostile clients (idle, dripping,
# junk) leave the relay serving; an operator the desk CA did not sign gets
# no code; a relay that joins the customer to someone presenting another
# CA's certificate is refused by the sharer before anything is shared; five
# wrong attempts kill a code; the per-address budget is shared by every
# relay node on the same Redis.
. "$KYOYU_SRCDIR/tests/transport/lib.sh"
. "$KYOYU_SRCDIR/tests/relay/lib.sh"

check "a desk CA, its operator, the relay's certificate" make_desk "$T/desk"
check "a rogue CA and an operator certificate it signs (same names)" make_rogue "$T/rogue"
check "a redis-server of our own on loopback" start_redis
check "relay A (the desk's CA)" start_relay relay-a "$T/desk" -o relay.reject_delay_ms=100 \
	-o relay.attempts_per_minute=100 -o relay.handshake_timeout_s=2
PORT_A=$RELAY_PORT
RELAY_A_PID=$RELAY_PID

# Hostile clients: idle, dripping, junk, TLS then silence or a dribble.
"$KYOYU_BUILDDIR/tests/transport/kt-hostile" flood 127.0.0.1 "$PORT_A" 40 8 4 \
	tcp-idle,tcp-drip,tls-idle,tls-drip,tcp-junk >"$T/flood.out" 2>&1
note "flood: $(tr '\n' ' ' <"$T/flood.out")"
check "hostile clients leave the relay running" kill -0 "$RELAY_A_PID"

# An operator certificate from another CA: no code at the desk's relay.
start_relay_viewer stranger "$T/rogue" 8
check "an operator the desk CA did not sign gets no code, and is told why" \
	wait_for 30 has "$T/stranger.out" "No new code: the relay did not accept this operator certificate"
check "the relay logs the refusal" has "$T/relay-a.err" "without an operator certificate the desk CA signed"

# A relay that trusts the rogue CA stands for a relay that puts itself in
# the middle: it joins the customer to the rogue "operator".  The sharer
# checks the inner certificate against the desk CA and stops there.
check "relay M, trusting the rogue CA, on the same Redis" \
	start_relay relay-m "$T/desk" -o "relay.ca=$T/rogue/ca.pem"
start_relay_viewer mallory "$T/rogue" 7
check "the rogue operator gets a code from relay M" \
	wait_for 30 has "$T/mallory.out" 'Read this code'
customer_types "$(code_of mallory)" >"$T/m-code"
start_relay_sharer victim "$T/m-code" "$T/desk"
check "relay M joins them" wait_for 20 has "$T/relay-m.err" "session 1: the customer"
check "the customer's sharer refuses the operator the desk CA did not sign" \
	wait_for 20 has "$T/victim.out" "Could not verify the identity of the support team"
check "and says why in its log" has "$T/victim.err" "the viewer's certificate is not trusted"
check "nothing was asked, nothing shared" sh -c \
	'! grep -q "would like to see your screen" "$0" && ! grep -q "is connected" "$1"' \
	"$T/victim.out" "$T/mallory.out"
reap "$SHARER_PID"
check "the sharer exits with an error status" test "$STATUS" != 0 -a "$STATUS" != 124
kill "$RELAY_PID" 2>/dev/null

# Five wrong attempts at one code (the same room, other secrets) kill it.
RELAY_PORT=$PORT_A
start_relay_viewer op "$T/desk" 6
check "the operator gets a code" wait_for 30 has "$T/op.out" 'Read this code'
CODE=$(code_of op)
digits=$(digits_of "$CODE")
room=$(echo "$digits" | cut -c1-3)
mkfifo "$T/guess.in"
start_relay_sharer guesser "$T/guess.in" "$T/desk"
exec 9>"$T/guess.in"
tries() { count "$T/guesser.out" "did not work"; }
for i in 1 2 3 4 5; do
	guess=$room$(printf '%06d' $(( ($(echo "$digits" | cut -c4-9 | sed 's/^0*//;s/^$/0/') + i) % 1000000 )))
	echo "$guess" >&9
	wait_for 20 sh -c '[ "$(grep -c "did not work" "$0")" -ge "$1" ]' "$T/guesser.out" "$i"
done
check "five wrong codes are refused" test "$(tries)" -ge 5
check "the fifth kills the code and the operator is told" \
	wait_for 20 has "$T/op.out" "No new code: the code met too many wrong attempts"
echo "$digits" >&9
check "the right code no longer works either" \
	wait_for 20 sh -c '[ "$(grep -c "did not work" "$0")" -ge 6 ]' "$T/guesser.out"
check "and nobody was joined at relay A" sh -c '! grep -q "session 1:" "$0"' "$T/relay-a.err"
check "no log holds the code" sh -c '! grep -q "$0" "$1"/*.err' "$digits" "$T"

# Attempts are counted in Redis: relay B, allowing 3 a minute, sees the
# ones made at relay A and refuses at once with the time to wait.
check "relay B on the same Redis, 3 attempts a minute" \
	start_relay relay-b "$T/desk" -o relay.attempts_per_minute=3
customer_types "123456789" >"$T/b-code"
start_relay_sharer limited "$T/b-code" "$T/desk"
check "an address over its budget at another node is told when to try again" \
	wait_for 20 has "$T/limited.err" "too many attempts from this computer: the next one is possible in [1-9]"
exec 6>&- 7>&- 8>&- 9>&-
tap_done
