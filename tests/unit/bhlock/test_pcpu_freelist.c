// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_pcpu_freelist.c - the per-CPU freelist with rqspinlock heads: populate's spread, push/pop
 * of every element (alone and by several threads), pop from an empty freelist whose every head
 * lock is held by another thread (must not touch the locks), and a signal handler (NMI-like)
 * pushing and popping while the thread it interrupted holds head locks.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/test_util.h"
#include "bhlock/bhlock.h"
#include "bhlock/pcpu_freelist.h"

#define SIG_NMI SIGUSR1

struct elem {
	struct pcpu_freelist_node fnode; /* at offset 0, as populate() requires */
	uint32_t id;
	uint8_t pad[20];
};

static struct elem *mk_elems(uint32_t nr)
{
	struct elem *e = calloc(nr ? nr : 1, sizeof(*e));

	assert_non_null(e);
	for (uint32_t i = 0; i < nr; i++)
		e[i].id = i;
	return e;
}

static long elem_index(const struct elem *base, uint32_t nr, const void *node)
{
	const struct elem *e = node;

	if (e < base || e >= base + nr)
		return -1;
	return e - base;
}

static uint32_t head_len(struct pcpu_freelist *s, int cpu)
{
	uint32_t n = 0;

	for (struct pcpu_freelist_node *x = per_cpu_ptr(s->freelist, cpu)->first; x; x = x->next)
		n++;
	return n;
}

static void test_populate_spreads_over_cpus(void **state)
{
	(void)state;
	const uint32_t sizes[] = { 0, 1, (uint32_t)nr_cpu_ids - 1, (uint32_t)nr_cpu_ids, 10, 11,
				   1001 };

	for (size_t k = 0; k < ARRAY_SIZE(sizes); k++) {
		uint32_t nr = sizes[k], ncpu = (uint32_t)nr_cpu_ids, start = 0;
		struct pcpu_freelist s;
		struct elem *e = mk_elems(nr);
		int cpu;

		assert_int_equal(pcpu_freelist_init(&s), 0);
		pcpu_freelist_populate(&s, e, sizeof(*e), nr);
		for_each_possible_cpu(cpu) {
			uint32_t want = nr / ncpu + ((uint32_t)cpu < nr % ncpu ? 1 : 0);

			assert_int_equal(head_len(&s, cpu), want);
			/* CPU c holds the c-th slice of the buffer. */
			for (struct pcpu_freelist_node *x = per_cpu_ptr(s.freelist, cpu)->first; x;
			     x = x->next) {
				long i = elem_index(e, nr, x);

				assert_in_range(i, start, start + want - 1);
			}
			start += want;
		}
		assert_int_equal(start, nr);
		pcpu_freelist_destroy(&s);
		free(e);
	}
}

static void test_push_pop_all(void **state)
{
	(void)state;
	const uint32_t nr = 10000;
	struct pcpu_freelist s;
	struct elem *e = mk_elems(nr);
	uint8_t *seen = calloc(nr, 1);
	struct pcpu_freelist_node *node;

	assert_non_null(seen);
	assert_int_equal(pcpu_freelist_init(&s), 0);
	assert_null(pcpu_freelist_pop(&s));
	pcpu_freelist_populate(&s, e, sizeof(*e), nr);
	for (int round = 0; round < 2; round++) {
		uint32_t n = 0;

		memset(seen, 0, nr);
		while ((node = pcpu_freelist_pop(&s)) != NULL) {
			long i = elem_index(e, nr, node);

			assert_true(i >= 0);
			assert_int_equal(seen[i], 0);
			seen[i] = 1;
			n++;
		}
		assert_int_equal(n, nr);
		assert_null(pcpu_freelist_pop(&s));
		for (uint32_t i = 0; i < nr; i++)
			pcpu_freelist_push(&s, &e[i].fnode);
	}
	assert_int_equal(s.nr_parked, 0);
	pcpu_freelist_destroy(&s);
	free(seen);
	free(e);
}

/* Several threads pop and push at once; each element has one owner at a time. */
#define MT_THREADS 4
#define MT_NR 4096
static struct pcpu_freelist mt_s;
static struct elem *mt_e;
static uint8_t mt_owned[MT_NR];
static unsigned long mt_errors;

static void *mt_worker(void *arg)
{
	long id = (long)arg;
	struct pcpu_freelist_node *held[64];
	int n = 0;
	uint64_t r = 0x243f6a8885a308d3ULL + (uint64_t)id;

	bh_task_pin((int)(id % nr_cpu_ids));
	for (int i = 0; i < 200000; i++) {
		r ^= r << 13, r ^= r >> 7, r ^= r << 17;
		if (n < 64 && (n == 0 || (r & 1))) {
			struct pcpu_freelist_node *x = pcpu_freelist_pop(&mt_s);
			long k;

			if (!x)
				continue;
			k = elem_index(mt_e, MT_NR, x);
			if (k < 0 || __atomic_exchange_n(&mt_owned[k], 1, __ATOMIC_RELAXED))
				__atomic_fetch_add(&mt_errors, 1, __ATOMIC_RELAXED);
			held[n++] = x;
		} else {
			struct pcpu_freelist_node *x = held[--n];

			__atomic_store_n(&mt_owned[elem_index(mt_e, MT_NR, x)], 0, __ATOMIC_RELAXED);
			pcpu_freelist_push(&mt_s, x);
		}
	}
	while (n--) {
		__atomic_store_n(&mt_owned[elem_index(mt_e, MT_NR, held[n])], 0, __ATOMIC_RELAXED);
		pcpu_freelist_push(&mt_s, held[n]);
	}
	return NULL;
}

static void test_threads_push_pop(void **state)
{
	(void)state;
	pthread_t th[MT_THREADS];
	uint32_t n = 0;

	mt_e = mk_elems(MT_NR);
	memset(mt_owned, 0, sizeof(mt_owned));
	assert_int_equal(pcpu_freelist_init(&mt_s), 0);
	pcpu_freelist_populate(&mt_s, mt_e, sizeof(*mt_e), MT_NR);
	for (long i = 0; i < MT_THREADS; i++)
		assert_int_equal(pthread_create(&th[i], NULL, mt_worker, (void *)i), 0);
	for (int i = 0; i < MT_THREADS; i++)
		pthread_join(th[i], NULL);
	assert_int_equal(mt_errors, 0);
	for (struct pcpu_freelist_node *x; (x = pcpu_freelist_pop(&mt_s)) != NULL; n++) {
		long k = elem_index(mt_e, MT_NR, x);

		assert_true(k >= 0);
		assert_int_equal(mt_owned[k], 0);
		mt_owned[k] = 2;
	}
	assert_int_equal(n, MT_NR);
	pcpu_freelist_destroy(&mt_s);
	free(mt_e);
}

/* ---- pop from an empty freelist while another thread holds every head's lock ---- */

struct lock_all {
	struct pcpu_freelist *s;
	int held, release, err;
};

static void *lock_all_heads(void *arg)
{
	struct lock_all *la = arg;
	int cpu;

	for_each_possible_cpu(cpu)
		if (res_spin_lock(&per_cpu_ptr(la->s->freelist, cpu)->lock))
			la->err = 1;
	__atomic_store_n(&la->held, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&la->release, __ATOMIC_ACQUIRE))
		usleep(1000);
	for (cpu = nr_cpu_ids - 1; cpu >= 0; cpu--)
		res_spin_unlock(&per_cpu_ptr(la->s->freelist, cpu)->lock);
	return NULL;
}

static void test_empty_pop_skips_locked_heads(void **state)
{
	(void)state;
	struct pcpu_freelist s;
	struct lock_all la = { .s = &s };
	struct rqspinlock_stats before, after;
	pthread_t th;

	assert_int_equal(pcpu_freelist_init(&s), 0);
	assert_int_equal(pthread_create(&th, NULL, lock_all_heads, &la), 0);
	while (!__atomic_load_n(&la.held, __ATOMIC_ACQUIRE))
		usleep(100);
	assert_int_equal(la.err, 0);
	rqspinlock_stats_read(&before);
	uint64_t t0 = tu_now_ns();

	uint64_t dt = 0;

	for (int i = 0; i < 1000 && dt < 50ULL * 1000 * 1000; i++) {
		assert_null(pcpu_freelist_pop(&s));
		dt = tu_now_ns() - t0;
	}

	rqspinlock_stats_read(&after);
	/* Waiting on one held lock would cost the 0.25 s rqspinlock timeout, for each pop. */
	assert_true(dt < 50ULL * 1000 * 1000);
	assert_int_equal(after.timeout, before.timeout);
	__atomic_store_n(&la.release, 1, __ATOMIC_RELEASE);
	pthread_join(th, NULL);
	pcpu_freelist_destroy(&s);
}

/* ---- a signal handler re-entering while the interrupted thread holds head locks ---- */

static struct pcpu_freelist nmi_s;
static struct pcpu_freelist_node *nmi_push, *nmi_popped;
static volatile sig_atomic_t nmi_ran;

static void nmi_push_pop(int sig, void *arg)
{
	(void)sig, (void)arg;
	if (nmi_push)
		pcpu_freelist_push(&nmi_s, nmi_push);
	nmi_popped = pcpu_freelist_pop(&nmi_s);
	nmi_ran = 1;
}

static void run_nmi(void)
{
	nmi_ran = 0;
	alarm(10); /* a hang ends the test */
	assert_int_equal(bh_nmi_raise(pthread_self(), SIG_NMI), 0);
	alarm(0);
	assert_true(nmi_ran);
}

static void test_nmi_while_own_head_locked(void **state)
{
	(void)state;
	if (nr_cpu_ids < 2)
		skip();
	const uint32_t nr = 100;
	struct elem *e = mk_elems(nr);
	struct pcpu_freelist_head *h0, *h1;
	struct rqspinlock_stats before, after;
	uint32_t n = 0;

	assert_int_equal(pcpu_freelist_init(&nmi_s), 0);
	pcpu_freelist_populate(&nmi_s, e, sizeof(*e), nr);
	assert_int_equal(bh_nmi_register(SIG_NMI, nmi_push_pop, NULL), 0);
	assert_int_equal(bh_task_pin(0), 0);
	h0 = per_cpu_ptr(nmi_s.freelist, 0);
	h1 = per_cpu_ptr(nmi_s.freelist, 1);

	nmi_push = pcpu_freelist_pop(&nmi_s); /* from CPU 0's head */
	assert_true(elem_index(e, nr, nmi_push) < nr / 2);
	uint32_t len0 = head_len(&nmi_s, 0), len1 = head_len(&nmi_s, 1);

	assert_int_equal(res_spin_lock(&h0->lock), 0);
	rqspinlock_stats_read(&before);
	run_nmi();
	rqspinlock_stats_read(&after);
	assert_true(after.aa > before.aa); /* it met our lock and was told so */
	/* The push went to CPU 1 and the pop came from CPU 1 (the last pushed: ours). */
	assert_ptr_equal(nmi_popped, nmi_push);
	assert_int_equal(head_len(&nmi_s, 0), len0);
	assert_int_equal(head_len(&nmi_s, 1), len1);
	struct pcpu_freelist_node *x = nmi_popped;

	nmi_push = NULL;
	run_nmi(); /* pop only, our head still locked: CPU 1 */
	assert_non_null(nmi_popped);
	assert_true(elem_index(e, nr, nmi_popped) >= nr / 2);
	assert_int_equal(head_len(&nmi_s, 1), len1 - 1);
	res_spin_unlock(&h0->lock);
	pcpu_freelist_push(&nmi_s, x);

	/* Every head locked by this thread: the push parks (no spinning), the pop finds nothing. */
	struct pcpu_freelist_node *a = nmi_popped, *b = pcpu_freelist_pop(&nmi_s);

	assert_non_null(b);
	assert_int_equal(res_spin_lock(&h0->lock), 0);
	assert_int_equal(res_spin_lock(&h1->lock), 0);
	nmi_push = a;
	uint64_t t0 = tu_now_ns();

	run_nmi();
	assert_true(tu_now_ns() - t0 < 50ULL * 1000 * 1000);
	assert_null(nmi_popped);
	assert_int_equal(nmi_s.nr_parked, 1);
	res_spin_unlock(&h1->lock);
	res_spin_unlock(&h0->lock);
	pcpu_freelist_push(&nmi_s, b);

	/* Everything is still there exactly once, the parked element included. */
	uint8_t seen[100] = { 0 };

	for (struct pcpu_freelist_node *x; (x = pcpu_freelist_pop(&nmi_s)) != NULL; n++) {
		long i = elem_index(e, nr, x);

		assert_true(i >= 0);
		assert_int_equal(seen[i], 0);
		seen[i] = 1;
	}
	assert_int_equal(n, nr);
	assert_null(__atomic_load_n(&nmi_s.parked, __ATOMIC_RELAXED));
	bh_nmi_unregister(SIG_NMI);
	pcpu_freelist_destroy(&nmi_s);
	free(e);
}

static void test_no_lock_reports(void **state)
{
	(void)state;
#ifdef BHLOCK_DEBUG
	assert_int_equal(lockdep_report_total(), 0);
#else
	skip();
#endif
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_populate_spreads_over_cpus),
		cmocka_unit_test(test_push_pop_all),
		cmocka_unit_test(test_threads_push_pop),
		cmocka_unit_test(test_empty_pop_skips_locked_heads),
		cmocka_unit_test(test_nmi_while_own_head_locked),
		cmocka_unit_test(test_no_lock_reports),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
