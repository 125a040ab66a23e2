#!/bin/sh
# SPDX-License-Identifier: MIT
# One clock for the cap: the viewer is capped at 2 minutes (warned 1 minute
# before), the customer's own file says 40 (the default).  The viewer's cap
# reaches the sharer over the link: the sharer's ctl status counts down from
# 2:00, not 40:00, the same time left as the viewer's, the customer is
# warned, and both end at the viewer's cap with the reason "time cap".
#
# The session clock runs 4 times faster (KYOYU_CLOCK_RATE, a test-only
# knob, docs/config.md): the 2 minutes take 30 s.  Readings of the two
# sides taken back to back differ by what the clock moves
# between two ctl calls (4 × their time apart: seconds on a loaded machine),
# so the viewer's reading
# is checked to lie between two of the sharer's, ±1 s.
. "$KYOYU_SRCDIR/tests/transport/lib.sh"

make_cert "$T/cert" || skip_all "--make-cert failed"
export KYOYU_CLOCK_RATE=4
check "a viewer capped at 2 minutes, warned 1 minute before" \
	start_viewer capped "$T/cert" -o session.max_minutes=2 -o session.warn_minutes=1
customer_types "$CODE" >"$T/code"
start_sharer capped-sharer "$T/code"

# status NAME: the agent's ctl status into $T/NAME.status.
status() { "$KYOYU_AGENT" ctl status --socket "$T/$1.sock" >"$T/$1.status" 2>/dev/null; }
sharing() { status "$1" && grep -q '^state: sharing$' "$T/$1.status"; }
# seconds_left NAME: the time left of the last status, in seconds.
seconds_left() {
	awk -F'[ :]' '/^time left: [0-9]+:[0-9][0-9]$/ { print $4 * 60 + $5 }' "$T/$1.status"
}
both_sharing() { sharing capped && sharing capped-sharer; }
check "the customer allows it and both share" wait_for 30 both_sharing
# The sharer hears the viewer's cap with the welcome, before sharing starts;
# give its policy one tick to say the new end.
wait_for 5 sh -c 'grep -q "the other side.s time cap: 120 s" "$0"' "$T/capped-sharer.err"
# and for its status to say so (a loaded machine: seconds, not ticks).
capped_status() { status capped-sharer && [ "$(seconds_left capped-sharer)" -le 120 ] 2>/dev/null; }
wait_for 20 capped_status
# The viewer's reading is taken between two of the sharer's: if both count
# to the same end, it lies between them (give or take the 1 s allowed).
status capped-sharer
s1=$(seconds_left capped-sharer)
status capped
v=$(seconds_left capped)
status capped-sharer
s2=$(seconds_left capped-sharer)
note "time left: sharer $s1 s, viewer $v s, sharer $s2 s"
check "the sharer's ctl status shows the viewer's cap (at most 2:00), not its own 40:00" \
	test -n "$s1" -a "${s1:-0}" -le 120 -a "${s1:-0}" -ge 1
check "the same time left as the viewer's (±1 s)" \
	test -n "$v" -a -n "$s2" -a "${v:-0}" -le $((${s1:-0} + 1)) -a "${v:-0}" -ge $((${s2:-0} - 1))
check "the customer is warned 1 minute before the cap" \
	wait_for 40 has "$T/capped-sharer.out" "The session ends in about 1 minute"
check "and so is the operator" wait_for 10 has "$T/capped.out" "The session ends in about 1 minute"
reap "$SHARER_PID" 60
sharer_status=$STATUS
reap "$VIEWER_PID" 60
unset KYOYU_CLOCK_RATE
check "both end at the viewer's cap with the reason \"time cap\"" sh -c \
	'grep -q "session ended (time cap)" "$0/capped.out" &&
	 grep -q "session ended (time cap)" "$0/capped-sharer.out"' "$T"
check "the sharer's session ended with \"time cap\" too" \
	has "$T/capped-sharer.err" "session sharing → ended (time cap)"
check "and both exit cleanly" test "$sharer_status" = 0 -a "$STATUS" = 0
tap_done
