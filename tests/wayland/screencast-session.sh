#!/bin/sh
# SPDX-License-Identifier: MIT
# The headless Wayland session delivers a real screen cast through the
# portal: known pixels arrive, a still screen sends nothing, a small change
# arrives alone, the pointer comes as metadata, and the desktop ending the
# cast reaches the client.  Proves scripts/wayland-session before the
# capture/pipewire plugin is tested on it.  Prints TAP.
#
# A diagnosis for when tests/wayland/capture-pipewire.sh fails: is it the
# desktop or kyoyu?  Not part of make check (it starts a desktop of its own).
#
#   tests/wayland/screencast-session.sh [BUILDDIR]   (default $KYOYU_BUILDDIR,
#                                        else build/check)
srcdir=$(cd "$(dirname "$0")/../.." && pwd)
. "$srcdir/tests/tap.sh"
helpers=$(cd "${1:-${KYOYU_BUILDDIR:-build/check}}/tests/wayland" 2>/dev/null && pwd) ||
	skip_all "no helpers: build them (make check, or make tests/wayland/kyoyu-screencast-probe tests/wayland/kyoyu-wl-fill tests/wayland/kyoyu-mutter-pointer)"
[ -x "$helpers/kyoyu-screencast-probe" ] || skip_all "no $helpers/kyoyu-screencast-probe"
session=$srcdir/scripts/wayland-session
instance=check-$$
out=$(mktemp -d)
chmod 755 "$out"
fill_pid=

cleanup() {
	[ -n "$fill_pid" ] && kill "$fill_pid" 2>/dev/null
	"$session" stop "$instance"
	rm -rf "$out"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

if ! "$session" start "$instance" >"$out/env" 2>"$out/start.log"; then
	cat "$out/start.log" >&2
	skip_all "the headless Wayland session did not start (see above)"
fi
ok "the session starts ($(sed -n 's/.*ready in //p' "$out/start.log"))"

probe() {
	token=$("$session" grant "$instance") || return 1
	"$session" run "$instance" "$helpers/kyoyu-screencast-probe" -r "$token" "$@"
}

# The fill client runs as the session's user, so the probe's -x commands
# (also that user) may signal it.
"$session" run "$instance" "$helpers/kyoyu-wl-fill" ff00ff 10,20,30,40,00ff00 \
	>"$out/fill" 2>&1 &
check "a Wayland client paints the screen" wait_for 10 grep -q '^ready' "$out/fill"
fill_pid=$(sed -n 's/^ready .* pid //p' "$out/fill")

probe -e ff00ff -s 2 -x "kill -USR1 $fill_pid" -w 1 >"$out/p1" 2>&1
note "$(grep -E '^(portal|format|summary)' "$out/p1" | tr '\n' ';')"
check "every pixel of the first picture is the client's" grep -q '^match:' "$out/p1"
check "a still screen sends no buffer in 2 s" grep -q '^still: 0 buffers' "$out/p1"
check "a 30x40 rectangle arrives as exactly its 1200 pixels" \
	grep -q '1200 px differ from ff00ff (first 00ff00) in 10,20+30x40' "$out/p1"
check "buffers are shared memory" grep -q 'MemFd' "$out/p1"

kill -USR2 "$fill_pid"
probe -e ff00ff -x "$helpers/kyoyu-mutter-pointer 40,30 5,5" -w 1 >"$out/p2" 2>&1
check "the pointer arrives as cursor metadata with its shape" \
	grep -Eq '^buffer .* cursor [0-9]+,[0-9]+ \+shape' "$out/p2"
check "a pointer move alone sends a buffer without a picture" \
	grep -q '^buffer .* no picture' "$out/p2"

probe -e ff00ff -x "$session end-casts $instance" -w 1 -W -t 5 >"$out/p3" 2>&1
check "the desktop ending the cast closes the portal session" \
	grep -q '^portal: Session.Closed' "$out/p3"
check "... and pauses the PipeWire stream" grep -q 'stream state .*: paused' "$out/p3"

for f in p1 p2 p3; do
	grep -q '^result: ok' "$out/$f" || { note "$f:"; sed 's/^/# /' "$out/$f"; }
done
tap_done
