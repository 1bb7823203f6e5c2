// SPDX-License-Identifier: GPL-2.0-only
/*
 * rqspinlock.c - the contended side of the resilient queued spinlock (KERNEL.md §8).
 *
 * The algorithm is the queued spinlock's (kernel/locking/qspinlock.c, itself the MCS lock of
 * Mellor-Crummey and Scott, ACM TOCS 1991, squeezed into 32 bits) with the bounded waits and the
 * deadlock checks of kernel/bpf/rqspinlock.c:
 *
 *   1. the first waiter sets the pending bit and spins on the lock word;
 *   2. later waiters queue on per-task MCS nodes; the queue head spins on the lock word, the
 *      others on their own node;
 *   3. every spin checks a deadline; the clock is read once per RES_SPIN_BATCH spins, the ABBA
 *      check runs about once per millisecond, the AA check once when the wait starts.
 *
 * Giving up: a pending waiter clears its pending bit. A queued waiter cannot leave the middle of
 * an MCS queue, so only the head gives up on its own; it then removes itself if it is the last
 * waiter, or else writes the error into its successor's node, which does the same: the whole
 * queue unwinds in FIFO order and every waiter returns the error. Non-head waiters therefore
 * wait without a deadline of their own: they are bounded by the head's.
 *
 * Held-locks table (per task, rqspinlock_types.h): the entry is pushed before the task shows up
 * in the lock word, on the fast path too (before its cmpxchg), and stays, marked "releasing",
 * until after the releasing store; so the top entry means "the lock I hold, take or wait for",
 * and a signal handler that interrupts the task anywhere in lock or unlock sees it (AA).
 */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <time.h>

#include "rqspinlock.h"

#define RES_SPIN_BATCH 64		 /* spins between two clock reads (~1.3 us) */
#define RES_ABBA_PERIOD_NS 1000000ULL	 /* ABBA scan about every 1 ms */
#define RES_YIELD_AFTER_NS 1000ULL	 /* after spinning this long, yield between clock reads */
#define RES_PENDING_SPINS 512		 /* wait for a pending -> locked hand-over this long */
#define RES_TAS_SPINS 1024		 /* test-and-set spins before going pending */
#define RES_ABBA_RECHECK_SLOTS 64	 /* during the scan, see if the lock came free */

/* Failed acquisitions by cause (process-wide, relaxed). */
static unsigned long res_stat_aa, res_stat_abba, res_stat_timeout, res_stat_unwound;

static inline void res_stat_inc(unsigned long *c)
{
	__atomic_fetch_add(c, 1, __ATOMIC_RELAXED);
}

void rqspinlock_stats_read(struct rqspinlock_stats *out)
{
	out->aa = __atomic_load_n(&res_stat_aa, __ATOMIC_RELAXED);
	out->abba = __atomic_load_n(&res_stat_abba, __ATOMIC_RELAXED);
	out->timeout = __atomic_load_n(&res_stat_timeout, __ATOMIC_RELAXED);
	out->unwound = __atomic_load_n(&res_stat_unwound, __ATOMIC_RELAXED);
}

void __raw_res_spin_lock_init(rqspinlock_t *lock, const char *name, struct lock_class_key *key)
{
	__atomic_store_n(&lock->val, 0, __ATOMIC_RELAXED);
	lockdep_init_map(&lock->dep_map, name, key);
}

/* ---- the held-locks table -------------------------------------------------------------------- */

/* Exact match: an entry marked RES_HELD_RELEASING is not a held lock (ABBA). */
static bool res_held_contains(struct rqspinlock_held *h, int n, const void *lock)
{
	for (int i = 0; i < n; i++)
		if (__atomic_load_n(&h->locks[i], __ATOMIC_RELAXED) == lock)
			return true;
	return false;
}

/* Own table (AA): a lock being released by the interrupted context still counts. */
static bool res_held_contains_own(struct rqspinlock_held *h, int n, const void *lock)
{
	for (int i = 0; i < n; i++) {
		uintptr_t e = (uintptr_t)__atomic_load_n(&h->locks[i], __ATOMIC_RELAXED);

		if ((e & ~RES_HELD_RELEASING) == (uintptr_t)lock)
			return true;
	}
	return false;
}

/* Undo __rqspin_held_push() after a failed acquisition: entry first, count last. */
static void res_held_pop(struct rqspinlock_held *h)
{
	int cnt = __atomic_load_n(&h->cnt, __ATOMIC_RELAXED);

	if (cnt <= RES_NR_HELD)
		__atomic_store_n(&h->locks[cnt - 1], NULL, __ATOMIC_RELAXED);
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	__atomic_store_n(&h->cnt, cnt - 1, __ATOMIC_RELAXED);
}

/*
 * Unlock when the top entry is not @lock: more than RES_NR_HELD locks held, an unbalanced unlock,
 * or an unlock out of LIFO order. Drop @lock's entry and close the gap so that the table keeps
 * listing exactly the locks still held; if @lock is not listed (it was taken beyond the table),
 * the top entry goes, as an in-order unlock would do.
 */
void __res_spin_unlock_slowpath(rqspinlock_t *lock)
{
	struct rqspinlock_held *h = &current->rqspin.held;
	int cnt = __atomic_load_n(&h->cnt, __ATOMIC_RELAXED);
	int n = cnt < RES_NR_HELD ? cnt : RES_NR_HELD;
	int i;

	if (cnt <= 0) { /* not taken by this task: release it anyway, the validator reports it */
		__atomic_store_n(&lock->locked, 0, __ATOMIC_RELEASE);
		return;
	}
	for (i = n - 1; i >= 0; i--)
		if (__atomic_load_n(&h->locks[i], __ATOMIC_RELAXED) == (void *)lock)
			break;
	/* As the fast path: marked before the release, gone only after it (rqspinlock.h). */
	if (i >= 0)
		__atomic_store_n(&h->locks[i], (void *)((uintptr_t)lock | RES_HELD_RELEASING),
				 __ATOMIC_RELAXED);
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	__atomic_store_n(&lock->locked, 0, __ATOMIC_RELEASE);
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	if (i >= 0) {
		/* Close the gap upwards: every lock still held stays listed at least once. */
		for (; i < n - 1; i++)
			__atomic_store_n(&h->locks[i],
					 __atomic_load_n(&h->locks[i + 1], __ATOMIC_RELAXED),
					 __ATOMIC_RELAXED);
		__atomic_store_n(&h->locks[n - 1], NULL, __ATOMIC_RELAXED);
	} else if (cnt <= RES_NR_HELD) {
		__atomic_store_n(&h->locks[cnt - 1], NULL, __ATOMIC_RELAXED);
	}
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	__atomic_store_n(&h->cnt, cnt - 1, __ATOMIC_RELAXED);
}

/* ---- deadlock checks ------------------------------------------------------------------------- */

/*
 * AA: @lock (just pushed on top) is already listed below the top: this task, or the context a
 * signal handler interrupted, holds it or waits for it. Waiting would never end.
 */
static int res_check_aa(struct rqspinlock_held *h, rqspinlock_t *lock)
{
	int cnt = __atomic_load_n(&h->cnt, __ATOMIC_RELAXED);
	int n = cnt - 1 < RES_NR_HELD ? cnt - 1 : RES_NR_HELD;

	if (res_held_contains_own(h, n, lock)) {
		res_stat_inc(&res_stat_aa);
		return -EDEADLK;
	}
	return 0;
}

/*
 * ABBA: some task T waits for a lock we hold (T's top entry is among our entries below the top)
 * while holding the lock we wait for (our top entry is among T's entries below its top). The
 * other tables change under us; a snapshot that shows no cycle is inconclusive and the deadline
 * is the last defence. Tables that overflowed are skipped: their top is not recorded.
 */
static int res_check_abba(struct task_struct *self, rqspinlock_t *lock)
{
	struct rqspinlock_held *mine = &self->rqspin.held;
	int cnt = __atomic_load_n(&mine->cnt, __ATOMIC_RELAXED);

	if (cnt < 2 || cnt > RES_NR_HELD)
		return 0;
	for (int slot = 1; slot < BH_MAX_TASKS; slot++) {
		struct task_struct *t;
		struct rqspinlock_held *h;
		void *theirs;
		int rcnt;

		if (!(slot % RES_ABBA_RECHECK_SLOTS) &&
		    !(__atomic_load_n(&lock->val, __ATOMIC_RELAXED) & RES_Q_LOCKED_MASK))
			return 0; /* released meanwhile: no deadlock worth reporting */
		t = bh_task_by_slot(slot);
		if (!t || t == self)
			continue;
		h = &t->rqspin.held;
		rcnt = __atomic_load_n(&h->cnt, __ATOMIC_RELAXED);
		if (rcnt < 2 || rcnt > RES_NR_HELD)
			continue;
		theirs = __atomic_load_n(&h->locks[rcnt - 1], __ATOMIC_RELAXED);
		if (!theirs || theirs == (void *)lock || ((uintptr_t)theirs & RES_HELD_RELEASING))
			continue; /* not waiting for anything */
		if (res_held_contains(h, rcnt - 1, lock) && res_held_contains(mine, cnt - 1, theirs)) {
			res_stat_inc(&res_stat_abba);
			return -EDEADLK;
		}
	}
	return 0;
}

/* ---- bounded waiting ------------------------------------------------------------------------- */

struct res_timeout {
	uint64_t start; /* 0 until the first clock read */
	uint64_t deadline;
	uint64_t next_abba;
	uint64_t duration;
	unsigned int spins;
};

static uint64_t res_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts); /* vDSO, async-signal-safe */
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static inline void res_timeout_init(struct res_timeout *ts, uint64_t duration)
{
	ts->start = 0;
	ts->duration = duration;
	ts->spins = 0;
}

/*
 * A userspace holder can be preempted by a waiter on its own CPU; a waiter that has spun for a
 * while gives the CPU away between clock reads, so that the holder can finish.
 */
static inline void res_maybe_yield(const struct res_timeout *ts, uint64_t now)
{
	if (now - ts->start >= RES_YIELD_AFTER_NS)
		sched_yield();
}

/*
 * One spin of a bounded wait. Return: 0 to keep waiting, -ETIMEDOUT past the deadline, -EDEADLK
 * if the periodic ABBA check finds a cycle.
 */
static inline int res_check_timeout(struct res_timeout *ts, rqspinlock_t *lock,
				    struct task_struct *self)
{
	uint64_t now;

	cpu_relax();
	if (likely(ts->start) && likely(++ts->spins % RES_SPIN_BATCH))
		return 0;
	now = res_now_ns();
	if (unlikely(!ts->start)) {
		ts->start = now;
		ts->deadline = now + ts->duration;
		ts->next_abba = now + RES_ABBA_PERIOD_NS;
		return 0;
	}
	if (now >= ts->deadline) {
		res_stat_inc(&res_stat_timeout);
		return -ETIMEDOUT;
	}
	if (now >= ts->next_abba) {
		int ret = res_check_abba(self, lock);

		if (ret)
			return ret;
		ts->next_abba = now + RES_ABBA_PERIOD_NS;
	}
	res_maybe_yield(ts, now);
	return 0;
}

/* One spin of an unbounded (but short, or bounded by someone else's deadline) wait. */
static inline void res_relax(struct res_timeout *ts)
{
	uint64_t now;

	cpu_relax();
	if (likely(ts->start) && likely(++ts->spins % RES_SPIN_BATCH))
		return;
	now = res_now_ns();
	if (unlikely(!ts->start)) {
		ts->start = now;
		return;
	}
	res_maybe_yield(ts, now);
}

/* ---- the lock word --------------------------------------------------------------------------- */

static inline uint32_t res_encode_tail(int slot, int idx)
{
	return ((uint32_t)(slot + 1) << RES_Q_TAIL_SLOT_SHIFT) |
	       ((uint32_t)idx << RES_Q_TAIL_IDX_SHIFT);
}

static struct rqspin_mcs_node *res_decode_tail(uint32_t tail)
{
	int slot = (int)(tail >> RES_Q_TAIL_SLOT_SHIFT) - 1;
	int idx = (int)((tail & RES_Q_TAIL_IDX_MASK) >> RES_Q_TAIL_IDX_SHIFT);
	struct task_struct *t = bh_task_by_slot(slot);

	/* A queued task is alive and keeps its slot until it leaves the queue. */
	if (unlikely(!t))
		abort();
	return &t->rqspin.nodes[idx];
}

static inline bool res_trylock(rqspinlock_t *lock)
{
	uint32_t val = __atomic_load_n(&lock->val, __ATOMIC_RELAXED);

	return !val && __atomic_compare_exchange_n(&lock->val, &val, RES_Q_LOCKED_VAL, false,
						   __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}

/* Only the task that set the pending bit clears it; others only look at it. */
static inline void res_clear_pending(rqspinlock_t *lock)
{
	__atomic_fetch_and(&lock->val, ~RES_Q_PENDING_VAL, __ATOMIC_RELAXED);
}

/*
 * Publish @tail as the last waiter; return the previous word. Release: our node's initialisation
 * is visible to the successor that finds it. Acquire: the predecessor's node initialisation is
 * visible before we link into it.
 */
static inline uint32_t res_xchg_tail(rqspinlock_t *lock, uint32_t tail)
{
	uint32_t old = __atomic_load_n(&lock->val, __ATOMIC_RELAXED);

	while (!__atomic_compare_exchange_n(&lock->val, &old, (old & ~RES_Q_TAIL_MASK) | tail, true,
					    __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
		;
	return old;
}

/* The successor has swapped the tail but may not have linked yet: it will, shortly. */
static struct rqspin_mcs_node *res_wait_next(struct rqspin_mcs_node *node)
{
	struct rqspin_mcs_node *next;
	struct res_timeout ts;

	res_timeout_init(&ts, 0);
	while (!(next = __atomic_load_n(&node->next, __ATOMIC_ACQUIRE)))
		res_relax(&ts);
	return next;
}

/* Not queueing (see the slow path): compete with trylock, bounded like the queue head. */
static int res_spin_lock_tas(rqspinlock_t *lock, struct task_struct *self)
{
	struct res_timeout ts;
	int ret;

	res_timeout_init(&ts, 2 * RES_DEF_TIMEOUT_NS);
	while (!res_trylock(lock)) {
		ret = res_check_timeout(&ts, lock, self);
		if (ret)
			return ret;
	}
	return 0;
}

/* ---- the slow path --------------------------------------------------------------------------- */

int __res_spin_lock_slowpath(rqspinlock_t *lock, uint32_t val)
{
	struct task_struct *self = current;
	struct rqspinlock_held *held = &self->rqspin.held;
	struct rqspin_mcs_node *node0 = &self->rqspin.nodes[0];
	struct rqspin_mcs_node *node, *prev, *next = NULL;
	struct res_timeout ts;
	uint32_t tail, old;
	int idx, ret, v;

	/* The fast path listed @lock on top: from here on it says "waiting for @lock". */
	ret = res_check_aa(held, lock);
	if (ret)
		goto err_pop;

	/*
	 * Only an owner ahead of us, nobody waiting: spin a short, bounded while as a plain
	 * test-and-set lock before claiming pending. Under a short critical section the owner's CPU
	 * often takes the lock back at once (cheaper than handing the line over every time, as
	 * qspinlock's strict pending hand-off does); once anyone sets pending or queues, the word is
	 * no longer "locked only" and the fair path below takes over. A userspace addition: the
	 * kernel's rqspinlock goes pending at once.
	 */
	for (int n = RES_TAS_SPINS; n && !(val & ~RES_Q_LOCKED_MASK); n--) {
		if (!val && __atomic_compare_exchange_n(&lock->val, &val, RES_Q_LOCKED_VAL, false,
							__ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			return 0; /* the entry pushed above now means "held" */
		cpu_relax();
		val = __atomic_load_n(&lock->val, __ATOMIC_RELAXED);
	}

	/* The pending waiter is about to take over from the owner: let it, briefly. */
	for (int n = RES_PENDING_SPINS; val == RES_Q_PENDING_VAL && n; n--) {
		cpu_relax();
		val = __atomic_load_n(&lock->val, __ATOMIC_RELAXED);
	}
	if (val & ~RES_Q_LOCKED_MASK)
		goto queue;

	/* Become the pending waiter, unless someone else is pending or queued. */
	val = __atomic_fetch_or(&lock->val, RES_Q_PENDING_VAL, __ATOMIC_ACQUIRE);
	if (unlikely(val & ~RES_Q_LOCKED_MASK)) {
		if (!(val & RES_Q_PENDING_VAL))
			res_clear_pending(lock);
		goto queue;
	}

	/* Pending: wait for the owner to release. */
	res_timeout_init(&ts, RES_DEF_TIMEOUT_NS);
	while (val & RES_Q_LOCKED_MASK) {
		ret = res_check_timeout(&ts, lock, self);
		if (ret) {
			res_clear_pending(lock);
			goto err_pop;
		}
		val = __atomic_load_n(&lock->val, __ATOMIC_ACQUIRE);
	}
	/*
	 * pending -> locked in one 16-bit store: while pending is set nobody else sets the locked
	 * byte, and a newcomer that sets pending again at the same time will see us and undo it.
	 */
	__atomic_store_n(&lock->locked_pending, (uint16_t)RES_Q_LOCKED_VAL, __ATOMIC_RELAXED);
	return 0;

queue:
	/*
	 * Count the node we are about to use; a signal handler interrupting us from here on sees
	 * idx > 0, and gives the count back before it returns.
	 *
	 * A context that interrupted a queued waiter of this task (idx > 0) does not queue: a
	 * queued non-head waiter has no deadline of its own, and two handlers each queued behind
	 * the task the other one interrupted would wait for each other forever. It competes with
	 * trylock under a deadline instead (the kernel does the same for NMIs). So does a task
	 * without a slot in the task table, which the tail cannot name.
	 */
	idx = node0->count++;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	if (unlikely(idx > 0 || self->slot <= 0)) {
		ret = res_spin_lock_tas(lock, self);
		__atomic_signal_fence(__ATOMIC_SEQ_CST);
		node0->count--;
		if (ret)
			goto err_pop;
		return 0;
	}
	node = &self->rqspin.nodes[idx];
	tail = res_encode_tail(self->slot, idx);
	__atomic_store_n(&node->locked, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&node->next, NULL, __ATOMIC_RELAXED);

	/* Setting up the node took a while: the lock may be free by now. */
	if (res_trylock(lock))
		goto release_node;

	old = res_xchg_tail(lock, tail);
	if (old & RES_Q_TAIL_MASK) {
		/* Link behind the previous tail and wait to become the head. */
		prev = res_decode_tail(old);
		__atomic_store_n(&prev->next, node, __ATOMIC_RELEASE);
		res_timeout_init(&ts, 0);
		while (!(v = __atomic_load_n(&node->locked, __ATOMIC_ACQUIRE)))
			res_relax(&ts);
		if (v != 1) {
			/* The waiter ahead gave up: so do we, and we tell the one behind us. */
			ret = v == RES_TIMEOUT_VAL ? -ETIMEDOUT : -EDEADLK;
			res_stat_inc(&res_stat_unwound);
			goto waitq_fail;
		}
		next = __atomic_load_n(&node->next, __ATOMIC_ACQUIRE);
	}

	/*
	 * Head of the queue: wait for the owner and the pending waiter, both of which are ahead.
	 * If we are the last waiter, take the lock and empty the queue in one step; the word may
	 * change under us only by a newcomer setting pending for a moment (it then sees the tail and
	 * clears it again), or by a newcomer queueing: then it links behind us.
	 */
	res_timeout_init(&ts, 2 * RES_DEF_TIMEOUT_NS);
	for (;;) {
		val = __atomic_load_n(&lock->val, __ATOMIC_ACQUIRE);
		if (val & RES_Q_LOCKED_PENDING_MASK) {
			ret = res_check_timeout(&ts, lock, self);
			if (ret)
				goto waitq_fail;
			continue;
		}
		if ((val & RES_Q_TAIL_MASK) != tail)
			break;
		if (__atomic_compare_exchange_n(&lock->val, &val, RES_Q_LOCKED_VAL, false,
						__ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			goto release_node;
	}
	/*
	 * Someone queued behind us. Nobody else sets the locked byte while the queue is not empty:
	 * take it, then make the successor the head.
	 */
	__atomic_store_n(&lock->locked, (uint8_t)RES_Q_LOCKED_VAL, __ATOMIC_RELAXED);
	if (!next)
		next = res_wait_next(node);
	__atomic_store_n(&next->locked, 1, __ATOMIC_RELEASE);

release_node:
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	node0->count--;
	return 0;

waitq_fail:
	/* Leave the queue: clear the tail if it is still ours, else pass the error on. */
	val = __atomic_load_n(&lock->val, __ATOMIC_RELAXED);
	while ((val & RES_Q_TAIL_MASK) == tail) {
		if (__atomic_compare_exchange_n(&lock->val, &val, val & ~RES_Q_TAIL_MASK, true,
						__ATOMIC_RELAXED, __ATOMIC_RELAXED))
			goto fail_release_node;
	}
	if (!next)
		next = res_wait_next(node);
	__atomic_store_n(&next->locked, ret == -ETIMEDOUT ? RES_TIMEOUT_VAL : RES_DEADLK_VAL,
			 __ATOMIC_RELEASE);
fail_release_node:
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	node0->count--;
err_pop:
	res_held_pop(held);
	lock_acquire_failed(&lock->dep_map);
	return ret;
}
