# SPDX-License-Identifier: MIT
# capture/pipewire on a real headless Wayland desktop: mutter 43 with the
# ScreenCast portal, PipeWire and WirePlumber (scripts/wayland-session),
# started once for every case.  A Wayland client (kyoyu-wl-fill) paints
# known pixels and sets a known pointer shape; mutter's own RemoteDesktop
# API moves the pointer.
#   - the plugin on a frame bus (kyoyu-pipewire-check): the first frame is a
#     key frame of the whole screen, which becomes exactly the client's pixels (mutter fades the window in); a still screen posts nothing
#     for 2 s; a 30x40 rectangle comes as exactly its 1200 pixels; the
#     pointer comes as cursor events with the client's shape, unpremultiplied;
#     nothing is posted while paused, and sharing again starts with the size,
#     the pointer and a key frame; the desktop ending the cast ends it with
#     the sentence the person reads;
#   - capture/x11 steps aside on mutter's Xwayland; with no bus and no X
#     display the default list (pipewire,x11) refuses to start, no testsrc;
#   - a whole session: a sharer on the Wayland desktop (the default capture
#     list picks pipewire, the default UIs include the overlay, drawn through
#     Xwayland) to a recording viewer over TLS on loopback; the badge "Your
#     screen is being shared" is in the recording, the desktop ending the cast
#     ends both with the reason, and ffprobe reads every recorded frame.
# The portal refuses callers it cannot inspect (root, here), so everything
# that asks it runs as the session's user (scripts/wayland-session run).
. "$KYOYU_SRCDIR/tests/e2e/session-lib.sh"

require_plugins capture-pipewire transport-record
WL_BIN=$KYOYU_BUILDDIR/tests/wayland
for helper in kyoyu-pipewire-check kyoyu-wl-fill kyoyu-mutter-pointer; do
	[ -x "$WL_BIN/$helper" ] ||
		skip_all "tests/wayland/$helper is not built (libwayland-dev, wayland-protocols)"
done
require_tools ffprobe ffmpeg convert xwininfo
session=$KYOYU_SRCDIR/scripts/wayland-session
instance=check-$$
fill_pid=
pointer_pid=

# KYOYU_WL_KEEP=DIR keeps the logs of a run in DIR.
cleanup() {
	[ -n "$pointer_pid" ] && kill "$pointer_pid" 2>/dev/null
	[ -n "$fill_pid" ] && kill "$fill_pid" 2>/dev/null
	[ -n "${KYOYU_WL_KEEP:-}" ] && cp -r "$E2E_TMP" "$KYOYU_WL_KEEP" &&
		cp -r "/tmp/kyoyu-wl-$instance/log" "$KYOYU_WL_KEEP/wl-log"
	"$session" stop "$instance"
	e2e_cleanup
}
trap cleanup EXIT

# as_user CMD...: CMD as the desktop's user, in its session.
as_user() { "$session" run "$instance" "$@"; }

# As on GNOME, mutter serves X programs through an Xwayland of its own.
xwayland=no
command -v Xwayland >/dev/null && xwayland=yes
if ! KYOYU_WL_INSTALL=no KYOYU_WL_XWAYLAND=$xwayland "$session" start "$instance" \
	>"$E2E_TMP/wl.env" 2>"$E2E_TMP/wl.log"; then
	sed 's/^/# /' "$E2E_TMP/wl.log"
	skip_all "the headless Wayland desktop did not start: $(tail -1 "$E2E_TMP/wl.log")"
fi
ok "the Wayland desktop starts ($(sed -n 's/.*ready in //p' "$E2E_TMP/wl.log"))"
# shellcheck source=/dev/null
. "$E2E_TMP/wl.env"
RUN=$XDG_RUNTIME_DIR

# The client paints the screen magenta, and a green 30x40 rectangle at
# 10,20 on SIGUSR1; SIGUSR2 paints it all magenta again.
as_user "$WL_BIN/kyoyu-wl-fill" ff00ff 10,20,30,40,00ff00 >"$E2E_TMP/fill" 2>&1 &
E2E_PIDS="$E2E_PIDS $!"
check "a Wayland client paints the screen" wait_for 20 grep -q '^ready' "$E2E_TMP/fill"
fill_pid=$(sed -n 's/^ready .* pid //p' "$E2E_TMP/fill")
# Signals go to the client as its own user.
signal_fill() { as_user kill "-$1" "$fill_pid"; }
painted_count() { grep -c '^painted' "$E2E_TMP/fill"; }

# ---- the plugin on a frame bus ------------------------------------------------
out=$E2E_TMP/check
mkfifo "$E2E_TMP/check.in"
as_user "$WL_BIN/kyoyu-pipewire-check" "capture.restore_token=$(as_user "$session" grant "$instance")" \
	<"$E2E_TMP/check.in" >"$out" 2>"$E2E_TMP/check.err" &
CHECK_PID=$!
E2E_PIDS="$E2E_PIDS $CHECK_PID"
exec 7>"$E2E_TMP/check.in"
say_check() { echo "$1" >&7; }
frames() { grep -c ' frame ' "$out"; }
# seen PATTERN: a line of the check's output matches (an extended regex).
seen() { grep -Eq -- "$1" "$out"; }
# seen_after N PATTERN: one of the lines after the first N matches.
seen_after() { tail -n "+$(($1 + 1))" "$out" | grep -Eq -- "$2"; }

check "the plugin asks the desktop and posts a key frame" \
	wait_for 20 seen ' frame 1 .* key '
check "it posts the picture's size first" \
	sh -c "grep -E ' (size|frame) ' '$out' | head -1 | grep -q ' size 1280x720 at 0,0'"
check "the key frame covers the whole screen" seen ' frame 1 1280x720 key rects 1 box 0,0\+1280x720 area 921600 '
# mutter fades a new window in: "ready" (the client's first frame shown)
# comes at the start of that, so the first pictures may catch it half
# drawn, and mutter 43 now and then sends no picture of the fade's end
# (1 run in 5: the cast stays at fd00fe until the screen changes again).
# The client then paints itself again.
settled() { seen ' frame [0-9]+ 1280x720 .* all ff00ff:921600$'; }
wait_for 3 settled || signal_fill USR2
check "the picture becomes exactly the client's pixels" wait_for 10 settled

n=$(frames)
sleep 2
check "a still screen posts no frame in 2 s" test "$(frames)" = "$n"

lines=$(wc -l <"$out")
signal_fill USR1
check "a 30x40 rectangle comes as a frame of exactly its 1200 pixels" \
	wait_for 10 seen_after "$lines" ' frame [0-9]+ 1280x720 rects [0-9]+ box 10,20\+30x40 area 1200 in 00ff00:1200 all ff00ff:920400 00ff00:1200$'
check "... and nothing else" test "$(frames)" = $((n + 1))

# A virtual pointer (kept while its standard input is open) moves onto the
# client, which sets its shape.
lines=$(wc -l <"$out")
mkfifo "$E2E_TMP/pointer.in"
as_user "$WL_BIN/kyoyu-mutter-pointer" -k 40,30 5,5 <"$E2E_TMP/pointer.in" \
	>"$E2E_TMP/pointer" 2>&1 &
pointer_pid=$!
E2E_PIDS="$E2E_PIDS $pointer_pid"
exec 6>"$E2E_TMP/pointer.in"
check "the pointer moves" wait_for 10 grep -q '^moved 2' "$E2E_TMP/pointer"
check "the pointer comes as cursor events with the client's shape and hot spot" \
	wait_for 10 seen_after "$lines" ' cursor [0-9]+,[0-9]+ visible shape 16x16 hot 3,4 opaque 128 clear 64 translucent 64 first 00ff0080$'
# The last two positions are 5,5 apart (the second move), or, when mutter
# drew both moves in one frame and the stream carried only where they
# ended, the last is 45,35 from the first position seen (both moves).
last_moves() {
	tail -n "+$((lines + 1))" "$out" | sed -n 's/.* cursor \([0-9]*\),\([0-9]*\) visible.*/\1 \2/p' |
		awk 'NR == 1 { x0 = $1; y0 = $2 } { px = x; py = y; x = $1; y = $2 }
		END { exit !(NR >= 2 && ((x - px == 5 && y - py == 5) ||
					 (x - x0 == 45 && y - y0 == 35))) }'
}
check "the pointer's moves arrive as cursor positions" wait_for 10 last_moves
note "cursor: $(grep ' cursor ' "$out" | tail -2 | tr '\n' '|')"

# Paused: the client repaints, nothing is posted; sharing again starts with
# the size, the pointer with its shape and a key frame of the new picture.
say_check pause
check "the session pauses" wait_for 10 seen '^state paused$'
n=$(frames)
painted=$(painted_count)
lines=$(wc -l <"$out")
signal_fill USR2
repainted() { [ "$(painted_count)" -gt "$painted" ]; }
check "the client repaints while the session is paused" wait_for 10 repainted
# mutter sends the picture as it shows it: well within half a second.
sleep 0.5
check "nothing is posted while paused" test "$(frames)" = "$n"
say_check share
check "sharing again posts a key frame of the current picture" \
	wait_for 10 seen_after "$lines" ' frame [0-9]+ 1280x720 key rects 1 box 0,0\+1280x720 area 921600 in ff00ff:921600 all ff00ff:921600$'
check "... after the size and the pointer with its shape" sh -c \
	"tail -n +$((lines + 1)) '$out' | grep -E ' (size|cursor|frame) ' | head -2 | tr '\n' ' ' |
	 grep -Eq ' size 1280x720 at 0,0 .* cursor [0-9]+,[0-9]+ visible shape 16x16 '"

check "the desktop ends the cast" "$session" end-casts "$instance"
check "the plugin ends sharing with what the person reads" \
	wait_for 10 seen ' error Your desktop stopped sharing the screen \(its own stop button, or the screen changed\), so the session ends\. Start a new session to share again\.$'
exec 7>&-
check "the plugin stops cleanly" wait_for 10 stopped "$CHECK_PID"
wait "$CHECK_PID"
check "... with no leak or error (status 0)" test $? = 0 -a -n "$(sed -n '$s/^end //p' "$out")"
# The bus refuses what comes while not sharing: the plugin offered nothing.
check "the plugin posted no screen content while paused" \
	grep -q '^end refused 0$' "$out"
grep -q '^end ' "$out" || sed 's/^/# /' "$out" "$E2E_TMP/check.err"

# ---- capture/x11 on Xwayland --------------------------------------------------
if [ "$xwayland" = yes ] && [ -x "$KYOYU_BUILDDIR/tests/x11/kyoyu-capture-probe" ]; then
	as_user "$KYOYU_BUILDDIR/tests/x11/kyoyu-capture-probe" -t 1 >"$E2E_TMP/x11" 2>&1
	check "capture/x11 steps aside on mutter's Xwayland, saying why" sh -c \
		"grep -q 'is Xwayland, part of a Wayland desktop' '$E2E_TMP/x11' &&
		 grep -q 'capture/x11: does not apply here' '$E2E_TMP/x11'"
else
	skip "Xwayland is missing (apt-get install xwayland), or capture/x11 is not built"
fi

# ---- nothing to capture --------------------------------------------------------
# A Wayland session with no bus and no X display: the default list
# (pipewire,x11) has nothing to offer, and the synthetic testsrc must not
# stand in for the customer's screen.
env -u DISPLAY -u DBUS_SESSION_BUS_ADDRESS XDG_RUNTIME_DIR="$E2E_TMP/none" \
	WAYLAND_DISPLAY=kyoyu-none "$KYOYU_AGENT" -r sharer -o "ctl.socket=none" -t 5 \
	</dev/null >"$E2E_TMP/none.out" 2>"$E2E_TMP/none.err"
status=$?
check "a Wayland sharer with nothing to capture does not start (status 1)" test "$status" = 1
check "... and says which captures it tried, and that testsrc was not one" \
	grep -q 'no capture plugin applies here (tried: pipewire, x11)' "$E2E_TMP/none.err"

# ---- a whole session ---------------------------------------------------------
check "the operator has a certificate" make_viewer_cert
rec=$E2E_TMP/wayland.webm
check "a recording viewer shows a code" start_viewer viewer \
	-o record.enabled=true -o "record.path=$rec"
mkfifo "$E2E_TMP/sharer.in"
# The sharer as the person at the desktop runs it; no capture.plugin or
# ui.plugin: the defaults on Wayland.  Info lines (the customer's side logs
# warnings only by default) say which capture ran.
as_user "$KYOYU_AGENT" --plugin-path "$E2E_PLUGIN_PATH" -r sharer -o log.level=info \
	-o codec.plugin=vpx -o codec.format=vp9 -o transport.host=127.0.0.1 \
	-o "transport.port=$PORT" -o "transport.pin=$PIN" \
	-o "capture.restore_token=$(as_user "$session" grant "$instance")" -t 120 \
	<"$E2E_TMP/sharer.in" >"$E2E_TMP/sharer.out" 2>"$E2E_TMP/sharer.err" &
SHARER_PID=$!
E2E_PIDS="$E2E_PIDS $SHARER_PID"
exec 9>"$E2E_TMP/sharer.in"
sharer_state() {
	as_user "$KYOYU_AGENT" ctl status --socket "$RUN/kyoyu/sharer.sock" 2>/dev/null |
		grep -q "^state: $1"
}
check "the sharer asks for the code" wait_for 60 said sharer 'Type the 9-digit code'
customer "$CODE"
check "the customer is asked to agree to the recording" \
	wait_for 60 said sharer 'Do you agree?'
customer y
check "the sharer shares" wait_for 30 sharer_state sharing
check "... the Wayland screen, through capture/pipewire (the default on Wayland)" \
	wait_for 10 grep -q 'capture/pipewire.*desktop sends 1280x720' "$E2E_TMP/sharer.err"
check "the operator views the screen" wait_for 30 state_is "$E2E_TMP/viewer.sock" sharing
# A flat picture and one rectangle: a few hundred bytes of VP9.
video_flowed() { [ "$(video_bytes viewer)" -gt 0 ]; }
check "video reaches the viewer" wait_for 30 video_flowed
if [ "$xwayland" = yes ] && [ -f "$KYOYU_BUILDDIR/plugins/kyoyu-ui-x11-overlay.la" ]; then
	badge_mapped() {
		as_user xwininfo -root -tree 2>/dev/null | grep -q '"kyoyu sharing indicator"'
	}
	check "the overlay shows its badge through Xwayland" wait_for 20 badge_mapped
	# A change after the badge came: the frames that follow hold both.
	bytes=$(video_bytes viewer)
	signal_fill USR1
	more_video() { [ "$(video_bytes viewer)" -gt "$bytes" ]; }
	check "... and the change after it reaches the viewer" wait_for 30 more_video
else
	signal_fill USR1
	skip "no Xwayland or no ui/x11-overlay: no badge on the Wayland screen"
fi
check "the desktop ends the cast" "$session" end-casts "$instance"
# A session that ends with an error ends each agent with status 1.
reap "$SHARER_PID"
check "the desktop ending the cast ends the sharer (status 1)" test "$STATUS" = 1
check "the customer reads why" \
	said sharer 'Your desktop stopped sharing the screen (its own stop button'
ended_with_error() {
	grep -q '^kyoyu: session ended (error)' "$E2E_TMP/sharer.out" &&
		grep -q '^kyoyu: session ended (error)' "$E2E_TMP/viewer.out"
}
check "both sides end with reason \"error\"" wait_for 30 ended_with_error
reap "$VIEWER_PID"
check "... and the viewer (status 1)" test "$STATUS" = 1
recorded=$(sed -n 's/.*recorded \([0-9]*\) frames.*/\1/p' "$E2E_TMP/viewer.err")
ffprobe -v error -select_streams v:0 -show_entries frame=key_frame -of csv=p=0 "$rec" \
	2>"$E2E_TMP/probe.err" | sed -n 's/^\([01]\),*$/\1/p' >"$E2E_TMP/frames"
note "recorded $recorded frames; ffprobe reads $(wc -l <"$E2E_TMP/frames")"
check "ffprobe reads every recorded frame of the Wayland screen" \
	test ! -s "$E2E_TMP/probe.err" -a "${recorded:-0}" -gt 0 -a \
	"$(wc -l <"$E2E_TMP/frames")" = "$recorded"
check "the recording starts with a keyframe" test "$(head -1 "$E2E_TMP/frames")" = 1
if [ "$xwayland" = yes ] && [ -f "$KYOYU_BUILDDIR/plugins/kyoyu-ui-x11-overlay.la" ]; then
	# Every picture decoded, the last one kept.
	ffmpeg -v error -i "$rec" -update 1 -y "$E2E_TMP/last.png"
	# shellcheck disable=SC2046 # X Y
	badge_top_right() {
		set -- $(find_colour "$E2E_TMP/last.png" C62828) && [ "$1" -gt 960 ] && [ "$2" -lt 80 ]
	}
	check "the recorded screen shows the red badge at the top right (GNOME, Xwayland)" \
		badge_top_right
	note "badge at $(find_colour "$E2E_TMP/last.png" C62828)"
fi
for f in sharer viewer; do
	said "$f" 'session ended' ||
		note "$f: $(grep -v 'ctl: status' "$E2E_TMP/$f.err" | tail -8 | tr '\n' '|')"
done
tap_done
