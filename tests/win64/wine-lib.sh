# SPDX-License-Identifier: MIT
# Shared by the tests/win64 Wine tests: a private Xvfb and Wine's
# environment for the Windows build in $OUT (build/win64).  Sourced after
# tests/tap.sh; wine_test_begin sets OUT and T (a temporary folder of the
# test's own), and wine_cleanup stops what wine_start started.

WINE_XVFB_PID=""

# wine_test_begin NAME [BUILD]: OUT, the Windows build in BUILD
# (build/win64), and T, a folder of the test's own removed at exit with
# what wine_start started; skips the whole test when the build or Wine is
# missing.
wine_test_begin() {
	OUT=$(cd "${2:-$KYOYU_TOP/build/win64}" 2>/dev/null && pwd) ||
		skip_all "no ${2:-build/win64}: run scripts/cross-win64 --tests first"
	[ -f "$OUT/kyoyu-agent.exe" ] ||
		skip_all "no $OUT/kyoyu-agent.exe: run scripts/cross-win64 --tests first"
	command -v wine >/dev/null && command -v Xvfb >/dev/null ||
		skip_all "wine or Xvfb is missing (scripts/deps.sh installs them)"
	T=$(mktemp -d "${TMPDIR:-/tmp}/kyoyu-$1.XXXXXX") || exit 1
	trap 'wine_cleanup; rm -rf "$T"' EXIT
	trap 'exit 1' INT TERM HUP
}

# wine_start: starts Xvfb and sets DISPLAY and Wine's variables: a 64-bit
# prefix of its own in $OUT/wine-prefix (KYOYU_WINEPREFIX), made on the
# first start, without the Mono and Gecko installers' dialogs, which would
# wait for a click nobody gives; of Wine's messages only those about DLLs
# that fail to load.  Programs find the DLLs of $OUT and $OUT/test-dlls
# (cmocka) through WINEPATH.  Fails when Xvfb does not start.
wine_start() {
	# Gone first: the wait below must not read an older Xvfb's number.
	rm -f "$T/display"
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
