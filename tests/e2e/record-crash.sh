#!/bin/sh
# SPDX-License-Identifier: MIT
# A recording that survives a crash: a real viewer recording a real sharer
# over TLS 1.3 (VP9 from capture/testsrc, every picture changing) is killed
# with SIGKILL mid-recording; ffprobe must read the file to within a second
# of the kill.  Prints, as TAP comments, the seconds lost.
#
# RECORD_SECONDS (default 8) sets how long the viewer records before the
# kill; RECORD_EXT (default webm) the container: webm, mkv, or mp4 (with
# codec/x264 and codec/avcodec).
. "$KYOYU_SRCDIR/tests/e2e/session-lib.sh"

require_plugins capture-testsrc transport-record ui-headless
require_tools ffprobe
# Long enough for ui/headless's first 4 KB of notes (75 pictures) to have
# left stdio's buffer before the kill.
seconds=${RECORD_SECONDS:-8}
ext=${RECORD_EXT:-webm}
rec="$E2E_TMP/crash.$ext"
case $ext in
mp4) codecs="-o codec.plugin=avcodec"; sharer_codec="-o codec.plugin=x264 -o codec.format=h264"
	require_plugins codec-x264 codec-avcodec ;;
*) codecs=""; sharer_codec="" ;;
esac

check "the operator has a certificate" make_viewer_cert
# ui/headless notes when each picture was taken and arrived (latency.csv).
check "a recording viewer shows a code" start_viewer crash $codecs \
	-o record.enabled=true -o "record.path=$rec" -o ui.plugin=tty,headless \
	-o "ui.latency=$E2E_TMP/latency.csv"
# No display: the customer's screen is the synthetic desktop, all of it
# changing at every tick.
start_sharer crash-sharer "$PORT" -o capture.plugin=testsrc -o capture.pattern=full \
	-o capture.width=640 -o capture.height=360 -o capture.fps=15 -o ui.plugin=tty \
	$sharer_codec
check "the sharer asks for the code" wait_for 60 said crash-sharer 'Type the 9-digit code'
customer "$CODE"
check "the customer is asked to agree to the recording" \
	wait_for 60 said crash-sharer 'Do you agree?'
customer y
check "the recording starts" wait_for 60 test -s "$rec"
# latency.csv: frame,pts_us,capture_us,decoded_us,latency_us,kind,received_us
# (its first lines reach the file when stdio's buffer first fills, after
# about 75 pictures: on a crowded machine that takes a while).
first_noted() { [ -n "$(sed -n 2p "$E2E_TMP/latency.csv")" ]; }
check "the viewer noted its first picture's times" wait_for 120 first_noted

# The file is made when the first keyframe arrives: its birth time, less
# how long that picture took from capture to arrival, is the wall-clock
# time of the recording's time zero.
born=$(stat -c %w "$rec")
start=$(date -d "$born" +%s.%N 2>/dev/null)
if [ -z "$start" ] || [ "$born" = "-" ]; then
	start=$(date +%s.%N) # no birth time here: from now, within 0.1 s
fi
# The length of the recording is what this test is about: a plain wait.
sleep "$seconds"
killed=$(date +%s.%N)
kill -9 "$VIEWER_PID"
reap "$VIEWER_PID"
check "the viewer was killed" test "$STATUS" = 137
"$KYOYU_AGENT" ctl leave --socket "$E2E_TMP/crash-sharer.sock" >/dev/null 2>&1
reap "$SHARER_PID"

first=$(sed -n 2p "$E2E_TMP/latency.csv")
start=$(echo "$first" | awk -F, -v s="$start" \
	'{ arrived = $7 != "" ? $7 : $4; printf "%.6f", s - (arrived - $3) / 1e6 }')

ffprobe -v error -select_streams v:0 -show_entries frame=pts_time -of csv=p=0 "$rec" \
	2>/dev/null | sed -n 's/^\([0-9.]*\),*$/\1/p' >"$E2E_TMP/pts"
frames=$(wc -l <"$E2E_TMP/pts")
last=$(tail -1 "$E2E_TMP/pts")
lost=$(awk -v k="$killed" -v s="$start" -v l="${last:-0}" \
	'BEGIN { printf "%.2f", (k - s) - l }')
echo "# killed $(awk -v k="$killed" -v s="$start" 'BEGIN { printf "%.2f", k - s }') s" \
	"into the recording; ffprobe reads $frames frames, the last at ${last:-none} s:" \
	"$lost s lost ($(stat -c %s "$rec") bytes)"
check "ffprobe reads the recording" test "$frames" -gt 0
# A crowded machine sends pictures seconds apart, and nothing is lost in
# such a gap: the allowance is a second beyond the widest one in the file
# (67 ms at 15 pictures a second).
gap=$(awk 'NR > 1 && $1 - prev > gap { gap = $1 - prev } { prev = $1 }
	END { printf "%.2f", gap }' "$E2E_TMP/pts")
echo "# the widest gap between two pictures in the recording: $gap s"
check "at most a second of video is lost" awk -v x="$lost" -v g="$gap" 'BEGIN { exit !(x <= 1.0 + g) }'
tap_done
