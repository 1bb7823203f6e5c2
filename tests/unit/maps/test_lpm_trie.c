// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_lpm_trie.c - LPM_TRIE: creation rules, longest-prefix lookups, every error code, the
 * kernel's postorder get_next_key, full-trie behaviour, and the SOFTNET_F_LPM_PREALLOC pool.
 */
#include <errno.h>
#include <string.h>

#include "lib/test_util.h"
#include "bhlock/bhlock.h"
#include "maps/map.h"

struct k4 {
	__u32 pl;
	__u8 d[4];
};

#define K(p, a, b, c, e) ((struct k4){ (p), { (a), (b), (c), (e) } })

static struct sn_map *mk(__u32 ks, __u32 vs, __u32 max, __u32 flags)
{
	struct sn_map_create_opts o = { .sz = sizeof(o), .map_flags = flags };

	return sn_map__create(BPF_MAP_TYPE_LPM_TRIE, "lpm", ks, vs, max, &o);
}

static int mk_err(__u32 ks, __u32 vs, __u32 max, __u32 flags)
{
	struct sn_map *m = mk(ks, vs, max, flags);

	sn_map__free(m);
	return m ? 0 : -errno;
}

static void test_create_checks(void **state)
{
	(void)state;
	assert_int_equal(mk_err(8, 4, 4, 0), -EINVAL); /* BPF_F_NO_PREALLOC required */
	assert_int_equal(mk_err(8, 4, 4, BPF_F_NO_PREALLOC), 0);
	assert_int_equal(mk_err(8, 4, 4, SOFTNET_F_LPM_PREALLOC), 0);
	assert_int_equal(mk_err(8, 4, 4, SOFTNET_F_LPM_PREALLOC | BPF_F_NO_PREALLOC), -EINVAL);
	assert_int_equal(mk_err(4, 4, 4, BPF_F_NO_PREALLOC), -EINVAL);
	assert_int_equal(mk_err(5, 4, 4, BPF_F_NO_PREALLOC), 0);
	assert_int_equal(mk_err(260, 4, 4, BPF_F_NO_PREALLOC), 0);
	assert_int_equal(mk_err(261, 4, 4, BPF_F_NO_PREALLOC), -EINVAL);
	assert_int_equal(mk_err(8, 0, 4, BPF_F_NO_PREALLOC), -EINVAL);
	assert_int_equal(mk_err(8, 4, 0, BPF_F_NO_PREALLOC), -EINVAL);
	assert_int_equal(mk_err(8, (4 << 20) - 256 - 24, 4, BPF_F_NO_PREALLOC), 0);
	assert_int_equal(mk_err(8, (4 << 20) - 256 - 23, 4, BPF_F_NO_PREALLOC), -EINVAL);
	assert_int_equal(mk_err(8, 4, 4, BPF_F_NO_PREALLOC | BPF_F_MMAPABLE), -EINVAL);
	assert_int_equal(mk_err(8, 4, 4, BPF_F_NO_PREALLOC | BPF_F_RDONLY_PROG), 0);
}

static __u32 get(struct sn_map *m, struct k4 k)
{
	__u32 v = 0;
	int err = sn_map__lookup_elem(m, &k, &v);

	return err ? (__u32)err : v;
}

static int put(struct sn_map *m, struct k4 k, __u32 v, __u64 flags)
{
	return sn_map__update_elem(m, &k, &v, flags);
}

/* The example of the kernel's lpm_trie.c header comment, both node pools. */
static void check_semantics(__u32 flags)
{
	struct sn_map *m = mk(8, 4, 4, flags);
	struct k4 k, nk, order[4];
	int n = 0;

	assert_non_null(m);
	assert_int_equal(put(m, K(16, 192, 168, 0, 0), 1, BPF_EXIST), -ENOENT);
	assert_int_equal(put(m, K(16, 192, 168, 0, 0), 1, BPF_ANY), 0);
	assert_int_equal(put(m, K(16, 192, 168, 0, 0), 1, BPF_NOEXIST), -EEXIST);
	assert_int_equal(put(m, K(24, 192, 168, 0, 0), 2, BPF_NOEXIST), 0);
	assert_int_equal(put(m, K(24, 192, 168, 128, 0), 3, BPF_ANY), 0);
	assert_int_equal(put(m, K(24, 192, 168, 1, 0), 5, BPF_ANY), 0); /* needs an IM node */
	assert_int_equal(put(m, K(24, 192, 168, 1, 0), 5, 3), -EINVAL);
	assert_int_equal(put(m, K(33, 192, 168, 1, 0), 5, BPF_ANY), -EINVAL);
	/* Full: a new prefix gets -ENOSPC (BPF_EXIST: -ENOENT), a replace still works. */
	assert_int_equal(put(m, K(8, 10, 0, 0, 0), 9, BPF_ANY), -ENOSPC);
	assert_int_equal(put(m, K(8, 10, 0, 0, 0), 9, BPF_EXIST), -ENOENT);
	assert_int_equal(put(m, K(23, 192, 168, 0, 0), 9, BPF_ANY), -ENOSPC); /* the IM node */
	assert_int_equal(put(m, K(24, 192, 168, 1, 0), 6, BPF_EXIST), 0);

	/* Longest prefix match, limited by the key's own prefixlen. */
	assert_int_equal(get(m, K(32, 192, 168, 1, 77)), 6);
	assert_int_equal(get(m, K(32, 192, 168, 0, 9)), 2);
	assert_int_equal(get(m, K(32, 192, 168, 200, 1)), 1);
	assert_int_equal(get(m, K(20, 192, 168, 1, 77)), 1);
	assert_int_equal(get(m, K(8, 192, 168, 1, 77)), (__u32)-ENOENT);
	assert_int_equal(get(m, K(32, 10, 0, 0, 1)), (__u32)-ENOENT);
	assert_int_equal(get(m, K(33, 192, 168, 1, 0)), (__u32)-ENOENT);
	assert_non_null(sn_map_lookup_elem(m, &(struct k4)K(32, 192, 168, 128, 1)));

	/* Postorder: more specific before less specific. */
	for (int err = sn_map__get_next_key(m, NULL, &nk); !err;
	     err = sn_map__get_next_key(m, &k, &nk)) {
		assert_true(n < 4);
		order[n++] = nk;
		k = nk;
	}
	assert_int_equal(n, 4);
	assert_memory_equal(&order[0], &(struct k4)K(24, 192, 168, 0, 0), sizeof(struct k4));
	assert_memory_equal(&order[1], &(struct k4)K(24, 192, 168, 1, 0), sizeof(struct k4));
	assert_memory_equal(&order[2], &(struct k4)K(24, 192, 168, 128, 0), sizeof(struct k4));
	assert_memory_equal(&order[3], &(struct k4)K(16, 192, 168, 0, 0), sizeof(struct k4));
	/* An absent or invalid key restarts at the leftmost entry. */
	k = K(23, 192, 168, 0, 0);
	assert_int_equal(sn_map__get_next_key(m, &k, &nk), 0);
	assert_memory_equal(&nk, &order[0], sizeof(nk));
	k = K(40, 1, 2, 3, 4);
	assert_int_equal(sn_map__get_next_key(m, &k, &nk), 0);
	assert_memory_equal(&nk, &order[0], sizeof(nk));

	/* Delete: exact prefix only; the IM node cannot be deleted. */
	k = K(23, 192, 168, 0, 0);
	assert_int_equal(sn_map__delete_elem(m, &k), -ENOENT);
	k = K(33, 192, 168, 0, 0);
	assert_int_equal(sn_map__delete_elem(m, &k), -EINVAL);
	k = K(24, 192, 168, 0, 0);
	assert_int_equal(sn_map__delete_elem(m, &k), 0);
	assert_int_equal(sn_map__delete_elem(m, &k), -ENOENT);
	assert_int_equal(get(m, K(32, 192, 168, 0, 9)), 1);
	/* The stored key keeps its bits past the prefix. */
	assert_int_equal(put(m, K(8, 10, 1, 2, 3), 7, BPF_ANY), 0);
	k = K(8, 10, 9, 9, 9);
	assert_int_equal(get(m, k), 7);
	assert_int_equal(sn_map__get_next_key(m, NULL, &nk), 0);
	assert_memory_equal(&nk, &(struct k4)K(8, 10, 1, 2, 3), sizeof(nk));
	assert_int_equal(sn_map__lookup_and_delete_elem(m, &k, &n, 0), -SN_ENOTSUPP);
	sn_map__free(m);
}

static void test_semantics_malloc(void **state)
{
	(void)state;
	check_semantics(BPF_F_NO_PREALLOC);
}

static void test_semantics_prealloc(void **state)
{
	(void)state;
	check_semantics(SOFTNET_F_LPM_PREALLOC);
}

static void test_batch(void **state)
{
	(void)state;
	struct sn_map *m = mk(8, 4, 8, BPF_F_NO_PREALLOC);
	struct k4 keys[8] = { K(8, 10, 0, 0, 0), K(16, 10, 1, 0, 0), K(33, 0, 0, 0, 0) };
	__u32 vals[8] = { 1, 2, 3 }, cnt = 3;
	struct k4 ob;

	assert_non_null(m);
	assert_int_equal(sn_map__update_batch(m, keys, vals, &cnt, NULL), -EINVAL);
	assert_int_equal(cnt, 2);
	cnt = 8;
	memset(keys, 0, sizeof(keys));
	assert_int_equal(sn_map__lookup_batch(m, NULL, &ob, keys, vals, &cnt, NULL), -ENOENT);
	assert_int_equal(cnt, 2);
	assert_int_equal(keys[0].pl, 16);
	assert_int_equal(vals[0], 2);
	assert_int_equal(vals[1], 1);
	assert_memory_equal(&ob, &keys[1], sizeof(ob));
	cnt = 2;
	assert_int_equal(sn_map__delete_batch(m, keys, &cnt, NULL), 0);
	assert_int_equal(cnt, 2);
	cnt = 1;
	assert_int_equal(sn_map__delete_batch(m, keys, &cnt, NULL), -ENOENT);
	assert_int_equal(cnt, 0);
	assert_int_equal(sn_map__lookup_and_delete_batch(m, NULL, &ob, keys, vals, &cnt, NULL),
			 -SN_ENOTSUPP);
	sn_map__free(m);
}

/*
 * A full preallocated trie under churn never needs memory: updates succeed from the NMI-like
 * context, where the malloc-backed trie (with its free list empty) refuses like bpf_mem_alloc.
 */
static void test_prealloc_never_allocates(void **state)
{
	(void)state;
	struct sn_map *p = mk(8, 4, 64, SOFTNET_F_LPM_PREALLOC);
	struct sn_map *n = mk(8, 4, 64, BPF_F_NO_PREALLOC);
	int okp = 0;

	assert_non_null(p);
	assert_non_null(n);
	nmi_enter();
	for (int round = 0; round < 4; round++) {
		for (__u32 i = 0; i < 64; i++)
			okp += put(p, K(8 + (i % 25), (__u8)(i * 37), (__u8)i, 0, 0), i,
				   BPF_ANY) == 0;
		for (__u32 i = 0; i < 64; i += 2) {
			struct k4 k = K(8 + (i % 25), (__u8)(i * 37), (__u8)i, 0, 0);

			sn_map__delete_elem(p, &k);
		}
	}
	int errn = put(n, K(8, 10, 0, 0, 0), 1, BPF_ANY);
	nmi_exit();
	assert_int_equal(okp, 4 * 64); /* 64 prefixes fit; replaces and re-inserts all succeed */
	assert_int_equal(errn, -ENOMEM);
	assert_int_equal(put(n, K(8, 10, 0, 0, 0), 1, BPF_ANY), 0);
	sn_map__free(p);
	sn_map__free(n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_checks),
		cmocka_unit_test(test_semantics_malloc),
		cmocka_unit_test(test_semantics_prealloc),
		cmocka_unit_test(test_batch),
		cmocka_unit_test(test_prealloc_never_allocates),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
