#!/bin/sh
# SPDX-License-Identifier: MIT
# kyoyu-relay end to end on loopback with a real redis-server: operators
# and customers both dial out to the relay; a wrong code is refused; the
# session runs through it with video decoded; the relay's bytes never show
# what the agents say to each other; of two customers racing with one code
# exactly one gets in; with Redis stopped new codes are refused in plain
# words while the running session goes on, and come back with Redis.
. "$KYOYU_SRCDIR/tests/transport/lib.sh"
. "$KYOYU_SRCDIR/tests/relay/lib.sh"

check "a desk CA, an operator certificate it signs, the relay's certificate" \
	make_desk "$T/desk"
check "a redis-server of our own on loopback" start_redis
check "kyoyu-relay --check-config accepts the configuration" sh -c \
	'"$0" --check-config -o "relay.cert=$1/relay/cert.pem" -o "relay.key=$1/relay/key.pem" \
		-o "relay.ca=$1/ca.pem" -o relay.redis=redis://127.0.0.1:1 >/dev/null' \
	"$RELAY" "$T/desk"
check "and says what is missing, in words" sh -c \
	'! "$0" --check-config -o relay.cert=/x 2>&1 | grep -q "needs relay.cert and relay.key"; \
	 "$0" --check-config 2>&1 | grep -q "needs relay.cert and relay.key"' "$RELAY"
sed -e "s|/etc/kyoyu/relay/|$T/desk/relay/|; s|/etc/kyoyu/desk-ca.pem|$T/desk/ca.pem|" \
	"$KYOYU_SRCDIR/data/relay.cfg" >"$T/relay.cfg"
check "the example data/relay.cfg, its paths filled in, is valid" \
	"$RELAY" --check-config -c "$T/relay.cfg"
check "kyoyu-relay listens on one port" start_relay relay "$T/desk" -o "relay.dump=$T/relay.dump"

# Operator A: the relay issues its code.
start_relay_viewer viewer "$T/desk" 8 -o transport.name=CanaryOperatorWords
V1=$VIEWER_PID
check "the operator's viewer is given a code through the relay" \
	wait_for 30 has "$T/viewer.out" 'Read this code'
CODE=$(code_of viewer)
note "code from the relay: ${CODE:+(9 digits)}"

# A customer types a wrong code first: refused, asked again; then the
# right one joins them.
mkfifo "$T/sharer.in"
start_relay_sharer sharer "$T/sharer.in" "$T/desk" -o transport.name=CanaryCustomerWords
S1=$SHARER_PID
exec 9>"$T/sharer.in"
customer() { (echo "$1" >&9) 2>/dev/null || true; }
check "the sharer asks the customer for the code" \
	wait_for 20 has "$T/sharer.out" "Type the 9-digit code"
# The same room, another secret: it counts against this code (1 of 5).
wrong=$(echo "$CODE" | tr -d - | cut -c1-3)$(printf '%06d' $(( ($(echo "$CODE" | tr -d - | cut -c4-9 | sed 's/^0*//;s/^$/0/') + 1) % 1000000 )))
customer "$wrong"
check "a wrong code is refused and the customer asked again" \
	wait_for 20 has "$T/sharer.out" "That code did not work"
check "nobody was joined" sh -c '! grep -q "session 1:" "$0"' "$T/relay.err"
customer "$CODE"
check "the right code joins the customer to the operator" \
	wait_for 20 has "$T/viewer.out" "The customer (.*) is connected"
check "the customer is shown the operator as the desk CA vouches for them" \
	wait_for 20 has "$T/sharer.out" "Ayumi Operator"
ms=$(grep -o 'connected to .* in [0-9]* ms' "$T/sharer.err" | grep -o '[0-9]* ms')
note "connect to welcome through the relay (TCP, two TLS 1.3 handshakes, claim, hello): ${ms:-?}"
customer y
check "the operator sees the customer's screen" \
	wait_for 30 has "$T/viewer.out" "Viewing the customer's screen"
check "the link's figures reach the operator" wait_for 20 has "$T/viewer.out" "Link: [1-9]"
check "the relay logged the session without its code" sh -c \
	'grep -q "session 1: the customer at 127.0.0.1 joined" "$0" &&
	 ! grep -q -e "$1" -e "$2" "$0"' "$T/relay.err" "$CODE" "$(digits_of "$CODE")"

# Two customers race with operator B's code: exactly one gets in.
start_relay_viewer racer "$T/desk" 7
check "a second operator gets its own code" wait_for 30 has "$T/racer.out" 'Read this code'
RACE=$(code_of racer)
customer_types "$RACE" >"$T/race-code"
start_relay_sharer race1 "$T/race-code" "$T/desk"
R1=$SHARER_PID
start_relay_sharer race2 "$T/race-code" "$T/desk"
R2=$SHARER_PID
both_answered() {
	n=0
	for f in race1 race2; do
		if has "$T/$f.out" "That code did not work" ||
			has "$T/$f.out" "would like to see your screen"; then
			n=$((n + 1))
		fi
	done
	[ $n = 2 ]
}
check "both racing customers get an answer" wait_for 30 both_answered
won=$(grep -l "would like to see your screen" "$T/race1.out" "$T/race2.out" | wc -l)
lost=$(grep -l "That code did not work" "$T/race1.out" "$T/race2.out" | wc -l)
check "exactly one of the two wins the code, the other is refused" \
	test "$won" = 1 -a "$lost" = 1
kill "$R1" "$R2" 2>/dev/null

# Nothing the agents say to each other is readable at the relay: the names
# each sends inside the session, the code in the inner hello.
check "the relay forwarded the session" sh -c '[ "$(stat -c %s "$0")" -gt 20000 ]' \
	"$T/relay.dump"
check "its forwarded bytes hold none of the names the agents exchanged" sh -c \
	'! grep -a -q -e CanaryOperatorWords -e CanaryCustomerWords "$0"' "$T/relay.dump"
check "nor the code" sh -c '! grep -a -q "$1" "$0"' "$T/relay.dump" "$(digits_of "$CODE")"
check "but both names did cross (the test would see them in clear)" sh -c \
	'grep -q CanaryCustomerWords "$0" && grep -q CanaryOperatorWords "$1"' \
	"$T/viewer.out" "$T/sharer.err"

# Redis stops: the session goes on, new codes are refused in words.
kill "$REDIS_PID"
wait "$REDIS_PID" 2>/dev/null
before=$(stat -c %s "$T/relay.dump")
grows() { [ "$(stat -c %s "$T/relay.dump")" -gt $((before + 20000)) ]; }
check "with Redis stopped the running session goes on" wait_for 20 grows
start_relay_viewer late "$T/desk" 6
check "a new code is refused with a clear message" \
	wait_for 30 has "$T/late.out" "No new code: the relay cannot issue codes right now"
check "the relay says why in its log" has "$T/relay.err" "no new codes until"
check "Redis back on the same port" start_redis "$REDIS_PORT"
# The relay tries Redis again 2 s after a failure: the operator asks again.
# (wait_for nests: new_code_works waits in steps of its own.)
new_code_works() {
	"$KYOYU_AGENT" ctl new-code --socket "$T/late.sock" >/dev/null 2>&1
	for i in 1 2 3 4 5 6 7 8 9 10; do
		has "$T/late.out" 'Read this code' && return 0
		sleep 0.3
	done
	return 1
}
check "new codes work again without restarting the relay" wait_for 30 new_code_works

key e
check "the operator's end reaches the customer through the relay" \
	wait_for 20 has "$T/sharer.out" "The session has ended: the support person ended it"
reap "$S1"
check "the sharer exits cleanly" test "$STATUS" = 0
reap "$V1"
check "the viewer exits cleanly" test "$STATUS" = 0
frames=$(grep -o '[0-9]* decoded frames' "$T/viewer.out" | cut -d' ' -f1)
note "the viewer decoded ${frames:-0} frames ($CODEC) through the relay"
check "video crossed the relay and was decoded" test "${frames:-0}" -gt 0
check "the relay logged the session's end with its byte counts" \
	wait_for 10 has "$T/relay.err" "session 1 ended after"
exec 6>&- 7>&- 8>&- 9>&-
tap_done
