#!/bin/sh
# SPDX-License-Identifier: MIT
# ui/tty on a real terminal (a pty from script(1)): the customer types the
# code key by key and sees it grouped as 123-456-789, a status line with the
# time left and the keys, pauses, resumes and stops with single keys; and
# the terminal is given back as it was.  Then the same in Japanese, with
# the code typed in full-width digits.
. "$KYOYU_SRCDIR/tests/transport/lib.sh"

command -v script >/dev/null 2>&1 || skip_all "script(1) is not installed"
make_cert "$T/cert" || skip_all "--make-cert failed"
check "the viewer starts" start_viewer viewer "$T/cert"
mkfifo "$T/keys"
# shellcheck disable=SC2086
script -q -c "'$KYOYU_AGENT' -r sharer $CODEC_PATH -o ui.plugin=tty -o codec.plugin=$CODEC \
	-o 'ctl.socket=$T/sharer.sock' -o capture.plugin=testsrc -o capture.width=320 \
	-o capture.height=240 -o transport.host=127.0.0.1 -o transport.port=$PORT \
	-o 'transport.pin=$PIN' -t 60 2>'$T/sharer.err'; stty -a" /dev/null \
	<"$T/keys" >"$T/tty.out" &
SCRIPT_PID=$!
PIDS="$PIDS $SCRIPT_PID"
exec 9>"$T/keys"
press() { (printf '%s' "$1" >&9) 2>/dev/null || true; }
check "the customer is asked for the code on the terminal" \
	wait_for 30 grep -q "Code: " "$T/tty.out"
for digit in $(digits_of "$CODE" | sed 's/./& /g'); do
	press "$digit"
	sleep 0.05
done
press "$(printf '\r')"
check "the digits typed show grouped like the operator's code" \
	wait_for 10 grep -q "Code: $CODE" "$T/tty.out"
check "and connect; the customer is asked before anything is shared" \
	wait_for 30 grep -q "Allow? Press y for yes or n for no" "$T/tty.out"
press y
check "y shares the screen" wait_for 30 grep -q "Your screen is now shared" "$T/tty.out"
check "a status line shows the time left and the keys" \
	wait_for 10 grep -q "Sharing your screen | [0-9]* min left | p: pause | q: stop" "$T/tty.out"
press p
check "p pauses" wait_for 10 grep -q "Paused: nothing on your screen is sent" "$T/tty.out"
check "the operator sees the pause" wait_for 10 has "$T/viewer.out" "The customer paused sharing"
press r
check "r resumes" wait_for 10 grep -q "Sharing again" "$T/tty.out"
press q
check "q stops sharing" wait_for 20 grep -q "The session has ended: you stopped sharing" "$T/tty.out"
reap "$SCRIPT_PID" 20
check "the terminal is given back with line editing and echo" sh -c \
	'grep -q " icanon" "$0" && grep -q " echo " "$0"' "$T/tty.out"
check "the operator saw the customer leave" \
	wait_for 20 has "$T/viewer.out" "The session has ended: the customer stopped sharing"
exec 9>&-

# The same in Japanese (ui.language), the code typed with a Japanese input
# method left in full-width mode: ６９１ー２０４ー５５８ arrives as UTF-8,
# a character's bytes possibly split between reads.
check "a second viewer for the Japanese terminal" start_viewer viewer-ja "$T/cert"
mkfifo "$T/keys-ja"
# shellcheck disable=SC2086
script -q -c "'$KYOYU_AGENT' -r sharer $CODEC_PATH -o ui.plugin=tty -o ui.language=ja \
	-o codec.plugin=$CODEC -o 'ctl.socket=$T/sharer-ja.sock' -o capture.plugin=testsrc \
	-o capture.width=320 -o capture.height=240 -o transport.host=127.0.0.1 \
	-o transport.port=$PORT -o 'transport.pin=$PIN' -t 60 2>'$T/sharer-ja.err'; stty -a" \
	/dev/null <"$T/keys-ja" >"$T/tty-ja.out" &
SCRIPT_PID=$!
PIDS="$PIDS $SCRIPT_PID"
exec 9>"$T/keys-ja"
check "ja: the customer is asked for the code, in Japanese" \
	wait_for 30 grep -q "9 桁のコードを入力して、Enter キーを押してください。" "$T/tty-ja.out"
check "ja: at a Japanese prompt" grep -q "コード: " "$T/tty-ja.out"
n=0
for digit in $(digits_of "$CODE" | sed 's/./& /g'); do
	# Full-width digit N is U+FF10 + N: EF BC 90+N in UTF-8.
	last=$(printf '%03o' $((0x90 + digit)))
	press "$(printf '\357\274')"
	sleep 0.05
	press "$(printf "\\$last")"
	n=$((n + 1))
	# A full-width dash (ー, U+30FC) between the groups, as read out.
	if [ $n -eq 3 ] || [ $n -eq 6 ]; then press "$(printf '\343\203\274')"; fi
	sleep 0.05
done
press "$(printf '\r')"
check "ja: the full-width digits show as the code, grouped" \
	wait_for 10 grep -q "コード: $CODE" "$T/tty-ja.out"
check "ja: and connect; the customer is asked, in Japanese" \
	wait_for 30 grep -q "許可する場合は y、許可しない場合は n を押してください。" "$T/tty-ja.out"
# A full-width ｙ (U+FF59: EF BD 99), as a Japanese input method types it.
press "$(printf '\357\275\231')"
check "ja: ｙ shares the screen" \
	wait_for 30 grep -q "サポート担当者と画面を共有しています。" "$T/tty-ja.out"
check "ja: the status line is Japanese, with the time left and the keys" \
	wait_for 10 grep -q "画面を共有中 | 残り [0-9]* 分 | p: 一時停止 | q: 終了" "$T/tty-ja.out"
# A full-width ｐ (U+FF50) pauses too.
press "$(printf '\357\275\220')"
check "ja: a full-width p pauses" wait_for 10 grep -q "一時停止中です。画面の内容は何も送信されません。" \
	"$T/tty-ja.out"
check "ja: the operator (in English) sees the pause" \
	wait_for 10 has "$T/viewer-ja.out" "The customer paused sharing"
press r
check "ja: r resumes" wait_for 10 grep -q "共有を再開しました。" "$T/tty-ja.out"
press q
check "ja: q stops sharing" \
	wait_for 20 grep -q "セッションは終了しました（お客様が共有を終了しました）。" "$T/tty-ja.out"
reap "$SCRIPT_PID" 20
# (the operator's organisation is a name: --make-cert's default, "kyoyu viewer")
check "ja: no English sentence reached the customer's terminal" sh -c \
	'! sed -e "/speed .* baud/,\$d" -e "s/kyoyu viewer//g" "$0" | grep -q "[A-Za-z]\{4,\} [a-z]\{3,\}"' \
	"$T/tty-ja.out"
exec 9>&-
tap_done
