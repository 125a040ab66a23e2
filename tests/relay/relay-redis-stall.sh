#!/bin/sh
# SPDX-License-Identifier: MIT
# A Redis that stops answering (SIGSTOP: its connections stay open, nothing
# comes back) must not hold up the bytes of running sessions: the relay
# talks to Redis without waiting for it in its loop (docs/relay.md, "When
# Redis is unreachable").  A pair joined through a real kyoyu-relay sends
# 64-byte round trips while, every 0.2 s, an operator asks for a code:
# with Redis stopped, every code is refused as "unavailable" and no round
# trip waits for Redis; after SIGCONT codes are issued again with no
# restart.
. "$KYOYU_SRCDIR/tests/transport/lib.sh"
. "$KYOYU_SRCDIR/tests/relay/lib.sh"

command -v python3 >/dev/null 2>&1 || skip_all "python3 is not installed"
PROBE="$KYOYU_SRCDIR/tests/relay/stall-probe.py"

check "a desk CA, its operator, the relay's certificate" make_desk "$T/desk"
check "a redis-server of our own on loopback" start_redis
check "kyoyu-relay on it" start_relay relay "$T/desk" -o log.level=info
probe() {
	python3 "$PROBE" 127.0.0.1 "$RELAY_PORT" "$T/desk/op/viewer-cert.pem" \
		"$T/desk/op/viewer-key.pem" "$@"
}

probe 6 "$REDIS_PID" >"$T/stall.out" 2>&1
note "$(tr '\n' ' ' <"$T/stall.out")(load $(cut -d' ' -f1-3 /proc/loadavg); helpers at nice 19 beside)"
check "with Redis answering, the codes asked for meanwhile are issued" \
	grep -q "^up offers: CODE [0-9]*$" "$T/stall.out"
check "with Redis stopped, the pair's bytes still cross" grep -q "^stopped: round trips" "$T/stall.out"
check "every code asked for meanwhile is refused as unavailable" \
	grep -q "^stopped offers: REFUSED-3 [0-9]*$" "$T/stall.out"
# A loop that waits for Redis holds every session for the call's 500 ms
# timeout, once per 2 s pause (three round trips of 500 ms or more here):
# rare enough to hide under the p99, not in the count of slow ones.  One
# slow round trip is left to a loaded machine's scheduler.
stopped() { sed -n "s/^stopped: .* $1 \([0-9.]*\).*/\1/p" "$T/stall.out"; }
check "the round trips' p99 stays under 100 ms" \
	awk -v p="$(stopped p99)" 'BEGIN { exit !(p != "" && p < 100) }'
check "no round trip waits for Redis: at most one of 300 ms or more (a waiting loop: 3)" \
	awk -v n="$(stopped slow)" 'BEGIN { exit !(n != "" && n <= 1) }'
check "the relay said Redis failed, in plain words" \
	has "$T/relay.err" "Redis failed: .*no new codes until it answers again"
offered() { probe offer >"$T/back.out" 2>&1 && grep -q "offer: CODE" "$T/back.out"; }
check "Redis continued: codes are issued again, with no restart" wait_for 15 offered
check "the relay said so" wait_for 5 has "$T/relay.err" "answers again: codes are issued again"
tap_done
