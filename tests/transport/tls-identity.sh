#!/bin/sh
# SPDX-License-Identifier: MIT
# The sharer talks only to the right viewer, and only over TLS 1.3: a wrong
# pin, a CA-signed certificate for another host name and a missing trust
# setting all fail closed with a clear message; a TLS 1.2-only client is
# refused; and after all of that the viewer still serves the right sharer.
. "$KYOYU_SRCDIR/tests/transport/lib.sh"

make_cert "$T/cert" || skip_all "--make-cert failed"
GOOD_PIN=$PIN
make_cert "$T/other" || skip_all "--make-cert failed"
OTHER_PIN=$PIN

check "the viewer starts" start_viewer viewer "$T/cert"

# A sharer that pins another certificate: refused before any code is sent.
customer_types "$CODE" >"$T/code"
PIN=$OTHER_PIN
start_sharer wrongpin "$T/code"
reap "$SHARER_PID" 30
check "a wrong pin ends the sharer with an error" test "$STATUS" = 1
check "and says the certificate does not match transport.pin" \
	has "$T/wrongpin.err" "does not match transport.pin"
check "and tells the customer in plain words" \
	has "$T/wrongpin.out" "Could not verify the identity of the support team"
check "the viewer logs the refused handshake" wait_for 10 has "$T/viewer.err" "dropped"
check "in the operator's words, not OpenSSL's" \
	has "$T/viewer.err" "did not accept this viewer's certificate: the pin shipped"
check "  (no \"sslv3 alert\")" sh -c '! grep -q "sslv3 alert" "$0"' "$T/viewer.err"
check "the viewer was not sent the code" sh -c '! grep -q "gave a wrong" "$0"' "$T/viewer.err"

# No pin and no CA file: no unauthenticated mode.
"$KYOYU_AGENT" -r sharer $CODEC_PATH -o ui.plugin=tty -o codec.plugin=$CODEC \
	-o capture.plugin=testsrc -o transport.host=127.0.0.1 -o "transport.port=$PORT" \
	-o "ctl.socket=$T/nopin.sock" -t 10 </dev/null >"$T/nopin.out" 2>"$T/nopin.err"
check "a sharer with neither pin nor ca_file refuses to start" \
	sh -c '[ $0 -ne 0 ] && grep -q "transport.pin .*or transport.ca_file" "$1"' $? "$T/nopin.err"

# TLS 1.2 only: the viewer never agrees.
openssl s_client -connect "127.0.0.1:$PORT" -tls1_2 </dev/null >"$T/tls12.out" 2>&1
status=$?
check "an openssl s_client -tls1_2 handshake fails" sh -c \
	'[ $0 -ne 0 ] && grep -qi "alert protocol version\|no protocols available\|wrong version" "$1"' \
	$status "$T/tls12.out"
check "the viewer says why" wait_for 10 has "$T/viewer.err" "does not speak TLS 1.3"
openssl s_client -connect "127.0.0.1:$PORT" -tls1_3 </dev/null >"$T/tls13.out" 2>&1
check "while TLS 1.3 with a modern suite is accepted" \
	grep -q "TLSv1.3.*TLS_AES_\|TLS_CHACHA20\|Protocol *: TLSv1.3" "$T/tls13.out"

# The right sharer still gets in with the same code.
PIN=$GOOD_PIN
start_sharer good "$T/code" -t 5
check "after all that the viewer serves the right sharer" \
	wait_for 30 has "$T/viewer.out" "The customer (.*) is connected"
reap "$SHARER_PID" 30
reap "$VIEWER_PID" 30
check "and both end cleanly" sh -c '[ "$0" = 0 ] && grep -q "session ended (left)" "$1"' \
	"$STATUS" "$T/viewer.out"

# A CA-signed certificate: the host name is checked against it.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
	-subj "/CN=kyoyu test CA" -keyout "$T/ca-key.pem" -out "$T/ca.pem" \
	-addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign" \
	>/dev/null 2>&1
mkdir -p "$T/signed"
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=localhost" \
	-keyout "$T/signed/viewer-key.pem" -out "$T/signed.csr" >/dev/null 2>&1
printf 'subjectAltName=DNS:localhost\nextendedKeyUsage=serverAuth\n' >"$T/ext"
openssl x509 -req -in "$T/signed.csr" -CA "$T/ca.pem" -CAkey "$T/ca-key.pem" \
	-CAcreateserial -days 2 -extfile "$T/ext" -out "$T/signed/viewer-cert.pem" >/dev/null 2>&1
check "a CA and a viewer certificate for localhost (openssl)" test -s "$T/signed/viewer-cert.pem"
check "a viewer with the CA-signed certificate starts" start_viewer ca "$T/signed"
customer_types "$CODE" >"$T/code"
run_ca_sharer() {
	"$KYOYU_AGENT" -r sharer $CODEC_PATH -o ui.plugin=tty -o codec.plugin=$CODEC \
		-o capture.plugin=testsrc -o capture.width=320 -o capture.height=240 \
		-o "transport.host=$1" -o "transport.port=$PORT" -o "transport.ca_file=$T/ca.pem" \
		-o "ctl.socket=$T/$2.sock" -t "$3" <"$T/code" >"$T/$2.out" 2>"$T/$2.err"
}
run_ca_sharer 127.0.0.1 wronghost 10
check "a certificate for another host name fails closed" sh -c \
	'[ $0 -eq 1 ] && grep -q "not valid for \"127.0.0.1\" (transport.host)" "$1"' $? \
	"$T/wronghost.err"
run_ca_sharer localhost rightname 4 &
pid=$!
check "the right host name is accepted" wait_for 30 has "$T/ca.out" "The customer (.*) is connected"
wait $pid
tap_done
