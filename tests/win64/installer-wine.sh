#!/bin/sh
# SPDX-License-Identifier: MIT
# kyoyu's Windows installer under Wine, in a Wine prefix of its own made for
# the test: scripts/win64-installer builds one with a desk's settings, which
# installs silently (/S) for the user, without administrator rights: the
# agent, its DLLs (not the test source) and its catalogues in
# %LOCALAPPDATA%\Programs\kyoyu, agent.cfg, a Start-menu entry that runs the
# sharer with it, the uninstaller listed under HKCU.  The installed agent
# runs, loads its plugins from its folder, speaks Japanese from its
# catalogues and accepts the desk's settings.  The uninstaller then removes
# all of it.  Prints TAP; skips everything when the cross build was not done.
#
# Usage: tests/win64/installer-wine.sh [BUILD]    (BUILD: build/win64)
set -u
KYOYU_TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$KYOYU_TOP/tests/tap.sh"
. "$KYOYU_TOP/tests/win64/wine-lib.sh"

wine_test_begin installer-wine "${1:-}"
KYOYU_WINEPREFIX=$T/wine-prefix
wine_start || skip_all "Xvfb did not start: $(cat "$T/xvfb.log")"
# Nothing of the build's folder on Wine's path: the installed copy alone.
WINEPATH=""

# The desk's settings a packager gives (a pin of the right form).
cat >"$T/desk.cfg" <<'EOF'
role = "sharer";
transport = { host = "desk.example"; port = 7447;
              pin = "sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="; };
EOF
check "scripts/win64-installer builds an installer with the desk's settings" \
	"$KYOYU_TOP/scripts/win64-installer" --desk "$T/desk.cfg" "$T/kyoyu-setup.exe"

# win_path VARIABLE: a Windows environment variable, as a Unix path.
win_path() {
	winepath -u "$(wine cmd /c echo "%$1%" 2>/dev/null | tr -d '\r')" 2>/dev/null
}
start=$(date +%s.%N)
(cd "$T" && timeout 300 wine ./kyoyu-setup.exe /S) >"$T/setup.out" 2>&1
status=$?
note "kyoyu-setup.exe /S: exit $status in $(seconds_since "$start") s (a new Wine prefix included)"
check "the installer runs silently and succeeds" test "$status" -eq 0
local_app=$(win_path LOCALAPPDATA)
start_menu=$(win_path APPDATA)/Microsoft/Windows/Start\ Menu/Programs
inst=$local_app/Programs/kyoyu
note "installed in $inst"
check "the agent is installed in %LOCALAPPDATA%\\Programs\\kyoyu" test -f "$inst/kyoyu-agent.exe"
check "with every DLL of the build but the test source" sh -c '
	for f in "$1"/*.dll; do
		[ "$(basename "$f")" = kyoyu-capture-testsrc.dll ] && continue
		cmp -s "$f" "$2/$(basename "$f")" || exit 1
	done
	[ ! -e "$2/kyoyu-capture-testsrc.dll" ]' sh "$OUT" "$inst"
check "the catalogues in share\\locale\\{ja,en}\\LC_MESSAGES" sh -c '
	for l in ja en; do
		cmp -s "$1/share/locale/$l/LC_MESSAGES/kyoyu.mo" "$2/share/locale/$l/LC_MESSAGES/kyoyu.mo" ||
			exit 1
	done' sh "$OUT" "$inst"
check "and the desk's settings as agent.cfg" cmp -s "$T/desk.cfg" "$inst/agent.cfg"
check "nothing went where only an administrator may write" \
	sh -c '! ls -d "$1"/drive_c/Program\ Files*/kyoyu "$1"/drive_c/windows/kyoyu* 2>/dev/null' \
	sh "$WINEPREFIX"
check "a Start-menu entry of the user's own" test -f "$start_menu/kyoyu.lnk"
check "which runs the sharer with the desk's settings" sh -c \
	'strings -el "$1" | grep -q -- "-r sharer -c \".*\\\\agent.cfg\"$"' sh "$start_menu/kyoyu.lnk"
check "through kyoyu.exe, a program of Windows' GUI subsystem: no console window opens" \
	sh -c 'strings -el "$1" | grep -q "\\\\kyoyu\.exe$" &&
		x86_64-w64-mingw32-objdump -p "$2/kyoyu.exe" | grep -q "^Subsystem.*(Windows GUI)"' \
	sh "$start_menu/kyoyu.lnk" "$inst"
wine reg query 'HKCU\Software\Microsoft\Windows\CurrentVersion\Uninstall\kyoyu' \
	>"$T/reg.out" 2>&1
tr -d '\r' <"$T/reg.out" | sed 's/^/#   /'
check "the uninstaller is listed under the user's Apps (HKCU)" \
	grep -q 'QuietUninstallString.*uninstall.exe" /S' "$T/reg.out"

(cd "$inst" && timeout 120 wine ./kyoyu-agent.exe --version) >"$T/version.out" 2>&1
crlf_to_lf "$T/version.out"
check "the installed agent runs" grep -qx 'kyoyu-agent [0-9.]* (plugin ABI [0-9]*\.[0-9]*)' \
	"$T/version.out"
(cd "$inst" && timeout 120 wine ./kyoyu-agent.exe --list-plugins) >"$T/list.out" 2>&1
crlf_to_lf "$T/list.out"
check "and loads its plugins from its own folder (capture/dxgi, capture/gdi, transport/tls)" \
	sh -c 'grep -q "^capture *dxgi " "$1" && grep -q "^capture *gdi " "$1" &&
		grep -q "^transport *tls " "$1"' sh "$T/list.out"
# A sharer that cannot see the screen says so (the build's fake capture,
# told to step aside: tests/win64/language-wine.sh).
if [ -f "$OUT/test-plugins/kyoyu-capture-good.dll" ]; then
	(cd "$inst" && LANG=ja_JP.UTF-8 timeout 120 wine ./kyoyu-agent.exe -r sharer \
		--plugin-path "$(winepath -w "$OUT/test-plugins")" -o capture.plugin=good \
		-o capture.skip=true -o ctl.socket=none) >"$T/ja.out" 2>&1
	check "with LANG=ja_JP.UTF-8 it speaks Japanese from its installed catalogue" \
		grep -q "kyoyu からお使いの画面が見えないため、何も共有していません。" "$T/ja.out"
else
	skip "no test-plugins/kyoyu-capture-good.dll: run scripts/cross-win64 --tests"
fi
(cd "$inst" && timeout 120 wine ./kyoyu-agent.exe --check-config agent.cfg) >"$T/check.out" 2>&1
status=$?
crlf_to_lf "$T/check.out"
sed 's/^/#   /' "$T/check.out"
check "the desk's settings pass the installed agent's --check-config" test "$status" -eq 0

# The uninstaller copies itself away and returns at once: wait for Wine's
# processes to end.
(cd "$T" && timeout 120 wine "$inst/uninstall.exe" /S) >"$T/uninstall.out" 2>&1
check "the uninstaller runs silently" test $? -eq 0
timeout 120 wineserver -w
check "the installed folder is gone" test ! -e "$inst"
check "so is the Start-menu entry" test ! -e "$start_menu/kyoyu.lnk"
check "and the listing under Apps" sh -c '! wine reg query "$1" >/dev/null 2>&1' sh \
	'HKCU\Software\Microsoft\Windows\CurrentVersion\Uninstall\kyoyu'
tap_done
