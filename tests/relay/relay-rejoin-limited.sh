#!/bin/sh
# SPDX-License-Identifier: MIT
# A real customer's agent refused once as over its address's budget of
# re-joins (relay.rejoins_per_minute, docs/relay.md "Coming back") waits
# as the relay says and comes back within the grace, instead of ending the
# session; the customer reads, in Japanese here (ui.language=ja: the
# catalogue's words reach the person), that it reconnects by itself.  A
# real viewer and sharer joined through kyoyu-relay with a budget of one
# re-join a minute; a forged ticket from the customer's address spends it, and the
# test cuts that minute to 8 s in Redis; the relay process is killed and
# started again on its address: the operator's side comes back at once,
# the customer's is refused as over budget with the seconds left, waits
# them, and is joined again.
. "$KYOYU_SRCDIR/tests/transport/lib.sh"
. "$KYOYU_SRCDIR/tests/relay/lib.sh"

command -v python3 >/dev/null 2>&1 || skip_all "python3 is not installed"
GRACE=30
WINDOW=8
# po/ja.po's words for the wait and for the link come back.
WAIT_JA="秒後に自動でつなぎ直します"
BACK_JA="接続が戻りました。"

check "a desk CA, its operator, the relay's certificate" make_desk "$T/desk"
check "a redis-server of our own on loopback" start_redis
check "a port for the relay, to start it again on" port_block 1
PORT=$PORT_BASE
check "kyoyu-relay, one re-join per address and minute" start_relay relay "$T/desk" \
	-o relay.port=$PORT -o relay.rejoins_per_minute=1 -o log.level=info
PID=$RELAY_PID

start_relay_viewer viewer "$T/desk" 8 -o transport.grace_s=$GRACE
V=$VIEWER_PID
check "the operator gets a code" wait_for 30 has "$T/viewer.out" 'Read this code'
customer_types "$(code_of viewer)" >"$T/code"
start_relay_sharer sharer "$T/code" "$T/desk" -t 45 -o capture.pattern=full -o ui.language=ja
S=$SHARER_PID
check "the customer's screen is seen through the relay" \
	wait_for 30 has "$T/viewer.out" "Viewing the customer's screen"

# The customer's address spends its re-join of the minute on a forged
# ticket, and the minute is cut short.
python3 "$KYOYU_SRCDIR/tests/relay/rejoin-limits-probe.py" 127.0.0.1 "$PORT" \
	"$T/desk/op/viewer-cert.pem" "$T/desk/op/viewer-key.pem" 1 spend >"$T/spend.out" 2>&1
check "a forged ticket from the customer's address spends its budget" \
	grep -q "^spend: REFUSED-7$" "$T/spend.out"
keys=$(redis-cli -p "$REDIS_PORT" --scan --pattern 'kyoyu:rejoins:*')
check "Redis counts that address's re-joins" test -n "$keys"
for k in $keys; do
	redis-cli -p "$REDIS_PORT" expire "$k" $WINDOW >/dev/null
done

kill -9 "$PID"
wait "$PID" 2>/dev/null
check "the viewer lost its customer" wait_for 10 has "$T/viewer.err" "lost the link to the customer"
check "the relay started again on its address" start_relay relay2 "$T/desk" \
	-o relay.port=$PORT -o relay.rejoins_per_minute=1 -o log.level=info
check "the relay refuses the customer's re-join as over its budget" \
	wait_for 20 has "$T/relay2.err" "the customer at 127.0.0.1 came back too often"
check "the sharer waits as the relay says instead of ending the session" \
	wait_for 10 has "$T/sharer.err" "the relay refuses to let this computer back in for now"
note "$(grep -o 'trying again in [0-9]* s, within the [0-9]* s' "$T/sharer.err" | head -1)"
check "the customer reads, in Japanese, that it reconnects by itself in so many seconds" \
	wait_for 10 has "$T/sharer.out" "[0-9] $WAIT_JA"
note "the customer read: $(grep -m1 "$WAIT_JA" "$T/sharer.out")"
check "the viewer takes its customer back: the session goes on" \
	wait_for $GRACE has "$T/viewer.err" "came back: the session goes on"
check "the customer is told the connection is back" \
	wait_for 10 has "$T/sharer.out" "$BACK_JA"
check "the relay joined them again" has "$T/relay2.err" "came back, and its session goes on"
check "the sharer never took the refusal for the end of the session" \
	sh -c '! grep -q "no longer knows this session" "$0"' "$T/sharer.err"
lost=$(grep -m1 "lost the link to the customer" "$T/viewer.err" | awk '{print $1}')
back=$(grep -m1 "came back: the session goes on" "$T/viewer.err" | awk '{print $1}')
gap=$(echo "$lost $back" | awk '{printf "%.1f", $2 - $1}')
note "the viewer was without its customer for $gap s (the budget's window cut to $WINDOW s, grace $GRACE s; load $(cut -d' ' -f1-3 /proc/loadavg))"
check "within the grace" awk -v g="$gap" -v m=$GRACE 'BEGIN { exit !(g != "" && g > 0 && g < m) }'
reap "$S" 60
check "the sharer's time runs out and it exits cleanly" test "$STATUS" = 0
reap "$V" 30
exec 8>&-
tap_done
