#!/bin/sh
# SPDX-License-Identifier: MIT
# The windows in Japanese and English under Xvfb: the operator's window
# (ui/sdl) opens a face fontconfig found that has Japanese in it, shows a
# Japanese name in both languages, draws its status line and turns it amber
# when the customer pauses; the overlay's badge (ui/x11-overlay, Pango) says
# it in the customer's language, red while sharing and amber while paused.
#
# With KYOYU_SCREENSHOTS=DIR it also leaves DIR/viewer-LANG.png and
# DIR/badge-LANG.png (docs/images/ holds the ones docs/ui.md shows).
. "$KYOYU_SRCDIR/tests/e2e/lib.sh"

codec=$(e2e_codec) || skip_all "no codec plugin built"
for tool in xdotool xwd xwininfo import convert compare fc-list; do
	command -v $tool >/dev/null ||
		skip_all "$tool is missing (xdotool, x11-apps, x11-utils, imagemagick, fontconfig)"
done
[ -n "$(fc-list :lang=ja file)" ] || skip_all "no Japanese font (apt-get install fonts-ipafont-gothic)"
start_xvfb 1600 1000 || skip_all "cannot start Xvfb"
# desktop: paints a desktop under the badge (blue, with a light window in
# the corner) straight onto the root window, for the screenshots; the X
# server clears it again where a window moves away.
desktop() {
	[ -x "$KYOYU_BUILDDIR/tests/e2e/x11-fill" ] || return 0
	"$KYOYU_BUILDDIR/tests/e2e/x11-fill" 2b5797 0 0 1600 1000 f3f3f3 1180 0 420 260 \
		3c3c3c 1180 0 420 26 >/dev/null
}
NAME="山田 花子"
SHOTS=${KYOYU_SCREENSHOTS:-}

# exited_cleanly PID: the agent PID (a child of this shell) ended, status 0.
exited_cleanly() { wait_for 20 stopped "$1" && wait "$1"; }
# has_kana FILE: the font file FILE has あ (U+3042).
has_kana() { fc-list ':charset=3042' file | grep -qF "$1:"; }
# amber WINDOW: the window's status line is the paused one's amber.
amber() {
	xwd -silent -id "$1" | convert xwd:- -crop 1x1+3+745 -depth 8 txt:- | grep -q '#C87800'
}
# light_share FILE GEOMETRY: the share of the area's pixels that are light
# (text drawn on the dark status strip).
light_share() {
	convert "$1" -crop "$2" +repage -colorspace Gray -threshold 60% -format '%[fx:mean]' info:
}

if [ -f "$KYOYU_BUILDDIR/plugins/kyoyu-ui-sdl.la" ]; then
	# SDL's own libraries leak in ways that cannot be attributed (ui-sdl.sh).
	ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 SDL_RENDER_DRIVER=software
	export ASAN_OPTIONS SDL_RENDER_DRIVER
	for lang in en ja; do
		rm -f "$E2E_TMP/fifo" && mkfifo "$E2E_TMP/fifo"
		start_agent "viewer-$lang" -v -v -r viewer -o codec.plugin="$codec" \
			-o transport.plugin=e2epeer -o transport.video=true \
			-o transport.control="$E2E_TMP/fifo" -o "transport.peer=$NAME" \
			-o ui.plugin=sdl -o ui.language="$lang" -o ui.width=1280 -o ui.height=760 \
			-o ctl.socket="$E2E_TMP/viewer-$lang.sock" -t 120
		viewer=$AGENT_PID
		log="$E2E_TMP/viewer-$lang.log"
		check "$lang: the operator's window opens" wait_for 30 viewer_window "$viewer"
		check "$lang: and shows the customer's screen" wait_for 30 grep -q "showing a 1280x720" "$log"
		faces=$(sed -n 's/.*\[ui\/sdl\] font [0-9]: \(.*\) (face [0-9]*).*/\1/p' "$log")
		note "$lang: faces: $(echo $faces)"
		kana=""
		for f in $faces; do has_kana "$f" && kana=$f; done
		check "$lang: one of its faces, found by fontconfig, has Japanese" test -n "$kana"
		wid=$(viewer_window "$viewer")
		check "$lang: the title names the customer in kanji" \
			sh -c 'xdotool getwindowname "$0" | grep -q "^kyoyu — $1"' "$wid" "$NAME"
		sleep 1 # a second for the status line's figures to arrive
		xwd -silent -id "$wid" | convert xwd:- "$E2E_TMP/viewer-$lang.png"
		share=$(light_share "$E2E_TMP/viewer-$lang.png" 1280x24+0+734)
		note "$lang: share of light pixels on the status line: $share"
		check "$lang: the status line is drawn" awk -v s="$share" 'BEGIN { exit !(s > 0.03) }'
		# A viewer that has gone (its time limit, on a loaded machine)
		# leaves the FIFO without a reader: the write would wait forever.
		timeout 10 sh -c 'echo pause >"$0"' "$E2E_TMP/fifo"
		check "$lang: the customer's pause turns the status line amber" \
			wait_for 10 amber "$wid"
		xwd -silent -id "$wid" | convert xwd:- "$E2E_TMP/paused-$lang.png"
		# The status line while sharing; below it the lower half of the
		# window paused: the banner over the dimmed picture, the amber line.
		[ -n "$SHOTS" ] && convert \( "$E2E_TMP/viewer-$lang.png" -crop 1280x26+0+734 \) \
			\( "$E2E_TMP/paused-$lang.png" -crop 1280x430+0+330 \) +repage -append \
			+dither -colors 64 "$SHOTS/viewer-$lang.png"
		xdotool key --window "$wid" Escape
		sleep 0.3
		xdotool key --window "$wid" Return
		check "$lang: Escape and Enter end it" exited_cleanly "$viewer"
	done
	for lang in en ja; do
		convert "$E2E_TMP/viewer-$lang.png" -crop 1280x24+0+734 +repage "$E2E_TMP/strip-$lang.png"
	done
	differ=$(compare -metric AE "$E2E_TMP/strip-en.png" "$E2E_TMP/strip-ja.png" null: 2>&1)
	check "the two languages draw different status lines ($differ pixels differ)" \
		test "${differ%%[ .]*}" -gt 1000
else
	for c in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15; do skip "ui/sdl is not built"; done
fi

if [ -f "$KYOYU_BUILDDIR/plugins/kyoyu-ui-x11-overlay.la" ]; then
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
	export ASAN_OPTIONS
	# badge: "W H X Y" of the badge on screen, while it is mapped.
	badge() {
		line=$(xwininfo -root -tree | grep '"kyoyu sharing indicator"') || return 1
		xwininfo -id "$(echo "$line" | awk '{ print $1 }')" | grep -q 'IsViewable' || return 1
		echo "$line" | sed 's/.*) *\([0-9]*\)x\([0-9]*\)+\([0-9]*\)+\([0-9]*\).*/\1 \2 \3 \4/'
	}
	colour_at() {
		import -silent -window root -crop "1x1+$1+$2" -depth 8 txt:- |
			sed -n 's/.*\(#[0-9A-F]\{6\}\).*/\1/p'
	}
	badge_shown() { badge >/dev/null; }
	badge_is() {
		set -- $(badge) "$1"
		[ -n "$4" ] && test "$(colour_at $(($3 + 2)) $(($4 + 2)))" = "$5"
	}
	for lang in en ja; do
		start_agent "sharer-$lang" -v -r sharer -o capture.plugin=testsrc -o capture.fps=10 \
			-o codec.plugin="$codec" -o codec.format=vp8 -o transport.plugin=e2epeer \
			-o ui.plugin=x11-overlay,customer -o ui.language="$lang" \
			-o ctl.socket="$E2E_TMP/sharer-$lang.sock" -t 120
		sharer=$AGENT_PID
		# CI twice saw no badge within 30 s (cause not found; a miss notes
		# what the sharer was doing): more patience, the same check.
		wait_for 60 badge_shown
		shown=$?
		check "$lang: the badge shows while sharing" test "$shown" = 0
		[ "$shown" = 0 ] || note "$lang: the sharer is $("$KYOYU_AGENT" ctl status \
			--socket "$E2E_TMP/sharer-$lang.sock" 2>&1 | head -1); its windows: $(xwininfo \
			-root -tree | grep -c kyoyu); it said: $(tail -8 "$E2E_TMP/sharer-$lang.log" | tr '\n' '|')"
		check "$lang: red" wait_for 10 badge_is '#C62828'
		set -- $(badge)
		eval "width_$lang=$1"
		note "$lang: badge ${1}x$2 at +$3+$4"
		desktop
		import -silent -window root -crop 380x64+1220+0 +repage "$E2E_TMP/badge-$lang-shared.png"
		check "$lang: with white words in it" sh -c \
			'import -silent -window root -crop "$0" -depth 8 txt:- | grep -q "#FFFFFF"' \
			"$(($1 - 16))x$(($2 - 16))+$(($3 + 8))+$(($4 + 8))"
		"$KYOYU_AGENT" ctl pause --socket "$E2E_TMP/sharer-$lang.sock" >/dev/null
		check "$lang: amber while paused" wait_for 10 badge_is '#F9A825'
		desktop
		import -silent -window root -crop 380x64+1220+0 +repage "$E2E_TMP/badge-$lang-paused.png"
		# The top-right corner of the customer's screen, sharing then paused.
		[ -n "$SHOTS" ] && convert "$E2E_TMP/badge-$lang-shared.png" \
			"$E2E_TMP/badge-$lang-paused.png" -append "$SHOTS/badge-$lang.png"
		"$KYOYU_AGENT" ctl leave --socket "$E2E_TMP/sharer-$lang.sock" >/dev/null
		check "$lang: the sharer leaves, the badge with it, and exits cleanly" \
			exited_cleanly "$sharer"
	done
	note "badge widths: en $width_en, ja $width_ja"
	check "the Japanese badge is its own words, not the English ones" \
		sh -c '[ "$0" -gt 100 ] && [ "$1" -gt 100 ] && [ "$0" != "$1" ]' "$width_en" "$width_ja"
else
	for c in 1 2 3 4 5 6 7 8 9 10 11; do skip "ui/x11-overlay is not built"; done
fi
tap_done
