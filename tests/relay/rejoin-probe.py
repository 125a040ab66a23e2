#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Speaks kyoyu-relay's messages (proto/relay-wire.h) as both agents of one
session, to test re-join tickets where the agents cannot be made to:

  rejoin-probe.py HOST PORT OPERATOR_CERT OPERATOR_KEY GRACE_S [PORT2]

An operator's OFFER (with GRACE_S) and a customer's CLAIM of its code are
joined, both get one TICKET; both links drop; the customer comes back
with the ticket and waits, the operator comes back and is joined to it,
and bytes cross both ways; again, the operator first.  With PORT2 (a
second relay node) the two sides are always on different nodes, so each
join is passed from one to the other.  The spent tickets (replayed), a
forged one, the operator's side without its certificate and, after the
grace, the last ticket (expired) are each refused.  Prints one
line per step, "ok ..." or "FAIL ...", and exits 1 on a failure."""

import os
import socket
import sys
import time

from relay_wire import (CAN_REJOIN, CLAIM, CODE, JOINED, NO_SESSION, NOT_OPERATOR, OFFER,
                        REFUSED, REJOIN, SIDE_SHARER, SIDE_VIEWER, TICKET, link, msg,
                        read_exactly, read_message)

failed = False


def say(ok, what):
    global failed
    print(("ok " if ok else "FAIL ") + what, flush=True)
    failed = failed or not ok


def reply(s):
    m = read_message(s)
    return m[4], m[5], m[8:40], m


def joined_with_ticket(s, who):
    """TICKET then JOINED: the ticket, or None."""
    kind, reason, body, _ = reply(s)
    if kind != TICKET:
        say(False, "%s got type %d reason %d, not a ticket" % (who, kind, reason))
        return None
    kind, _, _, _ = reply(s)
    say(kind == JOINED, "%s: a ticket, then joined" % who)
    return body


def crosses(a, b, what):
    a.sendall(what)
    say(read_exactly(b, len(what)) == what, "bytes cross: %r" % what)


def refused(host, port, ticket, side, what, reason=NO_SESSION, cert=None, key=None):
    s = link(host, port, cert, key)
    s.sendall(msg(REJOIN, side, 0, ticket))
    try:
        kind, got, _, _ = reply(s)
        say(kind == REFUSED and got == reason,
            "%s refused (type %d, reason %d)" % (what, kind, got))
    except (EOFError, socket.timeout) as e:
        say(False, "%s: no answer (%s)" % (what, e))
    s.close()


def main():
    host, port, cert, key, grace = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], \
        int(sys.argv[5])
    # With a second node, every join below is across the two.
    other = int(sys.argv[6]) if len(sys.argv) > 6 else port

    op = link(host, port, cert, key)
    op.sendall(msg(OFFER, 0, grace))
    kind, _, _, m = reply(op)
    say(kind == CODE, "the operator gets a code")
    digits = m[8:17]
    cu = link(host, other)
    cu.sendall(msg(CLAIM, CAN_REJOIN, 0, digits))
    t_cu = joined_with_ticket(cu, "the customer")
    t_op = joined_with_ticket(op, "the operator")
    say(t_cu is not None and t_cu == t_op, "both sides hold the same ticket")
    crosses(cu, op, b"before the drop")
    op.close()
    cu.close()

    # The customer is back first and waits; the operator joins it (from
    # the other node: passed to the customer's, as an operator).
    cu = link(host, port)
    cu.sendall(msg(REJOIN, SIDE_SHARER, 0, t_cu))
    time.sleep(0.5)
    refused(host, other, t_op, SIDE_VIEWER, "the operator's side without its certificate",
            NOT_OPERATOR)
    op = link(host, other, cert, key)
    op.sendall(msg(REJOIN, SIDE_VIEWER, 0, t_op))
    t2_op = joined_with_ticket(op, "the operator back")
    t2_cu = joined_with_ticket(cu, "the customer back")
    say(t2_op is not None and t2_op == t2_cu and t2_op != t_op,
        "a new ticket for both, not the old one")
    crosses(op, cu, b"after the re-join")
    crosses(cu, op, b"and back")
    op.close()
    cu.close()

    # Again, the operator first this time, the customer at the other node.
    op = link(host, port, cert, key)
    op.sendall(msg(REJOIN, SIDE_VIEWER, 0, t2_op))
    time.sleep(0.5)
    cu = link(host, other)
    cu.sendall(msg(REJOIN, SIDE_SHARER, 0, t2_cu))
    t3_cu = joined_with_ticket(cu, "the customer back again")
    t3_op = joined_with_ticket(op, "the operator back again")
    say(t3_op is not None and t3_op == t3_cu and t3_op != t2_op,
        "a new ticket again")
    crosses(cu, op, b"after the second re-join")

    refused(host, port, t_cu, SIDE_SHARER, "a spent (replayed) ticket")
    refused(host, other, t2_op, SIDE_VIEWER, "a spent (replayed) ticket, operator's side",
            cert=cert, key=key)
    refused(host, port, os.urandom(32), SIDE_SHARER, "a forged ticket")
    op.close()
    cu.close()
    # The new ticket lives the grace (and the refresh period, at most 10 s,
    # a quarter of the grace here) after the session was last seen joined.
    time.sleep(grace + max(1, grace // 4) + 1.5)
    refused(host, other, t3_cu, SIDE_SHARER, "an expired ticket")
    return 1 if failed else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception as e:  # a relay that breaks off is a failure, said plainly
        print("FAIL %s: %s" % (type(e).__name__, e), flush=True)
        sys.exit(1)
