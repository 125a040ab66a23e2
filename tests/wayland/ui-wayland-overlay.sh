# SPDX-License-Identifier: MIT
# ui/wayland-overlay on a real headless sway (WLR_BACKENDS=headless,
# WLR_RENDERER=pixman; it refuses to run as root, so it runs as the test
# desktop's user kyoyu-wl, as scripts/wayland-session's mutter does), driven
# as tests/e2e/ui-x11-overlay.sh drives the X11 one: transport/e2epeer
# stands in for the viewer and sends the operator's pointer and the shared
# area's origin.  grim's screenshots prove what the customer sees: the red
# badge in the top-right corner, the operator's arrow at the shared area's
# origin + the pointer, following it, gone when released; while paused the
# badge is amber and no arrow shows; after the end nothing of kyoyu is left.
# A click where the badge is reaches the window below (kyoyu-wl-fill, clicked
# by kyoyu-wl-click through a virtual pointer).
# KYOYU_WL_SHOTS=DIR keeps screenshots of the badge and the arrow in DIR;
# KYOYU_WL_LANGUAGE=ja shows them in Japanese.
. "$KYOYU_SRCDIR/tests/e2e/lib.sh"

WL_BIN=$KYOYU_BUILDDIR/tests/wayland
[ -f "$KYOYU_BUILDDIR/plugins/kyoyu-ui-wayland-overlay.la" ] ||
	skip_all "ui/wayland-overlay is not built (libwayland-dev, wayland-protocols, libpango1.0-dev)"
for helper in kyoyu-wl-fill kyoyu-wl-click; do
	[ -x "$WL_BIN/$helper" ] || skip_all "tests/wayland/$helper is not built"
done
for tool in sway swaymsg grim convert setpriv; do
	command -v $tool >/dev/null || skip_all "$tool is missing (sway, grim, imagemagick)"
done
codec=$(e2e_codec) || skip_all "no codec plugin built"

# sway refuses to run as root: as root, it runs as the test desktop's user.
WL_USER=$(id -un)
as_user=
if [ "$(id -u)" -eq 0 ]; then
	WL_USER=kyoyu-wl
	id "$WL_USER" >/dev/null 2>&1 ||
		useradd --system --user-group --home-dir /nonexistent --no-create-home \
			--shell /usr/sbin/nologin --comment "kyoyu test desktop" "$WL_USER" ||
		skip_all "cannot create the user $WL_USER for sway"
	as_user="setpriv --reuid=$WL_USER --regid=$WL_USER --init-groups"
fi
# The desktop's files, where its user can reach them (E2E_TMP is root's).
WL_BASE=$(mktemp -d /tmp/kyoyu-sway.XXXXXX)
chmod 755 "$WL_BASE"
mkdir -m 700 "$WL_BASE/run"
chown "$WL_USER:" "$WL_BASE/run"
cat >"$WL_BASE/sway.cfg" <<CFG
output HEADLESS-1 resolution 1280x720 position 0 0 bg #204060 solid_color
default_border none
xwayland disable
CFG
sway_pid=
cleanup() {
	exec 7>&-
	# The clients first: a client whose desktop went first may spin.
	for pid in $E2E_PIDS; do
		kill "$pid" 2>/dev/null
	done
	[ -n "$sway_pid" ] && kill "$sway_pid" 2>/dev/null && wait "$sway_pid" 2>/dev/null
	[ -n "${KYOYU_WL_KEEP:-}" ] && cp "$WL_BASE/sway.log" "$KYOYU_WL_KEEP/"
	rm -rf "$WL_BASE"
	e2e_cleanup
}
trap cleanup EXIT

# shellcheck disable=SC2086 # no word, or the setpriv command
(cd / && exec $as_user env -i HOME="$WL_BASE" XDG_RUNTIME_DIR="$WL_BASE/run" \
	PATH=/usr/bin:/bin WLR_BACKENDS=headless WLR_RENDERER=pixman \
	WLR_LIBINPUT_NO_DEVICES=1 sway -c "$WL_BASE/sway.cfg" >"$WL_BASE/sway.log" 2>&1) &
sway_pid=$!
socket() { find "$WL_BASE/run" -maxdepth 1 -name 'wayland-*' -type s | head -1; }
socket_up() { test -n "$(socket)"; }
if ! wait_for 20 socket_up; then
	sed 's/^/# /' "$WL_BASE/sway.log" | tail -5
	skip_all "headless sway did not start"
fi
XDG_RUNTIME_DIR=$WL_BASE/run
WAYLAND_DISPLAY=$(basename "$(socket)")
SWAYSOCK=$(find "$WL_BASE/run" -maxdepth 1 -name 'sway-ipc.*' | head -1)
export XDG_RUNTIME_DIR WAYLAND_DISPLAY SWAYSOCK
unset DISPLAY
ok "headless sway starts"

# The customer's window: the whole screen in one colour, reporting clicks.
"$WL_BIN/kyoyu-wl-fill" 204060 >"$E2E_TMP/fill" &
E2E_PIDS="$E2E_PIDS $!"
check "a window covers the screen" wait_for 20 grep -q ready "$E2E_TMP/fill"
# A mouse for the desktop, clicking where it is told on fd 7.
mkfifo "$E2E_TMP/clicks"
"$WL_BIN/kyoyu-wl-click" 1280 720 <"$E2E_TMP/clicks" >"$E2E_TMP/click.log" 2>&1 &
E2E_PIDS="$E2E_PIDS $!"
exec 7>"$E2E_TMP/clicks"
check "the window gets the mouse" wait_for 10 grep -qx pointer "$E2E_TMP/fill"

shot() { grim -t png "$E2E_TMP/shot.png" 2>/dev/null; }
# colour_at X Y: the screen's colour there, as #RRGGBB.
colour_at() {
	grim -g "$1,$2 1x1" -t ppm - 2>/dev/null | tail -c 3 | od -An -tx1 |
		tr -d ' \n' | tr a-f A-F | sed 's/^/#/'
}
colour_is() { test "$(colour_at "$1" "$2")" = "$3"; }
# red_box: where the arrow's red is on the screen, as X Y (nothing: none).
red_box() {
	shot && convert "$E2E_TMP/shot.png" -fill black +opaque '#FF3B30' \
		-fill white -opaque '#FF3B30' -format '%@' info: 2>/dev/null |
		sed -n 's/^[1-9][0-9]*x[0-9]*+\([0-9]*\)+\([0-9]*\)$/\1 \2/p'
}
# arrow_at X Y: the arrow's tip is at X,Y: its red starts within 5 pixels
# right of and below it (the white edge comes first).
arrow_at() {
	set -- "$1" "$2" $(red_box)
	[ $# -eq 4 ] && [ $(($3 - $1)) -ge 0 ] && [ $(($3 - $1)) -le 5 ] &&
		[ $(($4 - $2)) -ge 0 ] && [ $(($4 - $2)) -le 5 ]
}
no_arrow() { shot && [ -z "$(red_box)" ]; }
# The badge's right edge is 12 px from the screen's; a pixel 3 px inside.
BADGE_X=$((1280 - 12 - 3))
BADGE_Y=$((12 + 2))

sock="$E2E_TMP/sharer.sock"
mkfifo "$E2E_TMP/fifo"
start_agent sharer -r sharer -o capture.plugin=testsrc -o capture.fps=10 \
	-o codec.plugin="$codec" -o codec.format=vp8 -o transport.plugin=e2epeer \
	-o transport.control="$E2E_TMP/fifo" -o ui.plugin=wayland-overlay,customer \
	-o ui.language="${KYOYU_WL_LANGUAGE:-en}" -o ctl.socket="$sock" -t 120
sharer=$AGENT_PID
check "the sharer shares" wait_for 30 state_is "$sock" sharing
check "the badge is in the top-right corner, red" \
	wait_for 10 colour_is $BADGE_X $BADGE_Y '#C62828'
check "with white words" sh -c "grim -g '$((1280 - 212)),20 200x16' -t png - |
	convert png:- -depth 8 txt:- | grep -q '#FFFFFF'"
check "no arrow before the operator points" no_arrow

tell_peer "size 1280 720 100 50"
tell_peer "pointer 200 150 1"
check "the arrow appears at the shared area's origin + the pointer (300,200)" \
	wait_for 10 arrow_at 300 200
if [ -n "${KYOYU_WL_SHOTS:-}" ]; then
	lang=${KYOYU_WL_LANGUAGE:-en}
	grim -g "0,0 1280x720" "$KYOYU_WL_SHOTS/wayland-overlay-$lang.png"
	note "screenshot: $KYOYU_WL_SHOTS/wayland-overlay-$lang.png"
fi
# clicks_through X Y: a click at X,Y lands in the window below.
clicks_through() {
	echo "click $1 $2" >&7 && wait_for 2 grep -qx "press $1 $2" "$E2E_TMP/fill"
}
check "a click on the badge reaches the window below" \
	wait_for 10 clicks_through $BADGE_X $BADGE_Y
check "and a click on the arrow too" wait_for 10 clicks_through 302 205

tell_peer "pointer 400 300 1"
check "the arrow follows the operator" wait_for 10 arrow_at 500 350
tell_peer "pointer 400 300 0"
check "and goes when released" wait_for 10 no_arrow

tell_peer "pointer 10 10 1"
wait_for 10 arrow_at 110 60
"$KYOYU_AGENT" ctl pause --socket "$sock" >/dev/null
check "paused, the badge turns amber" wait_for 10 colour_is $BADGE_X $BADGE_Y '#F9A825'
check "and the arrow goes" wait_for 10 no_arrow
tell_peer "pointer 20 20 1"
sleep 0.5
check "the operator cannot point while paused" no_arrow
"$KYOYU_AGENT" ctl resume --socket "$sock" >/dev/null
tell_peer "pointer 20 20 1"
resumed() { arrow_at 120 70 && colour_is $BADGE_X $BADGE_Y '#C62828'; }
check "after resume the arrow is back and the badge red" wait_for 10 resumed

"$KYOYU_AGENT" ctl leave --socket "$sock" >/dev/null
check "the sharer leaves and exits" wait_for 20 stopped "$sharer"
check "leaving no badge" colour_is $BADGE_X $BADGE_Y '#204060'
check "and no arrow on the screen" no_arrow

# With an X display too (Xwayland, say), the Wayland list's x11-overlay
# steps aside for wayland-overlay: one badge, not two.
if command -v xwininfo >/dev/null && start_xvfb 640 480; then
	start_agent both -r sharer -o capture.plugin=testsrc -o codec.plugin="$codec" \
		-o codec.format=vp8 -o transport.plugin=e2epeer -o log.level=info \
		-o ui.plugin=wayland-overlay,x11-overlay,customer -o ctl.socket="$sock" -t 60
	check "with X too, the badge is on the Wayland desktop" \
		wait_for 20 colour_is $BADGE_X $BADGE_Y '#C62828'
	check "and ui/x11-overlay steps aside, saying why" \
		grep -q "layer-shell: ui/wayland-overlay draws" "$E2E_TMP/both.log"
	check "drawing nothing on the X display" \
		sh -c "! xwininfo -root -tree | grep -q '\"kyoyu'"
	"$KYOYU_AGENT" ctl leave --socket "$sock" >/dev/null
	wait_for 20 stopped "$AGENT_PID"
else
	skip "no Xvfb: x11-overlay stepping aside is not checked"
fi

tap_done
