#!/bin/sh
# SPDX-License-Identifier: MIT
# A pin mismatch ends the TLS handshake with the bad_certificate alert that
# docs/protocol.md promises (not handshake_failure): openssl s_server plays
# a rogue viewer with another key and prints the alert it receives.
. "$KYOYU_SRCDIR/tests/transport/lib.sh"

command -v openssl >/dev/null || skip_all "no openssl command"
make_cert "$T/cert" || skip_all "--make-cert failed"
"$KYOYU_AGENT" --make-cert "$T/rogue" >/dev/null 2>&1 || skip_all "--make-cert failed"
PORT=$((42400 + $$ % 50))
sleep 30 | openssl s_server -accept "$PORT" -cert "$T/rogue/viewer-cert.pem" \
	-key "$T/rogue/viewer-key.pem" -tls1_3 -msg -naccept 1 >"$T/rogue.out" 2>&1 &
PIDS="$PIDS $!"
wait_for 10 sh -c 'ss -Hltn "( sport = :$0 )" | grep -q .' "$PORT"
echo 123456789 >"$T/code"
start_sharer s "$T/code" -o transport.connect_timeout_s=5
reap "$SHARER_PID"
check "the sharer refuses the rogue viewer, naming the pin" \
	has "$T/s.err" "does not match transport.pin"
check "with the bad_certificate alert" \
	wait_for 5 has "$T/rogue.out" "Alert .*fatal bad_certificate"
check "not handshake_failure" sh -c '! grep -q "handshake_failure" "$0"' "$T/rogue.out"
tap_done
