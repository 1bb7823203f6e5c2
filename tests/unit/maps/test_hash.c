// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_hash.c - HASH and PERCPU_HASH: creation rules, flag semantics and every error code,
 * full preallocated maps (-E2BIG, replace still works, nothing lost), the prealloc reuse caveat,
 * per-CPU values, -ETIMEDOUT from a held bucket lock, -E2BIG without touching any freelist lock,
 * and BPF_F_NO_PREALLOC (count, -E2BIG, refusal from BH/NMI context in the RT profiles).
 * The whole group runs once per locking profile (tu_run_per_profile), each in a child.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "lib/test_util.h"
#include "bhlock/bhlock.h"
#include "bhlock/nmi.h"
#include "maps/map.h"
#include "maps/map_hash_count.h"
#include "maps/map_hash_internal.h"

static struct sn_map *mk(enum bpf_map_type t, __u32 ks, __u32 vs, __u32 max, __u32 flags)
{
	struct sn_map_create_opts o = { .sz = sizeof(o), .map_flags = flags };

	return sn_map__create(t, "h", ks, vs, max, &o);
}

static int mk_err(enum bpf_map_type t, __u32 ks, __u32 vs, __u32 max, __u32 flags)
{
	struct sn_map *m = mk(t, ks, vs, max, flags);

	sn_map__free(m);
	return m ? 0 : -errno;
}

static long count_elems(struct sn_map *m)
{
	__u32 k, prev;
	long n = 0;

	if (sn_map__get_next_key(m, NULL, &k))
		return 0;
	do {
		n++;
		prev = k;
	} while (!sn_map__get_next_key(m, &prev, &k) && n < 1000000);
	return n;
}

static void test_create_checks(void **state)
{
	(void)state;
	const enum bpf_map_type H = BPF_MAP_TYPE_HASH, P = BPF_MAP_TYPE_PERCPU_HASH;

	assert_int_equal(mk_err(H, 4, 8, 4, 0), 0);
	assert_int_equal(mk_err(H, 0, 8, 4, 0), -EINVAL);
	assert_int_equal(mk_err(H, 4, 0, 4, 0), -EINVAL);
	assert_int_equal(mk_err(H, 4, 8, 0, 0), -EINVAL);
	assert_int_equal(mk_err(H, 4, 8, 4, BPF_F_NO_COMMON_LRU), -EINVAL);
	assert_int_equal(mk_err(H, 4, 8, 4, BPF_F_MMAPABLE), -EINVAL);
	assert_int_equal(mk_err(H, 4, 8, 4, BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG), -EINVAL);
	assert_int_equal(mk_err(H, 4, 8, 4, BPF_F_NO_PREALLOC | BPF_F_ZERO_SEED), 0);
	assert_int_equal(mk_err(H, 4, (4 << 20) - 4 - 48, 1, BPF_F_NO_PREALLOC), -E2BIG);
	assert_int_equal(mk_err(H, 4, 8, 0x80000001u, BPF_F_NO_PREALLOC), -E2BIG);
	assert_int_equal(mk_err(P, 4, 32768, 4, 0), 0);
	assert_int_equal(mk_err(P, 4, 32769, 4, 0), -E2BIG);
	assert_int_equal(mk_err(P, 4, 8, 4, BPF_F_NUMA_NODE), -EINVAL);
	assert_int_equal(mk_err(H, 4, 8, 4, BPF_F_NUMA_NODE), 0);
}

static void semantics(__u32 flags)
{
	struct sn_map *m = mk(BPF_MAP_TYPE_HASH, 4, 8, 8, flags);
	__u32 k = 1, k2 = 2, nk;
	__u64 v = 10, out = 0;

	assert_non_null(m);
	assert_int_equal(sn_map__lookup_elem(m, &k, &out), -ENOENT);
	assert_int_equal(sn_map__update_elem(m, &k, &v, BPF_EXIST), -ENOENT);
	assert_int_equal(sn_map__update_elem(m, &k, &v, BPF_NOEXIST), 0);
	assert_int_equal(sn_map__update_elem(m, &k, &v, BPF_NOEXIST), -EEXIST);
	assert_int_equal(sn_map__update_elem(m, &k, &v, 3), -EINVAL);
	assert_int_equal(sn_map__update_elem(m, &k, &v, BPF_F_LOCK), -EINVAL);
	v = 11;
	assert_int_equal(sn_map__update_elem(m, &k, &v, BPF_EXIST), 0);
	assert_int_equal(sn_map__lookup_elem(m, &k, &out), 0);
	assert_int_equal(out, 11);
	v = 12;
	assert_int_equal(sn_map__update_elem(m, &k, &v, BPF_ANY), 0);
	assert_int_equal(*(__u64 *)sn_map_lookup_elem(m, &k), 12);
	assert_int_equal(sn_map__update_elem(m, &k2, &v, BPF_ANY), 0);
	/* get_next_key: NULL and an absent key give the first; two keys, then -ENOENT. */
	assert_int_equal(sn_map__get_next_key(m, NULL, &nk), 0);
	assert_true(nk == 1 || nk == 2);
	assert_int_equal(sn_map__get_next_key(m, &nk, &nk), 0);
	assert_int_equal(sn_map__get_next_key(m, &nk, &nk), -ENOENT);
	assert_int_equal(count_elems(m), 2);
	assert_int_equal(sn_map__lookup_and_delete_elem(m, &k, &out, 0), 0);
	assert_int_equal(out, 12);
	assert_int_equal(sn_map__lookup_and_delete_elem(m, &k, &out, 0), -ENOENT);
	assert_int_equal(sn_map__delete_elem(m, &k2), 0);
	assert_int_equal(sn_map__delete_elem(m, &k2), -ENOENT);
	assert_null(sn_map_lookup_elem(m, &k2));
	assert_int_equal(count_elems(m), 0);
	sn_map__free(m);
}

static void test_semantics_prealloc(void **state)
{
	(void)state;
	semantics(0);
}

static void test_semantics_no_prealloc(void **state)
{
	(void)state;
	semantics(BPF_F_NO_PREALLOC);
}

/* Full map: new keys -E2BIG, replaces of every key still succeed (spares), nothing lost. */
static void full(__u32 flags)
{
	const __u32 max = 100;
	struct sn_map *m = mk(BPF_MAP_TYPE_HASH, 4, 8, max, flags);
	__u64 v;

	assert_non_null(m);
	for (__u32 k = 0; k < max; k++) {
		v = k;
		assert_int_equal(sn_map__update_elem(m, &k, &v, BPF_NOEXIST), 0);
	}
	for (__u32 k = max; k < max + 10; k++) {
		assert_int_equal(sn_map__update_elem(m, &k, &v, BPF_ANY), -E2BIG);
		assert_int_equal(sn_map__update_elem(m, &k, &v, BPF_NOEXIST), -E2BIG);
		assert_int_equal(sn_map__update_elem(m, &k, &v, BPF_EXIST), -ENOENT);
	}
	for (int round = 0; round < 5; round++)
		for (__u32 k = 0; k < max; k++) {
			v = k * 1000 + (__u64)round;
			assert_int_equal(sn_map__update_elem(m, &k, &v, round & 1 ? BPF_EXIST
										   : BPF_ANY),
					 0);
		}
	assert_int_equal(count_elems(m), max);
	for (__u32 k = 0; k < max; k++) {
		assert_int_equal(sn_map__lookup_elem(m, &k, &v), 0);
		assert_int_equal(v, k * 1000 + 4);
	}
	/* One delete frees exactly one slot. */
	{
		__u32 k = 7, n1 = max, n2 = max + 1;

		assert_int_equal(sn_map__delete_elem(m, &k), 0);
		assert_int_equal(sn_map__update_elem(m, &n1, &v, BPF_ANY), 0);
		assert_int_equal(sn_map__update_elem(m, &n2, &v, BPF_ANY), -E2BIG);
	}
	sn_map__free(m);
}

static void test_full_prealloc(void **state)
{
	(void)state;
	full(0);
}

static void test_full_no_prealloc(void **state)
{
	(void)state;
	full(BPF_F_NO_PREALLOC);
}

/* The prealloc caveat: a deleted element is reused at once, under a reader's pointer. */
static void test_prealloc_reuse_caveat(void **state)
{
	(void)state;
	struct sn_map *m = mk(BPF_MAP_TYPE_HASH, 4, 8, 16, 0);
	__u32 a = 1, b = 2;
	__u64 va = 111, vb = 222, *p;

	assert_non_null(m);
	/* Runs after test_percpu_values, which pinned this thread: one CPU, one freelist head. */
	assert_true(current->pinned);
	assert_int_equal(sn_map__update_elem(m, &a, &va, BPF_ANY), 0);
	p = sn_map_lookup_elem(m, &a);
	assert_non_null(p);
	assert_int_equal(sn_map__delete_elem(m, &a), 0);
	assert_int_equal(sn_map__update_elem(m, &b, &vb, BPF_ANY), 0);
	/* Same CPU, LIFO freelist head: b took a's element; the old pointer shows b's value. */
	assert_ptr_equal(sn_map_lookup_elem(m, &b), p);
	assert_int_equal(*p, 222);
	sn_map__free(m);
}

static void test_percpu_values(void **state)
{
	(void)state;
	struct sn_map *m = mk(BPF_MAP_TYPE_PERCPU_HASH, 4, 4, 4, 0);
	__u32 vsys = sn_map__value_size_sys(m) / 8, k = 5, k2 = 6, v;
	__u64 all[BH_NR_CPUS_MAX], out[BH_NR_CPUS_MAX];

	assert_non_null(m);
	assert_int_equal(vsys, (unsigned)nr_cpu_ids);
	for (int c = 0; c < nr_cpu_ids; c++)
		all[c] = 0x1111111100000000ULL | (unsigned)(c + 1);
	assert_int_equal(sn_map__update_elem(m, &k, all, BPF_ANY), 0);
	memset(out, 0, sizeof(out));
	assert_int_equal(sn_map__lookup_elem(m, &k, out), 0);
	/* The syscall side keeps all 8 bytes of each slot. */
	assert_memory_equal(out, all, (size_t)nr_cpu_ids * 8);
	assert_int_equal(bh_task_pin(nr_cpu_ids - 1), 0);
	assert_int_equal(*(__u32 *)sn_map_lookup_elem(m, &k), (unsigned)nr_cpu_ids);
	/* Datapath replace: this CPU's slot only, value_size bytes. */
	v = 77;
	assert_int_equal(sn_map_update_elem(m, &k, &v, BPF_EXIST), 0);
	assert_int_equal(sn_map__lookup_elem(m, &k, out), 0);
	for (int c = 0; c < nr_cpu_ids; c++)
		assert_int_equal(out[c], c == nr_cpu_ids - 1 ? 0x1111111100000000ULL | 77 : all[c]);
	/* Datapath insert: this CPU's slot, the other CPUs' value bytes zeroed. */
	assert_int_equal(sn_map__update_elem(m, &k2, all, BPF_ANY), 0);
	assert_int_equal(sn_map__delete_elem(m, &k2), 0);
	assert_int_equal(sn_map_update_elem(m, &k2, &v, BPF_NOEXIST), 0);
	assert_int_equal(sn_map__lookup_elem(m, &k2, out), 0);
	for (int c = 0; c < nr_cpu_ids; c++)
		assert_int_equal((__u32)out[c], c == nr_cpu_ids - 1 ? 77 : 0);
	/* PERCPU maps have no spares: max_entries elements exactly. */
	for (__u32 i = 100; i < 102; i++)
		assert_int_equal(sn_map__update_elem(m, &i, all, BPF_ANY), 0);
	k = 200;
	assert_int_equal(sn_map__update_elem(m, &k, all, BPF_ANY), -E2BIG);
	assert_int_equal(count_elems(m), 4);
	sn_map__free(m);
}

/* A thread that holds locks until told to let go. */
struct holder {
	rqspinlock_t *locks[BH_NR_CPUS_MAX];
	int n;
	volatile int ready, release;
};

static void *hold_locks(void *arg)
{
	struct holder *h = arg;

	for (int i = 0; i < h->n; i++)
		assert_int_equal(res_spin_lock(h->locks[i]), 0);
	__atomic_store_n(&h->ready, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&h->release, __ATOMIC_ACQUIRE))
		usleep(1000);
	for (int i = h->n - 1; i >= 0; i--)
		res_spin_unlock(h->locks[i]);
	return NULL;
}

static void start_holder(struct holder *h, pthread_t *t)
{
	assert_int_equal(pthread_create(t, NULL, hold_locks, h), 0);
	while (!__atomic_load_n(&h->ready, __ATOMIC_ACQUIRE))
		usleep(100);
}

static void stop_holder(struct holder *h, pthread_t t)
{
	__atomic_store_n(&h->release, 1, __ATOMIC_RELEASE);
	pthread_join(t, NULL);
}

/*
 * ANCHORS.md D2: a full preallocated map must answer -E2BIG without taking any CPU's freelist
 * lock. Another thread holds every head's lock: a pop that took any would wait 0.25 s and fail
 * with -ETIMEDOUT; it must skip the empty heads and answer -E2BIG at once.
 */
static void test_full_e2big_without_freelist_locks(void **state)
{
	(void)state;
	const __u32 max = 64;
	struct sn_map *m = mk(BPF_MAP_TYPE_HASH, 4, 8, max, 0);
	struct sn_htab *htab = to_htab(m);
	struct holder h = { .n = nr_cpu_ids };
	uint64_t t0, worst = 0;
	__u64 v = 1;
	pthread_t t;

	assert_non_null(m);
	for (__u32 k = 0; k < max; k++)
		assert_int_equal(sn_map__update_elem(m, &k, &v, BPF_ANY), 0);
	for (int c = 0; c < nr_cpu_ids; c++)
		h.locks[c] = &per_cpu_ptr(htab->freelist.freelist, c)->lock;
	start_holder(&h, &t);
	for (__u32 k = max; k < max + 1000; k++) {
		t0 = tu_now_ns();
		assert_int_equal(sn_map__update_elem(m, &k, &v, BPF_ANY), -E2BIG);
		if (tu_now_ns() - t0 > worst)
			worst = tu_now_ns() - t0;
	}
	/* Replaces do not touch the freelist either. */
	for (__u32 k = 0; k < max; k++)
		assert_int_equal(sn_map__update_elem(m, &k, &v, BPF_EXIST), 0);
	stop_holder(&h, t);
	print_message("worst -E2BIG update with every freelist lock held: %lu ns\n",
		      (unsigned long)worst);
	assert_true(worst < 50 * 1000 * 1000ULL); /* far under RES_DEF_TIMEOUT (0.25 s) */
	sn_map__free(m);
}

/* A bucket lock held elsewhere: update and delete give -ETIMEDOUT; lookups go on. */
static void test_bucket_lock_timeout(void **state)
{
	(void)state;
	struct sn_map *m = mk(BPF_MAP_TYPE_HASH, 4, 8, 16, 0);
	struct sn_htab *htab = to_htab(m);
	struct holder h = { .n = 1 };
	__u32 k = 3;
	__u64 v = 5, out;
	pthread_t t;

	assert_non_null(m);
	assert_int_equal(sn_map__update_elem(m, &k, &v, BPF_ANY), 0);
	h.locks[0] = &htab_bucket(htab, htab_map_hash(htab, &k))->raw_lock;
	start_holder(&h, &t);
	assert_int_equal(sn_map__update_elem(m, &k, &v, BPF_ANY), -ETIMEDOUT);
	assert_int_equal(sn_map__delete_elem(m, &k), -ETIMEDOUT);
	assert_int_equal(sn_map__lookup_and_delete_elem(m, &k, &out, 0), -ETIMEDOUT);
	assert_int_equal(sn_map__lookup_elem(m, &k, &out), 0);
	assert_int_equal(out, 5);
	stop_holder(&h, t);
	assert_int_equal(sn_map__delete_elem(m, &k), 0);
	sn_map__free(m);
}

/*
 * NO_PREALLOC maps allocate under the bucket lock: from BH or hardirq context the RT profiles
 * refuse the write (-EOPNOTSUPP, counted); vanilla allows it. NMI-like context: refused always.
 */
static long nmi_ret;
static struct sn_map *nmi_map;

static void nmi_update(int sig, void *arg)
{
	(void)sig;
	(void)arg;
	__u32 k = 9;
	__u64 v = 9;

	nmi_ret = sn_map_update_elem(nmi_map, &k, &v, BPF_ANY);
}

static void test_no_prealloc_context(void **state)
{
	(void)state;
	struct sn_map *m = mk(BPF_MAP_TYPE_HASH, 4, 8, 16, BPF_F_NO_PREALLOC);
	struct sn_map *pm = mk(BPF_MAP_TYPE_HASH, 4, 8, 16, 0);
	bool rt = bh_profile_is_rt();
	__u32 k = 1;
	__u64 v = 1;
	long r, rp, rd;
	void *lk;

	assert_non_null(m);
	assert_non_null(pm);
	assert_int_equal(sn_map__update_elem(m, &k, &v, BPF_ANY), 0);
	local_bh_disable();
	/* Lookups are lock-free and allowed anywhere. */
	lk = sn_map_lookup_elem(m, &k);
	r = sn_map_update_elem(m, &k, &v, BPF_ANY);
	rd = sn_map_delete_elem(m, &k);
	rp = sn_map_update_elem(pm, &k, &v, BPF_ANY);
	local_bh_enable();
	assert_non_null(lk);
	assert_int_equal(rp, 0);
	if (rt) {
		assert_int_equal(r, -EOPNOTSUPP);
		assert_int_equal(rd, -EOPNOTSUPP);
		assert_int_equal(sn_htab__ctx_refused(m), 2);
		assert_int_equal(count_elems(m), 1);
	} else {
		assert_int_equal(r, 0);
		assert_int_equal(rd, 0);
		assert_int_equal(sn_htab__ctx_refused(m), 0);
		assert_int_equal(count_elems(m), 0);
	}
	/* NMI-like context: malloc is not async-signal-safe; prealloc maps work there. */
	nmi_map = m;
	assert_int_equal(bh_nmi_register(SIGUSR2, nmi_update, NULL), 0);
	assert_int_equal(bh_nmi_raise(pthread_self(), SIGUSR2), 0);
	assert_int_equal(nmi_ret, -EOPNOTSUPP);
	nmi_map = pm;
	assert_int_equal(bh_nmi_raise(pthread_self(), SIGUSR2), 0);
	assert_int_equal(nmi_ret, 0);
	bh_nmi_unregister(SIGUSR2);
	sn_map__free(m);
	sn_map__free(pm);
}

static void test_batch(void **state)
{
	(void)state;
	struct sn_map *m = mk(BPF_MAP_TYPE_HASH, 4, 8, 64, 0);
	__u32 keys[80], n, ob = 0;
	__u64 vals[80];
	int r;

	assert_non_null(m);
	for (__u32 k = 0; k < 50; k++) {
		__u64 v = k + 1000;

		assert_int_equal(sn_map__update_elem(m, &k, &v, BPF_ANY), 0);
	}
	/* Everything fits: -ENOENT at the end, out_batch = n_buckets. */
	n = 80;
	assert_int_equal(sn_map__lookup_batch(m, NULL, &ob, keys, vals, &n, NULL), -ENOENT);
	assert_int_equal(n, 50);
	assert_int_equal(ob, 64);
	for (__u32 i = 0; i < n; i++) {
		assert_int_equal(vals[i], keys[i] + 1000);
		for (__u32 j = 0; j < i; j++)
			assert_int_not_equal(keys[i], keys[j]);
	}
	/* Page through with count 4: whole buckets; resume from out_batch. */
	{
		__u32 total = 0, in = 0;
		bool first = true;

		do {
			n = 4;
			r = sn_map__lookup_and_delete_batch(m, first ? NULL : &in, &ob, keys, vals,
							    &n, NULL);
			first = false;
			in = ob;
			total += n;
			assert_true(r == 0 || r == -ENOENT || (r == -ENOSPC && n == 0));
			if (r == -ENOSPC)
				break; /* a bucket holds more than 4: possible, not here likely */
		} while (r == 0);
		if (r != -ENOSPC)
			assert_int_equal(total, 50);
	}
	sn_map__free(m);
}

/*
 * A preallocated element freed on one CPU parks in that CPU's stash slot (map_hash.c); an insert
 * on another CPU whose slot and freelist are empty must still find it: -E2BIG only when every
 * element is in use. Three threads, pinned for life: fill on CPU 0, delete on CPU 1, insert on
 * CPU 0 again.
 */
struct stash_step {
	struct sn_map *m;
	int cpu;
	long ret[3];
};

static void *stash_fill(void *arg)
{
	struct stash_step *s = arg;
	__u64 v = 1;

	if (bh_task_pin(s->cpu))
		return NULL;
	for (__u32 k = 0; k < 8; k++)
		s->ret[0] |= sn_map_update_elem(s->m, &k, &v, BPF_NOEXIST);
	s->ret[1] = sn_map_update_elem(s->m, &(__u32){ 8 }, &v, BPF_NOEXIST); /* full */
	return NULL;
}

static void *stash_delete(void *arg)
{
	struct stash_step *s = arg;

	if (bh_task_pin(s->cpu))
		return NULL;
	s->ret[0] = sn_map_delete_elem(s->m, &(__u32){ 3 });
	return NULL;
}

static void *stash_insert(void *arg)
{
	struct stash_step *s = arg;
	__u64 v = 2;

	if (bh_task_pin(s->cpu))
		return NULL;
	s->ret[0] = sn_map_update_elem(s->m, &(__u32){ 100 }, &v, BPF_NOEXIST);
	s->ret[1] = sn_map_update_elem(s->m, &(__u32){ 101 }, &v, BPF_NOEXIST); /* full again */
	return NULL;
}

static void test_prealloc_free_on_other_cpu(void **state)
{
	struct sn_map *m = mk(BPF_MAP_TYPE_HASH, 4, 8, 8, 0);
	struct stash_step a = { .m = m, .cpu = 0 }, b = { .m = m, .cpu = nr_cpu_ids - 1 },
			  c = { .m = m, .cpu = 0 };
	void *(*fn[3])(void *) = { stash_fill, stash_delete, stash_insert };
	struct stash_step *st[3] = { &a, &b, &c };

	(void)state;
	assert_non_null(m);
	if (nr_cpu_ids < 2)
		skip();
	for (int i = 0; i < 3; i++) {
		pthread_t t;

		assert_int_equal(pthread_create(&t, NULL, fn[i], st[i]), 0);
		assert_int_equal(pthread_join(t, NULL), 0);
	}
	assert_int_equal(a.ret[0], 0);
	assert_int_equal(a.ret[1], -E2BIG);
	assert_int_equal(b.ret[0], 0);
	assert_int_equal(c.ret[0], 0);
	assert_int_equal(c.ret[1], -E2BIG);
	assert_int_equal(count_elems(m), 8);
	sn_map__free(m);
}

/*
 * The datapath lookup has one copy per key size 4, 8 and 16 (map_hash.c): each must find what
 * the generic syscall-side lookup finds, at the element's value, and nothing else. Key sizes
 * around them (6, 12, 20) go the generic way; all must agree.
 */
static void test_lookup_key_sizes(void **state)
{
	static const __u32 sizes[] = { 4, 6, 8, 12, 16, 20 };

	(void)state;
	for (unsigned int s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		__u32 ks = sizes[s];
		struct sn_map *m = mk(BPF_MAP_TYPE_HASH, ks, 8, 256, 0);
		unsigned char key[20];

		assert_non_null(m);
		for (__u32 i = 0; i < 256; i++) {
			__u64 v = (__u64)i * 1000 + ks;

			memset(key, 0, sizeof(key));
			memcpy(key + ks - 4, &i, 4); /* the last word differs */
			key[0] ^= (unsigned char)ks;
			assert_int_equal(sn_map_update_elem(m, key, &v, BPF_NOEXIST), 0);
		}
		for (__u32 i = 0; i < 512; i++) {
			__u64 *p, out = 0;

			memset(key, 0, sizeof(key));
			memcpy(key + ks - 4, &i, 4);
			key[0] ^= (unsigned char)ks;
			p = sn_map_lookup_elem(m, key);
			if (i < 256) {
				assert_non_null(p);
				assert_int_equal(*p, (__u64)i * 1000 + ks);
				assert_int_equal(sn_map__lookup_elem(m, key, &out), 0);
				assert_int_equal(out, *p);
			} else {
				assert_null(p);
				assert_int_equal(sn_map__lookup_elem(m, key, &out), -ENOENT);
			}
		}
		/* A stored key changed in its first byte only is another key (ks > 4). */
		memset(key, 0, sizeof(key));
		key[ks - 4] = 3;
		key[0] ^= (unsigned char)ks;
		assert_non_null(sn_map_lookup_elem(m, key));
		if (ks > 4) {
			key[0] ^= 0x80;
			assert_null(sn_map_lookup_elem(m, key));
		}
		sn_map__free(m);
	}
}

/*
 * A large BPF_F_NO_PREALLOC map counts per CPU, as the kernel's percpu_counter (map_hash_count.h).
 * -E2BIG must still come exactly at max_entries: from one task (every key, replace when full,
 * delete then insert), and from two tasks on two CPUs filling the map at once (no overshoot).
 */
#define PCOUNT_MAX 4096U

struct pcount_fill {
	struct sn_map *m;
	int cpu;
	__u32 base;
	long inserted;
	int other_err;
};

static void *pcount_fill_fn(void *p)
{
	struct pcount_fill *f = p;

	bh_task_pin(f->cpu);
	for (__u32 i = 0; i < PCOUNT_MAX; i++) {
		__u32 k = f->base + i;
		__u64 v = k;
		long ret = sn_map_update_elem(f->m, &k, &v, BPF_NOEXIST);

		if (ret == 0)
			f->inserted++;
		else if (ret != -E2BIG)
			f->other_err = (int)ret;
		/* Churn near the limit too: the counter's deltas move both ways. */
		if (ret == 0 && i % 3 == 0 && i + 1 < PCOUNT_MAX) {
			if (sn_map_delete_elem(f->m, &k) == 0)
				f->inserted--;
		}
	}
	return NULL;
}

static void test_no_prealloc_percpu_count(void **state)
{
	struct sn_map *m = mk(BPF_MAP_TYPE_HASH, 4, 8, PCOUNT_MAX, BPF_F_NO_PREALLOC);
	struct pcount_fill f[2];
	pthread_t t[2];
	__u64 v = 1;
	__u32 k;
	long n;

	(void)state;
	assert_non_null(m);
	if (PCOUNT_MAX / 2 <= (__u32)nr_cpu_ids * 32)
		skip();
	assert_non_null(to_htab(m)->pcount);
	for (k = 0; k < PCOUNT_MAX; k++)
		assert_int_equal(sn_map_update_elem(m, &k, &v, BPF_ANY), 0);
	assert_int_equal(sn_map_update_elem(m, &k, &v, BPF_ANY), -E2BIG);
	k = 7;
	assert_int_equal(sn_map_update_elem(m, &k, &v, BPF_ANY), 0); /* replace when full */
	assert_int_equal(sn_map_delete_elem(m, &k), 0);
	k = PCOUNT_MAX + 1;
	assert_int_equal(sn_map_update_elem(m, &k, &v, BPF_NOEXIST), 0);
	k = PCOUNT_MAX + 2;
	assert_int_equal(sn_map_update_elem(m, &k, &v, BPF_NOEXIST), -E2BIG);
	assert_int_equal(count_elems(m), PCOUNT_MAX);
	/* Empty it, then fill from two CPUs at once. */
	for (k = 0; k <= PCOUNT_MAX + 1; k++)
		sn_map_delete_elem(m, &k);
	assert_int_equal(count_elems(m), 0);
	for (int i = 0; i < 2; i++) {
		f[i] = (struct pcount_fill){ .m = m, .cpu = i % nr_cpu_ids,
					     .base = (__u32)(i + 1) << 20 };
		assert_int_equal(pthread_create(&t[i], NULL, pcount_fill_fn, &f[i]), 0);
	}
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);
	assert_int_equal(f[0].other_err, 0);
	assert_int_equal(f[1].other_err, 0);
	/*
	 * Each task alone would keep about 2/3 * PCOUNT_MAX: together they fill the map, never
	 * past max_entries. Two inserts racing for the last element may both be refused (each
	 * counts itself first), so the map may end a few short: one task then tops it up, exactly.
	 */
	n = count_elems(m);
	assert_int_equal(f[0].inserted + f[1].inserted, n);
	assert_true(n <= (long)PCOUNT_MAX && n >= (long)PCOUNT_MAX - 4);
	for (k = 5U << 20; n < (long)PCOUNT_MAX; k++, n++)
		assert_int_equal(sn_map_update_elem(m, &k, &v, BPF_NOEXIST), 0);
	assert_int_equal(sn_map_update_elem(m, &k, &v, BPF_NOEXIST), -E2BIG);
	assert_int_equal(count_elems(m), PCOUNT_MAX);
	assert_int_equal(htab_pcount_sum(to_htab(m)), PCOUNT_MAX);
	sn_map__free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_checks),
		cmocka_unit_test(test_semantics_prealloc),
		cmocka_unit_test(test_semantics_no_prealloc),
		cmocka_unit_test(test_full_prealloc),
		cmocka_unit_test(test_full_no_prealloc),
		cmocka_unit_test(test_batch),
		cmocka_unit_test(test_bucket_lock_timeout),
		cmocka_unit_test(test_full_e2big_without_freelist_locks),
		cmocka_unit_test(test_no_prealloc_context),
		cmocka_unit_test(test_percpu_values),
		cmocka_unit_test(test_prealloc_reuse_caveat),
		cmocka_unit_test(test_prealloc_free_on_other_cpu),
		cmocka_unit_test(test_no_prealloc_percpu_count),
		cmocka_unit_test(test_lookup_key_sizes),
	};

	return tu_run_per_profile("maps_hash", tests);
}
