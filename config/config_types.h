/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * config_types.h - the types of softnetd's checked configuration (HAProxy style: types apart from
 * the prototypes in config.h). Everything here is plain data owned by one struct softnetd_config:
 * every name has been checked, every cross-reference resolved to an index into ports[].
 */
#ifndef SOFTNETD_CONFIG_TYPES_H
#define SOFTNETD_CONFIG_TYPES_H

#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bhlock/profile.h"

#define CFG_NAME_MAX 16 /* port names follow IFNAMSIZ: 15 characters */
#define CFG_MAX_PORTS 256
#define CFG_MAX_CPU 1023
#define CFG_MAX_QUEUES 64
#define CFG_VLAN_MIN 1
#define CFG_VLAN_MAX 4094

enum cfg_port_type {
	CFG_PORT_AFXDP,
	CFG_PORT_DPDK,
	CFG_PORT_VLAN,
	CFG_PORT_LOOP,
};

enum cfg_xsk_mode {
	CFG_XSK_AUTO, /* zero-copy where the driver allows, else copy */
	CFG_XSK_COPY,
	CFG_XSK_ZEROCOPY,
};

enum cfg_xdp_engine {
	CFG_XDP_ENGINE_AUTO, /* the JIT when librte_bpf accepts the program, else the interpreter */
	CFG_XDP_ENGINE_JIT,
	CFG_XDP_ENGINE_INTERP,
};

/* ports[].xdp: an XDP program softnetd runs on the port's received frames (emulated path). */
struct cfg_xdp {
	char *object;  /* absolute path of a clang-built BPF object (a regular file); NULL = none */
	char *program; /* NULL: the object's first SEC("xdp")/SEC("xdp.frags") program */
	enum cfg_xdp_engine engine;
};

enum cfg_kernel_xdp_mode {
	CFG_KXDP_NATIVE,
	CFG_KXDP_SKB,
};

/* kernel_xdp[]: a program attached to a kernel interface through libxdp. */
struct cfg_kernel_xdp {
	char ifname[IFNAMSIZ];
	char *object;
	char *program; /* NULL: the first XDP program */
	enum cfg_kernel_xdp_mode mode;
	char *pin_dir; /* NULL: /sys/fs/bpf/softnetd/<ifname> */
};

/* An IPv4 or IPv6 address; a prefix when plen is meaningful. */
struct cfg_addr {
	int family; /* AF_INET or AF_INET6 */
	union {
		struct in_addr v4;
		struct in6_addr v6;
	};
	uint8_t plen; /* 32/128 for a plain address */
};

struct cfg_port {
	char name[CFG_NAME_MAX];
	enum cfg_port_type type;
	int queues; /* 1..64, default 1 (afxdp, dpdk) */
	/* afxdp */
	char ifname[IFNAMSIZ];
	enum cfg_xsk_mode mode;
	bool busy_poll;
	char *xdp_prog; /* optional path of a BPF object; NULL = the built-in steering program */
	struct cfg_xdp xdp; /* any port type */
	/* dpdk */
	char *pmd; /* e.g. "net_af_xdp0,iface=veth0" or a PCI address */
	char **eal; /* EAL arguments, in order */
	size_t nr_eal;
	/* vlan */
	int parent; /* index into ports[] */
	uint16_t vlan_id;
	/* loop */
	int peer; /* index into ports[] (may be itself: that is the loop the recursion guard catches) */
	/* io forwarding (testpmd's io mode): what this port receives leaves by ports[xconnect]
	 * unchanged, no stack (has_xconnect; never the port itself). */
	bool has_xconnect;
	int xconnect;
};

struct cfg_route {
	struct cfg_addr prefix; /* host bits zero */
	bool has_via;
	struct cfg_addr via; /* same family as prefix */
	int dev; /* index into ports[] */
};

struct cfg_neighbour {
	struct cfg_addr addr;
	uint8_t mac[6];
	int dev;
};

struct cfg_fdb {
	uint8_t mac[6];
	int dev;
	uint16_t vlan; /* 0 = untagged */
};

struct cfg_router_addr {
	struct cfg_addr addr; /* address/prefix-length of an interface */
	int dev;
};

struct cfg_napi {
	int budget; /* net.core.netdev_budget, default 300 */
	int time_limit_us; /* net.core.netdev_budget_usecs, default 2000 */
	int weight; /* dev_weight, default 64 */
	bool threaded; /* napi/<port>-<id> threads, default false */
};

/* Which kernel generation's napi_alloc_cache sizes to follow (net/skb_cache.h). */
enum cfg_skb_cache_gen {
	CFG_SKB_CACHE_6_12,
	CFG_SKB_CACHE_6_19,
};

/* memory: the preallocated pools (every size fixed at start-up; none grows on the datapath). */
struct cfg_memory {
	enum cfg_skb_cache_gen skb_cache; /* default 6.19 */
	int heads;            /* global skb-head pool, default 65536 */
	int chunks;           /* global 32 KiB fragment-chunk pool, default 256 */
	int frames_per_queue; /* UMEM / mempool frames per rx queue, a power of two, default 4096 */
};

enum cfg_log_level {
	CFG_LOG_ERR,
	CFG_LOG_WARN,
	CFG_LOG_INFO,
	CFG_LOG_DEBUG,
};

struct cfg_bridge {
	bool enabled; /* a bridge: section is present */
	int *ports; /* indices into ports[]; all ports when nr_ports == 0 */
	size_t nr_ports;
	int ageing_time_s; /* default 300 */
	int fdb_max; /* default 4096 */
};

struct cfg_router {
	bool enabled; /* a router: section is present, or routes are given */
	struct cfg_router_addr *addresses;
	size_t nr_addresses;
	int icmp_ratelimit_ms; /* default 1000, 0 = no limit */
};

struct softnetd_config {
	char *file;
	enum bh_profile profile; /* default vanilla */
	int *cpus; /* nr_cpus == 0: every online CPU */
	size_t nr_cpus;
	struct cfg_napi napi;
	enum cfg_log_level log_level; /* default info; softnetd --log-level overrides it */
	int irq_priority; /* SCHED_FIFO priority of IRQ threads (RT profiles), 1..99, default 50 */
	struct cfg_memory memory;
	struct cfg_port *ports;
	size_t nr_ports;
	struct cfg_route *routes;
	size_t nr_routes;
	struct cfg_neighbour *neighbours;
	size_t nr_neighbours;
	struct cfg_fdb *fdb;
	size_t nr_fdb;
	struct cfg_bridge bridge;
	struct cfg_router router;
	struct cfg_kernel_xdp *kernel_xdp;
	size_t nr_kernel_xdp;
};

#endif /* SOFTNETD_CONFIG_TYPES_H */
