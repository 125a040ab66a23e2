#!/bin/sh
# SPDX-License-Identifier: MIT
# A bounded libFuzzer run of the transport, for CI: fuzz-protocol (both
# sides of the protocol stack, seeds in tests/fuzz/corpus) and fuzz-sharer
# (the customer's agent against a hostile viewer, seeds in
# tests/fuzz/corpus-sharer), sharing the time between them; then
# fuzz-relay (what kyoyu-relay reads from its links and from Redis, seeds
# in tests/fuzz/corpus-relay) for RELAY_SECONDS more.
#
#   tests/fuzz/run.sh [SECONDS] [BUILDDIR] [RELAY_SECONDS]
#
# Builds kyoyu with clang, --enable-fuzzing and the sanitizers in BUILDDIR
# (default: build/fuzz beside the sources), then fuzzes for SECONDS in all
# (default 60: 35 for fuzz-protocol, 25 for fuzz-sharer), and fuzz-relay
# for RELAY_SECONDS (default 20; skipped when the relay is not built),
# starting from a copy of each corpus.  Prints TAP: one case per target, failed when the
# fuzzer found a crash, a leak, a hang or a broken promise (the reproducer
# is left in BUILDDIR/fuzz-artifacts/).  Skipped without clang.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
SECONDS_TO_RUN=${1:-60}
BUILD=${2:-$TOP/build/fuzz}
RELAY_SECONDS=${3:-20}
# fuzz-protocol covers more code: it gets the larger share.
PROTOCOL_SECONDS=$((SECONDS_TO_RUN * 7 / 12))
SHARER_SECONDS=$((SECONDS_TO_RUN - PROTOCOL_SECONDS))

echo "1..3"
if ! command -v clang >/dev/null 2>&1; then
	echo "ok 1 # SKIP clang is not installed (apt-get install clang libclang-rt-14-dev)"
	echo "ok 2 # SKIP clang is not installed"
	echo "ok 3 # SKIP clang is not installed"
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
		echo "not ok 2 - fuzzing build configured"
		echo "not ok 3 - fuzzing build configured"
		exit 1
	}
fi
make -C "$BUILD" -j"$(nproc 2>/dev/null || echo 2)" tests/fuzz/fuzz-protocol \
	tests/fuzz/fuzz-sharer >"$BUILD/fuzz-make.out" 2>&1 || {
	tail -20 "$BUILD/fuzz-make.out" | sed 's/^/# /'
	echo "not ok 1 - fuzz targets built"
	echo "not ok 2 - fuzz targets built"
	echo "not ok 3 - fuzz targets built"
	exit 1
}
# The relay needs hiredis: without it, configure leaves it out.
RELAY_FUZZ=yes
grep -q '^S\["BUILD_RELAY_TRUE"\]=""' "$BUILD/config.status" || RELAY_FUZZ=""
if [ -n "$RELAY_FUZZ" ] &&
	! make -C "$BUILD" tests/fuzz/fuzz-relay >>"$BUILD/fuzz-make.out" 2>&1; then
	tail -20 "$BUILD/fuzz-make.out" | sed 's/^/# /'
	RELAY_FUZZ=failed
fi
mkdir -p "$BUILD/fuzz-artifacts"

# fuzz N TARGET CORPUS SECONDS WHAT: one TAP case.
fuzz() {
	n=$1 target=$2 corpus=$3 secs=$4 what=$5
	work="$BUILD/$target-corpus"
	mkdir -p "$work"
	cp "$TOP/tests/fuzz/$corpus"/* "$work/"
	# Leaks are checked; a run longer than 2 s on one input is a hang.
	ASAN_OPTIONS=detect_leaks=1 "$BUILD/tests/fuzz/$target" \
		-max_total_time="$secs" -timeout=2 -rss_limit_mb=1024 -max_len=65536 \
		-print_final_stats=1 -artifact_prefix="$BUILD/fuzz-artifacts/$target-" \
		"$work" >"$BUILD/$target.log" 2>&1
	status=$?
	grep -E '^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)' \
		"$BUILD/$target.log" | sed "s/^/# $target /"
	grep -E '^#[0-9]+[[:space:]]+DONE' "$BUILD/$target.log" | sed "s/^#/# $target /"
	if [ "$status" -eq 0 ]; then
		echo "ok $n - $secs s of fuzzing $what found nothing"
	else
		grep -E 'ERROR|SUMMARY|Test unit written|fuzz-sharer:' "$BUILD/$target.log" |
			head -10 | sed 's/^/# /'
		echo "not ok $n - $target found a problem (see $BUILD/$target.log)"
	fi
	return "$status"
}
fuzz 1 fuzz-protocol corpus "$PROTOCOL_SECONDS" "the protocol stack"
s1=$?
fuzz 2 fuzz-sharer corpus-sharer "$SHARER_SECONDS" "the customer's agent against a hostile viewer"
s2=$?
s3=0
if [ -z "$RELAY_FUZZ" ]; then
	echo "ok 3 # SKIP kyoyu-relay is not built (configure found no hiredis)"
elif [ "$RELAY_FUZZ" = failed ]; then
	echo "not ok 3 - fuzz-relay built"
	s3=1
else
	fuzz 3 fuzz-relay corpus-relay "$RELAY_SECONDS" "what the relay reads from its links and Redis"
	s3=$?
fi
[ "$s1" -eq 0 ] && [ "$s2" -eq 0 ] && [ "$s3" -eq 0 ]
