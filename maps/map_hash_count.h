/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * map_hash_count.h - the element count of a BPF_F_NO_PREALLOC HASH / PERCPU_HASH map, which
 * makes an insert past max_entries -E2BIG. (A preallocated map keeps no count: its freelist
 * running empty is its -E2BIG, as the kernel's.)
 *
 * As kernel/bpf/hashtab.c (htab_map_alloc(), is_map_full(), inc_elem_count()): a map with
 * max_entries / 2 > nr_cpus * HTAB_PCOUNT_BATCH counts per CPU (percpu_counter with batch 32),
 * so that inserts and deletes on different CPUs do not write one shared line; a smaller map
 * counts in one atomic. softnetd's check is strict in both cases: the insert counts itself
 * first and takes it back if that went past max_entries, so concurrent inserts never leave more
 * than max_entries elements (the kernel checks, then counts, and can overshoot by a few).
 *
 * Per-CPU form: each CPU's delta (any task on that CPU adds to it, atomically) is folded into
 * htab->count when it reaches +-BATCH: global first, local second, so a reader that sums the
 * locals first and the global second may count a fold twice, never miss it. Far from the limit
 * the global alone decides (kernel's __percpu_counter_compare()); within the margin the exact
 * sum does. The margin 2 * BATCH * nr_cpus covers locals of up to 2 * BATCH - 1, i.e. fewer
 * than BATCH tasks of one CPU in the middle of an insert at once.
 * Context: any in which the map may be written.
 */
#ifndef MAPS_MAP_HASH_COUNT_H
#define MAPS_MAP_HASH_COUNT_H

#include "map_hash_internal.h"

#define HTAB_PCOUNT_BATCH 32

/* Whether the kernel would use a percpu_counter for this map (htab_map_alloc()). */
static inline bool htab_count_use_percpu(const struct sn_htab *htab)
{
	return htab->map.max_entries / 2 > (__u32)nr_cpu_ids * HTAB_PCOUNT_BATCH;
}

/* Allocate the per-CPU deltas if the map uses them. Return: 0 or -ENOMEM. */
static inline int htab_count_init(struct sn_htab *htab)
{
	if (htab->prealloc || !htab_count_use_percpu(htab))
		return 0;
	htab->pcount = alloc_percpu(long); /* zeroed */
	return htab->pcount ? 0 : -ENOMEM;
}

static inline void htab_count_destroy(struct sn_htab *htab)
{
	if (htab->pcount)
		free_percpu(htab->pcount);
}

static __always_inline void htab_pcount_add(struct sn_htab *htab, long v)
{
	long *local = per_cpu_ptr(htab->pcount, htab_this_cpu());
	long n = __atomic_add_fetch(local, v, __ATOMIC_SEQ_CST);

	if (unlikely(n >= HTAB_PCOUNT_BATCH || n <= -HTAB_PCOUNT_BATCH)) {
		__atomic_fetch_add(&htab->count, n, __ATOMIC_SEQ_CST);
		__atomic_fetch_sub(local, n, __ATOMIC_SEQ_CST);
	}
}

/* The exact count (map_hash.c): the locals first, then the global. */
long htab_pcount_sum(struct sn_htab *htab);

static __always_inline bool htab_pcount_over_max(struct sn_htab *htab)
{
	long approx = __atomic_load_n(&htab->count, __ATOMIC_SEQ_CST);
	long margin = 2L * HTAB_PCOUNT_BATCH * nr_cpu_ids;

	if (likely(approx < (long)htab->map.max_entries - margin))
		return false;
	return htab_pcount_sum(htab) > (long)htab->map.max_entries;
}

/*
 * Count one more element, unless the map already holds max_entries and @replace is false.
 * Return: true if counted (the caller inserts), false for -E2BIG (nothing counted).
 */
static __always_inline bool htab_count_inc(struct sn_htab *htab, bool replace)
{
	if (htab->pcount) {
		htab_pcount_add(htab, 1);
		if (unlikely(htab_pcount_over_max(htab)) && !replace) {
			htab_pcount_add(htab, -1);
			return false;
		}
		return true;
	}
	if (__atomic_fetch_add(&htab->count, 1, __ATOMIC_RELAXED) >= (long)htab->map.max_entries &&
	    !replace) {
		__atomic_fetch_sub(&htab->count, 1, __ATOMIC_RELAXED);
		return false;
	}
	return true;
}

static __always_inline void htab_count_dec(struct sn_htab *htab)
{
	if (htab->pcount)
		htab_pcount_add(htab, -1);
	else
		__atomic_fetch_sub(&htab->count, 1, __ATOMIC_RELAXED);
}

#endif /* MAPS_MAP_HASH_COUNT_H */
