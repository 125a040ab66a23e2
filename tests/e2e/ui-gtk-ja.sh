#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/e2e/ui-gtk.sh in Japanese: the customer's window and bar with
# ui.language = "ja", every word looked for read back by OCR in Japanese.
KYOYU_TEST_LANGUAGE=ja
export KYOYU_TEST_LANGUAGE
. "$KYOYU_SRCDIR/tests/e2e/ui-gtk.sh"
