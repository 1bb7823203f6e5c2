// SPDX-License-Identifier: GPL-2.0-only
/*
 * netdev.c - ports (struct sn_netdev): allocation, the registry, per-CPU counters and the receive
 * entry point with 802.1Q untagging (net/core/dev.c: alloc_netdev_mqs(), register_netdevice(),
 * __netif_receive_skb_core() with its vlan_do_receive() step, in spirit).
 *
 * Registry: a fixed table indexed by the device's index. Writers (register/unregister, thread
 * context) serialise on registry_lock; readers (lookups from any context) load a slot with
 * acquire and never lock. A device is freed only by unregister, after traffic has stopped, so a
 * reader may use what it found for as long as the datapath runs.
 *
 * Counters: one struct sn_dev_pcpu_stats per CPU per device. Only tasks running on a CPU write
 * that CPU's copy; in the RT profiles several of them can preempt each other, so every update is
 * one instruction that cannot be split by preemption (pcpu_add() below), which is what the
 * kernel's this_cpu_add() gives on x86.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bhlock/percpu.h"
#include "bhlock/task.h"
#include "net/napi.h"
#include "net/netdev.h"
#include "net/xmit.h"

#define ETH_HLEN 14
#define VLAN_HLEN 4
#define ETH_P_8021Q 0x8100
#define VLAN_VID_MASK 0x0fff

/* registry_lock protects writes of devs[] and name uniqueness; readers load slots lock-free. */
/* In xmit.c (private to net/): forget a queue still waiting for a flush. */
void __sn_txq_unlist(struct sn_txq *txq);

static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static struct sn_netdev *devs[SN_MAX_DEVS];
/* The highest index ever registered: bounds the kernel-ifindex walk (grows only). */
static int devs_hi;

static sn_rx_handler_t rx_handler;

/*
 * this_cpu_add() on a u64 counter: on x86-64 one non-locked add to this CPU's copy, which no
 * preemption on this CPU can split and no other CPU writes. ThreadSanitizer sees neither the CPU
 * binding nor that argument, so it gets a relaxed atomic add (same result, a lock prefix more).
 */
static __always_inline void pcpu_add(uint64_t *p, uint64_t v)
{
#if defined(BH_TSAN) || !defined(__x86_64__)
	__atomic_fetch_add(p, v, __ATOMIC_RELAXED);
#else
	__asm__ volatile("addq %1, %0" : "+m"(*p) : "er"(v));
#endif
}

static __always_inline struct sn_dev_pcpu_stats *dev_stats(struct sn_netdev *dev)
{
	return this_cpu_ptr(dev->pcpu_stats);
}

struct sn_netdev *sn_netdev_alloc(const char *name, const struct sn_netdev_ops *ops,
				  size_t priv_size, unsigned int nr_rxq, unsigned int nr_txq)
{
	struct sn_netdev *dev;
	size_t len, head;

	if (!name || !ops || nr_rxq > SN_MAX_QUEUES || nr_txq > SN_MAX_QUEUES) {
		errno = EINVAL;
		return NULL;
	}
	len = strlen(name);
	if (len == 0 || len >= SN_IFNAMSIZ) {
		errno = EINVAL;
		return NULL;
	}
	/* The backend's part follows the device in the same allocation, cache-line aligned. */
	head = round_up(sizeof(*dev), (size_t)SMP_CACHE_BYTES);
	if (posix_memalign((void **)&dev, SMP_CACHE_BYTES, head + priv_size))
		goto err;
	memset(dev, 0, head + priv_size);
	memcpy(dev->name, name, len + 1);
	dev->ops = ops;
	dev->priv = priv_size ? (char *)dev + head : NULL;
	dev->mtu = 1500;
	dev->bridge_port = -1;
	dev->nr_rxq = nr_rxq;
	dev->nr_txq = nr_txq;
	if (nr_rxq) {
		dev->napi = calloc(nr_rxq, sizeof(*dev->napi));
		if (!dev->napi)
			goto err_dev;
		for (unsigned int q = 0; q < nr_rxq; q++) {
			dev->napi[q].irq = -1;
			dev->napi[q].irq_fd = -1;
			dev->napi[q].list_owner = -1;
			dev->napi[q].thread_wake_fd = -1;
		}
	}
	if (nr_txq) {
		dev->txq = calloc(nr_txq, sizeof(*dev->txq));
		if (!dev->txq)
			goto err_napi;
		for (unsigned int q = 0; q < nr_txq; q++)
			sn_txq_init(&dev->txq[q], dev, q);
	}
	dev->pcpu_stats = alloc_percpu(struct sn_dev_pcpu_stats);
	if (!dev->pcpu_stats)
		goto err_txq;
	return dev;

err_txq:
	free(dev->txq);
err_napi:
	free(dev->napi);
err_dev:
	free(dev);
err:
	errno = ENOMEM;
	return NULL;
}

static void sn_netdev_free(struct sn_netdev *dev)
{
	free_percpu(dev->pcpu_stats);
	free(dev->vlan_upper);
	free(dev->txq);
	free(dev->napi);
	free(dev);
}

int sn_netdev_register(struct sn_netdev *dev)
{
	int free_slot = 0;

	pthread_mutex_lock(&registry_lock);
	for (int i = 1; i < SN_MAX_DEVS; i++) {
		if (!devs[i]) {
			if (!free_slot)
				free_slot = i;
			continue;
		}
		if (devs[i] == dev || !strcmp(devs[i]->name, dev->name)) {
			pthread_mutex_unlock(&registry_lock);
			return -EEXIST;
		}
	}
	if (!free_slot) {
		pthread_mutex_unlock(&registry_lock);
		return -ENOSPC;
	}
	dev->index = free_slot;
	__atomic_store_n(&devs[free_slot], dev, __ATOMIC_RELEASE);
	if (free_slot > devs_hi)
		__atomic_store_n(&devs_hi, free_slot, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&registry_lock);
	return 0;
}

void sn_netdev_unregister(struct sn_netdev *dev)
{
	if (!dev)
		return;
	if (dev->admin_up) {
		if (dev->ops->stop)
			dev->ops->stop(dev);
		WRITE_ONCE(dev->admin_up, false);
	}
	for (unsigned int q = 0; q < dev->nr_rxq; q++)
		if (dev->napi[q].state & NAPIF(LISTED))
			sn_netif_napi_del(&dev->napi[q]);
	pthread_mutex_lock(&registry_lock);
	if (dev->index > 0 && dev->index < SN_MAX_DEVS && devs[dev->index] == dev)
		__atomic_store_n(&devs[dev->index], NULL, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&registry_lock);
	for (unsigned int q = 0; q < dev->nr_txq; q++)
		__sn_txq_unlist(&dev->txq[q]);
	/* vlan devices still on this port (they should have gone first) lose their lower. */
	if (dev->vlan_upper)
		for (int vid = 0; vid < SN_VLAN_N_VID; vid++)
			if (dev->vlan_upper[vid] && dev->vlan_upper[vid]->lower == dev)
				__atomic_store_n(&dev->vlan_upper[vid]->lower, NULL,
						 __ATOMIC_RELEASE);
	if (dev->ops->destroy)
		dev->ops->destroy(dev);
	sn_netdev_free(dev);
}

int sn_netdev_open(struct sn_netdev *dev)
{
	int rc = 0;

	if (dev->admin_up)
		return 0;
	if (dev->ops->open)
		rc = dev->ops->open(dev);
	if (rc)
		return rc;
	__atomic_store_n(&dev->admin_up, true, __ATOMIC_RELEASE);
	return 0;
}

struct sn_netdev *sn_dev_get_by_index(int index)
{
	if (index <= 0 || index >= SN_MAX_DEVS)
		return NULL;
	return __atomic_load_n(&devs[index], __ATOMIC_ACQUIRE);
}

/*
 * A private ifindex names its device directly. A kernel ifindex takes a walk over the registry
 * (a handful of ports in practice): kernel_ifindex may be set after register (tests, a port that
 * learns its interface late), so no side table could be trusted to follow it.
 */
struct sn_netdev *sn_dev_get_by_ifindex(uint32_t ifindex)
{
	struct sn_netdev *dev;
	int hi;

	if (!ifindex)
		return NULL;
	if (ifindex > SN_XDP_IFINDEX_BASE && ifindex < SN_XDP_IFINDEX_BASE + SN_MAX_DEVS) {
		dev = sn_dev_get_by_index((int)(ifindex - SN_XDP_IFINDEX_BASE));
		/* A device over a kernel interface is known by that interface's index only. */
		if (dev && __atomic_load_n(&dev->kernel_ifindex, __ATOMIC_RELAXED) <= 0)
			return dev;
	}
	if (ifindex > INT32_MAX)
		return NULL;
	hi = __atomic_load_n(&devs_hi, __ATOMIC_ACQUIRE);
	for (int i = 1; i <= hi; i++) {
		dev = __atomic_load_n(&devs[i], __ATOMIC_ACQUIRE);
		if (dev && __atomic_load_n(&dev->kernel_ifindex, __ATOMIC_RELAXED) == (int)ifindex)
			return dev;
	}
	return NULL;
}

struct sn_netdev *sn_dev_get_by_name(const char *name)
{
	struct sn_netdev *dev;
	int i;

	if (!name)
		return NULL;
	sn_for_each_netdev(dev, i)
		if (!strncmp(dev->name, name, SN_IFNAMSIZ))
			return dev;
	return NULL;
}

bool sn_netif_carrier_ok(struct sn_netdev *dev)
{
	/* A vlan stack is bounded by the number of devices; the walk ends at a physical port. */
	for (int depth = 0; dev && depth < SN_MAX_DEVS; depth++, dev = dev->lower) {
		if (!__atomic_load_n(&dev->admin_up, __ATOMIC_ACQUIRE))
			return false;
		if (dev->ops->carrier && !dev->ops->carrier(dev))
			return false;
	}
	return true;
}

void sn_dev_count_rx(struct sn_netdev *dev, uint32_t bytes)
{
	struct sn_dev_pcpu_stats *s = dev_stats(dev);

	pcpu_add(&s->rx_packets, 1);
	pcpu_add(&s->rx_bytes, bytes);
}

void sn_dev_count_tx(struct sn_netdev *dev, uint32_t bytes)
{
	struct sn_dev_pcpu_stats *s = dev_stats(dev);

	pcpu_add(&s->tx_packets, 1);
	pcpu_add(&s->tx_bytes, bytes);
}

void sn_dev_count_forwarded(struct sn_netdev *dev)
{
	pcpu_add(&dev_stats(dev)->forwarded, 1);
}

void sn_dev_count_rx_n(struct sn_netdev *dev, uint32_t n, uint64_t bytes)
{
	struct sn_dev_pcpu_stats *s = dev_stats(dev);

	pcpu_add(&s->rx_packets, n);
	pcpu_add(&s->rx_bytes, bytes);
}

void sn_dev_count_tx_n(struct sn_netdev *dev, uint32_t n, uint64_t bytes)
{
	struct sn_dev_pcpu_stats *s = dev_stats(dev);

	pcpu_add(&s->tx_packets, n);
	pcpu_add(&s->tx_bytes, bytes);
}

void sn_dev_count_forwarded_n(struct sn_netdev *dev, uint32_t n)
{
	pcpu_add(&dev_stats(dev)->forwarded, n);
}

void sn_dev_count_fwd_clone(struct sn_netdev *dev)
{
	pcpu_add(&dev_stats(dev)->fwd_clones, 1);
}

enum drop_dir { DROP_INGRESS, DROP_EGRESS, DROP_EVENT };

/* The direction of a reason for a frame in hand (netdev.h); the rest are DROP_INGRESS. */
static const uint8_t drop_dir[SN_DROP_MAX] = {
	[SN_DROP_PORT_DOWN] = DROP_EGRESS,
	[SN_DROP_TX_RING_FULL] = DROP_EGRESS,
	[SN_DROP_TX_ERROR] = DROP_EGRESS,
	[SN_DROP_DEAD_LOOP] = DROP_EGRESS,
	[SN_DROP_TOO_BIG] = DROP_EGRESS,
	[SN_DROP_SHUTDOWN] = DROP_EGRESS,
	[SN_DROP_NOMEM_BUF] = DROP_EGRESS,
	[SN_DROP_BRIDGE_FDB_FULL] = DROP_EVENT,
	[SN_DROP_ICMP_RATELIMIT] = DROP_EVENT,
};

static __always_inline enum sn_drop_reason drop_reason_ok(enum sn_drop_reason r)
{
	return (unsigned int)r >= SN_DROP_MAX ? SN_DROP_MALFORMED : r;
}

/* Count @r on @dev: in drops[], and in rx_drops[] (@rx) or tx_drops[] (@tx). */
static void __count_drop(struct sn_netdev *dev, enum sn_drop_reason r, bool rx, bool tx)
{
	struct sn_dev_pcpu_stats *s = dev_stats(dev);

	r = drop_reason_ok(r);
	pcpu_add(&s->drops[r], 1);
	if (rx)
		pcpu_add(&s->rx_drops[r], 1);
	if (tx)
		pcpu_add(&s->tx_drops[r], 1);
}

void sn_dev_drop_frame(struct sn_netdev *dev, struct sn_frame *f, enum sn_drop_reason r)
{
	bool egress = drop_dir[drop_reason_ok(r)] == DROP_EGRESS;

	/* A frame in hand is a frame lost: an "event" reason on one counts as ingress. */
	__count_drop(dev, r, !egress, egress);
	sn_frame_free(f, false);
}

void sn_dev_drop_tx_frame(struct sn_netdev *dev, struct sn_frame *f, enum sn_drop_reason r)
{
	__count_drop(dev, r, false, true);
	sn_frame_free(f, false);
}

void sn_dev_drop_xmit_frame(struct sn_netdev *dev, struct sn_frame *f, enum sn_drop_reason r)
{
	sn_dev_count_tx_unsent(dev, r);
	sn_frame_free(f, false);
}

void sn_dev_count_drop(struct sn_netdev *dev, enum sn_drop_reason r)
{
	r = drop_reason_ok(r);
	if (r == SN_DROP_SHUTDOWN || drop_dir[r] == DROP_INGRESS)
		sn_dev_count_rx_ring_drop(dev, r);
	else if (drop_dir[r] == DROP_EGRESS)
		sn_dev_count_tx_unsent(dev, r);
	else
		__count_drop(dev, r, false, false);
}

void sn_dev_count_rx_ring_drop(struct sn_netdev *dev, enum sn_drop_reason r)
{
	__count_drop(dev, r, true, false);
	pcpu_add(&dev_stats(dev)->rx_ring_drops, 1);
}

void sn_dev_count_tx_unsent(struct sn_netdev *dev, enum sn_drop_reason r)
{
	__count_drop(dev, r, false, true);
	pcpu_add(&dev_stats(dev)->tx_unsent, 1);
}

void sn_dev_count_tx_drop(struct sn_netdev *dev, enum sn_drop_reason r)
{
	__count_drop(dev, r, false, true);
}

void sn_dev_count_drop_event(struct sn_netdev *dev, enum sn_drop_reason r)
{
	__count_drop(dev, r, false, false);
}

void sn_dev_stats_read(struct sn_netdev *dev, int cpu, struct sn_dev_stats *out)
{
	int c;

	memset(out, 0, sizeof(*out));
	for_each_possible_cpu(c) {
		if (cpu >= 0 && c != cpu)
			continue;
		const struct sn_dev_pcpu_stats *s = per_cpu_ptr(dev->pcpu_stats, c);

		out->rx_packets += __atomic_load_n(&s->rx_packets, __ATOMIC_RELAXED);
		out->rx_bytes += __atomic_load_n(&s->rx_bytes, __ATOMIC_RELAXED);
		out->tx_packets += __atomic_load_n(&s->tx_packets, __ATOMIC_RELAXED);
		out->tx_bytes += __atomic_load_n(&s->tx_bytes, __ATOMIC_RELAXED);
		out->forwarded += __atomic_load_n(&s->forwarded, __ATOMIC_RELAXED);
		out->fwd_clones += __atomic_load_n(&s->fwd_clones, __ATOMIC_RELAXED);
		out->rx_ring_drops += __atomic_load_n(&s->rx_ring_drops, __ATOMIC_RELAXED);
		out->tx_unsent += __atomic_load_n(&s->tx_unsent, __ATOMIC_RELAXED);
		for (int r = 0; r < SN_DROP_MAX; r++) {
			uint64_t v = __atomic_load_n(&s->drops[r], __ATOMIC_RELAXED);
			uint64_t rx = __atomic_load_n(&s->rx_drops[r], __ATOMIC_RELAXED);
			uint64_t tx = __atomic_load_n(&s->tx_drops[r], __ATOMIC_RELAXED);

			out->drops[r] += v;
			out->drops_total += v;
			out->rx_drops[r] += rx;
			out->rx_drops_total += rx;
			out->tx_drops[r] += tx;
			out->tx_drops_total += tx;
		}
	}
}

void sn_netdev_set_rx_handler(sn_rx_handler_t fn)
{
	__atomic_store_n(&rx_handler, fn, __ATOMIC_RELEASE);
}

static __always_inline uint16_t get_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

bool (*sn_xdp_rx_hook)(struct sn_frame *f);

void sn_netif_receive_frame(struct sn_frame *f)
{
	struct sn_netdev *dev = f->dev;
	sn_rx_handler_t fn;

	/*
	 * XDP first, as a driver runs it before any stack work (xdp/ installs the hook). It returns
	 * true when it consumed the frame (DROP, TX, REDIRECT, ABORTED), having counted it itself.
	 */
	if (unlikely(__atomic_load_n(&dev->xdp_prog, __ATOMIC_ACQUIRE) != NULL)) {
		bool (*hook)(struct sn_frame *) = __atomic_load_n(&sn_xdp_rx_hook, __ATOMIC_ACQUIRE);

		if (hook && hook(f))
			return;
	}

	struct sn_netdev *xc = __atomic_load_n(&dev->xconnect, __ATOMIC_RELAXED);

	if (xc) {
		/* io forwarding: what arrives leaves by the other port as it came. */
		if (unlikely(f->len < ETH_HLEN)) {
			sn_dev_count_rx_ring_drop(dev, SN_DROP_RUNT);
			sn_frame_free(f, false);
			return;
		}
		sn_dev_count_rx(dev, f->len);
		sn_dev_count_forwarded(dev);
		sn_dev_queue_xmit(f, xc);
		return;
	}

	/*
	 * Count the frame on every device it enters: the port, then each vlan device it is
	 * untagged onto (stacked tags are peeled one per pass, as vlan_do_receive() per device).
	 */
	for (;;) {
		if (unlikely(f->len < ETH_HLEN)) {
			/* Dropped before rx_packets counts it: received all the same (rx_ring_drops). */
			sn_dev_count_rx_ring_drop(dev, SN_DROP_RUNT);
			sn_frame_free(f, false);
			return;
		}
		sn_dev_count_rx(dev, f->len);
		if (get_be16(f->data + 12) != ETH_P_8021Q)
			break;
		if (unlikely(f->len < ETH_HLEN + VLAN_HLEN)) {
			sn_dev_drop_frame(dev, f, SN_DROP_VLAN_TRUNC);
			return;
		}
		uint16_t tci = get_be16(f->data + 14);
		struct sn_netdev **upper = __atomic_load_n(&dev->vlan_upper, __ATOMIC_ACQUIRE);
		struct sn_netdev *vdev = upper ? __atomic_load_n(&upper[tci & VLAN_VID_MASK],
								 __ATOMIC_ACQUIRE)
					       : NULL;

		if (!vdev || !__atomic_load_n(&vdev->admin_up, __ATOMIC_ACQUIRE)) {
			sn_dev_drop_frame(dev, f, SN_DROP_VLAN_UNKNOWN);
			return;
		}
		/* Pop the tag: the two MAC addresses move up over it. */
		memmove(f->data + VLAN_HLEN, f->data, 12);
		f->data += VLAN_HLEN;
		f->len -= VLAN_HLEN;
		f->vlan_tci = tci;
		f->flags |= SN_FRAME_F_VLAN;
		f->dev = vdev;
		dev = vdev;
	}
	fn = __atomic_load_n(&rx_handler, __ATOMIC_ACQUIRE);
	if (unlikely(!fn)) {
		sn_dev_drop_frame(dev, f, SN_DROP_LOCAL_UNHANDLED);
		return;
	}
	fn(f);
}
