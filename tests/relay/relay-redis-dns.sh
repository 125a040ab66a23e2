#!/bin/sh
# SPDX-License-Identifier: MIT
# A Redis host name whose DNS server answers slowly must not hold up the
# bytes of running sessions: the relay resolves relay.redis's names before
# its loop starts and, on each reconnection, in a thread of its own
# (relay/resolve.c), again each time, so a Redis that moved is found.  In
# a network and mount namespace of its own (root only): a DNS server of
# the test's (tests/relay/slow-dns.py) on the namespace's 127.0.0.1:53
# in /etc/resolv.conf there, knowing redis.kyoyu.test.  A pair joined
# through kyoyu-relay sends 64-byte round trips while an operator asks for
# a code every 0.2 s; the DNS server is made to answer after 3 s and the
# relay's Redis connection is killed: no round trip waits for the name,
# codes are refused until it resolves, then issued again, and the name was
# asked again for the new connection.
. "$KYOYU_SRCDIR/tests/relay/dns-namespace.sh"
. "$KYOYU_SRCDIR/tests/transport/lib.sh"
. "$KYOYU_SRCDIR/tests/relay/lib.sh"

command -v python3 >/dev/null 2>&1 || skip_all "python3 is not installed"
command -v ip >/dev/null 2>&1 || skip_all "ip (iproute2) is not installed"
PROBE="$KYOYU_SRCDIR/tests/relay/stall-probe.py"
NAME=redis.kyoyu.test

start_slow_dns "$NAME"
check "a desk CA, its operator, the relay's certificate" make_desk "$T/desk"
check "a redis-server of our own" start_redis
check "kyoyu-relay on it, by name" start_relay relay "$T/desk" \
	-o "relay.redis=redis://$NAME:$REDIS_PORT" -o log.level=debug
probe() {
	python3 "$PROBE" 127.0.0.1 "$RELAY_PORT" "$T/desk/op/viewer-cert.pem" \
		"$T/desk/op/viewer-key.pem" "$@"
}
before=$(dns_asked)

# The DNS server slows down to 3 s a name, and Redis drops the relay.
probe 4 "echo 3 >$T/dns-delay; redis-cli -p $REDIS_PORT client kill type normal >/dev/null" \
	>"$T/dns-stall.out" 2>&1
note "$(tr '\n' ' ' <"$T/dns-stall.out")(load $(cut -d' ' -f1-3 /proc/loadavg))"
check "with the name resolved at start, codes are issued" \
	grep -q "^up offers: CODE [0-9]*$" "$T/dns-stall.out"
check "while the name resolves slowly, the pair's bytes still cross" \
	grep -q "^after: round trips" "$T/dns-stall.out"
check "codes are refused as unavailable meanwhile" grep -q "^after offers: .*REFUSED-3" \
	"$T/dns-stall.out"
# The former resolution in hiredis' connect held a round trip 2999 ms.
check_loop_not_held "$T/dns-stall.out"
check "the relay said the name did not resolve in time" \
	has "$T/relay.err" "$NAME: no address within 500 ms"
offered() { probe offer >"$T/back.out" 2>&1 && grep -q "offer: CODE" "$T/back.out"; }
check "once the name resolves, codes are issued again" wait_for 20 offered
check "the name was asked again for the new connection ($before, then $(dns_asked) times)" \
	test "$(dns_asked)" -gt "$before"
tap_done
