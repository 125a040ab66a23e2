#!/bin/sh
# The agent's command line: --check-config on good and bad files (errors
# name file, line and key), -o overriding the file, --help-plugin, and a
# short run on fake plugins.  Prints TAP.
set -u
agent=${KYOYU_AGENT:?run me from make check}
plugins=${KYOYU_BUILDDIR:?}/tests/plugins
tmp=$(mktemp -d "${TMPDIR:-/tmp}/kyoyu-cli.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
n=0
failed=0

ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() {
	n=$((n + 1)); failed=$((failed + 1))
	echo "not ok $n - $1"
	sed 's/^/# /' "$tmp/out"
}
# expect STATUS PATTERN NAME -- ARGS...: runs the agent, checks its exit
# status (0 or "fail") and that its output matches PATTERN (grep -E).
expect() {
	status=$1 pattern=$2 name=$3
	shift 4
	"$agent" "$@" >"$tmp/out" 2>&1
	rc=$?
	if [ "$status" = 0 ] && [ $rc -ne 0 ]; then not_ok "$name (exit $rc)"; return; fi
	if [ "$status" = fail ] && [ $rc -eq 0 ]; then not_ok "$name (exit 0)"; return; fi
	if grep -Eq -- "$pattern" "$tmp/out"; then ok "$name"; else not_ok "$name"; fi
}

echo "1..11"

cat >"$tmp/good.cfg" <<'CFG'
role = "sharer";
session = {
  policy = "default";
  max_minutes = 30;
};
codec = { bitrate_kbps = 800; };
log = { level = "warning"; };
CFG
expect 0 "good.cfg: OK \(role sharer\)" "check-config accepts a good file" -- \
	--check-config "$tmp/good.cfg"

printf 'session = {\n  max_minutes = 30;\n  max_minutez = 3;\n};\n' >"$tmp/typo.cfg"
expect fail "typo.cfg:3: unknown key session.max_minutez" \
	"check-config names file, line and the unknown key" -- --check-config "$tmp/typo.cfg"

printf 'session = {\n  max_minutes = 0;\n};\n' >"$tmp/range.cfg"
expect fail "range.cfg:2: session.max_minutes = 0 is out of range 1..1440" \
	"check-config refuses a value out of range" -- --check-config "$tmp/range.cfg"
expect 0 "range.cfg: OK" "a command-line override wins over the file" -- \
	--check-config "$tmp/range.cfg" -o session.max_minutes=20
expect fail "command line: session.max_minutes = 9999 is out of range" \
	"a bad override names the command line" -- \
	--check-config "$tmp/good.cfg" -o session.max_minutes=9999

printf 'session = {\n  max_minutes = "ten";\n};\n' >"$tmp/type.cfg"
expect fail "type.cfg:2: session.max_minutes must be an integer" \
	"check-config refuses a bad type" -- --check-config "$tmp/type.cfg"

printf 'capture = {\n  nested = { a = 1; };\n};\n' >"$tmp/nested.cfg"
expect fail "nested.cfg:2: capture.nested: groups nest one level only" \
	"check-config refuses a nested group" -- --check-config "$tmp/nested.cfg"

printf 'session = {\n  max_minutes = 30\n' >"$tmp/syntax.cfg"
expect fail "syntax.cfg:[0-9]+: syntax error" "check-config names a syntax error" -- \
	--check-config "$tmp/syntax.cfg"

expect 0 "max_minutes +int +the session ends" "help-plugin prints the option table" -- \
	--help-plugin policy/default

expect fail "not of the form group.key=value" "a malformed -o is refused" -- \
	-o nonsense --check-config "$tmp/good.cfg"

expect 0 "session ended \(left\) after [0-9.]+ s: [1-9][0-9]* captured frames, [1-9][0-9]* packets" \
	"a short run on fake plugins sends packets" -- \
	--plugin-path "$plugins" -o capture.plugin=testsrc -o capture.width=160 \
	-o capture.height=120 -o codec.plugin=fake -o codec.format=vp8 \
	-o transport.plugin=fake -o ui.plugin=customer -t 1

[ $failed -eq 0 ]
