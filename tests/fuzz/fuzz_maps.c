// SPDX-License-Identifier: GPL-2.0-only
/*
 * fuzz_maps.c - random sequences of map operations against a reference model (maps/map.h).
 *
 * Input: byte 0 picks the map (type, flags, max_entries 1..8 or so, value size); the rest is a
 * sequence of operations, each an opcode byte followed by the bytes it needs (a key byte or
 * three, a value seed, flags). Missing bytes read as zero, so every input is a valid program.
 *
 * Types: HASH, PERCPU_HASH (prealloc and BPF_F_NO_PREALLOC), LRU_HASH, LRU_PERCPU_HASH (common
 * LRU and BPF_F_NO_COMMON_LRU), ARRAY, PERCPU_ARRAY, LPM_TRIE (SOFTNET_F_LPM_PREALLOC and
 * BPF_F_NO_PREALLOC). Operations: syscall update (BPF_ANY / NOEXIST / EXIST / an unknown flag
 * bit, 8: BPF_F_LOCK (4) is left out, its place among the checks differs between bpf(2) and the
 * helpers per type, which tests/unit/maps/test_differential.c measures against the kernel),
 * delete, lookup, lookup_and_delete, get_next_key from a key; datapath lookup, update, delete
 * (per-CPU maps: lookup only, of this CPU's slot).
 *
 * The model is a small array of (key, value) with the kernel's rules of map.h and each type's
 * file: return codes in the kernel's order of checks (bad flags -EINVAL, NOEXIST on a present key
 * -EEXIST, EXIST on an absent one -ENOENT, a full hash -E2BIG, a full trie -ENOSPC, array index
 * out of range -E2BIG, array delete -EINVAL), LPM lookups as longest-prefix matches. LRU maps
 * may evict on an update (also a failing one, map_lru.c): after an LRU update every key the map
 * lost is dropped from the model, but no other operation may lose a key, and no key may appear
 * that the model does not have.
 *
 * After every operation the whole map is checked: a get_next_key walk from NULL visits every key
 * exactly once and ends with -ENOENT within max_entries + 1 steps, the walk's set is the model's,
 * each value read back equals the model's, the element count never exceeds max_entries.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bhlock/bhlock.h"
#include "maps/map.h"

#define CHECK(cond, ...)                                                                           \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "fuzz_maps: %s:%d: %s: check failed: %s: ", __FILE__,       \
				__LINE__, cur_desc, #cond);                                        \
			fprintf(stderr, __VA_ARGS__);                                              \
			fputc('\n', stderr);                                                       \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

#define MAX_OPS 256
#define MAX_ELEMS 16
#define KEY_MAX 8         /* HASH: 4 bytes; LPM: 4 + 2 */
#define VAL_SYS_MAX 2048  /* per-CPU values: round_up(vs, 8) * nr_cpu_ids */
#define LPM_DATA 2
#define LPM_MAXLEN (8 * LPM_DATA)

enum kind { K_HASH, K_LRU, K_ARRAY, K_LPM };

struct mdesc {
	const char *name;
	enum bpf_map_type type;
	enum kind kind;
	__u32 flags;
	bool percpu;
};

static const struct mdesc descs[] = {
	{ "hash", BPF_MAP_TYPE_HASH, K_HASH, 0, false },
	{ "hash-noprealloc", BPF_MAP_TYPE_HASH, K_HASH, BPF_F_NO_PREALLOC, false },
	{ "percpu-hash", BPF_MAP_TYPE_PERCPU_HASH, K_HASH, 0, true },
	{ "percpu-hash-noprealloc", BPF_MAP_TYPE_PERCPU_HASH, K_HASH, BPF_F_NO_PREALLOC, true },
	{ "lru", BPF_MAP_TYPE_LRU_HASH, K_LRU, 0, false },
	{ "lru-nocommon", BPF_MAP_TYPE_LRU_HASH, K_LRU, BPF_F_NO_COMMON_LRU, false },
	{ "lru-percpu", BPF_MAP_TYPE_LRU_PERCPU_HASH, K_LRU, 0, true },
	{ "array", BPF_MAP_TYPE_ARRAY, K_ARRAY, 0, false },
	{ "percpu-array", BPF_MAP_TYPE_PERCPU_ARRAY, K_ARRAY, 0, true },
	{ "lpm-prealloc", BPF_MAP_TYPE_LPM_TRIE, K_LPM, SOFTNET_F_LPM_PREALLOC, false },
	{ "lpm-noprealloc", BPF_MAP_TYPE_LPM_TRIE, K_LPM, BPF_F_NO_PREALLOC, false },
};
#define NR_DESCS (sizeof(descs) / sizeof(descs[0]))

static const char *cur_desc = "?";

struct elem {
	uint8_t key[KEY_MAX]; /* LPM: host bits past the prefix cleared */
	uint8_t val[VAL_SYS_MAX];
};

struct model {
	const struct mdesc *d;
	struct sn_map *map;
	__u32 ks, vs, vs_sys, max;
	unsigned int n;
	struct elem e[MAX_ELEMS];
};

/* ---- input ------------------------------------------------------------------------------ */

struct in {
	const uint8_t *p;
	size_t n, off;
};

static uint8_t next(struct in *in)
{
	return in->off < in->n ? in->p[in->off++] : 0;
}

/* ---- keys and values -------------------------------------------------------------------- */

/* HASH/LRU: 16 distinct keys in 4 bytes; ARRAY: an index, sometimes past the end. */
static void make_key(const struct model *m, struct in *in, uint8_t *key)
{
	uint8_t b = next(in);

	memset(key, 0, KEY_MAX);
	if (m->d->kind == K_LPM) {
		__u32 plen = b % (LPM_MAXLEN + 3); /* up to max + 2: invalid lengths too */

		memcpy(key, &plen, 4);
		key[4] = next(in);
		key[5] = next(in);
	} else if (m->d->kind == K_ARRAY) {
		__u32 idx = b % (m->max + 2);

		if (b == 0xff)
			idx = 0xffffffffu;
		memcpy(key, &idx, 4);
	} else {
		key[0] = b & 0x0f;
		key[3] = (b & 0x10) ? 0x80 : 0;
	}
}

static __u32 lpm_plen(const uint8_t *key)
{
	__u32 plen;

	memcpy(&plen, key, 4);
	return plen;
}

/* The first @plen bits of @a and @b agree (LPM data). */
static bool lpm_match(const uint8_t *a, const uint8_t *b, __u32 plen)
{
	for (__u32 i = 0; i < plen; i++) {
		uint8_t m = (uint8_t)(0x80 >> (i % 8));

		if ((a[i / 8] & m) != (b[i / 8] & m))
			return false;
	}
	return true;
}

/* A key as the model stores it: LPM host bits cleared, so equal prefixes compare equal. */
static void canon_key(const struct model *m, const uint8_t *key, uint8_t *out)
{
	memcpy(out, key, KEY_MAX);
	if (m->d->kind == K_LPM) {
		__u32 plen = lpm_plen(key);

		for (__u32 i = plen; i < LPM_MAXLEN; i++)
			out[4 + i / 8] &= (uint8_t)~(0x80 >> (i % 8));
	}
}

static void make_value(const struct model *m, uint8_t seed, uint8_t *val, bool sys)
{
	__u32 n = sys ? m->vs_sys : m->vs;

	memset(val, 0, VAL_SYS_MAX);
	for (__u32 i = 0; i < n; i++)
		val[i] = (uint8_t)(seed * 7 + i * 31 + 1);
	if (sys && m->d->percpu) {
		/* Padding of each slot is kept as given (map_array.c); make it distinct too. */
		for (__u32 i = 0; i < n; i++)
			val[i] = (uint8_t)(val[i] ^ (i / ((m->vs + 7) & ~7u)));
	}
}

/* ---- the model -------------------------------------------------------------------------- */

static int find_exact(const struct model *m, const uint8_t *key)
{
	uint8_t c[KEY_MAX];

	canon_key(m, key, c);
	for (unsigned int i = 0; i < m->n; i++)
		if (!memcmp(m->e[i].key, c, m->ks))
			return (int)i;
	return -1;
}

/* LPM: the entry with the longest prefix <= key's that matches; -1 if none. */
static int find_lpm(const struct model *m, const uint8_t *key)
{
	__u32 plen = lpm_plen(key);
	int best = -1;

	if (plen > LPM_MAXLEN)
		return -1;
	for (unsigned int i = 0; i < m->n; i++) {
		__u32 p = lpm_plen(m->e[i].key);

		if (p <= plen && lpm_match(m->e[i].key + 4, key + 4, p) &&
		    (best < 0 || p > lpm_plen(m->e[best].key)))
			best = (int)i;
	}
	return best;
}

static int find_lookup(const struct model *m, const uint8_t *key)
{
	return m->d->kind == K_LPM ? find_lpm(m, key) : find_exact(m, key);
}

static void model_remove(struct model *m, int i)
{
	m->e[i] = m->e[m->n - 1];
	m->n--;
}

static void model_set(struct model *m, const uint8_t *key, const uint8_t *val_sys)
{
	int i = find_exact(m, key);

	if (i < 0) {
		CHECK(m->n < MAX_ELEMS, "model overflow");
		i = (int)m->n++;
		canon_key(m, key, m->e[i].key);
	}
	memcpy(m->e[i].val, val_sys, m->vs_sys);
}

/* The syscall-side value the model expects after a datapath write of @val (non-per-CPU only). */
static void dp_to_sys(const struct model *m, const uint8_t *val, uint8_t *sys)
{
	memset(sys, 0, VAL_SYS_MAX);
	memcpy(sys, val, m->vs);
}

/* ---- whole-map check -------------------------------------------------------------------- */

/*
 * Walk the map and compare with the model. @may_lose (LRU after an update): model keys the map
 * no longer has are dropped from the model instead of failing.
 */
static void check_map(struct model *m, bool may_lose)
{
	uint8_t key[KEY_MAX], next_key[KEY_MAX], val[VAL_SYS_MAX];
	bool seen[MAX_ELEMS] = { false };
	unsigned int steps = 0, found = 0;
	const void *prev = NULL;
	int rc;

	for (;;) {
		memset(next_key, 0, sizeof(next_key));
		rc = sn_map__get_next_key(m->map, prev, next_key);
		if (rc == -ENOENT)
			break;
		CHECK(rc == 0, "get_next_key returned %d", rc);
		CHECK(++steps <= m->max, "get_next_key walk longer than max_entries %u", m->max);
		if (m->d->kind == K_ARRAY) {
			__u32 idx;

			memcpy(&idx, next_key, 4);
			CHECK(idx == steps - 1, "array walk gave index %u at step %u", idx, steps);
		} else {
			int i = find_exact(m, next_key);
			uint8_t c[KEY_MAX];

			canon_key(m, next_key, c);
			CHECK(i >= 0, "the walk found a key the model does not have (%02x%02x%02x%02x%02x%02x)",
			      c[0], c[1], c[2], c[3], c[4], c[5]);
			CHECK(!seen[i], "the walk visited a key twice");
			seen[i] = true;
			found++;
			memset(val, 0, sizeof(val));
			rc = sn_map__lookup_elem(m->map, next_key, val);
			CHECK(rc == 0, "a walked key does not look up: %d", rc);
			if (m->d->kind != K_LPM || lpm_plen(next_key) <= LPM_MAXLEN)
				CHECK(!memcmp(val, m->e[i].val, m->vs_sys), "value differs from the model");
		}
		memcpy(key, next_key, sizeof(key));
		prev = key;
	}
	if (m->d->kind == K_ARRAY) {
		CHECK(steps == m->max, "array walk had %u of %u indices", steps, m->max);
		for (__u32 idx = 0; idx < m->max; idx++) {
			int i;

			memset(key, 0, sizeof(key));
			memcpy(key, &idx, 4);
			i = find_exact(m, key);
			memset(val, 0, sizeof(val));
			CHECK(sn_map__lookup_elem(m->map, key, val) == 0, "array index %u missing", idx);
			if (i >= 0)
				CHECK(!memcmp(val, m->e[i].val, m->vs_sys), "array value %u differs", idx);
			else
				CHECK(!memcmp(val, (uint8_t[VAL_SYS_MAX]){ 0 }, m->vs_sys),
				      "array index %u never written is not zero", idx);
		}
		return;
	}
	for (int i = (int)m->n - 1; i >= 0; i--) {
		if (seen[i])
			continue;
		CHECK(may_lose, "the walk missed a key the model has (%u of %u found)", found, m->n);
		model_remove(m, i);
	}
	CHECK(m->n <= m->max, "%u elements in a map of %u", m->n, m->max);
}

/* ---- operations ------------------------------------------------------------------------- */

static int expect_update(const struct model *m, const uint8_t *key, __u64 flags, bool full_new)
{
	int i = find_exact(m, key);

	if (flags > BPF_EXIST)
		return -EINVAL;
	switch (m->d->kind) {
	case K_ARRAY: {
		__u32 idx;

		memcpy(&idx, key, 4);
		if (idx >= m->max)
			return -E2BIG;
		return flags == BPF_NOEXIST ? -EEXIST : 0;
	}
	case K_LPM:
		if (lpm_plen(key) > LPM_MAXLEN)
			return -EINVAL;
		/* fall through */
	case K_HASH:
	case K_LRU:
		if (i >= 0 && flags == BPF_NOEXIST)
			return -EEXIST;
		if (i < 0 && flags == BPF_EXIST)
			return -ENOENT;
		if (i < 0 && full_new)
			return m->d->kind == K_LPM ? -ENOSPC : -E2BIG;
		return 0;
	}
	return -EINVAL;
}

static void op_update(struct model *m, struct in *in, bool datapath)
{
	uint8_t key[KEY_MAX], val[VAL_SYS_MAX], sys[VAL_SYS_MAX];
	uint8_t fb, seed;
	__u64 flags;
	int rc, want, had;

	make_key(m, in, key);
	seed = next(in);
	fb = next(in);
	flags = fb % 5 == 4 ? 8 : fb % 3; /* ANY, NOEXIST, EXIST, or an unknown flag */
	want = expect_update(m, key, flags, m->n >= m->max);
	had = find_exact(m, key);
	if (datapath) {
		make_value(m, seed, val, false);
		rc = (int)sn_map_update_elem(m->map, key, val, flags);
		dp_to_sys(m, val, sys);
	} else {
		make_value(m, seed, sys, true);
		rc = sn_map__update_elem(m->map, key, sys, flags);
	}
	if (m->d->kind == K_LRU) {
		/* May evict (before the flag check, the key itself included): see map_lru.c. */
		uint8_t got[VAL_SYS_MAX];
		int grc;

		CHECK(rc == 0 || rc == -EINVAL || rc == -EEXIST || rc == -ENOENT || rc == -ENOMEM,
		      "LRU update returned %d", rc);
		if (flags > BPF_EXIST)
			CHECK(rc == -EINVAL, "LRU update with a bad flag returned %d", rc);
		if (rc == -EEXIST)
			CHECK(had >= 0, "LRU -EEXIST for a key the model lacks");
		if (rc == -ENOENT && had < 0)
			CHECK(flags == BPF_EXIST, "LRU -ENOENT with flags %llu", (unsigned long long)flags);
		memset(got, 0, sizeof(got));
		grc = sn_map__lookup_elem(m->map, key, got);
		if (rc == 0) {
			CHECK(grc == 0, "LRU: updated key not found (%d)", grc);
			model_set(m, key, sys);
			if (!datapath || !m->d->percpu)
				CHECK(!memcmp(got, sys, m->vs_sys), "LRU: updated value differs");
		} else if (grc != 0 && had >= 0) {
			model_remove(m, had); /* evicted */
		}
		check_map(m, true);
		return;
	}
	CHECK(rc == want, "update (flags %llu, %s) returned %d, expected %d",
	      (unsigned long long)flags, datapath ? "datapath" : "syscall", rc, want);
	if (rc == 0)
		model_set(m, key, sys);
	check_map(m, false);
}

static void op_delete(struct model *m, struct in *in, bool datapath)
{
	uint8_t key[KEY_MAX];
	int i, rc, want;

	make_key(m, in, key);
	i = find_exact(m, key);
	if (m->d->kind == K_ARRAY)
		want = -EINVAL;
	else if (m->d->kind == K_LPM && lpm_plen(key) > LPM_MAXLEN)
		want = -EINVAL;
	else
		want = i >= 0 ? 0 : -ENOENT;
	rc = datapath ? (int)sn_map_delete_elem(m->map, key) : sn_map__delete_elem(m->map, key);
	CHECK(rc == want, "delete returned %d, expected %d", rc, want);
	if (rc == 0)
		model_remove(m, i);
	check_map(m, false);
}

static void op_lookup(struct model *m, struct in *in, bool datapath)
{
	uint8_t key[KEY_MAX], val[VAL_SYS_MAX];
	int i, rc;

	make_key(m, in, key);
	i = find_lookup(m, key);
	if (m->d->kind == K_ARRAY) {
		__u32 idx;

		memcpy(&idx, key, 4);
		if (idx < m->max && i < 0) {
			/* Never written: zero. */
			const uint8_t *p;

			if (datapath) {
				p = sn_map_lookup_elem(m->map, key);
				CHECK(p && !memcmp(p, (uint8_t[VAL_SYS_MAX]){ 0 }, m->vs),
				      "array index %u not zero", idx);
			} else {
				CHECK(sn_map__lookup_elem(m->map, key, val) == 0, "array lookup failed");
			}
			check_map(m, false);
			return;
		}
	}
	if (datapath) {
		const uint8_t *p = sn_map_lookup_elem(m->map, key);

		CHECK((p != NULL) == (i >= 0), "datapath lookup %s, model %s", p ? "found" : "missed",
		      i >= 0 ? "has it" : "does not");
		/* This CPU's slot (pinned to CPU 0): the first value_size bytes. */
		if (p)
			CHECK(!memcmp(p, m->e[i].val, m->vs), "datapath value differs");
	} else {
		memset(val, 0, sizeof(val));
		rc = sn_map__lookup_elem(m->map, key, val);
		CHECK(rc == (i >= 0 ? 0 : -ENOENT), "lookup returned %d, model %s", rc,
		      i >= 0 ? "has it" : "does not");
		if (!rc)
			CHECK(!memcmp(val, m->e[i].val, m->vs_sys), "lookup value differs");
	}
	check_map(m, false);
}

static void op_lookup_and_delete(struct model *m, struct in *in)
{
	uint8_t key[KEY_MAX], val[VAL_SYS_MAX];
	int i, rc;

	make_key(m, in, key);
	i = find_exact(m, key);
	memset(val, 0, sizeof(val));
	rc = sn_map__lookup_and_delete_elem(m->map, key, val, 0);
	if (m->d->kind == K_ARRAY || m->d->kind == K_LPM) {
		CHECK(rc != 0, "lookup_and_delete succeeded on a %s", m->d->name);
	} else {
		CHECK(rc == (i >= 0 ? 0 : -ENOENT), "lookup_and_delete returned %d", rc);
		if (!rc) {
			CHECK(!memcmp(val, m->e[i].val, m->vs_sys), "lookup_and_delete value differs");
			model_remove(m, i);
		}
	}
	check_map(m, false);
}

static void op_next_key(struct model *m, struct in *in)
{
	uint8_t key[KEY_MAX], nk[KEY_MAX];
	int rc;

	make_key(m, in, key);
	rc = sn_map__get_next_key(m->map, key, nk);
	CHECK(rc == 0 || rc == -ENOENT, "get_next_key returned %d", rc);
	if (rc == 0 && m->d->kind != K_ARRAY)
		CHECK(find_exact(m, nk) >= 0, "get_next_key gave a key the model does not have");
	if (rc == 0 && m->d->kind == K_ARRAY) {
		__u32 idx;

		memcpy(&idx, nk, 4);
		CHECK(idx < m->max, "array next index %u out of range", idx);
	}
	if (rc == -ENOENT && m->d->kind != K_ARRAY && m->d->kind != K_LPM && find_exact(m, key) < 0)
		CHECK(m->n == 0, "get_next_key of an absent key gave -ENOENT with %u keys", m->n);
	check_map(m, false);
}

/* ---- target ----------------------------------------------------------------------------- */

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	/* Per-CPU maps need a task that cannot migrate (map.h); CPU 0's slot is the datapath's. */
	if (bh_task_pin(0)) {
		fprintf(stderr, "fuzz_maps: cannot pin to CPU 0\n");
		exit(1);
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct model m; /* large: not on the stack */
	struct sn_map_create_opts o = { .sz = sizeof(o) };
	struct in in = { .p = data, .n = size };
	uint8_t cfg = next(&in);
	__u32 max;

	memset(&m, 0, sizeof(m));
	m.d = &descs[cfg % NR_DESCS];
	cur_desc = m.d->name;
	max = 1 + (cfg >> 4) % 8;
	o.map_flags = m.d->flags;
	m.ks = m.d->kind == K_LPM ? 4 + LPM_DATA : 4;
	m.vs = (cfg & 0x80) && m.d->kind != K_LPM ? 12 : 8;
	m.map = sn_map__create(m.d->type, "fuzz", m.ks, m.vs, max, &o);
	CHECK(m.map, "create failed: %s", strerror(errno));
	m.max = sn_map__max_entries(m.map);
	m.vs_sys = sn_map__value_size_sys(m.map);
	CHECK(m.vs_sys <= VAL_SYS_MAX && m.max <= MAX_ELEMS, "sizes %u/%u", m.vs_sys, m.max);
	check_map(&m, false);

	for (int n = 0; n < MAX_OPS && in.off < in.n; n++) {
		uint8_t op = next(&in);

		switch (op % 9) {
		case 0:
		case 1:
			op_update(&m, &in, false);
			break;
		case 2:
			op_delete(&m, &in, false);
			break;
		case 3:
			op_lookup(&m, &in, false);
			break;
		case 4:
			op_lookup(&m, &in, true);
			break;
		case 5:
			if (m.d->percpu)
				op_lookup(&m, &in, true);
			else
				op_update(&m, &in, true);
			break;
		case 6:
			if (m.d->percpu)
				op_lookup(&m, &in, false);
			else
				op_delete(&m, &in, true);
			break;
		case 7:
			op_lookup_and_delete(&m, &in);
			break;
		case 8:
			op_next_key(&m, &in);
			break;
		}
	}
	sn_map__free(m.map);
	return 0;
}
