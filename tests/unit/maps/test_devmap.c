// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_devmap.c - DEVMAP and DEVMAP_HASH containers: creation, the ifindex/program checks in
 * the kernel's order, array vs hash semantics, and DEVMAP_HASH's bucket order.
 * ifindex 1 is the loopback device, present in every network namespace; 999999 is absent.
 */
#include <errno.h>
#include <string.h>

#include "lib/test_util.h"
#include "maps/map.h"

#define LO 1
#define NODEV 999999

static struct sn_map *mk(enum bpf_map_type t, __u32 vs, __u32 max, __u32 flags)
{
	struct sn_map_create_opts o = { .sz = sizeof(o), .map_flags = flags };

	return sn_map__create(t, "dm", 4, vs, max, &o);
}

static int mk_err(enum bpf_map_type t, __u32 ks, __u32 vs, __u32 max, __u32 flags)
{
	struct sn_map_create_opts o = { .sz = sizeof(o), .map_flags = flags };
	struct sn_map *m = sn_map__create(t, "dm", ks, vs, max, &o);

	sn_map__free(m);
	return m ? 0 : -errno;
}

static int upd(struct sn_map *m, __u32 k, __u32 ifindex, int fd, __u64 flags)
{
	struct bpf_devmap_val v = { .ifindex = ifindex };

	v.bpf_prog.fd = fd;
	return sn_map__update_elem(m, &k, &v, flags);
}

static void test_create_checks(void **state)
{
	(void)state;
	for (int h = 0; h < 2; h++) {
		enum bpf_map_type t = h ? BPF_MAP_TYPE_DEVMAP_HASH : BPF_MAP_TYPE_DEVMAP;

		assert_int_equal(mk_err(t, 4, 4, 4, 0), 0);
		assert_int_equal(mk_err(t, 4, 8, 4, 0), 0);
		assert_int_equal(mk_err(t, 4, 12, 4, 0), -EINVAL);
		assert_int_equal(mk_err(t, 4, 0, 4, 0), -EINVAL);
		assert_int_equal(mk_err(t, 8, 4, 4, 0), -EINVAL);
		assert_int_equal(mk_err(t, 4, 4, 0, 0), -EINVAL);
		assert_int_equal(mk_err(t, 4, 4, 4, BPF_F_NO_PREALLOC), -EINVAL);
		assert_int_equal(mk_err(t, 4, 4, 4, BPF_F_RDONLY_PROG), -EINVAL);
		assert_int_equal(mk_err(t, 4, 4, 4, BPF_F_RDONLY), 0);
		assert_int_equal(mk_err(t, 4, 4, 4, BPF_F_NUMA_NODE), 0);
	}
	assert_int_equal(mk_err(BPF_MAP_TYPE_DEVMAP_HASH, 4, 4, 0x80000001u, 0), -EINVAL);
	struct sn_map *m = mk(BPF_MAP_TYPE_DEVMAP, 4, 4, 0);

	/* The kernel marks devmaps read-only for programs. */
	assert_true(sn_map__map_flags(m) & BPF_F_RDONLY_PROG);
	sn_map__free(m);
}

static void test_devmap_array(void **state)
{
	(void)state;
	struct sn_map *m = mk(BPF_MAP_TYPE_DEVMAP, 8, 4, 0);
	struct bpf_devmap_val out;
	__u32 k = 0, nk, cnt = 1;

	assert_non_null(m);
	assert_int_equal(sn_map__lookup_elem(m, &k, &out), -ENOENT);
	assert_int_equal(upd(m, 0, LO, 0, BPF_NOEXIST), -EEXIST);
	assert_int_equal(upd(m, 0, LO, 0, BPF_EXIST), 0); /* empty slot: still fine */
	assert_int_equal(upd(m, 0, LO, 0, 3), -EINVAL);
	assert_int_equal(upd(m, 4, LO, 0, BPF_ANY), -E2BIG);
	assert_int_equal(upd(m, 4, LO, 0, 3), -EINVAL);     /* flags first */
	assert_int_equal(upd(m, 4, NODEV, 0, 0), -E2BIG);   /* index before device */
	assert_int_equal(upd(m, 1, NODEV, 0, 0), -EINVAL);
	assert_int_equal(upd(m, 1, LO, 1, 0), -EINVAL);     /* no xdp/ here: id 1 names nothing */
	assert_int_equal(upd(m, 1, 0, 1, 0), -EINVAL);
	assert_int_equal(upd(m, 1, LO, -1, 0), 0);          /* negative fd: no program */
	memset(&out, 0xee, sizeof(out));
	assert_int_equal(sn_map__lookup_elem(m, &k, &out), 0);
	assert_int_equal(out.ifindex, LO);
	assert_int_equal(out.bpf_prog.id, 0);
	assert_int_equal(((struct bpf_devmap_val *)sn_map_lookup_elem(m, &k))->ifindex, LO);
	assert_int_equal(upd(m, 1, 0, 0, 0), 0); /* ifindex 0 empties the slot */
	k = 1;
	assert_int_equal(sn_map__lookup_elem(m, &k, &out), -ENOENT);
	assert_int_equal(sn_map__delete_elem(m, &k), 0); /* empty: still 0 */
	k = 0;
	assert_int_equal(sn_map__delete_elem(m, &k), 0);
	assert_null(sn_map_lookup_elem(m, &k));
	k = 4;
	assert_int_equal(sn_map__delete_elem(m, &k), -EINVAL);
	assert_int_equal(sn_map__get_next_key(m, NULL, &nk), 0);
	assert_int_equal(nk, 0);
	k = 3;
	assert_int_equal(sn_map__get_next_key(m, &k, &nk), -ENOENT);
	assert_int_equal(sn_map__lookup_batch(m, NULL, &nk, &k, &out, &cnt, NULL), -SN_ENOTSUPP);
	assert_int_equal(sn_map__update_batch(m, &k, &out, &cnt, NULL), -SN_ENOTSUPP);
	assert_int_equal(sn_map__delete_batch(m, &k, &cnt, NULL), -SN_ENOTSUPP);
	sn_map__free(m);
	/* 4-byte values never read a program fd. */
	m = mk(BPF_MAP_TYPE_DEVMAP, 4, 4, 0);
	assert_int_equal(upd(m, 2, LO, 1, 0), 0);
	sn_map__free(m);
}

static void check_order(struct sn_map *m, const __u32 *want, int n)
{
	__u32 k, nk;
	int i = 0, err;

	for (err = sn_map__get_next_key(m, NULL, &nk); !err;
	     err = sn_map__get_next_key(m, &k, &nk)) {
		assert_true(i < n);
		assert_int_equal(nk, want[i]);
		i++;
		k = nk;
	}
	assert_int_equal(err, -ENOENT);
	assert_int_equal(i, n);
}

static void test_devmap_hash(void **state)
{
	(void)state;
	struct sn_map *m = mk(BPF_MAP_TYPE_DEVMAP_HASH, 8, 3, 0);
	struct bpf_devmap_val out;
	__u32 k = 5, nk;

	assert_non_null(m);
	assert_int_equal(sn_map__lookup_elem(m, &k, &out), -ENOENT);
	assert_int_equal(sn_map__delete_elem(m, &k), -ENOENT);
	assert_int_equal(upd(m, 5, LO, 0, BPF_EXIST), 0); /* the kernel inserts */
	assert_int_equal(upd(m, 5, LO, 0, BPF_NOEXIST), -EEXIST);
	assert_int_equal(upd(m, 5, LO, 0, 3), -EINVAL);
	assert_int_equal(upd(m, 1, 0, 0, 0), -EINVAL);
	assert_int_equal(upd(m, 1, NODEV, 0, 0), -EINVAL);
	assert_int_equal(upd(m, 1, LO, 7, 0), -EINVAL);
	assert_int_equal(upd(m, 1, LO, 0, 0), 0);
	assert_int_equal(upd(m, 13, LO, 0, 0), 0);
	/* Full: -E2BIG, but a bad device is reported first; replaces still work. */
	assert_int_equal(upd(m, 21, LO, 0, 0), -E2BIG);
	assert_int_equal(upd(m, 21, NODEV, 0, 0), -EINVAL);
	assert_int_equal(upd(m, 21, LO, 0, BPF_EXIST), -E2BIG);
	/* 5, 1, 13 share bucket 1 of 4, newest first. */
	check_order(m, (const __u32[]){ 13, 1, 5 }, 3);
	assert_int_equal(upd(m, 5, LO, 0, BPF_ANY), 0); /* a replace moves to the head */
	check_order(m, (const __u32[]){ 5, 13, 1 }, 3);
	k = 77; /* absent: starts over */
	assert_int_equal(sn_map__get_next_key(m, &k, &nk), 0);
	assert_int_equal(nk, 5);
	k = 13;
	assert_int_equal(sn_map__delete_elem(m, &k), 0);
	assert_int_equal(sn_map__delete_elem(m, &k), -ENOENT);
	assert_int_equal(upd(m, 2, LO, 0, 0), 0); /* bucket 2, after bucket 1 */
	check_order(m, (const __u32[]){ 5, 1, 2 }, 3);
	k = 2;
	assert_int_equal(sn_map__lookup_elem(m, &k, &out), 0);
	assert_int_equal(out.ifindex, LO);
	assert_int_equal(((struct bpf_devmap_val *)sn_map_lookup_elem(m, &k))->ifindex, LO);
	/* Churn through the entry pool: deletes and re-inserts never run out of entries. */
	for (int i = 0; i < 1000; i++) {
		k = (__u32)(i % 7);
		int r;

		sn_map__delete_elem(m, &k);
		r = upd(m, k, LO, 0, 0);
		assert_true(r == 0 || r == -E2BIG);
	}
	sn_map__free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_checks),
		cmocka_unit_test(test_devmap_array),
		cmocka_unit_test(test_devmap_hash),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
