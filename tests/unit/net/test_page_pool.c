// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_page_pool.c - the per-queue page_pool (KERNEL.md §9): parameters, the alloc cache filled
 * 64 at a time from the backing free list (slow path) or the ring, puts from task context going
 * through the ring, a full ring releasing to the free list, direct recycling only when
 * page_pool_napi_local() holds (never in RT profiles, never outside BH, never when the NAPI is
 * listed on another CPU), the frame ops, caller-provided memory, and two pinned threads (NAPI
 * allocating on CPU 0 while a task on CPU 1 puts back) with nothing lost or duplicated. Every case
 * runs in each locking profile.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "lib/test_util.h"
#include "bhlock/bhlock.h"
#include "net/frame.h"
#include "net/napi.h"
#include "net/page_pool.h"
#include "net/skb_cache.h"

#define BUF 2048

static struct sn_page_pool *mk(uint32_t nr, uint32_t ring, int cpu, struct sn_napi *napi)
{
	struct sn_page_pool_params p = { .sz = sizeof(p), .name = "test-rx0", .buf_size = BUF,
					 .nr_bufs = nr, .ring_size = ring, .cpu = cpu,
					 .napi = napi };
	struct sn_page_pool *pp = sn_page_pool_create(&p);

	assert_non_null(pp);
	return pp;
}

static struct sn_page_pool_stats st(const struct sn_page_pool *pp)
{
	struct sn_page_pool_stats s;

	sn_page_pool_stats(pp, &s);
	return s;
}

/*
 * As the owning NAPI: take every buffer the pool has; each is a distinct slot of the region and
 * there are exactly nr_bufs. Then give them all back from task context and destroy.
 */
static void drain_check_destroy(struct sn_page_pool *pp, uint32_t nr)
{
	uint8_t *mem = sn_page_pool_mem(pp);
	uint8_t *seen = calloc(nr, 1);
	void **all = calloc(nr + 1, sizeof(void *));
	uint32_t n = 0;

	assert_non_null(seen);
	assert_non_null(all);
	assert_int_equal(st(pp).in_use, 0);
	local_bh_disable();
	while (n <= nr && (all[n] = sn_page_pool_alloc(pp)) != NULL) {
		size_t off = (size_t)((uint8_t *)all[n] - mem);

		assert_int_equal(off % BUF, 0);
		assert_in_range(off / BUF, 0, nr - 1);
		assert_int_equal(seen[off / BUF], 0);
		seen[off / BUF] = 1;
		n++;
	}
	local_bh_enable();
	assert_int_equal(n, nr);
	assert_int_equal(st(pp).in_use, nr);
	for (uint32_t i = 0; i < n; i++)
		sn_page_pool_put(pp, all[i], false);
	assert_int_equal(st(pp).in_use, 0);
	free(seen);
	free(all);
	sn_page_pool_destroy(pp);
}

static void test_params(void **state)
{
	(void)state;
	struct sn_page_pool_params ok = { .sz = sizeof(ok), .buf_size = 2048, .nr_bufs = 4,
					  .cpu = -1 };
	struct sn_page_pool_params p;

	errno = 0;
	assert_null(sn_page_pool_create(NULL));
	assert_int_equal(errno, EINVAL);
	p = ok, p.sz = 8;
	assert_null(sn_page_pool_create(&p));
	p = ok, p.buf_size = 1024;
	assert_null(sn_page_pool_create(&p));
	p = ok, p.buf_size = 3072;
	assert_null(sn_page_pool_create(&p));
	p = ok, p.nr_bufs = 0;
	assert_null(sn_page_pool_create(&p));
	p = ok, p.cpu = nr_cpu_ids;
	assert_null(sn_page_pool_create(&p));
	p = ok, p.cpu = -2;
	assert_null(sn_page_pool_create(&p));
	assert_int_equal(errno, EINVAL);

	struct sn_page_pool *pp = sn_page_pool_create(&ok);

	assert_non_null(pp);
	assert_int_equal(sn_page_pool_buf_size(pp), 2048);
	assert_non_null(sn_page_pool_mem(pp));
	memset(sn_page_pool_mem(pp), 0x5a, 4 * 2048); /* mapped by the pool, writable */
	assert_int_equal(st(pp).nr_bufs, 4);
	drain_check_destroy(pp, 4);
}

/* Slow path: 64 buffers at a time from the backing free list into the alloc cache. */
static void test_alloc_slow_64_then_fast(void **state)
{
	(void)state;
	struct sn_page_pool *pp = mk(150, 0, -1, NULL);
	void *b[151];
	struct sn_page_pool_stats s;

	assert_int_equal(bh_task_pin(0), 0);
	local_bh_disable();
	for (int i = 0; i < 150; i++) {
		b[i] = sn_page_pool_alloc(pp);
		assert_non_null(b[i]);
		s = st(pp);
		/* slow refills at allocations 0, 64 and 128 (the last one gets 22) */
		assert_int_equal(s.alloc_slow, i / 64 + 1);
		assert_int_equal(s.alloc_fast, i - i / 64);
		assert_int_equal(s.in_use, i + 1);
	}
	assert_null(sn_page_pool_alloc(pp));
	s = st(pp);
	assert_int_equal(s.alloc_empty, 1);
	assert_int_equal(s.alloc_refill, 0);
	local_bh_enable();
	/* The first allocations hand out the lowest slots, in order. */
	assert_ptr_equal(b[0], sn_page_pool_mem(pp));
	assert_ptr_equal(b[1], (uint8_t *)sn_page_pool_mem(pp) + BUF);
	for (int i = 0; i < 150; i++)
		sn_page_pool_put(pp, b[i], false);
	drain_check_destroy(pp, 150);
}

/* Puts from task context go through the ring; the NAPI takes them back 64 at a time. */
static void test_ring_refill_64(void **state)
{
	(void)state;
	struct sn_page_pool *pp = mk(128, 0, -1, NULL);
	void *b[128];
	struct sn_page_pool_stats s;

	assert_int_equal(bh_task_pin(0), 0);
	local_bh_disable();
	assert_int_equal(sn_page_pool_alloc_bulk(pp, b, 128), 128); /* two slow refills */
	assert_int_equal(sn_page_pool_alloc_bulk(pp, b, 0), 0);
	local_bh_enable();
	assert_int_equal(st(pp).alloc_slow, 2);
	for (int i = 0; i < 100; i++)
		sn_page_pool_put(pp, b[i], true); /* allow_direct, but not in BH: ring */
	s = st(pp);
	assert_int_equal(s.recycle_ring, 100);
	assert_int_equal(s.recycle_cached, 0);
	assert_int_equal(s.in_use, 28);

	local_bh_disable();
	void *x[100];

	for (int i = 0; i < 100; i++) {
		x[i] = sn_page_pool_alloc(pp);
		s = st(pp);
		/* ring refills at allocations 0 (64 entries) and 64 (the other 36) */
		assert_int_equal(s.alloc_refill, i / 64 + 1);
		assert_int_equal(s.alloc_slow, 2);
		/* the ring is FIFO and the cache LIFO: the 64th put comes out first */
		if (i == 0)
			assert_ptr_equal(x[0], b[63]);
		if (i == 64)
			assert_ptr_equal(x[64], b[99]);
	}
	assert_null(sn_page_pool_alloc(pp)); /* ring, cache and free list all empty */
	local_bh_enable();
	for (int i = 0; i < 100; i++)
		sn_page_pool_put(pp, x[i], false);
	for (int i = 100; i < 128; i++)
		sn_page_pool_put(pp, b[i], false);
	drain_check_destroy(pp, 128);
}

/* Default ring of 1024: a put that finds it full releases to the backing free list. */
static void test_ring_full_to_free_list(void **state)
{
	(void)state;
	struct sn_page_pool *pp = mk(1100, 0, -1, NULL);
	void **b = calloc(1100, sizeof(void *));
	struct sn_page_pool_stats s;

	assert_non_null(b);
	assert_int_equal(bh_task_pin(0), 0);
	local_bh_disable();
	assert_int_equal(sn_page_pool_alloc_bulk(pp, b, 1100), 1100);
	local_bh_enable();
	for (int i = 0; i < 1100; i++)
		sn_page_pool_put(pp, b[i], false);
	s = st(pp);
	assert_int_equal(s.recycle_ring, 1024);
	assert_int_equal(s.recycle_ring_full, 76);
	assert_int_equal(s.in_use, 0);
	/* Taken back: 1024 through 16 ring refills, 76 through 2 slow refills. */
	local_bh_disable();
	assert_int_equal(sn_page_pool_alloc_bulk(pp, b, 1100), 1100);
	local_bh_enable();
	s = st(pp);
	assert_int_equal(s.alloc_refill, 16);
	assert_int_equal(s.alloc_slow, 18 + 2);
	for (int i = 0; i < 1100; i++)
		sn_page_pool_put(pp, b[i], false);
	free(b);
	drain_check_destroy(pp, 1100);

	/* ring_size above SN_PP_RING_MAX is capped. */
	pp = mk(SN_PP_RING_MAX + 8, SN_PP_RING_MAX * 2, -1, NULL);
	b = calloc(SN_PP_RING_MAX + 8, sizeof(void *));
	assert_non_null(b);
	local_bh_disable();
	assert_int_equal(sn_page_pool_alloc_bulk(pp, b, SN_PP_RING_MAX + 8), SN_PP_RING_MAX + 8);
	local_bh_enable();
	for (int i = 0; i < SN_PP_RING_MAX + 8; i++)
		sn_page_pool_put(pp, b[i], false);
	assert_int_equal(st(pp).recycle_ring, SN_PP_RING_MAX);
	assert_int_equal(st(pp).recycle_ring_full, 8);
	free(b);
	drain_check_destroy(pp, SN_PP_RING_MAX + 8);
}

/* One put of a fresh buffer; returns true if it was recycled into the alloc cache. */
static bool put_one(struct sn_page_pool *pp, bool in_bh, bool allow_direct)
{
	uint64_t cached;
	void *b;

	local_bh_disable();
	b = sn_page_pool_alloc(pp);
	local_bh_enable();
	assert_non_null(b);
	cached = st(pp).recycle_cached;
	if (in_bh)
		local_bh_disable();
	sn_page_pool_put(pp, b, allow_direct);
	if (in_bh)
		local_bh_enable();
	return st(pp).recycle_cached == cached + 1;
}

static void test_direct_recycling_rules(void **state)
{
	(void)state;
	struct sn_napi napi = { .list_owner = 0, .cpu = 0 };
	struct sn_page_pool *pp = mk(256, 0, -1, &napi);
	bool vanilla = tu_profile == BH_PROFILE_VANILLA;

	assert_int_equal(bh_task_pin(0), 0);
	/* Not in BH: never, whatever the caller says. */
	assert_false(sn_page_pool_napi_local(pp));
	assert_false(put_one(pp, false, true));
	/* In BH, NAPI listed on this CPU: only vanilla, and only when the caller allows it. */
	local_bh_disable();
	assert_int_equal(sn_page_pool_napi_local(pp), vanilla);
	local_bh_enable();
	assert_int_equal(put_one(pp, true, true), vanilla);
	assert_false(put_one(pp, true, false));
	/* The NAPI is listed on another CPU, or nowhere: no. */
	WRITE_ONCE(napi.list_owner, 1);
	local_bh_disable();
	assert_false(sn_page_pool_napi_local(pp));
	local_bh_enable();
	assert_false(put_one(pp, true, true));
	WRITE_ONCE(napi.list_owner, -1);
	assert_false(put_one(pp, true, true));
	WRITE_ONCE(napi.list_owner, 0);
	assert_int_equal(put_one(pp, true, true), vanilla);
	struct sn_page_pool_stats s = st(pp);

	assert_int_equal(s.recycle_cached, vanilla ? 2 : 0);
	assert_int_equal(s.recycle_ring, vanilla ? 4 : 6);
	drain_check_destroy(pp, 256);

	/* A pool bound to a CPU (no NAPI): direct only on that CPU, in BH, in vanilla. */
	pp = mk(256, 0, 0, NULL);
	assert_int_equal(put_one(pp, true, true), vanilla);
	assert_false(put_one(pp, false, true));
	drain_check_destroy(pp, 256);
	if (nr_cpu_ids > 1) {
		pp = mk(256, 0, 1, NULL);
		assert_false(put_one(pp, true, true));
		drain_check_destroy(pp, 256);
	}
}

/* Direct recycling stops at 128 cached buffers; the rest goes to the ring. */
static void test_direct_cache_full_goes_to_ring(void **state)
{
	(void)state;
	struct sn_page_pool *pp = mk(256, 0, 0, NULL);
	void *b[200];
	bool vanilla = tu_profile == BH_PROFILE_VANILLA;

	assert_int_equal(bh_task_pin(0), 0);
	local_bh_disable();
	assert_int_equal(sn_page_pool_alloc_bulk(pp, b, 200), 200);
	/* 256 = 4 slow refills of 64; 56 remain cached */
	for (int i = 0; i < 200; i++)
		sn_page_pool_put(pp, b[i], true);
	local_bh_enable();
	struct sn_page_pool_stats s = st(pp);

	assert_int_equal(s.recycle_cached, vanilla ? 128 - 56 : 0);
	assert_int_equal(s.recycle_ring, vanilla ? 200 - (128 - 56) : 200);
	assert_int_equal(s.in_use, 0);
	drain_check_destroy(pp, 256);
}

/* A frame whose buffer belongs to a page_pool gives it back through sn_page_pool_frame_ops. */
static void test_frame_ops_release(void **state)
{
	(void)state;
	struct sn_skb_cache_params sp = { .gen = SN_SKB_CACHE_6_19, .nr_heads = 256, .nr_chunks = 2 };
	struct sn_napi napi = { .list_owner = 0 };
	struct sn_page_pool *pp = mk(64, 0, -1, &napi);
	bool vanilla = tu_profile == BH_PROFILE_VANILLA;

	assert_int_equal(bh_task_pin(0), 0);
	assert_int_equal(sn_skb_cache_init(&sp), 0);
	assert_string_equal(sn_page_pool_frame_ops.name, "page_pool");
	for (int direct = 0; direct < 2; direct++) {
		local_bh_disable();
		struct sn_frame *f = sn_frame_alloc_head();

		assert_non_null(f);
		f->buf = sn_page_pool_alloc(pp);
		assert_non_null(f->buf);
		f->buf_len = BUF;
		f->data = f->buf + 256;
		f->ops = &sn_page_pool_frame_ops;
		f->owner = pp;
		assert_int_equal(st(pp).in_use, 1);
		sn_frame_free(f, direct);
		local_bh_enable();
		assert_int_equal(st(pp).in_use, 0);
	}
	struct sn_page_pool_stats s = st(pp);

	assert_int_equal(s.recycle_cached, vanilla ? 1 : 0);
	assert_int_equal(s.recycle_ring, vanilla ? 1 : 2);
	assert_int_equal(sn_skb_cache_check(), 0);
	sn_skb_cache_fini();
	drain_check_destroy(pp, 64);
}

/* Memory given by the caller is used as is and left to the caller by destroy. */
static void test_caller_memory(void **state)
{
	(void)state;
	uint8_t *mem = aligned_alloc(4096, 16 * 4096);
	struct sn_page_pool_params p = { .sz = sizeof(p), .mem = mem, .buf_size = 4096,
					 .nr_bufs = 16, .cpu = -1 };
	struct sn_page_pool *pp;
	void *b;

	assert_non_null(mem);
	pp = sn_page_pool_create(&p);
	assert_non_null(pp);
	assert_ptr_equal(sn_page_pool_mem(pp), mem);
	local_bh_disable();
	b = sn_page_pool_alloc(pp);
	local_bh_enable();
	assert_ptr_equal(b, mem);
	sn_page_pool_put(pp, b, false);
	sn_page_pool_destroy(pp);
	memset(mem, 0, 16 * 4096); /* still ours (ASan would catch a free or unmap) */
	free(mem);
}

static void put_foreign(void *arg)
{
	struct sn_page_pool *pp = arg;

	sn_page_pool_put(pp, (uint8_t *)sn_page_pool_mem(pp) + 100, false);
}

/* A pointer that is not a buffer of the pool ends the process with a message. */
static void test_put_foreign_pointer_aborts(void **state)
{
	(void)state;
	struct sn_page_pool *pp = mk(4, 0, -1, NULL);
	char out[512];
	int status = tu_run_in_child(put_foreign, pp, out, sizeof(out));

	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGABRT);
	assert_non_null(strstr(out, "not a buffer of this pool"));
	sn_page_pool_destroy(pp);
}

/* ---- two pinned threads: the NAPI on CPU 0 allocates, a task on CPU 1 puts back ---- */

#define MT_BUFS 512
#define MT_ITEMS 300000
#define Q_SIZE 256
#define MT_DEADLINE_NS (60ULL * 1000000000)

struct mt {
	struct sn_page_pool *pp;
	struct sn_napi napi;
	void *q[Q_SIZE];
	unsigned long head, tail; /* q: head by the NAPI thread, tail by the task */
	uint8_t owned[MT_BUFS];   /* 1 while out of the pool (atomic) */
	int err;                  /* first failure (atomic) */
	unsigned long self_put;   /* buffers the NAPI put back itself */
};

static void mt_fail(struct mt *m, int code)
{
	__atomic_store_n(&m->err, code, __ATOMIC_RELAXED);
}

static bool mt_failed(struct mt *m)
{
	return __atomic_load_n(&m->err, __ATOMIC_RELAXED) != 0;
}

static long mt_idx(struct mt *m, void *b)
{
	return ((uint8_t *)b - (uint8_t *)sn_page_pool_mem(m->pp)) / BUF;
}

static void *mt_napi(void *arg)
{
	struct mt *m = arg;
	uint64_t deadline = tu_now_ns() + MT_DEADLINE_NS;
	unsigned long sent = 0, n = 0;

	if (bh_task_pin(0))
		mt_fail(m, 1);
	while (sent < MT_ITEMS && !mt_failed(m)) {
		if (tu_now_ns() > deadline) {
			mt_fail(m, 2);
			break;
		}
		local_bh_disable(); /* one "poll" of up to 64 buffers */
		for (int i = 0; i < 64 && sent < MT_ITEMS; i++, n++) {
			unsigned long h = __atomic_load_n(&m->head, __ATOMIC_RELAXED);

			if (h - __atomic_load_n(&m->tail, __ATOMIC_ACQUIRE) == Q_SIZE)
				break; /* the other CPU lags: end this poll */
			void *b = sn_page_pool_alloc(m->pp);

			if (!b)
				break; /* all out: wait for the other CPU */
			if (__atomic_exchange_n(&m->owned[mt_idx(m, b)], 1, __ATOMIC_RELAXED))
				mt_fail(m, 3); /* handed out twice */
			*(unsigned long *)b = sent;
			/* Every 4th buffer is dropped by the NAPI itself (direct in vanilla). */
			if (n % 4 == 0) {
				__atomic_store_n(&m->owned[mt_idx(m, b)], 0, __ATOMIC_RELAXED);
				sn_page_pool_put(m->pp, b, true);
				m->self_put++;
				continue;
			}
			m->q[h % Q_SIZE] = b;
			__atomic_store_n(&m->head, h + 1, __ATOMIC_RELEASE);
			sent++;
		}
		local_bh_enable();
	}
	return NULL;
}

static void *mt_task(void *arg)
{
	struct mt *m = arg;
	unsigned long got = 0;

	uint64_t deadline = tu_now_ns() + MT_DEADLINE_NS;

	if (bh_task_pin(1))
		mt_fail(m, 1);
	while (got < MT_ITEMS && !mt_failed(m)) {
		if (tu_now_ns() > deadline) {
			mt_fail(m, 6);
			break;
		}
		unsigned long t = __atomic_load_n(&m->tail, __ATOMIC_RELAXED);

		if (t == __atomic_load_n(&m->head, __ATOMIC_ACQUIRE)) {
			cpu_relax();
			continue;
		}
		void *b = m->q[t % Q_SIZE];

		__atomic_store_n(&m->tail, t + 1, __ATOMIC_RELEASE);
		if (*(unsigned long *)b != got)
			mt_fail(m, 4); /* buffer overwritten while we owned it */
		if (!__atomic_exchange_n(&m->owned[mt_idx(m, b)], 0, __ATOMIC_RELAXED))
			mt_fail(m, 5);
		got++;
		sn_page_pool_put(m->pp, b, true); /* task context: always the ring */
	}
	return NULL;
}

static void test_two_threads_napi_and_task(void **state)
{
	(void)state;
	struct mt *m;
	pthread_t a, b;

	if (nr_cpu_ids < 2)
		skip();
	m = calloc(1, sizeof(*m));
	assert_non_null(m);
	m->napi.list_owner = 0;
	/* A ring smaller than the pool: the full-ring path races with the refills. */
	m->pp = mk(MT_BUFS, 128, -1, &m->napi);
	assert_int_equal(pthread_create(&b, NULL, mt_task, m), 0);
	assert_int_equal(pthread_create(&a, NULL, mt_napi, m), 0);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	assert_int_equal(m->err, 0);
	struct sn_page_pool_stats s = st(m->pp);

	print_message("fast %llu refill %llu slow %llu empty %llu cached %llu ring %llu "
		      "ring_full %llu self_put %lu\n",
		      (unsigned long long)s.alloc_fast, (unsigned long long)s.alloc_refill,
		      (unsigned long long)s.alloc_slow, (unsigned long long)s.alloc_empty,
		      (unsigned long long)s.recycle_cached, (unsigned long long)s.recycle_ring,
		      (unsigned long long)s.recycle_ring_full, m->self_put);
	assert_int_equal(s.in_use, 0);
	assert_int_equal(s.recycle_cached + s.recycle_ring + s.recycle_ring_full,
			 MT_ITEMS + m->self_put);
	if (tu_profile != BH_PROFILE_VANILLA)
		assert_int_equal(s.recycle_cached, 0);
	else
		assert_true(s.recycle_cached > 0);
	assert_true(s.alloc_refill > 0);
	for (int i = 0; i < MT_BUFS; i++)
		assert_int_equal(m->owned[i], 0);
	drain_check_destroy(m->pp, MT_BUFS);
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
		cmocka_unit_test_teardown(test_params, teardown),
		cmocka_unit_test_teardown(test_alloc_slow_64_then_fast, teardown),
		cmocka_unit_test_teardown(test_ring_refill_64, teardown),
		cmocka_unit_test_teardown(test_ring_full_to_free_list, teardown),
		cmocka_unit_test_teardown(test_direct_recycling_rules, teardown),
		cmocka_unit_test_teardown(test_direct_cache_full_goes_to_ring, teardown),
		cmocka_unit_test_teardown(test_frame_ops_release, teardown),
		cmocka_unit_test_teardown(test_caller_memory, teardown),
		cmocka_unit_test_teardown(test_put_foreign_pointer_aborts, teardown),
		cmocka_unit_test_teardown(test_two_threads_napi_and_task, teardown),
	};

	return tu_run_per_profile("page_pool", tests);
}
