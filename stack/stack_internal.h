/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * stack_internal.h - what the stack's files share: the tables, the per-device roles, the
 * address list, per-CPU counters and the entry points of each feature file.
 *
 * Writers of the tables and of the address list are thread context (init, reload, control
 * socket) and serialise on stack_ctl_lock; datapath readers take no lock (maps: lock-free
 * lookups; addresses: a sequence count).
 */
#ifndef STACK_STACK_INTERNAL_H
#define STACK_STACK_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "config/config_types.h"
#include "maps/map.h"
#include "net/frame.h"
#include "net/netdev.h"
#include "stack/parse.h"
#include "stack/stack.h"

/* ---- state ---------------------------------------------------------------------------- */

#define STACK_ROLE_BRIDGE 0x1 /* member of the bridge */
#define STACK_ROLE_L3 0x2     /* routes: frames to its MAC go to the router */

#define STACK_MAX_ADDRS 128
#define STACK_RT_MAX 4096
#define STACK_NEIGH_MAX 4096
#define STACK_FDB_DEFAULT 4096
#define STACK_AGEING_DEFAULT_S 300

/* One router address; every word is read and written with relaxed atomics (see addr_seq). */
struct stack_addr {
	uint32_t family; /* AF_INET / AF_INET6, 0 = free */
	uint32_t dev;    /* device index */
	uint32_t plen;
	uint32_t a[4];   /* address bytes, as in the packet */
};

struct stack_pcpu_stats {
	uint64_t bridged, flooded, learned, fdb_aged;
	uint64_t routed4, routed6, local_delivered;
	uint64_t arp_replies, arp_requests, nd_adverts, nd_solicits;
	uint64_t icmp_time_exceeded, icmp_echo_replies;
};

struct stack_state {
	bool up;
	/*
	 * Generation of the configuration's routes, static neighbours and static FDB entries
	 * (1..255). A reload installs the new ones under the next generation, replacing equal
	 * keys in place, and then removes the older generation: no window without routes.
	 */
	uint8_t cfg_gen;
	/* Set at init (thread context), read by the datapath. */
	bool bridge_enabled, router_enabled;
	uint64_t ageing_ns;
	int icmp_ratelimit_ms;          /* atomic: reload may change it */
	int bridge_ports[SN_MAX_DEVS];  /* device indices of the bridge's ports */
	int nr_bridge_ports;
	uint8_t role[SN_MAX_DEVS];      /* STACK_ROLE_*, atomic bytes (reload changes L3) */

	struct sn_map *fdb;   /* LRU_HASH  struct fdb_key -> struct fdb_val */
	struct sn_map *rt4;   /* LPM_TRIE  (prefixlen, 4 bytes) -> struct rt_val */
	struct sn_map *rt6;   /* LPM_TRIE  (prefixlen, 16 bytes) -> struct rt_val */
	struct sn_map *neigh; /* HASH      struct neigh_key -> struct neigh_val */

	/* Router addresses: written under stack_ctl_lock with addr_seq odd; readers retry. */
	unsigned int addr_seq;
	unsigned int nr_addrs;
	struct stack_addr addrs[STACK_MAX_ADDRS];

	struct stack_pcpu_stats *stats; /* alloc_percpu */
};

extern struct stack_state stack;
/* Serialises every writer of the tables and addresses (thread context). */
extern pthread_mutex_t stack_ctl_lock;

/* Per-CPU counters: relaxed atomic adds on this CPU's copy, so two BH tasks of one CPU
 * (RT profiles) never lose an increment; no lock needed for a counter. */
#define STACK_INC(field)                                                                           \
	do {                                                                                       \
		if (stack.stats)                                                                   \
			__atomic_fetch_add(&this_cpu_ptr(stack.stats)->field, 1, __ATOMIC_RELAXED); \
	} while (0)
/* The same from thread context (the task may migrate: any CPU's copy will do). */
#define STACK_INC_THREAD(field)                                                                    \
	do {                                                                                       \
		if (stack.stats)                                                                   \
			__atomic_fetch_add(&raw_cpu_ptr(stack.stats)->field, 1, __ATOMIC_RELAXED);  \
	} while (0)

static inline uint64_t stack_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static inline uint8_t stack_role(const struct sn_netdev *dev)
{
	if (!dev || dev->index <= 0 || dev->index >= SN_MAX_DEVS)
		return 0;
	return __atomic_load_n(&stack.role[dev->index], __ATOMIC_RELAXED);
}

/* The MAC a device sends with and answers to (a vlan device without its own uses its lower's). */
const uint8_t *stack_dev_mac(const struct sn_netdev *dev);
/* Resolve a config port index to its registered device, or NULL. */
struct sn_netdev *stack_cfg_dev(const struct softnetd_config *cfg, int port);

/* A frame handled by a local protocol (ARP, ND, echo): counted local_delivered, then freed. */
void stack_consume(struct sn_frame *f);
/* Send @f on @dev (L2 header complete, no tag in the data): the vlan/egress device tags it. */
void stack_xmit(struct sn_frame *f, struct sn_netdev *dev);
/* A new frame of @len bytes for @dev's replies, or NULL after counting NOMEM_BUF on @dev. */
struct sn_frame *stack_alloc_frame(struct sn_netdev *dev, uint32_t len);

/* ---- addresses (stack.c) -------------------------------------------------------------- */
/* @addr is ours (any device); *@dev gets its device index when not NULL. */
bool stack_addr_is_local(int family, const uint8_t *addr, int *dev);
/* @addr is ours on device @dev. */
bool stack_addr_on_dev(int family, const uint8_t *addr, int dev);
/* An address of ours to send from on @dev: in @hint's subnet if possible, else the first on
 * @dev, else (when @any_dev) any of ours. Return false if none. */
bool stack_addr_pick(int family, int dev, const uint8_t *hint, bool any_dev, uint8_t *out);
/* @mcast is the solicited-node multicast address (ff02::1:ffXX:XXXX) of one of ours on @dev. */
bool stack_addr_solicited(const uint8_t *mcast, int dev);

/* ---- route_table.c -------------------------------------------------------------------- */
struct rt_val {
	uint32_t dev;     /* egress device index */
	uint8_t family;
	uint8_t plen;
	uint8_t has_via;
	uint8_t cfg_gen;  /* configuration generation that installed it; 0: a runtime edit */
	uint8_t via[16];
};
int rt_init(void);
void rt_fini(void);
/* Longest-prefix match of @dst; copies the entry. Context: any. */
bool rt_lookup(int family, const uint8_t *dst, struct rt_val *out);
/* Context: thread, stack_ctl_lock held. Return 0 or -errno (-ENOSPC full, -EINVAL). */
int rt_add(const struct cfg_addr *prefix, const struct cfg_addr *via, int dev, uint8_t cfg_gen);
int rt_del(const struct cfg_addr *prefix);
/* Remove the routes of every configuration generation but @keep (runtime edits stay). */
void rt_flush_cfg(uint8_t keep);
void rt_walk(sn_stack_walk_fn fn, void *arg);
/* Decoders of one element of stack.rt4 / stack.rt6 (syscall-side key and value), for dumps. */
void rt_decode4(const void *key, const void *value, struct sn_stack_entry *e);
void rt_decode6(const void *key, const void *value, struct sn_stack_entry *e);
/* "10.0.0.0/8", "fd00::/64", "10.0.0.1" (host). Return 0 or -EINVAL. */
int rt_parse_prefix(const char *s, struct cfg_addr *out, bool need_host_bits_zero);
/* The prefix of @a with host bits cleared. */
void rt_mask(struct cfg_addr *a);
void stack_format_addr(int family, const void *addr, char *buf, size_t len);

/* ---- neigh.c -------------------------------------------------------------------------- */
int neigh_init(void);
void neigh_fini(void);
/*
 * The MAC of @addr on @dev (reachable or static) in @mac. On a miss, or an incomplete entry,
 * sends a solicitation (ARP request / NS), at most one per NEIGH_RETRANS_NS per neighbour,
 * and returns false. Context: BH.
 */
bool neigh_resolve(int family, const uint8_t *addr, struct sn_netdev *dev, uint8_t *mac);
/* The MAC of a reachable neighbour, without soliciting (bpf_fib_lookup). Context: any. */
bool neigh_lookup_valid(int family, const uint8_t *addr, int dev, uint8_t *mac);
/*
 * Learnt from ARP / ND: set @addr on @dev to @mac (not over a static entry). @create: also
 * when there is no entry yet. Context: BH.
 */
void neigh_learn(int family, const uint8_t *addr, struct sn_netdev *dev, const uint8_t *mac,
		 bool create);
/* Context: thread, stack_ctl_lock held. */
int neigh_add_static(int family, const uint8_t *addr, int dev, const uint8_t *mac, uint8_t gen);
/* Remove static entries of every generation but @keep. */
void neigh_flush_static(uint8_t keep);
void neigh_gc(uint64_t now);
void neigh_walk(sn_stack_walk_fn fn, void *arg);
/* Decoder of one element of stack.neigh, for dumps. */
void neigh_decode(const void *key, const void *value, struct sn_stack_entry *e);

/* ---- bridge.c ------------------------------------------------------------------------- */
int bridge_init(const struct softnetd_config *cfg, char *err, size_t errlen);
void bridge_fini(void);
/* The VLAN a frame belongs to for the FDB: its vlan device's VID, a removed or in-data tag. */
uint16_t bridge_frame_vlan(const struct sn_frame *f, const struct sn_pkt *pkt);
/* Learn the source of @f. Context: BH. */
void bridge_learn(struct sn_frame *f, const struct sn_pkt *pkt);
/* Forward or flood @f (consumed). Context: BH. */
void bridge_forward(struct sn_frame *f, const struct sn_pkt *pkt);
/* Context: thread, stack_ctl_lock held. */
int bridge_fdb_add_static(const uint8_t *mac, uint16_t vlan, int dev, uint8_t gen);
/* Remove static entries of every generation but @keep. */
void bridge_fdb_flush_static(uint8_t keep);
void bridge_fdb_age(uint64_t now);
void bridge_fdb_walk(sn_stack_walk_fn fn, void *arg);
/* Decoder of one element of stack.fdb, for dumps. */
void bridge_fdb_decode(const void *key, const void *value, struct sn_stack_entry *e);

/* ---- router.c ------------------------------------------------------------------------- */
/* A frame for the L3 side (our MAC, broadcast or multicast on an L3 port). Consumes. */
void router_rx(struct sn_frame *f, struct sn_pkt *pkt);
/*
 * Broadcast/multicast on a port that bridges and routes: let ARP / ND answer and learn from
 * the frame without consuming it (the bridge floods it afterwards). Context: BH.
 */
void router_peek(struct sn_frame *f, struct sn_pkt *pkt);

/* ---- arp.c ---------------------------------------------------------------------------- */
/* An ARP frame (parsed by sn_parse_eth). @consume: free it (counted) afterwards. */
void arp_rx(struct sn_frame *f, struct sn_pkt *pkt, bool consume);
/* Broadcast a request for @tip (4 bytes) on @dev. Context: BH. */
void arp_solicit(struct sn_netdev *dev, const uint8_t *tip);

/* ---- ndisc.c -------------------------------------------------------------------------- */
/* True when @f (IPv6, parsed) is an NS or NA: it was handled (learnt, answered) and, with
 * @consume, consumed; a malformed one is dropped (MALFORMED) only with @consume. */
bool ndisc_rx(struct sn_frame *f, struct sn_pkt *pkt, bool consume);
/* Multicast an NS for @target (16 bytes) on @dev. Context: BH. */
void ndisc_solicit(struct sn_netdev *dev, const uint8_t *target);

/* ---- icmp.c --------------------------------------------------------------------------- */
/*
 * @f had its TTL / hop limit run out: send time exceeded to its source (unless rate-limited,
 * which counts ICMP_RATELIMIT, or not allowed for this packet) and drop @f as IP_TTL.
 */
void icmp_time_exceeded(struct sn_frame *f, struct sn_pkt *pkt);
/* @f is addressed to one of our addresses: answer an echo request, else LOCAL_UNHANDLED. */
void icmp_local4(struct sn_frame *f, struct sn_pkt *pkt);
void icmp_local6(struct sn_frame *f, struct sn_pkt *pkt);
void icmp_ratelimit_reset(void);

#endif /* STACK_STACK_INTERNAL_H */
