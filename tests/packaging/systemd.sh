#!/bin/sh
# SPDX-License-Identifier: MIT
# The packaged services under a real systemd: a Debian 12 root booted with
# systemd-nspawn -b (systemd as the container's PID 1, its own network with
# only loopback, so the default ports 7448 and 6379 are free), the .debs
# installed in it by apt as an admin would, then: kyoyu-relay.service starts
# on a real config (desk CA, operator and relay keys from kyoyu-agent) and
# Redis, listens, hands the packaged kyoyu-viewer.service codes, restarts
# and stops; the viewer service records a customer's session that came
# through it, and listens again; the journal holds no code; systemd-analyze security rates the
# running units; the running relay has no privilege (NoNewPrivs, seccomp,
# no capability) and, tried from its own namespaces as its user, can write
# nowhere but its private /tmp and /var/tmp (the viewer: those, its state
# and runtime folders); a boot that finds the users and folders gone makes
# them again from sysusers.d and tmpfiles.d; and both start at boot.
#
# Root only (it mounts and boots a container), and minutes long: not part of
# make check.  CI runs it after tests/packaging/debian.sh, whose .debs it
# reuses (KYOYU_DEBS=DIR); alone it builds them itself (about 2 minutes).
#   tests/packaging/systemd.sh [WORKDIR]   (default: build/systemd)
#
# The Debian root (debootstrap from this machine's own Debian mirror, with
# systemd, Redis and the libraries the packages need, but no kyoyu package)
# is kept in /var/cache/kyoyu/systemd-root/KEY, KEY a hash of the mirror and
# the packages' dependencies, and booted through an overlay: the cache is
# never written (487 MB).  Measured at nice 19 on the 2-core machine of
# 2026-12-06, load 3-6 with other helpers' builds beside it:
#   no cache, .debs given (as in CI):       88 s (debootstrap and libraries 82 s)
#   no cache, building the .debs itself:   185 s (build 58 s, root 110 s)
#   cached root, .debs given:            18 s (median of 5, 16-23 s, load 4.5-5.7)
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$TOP/tests/tap.sh"
WORK=${1:-$TOP/build/systemd}
CACHE=${KYOYU_SYSTEMD_CACHE:-/var/cache/kyoyu/systemd-root}
# The relay, and the viewer service with what kyoyu-console brings (the
# plugins a viewer decodes and records with).
PACKAGES="libkyoyu1 kyoyu-agent kyoyu-relay kyoyu-console kyoyu-plugin-sdl \
kyoyu-plugin-vpx kyoyu-plugin-avcodec kyoyu-plugin-record"
BASE="systemd,systemd-sysv,dbus,redis-server,iproute2"
# The recipe of the cached root: change it and the key changes.
RECIPE=1

[ "$(id -u)" -eq 0 ] || skip_all "boots a container: run as root (CI does)"
for tool in systemd-nspawn debootstrap nsenter apt-get; do
	command -v "$tool" >/dev/null 2>&1 ||
		skip_all "$tool is missing (apt-get install systemd-container debootstrap)"
done
grep -qw overlay /proc/filesystems || modprobe overlay 2>/dev/null ||
	skip_all "the kernel has no overlay file system"
# A container that may not make namespaces (docker without --privileged)
# cannot boot another one.
unshare --mount --pid --net --fork true 2>/dev/null ||
	skip_all "this machine may not make mount, PID and network namespaces (unshare fails)"

start_all=$(date +%s)
NSPAWN_PID=""
LEADER=""
# Asks for an orderly shutdown (nspawn passes SIGTERM on as SIGRTMIN+3);
# a container still up after 30 s is killed.
stop_container() {
	[ -n "$NSPAWN_PID" ] || return 0
	kill -TERM "$NSPAWN_PID" 2>/dev/null
	wait_for 30 exited "$NSPAWN_PID" || kill -KILL "$NSPAWN_PID" 2>/dev/null
	wait "$NSPAWN_PID" 2>/dev/null
	NSPAWN_PID="" LEADER=""
}
# exited PID: our child PID is gone or a zombie waiting for wait.
exited() { [ ! -e "/proc/$1" ] || [ "$(cut -d' ' -f3 "/proc/$1/stat")" = Z ]; }
cleanup() {
	stop_container
	mountpoint -q "$WORK/root" && umount "$WORK/root"
	# nspawn leaves this behind when the host's /run is no tmpfs (it will
	# not remove a folder on a disk file system).
	rm -rf "/run/systemd/nspawn/propagate/kyoyu-sysd-$$"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# ---- the packages ----------------------------------------------------------
rm -rf "$WORK" && mkdir -p "$WORK/debs"
if [ -n "${KYOYU_DEBS:-}" ]; then
	debs_from=$KYOYU_DEBS
else
	command -v dpkg-buildpackage >/dev/null 2>&1 ||
		skip_all "dpkg-buildpackage is missing (scripts/deps.sh lists what to install)"
	mkdir -p "$WORK/src/kyoyu"
	(cd "$TOP" && git ls-files -c -o --exclude-standard | tar -T - -cf -) |
		tar -C "$WORK/src/kyoyu" -xf -
	profiles=""
	[ -d "$TOP/plugins/ui/gtk" ] || profiles="-Ppkg.kyoyu.nogtk"
	start=$(date +%s)
	# shellcheck disable=SC2086
	if (cd "$WORK/src/kyoyu" && dpkg-buildpackage -us -uc -b -j2 $profiles \
		>"$WORK/build.log" 2>&1); then
		ok "dpkg-buildpackage builds the binary packages ($(($(date +%s) - start)) s)"
	else
		note "$(tail -20 "$WORK/build.log")"
		not_ok "dpkg-buildpackage builds the binary packages"
		tap_done
		exit 1
	fi
	debs_from=$WORK/src
fi
for p in $PACKAGES; do
	deb=$(ls "$debs_from/${p}"_*.deb 2>/dev/null | head -1)
	[ -n "$deb" ] || skip_all "no ${p}_*.deb in $debs_from"
	cp "$deb" "$WORK/debs/"
done

# ---- the cached Debian root ------------------------------------------------
# This machine's own Debian archive (the only one reachable), every suite of
# bookworm it uses, so the root has the libraries the packages were built on.
sources=$(apt-get indextargets --format '$(REPO_URI) $(RELEASE) $(COMPONENT)' \
	'Identifier: Packages' 'Architecture: amd64' | awk '$2 ~ /^bookworm/' | sort -u)
mirror=$(echo "$sources" | awk '$2 == "bookworm" { print $1; exit }')
[ -n "$mirror" ] || skip_all "this machine uses no Debian 12 (bookworm) archive"
# The packages' dependencies on anything but kyoyu decide what the root holds.
deps=$(for deb in "$WORK"/debs/*.deb; do dpkg-deb -f "$deb" Depends; done |
	tr ',' '\n' | sed 's/^ *//' | grep -v '^\(lib\)\?kyoyu' | sort -u)
key=$(printf '%s\n' "$RECIPE" "$BASE" "$sources" "$deps" | sha256sum | cut -c1-16)
ROOT=$CACHE/$key
start=$(date +%s)
if [ -d "$ROOT" ]; then
	ok "the Debian root is cached in $ROOT"
else
	rm -rf "$ROOT.new" && mkdir -p "$CACHE"
	made=false
	if debootstrap --variant=minbase --include="$BASE" bookworm "$ROOT.new" "$mirror" \
		>"$WORK/debootstrap.log" 2>&1; then
		echo "$sources" | sed 's/^/deb /' >"$ROOT.new/etc/apt/sources.list"
		cp "$WORK"/debs/*.deb "$ROOT.new/tmp/"
		# No service starts in the chroot (invoke-rc.d asks policy-rc.d);
		# apt works out the dependencies of the .debs, and installs those
		# alone: the kyoyu packages go in later, in the booted system.
		printf '#!/bin/sh\nexit 101\n' >"$ROOT.new/usr/sbin/policy-rc.d"
		chmod 755 "$ROOT.new/usr/sbin/policy-rc.d"
		if chroot "$ROOT.new" sh -c 'apt-get update -q &&
			needed=$(apt-get install -s --no-install-recommends /tmp/*.deb |
				awk "\$1 == \"Inst\" { print \$2 }" | grep -v "^\(lib\)\?kyoyu") &&
			DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
				--no-install-recommends $needed && apt-get clean' \
			>>"$WORK/debootstrap.log" 2>&1; then
			rm -f "$ROOT.new"/tmp/*.deb "$ROOT.new/usr/sbin/policy-rc.d"
			mv "$ROOT.new" "$ROOT" && made=true
		fi
	fi
	if $made; then
		ok "debootstrap makes a Debian 12 root with systemd, Redis and the packages' libraries ($(($(date +%s) - start)) s, $(du -sm "$ROOT" | cut -f1) MB)"
	else
		note "$(tail -20 "$WORK/debootstrap.log")"
		rm -rf "$ROOT.new"
		not_ok "debootstrap makes a Debian 12 root with systemd, Redis and the packages' libraries"
		tap_done
		exit 1
	fi
fi

# ---- boot ------------------------------------------------------------------
mkdir -p "$WORK/upper" "$WORK/overlay-work" "$WORK/root"
mount -t overlay overlay \
	-o "lowerdir=$ROOT,upperdir=$WORK/upper,workdir=$WORK/overlay-work" "$WORK/root" ||
	{ not_ok "the cached root mounts through an overlay"; tap_done; exit 1; }
mkdir -p "$WORK/root/root/debs" && cp "$WORK"/debs/*.deb "$WORK/root/root/debs/"

# in_container COMMAND...: runs COMMAND in every namespace of the container.
in_container() {
	nsenter -t "$LEADER" -a -- /usr/bin/env -i \
		PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 "$@"
}
running() { [ "$(in_container systemctl is-system-running)" = running ]; }
# boot NAME: boots the container and waits until systemd says it is up.
# --keep-unit: no system bus here to ask for a scope; --register=no: no
# machined.  Its console goes to a log.
boot() {
	systemd-nspawn -b -D "$WORK/root" --private-network --keep-unit --register=no \
		-M "kyoyu-sysd-$$" --console=passive >"$WORK/$1.log" 2>&1 &
	NSPAWN_PID=$!
	wait_for 30 leader_found && wait_for 60 running
}
# The container's PID 1: nspawn's child once it runs systemd (a helper
# child of nspawn's comes and goes before it).
leader_found() { LEADER=$(pgrep -x -P "$NSPAWN_PID" systemd) && [ -n "$LEADER" ]; }

start=$(date +%s)
if boot boot1; then
	ok "systemd-nspawn -b boots systemd as PID 1: 'running', no failed unit ($(($(date +%s) - start)) s)"
else
	note "$(tail -20 "$WORK/boot1.log")"
	note "$(in_container systemctl --failed --no-legend 2>&1)"
	not_ok "systemd-nspawn -b boots systemd as PID 1: 'running', no failed unit"
	tap_done
	exit 1
fi
note "$(in_container systemd-analyze 2>&1 | head -1)"

# ---- install ---------------------------------------------------------------
if in_container sh -c 'DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
	--no-install-recommends /root/debs/*.deb' >"$WORK/install.log" 2>&1; then
	ok "apt-get installs $(ls "$WORK/debs" | wc -l) packages offline in the booted system"
else
	note "$(tail -20 "$WORK/install.log")"
	not_ok "apt-get installs the packages in the booted system"
	tap_done
	exit 1
fi
# owner group mode PATH
owned() { [ "$(in_container stat -c '%U %G %a' "$4" 2>/dev/null)" = "$1 $2 $3" ]; }
dirs_made() {
	owned root _kyoyu-relay 750 /etc/kyoyu/relay && owned root _kyoyu 750 /etc/kyoyu/viewer &&
		owned _kyoyu _kyoyu 700 /var/lib/kyoyu
}
check "the packages made /etc/kyoyu/relay and /etc/kyoyu/viewer (0750, the services' groups) and /var/lib/kyoyu (0700, _kyoyu)" \
	dirs_made
# --man=no: the root has no man-db (debian.sh finds the manuals).
verify_units() {
	in_container systemd-analyze verify --man=no kyoyu-relay.service kyoyu-viewer.service \
		>"$WORK/verify.log" 2>&1 && [ ! -s "$WORK/verify.log" ]
}
if verify_units; then
	ok "systemd-analyze verify: nothing to say about either unit"
else
	note "$(cat "$WORK/verify.log")"
	not_ok "systemd-analyze verify: nothing to say about either unit"
fi
neither_active() { ! in_container systemctl -q is-active kyoyu-relay kyoyu-viewer; }
check "installed with no config, neither service runs (ConditionPathExists)" neither_active

# ---- the desk's keys and the services' configs -----------------------------
# As README and docs/relay.md tell an admin: the desk CA and an operator
# from kyoyu-agent, the relay's own key (--make-cert) where the example
# config names it, and the example config itself (port 7448, Redis on
# 127.0.0.1:6379: this container's own).
if in_container sh -c '
	set -e
	kyoyu-agent --make-ca /root/desk-ca --org "Test Desk"
	cp /root/desk-ca/ca.pem /etc/kyoyu/desk-ca.pem
	kyoyu-agent --issue-operator /root/desk-ca /etc/kyoyu/viewer --name "Test Operator"
	chown _kyoyu /etc/kyoyu/viewer/viewer-key.pem
	kyoyu-agent --make-cert /root/relay-key
	mv /root/relay-key/viewer-cert.pem /etc/kyoyu/relay/cert.pem
	mv /root/relay-key/viewer-key.pem /etc/kyoyu/relay/key.pem
	chgrp _kyoyu-relay /etc/kyoyu/relay/key.pem
	chmod 640 /etc/kyoyu/relay/key.pem
	cp /usr/share/kyoyu/relay.cfg /etc/kyoyu/relay.cfg' >"$WORK/keys.log" 2>&1; then
	ok "kyoyu-agent makes the desk CA, an operator and the relay's key; the example relay.cfg is the config"
else
	note "$(cat "$WORK/keys.log")"
	not_ok "kyoyu-agent makes the desk CA, an operator and the relay's key; the example relay.cfg is the config"
fi
pin=$(grep -o 'sha256//[A-Za-z0-9+/=]*' "$WORK/keys.log" | tail -1)
cat >"$WORK/root/etc/kyoyu/viewer.cfg" <<EOF
role = "viewer";
transport = {
    relay = "127.0.0.1:7448";
    relay_pin = "$pin";
    cert = "/etc/kyoyu/viewer/viewer-cert.pem";
    key = "/etc/kyoyu/viewer/viewer-key.pem";
};
record = { enabled = true; };
EOF

# ---- the relay -------------------------------------------------------------
main_pid() { in_container systemctl show -p MainPID --value "$1"; }
listening() { in_container ss -ltnH 'sport = :7448' | grep -q LISTEN; }
relay_up() { in_container systemctl -q is-active kyoyu-relay && listening; }
if in_container systemctl start kyoyu-relay && wait_for 20 relay_up; then
	ok "systemctl start kyoyu-relay: active, listening on 0.0.0.0:7448"
else
	note "$(in_container journalctl -u kyoyu-relay --no-pager -o cat | tail -10)"
	not_ok "systemctl start kyoyu-relay: active, listening on 0.0.0.0:7448"
fi
relay_pid=$(main_pid kyoyu-relay)
# status_of PID FIELD: a field of /proc/PID/status in the container;
# status_is FIELD VALUE: of the running relay's.
status_of() { in_container awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"; }
status_is() { [ "$(status_of "$relay_pid" "$1")" = "$2" ]; }
relay_uid=$(in_container id -u _kyoyu-relay)
check "the relay runs as _kyoyu-relay (uid $relay_uid)" status_is Uid "$relay_uid"
check "the relay cannot gain privileges (NoNewPrivs: 1)" status_is NoNewPrivs 1
# Every process in the container has nspawn's filters (which also refuse
# mlock without CAP_IPC_LOCK: libgcrypt's "Warning: using insecure memory!"
# in the viewer's journal comes from there): the unit's own come on top.
own_filters() {
	status_is Seccomp 2 &&
		[ "$(status_of "$relay_pid" Seccomp_filters)" -gt "$(status_of 1 Seccomp_filters)" ]
}
check "the relay runs under its unit's seccomp filter (Seccomp: 2, $(status_of "$relay_pid" Seccomp_filters) filters, the container's $(status_of 1 Seccomp_filters))" \
	own_filters
no_capability() {
	status_is CapEff 0000000000000000 && status_is CapPrm 0000000000000000 &&
		status_is CapBnd 0000000000000000
}
check "the relay holds no capability (CapEff, CapPrm and CapBnd all 0)" no_capability
# It may not raise its own limit (setrlimit is filtered out): the unit does,
# up to the container's own hard limit (this machine's root lacks
# CAP_SYS_RESOURCE, so nspawn's limit, 20000 here, cannot be raised).
nofile() { in_container awk '/^Max open files/ { print $4, $5 }' "/proc/$1/limits"; }
ceiling=$(nofile 1 | cut -d' ' -f2)
limit=65536
[ "$ceiling" -lt "$limit" ] 2>/dev/null && limit=$ceiling
check "the relay may open $limit descriptors (LimitNOFILE=65536; the container's ceiling: $ceiling)" \
	[ "$(nofile "$relay_pid")" = "$limit $limit" ]
# The sandbox as the running systemd holds it for the unit.
props="NoNewPrivileges=yes PrivateUsers=yes ProtectSystem=strict ProtectHome=yes PrivateTmp=yes PrivateDevices=yes RestrictNamespaces=yes MemoryDenyWriteExecute=yes ProtectKernelTunables=yes ProtectControlGroups=yes"
# shellcheck disable=SC2046
shown=$(in_container systemctl show kyoyu-relay $(for p in $props; do echo "-p ${p%%=*}"; done) |
	sort | tr '\n' ' ' | sed 's/ $//')
want=$(echo "$props" | tr ' ' '\n' | sort | tr '\n' ' ' | sed 's/ $//')
if [ "$shown" = "$want" ]; then
	ok "systemctl show kyoyu-relay: $want"
else
	note "shown: $shown"
	not_ok "systemctl show kyoyu-relay: $want"
fi
# writes_only PID USER DIR...: a shell in the running service's own
# namespaces (mounts, user), as its user, can create a file in exactly the
# DIRs among the places below: the sandbox's mounts, not a copy of them.
PLACES="/tmp /var/tmp /var/lib/kyoyu /run/kyoyu /run /run/lock /dev/shm /dev/mqueue /etc /etc/kyoyu/relay /etc/kyoyu/viewer /var/lib /var/log /root /home /usr/lib"
writes_only() {
	pid=$1 user=$2 uid=$(in_container id -u "$2") gid=$(in_container id -g "$2")
	shift 2
	# shellcheck disable=SC2086
	wrote=$(in_container nsenter -t "$pid" -a -S "$uid" -G "$gid" -- sh -c '
		for d; do
			f=$d/.kyoyu-sandbox-$$
			if (: >"$f") 2>/dev/null; then rm -f "$f"; echo "$d"; fi
		done' sh $PLACES | tr '\n' ' ' | sed 's/ $//')
	[ "$wrote" = "$*" ] || { note "$user wrote in: $wrote"; return 1; }
}
check "in the running relay's namespaces, _kyoyu-relay can write in its private /tmp and /var/tmp alone (tried: $PLACES)" \
	writes_only "$relay_pid" _kyoyu-relay /tmp /var/tmp

# ---- the viewer service gets a code through the relay ----------------------
codes_in_redis() { in_container redis-cli --scan --pattern 'kyoyu:code:*' | grep -c .; }
# new_code: asks the running viewer service for a code, as its unit says.
new_code() {
	in_container runuser -u _kyoyu -- kyoyu-agent ctl --socket /run/kyoyu/viewer.sock \
		new-code 2>>"$WORK/ctl.err" | grep -o '[0-9]\{3\}-[0-9]\{3\}-[0-9]\{3\}'
}
# Every code given, for the journal's check.
codes=""
code_given() { code=$(new_code) && [ -n "$code" ] && codes="$codes $code"; }
code=""
if in_container systemctl start kyoyu-viewer && wait_for 20 code_given &&
	[ "$(codes_in_redis)" -ge 1 ]; then
	ok "kyoyu-viewer.service gets a code from the relay (ctl new-code; $(codes_in_redis) in Redis)"
else
	note "$(tail -3 "$WORK/ctl.err" 2>/dev/null)"
	note "$(in_container journalctl -u kyoyu-viewer -u kyoyu-relay --no-pager -o cat | tail -10)"
	not_ok "kyoyu-viewer.service gets a code from the relay (ctl new-code)"
fi
viewer_pid=$(main_pid kyoyu-viewer)
check "the viewer may open 4096 descriptors (LimitNOFILE=; it may not raise its own)" \
	[ "$(nofile "$viewer_pid")" = "4096 4096" ]
check "in the running viewer's namespaces, _kyoyu can write in /var/lib/kyoyu, /run/kyoyu and its private /tmp and /var/tmp alone" \
	writes_only "$viewer_pid" _kyoyu /tmp /var/tmp /var/lib/kyoyu /run/kyoyu

# ---- a customer's session, recorded by the service --------------------------
# A customer's agent (kyoyu-agent's sharer of a test picture) types the
# service's last code and agrees; the service decodes and records it under
# its sandbox (MemoryDenyWriteExecute=, the syscall filter, /var/lib/kyoyu
# alone writable), then listens again (Restart=always).
in_container sh -c "printf '%s\ny\n' '$code' | kyoyu-agent -r sharer -o ui.plugin=tty \
	-o ctl.socket=none -o log.level=info -o codec.plugin=vpx -o capture.plugin=testsrc \
	-o capture.width=320 -o capture.height=240 -o capture.fps=15 \
	-o transport.relay=127.0.0.1:7448 -o transport.relay_pin=$pin \
	-o transport.ca_file=/etc/kyoyu/desk-ca.pem -t 6" >"$WORK/sharer.out" 2>"$WORK/sharer.err"
recorded() {
	in_container find /var/lib/kyoyu -name '*.webm' -size +10k -user _kyoyu -perm 600 |
		grep -q .
}
if wait_for 20 recorded; then
	ok "a customer shares through the relay; the service records it in /var/lib/kyoyu ($(in_container du -k /var/lib/kyoyu | cut -f1) KiB, _kyoyu, 0600)"
else
	note "$(tail -5 "$WORK/sharer.err")"
	note "$(in_container journalctl -u kyoyu-viewer --no-pager -o cat | tail -8)"
	not_ok "a customer shares through the relay; the service records it in /var/lib/kyoyu"
fi
code=""
check "after the session the service listens again and gets a new code" wait_for 30 code_given

# ---- restart and stop ------------------------------------------------------
if in_container systemctl restart kyoyu-relay && wait_for 20 relay_up &&
	[ "$(main_pid kyoyu-relay)" != "$relay_pid" ]; then
	ok "systemctl restart kyoyu-relay: a new process, active and listening again"
else
	not_ok "systemctl restart kyoyu-relay: a new process, active and listening again"
fi
code=""
if wait_for 30 code_given; then
	ok "after the relay's restart the viewer service gets a new code again"
else
	note "$(in_container journalctl -u kyoyu-viewer --no-pager -o cat | tail -5)"
	not_ok "after the relay's restart the viewer service gets a new code again"
fi
stopped() {
	! in_container systemctl -q is-active kyoyu-relay && ! listening &&
		[ "$(in_container systemctl show -p Result --value kyoyu-relay)" = success ]
}
if in_container systemctl stop kyoyu-relay && stopped; then
	ok "systemctl stop kyoyu-relay: inactive, the port closed, Result=success"
else
	note "$(in_container systemctl status kyoyu-relay --no-pager 2>&1 | tail -5)"
	not_ok "systemctl stop kyoyu-relay: inactive, the port closed, Result=success"
fi

# ---- the journal -----------------------------------------------------------
in_container journalctl --no-pager -o cat >"$WORK/journal.txt" 2>&1
no_code_logged() {
	for c in $codes; do
		grep -q -e "$c" -e "$(echo "$c" | tr -d -)" "$WORK/journal.txt" && return 1
	done
	[ -n "$codes" ]
}
check "the journal ($(wc -l <"$WORK/journal.txt") lines) holds none of the $(echo "$codes" | wc -w) codes given" \
	no_code_logged

# ---- systemd-analyze security, live -----------------------------------------
# The whole table is kept in WORKDIR/security-UNIT.txt.
for unit in kyoyu-relay kyoyu-viewer; do
	in_container systemd-analyze security --no-pager "$unit.service" \
		>"$WORK/security-$unit.txt" 2>&1
	exposure=$(sed -n 's/.*Overall exposure level for [^:]*: //p' "$WORK/security-$unit.txt")
	note "systemd-analyze security $unit.service: $exposure"
	case $exposure in
	[01].*OK*) ok "systemd-analyze security $unit.service (live): $exposure" ;;
	*) not_ok "systemd-analyze security $unit.service (live): $exposure" ;;
	esac
done

# ---- a boot makes the users and folders again ------------------------------
# The postinst scripts ran systemd-sysusers and systemd-tmpfiles on the
# packages' files at install.  A boot does too: tmpfiles.d's folders on
# every boot, sysusers.d's users on a boot that finds /usr newer than
# /etc/.updated (the first boot of an image, or after an update of /usr:
# ConditionNeedsUpdate=/etc).  So: the users, the folders and
# /etc/.updated are removed (the keys and configs kept aside, so neither
# service starts on this boot), and the container boots again.
in_container systemctl stop kyoyu-viewer
in_container sh -c '
	set -e
	mkdir -p /root/kept/relay /root/kept/viewer
	mv /etc/kyoyu/relay.cfg /etc/kyoyu/viewer.cfg /root/kept/
	mv /etc/kyoyu/relay/* /root/kept/relay/
	mv /etc/kyoyu/viewer/* /root/kept/viewer/
	rm -rf /etc/kyoyu/relay /etc/kyoyu/viewer /var/lib/kyoyu /etc/.updated
	userdel _kyoyu-relay
	userdel _kyoyu
	for g in _kyoyu-relay _kyoyu; do
		if getent group $g >/dev/null; then groupdel $g; fi
	done' >"$WORK/unmake.log" 2>&1 ||
	note "$(cat "$WORK/unmake.log")"
stop_container
start=$(date +%s)
if boot boot2; then
	ok "the container boots again ($(($(date +%s) - start)) s)"
else
	note "$(tail -10 "$WORK/boot2.log")"
	not_ok "the container boots again"
	tap_done
	exit 1
fi
users_made() {
	in_container getent passwd _kyoyu-relay >/dev/null &&
		in_container getent passwd _kyoyu >/dev/null &&
		in_container journalctl -b -u systemd-sysusers --no-pager -o cat |
		grep -q "Creating group '_kyoyu-relay'"
}
check "at boot systemd-sysusers made _kyoyu-relay and _kyoyu again from sysusers.d" users_made
check "at boot systemd-tmpfiles made /etc/kyoyu/relay, /etc/kyoyu/viewer and /var/lib/kyoyu again, owned and moded as before" \
	dirs_made

# ---- enabled: both start at boot -------------------------------------------
in_container sh -c '
	set -e
	mv /root/kept/relay/* /etc/kyoyu/relay/
	mv /root/kept/viewer/* /etc/kyoyu/viewer/
	chgrp _kyoyu-relay /etc/kyoyu/relay/key.pem
	chown _kyoyu /etc/kyoyu/viewer/viewer-key.pem
	mv /root/kept/relay.cfg /root/kept/viewer.cfg /etc/kyoyu/' >"$WORK/remake.log" 2>&1 ||
	note "$(cat "$WORK/remake.log")"
stop_container
if boot boot3 && wait_for 20 relay_up &&
	in_container systemctl -q is-active kyoyu-viewer && wait_for 20 code_given; then
	ok "with their configs in place, both services start at boot (enabled) and the viewer gets a code"
else
	note "$(in_container systemctl --failed --no-legend 2>&1)"
	not_ok "with their configs in place, both services start at boot (enabled) and the viewer gets a code"
fi
stop_container
note "all: $(($(date +%s) - start_all)) s"
tap_done
