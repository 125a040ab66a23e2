#!/bin/sh
# SPDX-License-Identifier: MIT
# codec.format = "auto" in real sessions over TLS 1.3: a sharer whose whole
# 640x360 screen moves 30 times a second (capture/testsrc, pattern full),
# a headless viewer that decodes with codec/vpx and codec/avcodec and
# notes every picture it decodes.  With the sharer held to a tenth of a
# core (a cgroup's CPU quota) it goes over from VP9 to H.264 at a keyframe,
# the viewer keeps decoding, and both people read why; with the CPU it
# wants it stays VP9.  The picture is small so that VP9 keeps up on a
# machine busy with other builds: held to a fifth of a core it still did
# (no switch in 30 s), held to a tenth it switches within seconds.
. "$KYOYU_SRCDIR/tests/transport/lib.sh"

for plugin in ui-headless capture-testsrc codec-vpx codec-x264 codec-avcodec; do
	[ -f "$KYOYU_BUILDDIR/plugins/kyoyu-$plugin.la" ] ||
		skip_all "kyoyu-$plugin is not built"
done
# cgroup v1's cpu controller (this machine's), or v2's cpu.max.
CG_ROOT=""
if [ -w /sys/fs/cgroup/cpu/cgroup.procs ] 2>/dev/null; then
	CG_ROOT=/sys/fs/cgroup/cpu
elif grep -qw cpu /sys/fs/cgroup/cgroup.subtree_control 2>/dev/null; then
	CG_ROOT=/sys/fs/cgroup
fi
[ -n "$CG_ROOT" ] || skip_all "no cgroup CPU controller to limit the sharer with"
CG="$CG_ROOT/kyoyu-codec-auto.$$"
mkdir "$CG" 2>/dev/null || skip_all "cannot make a cgroup in $CG_ROOT (not root?)"
if [ -f "$CG/cpu.cfs_quota_us" ]; then
	echo 100000 >"$CG/cpu.cfs_period_us" && echo 10000 >"$CG/cpu.cfs_quota_us"
else
	echo "10000 100000" >"$CG/cpu.max"
fi || skip_all "cannot set the cgroup's CPU quota"
PIDS=""
trap 'cleanup; rmdir "$CG" 2>/dev/null' EXIT
make_cert "$T/cert" || skip_all "--make-cert failed"

# session NAME LIMITED: a viewer NAME and its sharer NAME-sharer with
# codec.format = "auto", the sharer in the cgroup when LIMITED is yes;
# returns once video flows.
session() {
	who=$1 limited=$2
	start_viewer "$who" "$T/cert" -o codec.plugin=vpx,avcodec -o ui.plugin=tty,headless \
		-o "ui.latency=$T/$who.csv" -o log.level=info || return 1
	customer_types "$CODE" >"$T/$who.code"
	start_sharer "$who-sharer" "$T/$who.code" -o codec.plugin=vpx,x264 \
		-o codec.format=auto -o capture.pattern=full -o capture.width=640 \
		-o capture.height=360 -o capture.fps=30 -o codec.max_fps=30
	if [ "$limited" = yes ]; then
		echo "$SHARER_PID" >"$CG/cgroup.procs" || return 1
	fi
	wait_for 60 has "$T/$who.err" "decodes the vp9 stream"
}
# codec_status SOCKET: the codec ctl status names on the agent at SOCKET.
codec_status() {
	"$KYOYU_AGENT" ctl status --socket "$1" 2>/dev/null | sed -n 's/^codec: //p'
}
# vp9_until_switch SOCKET: ctl status at SOCKET says vp9, or h264 once the
# slow sharer has logged its switch (read after status: the log line comes
# before either side's status can change).
vp9_until_switch() {
	c=$(codec_status "$1")
	[ "$c" = vp9 ] || { [ "$c" = h264 ] && has "$T/slow-sharer.err" "going over to"; }
}
# decoded NAME: pictures the viewer NAME decoded (once it has ended).
decoded() { echo $(($(wc -l <"$T/$1.csv") - 1)); }
# after_last_key NAME: pictures the viewer NAME decoded after its last keyframe.
after_last_key() {
	awk -F, 'NR > 1 { n++ } NR > 1 && $6 == "key" { n = 0 } END { print n + 0 }' "$T/$1.csv"
}
# leave NAME: the customer leaves; both agents exit.
leave() {
	"$KYOYU_AGENT" ctl leave --socket "$T/$1-sharer.sock" >/dev/null 2>&1
	reap "$SHARER_PID" 30
	SHARER_STATUS=$STATUS
	reap "$VIEWER_PID" 30
}

check "a sharer held to a tenth of a core shares VP9 at first" session slow yes
check "ctl status says vp9 on the sharer until the switch" vp9_until_switch "$T/slow-sharer.sock"
check "and on the viewer" vp9_until_switch "$T/slow.sock"
began=$(date +%s)
check "it goes over to H.264 within 30 s of motion" \
	wait_for 30 has "$T/slow-sharer.err" "cannot keep up with vp9 .*going over to h264"
note "after $(($(date +%s) - began)) s: $(grep -o 'cannot keep up.*' "$T/slow-sharer.err")"
check "the viewer's avcodec takes the H.264 stream" \
	wait_for 20 has "$T/slow.err" "decodes the h264 stream"
check "the customer reads why" \
	wait_for 10 has "$T/slow-sharer.out" "This computer could not keep up with sending the screen"
check "the operator reads why, with the codec" \
	wait_for 10 has "$T/slow.out" "The customer's computer could not keep up, so the video went over to H264"
check "ctl status names the codec in use, h264, on the sharer" \
	test "$(codec_status "$T/slow-sharer.sock")" = h264
check "and on the viewer" test "$(codec_status "$T/slow.sock")" = h264
sleep 5
leave slow
check "the session ends cleanly on both sides" test "$SHARER_STATUS:$STATUS" = 0:0
note "$(grep '^headless:' "$T/slow.out")"
# The switch's keyframe is the H.264 stream's first (its CSV is complete
# once the viewer has ended).
after_key=$(after_last_key slow)
note "the viewer decoded $after_key pictures after the last keyframe"
check "the viewer kept decoding after the switch (10 pictures or more)" test "$after_key" -ge 10
check "it had no packet it could not decode" sh -c '! grep -q "could not decode" "$0"' "$T/slow.err"
check "the sharer went over once" test "$(count "$T/slow-sharer.err" "going over to")" = 1

check "a sharer with the CPU it wants shares VP9" session fast no
sleep 20
leave fast
check "the session ends cleanly on both sides" test "$SHARER_STATUS:$STATUS" = 0:0
note "the viewer decoded $(decoded fast) pictures"
check "in 20 s of motion it stays VP9" sh -c '! grep -q "going over to" "$0"' "$T/fast-sharer.err"
check "the viewer decoded VP9 only" sh -c '! grep -q "decodes the h264" "$0"' "$T/fast.err"
check "and kept decoding (100 pictures or more)" test "$(decoded fast)" -ge 100
tap_done
