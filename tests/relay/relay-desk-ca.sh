#!/bin/sh
# SPDX-License-Identifier: MIT
# The desk's CA made by the agent: --make-ca, --issue-operator with a UTF-8
# name, an operator whose certificate it issued gets codes at the relay and
# is shown to the customer by name and organisation from the verified
# chain; --revoke-operator, and the relay (relay.crl, read again when it
# changes) gives that operator no code any more, with no restart.
. "$KYOYU_SRCDIR/tests/transport/lib.sh"
. "$KYOYU_SRCDIR/tests/relay/lib.sh"

K=$T/kdesk
# quietly CMD...: CMD with its output in $T/quiet.out (the TAP stream stays TAP).
quietly() { "$@" >"$T/quiet.out" 2>&1; }

check "kyoyu-agent --make-ca makes the desk's CA and an empty revocation list" \
	quietly "$KYOYU_AGENT" --make-ca "$K" --org "サポート窓口 Desk"
check "its key is private" test "$(stat -c %a "$K/ca-key.pem")" = 600
check "it is a CA" sh -c 'openssl x509 -in "$0" -noout -ext basicConstraints | grep -q "CA:TRUE"' \
	"$K/ca.pem"
check "it refuses to make a CA over another" sh -c \
	'! "$0" --make-ca "$1" --org X 2>"$1.err" && grep -q "remove the old files first" "$1.err"' \
	"$KYOYU_AGENT" "$K"
check "--make-ca without --org says what is missing" sh -c \
	'"$0" --make-ca "$1/x" 2>&1 | grep -q "needs --org NAME"' "$KYOYU_AGENT" "$T"
check "--issue-operator writes an operator certificate with a UTF-8 name" \
	quietly "$KYOYU_AGENT" --issue-operator "$K" "$K/op" --name "山田 花子"
check "which openssl verifies against the desk CA" \
	quietly openssl verify -CAfile "$K/ca.pem" "$K/op/viewer-cert.pem"
check "and which names the desk and the operator in UTF-8" sh -c \
	'openssl x509 -in "$0" -noout -subject -nameopt utf8,sep_comma_plus_space |
	 grep -q "O=サポート窓口 Desk, CN=山田 花子"' "$K/op/viewer-cert.pem"
check "a second operator" quietly "$KYOYU_AGENT" --issue-operator "$K" "$T/k2/op" --name "Ken"

check "the relay's own certificate" make_desk "$T/desk"
check "a redis-server of our own on loopback" start_redis
check "kyoyu-relay with the desk CA and its revocation list" start_relay relay "$T/desk" \
	-o "relay.ca=$K/ca.pem" -o "relay.crl=$K/crl.pem"

start_relay_viewer viewer "$K" 8
check "the operator gets a code" wait_for 30 has "$T/viewer.out" 'Read this code'
customer_types "$(code_of viewer)" >"$T/code"
start_relay_sharer sharer "$T/code" "$K" -t 4
check "the customer is shown the operator's name from the verified certificate" \
	wait_for 20 has "$T/sharer.out" "山田 花子"
check "and the desk's" has "$T/sharer.out" "サポート窓口 Desk"
check "the operator sees the screen" wait_for 30 has "$T/viewer.out" "Viewing the customer's screen"
reap "$SHARER_PID" 30
reap "$VIEWER_PID" 30

# The first operator leaves the desk.
start_relay_viewer second "$T/k2" 7
check "the second operator gets a code" wait_for 30 has "$T/second.out" 'Read this code'
check "--revoke-operator adds the first to the list" sh -c \
	'"$0" --revoke-operator "$1" "$1/op/viewer-cert.pem" | grep -q "now lists 1 operator"' \
	"$KYOYU_AGENT" "$K"
check "openssl agrees it is revoked" sh -c \
	'openssl verify -crl_check -CRLfile "$0/crl.pem" -CAfile "$0/ca.pem" \
	 "$0/op/viewer-cert.pem" 2>&1 | grep -q "certificate revoked"' "$K"
start_relay_viewer gone "$K" 6
check "the revoked operator gets no code, with no restart of the relay" \
	wait_for 30 has "$T/gone.out" "No new code: the relay did not accept this operator certificate"
check "the relay says why" has "$T/relay.err" "an operator certificate the desk revoked"
check "the second operator still gets codes" sh -c \
	'"$0" ctl new-code --socket "$1/second.sock" >/dev/null 2>&1' "$KYOYU_AGENT" "$T"
check "a new one, that is" wait_for 20 sh -c \
	'[ "$(grep -c "Read this code" "$0")" -ge 2 ]' "$T/second.out"

# A list the desk CA did not sign is not taken.
make_rogue "$T/rogue"
sed 's/A/B/' "$K/crl.pem" | head -c 200 >"$T/broken.crl"
check "kyoyu-relay --check-config refuses a broken relay.crl in words" sh -c \
	'"$0" --check-config -o "relay.cert=$1/relay/cert.pem" -o "relay.key=$1/relay/key.pem" \
	 -o "relay.ca=$2/ca.pem" -o "relay.crl=$3" -o relay.redis=redis://127.0.0.1:1 2>&1 |
	 grep -q "not a PEM revocation list"' "$RELAY" "$T/desk" "$K" "$T/broken.crl"
check "or one for another CA" sh -c \
	'"$0" --check-config -o "relay.cert=$1/relay/cert.pem" -o "relay.key=$1/relay/key.pem" \
	 -o "relay.ca=$2/ca.pem" -o "relay.crl=$3/crl.pem" -o relay.redis=redis://127.0.0.1:1 2>&1 |
	 grep -q "the desk CA (relay.ca) did not sign it"' "$RELAY" "$T/desk" "$T/rogue" "$K"
exec 6>&- 7>&- 8>&-
tap_done
