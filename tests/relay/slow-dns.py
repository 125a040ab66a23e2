#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A DNS server on 127.0.0.1:53 (UDP) that knows one name and answers as
slowly as told, for tests/relay/relay-redis-dns.sh:

  slow-dns.py NAME ADDRESS DELAY_FILE LOG_FILE

Every query for NAME gets ADDRESS (type A; other types an empty answer)
after the number of seconds DELAY_FILE holds at that moment (0 when it is
missing); any other name gets NXDOMAIN.  Each query is answered from a
thread of its own, so a slow answer holds up no other, and is logged to
LOG_FILE as "QNAME TYPE DELAY"."""

import socket
import struct
import sys
import threading
import time


def delay_now(path):
    try:
        with open(path) as f:
            return float(f.read().strip() or 0)
    except (OSError, ValueError):
        return 0.0


def question(query):
    """(qname, qtype, end of the question) of a query."""
    labels, i = [], 12
    while query[i]:
        labels.append(query[i + 1:i + 1 + query[i]].decode("ascii", "replace"))
        i += 1 + query[i]
    qtype = struct.unpack(">H", query[i + 1:i + 3])[0]
    return ".".join(labels).lower(), qtype, i + 5


def answer(sock, query, peer, name, address, delay_file, log):
    qname, qtype, end = question(query)
    known = qname == name.lower()
    delay = delay_now(delay_file) if known else 0
    with open(log, "a") as f:
        f.write("%s %d %.1f\n" % (qname, qtype, delay))
    time.sleep(delay)
    flags = 0x8180 if known else 0x8183  # a response, recursion; NXDOMAIN when unknown
    records = b""
    count = 0
    if known and qtype == 1:
        records = b"\xc0\x0c" + struct.pack(">HHIH", 1, 1, 5, 4) + socket.inet_aton(address)
        count = 1
    head = query[:2] + struct.pack(">HHHHH", flags, 1, count, 0, 0)
    sock.sendto(head + query[12:end] + records, peer)


def main():
    name, address, delay_file, log = sys.argv[1:5]
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 53))
    while True:
        query, peer = sock.recvfrom(512)
        threading.Thread(target=answer, daemon=True,
                         args=(sock, query, peer, name, address, delay_file, log)).start()


if __name__ == "__main__":
    main()
