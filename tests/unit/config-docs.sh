#!/bin/sh
# SPDX-License-Identifier: MIT
# docs/config.md and data/agent.cfg stay true: the example passes
# --check-config; every key of the core's tables (kyoyu-agent --help), of
# every built plugin and of kyoyu-relay is documented; and kyoyu.cfg(5),
# built from docs/config.md, carries every key the document has.
: "${KYOYU_AGENT:?run from make check}" "${KYOYU_SRCDIR:?}"
DOC=$KYOYU_SRCDIR/docs/config.md
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; }

# The example's pin is a placeholder that --check-config refuses, as the
# sharer would: filled in with a well-formed one, the file must pass.
example=$(mktemp "${TMPDIR:-/tmp}/kyoyu-agent-cfg.XXXXXX")
trap 'rm -f "$example"' EXIT
sed 's|sha256//REPLACE-WITH-THE-PIN-PRINTED-BY-kyoyu-agent--make-cert=|sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=|' \
	"$KYOYU_SRCDIR/data/agent.cfg" >"$example"
# LeakSanitizer's own tracer crashes on this run ("Tracer caught signal 11"
# at a stale dynamic-TLS block, GCC 12's LSan), whatever the code leaks:
# the leak check is left to the other --check-config runs.
if out=$(ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
	"$KYOYU_AGENT" --check-config "$example" 2>&1); then
	ok "the installed example agent.cfg, its pin filled in, is a valid configuration"
else
	echo "# $out"
	not_ok "the installed example agent.cfg, its pin filled in, is a valid configuration"
fi
if out=$("$KYOYU_AGENT" --check-config "$KYOYU_SRCDIR/data/agent.cfg" 2>&1); then
	not_ok "the example's placeholder pin is refused"
elif echo "$out" | grep -q 'agent.cfg.*transport.pin .* is not of the form sha256//'; then
	ok "the example's placeholder pin is refused"
else
	echo "# $out"
	not_ok "the example's placeholder pin is refused"
fi

# Every "kind name" the agent can load, then each plugin's option keys.
plugins=$("$KYOYU_AGENT" --list-plugins 2>/dev/null |
	awk '$1 ~ /^(capture|codec|transport|policy|ui)$/ { print $1 "/" $2 }')
for plugin in $plugins; do
	kind=${plugin%/*}
	case $kind in
	policy) group=session ;;
	*) group=$kind ;;
	esac
	missing=""
	keys=$("$KYOYU_AGENT" --help-plugin "$plugin" 2>/dev/null |
		sed -n '/^Options/,$p' | awk 'NR > 1 && /^  [a-z0-9_]+ / { print $1 }')
	for key in $keys; do
		# The recorder's keys live in the record group (or transport, as a peer).
		grep -q -e "\`$group\.$key\`" -e "\`record\.$key\`" -e "\`$group\.[a-z_]*\`, \`$group\.$key\`" "$DOC" ||
			missing="$missing $key"
	done
	if [ -z "$missing" ]; then
		ok "docs/config.md documents every option of $plugin"
	else
		not_ok "docs/config.md documents every option of $plugin (missing:$missing)"
	fi
done
# The keys docs/config.md documents: the first column of its tables.
doc_keys=$(awk -F'|' '/^\| `/ { print $2 }' "$DOC" | grep -o '`[a-z0-9_.]*`' | tr -d '`' | sort -u)
documented() { echo "$doc_keys" | grep -qxF "$1"; }

missing=""
for key in $("$KYOYU_AGENT" --help | sed -n "/^The core's keys/{n;p;}"); do
	documented "$key" || missing="$missing $key"
done
if [ -z "$missing" ]; then
	ok "docs/config.md documents every key of the core's tables"
else
	not_ok "docs/config.md documents every key of the core's tables (missing:$missing)"
fi

relay=${KYOYU_BUILDDIR:?}/kyoyu-relay
if [ -x "$relay" ]; then
	missing=""
	for key in $("$relay" --help | sed -n '/^Keys:/,$p' | awk 'NR > 1 { print $1 }'); do
		documented "$key" || missing="$missing $key"
	done
	if [ -z "$missing" ]; then
		ok "docs/config.md documents every key of kyoyu-relay"
	else
		not_ok "docs/config.md documents every key of kyoyu-relay (missing:$missing)"
	fi
else
	n=$((n + 1)); echo "ok $n # SKIP kyoyu-relay is not built (libhiredis-dev)"
fi

# kyoyu.cfg(5) is made from the document when built: each key is a tag.
man=$KYOYU_BUILDDIR/docs/man/kyoyu.cfg.5
missing=""
for key in $doc_keys; do
	grep -qxF ".B $(echo "$key" | sed 's/-/\\-/g')" "$man" || missing="$missing $key"
done
if [ -z "$missing" ] && [ "$(echo "$doc_keys" | wc -l)" -gt 50 ]; then
	ok "kyoyu.cfg(5) lists every key of docs/config.md ($(echo "$doc_keys" | wc -l) keys)"
else
	not_ok "kyoyu.cfg(5) lists every key of docs/config.md (missing:$missing)"
fi
echo "1..$n"
[ "$failed" -eq 0 ]
