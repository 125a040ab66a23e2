#!/bin/sh
# SPDX-License-Identifier: MIT
# Share without recording: a viewer that records (record.enabled) but lets
# the customer decline the recording (record.required = false).  The
# customer is offered u, answers it, the screen is shared (video crosses
# and is decoded) and the viewer writes no file.  Where recording is
# required (the default) u is not offered and not taken: the customer's
# next answer, y, shares and the session is recorded.
. "$KYOYU_SRCDIR/tests/transport/lib.sh"

[ "$CODEC" = vpx ] || skip_all "a recording needs a real codec (codec/vpx)"
[ -f "$KYOYU_BUILDDIR/plugins/kyoyu-transport-record.la" ] ||
	skip_all "transport/record is not built"
make_cert "$T/cert" || skip_all "--make-cert failed"

# status NAME: the agent's ctl status into $T/NAME.status.
status() { "$KYOYU_AGENT" ctl status --socket "$T/$1.sock" >"$T/$1.status" 2>/dev/null; }
sharing() { status "$1" && grep -q '^state: sharing$' "$T/$1.status"; }
video_bytes() { sed -n 's/^video: \([0-9]*\) bytes.*/\1/p' "$T/$1.status"; }
video_arrived() { status "$1" && [ "$(video_bytes "$1")" -gt 1000 ]; }

check "a viewer that records unless the customer declines it" \
	start_viewer optional "$T/cert" -o record.enabled=true -o record.required=false \
	-o "record.path=$T/optional.webm"
printf '%s\nu\n' "$CODE" >"$T/code"
start_sharer optional-sharer "$T/code" -t 6
check "the customer is offered to share without recording" \
	wait_for 30 has "$T/optional-sharer.out" "You may also share without recording: press u."
check "answers u, and is told nothing is recorded" \
	wait_for 10 has "$T/optional-sharer.out" "Your screen will be shared without recording."
check "the sharer shares" wait_for 20 sharing optional-sharer
check "and says it records nothing" grep -q '^recording: no$' "$T/optional-sharer.status"
check "the operator is told" \
	wait_for 10 has "$T/optional.out" "The customer allowed sharing without recording"
check "video reaches the viewer" wait_for 20 video_arrived optional
check "whose ctl status says it records nothing" grep -q '^recording: no$' "$T/optional.status"
reap "$SHARER_PID" 30
reap "$VIEWER_PID" 30
frames=$(sed -n 's/.* \([0-9]*\) decoded frames.*/\1/p' "$T/optional.out")
note "the viewer decoded ${frames:-0} frames"
check "and decoded it" test "${frames:-0}" -gt 0
check "the viewer wrote no recording" test ! -e "$T/optional.webm"
check "and said so" has "$T/optional.err" "nothing is written"

# record.required = true (the default): u is no answer.
check "a viewer that requires its recording" \
	start_viewer required "$T/cert" -o record.enabled=true -o "record.path=$T/required.webm"
printf '%s\nu\ny\n' "$CODE" >"$T/code"
start_sharer required-sharer "$T/code" -t 6
check "the customer is asked about the recording" \
	wait_for 30 has "$T/required-sharer.out" "Do you agree? Press y for yes or n for no."
check "without the offer to share unrecorded" \
	sh -c '! grep -q "without recording: press u" "$0"' "$T/required-sharer.out"
check "u is not taken for an answer" \
	wait_for 10 has "$T/required-sharer.out" "Please answer y (yes) or n (no)."
check "y is, and the session is recorded" \
	wait_for 10 has "$T/required-sharer.out" "Thank you. The session will be recorded."
check "video reaches the viewer" wait_for 20 video_arrived required
reap "$SHARER_PID" 30
reap "$VIEWER_PID" 30
check "the viewer wrote the recording" test -s "$T/required.webm"
tap_done
