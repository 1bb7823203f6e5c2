// SPDX-License-Identifier: GPL-2.0-only
/*
 * stack.c - the stack's entry points (stack.h): building the tables from the configuration, the
 * rx handler that sends each frame to the bridge or the router, reload, route edits, walks and
 * counters; and the router address list the other files ask.
 *
 * Roles (DESIGN.md §4): a port is a bridge port when the config has a bridge: section and lists
 * it (or lists none: then every port). It is an L3 port when there is a router (router: section
 * or routes) and it is either not bridged or has a router address; frames to its MAC, and
 * broadcast/multicast ARP and ND, go to the router there. A port with both roles floods
 * broadcasts after ARP/ND had a look at them, as a Linux bridge with an address does.
 *
 * Router addresses are a small array read by the datapath under a sequence count (the writer is
 * thread context under stack_ctl_lock); its words are accessed with relaxed atomics so that the
 * retry, not luck, makes a torn read harmless.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "bhlock/percpu.h"
#include "config/config_types.h"
#include "net/xmit.h"
#include "stack/stack_internal.h"

struct stack_state stack;
pthread_mutex_t stack_ctl_lock = PTHREAD_MUTEX_INITIALIZER;

/* ---- helpers -------------------------------------------------------------------------- */

const uint8_t *stack_dev_mac(const struct sn_netdev *dev)
{
	static const uint8_t zero[6];

	if (dev->lower && !memcmp(dev->mac, zero, 6))
		return dev->lower->mac;
	return dev->mac;
}

struct sn_netdev *stack_cfg_dev(const struct softnetd_config *cfg, int port)
{
	if (port < 0 || (size_t)port >= cfg->nr_ports)
		return NULL;
	return sn_dev_get_by_name(cfg->ports[port].name);
}

void stack_consume(struct sn_frame *f)
{
	STACK_INC(local_delivered);
	sn_frame_free(f, false);
}

void stack_xmit(struct sn_frame *f, struct sn_netdev *dev)
{
	/* The data carries no tag: the egress (a vlan device) adds its own. */
	f->flags &= ~SN_FRAME_F_VLAN;
	f->vlan_tci = 0;
	sn_dev_queue_xmit(f, dev);
}

struct sn_frame *stack_alloc_frame(struct sn_netdev *dev, uint32_t len)
{
	struct sn_frame *f = sn_frame_alloc(len);

	if (!f) {
		/* A reply not made: no frame of the accounting is lost (generated counts sends). */
		sn_dev_count_drop_event(dev, SN_DROP_NOMEM_BUF);
		return NULL;
	}
	f->len = len;
	f->dev = dev;
	memset(f->data, 0, len);
	return f;
}

/* ---- addresses ------------------------------------------------------------------------ */

static inline uint32_t ld(const uint32_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

static inline void st(uint32_t *p, uint32_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELAXED);
}

static unsigned int addr_read_begin(void)
{
	unsigned int s;

	while ((s = __atomic_load_n(&stack.addr_seq, __ATOMIC_ACQUIRE)) & 1)
		__builtin_ia32_pause();
	return s;
}

static bool addr_read_retry(unsigned int s)
{
	seq_read_fence(&stack.addr_seq);
	return __atomic_load_n(&stack.addr_seq, __ATOMIC_RELAXED) != s;
}

/* Copy entry @i out (inside a read section). */
static void addr_copy(unsigned int i, struct stack_addr *out)
{
	const struct stack_addr *a = &stack.addrs[i];

	out->family = ld(&a->family);
	out->dev = ld(&a->dev);
	out->plen = ld(&a->plen);
	for (int k = 0; k < 4; k++)
		out->a[k] = ld(&a->a[k]);
}

static size_t alen(int family)
{
	return family == AF_INET ? 4 : 16;
}

/* The first @plen bits of @x and @y agree. */
static bool prefix_match(const uint8_t *x, const uint8_t *y, unsigned int plen)
{
	unsigned int bytes = plen / 8, bits = plen % 8;

	if (memcmp(x, y, bytes))
		return false;
	if (bits) {
		uint8_t m = (uint8_t)(0xff << (8 - bits));

		return (x[bytes] & m) == (y[bytes] & m);
	}
	return true;
}

/*
 * Walk the address list calling @fn on a snapshot of each entry of @family; restart the walk
 * when a writer ran meanwhile. @fn returns true to stop (found).
 */
static bool addr_find(int family, bool (*fn)(const struct stack_addr *a, void *arg), void *arg)
{
	struct stack_addr a;
	unsigned int s, n;
	bool found;

	do {
		s = addr_read_begin();
		found = false;
		n = __atomic_load_n(&stack.nr_addrs, __ATOMIC_RELAXED);
		if (n > STACK_MAX_ADDRS)
			n = STACK_MAX_ADDRS;
		for (unsigned int i = 0; i < n && !found; i++) {
			addr_copy(i, &a);
			if ((int)a.family == family)
				found = fn(&a, arg);
		}
	} while (addr_read_retry(s));
	return found;
}

struct addr_q {
	const uint8_t *addr;
	int dev;      /* -1: any */
	int out_dev;
	int family;
};

static bool addr_eq_fn(const struct stack_addr *a, void *arg)
{
	struct addr_q *q = arg;

	if (q->dev >= 0 && (int)a->dev != q->dev)
		return false;
	if (memcmp(a->a, q->addr, alen(q->family)))
		return false;
	q->out_dev = (int)a->dev;
	return true;
}

bool stack_addr_is_local(int family, const uint8_t *addr, int *dev)
{
	struct addr_q q = { .addr = addr, .dev = -1, .family = family };

	if (!addr_find(family, addr_eq_fn, &q))
		return false;
	if (dev)
		*dev = q.out_dev;
	return true;
}

bool stack_addr_on_dev(int family, const uint8_t *addr, int dev)
{
	struct addr_q q = { .addr = addr, .dev = dev, .family = family };

	return addr_find(family, addr_eq_fn, &q);
}

struct addr_pick {
	int dev;
	const uint8_t *hint;
	int mode; /* 0: dev + subnet, 1: dev, 2: any */
	uint8_t out[16];
};

static bool addr_pick_fn(const struct stack_addr *a, void *arg)
{
	struct addr_pick *p = arg;

	if (p->mode < 2 && (int)a->dev != p->dev)
		return false;
	if (p->mode == 0 && (!p->hint || !prefix_match((const uint8_t *)a->a, p->hint, a->plen)))
		return false;
	memcpy(p->out, a->a, 16);
	return true;
}

bool stack_addr_pick(int family, int dev, const uint8_t *hint, bool any_dev, uint8_t *out)
{
	struct addr_pick p = { .dev = dev, .hint = hint };

	for (p.mode = hint ? 0 : 1; p.mode <= (any_dev ? 2 : 1); p.mode++) {
		if (addr_find(family, addr_pick_fn, &p)) {
			memcpy(out, p.out, alen(family));
			return true;
		}
	}
	return false;
}

static bool addr_solicited_fn(const struct stack_addr *a, void *arg)
{
	struct addr_q *q = arg;
	const uint8_t *x = (const uint8_t *)a->a;

	/* ff02::1:ff00:0/104 followed by the low 24 bits of the address (RFC 4291 §2.7.1). */
	return (int)a->dev == q->dev && !memcmp(q->addr + 13, x + 13, 3);
}

bool stack_addr_solicited(const uint8_t *mcast, int dev)
{
	static const uint8_t pfx[13] = { 0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xff };
	struct addr_q q = { .addr = mcast, .dev = dev, .family = AF_INET6 };

	if (memcmp(mcast, pfx, sizeof(pfx)))
		return false;
	return addr_find(AF_INET6, addr_solicited_fn, &q);
}

/* Replace the address list with @cfg's. Context: thread, stack_ctl_lock held. */
static void addrs_set(const struct softnetd_config *cfg)
{
	unsigned int n = 0;

	__atomic_store_n(&stack.addr_seq, stack.addr_seq + 1, __ATOMIC_RELAXED);
	seq_write_fence(&stack.addr_seq);
	for (size_t i = 0; i < cfg->router.nr_addresses && n < STACK_MAX_ADDRS; i++) {
		const struct cfg_router_addr *ra = &cfg->router.addresses[i];
		struct sn_netdev *dev = stack_cfg_dev(cfg, ra->dev);
		struct stack_addr *a = &stack.addrs[n++];
		uint32_t w[4] = { 0 };

		memcpy(w, ra->addr.family == AF_INET ? (const void *)&ra->addr.v4
						     : (const void *)&ra->addr.v6,
		       alen(ra->addr.family));
		st(&a->family, (uint32_t)ra->addr.family);
		st(&a->dev, dev ? (uint32_t)dev->index : 0);
		st(&a->plen, ra->addr.plen);
		for (int k = 0; k < 4; k++)
			st(&a->a[k], w[k]);
	}
	__atomic_store_n(&stack.nr_addrs, n, __ATOMIC_RELAXED);
	__atomic_store_n(&stack.addr_seq, stack.addr_seq + 1, __ATOMIC_RELEASE);
}

static void addr_walk(sn_stack_walk_fn fn, void *arg)
{
	pthread_mutex_lock(&stack_ctl_lock);
	for (unsigned int i = 0; i < stack.nr_addrs; i++) {
		const struct stack_addr *a = &stack.addrs[i];
		struct sn_netdev *dev = sn_dev_get_by_index((int)a->dev);
		struct sn_stack_entry e = { .kind = "addr", .age_s = -1, .is_static = true };

		stack_format_addr((int)a->family, a->a, e.dest, sizeof(e.dest));
		snprintf(e.dev, sizeof(e.dev), "%s", dev ? dev->name : "?");
		snprintf(e.text, sizeof(e.text), "%s/%u dev %s", e.dest, a->plen, e.dev);
		fn(&e, arg);
	}
	pthread_mutex_unlock(&stack_ctl_lock);
}

/* ---- roles ---------------------------------------------------------------------------- */

static bool cfg_port_has_addr(const struct softnetd_config *cfg, int port)
{
	for (size_t i = 0; i < cfg->router.nr_addresses; i++)
		if (cfg->router.addresses[i].dev == port)
			return true;
	return false;
}

/* L3 roles from @cfg's router section (bridge roles are fixed at init). */
static void roles_set_l3(const struct softnetd_config *cfg)
{
	bool router = cfg->router.enabled || cfg->nr_routes > 0;

	stack.router_enabled = router;
	for (size_t i = 0; i < cfg->nr_ports; i++) {
		struct sn_netdev *dev = stack_cfg_dev(cfg, (int)i);
		uint8_t r;

		if (!dev || dev->index <= 0 || dev->index >= SN_MAX_DEVS)
			continue;
		r = __atomic_load_n(&stack.role[dev->index], __ATOMIC_RELAXED) & ~STACK_ROLE_L3;
		if (router && (!(r & STACK_ROLE_BRIDGE) || cfg_port_has_addr(cfg, (int)i)))
			r |= STACK_ROLE_L3;
		__atomic_store_n(&stack.role[dev->index], r, __ATOMIC_RELAXED);
	}
}

/* ---- configuration -------------------------------------------------------------------- */

/* Every device the config names exists and every address family matches. */
static int cfg_check(const struct softnetd_config *cfg, char *err, size_t errlen)
{
	for (size_t i = 0; i < cfg->nr_ports; i++) {
		if (!stack_cfg_dev(cfg, (int)i)) {
			snprintf(err, errlen, "stack: port '%s' is not registered", cfg->ports[i].name);
			return -ENODEV;
		}
	}
	for (size_t i = 0; i < cfg->nr_routes; i++) {
		const struct cfg_route *r = &cfg->routes[i];

		if (!stack_cfg_dev(cfg, r->dev) || (r->has_via && r->via.family != r->prefix.family)) {
			snprintf(err, errlen, "stack: route %zu: bad device or gateway", i);
			return -EINVAL;
		}
	}
	for (size_t i = 0; i < cfg->nr_neighbours; i++) {
		if (!stack_cfg_dev(cfg, cfg->neighbours[i].dev)) {
			snprintf(err, errlen, "stack: neighbour %zu: bad device", i);
			return -EINVAL;
		}
	}
	for (size_t i = 0; i < cfg->nr_fdb; i++) {
		if (!stack_cfg_dev(cfg, cfg->fdb[i].dev)) {
			snprintf(err, errlen, "stack: fdb entry %zu: bad device", i);
			return -EINVAL;
		}
	}
	for (size_t i = 0; i < cfg->router.nr_addresses; i++) {
		if (!stack_cfg_dev(cfg, cfg->router.addresses[i].dev)) {
			snprintf(err, errlen, "stack: router address %zu: bad device", i);
			return -EINVAL;
		}
	}
	if (cfg->router.nr_addresses > STACK_MAX_ADDRS) {
		snprintf(err, errlen, "stack: more than %d router addresses", STACK_MAX_ADDRS);
		return -E2BIG;
	}
	return 0;
}

/*
 * Install routes (the configured ones and the connected prefix of every router address),
 * static neighbours and static FDB entries. Context: thread, stack_ctl_lock held.
 */
static int cfg_apply_tables(const struct softnetd_config *cfg, uint8_t gen, char *err,
			    size_t errlen)
{
	int ret;

	for (size_t i = 0; i < cfg->router.nr_addresses; i++) {
		const struct cfg_router_addr *ra = &cfg->router.addresses[i];
		struct cfg_addr p = ra->addr;

		rt_mask(&p);
		ret = rt_add(&p, NULL, stack_cfg_dev(cfg, ra->dev)->index, gen);
		if (ret) {
			snprintf(err, errlen, "stack: connected route of address %zu: %s", i,
				 strerror(-ret));
			return ret;
		}
	}
	for (size_t i = 0; i < cfg->nr_routes; i++) {
		const struct cfg_route *r = &cfg->routes[i];
		struct cfg_addr p = r->prefix;

		rt_mask(&p);
		ret = rt_add(&p, r->has_via ? &r->via : NULL, stack_cfg_dev(cfg, r->dev)->index, gen);
		if (ret) {
			snprintf(err, errlen, "stack: route %zu: %s", i, strerror(-ret));
			return ret;
		}
	}
	for (size_t i = 0; i < cfg->nr_neighbours; i++) {
		const struct cfg_neighbour *n = &cfg->neighbours[i];
		const void *a = n->addr.family == AF_INET ? (const void *)&n->addr.v4
							  : (const void *)&n->addr.v6;

		ret = neigh_add_static(n->addr.family, a, stack_cfg_dev(cfg, n->dev)->index, n->mac,
				       gen);
		if (ret) {
			snprintf(err, errlen, "stack: neighbour %zu: %s", i, strerror(-ret));
			return ret;
		}
	}
	for (size_t i = 0; i < cfg->nr_fdb; i++) {
		const struct cfg_fdb *e = &cfg->fdb[i];

		ret = bridge_fdb_add_static(e->mac, e->vlan, stack_cfg_dev(cfg, e->dev)->index, gen);
		if (ret) {
			snprintf(err, errlen, "stack: fdb entry %zu: %s", i, strerror(-ret));
			return ret;
		}
	}
	return 0;
}

static void stack_teardown(void)
{
	bridge_fini();
	neigh_fini();
	rt_fini();
	if (stack.stats)
		free_percpu(stack.stats);
	memset(&stack, 0, sizeof(stack));
}

int sn_stack_init(const struct softnetd_config *cfg, char *err, size_t errlen)
{
	int ret;

	pthread_mutex_lock(&stack_ctl_lock);
	if (stack.up) {
		snprintf(err, errlen, "stack: already initialised");
		ret = -EBUSY;
		goto out_unlock;
	}
	ret = cfg_check(cfg, err, errlen);
	if (ret)
		goto out_unlock;
	memset(&stack, 0, sizeof(stack));
	stack.stats = alloc_percpu(struct stack_pcpu_stats);
	if (!stack.stats) {
		snprintf(err, errlen, "stack: per-CPU counters: %s", strerror(errno));
		ret = -ENOMEM;
		goto out_unlock;
	}
	stack.icmp_ratelimit_ms = cfg->router.icmp_ratelimit_ms;
	ret = rt_init();
	if (!ret)
		ret = neigh_init();
	if (!ret)
		ret = bridge_init(cfg, err, errlen);
	if (ret) {
		if (!err[0])
			snprintf(err, errlen, "stack: tables: %s", strerror(-ret));
		goto out_teardown;
	}
	roles_set_l3(cfg);
	addrs_set(cfg);
	stack.cfg_gen = 1;
	ret = cfg_apply_tables(cfg, stack.cfg_gen, err, errlen);
	if (ret)
		goto out_teardown;
	icmp_ratelimit_reset();
	__atomic_store_n(&stack.up, true, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&stack_ctl_lock);
	return 0;

out_teardown:
	stack_teardown();
out_unlock:
	pthread_mutex_unlock(&stack_ctl_lock);
	return ret;
}

void sn_stack_fini(void)
{
	int i;
	struct sn_netdev *dev;

	pthread_mutex_lock(&stack_ctl_lock);
	if (stack.up) {
		__atomic_store_n(&stack.up, false, __ATOMIC_RELEASE);
		sn_for_each_netdev(dev, i) {
			dev->bridge_port = -1;
		}
		stack_teardown();
	}
	pthread_mutex_unlock(&stack_ctl_lock);
}

int sn_stack_reload(const struct softnetd_config *cfg, char *err, size_t errlen)
{
	uint8_t gen;
	int ret;

	pthread_mutex_lock(&stack_ctl_lock);
	if (!stack.up) {
		snprintf(err, errlen, "stack: not initialised");
		ret = -ENODEV;
		goto out;
	}
	ret = cfg_check(cfg, err, errlen);
	if (ret)
		goto out;
	/*
	 * Everything is checked: from here only a full table can fail. The new entries go in
	 * under the next generation first (an equal key is replaced in place, so traffic never
	 * sees a gap), then the previous generation is removed. If a table fills up midway the
	 * old generation stays as well, and the error says so.
	 */
	gen = stack.cfg_gen == 255 ? 1 : stack.cfg_gen + 1;
	__atomic_store_n(&stack.icmp_ratelimit_ms, cfg->router.icmp_ratelimit_ms, __ATOMIC_RELAXED);
	roles_set_l3(cfg);
	addrs_set(cfg);
	ret = cfg_apply_tables(cfg, gen, err, errlen);
	if (ret)
		goto out;
	stack.cfg_gen = gen;
	rt_flush_cfg(gen);
	neigh_flush_static(gen);
	bridge_fdb_flush_static(gen);
out:
	pthread_mutex_unlock(&stack_ctl_lock);
	return ret;
}

/* ---- rx ------------------------------------------------------------------------------- */

static bool mac_is_multicast(const uint8_t *mac)
{
	return mac[0] & 1;
}

void sn_stack_rx(struct sn_frame *f)
{
	struct sn_netdev *dev = f->dev;
	struct sn_pkt pkt;
	uint8_t role;

	if (!sn_parse_eth(f->data, f->len, &pkt)) {
		sn_dev_drop_frame(dev, f, pkt.drop);
		return;
	}
	role = __atomic_load_n(&stack.up, __ATOMIC_ACQUIRE) ? stack_role(dev) : 0;
	if (role & STACK_ROLE_BRIDGE)
		bridge_learn(f, &pkt);
	if (role & STACK_ROLE_L3) {
		if (!memcmp(f->data, stack_dev_mac(dev), 6)) {
			router_rx(f, &pkt);
			return;
		}
		if (mac_is_multicast(f->data)) {
			if (!(role & STACK_ROLE_BRIDGE)) {
				router_rx(f, &pkt);
				return;
			}
			router_peek(f, &pkt);
		}
	}
	if (role & STACK_ROLE_BRIDGE) {
		if (!memcmp(f->data, stack_dev_mac(dev), 6)) {
			/* Addressed to the port itself, which does not route. */
			sn_dev_drop_frame(dev, f, SN_DROP_LOCAL_UNHANDLED);
			return;
		}
		bridge_forward(f, &pkt);
		return;
	}
	if (role & STACK_ROLE_L3) {
		sn_dev_drop_frame(dev, f, SN_DROP_NOT_FOR_US);
		return;
	}
	sn_dev_drop_frame(dev, f, SN_DROP_LOCAL_UNHANDLED);
}

/* ---- control -------------------------------------------------------------------------- */

int sn_stack_route_add(const char *prefix, const char *via, const char *devname, char *err,
		       size_t errlen)
{
	struct cfg_addr p, v;
	struct sn_netdev *dev;
	int ret;

	if (!prefix || rt_parse_prefix(prefix, &p, true)) {
		snprintf(err, errlen, "route: bad prefix '%s'", prefix ? prefix : "");
		return -EINVAL;
	}
	if (via && (rt_parse_prefix(via, &v, false) || v.family != p.family ||
		    v.plen != (p.family == AF_INET ? 32 : 128))) {
		snprintf(err, errlen, "route: bad gateway '%s'", via);
		return -EINVAL;
	}
	dev = devname ? sn_dev_get_by_name(devname) : NULL;
	if (!dev) {
		snprintf(err, errlen, "route: no port '%s'", devname ? devname : "");
		return -ENODEV;
	}
	pthread_mutex_lock(&stack_ctl_lock);
	ret = stack.up ? rt_add(&p, via ? &v : NULL, dev->index, 0) : -ENODEV;
	pthread_mutex_unlock(&stack_ctl_lock);
	if (ret)
		snprintf(err, errlen, "route %s: %s", prefix, strerror(-ret));
	return ret;
}

int sn_stack_route_del(const char *prefix, char *err, size_t errlen)
{
	struct cfg_addr p;
	int ret;

	if (!prefix || rt_parse_prefix(prefix, &p, true)) {
		snprintf(err, errlen, "route: bad prefix '%s'", prefix ? prefix : "");
		return -EINVAL;
	}
	pthread_mutex_lock(&stack_ctl_lock);
	ret = stack.up ? rt_del(&p) : -ENODEV;
	pthread_mutex_unlock(&stack_ctl_lock);
	if (ret)
		snprintf(err, errlen, "route %s: %s", prefix, strerror(-ret));
	return ret;
}

void sn_stack_walk(const char *kind, sn_stack_walk_fn fn, void *arg)
{
	bool all = !kind || !*kind;

	if (!stack.up)
		return;
	if (all || !strcmp(kind, "route"))
		rt_walk(fn, arg);
	if (all || !strcmp(kind, "fdb"))
		bridge_fdb_walk(fn, arg);
	if (all || !strcmp(kind, "neigh"))
		neigh_walk(fn, arg);
	if (all || !strcmp(kind, "addr"))
		addr_walk(fn, arg);
}

int sn_stack_for_each_map(sn_stack_map_fn fn, void *arg)
{
	int ret = 0;

	/* Taken before the table pointers are read: fini clears them under it. */
	pthread_mutex_lock(&stack_ctl_lock);
	const struct {
		const char *role;
		struct sn_map *map;
		void (*decode)(const void *key, const void *value, struct sn_stack_entry *e);
	} maps[] = {
		{ "fdb", stack.fdb, bridge_fdb_decode },
		{ "routes4", stack.rt4, rt_decode4 },
		{ "routes6", stack.rt6, rt_decode6 },
		{ "neigh", stack.neigh, neigh_decode },
	};

	for (size_t i = 0; stack.up && i < sizeof(maps) / sizeof(maps[0]) && !ret; i++) {
		struct sn_stack_map m = {
			.role = maps[i].role,
			.map = maps[i].map,
			.decode = maps[i].decode,
		};

		if (!m.map)
			continue;
		m.name = sn_map__name(m.map);
		m.type = (int)sn_map__type(m.map);
		ret = fn(&m, arg);
	}
	pthread_mutex_unlock(&stack_ctl_lock);
	return ret;
}

void sn_stack_stats_read(struct sn_stack_stats *out)
{
	int cpu;

	memset(out, 0, sizeof(*out));
	if (!stack.stats)
		return;
	for_each_possible_cpu(cpu) {
		const struct stack_pcpu_stats *s = per_cpu_ptr(stack.stats, cpu);

#define ADD(x) out->x += __atomic_load_n(&s->x, __ATOMIC_RELAXED)
		ADD(bridged);
		ADD(flooded);
		ADD(learned);
		ADD(fdb_aged);
		ADD(routed4);
		ADD(routed6);
		ADD(local_delivered);
		ADD(arp_replies);
		ADD(arp_requests);
		ADD(nd_adverts);
		ADD(nd_solicits);
		ADD(icmp_time_exceeded);
		ADD(icmp_echo_replies);
#undef ADD
	}
}

void sn_stack_fdb_age(void)
{
	uint64_t now = stack_now_ns();

	pthread_mutex_lock(&stack_ctl_lock);
	if (stack.up) {
		bridge_fdb_age(now);
		neigh_gc(now);
	}
	pthread_mutex_unlock(&stack_ctl_lock);
}
