/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * rqspinlock.h - the resilient queued spinlock (KERNEL.md §8): a qspinlock whose every wait is
 * bounded, with AA and ABBA deadlock detection, so that an acquisition fails with -EDEADLK or
 * -ETIMEDOUT instead of hanging. Used for map bucket locks and pcpu_freelist heads.
 *
 * Lock word (32 bits, as qspinlock): locked byte (bits 0-7), pending (bit 8), tail index
 * (bits 16-17), tail task slot + 1 (bits 18-31). The tail names a task, not a CPU, because the
 * MCS nodes are per task (see rqspinlock_types.h).
 *
 * Rules:
 * - Callers must handle failure. On failure nothing is held and the task's held table is as it
 *   was before the call.
 * - Unlock in LIFO order. An out-of-order unlock still releases the right lock and fixes the
 *   table (a slower path), and the validator reports it in debug builds.
 * - At most RES_NR_HELD (31) locks are tracked per task; more still work but are not checked.
 * - Waiters spin. Each waiting phase gives up after RES_DEF_TIMEOUT (0.25 s; the head of the
 *   queue waits twice as long because the owner and a pending waiter may both be ahead of it).
 *   In userspace a holder can be preempted, so a waiter that has spun for a while yields its CPU
 *   between checks; still, do not let a SCHED_FIFO waiter spin on the CPU of a preempted holder
 *   of lower priority: it will time out instead of getting the lock.
 *
 * Context: any, including signal handlers run through nmi.h (NMI-like): that is the point of the
 * lock. A handler that interrupts a holder or a waiter of the same lock gets -EDEADLK at once,
 * wherever in res_spin_lock()/res_spin_unlock() the holder was interrupted (the held table is
 * kept so that a lock held by the interrupted context is always listed, see below).
 */
#ifndef BHLOCK_RQSPINLOCK_H
#define BHLOCK_RQSPINLOCK_H

#include <stdint.h>

#include "compiler.h"
#include "lockdep.h"
#include "rqspinlock_types.h"
#include "task.h"

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "rqspinlock: the lock word layout assumes a little-endian CPU"
#endif

#define RES_DEF_TIMEOUT_NS (1000000000ULL / 4) /* 0.25 s per waiting phase; queue head 2x */
#define RES_DEF_TIMEOUT RES_DEF_TIMEOUT_NS
/* Values a predecessor writes into a queued waiter's node->locked to make the queue unwind. */
#define RES_TIMEOUT_VAL 2
#define RES_DEADLK_VAL 3

/* Lock word layout. */
#define RES_Q_LOCKED_VAL 1U
#define RES_Q_LOCKED_MASK 0xffU
#define RES_Q_PENDING_VAL (1U << 8)
#define RES_Q_LOCKED_PENDING_MASK 0xffffU
#define RES_Q_TAIL_IDX_SHIFT 16
#define RES_Q_TAIL_IDX_MASK (3U << RES_Q_TAIL_IDX_SHIFT)
#define RES_Q_TAIL_SLOT_SHIFT 18
#define RES_Q_TAIL_MASK 0xffff0000U

typedef struct rqspinlock {
	union {
		uint32_t val;
		struct {
			uint8_t locked;
			uint8_t pending;
		};
		struct {
			uint16_t locked_pending;
			uint16_t tail;
		};
	};
	struct lockdep_map dep_map;
} rqspinlock_t;

_Static_assert(BH_MAX_TASKS + 1 <= (1U << (32 - RES_Q_TAIL_SLOT_SHIFT)),
	       "rqspinlock: task slots do not fit the tail");
_Static_assert(RES_NR_NODES <= 4, "rqspinlock: the tail index has two bits");

#define RQSPINLOCK_INITIALIZER { .val = 0 }

void __raw_res_spin_lock_init(rqspinlock_t *lock, const char *name, struct lock_class_key *key);
#define raw_res_spin_lock_init(l)                                                                  \
	do {                                                                                       \
		static struct lock_class_key __key;                                                \
		__raw_res_spin_lock_init((l), #l, &__key);                                         \
	} while (0)

/*
 * Out of line: the contended acquisition (entered with @lock already listed on top of the task's
 * table; on failure it unlists it) and the rare unlock cases.
 */
int __res_spin_lock_slowpath(rqspinlock_t *lock, uint32_t val);
void __res_spin_unlock_slowpath(rqspinlock_t *lock);

/*
 * Record @lock on top of the task's table. Count first, entry second: a signal handler that
 * arrives in between sees the slot as taken (and empty: slots above the count are kept NULL)
 * and works above it, and leaves the count as it found it. The stores are relaxed atomics only
 * because other tasks read the table (ABBA check).
 */
static __always_inline void __rqspin_held_push(struct rqspinlock_held *h, rqspinlock_t *lock)
{
	int cnt = __atomic_load_n(&h->cnt, __ATOMIC_RELAXED);

	__atomic_store_n(&h->cnt, cnt + 1, __ATOMIC_RELAXED);
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	if (likely(cnt < RES_NR_HELD))
		__atomic_store_n(&h->locks[cnt], (void *)lock, __ATOMIC_RELAXED);
}

/*
 * An entry whose lock is being released carries this bit until the entry is cleared: the AA
 * check still matches it (the interrupted context may hold the lock yet), the ABBA check of other
 * tasks ignores it (the lock is not held any more, nor waited for).
 */
#define RES_HELD_RELEASING 1UL

/**
 * res_spin_lock() - take the lock or fail.
 * Context: any, including NMI-like signal handlers.
 * Return: 0 with the lock held; -EDEADLK (AA: this task, or the context a handler interrupted,
 * holds, is taking or is releasing it; ABBA: a cycle with another task; or a waiter ahead in the
 * queue gave up on a deadlock), or -ETIMEDOUT after the bounded wait (also when a waiter ahead
 * timed out).
 *
 * The entry is listed BEFORE the acquiring cmpxchg (the kernel lists it just after): a signal
 * handler that interrupts the task between the cmpxchg and the listing would otherwise find the
 * lock taken but not listed, miss the AA case and wait out the timeout. Listed first, the entry
 * means "taking it", as it does in the slow path; a handler that lands before the cmpxchg and
 * wants the same lock either gets it (it is still free) or answers -EDEADLK at once.
 */
static __always_inline int __res_spin_lock(rqspinlock_t *lock, const char *site)
{
	uint32_t val = 0;

	/* A trylock for the validator: the lock resolves its own deadlocks. */
	lock_acquire(&lock->dep_map, true, site);
	__rqspin_held_push(&current->rqspin.held, lock);
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	if (likely(__atomic_compare_exchange_n(&lock->val, &val, RES_Q_LOCKED_VAL, false,
					       __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)))
		return 0;
	return __res_spin_lock_slowpath(lock, val);
}

/**
 * res_spin_unlock() - release a lock taken by res_spin_lock().
 * Context: the task (or handler) that took it, in LIFO order.
 *
 * The entry is marked "releasing" before the releasing store and cleared after it, the count
 * goes last: a handler arriving at any point either finds the lock listed (AA: -EDEADLK at once,
 * even just after the release) or not held at all, and never reuses the slot of a lock still
 * held. The kernel clears the entry before the release, which leaves a handler a window where
 * the lock is held but not listed.
 */
static __always_inline void __res_spin_unlock(rqspinlock_t *lock, const char *site)
{
	struct rqspinlock_held *h = &current->rqspin.held;
	int cnt = __atomic_load_n(&h->cnt, __ATOMIC_RELAXED);

	lock_release(&lock->dep_map, site);
	if (unlikely(cnt <= 0 || cnt > RES_NR_HELD ||
		     __atomic_load_n(&h->locks[cnt - 1], __ATOMIC_RELAXED) != (void *)lock)) {
		__res_spin_unlock_slowpath(lock);
		return;
	}
	__atomic_store_n(&h->locks[cnt - 1], (void *)((uintptr_t)lock | RES_HELD_RELEASING),
			 __ATOMIC_RELAXED);
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	__atomic_store_n(&lock->locked, 0, __ATOMIC_RELEASE);
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	__atomic_store_n(&h->locks[cnt - 1], NULL, __ATOMIC_RELAXED);
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	__atomic_store_n(&h->cnt, cnt - 1, __ATOMIC_RELAXED);
}

#define res_spin_lock(l) __res_spin_lock((l), BH_THIS_SITE)
#define res_spin_unlock(l) __res_spin_unlock((l), BH_THIS_SITE)

/*
 * raw_ variants: the kernel adds preempt_disable() / local_irq_save(). In userspace there is no
 * preemption to disable and no maskable interrupt: the NMI-like signals of nmi.h stay deliverable
 * (NMIs cannot be masked in the kernel either, and the lock is built to survive them). So flags
 * is always 0, and these are res_spin_lock()/res_spin_unlock() under the kernel's names.
 */
static __always_inline int __raw_res_spin_lock_irqsave(rqspinlock_t *lock, unsigned long *flags,
						       const char *site)
{
	*flags = 0;
	return __res_spin_lock(lock, site);
}

static __always_inline void __raw_res_spin_unlock_irqrestore(rqspinlock_t *lock,
							     unsigned long flags, const char *site)
{
	(void)flags;
	__res_spin_unlock(lock, site);
}

#define raw_res_spin_lock(l) __res_spin_lock((l), BH_THIS_SITE)
#define raw_res_spin_unlock(l) __res_spin_unlock((l), BH_THIS_SITE)
#define raw_res_spin_lock_irqsave(l, f) __raw_res_spin_lock_irqsave((l), &(f), BH_THIS_SITE)
#define raw_res_spin_unlock_irqrestore(l, f)                                                       \
	__raw_res_spin_unlock_irqrestore((l), (f), BH_THIS_SITE)

/* Counters for tests and benchmarks (process-wide, relaxed): failed acquisitions by cause. */
struct rqspinlock_stats {
	unsigned long aa;      /* -EDEADLK: lock already in this task's table */
	unsigned long abba;    /* -EDEADLK: cycle with another task's table */
	unsigned long timeout; /* -ETIMEDOUT: this waiter's own deadline passed */
	unsigned long unwound; /* failed because a waiter ahead in the queue gave up */
};
void rqspinlock_stats_read(struct rqspinlock_stats *out);

#endif /* BHLOCK_RQSPINLOCK_H */
