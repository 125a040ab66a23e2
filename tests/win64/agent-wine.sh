#!/bin/sh
# SPDX-License-Identifier: MIT
# kyoyu's Windows build, checked under Wine: the agent that
# scripts/cross-win64 --tests leaves in build/win64 (--version, its plugins
# found beside it, the configuration check without fork) and the cmocka unit
# tests built for Windows in build/win64/tree.  Runs on a private Xvfb, in a
# Wine prefix of its own under build/win64 (made on the first run).  Prints
# TAP; skips everything when the cross build was not done.
#
# Usage: tests/win64/agent-wine.sh [BUILD]    (BUILD: build/win64)
set -u
KYOYU_TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$KYOYU_TOP/tests/tap.sh"
. "$KYOYU_TOP/tests/win64/wine-lib.sh"

wine_test_begin agent-wine "${1:-}"
wine_start || skip_all "Xvfb did not start: $(cat "$T/xvfb.log")"

# agent NAME ARGS...: runs the agent; its output (without Windows' line
# ends) in $T/NAME.out and $T/NAME.err, its status returned.
agent() {
	name=$1
	shift
	(cd "$OUT" && timeout 300 wine ./kyoyu-agent.exe "$@") >"$T/$name.out" 2>"$T/$name.err"
	status=$?
	crlf_to_lf "$T/$name.out" "$T/$name.err"
	return "$status"
}

# The first start makes the Wine prefix when there is none.
state=warm
[ -d "$WINEPREFIX/drive_c" ] || state=fresh
start=$(date +%s.%N)
agent version --version
status=$?
note "wine kyoyu-agent.exe --version: exit $status in $(seconds_since "$start") s, $state Wine prefix $WINEPREFIX"
check "wine kyoyu-agent.exe --version says the version and plugin ABI" \
	grep -qx 'kyoyu-agent [0-9.]* (plugin ABI [0-9]*\.[0-9]*)' "$T/version.out"

agent list --list-plugins
sed 's/^/#   /' "$T/list.out"
for p in "capture *dxgi" "capture *gdi" "capture *testsrc" "codec *vpx" "codec *x264" "policy *default" "ui *win32" \
	"transport *tls"; do
	check "--list-plugins loads $(echo "$p" | tr -s ' ' /) from beside kyoyu-agent.exe" \
		grep -q "^$p " "$T/list.out"
done
check "the plugins are searched for in the program's own folder" \
	grep -qx "search path: $(winepath -w "$OUT" | tr '\\' /)" "$T/list.out"
agent help --help
check "the sharer's captures are capture/dxgi, then capture/gdi, when none is named" \
	grep -q '^  capture  *plugin = dxgi,gdi (sharer)' "$T/help.out"

# Debian's Wine 8 has no Desktop Duplication (IDXGIOutput1_DuplicateOutput
# is a stub returning E_NOTIMPL; later Wines implement it): capture/dxgi
# alone cannot share, and says why, the HRESULT named, before the sharer
# connects anywhere.
agent dxgi -v -r sharer -o capture.plugin=dxgi -o transport.host=127.0.0.1 \
	-o transport.port=9 -o transport.pin=sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= \
	-o ui.plugin=none -t 30
status=$?
grep 'dxgi' "$T/dxgi.err" | head -4 | sed 's/^/#   /'
if grep -q 'capture/dxgi.*can be duplicated' "$T/dxgi.err"; then
	for c in "capture.plugin = \"dxgi\" alone does not share" "... saying why" \
		"... and that no capture applies"; do
		skip "$c: this Wine duplicates the screen"
	done
else
	check "capture.plugin = \"dxgi\" alone does not share under Wine (exit $status)" \
		test "$status" -ne 0
	check "... saying why capture/dxgi stepped aside, the HRESULT named" \
		grep -q 'capture/dxgi.*Desktop Duplication is not available here: .* failed with [A-Z_]* (0x[0-9a-f]*)' \
		"$T/dxgi.err"
	check "... and that no capture applies (tried: dxgi)" \
		grep -q 'no capture plugin applies here (tried: dxgi)' "$T/dxgi.err"
fi

# The configuration check, in process on Windows (no fork): it loads the
# codec plugins to see what they encode.
printf 'role = "sharer";\ncodec = { format = "h264"; };\n' >"$OUT/tree/good.cfg"
printf 'role = "sharer";\ncodec = { format = "av1"; };\n' >"$OUT/tree/bad.cfg"
check "--check-config accepts a sharer encoding H.264 with codec/x264" \
	agent good --check-config tree/good.cfg
if agent bad --check-config tree/bad.cfg; then
	not_ok "--check-config refuses a format no codec plugin encodes"
else
	ok "--check-config refuses a format no codec plugin encodes"
fi
sed 's/^/#   /' "$T/bad.err"
check "... naming the file, the line and what the plugins encode" \
	grep -q 'bad.cfg:2: codec.format "av1": no codec plugin here encodes it (these do: .*vp9.*h264' \
	"$T/bad.err"
rm -f "$OUT/tree/good.cfg" "$OUT/tree/bad.cfg"

# The cmocka unit tests built for Windows, each one case here (its own
# TAP lines shown as notes).
tests=$(cd "$OUT/tree" && make -s print-unit-tests 2>/dev/null)
[ -n "$tests" ] || note "no unit tests: build them with scripts/cross-win64 --tests"
for t in $tests; do
	exe=$OUT/tree/$(dirname "$t")/.libs/$(basename "$t")
	[ -f "$exe" ] || exe=$OUT/tree/$t
	start=$(date +%s.%N)
	(cd "$OUT/tree" && timeout 300 wine "$exe") >"$T/unit.crlf" 2>&1
	status=$?
	tr -d '\r' <"$T/unit.crlf" | sed 's/^/#   /'
	seconds=$(seconds_since "$start")
	skipped=$(grep -c '# SKIP' "$T/unit.crlf")
	[ "$skipped" -gt 0 ] && skipped=", $skipped cases skipped" || skipped=""
	check "$(basename "$t" .exe) passes under Wine ($seconds s$skipped)" test "$status" -eq 0
done
tap_done
