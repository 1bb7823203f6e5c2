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

/* stats: "time_ns", "totals", "ports", "cpus", "queues", "txqs", "skb_cache", "stack". */
json_t *stats_json_stats(void);
/* ports: "ports": [{name, kind, describe, ...}]. */
json_t *stats_json_ports(void);
/* napi: "napi": [{id, port, queue, cpu, state, threaded, irq, stats}]. */
json_t *stats_json_napi(void);

/* The totals the drain line prints: physical rx, forwarded, drops by reason, skb heads out. */
struct stats_totals {
	unsigned long long rx_packets, tx_packets, forwarded, drops;
	uint64_t drops_by_reason[SN_DROP_MAX];
	long long heads_out; /* skb heads handed out and not yet given back */
};
void stats_totals_read(struct stats_totals *t);

#endif /* DAEMON_STATS_JSON_H */
