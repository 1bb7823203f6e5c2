/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * xmit.h - dev_queue_xmit() with the transmit recursion guard (KERNEL.md §5).
 *
 * Each tx queue has a lock (HARD_TX_LOCK): a spinning lock owned by a CPU in vanilla; a PI
 * rt_mutex owned by a task in the RT profiles (spinlock_t is a sleeping lock there). The owner
 * test is netif_tx_owned(): !RT "owner CPU == this CPU", RT "owner task == current" — the upstream
 * RT fix b824c3e16c19, without which two tasks of one CPU in BH raise a false "Dead loop".
 * The recursion counter is per CPU (softnet_data.xmit.recursion) in vanilla and per task
 * (current->xmit_recursion) in the RT profiles; the limit is XMIT_RECURSION_LIMIT (8): at a depth
 * above it, or when this CPU/task already owns the queue, the frame is dropped with "Dead loop on
 * virtual device %s, fix it urgently!" (rate-limited log) and SN_DROP_DEAD_LOOP on the device.
 *
 * Devices with SN_DEV_F_LLTX (vlan, loop) take no tx lock: only the counter catches their loops.
 *
 * Tx bulk: start_xmit() only queues; the queue is put on this CPU's flush list (under
 * local_lock_nested_bh of that list) and flushed at the end of the NAPI poll, or at the end of
 * the BH section for frames sent from task context through sn_dev_queue_xmit_task().
 *
 * Context: BH.
 */
#ifndef NET_XMIT_H
#define NET_XMIT_H

#include <stdbool.h>
#include <stdint.h>

#include "bhlock/rt_mutex.h"
#include "net/drop_reason.h"
#include "net/frame.h"

#define XMIT_RECURSION_LIMIT 8

struct sn_netdev;

struct sn_txq_stats {
	uint64_t packets, bytes;
	uint64_t flushes;   /* tx_flush calls */
	uint64_t busy;      /* NETDEV_TX_BUSY returns (frame then dropped TX_RING_FULL) */
	uint64_t dead_loop; /* owner or recursion drops */
	uint64_t lock_contended; /* the tx lock was held by someone else */
};

struct sn_txq {
	struct sn_netdev *dev;
	unsigned int qid;
	struct rt_mutex lock;     /* RT profiles */
	int spin;                 /* vanilla: 0 free, 1 held */
	int xmit_lock_owner;      /* vanilla: CPU, RT: tid; -1 when free */
	bool on_flush_list;       /* per CPU; see flush list */
	struct sn_txq *flush_next;
	unsigned int pending;     /* frames queued since the last flush (backend may use) */
	struct sn_txq_stats stats; /* under the tx lock (LLTX: per-CPU races tolerated? no: atomics) */
	void *priv;               /* backend per-queue state */
};

/* Initialise the queues of a device (called by sn_netdev_alloc). */
void sn_txq_init(struct sn_txq *txq, struct sn_netdev *dev, unsigned int qid);

/**
 * sn_dev_queue_xmit() - transmit @f on @dev: pick the tx queue (this CPU modulo nr_txq), check
 * the carrier (PORT_DOWN), the MTU (TOO_BIG), the recursion and the owner (DEAD_LOOP), take the
 * tx lock, call start_xmit inside the recursion counter, queue the txq for flushing.
 * Consumes @f. Context: BH.
 * Return: 0 (taken), -ENETDOWN (down or dead loop), -EMSGSIZE, -ENOBUFS (ring full).
 */
int sn_dev_queue_xmit(struct sn_frame *f, struct sn_netdev *dev);

/*
 * The transmit bulk of a NAPI poll (the tx half of the poll's batching; the kernel takes
 * HARD_TX_LOCK once per bulk of frames to one queue, sch_direct_xmit()). While a bulk is
 * installed for the calling task, sn_dev_queue_xmit() called at recursion depth 0 for a device
 * whose start_xmit() only queues (it has tx_flush, no LLTX) makes every check as usual — carrier,
 * size, owner, depth, each drop counted — and then only appends the frame to the bulk
 * (return 0). sn_xmit_bulk_end() (or a full bulk, or a direct transmit by the same task, which
 * keeps the task's frames in order) hands them over: per tx queue, one taking of its lock,
 * start_xmit() for each frame in order inside the recursion counter, the counters added once.
 * The bulk belongs to the task (thread-local), like the frame stash: a task that preempts the
 * poller transmits directly. Nesting allowed. Context: BH, begin and end in one BH section.
 */
#define SN_XMIT_BULK_MAX 64
struct sn_xmit_bulk {
	unsigned int n;
	struct sn_xmit_bulk *prev;
	struct {
		struct sn_txq *txq; /* NULL once handed over */
		struct sn_frame *f;
	} q[SN_XMIT_BULK_MAX];
};
void sn_xmit_bulk_begin(struct sn_xmit_bulk *b);
void sn_xmit_bulk_end(struct sn_xmit_bulk *b);

/* The current recursion depth (dev_recursion_level()). */
int sn_dev_recursion_level(void);

/* Flush every tx queue on this CPU's flush list. Called by the NAPI core after each poll. */
void sn_xmit_flush_pending(void);

/* netif_tx_owned(): this CPU (vanilla) / this task (RT) holds @txq's lock. */
bool sn_netif_tx_owned(const struct sn_txq *txq);
/* HARD_TX_LOCK / UNLOCK for backends that must take it outside sn_dev_queue_xmit (reaping). */
void sn_tx_lock(struct sn_txq *txq);
bool sn_tx_trylock(struct sn_txq *txq);
void sn_tx_unlock(struct sn_txq *txq);

/*
 * A backend's bulk transmit (the DPDK io fast path): dev_queue_xmit()'s per-queue work done once
 * for a burst. sn_dev_xmit_bulk() checks the carrier (PORT_DOWN), the queue owner and the
 * recursion depth (DEAD_LOOP, logged and counted as sn_dev_queue_xmit() does), takes this CPU's
 * tx queue lock, and calls @fn(@dev, txq, @arg) under it and inside the recursion counter. @fn
 * hands its buffers to the hardware, drops what it must (sn_dev_count_tx_*), and returns what it
 * queued: the txq and device tx counters are added from that. Not for LLTX devices.
 * Context: BH. Return: 0, or -ENETDOWN with *@why set: nothing was sent, the caller frees the
 * burst and counts each buffer sn_dev_count_tx_drop(dev, *why).
 */
struct sn_xmit_bulk_done {
	uint32_t packets;
	uint64_t bytes;
};
typedef struct sn_xmit_bulk_done (*sn_xmit_bulk_fn)(struct sn_netdev *dev, struct sn_txq *txq,
						     void *arg);
int sn_dev_xmit_bulk(struct sn_netdev *dev, sn_xmit_bulk_fn fn, void *arg,
		     enum sn_drop_reason *why);

#endif /* NET_XMIT_H */
