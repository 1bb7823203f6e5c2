/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * rqspinlock.h - the resilient queued spinlock (KERNEL.md §8): a qspinlock whose every wait is
 * bounded, with AA and ABBA deadlock detection, so that an acquisition fails with -EDEADLK or
 * -ETIMEDOUT instead of hanging. Used for map bucket locks and pcpu_freelist heads.
 *
 * Lock word (32 bits, as qspinlock): locked byte (bits 0-7), pending (bit 8), tail index
 * (bits 16-17), tail task slot + 1 (bits 18-31). The tail names a task (see rqspinlock_types.h for
 * why not a CPU).
 *
 * Rules: callers must handle failure; unlocks are LIFO; at most RES_NR_HELD (31) locks are tracked
 * per task (more still work, but are not checked). A waiter spins: do not let a waiter of higher
 * priority spin on the CPU of a preempted holder for longer than the timeout.
 *
 * Context: any, including signal handlers (NMI-like): that is the point of the lock.
 */
#ifndef BHLOCK_RQSPINLOCK_H
#define BHLOCK_RQSPINLOCK_H

#include "compiler.h"
#include "lockdep.h"
#include "rqspinlock_types.h"

#define RES_DEF_TIMEOUT_NS (1000000000ULL / 4) /* 0.25 s per waiting phase; queue head 2x */
#define RES_TIMEOUT_VAL 2

typedef struct rqspinlock {
	uint32_t val;
	struct lockdep_map dep_map;
} rqspinlock_t;

#define RQSPINLOCK_INITIALIZER { .val = 0 }

void __raw_res_spin_lock_init(rqspinlock_t *lock, const char *name, struct lock_class_key *key);
#define raw_res_spin_lock_init(l)                                                                  \
	do {                                                                                       \
		static struct lock_class_key __key;                                                \
		__raw_res_spin_lock_init((l), #l, &__key);                                         \
	} while (0)

/**
 * res_spin_lock() - take the lock or fail.
 * Context: any.
 * Return: 0 with the lock held; -EDEADLK (AA: this task, or a handler interrupting it, holds it;
 * ABBA: a cycle with another task), or -ETIMEDOUT after the bounded wait. On failure nothing is
 * held and the task's held table is as before.
 */
int __res_spin_lock(rqspinlock_t *lock, const char *site);
void __res_spin_unlock(rqspinlock_t *lock, const char *site);
#define res_spin_lock(l) __res_spin_lock((l), BH_THIS_SITE)
#define res_spin_unlock(l) __res_spin_unlock((l), BH_THIS_SITE)

/*
 * raw_ variants add what the kernel adds (preempt_disable / local_irq_save). In userspace they
 * block this thread's NMI-like signals for the section (irqsave) and restore them on failure.
 */
int __raw_res_spin_lock_irqsave(rqspinlock_t *lock, unsigned long *flags, const char *site);
void __raw_res_spin_unlock_irqrestore(rqspinlock_t *lock, unsigned long flags, const char *site);
#define raw_res_spin_lock_irqsave(l, f) __raw_res_spin_lock_irqsave((l), &(f), BH_THIS_SITE)
#define raw_res_spin_unlock_irqrestore(l, f)                                                       \
	__raw_res_spin_unlock_irqrestore((l), (f), BH_THIS_SITE)

/* Counters for tests and benchmarks (process-wide, relaxed). */
struct rqspinlock_stats {
	unsigned long aa, abba, timeout;
};
void rqspinlock_stats_read(struct rqspinlock_stats *out);

#endif /* BHLOCK_RQSPINLOCK_H */
