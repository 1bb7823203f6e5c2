// SPDX-License-Identifier: GPL-2.0-only
/*
 * stress_nolock_pool.c - the nolock pool under 2, 4 and 8 threads pinned round-robin to the CPUs
 * (SCHED_OTHER), with signal handlers (NMI-like) re-entering the pool:
 *   - a raiser thread sends the NMI signal to random workers, which may be anywhere, including
 *     inside the pool with its locks held;
 *   - now and then a worker takes its CPU cache lock and/or the global lock itself and signals
 *     itself, so that the handler meets held locks even where signals are deferred (TSan).
 * Workers allocate and free through all four entry points, holding up to HOLD_MAX objects each
 * (together more than the pool has). Every object has an ownership flag and an owner tag written
 * at allocation and checked at free. At the end nothing may be lost or duplicated: every flag is
 * clear, the stats balance, and nolock_pool__check() finds every object exactly once.
 *
 * STRESS_MS sets the run time per thread count (default 1500 ms).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/test_util.h"
#include "stress_validate.h"
#include "bhlock/bhlock.h"
#include "bhlock/nolock_pool.h"
#include "bhlock/nolock_pool_internal.h"

#define SIG_NMI SIGUSR2
#define MAX_THREADS 8
#define NR_OBJS 1024
#define HOLD_MAX 400

struct obj {
	void *link; /* the pool's while free */
	uint64_t tag;
	uint64_t payload[2];
};

static struct nolock_pool *pool;
static uint8_t owned[NR_OBJS];
static unsigned long errors, handler_runs, self_raises;
static int stop;

static void report_error(const char *what)
{
	/* async-signal-safe: the handler may call it */
	__atomic_fetch_add(&errors, 1, __ATOMIC_RELAXED);
	if (write(STDERR_FILENO, what, strlen(what)) < 0)
		return;
}

static void claim(struct obj *o, uint64_t owner)
{
	long i = nolock_pool__obj_index(pool, o);

	if (i < 0) {
		report_error("alloc returned a foreign pointer\n");
		return;
	}
	if (__atomic_exchange_n(&owned[i], 1, __ATOMIC_RELAXED))
		report_error("object handed out twice\n");
	o->tag = owner | (uint64_t)i;
	o->payload[0] = ~o->tag;
}

static void release(struct obj *o, uint64_t owner)
{
	long i = nolock_pool__obj_index(pool, o);

	if (i < 0 || o->tag != (owner | (uint64_t)i) || o->payload[0] != ~o->tag)
		report_error("object written by someone else while we owned it\n");
	if (i >= 0 && !__atomic_exchange_n(&owned[i], 0, __ATOMIC_RELAXED))
		report_error("object freed while not owned\n");
}

static void nmi_handler(int sig, void *arg)
{
	(void)sig, (void)arg;
	uint64_t owner = (1ULL << 63) | ((uint64_t)current->tid << 32);
	struct obj *o[3];
	int n = 0;

	for (int i = 0; i < 3; i++)
		if ((o[n] = pool_alloc_nolock(pool)) != NULL)
			claim(o[n++], owner);
	while (n--) {
		release(o[n], owner);
		pool_free_nolock(pool, o[n]);
	}
	__atomic_fetch_add(&handler_runs, 1, __ATOMIC_RELAXED);
}

struct worker {
	pthread_t th;
	int cpu;
	unsigned long ops;
};

static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Hold pool locks as the pool would (cache, then global) and let a handler run on top. */
static void reenter_with_locks_held(int cpu, uint64_t r)
{
	bool cache = r & 1, global = r & 2;

	if (!cache && !global)
		cache = global = true;
	if (cache)
		nolock_pool__lock_cpu(pool, cpu);
	if (global)
		nolock_pool__lock_global(pool);
	bh_nmi_raise(pthread_self(), SIG_NMI);
	if (global)
		nolock_pool__unlock_global(pool);
	if (cache)
		nolock_pool__unlock_cpu(pool, cpu);
	__atomic_fetch_add(&self_raises, 1, __ATOMIC_RELAXED);
}

static void *worker_fn(void *arg)
{
	struct worker *w = arg;
	struct obj *held[HOLD_MAX];
	uint64_t owner = (uint64_t)current->tid << 32;
	uint64_t rng = 0x9e3779b97f4a7c15ULL ^ (uint64_t)current->tid;
	int n = 0;

	while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
		for (int k = 0; k < 256; k++, w->ops++) {
			uint64_t r = xorshift(&rng);
			bool filling = (w->ops >> 11) & 1;

			if ((r & 0x3ff) == 0) {
				reenter_with_locks_held(w->cpu, r >> 10);
			} else if (n == 0 || (n < HOLD_MAX && (filling ? (r & 7) : !(r & 7)))) {
				struct obj *o = (r & 0x10) ? pool_alloc(pool) : pool_alloc_nolock(pool);

				if (o) {
					claim(o, owner);
					held[n++] = o;
				}
			} else {
				int i = (int)((r >> 16) % (uint64_t)n);
				struct obj *o = held[i];

				held[i] = held[--n];
				release(o, owner);
				if (r & 0x20)
					pool_free(pool, o);
				else
					pool_free_nolock(pool, o);
			}
		}
	}
	while (n--) {
		release(held[n], owner);
		pool_free(pool, held[n]);
	}
	return NULL;
}

struct raiser {
	struct worker *w;
	int nw;
};

static void *raiser_fn(void *arg)
{
	struct raiser *r = arg;
	struct timespec ts = { 0, 50000 };
	uint64_t rng = 0x1234567;

	while (!__atomic_load_n(&stop, __ATOMIC_ACQUIRE)) {
		bh_nmi_raise(r->w[xorshift(&rng) % (uint64_t)r->nw].th, SIG_NMI);
		nanosleep(&ts, NULL);
	}
	return NULL;
}

static int run(int nthreads, unsigned int ms)
{
	struct worker w[MAX_THREADS];
	struct raiser rs = { .w = w, .nw = nthreads };
	struct nolock_pool_opts o = { .sz = sizeof(o), .name = "stress", .obj_size = sizeof(struct obj),
				      .nr_objs = NR_OBJS, .cache_size = 32, .batch = 16 };
	struct nolock_pool_stats s;
	unsigned long ops = 0, runs0 = handler_runs, raises0 = self_raises;
	pthread_t raiser;
	int bad = 0;
	long found;

	pool = nolock_pool__create(&o);
	if (!pool) {
		perror("nolock_pool__create");
		return 1;
	}
	memset(owned, 0, sizeof(owned));
	__atomic_store_n(&stop, 0, __ATOMIC_RELAXED);
	for (int i = 0; i < nthreads; i++) {
		char name[32];
		struct bh_kthread_opts ko = { .sz = sizeof(ko), .name = name, .cpu = i % nr_cpu_ids,
					      .policy = SCHED_OTHER, .fn = worker_fn, .arg = &w[i] };

		snprintf(name, sizeof(name), "np-stress/%d", i);
		w[i] = (struct worker){ .cpu = ko.cpu };
		if (bh_kthread_run(&w[i].th, &ko)) {
			fprintf(stderr, "bh_kthread_run failed\n");
			return 1;
		}
	}
	pthread_create(&raiser, NULL, raiser_fn, &rs);
	usleep(ms * 1000);
	__atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
	pthread_join(raiser, NULL);
	for (int i = 0; i < nthreads; i++) {
		pthread_join(w[i].th, NULL);
		ops += w[i].ops;
	}

	nolock_pool__stats(pool, &s);
	printf("threads %d: %lu ops, %lu handler runs (%lu with locks held), allocs %lu, "
	       "nolock_fail %lu (busy %lu), empty %lu, parked %lu\n",
	       nthreads, ops, handler_runs - runs0, self_raises - raises0, (unsigned long)s.allocs,
	       (unsigned long)s.nolock_fail, (unsigned long)s.nolock_busy,
	       (unsigned long)s.alloc_empty, (unsigned long)s.parked);
	for (int i = 0; i < NR_OBJS; i++)
		if (owned[i]) {
			fprintf(stderr, "object %d still marked owned\n", i);
			bad = 1;
		}
	if (s.allocs != s.frees || s.nr_in_use != 0) {
		fprintf(stderr, "stats do not balance: allocs %lu frees %lu\n",
			(unsigned long)s.allocs, (unsigned long)s.frees);
		bad = 1;
	}
	found = nolock_pool__check(pool);
	if (found != NR_OBJS) {
		fprintf(stderr, "nolock_pool__check: %ld of %d objects\n", found, NR_OBJS);
		bad = 1;
	}
	nolock_pool__stats(pool, &s);
	if (s.nr_parked) {
		fprintf(stderr, "%lu objects still parked after the check\n",
			(unsigned long)s.nr_parked);
		bad = 1;
	}
	nolock_pool__destroy(pool);
	return bad;
}

int main(void)
{
	const int threads[] = { 2, 4, 8 };
	unsigned int ms = stress_duration_ms(1500);
	int bad = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (bh_nmi_register(SIG_NMI, nmi_handler, NULL))
		return 1;
	for (size_t i = 0; i < ARRAY_SIZE(threads); i++)
		bad |= run(threads[i], ms);
	if (!stress_validator_clean())
		bad = 1;
	if (__atomic_load_n(&errors, __ATOMIC_RELAXED)) {
		fprintf(stderr, "%lu ownership errors\n", errors);
		bad = 1;
	}
	if (!handler_runs) {
		fprintf(stderr, "no signal handler ran\n");
		bad = 1;
	}
	printf("stress_nolock_pool: %s\n", bad ? "FAILED" : "ok");
	return bad;
}
