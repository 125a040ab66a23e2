# SPDX-License-Identifier: MIT
# Shared by the tests/transport shell tests: TAP, a private folder, a viewer
# certificate, real viewer and sharer agents on loopback, and clean-up.
# Sourced with KYOYU_AGENT, KYOYU_BUILDDIR and KYOYU_SRCDIR set by the harness.

: "${KYOYU_AGENT:?run from make check}" "${KYOYU_BUILDDIR:?}" "${KYOYU_SRCDIR:?}"
. "$KYOYU_SRCDIR/tests/tap.sh"
T=$(mktemp -d /tmp/kyoyu-tls.XXXXXX)
PROBE="$KYOYU_BUILDDIR/tests/transport/kt-netprobe"
PIDS=""

cleanup() {
	for pid in $PIDS; do
		kill "$pid" 2>/dev/null
	done
	for pid in $PIDS; do
		wait "$pid" 2>/dev/null
	done
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

has() { grep -q -- "$2" "$1"; }
count() { grep -c -- "$2" "$1" 2>/dev/null || true; }

# The codec both agents use: real VP9 when codec/vpx is built, else the
# pass-through fake from tests/plugins; none: the whole test is skipped.
CODEC_PATH=""
if [ -f "$KYOYU_BUILDDIR/plugins/kyoyu-codec-vpx.la" ]; then
	CODEC=vpx
elif [ -f "$KYOYU_BUILDDIR/tests/plugins/kyoyu-codec-fake.la" ]; then
	CODEC=fake
	CODEC_PATH="--plugin-path $KYOYU_BUILDDIR/tests/plugins"
else
	skip_all "no codec plugin is built"
fi

# make_cert DIR: a viewer certificate with --make-cert; sets PIN.
make_cert() {
	"$KYOYU_AGENT" --make-cert "$1" >"$1.out" 2>&1 || return 1
	PIN=$(grep -o 'sha256//[A-Za-z0-9+/=]*' "$1.out")
	[ -n "$PIN" ]
}

# start_viewer NAME CERTDIR [OPTION...]: a viewer on 127.0.0.1 (or the
# transport.listen among the OPTIONs) and a free port, its terminal input a FIFO on descriptor 8 (write keys to it with
# `key`).  Sets PORT and CODE once it listens and printed its code.
start_viewer() {
	name=$1 certdir=$2
	shift 2
	mkfifo "$T/$name.in"
	# shellcheck disable=SC2086
	"$KYOYU_AGENT" -r viewer $CODEC_PATH -o ui.plugin=tty -o "ctl.socket=$T/$name.sock" \
		-o codec.plugin=$CODEC -o transport.listen=127.0.0.1 -o transport.port=0 \
		-o "transport.cert=$certdir/viewer-cert.pem" \
		-o "transport.key=$certdir/viewer-key.pem" -t 120 "$@" \
		<"$T/$name.in" >"$T/$name.out" 2>"$T/$name.err" &
	VIEWER_PID=$!
	PIDS="$PIDS $VIEWER_PID"
	exec 8>"$T/$name.in"
	wait_for 30 has "$T/$name.out" 'Read this code' || return 1
	# "waiting for the customer on 127.0.0.1:PORT" (or ::1:PORT)
	PORT=$(grep -o 'waiting for the customer on .*:[0-9]*' "$T/$name.err" | head -1 |
		sed 's/.*://')
	CODE=$(grep -o '[0-9]\{3\}-[0-9]\{3\}-[0-9]\{3\}' "$T/$name.out" | tail -1)
	[ -n "$PORT" ] && [ -n "$CODE" ]
}
# key TEXT: what the operator types; harmless once the viewer has gone.
key() { (echo "$1" >&8) 2>/dev/null || true; }

# customer_types CODE: what the customer types at the sharer's terminal, as
# a file for start_sharer: the code, then "y" to the question asked before
# anything is shared (ui/tty keeps an answer typed ahead for its question).
customer_types() { printf '%s\ny\n' "$1"; }

# start_sharer NAME INPUT [OPTION...]: a sharer of a small synthetic desktop
# connecting to PORT with PIN; INPUT is what the customer types (a file or
# a FIFO).  It logs at info level (a sharer's default is warnings): tests
# read what it logs.  Sets SHARER_PID.
start_sharer() {
	name=$1 input=$2
	shift 2
	# shellcheck disable=SC2086
	"$KYOYU_AGENT" -r sharer $CODEC_PATH -o ui.plugin=tty -o "ctl.socket=$T/$name.sock" \
		-o log.level=info \
		-o codec.plugin=$CODEC -o capture.plugin=testsrc -o capture.width=320 \
		-o capture.height=240 -o capture.fps=15 -o transport.host=127.0.0.1 \
		-o "transport.port=$PORT" -o "transport.pin=$PIN" -t 120 "$@" \
		<"$input" >"$T/$name.out" 2>"$T/$name.err" &
	SHARER_PID=$!
	PIDS="$PIDS $SHARER_PID"
}

# finished PID: true once the process has exited (reaped or not).
finished() { ! kill -0 "$1" 2>/dev/null; }

# reap PID [SECONDS]: waits (at most SECONDS, default 20) for PID to exit;
# sets STATUS to its exit status, or 124 when it did not exit in time.
reap() {
	if wait_for "${2:-20}" finished "$1"; then
		wait "$1"
		STATUS=$?
	else
		STATUS=124
	fi
}

# A HELLO frame (docs/protocol.md) offering VP9 with the 9-digit code $1,
# written as printf escapes.
hello_frame() {
	digits=$1
	# length 30, type 1, "KYOY", 1.0, auth 1, one codec (VP9: its FourCC's
	# characters in order, "VP90"), code, clock 0, no name
	printf '\000\000\000\036\001KYOY\001\000\001\001VP90%s\000\000\000\000\000\000\000\000\000' \
		"$digits"
}

# The secret digits of a printed code.
digits_of() { echo "$1" | tr -d -; }

# slow_uplink_session: a viewer, a 600 kbit/s uplink in front of it
# (kt-netprobe's throttling proxy, its log in $T/proxy.log) and a sharer
# whose large, always-changing screen is asked of the encoder at ten times
# the link: video is always on its way to the viewer.  Checks each step and
# returns once the link has been full for 3 s.
slow_uplink_session() {
	check "the viewer starts" start_viewer viewer "$T/cert" -o ui.stats_every_s=1
	"$PROBE" proxy "$T/proxy.port" 127.0.0.1 "$PORT" 600 2>"$T/proxy.log" &
	PIDS="$PIDS $!"
	check "a 600 kbit/s uplink stands in the link" wait_for 10 test -s "$T/proxy.port"
	PORT=$(cat "$T/proxy.port")
	customer_types "$CODE" >"$T/code"
	start_sharer sharer "$T/code" -o capture.pattern=full -o capture.width=1280 \
		-o capture.height=720 -o codec.bitrate_kbps=6000
	check "the sharer connects through it" \
		wait_for 30 has "$T/viewer.out" "The customer (.*) is connected"
	check "video fills the link" wait_for 20 has "$T/sharer.err" "the link is not keeping up"
	sleep 3
}
