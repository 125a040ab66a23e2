#!/bin/sh
# SPDX-License-Identifier: MIT
# The cross-built Windows dependencies, checked under Wine: builds
# tests/win64/deps-smoke.c against the prefix of scripts/cross-win64-deps,
# lays it out with the DLLs in one folder (as the installer will) and runs it
# under Wine on a private Xvfb, twice: the first run pays for Wine's prefix
# when it is new, the second shows a warm start.  Prints TAP.
#
# Usage: tests/win64/deps-wine.sh [PREFIX]
# PREFIX defaults to the one scripts/cross-win64-deps builds or finds in its
# cache; the Wine prefix is $KYOYU_WINEPREFIX, by default wine-prefix in the
# same cache (outside the clone, reused between runs).
set -u
KYOYU_TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$KYOYU_TOP/tests/tap.sh"
. "$KYOYU_TOP/scripts/cross-win64-deps"

T=$(mktemp -d "${TMPDIR:-/tmp}/kyoyu-deps-wine.XXXXXX") || exit 1
XVFB_PID=""
cleanup() {
	[ -n "${WINEPREFIX:-}" ] && wineserver -k 2>/dev/null
	[ -n "$XVFB_PID" ] && kill "$XVFB_PID" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

if [ $# -ge 1 ]; then
	KYOYU_WIN64_PREFIX=$1
else
	kyoyu_win64_deps >"$T/deps.log" 2>&1 || {
		sed 's/^/# /' "$T/deps.log"
		echo "not ok 1 - scripts/cross-win64-deps builds the dependencies"
		echo "1..1"
		exit 1
	}
fi
P=$KYOYU_WIN64_PREFIX
CACHE=$(dirname "$P")
note "dependencies: $P"

. "$KYOYU_TOP/scripts/deps.sh"
kyoyu_install wine wine64 xvfb >/dev/null || skip_all "wine or Xvfb cannot be installed"

# Every DLL beside the program, as in the installed folder.
mkdir -p "$T/app"
cp "$P"/bin/*.dll "$T/app/"
libs=$(PKG_CONFIG_LIBDIR=$P/lib/pkgconfig PKG_CONFIG_PATH='' pkg-config --static --libs \
	libssl libcrypto vpx x264 libconfig)
# shellcheck disable=SC2086
check "deps-smoke.exe builds against $P" \
	$KYOYU_WIN64_CC -O2 -Wall -Wextra -Werror -I"$P/include" \
	"$KYOYU_TOP/tests/win64/deps-smoke.c" -o "$T/app/deps-smoke.exe" \
	-L"$P/lib" $libs -lltdl -lyuv
# libvpx's threads bring libwinpthread-1.dll, as kyoyu's own will.
check "the folder holds every DLL deps-smoke.exe needs" kyoyu_win64_runtime_dlls "$T/app"

Xvfb -displayfd 3 -screen 0 640x480x24 -nolisten tcp 3>"$T/display" 2>"$T/xvfb.log" &
XVFB_PID=$!
wait_for 20 test -s "$T/display" || skip_all "Xvfb did not start: $(cat "$T/xvfb.log")"
DISPLAY=:$(cat "$T/display")
# A 64-bit prefix without the Mono and Gecko installers' dialogs, which
# would wait for a click nobody gives; of Wine's messages only those about
# DLLs that fail to load.
WINEPREFIX=${KYOYU_WINEPREFIX:-$CACHE/wine-prefix}
WINEARCH=win64 WINEDEBUG=-all,err+module WINEDLLOVERRIDES="mscoree,mshtml="
export DISPLAY WINEPREFIX WINEARCH WINEDEBUG WINEDLLOVERRIDES

# The first run creates the Wine prefix when there is none (wineboot).
prefix_state=warm
[ -d "$WINEPREFIX/drive_c" ] || prefix_state=fresh

# run_smoke NAME: runs the program once; its output in $T/NAME.out.
run_smoke() {
	state=$prefix_state
	prefix_state=warm
	start=$(date +%s.%N)
	(cd "$T/app" && timeout 300 wine deps-smoke.exe) >"$T/$1.crlf" 2>"$T/$1.err"
	status=$?
	tr -d '\r' <"$T/$1.crlf" >"$T/$1.out"
	seconds=$(awk "BEGIN { printf \"%.1f\", $(date +%s.%N) - $start }")
	note "$1 run, $state Wine prefix $WINEPREFIX: exit $status in $seconds s"
	sed 's/^/#   /' "$T/$1.out"
	[ "$status" -eq 0 ] || sed 's/^/#   stderr: /' "$T/$1.err"
	return "$status"
}

check "deps-smoke.exe runs under Wine and every library answers right" run_smoke first
check "OpenSSL: version, SHA-256 and RAND_bytes" grep -q '^openssl: OpenSSL 3.*work$' "$T/first.out"
check "libvpx: a VP9 frame comes out" grep -q '^libvpx: v1.*bytes$' "$T/first.out"
check "x264: an H.264 frame comes out" grep -q '^x264: build .*bytes$' "$T/first.out"
check "libconfig parses a group" grep -q '^libconfig: .*right$' "$T/first.out"
check "libltdl opens a DLL and finds a symbol" grep -q '^libltdl: .*work$' "$T/first.out"
check "libyuv converts ARGB to I420" grep -q '^libyuv: .*right)$' "$T/first.out"
check "a second run in the warm Wine prefix works" run_smoke second
tap_done
