#!/bin/sh
# SPDX-License-Identifier: MIT
# A whole session from the Windows agent to a Linux one: the sharer is
# build/win64/kyoyu-agent.exe under Wine (transport/tls on Winsock, VP9 from
# codec/vpx, the picture from CAPTURE: capture/testsrc's synthetic desktop,
# or capture/gdi copying Wine's desktop, where tests/win64/gdi-paint.exe
# keeps a window changing; or the default list, dxgi then gdi, where
# capture/dxgi steps aside because Wine has no Desktop Duplication and
# capture/gdi takes over), the viewer the Linux build's agent
# with ui/tty, recording; between them tls-meter on loopback notes every
# TLS 1.3 record that reaches the viewer.  Windows has no UI of kyoyu's yet
# (and Wine no AF_UNIX control socket): the customer is ui/customer from
# build/win64/test-plugins, who types the code, agrees to the recording and
# pauses for PAUSE_S seconds.  Then:
#  - the session starts over TLS, and the operator is told the customer's
#    pauses and resumes;
#  - while paused the viewer's transport receives no video byte (ctl status)
#    and no TLS record but the answers to its own keepalive pings;
#  - video flows again after resume;
#  - the recording is read by ffprobe: every frame, of the picture's size,
#    with a gap over the pause and a keyframe after it; with capture/gdi,
#    the painted window's colours where it is and black around it;
#  - with the default list, capture/dxgi's log line says why it stepped
#    aside (the call and its HRESULT), and capture/gdi shared.
# Prints TAP; skips everything when either build or a tool is missing.
#
# Usage: tests/win64/session-wine.sh [CAPTURE [WIN64 [LINUX]]]
#   CAPTURE: testsrc (when none is given), gdi, or default (capture.plugin
#   not set: the sharer's own list, dxgi,gdi); WIN64: build/win64; LINUX: the Linux
#   build with tls-meter built (make check builds it): build/check.
set -u
KYOYU_TOP=$(cd "$(dirname "$0")/../.." && pwd)
CAPTURE=${1:-testsrc}
WIN64=${2:-} LINUX=${3:-}
. "$KYOYU_TOP/tests/win64/wine-session.sh"

require_plugins transport-record
require_tools Xvfb ffprobe
command -v wine >/dev/null || skip_all "wine is missing (apt-get install wine wine64)"
[ -x "$E2E_BIN/tls-meter" ] || skip_all "no $E2E_BIN/tls-meter: run make check in $LINUX first"
PAINTER=$OUT/tree/tests/win64/gdi-paint.exe
[ "$CAPTURE" != testsrc ] && [ ! -f "$PAINTER" ] && skip_all "no $PAINTER: run scripts/cross-win64 --tests first"
captures=$CAPTURE
[ "$CAPTURE" = default ] && captures="dxgi gdi"
for f in kyoyu-agent.exe kyoyu-transport-tls.dll kyoyu-codec-vpx.dll \
	$(for c in $captures; do echo "kyoyu-capture-$c.dll"; done) \
	test-plugins/kyoyu-ui-customer.dll; do
	[ -f "$OUT/$f" ] || skip_all "no $OUT/$f: run scripts/cross-win64 --tests first"
done
wine_start || skip_all "Xvfb did not start: $(cat "$T/xvfb.log")"

# The customer's picture, changing all the time so that a pause that
# leaked would show at once: 640x360 where every pixel changes on every
# tick (testsrc's "full"), or Wine's whole desktop (the Xvfb of wine_start)
# with gdi-paint's window, a band of which changes every 100 ms.
PAUSE_AT_S=8 PAUSE_S=20
case $CAPTURE in
testsrc)
	WIDTH=640 HEIGHT=360
	capture_opts="-o capture.width=$WIDTH -o capture.height=$HEIGHT -o capture.fps=15 -o capture.pattern=full"
	;;
gdi | default)
	WIDTH=640 HEIGHT=480
	capture_opts="-o capture.fps=10"
	(cd "$OUT" && exec timeout 300 wine "$PAINTER" 300) >"$T/paint.out" 2>"$T/paint.err" &
	E2E_PIDS="$E2E_PIDS $!"
	check "gdi-paint shows its window on Wine's desktop" wait_for 60 grep -q ready "$T/paint.out"
	;;
*) skip_all "no session test for capture/$CAPTURE" ;;
esac

check "the operator has a certificate" make_viewer_cert
rec=$T/viewer.webm
check "the Linux viewer records and shows a code" \
	start_viewer viewer -o record.enabled=true -o "record.path=$rec"
check "tls-meter relays to the viewer" start_meter

# The default list is what the sharer gets when capture.plugin is not set.
capture_plugin="-o capture.plugin=$CAPTURE"
[ "$CAPTURE" = default ] && capture_plugin=""

# start_wine_sharer: the Windows agent connecting through the meter.
start_wine_sharer() {
	(cd "$OUT" && exec timeout 300 wine ./kyoyu-agent.exe \
		--plugin-path "$(winepath -w "$OUT/test-plugins")" \
		-r sharer -o ui.plugin=customer -o "ui.code=$CODE" \
		-o ui.pause_at_ms=$((PAUSE_AT_S * 1000)) -o ui.pause_ms=$((PAUSE_S * 1000)) \
		-o log.level=info -o codec.plugin=vpx -o codec.format=vp9 \
		$capture_plugin $capture_opts \
		-o transport.host=127.0.0.1 -o "transport.port=$METER_PORT" \
		-o "transport.pin=$PIN" -t 300) >"$T/sharer.out" 2>"$T/sharer.err" &
	SHARER_PID=$!
	E2E_PIDS="$E2E_PIDS $SHARER_PID"
}
started=$(date +%s.%N)
start_wine_sharer
check "the Windows sharer connects with the code and shares (TLS 1.3 over Winsock)" \
	wait_for 120 state_is "$T/viewer.sock" sharing
note "the Windows sharer shared $(seconds_since "$started") s after it was started"
check "the operator is told the customer's screen shows" \
	wait_for 30 said viewer "Viewing the customer's screen"
ms=$(grep -o 'connected to .* in [0-9]* ms' "$T/sharer.err" | grep -o '[0-9]* ms')
note "the Windows sharer's connect to welcome (TCP, TLS 1.3 handshake, hello, welcome): ${ms:-?}"

video_moved_past() { [ "$(video_bytes viewer)" -gt "$1" ]; }
check "video reaches the viewer" wait_for 30 video_moved_past 0

check "the customer's pause is announced to the operator" \
	wait_for $((PAUSE_AT_S + 30)) said viewer 'The customer paused sharing'
paused_at=$(date +%s)
check "the viewer's session is paused" wait_for 30 state_is "$T/viewer.sock" paused
# What was sent before the pause has arrived once the count stands still.
wait_for 10 video_steady viewer >/dev/null
v0=$(video_steady viewer)
meter_mark
sleep 4
meter_mark
v1=$(video_bytes viewer)
note "video received before the paused stretch: $v0 bytes, after it: $v1"
check "the viewer received no video byte while paused" test -n "$v0" -a "$v0" = "$v1"
# window_stats: TLS records sharer→viewer, viewer→sharer and the longest
# sharer→viewer record between the last two marks of the meter.
set -- $(awk -v a="mark $((MARKS - 1))" -v b="mark $MARKS" '
	$2 " " $3 == a { on = 1; next }
	$2 " " $3 == b { on = 0 }
	on && $2 == "c2s" { c++; if ($4 > max) max = $4 }
	on && $2 == "s2c" { s++ }
	END { print c + 0, s + 0, max + 0 }' "$T/meter.log")
note "paused: $1 TLS records reached the viewer (longest $3 bytes), it sent $2"
check "no video or cursor reached the viewer: only answers to its own pings" \
	test "$1" -le $(($2 + 1)) -a "$3" -le 64
check "the pause came from the Windows customer (its log says so)" \
	grep -q 'the customer pauses' "$T/sharer.err"

check "resuming is announced to the operator" \
	wait_for $((PAUSE_S + 30)) said viewer 'The customer shares the screen again'
resumed_at=$(date +%s)
check "video reaches the viewer again" wait_for 30 video_moved_past "$v1"
sleep 2

"$KYOYU_AGENT" ctl end --socket "$T/viewer.sock" >/dev/null
reap "$SHARER_PID" 60
check "the Windows sharer exits cleanly when the operator ends" test "$STATUS" = 0
reap "$VIEWER_PID"
check "the viewer exits cleanly" test "$STATUS" = 0
crlf_to_lf "$T/sharer.out" "$T/sharer.err"
grep -v '^ *[0-9.]* \[' "$T/sharer.err" | head -5 | sed 's/^/#   sharer: /'

# The recording: every frame, whether it is a keyframe and its time.
ffprobe -v error -select_streams v:0 -show_entries frame=pts_time,key_frame -of csv=p=0 \
	"$rec" 2>"$T/probe.err" | grep -E '^[01],[0-9.]+,*$' >"$T/frames"
recorded=$(sed -n 's/.*recorded \([0-9]*\) frames.*/\1/p' "$T/viewer.err")
note "the recording: $(wc -l <"$T/frames") frames, the viewer says $recorded"
check "ffprobe reads every recorded frame without a complaint" \
	test ! -s "$T/probe.err" -a -n "$recorded" -a "$(wc -l <"$T/frames")" = "$recorded"
size=$(ffprobe -v error -select_streams v:0 -show_entries stream=width,height -of csv=p=0 "$rec")
check "the recording is of the Windows picture's size (${WIDTH}x$HEIGHT)" \
	test "$size" = "$WIDTH,$HEIGHT"
set -- $(awk -F, '{ t = $2 * 1000 } NR > 1 && t - last > gap { gap = t - last; key = $1 }
	{ last = t } END { printf "%d %d\n", gap, key }' "$T/frames")
note "the longest gap: $1 ms (paused for about $((resumed_at - paused_at)) s)"
check "the recording jumps over the pause" test "$1" -ge $(((resumed_at - paused_at - 2) * 1000))
check "the first frame after resume is a keyframe" test "$2" = 1

# saturation_of X Y W H: the mean saturation of that area of the last
# recorded frame (black and grey 0; gdi-paint's colours over 100).
saturation_of() {
	ffmpeg -v error -sseof -1 -i "$rec" -frames:v 1 \
		-vf "crop=$3:$4:$1:$2,signalstats,metadata=print:key=lavfi.signalstats.SATAVG:file=-" \
		-f null - | sed -n 's/.*SATAVG=\([0-9]*\).*/\1/p' | tail -1
}
if [ "$CAPTURE" = default ] && grep -q 'capture/dxgi.*can be duplicated' "$T/sharer.err"; then
	# A later Wine implements Desktop Duplication: capture/dxgi shares.
	skip "capture/dxgi steps aside: this Wine duplicates the screen"
	skip "and capture/gdi shares the screen instead: this Wine duplicates the screen"
elif [ "$CAPTURE" = default ]; then
	grep 'capture/dxgi' "$T/sharer.err" | head -3 | sed 's/^/#   sharer: /'
	check "capture/dxgi steps aside, naming the call and its HRESULT" \
		grep -q 'capture/dxgi.*Desktop Duplication is not available here: .* failed with [A-Z_]* (0x[0-9a-f]*)' \
		"$T/sharer.err"
	check "and capture/gdi shares the screen instead" \
		grep -q 'capture/gdi.*the screen is 640x480' "$T/sharer.err"
fi
if [ "$CAPTURE" != testsrc ]; then
	inside=$(saturation_of 50 40 180 100) outside=$(saturation_of 400 300 100 100)
	note "mean saturation in the recording's last frame: ${inside:-?} inside gdi-paint's window, ${outside:-?} beside it"
	check "the recording shows gdi-paint's colours where its window is" \
		test "${inside:-0}" -gt 40
	check "and Wine's black desktop beside it" test -n "$outside" -a "${outside:-99}" -lt 5
fi
tap_done
