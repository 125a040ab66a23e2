#!/bin/sh
# CFLAGS and pkg-config's output are word lists: split on purpose.
# shellcheck disable=SC2086,SC2046
# Builds the Wayland test helpers by hand until they are wired into
# `make check`:   tests/wayland/build.sh [OUTDIR]   (default build/wayland)
#
#   kyoyu-screencast-probe  the portal + PipeWire receiver (gio, libpipewire-0.3)
#   kyoyu-wl-fill           a wl_shm client painting known pixels (wayland-client)
#   kyoyu-mutter-pointer    moves mutter's pointer (gio)
#
# Needs: libglib2.0-dev libpipewire-0.3-dev libwayland-dev wayland-protocols.
set -eu
src=$(cd "$(dirname "$0")" && pwd)
out=${1:-build/wayland}
CC=${CC:-cc}
CFLAGS=${CFLAGS:--std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -O1 -g}
mkdir -p "$out"
xdg_shell=$(pkg-config --variable=pkgdatadir wayland-protocols)/stable/xdg-shell/xdg-shell.xml

set -x
$CC $CFLAGS -o "$out/kyoyu-screencast-probe" "$src/screencast-probe.c" \
	"$src/portal.c" "$src/stream.c" \
	$(pkg-config --cflags --libs gio-unix-2.0 libpipewire-0.3)
wayland-scanner client-header "$xdg_shell" "$out/xdg-shell-client-protocol.h"
wayland-scanner private-code "$xdg_shell" "$out/xdg-shell-protocol.c"
$CC $CFLAGS -I"$out" -o "$out/kyoyu-wl-fill" "$src/wl-fill.c" \
	"$out/xdg-shell-protocol.c" $(pkg-config --cflags --libs wayland-client)
$CC $CFLAGS -o "$out/kyoyu-mutter-pointer" "$src/mutter-pointer.c" \
	$(pkg-config --cflags --libs gio-2.0)
