#!/bin/sh
# SPDX-License-Identifier: MIT
# The Debian packages as a packager and an admin meet them: dpkg-buildpackage
# builds source and binary packages from a clean export of the tree; lintian
# finds no error and no warning; they install; removing one plugin's package
# takes exactly that plugin out of kyoyu-agent --list-plugins; the relay runs
# with its packaged unit's command line and user (no systemd here: the
# ExecStart line by hand) on the packaged example configuration and a real
# Redis, and hands an operator a code; purging leaves nothing behind.
#
# It installs into the system, so it needs root and a machine with no kyoyu
# package: CI (.ci/run sets KYOYU_TEST_PACKAGES=1 for scripts/test).  The
# build takes minutes: it is not part of make check.
#   tests/packaging/debian.sh [WORKDIR]   (default: build/packages)
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$TOP/tests/tap.sh"
WORK=${1:-$TOP/build/packages}

[ "$(id -u)" -eq 0 ] || skip_all "installs packages: run as root (CI does)"
for tool in dpkg-buildpackage dh lintian git redis-server redis-cli openssl; do
	command -v "$tool" >/dev/null 2>&1 ||
		skip_all "$tool is missing (scripts/deps.sh lists what to install)"
done
if dpkg-query -W -f='${Package} ${Status}\n' 'kyoyu*' 'libkyoyu*' 2>/dev/null |
	grep -q 'install ok installed'; then
	skip_all "kyoyu packages are installed on this machine already: purge them first"
fi

PIDS=""
cleanup() {
	for pid in $PIDS; do kill "$pid" 2>/dev/null; done
	for pid in $PIDS; do wait "$pid" 2>/dev/null; done
	rm -rf /etc/kyoyu/relay.cfg /etc/kyoyu/desk-ca.pem /etc/kyoyu/relay/cert.pem \
		/etc/kyoyu/relay/key.pem
	installed=$(dpkg-query -W -f='${Package} ${Status}\n' 'kyoyu*' 'libkyoyu*' 2>/dev/null |
		awk '$NF != "not-installed" { print $1 }')
	# shellcheck disable=SC2086
	[ -z "$installed" ] || apt-get purge -y -q $installed >/dev/null 2>&1
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# ---- build -------------------------------------------------------------
rm -rf "$WORK" && mkdir -p "$WORK/src/kyoyu"
(cd "$TOP" && git ls-files -c -o --exclude-standard | tar -T - -cf -) |
	tar -C "$WORK/src/kyoyu" -xf -
# ui/gtk, and so kyoyu-plugin-gtk, may not be in this tree yet.
profiles=""
[ -d "$TOP/plugins/ui/gtk" ] || profiles="-Ppkg.kyoyu.nogtk"
start=$(date +%s)
if (cd "$WORK/src/kyoyu" &&
	dpkg-buildpackage -us -uc -F -j2 $profiles >"$WORK/build.log" 2>&1); then
	ok "dpkg-buildpackage -F builds the source and binary packages ($(($(date +%s) - start)) s)"
else
	note "$(tail -20 "$WORK/build.log")"
	not_ok "dpkg-buildpackage -F builds the source and binary packages"
	tap_done
	exit 1
fi
debs=$(ls "$WORK"/src/*.deb | grep -v -- '-dbgsym_')
for deb in $debs; do
	note "$(basename "$deb"): $(stat -c %s "$deb") bytes, installed $(dpkg-deb -f "$deb" Installed-Size) KiB"
done

if lintian --fail-on error,warning --info "$WORK"/src/kyoyu_*.changes >"$WORK/lintian.log" 2>&1; then
	ok "lintian: no error and no warning (overrides in debian/ give their reasons)"
else
	note "$(grep -E '^[EW]:' "$WORK/lintian.log")"
	not_ok "lintian: no error and no warning (overrides in debian/ give their reasons)"
fi

# ---- install -----------------------------------------------------------
# shellcheck disable=SC2086
if DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $debs \
	>"$WORK/install.log" 2>&1; then
	ok "every package installs (apt-get install, $(echo "$debs" | wc -l) packages)"
else
	note "$(tail -20 "$WORK/install.log")"
	not_ok "every package installs"
	tap_done
	exit 1
fi
manuals() { man -w kyoyu-agent kyoyu-relay kyoyu-plugin-check kyoyu.cfg >/dev/null; }
check "the manuals are installed where man finds them" manuals
# owner group mode PATH
owned() { [ "$(stat -c '%U %G %a' "$4" 2>/dev/null)" = "$1 $2 $3" ]; }
check "/var/lib/kyoyu is made 0700 for the viewer service's user _kyoyu" \
	owned _kyoyu _kyoyu 700 /var/lib/kyoyu
check "/etc/kyoyu/relay is made 0750, readable by the group _kyoyu-relay" \
	owned root _kyoyu-relay 750 /etc/kyoyu/relay
check "/etc/kyoyu/viewer is made 0750, readable by the group _kyoyu" \
	owned root _kyoyu 750 /etc/kyoyu/viewer

# ---- one plugin, one package ---------------------------------------------
plugins() { kyoyu-agent --list-plugins 2>&1 | awk '$1 ~ /^(capture|codec|transport|policy|ui)$/ { print $1 "/" $2 }' | sort; }
before=$(plugins)
note "installed plugins: $(echo $before)"
dpkg -r kyoyu-plugin-x264 >/dev/null 2>&1
after=$(plugins)
gone=$(echo "$before" | grep -vxF "$after")
if [ "$gone" = "codec/x264" ] && [ "$(echo "$after" | wc -l)" -eq $(($(echo "$before" | wc -l) - 1)) ]; then
	ok "removing kyoyu-plugin-x264 removes exactly codec/x264 from kyoyu-agent --list-plugins"
else
	note "gone: $(echo $gone)"
	not_ok "removing kyoyu-plugin-x264 removes exactly codec/x264 from kyoyu-agent --list-plugins"
fi
check "kyoyu-agent --list-plugins refuses no file" \
	sh -c '! kyoyu-agent --list-plugins 2>&1 | grep -qi refused'

# ---- the relay, as its unit runs it ---------------------------------------
unit=/lib/systemd/system/kyoyu-relay.service
exec_start=$(sed -n 's/^ExecStart=//p' "$unit")
user=$(sed -n 's/^User=//p' "$unit")
note "ExecStart=$exec_start (User=$user)"
T=$WORK/relay && mkdir -p "$T/op"
for try in 1 2 3 4 5; do
	REDIS_PORT=$((48000 + $(od -An -N2 -tu2 /dev/urandom) % 1000))
	redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no \
		--dir "$T" >"$T/redis.log" 2>&1 &
	pid=$!
	wait_for 10 sh -c "[ \"\$(redis-cli -p $REDIS_PORT ping)\" = PONG ]" && break
	kill "$pid" 2>/dev/null
done
PIDS="$PIDS $pid"
# The desk CA, an operator it signs, and the relay's key, where the
# packaged example configuration names them.
(
	cd "$T" &&
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
		-subj "/CN=Test Desk CA" -keyout ca-key.pem -out ca.pem \
		-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign &&
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-subj "/O=Test Desk/CN=Test Operator" -keyout op/viewer-key.pem -out op.csr &&
	openssl x509 -req -in op.csr -CA ca.pem -CAkey ca-key.pem \
		-CAcreateserial -days 2 -out op/viewer-cert.pem &&
	cp ca.pem /etc/kyoyu/desk-ca.pem &&
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
		-subj "/CN=relay.test" -keyout /etc/kyoyu/relay/key.pem \
		-out /etc/kyoyu/relay/cert.pem &&
	chgrp "$user" /etc/kyoyu/relay/key.pem && chmod 640 /etc/kyoyu/relay/key.pem
) >"$T/certs.log" 2>&1
sed -e 's|^\( *listen = \).*|\1"127.0.0.1";|' -e 's|^\( *port = \).*|\10;|' \
	-e "s|redis://127.0.0.1:6379|redis://127.0.0.1:$REDIS_PORT|" \
	/usr/share/kyoyu/relay.cfg >/etc/kyoyu/relay.cfg
# shellcheck disable=SC2086
runuser -u "$user" -- $exec_start >"$T/relay.out" 2>"$T/relay.err" &
PIDS="$PIDS $!"
if wait_for 20 grep -q 'kyoyu-relay listening on 127.0.0.1:[0-9]' "$T/relay.err"; then
	ok "the unit's ExecStart, run as $user, starts the relay on /etc/kyoyu/relay.cfg"
else
	note "$(cat "$T/relay.err")"
	not_ok "the unit's ExecStart, run as $user, starts the relay on /etc/kyoyu/relay.cfg"
fi
relay_port=$(grep -o 'listening on 127.0.0.1:[0-9]*' "$T/relay.err" | cut -d: -f2)
pin="sha256//$(openssl x509 -in /etc/kyoyu/relay/cert.pem -pubkey -noout |
	openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64)"
# An operator's viewer (the packaged agent) asks the relay for a code.
mkfifo "$T/viewer.in"
kyoyu-agent -r viewer -o ui.plugin=tty -o "ctl.socket=$T/viewer.sock" \
	-o "transport.relay=127.0.0.1:$relay_port" -o "transport.relay_pin=$pin" \
	-o "transport.cert=$T/op/viewer-cert.pem" -o "transport.key=$T/op/viewer-key.pem" \
	-t 60 <"$T/viewer.in" >"$T/viewer.out" 2>"$T/viewer.err" &
PIDS="$PIDS $!"
exec 3>"$T/viewer.in"
codes() { redis-cli -p "$REDIS_PORT" --scan --pattern 'kyoyu:code:*' | grep -c .; }
if wait_for 20 grep -q '[0-9]\{3\}-[0-9]\{3\}-[0-9]\{3\}' "$T/viewer.out" &&
	[ "$(codes)" -eq 1 ]; then
	ok "the packaged relay gives the packaged viewer a code, kept in Redis"
else
	note "$(tail -5 "$T/viewer.err") $(tail -5 "$T/relay.err")"
	not_ok "the packaged relay gives the packaged viewer a code, kept in Redis"
fi
exec 3>&-

# ---- purge -----------------------------------------------------------------
for pid in $PIDS; do kill "$pid" 2>/dev/null; done
for pid in $PIDS; do wait "$pid" 2>/dev/null; done
PIDS=""
rm -f /etc/kyoyu/relay.cfg /etc/kyoyu/desk-ca.pem /etc/kyoyu/relay/cert.pem \
	/etc/kyoyu/relay/key.pem
installed=$(dpkg-query -W -f='${Package} ${Status}\n' 'kyoyu*' 'libkyoyu*' |
	awk '$NF == "installed" { print $1 }')
# shellcheck disable=SC2086
apt-get purge -y -q $installed >"$WORK/purge.log" 2>&1
left=$(dpkg-query -W -f='${Package} ${Status}\n' 'kyoyu*' 'libkyoyu*' 2>/dev/null |
	awk '$NF != "not-installed" { print $1 }')
if [ -z "$left" ] && [ ! -e /usr/bin/kyoyu-agent ] && [ ! -e /etc/kyoyu ] &&
	[ ! -e /var/lib/kyoyu ]; then
	ok "purging removes every package, /etc/kyoyu and /var/lib/kyoyu"
else
	note "left: $left $(ls -d /etc/kyoyu /var/lib/kyoyu 2>/dev/null)"
	not_ok "purging removes every package, /etc/kyoyu and /var/lib/kyoyu"
fi
tap_done
