#!/bin/sh
# SPDX-License-Identifier: MIT
# A node address (relay.node_address) whose DNS server answers slowly must
# not hold up the bytes of running sessions: a node resolves the name of
# the node it passes a customer to in a thread of its own (relay/resolve.c,
# as for relay.redis), and its loop polls for the answer.  In a network
# and mount namespace of its own (root only), as relay-redis-dns.sh: a DNS
# server of the test's (tests/relay/slow-dns.py) on the namespace's
# 127.0.0.1:53, knowing node-a.kyoyu.test.  Node A is reached by that name,
# node B by its address, both on one Redis.  A pair joined through node B
# sends 64-byte round trips while an operator asks B for a code every
# 0.2 s; the DNS server is made to answer after 3 s, and a customer at B
# claims the code of an operator parked at A: no round trip at B waits for
# the name, and the customer is joined across once it resolves.  Then an
# operator parked at node C, whose name the DNS server does not know: the
# customer is refused, and B says why.
. "$KYOYU_SRCDIR/tests/relay/dns-namespace.sh"
. "$KYOYU_SRCDIR/tests/transport/lib.sh"
. "$KYOYU_SRCDIR/tests/relay/lib.sh"

command -v python3 >/dev/null 2>&1 || skip_all "python3 is not installed"
command -v ip >/dev/null 2>&1 || skip_all "ip (iproute2) is not installed"
PROBE="$KYOYU_SRCDIR/tests/relay/stall-probe.py"
NAME=node-a.kyoyu.test

start_slow_dns "$NAME"
check "a desk CA, its operator, the relay's certificate" make_desk "$T/desk"
check "a redis-server of our own" start_redis
check "two ports for nodes A and C, which name their own" port_block 2
PORT_A=$PORT_BASE
PORT_C=$((PORT_BASE + 1))
check "relay node A, known to the others by the name $NAME" start_relay relay-a "$T/desk" \
	-o "relay.port=$PORT_A" -o "relay.node_address=$NAME:$PORT_A"
PID_A=$RELAY_PID
check "relay node C, known by a name nobody can resolve" start_relay relay-c "$T/desk" \
	-o "relay.port=$PORT_C" -o "relay.node_address=gone.kyoyu.test:$PORT_C"
PID_C=$RELAY_PID
check "relay node B, by its address, same key, same Redis" start_relay relay-b "$T/desk"
PORT_B=$RELAY_PORT
PID_B=$RELAY_PID
probe() {
	python3 "$PROBE" 127.0.0.1 "$@"
}
OP="$T/desk/op/viewer-cert.pem $T/desk/op/viewer-key.pem"
before=$(dns_asked)

# The DNS server slows down to 3 s a name; meanwhile a customer at B
# claims the code of an operator at A, and B must find A by name.
# shellcheck disable=SC2086
probe "$PORT_B" $OP 6 "echo 3 >$T/dns-delay; python3 $PROBE 127.0.0.1 $PORT_A $OP across \
	$PORT_B >$T/across.out 2>&1 &" >"$T/node-stall.out" 2>&1
note "$(tr '\n' ' ' <"$T/node-stall.out")(load $(cut -d' ' -f1-3 /proc/loadavg))"
check "node B's pair exchanges round trips before" grep -q "^up: round trips" "$T/node-stall.out"
check "and while node A's name resolves slowly" grep -q "^after: round trips" \
	"$T/node-stall.out"
check_loop_not_held "$T/node-stall.out"
joined() { grep -q "^across: JOINED" "$T/across.out"; }
check "the customer at B is joined to the operator at A once the name resolves" \
	wait_for 20 joined
note "$(cat "$T/across.out")"
ms=$(sed -n 's/^across: JOINED in \([0-9]*\) ms/\1/p' "$T/across.out")
check "the join waited for the name (${ms:-?} ms, the DNS server's 3 s)" \
	test "${ms:-0}" -ge 2900
check "the name was asked for the pass ($before, then $(dns_asked) times)" \
	test "$(dns_asked)" -gt "$before"
check "node B joined the customer to the operator at node $NAME" has "$T/relay-b.err" \
	"joined the operator at node $NAME:$PORT_A"

# A node whose name does not resolve: its customer is refused, and B says
# which name and why.
echo 0 >"$T/dns-delay"
# shellcheck disable=SC2086
probe "$PORT_C" $OP across "$PORT_B" >"$T/gone.out" 2>&1
note "$(cat "$T/gone.out")"
check "a customer passed to a node whose name does not resolve is refused" \
	grep -q "^across: REFUSED-1 " "$T/gone.out"
check "node B says it cannot resolve that node's name" \
	has "$T/relay-b.err" "cannot resolve the relay node gone.kyoyu.test:$PORT_C"
check "all three nodes still run" kill -0 "$PID_A" "$PID_B" "$PID_C"
tap_done
