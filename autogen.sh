#!/bin/sh
# SPDX-License-Identifier: MIT
# Generates ./configure from a git checkout (release tarballs ship it).
set -e
cd "$(dirname "$0")"
autoreconf --force --install
# automake installs test-driver but not the TAP driver our tests use.
cp -f "$(automake --print-libdir)/tap-driver.sh" build-aux/tap-driver.sh
