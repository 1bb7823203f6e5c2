// SPDX-License-Identifier: GPL-2.0-only
/*
 * stress_rqspinlock_deadlock.c - rqspinlock under deadlock-prone use: pinned threads take random
 * pairs of locks in random order (AB/BA cycles, and longer ones that only the timeout breaks),
 * while a signal thread keeps interrupting them with an NMI-like handler that takes locks too.
 *
 * Pass:
 *   - the program ends (an alarm kills it if anything hangs);
 *   - every failed acquisition returned -EDEADLK or -ETIMEDOUT;
 *   - a handler that tries the lock its thread holds always gets -EDEADLK (AA), never the lock;
 *   - exclusion holds and each lock's validator counted exactly the critical sections that
 *     threads and handlers report;
 *   - afterwards every lock word is 0 and every task's held table and node count are empty.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/test_util.h"
#include "stress_validate.h"
#include "bhlock/bhlock.h"

#define NR_LOCKS 4
#define NR_WORKERS 4
#ifdef BH_TSAN
#define NR_ROUNDS 3000
#else
#define NR_ROUNDS 6000
#endif
#define SIG_NMI SIGUSR1
#define NMI_PERIOD_US 200
#define WATCHDOG_S 120
/*
 * Cycles of three or more tasks are not detected (only AB/BA is); the timeout breaks them, at
 * 0.25-0.5 s each. On a loaded machine they add up, so the run also stops after a time budget;
 * every check below still holds for the rounds that ran.
 */
#define BUDGET_NS (10ULL * 1000000000ULL)

struct dl_lock {
	rqspinlock_t lock;
	struct sv_state sv;
} __attribute__((aligned(64)));

static struct dl_lock locks[NR_LOCKS];

struct dl_counts {
	unsigned long done[NR_LOCKS]; /* critical sections run under each lock */
	unsigned long ok, deadlk, timedout, bad;
};

struct worker {
	pthread_t thread;
	unsigned int id;
	uint64_t rng, nmi_rng;
	int holding; /* index + 1 of the innermost lock held, for the handler's AA probe */
	struct dl_counts task, nmi;
	unsigned long rounds, first_ok, nmi_runs, nmi_aa_probes, nmi_aa_missed;
	int end_cnt, end_nodes, pin_err;
	bool finished;
};

static struct worker workers[NR_WORKERS];
static bool stop;
static pthread_barrier_t start_barrier;
static __thread struct worker *self_worker;

static unsigned int rnd(uint64_t *s)
{
	/* xorshift64 */
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return (unsigned int)(*s >> 32);
}

static void tally(struct dl_counts *c, int ret)
{
	if (ret == 0)
		c->ok++;
	else if (ret == -EDEADLK)
		c->deadlk++;
	else if (ret == -ETIMEDOUT)
		c->timedout++;
	else
		c->bad++;
}

static inline void set_holding(struct worker *w, int v)
{
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	w->holding = v;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
}

/* The NMI-like handler: probe AA on the held lock, then take a random lock. */
static void dl_nmi(int sig, void *arg)
{
	struct worker *w = self_worker;
	int h, c, ret;

	(void)sig, (void)arg;
	if (!w)
		return;
	w->nmi_runs++;
	h = w->holding;
	if (h) {
		w->nmi_aa_probes++;
		ret = res_spin_lock(&locks[h - 1].lock);
		if (ret != -EDEADLK) {
			w->nmi_aa_missed++;
			if (!ret)
				res_spin_unlock(&locks[h - 1].lock);
		}
	}
	c = (int)(rnd(&w->nmi_rng) % NR_LOCKS);
	ret = res_spin_lock(&locks[c].lock);
	tally(&w->nmi, ret);
	if (!ret) {
		sv_critical(&locks[c].sv, w->id);
		w->nmi.done[c]++;
		res_spin_unlock(&locks[c].lock);
	}
}

static void *worker_fn(void *arg)
{
	struct worker *w = arg;

	w->pin_err = bh_task_pin((int)(w->id - 1) % nr_cpu_ids);
	self_worker = w;
	pthread_barrier_wait(&start_barrier);
	for (int i = 0; i < NR_ROUNDS && !__atomic_load_n(&stop, __ATOMIC_RELAXED); i++) {
		int a = (int)(rnd(&w->rng) % NR_LOCKS);
		int b = (int)((a + 1 + rnd(&w->rng) % (NR_LOCKS - 1)) % NR_LOCKS);
		int ret = res_spin_lock(&locks[a].lock);

		w->rounds++;
		tally(&w->task, ret);
		if (ret)
			continue;
		w->first_ok++;
		set_holding(w, a + 1);
		sv_critical(&locks[a].sv, w->id);
		w->task.done[a]++;
		ret = res_spin_lock(&locks[b].lock);
		tally(&w->task, ret);
		if (!ret) {
			set_holding(w, b + 1);
			sv_critical(&locks[b].sv, w->id);
			for (int k = 0; k < 64; k++) /* hold both a little: more overlap, more cycles */
				cpu_relax();
			w->task.done[b]++;
			set_holding(w, a + 1);
			res_spin_unlock(&locks[b].lock);
		}
		set_holding(w, 0);
		res_spin_unlock(&locks[a].lock);
	}
	/* No more handlers on this thread from here (the signal thread checks `finished`). */
	self_worker = NULL;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	w->end_cnt = current->rqspin.held.cnt;
	w->end_nodes = current->rqspin.nodes[0].count;
	__atomic_store_n(&w->finished, true, __ATOMIC_RELEASE);
	return NULL;
}

/* Rounds whose first lock was taken: those made a second attempt. */
static unsigned long sum_first_ok(void)
{
	unsigned long n = 0;

	for (int i = 0; i < NR_WORKERS; i++)
		n += workers[i].first_ok;
	return n;
}

static bool all_finished(void)
{
	for (int i = 0; i < NR_WORKERS; i++)
		if (!__atomic_load_n(&workers[i].finished, __ATOMIC_ACQUIRE))
			return false;
	return true;
}

int main(void)
{
	struct rqspinlock_stats st;
	struct dl_counts task = { 0 }, nmi = { 0 };
	unsigned long probes = 0, missed = 0, runs = 0, signals = 0, rounds = 0, attempts;
	uint64_t rng = 0x9e3779b97f4a7c15ULL, t0;
	bool ok = true;

	alarm(WATCHDOG_S); /* a hang kills the program: the test fails */
	for (int i = 0; i < NR_LOCKS; i++) {
		raw_res_spin_lock_init(&locks[i].lock);
		sv_init(&locks[i].sv);
	}
	if (bh_nmi_register(SIG_NMI, dl_nmi, NULL)) {
		fprintf(stderr, "bh_nmi_register failed\n");
		return 1;
	}
	pthread_barrier_init(&start_barrier, NULL, NR_WORKERS + 1);
	for (int i = 0; i < NR_WORKERS; i++) {
		workers[i].id = (unsigned int)i + 1;
		workers[i].rng = 0x1234567ULL * (unsigned int)(i + 1) + 1;
		workers[i].nmi_rng = 0x7654321ULL * (unsigned int)(i + 1) + 3;
		if (pthread_create(&workers[i].thread, NULL, worker_fn, &workers[i])) {
			fprintf(stderr, "pthread_create failed\n");
			return 1;
		}
	}
	pthread_barrier_wait(&start_barrier);
	t0 = tu_now_ns();
	/* Interrupt random running workers until all are done. */
	while (!all_finished()) {
		struct worker *w = &workers[rnd(&rng) % NR_WORKERS];

		if (!__atomic_load_n(&w->finished, __ATOMIC_ACQUIRE) &&
		    !bh_nmi_raise(w->thread, SIG_NMI))
			signals++;
		usleep(NMI_PERIOD_US);
		if (tu_now_ns() - t0 > BUDGET_NS)
			__atomic_store_n(&stop, true, __ATOMIC_RELAXED);
	}
	for (int i = 0; i < NR_WORKERS; i++)
		pthread_join(workers[i].thread, NULL);
	bh_nmi_unregister(SIG_NMI);

	for (int i = 0; i < NR_WORKERS; i++) {
		struct worker *w = &workers[i];

		if (w->pin_err) {
			fprintf(stderr, "worker %d not pinned: %s\n", i, strerror(-w->pin_err));
			ok = false;
		}
		if (w->end_cnt || w->end_nodes) {
			fprintf(stderr, "worker %d ended with %d held entries, %d nodes in use\n", i,
				w->end_cnt, w->end_nodes);
			ok = false;
		}
		task.ok += w->task.ok, task.deadlk += w->task.deadlk;
		task.timedout += w->task.timedout, task.bad += w->task.bad;
		nmi.ok += w->nmi.ok, nmi.deadlk += w->nmi.deadlk;
		nmi.timedout += w->nmi.timedout, nmi.bad += w->nmi.bad;
		probes += w->nmi_aa_probes, missed += w->nmi_aa_missed, runs += w->nmi_runs;
		rounds += w->rounds;
	}
	for (int l = 0; l < NR_LOCKS; l++) {
		unsigned long done = 0, id_sum = 0;
		char what[32];

		for (int i = 0; i < NR_WORKERS; i++) {
			unsigned long n = workers[i].task.done[l] + workers[i].nmi.done[l];

			done += n;
			id_sum += n * workers[i].id;
		}
		snprintf(what, sizeof(what), "lock %d", l);
		ok &= sv_check(&locks[l].sv, what, done, id_sum);
		if (__atomic_load_n(&locks[l].lock.val, __ATOMIC_RELAXED)) {
			fprintf(stderr, "lock %d: word %#x after the run\n", l, locks[l].lock.val);
			ok = false;
		}
	}
	rqspinlock_stats_read(&st);
	fprintf(stderr,
		"stress_rqspinlock_deadlock: %d workers, %lu rounds (max %d each), %d locks, %.2f s%s\n"
		"  task: %lu ok, %lu -EDEADLK, %lu -ETIMEDOUT, %lu other\n"
		"  nmi:  %lu signals, %lu handler runs, %lu ok, %lu -EDEADLK, %lu -ETIMEDOUT, "
		"%lu other; AA probes %lu, missed %lu\n"
		"  stats: aa %lu abba %lu timeout %lu unwound %lu\n",
		NR_WORKERS, rounds, NR_ROUNDS, NR_LOCKS, (double)(tu_now_ns() - t0) / 1e9,
		stop ? " (time budget reached)" : "", task.ok,
		task.deadlk, task.timedout, task.bad, signals, runs, nmi.ok, nmi.deadlk,
		nmi.timedout, nmi.bad, probes, missed, st.aa, st.abba, st.timeout, st.unwound);
	if (task.bad || nmi.bad) {
		fprintf(stderr, "FAIL: failures with an error other than -EDEADLK/-ETIMEDOUT\n");
		ok = false;
	}
	if (missed) {
		fprintf(stderr, "FAIL: a handler did not get -EDEADLK on its thread's lock\n");
		ok = false;
	}
	/* Each round is one first attempt, plus a second one when the first succeeded. */
	attempts = task.ok + task.deadlk + task.timedout + task.bad;
	if (attempts != rounds + sum_first_ok()) {
		fprintf(stderr, "FAIL: %lu attempts do not add up for %lu rounds\n", attempts, rounds);
		ok = false;
	}
	if (!task.deadlk || st.abba == 0) {
		fprintf(stderr, "FAIL: no ABBA deadlock detected: the test did not test it\n");
		ok = false;
	}
#ifndef BH_TSAN /* TSan defers signals to its own safe points; handlers may rarely hit a holder */
	if (!probes || st.aa < probes) {
		fprintf(stderr, "FAIL: no handler interrupted a holder (or AA not counted)\n");
		ok = false;
	}
#endif
	fprintf(stderr, "stress_rqspinlock_deadlock: %s\n", ok ? "passed" : "FAILED");
	return ok ? 0 : 1;
}
