#!/bin/sh
# SPDX-License-Identifier: MIT
# Every source file, script and build file names its licence in an SPDX
# line near its top (LICENSE holds the text), so a packager's
# debian/copyright and a licence scanner can be written from the tree.
# Prints TAP and names each file without one.
set -u
srcdir=${KYOYU_SRCDIR:?run me from make check}
. "$srcdir/tests/tap.sh"

cd "$srcdir" || exit 1
# Sources and build files; not what autotools, gettext or a build made.
missing=$(find . \( -name .git -o -name build -o -name _build -o -name _inst \
		 -o -name autom4te.cache -o -name build-aux -o -name corpus \) -prune -o -type f \
		 \( -name '*.c' -o -name '*.h' -o -name '*.sh' -o -name Makefile.am \
		 -o -name Makefile.inc -o -name configure.ac -o -name 'kyoyu-*.m4' \
		 -o -path './scripts/*' -o -path './bench/*' -o -path './.ci/*' \) \
		 ! -name '*.png' ! -name '*.md' -print |
	  while read -r f; do
		  head -n 3 "$f" | grep -q 'SPDX-License-Identifier: MIT' || echo "$f"
	  done | sort)

if [ -z "$missing" ]; then
	ok "every source, script and build file has an SPDX licence line"
else
	for f in $missing; do note "no 'SPDX-License-Identifier: MIT' in the first 3 lines: $f"; done
	not_ok "every source, script and build file has an SPDX licence line"
fi
tap_done
