#!/bin/sh
# SPDX-License-Identifier: MIT
# kyoyu-relay with Redis Sentinel: a master, its replica and one Sentinel
# (quorum 1) on loopback; the relay knows only the Sentinel.  The master
# dies: new codes are refused in plain words while Sentinel fails over,
# then issued again by the promoted replica, with no restart of the relay.
. "$KYOYU_SRCDIR/tests/transport/lib.sh"
. "$KYOYU_SRCDIR/tests/relay/lib.sh"

check "a desk CA, its operator, the relay's certificate" make_desk "$T/desk"
check "a Redis master of our own" start_redis
MASTER=$REDIS_PORT
MASTER_PID=$REDIS_PID
# replicates PORT: true once the replica at PORT has synced with the master.
replicates() { redis-cli -p "$1" info replication 2>/dev/null | grep -q '^master_link_status:up'; }
start_replica() {
	start_redis || return 1
	REPLICA=$REDIS_PORT
	redis-cli -p "$REPLICA" replicaof 127.0.0.1 "$MASTER" >/dev/null &&
		wait_for 20 replicates "$REPLICA"
}
check "its replica" start_replica
sentinel_knows() {
	redis-cli -p "$1" sentinel replicas kyoyu 2>/dev/null | grep -q "127.0.0.1:$REPLICA"
}
start_sentinel() {
	for try in 1 2 3 4 5 6 7 8; do
		SENTINEL=$((20000 + $(od -An -N2 -tu2 /dev/urandom) % 40000))
		printf '%s\n' "port $SENTINEL" "bind 127.0.0.1" "dir $T" \
			"sentinel monitor kyoyu 127.0.0.1 $MASTER 1" \
			"sentinel down-after-milliseconds kyoyu 1000" \
			"sentinel failover-timeout kyoyu 5000" >"$T/sentinel.conf"
		redis-server "$T/sentinel.conf" --sentinel >"$T/sentinel.log" 2>&1 &
		PIDS="$PIDS $!"
		wait_for 10 redis_up "$SENTINEL" && break
	done
	wait_for 30 sentinel_knows "$SENTINEL"
}
check "a Sentinel that watches them" start_sentinel
check "kyoyu-relay, told of the Sentinel only" start_relay relay "$T/desk" \
	-o "relay.redis=sentinel://127.0.0.1:$SENTINEL/kyoyu"
check "the relay asked Sentinel where the master is" \
	wait_for 10 has "$T/relay.err" "the master \"kyoyu\" is at 127.0.0.1:$MASTER"

start_relay_viewer viewer "$T/desk" 8
check "the operator gets a code" wait_for 30 has "$T/viewer.out" 'Read this code'
kill "$MASTER_PID"
wait "$MASTER_PID" 2>/dev/null
new_code() {
	n=$(grep -c "$1" "$T/viewer.out")
	"$KYOYU_AGENT" ctl new-code --socket "$T/viewer.sock" >/dev/null 2>&1
	for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
		[ "$(grep -c "$1" "$T/viewer.out")" -gt "$n" ] && return 0
		sleep 0.2
	done
	return 1
}
check "with the master gone, a new code is refused in plain words" \
	new_code "No new code: the relay cannot issue codes right now"
promoted() {
	redis-cli -p "$SENTINEL" sentinel get-master-addr-by-name kyoyu 2>/dev/null |
		grep -q "^$REPLICA\$"
}
check "Sentinel promotes the replica" wait_for 30 promoted
# The relay asks again 2 s after a failure: the operator asks until it works.
check "new codes come from the promoted replica, with no restart" \
	wait_for 30 new_code 'Read this code'
check "the relay followed Sentinel to it" \
	has "$T/relay.err" "the master \"kyoyu\" is at 127.0.0.1:$REPLICA"
# (With the code the old master had replicated, which its retirement, with
# Redis down, could not delete: it expires, and joins nobody.)
check "the codes are stored there" sh -c \
	'[ "$(redis-cli -p "$0" --scan --pattern "kyoyu:code:*" | wc -l)" -ge 1 ]' "$REPLICA"
customer_types "$(code_of viewer)" >"$T/code"
start_relay_sharer sharer "$T/code" "$T/desk" -t 3
check "and joins a customer" wait_for 30 has "$T/viewer.out" "Viewing the customer's screen"
reap "$SHARER_PID" 30
exec 8>&-
tap_done
