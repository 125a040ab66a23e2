#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Sessions held through kyoyu-relay against the same streams through
haproxy as a plain TCP proxy (issue 14's bench): SESSIONS sharer->viewer
streams of KBITS kbit/s each (1.5 Mbit/s: a support session's video), for
SECONDS; the proxy's CPU per Gbit forwarded and the one-way delay of every
message (a monotonic timestamp inside; sender and receiver are this
process), p50/p99/max, with the first second left out.

  bench/relay-load.py relay PORT RELAY_PID[,PID] CERT KEY [SESSIONS] [SECONDS] [KBITS]
  bench/relay-load.py haproxy - - - - [SESSIONS] [SECONDS] [KBITS]
  bench/relay-load.py direct - - - - [SESSIONS] [SECONDS] [KBITS]

relay: through a running relay (OFFER with the operator certificate CERT/KEY,
CLAIM; start it with relay.attempts_per_minute high enough for SESSIONS
claims).  haproxy: this script starts haproxy (mode tcp) on a free port in
front of its own listening "viewers".  direct: no proxy, the harness's own
delay, to subtract.  One sender ticks every 10 ms and writes one
message to each session, in a child process; one receiver reads them all
(selectors)."""
import os
import selectors
import socket
import ssl
import struct
import subprocess
import sys
import tempfile
import threading
import time

TICK = 0.010


def msg(kind, digits=b""):
    m = b"KYR1" + bytes([kind, 0]) + struct.pack(">H", 0) + digits.ljust(9, b"\0")
    return m.ljust(64, b"\0")


def read_exact(s, n):
    buf = b""
    while len(buf) < n:
        part = s.recv(n - len(buf))
        if not part:
            raise EOFError("closed")
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


def relay_pair(port, cert, key):
    viewer = tls(port, cert, key)
    viewer.sendall(msg(1))
    reply = read_exact(viewer, 64)
    if reply[4] != 3:
        sys.exit("no code from the relay: reason %d" % reply[5])
    sharer = tls(port)
    sharer.sendall(msg(2, reply[8:17]))
    for s in (sharer, viewer):
        if read_exact(s, 64)[4] != 4:
            sys.exit("not joined (is relay.attempts_per_minute high enough?)")
    return viewer, sharer


def tcp_pairs(n, port, listener):
    pairs = []
    for _ in range(n):
        sharer = socket.create_connection(("127.0.0.1", port))
        sharer.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        viewer, _ = listener.accept()
        pairs.append((viewer, sharer))
    return pairs


def cpu_s(pids):
    total = 0.0
    for pid in pids:
        f = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
        total += (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")
    return total


def start_haproxy(listener):
    backend = listener.getsockname()[1]
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    cfg = tempfile.NamedTemporaryFile("w", suffix=".cfg", delete=False)
    # One thread, as the relay: the same share of a loaded machine.
    cfg.write("global\n  maxconn 4096\n  nbthread 1\ndefaults\n  mode tcp\n  timeout connect 5s\n"
              "  timeout client 1m\n  timeout server 1m\n"
              "listen relay\n  bind 127.0.0.1:%d\n  server viewer 127.0.0.1:%d\n"
              % (port, backend))
    cfg.close()
    proc = subprocess.Popen(["haproxy", "-db", "-f", cfg.name])
    for _ in range(50):
        try:
            socket.create_connection(("127.0.0.1", port)).close()
            break
        except OSError:
            time.sleep(0.1)
    # The probe's own link to the backend, if haproxy made one: not a session.
    listener.settimeout(1)
    try:
        listener.accept()[0].close()
    except socket.timeout:
        pass
    listener.settimeout(None)
    return proc, port


def main():
    mode = sys.argv[1]
    sessions = int(sys.argv[6]) if len(sys.argv) > 6 else 100
    seconds = float(sys.argv[7]) if len(sys.argv) > 7 else 10
    kbits = int(sys.argv[8]) if len(sys.argv) > 8 else 1500
    size = max(16, int(kbits * 1000 / 8 * TICK))
    proc = None
    if mode == "relay":
        port, pids = int(sys.argv[2]), [int(p) for p in sys.argv[3].split(",")]
        pairs = [relay_pair(port, sys.argv[4], sys.argv[5]) for _ in range(sessions)]
    else:
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen(sessions + 16)
        backend = listener.getsockname()[1]
        if mode == "haproxy":
            proc, port = start_haproxy(listener)
            pids = [proc.pid]
        else:
            port, pids = backend, []
        pairs = tcp_pairs(sessions, port, listener)
    delays = []
    stop = threading.Event()
    start_ns = time.monotonic_ns()

    def send():
        payload = b"\0" * (size - 8)
        next_t = time.monotonic()
        while not stop.is_set():
            for _, sharer in pairs:
                sharer.sendall(struct.pack(">Q", time.monotonic_ns()) + payload)
            next_t += TICK
            time.sleep(max(0, next_t - time.monotonic()))

    def receive():
        sel = selectors.DefaultSelector()
        bufs = {}
        for viewer, _ in pairs:
            viewer.setblocking(False)
            sel.register(viewer, selectors.EVENT_READ)
            bufs[viewer] = b""
        while not stop.is_set():
            for key, _ in sel.select(0.1):
                v = key.fileobj
                while True:
                    try:
                        part = v.recv(65536)
                    except (ssl.SSLWantReadError, BlockingIOError):
                        break
                    if not part:
                        sel.unregister(v)
                        break
                    bufs[v] += part
                now = time.monotonic_ns()
                b = bufs[v]
                while len(b) >= size:
                    sent = struct.unpack(">Q", b[:8])[0]
                    if sent - start_ns > 1e9:
                        delays.append((now - sent) / 1e6)
                    b = b[size:]
                bufs[v] = b

    # The sender in a child process, so that neither waits for the other's
    # turn at Python's lock (the monotonic clock is the system's).
    c0, t0, h0 = cpu_s(pids), time.monotonic(), sum(os.times()[:4])
    child = os.fork()
    if child == 0:
        timer = threading.Timer(seconds, stop.set)
        timer.start()
        send()
        os._exit(0)
    receiver = threading.Thread(target=receive)
    receiver.start()
    time.sleep(seconds)
    stop.set()
    receiver.join()
    os.waitpid(child, 0)
    c1, t1, h1 = cpu_s(pids), time.monotonic(), sum(os.times()[:4])
    if proc:
        proc.terminate()
        proc.wait()
    delays.sort()
    gbit = len(delays) * size * 8 / 1e9 * seconds / max(seconds - 1, 0.1)
    pct = lambda p: delays[min(len(delays) - 1, int(len(delays) * p / 100))]
    print("%s: %d sessions x %d kbit/s for %.0f s: %d messages, %.0f Mbit/s; delay p50 "
          "%.2f ms, p99 %.2f ms, max %.2f ms; proxy CPU %.2f s = %s CPU-s per Gbit "
          "(%.0f%% of a core); this harness %.0f%% of a core" %
          (mode, sessions, kbits, seconds, len(delays), gbit * 1000 / (t1 - t0),
           pct(50), pct(99), delays[-1], c1 - c0,
           "%.2f" % ((c1 - c0) / gbit) if pids else "-", 100 * (c1 - c0) / (t1 - t0),
           100 * (h1 - h0) / (t1 - t0)))


main()
