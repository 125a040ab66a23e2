#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Does kyoyu-relay's forwarding wait for Redis?  Speaks the relay's
messages (proto/relay-wire.h) as both agents of one session:

  stall-probe.py HOST PORT OPERATOR_CERT OPERATOR_KEY SECONDS REDIS_PID
  stall-probe.py HOST PORT OPERATOR_CERT OPERATOR_KEY SECONDS 'COMMAND'
  stall-probe.py HOST PORT OPERATOR_CERT OPERATOR_KEY offer
  stall-probe.py HOST PORT OPERATOR_CERT OPERATOR_KEY across OTHER_PORT

The first joins an operator's OFFER and a customer's CLAIM, then sends 64
bytes from the customer, echoes them from the operator and reads them back
(two trips through the relay), while a second operator asks for a code
every 0.2 s (each of which makes the relay call Redis): for SECONDS with
Redis answering, then for SECONDS more after it sent REDIS_PID SIGSTOP (it
sends SIGCONT at the end).  For each phase it prints
"up|stopped: round trips N p50 MS p99 MS max MS slow N" (slow: 300 ms or
more) and
"up|stopped offers: CODE n, REFUSED-3 n, ...".
The second, instead of stopping Redis, runs the shell COMMAND between the
two phases; its second phase is called "after".
The third asks for one code: "offer: CODE" or "offer: REFUSED-R".
The fourth parks an operator at PORT and claims its code as a customer at
OTHER_PORT, another node on the same Redis, which passes the customer to
the first: "across: JOINED in MS ms" once both sides read JOINED, or
"across: REFUSED-R in MS ms"."""

import os
import signal
import subprocess
import sys
import threading
import time

from relay_wire import (CLAIM, CODE, JOINED, OFFER, REFUSED, link, msg, read_exactly,
                        read_message)


def reply(s):
    m = read_message(s)
    return m[4], m[5], m


def offer(host, port, cert, key):
    s = link(host, port, cert, key)
    s.sendall(msg(OFFER))
    kind, reason, m = reply(s)
    return s, kind, reason, m


def answer_text(kind, reason):
    return "CODE" if kind == CODE else "REFUSED-%d" % reason if kind == REFUSED else "type-%d" % kind


def offers_meanwhile(host, port, cert, key, stop, answers):
    while not stop.is_set():
        try:
            s, kind, reason, _ = offer(host, port, cert, key)
            s.close()
            answers.append(answer_text(kind, reason))
        except (OSError, EOFError) as e:
            answers.append(type(e).__name__)
        stop.wait(0.2)


def phase(name, host, port, cert, key, seconds, op, cu):
    stop, answers = threading.Event(), []
    t = threading.Thread(target=offers_meanwhile, args=(host, port, cert, key, stop, answers))
    t.start()
    times = []
    payload = bytes(range(64))
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        t0 = time.monotonic()
        cu.sendall(payload)
        op.sendall(read_exactly(op, 64))
        read_exactly(cu, 64)
        times.append((time.monotonic() - t0) * 1000)
        time.sleep(0.005)
    stop.set()
    t.join()
    times.sort()
    print("%s: round trips %d p50 %.2f p99 %.2f max %.2f slow %d" % (
        name, len(times), times[len(times) // 2], times[int(len(times) * 0.99)], times[-1],
        sum(1 for x in times if x >= 300)))
    counts = {}
    for a in answers:
        counts[a] = counts.get(a, 0) + 1
    print("%s offers: " % name + ", ".join("%s %d" % kv for kv in sorted(counts.items())),
          flush=True)


def stall(host, port, cert, key, seconds, redis_pid, command=None):
    op, kind, _, m = offer(host, port, cert, key)
    if kind != CODE:
        print("no code to join a pair with (type %d)" % kind)
        return 1
    cu = link(host, port)
    cu.sendall(msg(CLAIM, 0, 0, m[8:17]))
    if reply(cu)[0] != JOINED or reply(op)[0] != JOINED:
        print("the pair was not joined")
        return 1
    phase("up", host, port, cert, key, seconds, op, cu)
    if command:
        subprocess.run(command, shell=True, check=False)
        phase("after", host, port, cert, key, seconds, op, cu)
        return 0
    os.kill(redis_pid, signal.SIGSTOP)
    try:
        phase("stopped", host, port, cert, key, seconds, op, cu)
    finally:
        os.kill(redis_pid, signal.SIGCONT)
    return 0


def across(host, port, cert, key, other_port):
    op, kind, reason, m = offer(host, port, cert, key)
    if kind != CODE:
        print("across: no code (%s)" % answer_text(kind, reason))
        return 1
    t0 = time.monotonic()
    cu = link(host, other_port)
    cu.sendall(msg(CLAIM, 0, 0, m[8:17]))
    kind, reason, _ = reply(cu)
    if kind == JOINED:
        kind, reason, _ = reply(op)
    print("across: %s in %d ms" % ("JOINED" if kind == JOINED else answer_text(kind, reason),
                                   (time.monotonic() - t0) * 1000), flush=True)
    return 0 if kind == JOINED else 1


def main():
    host, port, cert, key = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    if sys.argv[5] == "across":
        return across(host, port, cert, key, int(sys.argv[6]))
    if sys.argv[5] == "offer":
        s, kind, reason, _ = offer(host, port, cert, key)
        print("offer: " + answer_text(kind, reason))
        s.close()
        return 0
    if not sys.argv[6].isdigit():
        return stall(host, port, cert, key, float(sys.argv[5]), 0, sys.argv[6])
    return stall(host, port, cert, key, float(sys.argv[5]), int(sys.argv[6]))


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception as e:  # a relay that breaks off is a failure, said plainly
        print("FAIL %s: %s" % (type(e).__name__, e), flush=True)
        sys.exit(1)
