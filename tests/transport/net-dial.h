/* SPDX-License-Identifier: MIT */
/* Shared by the test relays (tests/transport/kt-netprobe, tests/e2e/tls-meter):
 * a monotonic clock in milliseconds and a blocking TCP connect. */
#ifndef KYOYU_TEST_NET_DIAL_H
#define KYOYU_TEST_NET_DIAL_H

/* CLOCK_MONOTONIC in milliseconds. */
double net_now_ms(void);

/* A socket connected to HOST:PORT (close-on-exec), or -1. */
int net_dial(const char *host, const char *port);

#endif
