// SPDX-License-Identifier: GPL-2.0-only
/*
 * config_tables.c - the forwarding tables and their sections: bridge, routes, neighbours, fdb,
 * router. Run after ports, so that every "dev" resolves to a port index here.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_internal.h"

typedef int (*cfg_entry_fn)(struct cfg_parser *p, const yaml_node_t *map, const char *path,
			    size_t i);

/* A list of mappings: allocate *arr, then parse each entry, counting them in *nr as it goes. */
static int cfg_table(struct cfg_parser *p, const yaml_node_t *n, const char *name, const char *what,
		     void *arr, size_t *nr, size_t size, cfg_entry_fn fn)
{
	char path[CFG_PATH_MAX];
	int err = cfg_expect_list(p, n, name, what);

	if (err)
		return err;
	*(void **)arr = calloc(cfg_seq_len(n) ? cfg_seq_len(n) : 1, size);
	if (!*(void **)arr) {
		snprintf(p->err, p->errlen, "%s: out of memory", p->file);
		return -ENOMEM;
	}
	for (size_t i = 0; !err && i < cfg_seq_len(n); i++) {
		cfg_path(path, "%s[%zu]", name, i);
		err = fn(p, cfg_seq_item(p, n, i), path, i);
		if (!err)
			*nr = i + 1;
	}
	return err;
}

static bool cfg_addr_eq(const struct cfg_addr *a, const struct cfg_addr *b)
{
	if (a->family != b->family || a->plen != b->plen)
		return false;
	return a->family == AF_INET ? a->v4.s_addr == b->v4.s_addr
				    : !memcmp(&a->v6, &b->v6, sizeof(a->v6));
}

/* Read the key named name of k[] into path buf. */
#define KP(buf, path, key) (cfg_path(buf, "%s.%s", path, key), buf)

static int cfg_route(struct cfg_parser *p, const yaml_node_t *map, const char *path, size_t i)
{
	struct cfg_key k[] = {{.name = "prefix"}, {.name = "via"}, {.name = "dev"}, {.name = NULL}};
	struct cfg_route *r = &p->cfg->routes[i];
	char kp[CFG_PATH_MAX], f[64];
	int err = cfg_mapping(p, map, path, k);

	if (err)
		return err;
	if (!k[0].value)
		return cfg_missing(p, map, path, "prefix", NULL);
	if (!k[2].value)
		return cfg_missing(p, map, path, "dev", NULL);
	if (cfg_cidr(p, k[0].value, KP(kp, path, "prefix"), true, &r->prefix))
		return -EINVAL;
	if (k[1].value) {
		if (cfg_ip(p, k[1].value, KP(kp, path, "via"), &r->via))
			return -EINVAL;
		if (r->via.family != r->prefix.family)
			return cfg_err(p, k[1].value, kp,
				       "expected an %s address like the prefix, "
				       "got %s",
				       r->prefix.family == AF_INET ? "IPv4" : "IPv6",
				       cfg_found(k[1].value, f, sizeof(f)));
		r->has_via = true;
	}
	if (cfg_port_ref(p, k[2].value, KP(kp, path, "dev"), &r->dev))
		return -EINVAL;
	for (size_t j = 0; j < i; j++)
		if (cfg_addr_eq(&p->cfg->routes[j].prefix, &r->prefix))
			return cfg_err(p, k[0].value, KP(kp, path, "prefix"),
				       "expected a prefix without a route yet, got %s (also "
				       "routes[%zu])",
				       cfg_found(k[0].value, f, sizeof(f)), j);
	return 0;
}

static int cfg_neighbour(struct cfg_parser *p, const yaml_node_t *map, const char *path, size_t i)
{
	struct cfg_key k[] = {
		{.name = "address"}, {.name = "mac"}, {.name = "dev"}, {.name = NULL}};
	struct cfg_neighbour *nb = &p->cfg->neighbours[i];
	char kp[CFG_PATH_MAX], f[64];
	int err = cfg_mapping(p, map, path, k);

	if (err)
		return err;
	for (int j = 0; j < 3; j++)
		if (!k[j].value)
			return cfg_missing(p, map, path, k[j].name, NULL);
	if (cfg_ip(p, k[0].value, KP(kp, path, "address"), &nb->addr) ||
	    cfg_mac(p, k[1].value, KP(kp, path, "mac"), nb->mac) ||
	    cfg_port_ref(p, k[2].value, KP(kp, path, "dev"), &nb->dev))
		return -EINVAL;
	for (size_t j = 0; j < i; j++)
		if (p->cfg->neighbours[j].dev == nb->dev &&
		    cfg_addr_eq(&p->cfg->neighbours[j].addr, &nb->addr))
			return cfg_err(p, k[0].value, KP(kp, path, "address"),
				       "expected an address not yet listed on this dev, got %s "
				       "(also neighbours[%zu])",
				       cfg_found(k[0].value, f, sizeof(f)), j);
	return 0;
}

static int cfg_fdb_entry(struct cfg_parser *p, const yaml_node_t *map, const char *path, size_t i)
{
	struct cfg_key k[] = {{.name = "mac"}, {.name = "dev"}, {.name = "vlan"}, {.name = NULL}};
	struct cfg_fdb *e = &p->cfg->fdb[i];
	char kp[CFG_PATH_MAX], f[64];
	int vlan = 0, err = cfg_mapping(p, map, path, k);

	if (err)
		return err;
	for (int j = 0; j < 2; j++)
		if (!k[j].value)
			return cfg_missing(p, map, path, k[j].name, NULL);
	if (cfg_mac(p, k[0].value, KP(kp, path, "mac"), e->mac) ||
	    cfg_port_ref(p, k[1].value, KP(kp, path, "dev"), &e->dev) ||
	    (k[2].value &&
	     cfg_int(p, k[2].value, KP(kp, path, "vlan"), CFG_VLAN_MIN, CFG_VLAN_MAX, &vlan)))
		return -EINVAL;
	e->vlan = (uint16_t)vlan;
	if (e->mac[0] & 1)
		return cfg_err(p, k[0].value, KP(kp, path, "mac"),
			       "expected a unicast MAC address, got %s",
			       cfg_found(k[0].value, f, sizeof(f)));
	for (size_t j = 0; j < i; j++)
		if (p->cfg->fdb[j].vlan == e->vlan && !memcmp(p->cfg->fdb[j].mac, e->mac, 6))
			return cfg_err(p, k[0].value, KP(kp, path, "mac"),
				       "expected a MAC address not yet in this vlan, got %s (also "
				       "fdb[%zu])",
				       cfg_found(k[0].value, f, sizeof(f)), j);
	return 0;
}

static int cfg_router_addr(struct cfg_parser *p, const yaml_node_t *map, const char *path, size_t i)
{
	struct cfg_key k[] = {{.name = "address"}, {.name = "dev"}, {.name = NULL}};
	struct cfg_router_addr *a = &p->cfg->router.addresses[i];
	char kp[CFG_PATH_MAX];
	int err = cfg_mapping(p, map, path, k);

	if (err)
		return err;
	for (int j = 0; j < 2; j++)
		if (!k[j].value)
			return cfg_missing(p, map, path, k[j].name, NULL);
	if (cfg_cidr(p, k[0].value, KP(kp, path, "address"), false, &a->addr) ||
	    cfg_port_ref(p, k[1].value, KP(kp, path, "dev"), &a->dev))
		return -EINVAL;
	return 0;
}

int cfg_routes(struct cfg_parser *p, const yaml_node_t *n)
{
	struct softnetd_config *cfg = p->cfg;

	return cfg_table(p, n, "routes", "routes", &cfg->routes, &cfg->nr_routes,
			 sizeof(*cfg->routes), cfg_route);
}

int cfg_neighbours(struct cfg_parser *p, const yaml_node_t *n)
{
	struct softnetd_config *cfg = p->cfg;

	return cfg_table(p, n, "neighbours", "neighbours", &cfg->neighbours, &cfg->nr_neighbours,
			 sizeof(*cfg->neighbours), cfg_neighbour);
}

int cfg_fdb(struct cfg_parser *p, const yaml_node_t *n)
{
	struct softnetd_config *cfg = p->cfg;

	return cfg_table(p, n, "fdb", "fdb entries", &cfg->fdb, &cfg->nr_fdb, sizeof(*cfg->fdb),
			 cfg_fdb_entry);
}

int cfg_bridge(struct cfg_parser *p, const yaml_node_t *n)
{
	struct cfg_key k[] = {
		{.name = "ports"}, {.name = "ageing_time_s"}, {.name = "fdb_max"}, {.name = NULL}};
	struct cfg_bridge *br = &p->cfg->bridge;
	char kp[CFG_PATH_MAX], f[64];
	int err = cfg_mapping(p, n, "bridge", k);

	if (err)
		return err;
	br->enabled = true;
	if (k[1].value &&
	    cfg_int(p, k[1].value, "bridge.ageing_time_s", 10, 1000000, &br->ageing_time_s))
		return -EINVAL;
	if (k[2].value && cfg_int(p, k[2].value, "bridge.fdb_max", 1, 1 << 20, &br->fdb_max))
		return -EINVAL;
	if (!k[0].value)
		return 0;
	if (cfg_expect_list(p, k[0].value, "bridge.ports", "port names"))
		return -EINVAL;
	br->ports = calloc(cfg_seq_len(k[0].value) + 1, sizeof(*br->ports));
	if (!br->ports) {
		snprintf(p->err, p->errlen, "%s: out of memory", p->file);
		return -ENOMEM;
	}
	for (size_t i = 0; i < cfg_seq_len(k[0].value); i++) {
		const yaml_node_t *item = cfg_seq_item(p, k[0].value, i);

		cfg_path(kp, "bridge.ports[%zu]", i);
		if (cfg_port_ref(p, item, kp, &br->ports[i]))
			return -EINVAL;
		for (size_t j = 0; j < i; j++)
			if (br->ports[j] == br->ports[i])
				return cfg_err(p, item, kp,
					       "duplicate port %s (also "
					       "bridge.ports[%zu])",
					       cfg_found(item, f, sizeof(f)), j);
		br->nr_ports = i + 1;
	}
	return 0;
}

int cfg_router(struct cfg_parser *p, const yaml_node_t *n)
{
	struct cfg_key k[] = {{.name = "addresses"}, {.name = "icmp_ratelimit_ms"}, {.name = NULL}};
	struct cfg_router *rt = &p->cfg->router;
	int err = cfg_mapping(p, n, "router", k);

	if (err)
		return err;
	rt->enabled = true;
	if (k[1].value &&
	    cfg_int(p, k[1].value, "router.icmp_ratelimit_ms", 0, 60000, &rt->icmp_ratelimit_ms))
		return -EINVAL;
	if (!k[0].value)
		return 0;
	return cfg_table(p, k[0].value, "router.addresses", "interface addresses", &rt->addresses,
			 &rt->nr_addresses, sizeof(*rt->addresses), cfg_router_addr);
}
