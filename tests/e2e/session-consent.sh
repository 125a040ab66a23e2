# SPDX-License-Identifier: MIT
# Recording consent, end to end: a viewer that records (record.enabled) and
# a real sharer of an Xvfb screen (capture/x11) over TLS 1.3 with VP9,
# through tls-meter.  Declined: not one picture or cursor leaves the
# customer's machine (both transports count 0 video bytes, the encoder made
# no packet, the meter saw no record but the handshake, the consent and the
# pings), nothing is decoded or recorded, and both sides end with "consent
# declined".  Granted: sharing starts and ffmpeg plays every recorded frame.
. "$KYOYU_SRCDIR/tests/e2e/session-lib.sh"

require_plugins capture-x11 transport-record
require_tools Xvfb xdotool ffmpeg ffprobe
new_display 1280 720 || skip_all "cannot start Xvfb"
SHARER_DISPLAY=$DISPLAY

check "the operator has a certificate" make_viewer_cert

# ---- declined -----------------------------------------------------------
check "a recording viewer shows a code" start_viewer declined \
	-o record.enabled=true -o "record.path=$E2E_TMP/declined.webm"
check "tls-meter relays to the viewer" start_meter
DISPLAY=$SHARER_DISPLAY start_sharer declined-sharer "$METER_PORT"
check "the sharer asks for the code" wait_for 60 said declined-sharer 'Type the 9-digit code'
customer "$CODE"
check "the customer is asked to agree to the recording" \
	wait_for 60 said declined-sharer 'Do you agree? Press y for yes or n for no'
check "the operator is told they wait for it" \
	wait_for 30 said declined 'Waiting for the customer to agree to the recording'
check "the sharer waits for the answer" \
	wait_for 30 state_is "$E2E_TMP/declined-sharer.sock" "awaiting consent"
# While the question is open the screen changes and the pointer moves:
# nothing of it may leave.
fill 404040 0 0 1280 720 FF00FF 500 300 200 150
for i in 1 2 3 4 5 6 7 8 9 10; do
	DISPLAY=$SHARER_DISPLAY xdotool mousemove $((i * 60)) $((i * 40))
	sleep 0.1
done
check "the sharer's transport has sent no video byte while it waits" \
	test "$(video_steady declined-sharer)" = 0
check "the viewer's has received none" test "$(video_steady declined)" = 0
customer n
reap "$SHARER_PID"
check "the customer says no: the sharer exits cleanly" test "$STATUS" = 0
reap "$VIEWER_PID"
check "and so does the viewer" test "$STATUS" = 0
check "both end with the reason \"consent declined\"" sh -c \
	"grep -q '^kyoyu: session ended (consent declined)' '$E2E_TMP/declined-sharer.out' &&
	 grep -q '^kyoyu: session ended (consent declined)' '$E2E_TMP/declined.out'"
check "told in plain words on both sides" sh -c \
	"grep -q 'you did not agree to the recording' '$E2E_TMP/declined-sharer.out' &&
	 grep -q 'the customer did not agree to the recording' '$E2E_TMP/declined.out'"
check "the sharer's encoder made no packet" \
	grep -q '^kyoyu: session ended .* frames, 0 packets' "$E2E_TMP/declined-sharer.out"
check "the viewer decoded nothing and received no packet" \
	grep -q '^kyoyu: session ended .* 0 decoded frames, 0 packets' "$E2E_TMP/declined.out"
check "no recording was written" test ! -e "$E2E_TMP/declined.webm"
# What the meter saw from the sharer after its TLS handshake: the hello,
# the question (protocol 1.3: the words the customer read), the answer, the
# goodbye and pongs, and no more than the viewer's own records (welcome,
# pings) call for.  All are small but the one with the question, which is
# no longer than its words and 64 bytes.
question="The support team would like to see your screen and record this session (only what your screen shows is recorded).
Do you agree? Press y for yes or n for no."
words=$(printf '%s' "$question" | wc -c)
set -- $(awk -v words="$words" '$2 == "c2s" && $3 == 23 { c++; if ($4 > max) max = $4
		if ($4 > 64) big++ }
	$2 == "s2c" && $3 == 23 { s++ } END { print c + 0, s + 0, max + 0, big + 0 }' \
	"$E2E_TMP/meter.log")
echo "# the sharer sent $1 TLS records after the handshake ($4 over 64 bytes, the longest $3 bytes; the question's words are $words), the viewer $2"
check "on the wire: no video or cursor record from the sharer" \
	test "$1" -le $(($2 + 4)) -a "$4" -le 1 -a "$3" -le $((words + 64))
kill "$METER_PID"

# ---- granted ------------------------------------------------------------
# granted NAME FILE VIEWER_CODEC SHARER_CODEC FORMAT: a session the customer
# agrees to record, NAME's viewer decoding with VIEWER_CODEC and recording
# to FILE, the sharer encoding FORMAT with SHARER_CODEC; it shares, the
# customer leaves, and ffmpeg plays the whole recording.
granted() {
	gname=$1 rec=$2
	check "$gname: a recording viewer shows a new code" start_viewer "$gname" \
		-o codec.plugin="$3" -o record.enabled=true -o "record.path=$rec"
	DISPLAY=$SHARER_DISPLAY start_sharer "$gname-sharer" "$PORT" \
		-o codec.plugin="$4" -o codec.format="$5"
	check "$gname: the sharer asks for the code" \
		wait_for 60 said "$gname-sharer" 'Type the 9-digit code'
	customer "$CODE"
	check "$gname: the customer is asked to agree" wait_for 60 said "$gname-sharer" 'Do you agree?'
	customer y
	check "$gname: yes, and the sharer shares" \
		wait_for 30 state_is "$E2E_TMP/$gname-sharer.sock" sharing
	check "$gname: the operator is told" \
		wait_for 30 said "$gname" 'The customer agreed to the recording'
	check "$gname: and views the screen" wait_for 30 state_is "$E2E_TMP/$gname.sock" sharing
	fill 2040E0 100 100 300 200
	fill 00C000 700 300 300 200
	check "$gname: video reaches the viewer" wait_for 30 video_flowed "$gname"
	"$KYOYU_AGENT" ctl leave --socket "$E2E_TMP/$gname-sharer.sock" >/dev/null
	reap "$SHARER_PID"
	check "$gname: the customer leaves, the sharer exits cleanly" test "$STATUS" = 0
	reap "$VIEWER_PID"
	check "$gname: and so does the viewer" test "$STATUS" = 0
	recorded=$(sed -n 's/.*recorded \([0-9]*\) frames.*/\1/p' "$E2E_TMP/$gname.err")
	# One line per frame, its key_frame flag (x264's side data adds other lines).
	ffprobe -v error -select_streams v:0 -show_entries frame=key_frame -of csv=p=0 "$rec" \
		2>"$E2E_TMP/probe.err" | sed -n 's/^\([01]\),*$/\1/p' >"$E2E_TMP/frames"
	echo "# $gname: recorded $recorded frames; ffprobe reads $(wc -l <"$E2E_TMP/frames")"
	check "$gname: the recording holds what was recorded, every frame read by ffprobe" \
		test ! -s "$E2E_TMP/probe.err" -a "${recorded:-0}" -gt 0 -a \
		"$(wc -l <"$E2E_TMP/frames")" = "$recorded"
	check "$gname: it starts with a keyframe" test "$(head -1 "$E2E_TMP/frames")" = 1
	# One checksum line per decoded picture.
	ffmpeg -v error -i "$rec" -fps_mode passthrough -f framemd5 - >"$E2E_TMP/md5" \
		2>"$E2E_TMP/decode.err"
	check "$gname: ffmpeg decodes every frame without an error" \
		test $? = 0 -a ! -s "$E2E_TMP/decode.err" -a \
		"$(grep -vc '^#' "$E2E_TMP/md5")" = "$recorded"
	sed 's/^/# /' "$E2E_TMP/decode.err"
}
video_flowed() { [ "$(video_bytes "$1")" -gt 1000 ]; }

granted vp9 "$E2E_TMP/granted.webm" vpx vpx vp9
if [ -f "$KYOYU_BUILDDIR/plugins/kyoyu-codec-x264.la" ] &&
	[ -f "$KYOYU_BUILDDIR/plugins/kyoyu-codec-avcodec.la" ]; then
	granted h264 "$E2E_TMP/granted.mkv" avcodec x264 h264
else
	ok "# SKIP codec/x264 or codec/avcodec is not built: no H.264 session"
fi
tap_done
