#!/bin/sh
# SPDX-License-Identifier: MIT
# The customer's launcher (data/kyoyu.desktop, installed with ui/gtk as
# $(datadir)/applications/kyoyu.desktop): valid for desktops, no terminal,
# starts the installed agent as the sharer with the window, names an icon
# that is installed, and has its Japanese name; the customer's configuration
# it reads is installed as an example (data/sharer.cfg).
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

# The configuration it names is installed as an example (data/sharer.cfg):
# with the desk's pin in place of the placeholder it is a valid sharer's.
cfg=$(echo "$exec_line" | sed -n 's/.* -c \([^ ]*\) .*/\1/p')
check "it reads the customer's configuration from \$(sysconfdir)/kyoyu/sharer.cfg" \
	sh -c "case '$cfg' in /*/kyoyu/sharer.cfg) exit 0;; esac; exit 1"
example=$KYOYU_SRCDIR/data/sharer.cfg
check "the example says where the pin comes from" grep -q 'make-cert' "$example"
T=$(mktemp -d /tmp/kyoyu-desktop.XXXXXX)
trap 'rm -rf "$T"' EXIT
sed 's|sha256//REPLACE[^"]*|sha256//1GD5yi2frzfbbpwpqeb4TbWJa6xUEY+nMiXZMvIDFag=|' "$example" >"$T/sharer.cfg"
check "with a real pin, --check-config accepts it as a sharer's" \
	sh -c "'$KYOYU_AGENT' --check-config '$T/sharer.cfg' | grep -q 'OK (role sharer)'"
check "as it stands it is refused, saying what is wrong with the pin" \
	sh -c "! '$KYOYU_AGENT' --check-config '$example' 2>&1 | grep -q OK &&
		'$KYOYU_AGENT' --check-config '$example' 2>&1 | grep -q 'transport.pin'"
install_to() { make -C "$KYOYU_BUILDDIR" install-sharer-cfg DESTDIR="$1" >/dev/null 2>&1; }
install_to "$T/root"
installed=$(find "$T/root" -name sharer.cfg)
check "make install puts it in \$(sysconfdir)/kyoyu" cmp -s "$example" "$installed"
echo '# the desk' >>"$installed"
install_to "$T/root"
check "and a reinstall keeps the desk's own" grep -q '^# the desk' "$installed"
tap_done
