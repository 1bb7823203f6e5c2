/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * nolock_pool_internal.h - the layout of a nolock pool, and lock helpers for tests.
 *
 * For nolock_pool.c and for tests that need to hold a pool lock at a moment of their choosing
 * (for instance to make a signal handler meet a held lock). Nothing else includes this file.
 *
 * The helpers take the same locks, in the same order, as the pool does: a CPU cache lock before
 * the global lock, never two cache locks at once. nolock_pool__lock_global() does not take the
 * parked objects back; holding it only keeps everybody else out of the global pool.
 */
#ifndef BHLOCK_NOLOCK_POOL_INTERNAL_H
#define BHLOCK_NOLOCK_POOL_INTERNAL_H

#include "nolock_pool.h"
#include "rt_mutex.h"

/* A free object on the parked list; the link overlays the object's first bytes. */
struct np_node {
	struct np_node *next;
};

struct np_cache {
	struct rt_mutex lock; /* protects count and objs[] of this CPU's cache */
	unsigned int count;
	void *objs[]; /* cache_size entries; objs[count - 1] is handed out next */
} ____cacheline_aligned;

/* Relaxed atomic counters: a signal handler may interrupt an update of the same CPU's slot. */
struct np_pcpu_stats {
	uint64_t allocs, frees, alloc_empty, nolock_fail, nolock_busy, parked, unparked;
} ____cacheline_aligned;

struct nolock_pool {
	char name[32];
	size_t obj_size, stride, nr_objs;
	unsigned int cache_size, batch;
	int fail_site;               /* fail_alloc.h site of this pool's name, or -1 */
	char *base;                  /* nr_objs objects, stride bytes apart; owned by the pool */
	struct np_cache *cache;      /* per-CPU */
	struct np_pcpu_stats *stats; /* per-CPU */
#ifdef BHLOCK_DEBUG
	uint8_t *owned; /* per object, 1 while handed out: catches double hand-out and double free */
#endif

	struct rt_mutex lock ____cacheline_aligned; /* protects nr_free and free[] (the global pool) */
	size_t nr_free;
	void **free; /* nr_objs entries: the global pool can hold every object */

	/*
	 * Lock-free: pushed by pool_free_nolock() with a CAS, taken whole with an atomic exchange
	 * by a holder of the global lock. Nobody pops a single node, so ABA cannot happen.
	 */
	struct np_node *parked ____cacheline_aligned;
};

/* Tests: hold a CPU's cache lock / the global lock (thread context; may wait). */
void nolock_pool__lock_cpu(struct nolock_pool *p, int cpu);
void nolock_pool__unlock_cpu(struct nolock_pool *p, int cpu);
void nolock_pool__lock_global(struct nolock_pool *p);
void nolock_pool__unlock_global(struct nolock_pool *p);

#endif /* BHLOCK_NOLOCK_POOL_INTERNAL_H */
