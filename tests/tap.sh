# SPDX-License-Identifier: MIT
# TAP for the shell tests, sourced by tests/e2e/lib.sh and
# tests/transport/lib.sh: numbered cases, skips, the plan at the end, and
# polling for a condition.

TAP_N=0
TAP_FAILED=0

ok() { TAP_N=$((TAP_N + 1)); echo "ok $TAP_N - $1"; }
not_ok() {
	TAP_N=$((TAP_N + 1))
	TAP_FAILED=$((TAP_FAILED + 1))
	echo "not ok $TAP_N - $1"
}
# check DESCRIPTION COMMAND...: one case from a command's status.
check() {
	desc=$1
	shift
	if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}
skip() { TAP_N=$((TAP_N + 1)); echo "ok $TAP_N # SKIP $1"; }
skip_all() { echo "1..0 # SKIP $1"; exit 0; }
note() { echo "# $*"; }
# Prints the plan and fails the program when a case failed.
tap_done() {
	echo "1..$TAP_N"
	[ "$TAP_FAILED" -eq 0 ]
}

# wait_for SECONDS COMMAND...: polls COMMAND every 0.1 s until it succeeds.
# Its count is local (dash and bash have `local`): a COMMAND that waits
# itself does not end this wait early.
wait_for() {
	local tries
	tries=$(($1 * 10))
	shift
	while [ "$tries" -gt 0 ]; do
		"$@" 2>/dev/null && return 0
		sleep 0.1
		tries=$((tries - 1))
	done
	return 1
}
