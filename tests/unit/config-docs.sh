#!/bin/sh
# docs/config.md and data/agent.cfg stay true: the example passes
# --check-config, and every option of every built plugin is documented.
: "${KYOYU_AGENT:?run from make check}" "${KYOYU_SRCDIR:?}"
DOC=$KYOYU_SRCDIR/docs/config.md
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; }

if out=$("$KYOYU_AGENT" --check-config "$KYOYU_SRCDIR/data/agent.cfg" 2>&1); then
	ok "the installed example agent.cfg is a valid configuration"
else
	echo "# $out"
	not_ok "the installed example agent.cfg is a valid configuration"
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
echo "1..$n"
[ "$failed" -eq 0 ]
