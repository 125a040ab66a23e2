# SPDX-License-Identifier: MIT
# ui/sdl under Xvfb: the picture shown matches what was decoded (BGRX and
# I420), dragging sends the arrow in shared-screen pixels, the paused
# state shows, and Escape asks before Enter ends the session.
#
# transport/e2epeer posts the decoded pictures in the format the core chose
# for the UIs, so each case gets its format by negotiation, as a real
# viewer does: I420 with a decoder that gives it first (codec/vpx or
# codec/avcodec); BGRX when ui/e2ebgrx (a UI that shows BGRX only) runs
# beside the window.
. "$KYOYU_SRCDIR/tests/e2e/lib.sh"

[ -f "$KYOYU_BUILDDIR/plugins/kyoyu-ui-sdl.la" ] || skip_all "ui/sdl is not built"
codec=$(e2e_codec) || skip_all "no codec plugin built"
for tool in xdotool xwd convert compare; do
	command -v $tool >/dev/null || skip_all "$tool is missing (x11-apps, xdotool, imagemagick)"
done
start_xvfb 1600 1000 || skip_all "cannot start Xvfb"
# SDL loads and unloads its X11 and D-Bus libraries itself; their leaks
# cannot be attributed or suppressed, so the window process runs without
# leak checks (the rest of the agent is checked by every other test).
ASAN_OPTIONS=detect_leaks=0:abort_on_error=1
export ASAN_OPTIONS
# Software rendering, the same on every machine.
SDL_RENDER_DRIVER=software
export SDL_RENDER_DRIVER

# start_viewer NAME CODEC UIS: a viewer decoding with CODEC (its decoder
# formats steer the choice) showing the testsrc desktop in the UIS.
start_viewer() {
	rm -f "$E2E_TMP/fifo" && mkfifo "$E2E_TMP/fifo"
	start_agent "$1" -r viewer -o codec.plugin="$2" -o transport.plugin=e2epeer \
		-o transport.video=true -o transport.cursor=false \
		-o transport.control="$E2E_TMP/fifo" -o transport.log="$E2E_TMP/$1.peer" \
		-o ui.plugin="$3" -o ui.width=1280 -o ui.height=760 \
		-o ctl.socket="$E2E_TMP/$1.sock" -t 120
	viewer=$AGENT_PID
}
window() { viewer_window "$viewer"; }
shown() { grep -q "showing a 1280x720 $1 picture" "$E2E_TMP/$2.log"; }

# screenshot_matches NAME FUZZ: dumps the picture the peer posted, takes a
# screenshot of the window and finds where the picture sits in it (the
# status line takes some rows); sets DY, and fails unless under 1% of its
# pixels differ by more than FUZZ (the desktop types on meanwhile).
screenshot_matches() {
	rm -f "$E2E_TMP/ref.ppm"
	tell_peer "dump $E2E_TMP/ref.ppm" || return 1
	wait_for 10 grep -q dumped "$E2E_TMP/$1.peer" || return 1
	xwd -silent -id "$(window)" | convert xwd:- "$E2E_TMP/$1.png" || return 1
	best=999999999
	dy=0
	while [ $dy -le 40 ]; do
		convert "$E2E_TMP/$1.png" -crop 1280x720+0+$dy +repage "$E2E_TMP/crop.ppm"
		ae=$(compare -metric AE -fuzz "$2" "$E2E_TMP/ref.ppm" "$E2E_TMP/crop.ppm" null: 2>&1)
		ae=${ae%% *}
		ae=${ae%.*}
		if [ "${ae:-999999999}" -lt "$best" ]; then best=$ae; DY=$dy; fi
		dy=$((dy + 1))
	done
	echo "# $1: $best pixels differ at offset $DY"
	[ "$best" -lt 9216 ]
}

# shows_what_was_decoded NAME FUZZ: screenshot_matches, tried up to five
# times: the desktop types on, and a loaded machine may take the shot while
# the window still draws the picture before the one the peer dumped.
shows_what_was_decoded() {
	for try in 1 2 3 4 5; do
		screenshot_matches "$@" && return 0
		sleep 1
	done
	return 1
}

start_viewer bgrx "$codec" sdl,e2ebgrx
check "the viewer opens a window" wait_for 30 window
check "and shows the BGRX picture (a UI beside it takes BGRX only)" \
	wait_for 30 shown BGRX bgrx
check "the window shows the decoded picture, pixel for pixel at 1:1" \
	shows_what_was_decoded bgrx 2%

wid=$(window)
xdotool mousemove --window "$wid" 400 $((DY + 300)) mousedown 1
sleep 0.3
xdotool mousemove --window "$wid" 520 $((DY + 350))
sleep 0.3
xdotool mousemove --window "$wid" 600 $((DY + 410))
sleep 0.3
xdotool mouseup 1
wait_for 10 grep -q ' 0$' "$E2E_TMP/bgrx.peer"
grep '^pointer' "$E2E_TMP/bgrx.peer" | sed 's/^/# /'
check "pressing the button sends the arrow at the shared-screen point" \
	sh -c "grep '^pointer' '$E2E_TMP/bgrx.peer' | head -1 | grep -qx 'pointer 400 300 1'"
check "dragging moves it" grep -qx 'pointer 600 410 1' "$E2E_TMP/bgrx.peer"
check "releasing hides it where it was" \
	sh -c "grep '^pointer' '$E2E_TMP/bgrx.peer' | tail -1 | grep -qx 'pointer 600 410 0'"
check "moving without the button sends nothing" \
	sh -c "n=\$(grep -c '^pointer' '$E2E_TMP/bgrx.peer'); xdotool mousemove --window $wid 700 500;
	       sleep 0.5; test \$(grep -c '^pointer' '$E2E_TMP/bgrx.peer') -eq \$n"

amber() {
	xwd -silent -id "$wid" | convert xwd:- -crop 1x1+3+$((DY + 740)) -depth 8 txt:- |
		grep -q '#C87800'
}
tell_peer "pause"
check "paused: the status line turns amber" wait_for 10 amber
xwd -silent -id "$wid" | convert xwd:- "$E2E_TMP/paused.png"
mean() { convert "$1" -crop 1280x700+0+0 -format '%[fx:mean]' info:; }
check "and the picture is dimmed" \
	awk -v p="$(mean "$E2E_TMP/paused.png")" -v s="$(mean "$E2E_TMP/bgrx.png")" \
	'BEGIN { print "# mean brightness sharing " s ", paused " p; exit !(p < 0.7 * s) }'
tell_peer "resume"
check "resumed: the status line is dark again" \
	wait_for 10 sh -c "! xwd -silent -id $wid | convert xwd:- -crop 1x1+3+$((DY + 740)) -depth 8 txt:- | grep -q '#C87800'"

xdotool windowfocus --sync "$wid" 2>/dev/null
xdotool key --window "$wid" Escape
sleep 1
check "Escape alone only asks: the session goes on" kill -0 "$viewer"
xdotool key --window "$wid" Return
check "Escape and Enter end the session" wait_for 20 stopped "$viewer"
check "as ended by the operator" grep -q 'session ended (ended by operator)' "$E2E_TMP/bgrx.log"
check "and ui/e2ebgrx got BGRX pictures only" \
	grep -q 'ui/e2ebgrx\] [1-9][0-9]* pictures, 0 of them not BGRX' "$E2E_TMP/bgrx.log"

# A decoder whose first format is I420: the window alone takes it.
yuv_codec=""
for c in vpx avcodec; do
	[ -f "$KYOYU_BUILDDIR/plugins/kyoyu-codec-$c.la" ] && { yuv_codec=$c; break; }
done
if [ -n "$yuv_codec" ]; then
	start_viewer i420 "$yuv_codec" sdl
	check "with codec/$yuv_codec an I420 picture is shown, as negotiated" \
		wait_for 30 shown I420 i420
	check "and matches the decoded picture (colour conversion tolerance)" \
		shows_what_was_decoded i420 12%
	xdotool key --window "$(window)" e
	sleep 0.3
	xdotool key --window "$(window)" y
	check "E and Y end the session too" wait_for 20 stopped "$viewer"
else
	for what in "an I420 picture is shown" "and matches the decoded picture" \
		"E and Y end the session too"; do
		skip "$what: no decoder that gives I420 first (codec/vpx, codec/avcodec)"
	done
fi

tap_done
