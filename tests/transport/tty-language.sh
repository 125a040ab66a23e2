#!/bin/sh
# SPDX-License-Identifier: MIT
# The language ui/tty speaks, and the code prompt in Japanese:
#  - how it is chosen: LANG (even when that locale is not installed, as on
#    a minimal system), LANGUAGE as gettext reads it, and ui.language over
#    both; a language kyoyu has no catalogue for is refused;
#  - after 3 codes that did not work the customer is told to ask for a new
#    code, in English and in Japanese;
#  - a code typed in full-width digits with Japanese dashes and spaces, as
#    a line (a paste, or a pipe), connects.
. "$KYOYU_SRCDIR/tests/transport/lib.sh"

ASK_EN="Type the 9-digit code the support person reads to you"
ASK_JA="サポート担当者が読み上げる 9 桁のコードを入力して"

# first_words NAME ENV [OPTION...]: a sharer that is never given a code, in
# the environment ENV (what env(1) takes: "-u LC_ALL LANG=ja_JP.UTF-8");
# its first words in $T/NAME.out, its status in FW_STATUS.
first_words() {
	fw=$1 fenv=$2
	shift 2
	# shellcheck disable=SC2086
	env $fenv "$KYOYU_AGENT" -r sharer $CODEC_PATH -o ui.plugin=tty -o ctl.socket=none \
		-o codec.plugin=$CODEC -o capture.plugin=testsrc -o capture.width=160 \
		-o capture.height=120 -o transport.host=127.0.0.1 -o transport.port=9 \
		-o transport.pin=sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= -t 1 "$@" \
		</dev/null >"$T/$fw.out" 2>"$T/$fw.err"
	FW_STATUS=$?
}
asks_in() { grep -q "$2" "$T/$1.out"; }

if locale -a 2>/dev/null | grep -qi '^ja_JP'; then
	note "a ja_JP locale is installed here: LANG=ja_JP.UTF-8 takes the ordinary path"
else
	note "no ja_JP locale is installed here (as on a minimal system)"
fi
first_words plain ""
check "in the C locale the customer is asked in English" asks_in plain "$ASK_EN"
first_words uija "" -o ui.language=ja
check "ui.language=ja: in Japanese, with no Japanese locale needed" asks_in uija "$ASK_JA"
first_words lang "-u LC_ALL LANG=ja_JP.UTF-8"
check "LANG=ja_JP.UTF-8: in Japanese, installed or not" asks_in lang "$ASK_JA"
first_words messages "-u LC_ALL LANG=C LC_MESSAGES=ja_JP.UTF-8"
check "LC_MESSAGES=ja_JP.UTF-8 over LANG=C: in Japanese" asks_in messages "$ASK_JA"
first_words langen "-u LC_ALL LANG=ja_JP.UTF-8" -o ui.language=en
check "ui.language=en wins over LANG=ja_JP.UTF-8" asks_in langen "$ASK_EN"
first_words language "-u LC_ALL LANG=C.UTF-8 LANGUAGE=ja:en"
check "LANGUAGE=ja:en with LANG=C.UTF-8: in Japanese (gettext reads LANGUAGE)" \
	asks_in language "$ASK_JA"
first_words cpos "-u LC_ALL LANG=C LANGUAGE=ja"
check "LANGUAGE=ja with LANG=C: English, as gettext ignores LANGUAGE in the C locale" \
	asks_in cpos "$ASK_EN"
first_words langja "-u LC_ALL LANG=ja_JP.UTF-8" -o ui.language=ja
check "the Japanese text is whole UTF-8, not question marks" \
	sh -c '! grep -q "??" "$0" && iconv -f UTF-8 -t UTF-8 "$0" >/dev/null' "$T/langja.out"

first_words fr "" -o ui.language=fr
check "a language without a catalogue is refused" \
	sh -c '[ "$0" != 0 ] && grep -q "ui.language \"fr\" is not a language kyoyu speaks (ja en)" "$1"' \
	"$FW_STATUS" "$T/fr.err"
printf 'ui = { language = "ja"; };\n' >"$T/ja.cfg"
check "ui.language is a key of the ui group in a file (--check-config)" \
	sh -c '"$0" --check-config "$1" >/dev/null' "$KYOYU_AGENT" "$T/ja.cfg"
printf 'ui = { language = "de"; };\n' >"$T/de.cfg"
check "and --check-config refuses one it cannot speak" \
	sh -c '! "$0" --check-config "$1" 2>/dev/null' "$KYOYU_AGENT" "$T/de.cfg"

make_cert "$T/cert" || skip_all "--make-cert failed"

# three_failures LANG ASK AGAIN NEW CONNECTED: three wrong codes, then a
# new code from the operator typed in full-width as one line.
three_failures() {
	lang=$1 ask=$2 again=$3 new=$4 connected=$5
	check "$lang: a viewer" start_viewer "viewer-$lang" "$T/cert" -o transport.reject_delay_ms=50
	mkfifo "$T/codes-$lang"
	start_sharer "sharer-$lang" "$T/codes-$lang" -o ui.language="$lang"
	exec 9>"$T/codes-$lang"
	check "$lang: the customer is asked for the code" wait_for 30 has "$T/sharer-$lang.out" "$ask"
	for wrong in 000000001 000-000-002; do
		echo "$wrong" >&9
	done
	check "$lang: after two codes that did not work, to check it and type it again" \
		wait_for 30 sh -c '[ $(grep -c -- "$1" "$0") -eq 2 ]' "$T/sharer-$lang.out" "$again"
	check "$lang: and not yet to ask for a new code" \
		sh -c '! grep -q -- "$1" "$0"' "$T/sharer-$lang.out" "$new"
	echo 000000003 >&9
	check "$lang: after the third, to ask the support person for a new code" \
		wait_for 30 has "$T/sharer-$lang.out" "$new"
	key n
	wait_for 10 sh -c '[ $(grep -c "Read this code" "$0") -ge 2 ]' "$T/viewer-$lang.out"
	CODE=$(grep -o '[0-9]\{3\}-[0-9]\{3\}-[0-9]\{3\}' "$T/viewer-$lang.out" | tail -1)
	# ６９１ー２０４　５５８: full-width digits, a long-vowel mark and an
	# ideographic space, as a Japanese input method types them.
	wide=$(digits_of "$CODE" | sed 's/^\(...\)\(...\)/\1-\2 /;
		s/0/０/g; s/1/１/g; s/2/２/g; s/3/３/g; s/4/４/g;
		s/5/５/g; s/6/６/g; s/7/７/g; s/8/８/g; s/9/９/g; s/-/ー/; s/ /　/')
	note "$lang: the new code typed as $wide"
	echo "$wide" >&9
	# The question before anything is shared, answered in full-width too.
	echo "ｙ" >&9
	check "$lang: the new code, in full-width digits, connects" \
		wait_for 30 has "$T/sharer-$lang.out" "$connected"
	check "$lang: the operator sees the customer" \
		wait_for 20 has "$T/viewer-$lang.out" "The customer (.*) is connected"
	key e
	reap "$SHARER_PID"
	reap "$VIEWER_PID"
	exec 9>&-
}
three_failures en "$ASK_EN" \
	"That code did not work. Check it with the support person and type it again." \
	"That code did not work again. Ask the support person for a new code, then type the new one." \
	"Your screen is now shared with the support person."
three_failures ja "$ASK_JA" \
	"このコードは使えませんでした。サポート担当者にコードを確認して、もう一度入力してください。" \
	"このコードはまた使えませんでした。サポート担当者に新しいコードを発行してもらい、新しいコードを入力してください。" \
	"サポート担当者と画面を共有しています。"
tap_done
