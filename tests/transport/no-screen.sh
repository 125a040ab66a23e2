#!/bin/sh
# SPDX-License-Identifier: MIT
# No silent fallbacks: a sharer that has no real screen to capture (DISPLAY
# unset, the default capture list) refuses with a plain message, in the
# customer's language, exits non-zero and never connects: the code it was
# given still works for a real sharer afterwards.  A viewer that was to
# open a window where none can open says so and hands out no code.
. "$KYOYU_SRCDIR/tests/transport/lib.sh"

[ -f "$KYOYU_BUILDDIR/plugins/kyoyu-capture-x11.la" ] || skip_all "capture/x11 is not built"
make_cert "$T/cert" || skip_all "--make-cert failed"
check "a viewer waits for a customer" start_viewer viewer "$T/cert"
printf '%s\n' "$CODE" >"$T/code"

# refuse NAME [OPTION...]: the customer's agent with DISPLAY unset and the
# default capture list, given the code; sets STATUS.
refuse() {
	rname=$1
	shift
	# shellcheck disable=SC2086
	env -u DISPLAY -u WAYLAND_DISPLAY "$KYOYU_AGENT" -r sharer $CODEC_PATH -o ui.plugin=tty \
		-o codec.plugin=$CODEC -o "ctl.socket=$T/$rname.sock" -o transport.host=127.0.0.1 \
		-o "transport.port=$PORT" -o "transport.pin=$PIN" -t 30 "$@" \
		<"$T/code" >"$T/$rname.out" 2>"$T/$rname.err" &
	reap $! 30
}
refuse en
note "exit status $STATUS; it said: $(head -c 300 "$T/en.err")"
check "with DISPLAY unset the sharer exits at once, non-zero" \
	sh -c '[ "$0" != 0 ] && [ "$0" != 124 ]' "$STATUS"
check "saying it cannot see the screen, that nothing is shared, and what to do" \
	has "$T/en.err" "kyoyu cannot see your screen, so nothing is shared. Start kyoyu from your desktop and try again."
check "it never asked the customer for the code" sh -c '! grep -q "Type the 9-digit" "$0"' "$T/en.out"
refuse ja -o ui.language=ja
check "ja: the same refusal, non-zero" sh -c '[ "$0" != 0 ] && [ "$0" != 124 ]' "$STATUS"
check "ja: in Japanese" has "$T/ja.err" "kyoyu からお使いの画面が見えないため、何も共有していません。"
check "the viewer saw no one connect" sh -c '! grep -q "is connected" "$0" &&
	! grep -q "connected with the right code\|gave a wrong" "$1"' "$T/viewer.out" "$T/viewer.err"
start_sharer real "$T/code"
check "and the unused code still lets a real sharer in" \
	wait_for 30 has "$T/viewer.out" "The customer (.*) is connected"
key e
reap "$SHARER_PID"
reap "$VIEWER_PID"

if [ -f "$KYOYU_BUILDDIR/plugins/kyoyu-ui-sdl.la" ]; then
	# window NAME [OPTION...]: a viewer with DISPLAY unset; sets STATUS.
	window() {
		wname=$1
		shift
		# shellcheck disable=SC2086
		ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 \
			env -u DISPLAY -u WAYLAND_DISPLAY "$KYOYU_AGENT" -r viewer $CODEC_PATH \
			-o codec.plugin=$CODEC -o ctl.socket=none -o transport.listen=127.0.0.1 \
			-o transport.port=0 -o "transport.cert=$T/cert/viewer-cert.pem" \
			-o "transport.key=$T/cert/viewer-key.pem" -t 30 "$@" \
			</dev/null >"$T/$wname.out" 2>"$T/$wname.err" &
		reap $! 30
	}
	window default
	check "a viewer with its default window and no display exits non-zero" \
		sh -c '[ "$0" != 0 ] && [ "$0" != 124 ]' "$STATUS"
	check "saying the window cannot open and what to do" \
		has "$T/default.err" "The window that shows the customer's screen cannot open: no display was found. Start kyoyu from your desktop"
	check "before any code is handed out" sh -c '! grep -q "Read this code" "$0"' "$T/default.out"
	window sdl -o ui.plugin=sdl -o ui.language=ja
	check "ja: asked for ui/sdl alone, the same, in Japanese" \
		sh -c '[ "$0" != 0 ] && grep -q "お客様の画面を表示するウィンドウを開けません" "$1"' \
		"$STATUS" "$T/sdl.err"
	window terminal -o ui.plugin=tty -t 2
	check "a viewer asked for a terminal only runs without a display" \
		sh -c '[ "$0" = 0 ] && grep -q "Read this code" "$1"' "$STATUS" "$T/terminal.out"
else
	for c in 1 2 3 4 5; do skip "ui/sdl is not built"; done
fi
tap_done
