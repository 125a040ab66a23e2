#!/bin/sh
# SPDX-License-Identifier: MIT
# Coming back through the relay (docs/relay.md, "Coming back"), with a real
# redis-server and real kyoyu-relay nodes on loopback:
# - the tickets themselves, spoken by tests/relay/rejoin-probe.py as both
#   agents: one ticket for both sides, the first back waits and the second
#   is joined to it with a new ticket; a spent (replayed), a forged and an
#   expired ticket are refused, and an operator's side without its
#   certificate;
# - the relay process restarted on its address mid-session: both agents
#   come back to it and the session goes on;
# - the same tickets with the two sides always on two nodes, each join
#   passed from one to the other;
# - a viewer reaching the desk through haproxy (node A first, node B when
#   A is down), a sharer on node B: node A is killed mid-session, both
#   come back through node B within the grace, the recording made across
#   the kill reads back in ffprobe and its gap is shorter than the grace.
. "$KYOYU_SRCDIR/tests/transport/lib.sh"
. "$KYOYU_SRCDIR/tests/relay/lib.sh"

command -v python3 >/dev/null 2>&1 || skip_all "python3 is not installed"
GRACE=30

check "a desk CA, its operator, the relay's certificate" make_desk "$T/desk"
# Redis, then nodes A, B, C and the desk's address (haproxy).
check "five ports in a row that nothing uses" port_block 5
REDIS_AT=$PORT_BASE A_AT=$((PORT_BASE + 1)) B_AT=$((PORT_BASE + 2))
C_AT=$((PORT_BASE + 3)) DESK_AT=$((PORT_BASE + 4))
check "a redis-server of our own on loopback" start_redis "$REDIS_AT"

# ---- the tickets, hostile cases included --------------------------------
check "relay node C" start_relay relay-c "$T/desk" -o relay.port=$C_AT
PID_C=$RELAY_PID
python3 "$KYOYU_SRCDIR/tests/relay/rejoin-probe.py" 127.0.0.1 $C_AT \
	"$T/desk/op/viewer-cert.pem" "$T/desk/op/viewer-key.pem" 3 >"$T/probe.out" 2>&1
while read -r verdict what; do
	check "tickets: $what" test "$verdict" = ok
done <"$T/probe.out"
check "tickets: the probe ran to its end" has "$T/probe.out" "an expired ticket refused"
check "the relay logged the refusals, with no ticket in the log" \
	has "$T/relay-c.err" "came back with a ticket that is unknown, used or expired"
check "Redis holds no ticket in clear: only keyed hashes" sh -c \
	'redis-cli -p "$1" --scan --pattern "kyoyu:rejoin:*" | grep -v -q "^kyoyu:rejoin:{[0-9a-f]\{32\}}$" && exit 1; exit 0' \
	sh "$REDIS_AT"

RECORD=""
if [ "$CODEC" = vpx ] && [ -f "$KYOYU_BUILDDIR/plugins/kyoyu-transport-record.la" ] &&
	command -v ffprobe >/dev/null 2>&1; then
	RECORD=yes
fi
record() { [ -n "$RECORD" ] && echo "-o record.enabled=true -o record.path=$T/$1.webm -o record.min_free_mb=0"; }

less_than() { [ -n "$1" ] && awk -v a="$1" -v b="$2" 'BEGIN { exit !(a < b) }'; }

# seconds_of FILE PATTERN: when a log line matching PATTERN was written,
# in seconds since the process started (its log's first column).
seconds_of() { grep -m1 "$2" "$1" | awk '{print $1}'; }

# largest_gap FILE: the longest pause between two video packets of a
# recording, in seconds (the sharers' pictures change at every tick, so
# the longest is the one the drop made).
largest_gap() {
	ffprobe -v error -select_streams v:0 -show_entries packet=pts_time -of csv=p=0 "$1" |
		sort -n | awk 'NR > 1 && $1 - p > g { g = $1 - p } { p = $1 } END { print g + 0 }'
}

# recording_across NAME WHAT: $T/NAME.webm, recorded across WHAT (the
# restart, the kill), reads back in ffprobe with no gap as long as the grace.
recording_across() {
	if [ -z "$RECORD" ]; then
		skip "the recording (needs codec/vpx, transport/record and ffprobe)"
		skip "its gap"
		return
	fi
	n=$(ffprobe -v error -count_frames -select_streams v:0 -show_entries \
		stream=nb_read_frames -of csv=p=0 "$T/$1.webm" 2>"$T/ffprobe.err")
	g=$(largest_gap "$T/$1.webm")
	note "the recording across the $2: ${n:-0} frames, largest gap ${g:-?} s"
	check "the recording across the $2 reads back in ffprobe" test "${n:-0}" -gt 0
	check "its gap is shorter than the grace" less_than "${g:-999}" "$GRACE"
}

# ---- the same node, restarted -------------------------------------------
RELAY_PORT=$C_AT
# shellcheck disable=SC2046
start_relay_viewer same-v "$T/desk" 8 $(record same)
VS=$VIEWER_PID
check "the operator gets a code from node C" wait_for 30 has "$T/same-v.out" 'Read this code'
customer_types "$(code_of same-v)" >"$T/same-code"
start_relay_sharer same-s "$T/same-code" "$T/desk" -t 25 -o capture.pattern=full
SS=$SHARER_PID
check "the customer's screen is seen through node C" \
	wait_for 30 has "$T/same-v.out" "Viewing the customer's screen"
sleep 2
kill -9 "$PID_C"
wait "$PID_C" 2>/dev/null
check "the viewer lost its customer" wait_for 10 has "$T/same-v.err" "lost the link to the customer"
check "node C restarted on its address" start_relay relay-c2 "$T/desk" -o relay.port=$C_AT
check "the viewer takes its customer back: the session goes on" \
	wait_for $GRACE has "$T/same-v.err" "came back: the session goes on"
check "the customer is told the connection is back" \
	wait_for 10 has "$T/same-s.out" "The connection is back"
check "the operator is told the connection is back" has "$T/same-v.out" "The connection is back"
lost=$(seconds_of "$T/same-v.err" "lost the link to the customer")
back=$(seconds_of "$T/same-v.err" "came back: the session goes on")
gap=$(echo "$lost $back" | awk '{printf "%.1f", $2 - $1}')
note "restarted node: the viewer was without its customer for $gap s (grace $GRACE s; load $(cut -d' ' -f1-3 /proc/loadavg))"
check "within the grace" less_than "$gap" "$GRACE"
check "node C' joined them again" has "$T/relay-c2.err" "came back, and its session goes on"
reap "$SS" 40
check "the sharer's time runs out and it exits cleanly" test "$STATUS" = 0
reap "$VS" 30
recording_across same restart

# ---- another node, behind the desk's address ----------------------------
if ! command -v haproxy >/dev/null 2>&1; then
	skip "node A killed: the session comes back through node B (haproxy is not installed)"
	tap_done
	exit 0
fi
check "relay node A" start_relay relay-a "$T/desk" -o relay.port=$A_AT
PID_A=$RELAY_PID
check "relay node B, same key, same Redis" start_relay relay-b "$T/desk" -o relay.port=$B_AT
# The desk's one address: node A while it answers, else node B.
cat >"$T/haproxy.cfg" <<EOF
defaults
	mode tcp
	timeout connect 1s
	timeout client 1h
	timeout server 1h
	retries 2
	option redispatch
frontend desk
	bind 127.0.0.1:$DESK_AT
	default_backend nodes
backend nodes
	balance first
	server a 127.0.0.1:$A_AT check inter 300ms fall 1 rise 2
	server b 127.0.0.1:$B_AT check inter 300ms fall 1 rise 2
EOF
haproxy -db -f "$T/haproxy.cfg" >"$T/haproxy.out" 2>&1 &
PIDS="$PIDS $!"
check "haproxy in front of both nodes" wait_for 10 sh -c 'ss -ltn | grep -q "127.0.0.1:$1 "' sh "$DESK_AT"

# Tickets across the two nodes: each join passed from one to the other.
python3 "$KYOYU_SRCDIR/tests/relay/rejoin-probe.py" 127.0.0.1 $A_AT \
	"$T/desk/op/viewer-cert.pem" "$T/desk/op/viewer-key.pem" 3 $B_AT >"$T/probe2.out" 2>&1
while read -r verdict what; do
	check "tickets across nodes A and B: $what" test "$verdict" = ok
done <"$T/probe2.out"
check "tickets across nodes: the probe ran to its end" has "$T/probe2.out" "an expired ticket"
check "node B passed an operator coming back to node A" \
	has "$T/relay-b.err" "the operator at 127.0.0.1 came back; the other side waits at node 127.0.0.1:$A_AT"
check "node B passed a customer coming back to node A" \
	has "$T/relay-b.err" "the customer at 127.0.0.1 came back; the other side waits at node 127.0.0.1:$A_AT"

RELAY_PORT=$DESK_AT
# shellcheck disable=SC2046
start_relay_viewer across-v "$T/desk" 7 $(record across)
VA=$VIEWER_PID
check "the operator gets a code through the desk's address" \
	wait_for 30 has "$T/across-v.out" 'Read this code'
customer_types "$(code_of across-v)" >"$T/across-code"
RELAY_PORT=$B_AT
start_relay_sharer across-s "$T/across-code" "$T/desk" -t 30 -o capture.pattern=full
SA=$SHARER_PID
check "the customer at node B is joined to the operator at node A" \
	wait_for 30 has "$T/across-v.out" "Viewing the customer's screen"
check "node A holds the operator's side" \
	has "$T/relay-a.err" "session 4: the customer at 127.0.0.1 joined the operator at 127.0.0.1"
sleep 2
kill -9 "$PID_A"
wait "$PID_A" 2>/dev/null
check "the viewer lost its customer" wait_for 10 has "$T/across-v.err" "lost the link to the customer"
check "the viewer takes its customer back through node B" \
	wait_for $GRACE has "$T/across-v.err" "came back: the session goes on"
check "node B joined them again" has "$T/relay-b.err" "came back, and its session goes on"
check "the customer is told the connection is back" \
	wait_for 10 has "$T/across-s.out" "The connection is back"
lost=$(seconds_of "$T/across-v.err" "lost the link to the customer")
back=$(seconds_of "$T/across-v.err" "came back: the session goes on")
gap=$(echo "$lost $back" | awk '{printf "%.1f", $2 - $1}')
note "node A killed: the viewer was without its customer for $gap s (grace $GRACE s; load $(cut -d' ' -f1-3 /proc/loadavg))"
check "within the grace" less_than "$gap" "$GRACE"
reap "$SA" 40
check "the sharer's time runs out and it exits cleanly" test "$STATUS" = 0
reap "$VA" 30
frames=$(grep -o '[0-9]* decoded frames' "$T/across-v.out" | cut -d' ' -f1)
note "the viewer decoded ${frames:-0} frames across the kill"
recording_across across kill
exec 7>&- 8>&-
tap_done
