#!/bin/sh
# SPDX-License-Identifier: MIT
# Runs every input of the seed corpus (tests/fuzz/corpus) through the fuzz
# target's code once, under the build's sanitizers: a regression test of
# the inputs the fuzzer started from (and of any crash it found and that was
# added to the corpus).  Prints TAP.
: "${KYOYU_BUILDDIR:?run from make check}" "${KYOYU_SRCDIR:?}"
exec "$KYOYU_BUILDDIR/tests/fuzz/fuzz-replay" "$KYOYU_SRCDIR"/tests/fuzz/corpus/*
