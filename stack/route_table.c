// SPDX-License-Identifier: GPL-2.0-only
/*
 * route_table.c - the IPv4 and IPv6 routing tables: two LPM tries (maps/map_lpm_trie.c) created
 * with SOFTNET_F_LPM_PREALLOC, so that neither a lookup nor a route change allocates.
 *
 * Lookups run on the datapath without a lock and copy the entry out: a concurrent replace may
 * hand the node to another prefix (the trie's documented caveat), and the copy is then checked
 * for sanity (family, device) by the caller before use. Changes come from thread context under
 * stack_ctl_lock. Key: struct bpf_lpm_trie_key_u8 layout (prefixlen, then the address bytes).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stack/stack_internal.h"

struct rt_key {
	uint32_t prefixlen;
	uint8_t addr[16];
};

static size_t rt_key_size(int family)
{
	return 4 + (family == AF_INET ? 4 : 16);
}

static struct sn_map *rt_map(int family)
{
	return family == AF_INET ? stack.rt4 : stack.rt6;
}

int rt_init(void)
{
	struct sn_map_create_opts o = { .sz = sizeof(o), .map_flags = SOFTNET_F_LPM_PREALLOC };

	stack.rt4 = sn_map__create(BPF_MAP_TYPE_LPM_TRIE, "sn_routes4", (__u32)rt_key_size(AF_INET),
				   sizeof(struct rt_val), STACK_RT_MAX, &o);
	if (!stack.rt4)
		return -errno;
	stack.rt6 = sn_map__create(BPF_MAP_TYPE_LPM_TRIE, "sn_routes6", (__u32)rt_key_size(AF_INET6),
				   sizeof(struct rt_val), STACK_RT_MAX, &o);
	if (!stack.rt6) {
		int ret = -errno;

		sn_map__free(stack.rt4);
		stack.rt4 = NULL;
		return ret;
	}
	return 0;
}

void rt_fini(void)
{
	sn_map__free(stack.rt4);
	sn_map__free(stack.rt6);
	stack.rt4 = stack.rt6 = NULL;
}

bool rt_lookup(int family, const uint8_t *dst, struct rt_val *out)
{
	struct rt_key k;
	const struct rt_val *v;
	struct sn_map *m = rt_map(family);

	if (!m)
		return false;
	k.prefixlen = family == AF_INET ? 32 : 128;
	memcpy(k.addr, dst, family == AF_INET ? 4 : 16);
	v = sn_map_lookup_elem(m, &k);
	if (!v)
		return false;
	memcpy(out, v, sizeof(*out));
	return out->family == family;
}

void rt_mask(struct cfg_addr *a)
{
	uint8_t *b = a->family == AF_INET ? (uint8_t *)&a->v4 : (uint8_t *)&a->v6;
	unsigned int n = a->family == AF_INET ? 4 : 16;

	for (unsigned int i = 0; i < n; i++) {
		unsigned int bit = i * 8;

		if (bit >= a->plen)
			b[i] = 0;
		else if (bit + 8 > a->plen)
			b[i] &= (uint8_t)(0xff << (8 - (a->plen - bit)));
	}
}

static void rt_key_of(const struct cfg_addr *p, struct rt_key *k)
{
	memset(k, 0, sizeof(*k));
	k->prefixlen = p->plen;
	memcpy(k->addr, p->family == AF_INET ? (const void *)&p->v4 : (const void *)&p->v6,
	       p->family == AF_INET ? 4 : 16);
}

int rt_add(const struct cfg_addr *prefix, const struct cfg_addr *via, int dev, uint8_t cfg_gen)
{
	struct rt_val v = { .dev = (uint32_t)dev, .family = (uint8_t)prefix->family,
			    .plen = prefix->plen, .cfg_gen = cfg_gen };
	struct rt_key k;
	int ret;

	if (prefix->family != AF_INET && prefix->family != AF_INET6)
		return -EINVAL;
	if (via) {
		if (via->family != prefix->family)
			return -EINVAL;
		v.has_via = 1;
		memcpy(v.via, via->family == AF_INET ? (const void *)&via->v4 : (const void *)&via->v6,
		       via->family == AF_INET ? 4 : 16);
	}
	rt_key_of(prefix, &k);
	ret = sn_map__update_elem(rt_map(prefix->family), &k, &v, BPF_ANY);
	return ret == -E2BIG ? -ENOSPC : ret;
}

int rt_del(const struct cfg_addr *prefix)
{
	struct rt_key k;

	rt_key_of(prefix, &k);
	return sn_map__delete_elem(rt_map(prefix->family), &k);
}

/* Delete every entry of @m for which @pred holds (collect first: deleting while walking would
 * restart get_next_key). */
static void rt_delete_where(struct sn_map *m, bool (*pred)(const struct rt_val *v, uint8_t keep),
			    uint8_t keep)
{
	static struct rt_key keys[STACK_RT_MAX];
	struct rt_key k, next;
	struct rt_val v;
	size_t n = 0;
	void *prev = NULL;

	while (n < STACK_RT_MAX && !sn_map__get_next_key(m, prev, &next)) {
		if (!sn_map__lookup_elem(m, &next, &v) && pred(&v, keep))
			keys[n++] = next;
		k = next;
		prev = &k;
	}
	for (size_t i = 0; i < n; i++)
		sn_map__delete_elem(m, &keys[i]);
}

static bool rt_is_old_cfg(const struct rt_val *v, uint8_t keep)
{
	return v->cfg_gen && v->cfg_gen != keep;
}

void rt_flush_cfg(uint8_t keep)
{
	rt_delete_where(stack.rt4, rt_is_old_cfg, keep);
	rt_delete_where(stack.rt6, rt_is_old_cfg, keep);
}

void stack_format_addr(int family, const void *addr, char *buf, size_t len)
{
	if (!inet_ntop(family, addr, buf, (socklen_t)len))
		snprintf(buf, len, "?");
}

static void rt_decode(int family, const struct rt_key *k, const struct rt_val *v,
		      struct sn_stack_entry *e)
{
	struct sn_netdev *dev = sn_dev_get_by_index((int)v->dev);
	char a[INET6_ADDRSTRLEN];

	*e = (struct sn_stack_entry){ .kind = "route", .age_s = -1, .is_static = v->cfg_gen != 0 };
	stack_format_addr(family, k->addr, a, sizeof(a));
	snprintf(e->dest, sizeof(e->dest), "%s/%u", a, k->prefixlen);
	snprintf(e->dev, sizeof(e->dev), "%s", dev ? dev->name : "?");
	if (v->has_via) {
		stack_format_addr(family, v->via, e->via, sizeof(e->via));
		snprintf(e->text, sizeof(e->text), "%s via %s dev %s", e->dest, e->via, e->dev);
	} else {
		snprintf(e->text, sizeof(e->text), "%s dev %s", e->dest, e->dev);
	}
}

void rt_decode4(const void *key, const void *value, struct sn_stack_entry *e)
{
	struct rt_key k = { 0 };
	struct rt_val v;

	memcpy(&k, key, rt_key_size(AF_INET));
	memcpy(&v, value, sizeof(v));
	rt_decode(AF_INET, &k, &v, e);
}

void rt_decode6(const void *key, const void *value, struct sn_stack_entry *e)
{
	struct rt_key k;
	struct rt_val v;

	memcpy(&k, key, rt_key_size(AF_INET6));
	memcpy(&v, value, sizeof(v));
	rt_decode(AF_INET6, &k, &v, e);
}

static void rt_walk_one(struct sn_map *m, int family, sn_stack_walk_fn fn, void *arg)
{
	struct rt_key k, next;
	struct rt_val v;
	void *prev = NULL;

	while (!sn_map__get_next_key(m, prev, &next)) {
		struct sn_stack_entry e;

		k = next;
		prev = &k;
		if (sn_map__lookup_elem(m, &next, &v))
			continue;
		rt_decode(family, &next, &v, &e);
		fn(&e, arg);
	}
}

void rt_walk(sn_stack_walk_fn fn, void *arg)
{
	pthread_mutex_lock(&stack_ctl_lock);
	if (stack.rt4)
		rt_walk_one(stack.rt4, AF_INET, fn, arg);
	if (stack.rt6)
		rt_walk_one(stack.rt6, AF_INET6, fn, arg);
	pthread_mutex_unlock(&stack_ctl_lock);
}

int rt_parse_prefix(const char *s, struct cfg_addr *out, bool need_host_bits_zero)
{
	char buf[INET6_ADDRSTRLEN + 8];
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	unsigned int max;

	memset(out, 0, sizeof(*out));
	if (alen == 0 || alen >= INET6_ADDRSTRLEN)
		return -EINVAL;
	memcpy(buf, s, alen);
	buf[alen] = '\0';
	if (inet_pton(AF_INET, buf, &out->v4) == 1)
		out->family = AF_INET;
	else if (inet_pton(AF_INET6, buf, &out->v6) == 1)
		out->family = AF_INET6;
	else
		return -EINVAL;
	max = out->family == AF_INET ? 32 : 128;
	out->plen = (uint8_t)max;
	if (slash) {
		char *end;
		unsigned long pl = strtoul(slash + 1, &end, 10);

		if (!slash[1] || *end || pl > max)
			return -EINVAL;
		out->plen = (uint8_t)pl;
	}
	if (need_host_bits_zero) {
		struct cfg_addr m = *out;

		rt_mask(&m);
		if (memcmp(&m, out, sizeof(m)))
			return -EINVAL;
	}
	return 0;
}
