// SPDX-License-Identifier: GPL-2.0-only
/*
 * port_dpdk.c - a port on any DPDK ethdev (net_ring, net_af_xdp, net_tap, net_null, a NIC...).
 *
 * Create: EAL up (sn_dpdk_eal_init(), or here with this port's EAL arguments), find the ethdev
 * named by the PMD string (already probed: a PCI device found by EAL, a vdev from --vdev or
 * rte_eth_from_rings()) or probe it with rte_dev_probe(); configure nr queues, one mbuf pool per
 * port, start it, and find out whether every rx queue has an interrupt fd. If one has none the
 * port runs in pure polling mode (SN_DEV_F_POLL_MODE): its NAPIs never complete.
 *
 * Receive: the NAPI poll of rx queue q bursts mbufs and wraps each in a frame head whose ops
 * give the mbuf back with rte_pktmbuf_free(). Transmit: a frame whose buffer is an mbuf goes out
 * without a copy (data_off/data_len are set from the frame: the stack may have pushed or pulled
 * headers); any other frame is copied into an mbuf of this port's pool. Up to DPDK_TX_BURST mbufs
 * wait per tx queue and go out with one rte_eth_tx_burst() in tx_flush; what the PMD refuses is
 * freed and counted TX_RING_FULL.
 *
 * Threads and mempool caches: softnetd's datapath threads (cpu/N, irq/N-name, ksoftirqd/N,
 * napi/port-id) are not EAL lcores, so rte_lcore_id() is LCORE_ID_ANY in them and
 * rte_mempool_default_cache() returns NULL: every get and put goes straight to the pool's shared
 * ring (lock-free, multi-producer/multi-consumer), which is also what makes it safe for several
 * such threads of one CPU to use a pool at once (RT profiles). A per-lcore cache would only serve
 * EAL's own main thread and strand mbufs there, so the pools are made without one. Giving our
 * threads lcore ids (rte_thread_register()) would bring caches back, but it cannot be done from
 * BH context (it takes EAL's lcore lock and runs callbacks).
 *
 * Ethdev queues are not thread-safe: rx queue q is only polled by the owner of NAPI q's SCHED
 * bit, tx queue q only under its tx lock (this device is not LLTX).
 *
 * Context: create/open/stop/destroy in thread context; poll, start_xmit and tx_flush in BH.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bhlock/task.h"
#include "config/config_types.h"
#include "net/napi.h"
#include "net/netdev.h"
#include "net/xmit.h"
#include "ports/ports.h"

/* After the project headers: bhlock/compiler.h defines what DPDK guards with #ifndef. */
#include <rte_cycles.h>
#include <rte_dev.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_mbuf_pool_ops.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

/* Shared with dpdk_eal.c (declared the same way there; not part of ports.h). */
bool sn_dpdk_pmd_is_pci(const char *pmd);
bool sn_dpdk_eal_ready(void);
void sn_dpdk_eal_args(char *buf, size_t len);
int sn_dpdk_pool_track(struct rte_mempool *mp);

#define DPDK_TX_BURST 32
#define DPDK_RX_BURST 64
#define DPDK_NB_RXD 1024
#define DPDK_NB_TXD 1024
#define DPDK_POOL_SPARE 2048 /* mbufs in flight in the stack and other ports' tx rings */
#define DPDK_LINK_REFRESH_HZ 10 /* carrier cached for 100 ms */

struct dpdk_txbuf {
	uint16_t n; /* under the tx queue's lock */
	struct rte_mbuf *pkts[DPDK_TX_BURST];
};

struct dpdk_port {
	struct sn_netdev *dev;
	uint16_t port_id;
	bool probed; /* we probed it: rte_dev_remove() on destroy */
	bool started; /* rte_eth_dev_start() done */
	bool napi_enabled; /* open() enabled the NAPIs */
	bool intr; /* every rx queue has an interrupt fd */
	bool intr_eventfd; /* ... and they are eventfds, acknowledged by reading them */
	bool intr_ctl; /* rte_eth_dev_rx_intr_enable/disable work (else level-triggered fd) */
	bool threaded;
	int irq_prio;
	char why_poll[96]; /* why the port polls, for describe */
	char name[RTE_ETH_NAME_MAX_LEN];
	char driver[32];
	uint16_t nb_rxd, nb_txd;
	struct rte_mempool *pool;
	struct rte_device *rte_dev;
	int rx_fd[SN_MAX_QUEUES];
	bool rxq_armed[SN_MAX_QUEUES]; /* per NAPI: rx_intr_enable'd; its pollers (atomics) */
	/* Carrier, refreshed at most DPDK_LINK_REFRESH_HZ times a second (relaxed atomics). */
	uint64_t link_next_tsc;
	bool link_up;
	struct dpdk_txbuf txb[]; /* nr_txq */
};

/* Ports and pools of this process. Thread context only; the lock is for daemon/test threads. */
static pthread_mutex_t dpdk_lock = PTHREAD_MUTEX_INITIALIZER;
static bool dpdk_port_claimed[RTE_MAX_ETHPORTS]; /* ethdev already behind a softnetd port */

static void dpdk_frame_release(struct sn_frame *f, bool napi_direct)
{
	(void)napi_direct;
	rte_pktmbuf_free((struct rte_mbuf *)f->handle);
}

static const struct sn_frame_ops dpdk_frame_ops = {
	.name = "dpdk_mbuf",
	.release = dpdk_frame_release,
};

/* ---------------------------------------------------------------------------------------- */
/* Receive                                                                                   */

static inline void dpdk_rx_one(struct sn_netdev *dev, unsigned int qid, struct rte_mbuf *m)
{
	struct sn_frame *f;

	if (unlikely(m->nb_segs != 1)) {
		/* Scatter is never configured; a chain from the PMD is refused, not truncated. */
		rte_pktmbuf_free(m);
		sn_dev_count_rx_ring_drop(dev, SN_DROP_TOO_BIG);
		return;
	}
	f = sn_frame_alloc_head();
	if (unlikely(!f)) {
		rte_pktmbuf_free(m);
		sn_dev_count_drop(dev, SN_DROP_NOMEM_HEAD);
		return;
	}
	f->buf = m->buf_addr;
	f->buf_len = m->buf_len;
	f->data = rte_pktmbuf_mtod(m, uint8_t *);
	f->len = m->data_len;
	if (m->ol_flags & RTE_MBUF_F_RX_VLAN_STRIPPED) {
		f->flags |= SN_FRAME_F_VLAN;
		f->vlan_tci = m->vlan_tci;
	}
	f->ops = &dpdk_frame_ops;
	f->owner = m->pool;
	f->handle = (uintptr_t)m;
	f->dev = dev;
	f->rxq = (uint16_t)qid;
	sn_netif_receive_frame(f);
}

/* Acknowledge an eventfd rx interrupt (a level that stays up until read). Non-blocking fd. */
static inline void dpdk_rx_ack(struct dpdk_port *p, unsigned int q)
{
	uint64_t cnt;

	if (read(p->rx_fd[q], &cnt, sizeof(cnt)) < 0 && errno != EAGAIN)
		(void)0; /* nothing signalled, or the PMD closed it: the next poll tells */
}

/*
 * Re-arm rx queue @q after napi_complete_done() unmasked its IRQ. From here the IRQ may schedule
 * the NAPI again and another poller run it: every order of our enable and its disable ends
 * with an enable after the last completion, so the queue is never left without interrupts.
 */
static void dpdk_rx_rearm(struct dpdk_port *p, struct sn_napi *napi)
{
	unsigned int q = napi->qid;

	if (p->intr_ctl) {
		rte_eth_dev_rx_intr_enable(p->port_id, (uint16_t)q);
		__atomic_store_n(&p->rxq_armed[q], true, __ATOMIC_RELAXED);
	}
	/*
	 * A packet that landed between the last empty burst and the enable raised no interrupt on
	 * an edge-style source (MSI-X eventfd): look once more. A level-triggered fd (a socket, a
	 * tap) stays readable and fires when the NAPI core unmasks it.
	 */
	if (p->intr_eventfd && rte_eth_rx_queue_count(p->port_id, (uint16_t)q) > 0)
		napi_schedule(napi);
}

/* ---------------------------------------------------------------------------------------- */
/* io fast path                                                                              */

static const struct sn_netdev_ops dpdk_netdev_ops;
static void dpdk_tx_burst(struct dpdk_port *p, struct sn_netdev *dev, struct sn_txq *txq);

struct dpdk_io_burst {
	struct rte_mbuf **pkts;
	uint16_t n;
	uint64_t bytes;
};

/* Under @txq's lock: queue the burst and hand it to the PMD now (what it refuses is counted). */
static struct sn_xmit_bulk_done dpdk_io_xmit(struct sn_netdev *dev, struct sn_txq *txq, void *arg)
{
	struct dpdk_io_burst *io = arg;
	struct dpdk_txbuf *b = txq->priv;

	for (uint16_t i = 0; i < io->n; i++) {
		if (b->n == DPDK_TX_BURST)
			dpdk_tx_burst(dev->priv, dev, txq);
		b->pkts[b->n++] = io->pkts[i];
	}
	dpdk_tx_burst(dev->priv, dev, txq);
	return (struct sn_xmit_bulk_done){ .packets = io->n, .bytes = io->bytes };
}

/* The frame path's size rule (xmit.c): the data is only read for a frame that needs it. */
static inline bool dpdk_io_too_big(const struct rte_mbuf *m, uint32_t max)
{
	const uint8_t *d;

	if (likely(m->pkt_len <= max))
		return false;
	d = rte_pktmbuf_mtod(m, const uint8_t *);
	return m->pkt_len > max + RTE_VLAN_HLEN || d[12] != 0x81 || d[13] != 0x00;
}

/*
 * io forwarding between two dpdk ports without XDP, as testpmd's io mode does it: the burst
 * goes from one port's rx queue to the other's tx queue as mbufs, with no frame heads, one tx
 * lock and one recursion count per burst, each mbuf header read once. Checks and counters are
 * the frame path's (sn_netif_receive_frame()'s xconnect branch, then sn_dev_queue_xmit()): runts
 * and chains are dropped at ingress; every other frame is counted rx and forwarded here, then
 * tx, or dropped on the other port by reason (PORT_DOWN and DEAD_LOOP before TOO_BIG, as there).
 * A VLAN tag the PMD stripped is not put back (nor is it on the frame path).
 */
/* What an rx mbuf must not carry into tx (as dpdk_start_xmit clears). */
#define DPDK_IO_CLEAR_FLAGS \
	(RTE_MBUF_F_TX_OFFLOAD_MASK | RTE_MBUF_F_RX_VLAN_STRIPPED | RTE_MBUF_F_RX_VLAN)

static void dpdk_io_forward(struct sn_netdev *dev, struct sn_netdev *xc, struct rte_mbuf **pkts,
			    uint16_t n)
{
	struct dpdk_io_burst io = { .pkts = pkts };
	struct rte_mbuf *big[DPDK_RX_BURST];
	uint32_t max = xc->mtu + RTE_ETHER_HDR_LEN;
	uint64_t big_bytes = 0;
	enum sn_drop_reason why = SN_DROP_TOO_BIG;
	uint16_t nbig = 0;

	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];

		if (unlikely(m->nb_segs != 1 || m->pkt_len < RTE_ETHER_HDR_LEN)) {
			sn_dev_count_rx_ring_drop(dev, m->nb_segs != 1 ? SN_DROP_TOO_BIG
								       : SN_DROP_RUNT);
			rte_pktmbuf_free(m);
			continue;
		}
		if (unlikely(dpdk_io_too_big(m, max))) {
			big_bytes += m->pkt_len;
			big[nbig++] = m;
			continue;
		}
		/* Written only when needed: a store to every header halves the rate (measured). */
		if (unlikely(m->ol_flags & DPDK_IO_CLEAR_FLAGS))
			m->ol_flags &= ~DPDK_IO_CLEAR_FLAGS;
		io.bytes += m->pkt_len;
		pkts[io.n++] = m;
	}
	if (!io.n && !nbig)
		return;
	sn_dev_count_rx_n(dev, io.n + nbig, io.bytes + big_bytes);
	sn_dev_count_forwarded_n(dev, io.n + nbig);
	if (unlikely(sn_dev_xmit_bulk(xc, dpdk_io_xmit, &io, &why))) {
		for (uint16_t i = 0; i < io.n; i++) {
			rte_pktmbuf_free(pkts[i]);
			sn_dev_count_tx_drop(xc, why);
		}
	}
	for (uint16_t i = 0; i < nbig; i++) {
		rte_pktmbuf_free(big[i]);
		sn_dev_count_tx_drop(xc, why);
	}
}

/* The port this one's bursts go to directly, or NULL (frame path). */
static inline struct sn_netdev *dpdk_io_target(struct sn_netdev *dev)
{
	struct sn_netdev *xc = __atomic_load_n(&dev->xconnect, __ATOMIC_RELAXED);

	if (!xc || xc->ops != &dpdk_netdev_ops || (xc->flags & SN_DEV_F_LLTX) ||
	    __atomic_load_n(&dev->xdp_prog, __ATOMIC_ACQUIRE) != NULL)
		return NULL;
	return xc;
}

static int dpdk_poll(struct sn_napi *napi, int budget)
{
	struct sn_netdev *dev = napi->dev;
	struct dpdk_port *p = dev->priv;
	uint16_t q = (uint16_t)napi->qid;
	struct rte_mbuf *pkts[DPDK_RX_BURST];
	int work = 0;

	if (__atomic_load_n(&p->rxq_armed[q], __ATOMIC_RELAXED)) {
		/* Polling now: the queue needs no interrupt until we complete. */
		__atomic_store_n(&p->rxq_armed[q], false, __ATOMIC_RELAXED);
		rte_eth_dev_rx_intr_disable(p->port_id, q);
	}
	while (work < budget) {
		uint16_t want = (uint16_t)RTE_MIN(budget - work, (int)DPDK_RX_BURST);
		uint16_t n = rte_eth_rx_burst(p->port_id, q, pkts, want);
		struct sn_netdev *xc = n ? dpdk_io_target(dev) : NULL;

		if (xc) {
			dpdk_io_forward(dev, xc, pkts, n);
		} else {
			for (uint16_t i = 0; i < n; i++) {
				if (i + 1 < n)
					rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 1], void *));
				dpdk_rx_one(dev, q, pkts[i]);
			}
		}
		work += n;
		if (n < want)
			break;
	}
	if (work < budget) {
		/* Acked while the NAPI is ours: the unmask in complete_done sees a clean fd. */
		if (p->intr_eventfd)
			dpdk_rx_ack(p, q);
		if (napi_complete_done(napi, work) && p->intr)
			dpdk_rx_rearm(p, napi);
	}
	return work;
}

/* ---------------------------------------------------------------------------------------- */
/* Transmit                                                                                  */

/* Hand the buffered mbufs of @txq to the PMD; what it refuses is dropped. Tx lock held. */
static void dpdk_tx_burst(struct dpdk_port *p, struct sn_netdev *dev, struct sn_txq *txq)
{
	struct dpdk_txbuf *b = txq->priv;
	uint16_t sent = 0;

	if (!b->n)
		return;
	/* One retry: a PMD that reaps completions inside tx_burst (af_xdp) often takes the rest. */
	for (int tries = 0; tries < 2 && sent < b->n; tries++)
		sent += rte_eth_tx_burst(p->port_id, (uint16_t)txq->qid, b->pkts + sent,
					 (uint16_t)(b->n - sent));
	for (uint16_t i = sent; i < b->n; i++) {
		rte_pktmbuf_free(b->pkts[i]);
		sn_dev_count_tx_unsent(dev, SN_DROP_TX_RING_FULL); /* counted tx at start_xmit */
	}
	b->n = 0;
}

static enum sn_netdev_tx dpdk_start_xmit(struct sn_frame *f, struct sn_netdev *dev,
					 struct sn_txq *txq)
{
	struct dpdk_port *p = dev->priv;
	struct dpdk_txbuf *b = txq->priv;
	struct rte_mbuf *m;

	if (f->ops == &dpdk_frame_ops) {
		/* Zero copy: an mbuf (of any dpdk port's pool), resynced to the frame. */
		uint16_t off;

		m = (struct rte_mbuf *)f->handle;
		off = (uint16_t)(f->data - (uint8_t *)m->buf_addr);
		/* Stores only where something changed: see dpdk_io_forward(). */
		if (unlikely(m->data_off != off || m->data_len != f->len || m->pkt_len != f->len)) {
			m->data_off = off;
			m->data_len = (uint16_t)f->len;
			m->pkt_len = f->len;
		}
		if (unlikely(m->ol_flags & DPDK_IO_CLEAR_FLAGS))
			m->ol_flags &= ~DPDK_IO_CLEAR_FLAGS;
		sn_frame_free_head(f);
	} else {
		m = rte_pktmbuf_alloc(p->pool);
		if (unlikely(!m)) {
			sn_dev_drop_xmit_frame(dev, f, SN_DROP_NOMEM_BUF);
			return NETDEV_TX_OK;
		}
		if (unlikely(f->len > rte_pktmbuf_tailroom(m))) {
			rte_pktmbuf_free(m);
			sn_dev_drop_xmit_frame(dev, f, SN_DROP_TOO_BIG);
			return NETDEV_TX_OK;
		}
		memcpy(rte_pktmbuf_mtod(m, void *), f->data, f->len);
		m->data_len = (uint16_t)f->len;
		m->pkt_len = f->len;
		sn_frame_free(f, true);
	}
	if (b->n == DPDK_TX_BURST)
		dpdk_tx_burst(p, dev, txq);
	b->pkts[b->n++] = m;
	return NETDEV_TX_OK;
}

static void dpdk_tx_flush(struct sn_netdev *dev, struct sn_txq *txq)
{
	dpdk_tx_burst(dev->priv, dev, txq);
}

/* ---------------------------------------------------------------------------------------- */
/* Carrier, describe                                                                         */

static bool dpdk_carrier(struct sn_netdev *dev)
{
	struct dpdk_port *p = dev->priv;
	uint64_t now = rte_rdtsc();

	if (now >= __atomic_load_n(&p->link_next_tsc, __ATOMIC_RELAXED)) {
		struct rte_eth_link link = {0};

		if (rte_eth_link_get_nowait(p->port_id, &link) == 0)
			__atomic_store_n(&p->link_up, link.link_status == RTE_ETH_LINK_UP,
					 __ATOMIC_RELAXED);
		__atomic_store_n(&p->link_next_tsc, now + rte_get_tsc_hz() / DPDK_LINK_REFRESH_HZ,
				 __ATOMIC_RELAXED);
	}
	return __atomic_load_n(&p->link_up, __ATOMIC_RELAXED);
}

static void dpdk_describe(struct sn_netdev *dev, char *buf, size_t len)
{
	struct dpdk_port *p = dev->priv;
	char rx[160];

	if (p->intr)
		snprintf(rx, sizeof(rx), "rx interrupts (%s fds%s)",
			 p->intr_eventfd ? "eventfd" : "level-triggered",
			 p->intr_ctl ? ", rx_intr_enable/disable" : "");
	else
		snprintf(rx, sizeof(rx), "pure polling (%s)", p->why_poll);
	snprintf(buf, len,
		 "pmd %s driver %s port %u, %s, %u rxq/%u txq, %u/%u desc, pool %s %u mbufs "
		 "in %u memory chunk(s) (no lcore cache)%s",
		 p->name, p->driver, p->port_id, rx, dev->nr_rxq, dev->nr_txq, p->nb_rxd, p->nb_txd,
		 p->pool ? p->pool->name : "-", p->pool ? p->pool->size : 0,
		 p->pool ? p->pool->nb_mem_chunks : 0, p->threaded ? ", threaded NAPI" : "");
}

/* ---------------------------------------------------------------------------------------- */
/* Open, stop, destroy                                                                       */

static void *dpdk_kick_fn(void *arg)
{
	napi_schedule(arg);
	return NULL;
}

/*
 * First schedule of a NAPI, on its home CPU: napi_schedule() lists it on the caller's CPU, and in
 * polling mode it stays on that CPU's poll list for good. A short thread pinned there does it.
 */
static int dpdk_napi_kick(struct sn_napi *napi)
{
	struct bh_kthread_opts o = {
		.sz = sizeof(o),
		.name = "dpdk-kick",
		.cpu = napi->cpu,
		.policy = SCHED_OTHER,
		.fn = dpdk_kick_fn,
		.arg = napi,
	};
	pthread_t t;
	int rc = bh_kthread_run(&t, &o);

	if (rc)
		return rc;
	pthread_join(t, NULL);
	return 0;
}

static void dpdk_stop(struct sn_netdev *dev);

/* Undo a half-done open: unregister only calls stop for a device that is admin up. */
static int dpdk_open_fail(struct sn_netdev *dev, int rc)
{
	dpdk_stop(dev);
	return rc;
}

static int dpdk_open(struct sn_netdev *dev)
{
	struct dpdk_port *p = dev->priv;
	int rc;

	for (unsigned int q = 0; q < dev->nr_rxq; q++) {
		struct sn_napi *napi = &dev->napi[q];

		if (p->threaded) {
			rc = sn_napi_set_threaded(napi, true, SCHED_OTHER, 0);
			if (rc) {
				fprintf(stderr, "port '%s': rxq %u: threaded NAPI: %s\n", dev->name,
					q, strerror(-rc));
				return dpdk_open_fail(dev, rc);
			}
		}
	}
	for (unsigned int q = 0; q < dev->nr_rxq; q++)
		napi_enable(&dev->napi[q]);
	p->napi_enabled = true;
	for (unsigned int q = 0; p->intr && q < dev->nr_rxq; q++) {
		/* Armed before the IRQ exists: from then on only pollers touch rxq_armed. */
		if (p->intr_ctl) {
			rte_eth_dev_rx_intr_enable(p->port_id, (uint16_t)q);
			p->rxq_armed[q] = true;
		}
		rc = sn_napi_set_irq(&dev->napi[q], p->rx_fd[q], p->irq_prio);
		if (rc) {
			fprintf(stderr, "port '%s': rxq %u: irq on fd %d: %s\n", dev->name, q,
				p->rx_fd[q], strerror(-rc));
			return dpdk_open_fail(dev, rc);
		}
	}
	/* Polling mode needs a first schedule; interrupt mode one for what is queued. */
	for (unsigned int q = 0; q < dev->nr_rxq; q++) {
		rc = dpdk_napi_kick(&dev->napi[q]);
		if (rc) {
			fprintf(stderr, "port '%s': rxq %u: first schedule: %s\n", dev->name, q,
				strerror(-rc));
			return dpdk_open_fail(dev, rc);
		}
	}
	return 0;
}

static void dpdk_stop(struct sn_netdev *dev)
{
	struct dpdk_port *p = dev->priv;
	unsigned long dropped = 0;

	if (p->napi_enabled) {
		for (unsigned int q = 0; q < dev->nr_rxq; q++) {
			napi_disable(&dev->napi[q]);
			if (p->intr_ctl && p->rxq_armed[q])
				rte_eth_dev_rx_intr_disable(p->port_id, (uint16_t)q);
			p->rxq_armed[q] = false;
		}
		p->napi_enabled = false;
	}
	/*
	 * unregister() calls stop while the device is still admin up: other ports' polls may still
	 * transmit here, so each queue is drained under its tx lock (whose vanilla owner is a CPU:
	 * stay on this one while holding it).
	 */
	migrate_disable();
	for (unsigned int q = 0; q < dev->nr_txq; q++) {
		struct sn_txq *txq = &dev->txq[q];
		struct dpdk_txbuf *b = txq->priv;

		if (!b)
			continue;
		sn_tx_lock(txq);
		for (uint16_t i = 0; i < b->n; i++)
			rte_pktmbuf_free(b->pkts[i]);
		dropped += b->n;
		b->n = 0;
		sn_tx_unlock(txq);
	}
	for (unsigned long i = 0; i < dropped; i++)
		sn_dev_count_tx_unsent(dev, SN_DROP_SHUTDOWN); /* taken by start_xmit, never sent */
	migrate_enable();
	if (p->started) {
		int rc = rte_eth_dev_stop(p->port_id);

		if (rc)
			fprintf(stderr, "port '%s': rte_eth_dev_stop: %s\n", dev->name,
				rte_strerror(-rc));
		p->started = false;
	}
	__atomic_store_n(&p->link_up, false, __ATOMIC_RELAXED);
	__atomic_store_n(&p->link_next_tsc, UINT64_MAX, __ATOMIC_RELAXED);
}

static void dpdk_release_port(struct dpdk_port *p)
{
	if (p->started) {
		rte_eth_dev_stop(p->port_id);
		p->started = false;
	}
	if (p->probed && p->rte_dev) {
		/* Also closes the ethdev; its queued mbufs go back to their (living) pools. */
		int rc = rte_dev_remove(p->rte_dev);

		if (rc)
			fprintf(stderr, "dpdk: %s: rte_dev_remove: %s\n", p->name,
				rte_strerror(-rc));
		p->probed = false;
	}
	pthread_mutex_lock(&dpdk_lock);
	dpdk_port_claimed[p->port_id] = false;
	pthread_mutex_unlock(&dpdk_lock);
}

static void dpdk_destroy(struct sn_netdev *dev)
{
	dpdk_release_port(dev->priv);
}

static const struct sn_netdev_ops dpdk_netdev_ops = {
	.kind = "dpdk",
	.open = dpdk_open,
	.stop = dpdk_stop,
	.destroy = dpdk_destroy,
	.start_xmit = dpdk_start_xmit,
	.tx_flush = dpdk_tx_flush,
	.carrier = dpdk_carrier,
	.describe = dpdk_describe,
};

/* ---------------------------------------------------------------------------------------- */
/* Create                                                                                    */

/* Find the ethdev of @pmd (already probed, or probe it). Return 0 or -errno with @err. */
static int dpdk_find_port(const char *pmd, uint16_t *port_id, bool *probed, char *err,
			  size_t errlen)
{
	char name[RTE_ETH_NAME_MAX_LEN];
	struct rte_dev_iterator it;
	size_t n = strcspn(pmd, ",");
	int rc;

	*probed = false;
	snprintf(name, sizeof(name), "%.*s", (int)n, pmd);
	if (rte_eth_dev_get_port_by_name(name, port_id) == 0)
		return 0;
	if (!sn_dpdk_pmd_is_pci(pmd)) {
		rc = rte_dev_probe(pmd);
		if (rc) {
			/* EAL says -EFAULT/-EINVAL when no bus or driver knows the name. */
			snprintf(err, errlen, "probe '%s' failed: %s%s", pmd, rte_strerror(-rc),
				 rc == -EFAULT || rc == -EINVAL
					 ? " (no bus or driver knows this device name)"
					 : "");
			return rc;
		}
		*probed = true;
		if (rte_eth_dev_get_port_by_name(name, port_id) == 0)
			return 0;
	}
	/* PCI addresses in another spelling (01:00.0), devargs with a bus prefix. */
	RTE_ETH_FOREACH_MATCHING_DEV(*port_id, pmd, &it)
	{
		rte_eth_iterator_cleanup(&it);
		return 0;
	}
	snprintf(err, errlen, "no ethdev for '%s'%s", pmd,
		 sn_dpdk_pmd_is_pci(pmd) ? " (is the device bound to vfio-pci and allowed?)" : "");
	return -ENODEV;
}

/*
 * An mbuf pool whose objects are packed back to back. net_af_xdp registers the pool's memory as
 * its UMEM and takes the UMEM size as objects x object size; the default population keeps each
 * object inside one page (IOVA contiguity), which with 4 KiB pages (--no-huge) leaves a gap after
 * every ~2.4 KiB object, so the top of the pool lies past the UMEM's end and the kernel refuses
 * those buffers as invalid descriptors (they never complete: the pool drains, tx stalls).
 * AF_XDP copies or maps by virtual address, so it needs no IOVA contiguity.
 */
static struct rte_mempool *dpdk_pool_create_packed(const char *name, unsigned int n,
						   uint16_t room, int socket)
{
	struct rte_pktmbuf_pool_private priv = { .mbuf_data_room_size = room };
	unsigned int elt = sizeof(struct rte_mbuf) + room;
	struct rte_mempool *mp;

	mp = rte_mempool_create_empty(name, n, elt, 0, sizeof(priv), socket,
				      RTE_MEMPOOL_F_NO_IOVA_CONTIG);
	if (!mp)
		return NULL;
	if (rte_mempool_set_ops_byname(mp, rte_mbuf_best_mempool_ops(), NULL) != 0)
		goto fail;
	rte_pktmbuf_pool_init(mp, &priv);
	if (rte_mempool_populate_default(mp) < 0)
		goto fail;
	rte_mempool_obj_iter(mp, rte_pktmbuf_init, NULL);
	return mp;
fail:
	rte_mempool_free(mp);
	return NULL;
}

static struct rte_mempool *dpdk_pool_get(const char *devname, unsigned int n, uint16_t room,
					 bool packed, int socket, char *err, size_t errlen)
{
	char name[RTE_MEMPOOL_NAMESIZE];
	struct rte_mempool *mp = NULL;

	pthread_mutex_lock(&dpdk_lock);
	for (unsigned int gen = 0; gen < 100 && !mp; gen++) {
		snprintf(name, sizeof(name), gen ? "sn_%s.%u" : "sn_%s", devname, gen);
		mp = rte_mempool_lookup(name);
		if (mp) {
			/* Ours from an earlier port of that name: reuse it if it fits. */
			if (mp->size >= n && rte_pktmbuf_data_room_size(mp) >= room &&
			    packed == !!(mp->flags & RTE_MEMPOOL_F_NO_IOVA_CONTIG))
				break;
			mp = NULL;
			continue;
		}
		/* No per-lcore cache (cache_size 0): see the comment at the top. */
		mp = packed ? dpdk_pool_create_packed(name, n, room, socket)
			    : rte_pktmbuf_pool_create(name, n, 0, 0, room, socket);
		if (!mp) {
			snprintf(err, errlen, "mbuf pool %s (%u mbufs of %u bytes): %s", name, n,
				 room, rte_strerror(rte_errno));
			break;
		}
		/* Freed with EAL (sn_dpdk_eal_fini), not with the port; reused by name. */
		if (sn_dpdk_pool_track(mp)) {
			rte_mempool_free(mp);
			mp = NULL;
			snprintf(err, errlen, "too many mbuf pools");
			break;
		}
	}
	pthread_mutex_unlock(&dpdk_lock);
	if (!mp && !err[0])
		snprintf(err, errlen, "no mbuf pool name left for %s", devname);
	return mp;
}

static bool fd_is_eventfd(int fd)
{
	char path[64], target[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, target, sizeof(target) - 1);
	if (n <= 0)
		return false;
	target[n] = '\0';
	return strstr(target, "eventfd") != NULL;
}

/*
 * Configure @p's ethdev with @nq queues each way, rx interrupts if @intr. Return 0/-errno.
 */
static int dpdk_configure(struct dpdk_port *p, const struct rte_eth_dev_info *info,
			  unsigned int nrx, unsigned int ntx, bool intr)
{
	struct rte_eth_conf conf;

	memset(&conf, 0, sizeof(conf));
	if (nrx > 1) {
		uint64_t hf = info->flow_type_rss_offloads &
			      (RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP);

		if (hf) {
			conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
			conf.rx_adv_conf.rss_conf.rss_hf = hf;
		}
	}
	conf.intr_conf.rxq = intr ? 1 : 0;
	return rte_eth_dev_configure(p->port_id, (uint16_t)nrx, (uint16_t)ntx, &conf);
}

/* Start @p's queues and learn whether each rx queue has an interrupt fd. Return 0/-errno. */
static int dpdk_setup(struct dpdk_port *p, struct sn_netdev *dev, char *err, size_t errlen)
{
	struct rte_eth_dev_info info;
	uint16_t nrx = (uint16_t)dev->nr_rxq, ntx = (uint16_t)dev->nr_txq;
	int socket = rte_eth_dev_socket_id(p->port_id);
	int rc;
	bool intr = true;

	rc = rte_eth_dev_info_get(p->port_id, &info);
	if (rc) {
		snprintf(err, errlen, "dev_info: %s", rte_strerror(-rc));
		return rc;
	}
	if (socket < 0)
		socket = SOCKET_ID_ANY;
	rc = dpdk_configure(p, &info, nrx, ntx, true);
	if (rc) {
		/* Some PMDs refuse intr_conf.rxq outright. */
		intr = false;
		snprintf(p->why_poll, sizeof(p->why_poll), "configure with rx interrupts: %s",
			 rte_strerror(-rc));
		rc = dpdk_configure(p, &info, nrx, ntx, false);
	}
	if (rc) {
		snprintf(err, errlen, "configure %u rxq/%u txq: %s", nrx, ntx, rte_strerror(-rc));
		return rc;
	}
	p->nb_rxd = DPDK_NB_RXD;
	p->nb_txd = DPDK_NB_TXD;
	rte_eth_dev_adjust_nb_rx_tx_desc(p->port_id, &p->nb_rxd, &p->nb_txd);

	uint32_t room = RTE_MBUF_DEFAULT_BUF_SIZE;

	if (info.min_rx_bufsize + RTE_PKTMBUF_HEADROOM > room)
		room = info.min_rx_bufsize + RTE_PKTMBUF_HEADROOM;
	unsigned int n = nrx * p->nb_rxd + ntx * (p->nb_txd + DPDK_TX_BURST) + DPDK_POOL_SPARE;

	p->pool = dpdk_pool_get(dev->name, n, (uint16_t)RTE_MIN(room, (uint32_t)UINT16_MAX),
				!strcmp(p->driver, "net_af_xdp"), socket, err, errlen);
	if (!p->pool)
		return -ENOMEM;
	for (uint16_t q = 0; q < nrx; q++) {
		rc = rte_eth_rx_queue_setup(p->port_id, q, p->nb_rxd, (unsigned int)socket, NULL,
					    p->pool);
		if (rc) {
			snprintf(err, errlen, "rxq %u setup failed: %s", q, rte_strerror(-rc));
			return rc;
		}
	}
	for (uint16_t q = 0; q < ntx; q++) {
		rc = rte_eth_tx_queue_setup(p->port_id, q, p->nb_txd, (unsigned int)socket, NULL);
		if (rc) {
			snprintf(err, errlen, "txq %u setup failed: %s", q, rte_strerror(-rc));
			return rc;
		}
	}
	rc = rte_eth_dev_start(p->port_id);
	if (rc) {
		snprintf(err, errlen, "start: %s", rte_strerror(-rc));
		return rc;
	}
	p->started = true;
	rc = rte_eth_promiscuous_enable(p->port_id); /* the bridge wants every frame */
	(void)rc; /* -ENOTSUP: e.g. net_ring, no filter at all */

	/*
	 * Interrupt fds exist once started (the PMD sets up its event fds in dev_start). ethdev
	 * logs an error for every PMD without them: this is a question, not a failure, so its log
	 * is quiet meanwhile.
	 */
	int ethdev_log = rte_log_register("lib.ethdev");
	int ethdev_lvl = ethdev_log >= 0 ? rte_log_get_level((uint32_t)ethdev_log) : -1;

	if (ethdev_lvl >= 0)
		rte_log_set_level((uint32_t)ethdev_log, RTE_LOG_CRIT);
	for (uint16_t q = 0; intr && q < nrx; q++) {
		int fd = rte_eth_dev_rx_intr_ctl_q_get_fd(p->port_id, q);

		if (fd < 0) {
			intr = false;
			snprintf(p->why_poll, sizeof(p->why_poll),
				 "the PMD has no rx interrupt fd for rxq %u", q);
		}
		p->rx_fd[q] = fd;
	}
	if (ethdev_lvl >= 0)
		rte_log_set_level((uint32_t)ethdev_log, (uint32_t)ethdev_lvl);
	if (intr) {
		rc = rte_eth_dev_rx_intr_enable(p->port_id, 0);
		p->intr_ctl = rc == 0;
		if (rc == 0)
			rte_eth_dev_rx_intr_disable(p->port_id, 0);
		else if (rc != -ENOTSUP) {
			intr = false;
			snprintf(p->why_poll, sizeof(p->why_poll), "rx_intr_enable: %s",
				 rte_strerror(-rc));
		}
	}
	if (intr) {
		p->intr_eventfd = fd_is_eventfd(p->rx_fd[0]);
		for (uint16_t q = 0; p->intr_eventfd && q < nrx; q++) {
			int fl = fcntl(p->rx_fd[q], F_GETFL);

			if (fl >= 0)
				fcntl(p->rx_fd[q], F_SETFL, fl | O_NONBLOCK);
		}
	}
	p->intr = intr;
	return 0;
}

/* EAL with this port's arguments, when the daemon did not start it with the whole config. */
static int dpdk_eal_lazy(const struct cfg_port *p, const struct sn_port_env *env, char *err,
			 size_t errlen)
{
	struct softnetd_config cfg;

	if (sn_dpdk_eal_ready())
		return 0;
	memset(&cfg, 0, sizeof(cfg));
	cfg.ports = (struct cfg_port *)p;
	cfg.nr_ports = 1;
	cfg.cpus = (int *)env->cpus;
	cfg.nr_cpus = env->nr_cpus;
	return sn_dpdk_eal_init(&cfg, err, errlen);
}

struct sn_netdev *sn_port_dpdk_create(const struct cfg_port *p, const struct sn_port_env *env,
				      char *err, size_t errlen)
{
	struct rte_eth_dev_info info;
	struct dpdk_port *dp = NULL;
	struct sn_netdev *dev = NULL;
	char msg[256] = "";
	uint16_t port_id;
	bool probed = false;
	unsigned int nq, nrx, ntx;
	int rc;

	if (!p->pmd || !p->pmd[0]) {
		snprintf(err, errlen, "port '%s': dpdk: no pmd given", p->name);
		errno = EINVAL;
		return NULL;
	}
	rc = dpdk_eal_lazy(p, env, msg, sizeof(msg));
	if (rc)
		goto fail_msg;
	rc = dpdk_find_port(p->pmd, &port_id, &probed, msg, sizeof(msg));
	if (rc)
		goto fail_msg;

	pthread_mutex_lock(&dpdk_lock);
	if (dpdk_port_claimed[port_id]) {
		pthread_mutex_unlock(&dpdk_lock);
		snprintf(msg, sizeof(msg), "ethdev %u is already used by another port", port_id);
		rc = -EBUSY;
		goto fail_msg;
	}
	dpdk_port_claimed[port_id] = true;
	pthread_mutex_unlock(&dpdk_lock);

	rc = rte_eth_dev_info_get(port_id, &info);
	if (rc) {
		snprintf(msg, sizeof(msg), "dev_info: %s", rte_strerror(-rc));
		goto fail_claim;
	}
	nq = p->queues > 0 ? (unsigned int)p->queues : 1;
	if (nq > SN_MAX_QUEUES || nq > info.max_rx_queues) {
		snprintf(msg, sizeof(msg), "%u queues asked, the PMD has at most %u rx queues", nq,
			 info.max_rx_queues);
		rc = -EINVAL;
		goto fail_claim;
	}
	nrx = nq;
	ntx = RTE_MAX(1u, RTE_MIN(nq, (unsigned int)info.max_tx_queues));

	dev = sn_netdev_alloc(p->name, &dpdk_netdev_ops,
			      sizeof(*dp) + ntx * sizeof(struct dpdk_txbuf), nrx, ntx);
	if (!dev) {
		rc = -errno;
		snprintf(msg, sizeof(msg), "netdev alloc: %s", strerror(errno));
		goto fail_claim;
	}
	dp = dev->priv;
	dp->dev = dev;
	dp->port_id = port_id;
	dp->probed = probed;
	dp->rte_dev = info.device;
	dp->threaded = env->napi_threaded;
	dp->irq_prio = env->irq_prio;
	rte_eth_dev_get_name_by_port(port_id, dp->name);
	snprintf(dp->driver, sizeof(dp->driver), "%s", info.driver_name ? info.driver_name : "?");
	for (unsigned int q = 0; q < ntx; q++)
		dev->txq[q].priv = &dp->txb[q];

	for (unsigned int q = 0; q < nrx; q++) {
		int cpu =
			env->nr_cpus
				? env->cpus[((unsigned int)env->first_cpu_slot + q) % env->nr_cpus]
				: 0;

		sn_netif_napi_add(dev, &dev->napi[q], q, dpdk_poll, env->napi_weight, cpu);
	}
	/*
	 * From here every failure is undone by sn_netdev_unregister() (also for a device that is
	 * not registered): NAPIs deleted, destroy (the ethdev stopped, removed if we probed it).
	 */
	rc = sn_netdev_register(dev);
	if (rc) {
		snprintf(msg, sizeof(msg), "register: %s", strerror(-rc));
		goto fail_free;
	}
	rc = dpdk_setup(dp, dev, msg, sizeof(msg));
	if (rc)
		goto fail_unregister;

	struct rte_ether_addr mac;
	uint16_t mtu;

	if (rte_eth_macaddr_get(port_id, &mac) == 0)
		memcpy(dev->mac, mac.addr_bytes, sizeof(dev->mac));
	if (rte_eth_dev_get_mtu(port_id, &mtu) == 0 && mtu)
		dev->mtu = mtu;
	if (!dp->intr)
		dev->flags |= SN_DEV_F_POLL_MODE;
	__atomic_store_n(&dp->link_next_tsc, 0, __ATOMIC_RELAXED);
	return dev;

fail_unregister:
	sn_netdev_unregister(dev); /* destroy releases the ethdev and the claim */
	errno = -rc;
	goto fail_report;
fail_free:
	sn_netdev_unregister(dev); /* not registered: NAPIs deleted, destroy, freed */
	errno = -rc;
	goto fail_report;
fail_claim:
	pthread_mutex_lock(&dpdk_lock);
	dpdk_port_claimed[port_id] = false;
	pthread_mutex_unlock(&dpdk_lock);
	if (probed) {
		struct rte_eth_dev_info i2;

		if (rte_eth_dev_info_get(port_id, &i2) == 0 && i2.device)
			rte_dev_remove(i2.device);
	}
fail_msg:
	errno = rc < 0 ? -rc : EINVAL;
fail_report:
	snprintf(err, errlen, "port '%s': dpdk %s: %s", p->name, p->pmd, msg);
	return NULL;
}
