// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_lru.c - LRU_HASH and LRU_PERCPU_HASH: creation rules (-ENOTSUPP without prealloc,
 * NO_COMMON_LRU rounding), no -E2BIG ever (eviction instead), element count bounds, the ref-bit
 * approximation (recently looked-up keys survive eviction), per-CPU LRU lists (one CPU can only
 * use its share), flags and error codes, per-CPU values. Runs once per locking profile.
 */
#include <errno.h>
#include <string.h>

#include "lib/test_util.h"
#include "bhlock/bhlock.h"
#include "maps/map.h"

static struct sn_map *mk(enum bpf_map_type t, __u32 vs, __u32 max, __u32 flags)
{
	struct sn_map_create_opts o = { .sz = sizeof(o), .map_flags = flags };

	return sn_map__create(t, "lru", 4, vs, max, &o);
}

static int mk_err(enum bpf_map_type t, __u32 max, __u32 flags)
{
	struct sn_map *m = mk(t, 8, max, flags);

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
	const enum bpf_map_type L = BPF_MAP_TYPE_LRU_HASH, LP = BPF_MAP_TYPE_LRU_PERCPU_HASH;
	struct sn_map *m;

	assert_int_equal(mk_err(L, 4, 0), 0);
	assert_int_equal(mk_err(L, 4, BPF_F_NO_PREALLOC), -SN_ENOTSUPP);
	assert_int_equal(mk_err(LP, 4, BPF_F_NO_PREALLOC), -SN_ENOTSUPP);
	assert_int_equal(mk_err(L, 4, BPF_F_NO_COMMON_LRU), 0);
	assert_int_equal(mk_err(L, 4, BPF_F_NO_COMMON_LRU | BPF_F_NUMA_NODE), -EINVAL);
	assert_int_equal(mk_err(LP, 4, BPF_F_NUMA_NODE), -EINVAL);
	assert_int_equal(mk_err(L, 4, BPF_F_NUMA_NODE), 0);
	assert_int_equal(mk_err(L, 0, 0), -EINVAL);
	/* NO_COMMON_LRU: max_entries rounded up to a multiple of the CPU count. */
	m = mk(L, 8, 3, BPF_F_NO_COMMON_LRU);
	assert_non_null(m);
	assert_int_equal(sn_map__max_entries(m),
			 (3 + (unsigned)nr_cpu_ids - 1) / (unsigned)nr_cpu_ids * (unsigned)nr_cpu_ids);
	sn_map__free(m);
}

static void test_semantics(void **state)
{
	(void)state;
	struct sn_map *m = mk(BPF_MAP_TYPE_LRU_HASH, 8, 16, 0);
	__u32 k = 1;
	__u64 v = 5, out;

	assert_non_null(m);
	assert_int_equal(sn_map__update_elem(m, &k, &v, BPF_EXIST), -ENOENT);
	assert_int_equal(sn_map__update_elem(m, &k, &v, 4), -EINVAL);
	assert_int_equal(sn_map__update_elem(m, &k, &v, BPF_F_LOCK), -EINVAL);
	assert_int_equal(sn_map__update_elem(m, &k, &v, BPF_NOEXIST), 0);
	assert_int_equal(sn_map__update_elem(m, &k, &v, BPF_NOEXIST), -EEXIST);
	v = 6;
	assert_int_equal(sn_map__update_elem(m, &k, &v, BPF_EXIST), 0);
	assert_int_equal(sn_map__lookup_elem(m, &k, &out), 0);
	assert_int_equal(out, 6);
	assert_int_equal(*(__u64 *)sn_map_lookup_elem(m, &k), 6);
	assert_int_equal(sn_map__lookup_and_delete_elem(m, &k, &out, 0), 0);
	assert_int_equal(sn_map__delete_elem(m, &k), -ENOENT);
	assert_int_equal(sn_map__lookup_elem(m, &k, &out), -ENOENT);
	assert_int_equal(count_elems(m), 0);
	sn_map__free(m);
}

/* Never -E2BIG: a full LRU evicts. The newest key is always there; the count stays bounded. */
static void test_evicts_never_full(void **state)
{
	(void)state;
	const __u32 max = 256;
	struct sn_map *m = mk(BPF_MAP_TYPE_LRU_HASH, 8, max, 0);
	long n, lo = max;

	assert_non_null(m);
	for (__u32 k = 0; k < 20 * max; k++) {
		__u64 v = k, out;

		assert_int_equal(sn_map__update_elem(m, &k, &v, BPF_NOEXIST), 0);
		assert_int_equal(sn_map__lookup_elem(m, &k, &out), 0);
		assert_int_equal(out, k);
		if (k % 64 == 63) {
			n = count_elems(m);
			assert_true(n <= max);
			if (k > 2 * max && n < lo)
				lo = n;
		}
	}
	/* Evictions come in batches of at most target_free per CPU (<= max / ncpu / 2). */
	assert_true(lo >= max / 2);
	sn_map__free(m);
}

/* The ref bit: keys looked up on the datapath survive while unreferenced keys are evicted. */
static void ref_bit(__u32 flags)
{
	/*
	 * A per-CPU LRU list scans PERCPU_NR_SCANS (4) nodes per shrink and then evicts one node
	 * whatever its ref bit: only a hot set smaller than that is protected. The common LRU
	 * scans LOCAL_NR_SCANS (128).
	 */
	const __u32 max = 512, hot = flags & BPF_F_NO_COMMON_LRU ? 2 : 32;
	struct sn_map *m = mk(BPF_MAP_TYPE_LRU_HASH, 8, max, flags);
	__u32 per_cpu = flags & BPF_F_NO_COMMON_LRU ? max / (unsigned)nr_cpu_ids : max;
	__u32 k, cold_left = 0;
	__u64 v = 1, out;

	assert_non_null(m);
	for (k = 0; k < per_cpu; k++)
		assert_int_equal(sn_map__update_elem(m, &k, &v, BPF_ANY), 0);
	for (__u32 round = 0; round < 8; round++) {
		for (__u32 h = 0; h < hot; h++)
			assert_non_null(sn_map_lookup_elem(m, &h));
		for (__u32 i = 0; i < per_cpu / 4; i++, k++)
			assert_int_equal(sn_map__update_elem(m, &k, &v, BPF_ANY), 0);
	}
	for (__u32 h = 0; h < hot; h++)
		assert_int_equal(sn_map__lookup_elem(m, &h, &out), 0);
	for (__u32 c = hot; c < per_cpu; c++)
		cold_left += sn_map__lookup_elem(m, &c, &out) == 0;
	/* Twice the capacity inserted since: the never-referenced first keys are gone. */
	assert_int_equal(cold_left, 0);
	sn_map__free(m);
}

static void test_ref_bit_common(void **state)
{
	(void)state;
	assert_int_equal(bh_task_pin(0), 0);
	ref_bit(0);
}

static void test_ref_bit_percpu_lru(void **state)
{
	(void)state;
	ref_bit(BPF_F_NO_COMMON_LRU);
}

/* NO_COMMON_LRU: a task on one CPU has that CPU's share of the elements only. */
static void test_percpu_lru_share(void **state)
{
	(void)state;
	const __u32 max = 64;
	struct sn_map *m = mk(BPF_MAP_TYPE_LRU_HASH, 8, max, BPF_F_NO_COMMON_LRU);
	__u32 share = max / (unsigned)nr_cpu_ids;
	__u64 v = 1;
	long n;

	assert_non_null(m);
	assert_true(current->pinned);
	for (__u32 k = 0; k < 4 * max; k++)
		assert_int_equal(sn_map__update_elem(m, &k, &v, BPF_ANY), 0);
	n = count_elems(m);
	/* A pop that finds no free node shrinks by PERCPU_FREE_TARGET (4). */
	assert_true(n <= share && n >= share - 4);
	sn_map__free(m);
}

static void test_percpu_values(void **state)
{
	(void)state;
	struct sn_map *m = mk(BPF_MAP_TYPE_LRU_PERCPU_HASH, 4, 8, 0);
	__u64 all[BH_NR_CPUS_MAX], out[BH_NR_CPUS_MAX];
	__u32 k = 3, v = 99;

	assert_non_null(m);
	for (int c = 0; c < nr_cpu_ids; c++)
		all[c] = 0xabcd000000000000ULL | (unsigned)c;
	assert_int_equal(sn_map__update_elem(m, &k, all, BPF_NOEXIST), 0);
	assert_int_equal(sn_map__lookup_elem(m, &k, out), 0);
	assert_memory_equal(out, all, (size_t)nr_cpu_ids * 8);
	/* Datapath, pinned on CPU 0: BPF_EXIST updates in place, this CPU's value only. */
	assert_int_equal(sn_map_update_elem(m, &k, &v, BPF_EXIST), 0);
	assert_int_equal(*(__u32 *)sn_map_lookup_elem(m, &k), 99);
	assert_int_equal(sn_map__lookup_elem(m, &k, out), 0);
	assert_int_equal(out[0], 0xabcd000000000000ULL | 99);
	for (int c = 1; c < nr_cpu_ids; c++)
		assert_int_equal(out[c], all[c]);
	assert_int_equal(sn_map__update_elem(m, &k, all, BPF_NOEXIST), -EEXIST);
	sn_map__free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_checks),
		cmocka_unit_test(test_semantics),
		cmocka_unit_test(test_evicts_never_full),
		cmocka_unit_test(test_ref_bit_common),
		cmocka_unit_test(test_ref_bit_percpu_lru),
		cmocka_unit_test(test_percpu_lru_share),
		cmocka_unit_test(test_percpu_values),
	};

	return tu_run_per_profile("maps_lru", tests);
}
