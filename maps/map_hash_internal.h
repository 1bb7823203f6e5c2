/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * map_hash_internal.h - the hash table shared by HASH / PERCPU_HASH (map_hash.c) and
 * LRU_HASH / LRU_PERCPU_HASH (map_lru.c): element layout, buckets, the lock-free chain walk and
 * the bucket lock. Layout and rules follow kernel/bpf/hashtab.c (>= 6.15, KERNEL.md §7).
 *
 * Chains are singly linked and end in a "nulls" marker that names the bucket ((idx << 1) | 1),
 * as hlist_nulls. Writers change a chain only under the bucket's lock; readers walk it with
 * acquire loads and no lock. An element removed from a chain keeps its next pointer (the free
 * list link is a different field), so a reader standing on it walks on; if the element was
 * reused in another bucket the reader ends on that bucket's marker and restarts.
 *
 * Every field a lock-free reader may look at while a writer reuses the element (next, hash,
 * key, and the value on the syscall side) is read and written with relaxed atomics, word by
 * word: the race is the kernel's documented one (a reader may see another key's data), not a
 * C data race.
 */
#ifndef MAPS_MAP_HASH_INTERNAL_H
#define MAPS_MAP_HASH_INTERNAL_H

#include <stdint.h>
#include <string.h>

#include "bhlock/pcpu_freelist.h"
#include "bhlock/percpu.h"
#include "bhlock/rqspinlock.h"
#include "bhlock/rt_mutex.h"
#include "map_internal.h"

#define HTAB_CREATE_FLAG_MASK                                                                      \
	(BPF_F_NO_PREALLOC | BPF_F_NO_COMMON_LRU | BPF_F_NUMA_NODE | SN_F_ACCESS_MASK |           \
	 BPF_F_ZERO_SEED)
/* The kernel's KMALLOC_MAX_SIZE on x86-64 (order-10 pages): key + value must stay below. */
#define HTAB_KMALLOC_MAX_SIZE (1UL << 22)

/* An LRU list link (map_lru.c); unused by HASH / PERCPU_HASH. */
struct sn_lru_node {
	struct sn_lru_node *next, *prev;
	__u16 cpu;
	__u8 type; /* enum sn_lru_list_type; read unlocked by bpf_lru_push_free()'s first check */
	__u8 ref;  /* set by datapath lookups, read and cleared by list rotation (relaxed) */
	__u8 dead; /* freed while its list lock could not be taken: reclaim without the htab */
};

/*
 * 48 bytes before the key, as the kernel's: a u32 key and a u64 value make a 64-byte element,
 * and the preallocated area is cache-line aligned, so such an element is exactly one line
 * (a lookup touches one line per element it walks, a hit one line in all). What a lock-free
 * walker reads (next, hash, then the key) comes first.
 */
struct htab_elem {
	struct htab_elem *next; /* chain link or nulls marker; atomic */
	__u32 hash;             /* atomic */
	__u32 pad;
	union {
		struct pcpu_freelist_node fnode; /* while on a freelist */
		struct htab_elem *batch_flink;   /* LRU batch delete: freed after the bucket lock */
	};
	union {
		/* BPF_F_NO_PREALLOC (never an LRU type): every element ever allocated */
		struct htab_elem *alloc_next;
		struct sn_lru_node lru_node; /* LRU types (always preallocated) */
	};
	/* key, round_up(key_size, 8) bytes; then the value, or the per-CPU pointer of a per-CPU map */
	unsigned char key[] __attribute__((aligned(8)));
};
_Static_assert(sizeof(struct htab_elem) == 48, "htab_elem: the kernel's 48-byte header");

struct htab_bucket {
	struct htab_elem *first; /* atomic; changed under the lock below */
	/*
	 * Odd while a writer changes the chain (under the lock). A lookup that misses re-reads
	 * it: a change since the walk began may have moved the key behind the walker (a replace
	 * puts the new element at the head, then unlinks the old one past the walker), so it
	 * walks again. A softnetd addition: the kernel's walker can miss a key being replaced.
	 * 16 bits: a walk takes far less than 32768 changes of its chain.
	 */
	__u16 seq;
	/*
	 * The OR of htab_filter_bit() over the hashes of the chain, a softnetd addition, a
	 * superset at all times: a bit is set before an element is linked, the byte recomputed
	 * after one is unlinked, both under the lock. A lookup whose bit is clear answers "absent"
	 * without walking: a miss costs the bucket's line only, not one line per element.
	 * seq and filter live in what is padding in the kernel's 16-byte bucket. Atomic.
	 */
	__u8 filter;
	__u8 pad;
	/* Protects the chain: rqspinlock (prealloc, or every map in the vanilla profile) or, for
	 * BPF_F_NO_PREALLOC maps in the RT profiles, a PI mutex (seed: "Prepare hashtab locking
	 * for PREEMPT_RT"). */
	union {
		rqspinlock_t raw_lock;
		struct rt_mutex lock;
	};
};

struct sn_bpf_lru; /* map_lru.c */

struct sn_htab {
	struct sn_map map;
	struct htab_bucket *buckets;
	__u32 n_buckets;
	__u32 elem_size;
	__u32 hashrnd;
	bool percpu, lru, prealloc, use_raw_lock;
	void *elems;              /* prealloc: one area of N elements */
	void *pptrs;              /* per-CPU prealloc: one per-CPU area of N values */
	struct pcpu_freelist freelist; /* prealloc (non-LRU); NO_PREALLOC: recycled elements */
	struct htab_elem **extra_elems; /* per-CPU (alloc_percpu): the replace spare */
	/*
	 * Prealloc HASH / PERCPU_HASH, per CPU (alloc_percpu): one free element parked in front of
	 * this CPU's freelist head, a softnetd addition. A delete leaves its element here when the
	 * slot is empty and an insert takes it back, one atomic exchange each instead of a
	 * freelist head's lock round trip; an insert that finds the slot empty pops the freelist,
	 * and only when that is empty too looks at the other CPUs' slots, so -E2BIG still means
	 * that every element is in use. Same reuse-at-once rule as the freelist.
	 */
	struct htab_elem **free_stash;
	struct htab_elem *np_all;       /* NO_PREALLOC: all allocations (push-only, atomic) */
	/* NO_PREALLOC: elements in the map, or the folded part of them when pcount is set
	 * (atomic; map_hash_count.h) */
	long count;
	long *pcount;                   /* NO_PREALLOC, large maps: per-CPU deltas (alloc_percpu) */
	unsigned long nr_ctx_refused;   /* NO_PREALLOC writes refused by context (atomic) */
	unsigned long nr_inplace;       /* replaces written in place, no spare free (atomic) */
	struct sn_bpf_lru *lru_state;   /* LRU types */
};

static inline struct sn_htab *to_htab(const struct sn_map *map)
{
	return container_of(map, struct sn_htab, map);
}

static __always_inline bool htab_is_nulls(const struct htab_elem *p)
{
	return (uintptr_t)p & 1;
}

static __always_inline __u32 htab_nulls_value(const struct htab_elem *p)
{
	return (__u32)((uintptr_t)p >> 1);
}

static __always_inline struct htab_elem *htab_nulls(__u32 idx)
{
	return (struct htab_elem *)(((uintptr_t)idx << 1) | 1);
}

static __always_inline struct htab_elem *htab_load_next(struct htab_elem *const *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static __always_inline void htab_store_next(struct htab_elem **p, struct htab_elem *v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

/* The bucket index takes the low bits of the hash; the filter takes the top three. */
static __always_inline __u8 htab_filter_bit(__u32 hash)
{
	return (__u8)(1U << (hash >> 29));
}

static __always_inline struct htab_bucket *htab_bucket(const struct sn_htab *htab, __u32 hash)
{
	return &htab->buckets[hash & (htab->n_buckets - 1)];
}

static __always_inline void *htab_elem_value(const struct sn_htab *htab, struct htab_elem *l)
{
	return l->key + round_up(htab->map.key_size, 8U);
}

/* Per-CPU maps keep the per-CPU pointer where a plain map keeps the value. */
static __always_inline void *htab_elem_pptr(const struct sn_htab *htab, struct htab_elem *l)
{
	void *p;

	memcpy(&p, htab_elem_value(htab, l), sizeof(p));
	return p;
}

static __always_inline __u32 htab_pcpu_size(const struct sn_htab *htab)
{
	return round_up(htab->map.value_size, 8U);
}

/*
 * Word-wise atomic copies for data a lock-free reader may race with (see above); the element side
 * is 8-aligned. The u32 / u64 sizes inline, others go to the loops in map_hash.c.
 */
void __htab_copy_to_elem(void *dst, const void *src, size_t n);
void __htab_copy_from_elem(void *dst, const void *src, size_t n);

static __always_inline void htab_copy_to_elem(void *dst, const void *src, size_t n)
{
	if (n == 4) {
		uint32_t w;

		memcpy(&w, src, 4);
		__atomic_store_n((uint32_t *)dst, w, __ATOMIC_RELEASE);
	} else if (n == 8) {
		uint64_t w;

		memcpy(&w, src, 8);
		__atomic_store_n((uint64_t *)dst, w, __ATOMIC_RELEASE);
	} else {
		__htab_copy_to_elem(dst, src, n);
	}
}

static __always_inline void htab_copy_from_elem(void *dst, const void *src, size_t n)
{
	if (n == 4) {
		uint32_t w = __atomic_load_n((const uint32_t *)src, __ATOMIC_ACQUIRE);

		memcpy(dst, &w, 4);
	} else if (n == 8) {
		uint64_t w = __atomic_load_n((const uint64_t *)src, __ATOMIC_ACQUIRE);

		memcpy(dst, &w, 8);
	} else {
		__htab_copy_from_elem(dst, src, n);
	}
}

/*
 * The hot primitives below are inline: every update, delete and lookup runs them, and the call
 * overhead of out-of-line copies was a measurable part of a pair's cost (bench_maps).
 */

/* The CPU this task runs on: a pinned task's own CPU without a call (raw_smp_processor_id()). */
static __always_inline int htab_this_cpu(void)
{
	struct task_struct *t = current;

	if (likely(t->cpu >= 0))
		return t->cpu;
	return raw_smp_processor_id();
}

static __always_inline bool htab_key_eq(const struct htab_elem *l, const void *key,
					__u32 key_size)
{
	const unsigned char *k = key;
	__u32 i = 0;

	if (key_size == 4) {
		uint32_t w;

		memcpy(&w, key, 4);
		return __atomic_load_n((const uint32_t *)l->key, __ATOMIC_RELAXED) == w;
	}
	for (; i + 8 <= key_size; i += 8) {
		uint64_t w;

		memcpy(&w, k + i, 8);
		if (__atomic_load_n((const uint64_t *)(l->key + i), __ATOMIC_RELAXED) != w)
			return false;
	}
	for (; i < key_size; i++)
		if (__atomic_load_n(&l->key[i], __ATOMIC_RELAXED) != k[i])
			return false;
	return true;
}

/*
 * Bob Jenkins' lookup3 mix as the kernel's <linux/jhash.h> uses it (jhash for byte keys,
 * jhash2 for keys that are whole 32-bit words), so that ZERO_SEED maps hash like the kernel's.
 */
#define HTAB_JH_INITVAL 0xdeadbeefU

static __always_inline __u32 htab_jh_rol(__u32 w, unsigned int s)
{
	return (w << s) | (w >> (32 - s));
}

#define HTAB_JH_MIX(a, b, c)                                                                       \
	do {                                                                                       \
		a -= c; a ^= htab_jh_rol(c, 4);  c += b;                                           \
		b -= a; b ^= htab_jh_rol(a, 6);  a += c;                                           \
		c -= b; c ^= htab_jh_rol(b, 8);  b += a;                                           \
		a -= c; a ^= htab_jh_rol(c, 16); c += b;                                           \
		b -= a; b ^= htab_jh_rol(a, 19); a += c;                                           \
		c -= b; c ^= htab_jh_rol(b, 4);  b += a;                                           \
	} while (0)

#define HTAB_JH_FINAL(a, b, c)                                                                     \
	do {                                                                                       \
		c ^= b; c -= htab_jh_rol(b, 14);                                                   \
		a ^= c; a -= htab_jh_rol(c, 11);                                                   \
		b ^= a; b -= htab_jh_rol(a, 25);                                                   \
		c ^= b; c -= htab_jh_rol(b, 16);                                                   \
		a ^= c; a -= htab_jh_rol(c, 4);                                                    \
		b ^= a; b -= htab_jh_rol(a, 14);                                                   \
		c ^= b; c -= htab_jh_rol(b, 24);                                                   \
	} while (0)

static __always_inline __u32 htab_jh_words(const unsigned char *k, __u32 nwords, __u32 seed)
{
	__u32 a, b, c, w[3];

	a = b = c = HTAB_JH_INITVAL + (nwords << 2) + seed;
	if (nwords == 1) {
		memcpy(&w[0], k, 4);
		a += w[0];
		HTAB_JH_FINAL(a, b, c);
		return c;
	}
	while (nwords > 3) {
		memcpy(w, k, 12);
		a += w[0];
		b += w[1];
		c += w[2];
		HTAB_JH_MIX(a, b, c);
		nwords -= 3;
		k += 12;
	}
	if (!nwords)
		return c;
	memset(w, 0, sizeof(w));
	memcpy(w, k, (size_t)nwords * 4);
	c += w[2];
	b += w[1];
	a += w[0];
	HTAB_JH_FINAL(a, b, c);
	return c;
}

/* jhash() of a key whose size is not a multiple of 4 (map_hash.c). */
__u32 htab_jh_bytes(const unsigned char *k, __u32 len, __u32 seed);

static __always_inline __u32 htab_map_hash(const struct sn_htab *htab, const void *key)
{
	__u32 ks = htab->map.key_size;

	if (likely(ks % 4 == 0))
		return htab_jh_words(key, ks / 4, htab->hashrnd);
	return htab_jh_bytes(key, ks, htab->hashrnd);
}

/* The rare end of a lock-free walk: a restart or a miss that overlapped a change (map_hash.c). */
struct htab_elem *htab_lookup_elem_retry(struct sn_htab *htab, const struct htab_bucket *b,
					 __u32 hash, const void *key);

/*
 * The lock-free walk (lock held or not). The common cases inline: filtered out, found, or a
 * clean miss (ended on this bucket's marker, no change of the chain since the walk began).
 * Anything else walks again out of line, with the same rules (see htab_bucket.seq).
 */
static __always_inline struct htab_elem *__htab_lookup_elem_raw(struct sn_htab *htab,
								const struct htab_bucket *b,
								__u32 hash, const void *key,
								__u32 key_size)
{
	struct htab_elem *l;
	__u16 seq;

	/* No element of this chain has the hash's filter bit: absent (see htab_bucket.filter). */
	if (!(__atomic_load_n(&b->filter, __ATOMIC_RELAXED) & htab_filter_bit(hash)))
		return NULL;
	seq = __atomic_load_n(&b->seq, __ATOMIC_ACQUIRE);
	for (l = htab_load_next(&b->first); !htab_is_nulls(l); l = htab_load_next(&l->next))
		if (__atomic_load_n(&l->hash, __ATOMIC_RELAXED) == hash &&
		    htab_key_eq(l, key, key_size))
			return l;
	if (likely(l == htab_nulls((__u32)(b - htab->buckets)) && !(seq & 1) &&
		   __atomic_load_n(&b->seq, __ATOMIC_ACQUIRE) == seq))
		return NULL;
	return htab_lookup_elem_retry(htab, b, hash, key);
}

static __always_inline struct htab_elem *htab_lookup_elem_raw(struct sn_htab *htab,
							      const struct htab_bucket *b,
							      __u32 hash, const void *key)
{
	return __htab_lookup_elem_raw(htab, b, hash, key, htab->map.key_size);
}

/*
 * A lookup for a key size known at compile time (@key_size a multiple of 4): the hash and the
 * key compare unrolled for that size; the same function of the key as htab_map_hash().
 */
static __always_inline struct htab_elem *htab_lookup_elem_ks(struct sn_htab *htab,
							     const void *key, __u32 key_size)
{
	__u32 hash = htab_jh_words(key, key_size / 4, htab->hashrnd);

	return __htab_lookup_elem_raw(htab, htab_bucket(htab, hash), hash, key, key_size);
}

static __always_inline struct htab_elem *__htab_map_lookup_elem(struct sn_htab *htab,
								const void *key)
{
	__u32 hash = htab_map_hash(htab, key);

	return htab_lookup_elem_raw(htab, htab_bucket(htab, hash), hash, key);
}

/* The bucket lock and its chain; the kernel's bucket is 16 bytes too (without lockdep). */
static __always_inline int htab_lock_bucket(struct sn_htab *htab, struct htab_bucket *b)
{
	unsigned long flags;

	if (likely(htab->use_raw_lock))
		return raw_res_spin_lock_irqsave(&b->raw_lock, flags);
	rt_mutex_lock(&b->lock);
	return 0;
}

static __always_inline void htab_unlock_bucket(struct sn_htab *htab, struct htab_bucket *b)
{
	if (likely(htab->use_raw_lock))
		raw_res_spin_unlock_irqrestore(&b->raw_lock, 0);
	else
		rt_mutex_unlock(&b->lock);
}

/* Around chain changes (lock held); add_head and chain_del do it themselves. */
static __always_inline void htab_write_begin(struct htab_bucket *b)
{
	/* ordered by the release below */
	__atomic_store_n(&b->seq, (__u16)(b->seq + 1), __ATOMIC_RELAXED);
}

static __always_inline void htab_write_end(struct htab_bucket *b)
{
	__atomic_store_n(&b->seq, (__u16)(b->seq + 1), __ATOMIC_RELEASE);
}

/* Link l at the head of b's chain (lock held; l's key, hash and value written). */
static __always_inline void htab_chain_add_head(struct sn_htab *htab, struct htab_bucket *b,
						struct htab_elem *l)
{
	__u8 bit = htab_filter_bit(__atomic_load_n(&l->hash, __ATOMIC_RELAXED));
	__u8 old = __atomic_load_n(&b->filter, __ATOMIC_RELAXED);

	(void)htab;
	/* The bit before the element: a reader never filters out a linked key. */
	if (!(old & bit))
		__atomic_store_n(&b->filter, old | bit, __ATOMIC_RELAXED);
	htab_write_begin(b);
	/* The release store publishes l's key, hash and value. */
	htab_store_next(&l->next, __atomic_load_n(&b->first, __ATOMIC_RELAXED));
	htab_store_next(&b->first, l);
	htab_write_end(b);
}

/* Unlink l from b's chain (lock held), then recompute b's filter. Return: true if it was there. */
static __always_inline bool htab_chain_del(struct htab_bucket *b, struct htab_elem *l)
{
	struct htab_elem **pp = &b->first, *p;
	__u8 bits = 0;

	for (p = *pp; !htab_is_nulls(p); pp = &p->next, p = *pp) {
		if (p == l) {
			htab_write_begin(b);
			/* l->next stays as it is: a reader standing on l walks on. */
			htab_store_next(pp, __atomic_load_n(&l->next, __ATOMIC_RELAXED));
			htab_write_end(b);
			/* The filter after the unlink: the bits of what is left (lock held). */
			for (p = b->first; !htab_is_nulls(p); p = p->next)
				bits |= htab_filter_bit(__atomic_load_n(&p->hash, __ATOMIC_RELAXED));
			if (bits != __atomic_load_n(&b->filter, __ATOMIC_RELAXED))
				__atomic_store_n(&b->filter, bits, __ATOMIC_RELAXED);
			return true;
		}
	}
	return false;
}
static __always_inline int htab_check_flags(struct htab_elem *l_old, __u64 map_flags)
{
	if (l_old && (map_flags & ~(__u64)BPF_F_LOCK) == BPF_NOEXIST)
		return -EEXIST;
	if (!l_old && (map_flags & ~(__u64)BPF_F_LOCK) == BPF_EXIST)
		return -ENOENT;
	return 0;
}
void htab_pcpu_copy_value(struct sn_htab *htab, void *pptr, const void *value, bool onallcpus);
void htab_pcpu_init_value(struct sn_htab *htab, void *pptr, const void *value, bool onallcpus);

/* Common creation and teardown for all four types (alloc_check done by the caller). */
int htab_alloc_check(const struct sn_map_attr *attr);
struct sn_map *htab_map_alloc(const struct sn_map_attr *attr, int *err);
void htab_map_free(struct sn_map *map);
int htab_map_get_next_key(const struct sn_map *map, const void *key, void *next_key);
long htab_map_delete_elem(struct sn_map *map, const void *key);
int htab_copy_value(const struct sn_map *map, const void *key, void *value);
int htab_percpu_copy_value(const struct sn_map *map, const void *key, void *value);
/* @flags: the batch-level flags; nonzero is -EINVAL, checked before *count. */
int htab_map_lookup_batch(const struct sn_map *map, const void *in_batch, void *out_batch,
			  void *keys, void *values, __u32 *count, __u64 flags);
int htab_map_lookup_and_delete_batch(struct sn_map *map, const void *in_batch, void *out_batch,
				     void *keys, void *values, __u32 *count, __u64 flags);
int htab_map_lookup_and_delete_elem(struct sn_map *map, const void *key, void *value);

/* map_lru.c */
int sn_lru_init(struct sn_htab *htab, __u32 nr_elems);
void sn_lru_destroy(struct sn_htab *htab);
void htab_lru_push_free(struct sn_htab *htab, struct htab_elem *l);

/* NO_PREALLOC writes refused because of the calling context (tests). */
unsigned long sn_htab__ctx_refused(const struct sn_map *map);

#endif /* MAPS_MAP_HASH_INTERNAL_H */
