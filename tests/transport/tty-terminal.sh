#!/bin/sh
# ui/tty on a real terminal (a pty from script(1)): the customer types the
# code key by key and sees it grouped as 123-456-789, a status line with the
# time left and the keys, pauses, resumes and stops with single keys; and
# the terminal is given back as it was.
. "$KYOYU_SRCDIR/tests/transport/lib.sh"

command -v script >/dev/null 2>&1 || skip_all "script(1) is not installed"
make_cert "$T/cert" || skip_all "--make-cert failed"
check "the viewer starts" start_viewer viewer "$T/cert"
mkfifo "$T/keys"
# shellcheck disable=SC2086
script -q -c "'$KYOYU_AGENT' -r sharer $CODEC_PATH -o ui.plugin=tty -o codec.plugin=$CODEC \
	-o 'ctl.socket=$T/sharer.sock' -o capture.plugin=testsrc -o capture.width=320 \
	-o capture.height=240 -o transport.host=127.0.0.1 -o transport.port=$PORT \
	-o 'transport.pin=$PIN' -t 60 2>'$T/sharer.err'; stty -a" /dev/null \
	<"$T/keys" >"$T/tty.out" &
SCRIPT_PID=$!
PIDS="$PIDS $SCRIPT_PID"
exec 9>"$T/keys"
press() { (printf '%s' "$1" >&9) 2>/dev/null || true; }
check "the customer is asked for the code on the terminal" \
	wait_for 30 grep -q "Code: " "$T/tty.out"
for digit in $(digits_of "$CODE" | sed 's/./& /g'); do
	press "$digit"
	sleep 0.05
done
press "$(printf '\r')"
check "the digits typed show grouped like the operator's code" \
	wait_for 10 grep -q "Code: $CODE" "$T/tty.out"
check "and connect; the customer is asked before anything is shared" \
	wait_for 30 grep -q "Do you agree? Press y for yes or n for no" "$T/tty.out"
press y
check "y shares the screen" wait_for 30 grep -q "Your screen is now shared" "$T/tty.out"
check "a status line shows the time left and the keys" \
	wait_for 10 grep -q "Sharing your screen | [0-9]* min left | p: pause | q: stop" "$T/tty.out"
press p
check "p pauses" wait_for 10 grep -q "Paused: nothing on your screen is sent" "$T/tty.out"
check "the operator sees the pause" wait_for 10 has "$T/viewer.out" "The customer paused sharing"
press r
check "r resumes" wait_for 10 grep -q "Sharing again" "$T/tty.out"
press q
check "q stops sharing" wait_for 20 grep -q "The session has ended: you stopped sharing" "$T/tty.out"
reap "$SCRIPT_PID" 20
check "the terminal is given back with line editing and echo" sh -c \
	'grep -q " icanon" "$0" && grep -q " echo " "$0"' "$T/tty.out"
check "the operator saw the customer leave" \
	wait_for 20 has "$T/viewer.out" "The session has ended: the customer stopped sharing"
exec 9>&-
tap_done
