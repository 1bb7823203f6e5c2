// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_differential.c - softnetd maps against the kernel's own maps, op for op.
 *
 * For every map type softnetd implements and the running kernel supports, one softnetd map and
 * its kernel twin (maps/map_kernel_twin.h, created through libbpf) receive the same seeded random
 * sequence of DIFF_OPS operations: lookups, updates with every flag (and invalid ones), deletes,
 * get_next_key, lookup_and_delete, and the four batch commands, with keys in and out of range,
 * full maps, bad values (ifindex, qsize, program fds) and bad flags. After every operation the
 * return codes and every output (value, next key, batch count, keys, values, out_batch) must be
 * equal; at the end both maps are walked with get_next_key and must hold the same elements in
 * the same order (the kernel's order is deterministic for all these types).
 *
 * A mismatch prints the seed, the configuration, the operation index and both results. Re-run a
 * failing sequence with SN_DIFF_SEED=<seed>. Needs root (bpf(2)); exits 77 only if bpf(2) itself
 * is unavailable. Kernel maps are only held by fds (closed in teardown and at exit); the pin test
 * removes its pin, also on failure.
 */
#include <errno.h>
#include <sched.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "lib/test_util.h"
#include "maps/map.h"
#include "maps/map_kernel_twin.h"

#define DIFF_OPS 100000
#define BUF_MAX 4096

struct diff_cfg {
	const char *label;
	enum bpf_map_type type;
	__u32 key_size, value_size, max_entries, map_flags;
	/*
	 * Hash family with a random seed: the kernel's iteration order (bucket order) is
	 * unspecified, so get_next_key, batch lookups and the final walk are compared order-free
	 * (see run_one_unordered()). With BPF_F_ZERO_SEED softnetd hashes like the kernel (jhash,
	 * seed 0) and everything is compared exactly, order included.
	 */
	bool unordered;
};

static const struct diff_cfg cfgs[] = {
	{ "array", BPF_MAP_TYPE_ARRAY, 4, 12, 16, 0, false },
	{ "array_rdonly", BPF_MAP_TYPE_ARRAY, 4, 8, 4, BPF_F_RDONLY, false },
	{ "array_wronly", BPF_MAP_TYPE_ARRAY, 4, 8, 4, BPF_F_WRONLY, false },
	{ "percpu_array", BPF_MAP_TYPE_PERCPU_ARRAY, 4, 12, 8, 0, false },
	{ "lpm_v4", BPF_MAP_TYPE_LPM_TRIE, 8, 4, 24, BPF_F_NO_PREALLOC, false },
	{ "lpm_v4_prealloc", BPF_MAP_TYPE_LPM_TRIE, 8, 4, 24, SOFTNET_F_LPM_PREALLOC, false },
	{ "lpm_8bit", BPF_MAP_TYPE_LPM_TRIE, 5, 8, 12, BPF_F_NO_PREALLOC, false },
	{ "lpm_v6", BPF_MAP_TYPE_LPM_TRIE, 20, 16, 40, SOFTNET_F_LPM_PREALLOC, false },
	{ "devmap4", BPF_MAP_TYPE_DEVMAP, 4, 4, 8, 0, false },
	{ "devmap8", BPF_MAP_TYPE_DEVMAP, 4, 8, 8, 0, false },
	{ "devmap_hash", BPF_MAP_TYPE_DEVMAP_HASH, 4, 8, 6, 0, false },
	{ "devmap_hash4", BPF_MAP_TYPE_DEVMAP_HASH, 4, 4, 5, 0, false },
	{ "cpumap", BPF_MAP_TYPE_CPUMAP, 4, 8, 4, 0, false },
	{ "cpumap4", BPF_MAP_TYPE_CPUMAP, 4, 4, 3, 0, false },
	{ "hash_zs", BPF_MAP_TYPE_HASH, 4, 8, 16, BPF_F_ZERO_SEED, false },
	{ "hash_k6_zs", BPF_MAP_TYPE_HASH, 6, 12, 24, BPF_F_ZERO_SEED, false },
	{ "hash_k16_zs", BPF_MAP_TYPE_HASH, 16, 4, 40, BPF_F_ZERO_SEED, false },
	{ "hash", BPF_MAP_TYPE_HASH, 4, 8, 16, 0, true },
	{ "hash_rdonly", BPF_MAP_TYPE_HASH, 4, 8, 4, BPF_F_RDONLY, true },
	{ "hash_np_zs", BPF_MAP_TYPE_HASH, 4, 8, 16, BPF_F_NO_PREALLOC | BPF_F_ZERO_SEED, false },
	{ "hash_np", BPF_MAP_TYPE_HASH, 8, 4, 12, BPF_F_NO_PREALLOC, true },
	{ "percpu_hash_zs", BPF_MAP_TYPE_PERCPU_HASH, 4, 12, 8, BPF_F_ZERO_SEED, false },
	{ "percpu_hash", BPF_MAP_TYPE_PERCPU_HASH, 4, 8, 16, 0, true },
	{ "percpu_hash_np", BPF_MAP_TYPE_PERCPU_HASH, 4, 8, 16, BPF_F_NO_PREALLOC, true },
	{ "lru_hash_zs", BPF_MAP_TYPE_LRU_HASH, 4, 8, 16, BPF_F_ZERO_SEED, false },
	{ "lru_hash_big_zs", BPF_MAP_TYPE_LRU_HASH, 4, 8, 600, BPF_F_ZERO_SEED, false },
	{ "lru_hash", BPF_MAP_TYPE_LRU_HASH, 4, 8, 16, 0, true },
	{ "lru_hash_nc_zs", BPF_MAP_TYPE_LRU_HASH, 4, 8, 16, BPF_F_NO_COMMON_LRU | BPF_F_ZERO_SEED, false },
	{ "lru_percpu_hash_zs", BPF_MAP_TYPE_LRU_PERCPU_HASH, 4, 8, 16, BPF_F_ZERO_SEED, false },
};

static bool is_hash_type(enum bpf_map_type t)
{
	return t == BPF_MAP_TYPE_HASH || t == BPF_MAP_TYPE_PERCPU_HASH ||
	       t == BPF_MAP_TYPE_LRU_HASH || t == BPF_MAP_TYPE_LRU_PERCPU_HASH;
}

static uint64_t seed;

struct diff_state {
	const struct diff_cfg *cfg;
	struct sn_map *sm;
	int kfd;
	uint64_t rng;
	__u32 vsys; /* syscall-side value size */
	long n_upd[6]; /* update return codes seen: 0, EEXIST, ENOENT, E2BIG, EINVAL, other */
};

static uint64_t rnd(struct diff_state *st)
{
	/* xorshift64* */
	st->rng ^= st->rng >> 12;
	st->rng ^= st->rng << 25;
	st->rng ^= st->rng >> 27;
	return st->rng * 2685821657736338717ULL;
}

static uint32_t rnd_below(struct diff_state *st, uint32_t n)
{
	return (uint32_t)(rnd(st) % n);
}

static void hex(const char *tag, const void *p, size_t n)
{
	const unsigned char *c = p;

	fprintf(stderr, "    %s:", tag);
	for (size_t i = 0; i < n && i < 96; i++)
		fprintf(stderr, " %02x", c[i]);
	fprintf(stderr, "%s\n", n > 96 ? " ..." : "");
}

static int k_ret(int r);

/* A key the kernel map holds (a random one of the first max_entries), or -ENOENT. */
static int pick_present_key(struct diff_state *st, unsigned char *key)
{
	uint32_t n = rnd_below(st, st->cfg->max_entries);

	if (k_ret(bpf_map_get_next_key(st->kfd, NULL, key)))
		return -ENOENT;
	while (n--)
		if (k_ret(bpf_map_get_next_key(st->kfd, key, key)))
			break;
	return 0;
}

static void gen_key(struct diff_state *st, unsigned char *key)
{
	const struct diff_cfg *c = st->cfg;
	__u32 k;

	/* Sparse key spaces: often reuse a key that is in the map (hits, replaces, deletes). */
	if ((c->type == BPF_MAP_TYPE_LPM_TRIE || c->type == BPF_MAP_TYPE_DEVMAP_HASH ||
	     is_hash_type(c->type)) &&
	    rnd_below(st, 100) < 35 && !(c->map_flags & BPF_F_WRONLY) &&
	    !pick_present_key(st, key))
		return;

	if (c->type != BPF_MAP_TYPE_LPM_TRIE) {
		uint32_t r = rnd_below(st, 100);

		if (r < 85)
			k = rnd_below(st, c->max_entries + 2);
		else if (r < 95)
			k = rnd_below(st, 4 * c->max_entries + 8);
		else
			k = (uint32_t)rnd(st);
		memcpy(key, &k, 4);
		/* Longer hash keys: a few distinct tails, so that they hash apart but collide. */
		for (__u32 i = 4; i < c->key_size; i++)
			key[i] = (unsigned char)rnd_below(st, i == 4 ? 3 : 2);
		return;
	}
	/* LPM: few distinct high bits so that prefixes share paths; garbage past the prefix. */
	__u32 max_pl = (c->key_size - 4) * 8;
	uint32_t r = rnd_below(st, 100);
	__u32 pl = r < 96 ? rnd_below(st, max_pl + 1) : max_pl + 1 + rnd_below(st, 3);
	static const unsigned char firsts[] = { 0x0a, 0xc0, 0xac, 0x00, 0xff, 0x80 };

	memcpy(key, &pl, 4);
	for (__u32 i = 0; i < c->key_size - 4; i++) {
		if (i == 0)
			key[4] = firsts[rnd_below(st, sizeof(firsts))];
		else if (i < 3)
			key[4 + i] = (unsigned char)(rnd_below(st, 4) << (rnd_below(st, 2) ? 6 : 0));
		else
			key[4 + i] = (unsigned char)(rnd_below(st, 3) ? 0 : rnd(st));
	}
}

static void gen_value(struct diff_state *st, unsigned char *v)
{
	const struct diff_cfg *c = st->cfg;
	static const __u32 ifindexes[] = { 0, 1, 1, 1, 2, 3, 4, 9999, 0 };
	static const __u32 qsizes[] = { 0, 1, 64, 192, 16384, 16385, 100000, 0 };
	static const int fds[] = { 0, 0, 0, 0, 0, 0, -1, -5, 1, 0 };

	for (__u32 i = 0; i < st->vsys; i++)
		v[i] = (unsigned char)rnd(st);
	switch (c->type) {
	case BPF_MAP_TYPE_DEVMAP:
	case BPF_MAP_TYPE_DEVMAP_HASH: {
		struct bpf_devmap_val d = {
			.ifindex = ifindexes[rnd_below(st, ARRAY_SIZE(ifindexes))],
		};

		d.bpf_prog.fd = fds[rnd_below(st, ARRAY_SIZE(fds))];
		memcpy(v, &d, c->value_size);
		break;
	}
	case BPF_MAP_TYPE_CPUMAP: {
		struct bpf_cpumap_val q = { .qsize = qsizes[rnd_below(st, ARRAY_SIZE(qsizes))] };

		q.bpf_prog.fd = fds[rnd_below(st, ARRAY_SIZE(fds))];
		memcpy(v, &q, c->value_size);
		break;
	}
	default:
		break;
	}
}

static __u64 gen_flags(struct diff_state *st)
{
	static const __u64 odd[] = { 3, 4, 5, 8, 1ULL << 32, BPF_F_LOCK | BPF_EXIST };
	uint32_t r = rnd_below(st, 100);

	if (r < 94)
		return r % 3; /* BPF_ANY, BPF_NOEXIST, BPF_EXIST */
	return odd[rnd_below(st, ARRAY_SIZE(odd))];
}

/*
 * flags of lookup / lookup_and_delete: mostly 0, else BPF_F_LOCK alone (checked after the
 * access rights, while other bits are refused before them) or an odd mix.
 */
static __u64 gen_lookup_flags(struct diff_state *st)
{
	if (rnd_below(st, 100) < 95)
		return 0;
	return rnd_below(st, 2) ? BPF_F_LOCK : gen_flags(st) | 1;
}

/*
 * elem_flags and flags of a batch command: mostly 0, else BPF_F_LOCK alone (no value here has a
 * bpf_spin_lock), an update flag the batch commands do not take (BPF_NOEXIST / BPF_EXIST), an
 * unknown low bit or a high bit. 6.18 refuses every nonzero elem_flags; the hash batch lookups
 * also refuse nonzero batch flags, which the generic batch commands ignore.
 */
static __u64 gen_batch_flags(struct diff_state *st)
{
	static const __u64 odd[] = { BPF_F_LOCK, BPF_NOEXIST, BPF_EXIST, 8, 1ULL << 32,
				     BPF_F_LOCK | BPF_EXIST };

	return rnd_below(st, 100) < 90 ? 0 : odd[rnd_below(st, ARRAY_SIZE(odd))];
}

enum diff_op {
	OP_LOOKUP,
	OP_UPDATE,
	OP_DELETE,
	OP_NEXT,
	OP_LOOKUP_AND_DELETE,
	OP_LOOKUP_BATCH,
	OP_UPDATE_BATCH,
	OP_DELETE_BATCH,
	OP_LOOKUP_AND_DELETE_BATCH,
};

static const char *const op_names[] = {
	"lookup", "update", "delete", "get_next_key", "lookup_and_delete", "lookup_batch",
	"update_batch", "delete_batch", "lookup_and_delete_batch",
};

static enum diff_op pick_op(struct diff_state *st)
{
	uint32_t r = rnd_below(st, 100);

	if (r < 22)
		return OP_LOOKUP;
	if (r < 52)
		return OP_UPDATE;
	if (r < 67)
		return OP_DELETE;
	if (r < 77)
		return OP_NEXT;
	if (r < 80)
		return OP_LOOKUP_AND_DELETE;
	if (r < 88)
		return OP_LOOKUP_BATCH;
	if (r < 94)
		return OP_UPDATE_BATCH;
	if (r < 98)
		return OP_DELETE_BATCH;
	return OP_LOOKUP_AND_DELETE_BATCH;
}

static int k_ret(int r)
{
	/* libbpf 1.x returns -errno; be safe with the legacy -1/errno form. */
	return r == -1 ? -errno : r;
}

/* Scratch buffers: [0] softnetd, [1] kernel. */
struct diff_bufs {
	unsigned char key[BUF_MAX], key2[BUF_MAX], value[BUF_MAX];
	unsigned char out[2][BUF_MAX], outv[2][BUF_MAX * 8], outk[2][BUF_MAX * 8];
	unsigned char ob[2][BUF_MAX];
	unsigned char keys[BUF_MAX * 8], values[BUF_MAX * 8];
};
static struct diff_bufs B;

static bool diff_fail(struct diff_state *st, long idx, enum diff_op op, __u64 flags, int rs,
		      int rk, const char *what)
{
	fprintf(stderr,
		"MISMATCH seed=%" PRIu64 " map=%s op#%ld %s flags=%#llx: %s\n"
		"    softnetd rc=%d kernel rc=%d\n",
		seed, st->cfg->label, idx, op_names[op], (unsigned long long)flags, what, rs, rk);
	hex("key", B.key, st->cfg->key_size);
	return false;
}

static __u32 rec_size; /* qsort comparator's record size: key + value */

static int rec_cmp(const void *a, const void *b)
{
	return memcmp(a, b, rec_size);
}

/* Pack n keys and values into key|value records and sort them. */
static void pack_sorted(struct diff_state *st, unsigned char *dst, const unsigned char *keys,
			const unsigned char *values, __u32 n)
{
	__u32 ks = st->cfg->key_size, vs = st->vsys;

	for (__u32 i = 0; i < n; i++) {
		memcpy(dst + (size_t)i * (ks + vs), keys + (size_t)i * ks, ks);
		memcpy(dst + (size_t)i * (ks + vs) + ks, values + (size_t)i * vs, vs);
	}
	rec_size = ks + vs;
	qsort(dst, n, ks + vs, rec_cmp);
}

static bool sn_has_key(struct diff_state *st, const void *key)
{
	unsigned char v[BUF_MAX];

	return sn_map__lookup_elem(st->sm, key, v) == 0 ||
	       (st->cfg->map_flags & BPF_F_WRONLY);
}

/*
 * Random-seed hash maps: the kernel's bucket order is unspecified. get_next_key: from NULL or a
 * key not in the map both sides must agree on whether there is a first key; from a present key
 * softnetd must answer a present key other than it, or -ENOENT; every key answered must be in
 * the map. Batch lookups ask for everything at once (count > max_entries, from the start) and
 * must agree on the return code, the count, out_batch (the bucket count) and the sorted
 * key/value records.
 */
static bool run_one_unordered(struct diff_state *st, long idx, enum diff_op op)
{
	const struct diff_cfg *c = st->cfg;
	__u32 ks = c->key_size, vs = st->vsys;
	int rs, rk;

	if (op == OP_NEXT) {
		bool null_key = rnd_below(st, 3) == 0;
		bool present = !null_key &&
			       k_ret(bpf_map_lookup_elem(st->kfd, B.key, B.out[1])) == 0;

		rs = sn_map__get_next_key(st->sm, null_key ? NULL : B.key, B.out[0]);
		rk = k_ret(bpf_map_get_next_key(st->kfd, null_key ? NULL : B.key, B.out[1]));
		if (!present && rs != rk)
			return diff_fail(st, idx, op, 0, rs, rk, "first key: return codes differ");
		if (present && rs != 0 && rs != -ENOENT)
			return diff_fail(st, idx, op, 0, rs, rk, "next of a present key failed");
		if (!rs && (!sn_has_key(st, B.out[0]) || (present && !memcmp(B.out[0], B.key, ks))))
			return diff_fail(st, idx, op, 0, rs, rk, "next key not in the map");
		return true;
	}
	{
		struct sn_map_batch_opts so = { .sz = sizeof(so) };
		LIBBPF_OPTS(bpf_map_batch_opts, ko);
		__u32 cs = c->max_entries + 4, ck = cs;
		__u64 flags;

		so.elem_flags = ko.elem_flags = gen_batch_flags(st);
		so.flags = ko.flags = gen_batch_flags(st);
		flags = so.elem_flags | so.flags;
		if (rnd_below(st, 50) == 0)
			cs = ck = 0; /* the flag checks come before the count check */
		memset(B.ob, 0, sizeof(B.ob));
		if (op == OP_LOOKUP_BATCH) {
			rs = sn_map__lookup_batch(st->sm, NULL, B.ob[0], B.outk[0], B.outv[0], &cs,
						  &so);
			rk = k_ret(bpf_map_lookup_batch(st->kfd, NULL, B.ob[1], B.outk[1],
							B.outv[1], &ck, &ko));
		} else {
			rs = sn_map__lookup_and_delete_batch(st->sm, NULL, B.ob[0], B.outk[0],
							     B.outv[0], &cs, &so);
			rk = k_ret(bpf_map_lookup_and_delete_batch(st->kfd, NULL, B.ob[1],
								   B.outk[1], B.outv[1], &ck,
								   &ko));
		}
		if (rs != rk)
			return diff_fail(st, idx, op, flags, rs, rk, "return codes differ");
		if (cs != ck || memcmp(B.ob[0], B.ob[1], 4)) {
			fprintf(stderr, "    count softnetd %u kernel %u\n", cs, ck);
			return diff_fail(st, idx, op, flags, rs, rk, "counts or out_batch differ");
		}
		if (rs && rs != -ENOENT)
			return true; /* nothing was copied */
		pack_sorted(st, B.keys, B.outk[0], B.outv[0], cs);
		pack_sorted(st, B.values, B.outk[1], B.outv[1], ck);
		if (memcmp(B.keys, B.values, (size_t)cs * (ks + vs)))
			return diff_fail(st, idx, op, flags, rs, rk, "batch records differ");
		return true;
	}
}

static bool run_one(struct diff_state *st, long idx)
{
	const struct diff_cfg *c = st->cfg;
	enum diff_op op = pick_op(st);
	__u32 ks = c->key_size, vs = st->vsys;

	/* Hash maps: wipe them less often, so that they are full (E2BIG, LRU eviction) often. */
	if (is_hash_type(c->type) && op == OP_LOOKUP_AND_DELETE_BATCH && rnd_below(st, 4))
		op = OP_LOOKUP_BATCH;
	__u64 flags = 0;
	int rs = 0, rk = 0;

	gen_key(st, B.key);
	memset(B.out, 0, sizeof(B.out));
	if (c->unordered &&
	    (op == OP_NEXT || op == OP_LOOKUP_BATCH || op == OP_LOOKUP_AND_DELETE_BATCH))
		return run_one_unordered(st, idx, op);
	switch (op) {
	case OP_LOOKUP:
		flags = gen_lookup_flags(st);
		rs = sn_map__lookup_elem_flags(st->sm, B.key, B.out[0], flags);
		rk = k_ret(bpf_map_lookup_elem_flags(st->kfd, B.key, B.out[1], flags));
		if (rs != rk)
			return diff_fail(st, idx, op, flags, rs, rk, "return codes differ");
		if (!rs && memcmp(B.out[0], B.out[1], vs)) {
			diff_fail(st, idx, op, flags, rs, rk, "values differ");
			hex("softnetd", B.out[0], vs);
			hex("kernel", B.out[1], vs);
			return false;
		}
		return true;
	case OP_UPDATE:
		flags = gen_flags(st);
		gen_value(st, B.value);
		rs = sn_map__update_elem(st->sm, B.key, B.value, flags);
		rk = k_ret(bpf_map_update_elem(st->kfd, B.key, B.value, flags));
		st->n_upd[rk == 0 ? 0 : rk == -EEXIST ? 1 : rk == -ENOENT ? 2 : rk == -E2BIG ? 3 :
			  rk == -EINVAL ? 4 : 5]++;
		break;
	case OP_DELETE:
		/* Deletes of present entries keep sparse maps from staying full. */
		if (rnd_below(st, 2) && !(c->map_flags & BPF_F_WRONLY))
			pick_present_key(st, B.key);
		rs = sn_map__delete_elem(st->sm, B.key);
		rk = k_ret(bpf_map_delete_elem(st->kfd, B.key));
		break;
	case OP_NEXT: {
		bool null_key = rnd_below(st, 10) == 0;

		/* Half the time start from a key the map holds (the kernel's next after it). */
		if (!null_key && rnd_below(st, 2) &&
		    k_ret(bpf_map_get_next_key(st->kfd, NULL, B.key2)) == 0) {
			for (uint32_t n = rnd_below(st, c->max_entries); n; n--)
				if (k_ret(bpf_map_get_next_key(st->kfd, B.key2, B.key2)))
					break;
			memcpy(B.key, B.key2, ks);
		}
		rs = sn_map__get_next_key(st->sm, null_key ? NULL : B.key, B.out[0]);
		rk = k_ret(bpf_map_get_next_key(st->kfd, null_key ? NULL : B.key, B.out[1]));
		if (rs != rk)
			return diff_fail(st, idx, op, 0, rs, rk, "return codes differ");
		if (!rs && memcmp(B.out[0], B.out[1], ks)) {
			diff_fail(st, idx, op, 0, rs, rk, "next keys differ");
			hex("softnetd", B.out[0], ks);
			hex("kernel", B.out[1], ks);
			return false;
		}
		return true;
	}
	case OP_LOOKUP_AND_DELETE:
		flags = gen_lookup_flags(st);
		rs = sn_map__lookup_and_delete_elem(st->sm, B.key, B.out[0], flags);
		rk = k_ret(bpf_map_lookup_and_delete_elem_flags(st->kfd, B.key, B.out[1], flags));
		break;
	case OP_LOOKUP_BATCH:
	case OP_LOOKUP_AND_DELETE_BATCH: {
		struct sn_map_batch_opts so = { .sz = sizeof(so) };
		LIBBPF_OPTS(bpf_map_batch_opts, ko);
		__u32 count = rnd_below(st, c->max_entries + 4), cs = count, ck = count;
		bool from_start = rnd_below(st, 3) == 0;

		so.elem_flags = ko.elem_flags = gen_batch_flags(st);
		so.flags = ko.flags = gen_batch_flags(st);
		flags = so.elem_flags | so.flags;
		memset(B.ob, 0, sizeof(B.ob));
		memset(B.outk, 0, sizeof(B.outk));
		memset(B.outv, 0, sizeof(B.outv));
		if (op == OP_LOOKUP_BATCH) {
			rs = sn_map__lookup_batch(st->sm, from_start ? NULL : B.key, B.ob[0], B.outk[0],
						  B.outv[0], &cs, &so);
			rk = k_ret(bpf_map_lookup_batch(st->kfd, from_start ? NULL : B.key, B.ob[1],
							B.outk[1], B.outv[1], &ck, &ko));
		} else {
			rs = sn_map__lookup_and_delete_batch(st->sm, from_start ? NULL : B.key,
							     B.ob[0], B.outk[0], B.outv[0], &cs,
							     &so);
			rk = k_ret(bpf_map_lookup_and_delete_batch(st->kfd,
								   from_start ? NULL : B.key,
								   B.ob[1], B.outk[1], B.outv[1],
								   &ck, &ko));
		}
		if (rs != rk)
			return diff_fail(st, idx, op, flags, rs, rk, "return codes differ");
		if (cs != ck) {
			diff_fail(st, idx, op, flags, rs, rk, "counts differ");
			fprintf(stderr, "    count in %u: softnetd %u kernel %u\n", count, cs, ck);
			return false;
		}
		if (memcmp(B.outk[0], B.outk[1], (size_t)cs * ks) ||
		    memcmp(B.outv[0], B.outv[1], (size_t)cs * vs) || memcmp(B.ob[0], B.ob[1], ks)) {
			diff_fail(st, idx, op, flags, rs, rk, "batch outputs differ");
			hex("softnetd keys", B.outk[0], (size_t)cs * ks);
			hex("kernel keys", B.outk[1], (size_t)ck * ks);
			return false;
		}
		return true;
	}
	case OP_UPDATE_BATCH:
	case OP_DELETE_BATCH: {
		struct sn_map_batch_opts so = { .sz = sizeof(so) };
		LIBBPF_OPTS(bpf_map_batch_opts, ko);
		__u32 n = rnd_below(st, 6), cs = n, ck = n;

		for (__u32 i = 0; i < n; i++) {
			gen_key(st, B.keys + (size_t)i * ks);
			gen_value(st, B.values + (size_t)i * vs);
		}
		so.elem_flags = ko.elem_flags = gen_batch_flags(st);
		so.flags = ko.flags = gen_batch_flags(st);
		flags = so.elem_flags | so.flags;
		if (op == OP_UPDATE_BATCH) {
			rs = sn_map__update_batch(st->sm, B.keys, B.values, &cs, &so);
			rk = k_ret(bpf_map_update_batch(st->kfd, B.keys, B.values, &ck, &ko));
		} else {
			rs = sn_map__delete_batch(st->sm, B.keys, &cs, &so);
			rk = k_ret(bpf_map_delete_batch(st->kfd, B.keys, &ck, &ko));
		}
		if (rs != rk)
			return diff_fail(st, idx, op, flags, rs, rk, "return codes differ");
		if (cs != ck) {
			diff_fail(st, idx, op, flags, rs, rk, "counts differ");
			fprintf(stderr, "    count in %u: softnetd %u kernel %u\n", n, cs, ck);
			return false;
		}
		return true;
	}
	}
	if (rs != rk)
		return diff_fail(st, idx, op, flags, rs, rk, "return codes differ");
	if (op == OP_LOOKUP_AND_DELETE && !rs && memcmp(B.out[0], B.out[1], vs))
		return diff_fail(st, idx, op, flags, rs, rk, "values differ");
	return true;
}

/* Every key and value of a map, by get_next_key + lookup; Return: count or -1. */
static long collect(struct diff_state *st, bool kernel, unsigned char *keys, unsigned char *vals)
{
	__u32 ks = st->cfg->key_size, vs = st->vsys;
	unsigned char prev[BUF_MAX];
	long n = 0;

	for (;;) {
		unsigned char *k = keys + (size_t)n * ks;
		int r = kernel ? k_ret(bpf_map_get_next_key(st->kfd, n ? prev : NULL, k))
			       : sn_map__get_next_key(st->sm, n ? prev : NULL, k);

		if (r == -ENOENT || r == -EPERM)
			return n;
		if (r || n >= (long)st->cfg->max_entries + 8)
			return -1;
		r = kernel ? k_ret(bpf_map_lookup_elem(st->kfd, k, vals + (size_t)n * vs))
			   : sn_map__lookup_elem(st->sm, k, vals + (size_t)n * vs);
		if (r)
			return -1;
		memcpy(prev, k, ks);
		n++;
	}
}

/* Walk both maps in get_next_key order; both must give the same keys and values. */
static bool compare_contents(struct diff_state *st, long *n_elems)
{
	const struct diff_cfg *c = st->cfg;
	static unsigned char ks_prev[2][BUF_MAX], ks_next[2][BUF_MAX];
	bool first = true;

	if (c->unordered) {
		long ns = collect(st, false, B.outk[0], B.outv[0]);
		long nk = collect(st, true, B.outk[1], B.outv[1]);

		if (ns < 0 || ns != nk) {
			fprintf(stderr, "    final: softnetd %ld elements, kernel %ld\n", ns, nk);
			return diff_fail(st, -1, OP_NEXT, 0, 0, 0, "final contents differ");
		}
		pack_sorted(st, B.keys, B.outk[0], B.outv[0], (__u32)ns);
		pack_sorted(st, B.values, B.outk[1], B.outv[1], (__u32)nk);
		*n_elems = ns;
		if (memcmp(B.keys, B.values, (size_t)ns * (c->key_size + st->vsys)))
			return diff_fail(st, -1, OP_NEXT, 0, 0, 0, "final records differ");
		return true;
	}

	*n_elems = 0;
	for (;;) {
		int rs = sn_map__get_next_key(st->sm, first ? NULL : ks_prev[0], ks_next[0]);
		int rk = k_ret(bpf_map_get_next_key(st->kfd, first ? NULL : ks_prev[1], ks_next[1]));

		if (rs != rk)
			return diff_fail(st, -1, OP_NEXT, 0, rs, rk, "final walk: codes differ");
		if (rs)
			return rs == -ENOENT || rs == -EPERM;
		if (memcmp(ks_next[0], ks_next[1], c->key_size)) {
			hex("softnetd", ks_next[0], c->key_size);
			hex("kernel", ks_next[1], c->key_size);
			return diff_fail(st, -1, OP_NEXT, 0, rs, rk, "final walk: keys differ");
		}
		memset(B.out, 0, sizeof(B.out));
		rs = sn_map__lookup_elem(st->sm, ks_next[0], B.out[0]);
		rk = k_ret(bpf_map_lookup_elem(st->kfd, ks_next[1], B.out[1]));
		if (rs != rk || (!rs && memcmp(B.out[0], B.out[1], st->vsys))) {
			memcpy(B.key, ks_next[0], c->key_size);
			return diff_fail(st, -1, OP_LOOKUP, 0, rs, rk, "final walk: values differ");
		}
		if (!rs)
			(*n_elems)++;
		memcpy(ks_prev[0], ks_next[0], c->key_size);
		memcpy(ks_prev[1], ks_next[1], c->key_size);
		first = false;
	}
}

static int diff_setup(void **state)
{
	const struct diff_cfg *c = *state;
	struct diff_state *st = calloc(1, sizeof(*st));
	struct sn_map_create_opts o = { .sz = sizeof(o), .map_flags = c->map_flags };

	if (!st)
		return -1;
	st->cfg = c;
	st->kfd = -1;
	st->sm = sn_map__create(c->type, c->label, c->key_size, c->value_size, c->max_entries, &o);
	if (!st->sm) {
		fprintf(stderr, "%s: softnetd create failed: %s\n", c->label, strerror(errno));
		free(st);
		return -1;
	}
	st->kfd = sn_map__create_kernel_twin(st->sm, NULL);
	if (st->kfd < 0) {
		fprintf(stderr, "%s: kernel create failed: %s\n", c->label, strerror(-st->kfd));
		sn_map__free(st->sm);
		free(st);
		return -1;
	}
	st->vsys = sn_map__value_size_sys(st->sm);
	st->rng = seed ^ (0x9e3779b97f4a7c15ULL * (uint64_t)(c - cfgs + 1));
	if (!st->rng)
		st->rng = 1;
	*state = st;
	return 0;
}

static int diff_teardown(void **state)
{
	struct diff_state *st = *state;

	close(st->kfd);
	sn_map__free(st->sm);
	free(st);
	return 0;
}

static void test_ops_match_kernel(void **state)
{
	struct diff_state *st = *state;
	long n = 0;

	for (long i = 0; i < DIFF_OPS; i++)
		if (!run_one(st, i))
			fail_msg("seed %" PRIu64 " map %s: mismatch at op %ld (see above)", seed,
				 st->cfg->label, i);
	if (!compare_contents(st, &n))
		fail_msg("seed %" PRIu64 " map %s: final contents differ", seed, st->cfg->label);
	print_message("%s: %d ops, %ld elements at the end, identical; updates: %ld ok, %ld EEXIST, "
		      "%ld ENOENT, %ld E2BIG, %ld EINVAL, %ld other\n",
		      st->cfg->label, DIFF_OPS, n, st->n_upd[0], st->n_upd[1], st->n_upd[2],
		      st->n_upd[3], st->n_upd[4], st->n_upd[5]);
}

/* Every creation parameter check: both sides must accept or refuse alike, with one code. */
static void test_create_checks_match_kernel(void **state)
{
	(void)state;
	static const struct {
		enum bpf_map_type type;
		__u32 ks, vs, max, flags, numa;
		const char *name;
	} defs[] = {
		{ BPF_MAP_TYPE_ARRAY, 4, 8, 4, 0, 0, "ok" },
		{ BPF_MAP_TYPE_ARRAY, 0, 8, 4, 0, 0, "k0" },
		{ BPF_MAP_TYPE_ARRAY, 8, 8, 4, 0, 0, "k8" },
		{ BPF_MAP_TYPE_ARRAY, 4, 0, 4, 0, 0, "v0" },
		{ BPF_MAP_TYPE_ARRAY, 4, 8, 0, 0, 0, "m0" },
		{ BPF_MAP_TYPE_ARRAY, 4, 8, 4, BPF_F_NO_PREALLOC, 0, "np" },
		{ BPF_MAP_TYPE_ARRAY, 4, 8, 4, SOFTNET_F_LPM_PREALLOC, 0, "ext" },
		{ BPF_MAP_TYPE_ARRAY, 4, 8, 4, BPF_F_RDONLY | BPF_F_WRONLY, 0, "rw" },
		{ BPF_MAP_TYPE_ARRAY, 0, 8, 4, BPF_F_RDONLY | BPF_F_WRONLY, 0, "rwk0" },
		{ BPF_MAP_TYPE_ARRAY, 4, 8, 4, BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG, 0, "pp" },
		{ BPF_MAP_TYPE_ARRAY, 4, 8, 4, BPF_F_NUMA_NODE, 1, "numa1" },
		{ BPF_MAP_TYPE_ARRAY, 4, 8, 4, BPF_F_NUMA_NODE, 0, "numa0" },
		{ BPF_MAP_TYPE_ARRAY, 4, 8, 4, BPF_F_NUMA_NODE, (__u32)-1, "numa_none" },
		{ BPF_MAP_TYPE_ARRAY, 4, 8, 4, BPF_F_MMAPABLE, 0, "mmap" },
		{ BPF_MAP_TYPE_ARRAY, 4, 8, 4, BPF_F_INNER_MAP, 0, "inner" },
		{ BPF_MAP_TYPE_ARRAY, 4, 8, 4, BPF_F_PRESERVE_ELEMS, 0, "pres" },
		{ BPF_MAP_TYPE_ARRAY, 4, 8, 4, BPF_F_ZERO_SEED, 0, "zs" },
		{ BPF_MAP_TYPE_ARRAY, 4, 8, 4, 0, 0, "a-b" },
		{ BPF_MAP_TYPE_ARRAY, 0, 8, 4, 0, 0, "bad-name-k0" },
		{ BPF_MAP_TYPE_ARRAY, 4, 8, 4, 0, 0, "a.b_c" },
		{ BPF_MAP_TYPE_ARRAY, 4, 8, 4, 0, 0, "0123456789abcdefghij" },
		{ BPF_MAP_TYPE_ARRAY, 4, 0x80000000u, 1, 0, 0, "vbig" },
		{ BPF_MAP_TYPE_PERCPU_ARRAY, 4, 32768, 4, 0, 0, "pc32k" },
		{ BPF_MAP_TYPE_PERCPU_ARRAY, 4, 32761, 4, 0, 0, "pc32761" },
		{ BPF_MAP_TYPE_PERCPU_ARRAY, 4, 32769, 4, 0, 0, "pc32769" },
		{ BPF_MAP_TYPE_PERCPU_ARRAY, 4, 8, 4, BPF_F_MMAPABLE, 0, "pcmmap" },
		{ BPF_MAP_TYPE_PERCPU_ARRAY, 4, 8, 4, BPF_F_INNER_MAP, 0, "pcinner" },
		{ BPF_MAP_TYPE_PERCPU_ARRAY, 4, 8, 4, BPF_F_NUMA_NODE, 0, "pcnuma" },
		{ BPF_MAP_TYPE_PERCPU_ARRAY, 4, 8, 4, BPF_F_NUMA_NODE, (__u32)-1, "pcnuma_none" },
		{ BPF_MAP_TYPE_PERCPU_ARRAY, 4, 0xffffffffu, 1, 0, 0, "pcvbig" },
		{ BPF_MAP_TYPE_LPM_TRIE, 8, 8, 4, 0, 0, "lpm_prealloc" },
		{ BPF_MAP_TYPE_LPM_TRIE, 8, 8, 4, BPF_F_NO_PREALLOC, 0, "lpm" },
		{ BPF_MAP_TYPE_LPM_TRIE, 4, 8, 4, BPF_F_NO_PREALLOC, 0, "lpmk4" },
		{ BPF_MAP_TYPE_LPM_TRIE, 5, 8, 4, BPF_F_NO_PREALLOC, 0, "lpmk5" },
		{ BPF_MAP_TYPE_LPM_TRIE, 260, 8, 4, BPF_F_NO_PREALLOC, 0, "lpmk260" },
		{ BPF_MAP_TYPE_LPM_TRIE, 261, 8, 4, BPF_F_NO_PREALLOC, 0, "lpmk261" },
		{ BPF_MAP_TYPE_LPM_TRIE, 8, 0, 4, BPF_F_NO_PREALLOC, 0, "lpmv0" },
		{ BPF_MAP_TYPE_LPM_TRIE, 8, 8, 0, BPF_F_NO_PREALLOC, 0, "lpmm0" },
		{ BPF_MAP_TYPE_LPM_TRIE, 8, (4 << 20) - 256 - 24, 4, BPF_F_NO_PREALLOC, 0, "lpmvmax" },
		{ BPF_MAP_TYPE_LPM_TRIE, 8, (4 << 20) - 256 - 23, 4, BPF_F_NO_PREALLOC, 0, "lpmvbig" },
		{ BPF_MAP_TYPE_LPM_TRIE, 8, 8, 4, BPF_F_NO_PREALLOC | BPF_F_MMAPABLE, 0, "lpmmm" },
		{ BPF_MAP_TYPE_LPM_TRIE, 8, 8, 4, BPF_F_NO_PREALLOC | BPF_F_RDONLY_PROG, 0, "lpmro" },
		{ BPF_MAP_TYPE_LPM_TRIE, 8, 8, 4, BPF_F_NO_PREALLOC | BPF_F_NUMA_NODE, 0, "lpmnuma" },
		{ BPF_MAP_TYPE_DEVMAP, 4, 4, 4, 0, 0, "dm4" },
		{ BPF_MAP_TYPE_DEVMAP, 4, 8, 4, 0, 0, "dm8" },
		{ BPF_MAP_TYPE_DEVMAP, 4, 12, 4, 0, 0, "dm12" },
		{ BPF_MAP_TYPE_DEVMAP, 4, 0, 4, 0, 0, "dm0" },
		{ BPF_MAP_TYPE_DEVMAP, 8, 4, 4, 0, 0, "dmk8" },
		{ BPF_MAP_TYPE_DEVMAP, 4, 4, 0, 0, 0, "dmm0" },
		{ BPF_MAP_TYPE_DEVMAP, 4, 4, 4, BPF_F_NO_PREALLOC, 0, "dmnp" },
		{ BPF_MAP_TYPE_DEVMAP, 4, 4, 4, BPF_F_RDONLY, 0, "dmro" },
		{ BPF_MAP_TYPE_DEVMAP, 4, 4, 4, BPF_F_WRONLY, 0, "dmwo" },
		{ BPF_MAP_TYPE_DEVMAP, 4, 4, 4, BPF_F_RDONLY_PROG, 0, "dmrop" },
		{ BPF_MAP_TYPE_DEVMAP, 4, 4, 4, BPF_F_WRONLY_PROG, 0, "dmwop" },
		{ BPF_MAP_TYPE_DEVMAP, 4, 4, 4, BPF_F_NUMA_NODE, 0, "dmnuma" },
		{ BPF_MAP_TYPE_DEVMAP_HASH, 4, 4, 4, 0, 0, "dh4" },
		{ BPF_MAP_TYPE_DEVMAP_HASH, 4, 8, 4, 0, 0, "dh8" },
		{ BPF_MAP_TYPE_DEVMAP_HASH, 4, 4, 0x80000001u, 0, 0, "dhbig" },
		{ BPF_MAP_TYPE_DEVMAP_HASH, 4, 4, 4, BPF_F_NO_PREALLOC, 0, "dhnp" },
		{ BPF_MAP_TYPE_CPUMAP, 4, 4, 4, 0, 0, "cm4" },
		{ BPF_MAP_TYPE_CPUMAP, 4, 8, 4, 0, 0, "cm8" },
		{ BPF_MAP_TYPE_CPUMAP, 4, 12, 4, 0, 0, "cm12" },
		{ BPF_MAP_TYPE_CPUMAP, 8, 4, 4, 0, 0, "cmk8" },
		{ BPF_MAP_TYPE_CPUMAP, 4, 4, 0, 0, 0, "cmm0" },
		{ BPF_MAP_TYPE_CPUMAP, 4, 4, SN_CPUMAP_NR_CPUS, 0, 0, "cmmax" },
		{ BPF_MAP_TYPE_CPUMAP, 4, 4, SN_CPUMAP_NR_CPUS + 1, 0, 0, "cmbig" },
		{ BPF_MAP_TYPE_CPUMAP, 4, 4, 4, BPF_F_NUMA_NODE, 0, "cmnuma" },
		{ BPF_MAP_TYPE_CPUMAP, 4, 4, 4, BPF_F_RDONLY, 0, "cmro" },
		{ BPF_MAP_TYPE_CPUMAP, 4, 4, 4, BPF_F_RDONLY_PROG, 0, "cmrop" },
		{ BPF_MAP_TYPE_CPUMAP, 0, 4, 0, BPF_F_NUMA_NODE, 1, "cmbad" },
		{ BPF_MAP_TYPE_HASH, 4, 8, 4, 0, 0, "h" },
		{ BPF_MAP_TYPE_HASH, 0, 8, 4, 0, 0, "hk0" },
		{ BPF_MAP_TYPE_HASH, 4, 0, 4, 0, 0, "hv0" },
		{ BPF_MAP_TYPE_HASH, 4, 8, 0, 0, 0, "hm0" },
		{ BPF_MAP_TYPE_HASH, 513, 8, 4, 0, 0, "hk513" },
		{ BPF_MAP_TYPE_HASH, 4, (4 << 20) - 4 - 48, 1, 0, 0, "hvbig" },
		{ BPF_MAP_TYPE_HASH, 4, (4 << 20) - 4 - 49, 1, BPF_F_NO_PREALLOC, 0, "hvmax" },
		{ BPF_MAP_TYPE_HASH, 4, 8, 4, BPF_F_NO_PREALLOC, 0, "hnp" },
		{ BPF_MAP_TYPE_HASH, 4, 8, 4, BPF_F_NO_COMMON_LRU, 0, "hnc" },
		{ BPF_MAP_TYPE_HASH, 4, 8, 4, BPF_F_ZERO_SEED, 0, "hzs" },
		{ BPF_MAP_TYPE_HASH, 4, 8, 4, BPF_F_MMAPABLE, 0, "hmm" },
		{ BPF_MAP_TYPE_HASH, 4, 8, 4, BPF_F_NUMA_NODE, 0, "hnuma" },
		{ BPF_MAP_TYPE_HASH, 4, 8, 4, BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG, 0, "hpp" },
		{ BPF_MAP_TYPE_HASH, 4, 8, 0x80000001u, BPF_F_NO_PREALLOC, 0, "hbig" },
		{ BPF_MAP_TYPE_HASH, 0, 8, 4, BPF_F_MMAPABLE, 0, "hk0mm" },
		{ BPF_MAP_TYPE_PERCPU_HASH, 4, 8, 4, 0, 0, "ph" },
		{ BPF_MAP_TYPE_PERCPU_HASH, 4, 32768, 4, 0, 0, "ph32k" },
		{ BPF_MAP_TYPE_PERCPU_HASH, 4, 32769, 4, 0, 0, "ph32769" },
		{ BPF_MAP_TYPE_PERCPU_HASH, 4, 8, 4, BPF_F_NUMA_NODE, 0, "phnuma" },
		{ BPF_MAP_TYPE_PERCPU_HASH, 4, 8, 4, BPF_F_NO_PREALLOC, 0, "phnp" },
		{ BPF_MAP_TYPE_LRU_HASH, 4, 8, 4, 0, 0, "lh" },
		{ BPF_MAP_TYPE_LRU_HASH, 4, 8, 4, BPF_F_NO_PREALLOC, 0, "lhnp" },
		{ BPF_MAP_TYPE_LRU_HASH, 0, 8, 4, BPF_F_NO_PREALLOC, 0, "lhnpk0" },
		{ BPF_MAP_TYPE_LRU_HASH, 4, 8, 4, BPF_F_NO_COMMON_LRU, 0, "lhnc" },
		{ BPF_MAP_TYPE_LRU_HASH, 4, 8, 3, BPF_F_NO_COMMON_LRU, 0, "lhnc3" },
		{ BPF_MAP_TYPE_LRU_HASH, 4, 8, 4, BPF_F_NO_COMMON_LRU | BPF_F_NUMA_NODE, 0, "lhncn" },
		{ BPF_MAP_TYPE_LRU_HASH, 4, 8, 4, BPF_F_NUMA_NODE, 0, "lhnuma" },
		{ BPF_MAP_TYPE_LRU_PERCPU_HASH, 4, 8, 4, 0, 0, "lph" },
		{ BPF_MAP_TYPE_LRU_PERCPU_HASH, 4, 8, 4, BPF_F_NUMA_NODE, 0, "lphnuma" },
		{ BPF_MAP_TYPE_LRU_PERCPU_HASH, 4, 32769, 4, 0, 0, "lph32769" },
		{ (enum bpf_map_type)999, 4, 4, 4, 0, 0, "t999" },
		{ BPF_MAP_TYPE_UNSPEC, 4, 4, 4, 0, 0, "t0" },
	};
	int bad = 0;

	for (size_t i = 0; i < ARRAY_SIZE(defs); i++) {
		struct sn_map_create_opts so = { .sz = sizeof(so), .map_flags = defs[i].flags,
						 .numa_node = defs[i].numa };
		LIBBPF_OPTS(bpf_map_create_opts, ko);
		__u32 kflags = defs[i].flags;
		struct sn_map *m;
		int rs, rk;

		/* The extension is translated for the kernel only on LPM (as the twin does). */
		if (defs[i].type == BPF_MAP_TYPE_LPM_TRIE && (kflags & SOFTNET_F_LPM_PREALLOC))
			kflags = (kflags & ~SOFTNET_F_LPM_PREALLOC) | BPF_F_NO_PREALLOC;
		ko.map_flags = kflags;
		ko.numa_node = defs[i].numa;
		m = sn_map__create(defs[i].type, defs[i].name, defs[i].ks, defs[i].vs, defs[i].max,
				   &so);
		rs = m ? 0 : -errno;
		rk = k_ret(bpf_map_create(defs[i].type, defs[i].name, defs[i].ks, defs[i].vs,
					  defs[i].max, &ko));
		if (rk >= 0) {
			close(rk);
			rk = 0;
		}
		if (rs != rk) {
			fprintf(stderr, "create %s (type %d ks %u vs %u max %u flags %#x): "
					"softnetd %d kernel %d\n",
				defs[i].name, defs[i].type, defs[i].ks, defs[i].vs, defs[i].max,
				defs[i].flags, rs, rk);
			bad++;
		}
		sn_map__free(m);
	}
	assert_int_equal(bad, 0);
}

/* The twin: pinned in bpffs with the map's elements, readable through the pin; pin removed. */
static void test_kernel_twin_pinned(void **state)
{
	(void)state;
	struct sn_map_twin_opts to = { .sz = sizeof(to), .copy_elems = true };
	struct sn_map_create_opts o = { .sz = sizeof(o), .map_flags = SOFTNET_F_LPM_PREALLOC };
	struct { __u32 pl; __u8 d[4]; } key = { 24, { 10, 1, 2, 0 } };
	char path[128];
	__u32 v = 42, got = 0;
	struct sn_map *m;
	int fd, pfd, err;

	if (sn_bpffs_mount(NULL)) {
		print_message("skipped: cannot mount bpffs at " SN_BPFFS_DEFAULT "\n");
		skip();
	}
	m = sn_map__create(BPF_MAP_TYPE_LPM_TRIE, "sn_twin", 8, 4, 16, &o);
	assert_non_null(m);
	assert_int_equal(sn_map__update_elem(m, &key, &v, BPF_ANY), 0);
	snprintf(path, sizeof(path), SN_BPFFS_DEFAULT "/softnetd_test_twin_%d", (int)getpid());
	unlink(path);
	to.pin_path = path;
	fd = sn_map__create_kernel_twin(m, &to);
	assert_true(fd >= 0);
	pfd = bpf_obj_get(path);
	/* Remove the pin before any assertion can end the test. */
	err = unlink(path);
	close(fd);
	assert_int_equal(err, 0);
	assert_true(pfd >= 0);
	key.d[3] = 77; /* a longest-prefix match inside 10.1.2.0/24 */
	err = bpf_map_lookup_elem(pfd, &key, &got);
	close(pfd);
	sn_map__free(m);
	assert_int_equal(err, 0);
	assert_int_equal(got, 42);
}

int main(void)
{
	struct CMUnitTest tests[ARRAY_SIZE(cfgs) + 2];
	const char *env = getenv("SN_DIFF_SEED");
	size_t n = 0;
	int probe;

	probe = bpf_map_create(BPF_MAP_TYPE_ARRAY, NULL, 4, 4, 1, NULL);
	if (probe < 0) {
		int e = probe == -1 ? errno : -probe;

		if (e == ENOSYS || e == EPERM || e == EACCES) {
			printf("skipped: bpf(2) unavailable here (%s)\n", strerror(e));
			return 77;
		}
	} else {
		close(probe);
	}
	/*
	 * One CPU for both sides: the LRU maps' local lists are per CPU, so the kernel's eviction
	 * choices are reproducible only when every syscall runs on the same CPU.
	 */
	{
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(0, &set);
		if (sched_setaffinity(0, sizeof(set), &set))
			perror("sched_setaffinity");
	}
	seed = env ? strtoull(env, NULL, 0) : (uint64_t)tu_now_ns();
	printf("differential seed: %" PRIu64 " (re-run with SN_DIFF_SEED=%" PRIu64 ")\n", seed,
	       seed);

	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_create_checks_match_kernel);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_kernel_twin_pinned);
	for (size_t i = 0; i < ARRAY_SIZE(cfgs); i++) {
		tests[n] = (struct CMUnitTest){
			.name = cfgs[i].label,
			.test_func = test_ops_match_kernel,
			.setup_func = diff_setup,
			.teardown_func = diff_teardown,
			.initial_state = (void *)&cfgs[i],
		};
		n++;
	}
	return _cmocka_run_group_tests("maps_differential", tests, n, NULL, NULL);
}
