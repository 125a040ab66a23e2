#!/bin/sh
# SPDX-License-Identifier: MIT
# Runs every input of the seed corpora through the fuzz targets' code once,
# under the build's sanitizers: tests/fuzz/corpus through fuzz-protocol
# (both sides of the protocol), tests/fuzz/corpus-sharer through
# fuzz-sharer (the customer's agent against a hostile viewer).  A
# regression test of the inputs the fuzzers started from, and of any crash
# they found that was added to a corpus.  Prints TAP.
: "${KYOYU_BUILDDIR:?run from make check}" "${KYOYU_SRCDIR:?}"
. "$KYOYU_SRCDIR/tests/tap.sh"
T=$(mktemp -d /tmp/kyoyu-replay.XXXXXX)
trap 'rm -rf "$T"' EXIT
for target in fuzz-replay:corpus fuzz-sharer-replay:corpus-sharer; do
	prog=${target%%:*} corpus=${target#*:}
	"$KYOYU_BUILDDIR/tests/fuzz/$prog" "$KYOYU_SRCDIR"/tests/fuzz/"$corpus"/* >"$T/out" 2>"$T/err"
	status=$?
	for name in "$KYOYU_SRCDIR"/tests/fuzz/"$corpus"/*; do
		name=${name##*/}
		check "$corpus/$name runs to its end" grep -q "^ok [0-9]* - $name\$" "$T/out"
	done
	[ "$status" -eq 0 ] || { note "$prog: exit status $status"; tail -20 "$T/err" | sed 's/^/# /'; }
done
tap_done
