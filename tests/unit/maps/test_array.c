// SPDX-License-Identifier: GPL-2.0-only
/* test_array.c - ARRAY and PERCPU_ARRAY: creation checks, every op's codes, per-CPU slots. */
#include <errno.h>
#include <string.h>

#include "lib/test_util.h"
#include "bhlock/bhlock.h"
#include "maps/map.h"

static struct sn_map *mk(enum bpf_map_type t, __u32 ks, __u32 vs, __u32 max, __u32 flags)
{
	struct sn_map_create_opts o = { .sz = sizeof(o), .map_flags = flags };

	return sn_map__create(t, "t", ks, vs, max, &o);
}

static int mk_err(enum bpf_map_type t, __u32 ks, __u32 vs, __u32 max, __u32 flags)
{
	struct sn_map *m = mk(t, ks, vs, max, flags);

	if (m) {
		sn_map__free(m);
		return 0;
	}
	return -errno;
}

static void test_create_checks(void **state)
{
	(void)state;
	assert_int_equal(mk_err(BPF_MAP_TYPE_ARRAY, 4, 8, 4, 0), 0);
	assert_int_equal(mk_err(BPF_MAP_TYPE_ARRAY, 0, 8, 4, 0), -EINVAL);
	assert_int_equal(mk_err(BPF_MAP_TYPE_ARRAY, 8, 8, 4, 0), -EINVAL);
	assert_int_equal(mk_err(BPF_MAP_TYPE_ARRAY, 4, 0, 4, 0), -EINVAL);
	assert_int_equal(mk_err(BPF_MAP_TYPE_ARRAY, 4, 8, 0, 0), -EINVAL);
	assert_int_equal(mk_err(BPF_MAP_TYPE_ARRAY, 4, 8, 4, BPF_F_NO_PREALLOC), -EINVAL);
	assert_int_equal(mk_err(BPF_MAP_TYPE_ARRAY, 4, 8, 4, BPF_F_PRESERVE_ELEMS), -EINVAL);
	assert_int_equal(mk_err(BPF_MAP_TYPE_ARRAY, 4, 8, 4, BPF_F_RDONLY | BPF_F_WRONLY), -EINVAL);
	assert_int_equal(mk_err(BPF_MAP_TYPE_ARRAY, 4, 8, 4,
				BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG), -EINVAL);
	assert_int_equal(mk_err(BPF_MAP_TYPE_ARRAY, 4, 8, 4, BPF_F_MMAPABLE | BPF_F_INNER_MAP), 0);
	assert_int_equal(mk_err(BPF_MAP_TYPE_ARRAY, 4, 0x80000000u, 1, 0), -E2BIG);
	assert_int_equal(mk_err(BPF_MAP_TYPE_PERCPU_ARRAY, 4, 8, 4, BPF_F_MMAPABLE), -EINVAL);
	assert_int_equal(mk_err(BPF_MAP_TYPE_PERCPU_ARRAY, 4, 32768, 2, 0), 0);
	assert_int_equal(mk_err(BPF_MAP_TYPE_PERCPU_ARRAY, 4, 32769, 2, 0), -E2BIG);
	assert_int_equal(mk_err((enum bpf_map_type)999, 4, 8, 4, 0), -EINVAL);
	/* Names: checked after the parameters, truncated to 15 characters. */
	assert_null(sn_map__create(BPF_MAP_TYPE_ARRAY, "bad-name", 4, 8, 4, NULL));
	assert_int_equal(errno, EINVAL);
	struct sn_map *m = sn_map__create(BPF_MAP_TYPE_ARRAY, "0123456789abcdefXYZ", 4, 8, 4, NULL);

	assert_non_null(m);
	assert_string_equal(sn_map__name(m), "0123456789abcde");
	sn_map__free(m);
}

static void test_array_ops(void **state)
{
	(void)state;
	struct sn_map *m = mk(BPF_MAP_TYPE_ARRAY, 4, 12, 4, 0);
	unsigned char v[12], out[12];
	__u32 k = 1, nk;

	assert_non_null(m);
	memset(v, 0xab, sizeof(v));
	/* Zero-filled at creation; every index exists. */
	memset(out, 1, sizeof(out));
	assert_int_equal(sn_map__lookup_elem(m, &k, out), 0);
	for (size_t i = 0; i < sizeof(out); i++)
		assert_int_equal(out[i], 0);
	assert_int_equal(sn_map__update_elem(m, &k, v, BPF_ANY), 0);
	assert_int_equal(sn_map__update_elem(m, &k, v, BPF_EXIST), 0);
	assert_int_equal(sn_map__update_elem(m, &k, v, BPF_NOEXIST), -EEXIST);
	assert_int_equal(sn_map__update_elem(m, &k, v, 3), -EINVAL);
	assert_int_equal(sn_map__update_elem(m, &k, v, BPF_F_LOCK), -EINVAL);
	assert_int_equal(sn_map__lookup_elem(m, &k, out), 0);
	assert_memory_equal(out, v, sizeof(v));
	assert_int_equal(sn_map__lookup_elem_flags(m, &k, out, BPF_EXIST), -EINVAL);
	k = 4;
	assert_int_equal(sn_map__update_elem(m, &k, v, BPF_ANY), -E2BIG);
	assert_int_equal(sn_map__update_elem(m, &k, v, BPF_NOEXIST), -E2BIG); /* index first */
	assert_int_equal(sn_map__update_elem(m, &k, v, 3), -EINVAL);         /* flags first */
	assert_int_equal(sn_map__lookup_elem(m, &k, out), -ENOENT);
	assert_null(sn_map_lookup_elem(m, &k));
	assert_int_equal(sn_map__delete_elem(m, &k), -EINVAL);
	k = 0;
	assert_int_equal(sn_map__delete_elem(m, &k), -EINVAL);
	assert_int_equal(sn_map__lookup_and_delete_elem(m, &k, out, 0), -SN_ENOTSUPP);
	assert_int_equal(sn_map__lookup_and_delete_elem(m, &k, out, 1), -EINVAL);
	/* get_next_key: NULL or out of range -> 0; last -> -ENOENT. */
	assert_int_equal(sn_map__get_next_key(m, NULL, &nk), 0);
	assert_int_equal(nk, 0);
	k = 2;
	assert_int_equal(sn_map__get_next_key(m, &k, &nk), 0);
	assert_int_equal(nk, 3);
	k = 3;
	assert_int_equal(sn_map__get_next_key(m, &k, &nk), -ENOENT);
	k = 99;
	assert_int_equal(sn_map__get_next_key(m, &k, &nk), 0);
	assert_int_equal(nk, 0);
	/* Datapath: a pointer into the map. */
	k = 1;
	assert_memory_equal(sn_map_lookup_elem(m, &k), v, sizeof(v));
	assert_int_equal(sn_map_update_elem(m, &k, out, BPF_NOEXIST), -EEXIST);
	sn_map__free(m);
}

static void test_array_batch(void **state)
{
	(void)state;
	struct sn_map *m = mk(BPF_MAP_TYPE_ARRAY, 4, 8, 4, 0);
	struct sn_map_batch_opts o = { .sz = sizeof(o) };
	__u32 keys[8] = { 1, 2, 9, 0 }, ob = 0, ib, cnt;
	unsigned long long vals[8] = { 11, 22, 99, 0 };

	assert_non_null(m);
	cnt = 4;
	assert_int_equal(sn_map__update_batch(m, keys, vals, &cnt, &o), -E2BIG);
	assert_int_equal(cnt, 2); /* stopped at key 9 */
	cnt = 16;
	memset(keys, 0, sizeof(keys));
	assert_int_equal(sn_map__lookup_batch(m, NULL, &ob, keys, vals, &cnt, &o), -ENOENT);
	assert_int_equal(cnt, 4);
	assert_int_equal(ob, 3);
	assert_int_equal(keys[1], 1);
	assert_int_equal(vals[1], 11);
	assert_int_equal(vals[2], 22);
	cnt = 2;
	assert_int_equal(sn_map__lookup_batch(m, NULL, &ob, keys, vals, &cnt, &o), 0);
	assert_int_equal(cnt, 2);
	assert_int_equal(ob, 1);
	ib = ob;
	cnt = 2;
	assert_int_equal(sn_map__lookup_batch(m, &ib, &ob, keys, vals, &cnt, &o), 0);
	assert_int_equal(ob, 3);
	ib = 3;
	cnt = 2;
	ob = 77;
	assert_int_equal(sn_map__lookup_batch(m, &ib, &ob, keys, vals, &cnt, &o), -ENOENT);
	assert_int_equal(cnt, 0);
	assert_int_equal(ob, 77); /* untouched when nothing was copied */
	ib = 50; /* out of range: starts over, as get_next_key does */
	cnt = 1;
	assert_int_equal(sn_map__lookup_batch(m, &ib, &ob, keys, vals, &cnt, &o), 0);
	assert_int_equal(keys[0], 0);
	cnt = 0;
	assert_int_equal(sn_map__lookup_batch(m, NULL, &ob, keys, vals, &cnt, &o), 0);
	o.elem_flags = BPF_NOEXIST;
	cnt = 3;
	assert_int_equal(sn_map__update_batch(m, keys, vals, &cnt, &o), -EINVAL);
	assert_int_equal(cnt, 3);
	assert_int_equal(sn_map__lookup_batch(m, NULL, &ob, keys, vals, &cnt, &o), -EINVAL);
	o.elem_flags = 0;
	o.flags = 1; /* not checked by the kernel */
	cnt = 1;
	assert_int_equal(sn_map__lookup_batch(m, NULL, &ob, keys, vals, &cnt, &o), 0);
	cnt = 2;
	assert_int_equal(sn_map__delete_batch(m, keys, &cnt, &o), -SN_ENOTSUPP);
	assert_int_equal(sn_map__lookup_and_delete_batch(m, NULL, &ob, keys, vals, &cnt, &o),
			 -SN_ENOTSUPP);
	assert_int_equal(cnt, 2);
	sn_map__free(m);
}

static void test_access_flags(void **state)
{
	(void)state;
	struct sn_map *r = mk(BPF_MAP_TYPE_ARRAY, 4, 8, 4, BPF_F_RDONLY);
	struct sn_map *w = mk(BPF_MAP_TYPE_ARRAY, 4, 8, 4, BPF_F_WRONLY);
	__u32 k = 9, nk, cnt = 2;
	unsigned long long v = 0;

	assert_non_null(r);
	assert_non_null(w);
	assert_int_equal(sn_map__update_elem(r, &k, &v, 3), -EPERM); /* access first */
	assert_int_equal(sn_map__delete_elem(r, &k), -EPERM);
	assert_int_equal(sn_map__lookup_elem(r, &k, &v), -ENOENT);
	assert_int_equal(sn_map__lookup_and_delete_elem(r, &k, &v, 0), -EPERM);
	assert_int_equal(sn_map__lookup_and_delete_elem(r, &k, &v, 1), -EINVAL);
	assert_int_equal(sn_map__update_batch(r, &k, &v, &cnt, NULL), -EPERM);
	assert_int_equal(sn_map__lookup_elem(w, &k, &v), -EPERM);
	assert_int_equal(sn_map__lookup_elem_flags(w, &k, &v, 1), -EINVAL);
	assert_int_equal(sn_map__get_next_key(w, NULL, &nk), -EPERM);
	assert_int_equal(sn_map__update_elem(w, &k, &v, 0), -E2BIG);
	assert_int_equal(sn_map__lookup_batch(w, NULL, &nk, &k, &v, &cnt, NULL), -EPERM);
	sn_map__free(r);
	sn_map__free(w);
}

static void test_percpu_slots(void **state)
{
	(void)state;
	struct sn_map *m = mk(BPF_MAP_TYPE_PERCPU_ARRAY, 4, 4, 4, 0);
	__u32 vsys, k = 2, x;
	unsigned char buf[8 * BH_NR_CPUS_MAX], out[8 * BH_NR_CPUS_MAX];
	int cpu;

	assert_non_null(m);
	vsys = sn_map__value_size_sys(m);
	assert_int_equal(vsys, 8 * nr_cpu_ids);
	/* bpf(2) view: one 8-byte slot per CPU; padding bytes are kept as written. */
	for (__u32 i = 0; i < vsys; i++)
		buf[i] = (unsigned char)(i * 7 + 1);
	assert_int_equal(sn_map__update_elem(m, &k, buf, BPF_ANY), 0);
	memset(out, 0, sizeof(out));
	assert_int_equal(sn_map__lookup_elem(m, &k, out), 0);
	assert_memory_equal(out, buf, vsys);
	assert_int_equal(sn_map__update_elem(m, &k, buf, BPF_NOEXIST), -EEXIST);
	assert_int_equal(sn_map__update_elem(m, &k, buf, 4), -EINVAL);
	k = 4;
	assert_int_equal(sn_map__update_elem(m, &k, buf, BPF_ANY), -E2BIG);
	assert_int_equal(sn_map__lookup_elem(m, &k, out), -ENOENT);
	/* Datapath: this CPU's slot only. */
	k = 1;
	for_each_possible_cpu(cpu) {
		assert_int_equal(bh_task_pin(cpu), 0);
		x = 100 + (__u32)cpu;
		assert_int_equal(sn_map_update_elem(m, &k, &x, BPF_ANY), 0);
		assert_int_equal(*(__u32 *)sn_map_lookup_elem(m, &k), 100 + (__u32)cpu);
	}
	assert_int_equal(sn_map__lookup_elem(m, &k, out), 0);
	for_each_possible_cpu(cpu) {
		memcpy(&x, out + 8 * cpu, 4);
		assert_int_equal(x, 100 + (__u32)cpu);
	}
	sn_map__free(m);
}

static void test_dump(void **state)
{
	(void)state;
	struct sn_map *m = mk(BPF_MAP_TYPE_ARRAY, 4, 4, 2, 0);
	__u32 k = 1, v = 0x04030201;
	char text[512] = { 0 };
	FILE *f = fmemopen(text, sizeof(text) - 1, "w");

	assert_non_null(m);
	assert_non_null(f);
	assert_int_equal(sn_map__update_elem(m, &k, &v, BPF_ANY), 0);
	assert_int_equal(sn_map__dump(m, f), 0);
	fclose(f);
	assert_non_null(strstr(text, "key: 00 00 00 00  value: 00 00 00 00\n"));
	assert_non_null(strstr(text, "key: 01 00 00 00  value: 01 02 03 04\n"));
	sn_map__free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_checks), cmocka_unit_test(test_array_ops),
		cmocka_unit_test(test_array_batch),   cmocka_unit_test(test_access_flags),
		cmocka_unit_test(test_percpu_slots),  cmocka_unit_test(test_dump),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
