# SPDX-License-Identifier: MIT
# A disk that fills mid-session, end to end: a real viewer records to a
# 256 KiB tmpfs while a real sharer's screen keeps changing.  The recording
# is cut at its last whole picture (ffprobe reads it without a complaint),
# the session goes on, and both people are told: the operator's terminal
# and the customer's (NOTICE, protocol 1.2).  Root only (mount).
. "$KYOYU_SRCDIR/tests/e2e/session-lib.sh"

[ "$(id -u)" = 0 ] || skip_all "mounting a small tmpfs needs root"
require_plugins capture-x11 ui-x11-overlay transport-record
require_tools Xvfb ffprobe mount umount
new_display 1024 768 || skip_all "cannot start Xvfb"
SHARER_DISPLAY=$DISPLAY
FULL="$E2E_TMP/full"
mkdir -p "$FULL"
mount -t tmpfs -o size=256k,mode=0700 kyoyu-full "$FULL" || skip_all "cannot mount a tmpfs"
# Unmounted before lib.sh removes the folder.
trap 'umount "$FULL" 2>/dev/null; e2e_cleanup' EXIT

check "the operator has a certificate" make_viewer_cert
check "the viewer starts, recording to the small disk" start_viewer v \
	-o record.enabled=true -o "record.path=$FULL/%i.webm" -o record.min_free_mb=0
DISPLAY=$SHARER_DISPLAY start_sharer s "$PORT"
wait_for 60 said s 'Type the 9-digit code'
customer "$CODE"
check "the customer agrees to the recording" allow s
check "the session shares" wait_for 60 state_is "$E2E_TMP/v.sock" sharing

# The customer's screen changes until the disk is full: for at most two
# minutes, since a crowded machine encodes fewer, merged pictures.
i=0
deadline=$(($(date +%s) + 120))
stopped_said() { grep -q 'the recording stopped' "$E2E_TMP/v.err"; }
while ! stopped_said && [ "$(date +%s)" -lt $deadline ]; do
	i=$((i + 1))
	fill "$(printf '%02x%02x%02x' $((i * 37 % 256)) $((i * 91 % 256)) $((i * 53 % 256)))" \
		$((i * 97 % 900)) $((i * 61 % 700)) 120 60 \
		"$(printf '%02x%02x%02x' $((i * 13 % 256)) $((i * 7 % 256)) $((i * 151 % 256)))" \
		$((i * 41 % 900)) $((i * 83 % 700)) 100 70
	sleep 0.05
done
check "the disk fills: the viewer says the recording stopped" stopped_said
check "the operator is told in words" wait_for 10 said v 'The recording stopped (the disk is full)'
check "so is the customer" wait_for 10 said s "The support person's recording stopped (the disk is full)"
check "and the session goes on" state_is "$E2E_TMP/v.sock" sharing
check "  on both sides" state_is "$E2E_TMP/s.sock" sharing
f=$(ls "$FULL"/*.webm 2>/dev/null | head -1)
frames=$(ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames \
	-of csv=p=0 "$f" 2>"$E2E_TMP/ffprobe.err")
note "$(basename "$f"): $(stat -c %s "$f") bytes, $frames frames; ffprobe: $(head -c 200 "$E2E_TMP/ffprobe.err")"
check "the recording is read to its last frame without a complaint" \
	sh -c "[ '${frames:-0}' -gt 0 ] && [ ! -s '$E2E_TMP/ffprobe.err' ]"
customer q
reap "$SHARER_PID"
reap "$VIEWER_PID"
check "the session ends normally" test "$STATUS" = 0
tap_done
