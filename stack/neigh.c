// SPDX-License-Identifier: GPL-2.0-only
/*
 * neigh.c - the neighbour table: (device, address) -> MAC in a preallocated BPF-style HASH map,
 * for IPv4 (ARP) and IPv6 (ND).
 *
 * Entries: static ones from the configuration (never overwritten by learning, never collected),
 * reachable ones learnt from ARP and ND, and incomplete ones made on a miss to remember when the
 * last solicitation went out. A miss sends at most one solicitation per NEIGH_RETRANS_NS per
 * neighbour (Linux's retrans_time default, 1 s); when the table is full a global timestamp
 * limits solicitations the same way. Learning updates on the datapath use the map's datapath
 * side (prealloc: no allocation, bucket rqspinlock). Incomplete entries older than
 * NEIGH_INCOMPLETE_NS and reachable ones older than NEIGH_STALE_NS are collected from thread
 * context (sn_stack_fdb_age()).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "stack/stack_internal.h"

#define NEIGH_RETRANS_NS 1000000000ull       /* one solicitation per second per neighbour */
#define NEIGH_INCOMPLETE_NS 3000000000ull    /* unanswered: forget after 3 s */
#define NEIGH_STALE_NS (600ull * 1000000000ull) /* learnt: forget after 10 min without news */

enum { NEIGH_INCOMPLETE = 0, NEIGH_REACHABLE = 1 };

struct neigh_key {
	uint32_t dev;
	uint8_t family;
	uint8_t pad[3];
	uint8_t addr[16];
};

struct neigh_val {
	uint8_t mac[6];
	uint8_t state;
	uint8_t is_static; /* the configuration generation of a static entry, 0 if learnt */
	uint64_t updated_ns;
	uint64_t solicit_ns; /* last solicitation (atomic: racing misses on several CPUs) */
};

static uint64_t neigh_full_solicit_ns; /* solicitations while the table is full (atomic) */

static void neigh_key_of(struct neigh_key *k, int family, const uint8_t *addr, int dev)
{
	memset(k, 0, sizeof(*k));
	k->dev = (uint32_t)dev;
	k->family = (uint8_t)family;
	memcpy(k->addr, addr, family == AF_INET ? 4 : 16);
}

int neigh_init(void)
{
	stack.neigh = sn_map__create(BPF_MAP_TYPE_HASH, "sn_neigh", sizeof(struct neigh_key),
				     sizeof(struct neigh_val), STACK_NEIGH_MAX, NULL);
	return stack.neigh ? 0 : -errno;
}

void neigh_fini(void)
{
	sn_map__free(stack.neigh);
	stack.neigh = NULL;
}

static void neigh_solicit(int family, const uint8_t *addr, struct sn_netdev *dev)
{
	if (family == AF_INET)
		arp_solicit(dev, addr);
	else
		ndisc_solicit(dev, addr);
}

/* Claim the right to send a solicitation now, given the last one at *@last. */
static bool solicit_due(uint64_t *last, uint64_t now)
{
	uint64_t prev = __atomic_load_n(last, __ATOMIC_RELAXED);

	if (prev && now - prev < NEIGH_RETRANS_NS)
		return false;
	return __atomic_compare_exchange_n(last, &prev, now, false, __ATOMIC_RELAXED,
					   __ATOMIC_RELAXED);
}

bool neigh_lookup_valid(int family, const uint8_t *addr, int dev, uint8_t *mac)
{
	struct neigh_key k;
	struct neigh_val *v;

	neigh_key_of(&k, family, addr, dev);
	v = sn_map_lookup_elem(stack.neigh, &k);
	if (!v || __atomic_load_n(&v->state, __ATOMIC_RELAXED) != NEIGH_REACHABLE)
		return false;
	memcpy(mac, v->mac, 6);
	return true;
}

bool neigh_resolve(int family, const uint8_t *addr, struct sn_netdev *dev, uint8_t *mac)
{
	struct neigh_key k;
	struct neigh_val *v;
	uint64_t now;

	neigh_key_of(&k, family, addr, dev->index);
	v = sn_map_lookup_elem(stack.neigh, &k);
	if (v && __atomic_load_n(&v->state, __ATOMIC_RELAXED) == NEIGH_REACHABLE) {
		memcpy(mac, v->mac, 6);
		return true;
	}
	now = stack_now_ns();
	if (v) {
		if (solicit_due(&v->solicit_ns, now))
			neigh_solicit(family, addr, dev);
		return false;
	}
	struct neigh_val nv = { .state = NEIGH_INCOMPLETE, .updated_ns = now, .solicit_ns = now };

	/* NOEXIST: a racing CPU that created it first has sent the solicitation. */
	long ret = sn_map_update_elem(stack.neigh, &k, &nv, BPF_NOEXIST);

	if (ret == 0 || (ret != -EEXIST && solicit_due(&neigh_full_solicit_ns, now)))
		neigh_solicit(family, addr, dev);
	return false;
}

void neigh_learn(int family, const uint8_t *addr, struct sn_netdev *dev, const uint8_t *mac,
		 bool create)
{
	struct neigh_key k;
	struct neigh_val *v, nv = { .state = NEIGH_REACHABLE };

	if (mac[0] & 1) /* a multicast source link-layer address is bogus */
		return;
	neigh_key_of(&k, family, addr, dev->index);
	v = sn_map_lookup_elem(stack.neigh, &k);
	if (v) {
		if (__atomic_load_n(&v->is_static, __ATOMIC_RELAXED))
			return;
		if (__atomic_load_n(&v->state, __ATOMIC_RELAXED) == NEIGH_REACHABLE &&
		    !memcmp(v->mac, mac, 6)) {
			__atomic_store_n(&v->updated_ns, stack_now_ns(), __ATOMIC_RELAXED);
			return;
		}
	} else if (!create) {
		return;
	}
	memcpy(nv.mac, mac, 6);
	nv.updated_ns = stack_now_ns();
	sn_map_update_elem(stack.neigh, &k, &nv, BPF_ANY);
}

int neigh_add_static(int family, const uint8_t *addr, int dev, const uint8_t *mac, uint8_t gen)
{
	struct neigh_key k;
	struct neigh_val v = { .state = NEIGH_REACHABLE, .is_static = gen };
	int ret;

	neigh_key_of(&k, family, addr, dev);
	memcpy(v.mac, mac, 6);
	ret = sn_map__update_elem(stack.neigh, &k, &v, BPF_ANY);
	return ret == -E2BIG ? -ENOSPC : ret;
}

/* Delete the entries @pred picks; keys collected first, then deleted. */
static void neigh_delete_where(bool (*pred)(const struct neigh_val *v, uint64_t now),
			       uint64_t now)
{
	static struct neigh_key keys[STACK_NEIGH_MAX];
	struct neigh_key k, next;
	struct neigh_val v;
	size_t n = 0;
	void *prev = NULL;

	while (n < STACK_NEIGH_MAX && !sn_map__get_next_key(stack.neigh, prev, &next)) {
		if (!sn_map__lookup_elem(stack.neigh, &next, &v) && pred(&v, now))
			keys[n++] = next;
		k = next;
		prev = &k;
	}
	for (size_t i = 0; i < n; i++)
		sn_map__delete_elem(stack.neigh, &keys[i]);
}

/* For neigh_flush_static(): @now carries the generation to keep. */
static bool neigh_is_old_static(const struct neigh_val *v, uint64_t keep)
{
	return v->is_static && v->is_static != keep;
}

static bool neigh_is_old(const struct neigh_val *v, uint64_t now)
{
	if (v->is_static)
		return false;
	if (v->state == NEIGH_INCOMPLETE)
		return now - v->updated_ns > NEIGH_INCOMPLETE_NS;
	return now - v->updated_ns > NEIGH_STALE_NS;
}

void neigh_flush_static(uint8_t keep)
{
	neigh_delete_where(neigh_is_old_static, keep);
}

void neigh_gc(uint64_t now)
{
	neigh_delete_where(neigh_is_old, now);
}

static void neigh_decode_one(const struct neigh_key *k, const struct neigh_val *v, uint64_t now,
			     struct sn_stack_entry *e)
{
	struct sn_netdev *dev = sn_dev_get_by_index((int)k->dev);

	*e = (struct sn_stack_entry){ .kind = "neigh", .is_static = v->is_static != 0 };
	stack_format_addr(k->family, k->addr, e->dest, sizeof(e->dest));
	snprintf(e->dev, sizeof(e->dev), "%s", dev ? dev->name : "?");
	snprintf(e->mac, sizeof(e->mac), "%02x:%02x:%02x:%02x:%02x:%02x", v->mac[0], v->mac[1],
		 v->mac[2], v->mac[3], v->mac[4], v->mac[5]);
	e->age_s = v->is_static ? -1 : (long)((now - v->updated_ns) / 1000000000ull);
	snprintf(e->text, sizeof(e->text), "%s dev %s lladdr %s %s", e->dest, e->dev,
		 v->state == NEIGH_REACHABLE ? e->mac : "-",
		 v->is_static ? "permanent" : v->state == NEIGH_REACHABLE ? "reachable" : "incomplete");
}

void neigh_decode(const void *key, const void *value, struct sn_stack_entry *e)
{
	struct neigh_key k;
	struct neigh_val v;

	memcpy(&k, key, sizeof(k));
	memcpy(&v, value, sizeof(v));
	neigh_decode_one(&k, &v, stack_now_ns(), e);
}

void neigh_walk(sn_stack_walk_fn fn, void *arg)
{
	struct neigh_key k, next;
	struct neigh_val v;
	void *prev = NULL;
	uint64_t now = stack_now_ns();

	pthread_mutex_lock(&stack_ctl_lock);
	while (stack.neigh && !sn_map__get_next_key(stack.neigh, prev, &next)) {
		struct sn_stack_entry e;

		k = next;
		prev = &k;
		if (sn_map__lookup_elem(stack.neigh, &next, &v))
			continue;
		neigh_decode_one(&next, &v, now, &e);
		fn(&e, arg);
	}
	pthread_mutex_unlock(&stack_ctl_lock);
}
