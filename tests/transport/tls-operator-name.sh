#!/bin/sh
# SPDX-License-Identifier: MIT
# Who is asking: the customer sees the operator's name and organisation from
# the viewer's certificate, checked by the pin or by a CA, and is told which;
# never the name the viewer sends (transport.name).  --make-cert puts --org
# and --name (UTF-8, at most 64 characters) in the certificate's subject, as
# openssl reads it.  transport.name is limited to 64 characters, not bytes,
# and a name of 64 Japanese characters crosses the link whole.
. "$KYOYU_SRCDIR/tests/transport/lib.sh"

NAME="田中 愛子"
ORG="株式会社サポートデスク"
"$KYOYU_AGENT" --make-cert "$T/cert" --org "$ORG" --name "$NAME" >"$T/cert.out" 2>&1
check "--make-cert takes --org and --name" test $? = 0
PIN=$(grep -o 'sha256//[A-Za-z0-9+/=]*' "$T/cert.out")
check "and says what customers are shown" has "$T/cert.out" "Customers are shown: $NAME ($ORG)"
openssl x509 -in "$T/cert/viewer-cert.pem" -noout -subject -nameopt utf8,sep_multiline \
	>"$T/subject" 2>&1
check "openssl reads the organisation in the subject" grep -q "O=$ORG" "$T/subject"
check "and the name" grep -q "CN=$NAME" "$T/subject"
# A fresh machine has no /etc/kyoyu: the folders on the way are made, 0700.
"$KYOYU_AGENT" --make-cert "$T/etc/kyoyu/viewer" >"$T/deep.out" 2>&1
check "--make-cert makes the missing folders on the way" \
	test -s "$T/etc/kyoyu/viewer/viewer-key.pem"
check "  each 0700" sh -c '[ "$(stat -c %a "$0/etc")" = 700 ] &&
	[ "$(stat -c %a "$0/etc/kyoyu")" = 700 ] && [ "$(stat -c %a "$0/etc/kyoyu/viewer")" = 700 ]' "$T"

long=$(printf '%065d' 0)
"$KYOYU_AGENT" --make-cert "$T/long" --name "$long" >"$T/long.out" 2>&1
check "--make-cert refuses a name of 65 characters, saying so" sh -c \
	'[ $0 -ne 0 ] && grep -q "1 to 64 characters, not 65" "$1" && [ ! -e "$2" ]' \
	$? "$T/long.out" "$T/long/viewer-key.pem"
"$KYOYU_AGENT" --make-cert "$T/nl" --org "$(printf 'a\nb')" >"$T/nl.out" 2>&1
check "and an organisation with a new line" sh -c \
	'[ $0 -ne 0 ] && grep -q "must not contain control characters" "$1"' $? "$T/nl.out"
"$KYOYU_AGENT" --org x >"$T/orphan.out" 2>&1
check "--org without --make-cert is an error" sh -c \
	'[ $0 -ne 0 ] && grep -q "go with --make-cert" "$1"' $? "$T/orphan.out"

# transport.name: 64 characters of three bytes each pass --check-config,
# 65 do not; counted in characters, not bytes.
name64=$(for i in $(seq 64); do printf '日'; done)
: >"$T/empty.cfg"
# A viewer's check reads its certificate too (made above).
"$KYOYU_AGENT" -r viewer $CODEC_PATH --check-config "$T/empty.cfg" -o "transport.name=$name64" \
	-o "transport.cert=$T/cert/viewer-cert.pem" -o "transport.key=$T/cert/viewer-key.pem" \
	-o codec.plugin=$CODEC >"$T/check64.out" 2>&1
check "--check-config accepts a transport.name of 64 characters (192 bytes)" test $? = 0
"$KYOYU_AGENT" -r viewer $CODEC_PATH --check-config "$T/empty.cfg" -o "transport.name=${name64}日" \
	-o codec.plugin=$CODEC >"$T/check65.out" 2>&1
check "and refuses 65, in characters" sh -c '[ $0 -ne 0 ] && grep -q "65 characters" "$1"' \
	$? "$T/check65.out"
sed 's/^/# /' "$T/check65.out"

# The viewer calls itself something else: the customer never reads it.
check "a viewer with that certificate, calling itself \"Your Bank\"" \
	start_viewer pinned "$T/cert" -o "transport.name=Your Bank"
customer_types "$CODE" >"$T/code"
start_sharer pinned-sharer "$T/code" -t 4 -o "transport.name=$name64"
check "the customer is told the certificate's name and organisation" \
	wait_for 30 has "$T/pinned-sharer.out" "Connected to $NAME ($ORG)."
check "and that the pinned key verified it" \
	has "$T/pinned-sharer.out" "Verified by the key this computer was set up with."
check "the sharer's ctl status names them too" sh -c \
	'"$0" ctl status --socket "$1" >"$2"; grep -q "^peer: $3 ($4)$" "$2" &&
	 grep -q "^verified: pinned key$" "$2"' \
	"$KYOYU_AGENT" "$T/pinned-sharer.sock" "$T/pinned-status" "$NAME" "$ORG"
check "the operator sees the customer's name of 64 characters, whole" \
	wait_for 10 has "$T/pinned.out" "The customer ($name64) is connected"
reap "$SHARER_PID" 30
reap "$VIEWER_PID" 30
check "the name the viewer sent appears nowhere the customer reads" \
	sh -c '! grep -q "Your Bank" "$0"' "$T/pinned-sharer.out"
check "(the sharer's log says what it called itself)" \
	has "$T/pinned-sharer.err" 'it calls itself "Your Bank"'

# A desk CA: the customer is told who vouches for the operator.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
	-subj "/O=Example Desk CA/CN=kyoyu test CA" -keyout "$T/ca-key.pem" -out "$T/ca.pem" \
	-addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign" \
	>/dev/null 2>&1
mkdir -p "$T/signed"
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -utf8 \
	-subj "/O=Example Support/CN=Aiko Tanaka" \
	-keyout "$T/signed/viewer-key.pem" -out "$T/signed.csr" >/dev/null 2>&1
printf 'subjectAltName=DNS:localhost\nextendedKeyUsage=serverAuth\n' >"$T/ext"
openssl x509 -req -in "$T/signed.csr" -CA "$T/ca.pem" -CAkey "$T/ca-key.pem" \
	-CAcreateserial -days 2 -extfile "$T/ext" -out "$T/signed/viewer-cert.pem" >/dev/null 2>&1
check "a desk CA and an operator certificate it signed (openssl)" \
	test -s "$T/signed/viewer-cert.pem"
check "a viewer with the CA-signed certificate starts" \
	start_viewer ca "$T/signed" -o "transport.name=Your Bank"
customer_types "$CODE" >"$T/code"
"$KYOYU_AGENT" -r sharer $CODEC_PATH -o ui.plugin=tty -o codec.plugin=$CODEC \
	-o capture.plugin=testsrc -o capture.width=320 -o capture.height=240 \
	-o transport.host=localhost -o "transport.port=$PORT" -o "transport.ca_file=$T/ca.pem" \
	-o "ctl.socket=$T/ca-sharer.sock" -t 4 <"$T/code" >"$T/ca-sharer.out" 2>"$T/ca-sharer.err" &
SHARER_PID=$!
PIDS="$PIDS $SHARER_PID"
check "the customer is told the CA-signed name and organisation" \
	wait_for 30 has "$T/ca-sharer.out" "Connected to Aiko Tanaka (Example Support)."
check "and who vouches for them" \
	has "$T/ca-sharer.out" "Verified by Example Desk CA, which this computer trusts."
check "ctl status says a certificate authority verified them" sh -c \
	'"$0" ctl status --socket "$1" | grep -q "^verified: certificate authority$"' \
	"$KYOYU_AGENT" "$T/ca-sharer.sock"
reap "$SHARER_PID" 30
reap "$VIEWER_PID" 30
check "again without \"Your Bank\"" sh -c '! grep -q "Your Bank" "$0"' "$T/ca-sharer.out"
tap_done
