# SPDX-License-Identifier: MIT
# The operator's console, end to end: one viewer with its window (ui/sdl,
# ui/tty beside it for the code in the terminal) and no time limit stays up
# while three customers, one after another, share and go: real sharers
# (capture/x11, ui/tty, the overlay) over TLS 1.3 with VP9, recorded.
# Between sessions the window shows the code; N gives a new one; Escape
# asks before it ends a session; `kyoyu-agent ctl sessions` lists the three;
# each recording is distinct, private and read to its last frame by
# ffprobe.  With KYOYU_SCREENSHOTS=DIR it leaves DIR/console-LANG-waiting.png
# and DIR/console-LANG-session.png (LANG from KYOYU_CONSOLE_LANGUAGE, en by
# default).
. "$KYOYU_SRCDIR/tests/e2e/session-lib.sh"

require_plugins capture-x11 ui-x11-overlay ui-sdl transport-record
require_tools Xvfb xdotool xwd convert compare ffprobe stat
new_display 1024 768 || skip_all "cannot start Xvfb"
SHARER_DISPLAY=$DISPLAY
new_display 1100 720 || skip_all "cannot start a second Xvfb"
VIEWER_DISPLAY=$DISPLAY
SHOTS=${KYOYU_SCREENSHOTS:-}
LANGUAGE=${KYOYU_CONSOLE_LANGUAGE:-en}

check "the operator has a certificate" make_viewer_cert
REC="$E2E_TMP/recordings"
check "the console starts (no -t: it stays up), with its window" \
	start_console console -o record.enabled=true \
	-o "record.path=$REC/%Y%m%d-%H%M%S-%i.webm" -o record.min_free_mb=1 \
	-o ui.width=1000 -o ui.height=640 -o "ui.language=$LANGUAGE"
has_window() { test -n "$(window)"; }
check "its window opens" wait_for 30 has_window

# codes_said N: the console's terminal has shown N codes.
codes_said() { [ "$(grep -c 'Read this code\|このコードをお客様に' "$E2E_TMP/console.out")" -ge "$1" ]; }
last_code() { grep -o '[0-9]\{3\}-[0-9]\{3\}-[0-9]\{3\}' "$E2E_TMP/console.out" | tail -1; }
# code_area FILE: the light pixels of the panel's middle, where the code is.
code_area() { convert "$1" -crop 700x120+150+170 +repage -threshold 60% "$2"; }
shot() { window_shot "$E2E_TMP/$1.png"; }

# customer_session N: customer N types the console's current code, agrees,
# and shares until the console sees video.
# (transport.port = 0: each session listens on a port of its own.)
customer_session() {
	PORT=$(grep -o 'waiting for the customer on 127.0.0.1:[0-9]*' "$E2E_TMP/console.err" |
		tail -1 | cut -d: -f2)
	DISPLAY=$SHARER_DISPLAY start_sharer "c$1" "$PORT" || return 1
	wait_for 60 said "c$1" 'Type the 9-digit code' || return 1
	customer "$(last_code)"
	allow "c$1" || return 1
	wait_for 60 state_is "$E2E_TMP/console.sock" sharing &&
		wait_for 30 video_flows
}
video_flows() { [ "$(video_bytes console)" -gt 0 ]; }
# code_changed: the window now draws another code than in code-1.png.
code_changed() {
	shot waiting-2
	code_area "$E2E_TMP/waiting-2.png" "$E2E_TMP/code-2.png"
	d=$(compare -metric AE "$E2E_TMP/code-1.png" "$E2E_TMP/code-2.png" null: 2>&1)
	[ "${d%%[ .]*}" -gt 100 ]
}

# code_lit: the large digits light the middle of the panel.
code_lit() {
	shot waiting-1
	code_area "$E2E_TMP/waiting-1.png" "$E2E_TMP/code-1.png"
	lit=$(convert "$E2E_TMP/code-1.png" -format '%[fx:mean]' info:)
	awk -v s="$lit" 'BEGIN { exit !(s > 0.02) }'
}
check "between sessions the window shows the code in large digits" wait_for 20 code_lit
note "light share where the code is drawn: $lit"
n_codes=$(grep -c 'Read this code\|このコードをお客様に' "$E2E_TMP/console.out")
xdotool_v() { DISPLAY=$VIEWER_DISPLAY xdotool "$@"; }
xdotool_v windowfocus --sync "$(window)" 2>/dev/null
xdotool_v key --window "$(window)" n
check "N asks for a new code: the terminal shows another" wait_for 20 codes_said $((n_codes + 1))
check "and the window draws the new one in place of the old" wait_for 10 code_changed

for i in 1 2 3; do
	check "customer $i: shares with the console" customer_session $i ||
		note "console: $(tail -5 "$E2E_TMP/console.err" | tr '\n' '|') c$i: $(tail -5 "$E2E_TMP/c$i.err" "$E2E_TMP/c$i.out" | tr '\n' '|')"
	case $i in
	1)
		if [ -n "$SHOTS" ]; then
			# Something on the customer's screen for the picture.
			fill 2a4d69 0 0 1024 768 e8e8e8 80 80 600 400 4b86b4 80 80 600 40 \
				f4a259 720 500 220 160
			sleep 2
			shot session
			convert "$E2E_TMP/session.png" +dither -colors 64 \
				"$SHOTS/console-$LANGUAGE-session.png"
		fi
		customer q ;;
	2)
		xdotool_v windowfocus --sync "$(window)" 2>/dev/null
		xdotool_v key --window "$(window)" Escape
		sleep 1
		check "customer 2: Escape alone asks, and the session goes on" \
			state_is "$E2E_TMP/console.sock" sharing
		[ -n "$SHOTS" ] && { shot confirm; convert "$E2E_TMP/confirm.png" +dither -colors 64 \
			"$SHOTS/console-$LANGUAGE-confirm.png"; }
		xdotool_v key --window "$(window)" Escape
		sleep 0.5
		check "customer 2: a second Escape takes the question back" \
			state_is "$E2E_TMP/console.sock" sharing
		xdotool_v key --window "$(window)" Escape
		sleep 0.5
		xdotool_v key --window "$(window)" Return ;;
	3)
		"$KYOYU_AGENT" ctl pause --socket "$E2E_TMP/c3.sock" >/dev/null
		check "customer 3: pauses" wait_for 20 state_is "$E2E_TMP/console.sock" paused
		"$KYOYU_AGENT" ctl resume --socket "$E2E_TMP/c3.sock" >/dev/null
		check "customer 3: and resumes" wait_for 20 state_is "$E2E_TMP/console.sock" sharing
		customer q ;;
	esac
	reap "$SHARER_PID"
	check "customer $i: the sharer exits 0" test "$STATUS" = 0
	check "customer $i: the console is still up" kill -0 "$VIEWER_PID"
	check "customer $i: and shows the next code" wait_for 30 codes_said $((n_codes + 1 + i))
	if [ $i = 1 ] && [ -n "$SHOTS" ]; then
		sleep 1
		shot between
		convert "$E2E_TMP/between.png" +dither -colors 64 "$SHOTS/console-$LANGUAGE-waiting.png"
	fi
done
check "customer 2 was ended by the operator, 1 and 3 left" sh -c \
	"grep -q 'session over: customer .*, ended (ended by operator)' '$E2E_TMP/console.err' &&
	 [ \$(grep -c 'session over: customer .*, ended (left)' '$E2E_TMP/console.err') = 2 ]"

"$KYOYU_AGENT" ctl sessions --socket "$E2E_TMP/console.sock" >"$E2E_TMP/sessions" 2>&1
sed 's/^/# /' "$E2E_TMP/sessions"
check "ctl sessions lists the three" test "$(grep -c '	' "$E2E_TMP/sessions")" = 3
check "  each with a start, an end, a customer, a reason and a recording" sh -c \
	"awk -F '\t' 'NF == 5 && \$1 != \"-\" && \$2 != \"-\" && \$3 != \"-\" && \$5 ~ /\\.webm\$/' \
	 '$E2E_TMP/sessions' | wc -l | grep -qx 3"

files=$(cut -f5 "$E2E_TMP/sessions" | grep webm)
check "three distinct recording files" test "$(echo "$files" | sort -u | wc -l)" = 3
check "their folder is private (0700)" test "$(stat -c %a "$REC")" = 700
# The question ui/tty asked, its two lines as JSON writes them.
notice='"notice": "The support team would like to see your screen and record this session (only what your screen shows is recorded).\nDo you agree? Press y for yes or n for no."'
for f in $files; do
	b=$(basename "$f")
	check "$b: private (0600)" test "$(stat -c %a "$f")" = 600
	frames=$(ffprobe -v error -count_frames -select_streams v:0 \
		-show_entries stream=nb_read_frames -of csv=p=0 "$f" 2>"$E2E_TMP/ffprobe.err")
	note "$b: $(stat -c %s "$f") bytes, $frames frames; ffprobe said: $(head -c 200 "$E2E_TMP/ffprobe.err")"
	check "$b: ffprobe reads it to its last frame without a complaint" \
		sh -c "[ '${frames:-0}' -gt 0 ] && [ ! -s '$E2E_TMP/ffprobe.err' ]"
	check "$b: the session's facts beside it, private (0600)" \
		test "$(stat -c %a "$f.json" 2>/dev/null)" = 600
	check "$b: operator, customer, consent, start, end and reason in them" sh -c \
		"grep -q '\"operator_account\": \"[^\"]*@' '$f.json' &&
		 grep -q '\"customer\": \"[^\"]' '$f.json' &&
		 grep -q '\"consent\": {\"answer\": \"granted\", \"at\": \"20' '$f.json' &&
		 grep -q '\"start\": \"20' '$f.json' && grep -q '\"end\": \"20' '$f.json' &&
		 grep -q '\"end_reason\": \"\(left\|ended by operator\)\"' '$f.json'"
	check "$b: whom the customer was shown (the console's certificate)" \
		grep -q '"operator": "[^"]' "$f.json"
	check "$b: the question's language and its words, as the customer read them" sh -c \
		"grep -q '\"language\": \"en\"' '$f.json' && grep -Fq '$notice' '$f.json'"
done
last=$(echo "$files" | tail -1)
sed 's/^/# /' "$last.json"
check "the third one lists its pause, with the time it resumed" \
	grep -q '"pauses": \[{"paused": "20[^"]*", "resumed": "20' "$last.json"

kill -TERM "$VIEWER_PID"
reap "$VIEWER_PID"
check "SIGTERM closes the console with status 0" test "$STATUS" = 0
tap_done
