/* SPDX-License-Identifier: MIT */
/* Who may wait to be admitted: slots bounded per address, per network and
 * in total, the oldest giving way to a newcomer. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>

#include "admission.h"

typedef struct waiting {
	kp_source src;
	int64_t since_us;
	void *owner;
} waiting;

/* How many slots a network holds: kept as connections come and go, so
 * finding the fullest network costs one pass over networks, not over
 * pairs of connections. */
typedef struct network {
	kp_source src; /* any member; only its network is compared */
	size_t count;
	double starts;  /* handshakes it may start now */
	int64_t last_us;
} network;

struct kp_admission {
	size_t slots, used, n_networks;
	waiting *waiting;
	network *networks;
};

kp_admission *kp_admission_new(size_t slots)
{
	kp_admission *adm = calloc(1, sizeof(*adm));

	if (!adm || slots < 2)
		goto out_free;
	adm->slots = slots;
	adm->waiting = calloc(slots, sizeof(*adm->waiting));
	adm->networks = calloc(slots, sizeof(*adm->networks));
	if (!adm->waiting || !adm->networks)
		goto out_free;
	return adm;
out_free:
	kp_admission_free(adm);
	return NULL;
}

void kp_admission_free(kp_admission *adm)
{
	if (!adm)
		return;
	free(adm->waiting);
	free(adm->networks);
	free(adm);
}

static network *network_of(const kp_admission *adm, const kp_source *src)
{
	for (size_t i = 0; i < adm->n_networks; i++)
		if (kp_source_same_network(&adm->networks[i].src, src))
			return &adm->networks[i];
	return NULL;
}

/* The oldest waiting connection that MATCH accepts, compared with SRC. */
static void *oldest(const kp_admission *adm, const kp_source *src,
		    bool (*match)(const kp_source *, const kp_source *))
{
	const waiting *best = NULL;

	for (size_t i = 0; i < adm->used; i++) {
		const waiting *w = &adm->waiting[i];
		if (match(&w->src, src) && (!best || w->since_us < best->since_us))
			best = w;
	}
	return best ? best->owner : NULL;
}

void *kp_admission_make_way(const kp_admission *adm, const kp_source *src)
{
	size_t same_address = 0;

	for (size_t i = 0; i < adm->used; i++)
		same_address += kp_source_same_address(&adm->waiting[i].src, src);
	if (same_address >= KP_ADMISSION_PER_ADDRESS)
		return oldest(adm, src, kp_source_same_address);
	const network *own = network_of(adm, src);
	if (own && own->count >= KP_ADMISSION_PER_NETWORK)
		return oldest(adm, src, kp_source_same_network);
	if (adm->used < adm->slots)
		return NULL;
	const network *fullest = &adm->networks[0];
	for (size_t i = 1; i < adm->n_networks; i++)
		if (adm->networks[i].count > fullest->count)
			fullest = &adm->networks[i];
	return oldest(adm, &fullest->src, kp_source_same_network);
}

int kp_admission_add(kp_admission *adm, const kp_source *src, void *owner, int64_t now_us)
{
	if (adm->used == adm->slots)
		return -ENOSPC;
	network *net = network_of(adm, src);
	if (!net) {
		net = &adm->networks[adm->n_networks++];
		net->src = *src;
		net->count = 0;
		net->starts = KP_ADMISSION_STARTS_PER_S;
		net->last_us = now_us;
	}
	net->count++;
	adm->waiting[adm->used++] = (waiting){*src, now_us, owner};
	return 0;
}

void kp_admission_remove(kp_admission *adm, void *owner)
{
	for (size_t i = 0; i < adm->used; i++) {
		if (adm->waiting[i].owner != owner)
			continue;
		network *net = network_of(adm, &adm->waiting[i].src);
		if (net && --net->count == 0)
			*net = adm->networks[--adm->n_networks];
		adm->waiting[i] = adm->waiting[--adm->used];
		return;
	}
}

bool kp_admission_may_start(kp_admission *adm, const kp_source *src, int64_t now_us)
{
	network *net = network_of(adm, src);

	if (!net)
		return true;
	net->starts += (double)(now_us - net->last_us) / 1e6 * KP_ADMISSION_STARTS_PER_S;
	if (net->starts > KP_ADMISSION_STARTS_PER_S)
		net->starts = KP_ADMISSION_STARTS_PER_S;
	net->last_us = now_us;
	if (net->starts < 1)
		return false;
	net->starts -= 1;
	return true;
}

bool kp_admission_crowded(const kp_admission *adm, const kp_source *src)
{
	const network *net = network_of(adm, src);

	return net && net->count > KP_ADMISSION_PER_ADDRESS;
}

size_t kp_admission_used(const kp_admission *adm)
{
	return adm->used;
}

size_t kp_admission_networks(const kp_admission *adm)
{
	return adm->n_networks;
}
