# SPDX-License-Identifier: MIT
# The real sharer pipeline with no network: capture/file (or testsrc) →
# the core's encode stage → each codec → transport/record standing in for
# the viewer; every file read back by ffprobe.  Prints TAP.
: "${KYOYU_AGENT:?run from make check}" "${KYOYU_BUILDDIR:?}"

N=0
FAILED=0
ok() { N=$((N + 1)); echo "ok $N - $1"; }
not_ok() { N=$((N + 1)); FAILED=$((FAILED + 1)); echo "not ok $N - $1"; }
check() {
	desc=$1
	shift
	if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}
plugin_built() { [ -f "$KYOYU_BUILDDIR/plugins/kyoyu-$1.la" ]; }

if ! command -v ffmpeg >/dev/null || ! command -v ffprobe >/dev/null; then
	echo "1..0 # SKIP ffmpeg and ffprobe are needed (apt-get install ffmpeg)"
	exit 0
fi
for p in capture-file transport-record codec-vpx codec-x264 capture-testsrc; do
	plugin_built "$p" || { echo "1..0 # SKIP plugins/$p is not built"; exit 0; }
done

TMP=$(mktemp -d /tmp/kyoyu-pipeline.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

# What the customer types at ui/tty: yes, share (nothing is shared before).
printf 'y\n' >"$TMP/yes"

# agent NAME OPTION...: runs a sharer with its own log; no control socket
# (tests run side by side).
agent() {
	name=$1
	shift
	"$KYOYU_AGENT" -o ctl.socket=none -o ui.plugin=tty -o transport.plugin=record \
		-o transport.as_peer=true "$@" <"$TMP/yes" >"$TMP/$name.out" 2>"$TMP/$name.err"
}

# The timestamps (ms) of every frame of FILE, one a line; fails on any
# complaint from ffprobe.
frame_times() {
	ffprobe -v error -select_streams v:0 -show_entries frame=pts_time -of csv=p=0 \
		"$1" 2>"$TMP/probe.err" | awk -F, 'NF { printf "%d\n", $1 * 1000 + 0.5 }'
	[ ! -s "$TMP/probe.err" ] || { cat "$TMP/probe.err" >&2; return 1; }
}

# A 3 s clip at 10 fps, FFV1 bgr0 like the shared recording: a moving
# pattern, still from 1.0 s to 2.0 s (frames 10–19 repeat frame 9).
clip="$TMP/clip.mkv"
if ! ffmpeg -v error -f lavfi -i testsrc2=size=176x144:rate=10:duration=3 \
	-filter_complex "[0:v]split[a][b];[a][b]freezeframes=first=10:last=19:replace=9" \
	-pix_fmt bgr0 -c:v ffv1 "$clip"; then
	echo "1..0 # SKIP ffmpeg cannot make the test clip"
	exit 0
fi
# The frames a screen capture would post: those that differ from the one
# before (the first always).
ffmpeg -v error -i "$clip" -f framemd5 - | awk -F, '
	/^#tb 0:/ { split($0, t, /[ \/]/); num = t[3]; den = t[4] }
	!/^#/ { gsub(/ /, ""); if ($6 != last) printf "%d\n", $3 * 1000 * num / den; last = $6 }' \
	>"$TMP/changed"
check "the clip has 20 changing frames around a still second" \
	[ "$(wc -l <"$TMP/changed")" -eq 20 ]

# Each codec, as fast as the encoder takes the pictures: every changed
# picture is one frame of the recording, at its time in the clip.
for run in vp8:webm vp9:webm vp9:mkv:444 h264:mkv h264:mp4; do
	codec=${run%%:*}
	rest=${run#*:}
	ext=${rest%%:*}
	chroma=420
	[ "$rest" != "$ext" ] && chroma=${rest#*:}
	out="$TMP/clip-$codec-$chroma.$ext"
	extra=""
	[ "$chroma" = 444 ] && extra="-o codec.chroma=444"
	# shellcheck disable=SC2086
	if agent "fast-$codec-$ext" -o capture.plugin=file -o capture.path="$clip" \
		-o capture.pace=fast -o capture.hold_ms=200 -o codec.format="$codec" \
		-o codec.topoff_ms=0 $extra -o transport.path="$out"; then
		ok "$codec/$ext/$chroma: the session ends by itself at the end of the file"
	else
		not_ok "$codec/$ext/$chroma: the session ends by itself at the end of the file"
		sed 's/^/# /' "$TMP/fast-$codec-$ext.err"
	fi
	check "$codec/$ext/$chroma: the end of the file is reason \"left\"" \
		grep -q "session ended (left)" "$TMP/fast-$codec-$ext.out"
	if frame_times "$out" >"$TMP/times"; then
		ok "$codec/$ext/$chroma: ffprobe reads the recording without a complaint"
	else
		not_ok "$codec/$ext/$chroma: ffprobe reads the recording without a complaint"
	fi
	if cmp -s "$TMP/times" "$TMP/changed"; then
		ok "$codec/$ext/$chroma: one frame per changed picture, at the clip's times"
	else
		not_ok "$codec/$ext/$chroma: one frame per changed picture, at the clip's times"
		diff "$TMP/changed" "$TMP/times" | sed 's/^/# /' | head -20
	fi
done

# The recording looks like the clip: PSNR over every picture of the clip,
# each against the recording's frame on screen at its time.
for f in "$TMP"/clip-vp9-420.webm "$TMP"/clip-h264-420.mkv; do
	psnr=$(ffmpeg -nostats -i "$clip" -i "$f" -lavfi \
		"[0:v]format=yuv420p[m];[1:v]format=yuv420p[r];[m][r]psnr=eof_action=repeat" \
		-f null - 2>&1 | sed -n 's/.*average:\([0-9.inf]*\).*/\1/p')
	check "$(basename "$f"): the recording shows the clip (PSNR ${psnr:-?} dB)" \
		awk -v p="${psnr:-0}" 'BEGIN { exit !(p == "inf" || p + 0 > 30) }'
done

# At the file's own pace the recording keeps the clip's timing too.
start=$(date +%s)
agent realtime -o capture.plugin=file -o capture.path="$clip" -o capture.hold_ms=200 \
	-o codec.format=vp9 -o codec.topoff_ms=0 -o transport.path="$TMP/realtime.webm"
took=$(($(date +%s) - start))
check "realtime: the clip plays for its length ($took s)" [ "$took" -ge 3 ]
frame_times "$TMP/realtime.webm" >"$TMP/times"
# At real pace a loaded machine may merge a picture into the next (the
# capture drops what the encoder cannot take yet): every frame keeps a time
# of the clip's, and most pictures get through.
kept=$(grep -cxFf "$TMP/changed" "$TMP/times")
total=$(wc -l <"$TMP/changed")
check "realtime: every frame at one of the clip's times, $kept of $total pictures" \
	[ "$kept" -eq "$(wc -l <"$TMP/times")" -a $((kept * 4)) -ge $((total * 3)) ]

# loop: the clip over and over, its times running on past its end.
agent loop -o capture.plugin=file -o capture.path="$clip" -o capture.pace=fast \
	-o capture.loop=true -o codec.format=vp8 -o codec.topoff_ms=0 \
	-o transport.path="$TMP/loop.webm" -t 4
frame_times "$TMP/loop.webm" >"$TMP/times"
check "loop: the clip plays more than once ($(wc -l <"$TMP/times") frames)" \
	[ "$(wc -l <"$TMP/times")" -gt 20 ]
check "loop: the times keep rising past the clip's end" awk \
	'NR > 1 && $1 <= last { exit 1 } { last = $1 } END { exit !(last > 3000) }' "$TMP/times"

# An idle screen: after the keyframe and its three top-offs (more only
# while each still fills a quarter of what the bitrate carries meanwhile,
# which a 320x240 picture does not), nothing at all.  VP8 and VP9 refine
# every block in the first top-off and make no packet for the two after
# it; x264 sends an empty picture before the first (x264-plugin.c's
# encode_credit).
for codec in vp8 vp9 h264; do
	n=2 what="keyframe, one top-off"
	[ "$codec" = h264 ] && n=5 what="keyframe, an empty picture, three top-offs"
	agent "idle-$codec" -o capture.plugin=testsrc -o capture.pattern=static \
		-o capture.width=320 -o capture.height=240 -o codec.format="$codec" \
		-o codec.topoff_ms=200 -o transport.path="$TMP/idle-$codec.mkv" -t 4
	check "$codec: a still screen costs $n packets in 4 s ($what)" \
		grep -q " $n packets," "$TMP/idle-$codec.out"
	check "$codec: and its recording has those $n frames" \
		[ "$(frame_times "$TMP/idle-$codec.mkv" | wc -l)" -eq $n ]
done

# A paused stretch leaves a gap in the recording, not frames.
if plugin_built policy-default; then
	sock="$TMP/ctl.sock"
	"$KYOYU_AGENT" -o ctl.socket="$sock" -o ui.plugin=tty -o transport.plugin=record \
		-o transport.as_peer=true -o capture.plugin=testsrc -o capture.pattern=full \
		-o capture.width=160 -o capture.height=120 -o capture.fps=10 \
		-o codec.format=vp8 -o transport.path="$TMP/pause.webm" -t 30 \
		<"$TMP/yes" >"$TMP/pause.out" 2>"$TMP/pause.err" &
	pid=$!
	sleep 2
	"$KYOYU_AGENT" ctl pause --socket "$sock" >/dev/null
	sleep 3
	"$KYOYU_AGENT" ctl resume --socket "$sock" >/dev/null
	sleep 2
	"$KYOYU_AGENT" ctl leave --socket "$sock" >/dev/null
	wait "$pid"
	frame_times "$TMP/pause.webm" | awk 'NR > 1 && $1 - last > max { max = $1 - last }
		{ last = $1 } END { print max + 0 }' >"$TMP/gap"
	check "pause: the recording jumps over the pause ($(cat "$TMP/gap") ms)" \
		[ "$(cat "$TMP/gap")" -ge 2500 ]
fi

# Where the file goes by default, and what a bad setting says.
mkdir "$TMP/here"
(cd "$TMP/here" && agent default -o capture.plugin=testsrc -o capture.pattern=static \
	-o capture.width=64 -o capture.height=48 -t 1)
check "no path: kyoyu-DATE-TIME-ID.webm in the current folder" \
	sh -c "ls '$TMP/here' | grep -Eq '^kyoyu-[0-9]{8}-[0-9]{6}-[0-9a-f]{8}\\.webm$'"
if agent nopath -o capture.plugin=file; then
	not_ok "capture/file without a path refuses to start"
else
	check "capture/file without a path refuses to start, saying what to set" \
		grep -q "capture.path is not set" "$TMP/nopath.err"
fi
if agent missing -o capture.plugin=file -o capture.path="$TMP/no-such.mkv"; then
	not_ok "a missing video file fails the session"
else
	check "a missing video file fails the session, naming it" \
		grep -q "no-such.mkv" "$TMP/missing.err"
fi
if agent h264webm -o capture.plugin=testsrc -o capture.pattern=static -o codec.format=h264 \
	-o capture.width=64 -o capture.height=48 -o transport.path="$TMP/bad.webm" -t 2; then
	not_ok "H.264 into .webm is refused"
else
	check "H.264 into .webm is refused with the containers that fit" \
		grep -q "use .mkv or .mp4" "$TMP/h264webm.err"
fi

echo "1..$N"
[ "$FAILED" -eq 0 ]
