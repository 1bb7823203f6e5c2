// SPDX-License-Identifier: GPL-2.0-only
/*
 * stress_pcpu_freelist.c - the per-CPU freelist under 2, 4 and 8 threads pinned round-robin to
 * the CPUs (SCHED_OTHER), with signal handlers (NMI-like) re-entering it:
 *   - a raiser thread sends the NMI signal to random workers, wherever they are, including
 *     inside push/pop with a head lock held;
 *   - now and then a worker takes its own CPU's head lock and signals itself, so that the handler
 *     meets a held head (AA) even where signals are deferred (TSan).
 * The handler pushes one element it owns and pops up to two. Workers pop and push, holding up to
 * HOLD_MAX elements each (together more than there are). Every element has an ownership flag and
 * an owner tag. At the end nothing may be lost or duplicated: popping everything yields every
 * element exactly once and the parked list is empty.
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
#include "bhlock/pcpu_freelist.h"

#define SIG_NMI SIGUSR2
#define MAX_THREADS 8
#define NR_ELEMS 2048
#define HOLD_MAX 600

struct elem {
	struct pcpu_freelist_node fnode;
	uint64_t tag;
};

static struct pcpu_freelist fl;
static struct elem elems[NR_ELEMS];
static uint8_t owned[NR_ELEMS];
static unsigned long errors, handler_runs, handler_pops, self_raises, pops_null;
static int stop;

/* Elements the handler keeps between runs, per worker: pushed back by the next run or at exit. */
static __thread struct elem *handler_stash;

static void report_error(const char *what)
{
	__atomic_fetch_add(&errors, 1, __ATOMIC_RELAXED);
	if (write(STDERR_FILENO, what, strlen(what)) < 0)
		return;
}

static long index_of(const void *node)
{
	const struct elem *e = node;

	if (e < elems || e >= elems + NR_ELEMS)
		return -1;
	return e - elems;
}

static struct elem *pop_claim(uint64_t owner)
{
	struct pcpu_freelist_node *x = pcpu_freelist_pop(&fl);
	long i;

	if (!x)
		return NULL;
	i = index_of(x);
	if (i < 0) {
		report_error("pop returned a foreign pointer\n");
		return NULL;
	}
	if (__atomic_exchange_n(&owned[i], 1, __ATOMIC_RELAXED))
		report_error("element popped twice\n");
	elems[i].tag = owner | (uint64_t)i;
	return &elems[i];
}

static void release_push(struct elem *e, uint64_t owner)
{
	long i = e - elems;

	if (e->tag != (owner | (uint64_t)i))
		report_error("element written by someone else while we owned it\n");
	if (!__atomic_exchange_n(&owned[i], 0, __ATOMIC_RELAXED))
		report_error("element pushed while not owned\n");
	pcpu_freelist_push(&fl, &e->fnode);
}

static void nmi_handler(int sig, void *arg)
{
	(void)sig, (void)arg;
	uint64_t owner = (1ULL << 63) | ((uint64_t)current->tid << 32);
	struct elem *a, *b;

	/* Push what the previous run kept, then pop two and keep one for the next run. */
	if (handler_stash) {
		release_push(handler_stash, owner);
		handler_stash = NULL;
	}
	a = pop_claim(owner);
	b = pop_claim(owner);
	if (a)
		release_push(a, owner);
	handler_stash = b;
	__atomic_fetch_add(&handler_pops, (a != NULL) + (b != NULL), __ATOMIC_RELAXED);
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

/* Hold this CPU's head lock as push/pop would, and let a handler run on top. */
static void reenter_with_head_locked(int cpu)
{
	struct pcpu_freelist_head *head = per_cpu_ptr(fl.freelist, cpu);

	if (res_spin_lock(&head->lock))
		return; /* a timeout behind a preempted holder: fine, skip */
	bh_nmi_raise(pthread_self(), SIG_NMI);
	res_spin_unlock(&head->lock);
	__atomic_fetch_add(&self_raises, 1, __ATOMIC_RELAXED);
}

static void *worker_fn(void *arg)
{
	struct worker *w = arg;
	struct elem *held[HOLD_MAX];
	uint64_t owner = (uint64_t)current->tid << 32;
	uint64_t rng = 0x9e3779b97f4a7c15ULL ^ (uint64_t)current->tid;
	int n = 0;

	while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
		for (int k = 0; k < 256; k++, w->ops++) {
			uint64_t r = xorshift(&rng);
			bool filling = (w->ops >> 11) & 1;

			if ((r & 0x3ff) == 0) {
				reenter_with_head_locked(w->cpu);
			} else if (n == 0 || (n < HOLD_MAX && (filling ? (r & 7) : !(r & 7)))) {
				struct elem *e = pop_claim(owner);

				if (e)
					held[n++] = e;
				else
					__atomic_fetch_add(&pops_null, 1, __ATOMIC_RELAXED);
			} else {
				int i = (int)((r >> 16) % (uint64_t)n);
				struct elem *e = held[i];

				held[i] = held[--n];
				release_push(e, owner);
			}
		}
	}
	while (n--)
		release_push(held[n], owner);
	/* The handler's stash belongs to this thread: give it back with signals blocked. */
	sigset_t set, old;

	sigemptyset(&set);
	sigaddset(&set, SIG_NMI);
	pthread_sigmask(SIG_BLOCK, &set, &old);
	if (handler_stash)
		release_push(handler_stash, (1ULL << 63) | ((uint64_t)current->tid << 32));
	handler_stash = NULL;
	return NULL;
}

struct raiser {
	struct worker *w;
	int nw;
};

static void *raiser_fn(void *arg)
{
	struct raiser *r = arg;
	struct timespec ts = { 0, 5000000 }; /* handlers meeting waiters cost ms each (ABBA checks) */
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
	unsigned long ops = 0, runs0 = handler_runs, raises0 = self_raises, null0 = pops_null;
	unsigned long parked0;
	struct rqspinlock_stats rq0, rq1;
	pthread_t raiser;
	uint32_t found = 0;
	int bad = 0;

	if (pcpu_freelist_init(&fl)) {
		fprintf(stderr, "pcpu_freelist_init failed\n");
		return 1;
	}
	memset(owned, 0, sizeof(owned));
	pcpu_freelist_populate(&fl, elems, sizeof(elems[0]), NR_ELEMS);
	parked0 = fl.nr_parked;
	rqspinlock_stats_read(&rq0);
	__atomic_store_n(&stop, 0, __ATOMIC_RELAXED);
	for (int i = 0; i < nthreads; i++) {
		char name[32];
		struct bh_kthread_opts ko = { .sz = sizeof(ko), .name = name, .cpu = i % nr_cpu_ids,
					      .policy = SCHED_OTHER, .fn = worker_fn, .arg = &w[i] };

		snprintf(name, sizeof(name), "fl-stress/%d", i);
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
	rqspinlock_stats_read(&rq1);
	printf("threads %d: %lu ops, %lu handler runs (%lu with a head locked), %lu NULL pops, "
	       "%lu parked; rqspinlock aa %lu abba %lu timeout %lu\n",
	       nthreads, ops, handler_runs - runs0, self_raises - raises0, pops_null - null0,
	       fl.nr_parked - parked0, rq1.aa - rq0.aa, rq1.abba - rq0.abba,
	       rq1.timeout - rq0.timeout);

	for (int i = 0; i < NR_ELEMS; i++)
		if (owned[i]) {
			fprintf(stderr, "element %d still marked owned\n", i);
			bad = 1;
		}
	/* Pop everything: every element exactly once, the parked ones included. */
	for (struct pcpu_freelist_node *x; (x = pcpu_freelist_pop(&fl)) != NULL; found++) {
		long i = index_of(x);

		if (i < 0 || owned[i]) {
			fprintf(stderr, "final pop: %s element %ld\n", i < 0 ? "foreign" : "duplicate",
				i);
			bad = 1;
			break;
		}
		owned[i] = 1;
	}
	if (found != NR_ELEMS) {
		fprintf(stderr, "final pop found %u of %d elements\n", found, NR_ELEMS);
		bad = 1;
	}
	if (__atomic_load_n(&fl.parked, __ATOMIC_RELAXED)) {
		fprintf(stderr, "parked list not empty at the end\n");
		bad = 1;
	}
	pcpu_freelist_destroy(&fl);
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
	if (!handler_runs || !handler_pops) {
		fprintf(stderr, "the signal handler never ran or never popped\n");
		bad = 1;
	}
	printf("stress_pcpu_freelist: %s\n", bad ? "FAILED" : "ok");
	return bad;
}
