// SPDX-License-Identifier: GPL-2.0-only
/*
 * xmit.c - dev_queue_xmit() for softnetd's ports, with the transmit recursion guard and the tx
 * queue lock owner test (KERNEL.md §5; net/core/dev.c __dev_queue_xmit(), the no-qdisc path of a
 * virtual device, which is every port here: no qdisc layer).
 *
 * Recursion counter: per CPU in vanilla (softnet_data.xmit.recursion, napi.c), per task in the RT
 * profiles (current->xmit_recursion), as since "net: softnet_data: Make xmit per task." — a task
 * preempted inside a transmit must not lend its depth to the next task of its CPU.
 *
 * Tx queue lock (HARD_TX_LOCK): vanilla spins on txq->spin and records the owner CPU, as a
 * !RT spinlock_t with preemption off; the RT profiles take txq->lock, a PI rt_mutex, and record
 * the owner task. netif_tx_owned() follows the profile: CPU in vanilla, task on RT (upstream
 * b824c3e16c19 — with the CPU test, two tasks of one CPU both inside a transmit see a false
 * "Dead loop" once BH sections can preempt each other, i.e. in rt-nested).
 *
 * Tx bulk: start_xmit() only queues. A queue that got frames is put on this CPU's flush list,
 * which tasks of this CPU share (and in rt-nested preempt each other on), hence its nested-BH
 * lock; the NAPI core calls sn_xmit_flush_pending() after every poll, which calls tx_flush once
 * for each listed queue under its tx lock. The list is singly linked through txq->flush_next;
 * txq->on_flush_list, written only under the queue's tx lock, says the queue sits on some
 * CPU's list, whose flush will then push whatever was queued before it takes that lock.
 *
 * Counting: devices with a tx lock are counted here (tx on NETDEV_TX_OK). LLTX devices (vlan,
 * loop) hand the frame on to another device and count their own tx only when that succeeded,
 * as tunnels do; the core would otherwise count a frame that a lower device dropped.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bhlock/local_lock.h"
#include "bhlock/percpu.h"
#include "bhlock/preempt.h"
#include "bhlock/profile.h"
#include "bhlock/rt_mutex.h"
#include "bhlock/task.h"
#include "net/netdev.h"
#include "net/xmit.h"

#define ETH_HLEN 14
#define VLAN_HLEN 4

/* In napi.c: this CPU's softnet_data.xmit.recursion (vanilla). */
int *__sn_softnet_xmit_recursion(void);
/* For netdev.c (private to net/). */
void __sn_txq_unlist(struct sn_txq *txq);

struct sn_xmit_flush {
	local_lock_t bh_lock; /* protects head and tail: this CPU's tx queues awaiting a flush */
	struct sn_txq *head, *tail;
} ____cacheline_aligned;

static DEFINE_PER_CPU(struct sn_xmit_flush, sn_xmit_flush) = {
	.bh_lock = INIT_LOCAL_LOCK(sn_xmit_flush.bh_lock),
};

#define txq_stat_add(txq, field, v) __atomic_add_fetch(&(txq)->stats.field, (v), __ATOMIC_RELAXED)

void sn_txq_init(struct sn_txq *txq, struct sn_netdev *dev, unsigned int qid)
{
	static struct lock_class_key txq_lock_key;

	memset(txq, 0, sizeof(*txq));
	txq->dev = dev;
	txq->qid = qid;
	txq->xmit_lock_owner = -1;
	/* One class for every tx queue lock, like the kernel's _xmit_lock class per type. */
	__rt_mutex_init(&txq->lock, "sn_txq.lock", &txq_lock_key);
}

static __always_inline int *xmit_recursion(void)
{
	return bh_profile_is_rt() ? &current->xmit_recursion : __sn_softnet_xmit_recursion();
}

int sn_dev_recursion_level(void)
{
	return *xmit_recursion();
}

bool sn_netif_tx_owned(const struct sn_txq *txq)
{
	if (bh_profile_is_rt())
		return rt_mutex_owner(&txq->lock) == current->tid;
	return READ_ONCE(txq->xmit_lock_owner) == smp_processor_id();
}

void sn_tx_lock(struct sn_txq *txq)
{
	if (bh_profile_is_rt()) {
		rt_mutex_lock(&txq->lock);
		WRITE_ONCE(txq->xmit_lock_owner, current->tid);
		return;
	}
	for (;;) {
		int free = 0;

		if (__atomic_compare_exchange_n(&txq->spin, &free, 1, false, __ATOMIC_ACQUIRE,
						__ATOMIC_RELAXED))
			break;
		while (__atomic_load_n(&txq->spin, __ATOMIC_RELAXED))
			cpu_relax();
	}
	bh_tsan_acquire(&txq->spin);
	WRITE_ONCE(txq->xmit_lock_owner, smp_processor_id());
}

bool sn_tx_trylock(struct sn_txq *txq)
{
	if (bh_profile_is_rt()) {
		if (!rt_mutex_trylock(&txq->lock))
			return false;
		WRITE_ONCE(txq->xmit_lock_owner, current->tid);
		return true;
	}
	int free = 0;

	if (!__atomic_compare_exchange_n(&txq->spin, &free, 1, false, __ATOMIC_ACQUIRE,
					 __ATOMIC_RELAXED))
		return false;
	bh_tsan_acquire(&txq->spin);
	WRITE_ONCE(txq->xmit_lock_owner, smp_processor_id());
	return true;
}

void sn_tx_unlock(struct sn_txq *txq)
{
	WRITE_ONCE(txq->xmit_lock_owner, -1);
	if (bh_profile_is_rt()) {
		rt_mutex_unlock(&txq->lock);
		return;
	}
	bh_tsan_release(&txq->spin);
	__atomic_store_n(&txq->spin, 0, __ATOMIC_RELEASE);
}

/* net_crit_ratelimited(): at most 10 messages per 5 s, written with one write(2), no malloc. */
static void xmit_crit_ratelimited(const char *fmt, const char *name)
{
	static uint64_t window_start;
	static int in_window;
	struct timespec ts;
	uint64_t now, start;
	char buf[128];
	int len;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
	start = __atomic_load_n(&window_start, __ATOMIC_RELAXED);
	if (now - start > 5000000000ULL &&
	    __atomic_compare_exchange_n(&window_start, &start, now, false, __ATOMIC_RELAXED,
					__ATOMIC_RELAXED))
		__atomic_store_n(&in_window, 0, __ATOMIC_RELAXED);
	if (__atomic_add_fetch(&in_window, 1, __ATOMIC_RELAXED) > 10)
		return;
	len = snprintf(buf, sizeof(buf), fmt, name);
	if (len > (int)sizeof(buf) - 1)
		len = (int)sizeof(buf) - 1;
	if (write(STDERR_FILENO, buf, (size_t)len) < 0)
		return;
}

/* Put @txq on this CPU's flush list. Context: BH, @txq's tx lock held (or LLTX). */
static void xmit_flush_list_add(struct sn_txq *txq)
{
	struct sn_xmit_flush *fl;

	if (txq->on_flush_list)
		return;
	txq->on_flush_list = true;
	txq->flush_next = NULL;
	fl = this_cpu_ptr(&sn_xmit_flush);
	scoped_guard(local_lock_nested_bh, &sn_xmit_flush.bh_lock) {
		if (fl->tail)
			fl->tail->flush_next = txq;
		else
			WRITE_ONCE(fl->head, txq); /* read unlocked by sn_xmit_flush_pending() */
		fl->tail = txq;
	}
}

void sn_xmit_flush_pending(void)
{
	struct sn_xmit_flush *fl = this_cpu_ptr(&sn_xmit_flush);
	struct sn_txq *txq, *next;

	if (!READ_ONCE(fl->head))
		return;
	scoped_guard(local_lock_nested_bh, &sn_xmit_flush.bh_lock) {
		txq = fl->head;
		WRITE_ONCE(fl->head, NULL);
		fl->tail = NULL;
	}
	for (; txq; txq = next) {
		struct sn_netdev *dev = txq->dev;
		bool lltx = dev->flags & SN_DEV_F_LLTX;

		if (!lltx)
			sn_tx_lock(txq);
		/* Read the link before the queue can be listed again (by us, under this lock). */
		next = txq->flush_next;
		txq->flush_next = NULL;
		txq->on_flush_list = false;
		if (dev->ops->tx_flush)
			dev->ops->tx_flush(dev, txq);
		txq_stat_add(txq, flushes, 1);
		if (!lltx)
			sn_tx_unlock(txq);
	}
}

/*
 * Unregister: take @txq off whichever CPU's flush list holds it. Context: thread, no traffic on
 * the device any more (so no list is being changed): a plain walk of every CPU's list.
 */
void __sn_txq_unlist(struct sn_txq *txq)
{
	int cpu;

	if (!READ_ONCE(txq->on_flush_list))
		return;
	for_each_possible_cpu(cpu) {
		struct sn_xmit_flush *fl = per_cpu_ptr(&sn_xmit_flush, cpu);
		struct sn_txq *prev = NULL;

		for (struct sn_txq *t = fl->head; t; prev = t, t = t->flush_next) {
			if (t != txq)
				continue;
			if (prev)
				prev->flush_next = t->flush_next;
			else
				WRITE_ONCE(fl->head, t->flush_next);
			if (fl->tail == t)
				fl->tail = prev;
			txq->flush_next = NULL;
			txq->on_flush_list = false;
			return;
		}
	}
}

static int xmit_drop(struct sn_netdev *dev, struct sn_frame *f, enum sn_drop_reason r, int err)
{
	sn_dev_drop_frame(dev, f, r);
	return err;
}

static __always_inline uint32_t xmit_max_len(const struct sn_netdev *dev, const struct sn_frame *f)
{
	uint32_t max = dev->mtu + ETH_HLEN;

	/* A frame that still carries its 802.1Q tag may be 4 bytes longer; so may XDP's (frame.h). */
	if ((f->flags & SN_FRAME_F_XDP_XMIT) ||
	    (f->len >= ETH_HLEN + VLAN_HLEN && f->data[12] == 0x81 && f->data[13] == 0x00))
		max += VLAN_HLEN;
	return max;
}

/* The tx bulk of the poll the calling task runs, or NULL (xmit.h). Only that task touches it. */
static __thread struct sn_xmit_bulk *xmit_bulk;

void sn_xmit_bulk_begin(struct sn_xmit_bulk *b)
{
	b->n = 0;
	b->prev = xmit_bulk;
	xmit_bulk = b;
}

/*
 * Hand the frames of @b to their queues: for the first pending frame's queue, take the tx lock
 * once, transmit that queue's frames in their order, count, list the queue for the flush and
 * unlock; then the next queue. The bulk is uninstalled meanwhile, so that anything transmitted
 * from inside goes direct. Context: BH, no tx lock held.
 */
static void xmit_bulk_flush(struct sn_xmit_bulk *b)
{
	unsigned int n = b->n;
	int *recursion = xmit_recursion();

	xmit_bulk = b->prev;
	for (unsigned int i = 0; i < n; i++) {
		struct sn_txq *txq = b->q[i].txq;
		struct sn_netdev *dev;
		uint64_t bytes = 0;
		uint32_t packets = 0;

		if (!txq)
			continue;
		dev = txq->dev;
		if (!sn_tx_trylock(txq)) {
			txq_stat_add(txq, lock_contended, 1);
			sn_tx_lock(txq);
		}
		for (unsigned int j = i; j < n; j++) {
			struct sn_frame *f = b->q[j].f;
			uint32_t len = f->len;

			if (b->q[j].txq != txq)
				continue;
			b->q[j].txq = NULL;
			(*recursion)++;
			if (likely(dev->ops->start_xmit(f, dev, txq) == NETDEV_TX_OK)) {
				packets++;
				bytes += len;
			} else {
				txq_stat_add(txq, busy, 1);
				xmit_drop(dev, f, SN_DROP_TX_RING_FULL, -ENOBUFS);
			}
			(*recursion)--;
		}
		if (packets) {
			txq_stat_add(txq, packets, packets);
			txq_stat_add(txq, bytes, bytes);
			sn_dev_count_tx_n(dev, packets, bytes);
			xmit_flush_list_add(txq);
		}
		sn_tx_unlock(txq);
	}
	b->n = 0;
	xmit_bulk = b;
}

void sn_xmit_bulk_end(struct sn_xmit_bulk *b)
{
	if (b->n)
		xmit_bulk_flush(b);
	xmit_bulk = b->prev;
}

int sn_dev_queue_xmit(struct sn_frame *f, struct sn_netdev *dev)
{
	struct sn_xmit_bulk *b = xmit_bulk;
	bool lltx = dev->flags & SN_DEV_F_LLTX;
	enum sn_netdev_tx ret;
	struct sn_txq *txq;
	uint32_t len = f->len;
	int *recursion;

	if (unlikely(!sn_netif_carrier_ok(dev)))
		return xmit_drop(dev, f, SN_DROP_PORT_DOWN, -ENETDOWN);
	if (unlikely(len > xmit_max_len(dev, f)))
		return xmit_drop(dev, f, SN_DROP_TOO_BIG, -EMSGSIZE);
	if (unlikely(!dev->nr_txq))
		return xmit_drop(dev, f, SN_DROP_TX_ERROR, -ENETDOWN);
	txq = &dev->txq[(unsigned int)smp_processor_id() % dev->nr_txq];
	recursion = xmit_recursion();

	/* Re-entering a queue we hold, or too deep: the device loops back into itself. */
	if (unlikely((!lltx && sn_netif_tx_owned(txq)) || *recursion > XMIT_RECURSION_LIMIT)) {
		txq_stat_add(txq, dead_loop, 1);
		xmit_crit_ratelimited("Dead loop on virtual device %s, fix it urgently!\n",
				      dev->name);
		return xmit_drop(dev, f, SN_DROP_DEAD_LOOP, -ENETDOWN);
	}
	if (b) {
		if (!lltx && !*recursion && dev->ops->tx_flush) {
			if (unlikely(b->n == SN_XMIT_BULK_MAX))
				xmit_bulk_flush(b);
			b->q[b->n].txq = txq;
			b->q[b->n].f = f;
			b->n++;
			return 0;
		}
		/* A direct transmit: what this task queued before goes first. */
		if (b->n)
			xmit_bulk_flush(b);
	}
	if (!lltx && !sn_tx_trylock(txq)) {
		txq_stat_add(txq, lock_contended, 1);
		sn_tx_lock(txq);
	}
	(*recursion)++;
	ret = dev->ops->start_xmit(f, dev, txq);
	(*recursion)--;
	if (likely(ret == NETDEV_TX_OK)) {
		if (!lltx) {
			txq_stat_add(txq, packets, 1);
			txq_stat_add(txq, bytes, len);
			sn_dev_count_tx(dev, len);
			if (dev->ops->tx_flush)
				xmit_flush_list_add(txq);
		}
	} else {
		txq_stat_add(txq, busy, 1);
	}
	if (!lltx)
		sn_tx_unlock(txq);
	if (unlikely(ret != NETDEV_TX_OK))
		return xmit_drop(dev, f, SN_DROP_TX_RING_FULL, -ENOBUFS);
	return 0;
}

int sn_dev_xmit_bulk(struct sn_netdev *dev, sn_xmit_bulk_fn fn, void *arg,
		     enum sn_drop_reason *why)
{
	struct sn_xmit_bulk_done done;
	struct sn_txq *txq;
	int *recursion;

	if (unlikely(!sn_netif_carrier_ok(dev))) {
		*why = SN_DROP_PORT_DOWN;
		return -ENETDOWN;
	}
	if (unlikely(!dev->nr_txq || (dev->flags & SN_DEV_F_LLTX))) {
		*why = SN_DROP_TX_ERROR;
		return -ENETDOWN;
	}
	txq = &dev->txq[(unsigned int)smp_processor_id() % dev->nr_txq];
	recursion = xmit_recursion();
	if (unlikely(sn_netif_tx_owned(txq) || *recursion > XMIT_RECURSION_LIMIT)) {
		txq_stat_add(txq, dead_loop, 1);
		xmit_crit_ratelimited("Dead loop on virtual device %s, fix it urgently!\n",
				      dev->name);
		*why = SN_DROP_DEAD_LOOP;
		return -ENETDOWN;
	}
	if (!sn_tx_trylock(txq)) {
		txq_stat_add(txq, lock_contended, 1);
		sn_tx_lock(txq);
	}
	(*recursion)++;
	done = fn(dev, txq, arg);
	(*recursion)--;
	if (done.packets) {
		txq_stat_add(txq, packets, done.packets);
		txq_stat_add(txq, bytes, done.bytes);
		sn_dev_count_tx_n(dev, done.packets, done.bytes);
	}
	sn_tx_unlock(txq);
	return 0;
}
