#!/bin/sh
# SPDX-License-Identifier: MIT
# Re-join tickets under attack and with a failing Redis (docs/relay.md,
# "Coming back"), with a real redis-server and kyoyu-relay on loopback,
# spoken by tests/relay/rejoin-limits-probe.py:
# - a customer's REJOINs count against its address's budget
#   (relay.rejoins_per_minute, in Redis for all nodes): forged tickets from
#   one address are refused as unknown, then as over budget; 200 other
#   addresses do not flush that; an operator's side is not counted; a real
#   customer comes back meanwhile; the log sums the flood up;
# - a ticket goes out only once Redis keeps it: with Redis refusing the
#   tickets' keys (an ACL), both sides are joined without one and the relay
#   says why; with Redis keeping them again, both get one before JOINED.
. "$KYOYU_SRCDIR/tests/transport/lib.sh"
. "$KYOYU_SRCDIR/tests/relay/lib.sh"

command -v python3 >/dev/null 2>&1 || skip_all "python3 is not installed"
PROBE="$KYOYU_SRCDIR/tests/relay/rejoin-limits-probe.py"
BUDGET=5

check "a desk CA, its operator, the relay's certificate" make_desk "$T/desk"
check "a redis-server of our own on loopback" start_redis
check "kyoyu-relay on it, $BUDGET re-joins per address and minute" \
	start_relay relay "$T/desk" -o relay.rejoins_per_minute=$BUDGET -o log.level=info
probe() {
	python3 "$PROBE" 127.0.0.1 "$RELAY_PORT" "$T/desk/op/viewer-cert.pem" \
		"$T/desk/op/viewer-key.pem" "$@"
}

# ---- the budget -----------------------------------------------------------
probe "$BUDGET" limits >"$T/limits.out" 2>&1
while read -r verdict what; do
	check "limits: $what" test "$verdict" = ok
done <"$T/limits.out"
check "limits: the probe ran to its end" has "$T/limits.out" "bytes cross after the re-join"
check "the relay says which address came back too often" \
	has "$T/relay.err" "the customer at 127.0.0.2 came back too often"
full=$(grep -c "came back with a ticket that is unknown" "$T/relay.err")
check "at most 20 refused tickets are logged in full ($full)" test "$full" -le 20
summed() { grep -q "re-join tickets refused (unknown, used or expired) from .* in the last" "$T/relay.err"; }
check "the rest are summed up in one line, with how many addresses" wait_for 15 summed
note "$(grep -o '[0-9]* more re-join tickets refused.*' "$T/relay.err" | head -1)"

# ---- a ticket only once Redis keeps it ------------------------------------
# Redis refuses the tickets' keys to the relay (and keeps codes): the
# ticket's store fails as a Redis that is down would fail it.
redis-cli -p "$REDIS_PORT" ACL SETUSER default resetkeys '~kyoyu:code:*' '~kyoyu:attempts:*' \
	'~kyoyu:rejoins:*' >"$T/acl.out" 2>&1
check "Redis refuses the tickets' keys" grep -q OK "$T/acl.out"
joins_without() {
	probe 0 join >"$T/join.out" 2>&1
	grep -q "^join: operator JOINED$" "$T/join.out" && grep -q "^join: customer JOINED$" "$T/join.out"
}
# The failure pauses Redis calls 2 s: a code may be refused meanwhile.
check "both sides are joined without a ticket that would not work" wait_for 10 joins_without
check "and the session's bytes cross" grep -q "^ok bytes cross" "$T/join.out"
check "the relay says the session has no way back, and why" \
	has "$T/relay.err" "Redis did not keep its ticket, so none was given"
redis-cli -p "$REDIS_PORT" ACL SETUSER default allkeys >/dev/null 2>&1
joins_with() {
	probe 0 join >"$T/join2.out" 2>&1
	grep -q "^join: operator TICKET JOINED$" "$T/join2.out" &&
		grep -q "^join: customer TICKET JOINED$" "$T/join2.out"
}
check "Redis keeps tickets again: both get one, then JOINED" wait_for 10 joins_with
tap_done
