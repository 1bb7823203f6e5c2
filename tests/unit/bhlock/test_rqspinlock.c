// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_rqspinlock.c - the resilient queued spinlock fails instead of hanging: AA on one task and
 * from a signal handler that interrupts a holder or a waiter, ABBA between two tasks, a stuck
 * holder (timeout), a queue of waiters behind it (FIFO unwinding); the held table after failures,
 * nesting beyond the table, out-of-order unlock, and mutual exclusion.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include "lib/test_util.h"
#include "bhlock/bhlock.h"

#define MS 1000000ULL
#define SIG_NMI SIGUSR1

/* Wait (sleeping) until cond holds, at most ms milliseconds. Return: whether it held. */
#define WAIT_UNTIL(cond, ms)                                                                       \
	({                                                                                         \
		bool __ok = false;                                                                 \
		for (int __i = 0; __i < (ms) * 10; __i++) {                                        \
			if (cond) {                                                                \
				__ok = true;                                                       \
				break;                                                             \
			}                                                                          \
			usleep(100);                                                               \
		}                                                                                  \
		__ok;                                                                              \
	})

static int held_cnt(struct task_struct *t)
{
	return __atomic_load_n(&t->rqspin.held.cnt, __ATOMIC_ACQUIRE);
}

static uint32_t lock_word(rqspinlock_t *l)
{
	return __atomic_load_n(&l->val, __ATOMIC_ACQUIRE);
}

static void assert_table(int cnt, void *const *locks)
{
	struct rqspinlock_held *h = &current->rqspin.held;

	assert_int_equal(h->cnt, cnt);
	for (int i = 0; i < RES_NR_HELD; i++)
		assert_ptr_equal(h->locks[i], i < cnt ? locks[i] : NULL);
}

/* ---- a waiter thread ------------------------------------------------------------------------- */

struct waiter {
	pthread_t thread;
	rqspinlock_t *lock;
	struct task_struct *task; /* published once running */
	int slot;		  /* its task slot, read by the thread itself */
	int ret;
	uint64_t waited_ns;
	int cnt_after; /* its held count after the attempt (before its unlock) */
	bool done;
};

static void *waiter_fn(void *arg)
{
	struct waiter *w = arg;
	uint64_t t0;

	w->slot = current->slot;
	__atomic_store_n(&w->task, current, __ATOMIC_RELEASE);
	t0 = tu_now_ns();
	w->ret = res_spin_lock(w->lock);
	w->waited_ns = tu_now_ns() - t0;
	w->cnt_after = current->rqspin.held.cnt;
	if (!w->ret)
		res_spin_unlock(w->lock);
	__atomic_store_n(&w->done, true, __ATOMIC_RELEASE);
	return NULL;
}

static void waiter_start(struct waiter *w, rqspinlock_t *lock)
{
	memset(w, 0, sizeof(*w));
	w->lock = lock;
	assert_int_equal(pthread_create(&w->thread, NULL, waiter_fn, w), 0);
	assert_true(WAIT_UNTIL(__atomic_load_n(&w->task, __ATOMIC_ACQUIRE), 2000));
}

static uint32_t tail_of(const struct waiter *w, int idx)
{
	return ((uint32_t)(w->slot + 1) << RES_Q_TAIL_SLOT_SHIFT) |
	       ((uint32_t)idx << RES_Q_TAIL_IDX_SHIFT);
}

/* ---- tests ----------------------------------------------------------------------------------- */

static void test_lock_unlock_and_table(void **state)
{
	rqspinlock_t a, b;
	unsigned long flags = 123;

	(void)state;
	raw_res_spin_lock_init(&a);
	raw_res_spin_lock_init(&b);
	assert_int_equal(res_spin_lock(&a), 0);
	assert_int_equal(lock_word(&a), RES_Q_LOCKED_VAL);
	assert_table(1, (void *[]){ &a });
	assert_int_equal(raw_res_spin_lock_irqsave(&b, flags), 0);
	assert_int_equal(flags, 0);
	assert_table(2, (void *[]){ &a, &b });
	raw_res_spin_unlock_irqrestore(&b, flags);
	res_spin_unlock(&a);
	assert_int_equal(lock_word(&a), 0);
	assert_int_equal(lock_word(&b), 0);
	assert_table(0, NULL);
}

static void test_aa_same_task(void **state)
{
	rqspinlock_t a, b;
	struct rqspinlock_stats s0, s1;
	uint64_t t0, dt;

	(void)state;
	raw_res_spin_lock_init(&a);
	raw_res_spin_lock_init(&b);
	rqspinlock_stats_read(&s0);
	assert_int_equal(res_spin_lock(&a), 0);
	assert_int_equal(res_spin_lock(&b), 0);
	t0 = tu_now_ns();
	assert_int_equal(res_spin_lock(&a), -EDEADLK);
	assert_int_equal(res_spin_lock(&b), -EDEADLK);
	dt = tu_now_ns() - t0;
	assert_true(dt < 20 * MS); /* immediate, not after a timeout */
	assert_table(2, (void *[]){ &a, &b });
	assert_int_equal(lock_word(&a), RES_Q_LOCKED_VAL); /* no stray pending bit or tail */
	rqspinlock_stats_read(&s1);
	assert_int_equal(s1.aa - s0.aa, 2);
	res_spin_unlock(&b);
	res_spin_unlock(&a);
	assert_table(0, NULL);
	assert_int_equal(res_spin_lock(&a), 0);
	res_spin_unlock(&a);
}

/* A signal handler (NMI-like) that tries `target` and then a free lock. */
static struct {
	rqspinlock_t *target, *other;
	int ret, other_ret, cnt_in, runs;
	uint64_t ns;
	bool was_nmi;
} hs;

/* The handler runs on several threads in turn: atomics, so the harness itself has no race. */
#define HS_SET(f, v) __atomic_store_n(&hs.f, (v), __ATOMIC_RELAXED)
#define HS_GET(f) __atomic_load_n(&hs.f, __ATOMIC_RELAXED)

static void nmi_try_lock(int sig, void *arg)
{
	uint64_t t0 = tu_now_ns();
	rqspinlock_t *target = HS_GET(target), *other = HS_GET(other);
	int ret;

	(void)sig, (void)arg;
	HS_SET(was_nmi, in_nmi());
	HS_SET(cnt_in, current->rqspin.held.cnt);
	ret = res_spin_lock(target);
	HS_SET(ret, ret);
	HS_SET(ns, tu_now_ns() - t0);
	if (!ret)
		res_spin_unlock(target);
	if (other) {
		ret = res_spin_lock(other);
		HS_SET(other_ret, ret);
		if (!ret)
			res_spin_unlock(other);
	}
	__atomic_add_fetch(&hs.runs, 1, __ATOMIC_RELEASE);
}

struct holder {
	rqspinlock_t *lock;
	bool go_unlock, locked;
	int lock_ret, cnt_after_nmi;
};

static void *holder_fn(void *arg)
{
	struct holder *h = arg;

	/* No cmocka asserts off the main thread: record, the test checks. */
	h->lock_ret = res_spin_lock(h->lock);
	__atomic_store_n(&h->locked, true, __ATOMIC_RELEASE);
	if (h->lock_ret)
		return NULL;
	while (!__atomic_load_n(&h->go_unlock, __ATOMIC_ACQUIRE))
		cpu_relax();
	h->cnt_after_nmi = current->rqspin.held.cnt;
	res_spin_unlock(h->lock);
	return NULL;
}

static void test_aa_from_handler_interrupting_holder(void **state)
{
	rqspinlock_t l, m;
	struct holder h = { .lock = &l };
	pthread_t th;

	(void)state;
	raw_res_spin_lock_init(&l);
	raw_res_spin_lock_init(&m);
	memset(&hs, 0, sizeof(hs));
	hs.target = &l;
	hs.other = &m;
	hs.ret = 1;
	assert_int_equal(bh_nmi_register(SIG_NMI, nmi_try_lock, NULL), 0);
	assert_int_equal(pthread_create(&th, NULL, holder_fn, &h), 0);
	assert_true(WAIT_UNTIL(__atomic_load_n(&h.locked, __ATOMIC_ACQUIRE), 2000));
	assert_int_equal(h.lock_ret, 0);
	assert_int_equal(bh_nmi_raise(th, SIG_NMI), 0);
	assert_true(WAIT_UNTIL(__atomic_load_n(&hs.runs, __ATOMIC_ACQUIRE) == 1, 2000));
	__atomic_store_n(&h.go_unlock, true, __ATOMIC_RELEASE);
	pthread_join(th, NULL);
	bh_nmi_unregister(SIG_NMI);

	assert_true(HS_GET(was_nmi));
	assert_int_equal(HS_GET(cnt_in), 1);
	assert_int_equal(HS_GET(ret), -EDEADLK);
	assert_true(HS_GET(ns) < 20 * MS);
	assert_int_equal(HS_GET(other_ret), 0); /* the handler may take other locks */
	assert_int_equal(h.cnt_after_nmi, 1);
	assert_int_equal(lock_word(&l), 0);
}

/* Same on this thread, synchronously: raise() runs the handler before it returns. */
static void test_aa_from_handler_same_thread(void **state)
{
	rqspinlock_t l;

	(void)state;
	raw_res_spin_lock_init(&l);
	memset(&hs, 0, sizeof(hs));
	hs.target = &l;
	hs.ret = 1;
	assert_int_equal(bh_nmi_register(SIG_NMI, nmi_try_lock, NULL), 0);
	assert_int_equal(res_spin_lock(&l), 0);
	assert_int_equal(bh_nmi_raise(pthread_self(), SIG_NMI), 0);
	assert_int_equal(hs.runs, 1);
	assert_int_equal(hs.ret, -EDEADLK);
	assert_table(1, (void *[]){ &l });
	res_spin_unlock(&l);
	bh_nmi_unregister(SIG_NMI);
}

/*
 * A handler interrupting a task that waits for the lock (pending waiter, then a queued one) must
 * not wait behind the task it interrupted; afterwards both waiters still get the lock.
 */
static void test_aa_from_handler_interrupting_waiters(void **state)
{
	rqspinlock_t l;
	struct waiter w1, w2;

	(void)state;
	raw_res_spin_lock_init(&l);
	memset(&hs, 0, sizeof(hs));
	hs.target = &l;
	assert_int_equal(bh_nmi_register(SIG_NMI, nmi_try_lock, NULL), 0);
	assert_int_equal(res_spin_lock(&l), 0);

	waiter_start(&w1, &l);
	assert_true(WAIT_UNTIL(lock_word(&l) & RES_Q_PENDING_VAL, 100));
	waiter_start(&w2, &l);
	assert_true(WAIT_UNTIL((lock_word(&l) & RES_Q_TAIL_MASK) == tail_of(&w2, 0), 100));
	/* Both list the lock they wait for on top of their table. */
	assert_int_equal(held_cnt(w1.task), 1);
	assert_int_equal(held_cnt(w2.task), 1);

	HS_SET(ret, 1);
	assert_int_equal(bh_nmi_raise(w1.thread, SIG_NMI), 0); /* the pending waiter */
	assert_true(WAIT_UNTIL(__atomic_load_n(&hs.runs, __ATOMIC_ACQUIRE) == 1, 100));
	assert_int_equal(HS_GET(ret), -EDEADLK);
	assert_int_equal(HS_GET(cnt_in), 1);
	HS_SET(ret, 1);
	assert_int_equal(bh_nmi_raise(w2.thread, SIG_NMI), 0); /* the queued waiter */
	assert_true(WAIT_UNTIL(__atomic_load_n(&hs.runs, __ATOMIC_ACQUIRE) == 2, 100));
	assert_int_equal(HS_GET(ret), -EDEADLK);
	assert_true(HS_GET(ns) < 20 * MS);

	res_spin_unlock(&l);
	pthread_join(w1.thread, NULL);
	pthread_join(w2.thread, NULL);
	bh_nmi_unregister(SIG_NMI);
	assert_int_equal(w1.ret, 0);
	assert_int_equal(w2.ret, 0);
	assert_int_equal(w1.cnt_after, 1);
	assert_int_equal(w2.cnt_after, 1);
	assert_int_equal(lock_word(&l), 0);
}

struct abba {
	rqspinlock_t *first, *second;
	pthread_barrier_t *bar;
	int first_ret, ret;
	int cnt_after;
};

static void *abba_fn(void *arg)
{
	struct abba *a = arg;

	a->first_ret = res_spin_lock(a->first);
	pthread_barrier_wait(a->bar);
	if (a->first_ret)
		return NULL;
	a->ret = res_spin_lock(a->second);
	a->cnt_after = current->rqspin.held.cnt;
	if (!a->ret)
		res_spin_unlock(a->second);
	res_spin_unlock(a->first);
	return NULL;
}

static void test_abba_two_tasks(void **state)
{
	rqspinlock_t a, b;
	pthread_barrier_t bar;
	struct abba x = { &a, &b, &bar, 1, 1, -1 }, y = { &b, &a, &bar, 1, 1, -1 };
	struct rqspinlock_stats s0, s1;
	pthread_t tx, ty;
	uint64_t t0, dt;

	(void)state;
	raw_res_spin_lock_init(&a);
	raw_res_spin_lock_init(&b);
	pthread_barrier_init(&bar, NULL, 2);
	rqspinlock_stats_read(&s0);
	t0 = tu_now_ns();
	pthread_create(&tx, NULL, abba_fn, &x);
	pthread_create(&ty, NULL, abba_fn, &y);
	pthread_join(tx, NULL);
	pthread_join(ty, NULL);
	dt = tu_now_ns() - t0;
	rqspinlock_stats_read(&s1);
	pthread_barrier_destroy(&bar);

	assert_int_equal(x.first_ret, 0);
	assert_int_equal(y.first_ret, 0);
	/* At least one side sees the cycle; the other then gets its lock or sees it too. */
	assert_true(x.ret == -EDEADLK || y.ret == -EDEADLK);
	assert_true(x.ret == 0 || x.ret == -EDEADLK);
	assert_true(y.ret == 0 || y.ret == -EDEADLK);
	assert_true(s1.abba - s0.abba >= 1);
	assert_true(dt < 200 * MS); /* found by the ~1 ms scan, well before the 0.25 s timeout */
	assert_int_equal(x.cnt_after, x.ret ? 1 : 2);
	assert_int_equal(y.cnt_after, y.ret ? 1 : 2);
	assert_int_equal(lock_word(&a), 0);
	assert_int_equal(lock_word(&b), 0);
}

static void test_timeout_stuck_holder(void **state)
{
	rqspinlock_t l;
	struct waiter w;
	struct rqspinlock_stats s0, s1;

	(void)state;
	raw_res_spin_lock_init(&l);
	rqspinlock_stats_read(&s0);
	assert_int_equal(res_spin_lock(&l), 0);
	waiter_start(&w, &l);
	pthread_join(w.thread, NULL);
	rqspinlock_stats_read(&s1);
	assert_int_equal(w.ret, -ETIMEDOUT);
	/* One waiting phase: the pending waiter's 0.25 s (allow scheduling slack). */
	print_message("timeout after %.3f s\n", (double)w.waited_ns / 1e9);
	assert_true(w.waited_ns >= 240 * MS);
	assert_true(w.waited_ns <= 600 * MS);
	assert_int_equal(w.cnt_after, 0);
	assert_true(s1.timeout - s0.timeout >= 1);
	assert_int_equal(lock_word(&l), RES_Q_LOCKED_VAL); /* pending bit cleared again */
	res_spin_unlock(&l);
	assert_int_equal(lock_word(&l), 0);
}

/*
 * Waiters queued behind a stuck holder: the pending one times out, the head times out after
 * twice as long, and the rest unwind behind it at once, in FIFO order. The word is clean after.
 */
#define NR_QUEUED 4
static void test_queue_unwinds(void **state)
{
	rqspinlock_t l;
	struct waiter w[NR_QUEUED];
	struct rqspinlock_stats s0, s1;
	uint64_t t0, dt;

	(void)state;
	raw_res_spin_lock_init(&l);
	rqspinlock_stats_read(&s0);
	assert_int_equal(res_spin_lock(&l), 0);
	t0 = tu_now_ns();
	waiter_start(&w[0], &l);
	assert_true(WAIT_UNTIL(lock_word(&l) & RES_Q_PENDING_VAL, 100));
	for (int i = 1; i < NR_QUEUED; i++) {
		waiter_start(&w[i], &l);
		assert_true(WAIT_UNTIL((lock_word(&l) & RES_Q_TAIL_MASK) == tail_of(&w[i], 0),
				       100));
	}
	for (int i = 0; i < NR_QUEUED; i++)
		pthread_join(w[i].thread, NULL);
	dt = tu_now_ns() - t0;
	rqspinlock_stats_read(&s1);
	for (int i = 0; i < NR_QUEUED; i++) {
		print_message("waiter %d: %d after %.3f s\n", i, w[i].ret,
			      (double)w[i].waited_ns / 1e9);
		assert_int_equal(w[i].ret, -ETIMEDOUT);
		assert_int_equal(w[i].cnt_after, 0);
	}
	/* Head: 2 x 0.25 s; the others unwind right behind it, not one timeout each. */
	assert_true(w[1].waited_ns >= 480 * MS);
	assert_true(dt < 1200 * MS);
	for (int i = 2; i < NR_QUEUED; i++)
		assert_true(w[i].waited_ns <= w[1].waited_ns + 100 * MS);
	assert_true(s1.unwound - s0.unwound >= NR_QUEUED - 2);
	assert_int_equal(lock_word(&l), RES_Q_LOCKED_VAL); /* no pending, no tail left */
	res_spin_unlock(&l);
	assert_int_equal(res_spin_lock(&l), 0);
	res_spin_unlock(&l);
	assert_int_equal(lock_word(&l), 0);
}

static void test_table_after_failures(void **state)
{
	rqspinlock_t a, b, c;
	struct holder h = { .lock = &c };
	pthread_t th;

	(void)state;
	raw_res_spin_lock_init(&a);
	raw_res_spin_lock_init(&b);
	raw_res_spin_lock_init(&c);
	assert_int_equal(pthread_create(&th, NULL, holder_fn, &h), 0);
	assert_true(WAIT_UNTIL(__atomic_load_n(&h.locked, __ATOMIC_ACQUIRE), 2000));
	assert_int_equal(h.lock_ret, 0);

	assert_int_equal(res_spin_lock(&a), 0);
	assert_int_equal(res_spin_lock(&b), 0);
	assert_int_equal(res_spin_lock(&a), -EDEADLK);
	assert_table(2, (void *[]){ &a, &b });
	assert_int_equal(res_spin_lock(&c), -ETIMEDOUT);
	assert_table(2, (void *[]){ &a, &b });
	__atomic_store_n(&h.go_unlock, true, __ATOMIC_RELEASE);
	pthread_join(th, NULL);
	assert_int_equal(res_spin_lock(&c), 0);
	assert_table(3, (void *[]){ &a, &b, &c });
	res_spin_unlock(&c);
	res_spin_unlock(&b);
	res_spin_unlock(&a);
	assert_table(0, NULL);
}

#define NR_NEST 40
static void test_nesting_beyond_table(void **state)
{
	rqspinlock_t l[NR_NEST];
	struct rqspinlock_held *h = &current->rqspin.held;

	(void)state;
	for (int i = 0; i < NR_NEST; i++)
		raw_res_spin_lock_init(&l[i]);
	for (int i = 0; i < NR_NEST; i++)
		assert_int_equal(res_spin_lock(&l[i]), 0);
	assert_int_equal(h->cnt, NR_NEST);
	for (int i = 0; i < RES_NR_HELD; i++)
		assert_ptr_equal(h->locks[i], &l[i]);
	/* Tracked locks are still checked; untracked ones end in a timeout, not a hang. */
	assert_int_equal(res_spin_lock(&l[3]), -EDEADLK);
	assert_int_equal(res_spin_lock(&l[NR_NEST - 1]), -ETIMEDOUT);
	assert_int_equal(h->cnt, NR_NEST);
	for (int i = NR_NEST - 1; i >= 0; i--)
		res_spin_unlock(&l[i]);
	assert_table(0, NULL);
	for (int i = 0; i < NR_NEST; i++)
		assert_int_equal(lock_word(&l[i]), 0);
}

/* In a child: the validator may report the unlock order; the table must stay right anyway. */
static void out_of_order_child(void *arg)
{
	rqspinlock_t a, b, c;
	struct rqspinlock_held *h = &current->rqspin.held;

	(void)arg;
	raw_res_spin_lock_init(&a);
	raw_res_spin_lock_init(&b);
	raw_res_spin_lock_init(&c);
	if (res_spin_lock(&a) || res_spin_lock(&b) || res_spin_lock(&c))
		_exit(10);
	res_spin_unlock(&a);
	if (h->cnt != 2 || h->locks[0] != &b || h->locks[1] != &c || h->locks[2] || a.val)
		_exit(11);
	if (res_spin_lock(&a)) /* no stale entry: no false AA */
		_exit(12);
	res_spin_unlock(&a);
	res_spin_unlock(&c);
	res_spin_unlock(&b);
	if (h->cnt || h->locks[0] || h->locks[1] || b.val || c.val)
		_exit(13);
	_exit(0);
}

static void test_out_of_order_unlock(void **state)
{
	char out[4096];
	int st;

	(void)state;
	st = tu_run_in_child(out_of_order_child, NULL, out, sizeof(out));
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

/* ---- mutual exclusion ------------------------------------------------------------------------ */

#define EXCL_THREADS 4
#define EXCL_ITERS 100000
static struct {
	rqspinlock_t lock;
	int inside;
	unsigned long counter, violations, failures;
} ex;

static void *excl_fn(void *arg)
{
	long id = (long)arg;

	bh_task_pin((int)(id % nr_cpu_ids));
	for (int i = 0; i < EXCL_ITERS; i++) {
		int ret = res_spin_lock(&ex.lock);

		if (ret) {
			__atomic_add_fetch(&ex.failures, 1, __ATOMIC_RELAXED);
			continue;
		}
		if (__atomic_fetch_add(&ex.inside, 1, __ATOMIC_RELAXED) != 0)
			__atomic_add_fetch(&ex.violations, 1, __ATOMIC_RELAXED);
		ex.counter++; /* plain: only the lock protects it */
		__atomic_fetch_sub(&ex.inside, 1, __ATOMIC_RELAXED);
		res_spin_unlock(&ex.lock);
	}
	return NULL;
}

static void test_mutual_exclusion(void **state)
{
	pthread_t th[EXCL_THREADS];

	(void)state;
	memset(&ex, 0, sizeof(ex));
	raw_res_spin_lock_init(&ex.lock);
	for (long i = 0; i < EXCL_THREADS; i++)
		assert_int_equal(pthread_create(&th[i], NULL, excl_fn, (void *)i), 0);
	for (int i = 0; i < EXCL_THREADS; i++)
		pthread_join(th[i], NULL);
	assert_int_equal(ex.violations, 0);
	assert_int_equal(ex.failures, 0);
	assert_int_equal(ex.counter, (unsigned long)EXCL_THREADS * EXCL_ITERS);
	assert_int_equal(lock_word(&ex.lock), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lock_unlock_and_table),
		cmocka_unit_test(test_aa_same_task),
		cmocka_unit_test(test_aa_from_handler_interrupting_holder),
		cmocka_unit_test(test_aa_from_handler_same_thread),
		cmocka_unit_test(test_aa_from_handler_interrupting_waiters),
		cmocka_unit_test(test_abba_two_tasks),
		cmocka_unit_test(test_timeout_stuck_holder),
		cmocka_unit_test(test_queue_unwinds),
		cmocka_unit_test(test_table_after_failures),
		cmocka_unit_test(test_nesting_beyond_table),
		cmocka_unit_test(test_out_of_order_unlock),
		cmocka_unit_test(test_mutual_exclusion),
	};

	return cmocka_run_group_tests_name("rqspinlock", tests, NULL, NULL);
}
