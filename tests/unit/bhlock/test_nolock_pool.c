// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_nolock_pool.c - the nolock object pool: options, alloc/free, exhaustion and stealing,
 * pool_alloc_nolock()/pool_free_nolock() from a signal handler (NMI-like) that interrupted the
 * holder of the pool's locks, and 10^7 mixed operations by several threads and signal handlers
 * with an ownership flag per object.
 *
 * NOLOCK_POOL_OPS overrides the number of mixed operations (default 10^7).
 * The process runs under the rt-nested profile so that the allocation checker (debug builds)
 * reports any malloc/free made by the pool in the NMI-like context.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/test_util.h"
#include "bhlock/bhlock.h"
#include "bhlock/nolock_pool.h"
#include "bhlock/nolock_pool_internal.h"

#define SIG_NMI SIGUSR1

static struct nolock_pool *mk_pool(size_t obj_size, size_t nr, unsigned int cache,
				   unsigned int batch)
{
	struct nolock_pool_opts o = { .sz = sizeof(o), .name = "test", .obj_size = obj_size,
				      .nr_objs = nr, .cache_size = cache, .batch = batch };
	struct nolock_pool *p = nolock_pool__create(&o);

	assert_non_null(p);
	return p;
}

static struct nolock_pool_stats stats_of(struct nolock_pool *p)
{
	struct nolock_pool_stats s;

	nolock_pool__stats(p, &s);
	return s;
}

static void test_options(void **state)
{
	(void)state;
	struct nolock_pool_opts o = { .sz = sizeof(o), .obj_size = 16, .nr_objs = 4 };
	struct {
		struct nolock_pool_opts o;
		long future;
	} big = { .o = o };

	errno = 0;
	assert_null(nolock_pool__create(NULL));
	assert_int_equal(errno, EINVAL);
	o.obj_size = 0;
	assert_null(nolock_pool__create(&o));
	o.obj_size = 16, o.nr_objs = 0;
	assert_null(nolock_pool__create(&o));
	o.nr_objs = 4, o.cache_size = 4, o.batch = 8; /* batch > cache */
	assert_null(nolock_pool__create(&o));
	o.batch = 0, o.cache_size = 0, o.align = 24; /* not a power of two */
	assert_null(nolock_pool__create(&o));
	o.align = 0, o.sz = offsetof(struct nolock_pool_opts, obj_size); /* too old */
	assert_null(nolock_pool__create(&o));
	big.o.sz = sizeof(big), big.future = 1; /* unknown option set */
	assert_null(nolock_pool__create(&big.o));
	assert_int_equal(errno, EINVAL);
	big.future = 0; /* unknown option left zero: fine */
	struct nolock_pool *p = nolock_pool__create(&big.o);

	assert_non_null(p);
	nolock_pool__destroy(p);

	/* Alignment and small objects (the link needs a pointer). */
	o = (struct nolock_pool_opts){ .sz = sizeof(o), .obj_size = 3, .nr_objs = 10, .align = 64 };
	p = nolock_pool__create(&o);
	assert_non_null(p);
	for (int i = 0; i < 10; i++) {
		char *obj = pool_alloc(p);

		assert_non_null(obj);
		assert_int_equal((uintptr_t)obj % 64, 0);
		assert_in_range(nolock_pool__obj_index(p, obj), 0, 9);
		assert_int_equal(nolock_pool__obj_index(p, obj + 1), -EINVAL);
	}
	assert_null(pool_alloc(p));
	nolock_pool__destroy(p);
}

static void test_basic_alloc_free(void **state)
{
	(void)state;
	struct nolock_pool *p = mk_pool(40, 100, 8, 4);
	void *objs[100];
	bool seen[100] = { false };

	for (int i = 0; i < 100; i++) {
		objs[i] = (i & 1) ? pool_alloc(p) : pool_alloc_nolock(p);
		assert_non_null(objs[i]);
		long idx = nolock_pool__obj_index(p, objs[i]);

		assert_in_range(idx, 0, 99);
		assert_false(seen[idx]);
		seen[idx] = true;
		memset(objs[i], 0xa5, 40); /* the whole object is ours */
	}
	struct nolock_pool_stats s = stats_of(p);

	assert_int_equal(s.allocs, 100);
	assert_int_equal(s.nr_in_use, 100);
	assert_int_equal(s.nr_free, 0);
	assert_int_equal(nolock_pool__check(p), 0);
	for (int i = 0; i < 100; i++) {
		if (i % 3)
			pool_free(p, objs[i]);
		else
			pool_free_nolock(p, objs[i]);
	}
	s = stats_of(p);
	assert_int_equal(s.frees, 100);
	assert_int_equal(s.nr_in_use, 0);
	assert_int_equal(s.nolock_fail, 0);
	assert_int_equal(s.parked, 0);
	assert_int_equal(nolock_pool__check(p), 100);
	nolock_pool__destroy(p);
}

static void test_exhaustion_returns_null_and_counts(void **state)
{
	(void)state;
	struct nolock_pool *p = mk_pool(8, 50, 4, 2);
	void *objs[50];

	for (int i = 0; i < 50; i++)
		assert_non_null(objs[i] = pool_alloc(p));
	assert_null(pool_alloc(p));
	struct nolock_pool_stats s = stats_of(p);

	assert_int_equal(s.alloc_empty, 1);
	assert_int_equal(s.nolock_fail, 0);
	assert_null(pool_alloc_nolock(p));
	s = stats_of(p);
	assert_int_equal(s.alloc_empty, 2);
	assert_int_equal(s.nolock_fail, 1);
	assert_int_equal(s.nolock_busy, 0); /* nothing was locked: it was really empty */
	assert_int_equal(s.allocs, 50);
	for (int i = 0; i < 50; i++)
		pool_free(p, objs[i]);
	assert_int_equal(nolock_pool__check(p), 50);
	nolock_pool__destroy(p);
}

/* pool_alloc() takes objects cached by another CPU before it answers NULL. */
static void test_alloc_steals_from_other_cpus(void **state)
{
	(void)state;
	if (nr_cpu_ids < 2)
		skip();
	struct nolock_pool *p = mk_pool(8, 20, 16, 8);
	void *objs[20];

	assert_int_equal(bh_task_pin(0), 0);
	for (int i = 0; i < 20; i++)
		assert_non_null(objs[i] = pool_alloc(p));
	assert_int_equal(bh_task_pin(1), 0);
	for (int i = 0; i < 10; i++)
		pool_free(p, objs[i]); /* into CPU 1's cache: below its size, no spill */
	assert_int_equal(per_cpu_ptr(p->cache, 1)->count, 10);
	assert_int_equal(bh_task_pin(0), 0);
	for (int i = 0; i < 10; i++)
		assert_non_null(objs[i] = pool_alloc(p));
	assert_null(pool_alloc(p));
	for (int i = 0; i < 20; i++)
		pool_free(p, objs[i]);
	assert_int_equal(nolock_pool__check(p), 20);
	nolock_pool__destroy(p);
}

/* ---- signal handler (NMI-like) meeting the pool's locks held by the thread it interrupted ---- */

enum nmi_op { NMI_ALLOC, NMI_FREE };
static struct nolock_pool *nmi_pool;
static enum nmi_op nmi_op;
static void *nmi_obj;
static volatile sig_atomic_t nmi_ran, nmi_saw_nmi;

static void nmi_handler(int sig, void *arg)
{
	(void)sig, (void)arg;
	nmi_saw_nmi = in_nmi();
	if (nmi_op == NMI_ALLOC)
		nmi_obj = pool_alloc_nolock(nmi_pool);
	else
		pool_free_nolock(nmi_pool, nmi_obj);
	nmi_ran = 1;
}

static void run_nmi(enum nmi_op op)
{
	nmi_op = op;
	nmi_ran = 0;
	alarm(10); /* a deadlock ends the test instead of hanging it */
	assert_int_equal(bh_nmi_raise(pthread_self(), SIG_NMI), 0);
	alarm(0);
	assert_true(nmi_ran);
	assert_true(nmi_saw_nmi);
}

static void test_nmi_with_pool_locks_held(void **state)
{
	(void)state;
	struct nolock_pool *p = mk_pool(32, 64, 8, 4);
	void *a, *got[64 + 1];
	int n = 0;

	nmi_pool = p;
	assert_int_equal(bh_nmi_register(SIG_NMI, nmi_handler, NULL), 0);
	assert_int_equal(bh_task_pin(0), 0);
	a = pool_alloc(p); /* refills CPU 0's cache: it is not empty below */
	assert_non_null(a);
	assert_true(per_cpu_ptr(p->cache, 0)->count > 0);

	nolock_pool__lock_cpu(p, 0);
	nolock_pool__lock_global(p);
	run_nmi(NMI_ALLOC);
	assert_null(nmi_obj);
	struct nolock_pool_stats s = stats_of(p);

	assert_int_equal(s.nolock_fail, 1);
	assert_int_equal(s.nolock_busy, 1);
	assert_int_equal(s.alloc_empty, 0);

	nmi_obj = a;
	run_nmi(NMI_FREE);
	s = stats_of(p);
	assert_int_equal(s.parked, 1);
	assert_int_equal(s.nr_parked, 1);
	assert_int_equal(s.nr_in_use, 0);
	assert_ptr_equal(__atomic_load_n(&p->parked, __ATOMIC_RELAXED), a);
	nolock_pool__unlock_global(p);
	nolock_pool__unlock_cpu(p, 0);

	/* Recovered: the next holder of the global lock takes it back; every object comes out. */
	bool got_a = false;

	while ((got[n] = pool_alloc(p)) != NULL) {
		got_a |= got[n] == a;
		n++;
		assert_true(n <= 64);
	}
	assert_int_equal(n, 64);
	assert_true(got_a);
	s = stats_of(p);
	assert_int_equal(s.unparked, 1);
	assert_int_equal(s.nr_parked, 0);
	for (int i = 0; i < n; i++)
		pool_free(p, got[i]);
	assert_int_equal(nolock_pool__check(p), 64);
	bh_nmi_unregister(SIG_NMI);
	nolock_pool__destroy(p);
}

/* Only one of the two locks held: the handler uses the other path. */
static void test_nmi_fallbacks(void **state)
{
	(void)state;
	struct nolock_pool *p = mk_pool(32, 64, 8, 4);
	void *a;

	nmi_pool = p;
	assert_int_equal(bh_nmi_register(SIG_NMI, nmi_handler, NULL), 0);
	assert_int_equal(bh_task_pin(0), 0);
	a = pool_alloc(p);
	assert_int_equal(per_cpu_ptr(p->cache, 0)->count, 3);

	/* Global held: served from this CPU's cache. */
	nolock_pool__lock_global(p);
	run_nmi(NMI_ALLOC);
	assert_non_null(nmi_obj);
	assert_int_equal(per_cpu_ptr(p->cache, 0)->count, 2);
	run_nmi(NMI_FREE); /* back into the cache */
	assert_int_equal(per_cpu_ptr(p->cache, 0)->count, 3);
	nolock_pool__unlock_global(p);

	/* Cache held: served from the global pool. */
	size_t global_before = p->nr_free;

	nolock_pool__lock_cpu(p, 0);
	run_nmi(NMI_ALLOC);
	assert_non_null(nmi_obj);
	assert_int_equal(p->nr_free, global_before - 1);
	run_nmi(NMI_FREE); /* back into the global pool */
	assert_int_equal(p->nr_free, global_before);
	nolock_pool__unlock_cpu(p, 0);

	struct nolock_pool_stats s = stats_of(p);

	assert_int_equal(s.nolock_fail, 0);
	assert_int_equal(s.parked, 0);
	pool_free(p, a);
	assert_int_equal(nolock_pool__check(p), 64);
	bh_nmi_unregister(SIG_NMI);
	nolock_pool__destroy(p);
}

/* The locks held by another thread: the nolock calls return at once instead of waiting. */
struct holder {
	struct nolock_pool *p;
	int held, release;
};

static void *hold_locks(void *arg)
{
	struct holder *h = arg;

	assert_int_equal(bh_task_pin(0), 0);
	nolock_pool__lock_cpu(h->p, 0);
	nolock_pool__lock_global(h->p);
	__atomic_store_n(&h->held, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&h->release, __ATOMIC_ACQUIRE))
		usleep(1000);
	nolock_pool__unlock_global(h->p);
	nolock_pool__unlock_cpu(h->p, 0);
	return NULL;
}

static void test_nolock_never_waits_for_another_holder(void **state)
{
	(void)state;
	struct nolock_pool *p = mk_pool(32, 16, 8, 4);
	struct holder h = { .p = p };
	pthread_t th;
	void *a;

	assert_int_equal(bh_task_pin(0), 0);
	a = pool_alloc(p);
	assert_int_equal(pthread_create(&th, NULL, hold_locks, &h), 0);
	while (!__atomic_load_n(&h.held, __ATOMIC_ACQUIRE))
		usleep(100);
	uint64_t t0 = tu_now_ns();

	assert_null(pool_alloc_nolock(p));
	pool_free_nolock(p, a);
	uint64_t dt = tu_now_ns() - t0;

	assert_true(dt < 50ULL * 1000 * 1000);
	assert_int_equal(stats_of(p).parked, 1);
	__atomic_store_n(&h.release, 1, __ATOMIC_RELEASE);
	pthread_join(th, NULL);
	assert_int_equal(nolock_pool__check(p), 16);
	nolock_pool__destroy(p);
}

/* ---- 10^7 mixed operations: threads + signal handlers, one ownership flag per object ---- */

#define MIX_THREADS 4
#define MIX_NR_OBJS 512
#define MIX_HOLD_MAX 192
#define MIX_OBJ_SIZE 32

struct mix_obj {
	void *link; /* overwritten by the pool while free */
	uint64_t owner_tag;
};

static struct nolock_pool *mix_pool;
static uint8_t mix_owned[MIX_NR_OBJS];
static unsigned long mix_errors, mix_handler_runs;
static int mix_stop;

/*
 * The object just came out of the pool: nobody may own it. The tag names the owner (thread,
 * handler or not) and the object, so a second owner's write shows at release.
 */
static void mix_claim(struct mix_obj *o, uint64_t owner)
{
	long i = nolock_pool__obj_index(mix_pool, o);

	if (i < 0 || __atomic_exchange_n(&mix_owned[i], 1, __ATOMIC_RELAXED))
		__atomic_fetch_add(&mix_errors, 1, __ATOMIC_RELAXED);
	o->owner_tag = owner | (uint64_t)i;
}

/* The object is about to go back: we must still own it and nobody may have written it. */
static void mix_release(struct mix_obj *o, uint64_t owner)
{
	long i = nolock_pool__obj_index(mix_pool, o);

	if (i < 0 || o->owner_tag != (owner | (uint64_t)i))
		__atomic_fetch_add(&mix_errors, 1, __ATOMIC_RELAXED);
	if (i < 0 || !__atomic_exchange_n(&mix_owned[i], 0, __ATOMIC_RELAXED))
		__atomic_fetch_add(&mix_errors, 1, __ATOMIC_RELAXED);
}

static __thread uint64_t mix_rng;
static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Runs on top of whatever the worker was doing, possibly inside the pool with its locks held. */
static void mix_handler(int sig, void *arg)
{
	(void)sig, (void)arg;
	struct mix_obj *o[2];
	uint64_t tag = (1ULL << 63) | ((uint64_t)current->tid << 32);
	int n = 0;

	for (int i = 0; i < 2; i++) {
		o[n] = pool_alloc_nolock(mix_pool);
		if (o[n])
			mix_claim(o[n++], tag);
	}
	while (n--) {
		mix_release(o[n], tag);
		pool_free_nolock(mix_pool, o[n]);
	}
	__atomic_fetch_add(&mix_handler_runs, 1, __ATOMIC_RELAXED);
}

struct mix_worker {
	pthread_t th;
	int cpu;
	long ops;
	unsigned long allocs;
};

static void *mix_worker_fn(void *arg)
{
	struct mix_worker *w = arg;
	struct mix_obj *held[MIX_HOLD_MAX];
	int n = 0;
	uint64_t tag = (uint64_t)current->tid << 32;

	if (bh_task_pin(w->cpu))
		__atomic_fetch_add(&mix_errors, 1, __ATOMIC_RELAXED);
	mix_rng = 0x9e3779b97f4a7c15ULL ^ ((uint64_t)w->cpu << 17) ^ (uint64_t)current->tid;
	for (long i = 0; i < w->ops; i++) {
		uint64_t r = rnd(&mix_rng);
		/*
		 * Phases of 4096 operations that mostly allocate, then mostly free: together the
		 * workers can hold more than the pool has, so it runs dry now and then.
		 */
		bool filling = (i >> 12) & 1;
		bool do_alloc = n == 0 || (n < MIX_HOLD_MAX && (filling ? (r & 7) : !(r & 7)));

		if (do_alloc) {
			struct mix_obj *o = (r & 6) ? pool_alloc(mix_pool) : pool_alloc_nolock(mix_pool);

			if (o) {
				mix_claim(o, tag);
				held[n++] = o;
				w->allocs++;
			}
		} else {
			/* Free a random held object, to mix the order. */
			int k = (int)((r >> 8) % (uint64_t)n);
			struct mix_obj *o = held[k];

			held[k] = held[--n];
			mix_release(o, tag);
			if (r & 0x30)
				pool_free(mix_pool, o);
			else
				pool_free_nolock(mix_pool, o);
		}
	}
	while (n--) {
		mix_release(held[n], tag);
		pool_free(mix_pool, held[n]);
	}
	return NULL;
}

struct mix_raiser {
	struct mix_worker *w;
	int nw;
};

static void *mix_raiser_fn(void *arg)
{
	struct mix_raiser *r = arg;
	struct timespec ts = { 0, 20000 };

	for (unsigned int i = 0; !__atomic_load_n(&mix_stop, __ATOMIC_ACQUIRE); i++) {
		bh_nmi_raise(r->w[i % (unsigned int)r->nw].th, SIG_NMI);
		nanosleep(&ts, NULL);
	}
	return NULL;
}

static void test_mixed_ops_nothing_lost_or_duplicated(void **state)
{
	(void)state;
	long total = 10 * 1000 * 1000;
	const char *env = getenv("NOLOCK_POOL_OPS");
	struct mix_worker w[MIX_THREADS];
	struct mix_raiser r = { .w = w, .nw = MIX_THREADS };
	pthread_t raiser;
	unsigned long allocs = 0;

	if (env && atol(env) > 0)
		total = atol(env);
	mix_pool = mk_pool(MIX_OBJ_SIZE, MIX_NR_OBJS, 16, 8);
	memset(mix_owned, 0, sizeof(mix_owned));
	mix_stop = 0;
	assert_int_equal(bh_nmi_register(SIG_NMI, mix_handler, NULL), 0);
	uint64_t t0 = tu_now_ns();

	for (int i = 0; i < MIX_THREADS; i++) {
		w[i] = (struct mix_worker){ .cpu = i % nr_cpu_ids, .ops = total / MIX_THREADS };
		assert_int_equal(pthread_create(&w[i].th, NULL, mix_worker_fn, &w[i]), 0);
	}
	assert_int_equal(pthread_create(&raiser, NULL, mix_raiser_fn, &r), 0);
	for (int i = 0; i < MIX_THREADS; i++) {
		pthread_join(w[i].th, NULL);
		allocs += w[i].allocs;
	}
	__atomic_store_n(&mix_stop, 1, __ATOMIC_RELEASE);
	pthread_join(raiser, NULL);
	bh_nmi_unregister(SIG_NMI);
	uint64_t dt = tu_now_ns() - t0;

	struct nolock_pool_stats s = stats_of(mix_pool);

	print_message("%ld ops in %.2f s: %lu allocs (+%lu by %lu handler runs), nolock_fail %lu "
		      "(busy %lu), alloc_empty %lu, parked %lu\n",
		      total, (double)dt / 1e9, (unsigned long)allocs,
		      (unsigned long)(s.allocs - allocs), mix_handler_runs,
		      (unsigned long)s.nolock_fail, (unsigned long)s.nolock_busy,
		      (unsigned long)s.alloc_empty, (unsigned long)s.parked);
	assert_int_equal(mix_errors, 0);
	assert_true(mix_handler_runs > 0);
	assert_true(s.alloc_empty > 0); /* the workers did run the pool dry now and then */
	assert_int_equal(s.allocs, s.frees);
	assert_int_equal(s.nr_in_use, 0);
	assert_true(s.allocs >= allocs);
	for (int i = 0; i < MIX_NR_OBJS; i++)
		assert_int_equal(mix_owned[i], 0);
	/* Every object is back exactly once (parked ones included). */
	assert_int_equal(nolock_pool__check(mix_pool), MIX_NR_OBJS);
	assert_int_equal(stats_of(mix_pool).nr_parked, 0);
	nolock_pool__destroy(mix_pool);
}

static void test_no_lock_or_alloc_reports(void **state)
{
	(void)state;
#ifdef BHLOCK_DEBUG
	/* The pool made no allocator call in the NMI-like context and broke no lock rule. */
	assert_int_equal(lockdep_report_count(LOCKDEP_ALLOC_IN_BH), 0);
	assert_int_equal(lockdep_report_total(), 0);
#else
	skip();
#endif
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_options),
		cmocka_unit_test(test_basic_alloc_free),
		cmocka_unit_test(test_exhaustion_returns_null_and_counts),
		cmocka_unit_test(test_alloc_steals_from_other_cpus),
		cmocka_unit_test(test_nmi_with_pool_locks_held),
		cmocka_unit_test(test_nmi_fallbacks),
		cmocka_unit_test(test_nolock_never_waits_for_another_holder),
		cmocka_unit_test(test_mixed_ops_nothing_lost_or_duplicated),
		cmocka_unit_test(test_no_lock_or_alloc_reports),
	};

	/* RT profile: the allocation checker watches NMI (signal handler) context. */
	if (bh_profile_set(BH_PROFILE_RT_NESTED))
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
