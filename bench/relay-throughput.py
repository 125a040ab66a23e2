#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""kyoyu-relay's cost per byte forwarded: PAIRS viewer/sharer pairs join
through a running relay (an OFFER with an operator certificate, a CLAIM
with its code), then each sharer pushes MB megabytes to its viewer; the
relay's CPU time (from /proc) over the transfer, per Gbit/s forwarded.

  bench/relay-throughput.py PORT RELAY_PID OPERATOR_CERT OPERATOR_KEY [PAIRS] [MB]

With SHARER_PORT=P in the environment the sharers claim at another relay
node (port P) on the same Redis, which joins them through the viewers'
node (docs/relay.md, "Several nodes"); give RELAY_PID as PID_A,PID_B to
count both nodes' CPU.  Before the transfer it times each
sharer's join (TLS, CLAIM, JOINED) and 500 round trips of 64 bytes
sharer -> viewer -> sharer through the relay(s), and prints p50/p99.

The payload is opaque to the relay (in a session it is the agents' own
TLS records), so random bytes stand for it.  The clients do not check the
relay's certificate: this measures, it does not protect."""
import os
import socket
import ssl
import struct
import sys
import threading
import time


def msg(kind, digits=b""):
    m = b"KYR1" + bytes([kind, 0]) + struct.pack(">H", 0) + digits.ljust(9, b"\0")
    return m.ljust(64, b"\0")


def read_exact(s, n):
    buf = b""
    while len(buf) < n:
        part = s.recv(n - len(buf))
        if not part:
            raise EOFError("the relay closed the link")
        buf += part
    return buf


def tls(port, cert=None, key=None):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    if cert:
        ctx.load_cert_chain(cert, key)
    raw = socket.create_connection(("127.0.0.1", port))
    raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return ctx.wrap_socket(raw)


def pair(port, cert, key, joins):
    viewer = tls(port, cert, key)
    viewer.sendall(msg(1))
    reply = read_exact(viewer, 64)
    if reply[4] != 3:
        sys.exit("no code: reason %d" % reply[5])
    t0 = time.monotonic()
    sharer = tls(int(os.environ.get("SHARER_PORT", port)))
    sharer.sendall(msg(2, reply[8:17]))
    for s in (sharer, viewer):
        if read_exact(s, 64)[4] != 4:
            sys.exit("not joined")
    joins.append(time.monotonic() - t0)
    return viewer, sharer


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p / 100))] * 1000


def round_trips(viewer, sharer, n=500):
    rtts = []
    for _ in range(n):
        t0 = time.monotonic()
        sharer.sendall(b"x" * 64)
        viewer.sendall(read_exact(viewer, 64))
        read_exact(sharer, 64)
        rtts.append(time.monotonic() - t0)
    return rtts


def cpu_s(pids):
    total = 0
    for pid in pids:
        f = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
        total += (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")
    return total


def main():
    port, cert, key = int(sys.argv[1]), sys.argv[3], sys.argv[4]
    pid = [int(p) for p in sys.argv[2].split(",")]  # every node's CPU counts
    pairs = int(sys.argv[5]) if len(sys.argv) > 5 else 1
    total = (int(sys.argv[6]) if len(sys.argv) > 6 else 200) << 20
    joins = []
    links = [pair(port, cert, key, joins) for _ in range(pairs)]
    rtts = round_trips(*links[0])
    print("join (sharer's TLS, CLAIM, JOINED): p50 %.2f ms, max %.2f ms; round trip of 64 "
          "bytes: p50 %.3f ms, p99 %.3f ms" % (pct(joins, 50), max(joins) * 1000,
                                              pct(rtts, 50), pct(rtts, 99)))
    chunk = os.urandom(1 << 16)

    def push(s):
        left = total
        while left > 0:
            s.sendall(chunk[: min(len(chunk), left)])
            left -= min(len(chunk), left)

    def pull(s):
        left = total
        while left > 0:
            n = len(s.recv(1 << 16))
            if n == 0:
                raise EOFError("cut short")
            left -= n

    threads = [threading.Thread(target=f, args=(s,)) for v, sh in links
               for f, s in ((push, sh), (pull, v))]
    c0, t0 = cpu_s(pid), time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    c1, t1 = cpu_s(pid), time.monotonic()
    gbit = total * pairs * 8 / 1e9
    print("%d pairs, %d MB each: %.2f s, %.0f Mbit/s through the relay; relay CPU %.2f s "
          "= %.2f CPU-s per Gbit forwarded (%.0f%% of a core)" %
          (pairs, total >> 20, t1 - t0, gbit * 1000 / (t1 - t0), c1 - c0,
           (c1 - c0) / gbit, 100 * (c1 - c0) / (t1 - t0)))


main()
