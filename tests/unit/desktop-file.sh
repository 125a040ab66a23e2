#!/bin/sh
# SPDX-License-Identifier: MIT
# The customer's launcher (data/kyoyu.desktop, installed with ui/gtk as
# $(datadir)/applications/kyoyu.desktop): valid for desktops, no terminal,
# starts the installed agent as the sharer with the window, names an icon
# that is installed, and has its Japanese name.
: "${KYOYU_SRCDIR:?run from make check}"
. "$KYOYU_SRCDIR/tests/tap.sh"
desktop=$KYOYU_BUILDDIR/data/kyoyu.desktop
[ -f "$KYOYU_BUILDDIR/plugins/kyoyu-ui-gtk.la" ] || skip_all "plugins/ui-gtk is not built"
command -v desktop-file-validate >/dev/null ||
	skip_all "desktop-file-validate is missing (apt-get install desktop-file-utils)"
[ -f "$desktop" ] || make -C "$KYOYU_BUILDDIR" data/kyoyu.desktop >/dev/null 2>&1
check "the launcher is built" test -f "$desktop"
check "desktop-file-validate accepts it" desktop-file-validate "$desktop"
key() { sed -n "s/^$1=//p" "$desktop"; }
check "it opens no terminal" test "$(key Terminal)" = false
exec_line=$(key Exec)
check "it runs the installed kyoyu-agent as the sharer" \
	sh -c "case '$exec_line' in /*/kyoyu-agent\ -r\ sharer\ *) exit 0;; esac; exit 1"
check "with the window (ui/gtk)" sh -c "echo '$exec_line' | grep -q 'ui.plugin=gtk'"
check "its icon is the one installed" test "$(key Icon)" = kyoyu -a -f "$KYOYU_SRCDIR/data/kyoyu.svg"
check "it has a Japanese name" test -n "$(key 'Name\[ja\]')"
tap_done
