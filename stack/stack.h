/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * stack.h - what runs after XDP_PASS: the L2 learning bridge and the L3 router, with ARP, ND
 * and ICMP errors. sn_stack_rx() is the rx handler (sn_netdev_set_rx_handler()).
 *
 * Tables live in preallocated maps (maps/): the FDB in an LRU hash keyed by (MAC, VLAN) with the
 * port and the last-seen time; routes in two LPM tries (IPv4, IPv6) with SOFTNET_F_LPM_PREALLOC so
 * route changes on the datapath never allocate; neighbours in a preallocated hash. Route, FDB and
 * neighbour edits come from the control socket and SIGHUP (thread context) while traffic flows.
 *
 * Context: sn_stack_rx() in BH context (NAPI poll); everything else thread context.
 */
#ifndef STACK_STACK_H
#define STACK_STACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#include "net/frame.h"

struct softnetd_config;

/* Build the tables from @cfg (ports must be registered). Return 0 or -errno with @err. */
int sn_stack_init(const struct softnetd_config *cfg, char *err, size_t errlen);
/* Free the tables. Context: thread, once no frame can reach sn_stack_rx() (ports stopped). */
void sn_stack_fini(void);
/* The rx handler. Consumes @f. Context: BH. */
void sn_stack_rx(struct sn_frame *f);

/*
 * SIGHUP: replace routes, neighbours, static FDB entries and router addresses with those of
 * @cfg (same ports). Learnt entries stay. Return 0 or -errno with @err (nothing changed then).
 */
int sn_stack_reload(const struct softnetd_config *cfg, char *err, size_t errlen);

/* Route edits: @dev is a port name; @via may be NULL (directly connected). Return 0/-errno. */
int sn_stack_route_add(const char *prefix, const char *via, const char *dev, char *err, size_t errlen);
int sn_stack_route_del(const char *prefix, char *err, size_t errlen);

/* Table walks for softnetctl: one callback per entry, with a printable line and its fields. */
struct sn_stack_entry {
	const char *kind;   /* "route", "fdb", "neigh", "addr" */
	char text[160];     /* "10.0.2.0/24 via 10.0.2.1 dev p1", "02:00:00:00:00:02 vlan 0 dev p1 age 3s" */
	char dest[64], via[64], dev[16], mac[18];
	int vlan;
	long age_s;         /* fdb/neigh: seconds since last seen; -1 static */
	bool is_static;
};
typedef void (*sn_stack_walk_fn)(const struct sn_stack_entry *e, void *arg);
void sn_stack_walk(const char *kind, sn_stack_walk_fn fn, void *arg);

/*
 * The stack's maps, for `softnetctl maps dump`: each with its role in the stack, its name and
 * type (as sn_map__name() / sn_map__type() give them), the map itself, and a decoder that turns
 * one element (the syscall side's key and value, sn_map__for_each_elem()) into the fields and
 * the line sn_stack_walk() would give for it.
 * sn_stack_for_each_map() calls @fn for each map under the stack's control lock: no reload,
 * route edit or teardown runs meanwhile, and the datapath keeps changing entries (learning,
 * neighbours) as always. @fn may read the map through the syscall side; it must not call other
 * sn_stack_*() functions (they take the same lock). It stops at @fn's first nonzero return.
 * Context: thread. Return: @fn's nonzero value, 0 after the last map (or no stack).
 */
struct sn_map;
struct sn_stack_map {
	const char *role;   /* "fdb", "routes4", "routes6", "neigh" */
	const char *name;   /* the map's object name ("sn_fdb") */
	int type;           /* enum bpf_map_type */
	struct sn_map *map;
	void (*decode)(const void *key, const void *value, struct sn_stack_entry *e);
};
typedef int (*sn_stack_map_fn)(const struct sn_stack_map *m, void *arg);
int sn_stack_for_each_map(sn_stack_map_fn fn, void *arg);

struct sn_stack_stats {
	uint64_t bridged, flooded, learned, fdb_aged;
	uint64_t routed4, routed6, local_delivered;
	uint64_t arp_replies, arp_requests, nd_adverts, nd_solicits;
	uint64_t icmp_time_exceeded, icmp_echo_replies;
};
void sn_stack_stats_read(struct sn_stack_stats *out);

/* Age out FDB entries older than the configured ageing time. Context: thread (periodic). */
void sn_stack_fdb_age(void);

#endif /* STACK_STACK_H */
