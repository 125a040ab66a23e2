# SPDX-License-Identifier: MIT
# Sourced first by the tests whose names resolve slowly on purpose
# (relay-redis-dns.sh, relay-node-dns.sh): the test runs again in a network
# and mount namespace of its own (root only), where it can own port 53 and
# /etc/resolv.conf.  Once tests/transport/lib.sh is loaded, start_slow_dns
# NAME starts tests/relay/slow-dns.py answering NAME with 127.0.0.1 after
# the seconds in $T/dns-delay (0 at first), dns_asked counts how often
# NAME was asked (its log, $T/dns.log), and check_loop_not_held FILE checks
# tests/relay/stall-probe.py's round trips while the name was slow ("after:").
if [ -z "${KYOYU_IN_NAMESPACE:-}" ]; then
	if [ "$(id -u)" = 0 ] && command -v unshare >/dev/null 2>&1 &&
		unshare -n -m true 2>/dev/null; then
		KYOYU_IN_NAMESPACE=1 exec unshare -n -m sh "$0" "$@"
	fi
	echo "1..0 # SKIP needs root and unshare -n -m (a DNS server on port 53 of its own)"
	exit 0
fi

start_slow_dns() {
	DNS_NAME=$1
	check "the namespace's loopback is up" ip link set lo up
	echo "nameserver 127.0.0.1" >"$T/resolv.conf"
	echo "options timeout:10 attempts:1" >>"$T/resolv.conf"
	check "its /etc/resolv.conf names the test's DNS server" \
		mount --bind "$T/resolv.conf" /etc/resolv.conf
	echo 0 >"$T/dns-delay"
	python3 "$KYOYU_SRCDIR/tests/relay/slow-dns.py" "$DNS_NAME" 127.0.0.1 "$T/dns-delay" \
		"$T/dns.log" >"$T/dns.out" 2>&1 &
	PIDS="$PIDS $!"
	check "the DNS server answers for $DNS_NAME" wait_for 10 dns_resolves
}

dns_resolves() { getent hosts "$DNS_NAME" | grep -q 127.0.0.1; }
dns_asked() { grep -c "^$DNS_NAME 1 " "$T/dns.log"; }

# A loop that waits for the name holds every session for its 3 s.
check_loop_not_held() {
	LOOP_OUT=$1
	after() { sed -n "s/^after: .* $1 \([0-9.]*\).*/\1/p" "$LOOP_OUT"; }
	check "the round trips' p99 stays under 100 ms" \
		awk -v p="$(after p99)" 'BEGIN { exit !(p != "" && p < 100) }'
	check "no round trip waits for the name: the longest stays under 1 s" \
		awk -v m="$(after max)" 'BEGIN { exit !(m != "" && m < 1000) }'
}
