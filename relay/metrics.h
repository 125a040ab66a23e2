/* SPDX-License-Identifier: MIT */
/* kyoyu-relay's counters for a monitoring system: a plain HTTP endpoint on
 * a local port (relay.metrics_port) answering any GET with the counters in
 * Prometheus' text format.  Served in the relay's own poll() loop: a few
 * clients at a time, a bounded request, a deadline. */
#ifndef RELAY_METRICS_H
#define RELAY_METRICS_H

#define RELAY_METRICS_FDS 9 /* pollfd entries it needs */

#include <poll.h>
#include <stddef.h>
#include <stdint.h>

typedef struct relay_counters {
	uint64_t sessions_started, sessions_ended;
	uint64_t bytes_to_viewers, bytes_to_customers;
	uint64_t codes_issued, codes_claimed, codes_refused, codes_killed, rate_limited;
	uint64_t offers_refused; /* not an operator, revoked, or no free room */
	uint64_t redis_errors;   /* calls that failed: a code refused or not issued */
	uint64_t passes_sent, passes_failed, passes_received;
	uint64_t rejoins, rejoins_refused; /* sessions coming back, tickets refused */
	uint64_t rejoins_rate_limited; /* customers' REJOINs over their address's budget */
	uint64_t links_open;
} relay_counters;

typedef struct relay_metrics relay_metrics;

/* Listens on LISTEN:PORT (PORT 0: any free one, logged).  NULL (logged)
 * when it cannot. */
relay_metrics *relay_metrics_new(const char *listen, int port);
void relay_metrics_free(relay_metrics *m);

/* Fills up to MAX entries of PFDS with what it waits for (and lowers
 * *TIMEOUT_MS, -1: none, to a client's deadline).  Returns how many. */
size_t relay_metrics_poll(relay_metrics *m, struct pollfd *pfds, size_t max, int *timeout_ms);

/* Serves what poll() found in the N entries of PFDS it filled, answering
 * with C. */
void relay_metrics_serve(relay_metrics *m, const struct pollfd *pfds, size_t n,
			 const relay_counters *c);

#endif
