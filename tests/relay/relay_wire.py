# SPDX-License-Identifier: MIT
"""kyoyu-relay's messages (proto/relay-wire.h) for the tests' Python probes
(rejoin-probe.py, stall-probe.py, rejoin-limits-probe.py): a TLS 1.3 link to the relay, a message
built and one read."""

import socket
import ssl
import struct

OFFER, CLAIM, CODE, JOINED, REFUSED, PASS, TICKET, REJOIN = range(1, 9)
# A CLAIM's reason; a REJOIN's reason: which side of the session comes back.
CAN_REJOIN = 1
SIDE_SHARER, SIDE_VIEWER = 1, 2
# REFUSED's reasons the probes look for.
RATE_LIMITED, NOT_OPERATOR, NO_SESSION = 2, 4, 7


def msg(kind, reason=0, retry=0, body=b""):
    """One 64-byte message: magic, type, reason, retry, then BODY."""
    return (b"KYR1" + bytes([kind, reason]) + struct.pack(">H", retry) + body).ljust(64, b"\0")


def link(host, port, cert=None, key=None, source=None):
    """A TLS 1.3 link to the relay, as an operator when CERT and KEY are given,
    from the loopback address SOURCE when given (127.0.0.0/8 is all local)."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE  # the agents pin the relay; not the point here
    if cert:
        ctx.load_cert_chain(cert, key)
    s = ctx.wrap_socket(socket.create_connection(
        (host, port), timeout=10, source_address=(source, 0) if source else None))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    s.settimeout(10)
    return s


def read_exactly(s, n):
    data = b""
    while len(data) < n:
        chunk = s.recv(n - len(data))
        if not chunk:
            raise EOFError("the relay closed the link")
        data += chunk
    return data


def read_message(s):
    """The next 64-byte message from the relay."""
    m = read_exactly(s, 64)
    if m[:4] != b"KYR1":
        raise ValueError("not a relay message")
    return m
