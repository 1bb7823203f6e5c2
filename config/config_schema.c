// SPDX-License-Identifier: GPL-2.0-only
/*
 * config_schema.c - the schema of the top level, profile, cpus, napi and ports, and the checks
 * between ports (unique names, vlan parents, loop peers). The other tables are in config_tables.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_internal.h"

static const char *const cfg_port_types[] = {"afxdp", "dpdk", "vlan", "loop", NULL};
static const char *const cfg_xsk_modes[] = {"auto", "copy", "zerocopy", NULL};
static const char *const cfg_skb_cache_gens[] = {"6.12", "6.19", NULL};
static const char *const cfg_log_levels[] = {"err", "warn", "info", "debug", NULL};

static int cfg_nomem(struct cfg_parser *p)
{
	snprintf(p->err, p->errlen, "%s: out of memory", p->file);
	return -ENOMEM;
}

/* calloc of a list's worth of elements; n may be 0. */
static int cfg_alloc(struct cfg_parser *p, void *out, size_t n, size_t size)
{
	void *v = calloc(n ? n : 1, size);

	if (!v)
		return cfg_nomem(p);
	*(void **)out = v;
	return 0;
}

static int cfg_profile(struct cfg_parser *p, const yaml_node_t *n)
{
	char f[64];
	const char *s = n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;

	if (s && !bh_profile_parse(s, &p->cfg->profile))
		return 0;
	return cfg_err(p, n, "profile", "expected vanilla|rt-bhlock|rt-nested, got %s",
		       cfg_found(n, f, sizeof(f)));
}

static int cfg_cpus(struct cfg_parser *p, const yaml_node_t *n)
{
	struct softnetd_config *cfg = p->cfg;
	char kp[CFG_PATH_MAX], f[64];
	int err = cfg_expect_list(p, n, "cpus", "CPU ids");

	if (err)
		return err;
	if (!cfg_seq_len(n))
		return cfg_err(p, n, "cpus", "expected at least one CPU id, got an empty list");
	err = cfg_alloc(p, &cfg->cpus, cfg_seq_len(n), sizeof(*cfg->cpus));
	for (size_t i = 0; !err && i < cfg_seq_len(n); i++) {
		const yaml_node_t *item = cfg_seq_item(p, n, i);

		cfg_path(kp, "cpus[%zu]", i);
		err = cfg_int(p, item, kp, 0, CFG_MAX_CPU, &cfg->cpus[i]);
		for (size_t j = 0; !err && j < i; j++)
			if (cfg->cpus[j] == cfg->cpus[i])
				err = cfg_err(p, item, kp,
					      "expected a CPU id not yet listed, got %s "
					      "(also cpus[%zu])",
					      cfg_found(item, f, sizeof(f)), j);
		cfg->nr_cpus = i + 1;
	}
	return err;
}

static int cfg_napi(struct cfg_parser *p, const yaml_node_t *n)
{
	struct cfg_key k[] = {{.name = "budget"},
			      {.name = "time_limit_us"},
			      {.name = "weight"},
			      {.name = "threaded"},
			      {.name = NULL}};
	struct cfg_napi *napi = &p->cfg->napi;
	int err = cfg_mapping(p, n, "napi", k);

	if (!err && k[0].value)
		err = cfg_int(p, k[0].value, "napi.budget", 1, 100000, &napi->budget);
	if (!err && k[1].value)
		err = cfg_int(p, k[1].value, "napi.time_limit_us", 1, 1000000,
			      &napi->time_limit_us);
	if (!err && k[2].value)
		err = cfg_int(p, k[2].value, "napi.weight", 1, 1024, &napi->weight);
	if (!err && k[3].value)
		err = cfg_bool(p, k[3].value, "napi.threaded", &napi->threaded);
	return err;
}

/*
 * memory: the sizes of the preallocated pools. frames_per_queue becomes an AF_XDP UMEM / DPDK
 * mempool per rx queue, whose rings must be powers of two.
 */
static int cfg_memory(struct cfg_parser *p, const yaml_node_t *n)
{
	struct cfg_key k[] = {{.name = "skb_cache"},
			      {.name = "heads"},
			      {.name = "chunks"},
			      {.name = "frames_per_queue"},
			      {.name = NULL}};
	struct cfg_memory *m = &p->cfg->memory;
	int err = cfg_mapping(p, n, "memory", k), v;

	if (!err && k[0].value) {
		err = cfg_enum(p, k[0].value, "memory.skb_cache", cfg_skb_cache_gens, &v);
		m->skb_cache = (enum cfg_skb_cache_gen)v;
	}
	if (!err && k[1].value)
		err = cfg_int(p, k[1].value, "memory.heads", 1024, 16777216, &m->heads);
	if (!err && k[2].value)
		err = cfg_int(p, k[2].value, "memory.chunks", 1, 65536, &m->chunks);
	if (!err && k[3].value) {
		err = cfg_int(p, k[3].value, "memory.frames_per_queue", 64, 262144,
			      &m->frames_per_queue);
		if (!err && (m->frames_per_queue & (m->frames_per_queue - 1))) {
			char f[64];

			err = cfg_err(p, k[3].value, "memory.frames_per_queue",
				      "expected a power of two 64..262144, got %s",
				      cfg_found(k[3].value, f, sizeof(f)));
		}
	}
	return err;
}

/* The keys of a port, and which port types take each. */
enum {
	PK_NAME,
	PK_TYPE,
	PK_IFNAME,
	PK_QUEUES,
	PK_MODE,
	PK_BUSY_POLL,
	PK_XDP_PROG,
	PK_PMD,
	PK_EAL,
	PK_PARENT,
	PK_VLAN,
	PK_PEER,
	PK_XDP,
	PK_XCONNECT,
	PK_NR
};
#define T(x) (1u << CFG_PORT_##x)
static const unsigned int cfg_port_key_types[PK_NR] = {
	[PK_NAME] = T(AFXDP) | T(DPDK) | T(VLAN) | T(LOOP),
	[PK_TYPE] = T(AFXDP) | T(DPDK) | T(VLAN) | T(LOOP),
	[PK_IFNAME] = T(AFXDP),
	[PK_QUEUES] = T(AFXDP) | T(DPDK),
	[PK_MODE] = T(AFXDP),
	[PK_BUSY_POLL] = T(AFXDP) | T(DPDK),
	[PK_XDP_PROG] = T(AFXDP),
	[PK_PMD] = T(DPDK),
	[PK_EAL] = T(DPDK),
	[PK_PARENT] = T(VLAN),
	[PK_VLAN] = T(VLAN),
	[PK_PEER] = T(LOOP),
	[PK_XDP] = T(AFXDP) | T(DPDK) | T(VLAN) | T(LOOP),
	[PK_XCONNECT] = T(AFXDP) | T(DPDK) | T(VLAN) | T(LOOP),
};
/* Required beyond name and type (checked after the values, in key order). */
static const unsigned int cfg_port_key_required[PK_NR] = {
	[PK_IFNAME] = T(AFXDP), [PK_PMD] = T(DPDK),   [PK_PARENT] = T(VLAN),
	[PK_VLAN] = T(VLAN),	[PK_PEER] = T(LOOP),
};
#undef T

static void cfg_port_keys(struct cfg_key *k)
{
	static const char *const names[PK_NR] = {"name", "type",      "ifname",	  "queues",
						 "mode", "busy_poll", "xdp_prog", "pmd",
						 "eal",	 "parent",    "vlan",	  "peer",
						 "xdp", "xconnect"};

	for (int i = 0; i < PK_NR; i++)
		k[i] = (struct cfg_key){.name = names[i]};
	k[PK_NR] = (struct cfg_key){NULL};
}

/* The index of the port type named by map's "type" key, or -1. */
static int cfg_port_type_hint(struct cfg_parser *p, const yaml_node_t *map)
{
	if (map->type != YAML_MAPPING_NODE)
		return -1;
	cfg_for_each_pair(map, pair)
	{
		const yaml_node_t *kn = cfg_node(p, pair->key), *v = cfg_node(p, pair->value);

		if (kn->type != YAML_SCALAR_NODE || v->type != YAML_SCALAR_NODE ||
		    strcmp((const char *)kn->data.scalar.value, "type"))
			continue;
		for (int t = 0; cfg_port_types[t]; t++)
			if (!strcmp((const char *)v->data.scalar.value, cfg_port_types[t]))
				return t;
	}
	return -1;
}

/* "name, type, parent, vlan (vlan port)": the keys a port of this type takes. */
static void cfg_port_allowed(int type, char *buf, size_t len)
{
	struct cfg_key k[PK_NR + 1];
	size_t o = 0;

	cfg_port_keys(k);
	buf[0] = '\0';
	for (int a = 0; a < PK_NR && o < len; a++)
		if (cfg_port_key_types[a] & (1u << type))
			o += (size_t)snprintf(buf + o, len - o, "%s%s", o ? ", " : "", k[a].name);
	if (o < len)
		snprintf(buf + o, len - o, " (%s port)", cfg_port_types[type]);
}

static int cfg_port_name(struct cfg_parser *p, const yaml_node_t *n, const char *path, size_t i)
{
	struct cfg_port *port = &p->cfg->ports[i];
	char f[64];

	if (cfg_string(p, n, path, port->name, sizeof(port->name)))
		return -EINVAL;
	for (const char *c = port->name; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9') || *c == '_' || *c == '-' || *c == '.'))
			return cfg_err(p, n, path,
				       "expected a name of letters, digits, '_', '-' "
				       "and '.', got %s",
				       cfg_found(n, f, sizeof(f)));
	for (size_t j = 0; j < i; j++)
		if (!strcmp(p->cfg->ports[j].name, port->name))
			return cfg_err(p, n, path,
				       "expected a unique port name, got %s (first at "
				       "line %zu)",
				       cfg_found(n, f, sizeof(f)),
				       p->port_name_node[j]->start_mark.line + 1);
	p->port_name_node[i] = n;
	return 0;
}

static int cfg_eal(struct cfg_parser *p, const yaml_node_t *n, const char *path,
		   struct cfg_port *port)
{
	char kp[CFG_PATH_MAX];
	int err = cfg_expect_list(p, n, path, "EAL arguments");

	if (!err)
		err = cfg_alloc(p, &port->eal, cfg_seq_len(n), sizeof(*port->eal));
	for (size_t i = 0; !err && i < cfg_seq_len(n); i++) {
		cfg_path(kp, "%s[%zu]", path, i);
		err = cfg_strdup(p, cfg_seq_item(p, n, i), kp, &port->eal[i]);
		if (!err)
			port->nr_eal = i + 1;
	}
	return err;
}

/* First pass: everything a port says about itself. References are resolved by cfg_port_refs(). */
static int cfg_port(struct cfg_parser *p, const yaml_node_t *map, size_t i)
{
	struct cfg_port *port = &p->cfg->ports[i];
	struct cfg_key k[PK_NR + 1];
	char path[CFG_PATH_MAX], kp[CFG_PATH_MAX], what[32], allowed[160];
	int type, v, err;

	cfg_port_keys(k);
	cfg_path(path, "ports[%zu]", i);
	*port = (struct cfg_port){
		.queues = 1, .mode = CFG_XSK_AUTO, .parent = -1, .peer = -1, .xconnect = -1};
	/* Know the type first, so that an unknown key lists only what this type takes. */
	type = cfg_port_type_hint(p, map);
	if (type >= 0)
		cfg_port_allowed(type, allowed, sizeof(allowed));
	p->allowed_hint = type >= 0 ? allowed : NULL;
	err = cfg_mapping(p, map, path, k);
	p->allowed_hint = NULL;
	if (err)
		return err;
	if (!k[PK_NAME].value)
		return cfg_missing(p, map, path, "name", NULL);
	cfg_path(kp, "%s.name", path);
	if (cfg_port_name(p, k[PK_NAME].value, kp, i))
		return -EINVAL;
	if (!k[PK_TYPE].value)
		return cfg_missing(p, map, path, "type", NULL);
	cfg_path(kp, "%s.type", path);
	if (cfg_enum(p, k[PK_TYPE].value, kp, cfg_port_types, &type))
		return -EINVAL;
	port->type = (enum cfg_port_type)type;
	snprintf(what, sizeof(what), "for a%s %s port", type == CFG_PORT_AFXDP ? "n" : "",
		 cfg_port_types[type]);
	for (int j = 0; j < PK_NR; j++) {
		char f[64];

		if (!k[j].key || (cfg_port_key_types[j] & (1u << type)))
			continue;
		cfg_path(kp, "%s.%s", path, k[j].name);
		return cfg_err(p, k[j].key, kp, "expected one of %s, got unknown key %s", allowed,
			       cfg_found(k[j].key, f, sizeof(f)));
	}
	for (int j = PK_IFNAME; j < PK_NR; j++) {
		const yaml_node_t *n = k[j].value;

		if (!n)
			continue;
		cfg_path(kp, "%s.%s", path, k[j].name);
		switch (j) {
		case PK_IFNAME:
			err = cfg_string(p, n, kp, port->ifname, sizeof(port->ifname));
			break;
		case PK_QUEUES:
			err = cfg_int(p, n, kp, 1, CFG_MAX_QUEUES, &port->queues);
			break;
		case PK_MODE:
			err = cfg_enum(p, n, kp, cfg_xsk_modes, &v);
			port->mode = (enum cfg_xsk_mode)v;
			break;
		case PK_BUSY_POLL:
			err = cfg_bool(p, n, kp, &port->busy_poll);
			break;
		case PK_XDP_PROG:
			err = cfg_strdup(p, n, kp, &port->xdp_prog);
			break;
		case PK_PMD:
			err = cfg_strdup(p, n, kp, &port->pmd);
			break;
		case PK_EAL:
			err = cfg_eal(p, n, kp, port);
			break;
		case PK_VLAN:
			err = cfg_int(p, n, kp, CFG_VLAN_MIN, CFG_VLAN_MAX, &v);
			port->vlan_id = (uint16_t)v;
			break;
		case PK_XDP:
			err = cfg_port_xdp(p, n, kp, &port->xdp);
			break;
		default: /* PK_PARENT, PK_PEER, PK_XCONNECT: second pass */
			break;
		}
		if (err)
			return err;
	}
	for (int j = 0; j < PK_NR; j++)
		if (!k[j].value && (cfg_port_key_required[j] & (1u << type)))
			return cfg_missing(p, map, path, k[j].name, what);
	return 0;
}

/* Second pass, once every name is known: vlan parents and loop peers. */
static int cfg_port_refs(struct cfg_parser *p, const yaml_node_t *map, size_t i)
{
	struct softnetd_config *cfg = p->cfg;
	struct cfg_port *port = &cfg->ports[i];
	struct cfg_key k[PK_NR + 1];
	char kp[CFG_PATH_MAX], f[64];
	int err;

	cfg_port_keys(k);
	cfg_path(kp, "ports[%zu]", i);
	err = cfg_mapping(p, map, kp, k);
	if (!err && k[PK_XCONNECT].value) {
		cfg_path(kp, "ports[%zu].xconnect", i);
		err = cfg_port_ref(p, k[PK_XCONNECT].value, kp, &port->xconnect);
		port->has_xconnect = !err;
		if (!err && (size_t)port->xconnect == i)
			return cfg_err(p, k[PK_XCONNECT].value, kp,
				       "expected another port, got the port itself %s",
				       cfg_found(k[PK_XCONNECT].value, f, sizeof(f)));
	}
	if (!err && port->type == CFG_PORT_LOOP) {
		cfg_path(kp, "ports[%zu].peer", i);
		err = cfg_port_ref(p, k[PK_PEER].value, kp, &port->peer);
	}
	if (err || port->type != CFG_PORT_VLAN)
		return err;
	cfg_path(kp, "ports[%zu].parent", i);
	err = cfg_port_ref(p, k[PK_PARENT].value, kp, &port->parent);
	if (err)
		return err;
	if (cfg->ports[port->parent].type == CFG_PORT_LOOP)
		return cfg_err(p, k[PK_PARENT].value, kp,
			       "expected an afxdp, dpdk or vlan port, got loop port %s",
			       cfg_found(k[PK_PARENT].value, f, sizeof(f)));
	/* Follow the parents: a vlan stack must end at a real port, not come back round. */
	for (size_t hops = 0, at = (size_t)port->parent; cfg->ports[at].type == CFG_PORT_VLAN;
	     hops++) {
		if (at == i || hops > cfg->nr_ports)
			return cfg_err(p, k[PK_PARENT].value, kp,
				       "expected a parent chain ending at an afxdp or dpdk port, "
				       "got a cycle through %s",
				       cfg_found(k[PK_PARENT].value, f, sizeof(f)));
		if (cfg->ports[at].parent < 0) /* not resolved yet: checked from its own entry */
			break;
		at = (size_t)cfg->ports[at].parent;
	}
	for (size_t j = 0; j < i; j++)
		if (cfg->ports[j].type == CFG_PORT_VLAN && cfg->ports[j].parent == port->parent &&
		    cfg->ports[j].vlan_id == port->vlan_id) {
			cfg_path(kp, "ports[%zu].vlan", i);
			return cfg_err(p, k[PK_VLAN].value, kp,
				       "expected a vlan id not yet used on %s, got %u (also "
				       "ports[%zu])",
				       cfg->ports[port->parent].name, port->vlan_id, j);
		}
	return 0;
}

static int cfg_ports(struct cfg_parser *p, const yaml_node_t *n)
{
	struct softnetd_config *cfg = p->cfg;
	size_t nr;
	int err = cfg_expect_list(p, n, "ports", "ports");

	if (err)
		return err;
	nr = cfg_seq_len(n);
	if (!nr)
		return cfg_err(p, n, "ports", "expected at least one port, got an empty list");
	if (nr > CFG_MAX_PORTS)
		return cfg_err(p, n, "ports", "expected at most %d ports, got %zu", CFG_MAX_PORTS,
			       nr);
	err = cfg_alloc(p, &cfg->ports, nr, sizeof(*cfg->ports));
	if (!err)
		err = cfg_alloc(p, &p->port_name_node, nr, sizeof(*p->port_name_node));
	/* nr_ports counts the ports parsed so far: the free path only looks at those. */
	for (size_t i = 0; !err && i < nr; i++) {
		err = cfg_port(p, cfg_seq_item(p, n, i), i);
		cfg->nr_ports = i + 1;
	}
	for (size_t i = 0; !err && i < nr; i++)
		err = cfg_port_refs(p, cfg_seq_item(p, n, i), i);
	return err;
}

int cfg_top(struct cfg_parser *p, const yaml_node_t *root)
{
	enum {
		K_PROFILE,
		K_CPUS,
		K_NAPI,
		K_LOG_LEVEL,
		K_IRQ_PRIORITY,
		K_MEMORY,
		K_PORTS,
		K_BRIDGE,
		K_ROUTES,
		K_NEIGHBOURS,
		K_FDB,
		K_ROUTER,
		K_KERNEL_XDP
	};
	struct cfg_key k[] = {{.name = "profile"},    {.name = "cpus"},	  {.name = "napi"},
			      {.name = "log_level"},  {.name = "irq_priority"},
			      {.name = "memory"},     {.name = "ports"},      {.name = "bridge"}, {.name = "routes"},
			      {.name = "neighbours"}, {.name = "fdb"},	  {.name = "router"},
			      {.name = "kernel_xdp"}, {.name = NULL}};
	struct softnetd_config *cfg = p->cfg;
	int err;

	cfg->profile = BH_PROFILE_VANILLA;
	cfg->napi = (struct cfg_napi){.budget = 300, .time_limit_us = 2000, .weight = 64};
	cfg->bridge = (struct cfg_bridge){.ageing_time_s = 300, .fdb_max = 4096};
	cfg->router = (struct cfg_router){.icmp_ratelimit_ms = 1000};
	cfg->log_level = CFG_LOG_INFO;
	cfg->irq_priority = 50;
	cfg->memory = (struct cfg_memory){.skb_cache = CFG_SKB_CACHE_6_19,
					  .heads = 65536,
					  .chunks = 256,
					  .frames_per_queue = 4096};

	if (root->type != YAML_MAPPING_NODE) {
		char f[64];

		return cfg_err(p, root, "config", "expected a mapping of sections, got %s",
			       cfg_found(root, f, sizeof(f)));
	}
	err = cfg_mapping(p, root, "", k);
	if (err)
		return err;
	if (!k[K_PORTS].value)
		return cfg_missing(p, root, "", "ports", NULL);
	if (k[K_PROFILE].value && (err = cfg_profile(p, k[K_PROFILE].value)))
		return err;
	if (k[K_CPUS].value && (err = cfg_cpus(p, k[K_CPUS].value)))
		return err;
	if (k[K_NAPI].value && (err = cfg_napi(p, k[K_NAPI].value)))
		return err;
	if (k[K_LOG_LEVEL].value) {
		int v;

		if ((err = cfg_enum(p, k[K_LOG_LEVEL].value, "log_level", cfg_log_levels, &v)))
			return err;
		cfg->log_level = (enum cfg_log_level)v;
	}
	if (k[K_IRQ_PRIORITY].value &&
	    (err = cfg_int(p, k[K_IRQ_PRIORITY].value, "irq_priority", 1, 99, &cfg->irq_priority)))
		return err;
	if (k[K_MEMORY].value && (err = cfg_memory(p, k[K_MEMORY].value)))
		return err;
	if ((err = cfg_ports(p, k[K_PORTS].value)))
		return err;
	if (k[K_BRIDGE].value && (err = cfg_bridge(p, k[K_BRIDGE].value)))
		return err;
	if (k[K_ROUTES].value && (err = cfg_routes(p, k[K_ROUTES].value)))
		return err;
	if (k[K_NEIGHBOURS].value && (err = cfg_neighbours(p, k[K_NEIGHBOURS].value)))
		return err;
	if (k[K_FDB].value && (err = cfg_fdb(p, k[K_FDB].value)))
		return err;
	if (k[K_ROUTER].value && (err = cfg_router(p, k[K_ROUTER].value)))
		return err;
	if (k[K_KERNEL_XDP].value && (err = cfg_kernel_xdp(p, k[K_KERNEL_XDP].value)))
		return err;
	if (cfg->nr_routes)
		cfg->router.enabled = true;
	return 0;
}
