#!/bin/sh
# SPDX-License-Identifier: MIT
# Runs every input of the seed corpora through the fuzz targets' code once,
# under the build's sanitizers: tests/fuzz/corpus through fuzz-protocol
# (both sides of the protocol), tests/fuzz/corpus-sharer through
# fuzz-sharer (the customer's agent against a hostile viewer),
# tests/fuzz/corpus-relay through fuzz-relay (what kyoyu-relay reads from
# its links and from Redis, when the relay is built).  A
# regression test of the inputs the fuzzers started from, and of any crash
# they found that was added to a corpus.  Prints TAP.
: "${KYOYU_BUILDDIR:?run from make check}" "${KYOYU_SRCDIR:?}"
. "$KYOYU_SRCDIR/tests/tap.sh"
T=$(mktemp -d /tmp/kyoyu-replay.XXXXXX)
trap 'rm -rf "$T"' EXIT
for target in fuzz-replay:corpus fuzz-sharer-replay:corpus-sharer \
	fuzz-relay-replay:corpus-relay; do
	prog=${target%%:*} corpus=${target#*:}
	if [ ! -x "$KYOYU_BUILDDIR/tests/fuzz/$prog" ] && [ "$prog" = fuzz-relay-replay ]; then
		skip "$corpus: kyoyu-relay is not built (configure found no hiredis)"
		continue
	fi
	"$KYOYU_BUILDDIR/tests/fuzz/$prog" "$KYOYU_SRCDIR"/tests/fuzz/"$corpus"/* >"$T/out" 2>"$T/err"
	status=$?
	for name in "$KYOYU_SRCDIR"/tests/fuzz/"$corpus"/*; do
		name=${name##*/}
		check "$corpus/$name runs to its end" grep -q "^ok [0-9]* - $name\$" "$T/out"
	done
	[ "$status" -eq 0 ] || { note "$prog: exit status $status"; tail -20 "$T/err" | sed 's/^/# /'; }
done
tap_done
