#!/bin/sh
# SPDX-License-Identifier: MIT
# Two kyoyu-relay nodes on one redis-server: an operator parked on node A,
# a customer who reaches node B, joined through A (node-to-node
# forwarding), the session recorded by the viewer and read back by
# ffprobe; two customers racing with one code at both nodes, exactly one
# gets in; five wrong codes spread over both nodes kill a code and its
# operator on the other node is told; a link without the relay's key
# cannot pass anything to a node; node A's counters; node A dies, and its
# parked operator gets a new code by itself from the node that replaces it.
. "$KYOYU_SRCDIR/tests/transport/lib.sh"
. "$KYOYU_SRCDIR/tests/relay/lib.sh"

check "a desk CA, its operator, the relay's certificate" make_desk "$T/desk"
check "a redis-server of our own on loopback" start_redis
check "relay node A, its counters on a local port" start_relay relay-a "$T/desk" \
	-o relay.reject_delay_ms=100 -o relay.attempts_per_minute=100 -o relay.metrics_port=0
PORT_A=$RELAY_PORT
PID_A=$RELAY_PID
check "relay node B, same key, same Redis" start_relay relay-b "$T/desk" \
	-o relay.reject_delay_ms=100 -o relay.attempts_per_minute=100
PORT_B=$RELAY_PORT
PID_B=$RELAY_PID
check "each node says where the others reach it" \
	has "$T/relay-a.err" "the other nodes reach it at 127.0.0.1:$PORT_A"

RECORD=""
if [ "$CODEC" = vpx ] && [ -f "$KYOYU_BUILDDIR/plugins/kyoyu-transport-record.la" ] &&
	command -v ffprobe >/dev/null 2>&1; then
	RECORD="-o record.enabled=true -o record.path=$T/across.webm -o record.min_free_mb=0"
fi

# The operator parks on A; the customer types the code at B.
RELAY_PORT=$PORT_A
# shellcheck disable=SC2086
start_relay_viewer viewer "$T/desk" 8 $RECORD
V1=$VIEWER_PID
check "the operator gets a code from node A" wait_for 30 has "$T/viewer.out" 'Read this code'
CODE=$(code_of viewer)
customer_types "$CODE" >"$T/code"
RELAY_PORT=$PORT_B
start_relay_sharer sharer "$T/code" "$T/desk" -t 8
S1=$SHARER_PID
check "the customer at node B is joined to the operator at node A" \
	wait_for 20 has "$T/viewer.out" "The customer (.*) is connected"
check "node B passed the customer to node A" \
	has "$T/relay-b.err" "session 1: the customer at 127.0.0.1 joined the operator at node 127.0.0.1:$PORT_A"
check "node A joined its operator to the customer node B passed" \
	wait_for 10 has "$T/relay-a.err" "session 1: the customer at 127.0.0.1 joined the operator at 127.0.0.1"
check "the customer is shown the operator the desk CA vouches for" \
	wait_for 20 has "$T/sharer.out" "Ayumi Operator"
ms=$(grep -o 'connected to .* in [0-9]* ms' "$T/sharer.err" | grep -o '[0-9]* ms')
note "connect to welcome through two nodes: ${ms:-?}"
check "the operator sees the customer's screen" \
	wait_for 30 has "$T/viewer.out" "Viewing the customer's screen"
reap "$S1" 40
check "the sharer's time runs out and it exits cleanly" test "$STATUS" = 0
reap "$V1" 30
frames=$(grep -o '[0-9]* decoded frames' "$T/viewer.out" | cut -d' ' -f1)
note "the viewer decoded ${frames:-0} frames ($CODEC) through two nodes"
check "video crossed both nodes and was decoded" test "${frames:-0}" -gt 0
if [ -n "$RECORD" ]; then
	n=$(ffprobe -v error -count_frames -select_streams v:0 -show_entries \
		stream=nb_read_frames -of csv=p=0 "$T/across.webm" 2>"$T/ffprobe.err")
	note "the recording: ${n:-0} frames, $(stat -c %s "$T/across.webm" 2>/dev/null) bytes"
	check "the viewer's recording of the session reads back in ffprobe" test "${n:-0}" -gt 0
else
	skip "the recording (needs codec/vpx, transport/record and ffprobe)"
fi
check "both nodes logged the session's end with byte counts" sh -c \
	'grep -q "session 1 ended after" "$0" && grep -q "session 1 ended after" "$1"' \
	"$T/relay-a.err" "$T/relay-b.err"

# Two customers race with one code, one at each node: exactly one wins.
RELAY_PORT=$PORT_A
start_relay_viewer racer "$T/desk" 7
check "a second operator gets a code at node A" wait_for 30 has "$T/racer.out" 'Read this code'
customer_types "$(code_of racer)" >"$T/race-code"
start_relay_sharer race-a "$T/race-code" "$T/desk"
R1=$SHARER_PID
RELAY_PORT=$PORT_B
start_relay_sharer race-b "$T/race-code" "$T/desk"
R2=$SHARER_PID
both_answered() {
	for f in race-a race-b; do
		has "$T/$f.out" "That code did not work" ||
			has "$T/$f.out" "would like to see your screen" || return 1
	done
}
check "both racing customers get an answer" wait_for 30 both_answered
won=$(grep -l "would like to see your screen" "$T/race-a.out" "$T/race-b.out" | wc -l)
lost=$(grep -l "That code did not work" "$T/race-a.out" "$T/race-b.out" | wc -l)
check "exactly one of the two wins, at either node" test "$won" = 1 -a "$lost" = 1
kill "$R1" "$R2" 2>/dev/null

# Five wrong codes, three at B and two at A: the code is dead, and its
# operator, parked at A, is told.
RELAY_PORT=$PORT_A
start_relay_viewer target "$T/desk" 6
check "a third operator gets a code at node A" wait_for 30 has "$T/target.out" 'Read this code'
digits=$(digits_of "$(code_of target)")
room=$(echo "$digits" | cut -c1-3)
secret=$(echo "$digits" | cut -c4-9 | sed 's/^0*//;s/^$/0/')
mkfifo "$T/ga.in" "$T/gb.in"
start_relay_sharer guess-a "$T/ga.in" "$T/desk"
RELAY_PORT=$PORT_B
start_relay_sharer guess-b "$T/gb.in" "$T/desk"
exec 5>"$T/ga.in" 9>"$T/gb.in"
refusals() { cat "$T/guess-a.out" "$T/guess-b.out" | grep -c "did not work"; }
for i in 1 2 3 4 5; do
	guess=$room$(printf '%06d' $(( (secret + i) % 1000000 )))
	if [ $((i % 2)) = 0 ]; then echo "$guess" >&5; else echo "$guess" >&9; fi
	wait_for 20 sh -c '[ "$(cat "$0" "$1" | grep -c "did not work")" -ge "$2" ]' \
		"$T/guess-a.out" "$T/guess-b.out" "$i"
done
check "five wrong codes at two nodes are refused" test "$(refusals)" -ge 5
check "the operator at node A is told its code met too many wrong attempts" \
	wait_for 20 has "$T/target.out" "No new code: the code met too many wrong attempts"
echo "$digits" >&5
check "the right code no longer works" \
	wait_for 20 sh -c '[ "$(cat "$0" "$1" | grep -c "did not work")" -ge 6 ]' \
	"$T/guess-a.out" "$T/guess-b.out"
check "no log holds a code" sh -c '! grep -q -e "$0" -e "$1" "$2"/*.err' \
	"$digits" "$(digits_of "$CODE")" "$T"

# Only a node with the relay's key may pass a customer: an operator's
# certificate is not enough (a PASS for link 1, by hand).
{
	printf 'KYR1\006\000\000\000\000\000\000\000\000\000\000\001'
	head -c 48 /dev/zero
} >"$T/forged.msg"
timeout 10 openssl s_client -quiet -tls1_3 <"$T/forged.msg" \
	-connect "127.0.0.1:$PORT_A" -cert "$T/desk/op/viewer-cert.pem" \
	-key "$T/desk/op/viewer-key.pem" >"$T/forged.out" 2>&1
check "node A refuses a PASS from a link without the relay's key" \
	wait_for 10 has "$T/relay-a.err" "tried to pass a customer without the relay's own certificate"
check "both nodes still run" kill -0 "$PID_A" "$PID_B"

# Node A's counters, as Prometheus scrapes them.
URL=$(grep -o 'http://127.0.0.1:[0-9]*/metrics' "$T/relay-a.err")
check "node A serves its counters" sh -c 'curl -s -f --max-time 5 "$0" >"$1"' "$URL" "$T/metrics"
metric() { sed -n "s/^kyoyu_relay_$1 //p" "$T/metrics"; }
note "node A: $(grep -v '^#' "$T/metrics" | tr '\n' ' ')"
check "in Prometheus' text format (HELP, TYPE, then samples)" sh -c \
	'grep -v "^# HELP kyoyu_relay_[a-z_]* .\+$" "$0" | grep -v "^# TYPE kyoyu_relay_[a-z_]* \(counter\|gauge\)$" |
	 grep -v -q "^kyoyu_relay_[a-z_]*\({to=\"[a-z]*\"}\)\? [0-9]\+$" && exit 1; exit 0' "$T/metrics"
check "three codes issued, one session, its bytes both ways" sh -c \
	'[ "$0" = 3 ] && [ "$1" -ge 1 ] && [ "$2" -gt 10000 ] && [ "$3" -gt 1000 ]' \
	"$(metric codes_issued_total)" "$(metric sessions_started_total)" \
	"$(metric 'forwarded_bytes_total{to="viewer"}')" "$(metric 'forwarded_bytes_total{to="customer"}')"
check "customers passed to node A, and the refused claims made here" sh -c \
	'[ "$0" -ge 1 ] && [ "$1" -ge 3 ] && [ "$2" = 0 ]' "$(metric passes_received_total)" \
	"$(metric codes_refused_total)" "$(metric redis_errors_total)"
check "a request that is not a GET is answered 405" sh -c \
	'curl -s -o /dev/null -w "%{http_code}" -X POST --max-time 5 "$0" | grep -q 405' "$URL"
# Clients that say nothing, drip, or send junk hold the counters' few slots
# for at most 2 s each: a scraper gets through once they stop.
MPORT=$(echo "$URL" | sed 's|.*:\([0-9]*\)/metrics|\1|')
"$KYOYU_BUILDDIR/tests/transport/kt-hostile" flood 127.0.0.1 "$MPORT" 24 4 3 \
	tcp-idle,tcp-drip,tcp-junk >"$T/mflood.out" 2>&1
check "hostile clients of the counters' port leave node A serving them" \
	wait_for 10 sh -c 'curl -s -f --max-time 2 "$0" | grep -q sessions_started' "$URL"

# Node A dies with an operator parked on it; another node takes its place
# behind the desk's address (here: the same port).  The operator's viewer
# asks for a new code by itself, and a customer at B reaches it.
RELAY_PORT=$PORT_A
start_relay_viewer survivor "$T/desk" 4
check "an operator parks at node A" wait_for 30 has "$T/survivor.out" 'Read this code'
kill "$PID_A"
wait "$PID_A" 2>/dev/null
check "the operator is told the link was lost, and that a code is asked for" \
	wait_for 20 has "$T/survivor.out" "the link to the relay was lost"
check "node A' on node A's address" start_relay relay-a2 "$T/desk" -o "relay.port=$PORT_A"
check "the viewer gets a new code from it, with nobody asking" wait_for 30 sh -c \
	'[ "$(grep -c "Read this code" "$0")" -ge 2 ]' "$T/survivor.out"
customer_types "$(code_of survivor)" >"$T/late-code"
RELAY_PORT=$PORT_B
start_relay_sharer late "$T/late-code" "$T/desk" -t 3
check "a customer at node B joins the operator now on node A'" \
	wait_for 30 has "$T/survivor.out" "Viewing the customer's screen"
reap "$SHARER_PID" 30
exec 4>&- 5>&- 6>&- 7>&- 8>&- 9>&-
tap_done
