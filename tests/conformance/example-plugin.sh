#!/bin/sh
# SPDX-License-Identifier: MIT
# The out-of-tree example (examples/hello-capture) built the way a third
# party builds a plugin: `make install DESTDIR=` puts kyoyu in a temporary
# folder, the example is compiled against the headers and kyoyu-plugin.pc
# found there only (`make PKG_CONFIG_PATH=...`, as its Makefile says), the
# installed kyoyu-plugin-check finds it conforming, and the installed agent
# lists it, describes it and runs a short session with it.  The installed
# agent also says how to build a plugin of kyoyu's own that is not there.
# Prints TAP.
set -u
builddir=${KYOYU_BUILDDIR:?run me from make check}
srcdir=${KYOYU_SRCDIR:?}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/kyoyu-example.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
dest=$tmp/dest
n=0
failed=0

ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() {
	n=$((n + 1)); failed=$((failed + 1))
	echo "not ok $n - $1"
	[ -f "$tmp/out" ] && sed 's/^/# /' "$tmp/out" | tail -40
}
skip() { n=$((n + 1)); echo "ok $n # SKIP $1"; }
skip_rest() {
	while [ $n -lt 10 ]; do n=$((n + 1)); echo "ok $n # SKIP $1"; done
	exit 1
}

echo "1..10"

# A nested make must not inherit the test harness's make variables.
if env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -C "$builddir" install \
	DESTDIR="$dest" >"$tmp/out" 2>&1; then
	ok "make install DESTDIR= into a temporary folder"
else
	not_ok "make install DESTDIR= into a temporary folder"
	skip_rest "nothing installed"
fi

pc=$(find "$dest" -name kyoyu-plugin.pc | head -n 1)
agent=$(find "$dest" -name kyoyu-agent -type f | head -n 1)
checker=$(find "$dest" -name kyoyu-plugin-check -type f | head -n 1)
libkyoyu=$(find "$dest" -name 'libkyoyu.so*' | head -n 1)
header=$(find "$dest" -path '*/include/kyoyu/kyoyu.h' | head -n 1)
if [ -n "$pc" ] && [ -n "$agent" ] && [ -n "$checker" ] && [ -n "$libkyoyu" ] &&
	[ -n "$header" ]; then
	ok "the SDK is installed: headers, libkyoyu, kyoyu-plugin.pc, the agent, kyoyu-plugin-check"
else
	echo "pc=$pc agent=$agent checker=$checker lib=$libkyoyu header=$header" >"$tmp/out"
	not_ok "the SDK is installed: headers, libkyoyu, kyoyu-plugin.pc, the agent, kyoyu-plugin-check"
	skip_rest "incomplete installation"
fi
# The .pc names the configured prefix; the sysroot puts it under DESTDIR.
PKG_CONFIG_SYSROOT_DIR=$dest
LD_LIBRARY_PATH=$(dirname "$libkyoyu")
export PKG_CONFIG_SYSROOT_DIR LD_LIBRARY_PATH

# Only the example's own files: no source tree on the include path.  The
# .pc's folder is given the way the example's Makefile documents, on make's
# command line (which $(shell) does not see before GNU make 4.4), and not in
# the environment.
mkdir -p "$tmp/hello"
cp "$srcdir/examples/hello-capture/Makefile" "$srcdir/examples/hello-capture/hello.c" \
	"$tmp/hello/"
chmod u+w "$tmp/hello/"*
if env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u PKG_CONFIG_PATH make -C "$tmp/hello" \
	PKG_CONFIG_PATH="$(dirname "$pc")" CFLAGS="-O2 -g -Wall -Wextra -Werror" \
	>"$tmp/out" 2>&1 &&
	grep -q -- "-I$dest" "$tmp/out" && [ -f "$tmp/hello/kyoyu-capture-hello.so" ]; then
	ok "make PKG_CONFIG_PATH=... builds the example against the installed headers and .pc only"
else
	not_ok "make PKG_CONFIG_PATH=... builds the example against the installed headers and .pc only"
	skip_rest "no plugin built"
fi
PKG_CONFIG_PATH=$(dirname "$pc")
export PKG_CONFIG_PATH

# An out-of-tree codec uses the helpers kyoyu's own encoders and decoders
# use (header-only; libyuv's header for two of them).
if ls /usr/include/libyuv.h >/dev/null 2>&1; then
	printf '#include <kyoyu/codec/encode-input.h>\n#include <kyoyu/codec/yuv-damage.h>\n#include <kyoyu/codec/frame-output.h>\nint main(void) { return 0; }\n' \
		>"$tmp/codec.c"
	# shellcheck disable=SC2046
	if ${CC:-cc} -std=c11 -Wall -Wextra -Werror -c $(pkg-config --cflags kyoyu-plugin) \
		-o "$tmp/codec.o" "$tmp/codec.c" >"$tmp/out" 2>&1; then
		ok "the installed codec helpers (<kyoyu/codec/*.h>) compile on their own"
	else
		not_ok "the installed codec helpers (<kyoyu/codec/*.h>) compile on their own"
	fi
else
	n=$((n + 1)); echo "ok $n # SKIP libyuv-dev is not installed"
fi

# What an integrator runs before anything else.
"$checker" "$tmp/hello/kyoyu-capture-hello.so" >"$tmp/out" 2>&1
if [ $? -eq 0 ] && grep -q "^# capture/hello conforms to plugin ABI" "$tmp/out"; then
	ok "the installed kyoyu-plugin-check finds the example conforming"
else
	not_ok "the installed kyoyu-plugin-check finds the example conforming"
fi

"$agent" --plugin-path "$tmp/hello" --list-plugins >"$tmp/out" 2>&1
if grep -Eq "^capture +hello +1\.0 +a bouncing square" "$tmp/out" &&
	! grep -q "refused" "$tmp/out"; then
	ok "the installed agent lists the example plugin"
else
	not_ok "the installed agent lists the example plugin"
fi

"$agent" --plugin-path "$tmp/hello" --help-plugin hello >"$tmp/out" 2>&1
if grep -q "capture/hello 1.0" "$tmp/out" && grep -Eq "^  fps +int" "$tmp/out" &&
	grep -q "red|green|blue, default red" "$tmp/out"; then
	ok "--help-plugin hello prints its options"
else
	not_ok "--help-plugin hello prints its options"
fi

# A short session: the example captures; the fake codec, transport and
# customer (who says yes to sharing) of the build tree stand in for an
# encoder, the network and a person.
plugindir=$(dirname "$(find "$dest" -name 'kyoyu-policy-default.*' | head -n 1)")
"$agent" --plugin-path "$tmp/hello:$builddir/tests/plugins:$plugindir" \
	-o capture.plugin=hello -o capture.fps=20 -o codec.plugin=fake \
	-o codec.format=vp8 -o transport.plugin=fake -o ui.plugin=customer -o log.level=info -t 1 \
	>"$tmp/out" 2>&1
if grep -Eq "session ended \(left\) .* [1-9][0-9]* captured frames, [1-9][0-9]* packets" \
	"$tmp/out" && grep -q "\[capture/hello\] a 320x240 red square" "$tmp/out"; then
	ok "a short session runs on the example plugin"
else
	not_ok "a short session runs on the example plugin"
fi

# A plugin of kyoyu's own that this installation lacks (it looks in its
# configured folder, not under DESTDIR): the hint names the right kind.
hints=""
: >"$tmp/out"
for plugin in ui/sdl transport/tls codec/x264; do
	name=${plugin#*/}
	"$agent" --plugin-path "$tmp/hello" --help-plugin "$name" >>"$tmp/out" 2>&1
	grep -q -- "--enable-$(echo "$plugin" | tr / -)" "$tmp/out" || hints="$hints $plugin"
done
if [ -z "$hints" ]; then
	ok "--help-plugin sdl, tls, x264 say --enable-ui-sdl, --enable-transport-tls, --enable-codec-x264"
elif grep -q "^  license:" "$tmp/out"; then
	skip "a kyoyu installed on this machine has some of them"
else
	not_ok "--help-plugin names the kind of a plugin that is not built (wrong for:$hints)"
fi

if env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -C "$tmp/hello" install \
	DESTDIR="$tmp/staged" >"$tmp/out" 2>&1 &&
	[ -n "$(find "$tmp/staged" -path '*/kyoyu/plugins/kyoyu-capture-hello.so')" ]; then
	ok "the example's make install puts it in kyoyu's plugin folder"
else
	not_ok "the example's make install puts it in kyoyu's plugin folder"
fi

[ $failed -eq 0 ]
