// SPDX-License-Identifier: GPL-2.0-only
/*
 * bench_spin.c - rqspinlock against its peers, measured in the same run (group "spin"):
 *
 *   threads 1  uncontended lock+unlock, ns per pair, one thread pinned to CPU 0 (best of REPS);
 *   threads 2  contended throughput: threads pinned to CPU 0 and 1 take the lock in a tight loop
 *              for a fixed time around a shared increment; total ops/s (best of REPS).
 *
 * Peers: pthread_spin_lock (glibc test-and-set) and concurrencykit's MCS lock (a plain queue
 * lock, like rqspinlock's queue without the bounds and checks).
 */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>
#include <stdlib.h>
#include <ck_spinlock.h>

#include "bench_util.h"
#include "bhlock/bhlock.h"

#define SPIN_REPS 5
#define SPIN_UNCONTENDED_ITERS 20000000ULL
#define SPIN_CONTENDED_NS 400000000ULL /* per repetition */

/*
 * One adapter per lock: a lock type, and lock/unlock taking the lock and a per-thread context
 * (the MCS node for ck; unused by the others). Inline, so that the loop measures the lock only.
 */
struct spin_ctx {
	ck_spinlock_mcs_context_t mcs_node;
};

static rqspinlock_t rq_lock;
static pthread_spinlock_t ps_lock;
static ck_spinlock_mcs_t mcs_lock = CK_SPINLOCK_MCS_INITIALIZER;

static __always_inline void rq_acquire(struct spin_ctx *c)
{
	(void)c;
	if (unlikely(res_spin_lock(&rq_lock)))
		abort(); /* cannot fail here: no deadlock, holders never stall */
}
static __always_inline void rq_release(struct spin_ctx *c)
{
	(void)c;
	res_spin_unlock(&rq_lock);
}
static __always_inline void ps_acquire(struct spin_ctx *c)
{
	(void)c;
	pthread_spin_lock(&ps_lock);
}
static __always_inline void ps_release(struct spin_ctx *c)
{
	(void)c;
	pthread_spin_unlock(&ps_lock);
}
static __always_inline void mcs_acquire(struct spin_ctx *c)
{
	ck_spinlock_mcs_lock(&mcs_lock, &c->mcs_node);
}
static __always_inline void mcs_release(struct spin_ctx *c)
{
	ck_spinlock_mcs_unlock(&mcs_lock, &c->mcs_node);
}

/* The data the contended loop protects; on its own line, away from the locks' lines. */
static struct {
	unsigned long counter;
} shared __attribute__((aligned(64)));
static bool contended_stop __attribute__((aligned(64)));

struct spin_thread {
	pthread_t thread;
	int cpu;
	pthread_barrier_t *start;
	void (*loop)(struct spin_thread *t);
	unsigned long ops;
	double ns; /* uncontended result */
};

#define DEFINE_SPIN_LOOPS(name)                                                                    \
	static void name##_uncontended(struct spin_thread *t)                                       \
	{                                                                                          \
		struct spin_ctx c;                                                                 \
		uint64_t n = bench_iters(SPIN_UNCONTENDED_ITERS);                                  \
                                                                                                   \
		t->ns = INFINITY;                                                                  \
		for (int r = 0; r < SPIN_REPS; r++) {                                              \
			uint64_t t0 = bench_now_ns();                                              \
			for (uint64_t i = 0; i < n; i++) {                                         \
				name##_acquire(&c);                                                \
				name##_release(&c);                                                \
				__asm__ __volatile__("" ::: "memory");                             \
			}                                                                          \
			double ns = (double)(bench_now_ns() - t0) / (double)n;                     \
			if (ns < t->ns)                                                            \
				t->ns = ns;                                                        \
		}                                                                                  \
	}                                                                                          \
	static void name##_contended(struct spin_thread *t)                                         \
	{                                                                                          \
		struct spin_ctx c;                                                                 \
		unsigned long ops = 0;                                                             \
                                                                                                   \
		pthread_barrier_wait(t->start);                                                    \
		while (!__atomic_load_n(&contended_stop, __ATOMIC_RELAXED)) {                      \
			for (int i = 0; i < 64; i++) {                                             \
				name##_acquire(&c);                                                \
				shared.counter++;                                                  \
				name##_release(&c);                                                \
			}                                                                          \
			ops += 64;                                                                 \
		}                                                                                  \
		t->ops = ops;                                                                      \
	}

DEFINE_SPIN_LOOPS(rq)
DEFINE_SPIN_LOOPS(ps)
DEFINE_SPIN_LOOPS(mcs)

struct spin_peer {
	const char *name;
	void (*uncontended)(struct spin_thread *t);
	void (*contended)(struct spin_thread *t);
};

static const struct spin_peer spin_peers[] = {
	{ "rqspinlock", rq_uncontended, rq_contended },
	{ "pthread_spin", ps_uncontended, ps_contended },
	{ "ck_mcs", mcs_uncontended, mcs_contended },
};

static void *spin_thread_fn(void *arg)
{
	struct spin_thread *t = arg;

	if (bh_task_pin(t->cpu))
		fprintf(stderr, "  bench_spin: cannot pin to CPU %d\n", t->cpu);
	t->loop(t);
	return NULL;
}

static double spin_uncontended(const struct spin_peer *p)
{
	struct spin_thread t = { .cpu = 0, .loop = p->uncontended };

	pthread_create(&t.thread, NULL, spin_thread_fn, &t);
	pthread_join(t.thread, NULL);
	return t.ns;
}

/* Total ops/s of two threads on CPUs 0 and 1, best of SPIN_REPS; also checks the count. */
static double spin_contended(const struct spin_peer *p)
{
	uint64_t dur = bench_short ? SPIN_CONTENDED_NS / 10 : SPIN_CONTENDED_NS;
	double best = 0;

	for (int r = 0; r < SPIN_REPS; r++) {
		struct spin_thread t[2];
		pthread_barrier_t start;
		uint64_t t0, dt;

		pthread_barrier_init(&start, NULL, 3);
		shared.counter = 0;
		__atomic_store_n(&contended_stop, false, __ATOMIC_RELAXED);
		for (int i = 0; i < 2; i++) {
			t[i] = (struct spin_thread){ .cpu = i % nr_cpu_ids, .start = &start,
						     .loop = p->contended };
			pthread_create(&t[i].thread, NULL, spin_thread_fn, &t[i]);
		}
		pthread_barrier_wait(&start);
		t0 = bench_now_ns();
		while (bench_now_ns() - t0 < dur)
			usleep(1000);
		__atomic_store_n(&contended_stop, true, __ATOMIC_RELAXED);
		for (int i = 0; i < 2; i++)
			pthread_join(t[i].thread, NULL);
		dt = bench_now_ns() - t0;
		pthread_barrier_destroy(&start);
		if (shared.counter != t[0].ops + t[1].ops) {
			fprintf(stderr, "  bench_spin: %s lost updates: %lu != %lu\n", p->name,
				shared.counter, t[0].ops + t[1].ops);
			abort();
		}
		double ops = (double)(t[0].ops + t[1].ops) * 1e9 / (double)dt;
		if (ops > best)
			best = ops;
	}
	return best;
}

void bench_spinlocks(void)
{
	raw_res_spin_lock_init(&rq_lock);
	pthread_spin_init(&ps_lock, PTHREAD_PROCESS_PRIVATE);

	for (size_t i = 0; i < ARRAY_SIZE(spin_peers); i++)
		bench_record("spin", spin_peers[i].name, 1, spin_uncontended(&spin_peers[i]), NAN);
	for (size_t i = 0; i < ARRAY_SIZE(spin_peers); i++) {
		double ops = spin_contended(&spin_peers[i]);

		bench_record("spin", spin_peers[i].name, 2, 1e9 / ops, ops);
	}
	pthread_spin_destroy(&ps_lock);
}
