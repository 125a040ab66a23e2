#!/bin/sh
# SPDX-License-Identifier: MIT
# The agent's command line: --check-config on good and bad files (errors
# name file, line and key), -o overriding the file, --help-plugin, a short
# run on fake plugins; and hostile or mistaken files: 64-bit numbers, the
# core's keys, over-long names, folders, FIFOs, devices, huge files.
# Prints TAP.
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
	# timeout: a hang (a FIFO used to block for ever) fails, not stalls.
	timeout 60 "$agent" "$@" >"$tmp/out" 2>&1
	rc=$?
	if [ "$status" = 0 ] && [ $rc -ne 0 ]; then not_ok "$name (exit $rc)"; return; fi
	if [ "$status" = fail ] && [ $rc -eq 0 ]; then not_ok "$name (exit 0)"; return; fi
	if grep -Eq -- "$pattern" "$tmp/out"; then ok "$name"; else not_ok "$name"; fi
}


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

# ---- hostile or mistaken files ------------------------------------------

# 2^32 + 30: libconfig alone reads it as 30, which was accepted.
printf 'session = {\n  max_minutes = 4294967326;\n};\n' >"$tmp/wide.cfg"
expect fail "wide.cfg:2: session.max_minutes = 4294967326 is out of range 1..1440" \
	"a 64-bit number in a file is range-checked, not truncated" -- \
	--check-config "$tmp/wide.cfg"
expect fail "command line: session.max_minutes = 4294967326 is out of range 1..1440" \
	"the same number from -o gets the same words" -- \
	--check-config "$tmp/good.cfg" -o session.max_minutes=4294967326

printf 'record = {\n  enabled = 5;\n};\n' >"$tmp/enabled.cfg"
expect fail "enabled.cfg:2: record.enabled must be true or false" \
	"check-config checks the core's own keys' types" -- --check-config "$tmp/enabled.cfg"
expect fail "enabled.cfg:2: record.enabled must be true or false" \
	"a start refuses the same file with the same words" -- \
	-c "$tmp/enabled.cfg" --plugin-path "$plugins" -o capture.plugin=testsrc \
	-o codec.plugin=fake -o codec.format=vp8 -o transport.plugin=fake -o ui.plugin=none -t 1

printf 'codec = {\n  bitrate_kbps = 800.5;\n};\n' >"$tmp/float.cfg"
expect fail "float.cfg:2: codec.bitrate_kbps must be an integer" \
	"check-config refuses a float bitrate" -- --check-config "$tmp/float.cfg"

if "$agent" --help-plugin transport/tls >/dev/null 2>&1; then
	name=$(printf '%065d' 0)
	printf 'transport = {\n  name = "%s";\n};\n' "$name" >"$tmp/name.cfg"
	expect fail "name.cfg:2: transport.name is 65 characters long, more than the 64 characters allowed" \
		"check-config refuses an over-long transport.name" -- --check-config "$tmp/name.cfg"
else
	n=$((n + 1)); echo "ok $n # SKIP transport/tls is not built"
fi

mkdir "$tmp/folder.cfg"
expect fail "folder.cfg is a folder, not a configuration file: give the path of a regular file" \
	"a folder is refused with a clear message" -- --check-config "$tmp/folder.cfg"

mkfifo "$tmp/fifo.cfg"
expect fail "fifo.cfg is a named pipe \(FIFO\), not a configuration file" \
	"a FIFO is refused at once" -- --check-config "$tmp/fifo.cfg"

expect fail "/dev/null is a device, not a configuration file" \
	"a device is refused" -- -c /dev/null --check-config /dev/null

# 50 MB (sparse, so it costs no disk) is refused before it is read.
truncate -s 50M "$tmp/huge.cfg"
start=$(date +%s%N)
expect fail "huge.cfg is 52428800 bytes; a configuration file holds at most 1 MB" \
	"a 50 MB file is refused" -- --check-config "$tmp/huge.cfg"
elapsed_ms=$((($(date +%s%N) - start) / 1000000))
echo "# refusing 50 MB took $elapsed_ms ms"

# 1 MB of unknown keys took over 60 s.
awk 'BEGIN { for (i = 0; i < 70000; i++) printf "unknown%d = 1;\n", i }' | head -c 1000000 \
	>"$tmp/keys.cfg"
start=$(date +%s%N)
expect fail "keys.cfg:1001: more than 1000 settings and list entries" \
	"1 MB of unknown keys is refused" -- --check-config "$tmp/keys.cfg"
elapsed_ms=$((($(date +%s%N) - start) / 1000000))
echo "# refusing 1 MB of unknown keys took $elapsed_ms ms"

# Recordings: the folder is checked before any customer is asked to be
# recorded, by --check-config as at start; not when nothing is recorded.
if "$agent" --help-plugin transport/record >/dev/null 2>&1; then
	printf 'role = "viewer";\nrecord = {\n  enabled = true;\n  path = "/proc/kyoyu/%%F-%%i.webm";\n};\n' \
		>"$tmp/recdir.cfg"
	expect fail "recdir.cfg:4: recordings go to /proc/kyoyu, which cannot be created" \
		"check-config refuses a recording folder that cannot be made" -- --check-config "$tmp/recdir.cfg"
	sed 's/enabled = true/enabled = false/' "$tmp/recdir.cfg" >"$tmp/recoff.cfg"
	expect 0 "" "a folder nothing is recorded to is not checked" -- --check-config "$tmp/recoff.cfg"
	printf 'role = "viewer";\nrecord = {\n  enabled = true;\n  path = "%s/rec/%%q.webm";\n};\n' \
		"$tmp" >"$tmp/recfield.cfg"
	expect fail "recfield.cfg:4: record.path .*: %q is not a field kyoyu knows" \
		"check-config refuses an unknown field in record.path" -- --check-config "$tmp/recfield.cfg"
	printf 'role = "viewer";\nrecord = {\n  enabled = true;\n  path = "%s/rec/%%i.webm";\n  min_free_mb = 1000000;\n};\n' \
		"$tmp" >"$tmp/recfull.cfg"
	expect fail "recfull.cfg:5: the disk holding .* is almost full \([0-9]+ MiB free, 1000000 needed\)" \
		"check-config refuses a disk without room for recordings" -- --check-config "$tmp/recfull.cfg"
	sed 's/1000000/0/' "$tmp/recfull.cfg" >"$tmp/recok.cfg"
	expect 0 "" "a usable recording folder passes" -- --check-config "$tmp/recok.cfg"
	mode=$(stat -c %a "$tmp/rec" 2>/dev/null)
	if [ "$mode" = 700 ]; then ok "the missing recording folder was made 0700"
	else echo "mode $mode" >"$tmp/out"; not_ok "the missing recording folder was made 0700"; fi
else
	for i in 1 2 3 4 5 6; do n=$((n + 1)); echo "ok $n # SKIP transport/record is not built"; done
fi

# The certificate, key and pin are read as the start reads them.
if "$agent" --help-plugin transport/tls >/dev/null 2>&1; then
	printf 'role = "viewer";\ntransport = {\n  cert = "%s/none-cert.pem";\n  key = "%s/none-key.pem";\n};\n' \
		"$tmp" "$tmp" >"$tmp/nocert.cfg"
	expect fail "nocert.cfg:3: .*none-cert.pem" \
		"check-config refuses a certificate that cannot be read, naming the line" -- \
		--check-config "$tmp/nocert.cfg"
	printf 'role = "sharer";\ntransport = {\n  port = 7447;\n  pin = "sha256//short";\n};\n' >"$tmp/pin.cfg"
	expect fail "pin.cfg:4: transport.pin \"sha256//short\" is not of the form sha256//" \
		"check-config refuses a malformed pin, naming the line" -- --check-config "$tmp/pin.cfg"
else
	for i in 1 2; do n=$((n + 1)); echo "ok $n # SKIP transport/tls is not built"; done
fi

# codec.format: a codec nobody encodes; one no listed plugin encodes here.
printf 'role = "sharer";\ncodec = {\n  format = "h265";\n};\n' >"$tmp/h265.cfg"
expect fail "h265.cfg:3: codec.format \"h265\": no codec plugin here encodes it" \
	"check-config refuses an unknown codec.format, naming the line" -- \
	--check-config "$tmp/h265.cfg" --plugin-path "$plugins"
# (codec/x264 built or not: either message names the line.)
printf 'role = "sharer";\ncodec = {\n  plugin = "vpx";\n  format = "h264";\n};\n' >"$tmp/h264.cfg"
expect fail "h264.cfg:4: codec.format \"h264\": (none of the codec plugins the sharer uses \(vpx\) encodes it here|no codec plugin here encodes it)" \
	"check-config refuses a codec.format that no plugin of codec.plugin encodes" -- \
	--check-config "$tmp/h264.cfg"
printf 'role = "sharer";\ncodec = {\n  plugin = "nosuch";\n};\n' >"$tmp/nocodec.cfg"
expect fail "nocodec.cfg:3: codec.plugin: no plugin \"nosuch\"" \
	"check-config refuses a codec plugin that is not there, naming the line" -- \
	--check-config "$tmp/nocodec.cfg" --plugin-path "$plugins"
# The console's own key.
printf 'role = "viewer";\nsession = {\n  once = 3;\n};\n' >"$tmp/once.cfg"
expect fail "once.cfg:3: session.once" "check-config refuses a session.once that is not a bool" -- \
	--check-config "$tmp/once.cfg" --plugin-path "$plugins"

echo "1..$n"
[ $failed -eq 0 ]
