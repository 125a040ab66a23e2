# SPDX-License-Identifier: MIT
# No remote input, ever: nothing in kyoyu can inject keys or clicks into the
# customer's desktop, and the protocol has no message that could carry them.
. "$KYOYU_SRCDIR/tests/e2e/lib.sh"

src=$KYOYU_SRCDIR
# Input-injection APIs: XTest, libxdo, uinput, XSendEvent of key/button
# events, and the wl/portal remote-desktop interfaces.
pattern='XTest|xcb_test|xcb/xtest|libxdo|xdo_|uinput|XSendEvent|xcb_send_event|RemoteDesktop|zwp_virtual_keyboard|zwlr_virtual_pointer'
# The one exception, listed by file: the customer's sharing bar (ui/gtk)
# asks the window manager to keep it above other windows.  EWMH takes that
# only as a _NET_WM_STATE client message sent to the root window once the
# bar is mapped (GTK 4 has no keep-above, and GDK rewrites _NET_WM_STATE
# when it maps a window).  It is a request about kyoyu's own window that
# only the window manager reads, not a key or a click: the checks below
# hold the file to that one message.
allowed_source=plugins/ui/gtk/gtk-x11.c
allowed_binary=kyoyu-ui-gtk.so
grep -rEn "$pattern" "$src/core" "$src/plugins" "$src/configure.ac" "$src/Makefile.am" 2>/dev/null |
	grep -v "^$src/$allowed_source:[0-9]*:.*XSendEvent" >"$E2E_TMP/hits"
check "no source file of the agent or its plugins uses an input-injection API" \
	test ! -s "$E2E_TMP/hits"
sed 's/^/# /' "$E2E_TMP/hits"
if [ -f "$src/$allowed_source" ]; then
	# The code of the allowed file, its comments left out.
	sed -e 's|/\*.*\*/||g' -e '/\/\*/,/\*\//d' "$src/$allowed_source" >"$E2E_TMP/allowed.c"
	check "$allowed_source sends one event" \
		test "$(grep -c 'XSendEvent' "$E2E_TMP/allowed.c")" = 1
	check "a ClientMessage, of type _NET_WM_STATE, to the root window" sh -c "
		grep -q 'type = ClientMessage;' '$E2E_TMP/allowed.c' &&
		grep -q 'message_type = XInternAtom(dpy, \"_NET_WM_STATE\", False);' '$E2E_TMP/allowed.c' &&
		grep -q 'XSendEvent(dpy, DefaultRootWindow(dpy), False,' '$E2E_TMP/allowed.c'"
	check "and builds no key, button or motion event" \
		sh -c "! grep -Eq 'Key(Press|Release)|Button(Press|Release)|MotionNotify|xkey|xbutton|xmotion' '$E2E_TMP/allowed.c'"
fi

: >"$E2E_TMP/symbols"
for f in "$KYOYU_BUILDDIR"/plugins/.libs/*.so "$KYOYU_BUILDDIR"/.libs/kyoyu-agent \
	"$KYOYU_BUILDDIR"/kyoyu-agent "$KYOYU_BUILDDIR"/core/.libs/libkyoyu.so; do
	[ -f "$f" ] || continue
	# What each binary imports, and the libraries it needs.
	{ nm -D --undefined-only "$f" 2>/dev/null; objdump -p "$f" 2>/dev/null | grep NEEDED; } |
		grep -Ei 'XTest|xtest|xdo|uinput|XSendEvent|xcb_send_event' | sed "s|^|$f: |" |
		grep -Ev "/$allowed_binary: +U XSendEvent\$" >>"$E2E_TMP/symbols"
done
check "no built binary imports XTest, libxdo, uinput or a send-event call" \
	test ! -s "$E2E_TMP/symbols"
sed 's/^/# /' "$E2E_TMP/symbols"

check "the bus has no input message type (key, button, click, input)" \
	sh -c "! sed -n '/enum kyoyu_msg_type/,/} kyoyu_msg_type/p' '$src/core/include/kyoyu/bus.h' |
	       grep -Eiq 'KEY_?(EVENT|PRESS|DOWN|UP)|BUTTON|CLICK|INPUT|KEYBOARD|MOUSE'"
if [ -f "$src/docs/protocol.md" ]; then
	grep -E '^\| 0x[0-9a-f]+ +\|' "$src/docs/protocol.md" >"$E2E_TMP/types"
	check "the wire protocol's message table has no input message (docs/protocol.md)" \
		sh -c "test -s '$E2E_TMP/types' &&
		       ! grep -Eiq 'INPUT|KEY_?(EVENT|PRESS|DOWN|UP)|KEYBOARD|MOUSE|BUTTON|CLICK' '$E2E_TMP/types'"
else
	ok "# SKIP docs/protocol.md is not written yet"
fi
check "the operator's pointer carries a position and visibility only" \
	sh -c "sed -n '/typedef struct kyoyu_pointer_info/,/} kyoyu_pointer_info/p' \
	       '$src/core/include/kyoyu/bus.h' | grep -v '}' | grep -c ';' | grep -qx 2"

tap_done
