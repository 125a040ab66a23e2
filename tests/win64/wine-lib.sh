# SPDX-License-Identifier: MIT
# Shared by the tests/win64 Wine tests: a private Xvfb and Wine's
# environment for the Windows build in $OUT (build/win64).  Sourced after
# tests/tap.sh with OUT and T (a temporary folder of the test's own) set;
# wine_cleanup stops what wine_start started.

WINE_XVFB_PID=""

# wine_start: starts Xvfb and sets DISPLAY and Wine's variables: a 64-bit
# prefix of its own in $OUT/wine-prefix (KYOYU_WINEPREFIX), made on the
# first start, without the Mono and Gecko installers' dialogs, which would
# wait for a click nobody gives; of Wine's messages only those about DLLs
# that fail to load.  Programs find the DLLs of $OUT and $OUT/test-dlls
# (cmocka) through WINEPATH.  Fails when Xvfb does not start.
wine_start() {
	Xvfb -displayfd 3 -screen 0 640x480x24 -nolisten tcp 3>"$T/display" 2>"$T/xvfb.log" &
	WINE_XVFB_PID=$!
	wait_for 20 test -s "$T/display" || return 1
	DISPLAY=:$(cat "$T/display")
	WINEPREFIX=${KYOYU_WINEPREFIX:-$OUT/wine-prefix}
	WINEARCH=win64 WINEDEBUG=-all,err+module WINEDLLOVERRIDES="mscoree,mshtml="
	WINEPATH="$(winepath -w "$OUT" 2>/dev/null);$(winepath -w "$OUT/test-dlls" 2>/dev/null)"
	CMOCKA_MESSAGE_OUTPUT=TAP
	export DISPLAY WINEPREFIX WINEARCH WINEDEBUG WINEDLLOVERRIDES WINEPATH \
		CMOCKA_MESSAGE_OUTPUT
}

wine_cleanup() {
	[ -n "${WINEPREFIX:-}" ] && wineserver -k 2>/dev/null
	[ -n "$WINE_XVFB_PID" ] && kill "$WINE_XVFB_PID" 2>/dev/null
	return 0
}

# crlf_to_lf FILE...: Windows' line ends off, in place.
crlf_to_lf() {
	for f in "$@"; do
		[ -f "$f" ] && tr -d '\r' <"$f" >"$f.lf" && mv "$f.lf" "$f"
	done
	return 0
}

# seconds_since START: the seconds (one decimal) since START (date +%s.%N).
seconds_since() {
	awk "BEGIN { printf \"%.1f\", $(date +%s.%N) - $1 }"
}
