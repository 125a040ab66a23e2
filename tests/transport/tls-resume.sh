#!/bin/sh
# SPDX-License-Identifier: MIT
# A dropped TCP link mid-session: the sharer comes back with its session
# token (never the code) within the grace window and the session goes on;
# when it cannot come back in time, both sides end with "link lost".  The
# link runs through kt-netprobe's proxy, which cuts it on SIGUSR1 and
# refuses new connections while "down" (SIGUSR2).
. "$KYOYU_SRCDIR/tests/transport/lib.sh"

make_cert "$T/cert" || skip_all "--make-cert failed"

# proxy NAME: a proxy to the viewer's PORT; PORT becomes the proxy's.
proxy() {
	"$PROBE" proxy "$T/$1.port" 127.0.0.1 "$PORT" 2>"$T/$1.log" &
	PROXY_PID=$!
	PIDS="$PIDS $PROXY_PID"
	wait_for 10 test -s "$T/$1.port" || return 1
	PORT=$(cat "$T/$1.port")
}

check "the viewer starts" start_viewer viewer "$T/cert" -o ui.stats_every_s=1
check "a proxy stands in the link" proxy link
customer_types "$CODE" >"$T/code"
start_sharer sharer "$T/code"
check "the sharer connects through it" wait_for 30 has "$T/viewer.out" "The customer (.*) is connected"
check "video flows" wait_for 20 has "$T/viewer.out" "Link: [1-9][0-9]* kbit/s"

kill -USR1 "$PROXY_PID"
check "the cut is noticed by the operator's side" \
	wait_for 20 has "$T/viewer.out" "The connection was interrupted"
check "and by the customer's side" wait_for 20 has "$T/sharer.out" "The connection was interrupted"
check "the sharer comes back by itself" wait_for 20 has "$T/sharer.out" "The connection is back"
check "the operator sees it back" wait_for 20 has "$T/viewer.out" "The connection is back"
check "it came back with the session token, not the code" sh -c \
	'grep -q "came back: the session goes on" "$0" &&
	 [ $(grep -c "connected with the right code" "$0") -eq 1 ]' "$T/viewer.err"
lines=$(grep -c "Link: [1-9][0-9]* kbit/s" "$T/viewer.out")
check "video flows again after the resume" \
	wait_for 20 sh -c '[ $(grep -c "Link: [1-9][0-9]* kbit/s" "$0") -gt $1 ]' "$T/viewer.out" "$lines"
check "the session itself never ended" sh -c '! grep -q "has ended" "$0" "$1"' \
	"$T/viewer.out" "$T/sharer.out"
key e
reap "$SHARER_PID"
check "the session still ends normally" sh -c '[ $0 = 0 ] && grep -q "session ended (ended by operator)" "$1"' \
	"$STATUS" "$T/sharer.out"
reap "$VIEWER_PID"
kill "$PROXY_PID"

# Beyond the grace window: both sides give up with the same reason.
check "a viewer with a 3 s grace window" start_viewer short "$T/cert" -o transport.grace_s=3
check "another proxy" proxy short
customer_types "$CODE" >"$T/code"
start_sharer gone "$T/code"
check "the sharer connects" wait_for 30 has "$T/short.out" "The customer (.*) is connected"
kill -USR2 "$PROXY_PID"
kill -USR1 "$PROXY_PID"
reap "$SHARER_PID" 30
check "the sharer gives up after the grace window" sh -c \
	'grep -q "The session has ended: the connection was lost" "$0" &&
	 grep -q "session ended (link lost)" "$0"' "$T/gone.out"
reap "$VIEWER_PID" 30
check "and so does the viewer, with the same reason" sh -c \
	'[ $0 = 0 ] && grep -q "session ended (link lost)" "$1"' "$STATUS" "$T/short.out"
tap_done
