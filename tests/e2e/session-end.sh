# SPDX-License-Identifier: MIT
# Leaving and ending, end to end: real sharer (capture/x11, ui/tty, the
# overlay) and viewer agents over TLS 1.3 with VP9.  The customer leaves
# with the q key or `kyoyu-agent ctl leave`; the operator ends with
# `kyoyu-agent ctl end` or Escape and Enter in the ui/sdl window.  Each time both
# processes exit 0 with the same reason, and leave no process, no control
# socket, no listening or connected TCP socket and no overlay window.
. "$KYOYU_SRCDIR/tests/e2e/session-lib.sh"

require_plugins capture-x11 ui-x11-overlay ui-sdl
require_tools Xvfb xdotool xwininfo ss pgrep
new_display 1280 720 || skip_all "cannot start Xvfb"
SHARER_DISPLAY=$DISPLAY
new_display 1024 768 || skip_all "cannot start a second Xvfb"
VIEWER_DISPLAY=$DISPLAY

check "the operator has a certificate" make_viewer_cert

# connect NAME VIEWER_START [OPTION...]: a viewer NAME (started with
# VIEWER_START: start_viewer or start_window_viewer) and its sharer
# NAME-sharer, sharing.
connect() {
	cname=$1 how=$2
	shift 2
	DISPLAY=$VIEWER_DISPLAY $how "$cname" "$@" || return 1
	DISPLAY=$SHARER_DISPLAY start_sharer "$cname-sharer" "$PORT"
	wait_for 60 said "$cname-sharer" 'Type the 9-digit code' || return 1
	customer "$CODE"
	allow "$cname-sharer" || return 1
	wait_for 60 state_is "$E2E_TMP/$cname-sharer.sock" sharing &&
		wait_for 30 state_is "$E2E_TMP/$cname.sock" sharing &&
		wait_for 30 video_flows "$cname"
}
video_flows() { [ "$(video_bytes "$1")" -gt 0 ]; }

# no_agent_left NAME: no process runs with the control socket of session
# NAME on its command line.
no_agent_left() { ! pgrep -f -- "ctl.socket=$E2E_TMP/$1" >/dev/null; }

# no_socket_on PORT: no kyoyu process owns a TCP socket on PORT; the
# kernel's own closing connections (TIME-WAIT) belong to no process, and
# another test's connection may have PORT as its ephemeral port (CI saw it).
no_socket_on() {
	! ss -Htanp "( sport = :$1 or dport = :$1 )" | grep -q 'users:(("\(lt-\)\?kyoyu'
}

# ended_cleanly NAME REASON SHARER_WORDS VIEWER_WORDS: both agents of
# session NAME exit 0, saying REASON (and the words each person reads),
# and nothing of them is left behind.
ended_cleanly() {
	reap "$SHARER_PID"
	check "$1: the sharer exits with status 0" test "$STATUS" = 0
	[ "$STATUS" = 0 ] ||
		note "sharer (status $STATUS): $(grep -v "ctl: status" "$E2E_TMP/$1-sharer.err" | tail -8 | tr '\n' '|')"
	reap "$VIEWER_PID"
	check "$1: the viewer exits with status 0" test "$STATUS" = 0
	[ "$STATUS" = 0 ] ||
		note "viewer (status $STATUS): $(grep -v "ctl: status" "$E2E_TMP/$1.err" | tail -8 | tr '\n' '|')"
	check "$1: both end with the reason \"$2\"" sh -c \
		"grep -q '^kyoyu: session ended ($2)' '$E2E_TMP/$1-sharer.out' &&
		 grep -q '^kyoyu: session ended ($2)' '$E2E_TMP/$1.out'"
	check "$1: the customer reads \"$3\", the operator \"$4\"" sh -c \
		"grep -q 'The session has ended: $3' '$E2E_TMP/$1-sharer.out' &&
		 grep -q 'The session has ended: $4' '$E2E_TMP/$1.out'"
	check "$1: no agent process is left" no_agent_left "$1"
	check "$1: both control sockets are removed" \
		test ! -e "$E2E_TMP/$1.sock" -a ! -e "$E2E_TMP/$1-sharer.sock"
	check "$1: no process holds a socket on the viewer's port (listening or connected)" \
		no_socket_on "$PORT"
	check "$1: nothing of kyoyu is left on the customer's screen" \
		sh -c "! DISPLAY=$SHARER_DISPLAY xwininfo -root -tree | grep -q '\"kyoyu'"
}

check "q: a session" connect q start_viewer
check "q: the agents start no other process" \
	test -z "$(pgrep -P "$SHARER_PID")$(pgrep -P "$VIEWER_PID")"
# The checks of what is left find the agents and their sockets while they run.
found_running() { ! no_agent_left "$1" && ! no_socket_on "$PORT"; }
check "q: while it runs, the agents and their sockets on the port are found" found_running q
customer q
ended_cleanly q left "you stopped sharing" "the customer stopped sharing"

check "ctl leave: a session" connect leave start_viewer
check "ctl leave answers that the session ended (left)" sh -c \
	"'$KYOYU_AGENT' ctl leave --socket '$E2E_TMP/leave-sharer.sock' | grep -qx 'session ended (left)'"
ended_cleanly leave left "you stopped sharing" "the customer stopped sharing"

check "ctl end: a session" connect end start_viewer
check "ctl end answers that the session ended (ended by operator)" sh -c \
	"'$KYOYU_AGENT' ctl end --socket '$E2E_TMP/end.sock' | grep -qx 'session ended (ended by operator)'"
ended_cleanly end "ended by operator" "the support person ended it" "you ended it"

check "Escape: a session with the viewer's window" connect escape start_window_viewer
wid=$(window)
# Under a loaded parallel make check a synthetic Escape was lost now and
# then (the viewer logged nothing of it; xdotool's focus had not taken):
# press again, as a person would, and say so.
for press in 1 2 3; do
	DISPLAY=$VIEWER_DISPLAY xdotool windowfocus --sync "$wid" 2>/dev/null
	DISPLAY=$VIEWER_DISPLAY xdotool key --window "$wid" Escape
	# Escape asks; Enter answers.
	sleep 0.3
	DISPLAY=$VIEWER_DISPLAY xdotool key --window "$wid" Return
	wait_for 10 stopped "$VIEWER_PID" && break
	note "Escape press $press did not end the viewer (window ${wid:-not found}); again"
done
ended_cleanly escape "ended by operator" "the support person ended it" "you ended it"
check "Escape: the window is closed" test -z "$(window)"
tap_done
