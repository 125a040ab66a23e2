/* SPDX-License-Identifier: MIT */
/* delay-line: the distance and the losses of a slow link, for bench/e2e.
 *
 *   delay-line NETNS-A DEV-A NETNS-B DEV-B ONE-WAY-MS LOSS-PERCENT SEED
 *
 * Attaches to two persistent TUN devices (made by `ip tuntap add DEV mode
 * tun`), DEV-A in network namespace NETNS-A and DEV-B in NETNS-B, and
 * carries every IP packet from one to the other: each is held ONE-WAY-MS
 * milliseconds (in order, no reordering) and each is lost with probability
 * LOSS-PERCENT / 100, the same both ways.  SEED makes the losses repeatable.
 * Prints "ready" once both devices are attached; on SIGINT or SIGTERM
 * prints what it carried and ends.
 *
 * Why packets and not a TCP relay: the kernel here has no netem, and a
 * relay that terminates TCP would acknowledge the sender's bytes at once
 * from next door: the sender's TCP would see neither the delay nor the
 * losses, and kyoyu's pacer reads exactly that TCP state.  Here the two
 * ends keep one TCP connection end to end: its round trip is the real one
 * (2 x ONE-WAY-MS plus queueing), and a lost packet is lost to TCP, which
 * recovers as it would on a line (fast retransmit, or a retransmission
 * timeout when too little follows it).  The rate is not set here: bench/e2e
 * puts a tbf qdisc on each device's egress, so a packet is first paced by
 * the bottleneck, then flies ONE-WAY-MS.
 */
#include "config.h" /* _GNU_SOURCE: setns() */

#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "net-dial.h"

/* Packets in flight each way.  4096 is 6 MB of 1500-byte packets: 50 ms at
 * 1 Gbit/s, far more than a shaped link ever holds. */
#define SLOTS 4096
#define SLOT_BYTES 2048 /* the devices' MTU is 1500 */

typedef struct packet {
	double due_ms;
	uint16_t len;
	unsigned char data[SLOT_BYTES];
} packet;

typedef struct direction {
	int from, to; /* TUN file descriptors */
	packet *ring;
	unsigned head, count;
	uint64_t carried, lost, overflowed, oversized;
} direction;

static volatile sig_atomic_t stop;

static void on_stop(int sig)
{
	(void)sig;
	stop = 1;
}

/* xorshift64*: a fixed sequence for a given seed, so two runs lose alike. */
static uint64_t rng_state;

static double uniform(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (double)((rng_state * 2685821657736338717ULL) >> 11) / 9007199254740992.0;
}

/* The TUN device NAME in network namespace NETNS, opened non-blocking. */
static int attach(const char *netns, const char *name)
{
	char path[256];
	struct ifreq ifr = {0};

	snprintf(path, sizeof(path), "/run/netns/%s", netns);
	int ns = open(path, O_RDONLY | O_CLOEXEC);
	if (ns < 0) {
		fprintf(stderr, "delay-line: cannot open %s: %s (make it with ip netns add)\n",
			path, strerror(errno));
		return -1;
	}
	/* A TUN device is looked up in the namespace of whoever opens the
	 * clone device, so step into it first. */
	if (setns(ns, CLONE_NEWNET) != 0) {
		fprintf(stderr, "delay-line: cannot enter %s: %s (run as root)\n", netns,
			strerror(errno));
		close(ns);
		return -1;
	}
	close(ns);
	int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "delay-line: cannot open /dev/net/tun: %s\n", strerror(errno));
		return -1;
	}
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(fd, TUNSETIFF, &ifr) != 0) {
		fprintf(stderr, "delay-line: cannot attach to %s in %s: %s (ip tuntap add %s mode tun)\n",
			name, netns, strerror(errno), name);
		close(fd);
		return -1;
	}
	return fd;
}

/* Takes every packet waiting on D's input into its line (or loses it). */
static void take(direction *d, double delay_ms, double loss)
{
	unsigned char buf[65536];

	for (;;) {
		ssize_t n = read(d->from, buf, sizeof(buf));
		if (n <= 0)
			return; /* EAGAIN: drained */
		if (uniform() < loss) {
			d->lost++;
			continue;
		}
		if (n > SLOT_BYTES) {
			d->oversized++;
			continue;
		}
		if (d->count == SLOTS) {
			d->overflowed++;
			continue;
		}
		packet *p = &d->ring[(d->head + d->count++) % SLOTS];
		p->due_ms = net_now_ms() + delay_ms;
		p->len = (uint16_t)n;
		memcpy(p->data, buf, (size_t)n);
	}
}

/* Delivers D's packets whose time has come; returns ms until the next one
 * (-1: none waiting). */
static double deliver(direction *d)
{
	double now = net_now_ms();

	while (d->count) {
		packet *p = &d->ring[d->head];
		if (p->due_ms > now)
			return p->due_ms - now;
		/* A full receive queue on the other side loses the packet, as a
		 * line would: TCP recovers it. */
		if (write(d->to, p->data, p->len) == p->len)
			d->carried++;
		else
			d->overflowed++;
		d->head = (d->head + 1) % SLOTS;
		d->count--;
	}
	return -1;
}

static void report(const char *name, const direction *d)
{
	fprintf(stderr, "delay-line: %s: %llu packets carried, %llu lost on purpose, "
		"%llu dropped for want of room, %llu too large\n", name,
		(unsigned long long)d->carried, (unsigned long long)d->lost,
		(unsigned long long)d->overflowed, (unsigned long long)d->oversized);
}

int main(int argc, char **argv)
{
	if (argc != 8) {
		fprintf(stderr, "usage: delay-line NETNS-A DEV-A NETNS-B DEV-B ONE-WAY-MS "
			"LOSS-PERCENT SEED\n");
		return 2;
	}
	double delay_ms = atof(argv[5]), loss = atof(argv[6]) / 100;
	rng_state = strtoull(argv[7], NULL, 10) * 2654435761ULL + 88172645463325252ULL;
	if (delay_ms < 0 || loss < 0 || loss >= 1) {
		fprintf(stderr, "delay-line: the delay must be >= 0 ms and the loss in [0, 100) %%\n");
		return 2;
	}
	int a = attach(argv[1], argv[2]);
	int b = a < 0 ? -1 : attach(argv[3], argv[4]);
	if (b < 0)
		return 1;
	direction up = {a, b, calloc(SLOTS, sizeof(packet)), 0, 0, 0, 0, 0, 0};
	direction down = {b, a, calloc(SLOTS, sizeof(packet)), 0, 0, 0, 0, 0, 0};
	if (!up.ring || !down.ring) {
		fprintf(stderr, "delay-line: out of memory\n");
		return 1;
	}
	struct sigaction sa = {.sa_handler = on_stop};
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	printf("ready\n");
	fflush(stdout);

	while (!stop) {
		double wait_up = deliver(&up), wait_down = deliver(&down);
		double wait = wait_up < 0 ? wait_down
			      : wait_down < 0 ? wait_up
			      : wait_up < wait_down ? wait_up : wait_down;
		struct pollfd pfd[2] = {{a, POLLIN, 0}, {b, POLLIN, 0}};
		struct timespec ts = {0, 0}, *timeout = NULL;
		if (wait >= 0) {
			ts.tv_sec = (time_t)(wait / 1000);
			ts.tv_nsec = (long)((wait - ts.tv_sec * 1000.0) * 1e6);
			timeout = &ts;
		}
		if (ppoll(pfd, 2, timeout, NULL) < 0 && errno != EINTR)
			break;
		if (pfd[0].revents & POLLIN)
			take(&up, delay_ms, loss);
		if (pfd[1].revents & POLLIN)
			take(&down, delay_ms, loss);
	}
	report(argv[2], &up);
	report(argv[4], &down);
	free(up.ring);
	free(down.ring);
	return 0;
}
