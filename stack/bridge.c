// SPDX-License-Identifier: GPL-2.0-only
/*
 * bridge.c - the L2 learning bridge: source learning into the FDB, unicast to the learnt port,
 * flooding of broadcast, multicast and unknown unicast to every other bridge port, ageing.
 *
 * FDB: a preallocated LRU_HASH map (maps/map_lru.c) keyed by (MAC, VLAN) with the port's device
 * index and the last-seen time, so learning on the datapath never allocates and a full table
 * evicts the least recently used entry instead of refusing (as a Linux bridge would stop
 * learning). Static entries from the configuration carry a flag: learning does not move them and
 * ageing skips them (the LRU may still evict them when the table overflows).
 *
 * Last-seen is refreshed in place with a relaxed store on the element the lookup returned; an
 * element reused for another key meanwhile gets a wrong but harmless timestamp (the map's
 * documented reuse caveat). A station that moved is re-learnt with an update (replace).
 *
 * VLAN of a frame (the FDB key's VLAN): the VID of the vlan device it arrived on, else the tag
 * the netdev removed, else an in-data tag, else 0. Bridging vlan devices with different VIDs
 * therefore learns a station per VID; unicast between them floods (correct, not optimal).
 *
 * Follows the behaviour of net/bridge/br_input.c and br_fdb.c (learn, forward, flood, age),
 * written from the description, not the code.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "stack/stack_internal.h"

struct fdb_key {
	uint8_t mac[6];
	uint16_t vlan;
};

#define FDB_F_STATIC 0x1
#define FDB_GEN_SHIFT 8 /* flags >> 8: configuration generation of a static entry */

struct fdb_val {
	uint32_t dev;      /* egress device index */
	uint32_t flags;    /* FDB_F_* */
	uint64_t seen_ns;  /* last frame from it (relaxed atomics) */
};

static bool dev_in_cfg_bridge(const struct softnetd_config *cfg, int port)
{
	if (cfg->bridge.nr_ports == 0)
		return true;
	for (size_t i = 0; i < cfg->bridge.nr_ports; i++)
		if (cfg->bridge.ports[i] == port)
			return true;
	return false;
}

int bridge_init(const struct softnetd_config *cfg, char *err, size_t errlen)
{
	int max = cfg->bridge.fdb_max > 0 ? cfg->bridge.fdb_max : STACK_FDB_DEFAULT;
	int i;
	struct sn_netdev *dev;

	sn_for_each_netdev(dev, i) {
		dev->bridge_port = -1;
	}
	stack.bridge_enabled = cfg->bridge.enabled;
	stack.ageing_ns = (uint64_t)(cfg->bridge.ageing_time_s > 0 ? cfg->bridge.ageing_time_s
								   : STACK_AGEING_DEFAULT_S) *
			  1000000000ull;
	stack.fdb = sn_map__create(BPF_MAP_TYPE_LRU_HASH, "sn_fdb", sizeof(struct fdb_key),
				   sizeof(struct fdb_val), (__u32)max, NULL);
	if (!stack.fdb) {
		snprintf(err, errlen, "stack: fdb map of %d entries: %s", max, strerror(errno));
		return -errno;
	}
	if (!cfg->bridge.enabled)
		return 0;
	for (size_t p = 0; p < cfg->nr_ports; p++) {
		dev = stack_cfg_dev(cfg, (int)p);
		if (!dev || !dev_in_cfg_bridge(cfg, (int)p))
			continue;
		dev->bridge_port = stack.nr_bridge_ports;
		stack.bridge_ports[stack.nr_bridge_ports++] = dev->index;
		stack.role[dev->index] |= STACK_ROLE_BRIDGE;
	}
	return 0;
}

void bridge_fini(void)
{
	sn_map__free(stack.fdb);
	stack.fdb = NULL;
}

uint16_t bridge_frame_vlan(const struct sn_frame *f, const struct sn_pkt *pkt)
{
	if (f->dev->lower)
		return f->dev->vlan_id & 0x0fff;
	if (f->flags & SN_FRAME_F_VLAN)
		return f->vlan_tci & 0x0fff;
	return pkt->vid;
}

static void fdb_key_of(struct fdb_key *k, const uint8_t *mac, uint16_t vlan)
{
	memcpy(k->mac, mac, 6);
	k->vlan = vlan;
}

static bool mac_is_zero(const uint8_t *m)
{
	return !(m[0] | m[1] | m[2] | m[3] | m[4] | m[5]);
}

void bridge_learn(struct sn_frame *f, const struct sn_pkt *pkt)
{
	const uint8_t *src = f->data + 6;
	struct fdb_key k;
	struct fdb_val *v, nv;
	uint64_t now;
	long ret;

	/* Only unicast, nonzero sources are stations. */
	if ((src[0] & 1) || mac_is_zero(src))
		return;
	fdb_key_of(&k, src, bridge_frame_vlan(f, pkt));
	v = sn_map_lookup_elem(stack.fdb, &k);
	if (v && (__atomic_load_n(&v->flags, __ATOMIC_RELAXED) & FDB_F_STATIC))
		return; /* before the clock read: a static station costs no clock_gettime() */
	now = stack_now_ns();
	if (v) {
		if (__atomic_load_n(&v->dev, __ATOMIC_RELAXED) == (uint32_t)f->dev->index) {
			__atomic_store_n(&v->seen_ns, now, __ATOMIC_RELAXED);
			return;
		}
	}
	nv = (struct fdb_val){ .dev = (uint32_t)f->dev->index, .seen_ns = now };
	ret = sn_map_update_elem(stack.fdb, &k, &nv, BPF_ANY);
	if (ret)
		sn_dev_count_drop(f->dev, SN_DROP_BRIDGE_FDB_FULL); /* not learnt; the frame goes on */
	else
		STACK_INC(learned);
}

/* Send @f out of bridge port @dev (a device index), or drop it if the port is gone. */
static void bridge_tx(struct sn_frame *f, int dev_index)
{
	struct sn_netdev *out = sn_dev_get_by_index(dev_index);

	if (!out) {
		sn_dev_drop_frame(f->dev, f, SN_DROP_PORT_DOWN);
		return;
	}
	stack_xmit(f, out);
}

static void bridge_flood(struct sn_frame *f)
{
	struct sn_netdev *in = f->dev;
	int last = -1, n = stack.nr_bridge_ports;

	for (int i = 0; i < n; i++)
		if (stack.bridge_ports[i] != in->index)
			last = i;
	if (last < 0) {
		/* The ingress port is the bridge's only port: nowhere else to go. */
		sn_dev_drop_frame(in, f, SN_DROP_BRIDGE_SAME_PORT);
		return;
	}
	STACK_INC(flooded);
	sn_dev_count_forwarded(in);
	for (int i = 0; i < last; i++) {
		struct sn_frame *c;

		if (stack.bridge_ports[i] == in->index)
			continue;
		/* Each copy is one more frame heading for an egress port: sent or dropped there. */
		sn_dev_count_fwd_clone(in);
		c = sn_frame_copy(f);
		if (!c) {
			sn_dev_count_tx_drop(in, SN_DROP_NOMEM_BUF);
			continue;
		}
		bridge_tx(c, stack.bridge_ports[i]);
	}
	bridge_tx(f, stack.bridge_ports[last]); /* the original goes to the last port */
}

void bridge_forward(struct sn_frame *f, const struct sn_pkt *pkt)
{
	const uint8_t *dst = f->data;
	struct fdb_key k;
	const struct fdb_val *v;
	uint32_t out;

	if (dst[0] & 1) {
		bridge_flood(f);
		return;
	}
	fdb_key_of(&k, dst, bridge_frame_vlan(f, pkt));
	v = sn_map_lookup_elem(stack.fdb, &k);
	if (!v) {
		bridge_flood(f);
		return;
	}
	out = __atomic_load_n(&v->dev, __ATOMIC_RELAXED);
	if (out == (uint32_t)f->dev->index) {
		sn_dev_drop_frame(f->dev, f, SN_DROP_BRIDGE_SAME_PORT);
		return;
	}
	if (out == 0 || out >= SN_MAX_DEVS ||
	    !(__atomic_load_n(&stack.role[out], __ATOMIC_RELAXED) & STACK_ROLE_BRIDGE)) {
		bridge_flood(f); /* learnt on a port that left the bridge */
		return;
	}
	STACK_INC(bridged);
	sn_dev_count_forwarded(f->dev);
	bridge_tx(f, (int)out);
}

int bridge_fdb_add_static(const uint8_t *mac, uint16_t vlan, int dev, uint8_t gen)
{
	struct fdb_key k;
	struct fdb_val v = { .dev = (uint32_t)dev,
			     .flags = FDB_F_STATIC | (uint32_t)gen << FDB_GEN_SHIFT };

	fdb_key_of(&k, mac, vlan);
	return sn_map__update_elem(stack.fdb, &k, &v, BPF_ANY);
}

/* Delete the entries @pred picks (keys collected first). */
static void fdb_delete_where(bool (*pred)(const struct fdb_val *v, uint64_t now), uint64_t now,
			     bool count_aged)
{
	static struct fdb_key keys[1 << 16];
	struct fdb_key k, next;
	struct fdb_val v;
	size_t n = 0;
	void *prev = NULL;

	for (;;) {
		while (n < sizeof(keys) / sizeof(keys[0]) &&
		       !sn_map__get_next_key(stack.fdb, prev, &next)) {
			if (!sn_map__lookup_elem(stack.fdb, &next, &v) && pred(&v, now))
				keys[n++] = next;
			k = next;
			prev = &k;
		}
		for (size_t i = 0; i < n; i++) {
			if (sn_map__delete_elem(stack.fdb, &keys[i]) == 0 && count_aged)
				STACK_INC_THREAD(fdb_aged);
		}
		if (n < sizeof(keys) / sizeof(keys[0]))
			break;
		n = 0; /* a huge table: walk again from the first key */
		prev = NULL;
	}
}

/* For bridge_fdb_flush_static(): @now carries the generation to keep. */
static bool fdb_is_old_static(const struct fdb_val *v, uint64_t keep)
{
	return (v->flags & FDB_F_STATIC) && (v->flags >> FDB_GEN_SHIFT) != keep;
}

static bool fdb_is_old(const struct fdb_val *v, uint64_t now)
{
	return !(v->flags & FDB_F_STATIC) && now > v->seen_ns && now - v->seen_ns >= stack.ageing_ns;
}

void bridge_fdb_flush_static(uint8_t keep)
{
	fdb_delete_where(fdb_is_old_static, keep, false);
}

void bridge_fdb_age(uint64_t now)
{
	if (stack.fdb)
		fdb_delete_where(fdb_is_old, now, true);
}

static void fdb_decode(const struct fdb_key *k, const struct fdb_val *v, uint64_t now,
		       struct sn_stack_entry *e)
{
	struct sn_netdev *dev = sn_dev_get_by_index((int)v->dev);

	*e = (struct sn_stack_entry){ .kind = "fdb", .vlan = k->vlan };
	e->is_static = v->flags & FDB_F_STATIC;
	e->age_s = e->is_static ? -1 : (long)((now - v->seen_ns) / 1000000000ull);
	snprintf(e->mac, sizeof(e->mac), "%02x:%02x:%02x:%02x:%02x:%02x", k->mac[0], k->mac[1],
		 k->mac[2], k->mac[3], k->mac[4], k->mac[5]);
	snprintf(e->dest, sizeof(e->dest), "%s", e->mac);
	snprintf(e->dev, sizeof(e->dev), "%s", dev ? dev->name : "?");
	if (e->is_static)
		snprintf(e->text, sizeof(e->text), "%s vlan %d dev %s static", e->mac, e->vlan,
			 e->dev);
	else
		snprintf(e->text, sizeof(e->text), "%s vlan %d dev %s age %lds", e->mac, e->vlan,
			 e->dev, e->age_s);
}

void bridge_fdb_decode(const void *key, const void *value, struct sn_stack_entry *e)
{
	struct fdb_key k;
	struct fdb_val v;

	memcpy(&k, key, sizeof(k));
	memcpy(&v, value, sizeof(v));
	fdb_decode(&k, &v, stack_now_ns(), e);
}

void bridge_fdb_walk(sn_stack_walk_fn fn, void *arg)
{
	struct fdb_key k, next;
	struct fdb_val v;
	void *prev = NULL;
	uint64_t now = stack_now_ns();

	pthread_mutex_lock(&stack_ctl_lock);
	while (stack.fdb && !sn_map__get_next_key(stack.fdb, prev, &next)) {
		struct sn_stack_entry e;

		k = next;
		prev = &k;
		if (sn_map__lookup_elem(stack.fdb, &next, &v))
			continue;
		fdb_decode(&next, &v, now, &e);
		fn(&e, arg);
	}
	pthread_mutex_unlock(&stack_ctl_lock);
}
