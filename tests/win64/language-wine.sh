#!/bin/sh
# SPDX-License-Identifier: MIT
# The Windows agent's language under Wine: the catalogues scripts/cross-win64
# puts in build/win64/share/locale, found beside kyoyu-agent.exe, speak
# Japanese or English as on Linux: LANG (LC_ALL, LC_MESSAGES, LANGUAGE) when
# the environment names a language, else the language Windows is shown in
# (GetUserDefaultUILanguage), and ui.language over both.  The words are a
# sharer's refusal when it cannot see the screen (no session, no network):
# its capture is the fake of tests/plugins (build/win64/test-plugins) told
# to step aside, as capture/gdi does where there is no desktop, which Wine
# always has.  Their bytes are compared with
# the msgstr of po/ja.po and po/en.po, through a pipe, and through Wine's
# console on a terminal, whose code page is not UTF-8.  Prints TAP; skips
# everything when the cross build was not done.
#
# Usage: tests/win64/language-wine.sh [BUILD]    (BUILD: build/win64)
set -u
KYOYU_TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$KYOYU_TOP/tests/tap.sh"
. "$KYOYU_TOP/tests/win64/wine-lib.sh"

wine_test_begin language-wine "${1:-}"
[ -f "$OUT/test-plugins/kyoyu-capture-good.dll" ] ||
	skip_all "no test-plugins/kyoyu-capture-good.dll: run scripts/cross-win64 --tests"
wine_start || skip_all "Xvfb did not start: $(cat "$T/xvfb.log")"

# msgstr LANG MSGID: the translation of MSGID in po/LANG.po (kept on one
# line: po/Makevars says --no-wrap).
msgstr() {
	awk -v id="msgid \"$2\"" '$0 == id { getline; sub(/^msgstr "/, ""); sub(/"$/, ""); print }' \
		"$KYOYU_TOP/po/$1.po"
}
MSGID="kyoyu cannot see your screen, so nothing is shared. Start kyoyu from your desktop and try again. If this message comes back, tell the support person."
JA=$(msgstr ja "$MSGID")
EN=$(msgstr en "$MSGID")
check "po/ja.po and po/en.po translate the refusal" sh -c '[ -n "$0" ] && [ -n "$1" ]' "$JA" "$EN"
note "ja: $JA"

for lang in ja en; do
	check "the $lang catalogue is in share/locale beside kyoyu-agent.exe" \
		test -s "$OUT/share/locale/$lang/LC_MESSAGES/kyoyu.mo"
done

# The sharer that cannot see the screen (one line: cmd runs it too).
REFUSE="./kyoyu-agent.exe -r sharer --plugin-path test-plugins -o capture.plugin=good"
REFUSE="$REFUSE -o capture.skip=true -o ctl.socket=none -t 30"

# refuse NAME [VARIABLE=VALUE...] [-- OPTION...]: the refusal, with Wine's
# locale and the Windows environment both as given (none of LANG, LC_ALL,
# LC_MESSAGES and LANGUAGE but those); its stderr in $T/NAME.err.
refuse() {
	name=$1
	shift
	vars=""
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		vars="$vars $1"
		shift
	done
	[ $# -gt 0 ] && shift
	# shellcheck disable=SC2086
	(cd "$OUT" && env -u LANG -u LC_ALL -u LC_MESSAGES -u LANGUAGE $vars \
		timeout 300 wine $REFUSE "$@") >"$T/$name.out" 2>"$T/$name.err"
	crlf_to_lf "$T/$name.out" "$T/$name.err"
	sed 's/^/#   /' "$T/$name.err" | head -3
}

# says NAME TEXT: the refusal in $T/NAME.err has TEXT's bytes.
says() { grep -qF -- "$2" "$T/$1.err"; }

refuse lang-ja LANG=ja_JP.UTF-8
check "LANG=ja_JP.UTF-8: the refusal in Japanese, the bytes of po/ja.po's msgstr" says lang-ja "$JA"
refuse lang-en LANG=en_US.UTF-8
check "LANG=en_US.UTF-8: in English, po/en.po's msgstr" says lang-en "$EN"
refuse language LANG=en_US.UTF-8 LANGUAGE=ja
check "LANGUAGE=ja over LANG=en_US.UTF-8: in Japanese, as gettext reads it" says language "$JA"
refuse ui-en LANG=ja_JP.UTF-8 -- -o ui.language=en
check "ui.language=en wins over LANG=ja_JP.UTF-8" says ui-en "$EN"
refuse ui-ja LANG=C -- -o ui.language=ja
check "ui.language=ja wins over LANG=C (where gettext ignores LANGUAGE)" says ui-ja "$JA"

# winlang NAME UNIX-LOCALE: the refusal with no language in the Windows
# environment and Wine showing Windows in UNIX-LOCALE's language: Wine
# takes it from LC_ALL, which cmd then removes before the agent starts
# (Wine 8 sets the user's locale from the Unix one at every start: the
# registry's HKCU\Control Panel\International is overwritten).
winlang() {
	(cd "$OUT" && env -u LANG -u LC_MESSAGES -u LANGUAGE LC_ALL="$2" \
		timeout 300 wine cmd /c "set LC_ALL=&& $REFUSE") >"$T/$1.out" 2>"$T/$1.err"
	crlf_to_lf "$T/$1.out" "$T/$1.err"
	sed 's/^/#   /' "$T/$1.err" | head -3
}
winlang windows-ja ja_JP.UTF-8
check "no LANG, Windows shown in Japanese: the refusal in Japanese" says windows-ja "$JA"
winlang windows-en en_US.UTF-8
check "no LANG, Windows shown in English: in English" says windows-en "$EN"

# Wine's console, on a terminal (script(1) gives it one), speaking
# Japanese in the Windows environment: the console's code page is 437
# (Wine's locale follows the Unix one, C.UTF-8 here: an uninstalled
# ja_JP.UTF-8 would make Wine write the terminal in ASCII), so the
# agent's UTF-8 shows right only as UTF-16 (core/os-win32.c relays it).
# Wine draws the console for a terminal: escape sequences, spaces as
# cursor moves and line breaks at 80 columns, all left out of the
# comparison.
# console_text FILE: FILE's characters without those.
console_text() {
	sed 's/\x1b\[[0-9;?]*[a-zA-Z]//g' "$1" | tr -d '\r\n '
}
if command -v script >/dev/null; then
	(cd "$OUT" && env -u LC_ALL -u LC_MESSAGES -u LANGUAGE LANG=C.UTF-8 \
		timeout 300 script -qec "wine cmd /c \"set LANG=ja_JP.UTF-8&& $REFUSE\"" /dev/null) \
		>"$T/console.tty" 2>&1 </dev/null
	console_text "$T/console.tty" >"$T/console.err"
	note "on the console: $(cat "$T/console.err")"
	check "on Wine's console (code page 437): po/ja.po's msgstr, character for character" \
		says console "$(echo "$JA" | tr -d ' ')"
else
	skip "script(1) is missing (bsdutils)"
fi
tap_done
