#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Speaks kyoyu-relay's messages (proto/relay-wire.h) as hostile and honest
customers, to test the limits on re-join tickets (docs/relay.md, "Coming
back"):

  rejoin-limits-probe.py HOST PORT OPERATOR_CERT OPERATOR_KEY BUDGET limits
  rejoin-limits-probe.py HOST PORT OPERATOR_CERT OPERATOR_KEY 0 join
  rejoin-limits-probe.py HOST PORT OPERATOR_CERT OPERATOR_KEY N spend

"limits": forged tickets from 127.0.0.2 are refused as unknown BUDGET
times, then as over the address's budget; 200 other addresses each try
one, and 127.0.0.2 is still over its budget (rotating addresses does not
flush it); an operator's side (its certificate shown) from 127.0.0.2 is
not counted; and a real session whose customer is at 127.0.0.250 comes
back meanwhile.  "join": an operator's OFFER and a customer's CLAIM are
joined; prints "join: TICKET JOINED" or "join: JOINED" (no ticket) for
each side.  "spend": N forged tickets from 127.0.0.1, which spend that
address's budget for the minute (tests/relay/relay-rejoin-limited.sh);
prints "spend: REFUSED-R" for each.  Prints one line per step, "ok ..." or "FAIL ...", and exits 1
on a failure."""

import os
import sys

from relay_wire import (CAN_REJOIN, CLAIM, CODE, JOINED, NO_SESSION, OFFER, RATE_LIMITED,
                        REFUSED, REJOIN, SIDE_SHARER, SIDE_VIEWER, TICKET, link, msg,
                        read_exactly, read_message)

failed = False


def say(ok, what):
    global failed
    print(("ok " if ok else "FAIL ") + what, flush=True)
    failed = failed or not ok


def reply(s):
    m = read_message(s)
    return m[4], m[5], int.from_bytes(m[6:8], "big"), m[8:40]


def rejoin(host, port, ticket, side=SIDE_SHARER, source=None, cert=None, key=None):
    """A REJOIN with TICKET: the relay's answer (type, reason, retry)."""
    s = link(host, port, cert, key, source)
    s.sendall(msg(REJOIN, side, 0, ticket))
    kind, reason, retry, _ = reply(s)
    s.close()
    return kind, reason, retry


def joined(s):
    """What a side got up to JOINED: "TICKET JOINED", "JOINED", or what else."""
    got, ticket = [], None
    while True:
        kind, reason, _, body = reply(s)
        if kind == TICKET:
            got.append("TICKET")
            ticket = body
            continue
        got.append("JOINED" if kind == JOINED else "type-%d-reason-%d" % (kind, reason))
        return " ".join(got), ticket


def session(host, port, cert, key, source):
    """An operator with a 30 s grace and a customer at SOURCE, joined:
    (operator's link, customer's link, what each got, the ticket)."""
    op = link(host, port, cert, key)
    op.sendall(msg(OFFER, 0, 30))
    kind, reason, _, body = reply(op)
    if kind != CODE:
        raise RuntimeError("no code for the operator (type %d reason %d)" % (kind, reason))
    cu = link(host, port, source=source)
    cu.sendall(msg(CLAIM, CAN_REJOIN, 0, body[:9]))
    cu_got, ticket = joined(cu)
    op_got, _ = joined(op)
    return op, cu, op_got, cu_got, ticket


def limits(host, port, cert, key, budget):
    for i in range(budget):
        kind, reason, _ = rejoin(host, port, os.urandom(32), source="127.0.0.2")
        if (kind, reason) != (REFUSED, NO_SESSION):
            say(False, "forged ticket %d within the budget: type %d reason %d" % (i + 1, kind, reason))
            return
    say(True, "%d forged tickets from one address refused as unknown" % budget)
    kind, reason, retry = rejoin(host, port, os.urandom(32), source="127.0.0.2")
    say((kind, reason) == (REFUSED, RATE_LIMITED) and 0 < retry <= 60,
        "the next is refused as over the address's budget (type %d reason %d, retry in %d s)"
        % (kind, reason, retry))
    others = [rejoin(host, port, os.urandom(32), source="127.0.1.%d" % n) for n in range(1, 201)]
    say(all(o[:2] == (REFUSED, NO_SESSION) for o in others),
        "200 other addresses each have a budget of their own")
    kind, reason, _ = rejoin(host, port, os.urandom(32), source="127.0.0.2")
    say((kind, reason) == (REFUSED, RATE_LIMITED),
        "200 addresses later the first is still over its budget (type %d reason %d)" % (kind, reason))
    kind, reason, _ = rejoin(host, port, os.urandom(32), SIDE_VIEWER, "127.0.0.2", cert, key)
    say((kind, reason) == (REFUSED, NO_SESSION),
        "an operator's side from that address is not counted (type %d reason %d)" % (kind, reason))
    # A real customer comes back meanwhile.
    op, cu, op_got, cu_got, ticket = session(host, port, cert, key, "127.0.0.250")
    say(op_got == cu_got == "TICKET JOINED", "a real session: both get a ticket, then joined")
    op.close()
    cu.close()
    cu = link(host, port, source="127.0.0.250")
    cu.sendall(msg(REJOIN, SIDE_SHARER, 0, ticket))
    op = link(host, port, cert, key)
    op.sendall(msg(REJOIN, SIDE_VIEWER, 0, ticket))
    cu_got, _ = joined(cu)
    op_got, _ = joined(op)
    say(cu_got == op_got == "TICKET JOINED", "its customer comes back during the flood")
    cu.sendall(b"still here")
    say(read_exactly(op, 10) == b"still here", "bytes cross after the re-join")


def join(host, port, cert, key):
    op, cu, op_got, cu_got, _ = session(host, port, cert, key, None)
    print("join: operator %s" % op_got)
    print("join: customer %s" % cu_got)
    cu.sendall(b"hello")
    say(read_exactly(op, 5) == b"hello", "bytes cross")


def spend(host, port, n):
    for _ in range(n):
        kind, reason, _ = rejoin(host, port, os.urandom(32), source="127.0.0.1")
        print("spend: %s" % ("REFUSED-%d" % reason if kind == REFUSED else "type-%d" % kind),
              flush=True)


def main():
    host, port, cert, key = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    if sys.argv[6] == "limits":
        limits(host, port, cert, key, int(sys.argv[5]))
    elif sys.argv[6] == "spend":
        spend(host, port, int(sys.argv[5]))
    else:
        join(host, port, cert, key)
    return 1 if failed else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception as e:  # a relay that breaks off is a failure, said plainly
        print("FAIL %s: %s" % (type(e).__name__, e), flush=True)
        sys.exit(1)
