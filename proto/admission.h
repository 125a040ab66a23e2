/* SPDX-License-Identifier: MIT */
/* Who may wait to be admitted.  Every connection that has not yet proved a
 * right code (or its session's token) holds a slot until it does, fails or
 * times out.  Slots are plentiful and cheap, and bounded per address, per
 * network (/24, /64) and in total; a newcomer is never refused for want of
 * a slot: the oldest waiting connection gives way, from the newcomer's own
 * address or network when that is at its limit, else from the network
 * holding the most slots.  So idle or drip-feeding connections cannot keep
 * a customer out: the customer's connection is always the newest of its
 * network, and an attacker who opens more only evicts their own older
 * ones.  Not thread-safe: one owner's thread. */
#ifndef KP_ADMISSION_H
#define KP_ADMISSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "source.h"

#define KP_ADMISSION_SLOTS 1024
#define KP_ADMISSION_PER_ADDRESS 16
#define KP_ADMISSION_PER_NETWORK 256
/* TLS handshakes a network may start per second (and at once): the
 * handshake is what costs the viewer CPU, so a flood from a few networks
 * cannot starve the customer's, which its own network starts at once. */
#define KP_ADMISSION_STARTS_PER_S 20

typedef struct kp_admission kp_admission;

/* A table of SLOTS waiting connections (at least 2).  NULL when out of
 * memory. */
kp_admission *kp_admission_new(size_t slots);
void kp_admission_free(kp_admission *adm);

/* The waiting connection that must give way before one from SRC can wait,
 * or NULL when there is room.  The caller closes it and removes it. */
void *kp_admission_make_way(const kp_admission *adm, const kp_source *src);

/* OWNER (any unique pointer) waits from SRC since NOW_US.  Returns 0, or
 * -ENOSPC when kp_admission_make_way was not obeyed. */
int kp_admission_add(kp_admission *adm, const kp_source *src, void *owner, int64_t now_us);

/* OWNER no longer waits (admitted, refused, gone); unknown owners are
 * ignored. */
void kp_admission_remove(kp_admission *adm, void *owner);

/* True when a waiting connection from SRC may start its handshake now:
 * takes one from its network's allowance.  False: try again later
 * within 1 s / KP_ADMISSION_STARTS_PER_S. */
bool kp_admission_may_start(kp_admission *adm, const kp_source *src, int64_t now_us);

/* True when SRC's network holds more waiting connections than one address
 * may: a flood, or a crowd the customer may be part of.  The viewer serves
 * the connections of networks that are not crowded first in each turn, so
 * a customer's handshake never queues behind a flood's. */
bool kp_admission_crowded(const kp_admission *adm, const kp_source *src);

/* How many connections wait, and from how many networks. */
size_t kp_admission_used(const kp_admission *adm);
size_t kp_admission_networks(const kp_admission *adm);

#endif
