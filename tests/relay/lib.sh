# SPDX-License-Identifier: MIT
# Shared by the tests/relay shell tests: a real redis-server on a free
# loopback port, a desk CA with an operator certificate, kyoyu-relay, and
# agents that reach each other only through it.  Sourced after
# tests/transport/lib.sh (TAP, $T, the codec, clean-up).

RELAY="$KYOYU_BUILDDIR/kyoyu-relay"
[ -x "$RELAY" ] || skip_all "kyoyu-relay is not built (configure found no hiredis)"
command -v redis-server >/dev/null 2>&1 && command -v redis-cli >/dev/null 2>&1 ||
	skip_all "redis-server and redis-cli are not installed (apt-get install redis-server redis-tools)"

# redis_up PORT: true once the server on PORT answers.
redis_up() { [ "$(redis-cli -p "$1" ping 2>/dev/null)" = PONG ]; }

# start_redis [PORT]: a throw-away Redis on 127.0.0.1 (no persistence);
# without PORT, a free one is found.  Sets REDIS_PORT and REDIS_PID.
start_redis() {
	for try in 1 2 3 4 5 6 7 8; do
		port=${1:-$((20000 + $(od -An -N2 -tu2 /dev/urandom) % 40000))}
		redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no \
			--dir "$T" >"$T/redis.$port.log" 2>&1 &
		REDIS_PID=$!
		PIDS="$PIDS $REDIS_PID"
		if wait_for 10 redis_up "$port"; then
			REDIS_PORT=$port
			return 0
		fi
		kill "$REDIS_PID" 2>/dev/null
		[ -n "$1" ] && return 1
	done
	return 1
}

# port_block N: sets PORT_BASE to the first of N ports in a row that
# nothing listens on, below the kernel's ephemeral range (32768 and up), so
# that no test's outgoing connection takes one, for a test that must name
# its ports (a node restarted on its address, haproxy's configuration).
port_block() {
	for try in 1 2 3 4 5 6 7 8; do
		PORT_BASE=$((20000 + $(od -An -N2 -tu2 /dev/urandom) % 12000))
		ports_free "$PORT_BASE" "$1" && return 0
	done
	return 1
}

ports_free() {
	ss -Htln | awk -v lo="$1" -v hi="$(($1 + $2 - 1))" \
		'{ n = split($4, a, ":"); p = a[n] + 0; if (p >= lo && p <= hi) bad = 1 }
		 END { exit bad }'
}

# pin_of CERT: the curl-style pin of a certificate's key.
pin_of() {
	echo "sha256//$(openssl x509 -in "$1" -pubkey -noout |
		openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64)"
}

# make_desk DIR: the desk CA, an operator certificate it signs (as
# DIR/op/viewer-{cert,key}.pem, the names start_viewer uses) and the
# relay's own certificate.  Sets RELAY_PIN.
make_desk() {
	d=$1
	mkdir -p "$d/op" "$d/relay" && (
		cd "$d" || exit 1
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
			-subj "/O=Example Desk/CN=Example Desk CA" -keyout ca-key.pem \
			-out ca.pem -addext basicConstraints=critical,CA:TRUE \
			-addext keyUsage=critical,keyCertSign,cRLSign &&
		openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
			-subj "/O=Example Desk/CN=Ayumi Operator" -keyout op/viewer-key.pem \
			-out op.csr &&
		openssl x509 -req -in op.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial \
			-days 30 -out op/viewer-cert.pem &&
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
			-subj "/CN=relay.example" -keyout relay/key.pem -out relay/cert.pem &&
		chmod 600 op/viewer-key.pem relay/key.pem
	) >"$d.log" 2>&1 || return 1
	RELAY_PIN=$(pin_of "$d/relay/cert.pem")
}

relay_listening() { grep -q 'kyoyu-relay listening on 127.0.0.1:[0-9]' "$1"; }

# start_relay NAME DESKDIR [OPTION...]: kyoyu-relay on 127.0.0.1 and a free
# port, on $REDIS_PORT.  Sets RELAY_PORT and RELAY_PID.
start_relay() {
	name=$1 d=$2
	shift 2
	"$RELAY" -o relay.listen=127.0.0.1 -o relay.port=0 \
		-o "relay.cert=$d/relay/cert.pem" -o "relay.key=$d/relay/key.pem" \
		-o "relay.ca=$d/ca.pem" -o "relay.redis=redis://127.0.0.1:$REDIS_PORT" \
		-o log.level=debug "$@" >"$T/$name.out" 2>"$T/$name.err" &
	RELAY_PID=$!
	PIDS="$PIDS $RELAY_PID"
	wait_for 20 relay_listening "$T/$name.err" || return 1
	RELAY_PORT=$(grep -o 'listening on 127.0.0.1:[0-9]*' "$T/$name.err" | cut -d: -f2)
}

# start_relay_viewer NAME DESKDIR FD [OPTION...]: an operator's viewer that
# reaches customers through the relay, with its operator certificate; its
# terminal is a FIFO held open on descriptor FD.  Sets VIEWER_PID.  It
# serves one session of at most 120 s, unless ONE_SESSION is set empty (a
# console, which stays up).
start_relay_viewer() {
	name=$1 d=$2 fd=$3
	shift 3
	mkfifo "$T/$name.in"
	# shellcheck disable=SC2086
	"$KYOYU_AGENT" -r viewer $CODEC_PATH -o ui.plugin=tty -o "ctl.socket=$T/$name.sock" \
		-o log.level=info -o codec.plugin=$CODEC \
		-o "transport.relay=127.0.0.1:$RELAY_PORT" -o "transport.relay_pin=$RELAY_PIN" \
		-o "transport.cert=$d/op/viewer-cert.pem" \
		-o "transport.key=$d/op/viewer-key.pem" ${ONE_SESSION--t 120} "$@" \
		<"$T/$name.in" >"$T/$name.out" 2>"$T/$name.err" &
	VIEWER_PID=$!
	PIDS="$PIDS $VIEWER_PID"
	eval "exec $fd>\"\$T/\$name.in\""
}

# code_of NAME: the last code the viewer NAME printed.
code_of() { grep -o '[0-9]\{3\}-[0-9]\{3\}-[0-9]\{3\}' "$T/$1.out" | tail -1; }

# start_relay_sharer NAME INPUT DESKDIR [OPTION...]: a customer's sharer
# that knows the relay (its pin) and the desk CA, nothing of the viewer.
start_relay_sharer() {
	name=$1 input=$2 d=$3
	shift 3
	# shellcheck disable=SC2086
	"$KYOYU_AGENT" -r sharer $CODEC_PATH -o ui.plugin=tty -o "ctl.socket=$T/$name.sock" \
		-o log.level=info -o codec.plugin=$CODEC -o capture.plugin=testsrc \
		-o capture.width=320 -o capture.height=240 -o capture.fps=15 \
		-o "transport.relay=127.0.0.1:$RELAY_PORT" -o "transport.relay_pin=$RELAY_PIN" \
		-o "transport.ca_file=$d/ca.pem" -t 120 "$@" \
		<"$input" >"$T/$name.out" 2>"$T/$name.err" &
	SHARER_PID=$!
	PIDS="$PIDS $SHARER_PID"
}

# make_rogue DIR: another CA, and an "operator" certificate it signs (as
# DIR/op/viewer-{cert,key}.pem): what a relay, or anyone the desk CA did
# not sign, could present.
make_rogue() {
	d=$1
	mkdir -p "$d/op" && (
		cd "$d" || exit 1
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
			-subj "/O=Rogue/CN=Rogue CA" -keyout ca-key.pem -out ca.pem \
			-addext basicConstraints=critical,CA:TRUE \
			-addext keyUsage=critical,keyCertSign,cRLSign &&
		openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
			-subj "/O=Example Desk/CN=Ayumi Operator" -keyout op/viewer-key.pem \
			-out op.csr &&
		openssl x509 -req -in op.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial \
			-days 30 -out op/viewer-cert.pem &&
		chmod 600 op/viewer-key.pem
	) >"$d.log" 2>&1
}

# start_cluster: a 3-master Redis Cluster on 127.0.0.1 (free ports below
# 50000, whose cluster bus ports, +10000, must be free too), created with
# redis-cli --cluster create.  Sets CLUSTER_PORTS ("P1 P2 P3").
cluster_ok() { redis-cli -p "$1" cluster info 2>/dev/null | grep -q '^cluster_state:ok'; }
start_cluster() {
	CLUSTER_PORTS=""
	for n in 1 2 3; do
		for try in 1 2 3 4 5 6 7 8; do
			port=$((20000 + $(od -An -N2 -tu2 /dev/urandom) % 30000))
			mkdir -p "$T/cluster-$port"
			redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no \
				--cluster-enabled yes --cluster-node-timeout 2000 \
				--dir "$T/cluster-$port" >"$T/redis.$port.log" 2>&1 &
			pid=$!
			PIDS="$PIDS $pid"
			if wait_for 10 redis_up "$port"; then
				CLUSTER_PORTS="$CLUSTER_PORTS $port"
				break
			fi
			kill "$pid" 2>/dev/null
		done
	done
	[ "$(echo $CLUSTER_PORTS | wc -w)" = 3 ] || return 1
	# shellcheck disable=SC2046
	redis-cli --cluster create $(for p in $CLUSTER_PORTS; do echo "127.0.0.1:$p"; done) \
		--cluster-yes >"$T/cluster-create.log" 2>&1 || return 1
	for p in $CLUSTER_PORTS; do
		wait_for 20 cluster_ok "$p" || return 1
	done
}
