/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * stats_json.h - the daemon's counters and objects as JSON, for the control socket.
 *
 * Each builder takes a snapshot with relaxed reads of the per-CPU and per-queue counters (no
 * lock, no stop of the datapath): a counter may be a few packets ahead of another, never torn.
 * Field names are those softnetctl prints and docs/ describe; drop reasons use
 * sn_drop_reason_name().
 *
 * Context: thread context (the control server's thread); they allocate.
 * Return: a new JSON object, or NULL when out of memory.
 */
#ifndef DAEMON_STATS_JSON_H
#define DAEMON_STATS_JSON_H

#include <stdint.h>

#include <jansson.h>

#include "net/drop_reason.h"

/*
 * stats: "time_ns", "totals", "accounting", "ports", "cpus", "queues", "txqs", "skb_cache",
 * "page_pools", "stack", "xdp" (as `xdp`: every port's program and verdict counters).
 */
json_t *stats_json_stats(void);
/* ports: "ports": [{name, kind, describe, ...}]. */
json_t *stats_json_ports(void);
/* napi: "napi": [{id, port, queue, cpu, state, threaded, irq, stats}]. */
json_t *stats_json_napi(void);

/*
 * The totals and the frame accounting the drain lines print (net/netdev.h gives the equations):
 *   received = forwarded + consumed + ingress drops
 *   forwarded + flood copies + generated = transmitted + egress drops
 * rx/tx are the physical ports' (vlan and loop devices count again what passes a port).
 */
struct stats_totals {
	unsigned long long rx_packets, tx_packets, forwarded, drops;
	uint64_t drops_by_reason[SN_DROP_MAX];
	long long heads_out; /* skb heads handed out and not yet given back */

	unsigned long long received;    /* rx_packets + frames dropped off the rx rings */
	unsigned long long consumed;    /* handled by the stack: ARP, ND, echo requests */
	unsigned long long rx_drops;    /* ingress frame drops */
	uint64_t rx_drops_by_reason[SN_DROP_MAX];
	unsigned long long fwd_clones;  /* extra copies of flooded frames */
	unsigned long long generated;   /* ARP/ND/ICMP frames the stack sent */
	unsigned long long transmitted; /* tx_packets - frames the backends then could not send */
	unsigned long long tx_drops;    /* egress frame drops */
	uint64_t tx_drops_by_reason[SN_DROP_MAX];
	unsigned long long events;      /* drops[] that lose no frame (fdb full, ICMP not sent) */
	uint64_t events_by_reason[SN_DROP_MAX];
	long long ingress_lost;         /* received - (forwarded + consumed + rx_drops) */
	long long egress_lost;          /* forwarded + clones + generated - (transmitted + tx_drops) */
	long long frames_lost;          /* ingress_lost + egress_lost: 0 once drained */
};
void stats_totals_read(struct stats_totals *t);
/* The "accounting" object of `stats` from @t. */
json_t *stats_json_accounting(const struct stats_totals *t);
/* "page_pools": [{name, nr_bufs, in_use, alloc_*, recycle_*}] (the page_pool registry). */
json_t *stats_json_page_pools(void);

#endif /* DAEMON_STATS_JSON_H */
