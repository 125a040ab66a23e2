# SPDX-License-Identifier: MIT
# Pause, end to end: a real sharer (capture/x11 on its own Xvfb) and a real
# viewer (its ui/sdl window on another, recording what it receives) over
# TLS 1.3 with VP9, through tls-meter, which notes every TLS record that
# reaches the viewer.  While paused the customer's screen shows a magenta
# block and their pointer moves; then:
#  - the video byte counts of both transports (ctl status) do not move,
#  - the viewer receives no TLS record but the answers to its own
#    keepalive pings (no video, no cursor),
#  - the block is in no recorded frame (every frame decoded by ffmpeg) and
#    never in the operator's window,
#  - the first frame after resume is a keyframe (ffprobe).
# The same block drawn while sharing shows in both, and moving the pointer
# while sharing does reach the viewer: the checks can see what they look for.
. "$KYOYU_SRCDIR/tests/e2e/session-lib.sh"

require_plugins capture-x11 ui-sdl ui-x11-overlay transport-record
require_tools Xvfb xdotool xwd convert ffmpeg ffprobe
new_display 1280 720 || skip_all "cannot start Xvfb"
SHARER_DISPLAY=$DISPLAY
new_display 1024 768 || skip_all "cannot start a second Xvfb"
VIEWER_DISPLAY=$DISPLAY
rec="$E2E_TMP/viewer.webm"

check "the operator has a certificate" make_viewer_cert
check "the viewer opens its window, records, and shows a code" \
	start_window_viewer viewer -o ui.width=800 -o ui.height=480 \
	-o record.enabled=true -o "record.path=$rec"
check "tls-meter relays to the viewer" start_meter
DISPLAY=$SHARER_DISPLAY start_sharer sharer "$METER_PORT"
check "the sharer asks for the code" wait_for 60 said sharer 'Type the 9-digit code'
customer "$CODE"
check "and, since the viewer records, for consent" wait_for 60 said sharer 'Do you agree?'
customer y
check "the sharer shares" wait_for 60 state_is "$E2E_TMP/sharer.sock" sharing
check "the viewer views" wait_for 30 state_is "$E2E_TMP/viewer.sock" sharing

# magenta_shown FILE: magenta anywhere in the window, bright or dimmed (the
# window dims the picture while paused).
magenta_shown() {
	find_colour "$1" FF00FF >/dev/null || find_colour "$1" 690069 >/dev/null
}
window_magenta() { window_shot "$E2E_TMP/window.png" && magenta_shown "$E2E_TMP/window.png"; }
window_clean() { window_shot "$E2E_TMP/window.png" && ! magenta_shown "$E2E_TMP/window.png"; }

# The control: the block drawn while sharing, left of where the paused one
# will be, shows in the window; then it goes.
fill 404040 0 0 1280 720 FF00FF 160 400 240 160
check "a magenta block drawn while sharing shows in the operator's window" \
	wait_for 60 window_magenta
fill 404040 160 400 240 160
check "and is gone from it once erased" wait_for 60 window_clean

# move_pointer: the customer moves their pointer across the screen.
move_pointer() {
	for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
		DISPLAY=$SHARER_DISPLAY xdotool mousemove $((i * 50)) $((i * 30))
		sleep 0.1
	done
}
# window_stats: TLS records sharer→viewer, viewer→sharer and the longest
# sharer→viewer record between the last two marks of the meter.
window_stats() {
	awk -v a="mark $((MARKS - 1))" -v b="mark $MARKS" '
		$2 " " $3 == a { on = 1; next }
		$2 " " $3 == b { on = 0 }
		on && $2 == "c2s" { c++; if ($4 > max) max = $4 }
		on && $2 == "s2c" { s++ }
		END { print c + 0, s + 0, max + 0 }' "$E2E_TMP/meter.log"
}
meter_mark
move_pointer
meter_mark
set -- $(window_stats)
echo "# pointer moved while sharing: $1 records to the viewer, $2 back"
check "moving the pointer while sharing sends cursor records to the viewer" test "$1" -gt $(($2 + 3))

check "pause answers paused" \
	sh -c "'$KYOYU_AGENT' ctl pause --socket '$E2E_TMP/sharer.sock' | grep -q '^paused'"
paused_at=$(date +%s)
check "the operator is told" wait_for 30 said viewer 'The customer paused sharing'
check "the viewer's session is paused" wait_for 30 state_is "$E2E_TMP/viewer.sock" paused
wait_for 30 video_steady viewer >/dev/null
v0=$(video_steady viewer)
s0=$(video_steady sharer)
echo "# video before the paused stretch: $s0 bytes sent, $v0 received"
check "everything sent before the pause arrived (sent = received)" \
	test -n "$v0" -a "$v0" = "$s0"

meter_mark
fill FF00FF 760 400 240 160
move_pointer
check "while paused the operator's window does not show the block" window_clean
move_pointer
check "nor after the pointer moved about" window_clean
fill 404040 760 400 240 160
meter_mark
v1=$(video_steady viewer)
s1=$(video_steady sharer)
echo "# video after the paused stretch: $s1 bytes sent, $v1 received"
check "the viewer's transport received no video byte while paused" test -n "$v1" -a "$v1" = "$v0"
check "the sharer's transport sent no video byte while paused" test -n "$s1" -a "$s1" = "$s0"
set -- $(window_stats)
echo "# paused: $1 TLS records reached the viewer (longest $3 bytes), it sent $2"
check "no video or cursor reached the viewer: only answers to its own pings" \
	test "$1" -le $(($2 + 1)) -a "$3" -le 64

check "resume answers sharing again" \
	sh -c "'$KYOYU_AGENT' ctl resume --socket '$E2E_TMP/sharer.sock' | grep -q 'sharing again'"
resumed_at=$(date +%s)
check "the operator is told" wait_for 30 said viewer 'The customer shares the screen again'
video_moved() { [ "$(video_bytes viewer)" -gt "$v1" ]; }
check "video reaches the viewer again" wait_for 30 video_moved
check "the window shows the screen without the block" wait_for 30 window_clean

"$KYOYU_AGENT" ctl end --socket "$E2E_TMP/viewer.sock" >/dev/null
reap "$SHARER_PID"
check "the sharer exits cleanly" test "$STATUS" = 0
reap "$VIEWER_PID"
check "the viewer exits cleanly" test "$STATUS" = 0

# The recording: every frame, whether it is a keyframe and its time ("1,0.000000").
ffprobe -v error -select_streams v:0 -show_entries frame=pts_time,key_frame -of csv=p=0 \
	"$rec" 2>"$E2E_TMP/probe.err" | grep -E '^[01],[0-9.]+,*$' >"$E2E_TMP/frames"
recorded=$(sed -n 's/.*recorded \([0-9]*\) frames.*/\1/p' "$E2E_TMP/viewer.err")
echo "# the recording: $(wc -l <"$E2E_TMP/frames") frames, the viewer says $recorded"
check "ffprobe reads every recorded frame without a complaint" \
	test ! -s "$E2E_TMP/probe.err" -a -n "$recorded" -a "$(wc -l <"$E2E_TMP/frames")" = "$recorded"
# The pause is the longest stretch without a frame; what follows it:
set -- $(awk -F, '{ t = $2 * 1000 } NR > 1 && t - last > gap { gap = t - last; key = $1 }
	{ last = t } END { printf "%d %d\n", gap, key }' "$E2E_TMP/frames")
echo "# the longest gap: $1 ms (paused for about $((resumed_at - paused_at)) s)"
check "the recording jumps over the pause" test "$1" -ge $(((resumed_at - paused_at - 1) * 1000))
check "the first frame after resume is a keyframe" test "$2" = 1

# vmax_of X Y W H: the highest V (red-difference chroma) of that area in
# each recorded frame; grey is 128, magenta about 220.
vmax_of() {
	ffmpeg -v error -i "$rec" -fps_mode passthrough -enc_time_base -1 \
		-vf "crop=$3:$4:$1:$2,signalstats,metadata=print:key=lavfi.signalstats.VMAX:file=-" \
		-f null - | sed -n 's/.*VMAX=\([0-9]*\).*/\1/p'
}
vmax_of 770 410 220 140 >"$E2E_TMP/paused-area"
vmax_of 170 410 220 140 >"$E2E_TMP/control-area"
check "every recorded frame was decoded" test "$(wc -l <"$E2E_TMP/paused-area")" = "$recorded"
check "the block drawn while sharing is in the recording" \
	sh -c "sort -n '$E2E_TMP/control-area' | tail -1 | awk '{ exit !(\$1 > 190) }'"
check "the block drawn while paused is in no recorded frame" \
	sh -c "sort -n '$E2E_TMP/paused-area' | tail -1 | awk '{ exit !(\$1 < 150) }'"
tap_done
