#!/bin/sh
# SPDX-License-Identifier: MIT
# kyoyu-relay on a 3-master Redis Cluster (started here with redis-cli
# --cluster create): each relay node knows one master only, codes land in
# every master's slots (their keys hash-tagged), the relay follows MOVED to
# the right one, and a customer at node B joins an operator at node A.
. "$KYOYU_SRCDIR/tests/transport/lib.sh"
. "$KYOYU_SRCDIR/tests/relay/lib.sh"

check "a desk CA, its operator, the relay's certificate" make_desk "$T/desk"
check "a Redis Cluster of three masters on loopback" start_cluster
set -- $CLUSTER_PORTS
P1=$1 P2=$2 P3=$3
REDIS_PORT=$P1
check "relay node A, told of the first master only" start_relay relay-a "$T/desk" \
	-o relay.reject_delay_ms=100
PORT_A=$RELAY_PORT
REDIS_PORT=$P2
check "relay node B, told of the second master only" start_relay relay-b "$T/desk" \
	-o relay.reject_delay_ms=100
PORT_B=$RELAY_PORT

# keys PORT: the codes stored on the master at PORT.
keys() { redis-cli -p "$1" --scan --pattern 'kyoyu:code:*' 2>/dev/null | wc -l; }
RELAY_PORT=$PORT_A
start_relay_viewer viewer "$T/desk" 8
check "the operator gets a code at node A" wait_for 30 has "$T/viewer.out" 'Read this code'
# New codes until one lives on a master node A was not told of (each code
# is in a random slot: two in three are elsewhere).
elsewhere() {
	[ "$(keys "$P2")" -gt 0 ] || [ "$(keys "$P3")" -gt 0 ]
}
asked=1
while ! elsewhere && [ $asked -lt 20 ]; do
	n=$(grep -c 'Read this code' "$T/viewer.out")
	"$KYOYU_AGENT" ctl new-code --socket "$T/viewer.sock" >/dev/null 2>&1
	wait_for 20 sh -c '[ "$(grep -c "Read this code" "$0")" -gt "$1" ]' "$T/viewer.out" "$n"
	asked=$((asked + 1))
done
note "codes asked for: $asked; on the masters: $(keys "$P1") $(keys "$P2") $(keys "$P3")"
check "a code is stored on a master node A was not told of" elsewhere
check "node A followed Redis Cluster's MOVED" has "$T/relay-a.err" "Redis Cluster: slot [0-9]* moved to"
check "exactly one live code in the cluster (the old ones retired)" \
	test $(($(keys "$P1") + $(keys "$P2") + $(keys "$P3"))) = 1
customer_types "$(code_of viewer)" >"$T/code"
RELAY_PORT=$PORT_B
start_relay_sharer sharer "$T/code" "$T/desk" -t 4
check "a customer at node B is joined to the operator at node A" \
	wait_for 30 has "$T/viewer.out" "Viewing the customer's screen"
check "the claimed code is gone from the cluster" \
	test $(($(keys "$P1") + $(keys "$P2") + $(keys "$P3"))) = 0
reap "$SHARER_PID" 30
check "the session ends cleanly" test "$STATUS" = 0
check "nothing failed at Redis" sh -c '! grep -q "Redis failed" "$0" "$1"' \
	"$T/relay-a.err" "$T/relay-b.err"
exec 8>&-
tap_done
