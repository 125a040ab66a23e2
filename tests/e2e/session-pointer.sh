# SPDX-License-Identifier: MIT
# The operator's arrow, end to end: a real viewer (its ui/sdl window on one
# Xvfb) and a real sharer (capture/x11 and ui/x11-overlay on another) over
# TLS 1.3 with VP9.  The operator holds the button on a target seen in the
# window, scaled to half size; the arrow appears on the customer's screen
# on that target, follows the drag to a second one, and hides on release.
. "$KYOYU_SRCDIR/tests/e2e/session-lib.sh"

require_plugins capture-x11 ui-sdl ui-x11-overlay
require_tools Xvfb xdotool xwd xwininfo import convert
new_display 1600 900 || skip_all "cannot start Xvfb"
SHARER_DISPLAY=$DISPLAY
new_display 1024 768 || skip_all "cannot start a second Xvfb"
VIEWER_DISPLAY=$DISPLAY

check "the operator has a certificate" make_viewer_cert
check "the viewer opens its window and shows a code" \
	start_window_viewer viewer -o ui.width=800 -o ui.height=480
DISPLAY=$SHARER_DISPLAY start_sharer sharer "$PORT"
check "the sharer asks for the code" wait_for 60 said sharer 'Type the 9-digit code'
customer "$CODE"
check "the customer is asked before anything is shared, and says yes" allow sharer
check "the code connects them and the sharer shares" \
	wait_for 60 state_is "$E2E_TMP/sharer.sock" sharing
check "the viewer views" wait_for 30 state_is "$E2E_TMP/viewer.sock" sharing

# The customer's desktop: grey, a green target right of centre and a blue
# one top left.  Painted once capture/x11 holds the display open (an Xvfb
# with no client left resets its root).
fill 404040 0 0 1600 900 00C000 1000 500 120 120 2040E0 300 200 120 120
# both_targets: the window shows both targets; sets GREEN and BLUE to
# their centres in window pixels.
both_targets() {
	window_shot "$E2E_TMP/window.png" &&
		GREEN=$(find_colour "$E2E_TMP/window.png" 00C000) &&
		BLUE=$(find_colour "$E2E_TMP/window.png" 2040E0)
}
check "the window shows the customer's targets" wait_for 60 both_targets
echo "# targets in the window: green at $GREEN, blue at $BLUE"

# The arrow on the customer's screen: its window's top-left is the tip.
arrow_line() {
	DISPLAY=$SHARER_DISPLAY xwininfo -root -tree | grep '"kyoyu operator pointer"'
}
arrow_shown() {
	aid=$(arrow_line | awk '{ print $1 }')
	[ -n "$aid" ] && DISPLAY=$SHARER_DISPLAY xwininfo -id "$aid" | grep -q 'IsViewable'
}
arrow_hidden() { ! arrow_shown; }
# arrow_near X Y: the tip is within 6 pixels of X,Y of the customer's screen
# (the window shows it at half size: one window pixel is two of these).
arrow_near() {
	arrow_shown || return 1
	set -- "$1" "$2" $(arrow_line | sed 's/.*+\([0-9-]*\)+\([0-9-]*\) *$/\1 \2/')
	echo "# arrow tip at $3,$4 (target $1,$2)"
	[ $(($3 - $1)) -le 6 ] && [ $(($1 - $3)) -le 6 ] &&
		[ $(($4 - $2)) -le 6 ] && [ $(($2 - $4)) -le 6 ]
}
# colour_is X Y #RRGGBB: a screenshot of the customer's screen has that
# colour there.
colour_is() {
	test "$(DISPLAY=$SHARER_DISPLAY import -silent -window root -crop "1x1+$1+$2" \
		-depth 8 txt:- | sed -n 's/.*\(#[0-9A-F]\{6\}\).*/\1/p')" = "$3"
}

check "no arrow before the operator points" arrow_hidden
wid=$(window)
set -- $GREEN
DISPLAY=$VIEWER_DISPLAY xdotool mousemove --window "$wid" "$1" "$2" mousedown 1
check "holding the button on the green target shows the arrow on it" \
	wait_for 20 arrow_near 1060 560
check "a screenshot of the customer's screen shows the red arrow there" \
	wait_for 10 colour_is 1064 575 '#FF3B30'

set -- $BLUE
DISPLAY=$VIEWER_DISPLAY xdotool mousemove --window "$wid" 400 300
DISPLAY=$VIEWER_DISPLAY xdotool mousemove --window "$wid" "$1" "$2"
check "dragging to the blue target moves the arrow onto it" wait_for 20 arrow_near 360 260
check "drawn over the blue target" wait_for 10 colour_is 364 275 '#FF3B30'

DISPLAY=$VIEWER_DISPLAY xdotool mouseup 1
check "releasing the button hides the arrow" wait_for 20 arrow_hidden
not_red() { ! colour_is 364 275 '#FF3B30'; }
check "and a screenshot of the customer's screen no longer shows it" wait_for 10 not_red

"$KYOYU_AGENT" ctl end --socket "$E2E_TMP/viewer.sock" >/dev/null
reap "$SHARER_PID"
check "the sharer exits cleanly after the operator ends" test "$STATUS" = 0
reap "$VIEWER_PID"
check "and so does the viewer" test "$STATUS" = 0
check "the overlay leaves nothing on the customer's screen" \
	sh -c "! DISPLAY=$SHARER_DISPLAY xwininfo -root -tree | grep -q '\"kyoyu'"
tap_done
