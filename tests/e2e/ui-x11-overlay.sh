# SPDX-License-Identifier: MIT
# ui/x11-overlay under Xvfb: the operator's arrow appears on the sharer's
# screen where the viewer points (through the shared area's origin), clicks
# go through it to the customer's window, it hides when released or paused,
# and the badge says what is happening.
. "$KYOYU_SRCDIR/tests/e2e/lib.sh"

[ -f "$KYOYU_BUILDDIR/plugins/kyoyu-ui-x11-overlay.la" ] || skip_all "ui/x11-overlay is not built"
codec=$(e2e_codec) || skip_all "no codec plugin built"
for tool in xdotool xwininfo import convert; do
	command -v $tool >/dev/null || skip_all "$tool is missing (x11-utils, xdotool, imagemagick)"
done
start_xvfb 1600 1000 || skip_all "cannot start Xvfb"

"$KYOYU_BUILDDIR/tests/e2e/x11-click-target" 1600 1000 >"$E2E_TMP/clicks" &
E2E_PIDS="$E2E_PIDS $!"
wait_for 10 grep -q ready "$E2E_TMP/clicks" || skip_all "the click target did not start"

sock="$E2E_TMP/sharer.sock"
mkfifo "$E2E_TMP/fifo"
start_agent sharer -r sharer -o capture.plugin=testsrc -o capture.fps=10 \
	-o codec.plugin="$codec" -o codec.format=vp8 -o transport.plugin=e2epeer \
	-o transport.control="$E2E_TMP/fifo" -o ui.plugin=x11-overlay,customer \
	-o ctl.socket="$sock" -t 120
sharer=$AGENT_PID
check "the sharer shares" wait_for 30 state_is "$sock" sharing

# mapped NAME: the overlay window NAME is on screen; prints its geometry.
mapped() {
	line=$(xwininfo -root -tree | grep "\"$1\"")
	[ -n "$line" ] && xwininfo -id "$(echo "$line" | awk '{ print $1 }')" | grep -q 'Map State: IsViewable' &&
		echo "$line"
}
arrow_hidden() { ! mapped "kyoyu operator pointer" >/dev/null; }
# arrow_at X Y: the arrow's tip is at X,Y of the screen.
arrow_at() { xwininfo -root -tree | grep -q "\"kyoyu operator pointer\".*+$1+$2 "; }
badge_shown() { mapped "kyoyu sharing indicator" >/dev/null; }
# colour_at X Y: the screen's colour there, as #RRGGBB.
colour_at() {
	import -silent -window root -crop "1x1+$1+$2" -depth 8 txt:- |
		sed -n 's/.*\(#[0-9A-F]\{6\}\).*/\1/p'
}

check "the badge says the screen is being shared" wait_for 10 badge_shown
check "in a red box in the top-right corner" \
	sh -c "xwininfo -root -tree | grep -q '\"kyoyu sharing indicator\".*+1[0-9]*+12 '"
badge=$(mapped "kyoyu sharing indicator" | sed 's/.*) *\([0-9]*\)x\([0-9]*\)+\([0-9]*\)+\([0-9]*\).*/\3 \4/')
set -- $badge
check "drawn in red with its text" \
	sh -c "test '$(colour_at $(($1 + 2)) $(($2 + 2)))' = '#C62828' &&
	       import -silent -window root -crop 200x20+$(($1 + 8))+$(($2 + 8)) -depth 8 txt:- | grep -q '#FFFFFF'"

check "no arrow before the operator points" arrow_hidden
tell_peer "size 1280 720 100 50"
tell_peer "pointer 200 150 1"
check "the arrow appears at the shared area's origin + the pointer (300,200)" \
	wait_for 10 arrow_at 300 200
check "a screenshot shows it there, red" \
	wait_for 10 sh -c "test \"\$(import -silent -window root -crop 1x1+304+215 -depth 8 txt:- |
	                            grep -o '#[0-9A-F]\{6\}')\" = '#FF3B30'"
xdotool mousemove 304 215 click 1
check "a click on the arrow reaches the customer's window below" \
	wait_for 10 grep -qx 'press 304 215' "$E2E_TMP/clicks"
check "the arrow never takes the focus" \
	sh -c "! xdotool getwindowfocus getwindowname 2>/dev/null | grep -q '^kyoyu'"

tell_peer "pointer 400 300 1"
check "it follows the operator" wait_for 10 arrow_at 500 350
tell_peer "pointer 400 300 0"
check "and hides when released" wait_for 10 arrow_hidden

tell_peer "pointer 10 10 1"
wait_for 10 arrow_at 110 60
"$KYOYU_AGENT" ctl pause --socket "$sock" >/dev/null
check "pausing hides the arrow" wait_for 10 arrow_hidden
# badge_is COLOUR: the badge, wherever its new size put it, is that colour.
badge_is() {
	want=$1
	set -- $(mapped "kyoyu sharing indicator" |
		sed 's/.*) *\([0-9]*\)x\([0-9]*\)+\([0-9]*\)+\([0-9]*\).*/\3 \4/')
	[ -n "$1" ] && test "$(colour_at $(($1 + 2)) $(($2 + 2)))" = "$want"
}
badge_amber() { badge_is '#F9A825'; }
check "and the badge turns amber: sharing paused" wait_for 10 badge_amber
tell_peer "pointer 20 20 1"
sleep 0.5
check "the operator cannot point while paused" arrow_hidden
"$KYOYU_AGENT" ctl resume --socket "$sock" >/dev/null
tell_peer "pointer 20 20 1"
check "after resume the arrow is back" wait_for 10 arrow_at 120 70

"$KYOYU_AGENT" ctl leave --socket "$sock" >/dev/null
check "the sharer leaves and exits" wait_for 20 stopped "$sharer"
check "leaving nothing of kyoyu on the screen" sh -c "! xwininfo -root -tree | grep -q '\"kyoyu'"

tap_done
