// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_skb_cache.c - the per-CPU napi_alloc_cache (KERNEL.md §4): generation constants, bulk
 * refill of 16/32 heads, spill of 32 on a full cache (6.12 upper half, 6.19 free 32 keep 96),
 * counted refill failures when the global head pool is exhausted, fragments cut from one 32 KiB
 * chunk that goes back to the pool with its last fragment, the leak check, and two pinned threads
 * passing heads and fragments between CPUs. Every case runs in each locking profile.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/test_util.h"
#include "bhlock/bhlock.h"
#include "net/frame.h"
#include "net/skb_cache.h"

#define CHUNK_OF(p) ((uintptr_t)(p) & ~(uintptr_t)(SN_FRAG_CHUNK_SIZE - 1))

static struct sn_skb_cache_stats st(void)
{
	struct sn_skb_cache_stats s;

	sn_skb_cache_stats(-1, &s);
	return s;
}

static void init_gen(enum sn_skb_cache_gen gen, uint32_t nr_heads, uint32_t nr_chunks)
{
	struct sn_skb_cache_params p = { .gen = gen, .nr_heads = nr_heads, .nr_chunks = nr_chunks };

	assert_int_equal(bh_task_pin(0), 0);
	assert_int_equal(sn_skb_cache_init(&p), 0);
}

static void fini_checked(void)
{
	assert_int_equal(sn_skb_cache_check(), 0);
	sn_skb_cache_fini();
}

static void test_gen_and_defaults(void **state)
{
	(void)state;
	enum sn_skb_cache_gen g;
	struct sn_skb_cache_params p12 = { .gen = SN_SKB_CACHE_6_12 };

	assert_int_equal(sn_skb_cache_gen_parse("6.12", &g), 0);
	assert_int_equal(g, SN_SKB_CACHE_6_12);
	assert_int_equal(sn_skb_cache_gen_parse("6.19", &g), 0);
	assert_int_equal(g, SN_SKB_CACHE_6_19);
	assert_int_equal(sn_skb_cache_gen_parse("6.18", &g), -EINVAL);
	assert_int_equal(sn_skb_cache_gen_parse(NULL, &g), -EINVAL);

	/* NULL params: 6.19 with 65536 heads and 256 chunks. */
	assert_int_equal(sn_skb_cache_init(NULL), 0);
	assert_int_equal(sn_skb_cache_init(NULL), -EBUSY);
	struct sn_skb_cache_stats s = st();

	assert_int_equal(s.size, 128);
	assert_int_equal(s.bulk, 32);
	assert_int_equal(s.free_count, 32);
	assert_int_equal(s.heads_total, 65536);
	assert_int_equal(s.heads_free_global, 65536);
	assert_int_equal(s.chunks_in_use, 0);
	fini_checked();

	assert_int_equal(sn_skb_cache_init(&p12), 0);
	s = st();
	assert_int_equal(s.size, 64);
	assert_int_equal(s.bulk, 16);
	assert_int_equal(s.free_count, 32);
	fini_checked();
}

/* An empty cache takes exactly `bulk` heads from the pool, and only when empty. */
static void check_refill_bulk(enum sn_skb_cache_gen gen, uint32_t bulk)
{
	void *h[3 * 32 + 1];
	uint32_t n = 2 * bulk + 1;

	init_gen(gen, 1024, 4);
	local_bh_disable();
	for (uint32_t i = 0; i < n; i++) {
		h[i] = sn_skb_cache_get();
		assert_non_null(h[i]);
		struct sn_skb_cache_stats s = st();

		/* refills happen at gets 0, bulk and 2*bulk */
		assert_int_equal(s.refill, i / bulk + 1);
		assert_int_equal(s.heads_free_global, 1024 - (i / bulk + 1) * bulk);
		assert_int_equal(s.get, i + 1);
	}
	for (uint32_t i = 0; i < n; i++)
		sn_skb_cache_put(h[i]);
	local_bh_enable();
	struct sn_skb_cache_stats s = st();

	assert_int_equal(s.put, n);
	assert_int_equal(s.spill, 0);
	assert_int_equal(s.refill_fail, 0);
	fini_checked();
}

static void test_refill_bulk_6_12(void **state)
{
	(void)state;
	check_refill_bulk(SN_SKB_CACHE_6_12, 16);
}

static void test_refill_bulk_6_19(void **state)
{
	(void)state;
	check_refill_bulk(SN_SKB_CACHE_6_19, 32);
}

/* Filling the cache to `size` gives the top free_count heads back and keeps size - free_count. */
static void check_spill(enum sn_skb_cache_gen gen, uint32_t size, uint32_t keep)
{
	void *h[128];
	struct sn_skb_cache_stats s;

	init_gen(gen, 1024, 4);
	local_bh_disable();
	for (uint32_t i = 0; i < size; i++)
		assert_non_null(h[i] = sn_skb_cache_get());
	for (uint32_t i = 0; i < size - 1; i++)
		sn_skb_cache_put(h[i]);
	s = st();
	assert_int_equal(s.spill, 0);
	assert_int_equal(s.heads_free_global, 1024 - size);
	sn_skb_cache_put(h[size - 1]);
	s = st();
	assert_int_equal(s.spill, 1);
	assert_int_equal(s.heads_free_global, 1024 - keep);
	uint64_t refills = s.refill;

	/* LIFO: the kept heads are the first ones put, newest on top. */
	for (uint32_t i = keep; i-- > 0;)
		assert_ptr_equal(sn_skb_cache_get(), h[i]);
	assert_int_equal(st().refill, refills);
	void *x = sn_skb_cache_get();

	assert_non_null(x);
	assert_int_equal(st().refill, refills + 1);
	sn_skb_cache_put(x);
	for (uint32_t i = 0; i < keep; i++)
		sn_skb_cache_put(h[i]);
	local_bh_enable();
	fini_checked();
}

static void test_spill_6_12_upper_half(void **state)
{
	(void)state;
	check_spill(SN_SKB_CACHE_6_12, 64, 32);
}

static void test_spill_6_19_free_32_keep_96(void **state)
{
	(void)state;
	check_spill(SN_SKB_CACHE_6_19, 128, 96);
}

/* The head pool runs dry: NULL, counted, and everything still comes back. */
static void test_refill_fail_counted(void **state)
{
	(void)state;
	void *h[40];

	init_gen(SN_SKB_CACHE_6_12, 40, 4); /* bulks of 16: 16 + 16 + 8 */
	local_bh_disable();
	for (int i = 0; i < 40; i++)
		assert_non_null(h[i] = sn_skb_cache_get());
	assert_int_equal(st().refill, 3);
	assert_int_equal(st().refill_fail, 0);
	assert_null(sn_skb_cache_get());
	assert_null(sn_skb_cache_get());
	struct sn_skb_cache_stats s = st();

	assert_int_equal(s.refill_fail, 2);
	assert_int_equal(s.get, 40);
	assert_int_equal(s.heads_free_global, 0);
	/* A put makes the next get succeed from the cache, without the pool. */
	sn_skb_cache_put(h[39]);
	assert_ptr_equal(sn_skb_cache_get(), h[39]);
	for (int i = 0; i < 40; i++)
		sn_skb_cache_put(h[i]);
	local_bh_enable();
	fini_checked();
}

/* Fragments come from one chunk, 64-aligned, cut downwards, without overlapping. */
static void test_frags_from_one_chunk(void **state)
{
	(void)state;
	static const uint32_t sizes[] = { 1, 64, 65, 200, 1500, 2048, 9000 };
	uint8_t *f[ARRAY_SIZE(sizes)];

	init_gen(SN_SKB_CACHE_6_19, 256, 4);
	local_bh_disable();
	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		f[i] = sn_frag_alloc(sizes[i]);
		assert_non_null(f[i]);
		assert_int_equal((uintptr_t)f[i] % 64, 0);
		assert_int_equal(CHUNK_OF(f[i]), CHUNK_OF(f[0]));
		memset(f[i], (int)i, sizes[i]);
		if (i) /* downwards, the previous fragment right above (rounded to 64) */
			assert_ptr_equal(f[i] + round_up(sizes[i], 64U), f[i - 1]);
	}
	assert_ptr_equal(f[0] + 64, (uint8_t *)CHUNK_OF(f[0]) + SN_FRAG_CHUNK_SIZE);
	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++)
		for (uint32_t b = 0; b < sizes[i]; b++)
			assert_int_equal(f[i][b], (uint8_t)i);
	struct sn_skb_cache_stats s = st();

	assert_int_equal(s.chunks_in_use, 1);
	assert_int_equal(s.frag_alloc, ARRAY_SIZE(sizes));
	/* Too big for a chunk, or zero: a counted failure. */
	assert_null(sn_frag_alloc(SN_FRAG_CHUNK_SIZE));
	assert_null(sn_frag_alloc(0));
	assert_int_equal(st().frag_fail, 2);
	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++)
		sn_frag_free(f[i]);
	local_bh_enable();
	/* The chunk stays with the cache (it has not moved on), with no live fragment. */
	assert_int_equal(st().chunks_in_use, 1);
	fini_checked();
	assert_int_equal(st().chunks_in_use, 0);
}

/*
 * A full chunk is left for a new one; it goes back to the pool when its last fragment is freed,
 * not before. A chunk whose fragments are all free when it runs out is reused in place.
 */
static void test_chunk_returns_with_last_fragment(void **state)
{
	(void)state;
	enum { FRAG = 8192, PER_CHUNK = (SN_FRAG_CHUNK_SIZE - 64) / FRAG }; /* 3 */
	void *a[PER_CHUNK], *b;

	assert_int_equal(PER_CHUNK, 3);
	init_gen(SN_SKB_CACHE_6_19, 256, 4);
	local_bh_disable();
	for (int i = 0; i < PER_CHUNK; i++)
		assert_non_null(a[i] = sn_frag_alloc(FRAG));
	assert_int_equal(st().chunks_in_use, 1);
	b = sn_frag_alloc(FRAG); /* the first chunk is full: a second one */
	assert_non_null(b);
	assert_true(CHUNK_OF(b) != CHUNK_OF(a[0]));
	assert_int_equal(st().chunks_in_use, 2);
	local_bh_enable();

	/* Freed from task context (any context may free a fragment). */
	sn_frag_free(a[0]);
	sn_frag_free(a[2]);
	assert_int_equal(st().chunks_in_use, 2);
	sn_frag_free(a[1]);
	assert_int_equal(st().chunks_in_use, 1);

	/* Chunk two: free b, then run out: the same chunk is reset, none taken from the pool. */
	sn_frag_free(b);
	local_bh_disable();
	void *c[PER_CHUNK];

	for (int i = 0; i < PER_CHUNK - 1; i++) {
		assert_non_null(c[i] = sn_frag_alloc(FRAG));
		sn_frag_free(c[i]);
	}
	assert_non_null(c[0] = sn_frag_alloc(FRAG)); /* does not fit: chunk reset */
	assert_int_equal(CHUNK_OF(c[0]), CHUNK_OF(b));
	assert_ptr_equal(c[0], b); /* the top of the chunk again */
	assert_int_equal(st().chunks_in_use, 1);
	sn_frag_free(c[0]);
	local_bh_enable();
	fini_checked();
}

/* The chunk pool runs dry: NULL, counted, no crash. */
static void test_frag_fail_when_no_chunk(void **state)
{
	(void)state;
	void *a, *b;

	init_gen(SN_SKB_CACHE_6_19, 256, 1);
	local_bh_disable();
	assert_non_null(a = sn_frag_alloc(SN_FRAG_CHUNK_SIZE - 64)); /* fills the only chunk */
	assert_null(sn_frag_alloc(64));
	assert_int_equal(st().frag_fail, 1);
	assert_int_equal(st().chunks_in_use, 1);
	sn_frag_free(a); /* the cache had moved on: the chunk goes back */
	assert_int_equal(st().chunks_in_use, 0);
	assert_non_null(b = sn_frag_alloc(64));
	assert_int_equal(CHUNK_OF(b), CHUNK_OF(a));
	sn_frag_free(b);
	local_bh_enable();
	fini_checked();
}

/* The leak check finds a head and a fragment that were not given back. */
static void test_check_finds_leaks(void **state)
{
	(void)state;
	void *h, *f;

	init_gen(SN_SKB_CACHE_6_19, 256, 4);
	local_bh_disable();
	h = sn_skb_cache_get();
	f = sn_frag_alloc(100);
	local_bh_enable();
	assert_int_equal(sn_skb_cache_check(), -EUCLEAN);
	local_bh_disable();
	sn_skb_cache_put(h);
	local_bh_enable();
	assert_int_equal(sn_skb_cache_check(), -EUCLEAN); /* the fragment still */
	sn_frag_free(f);
	fini_checked();
}

/* ---- two pinned threads: CPU 0 allocates in BH, CPU 1 gives back ---- */

#define MT_ITEMS 200000
#define Q_SIZE 1024
#define MT_DEADLINE_NS (60ULL * 1000000000)

struct spsc {
	void *slot[Q_SIZE];
	unsigned long head, tail; /* head: producer, tail: consumer */
};

static bool spsc_push(struct spsc *q, void *p)
{
	unsigned long h = __atomic_load_n(&q->head, __ATOMIC_RELAXED);

	if (h - __atomic_load_n(&q->tail, __ATOMIC_ACQUIRE) == Q_SIZE)
		return false;
	q->slot[h % Q_SIZE] = p;
	__atomic_store_n(&q->head, h + 1, __ATOMIC_RELEASE);
	return true;
}

static void *spsc_pop(struct spsc *q)
{
	unsigned long t = __atomic_load_n(&q->tail, __ATOMIC_RELAXED);
	void *p;

	if (t == __atomic_load_n(&q->head, __ATOMIC_ACQUIRE))
		return NULL;
	p = q->slot[t % Q_SIZE];
	__atomic_store_n(&q->tail, t + 1, __ATOMIC_RELEASE);
	return p;
}

struct mt {
	struct spsc heads, frags;
	int err; /* first failure seen by a thread, atomic */
	unsigned long head_null, frag_null;
	int done;
};

static void mt_fail(struct mt *m, int code)
{
	__atomic_store_n(&m->err, code, __ATOMIC_RELAXED);
}

static bool mt_failed(struct mt *m)
{
	return __atomic_load_n(&m->err, __ATOMIC_RELAXED) != 0;
}

/* Each fragment carries its sequence number; the consumer checks it is intact. */
static void *mt_producer(void *arg)
{
	struct mt *m = arg;
	unsigned long sent = 0;

	if (bh_task_pin(0))
		mt_fail(m, 1);
	uint64_t deadline = tu_now_ns() + MT_DEADLINE_NS;

	while (sent < MT_ITEMS && !mt_failed(m)) {
		if (tu_now_ns() > deadline) {
			mt_fail(m, 4); /* stuck: something was lost */
			break;
		}
		local_bh_disable();
		for (int i = 0; i < 32 && sent < MT_ITEMS; i++) {
			struct sn_frame *h = sn_skb_cache_get();
			unsigned long *f = sn_frag_alloc(64 + (sent % 7) * 200);

			if (!h || !f) { /* pools exhausted while the consumer lags: retry */
				m->head_null += !h;
				m->frag_null += !f;
				if (h)
					sn_skb_cache_put(h);
				sn_frag_free(f);
				break;
			}
			h->len = (uint32_t)sent;
			*f = sent;
			while (!spsc_push(&m->heads, h))
				cpu_relax();
			while (!spsc_push(&m->frags, f))
				cpu_relax();
			sent++;
		}
		local_bh_enable();
	}
	__atomic_store_n(&m->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void *mt_consumer(void *arg)
{
	struct mt *m = arg;
	unsigned long got_h = 0, got_f = 0;

	uint64_t deadline = tu_now_ns() + MT_DEADLINE_NS;

	if (bh_task_pin(1))
		mt_fail(m, 1);
	while ((got_h < MT_ITEMS || got_f < MT_ITEMS) && !mt_failed(m)) {
		if (tu_now_ns() > deadline) {
			mt_fail(m, 5);
			break;
		}
		struct sn_frame *h = spsc_pop(&m->heads);
		unsigned long *f = spsc_pop(&m->frags);

		if (h) {
			if (h->len != (uint32_t)got_h)
				mt_fail(m, 2);
			got_h++;
			/* Heads go back into CPU 1's cache, in BH context. */
			local_bh_disable();
			sn_skb_cache_put(h);
			local_bh_enable();
		}
		if (f) {
			if (*f != got_f)
				mt_fail(m, 3);
			got_f++;
			sn_frag_free(f); /* task context */
		}
	}
	return NULL;
}

static void test_two_threads_cross_cpu(void **state)
{
	(void)state;
	struct mt *m = calloc(1, sizeof(*m));
	pthread_t a, b;

	if (nr_cpu_ids < 2)
		skip();
	assert_non_null(m);
	/* Small pools, so that both run dry and refill/spill/return paths race. */
	init_gen(SN_SKB_CACHE_6_19, 2048, 16);
	assert_int_equal(pthread_create(&b, NULL, mt_consumer, m), 0);
	assert_int_equal(pthread_create(&a, NULL, mt_producer, m), 0);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	assert_int_equal(m->err, 0);
	struct sn_skb_cache_stats s0, s1;

	sn_skb_cache_stats(0, &s0);
	sn_skb_cache_stats(1, &s1);
	print_message("cpu0: get %llu refill %llu fail %llu; cpu1: put %llu spill %llu; "
		      "frag_fail %llu\n",
		      (unsigned long long)s0.get, (unsigned long long)s0.refill,
		      (unsigned long long)s0.refill_fail, (unsigned long long)s1.put,
		      (unsigned long long)s1.spill, (unsigned long long)s0.frag_fail);
	assert_true(s0.get >= MT_ITEMS);
	assert_true(s1.put == MT_ITEMS);
	assert_true(s1.spill > 0); /* heads crossed CPUs through the pool */
	fini_checked();
	free(m);
}

/*
 * After a failed assertion cmocka jumps out of the test, perhaps inside local_bh_disable() (in
 * rt-bhlock holding this CPU's BH lock) or with the caches set up: undo that so the next case
 * does not deadlock or fail for the wrong reason.
 */
static int teardown(void **state)
{
	(void)state;
	while (softirq_count())
		local_bh_enable();
	sn_skb_cache_fini();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_gen_and_defaults, teardown),
		cmocka_unit_test_teardown(test_refill_bulk_6_12, teardown),
		cmocka_unit_test_teardown(test_refill_bulk_6_19, teardown),
		cmocka_unit_test_teardown(test_spill_6_12_upper_half, teardown),
		cmocka_unit_test_teardown(test_spill_6_19_free_32_keep_96, teardown),
		cmocka_unit_test_teardown(test_refill_fail_counted, teardown),
		cmocka_unit_test_teardown(test_frags_from_one_chunk, teardown),
		cmocka_unit_test_teardown(test_chunk_returns_with_last_fragment, teardown),
		cmocka_unit_test_teardown(test_frag_fail_when_no_chunk, teardown),
		cmocka_unit_test_teardown(test_check_finds_leaks, teardown),
		cmocka_unit_test_teardown(test_two_threads_cross_cpu, teardown),
	};

	return tu_run_per_profile("skb_cache", tests);
}
