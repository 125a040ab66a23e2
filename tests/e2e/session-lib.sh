# SPDX-License-Identifier: MIT
# Shared by the tests/e2e/session-*.sh tests: a real viewer and a real
# sharer over TLS 1.3 on loopback, with a real codec, each person's screen a
# private Xvfb, the code read from the viewer's terminal and typed into the
# sharer's.  Sourced after nothing else; it sources tests/e2e/lib.sh (TAP,
# Xvfb, clean-up).
. "$KYOYU_SRCDIR/tests/e2e/lib.sh"

E2E_BIN="$KYOYU_BUILDDIR/tests/e2e"

# require_plugins KIND-NAME...: the whole test is skipped without them.
require_plugins() {
	for p in "$@"; do
		[ -f "$KYOYU_BUILDDIR/plugins/kyoyu-$p.la" ] || skip_all "plugins/$p is not built"
	done
}
# require_tools TOOL...: the whole test is skipped without them.
require_tools() {
	for tool in "$@"; do
		command -v "$tool" >/dev/null ||
			skip_all "$tool is missing (Xvfb: xvfb; xdotool; xwd, xwininfo: x11-apps, x11-utils; convert, import: imagemagick; ffmpeg, ffprobe: ffmpeg)"
	done
}
# The agents' own codec: real VP9 (codec/vpx), never the test fake.
require_plugins codec-vpx transport-tls policy-default ui-tty

# new_display WIDTH HEIGHT: a private Xvfb; sets DISPLAY to it.
new_display() {
	rm -f "$E2E_TMP/display"
	start_xvfb "$1" "$2"
}

# make_viewer_cert: the operator's certificate from --make-cert; sets PIN.
make_viewer_cert() {
	"$KYOYU_AGENT" --make-cert "$E2E_TMP/cert" >"$E2E_TMP/cert.out" 2>&1 || return 1
	PIN=$(grep -o 'sha256//[A-Za-z0-9+/=]*' "$E2E_TMP/cert.out")
	[ -n "$PIN" ]
}

# start_viewer NAME [OPTION...]: the operator's agent listening on
# 127.0.0.1 and a free port, its terminal input a FIFO on descriptor 8
# (`operator TEXT` types into it), its control socket $E2E_TMP/NAME.sock.
# Sets VIEWER_PID, and PORT and CODE once it printed its code.
start_viewer() {
	vname=$1
	shift
	rm -f "$E2E_TMP/$vname.in"
	mkfifo "$E2E_TMP/$vname.in"
	"$KYOYU_AGENT" -r viewer -o ui.plugin=tty -o "ctl.socket=$E2E_TMP/$vname.sock" \
		-o codec.plugin=vpx -o transport.listen=127.0.0.1 -o transport.port=0 \
		-o "transport.cert=$E2E_TMP/cert/viewer-cert.pem" \
		-o "transport.key=$E2E_TMP/cert/viewer-key.pem" -t 300 "$@" \
		<"$E2E_TMP/$vname.in" >"$E2E_TMP/$vname.out" 2>"$E2E_TMP/$vname.err" &
	VIEWER_PID=$!
	E2E_PIDS="$E2E_PIDS $VIEWER_PID"
	exec 8>"$E2E_TMP/$vname.in"
	wait_for 60 grep -q 'Read this code' "$E2E_TMP/$vname.out" || return 1
	PORT=$(grep -o 'on 127.0.0.1:[0-9]*' "$E2E_TMP/$vname.err" | head -1 | cut -d: -f2)
	CODE=$(grep -o '[0-9]\{3\}-[0-9]\{3\}-[0-9]\{3\}' "$E2E_TMP/$vname.out" | tail -1)
	[ -n "$PORT" ] && [ -n "$CODE" ]
}
# start_console NAME [OPTION...]: the operator's console: a viewer with its
# window (ui/sdl) and ui/tty for the code, with no time limit, so it stays
# up across sessions.  Sets VIEWER_PID, PORT and the first CODE.
start_console() {
	cname=$1
	shift
	rm -f "$E2E_TMP/$cname.in"
	mkfifo "$E2E_TMP/$cname.in"
	ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 SDL_RENDER_DRIVER=software \
		"$KYOYU_AGENT" -r viewer -o ui.plugin=sdl,tty -o "ctl.socket=$E2E_TMP/$cname.sock" \
		-o codec.plugin=vpx -o transport.listen=127.0.0.1 -o transport.port=0 \
		-o "transport.cert=$E2E_TMP/cert/viewer-cert.pem" \
		-o "transport.key=$E2E_TMP/cert/viewer-key.pem" "$@" \
		<"$E2E_TMP/$cname.in" >"$E2E_TMP/$cname.out" 2>"$E2E_TMP/$cname.err" &
	VIEWER_PID=$!
	E2E_PIDS="$E2E_PIDS $VIEWER_PID"
	exec 8>"$E2E_TMP/$cname.in"
	wait_for 60 grep -q '[0-9]\{3\}-[0-9]\{3\}-[0-9]\{3\}' "$E2E_TMP/$cname.out" || return 1
	PORT=$(grep -o 'on 127.0.0.1:[0-9]*' "$E2E_TMP/$cname.err" | head -1 | cut -d: -f2)
	[ -n "$PORT" ]
}
# start_window_viewer NAME [OPTION...]: a viewer with its window (ui/sdl,
# and ui/tty for the code) on DISPLAY.  SDL loads and unloads its X11 and
# D-Bus libraries itself, leaks that cannot be attributed or suppressed: the
# window's process runs without leak checks, as in ui-sdl.sh.
start_window_viewer() {
	vwname=$1
	shift
	ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 SDL_RENDER_DRIVER=software \
		start_viewer "$vwname" -o ui.plugin=sdl,tty "$@"
}

# start_meter: tls-meter between the sharer and the viewer on PORT, every
# TLS record noted in $E2E_TMP/meter.log; sets METER_PORT.
start_meter() {
	"$E2E_BIN/tls-meter" "$E2E_TMP/meter.port" 127.0.0.1 "$PORT" "$E2E_TMP/meter.log" &
	METER_PID=$!
	E2E_PIDS="$E2E_PIDS $METER_PID"
	MARKS=0
	wait_for 20 test -s "$E2E_TMP/meter.port" || return 1
	METER_PORT=$(cat "$E2E_TMP/meter.port")
}
# meter_mark: cuts the meter's log here; returns once the mark is written.
meter_mark() {
	MARKS=$((MARKS + 1))
	kill -USR1 "$METER_PID"
	wait_for 20 grep -q " mark $MARKS\$" "$E2E_TMP/meter.log"
}

# start_sharer NAME TO_PORT [OPTION...]: the customer's agent connecting to
# 127.0.0.1:TO_PORT with PIN, sharing the X screen of DISPLAY (capture/x11)
# with ui/tty and the overlay; its terminal input a FIFO on descriptor 9
# (`customer TEXT`), its control socket $E2E_TMP/NAME.sock; it logs at info
# level (a sharer's default is warnings).  Sets SHARER_PID.
start_sharer() {
	sname=$1 sport=$2
	shift 2
	rm -f "$E2E_TMP/$sname.in"
	mkfifo "$E2E_TMP/$sname.in"
	"$KYOYU_AGENT" -r sharer -o ui.plugin=tty,x11-overlay -o "ctl.socket=$E2E_TMP/$sname.sock" \
		-o log.level=info \
		-o codec.plugin=vpx -o codec.format=vp9 -o capture.plugin=x11 \
		-o transport.host=127.0.0.1 -o "transport.port=$sport" -o "transport.pin=$PIN" \
		-t 300 "$@" \
		<"$E2E_TMP/$sname.in" >"$E2E_TMP/$sname.out" 2>"$E2E_TMP/$sname.err" &
	SHARER_PID=$!
	E2E_PIDS="$E2E_PIDS $SHARER_PID"
	exec 9>"$E2E_TMP/$sname.in"
}

# What each person types; harmless once their agent has gone.
operator() { (echo "$1" >&8) 2>/dev/null || true; }
customer() { (echo "$1" >&9) 2>/dev/null || true; }

# allow NAME: the customer at sharer NAME is asked before anything is
# shared, and says yes.
allow() {
	# "Do you agree? Press y..." when the viewer records, "Allow? Press
	# y..." when it does not.
	wait_for 60 said "$1" 'Press y for yes or n for no' || return 1
	customer y
}

# said NAME TEXT: the agent NAME printed TEXT (a grep pattern) on its terminal.
said() { grep -q -- "$2" "$E2E_TMP/$1.out"; }

# video_bytes NAME: the video bytes the agent NAME's transport has sent or
# received so far, from `kyoyu-agent ctl status`.
video_bytes() {
	"$KYOYU_AGENT" ctl status --socket "$E2E_TMP/$1.sock" 2>/dev/null |
		sed -n 's/^video: \([0-9]*\) bytes.*/\1/p'
}
# video_steady NAME: the count has not moved for the 2 s the transport's
# once-a-second statistics need to catch up; prints it.
video_steady() {
	vs1=$(video_bytes "$1")
	sleep 2
	vs2=$(video_bytes "$1")
	[ -n "$vs1" ] && [ "$vs1" = "$vs2" ] && echo "$vs2"
}

# reap PID [SECONDS]: waits (at most SECONDS, default 30) for PID to exit;
# sets STATUS to its exit status, or 124 when it did not exit in time.
reap() {
	if wait_for "${2:-30}" stopped "$1"; then
		wait "$1"
		STATUS=$?
	else
		STATUS=124
	fi
}

# fill RRGGBB X Y W H...: paints the customer's screen (SHARER_DISPLAY).
fill() { DISPLAY=$SHARER_DISPLAY "$E2E_BIN/x11-fill" "$@"; }

# window: the viewer window's X id on VIEWER_DISPLAY.
window() { DISPLAY=$VIEWER_DISPLAY viewer_window "$VIEWER_PID"; }
# window_shot FILE: a screenshot of the viewer window.
window_shot() { DISPLAY=$VIEWER_DISPLAY xwd -silent -id "$(window)" | convert xwd:- "$1"; }
# find_colour FILE RRGGBB: prints "X Y" of the centre of the pixels of that
# colour in the picture (fails when there are none).
find_colour() {
	fc=$(convert "$1" -fuzz 12% -fill black +opaque "#$2" -trim \
		-format '%w %h %X %Y' info: 2>/dev/null) || return 1
	set -- $fc
	[ "$1" -gt 1 ] && [ "$2" -gt 1 ] || return 1
	echo "$(($3 + $1 / 2)) $(($4 + $2 / 2))"
}
