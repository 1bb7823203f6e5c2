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

#include "bhlock/pcpu_freelist.h"
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
	long count;                     /* NO_PREALLOC: elements in the map (atomic) */
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

/* Relaxed word-wise copies for data a lock-free reader may race with (see above). */
void htab_copy_to_elem(void *dst, const void *src, size_t n);
void htab_copy_from_elem(void *dst, const void *src, size_t n);

__u32 htab_map_hash(const struct sn_htab *htab, const void *key);
struct htab_elem *htab_lookup_elem_raw(struct sn_htab *htab, const struct htab_bucket *b,
				       __u32 hash, const void *key);
struct htab_elem *__htab_map_lookup_elem(struct sn_htab *htab, const void *key);
int htab_lock_bucket(struct sn_htab *htab, struct htab_bucket *b);
void htab_unlock_bucket(struct sn_htab *htab, struct htab_bucket *b);
void htab_chain_add_head(struct sn_htab *htab, struct htab_bucket *b, struct htab_elem *l);
/* The bucket lock and its chain; the kernel's bucket is 16 bytes too (without lockdep). */
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
/* Unlink l from b's chain (lock held), then recompute b's filter. Return: true if it was there. */
bool htab_chain_del(struct htab_bucket *b, struct htab_elem *l);
int htab_check_flags(struct htab_elem *l_old, __u64 map_flags);
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
