# SPDX-License-Identifier: MIT
# Sourced by the Wine tests that run a session against a Linux viewer
# (session-wine.sh, ui-win32-wine.sh), after KYOYU_TOP is set: WIN64 and
# LINUX name the Windows and the Linux builds (empty: build/win64 and
# build/check).  Sets OUT and LINUX to them, gives the Linux agent what make
# check gives the tests of tests/e2e (tests/Makefile.inc), loads
# session-lib.sh and wine-lib.sh and cleans both up at exit; skips the
# whole test when either build is missing.
OUT=$(cd "${WIN64:-$KYOYU_TOP/build/win64}" 2>/dev/null && pwd) || {
	echo "1..0 # SKIP no ${WIN64:-build/win64}: run scripts/cross-win64 --tests first"
	exit 0
}
linux_given=${LINUX:-build/check}
LINUX=$(cd "${LINUX:-$KYOYU_TOP/build/check}" 2>/dev/null && pwd) || {
	echo "1..0 # SKIP no Linux build $linux_given: run scripts/test first"
	exit 0
}
KYOYU_AGENT=$LINUX/kyoyu-agent KYOYU_BUILDDIR=$LINUX KYOYU_SRCDIR=$KYOYU_TOP
KYOYU_LOCALEDIR=$LINUX/locale LC_ALL=C
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
LSAN_OPTIONS=suppressions=$KYOYU_TOP/tests/lsan.supp:print_suppressions=0
export KYOYU_AGENT KYOYU_BUILDDIR KYOYU_SRCDIR KYOYU_LOCALEDIR LC_ALL ASAN_OPTIONS \
	UBSAN_OPTIONS LSAN_OPTIONS
unset LANGUAGE
[ -x "$KYOYU_AGENT" ] || {
	echo "1..0 # SKIP no $KYOYU_AGENT: build kyoyu for Linux first"
	exit 0
}
. "$KYOYU_TOP/tests/e2e/session-lib.sh"
. "$KYOYU_TOP/tests/win64/wine-lib.sh"
T=$E2E_TMP
trap 'wine_cleanup; e2e_cleanup' EXIT
