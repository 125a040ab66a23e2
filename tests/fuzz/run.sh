#!/bin/sh
# SPDX-License-Identifier: MIT
# A bounded libFuzzer run of the transport's protocol stack, for CI.
#
#   tests/fuzz/run.sh [SECONDS] [BUILDDIR]
#
# Builds kyoyu with clang, --enable-fuzzing and the sanitizers in BUILDDIR
# (default: build/fuzz beside the sources), then fuzzes for SECONDS
# (default 60) starting from a copy of tests/fuzz/corpus.  Prints TAP: one
# case, failed when the fuzzer found a crash, a leak or a hang (the
# reproducer is left in BUILDDIR/fuzz-artifacts/).  Skipped without clang.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
SECONDS_TO_RUN=${1:-60}
BUILD=${2:-$TOP/build/fuzz}

echo "1..1"
if ! command -v clang >/dev/null 2>&1; then
	echo "ok 1 # SKIP clang is not installed (apt-get install clang libclang-rt-14-dev)"
	exit 0
fi
mkdir -p "$BUILD"
[ -x "$TOP/configure" ] || (cd "$TOP" && ./autogen.sh >/dev/null 2>&1)
if [ ! -f "$BUILD/Makefile" ]; then
	(cd "$BUILD" && CC=clang "$TOP/configure" --enable-fuzzing --enable-sanitizers \
		--disable-codec-x264 --disable-codec-avcodec --disable-capture-file \
		>configure.out 2>&1) || {
		tail -20 "$BUILD/configure.out" | sed 's/^/# /'
		echo "not ok 1 - fuzzing build configured"
		exit 1
	}
fi
make -C "$BUILD" -j"$(nproc 2>/dev/null || echo 2)" tests/fuzz/fuzz-protocol >"$BUILD/fuzz-make.out" 2>&1 || {
	tail -20 "$BUILD/fuzz-make.out" | sed 's/^/# /'
	echo "not ok 1 - fuzz target built"
	exit 1
}
work="$BUILD/fuzz-corpus"
mkdir -p "$work" "$BUILD/fuzz-artifacts"
cp "$TOP"/tests/fuzz/corpus/* "$work/"
# Leaks are checked; a run longer than 2 s on one input is a hang.
ASAN_OPTIONS=detect_leaks=1 "$BUILD/tests/fuzz/fuzz-protocol" \
	-max_total_time="$SECONDS_TO_RUN" -timeout=2 -rss_limit_mb=1024 -max_len=65536 \
	-print_final_stats=1 -artifact_prefix="$BUILD/fuzz-artifacts/" \
	"$work" >"$BUILD/fuzz.log" 2>&1
status=$?
grep -E '^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)' "$BUILD/fuzz.log" |
	sed 's/^/# /'
if [ "$status" -eq 0 ]; then
	echo "ok 1 - ${SECONDS_TO_RUN} s of fuzzing the protocol stack found nothing"
else
	grep -E 'ERROR|SUMMARY|Test unit written' "$BUILD/fuzz.log" | head -10 | sed 's/^/# /'
	echo "not ok 1 - the fuzzer found a problem (see $BUILD/fuzz.log)"
fi
[ "$status" -eq 0 ]
