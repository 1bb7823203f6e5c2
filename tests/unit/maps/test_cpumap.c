// SPDX-License-Identifier: GPL-2.0-only
/* test_cpumap.c - CPUMAP container: creation limits and the update checks in the kernel's order. */
#include <errno.h>
#include <string.h>

#include "lib/test_util.h"
#include "bhlock/bhlock.h"
#include "maps/map.h"

static int mk_err(__u32 ks, __u32 vs, __u32 max, __u32 flags)
{
	struct sn_map_create_opts o = { .sz = sizeof(o), .map_flags = flags };
	struct sn_map *m = sn_map__create(BPF_MAP_TYPE_CPUMAP, "cm", ks, vs, max, &o);

	sn_map__free(m);
	return m ? 0 : -errno;
}

static int upd(struct sn_map *m, __u32 k, __u32 qsize, int fd, __u64 flags)
{
	struct bpf_cpumap_val v = { .qsize = qsize };

	v.bpf_prog.fd = fd;
	return sn_map__update_elem(m, &k, &v, flags);
}

static void test_create_checks(void **state)
{
	(void)state;
	assert_int_equal(mk_err(4, 4, 4, 0), 0);
	assert_int_equal(mk_err(4, 8, 4, 0), 0);
	assert_int_equal(mk_err(4, 12, 4, 0), -EINVAL);
	assert_int_equal(mk_err(8, 4, 4, 0), -EINVAL);
	assert_int_equal(mk_err(4, 4, 0, 0), -EINVAL);
	assert_int_equal(mk_err(4, 4, SN_CPUMAP_NR_CPUS, 0), 0);
	assert_int_equal(mk_err(4, 4, SN_CPUMAP_NR_CPUS + 1, 0), -E2BIG);
	assert_int_equal(mk_err(4, 4, 4, BPF_F_NUMA_NODE), 0);
	assert_int_equal(mk_err(4, 4, 4, BPF_F_RDONLY), -EINVAL);
	assert_int_equal(mk_err(4, 4, 4, BPF_F_NO_PREALLOC), -EINVAL);
}

static void test_update_order(void **state)
{
	(void)state;
	struct sn_map *m = sn_map__create(BPF_MAP_TYPE_CPUMAP, "cm", 4, 8, (__u32)nr_cpu_ids + 2,
					  NULL);
	__u32 beyond = (__u32)nr_cpu_ids, max = (__u32)nr_cpu_ids + 2, k = 0, nk, cnt = 1;
	struct bpf_cpumap_val out;

	assert_non_null(m);
	assert_int_equal(upd(m, 0, 64, 0, 3), -EINVAL);
	assert_int_equal(upd(m, max, 64, 0, 0), -E2BIG);
	assert_int_equal(upd(m, max, 16385, 0, BPF_NOEXIST), -E2BIG);
	assert_int_equal(upd(m, 0, 16385, 0, BPF_NOEXIST), -EEXIST);
	assert_int_equal(upd(m, 0, 64, 0, BPF_NOEXIST), -EEXIST);
	assert_int_equal(upd(m, beyond, 16385, 0, 0), -EOVERFLOW);
	assert_int_equal(upd(m, beyond, 64, 0, 0), -ENODEV); /* not a possible CPU */
	assert_int_equal(upd(m, beyond, 0, 0, 0), -ENODEV);
	assert_int_equal(upd(m, 0, 5, 1, 0), -ENOMEM);       /* no xdp/ here: id 1 names nothing */
	assert_int_equal(upd(m, 0, 16384, -1, BPF_EXIST), 0);
	assert_int_equal(sn_map__lookup_elem(m, &k, &out), 0);
	assert_int_equal(out.qsize, 16384);
	assert_int_equal(out.bpf_prog.id, 0);
	assert_int_equal(((struct bpf_cpumap_val *)sn_map_lookup_elem(m, &k))->qsize, 16384);
	assert_int_equal(upd(m, 0, 0, 1, 0), 0); /* qsize 0 empties, fd not looked at */
	assert_int_equal(sn_map__lookup_elem(m, &k, &out), -ENOENT);
	assert_null(sn_map_lookup_elem(m, &k));
	assert_int_equal(upd(m, 0, 7, 0, 0), 0);
	assert_int_equal(sn_map__delete_elem(m, &k), 0);
	assert_int_equal(sn_map__delete_elem(m, &k), 0);
	assert_int_equal(sn_map__delete_elem(m, &max), -EINVAL);
	assert_int_equal(sn_map__get_next_key(m, NULL, &nk), 0);
	assert_int_equal(nk, 0);
	k = max - 1;
	assert_int_equal(sn_map__get_next_key(m, &k, &nk), -ENOENT);
	assert_int_equal(sn_map__lookup_batch(m, NULL, &nk, &k, &out, &cnt, NULL), -SN_ENOTSUPP);
	/* Churn: the entry pool never runs dry. */
	for (int i = 0; i < 1000; i++)
		assert_int_equal(upd(m, (__u32)i % (__u32)nr_cpu_ids, 1 + (__u32)i % 100, 0, 0), 0);
	sn_map__free(m);
	/* 4-byte values never read a program fd. */
	m = sn_map__create(BPF_MAP_TYPE_CPUMAP, "cm", 4, 4, 1, NULL);
	assert_int_equal(upd(m, 0, 5, 1, 0), 0);
	sn_map__free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_checks),
		cmocka_unit_test(test_update_order),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
