#!/bin/sh
# SPDX-License-Identifier: MIT
# Installs what kyoyu needs to build, test and demo on Debian 12, skipping
# what is already there.  Sourced by scripts/demo and scripts/test; it
# leaves the shell's options alone (each function returns its failure).

# gettext and autopoint: the catalogues (po/) and autogen.sh.  The windows
# draw text found through fontconfig (libfontconfig-dev, Pango on cairo for
# the overlay's badge): DejaVu for Latin, IPA Gothic for Japanese
# (fonts-ipafont-gothic: 3.5 MB, Japanese glyph forms, JIS X 0213's kanji;
# fonts-noto-cjk would be 57 MB, for Chinese and Korean too).
KYOYU_BUILD_DEPS="build-essential autoconf automake libtool libltdl-dev pkg-config
  gettext autopoint
  libconfig-dev libcmocka-dev libssl-dev openssl libhiredis-dev libyuv-dev libvpx-dev libx264-dev
  libavformat-dev libavcodec-dev libavutil-dev libswscale-dev
  libxcb1-dev libxcb-shm0-dev libxcb-damage0-dev libxcb-xfixes0-dev libxcb-randr0-dev
  libxcb-shape0-dev libsdl2-dev libsdl2-ttf-dev libfontconfig-dev
  libcairo2-dev libpango1.0-dev fonts-dejavu-core fonts-ipafont-gothic
  libpipewire-0.3-dev libglib2.0-dev libwayland-dev wayland-protocols libgtk-4-dev"
KYOYU_RUN_DEPS="xvfb x11-utils x11-xserver-utils x11-apps xdotool xterm ffmpeg imagemagick"
# The Wayland tests' desktop (scripts/wayland-session: mutter headless, the
# ScreenCast portal, PipeWire) and an Xwayland for capture/x11 to refuse;
# a headless sway and grim for ui/wayland-overlay (tests/wayland/ui-wayland-overlay.sh);
# redis-server and redis-tools for kyoyu-relay's tests, which start their
# own Redis on loopback (libhiredis-dev above builds the relay); haproxy for
# bench/relay-load.py's comparison and, in tests/relay/relay-rejoin.sh, as
# the desk's one address in front of two relay nodes; python3 for the probes
# that speak the relay's messages in tests/relay (rejoin, Redis stall);
# ui/gtk's test reads the window by OCR under openbox.
KYOYU_TEST_DEPS="clang libclang-rt-14-dev valgrind gnuplot-nox
  mutter xdg-desktop-portal xdg-desktop-portal-gnome pipewire pipewire-bin wireplumber
  dbus-daemon dbus-bin dbus-user-session libglib2.0-bin procps xwayland
  sway grim redis-server redis-tools haproxy python3
  openbox xclip tesseract-ocr tesseract-ocr-eng tesseract-ocr-jpn desktop-file-utils"

# man-db's lexgrog, groff and mandoc read the manuals (tests/unit/man-pages.sh);
# dpkg-dev, debhelper and lintian build and check the Debian packages
# (tests/packaging/debian.sh); debootstrap and systemd-nspawn boot them
# under a real systemd (tests/packaging/systemd.sh).
KYOYU_TEST_DEPS="$KYOYU_TEST_DEPS man-db mandoc dpkg-dev debhelper lintian debootstrap \
  systemd-container"

# Wine runs the Windows build's tests (tests/win64; scripts/test with
# KYOYU_TEST_WIN64=1, as CI runs it); scripts/cross-win64 installs the cross
# compilers itself.  ui/win32's test (tests/win64/ui-win32-wine.sh) types
# with xdotool and needs Wine's own Tahoma (fonts-wine, the message font)
# linked to a Japanese face (fonts-ipafont-gothic), as Windows links Segoe UI.
KYOYU_WIN64_TEST_DEPS="wine wine64 xvfb fonts-wine fonts-ipafont-gothic xdotool"

# Prints the packages of the list given as arguments that are not installed.
kyoyu_missing() {
	for pkg in "$@"; do
		dpkg-query -W -f='${Status}\n' "$pkg" 2>/dev/null | grep -q '^install ok installed$' ||
			echo "$pkg"
	done
}

# Installs the missing packages among the arguments, as root or with sudo.
kyoyu_install() {
	missing=$(kyoyu_missing "$@")
	[ -z "$missing" ] && return 0
	echo "kyoyu: installing: $(echo $missing)"
	if [ "$(id -u)" -eq 0 ]; then
		run=""
	elif command -v sudo >/dev/null 2>&1; then
		run="sudo"
	else
		echo "kyoyu: these packages are missing and I am not root: $(echo $missing)" >&2
		return 1
	fi
	$run env DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null || return 1
	# shellcheck disable=SC2086
	$run env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing >/dev/null
}

# Generates configure (when building from git) and configures BUILDDIR with
# the remaining arguments, unless it is configured with them already.
kyoyu_configure() {
	builddir=$1
	shift
	[ -x "$KYOYU_TOP/configure" ] || (cd "$KYOYU_TOP" && ./autogen.sh >/dev/null 2>&1)
	mkdir -p "$builddir"
	if [ ! -f "$builddir/config.status" ] ||
		[ "$(cat "$builddir/.kyoyu-configured" 2>/dev/null)" != "$*" ]; then
		(cd "$builddir" && "$KYOYU_TOP/configure" "$@" >configure.out 2>&1) || {
			tail -30 "$builddir/configure.out" >&2
			return 1
		}
		echo "$*" >"$builddir/.kyoyu-configured"
	fi
}
