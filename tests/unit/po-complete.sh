#!/bin/sh
# SPDX-License-Identifier: MIT
# The catalogues (po/) are complete: every file with people's strings is in
# POTFILES.in, every catalogue of LINGUAS has every string the sources mark
# today, translated (not fuzzy, not empty), with format strings that match
# (msgfmt --check), and po/ja.po translates rather than copies the English.
: "${KYOYU_SRCDIR:?run from make check}"
. "$KYOYU_SRCDIR/tests/tap.sh"
PO=$KYOYU_SRCDIR/po
for tool in xgettext msgmerge msgfmt msgexec; do
	command -v $tool >/dev/null || skip_all "$tool is missing (apt-get install gettext)"
done
T=$(mktemp -d /tmp/kyoyu-po.XXXXXX)
trap 'rm -rf "$T"' EXIT

# Files that mark strings: _("...") or N_("...") in C, outside comments.
marked=$(cd "$KYOYU_SRCDIR" && grep -rlE '(^|[^A-Za-z0-9_])N?_\("' core plugins --include='*.c' --include='*.h' |
	grep -v '^plugins/common/i18n\.h$' | sort)
listed=$(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$PO/POTFILES.in" | sort)
unlisted=$(printf '%s\n' "$marked" | grep -vxF "$listed")
check "po/POTFILES.in lists every file with strings for people" test -z "$unlisted"
[ -z "$unlisted" ] || note "not in POTFILES.in: $(echo $unlisted)"
gone=$(for f in $listed; do [ -f "$KYOYU_SRCDIR/$f" ] || echo "$f"; done)
check "and no file that is gone" test -z "$gone"

# The template as `make update-po` would make it, from the sources of now.
opts=$(awk '/^XGETTEXT_OPTIONS/ { on = 1; sub(/^[^=]*=/, "") }
	on { cont = sub(/\\$/, ""); printf "%s ", $0; if (!cont) on = 0 }' "$PO/Makevars")
# shellcheck disable=SC2086
(cd "$KYOYU_SRCDIR" && xgettext $opts -o "$T/kyoyu.pot" -f "$PO/POTFILES.in") 2>"$T/xgettext.err"
check "xgettext extracts the template from POTFILES.in" test -s "$T/kyoyu.pot"
strings=$(grep -c '^msgid ' "$T/kyoyu.pot")
note "$((strings - 1)) strings for people in the sources"

for lang in $(sed 's/#.*//' "$PO/LINGUAS"); do
	po="$PO/$lang.po"
	if [ ! -f "$po" ]; then
		not_ok "po/$lang.po exists (po/LINGUAS names it)"
		continue
	fi
	stats=$(msgfmt --check --statistics -o /dev/null "$po" 2>&1)
	check "po/$lang.po passes msgfmt --check ($stats)" \
		sh -c 'msgfmt --check -o /dev/null "$0" && ! echo "$1" | grep -q "fuzzy\|untranslated"' \
		"$po" "$stats"
	# Merged with today's template, a string added or changed in the
	# sources shows as untranslated or fuzzy.
	msgmerge --quiet -o "$T/$lang.po" "$po" "$T/kyoyu.pot"
	merged=$(msgfmt --check --statistics -o /dev/null "$T/$lang.po" 2>&1)
	check "po/$lang.po has every string of the sources, translated ($merged)" \
		sh -c '! echo "$0" | grep -q "fuzzy\|untranslated"' "$merged"
	echo "$merged" | grep -q "fuzzy\|untranslated" && {
		msgattrib --only-fuzzy --no-obsolete "$T/$lang.po" | grep '^msgid' | grep -v '^msgid ""$' | sed 's/^/# fuzzy: /'
		msgattrib --untranslated --no-obsolete "$T/$lang.po" | grep '^msgid' | grep -v '^msgid ""$' | sed 's/^/# untranslated: /'
	}
done

# Japanese is translated, not copied: a string with English words in it
# (three letters or more) must not come back unchanged.  Only the window's
# title, "kyoyu — %s", keeps its words.  msgexec runs in a UTF-8 locale:
# in make check's C locale it would warn that it cannot pass the text whole.
if [ -f "$PO/ja.po" ]; then
	copies=$(LC_ALL=C.UTF-8 msgexec -i "$PO/ja.po" sh -c '
		[ -n "$MSGEXEC_MSGID" ] || exit 0
		msgstr=$(cat)
		[ "$msgstr" = "$MSGEXEC_MSGID" ] || exit 0
		printf "%s" "$MSGEXEC_MSGID" | sed "s/kyoyu//g" | grep -q "[A-Za-z][a-z][a-z]" &&
			printf "%s\n" "$MSGEXEC_MSGID"
		exit 0' 2>"$T/msgexec.err") ||
		copies="msgexec failed: $(cat "$T/msgexec.err")"
	check "po/ja.po translates every English sentence" test -z "$copies"
	[ -z "$copies" ] || printf '%s\n' "$copies" | sed 's/^/# copied: /'
fi
tap_done
