// SPDX-License-Identifier: GPL-2.0-only
/*
 * stats_json.c - counters and objects as JSON for the control socket (stats_json.h).
 *
 * Reads are lock-free: the per-CPU device counters through sn_dev_stats_read(), the per-CPU
 * softnet and softirq counters through their readers, the per-NAPI and per-txq counters by a
 * relaxed load of each field (they are written by whoever owns the NAPI or holds the tx lock;
 * a 64-bit aligned load is never torn). The snapshot is therefore not one instant: a packet may
 * show as received on one line and not yet as forwarded on the next, as in /proc/net/softnet_stat.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "bhlock/percpu.h"
#include "bhlock/profile.h"
#include "bhlock/softirq.h"
#include "net/napi.h"
#include "net/netdev.h"
#include "net/page_pool.h"
#include "net/skb_cache.h"
#include "net/xmit.h"
#include "stack/stack.h"

#include "daemon.h"
#include "stats_json.h"
#include "xdp_run.h"

#define LOAD(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)

static const char *const napi_state_names[] = {
	[NAPI_STATE_SCHED] = "SCHED",
	[NAPI_STATE_MISSED] = "MISSED",
	[NAPI_STATE_DISABLE] = "DISABLE",
	[NAPI_STATE_THREADED] = "THREADED",
	[NAPI_STATE_SCHED_THREADED] = "SCHED_THREADED",
	[NAPI_STATE_IN_BUSY_POLL] = "IN_BUSY_POLL",
	[NAPI_STATE_PREFER_BUSY_POLL] = "PREFER_BUSY_POLL",
	[NAPI_STATE_LISTED] = "LISTED",
};

/* Build helpers: each ignores a NULL object (the caller checks once at the end). */
static void jset(json_t *o, const char *k, json_t *v)
{
	if (o)
		json_object_set_new(o, k, v);
	else
		json_decref(v);
}

static void jset_u(json_t *o, const char *k, unsigned long long v)
{
	jset(o, k, json_integer((json_int_t)v));
}

static void jappend(json_t *a, json_t *v)
{
	if (a)
		json_array_append_new(a, v);
	else
		json_decref(v);
}

/* A device that carries its own frames (afxdp, dpdk, test), not one stacked on another. */
static bool dev_is_physical(const struct sn_netdev *dev)
{
	return !(dev->flags & SN_DEV_F_LLTX) && !dev->lower && !dev->peer;
}

static json_t *drops_json(const uint64_t *drops)
{
	json_t *o = json_object();

	for (int r = 0; r < SN_DROP_MAX; r++)
		if (drops[r])
			jset_u(o, sn_drop_reason_name((enum sn_drop_reason)r), drops[r]);
	return o;
}

static void mac_str(const uint8_t *m, char *buf, size_t len)
{
	snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

void stats_totals_read(struct stats_totals *t)
{
	struct sn_skb_cache_stats sc;
	struct sn_dev_stats s;
	struct sn_netdev *dev;
	int i;

	struct sn_stack_stats st;
	unsigned long long unsent = 0, ring = 0, in, out;

	memset(t, 0, sizeof(*t));
	sn_for_each_netdev(dev, i) {
		sn_dev_stats_read(dev, -1, &s);
		if (dev_is_physical(dev)) {
			t->rx_packets += s.rx_packets;
			t->tx_packets += s.tx_packets;
			ring += s.rx_ring_drops;
			unsent += s.tx_unsent;
		}
		t->forwarded += s.forwarded;
		t->fwd_clones += s.fwd_clones;
		t->drops += s.drops_total;
		t->rx_drops += s.rx_drops_total;
		t->tx_drops += s.tx_drops_total;
		for (int r = 0; r < SN_DROP_MAX; r++) {
			t->drops_by_reason[r] += s.drops[r];
			t->rx_drops_by_reason[r] += s.rx_drops[r];
			t->tx_drops_by_reason[r] += s.tx_drops[r];
			/* Separate relaxed loads: clamp a transient rx/tx ahead of drops[]. */
			if (s.drops[r] > s.rx_drops[r] + s.tx_drops[r])
				t->events_by_reason[r] += s.drops[r] - s.rx_drops[r] - s.tx_drops[r];
		}
	}
	for (int r = 0; r < SN_DROP_MAX; r++)
		t->events += t->events_by_reason[r];
	t->received = t->rx_packets + ring;
	t->transmitted = t->tx_packets - unsent;
	sn_stack_stats_read(&st);
	t->consumed = st.local_delivered;
	t->generated = st.arp_replies + st.arp_requests + st.nd_adverts + st.nd_solicits +
		       st.icmp_time_exceeded + st.icmp_echo_replies;
	in = t->forwarded + t->consumed + t->rx_drops;
	out = t->transmitted + t->tx_drops;
	t->ingress_lost = (long long)(t->received - in);
	t->egress_lost = (long long)(t->forwarded + t->fwd_clones + t->generated - out);
	t->frames_lost = t->ingress_lost + t->egress_lost;
	sn_skb_cache_stats(-1, &sc);
	t->heads_out = (long long)(sc.get - sc.put);
}

json_t *stats_json_accounting(const struct stats_totals *t)
{
	json_t *o = json_object(), *in = json_object(), *out = json_object();

	jset_u(in, "received", t->received);
	jset_u(in, "forwarded", t->forwarded);
	jset_u(in, "consumed", t->consumed);
	jset_u(in, "dropped", t->rx_drops);
	jset(in, "drops", drops_json(t->rx_drops_by_reason));
	jset(in, "lost", json_integer(t->ingress_lost));
	jset(o, "ingress", in);
	jset_u(out, "forwarded", t->forwarded);
	jset_u(out, "flood_copies", t->fwd_clones);
	jset_u(out, "generated", t->generated);
	jset_u(out, "transmitted", t->transmitted);
	jset_u(out, "dropped", t->tx_drops);
	jset(out, "drops", drops_json(t->tx_drops_by_reason));
	jset(out, "lost", json_integer(t->egress_lost));
	jset(o, "egress", out);
	jset_u(o, "not_frames", t->events);
	jset(o, "not_frame_drops", drops_json(t->events_by_reason));
	jset(o, "frames_lost", json_integer(t->frames_lost));
	jset(o, "in_flight", json_integer(t->heads_out));
	return o;
}

static int page_pool_json_one(const struct sn_page_pool *pp, void *arg)
{
	struct sn_page_pool_stats st;
	json_t *o = json_object();

	sn_page_pool_stats(pp, &st);
	jset(o, "name", json_string(sn_page_pool_name(pp)));
	jset_u(o, "nr_bufs", st.nr_bufs);
	jset_u(o, "in_use", st.in_use);
	jset_u(o, "alloc_fast", st.alloc_fast);
	jset_u(o, "alloc_refill", st.alloc_refill);
	jset_u(o, "alloc_slow", st.alloc_slow);
	jset_u(o, "alloc_empty", st.alloc_empty);
	jset_u(o, "recycle_cached", st.recycle_cached);
	jset_u(o, "recycle_ring", st.recycle_ring);
	jset_u(o, "recycle_ring_full", st.recycle_ring_full);
	jappend(arg, o);
	return 0;
}

json_t *stats_json_page_pools(void)
{
	json_t *a = json_array();

	sn_page_pool_for_each(page_pool_json_one, a);
	return a;
}

static json_t *port_stats_json(struct sn_netdev *dev)
{
	struct sn_dev_stats s;
	json_t *o = json_object();

	sn_dev_stats_read(dev, -1, &s);
	jset(o, "name", json_string(dev->name));
	jset(o, "kind", json_string(dev->ops && dev->ops->kind ? dev->ops->kind : "?"));
	jset(o, "virtual", json_boolean(!dev_is_physical(dev)));
	jset_u(o, "rx_packets", s.rx_packets);
	jset_u(o, "rx_bytes", s.rx_bytes);
	jset_u(o, "tx_packets", s.tx_packets);
	jset_u(o, "tx_bytes", s.tx_bytes);
	jset_u(o, "forwarded", s.forwarded);
	jset_u(o, "flood_copies", s.fwd_clones);
	jset_u(o, "rx_ring_drops", s.rx_ring_drops);
	jset_u(o, "tx_unsent", s.tx_unsent);
	jset_u(o, "drops_total", s.drops_total);
	jset_u(o, "ingress_drops", s.rx_drops_total);
	jset_u(o, "egress_drops", s.tx_drops_total);
	jset(o, "drops", drops_json(s.drops));
	return o;
}

/* Per CPU: what the ports counted on it, its softnet_data and its softirq counters. */
static json_t *cpu_stats_json(int cpu)
{
	struct sn_softnet_stats sn;
	struct softirq_stats si;
	struct sn_skb_cache_stats sc;
	struct sn_dev_stats s;
	struct sn_netdev *dev;
	uint64_t drops[SN_DROP_MAX] = {0};
	unsigned long long rx = 0, tx = 0, fwd = 0, dropped = 0;
	json_t *o = json_object(), *raised = json_object(), *runs = json_object(), *sio;
	int i;

	sn_for_each_netdev(dev, i) {
		sn_dev_stats_read(dev, cpu, &s);
		if (dev_is_physical(dev)) {
			rx += s.rx_packets;
			tx += s.tx_packets;
		}
		fwd += s.forwarded;
		dropped += s.drops_total;
		for (int r = 0; r < SN_DROP_MAX; r++)
			drops[r] += s.drops[r];
	}
	sn_softnet_stats_read(cpu, &sn);
	softirq_stats_read(cpu, &si);
	sn_skb_cache_stats(cpu, &sc);

	jset_u(o, "cpu", (unsigned long long)cpu);
	jset_u(o, "rx_packets", rx);
	jset_u(o, "tx_packets", tx);
	jset_u(o, "forwarded", fwd);
	jset_u(o, "drops_total", dropped);
	jset(o, "drops", drops_json(drops));
	jset_u(o, "processed", sn.processed);
	jset_u(o, "time_squeeze", sn.time_squeeze);
	jset_u(o, "rx_actions", sn.rx_actions);
	jset_u(o, "repoll", sn.repoll);
	for (int v = 0; v < NR_SOFTIRQS; v++) {
		jset_u(raised, softirq_to_name[v], si.raised[v]);
		jset_u(runs, softirq_to_name[v], si.runs[v]);
	}
	sio = json_object();
	jset(sio, "raised", raised);
	jset(sio, "runs", runs);
	jset_u(sio, "invocations", si.invocations);
	jset_u(sio, "restarts", si.restarts);
	jset_u(sio, "deferred_time", si.deferred_time);
	jset_u(sio, "deferred_restarts", si.deferred_restarts);
	jset_u(sio, "ksoftirqd_wakeups", si.ksoftirqd_wakeups);
	jset_u(sio, "ksoftirqd_runs", si.ksoftirqd_runs);
	jset(o, "softirq", sio);
	jset_u(o, "skb_get", sc.get);
	jset_u(o, "skb_put", sc.put);
	jset_u(o, "skb_refill", sc.refill);
	jset_u(o, "skb_refill_fail", sc.refill_fail);
	jset_u(o, "skb_spill", sc.spill);
	return o;
}

static json_t *napi_stats_json(struct sn_napi *n)
{
	json_t *o = json_object();

	jset_u(o, "polls", LOAD(n->stats.polls));
	jset_u(o, "packets", LOAD(n->stats.packets));
	jset_u(o, "completes", LOAD(n->stats.completes));
	jset_u(o, "repolls", LOAD(n->stats.repolls));
	jset_u(o, "missed", LOAD(n->stats.missed));
	jset_u(o, "irqs", LOAD(n->stats.irqs));
	jset_u(o, "busy_polls", LOAD(n->stats.busy_polls));
	return o;
}

static json_t *queue_json(struct sn_netdev *dev, unsigned int q)
{
	struct sn_napi *n = &dev->napi[q];
	json_t *o = json_object();

	jset(o, "port", json_string(dev->name));
	jset_u(o, "queue", q);
	jset(o, "cpu", json_integer(n->cpu));
	jset_u(o, "napi_id", n->napi_id);
	jset(o, "stats", napi_stats_json(n));
	return o;
}

static json_t *txq_json(struct sn_netdev *dev, unsigned int q)
{
	struct sn_txq *t = &dev->txq[q];
	json_t *o = json_object();

	jset(o, "port", json_string(dev->name));
	jset_u(o, "queue", q);
	jset_u(o, "packets", LOAD(t->stats.packets));
	jset_u(o, "bytes", LOAD(t->stats.bytes));
	jset_u(o, "flushes", LOAD(t->stats.flushes));
	jset_u(o, "busy", LOAD(t->stats.busy));
	jset_u(o, "dead_loop", LOAD(t->stats.dead_loop));
	jset_u(o, "lock_contended", LOAD(t->stats.lock_contended));
	return o;
}

static json_t *skb_cache_json(void)
{
	struct sn_skb_cache_stats sc;
	json_t *o = json_object();

	sn_skb_cache_stats(-1, &sc);
	jset_u(o, "get", sc.get);
	jset_u(o, "put", sc.put);
	jset_u(o, "refill", sc.refill);
	jset_u(o, "refill_fail", sc.refill_fail);
	jset_u(o, "spill", sc.spill);
	jset_u(o, "frag_alloc", sc.frag_alloc);
	jset_u(o, "frag_fail", sc.frag_fail);
	jset_u(o, "chunks_in_use", sc.chunks_in_use);
	jset_u(o, "heads_total", sc.heads_total);
	jset_u(o, "heads_free_global", sc.heads_free_global);
	jset_u(o, "size", sc.size);
	jset_u(o, "bulk", sc.bulk);
	jset_u(o, "free_count", sc.free_count);
	return o;
}

static json_t *stack_json(void)
{
	struct sn_stack_stats s;
	json_t *o = json_object();

	sn_stack_stats_read(&s);
	jset_u(o, "bridged", s.bridged);
	jset_u(o, "flooded", s.flooded);
	jset_u(o, "learned", s.learned);
	jset_u(o, "fdb_aged", s.fdb_aged);
	jset_u(o, "routed4", s.routed4);
	jset_u(o, "routed6", s.routed6);
	jset_u(o, "local_delivered", s.local_delivered);
	jset_u(o, "arp_replies", s.arp_replies);
	jset_u(o, "arp_requests", s.arp_requests);
	jset_u(o, "nd_adverts", s.nd_adverts);
	jset_u(o, "nd_solicits", s.nd_solicits);
	jset_u(o, "icmp_time_exceeded", s.icmp_time_exceeded);
	jset_u(o, "icmp_echo_replies", s.icmp_echo_replies);
	return o;
}

json_t *stats_json_stats(void)
{
	json_t *o = json_object(), *ports = json_array(), *cpus = json_array();
	json_t *queues = json_array(), *txqs = json_array(), *tot = json_object();
	struct stats_totals t;
	struct sn_netdev *dev;
	int i, cpu;

	jset_u(o, "time_ns", softnetd_now_ns());
	jset(o, "profile", json_string(bh_profile_name(bh_profile())));
	stats_totals_read(&t);
	jset_u(tot, "rx_packets", t.rx_packets);
	jset_u(tot, "tx_packets", t.tx_packets);
	jset_u(tot, "forwarded", t.forwarded);
	jset_u(tot, "drops_total", t.drops);
	jset(tot, "drops", drops_json(t.drops_by_reason));
	jset(tot, "in_flight", json_integer(t.heads_out));
	jset(o, "totals", tot);
	jset(o, "accounting", stats_json_accounting(&t));

	sn_for_each_netdev(dev, i) {
		jappend(ports, port_stats_json(dev));
		for (unsigned int q = 0; dev->napi && q < dev->nr_rxq; q++)
			jappend(queues, queue_json(dev, q));
		for (unsigned int q = 0; dev->txq && q < dev->nr_txq; q++)
			jappend(txqs, txq_json(dev, q));
	}
	for_each_possible_cpu(cpu)
		jappend(cpus, cpu_stats_json(cpu));
	jset(o, "ports", ports);
	jset(o, "cpus", cpus);
	jset(o, "queues", queues);
	jset(o, "txqs", txqs);
	jset(o, "skb_cache", skb_cache_json());
	jset(o, "page_pools", stats_json_page_pools());
	jset(o, "stack", stack_json());
	/* Each port's XDP program and verdict counters (softnetctl stats -e, xdp-bench's -e). */
	jset(o, "xdp", daemon_xdp_json());
	return o;
}

json_t *stats_json_ports(void)
{
	json_t *o = json_object(), *ports = json_array();
	struct sn_netdev *dev;
	char buf[256];
	int i;

	sn_for_each_netdev(dev, i) {
		json_t *p = json_object(), *cpus = json_array();

		jset(p, "name", json_string(dev->name));
		jset_u(p, "index", (unsigned long long)dev->index);
		jset(p, "kind", json_string(dev->ops && dev->ops->kind ? dev->ops->kind : "?"));
		buf[0] = '\0';
		if (dev->ops && dev->ops->describe)
			dev->ops->describe(dev, buf, sizeof(buf));
		buf[sizeof(buf) - 1] = '\0';
		jset(p, "describe", json_string(buf));
		jset_u(p, "rx_queues", dev->nr_rxq);
		jset_u(p, "tx_queues", dev->nr_txq);
		for (unsigned int q = 0; dev->napi && q < dev->nr_rxq; q++)
			jappend(cpus, json_integer(dev->napi[q].cpu));
		jset(p, "cpus", cpus);
		jset(p, "admin_up", json_boolean(LOAD(dev->admin_up)));
		jset(p, "carrier", json_boolean(sn_netif_carrier_ok(dev)));
		mac_str(dev->mac, buf, sizeof(buf));
		jset(p, "mac", json_string(buf));
		jset_u(p, "mtu", dev->mtu);
		jset(p, "polling", json_boolean(dev->flags & SN_DEV_F_POLL_MODE));
		if (dev->lower)
			jset(p, "lower", json_string(dev->lower->name));
		if (dev->vlan_id)
			jset_u(p, "vlan", dev->vlan_id);
		if (dev->peer)
			jset(p, "peer", json_string(dev->peer->name));
		if (dev->kernel_ifindex)
			jset(p, "kernel_ifindex", json_integer(dev->kernel_ifindex));
		jset(p, "bridge_port", json_boolean(dev->bridge_port >= 0));
		jappend(ports, p);
	}
	jset(o, "ports", ports);
	return o;
}

json_t *stats_json_napi(void)
{
	json_t *o = json_object(), *list = json_array();
	struct sn_netdev *dev;
	int i;

	sn_for_each_netdev(dev, i) {
		for (unsigned int q = 0; dev->napi && q < dev->nr_rxq; q++) {
			struct sn_napi *n = &dev->napi[q];
			unsigned long st = LOAD(n->state);
			json_t *e = json_object(), *state = json_array();

			for (unsigned int b = 0; b < sizeof(napi_state_names) / sizeof(*napi_state_names);
			     b++)
				if (st & (1UL << b))
					jappend(state, json_string(napi_state_names[b]));
			jset_u(e, "id", n->napi_id);
			jset(e, "name", json_string(n->name));
			jset(e, "port", json_string(dev->name));
			jset_u(e, "queue", q);
			jset(e, "cpu", json_integer(n->cpu));
			jset(e, "state", state);
			jset(e, "threaded", json_boolean(st & NAPIF(THREADED)));
			jset(e, "irq", json_integer(n->irq));
			jset(e, "irq_prio", json_integer(n->irq_prio));
			jset_u(e, "weight", (unsigned long long)n->weight);
			jset(e, "thread_tid", json_integer(n->thread_tid));
			jset(e, "list_owner", json_integer(LOAD(n->list_owner)));
			jset(e, "stats", napi_stats_json(n));
			jappend(list, e);
		}
	}
	jset(o, "napi", list);
	return o;
}
