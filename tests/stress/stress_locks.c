// SPDX-License-Identifier: GPL-2.0-only
/*
 * stress_locks.c - mutual exclusion under contention, one adapter per lock flavour, one shared
 * validator (stress_validate.h), threads pinned round-robin to the CPUs.
 *
 * For each adapter and each thread count (2, 4, 8), every thread runs a fixed number of
 * lock / critical section / unlock rounds. Pass: no exclusion violation, the validator's counters
 * equal the number of critical sections exactly, and a lock that may fail (rqspinlock) failed
 * only with -EDEADLK/-ETIMEDOUT and rarely (no deadlock is possible here: each failure is a
 * holder that did not run for a whole timeout).
 *
 * SCHED_OTHER only: spinning SCHED_FIFO threads sharing a CPU with a preempted holder livelock.
 *
 * Adding a lock flavour: write create/lock/unlock/destroy for it and list its ops in adapters[].
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/test_util.h"
#include "stress_validate.h"
#include "bhlock/bhlock.h"

#ifdef BH_TSAN
#define STRESS_OPS 20000UL /* per configuration, all threads together */
#else
#define STRESS_OPS 200000UL
#endif

struct stress_lock_ops {
	const char *name;
	void *(*create)(void);	     /* NULL on failure */
	int (*lock)(void *lock);     /* 0, or -errno if the flavour may fail */
	void (*unlock)(void *lock);
	void (*destroy)(void *lock);
	bool may_fail;
};

/* ---- adapters -------------------------------------------------------------------------------- */

static void *rq_create(void)
{
	rqspinlock_t *l = calloc(1, sizeof(*l));

	if (l)
		raw_res_spin_lock_init(l);
	return l;
}
static int rq_lock(void *l)
{
	return res_spin_lock((rqspinlock_t *)l);
}
static void rq_unlock(void *l)
{
	res_spin_unlock((rqspinlock_t *)l);
}

static void *ps_create(void)
{
	void *l = calloc(1, sizeof(pthread_spinlock_t));

	if (l && pthread_spin_init(l, PTHREAD_PROCESS_PRIVATE)) {
		free(l);
		return NULL;
	}
	return l;
}
static int ps_lock(void *l)
{
	return -pthread_spin_lock(l);
}
static void ps_unlock(void *l)
{
	pthread_spin_unlock(l);
}
static void ps_destroy(void *l)
{
	pthread_spin_destroy(l);
	free(l);
}

static void *pm_create(void)
{
	pthread_mutex_t *l = calloc(1, sizeof(*l));

	if (l)
		pthread_mutex_init(l, NULL);
	return l;
}
static int pm_lock(void *l)
{
	return -pthread_mutex_lock(l);
}
static void pm_unlock(void *l)
{
	pthread_mutex_unlock(l);
}
static void pm_destroy(void *l)
{
	pthread_mutex_destroy(l);
	free(l);
}

static void *rt_create(void)
{
	struct rt_mutex *l = calloc(1, sizeof(*l));

	if (l)
		rt_mutex_init(l);
	return l;
}
static int rt_lock(void *l)
{
	rt_mutex_lock((struct rt_mutex *)l);
	return 0;
}
static void rt_unlock(void *l)
{
	rt_mutex_unlock((struct rt_mutex *)l);
}

static const struct stress_lock_ops adapters[] = {
	{ "rqspinlock", rq_create, rq_lock, rq_unlock, free, true },
	{ "pthread_spin", ps_create, ps_lock, ps_unlock, ps_destroy, false },
	{ "pthread_mutex", pm_create, pm_lock, pm_unlock, pm_destroy, false },
	{ "rt_mutex", rt_create, rt_lock, rt_unlock, free, false },
};

/* ---- the run --------------------------------------------------------------------------------- */

struct stress_run {
	const struct stress_lock_ops *ops;
	void *lock;
	struct sv_state sv;
	pthread_barrier_t start;
	unsigned long iters;
};

struct stress_thread {
	pthread_t thread;
	struct stress_run *run;
	unsigned int id;
	int pin_err;
	unsigned long done, failed, bad_errors;
};

static void *stress_thread_fn(void *arg)
{
	struct stress_thread *t = arg;
	struct stress_run *r = t->run;

	t->pin_err = bh_task_pin((int)(t->id - 1) % nr_cpu_ids);
	pthread_barrier_wait(&r->start);
	for (unsigned long i = 0; i < r->iters; i++) {
		int ret = r->ops->lock(r->lock);

		if (ret) {
			t->failed++;
			if (ret != -EDEADLK && ret != -ETIMEDOUT)
				t->bad_errors++;
			continue;
		}
		sv_critical(&r->sv, t->id);
		r->ops->unlock(r->lock);
		t->done++;
	}
	return NULL;
}

static bool stress_one(const struct stress_lock_ops *ops, int nthreads)
{
	struct stress_run r = { .ops = ops, .iters = STRESS_OPS / (unsigned long)nthreads };
	struct stress_thread th[8] = { 0 };
	unsigned long done = 0, failed = 0, bad = 0, id_sum = 0;
	uint64_t t0, dt;
	char what[64];
	bool ok;

	snprintf(what, sizeof(what), "%s/%d", ops->name, nthreads);
	r.lock = ops->create();
	if (!r.lock) {
		fprintf(stderr, "%s: cannot create the lock\n", what);
		return false;
	}
	sv_init(&r.sv);
	pthread_barrier_init(&r.start, NULL, (unsigned int)nthreads + 1);
	for (int i = 0; i < nthreads; i++) {
		th[i].run = &r;
		th[i].id = (unsigned int)i + 1;
		if (pthread_create(&th[i].thread, NULL, stress_thread_fn, &th[i])) {
			fprintf(stderr, "%s: pthread_create failed\n", what);
			abort();
		}
	}
	pthread_barrier_wait(&r.start);
	t0 = tu_now_ns();
	for (int i = 0; i < nthreads; i++)
		pthread_join(th[i].thread, NULL);
	dt = tu_now_ns() - t0;
	pthread_barrier_destroy(&r.start);

	ok = true;
	for (int i = 0; i < nthreads; i++) {
		if (th[i].pin_err) {
			fprintf(stderr, "%s: thread %d not pinned: %s\n", what, i, strerror(-th[i].pin_err));
			ok = false;
		}
		done += th[i].done;
		failed += th[i].failed;
		bad += th[i].bad_errors;
		id_sum += th[i].done * th[i].id;
	}
	ok &= sv_check(&r.sv, what, done, id_sum);
	if (done + failed != r.iters * (unsigned long)nthreads) {
		fprintf(stderr, "%s: %lu + %lu rounds, expected %lu\n", what, done, failed,
			r.iters * (unsigned long)nthreads);
		ok = false;
	}
	if (bad) {
		fprintf(stderr, "%s: %lu failures with an unexpected error\n", what, bad);
		ok = false;
	}
	if (failed && (!ops->may_fail || failed * 1000 > done)) {
		fprintf(stderr, "%s: %lu failed acquisitions\n", what, failed);
		ok = false;
	}
	fprintf(stderr, "  %-14s %d thr  %8lu ops  %9.1f ns/op  %lu failed  %s\n", ops->name,
		nthreads, done, (double)dt / (double)(done + failed), failed, ok ? "ok" : "FAIL");
	ops->destroy(r.lock);
	return ok;
}

int main(void)
{
	static const int nthreads[] = { 2, 4, 8 };
	struct rqspinlock_stats st;
	int failures = 0;

	fprintf(stderr, "stress_locks: %d CPUs, %lu ops per configuration\n", nr_cpu_ids,
		STRESS_OPS);
	for (size_t a = 0; a < ARRAY_SIZE(adapters); a++)
		for (size_t n = 0; n < ARRAY_SIZE(nthreads); n++)
			failures += !stress_one(&adapters[a], nthreads[n]);
	rqspinlock_stats_read(&st);
	fprintf(stderr, "rqspinlock failures: aa %lu abba %lu timeout %lu unwound %lu\n", st.aa,
		st.abba, st.timeout, st.unwound);
	fprintf(stderr, "stress_locks: %s\n", failures ? "FAILED" : "passed");
	return failures ? 1 : 0;
}
