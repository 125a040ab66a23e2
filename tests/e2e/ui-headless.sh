#!/bin/sh
# SPDX-License-Identifier: MIT
# ui/headless on a real session over TLS 1.3: a sharer plays a short clip
# (capture/file), the viewer decodes it without a window and writes what it
# decoded and when.  ffprobe reads the frames file, ffmpeg lines it up with
# the clip by timestamp, and the latency log agrees with both.  The frames
# come in the format the core chose: I420, libvpx's first, which
# ui/headless writes as it is; BGRX when ui/e2ebgrx (a UI that shows BGRX
# only, from tests/e2e) runs beside it.
. "$KYOYU_SRCDIR/tests/transport/lib.sh"

for plugin in ui-headless capture-file codec-vpx transport-tls; do
	[ -f "$KYOYU_BUILDDIR/plugins/kyoyu-$plugin.la" ] ||
		skip_all "kyoyu-$plugin is not built"
done
command -v ffmpeg >/dev/null && command -v ffprobe >/dev/null ||
	skip_all "ffmpeg and ffprobe are needed (apt-get install ffmpeg)"

# Three seconds that change in every picture, 10 a second, lossless BGRX.
CLIP="$T/clip.mkv"
ffmpeg -nostdin -v error -f lavfi -i testsrc2=size=320x240:rate=10 -t 3 \
	-c:v ffv1 -pix_fmt bgr0 "$CLIP" || skip_all "ffmpeg cannot make the test clip"
make_cert "$T/cert" || skip_all "--make-cert failed"

# session NAME [VIEWER OPTION...]: the clip shared with a headless viewer
# writing $T/NAME.nut and $T/NAME.csv; the sharer's terminal in
# $T/NAME-sharer.*.  Sets STATUS to the viewer's exit status.
session() {
	name=$1
	shift
	start_viewer "$name" "$T/cert" -o ui.plugin=tty,headless \
		-o "ui.frames=$T/$name.nut" -o "ui.latency=$T/$name.csv" -o codec.plugin=vpx \
		"$@" || return 1
	customer_types "$CODE" >"$T/$name.code"
	"$KYOYU_AGENT" -r sharer -o ui.plugin=tty,headless -o "ctl.socket=$T/$name-sharer.sock" \
		-o log.level=info \
		-o codec.plugin=vpx -o codec.format=vp9 -o capture.plugin=file \
		-o "capture.path=$CLIP" -o capture.hold_ms=1500 -o transport.host=127.0.0.1 \
		-o "transport.port=$PORT" -o "transport.pin=$PIN" -t 120 \
		<"$T/$name.code" >"$T/$name-sharer.out" 2>"$T/$name-sharer.err" &
	SHARER_PID=$!
	PIDS="$PIDS $SHARER_PID"
	reap "$SHARER_PID" 60
	reap "$VIEWER_PID" 30
	exec 8>&-
}

# psnr_at FILE OFFSET_MS: average PSNR of FILE's pictures, each against the
# clip's picture at its timestamp + OFFSET_MS.  Only the clip's pictures
# FILE has take part: a loaded machine may merge one into the next, which
# says nothing of the times (and the psnr filter would hold FILE's last one
# against it).
psnr_at() {
	at_its_times=$(nut_times "$1" | awk -v off="$2" \
		'{ printf "%slt(abs(t-%d/1000000-%d/1000),0.001)", (NR > 1 ? "+" : ""), $1, off }')
	ffmpeg -nostdin -i "$CLIP" -i "$1" -lavfi \
		"[0:v]select='${at_its_times:-0}',format=yuv420p[a];[1:v]setpts=PTS+$2/1000/TB,format=yuv420p[b];[a][b]psnr" \
		-f null - 2>&1 |
		sed -n 's/.*PSNR.* average:\([0-9.]*\).*/\1/p'
}
# psnr FILE: "DB OFFSET_MS", the best of psnr_at over the clip's first
# four pictures as FILE's first.  Timestamps count from the first picture the viewer got,
# which on a loaded machine may be the clip's second or third: the
# pictures' times must line up with the clip's, from wherever they start.
psnr() {
	best=""
	for off in 0 100 200 300; do
		db=$(psnr_at "$1" "$off")
		[ -n "$db" ] && awk -v a="$db" -v b="${best:-0}" 'BEGIN { exit !(a > b) }' &&
			best=$db best_off=$off
	done
	echo "$best ${best_off:-0}"
}

# The decoded pictures' times in the frames file, in µs, one per line.
nut_times() {
	ffprobe -v error -select_streams v:0 -show_entries packet=pts -of csv=p=0 "$1"
}

session i420
check "a session with a headless viewer ends when the clip is over" test "$STATUS" = 0
check "the sharer skips ui/headless (viewer only)" \
	has "$T/i420-sharer.err" "ui/headless does not apply here; skipped"
pictures=$(sed -n 's/^headless: \([0-9]*\) pictures decoded.*/\1/p' "$T/i420.out")
note "headless summary: $(grep '^headless:' "$T/i420.out")"
check "the viewer prints one summary line with the latency percentiles" \
	sh -c 'grep "^headless: " "$0" | grep -q "p50 .* ms, p95 .* ms, p99 .* ms, .* written to"' \
	"$T/i420.out"
check "the clip's pictures were decoded (at least 20 of 30)" test "${pictures:-0}" -ge 20
check "ffprobe reads every picture of the frames file: 320x240 yuv420p, as negotiated" sh -c \
	'[ "$(ffprobe -v error -count_frames -show_entries stream=width,height,pix_fmt,nb_read_frames \
		-of csv=p=0 "$0")" = "320,240,yuv420p,$1" ]' "$T/i420.nut" "$pictures"
check "the latency log has a header and one line per picture" \
	test "$(($(wc -l <"$T/i420.csv") - 1))" = "$pictures"
tail -n +2 "$T/i420.csv" | cut -d, -f2 >"$T/i420.csv-pts"
nut_times "$T/i420.nut" >"$T/i420.nut-pts"
check "its pts column is the frames file's timestamps" sh -c \
	'test -s "$0" && cmp -s "$0" "$1"' "$T/i420.csv-pts" "$T/i420.nut-pts"
check "latency = decoded - capture on every line, kinds key/delta/refine, frames numbered" \
	awk -F, 'NR > 1 && ($5 != $4 - $3 || $1 != NR - 2 || $6 !~ /^(key|delta|refine)$/) { bad = 1 }
		NR == 2 && $6 != "key" { bad = 1 } END { exit bad || NR < 2 }' "$T/i420.csv"
check "each picture's packet arrived after its capture and before it was decoded" \
	awk -F, 'NR > 1 && ($7 == "" || $7 < $3 - 5000 || $7 > $4) { bad = 1 } END { exit bad || NR < 2 }' \
	"$T/i420.csv"
# The last picture stays 1.5 s: the encoder tops it off (300 ms) with a
# sharper copy that keeps the capture time of the picture it refines.
check "the top-off arrives flagged as a refinement of the picture before" \
	awk -F, 'NR > 1 && $6 == "refine" { n++; if ($3 != prev) bad = 1 } { prev = $3 }
		END { exit bad || n < 1 }' "$T/i420.csv"
# Generous (sanitizers, a busy machine): this catches clocks that disagree.
check "every ordinary picture arrived within 10 s of its capture, none before" \
	awk -F, 'NR > 1 && $6 != "refine" && ($5 < -5000 || $5 > 10000000) { bad = 1 } END { exit bad || NR < 2 }' \
	"$T/i420.csv"
set -- $(psnr "$T/i420.nut")
db=${1:-}
note "PSNR of what the viewer decoded against the clip, by timestamp: ${db:-?} dB (its first picture the clip's at ${2:-?} ms)"
check "the frames file lines up with the clip by timestamp (PSNR >= 30 dB)" \
	awk -v d="${db:-0}" 'BEGIN { exit !(d >= 30) }'

# ui/e2ebgrx shows BGRX only: the core gives every UI BGRX.
session bgrx --plugin-path "$KYOYU_BUILDDIR/tests/e2e" -o ui.plugin=tty,headless,e2ebgrx
check "with a UI beside it that shows BGRX only, the frames file is bgr0" sh -c \
	'[ "$(ffprobe -v error -show_entries stream=pix_fmt -of csv=p=0 "$0")" = bgr0 ]' \
	"$T/bgrx.nut"
set -- $(psnr "$T/bgrx.nut")
db=${1:-}
note "PSNR (BGRX frames): ${db:-?} dB (its first picture the clip's at ${2:-?} ms)"
check "and lines up with the clip just as well (PSNR >= 30 dB)" \
	awk -v d="${db:-0}" 'BEGIN { exit !(d >= 30) }'

# A path that cannot be written stops the viewer before it listens.
"$KYOYU_AGENT" -r viewer -o ui.plugin=headless -o "ui.frames=$T/missing/f.nut" \
	-o ctl.socket=none -o transport.listen=127.0.0.1 -o transport.port=0 \
	-o "transport.cert=$T/cert/viewer-cert.pem" -o "transport.key=$T/cert/viewer-key.pem" \
	-t 10 </dev/null >"$T/bad.out" 2>"$T/bad.err"
STATUS=$?
check "an unwritable ui.frames fails the viewer at once" test "$STATUS" != 0
check "and the error names the file and the option" sh -c \
	'grep -q "cannot write decoded pictures to $1/missing/f.nut: .*ui.frames" "$0"' \
	"$T/bad.err" "$T"
tap_done
