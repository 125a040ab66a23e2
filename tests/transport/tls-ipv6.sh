#!/bin/sh
# SPDX-License-Identifier: MIT
# A whole share on each address family of loopback: the viewer listens on
# 127.0.0.1, then on ::1, and a real sharer connects to it there with the
# code and the pin, is asked, shares, and the operator ends the session.
# IPv6 is skipped (with its reason) on a machine whose loopback has no ::1.
. "$KYOYU_SRCDIR/tests/transport/lib.sh"

make_cert "$T/cert" || skip_all "--make-cert failed"

# share FAMILY ADDRESS: one whole session over ADDRESS.
share() {
	family=$1 addr=$2
	if ! start_viewer "viewer-$family" "$T/cert" -o "transport.listen=$addr"; then
		not_ok "$family: the viewer listens on $addr and shows a code"
		return
	fi
	check "$family: the viewer listens on $addr" has "$T/viewer-$family.err" \
		"waiting for the customer on $addr:$PORT"
	mkfifo "$T/sharer-$family.in"
	start_sharer "sharer-$family" "$T/sharer-$family.in" -o "transport.host=$addr"
	exec 9>"$T/sharer-$family.in"
	wait_for 30 has "$T/sharer-$family.out" "Type the 9-digit code"
	customer_types "$CODE" >&9
	check "$family: the customer's screen is shared over $addr" \
		wait_for 20 has "$T/sharer-$family.out" "Your screen is now shared"
	check "$family: the viewer admitted the customer from $addr" \
		wait_for 20 has "$T/viewer-$family.err" "\] $addr:[0-9]* connected with the right code"
	check "$family: the operator sees the picture" \
		wait_for 20 has "$T/viewer-$family.out" "Viewing the customer's screen"
	key e
	check "$family: the operator's end reaches the customer" \
		wait_for 20 has "$T/sharer-$family.out" "The session has ended: the support person ended it"
	exec 9>&-
	reap "$SHARER_PID" 20
	reap "$VIEWER_PID" 20
	exec 8>&-
}

share IPv4 127.0.0.1
if grep -q '^00000000000000000000000000000001 .* lo$' /proc/net/if_inet6 2>/dev/null; then
	share IPv6 ::1
else
	skip "IPv6: this machine's loopback has no ::1 (IPv6 disabled)"
fi
tap_done
